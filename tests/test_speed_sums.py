"""The step's last sums in one pass (kernels.end_of_step, used by Totals.refresh) are the
separate passes' sums, bit for bit: output by cell (total_by_cell), the recorder's five
(record_cells) and the floor space occupied (total_by_location)."""

from __future__ import annotations

import numpy as np

from sim.model import kernels


def test_the_one_pass_gives_the_separate_passes_sums():
    rng = np.random.default_rng(7)
    for trial in range(60):
        n_slots, n_loc = int(rng.integers(0, 5000)), int(rng.integers(1, 18))
        location = rng.integers(0, n_loc, n_slots).astype(np.int16)
        sector = rng.integers(0, 6, n_slots).astype(np.int8)
        if trial % 3 == 0:  # runs of one cell, as firms come
            location.sort()
        above = rng.random(n_slots) < 0.4
        output, employees, skilled, floor = (rng.random(n_slots) * 10.0 ** rng.uniform(-3, 4, n_slots) for _ in range(4))
        live = np.flatnonzero(rng.random(n_slots) < 0.8)
        out_all, cells, occupied = kernels.end_of_step(live, location, sector, above, output, employees, skilled, floor, n_loc)
        assert out_all.tobytes() == kernels.total_by_cell(live, location, sector, output, n_loc).tobytes()
        for got, want in zip(cells, kernels.record_cells(live, location, sector, above, output, employees, skilled, n_loc)):
            assert got.dtype == want.dtype and got.tobytes() == want.tobytes()
        assert occupied.tobytes() == kernels.total_by_location(live, location, floor, n_loc).tobytes()
