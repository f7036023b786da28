"""timeseries.parquet's rows are built from tidy's blocks as categories directly
(sim.runs.results.timeseries_table): the same arrow table, and the same file bytes, as
converting tidy's frame of strings."""

from __future__ import annotations

import io

import numpy as np
import pyarrow as pa
import pyarrow.parquet as pq
import pytest

from sim import Model, load_config
from sim.runs.results import CATEGORIES, TIMESERIES_PARQUET, tidy, timeseries_table


def _from_tidy(rec, replication: int, outputs: str) -> pa.Table:  # what ResultSet wrote before
    frame = tidy(rec, replication, outputs)
    for col in CATEGORIES:
        frame[col] = frame[col].astype("category")
    frame["value"] = frame["value"].astype(np.float32)
    return pa.Table.from_pandas(frame, preserve_index=False).replace_schema_metadata(None)


def _written(*tables: pa.Table) -> bytes:
    out = io.BytesIO()
    with pq.ParquetWriter(out, tables[0].schema, **TIMESERIES_PARQUET) as writer:
        for t in tables:
            writer.write_table(t)
    return out.getvalue()


@pytest.fixture(scope="module")
def recorder():
    cfg = load_config(firms_scale=0.01, replications=1, progress=False, uncertainty="seeds", horizon_year=2026)
    return Model(cfg, 0).run().recorder


@pytest.mark.parametrize("outputs", ["parks", "cells"])
def test_the_table_is_tidys_frame_as_stored(recorder, outputs):
    got = [timeseries_table(recorder, k, outputs) for k in (0, 7)]
    want = [_from_tidy(recorder, k, outputs) for k in (0, 7)]
    for g, w in zip(got, want):
        assert g.schema == w.schema and g.equals(w)
        assert g.column("id").type.index_type == pa.int8()  # as pandas codes fewer than 127 categories
    assert _written(*got) == _written(*want)
