"""Firm state as a struct of arrays.

Row i of every array is firm i for the whole run (a stable slot id). Exits clear the
`alive` flag and never compact the arrays, so slot ids, and the random draws indexed by
them, stay put. Arrays grow by half their size when full. Assigning an attribute that is
not a declared field raises, so a typo cannot create state.

Who is alive, where and in which sector changes only through `add`, `remove` and `move`
(those arrays are read-only otherwise, so a stray write raises): each bumps `version`, so
`live()` and the model's aggregation indices are computed once per change, not once per use.
After firms are only added (`appended_since`), what was computed for the firms before is
extended by the new slots rather than computed again (the same arrays: new slots come
after every earlier one).
"""

from __future__ import annotations

import numpy as np

# name -> dtype. Units: output_yi 亿元/yr; capital_yi 亿元; floor_m2 m²; age in months.
FIELDS: dict[str, type] = {
    "alive": np.bool_,
    "sector": np.int8,
    "location": np.int16,  # park index; the last index is `outside`
    "output_yi": np.float64,
    "productivity": np.float64,  # potential output at unconstrained inputs, 亿元/yr
    "capital_yi": np.float64,
    "employees": np.float64,
    "skilled": np.float64,
    "floor_m2": np.float64,
    "space_intensity": np.float64,  # m² per 亿 of output the firm needs at base-year technology
    "skill_factor": np.float64,  # its skilled workers per 亿 relative to its sector's mean (talent.skill_factor of space_intensity)
    "age_months": np.int32,
    "above_scale": np.bool_,
    "trend": np.float64,  # smoothed yearly log growth (exponential moving average)
    "boost": np.float64,  # pending log-productivity change (a move's agglomeration jump)
    "subsidy_yi": np.float64,  # fiscal subsidy received this year, 亿元/yr
    "moves": np.int16,
    "born_step": np.int32,
}
GUARDED = ("alive", "sector", "location")  # written only by add, remove, move


class FirmStore:
    """Named, typed arrays with an alive mask and amortised growth."""

    __slots__ = ("n", "_capacity", "version", "_live", "_live_version", "_appends", *FIELDS)
    _STATE = ("n", "_capacity", "version", "_live", "_live_version", "_appends")

    def __init__(self, capacity: int = 1024):
        self.n = 0  # slots used so far (alive or not)
        self._capacity = max(int(capacity), 16)
        self.version = 0  # bumped whenever who is alive, or where, changes
        self._live_version = -1
        self._live = None
        self._appends = {0: 0}  # version -> slots then, for the versions since which firms were only added
        for name, dtype in FIELDS.items():
            self._install(name, np.zeros(self._capacity, dtype=dtype))

    def _install(self, name: str, array: np.ndarray) -> None:
        array.flags.writeable = name not in GUARDED
        object.__setattr__(self, name, array)

    def _write(self, name: str, slots, values) -> None:
        array = getattr(self, name)
        array.flags.writeable = True
        try:
            array[slots] = values
        finally:
            array.flags.writeable = name not in GUARDED

    def add(self, **values: np.ndarray) -> np.ndarray:
        """Append firms; every field not given starts at zero. Returns their slot ids."""
        unknown = set(values) - set(FIELDS)
        if unknown:
            raise AttributeError(f"unknown firm fields: {sorted(unknown)}")
        k = len(next(iter(values.values())))
        if self.n + k > self._capacity:
            self._grow(self.n + k)
        slots = np.arange(self.n, self.n + k)
        rows = slice(self.n, self.n + k)  # the slots, as a slice: the same rows written, faster
        for name, v in values.items():
            if name in GUARDED:
                self._write(name, rows, v)
            else:
                getattr(self, name)[rows] = v
        self._write("alive", rows, True)
        self.n += k
        self.version += 1
        self._appends[self.version] = self.n
        return slots

    def remove(self, slots) -> None:
        """Firms exit: their rows stay, marked dead."""
        self._write("alive", slots, False)
        self.version += 1
        self._appends = {self.version: self.n}

    def move(self, slots, locations) -> None:
        """Firms relocate to `locations`."""
        self._write("location", slots, locations)
        current = self._live_version == self.version  # who is alive is the same after a move
        self.version += 1
        self._appends = {self.version: self.n}
        if current:
            self._live_version = self.version

    def _grow(self, needed: int) -> None:
        new = max(needed, int(self._capacity * 1.5))
        for name, dtype in FIELDS.items():
            old = getattr(self, name)
            arr = np.zeros(new, dtype=dtype)
            arr[: self._capacity] = old
            self._install(name, arr)
        self._capacity = new

    def appended_since(self, version: int) -> int | None:
        """The first slot added since `version` if firms were only added since (all of them
        alive: the slots from it to `n`), else None."""
        return self._appends.get(version)

    def live(self) -> np.ndarray:
        """Slot ids of the firms alive now (sorted; read-only, shared until the next change)."""
        if self._live_version != self.version:
            first = self.appended_since(self._live_version)
            if first is not None:  # only added since: the earlier live slots, then the new ones
                live = np.concatenate([self._live, np.arange(first, self.n)])
            else:
                live = np.flatnonzero(self.alive[: self.n])
            live.flags.writeable = False
            self._live, self._live_version = live, self.version
        return self._live

    def __setattr__(self, name: str, value) -> None:
        if name not in self._STATE:
            raise AttributeError(f"FirmStore has no settable attribute {name!r}")
        object.__setattr__(self, name, value)
