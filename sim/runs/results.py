"""How a run's results are written (the results contract in README.md).

`tidy` turns a run's Recorder (sim.model.recorder) into the long table of
timeseries.parquet. A run's files are written as a set (`ResultSet`): into a temporary
directory beside them, then renamed into place, targets.json last; a single file is written
atomically (`atomic_write`): a temporary file, then a rename.
"""

from __future__ import annotations

import hashlib
import json
import os
import re
import shutil
import tempfile
from pathlib import Path

import numpy as np
import pandas as pd
import pyarrow as pa
import pyarrow.parquet as pq

from ..config.schema import SECTORS
from ..model.recorder import Recorder
from .targets import parks_output_series


def tidy(rec: Recorder, replication: int, outputs: str = "cells") -> pd.DataFrame:
    """The long table: replication, date (datetime64[ns], month ends), level, id, variable,
    value (float64 here; timeseries.parquet stores float32). Rows come in blocks of one
    (level, variable), within a block one id's dates in a row. `outputs`
    (sim.config.Config.outputs): "cells" every level, "parks" all but park_sector."""
    return _frame(rec, replication, outputs, lambda labels, repeats: np.repeat(np.array(labels, dtype=object), repeats))


def timeseries_table(rec: Recorder, replication: int, outputs: str = "cells") -> pa.Table:
    """`tidy`'s rows as timeseries.parquet stores them: level, id and variable as categories
    (sorted, as pandas' astype("category") makes them), the values as float32. The same
    table as converting tidy's frame, built from each block's codes instead of factorizing
    its columns of strings, on one thread: 10.2 -> 4.1 ms a replication at 10k firms."""
    frame = _frame(rec, replication, outputs, _categories)
    frame["value"] = frame["value"].astype(np.float32)
    return pa.Table.from_pandas(frame, preserve_index=False, nthreads=1).replace_schema_metadata(None)  # the arrow schema says it all; one thread: a pool for six columns costs more than it gives


def _categories(labels: list, repeats) -> pd.Categorical:
    """Label i repeated repeats[i] times, as a categorical of the sorted labels."""
    names = sorted(set(labels))
    code = {name: i for i, name in enumerate(names)}
    return pd.Categorical.from_codes(np.repeat(np.array([code[x] for x in labels], dtype=np.int64), repeats), categories=names)


def _frame(rec: Recorder, replication: int, outputs: str, column) -> pd.DataFrame:
    """tidy's rows; `column(labels, repeats)` makes the level, id and variable columns."""
    blocks, dates = _blocks(rec, outputs)
    sizes = [values.size for *_, values in blocks]  # rows: id-major within a block (a series' months in a row compress better)
    return pd.DataFrame(
        {
            "replication": np.full(sum(sizes), replication, dtype=np.int64),
            "date": np.concatenate([np.tile(dates, values.shape[1]) for *_, values in blocks]),
            "level": column([level for level, *_ in blocks], sizes),
            "id": column([i for _, ids, _, _ in blocks for i in ids], len(dates)),
            "variable": column([variable for _, _, variable, _ in blocks], sizes),
            "value": np.concatenate([values.T.ravel() for *_, values in blocks]),
        }
    )


def _blocks(rec: Recorder, outputs: str) -> tuple[list[tuple[str, list, str, np.ndarray]], np.ndarray]:
    """tidy's blocks, (level, ids, variable, values [date, id]), and the dates."""
    parks = rec.is_park
    cell_ids = [f"{loc}:{s}" for loc in rec.location_ids for s in SECTORS]
    blocks = []  # (level, ids, variable, values [date, n_ids])

    def add(level, ids, variable, values):
        blocks.append((level, ids, variable, np.asarray(values, dtype=float).reshape(len(rec.dates), -1)))

    for v, a in rec.cells.items():
        if outputs == "cells":
            add("park_sector", cell_ids, v, a.reshape(len(rec.dates), -1))
        add("sector", list(SECTORS), v, a.sum(axis=1))
        if v != "fai_yi":  # a park's and the city's FAI include construction: below
            add("park", rec.location_ids, v, a.sum(axis=2))
            add("city", ["city"], v, a.sum(axis=(1, 2)))
    # each sector's output in the parks: the clusters of cluster_scope=parks without park_sector
    add("sector", list(SECTORS), "parks_output_yi", rec.cells["output_yi"][:, parks].sum(axis=1))
    for v, a in rec.locations.items():
        add("park", rec.location_ids, v, a)
    fai = rec.fai_by_location()
    add("park", rec.location_ids, "fai_yi", fai)
    add("city", ["city"], "fai_yi", fai.sum(axis=1))
    out = rec.cells["output_yi"].sum(axis=2)
    lead = rec.leading_output()
    add("park", rec.location_ids, "leading_share", np.divide(lead, out, out=np.zeros_like(out), where=out > 0))
    add("city", ["city"], "parks_output_yi", out[:, parks].sum(axis=1))
    # nominal output and the services revenue of the all_enterprises reading (ODD 8.3)
    nominal = out * rec.price_index[:, None]
    add("park", rec.location_ids, "output_nominal_yi", nominal)
    add("city", ["city"], "output_nominal_yi", nominal.sum(axis=1))
    add("city", ["city"], "price_index", rec.price_index)
    add("city", ["city"], "parks_output_target_yi", parks_output_series(rec, rec.targets))  # as the target reads it
    add("park", rec.location_ids, "services_revenue_yi", rec.services_yi)
    ecosystems = rec.cells["output_yi"].sum(axis=1) * rec.price_index[:, None]
    add("sector", list(SECTORS), "output_nominal_yi", ecosystems)
    add("city", ["city"], "parks_fai_yi", fai[:, parks].sum(axis=1))
    add("city", ["city"], "leading_share", lead[:, parks].sum(axis=1) / out[:, parks].sum(axis=1))
    for v, a in rec.flows.items():
        add("city", ["city"], v, a)
    return blocks, pd.to_datetime(pd.Series(rec.dates)).to_numpy(dtype="datetime64[ns]")  # month ends, read back as datetime64[ns]


def atomic_write(path: Path, write) -> None:
    """Call write(tmp_path), then rename tmp_path to path (same directory, so atomic).
    First removes the temporaries of `path` a killed writer left (a file has one writer at a
    time: a sweep directory's under its lock, a job directory's in its job's process)."""
    path = Path(path)
    path.parent.mkdir(parents=True, exist_ok=True)
    remove_stale_temporaries(path.parent, names=(path.name,))
    fd, tmp = tempfile.mkstemp(dir=path.parent, prefix=f".{path.name}.", suffix=".tmp")
    os.close(fd)
    try:
        write(Path(tmp))
        _publish(Path(tmp))
        os.replace(tmp, path)
    except BaseException:
        Path(tmp).unlink(missing_ok=True)
        raise


CATEGORIES = ("level", "id", "variable")
# how the files are encoded (README "Reading the results"; docs in results/README.md): the
# time series' values as float32 (about 7 significant digits; targets.json and the summary
# are computed from the model's float64 state, not from the file), split into byte streams
# and compressed with zstd at level 9 (43 kB and 1.7 ms a replication at firms_scale=0.36;
# level 19 saves 1 kB for 10 ms, 3% of the run, level 1 adds 6 kB); the few parameter values exactly, without per-column statistics
# or a stored schema (their footer, not their values, was most of the file)
TIMESERIES_PARQUET = dict(compression="zstd", compression_level=9, use_dictionary=["date", *CATEGORIES], use_byte_stream_split=["value"])
PARAMETERS_PARQUET = dict(compression="zstd", use_dictionary=False, write_statistics=False, store_schema=False)
RESULT_FILES = ("timeseries.parquet", "parameters.parquet", "targets.json")  # targets.json last: the commit marker


# a temporary of atomic_write ('.NAME.' + mkstemp's random part + '.tmp', beside NAME) or of
# ResultSet (NAME "results")
TEMPORARY = re.compile(r"\.(?P<name>.+)\.[A-Za-z0-9_]+\.tmp")


def remove_stale_temporaries(directory: Path, names: tuple[str, ...] | None = None) -> None:
    """Delete what a killed writer left in `directory`: atomic_write's `.NAME.XXXX.tmp` files
    and ResultSet's `.results.XXXX.tmp` directories. With `names`, only the temporaries of
    those files, in a directory other writers share (the sweep directory)."""
    for tmp in Path(directory).glob(".*.tmp"):
        m = TEMPORARY.fullmatch(tmp.name)
        if m is None or (names is not None and m["name"] not in names):
            continue
        if tmp.is_dir() and not tmp.is_symlink():
            shutil.rmtree(tmp, ignore_errors=True)
        else:
            tmp.unlink(missing_ok=True)


def file_digest(path: Path) -> dict:
    """{"bytes": size, "sha256": hex digest} of a file, read in 1 MB blocks."""
    h = hashlib.sha256()
    with open(path, "rb") as f:
        for block in iter(lambda: f.read(1 << 20), b""):
            h.update(block)
    return {"bytes": Path(path).stat().st_size, "sha256": h.hexdigest()}


class ResultSet:
    """A run's result files, which appear together or not at all.

    Replications are streamed to the time series one at a time (a parquet row group each),
    so memory stays flat in the number of replications. Everything is written into a
    temporary directory beside the results; `commit` renames the files into place with
    targets.json last, so a reader that finds targets.json finds the others complete. Any
    failure (a full disk, an interrupt) removes what was written.
    """

    def __init__(self, out_dir: Path):
        self.out_dir = Path(out_dir)
        self.out_dir.mkdir(parents=True, exist_ok=True)
        remove_stale_temporaries(self.out_dir)
        for name in RESULT_FILES:  # an earlier run's files would mix with this run's
            (self.out_dir / name).unlink(missing_ok=True)
        self.tmp = Path(tempfile.mkdtemp(dir=self.out_dir, prefix=".results.", suffix=".tmp"))
        self._writer: pq.ParquetWriter | None = None

    def __enter__(self) -> "ResultSet":
        return self

    def add_replication(self, table: pa.Table) -> None:
        """One replication's rows (`timeseries_table`), a row group of timeseries.parquet."""
        if self._writer is None:
            self._writer = pq.ParquetWriter(self.tmp / "timeseries.parquet", table.schema, **TIMESERIES_PARQUET)
        self._writer.write_table(table)

    def commit(self, parameters: pd.DataFrame, targets: dict) -> None:
        if self._writer is None:
            raise ValueError("a result set needs at least one replication")
        self._writer.close()
        self._writer = None
        table = pa.Table.from_pandas(parameters, preserve_index=False).replace_schema_metadata(None)
        pq.write_table(table, self.tmp / "parameters.parquet", **PARAMETERS_PARQUET)
        (self.tmp / "targets.json").write_text(json_text(targets, allow_nan=False), encoding="utf-8")
        for name in RESULT_FILES:
            _publish(self.tmp / name)
        for name in RESULT_FILES:
            os.replace(self.tmp / name, self.out_dir / name)

    def __exit__(self, kind, error, trace) -> None:
        try:
            if self._writer is not None:
                self._writer.close()
        except Exception:
            pass  # e.g. the disk is full: the file is removed below, and `error` is what failed
        finally:
            shutil.rmtree(self.tmp, ignore_errors=True)
        if kind is not None:  # a failure: none of the files stays, not even one already renamed
            for name in RESULT_FILES:
                (self.out_dir / name).unlink(missing_ok=True)
        if isinstance(error, OSError) and not error.filename:  # pyarrow's errors name no file
            raise OSError(error.errno, error.strerror or str(error), str(self.out_dir)) from error


def _publish(path: Path) -> None:
    """Give a result file the usual permissions (mkstemp and mkdtemp make private ones)."""
    umask = os.umask(0)
    os.umask(umask)
    os.chmod(path, 0o666 & ~umask)


def json_text(obj, allow_nan: bool = True) -> str:
    """The JSON text of `obj`; with allow_nan=False (targets.json) as the standard defines
    JSON: a NaN or an infinity raises ValueError instead of being written as the bare NaN
    most readers reject (sim.runs.guard refuses such a run before it gets here)."""
    return json.dumps(obj, indent=2, ensure_ascii=False, allow_nan=allow_nan) + "\n"


def write_json(path: Path, obj) -> None:
    atomic_write(path, lambda p: p.write_text(json_text(obj), encoding="utf-8"))
