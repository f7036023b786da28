"""outputs=parks|cells (issue 14): what the time series holds, and what its readers find there."""

import dataclasses

import pandas as pd

from sim import Model
from sim.runs.results import tidy
from sim.sweep.report_jobs import series


def test_clusters_in_the_parks_need_no_cells_and_older_results_still_read(small):
    """Under cluster_scope=parks the clusters are the sector-level parks_output_yi of the
    default output; results older than it are read from their park_sector cells; with
    neither, the job says why its clusters are missing."""
    small.targets.cluster_scope = "parks"
    config = dataclasses.asdict(small)
    rec = Model(small).run().recorder
    default, cells = tidy(rec, 0, "parks"), tidy(rec, 0, "cells")
    assert "park_sector" not in set(default["level"]) and "park_sector" in set(cells["level"])
    in_parks = (cells["level"] == "sector") & (cells["variable"] == "parks_output_yi")
    new, older = series(default, config), series(cells[~in_parks], config)
    pd.testing.assert_frame_equal(new.clusters, older.clusters, rtol=1e-12)
    city = series(default, dict(config, targets=dict(config["targets"], cluster_scope="city")))
    assert (city.clusters["p50"] > new.clusters["p50"]).all()  # the city counts the rest of the city too
    bare = series(default[~((default["level"] == "sector") & (default["variable"] == "parks_output_yi"))], config)
    assert bare.clusters is None and bare.fan is not None and "parks_output_yi" in bare.notes[0]
