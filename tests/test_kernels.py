"""The compiled passes (sim/model/kernels.py) give the numpy formulations' results to the bit:
sums added in np.bincount's order, the rules' own arithmetic on each firm's scalars."""

import numpy as np
import pytest

from sim.model import kernels
from sim.rules import space, talent
from sim.config.schema import SECTORS

S = len(SECTORS)
N_LOC = 5


@pytest.fixture
def firms():
    """Slots of a firm store: runs of one location (as the initial firms come) followed by
    entrants in any order; some slots dead."""
    rng = np.random.default_rng(7)
    n = 3000
    location = np.concatenate([np.sort(rng.integers(0, N_LOC, 2000)), rng.integers(0, N_LOC, n - 2000)]).astype(np.int16)
    location.flags.writeable = False  # as FirmStore keeps it
    sector = rng.integers(0, S, n).astype(np.int8)
    live = np.flatnonzero(rng.random(n) < 0.8)
    values = rng.lognormal(0.0, 2.0, n)
    return live, location, sector, values


def test_sums_are_bincount_bit_for_bit(firms):
    live, location, sector, values = firms
    where, cell = location[live].astype(np.intp), location[live].astype(np.intp) * S + sector[live]
    assert np.array_equal(kernels.index_of(live, location, sector)[0], where)
    assert np.array_equal(kernels.index_of(live, location, sector)[1], cell)
    want_l = np.bincount(where, weights=values[live], minlength=N_LOC)
    want_c = np.bincount(cell, weights=values[live], minlength=N_LOC * S)
    assert np.array_equal(kernels.sum_by(where, values[live], N_LOC), want_l)
    assert np.array_equal(kernels.total_by_location(live, location, values, N_LOC), want_l)
    assert np.array_equal(kernels.total_by_location_aligned(live, location, values[live], N_LOC), want_l)
    assert np.array_equal(kernels.total_by_cell(live, location, sector, values, N_LOC), want_c)
    empty = live[:0]
    assert np.array_equal(kernels.total_by_cell(empty, location, sector, values, N_LOC), np.zeros(N_LOC * S))
    assert np.array_equal(kernels.sum_by(where[:0], values[:0], N_LOC), np.zeros(N_LOC))


def test_record_cells(firms):
    live, location, sector, values = firms
    rng = np.random.default_rng(1)
    above = rng.random(location.size) < 0.3
    employees, skilled = rng.random(location.size) * 50, rng.random(location.size) * 5
    cell = location[live].astype(np.intp) * S + sector[live]
    k = np.flatnonzero(above[live])
    out, count, count_above, emp, sk = kernels.record_cells(live, location, sector, above, values, employees, skilled, N_LOC)
    assert np.array_equal(out, np.bincount(cell[k], weights=values[live[k]], minlength=N_LOC * S))
    assert np.array_equal(count, np.bincount(cell, minlength=N_LOC * S))
    assert np.array_equal(count_above, np.bincount(cell[k], minlength=N_LOC * S))
    assert np.array_equal(emp, np.bincount(cell, weights=employees[live], minlength=N_LOC * S))
    assert np.array_equal(sk, np.bincount(cell, weights=skilled[live], minlength=N_LOC * S))


def test_update_status_counts_crossings(firms):
    live, _, _, values = firms
    above = values >= 1.0
    above[::3] = ~above[::3]  # a third of them cross
    age = np.arange(values.size, dtype=np.int32)
    want_up = int(np.sum((values[live] >= 1.0) & ~above[live]))
    want_down = int(np.sum((values[live] < 1.0) & above[live]))
    up, down = kernels.update_status(live, values, above, age, 1.0)
    assert (up, down) == (want_up, want_down) and want_up > 0 and want_down > 0
    assert np.array_equal(above[live], values[live] >= 1.0)
    dead = np.setdiff1d(np.arange(values.size), live)
    assert np.array_equal(age[live], live + 1) and np.array_equal(age[dead], dead)


def test_pick_in_cells_as_cumsum_and_searchsorted(firms):
    live, location, sector, values = firms
    rng = np.random.default_rng(3)
    cell = location[live].astype(np.intp) * S + sector[live]
    cells = np.concatenate([rng.choice(cell, 20), [N_LOC * S + 1]])  # the last: a cell with no firm
    picks = np.concatenate([rng.random(20), [0.5]])
    picks[0] = 0.0
    want = np.full(cells.size, -1)
    for k in range(cells.size):  # the numpy formulation it replaced
        here = live[np.flatnonzero(cell == cells[k])]
        if here.size:
            cum = np.cumsum(values[here])
            want[k] = here[min(np.searchsorted(cum, picks[k] * cum[-1]), here.size - 1)]
    assert np.array_equal(kernels.pick_in_cells(live, location, sector, values, cells, picks), want)
    assert want[-1] == -1


def test_space_and_talent_passes_are_the_numpy_rules(firms):
    live, location, sector, values = firms
    rng = np.random.default_rng(5)
    n = location.size
    floor, intensity, target = rng.random(n) * 1e4, rng.lognormal(8.0, 0.5, n), values[live]
    trend_factor, slack = 0.97, 0.1
    floor_numpy = floor.copy()
    per_yi = intensity[live] * trend_factor
    kept, demand = space.request(floor_numpy[live], target, per_yi, slack)
    got = kernels.request_space(live, location, floor, intensity, trend_factor, target, slack, N_LOC)
    where = location[live].astype(np.intp)
    for a, b in zip(got, (per_yi, demand, np.bincount(where, weights=kept, minlength=N_LOC), np.bincount(where, weights=demand, minlength=N_LOC))):
        assert np.array_equal(a, b)
    assert np.array_equal(floor[live], kept)

    ratio = np.array([1.0, 0.5, 0.25, 1.0, 0.0])
    granted = demand * ratio[where]
    feasible, unmet = kernels.grant_space(live, location, floor, demand, ratio, target, per_yi, N_LOC)
    assert np.array_equal(floor[live], kept + granted)
    assert np.array_equal(unmet, np.bincount(where, weights=demand - granted, minlength=N_LOC))
    assert np.array_equal(feasible, space.feasible(target, kept + granted, per_yi))

    skilled, share, factor = rng.random(n) * 20, rng.random(S), 0.5 + rng.random(n)
    per_worker = share[sector[live]] * 3.5 * factor[live]
    release, asked = talent.request(skilled[live], feasible, per_worker)
    got = kernels.request_talent(live, location, sector, skilled, factor, feasible, share, 3.5, N_LOC)
    for a, b in zip(got, (per_worker, release, asked, np.bincount(where, weights=release, minlength=N_LOC), np.bincount(where, weights=asked, minlength=N_LOC))):
        assert np.array_equal(a, b)


def test_compiled_code_is_cached_by_the_sources_it_comes_from(tmp_path, monkeypatch):
    """An edit to a rule the kernels inline (sim/rules/space.py) must not load code compiled
    from the old rule: the cache directory is named by the digest of every source."""
    import shutil

    from sim.model import compiled

    for name in compiled.SOURCES:
        (tmp_path / name).parent.mkdir(parents=True, exist_ok=True)
        shutil.copy(compiled.HERE / name, tmp_path / name)
    monkeypatch.setattr(compiled, "HERE", tmp_path)
    monkeypatch.delenv("NUMBA_CACHE_DIR", raising=False)
    compiled.cache_dir.cache_clear()
    before = compiled.cache_dir()
    (tmp_path / "rules" / "space.py").write_text((tmp_path / "rules" / "space.py").read_text() + "\n# an edit\n")
    compiled.cache_dir.cache_clear()
    after = compiled.cache_dir()
    compiled.cache_dir.cache_clear()
    assert before != after and after.startswith(str(tmp_path / "__pycache__" / "numba-"))
