"""The per-agent reference (sim.checks.reference: idiomatic Mesa, each firm applies the rules to
its own scalars) and the vectorised model run the same rules: with the random draws shared
they give the same values, with their own draws the same distribution of outcomes."""

import copy

import numpy as np
import pytest
from scipy import stats

from sim import Model
from sim.checks.reference import ReferenceFirm, ReferenceModel
from sim.runs.results import tidy

TINY = 0.03  # about 840 firms: the reference runs 36 months in about a second
COUNTS = ("firms", "above_scale_firms", "entries", "exits", "moves", "crossed_up", "crossed_down", "st_platforms")


@pytest.fixture
def tiny(small):
    small.firms_scale = TINY
    return small


def both(cfg, replication=0, **kwargs):
    return Model(cfg, replication).run(), ReferenceModel(cfg, replication, **kwargs).run()


@pytest.mark.parametrize("variant", ["baseline", "free_moves_performance_fund"])
def test_shared_draws_give_the_same_values(tiny, variant):
    if variant != "baseline":
        tiny.policy.relocation_rule, tiny.policy.fund_allocation = "free", "performance"
    vec, ref = both(tiny)
    assert ref.flows.total["moves"] > 0 and ref.flows.total["exits"] > 0 and ref.flows.total["entries"] > 0

    # firm by firm: the same firms alive, in the same places, with the same state
    f, g, n = vec.firms, ref.firms, vec.firms.n
    assert g.n == n
    for name in ("alive", "location", "sector", "age_months", "above_scale", "moves", "born_step"):
        np.testing.assert_array_equal(getattr(f, name)[:n], getattr(g, name)[:n], err_msg=name)
    for name in ("output_yi", "productivity", "capital_yi", "employees", "skilled", "floor_m2", "trend", "subsidy_yi"):
        np.testing.assert_allclose(getattr(g, name)[:n], getattr(f, name)[:n], rtol=1e-9, atol=1e-12, err_msg=name)

    # every recorded aggregate: counts exactly, amounts to rounding (relative to the
    # variable's scale: differences of large, nearly equal numbers, e.g. vacant space, are
    # exact to rounding of the large ones)
    a, b = tidy(vec.recorder, 0), tidy(ref.recorder, 0)
    assert a[["date", "level", "id", "variable"]].equals(b[["date", "level", "id", "variable"]])
    counts = a["variable"].isin(COUNTS)
    np.testing.assert_array_equal(a.loc[counts, "value"].to_numpy(), b.loc[counts, "value"].to_numpy())
    scale = a["value"].abs().groupby([a["level"], a["variable"]]).transform("max").to_numpy()
    diff = np.abs(a["value"].to_numpy() - b["value"].to_numpy())
    assert np.all(diff <= 1e-9 * np.maximum(scale, 1e-300))


def test_reference_firms_are_mesa_agents_reading_their_rows(tiny):
    m = ReferenceModel(tiny)
    m.step()
    live = m.firms.live()
    agents = m.agents_by_type[ReferenceFirm]
    assert len(agents) == live.size
    assert sorted(a.slot for a in agents) == live.tolist()
    a = m.firm_agents[int(live[0])]
    assert a.output_yi == m.firms.output_yi[live[0]]


def test_own_draws_give_the_same_distribution(small):
    """The reference with draws of its own (not the vectorised model's per-slot streams):
    event counts agree within Poisson noise, firm sizes within a KS test, output within a
    few percent (3 replications; replication k starts from the same population in both)."""
    cfg = copy.deepcopy(small)
    cfg.firms_scale = 0.05
    vec, ref = [], []
    for k in range(3):
        v, r = both(cfg, k, shared_draws=False)
        vec.append(v)
        ref.append(r)
        assert not np.allclose(v.recorder.flows["exits"], r.recorder.flows["exits"])  # other draws

    def total(models, flow):
        return sum(m.recorder.flows[flow].sum() / m.weight for m in models)

    for flow in ("exits", "moves", "entries", "crossed_up"):
        x, y = total(vec, flow), total(ref, flow)
        assert abs(x - y) / np.sqrt(x + y) < 4, (flow, x, y)

    def sizes(models):
        return np.concatenate([np.log(m.firms.output_yi[m.firms.live()]) for m in models])

    assert stats.ks_2samp(sizes(vec), sizes(ref)).pvalue > 0.001

    def output(models):
        return np.mean([m.recorder.cells["output_all_yi"][-1].sum() for m in models])

    assert output(ref) == pytest.approx(output(vec), rel=0.06)
