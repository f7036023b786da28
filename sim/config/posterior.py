"""A posterior sample of the uncertain parameters, kept as data: data/posterior/NAME.csv.

`uncertainty=posterior` (sim/runs/uncertainty.py) draws replication k's parameters from the
particles of the file named by `Config.posterior` (a name, not a path). The format:

    # python -m experiments.posterior ...        <- optional leading comment lines: the
    # commit 1a2b3c4, 2025-01-31                     command, commit and date that made it
    params.macro_sd,calibration.zipf_exponent,weight
    0.061,1.07,0.5
    0.044,1.11,1.5

a header of dotted uncertain keys (those of `sim.config.uncertain_keys`, any subset, in any
order) and one `weight` column, then one row per particle. Weights are relative (>= 0, not
all 0). Every value must be a finite number within its field's hard limits. The uncertain
keys the file does not hold are drawn from their priors, as under `uncertainty=parameters`.

`read_posterior(name)` reads and checks a file (ConfigError, one line naming the file and
the problem); `write_posterior(path, keys, values, weights, comments)` writes one (checked
the same way, atomically), for the calibration that makes it. Files are parsed once per
process and file version.
"""

from __future__ import annotations

import csv
import functools
import io
import math
import os
import re
import tempfile
from dataclasses import dataclass
from pathlib import Path

import numpy as np

from .fields import close_matches
from .schema import DATA_DIR, ConfigError, hard_range, uncertain_keys

POSTERIOR_DIR = DATA_DIR / "posterior"  # where NAME.csv is looked up: not in configs/, where Hydra would take the directory for a config group (tests point it at their own fixtures)
NAME = re.compile(r"[A-Za-z0-9_.-]+")
WEIGHT = "weight"
MAKER = "python -m experiments.posterior"  # the command that makes a posterior sample


@dataclass(frozen=True, eq=False)
class Posterior:
    """A checked posterior sample: `values[i, j]` is particle i's value of `keys[j]`;
    `weights` sum to 1; `comments` are the file's leading comment lines, without '# '."""

    name: str
    path: Path
    keys: tuple[str, ...]
    values: np.ndarray
    weights: np.ndarray
    comments: tuple[str, ...]

    @property
    def particles(self) -> int:
        return len(self.weights)


def check_name(name: object) -> str:
    """A posterior's name (data/posterior/NAME.csv): letters, digits, _ . - only."""
    if not isinstance(name, str) or NAME.fullmatch(name) is None:
        raise ConfigError(f"Invalid value for posterior: {name!r}; allowed: a file name in data/posterior/ without .csv, "
                          "of letters, digits, _ . - (a name, not a path)")
    return name


def posterior_path(name: str) -> Path:
    """data/posterior/NAME.csv (NAME checked by `check_name`)."""
    return POSTERIOR_DIR / f"{check_name(name)}.csv"


def _available() -> str:
    names = sorted(p.stem for p in POSTERIOR_DIR.glob("*.csv")) if POSTERIOR_DIR.is_dir() else []
    return " | ".join(names) if names else "none yet"


def read_posterior(name: str) -> Posterior:
    """The checked posterior sample data/posterior/NAME.csv; ConfigError (one line naming
    the file and the problem) if it is missing or malformed."""
    path = posterior_path(name)
    try:
        st = path.stat()
    except OSError:
        raise ConfigError(f"{_shown(path)}: no such posterior sample (uncertainty=posterior reads data/posterior/NAME.csv, "
                          f"made by `{MAKER}`; available: {_available()})") from None
    return _read(str(path), st.st_mtime_ns, st.st_size, name)


def _shown(path: Path) -> str:
    try:
        return str(Path(path).resolve().relative_to(DATA_DIR.parent))
    except ValueError:
        return str(path)


@functools.cache
def _read(path: str, mtime_ns: int, size: int, name: str) -> Posterior:
    try:
        text = Path(path).read_text(encoding="utf-8")
    except (OSError, UnicodeDecodeError) as e:
        raise ConfigError(f"{_shown(Path(path))}: cannot be read ({e})") from None
    keys, values, weights, comments = parse(text, _shown(Path(path)))
    values.setflags(write=False)
    weights.setflags(write=False)
    return Posterior(name=name, path=Path(path), keys=keys, values=values, weights=weights, comments=comments)


def _number(text: str) -> float:
    try:
        v = float(text)
    except ValueError:
        return math.nan
    return v


def parse(text: str, where: str = "posterior") -> tuple[tuple[str, ...], np.ndarray, np.ndarray, tuple[str, ...]]:
    """(keys, values [particles x keys], weights summing to 1, comments) of a posterior CSV's
    text; ConfigError, one line starting with `where`, for anything malformed."""
    lines = text.splitlines()
    comments = []
    while lines and lines[0].startswith("#"):
        comments.append(lines.pop(0)[1:].strip())
    first = len(comments) + 1  # the header's line number
    rows = list(csv.reader(lines))
    if not rows or not any(cell.strip() for cell in rows[0]):
        raise ConfigError(f"{where}: no header line (after the leading # comments: dotted uncertain keys and a {WEIGHT} column)")
    header = [h.strip() for h in rows[0]]
    fields = dict(uncertain_keys())
    for h in header:
        if header.count(h) > 1:
            raise ConfigError(f"{where}, line {first}: column {h!r} appears twice")
        if h != WEIGHT and h not in fields:
            raise ConfigError(f"{where}, line {first}: column {h!r} is not an uncertain parameter{close_matches(h, fields)} (allowed: "
                              f"keys of uncertain fields, e.g. params.macro_sd or calibration.zipf_exponent, and {WEIGHT})")
    if WEIGHT not in header:
        raise ConfigError(f"{where}, line {first}: no {WEIGHT} column (the header holds dotted uncertain keys and {WEIGHT})")
    keys = tuple(h for h in header if h != WEIGHT)
    if not keys:
        raise ConfigError(f"{where}, line {first}: no parameter column besides {WEIGHT}")
    body = [(first + 1 + i, row) for i, row in enumerate(rows[1:]) if any(cell.strip() for cell in row)]
    if not body:
        raise ConfigError(f"{where}: no particles (one row per particle after the header)")
    values = np.empty((len(body), len(keys)))
    weights = np.empty(len(body))
    limits = {k: hard_range(fields[k]) for k in keys}
    for i, (line, row) in enumerate(body):
        if len(row) != len(header):
            raise ConfigError(f"{where}, line {line}: {len(row)} values for {len(header)} columns")
        j = 0
        for h, cell in zip(header, row):
            v = _number(cell.strip())
            if h == WEIGHT:
                if not (math.isfinite(v) and v >= 0):
                    raise ConfigError(f"{where}, line {line}: {WEIGHT} {cell.strip()!r}; allowed: a finite number >= 0")
                weights[i] = v
                continue
            lo, hi = limits[h]
            open_hi = fields[h].metadata.get("open_hi", False)
            if not (math.isfinite(v) and lo <= v and (v < hi if open_hi else v <= hi)):
                raise ConfigError(f"{where}, line {line}: {h} {cell.strip()!r}; allowed: a finite number in [{lo}, {hi}{')' if open_hi else ']'} "
                                  "(the field's hard limits)")
            values[i, j] = v
            j += 1
    total = float(weights.sum())
    if not total > 0:
        raise ConfigError(f"{where}: the {WEIGHT}s sum to 0; allowed: weights >= 0, not all 0")
    return keys, values, weights / total, tuple(comments)


def write_posterior(path: Path, keys, values, weights, comments=()) -> None:
    """Write a posterior sample (the format of this module's docstring) to `path` (e.g.
    `posterior_path("hangzhou_2022")`), atomically: `keys` dotted uncertain keys, `values`
    [particles x keys], `weights` >= 0 (relative), `comments` the leading # lines (the
    command, commit and date that made it). Checked as `read_posterior` checks it
    (ConfigError); values are written exactly (shortest round-trip repr)."""
    keys = [str(k) for k in keys]
    values = np.asarray(values, dtype=float).reshape(-1, len(keys))
    weights = np.asarray(weights, dtype=float).ravel()
    if len(weights) != len(values):
        raise ConfigError(f"{path}: {len(weights)} weights for {len(values)} particles")
    out = io.StringIO()
    for c in comments:
        for line in str(c).splitlines() or [""]:
            out.write(f"# {line}\n".replace("# \n", "#\n"))
    w = csv.writer(out, lineterminator="\n")
    w.writerow([*keys, WEIGHT])
    for row, weight in zip(values, weights):
        w.writerow([repr(float(v)) for v in row] + [repr(float(weight))])
    text = out.getvalue()
    parse(text, str(path))  # refuse what read_posterior would refuse, before writing anything
    path = Path(path)
    path.parent.mkdir(parents=True, exist_ok=True)
    fd, tmp = tempfile.mkstemp(dir=path.parent, prefix=f".{path.name}.", suffix=".tmp")
    try:
        with os.fdopen(fd, "w", encoding="utf-8") as f:
            f.write(text)
        os.chmod(tmp, 0o644)
        os.replace(tmp, path)
    except BaseException:
        Path(tmp).unlink(missing_ok=True)
        raise


def check_setting(cfg) -> None:
    """The posterior setting of a Config: its name always; under uncertainty=posterior, the
    file it names (read and checked)."""
    check_name(cfg.posterior)
    if cfg.uncertainty == "posterior":
        read_posterior(cfg.posterior)
