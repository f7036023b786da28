"""After firms are only added, the live slots and the cached index of the live firms are
extended by the new slots (FirmStore.appended_since) rather than computed again: the same
arrays as computing them afresh, through any sequence of adds, removals and moves."""

from __future__ import annotations

import numpy as np

from sim.model import kernels
from sim.model.firms import FirmStore
from sim.model.totals import Totals


class _Locations:
    n = 5


def _add(store, rng, k):
    return store.add(sector=rng.integers(0, 6, k).astype(np.int8), location=rng.integers(0, 5, k).astype(np.int16), output_yi=rng.random(k))


def test_extended_live_slots_and_index_are_those_computed_afresh():
    rng = np.random.default_rng(4)
    store = FirmStore(capacity=16)
    totals = Totals(store, _Locations(), 1.0)
    for trial in range(300):
        action = rng.integers(0, 5)
        if action <= 1:
            _add(store, rng, int(rng.integers(0, 40)))  # grows the arrays too, zero firms sometimes
        elif action == 2 and store.live().size:
            store.remove(rng.choice(store.live(), int(rng.integers(1, 5))))
        elif action == 3 and store.live().size:
            slots = rng.choice(store.live(), 3)
            store.move(slots, rng.integers(0, 5, slots.size).astype(np.int16))
        live = store.live()
        fresh = np.flatnonzero(store.alive[: store.n])
        assert live.dtype == fresh.dtype and live.tobytes() == fresh.tobytes() and not live.flags.writeable
        if rng.random() < 0.7:  # read the index at some versions only, so it is extended over several adds
            where, cell = totals.index(live)
            want = kernels.index_of(live, store.location, store.sector)
            assert where.dtype == want[0].dtype and where.tobytes() == want[0].tobytes() and cell.tobytes() == want[1].tobytes()


def test_firms_only_added_since_a_version():
    store = FirmStore()
    rng = np.random.default_rng(0)
    _add(store, rng, 3)
    v = store.version
    _add(store, rng, 2)
    _add(store, rng, 4)
    assert store.appended_since(v) == 3 and store.appended_since(store.version) == 9
    store.remove(np.array([0]))
    assert store.appended_since(v) is None and store.appended_since(store.version) == 9
