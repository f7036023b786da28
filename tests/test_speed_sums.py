"""Passes over the firms fused into one compiled pass give the numbers of the passes they
replace, bit for bit: the step's last sums (passes.end_of_step, used by Totals.refresh:
output by cell, the recorder's five, the floor space occupied), the location utility's
(passes.occupied_and_cells, used by Totals.vacancy_and_subsidies), production's
bookkeeping (passes.grant_talent, invested) and desired output's gathers and drift
(passes.drift_inputs, set_potential)."""

from __future__ import annotations

import numpy as np

from sim.model import kernels, passes


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
        out_all, cells, occupied = passes.end_of_step(live, location, sector, above, output, employees, skilled, floor, n_loc)
        assert out_all.tobytes() == kernels.total_by_cell(live, location, sector, output, n_loc).tobytes()
        for got, want in zip(cells, kernels.record_cells(live, location, sector, above, output, employees, skilled, n_loc)):
            assert got.dtype == want.dtype and got.tobytes() == want.tobytes()
        assert occupied.tobytes() == kernels.total_by_location(live, location, floor, n_loc).tobytes()


def test_the_floor_space_and_a_field_by_cell_in_one_pass_are_the_separate_sums():
    rng = np.random.default_rng(8)
    for trial in range(60):
        n_slots, n_loc = int(rng.integers(0, 5000)), int(rng.integers(1, 18))
        location = rng.integers(0, n_loc, n_slots).astype(np.int16)
        sector = rng.integers(0, 6, n_slots).astype(np.int8)
        floor, values = rng.random(n_slots) * 1e4, rng.random(n_slots) * 10.0 ** rng.uniform(-9, 2, n_slots)
        live = np.flatnonzero(rng.random(n_slots) < 0.8)
        occupied, cells = passes.occupied_and_cells(live, location, sector, floor, values, n_loc)
        assert occupied.tobytes() == kernels.total_by_location(live, location, floor, n_loc).tobytes()
        assert cells.tobytes() == kernels.total_by_cell(live, location, sector, values, n_loc).tobytes()


def test_the_models_vacancy_and_subsidies_are_its_separate_sums():
    from sim import load_config
    from sim.model.model import Model

    m = Model(load_config(firms_scale=0.02, replications=1, progress=False, uncertainty="seeds"), 0)
    for _ in range(5):
        m.step()
        vacancy, subsidy = m.totals.vacancy_and_subsidies()
        assert vacancy.tobytes() == m.totals.vacancy().tobytes()
        assert subsidy.tobytes() == m.totals.cell_total(m.firms.subsidy_yi, m.firms.live()).tobytes()


def test_the_compiled_grants_and_investment_are_the_numpy_steps():
    """passes.grant_talent and passes.invested: the model's numpy steps before them
    (granted = demand x ratio by location, the unmet demand by location, the skilled
    workers; the fields written, the investment by cell of the small and the large
    investors), bit for bit."""
    rng = np.random.default_rng(9)
    for trial in range(60):
        n_slots, n_loc = int(rng.integers(0, 4000)), int(rng.integers(1, 18))
        location = rng.integers(0, n_loc, n_slots).astype(np.int16)
        sector = rng.integers(0, 6, n_slots).astype(np.int8)
        live = np.flatnonzero(rng.random(n_slots) < 0.8)
        where, cell = location[live].astype(np.intp), location[live].astype(np.intp) * 6 + sector[live]
        demand, release, ratio = rng.random(live.size) * 5, rng.random(live.size), rng.random(n_loc)
        skilled_f = rng.random(n_slots) * 50
        want_skilled = skilled_f.copy()
        granted = demand * ratio[where]
        want_unmet = np.bincount(where, weights=demand - granted, minlength=n_loc)
        want_now = want_skilled[live] - release + granted
        want_skilled[live] = want_now
        got_skilled = skilled_f.copy()
        now, unmet = passes.grant_talent(live, location, demand, release, ratio, got_skilled, n_loc)
        assert now.tobytes() == want_now.tobytes() and unmet.tobytes() == want_unmet.tobytes() and got_skilled.tobytes() == want_skilled.tobytes()

        large = rng.random(live.size) < 0.1
        capital, kept, output = rng.random(live.size) * 9, rng.random(live.size) * 9, rng.random(live.size) * 3
        fields = [rng.random(n_slots) for _ in range(3)]
        want = [a.copy() for a in fields]
        want[0][live], want[1][live], want[2][live] = capital, output, 1.7 * output
        investment, big = capital - kept, np.flatnonzero(large)
        want_small = np.bincount(cell, weights=np.where(large, 0.0, investment), minlength=n_loc * 6)
        want_large = np.bincount(cell[big], weights=investment[big], minlength=n_loc * 6)
        got = [a.copy() for a in fields]
        small_c, large_c = passes.invested(live, location, sector, large, capital, kept, output, 1.7, *got, n_loc)
        assert small_c.tobytes() == want_small.tobytes() and large_c.tobytes() == want_large.tobytes()
        assert all(a.tobytes() == b.tobytes() for a, b in zip(got, want))


def test_the_compiled_drift_inputs_are_the_numpy_steps():
    """passes.drift_inputs and set_potential: desired output's gathers by slot and by cell
    and growth.drift, bit for bit; a firm older than the premium's table is reported."""
    from sim.rules import growth

    rng = np.random.default_rng(10)
    for trial in range(60):
        n_slots, n_loc = int(rng.integers(1, 4000)), int(rng.integers(1, 18))
        location = rng.integers(0, n_loc, n_slots).astype(np.int16)
        sector = rng.integers(0, 6, n_slots).astype(np.int8)
        live = np.flatnonzero(rng.random(n_slots) < 0.8)
        output, subsidy = rng.random(n_slots) * 10 + 1e-9, rng.random(n_slots) * rng.choice([0.0, 0.1])
        age = rng.integers(0, 400, n_slots).astype(np.int32)
        productivity, boost = rng.random(n_slots) * 12, rng.normal(0, 0.01, n_slots)
        place, agglomeration_ls = rng.normal(0, 0.05, (n_loc, 6)), rng.normal(0, 0.01, (n_loc, 6))
        young_by_age = rng.random(500) * 0.1
        offset, ret = float(rng.normal(0, 0.01)), float(rng.uniform(0, 2))
        ok, y, mu, agg, prod, pend = passes.drift_inputs(live, location, sector, output, age, subsidy, productivity, boost, place.ravel(), offset, ret, young_by_age, agglomeration_ls.ravel())
        cell = location[live].astype(np.intp) * 6 + sector[live]
        want_mu = growth.drift(type("P", (), {"subsidy_return": ret})(), place.ravel()[cell] - offset, subsidy[live] / output[live], age[live], young_by_age[age[live]])
        assert ok and y.tobytes() == output[live].tobytes() and mu.tobytes() == want_mu.tobytes()
        assert agg.tobytes() == agglomeration_ls.ravel()[cell].tobytes() and prod.tobytes() == productivity[live].tobytes() and pend.tobytes() == boost[live].tobytes()
        assert not passes.drift_inputs(live, location, sector, output, age, subsidy, productivity, boost, place.ravel(), offset, ret, young_by_age[:300], agglomeration_ls.ravel())[0] or age[live].max() < 300
        potential = rng.random(live.size)
        want_p, want_b = productivity.copy(), boost.copy()
        want_p[live], want_b[live] = potential, 0.0
        passes.set_potential(live, productivity, boost, potential)
        assert productivity.tobytes() == want_p.tobytes() and boost.tobytes() == want_b.tobytes()
