"""An aggregate capacity model: the ABM's inputs and rules without its agents.

Cells (location = the parks and `outside`, x sector) start at their 2022 output
(`population.cell_output`) and grow deterministically, monthly, at the sector drift plus
`zone_premium` in parks until floor space binds: the ABM's rules applied to cells, not firms.
Left out, for `experiments/docking.py` to reveal: shocks, entry, exit, relocation, projects,
talent, the fund, platforms, agglomeration, crossing the above-scale threshold. Each month:

- space (`Government.supply_space`): programme space M dt to parks (`space.allocate_new_space`);
  renovation A dt 亩 shared by the parks in proportion to their inefficient land left, at most
  that. A park's inefficient land: its firms' floor below the 2022 cutoff of output per m²,
  `inefficient_land_share` of it in 2022 and Phi(Phi^-1(share) - decline t / s) at t as floor
  per 亿 falls (log floor per 亿 is normal across firms, s = space_intensity_sd), less the
  share q cleared (shares of the floor the park's firms would hold uncleared). Clearing, least
  dense first, demolishes 666.7 plot_ratio_2022 m² a 亩; the first q of the floor holds G(q) =
  Phi(Phi^-1(q) - s) of the output. That output, with its desired output, capital and floor
  need, moves to `outside` while it has vacant space and the rule lets firms leave their
  district (not `restricted`); the rest closes (the ABM's may also go to other parks). Cleared
  land is rebuilt at rate dt / renovation_lag_years at new_plot_ratio (no projects claim it).
  Background supply: background_space_growth x dt x stock.
- desired output (`growth.potential` without shocks): D <- min(D, (1 + backlog_cap) Y) e^(mu dt).
- floor (`Model.occupy_space`): a cell needs a e^(-space_intensity_decline t) D (a: floor per
  亿 at base-year technology, changed by the mix clearing leaves), keeps at most (1 +
  space_hold_slack) of that and asks for the rest; a short location grants each cell the
  same share; Y = min(D, F / need per 亿).
- investment (`growth.invest`), without the ABM's spreading of large investors' FAI over
  project_build_years: K <- max(K (1 - depreciation dt), capital_output Y min(e^(-L tau), 1)),
  tau the cell's growth trend (`growth.trend`), L = investment_lag_years; FAI = added
  capital / dt + (programme + rebuilt + background m²) x construction_cost_yuan_m2. The land
  the levers before the plan cleared is rebuilt after 2022, as in the ABM.

Below-scale firms hold floor and capital, (1 + b) per 亿 of above-scale output (b from the
population rule), but their output is not counted. Start: F = a Y, stock = F / (1 -
vacancy_2022), K = capital_output (1 + b) Y at its lagged target; the 2022 FAI (the 'simulated' base) is the
investment rule over the published 2019-2022 growth (`prehistory`, the ABM's capital
prehistory without shocks) plus background construction and the 2022 construction of the
levers before the plan (the ABM's also has entrants and projects).
"""

from __future__ import annotations

from types import SimpleNamespace

import numpy as np
from scipy.special import ndtr, ndtri

from ..config.schema import OUTSIDE, SECTORS, Config
from ..config.fields import DT, STEPS_PER_YEAR
from ..rules.exogenous import price_index, services_revenue
from ..rules.growth import sector_drift
from ..rules.population import BURN_IN_MONTHS, cell_output, pareto_quantile
from ..rules.space import allocate_new_space, land_of, rebuilt_floor
from ..config.schedules import by_year


def below_scale_share(cfg: Config) -> float:
    """Below-scale output per 亿 of above-scale output in `population.synthesize`: small_per_above
    firms per above-scale firm, Pareto(zipf_exponent) from entrant_min_yi to the threshold."""
    cal, u = cfg.calibration, (np.arange(100_000) + 0.5) / 100_000
    mean = pareto_quantile(u, cal.zipf_exponent, cfg.params.entrant_min_yi, cal.above_scale_threshold_yi).mean()
    return float(cal.above_scale_firms * cal.small_per_above * mean / cell_output(cal).sum())


def cleared_output(q: np.ndarray, sd: float) -> np.ndarray:
    """Share of a park's output on the share q of its floor space with the lowest output per
    m², when log floor per 亿 is normal with s.d. `sd` across firms (independent of size)."""
    return ndtr(ndtri(np.clip(q, 0.0, 1.0)) - sd)


def run(cfg: Config) -> dict:
    """Run the aggregate model on `cfg` (policy, params, calibration, horizon_year), once:
    it is deterministic. Returns `years` [T+1] (record 0: end of the base year, then month
    ends); `output_yi`, `desired_yi`, `fai_cells_yi` (亿/yr, 2022 prices), `floor_m2` [T+1,
    location, sector]; `stock_m2`, `fai_yi` (cells + construction), `construction_fai_yi`,
    `inefficient_mu` (亩), the output renovation cleared in the month, `cleared_output_yi`,
    and of it moved to outside, `moved_output_yi` (亿/yr) [T+1, location]; `is_park`,
    `leading`, `location_ids`; in targets.year (yearly means, as sim.runs.targets reads them)
    `parks_output_yi` (2022 prices), `fai_growth` (own 2022 base), `leading_share` (declared).
    """
    cal, par = cfg.calibration, cfg.params
    dt, n = DT, STEPS_PER_YEAR * (cfg.horizon_year - cal.base_year)
    specs = [*cal.parks, cal.outside]
    is_park, o = np.array([p.id != OUTSIDE for p in specs]), len(cal.parks)  # o: the row of `outside`
    leading = np.array([[s in p.leading for s in SECTORS] for p in specs])
    cost, dep, plot, sd = par.construction_cost_yuan_m2 / 1e8, par.depreciation, cal.plot_ratio_2022, max(par.space_intensity_sd, 1e-9)
    mu = sector_drift(par)[None, :] + par.zone_premium * is_park[:, None]
    share = np.array([p.inefficient_land_share for p in specs]) * is_park
    c = par.capital_output * (1.0 + below_scale_share(cfg))  # capital per 亿 of above-scale output
    Y = cell_output(cal)
    D, a = Y.copy(), np.full(Y.shape, par.floor_m2_per_yi * c / par.capital_output)  # a: floor per 亿 at base-year technology
    F, K = a * Y, c * Y
    stock = F.sum(1) / (1.0 - np.array([p.vacancy_2022 for p in specs]))
    q, cleared, unmet, T = np.zeros(len(specs)), np.zeros(len(specs)), np.zeros(len(specs)), n + 1
    out, want, floor, fai_cells = (np.zeros((T, *Y.shape)) for _ in range(4))
    stocks, construction, ineff_rec, gone, moved = (np.zeros((T, len(specs))) for _ in range(5))
    out[0], want[0], floor[0], stocks[0], ineff_rec[0] = Y, D, F, stock, land_of(share * F.sum(1), plot)
    tau, fai_cells[0] = prehistory(cfg, c * Y)
    K = c * Y * np.minimum(np.exp(-par.investment_lag_years * tau), 1.0)  # the capital the investment rule holds
    before = cal.before_plan  # the levers before the plan: their 2022 construction, and the land cleared not yet rebuilt
    programme = allocate_new_space(before.factory_space_m2_per_year, before.space_allocation, unmet, stock, is_park)
    cleared_before = before.land_renovation_mu_per_year * share * stock / max((share * stock).sum(), 1e-300)
    construction[0] = (par.background_space_growth * stock + programme + rebuilt_floor(cleared_before, par.new_plot_ratio)) * cost
    cleared_before = cleared_before * par.renovation_lag_years
    policies = by_year(cfg.policy, cal.base_year + 1, cfg.horizon_year)

    for t in range(1, T):
        pol = policies[cal.base_year + (t + 11) // 12]  # a schedule's value in this month's year
        trend = np.exp(-par.space_intensity_decline * t * dt)
        new = allocate_new_space(pol.factory_space_m2_per_year * dt, pol.space_allocation, unmet, stock, is_park)
        held = F.sum(1)
        whole = held / (1.0 - q)  # floor the parks' firms would hold had none been cleared
        below = ndtr(ndtri(share) - par.space_intensity_decline * t * dt / sd)  # share below the 2022 cutoff now
        inefficient = land_of(np.maximum(below - q, 0.0) * whole, plot)
        done = np.minimum(inefficient, pol.land_renovation_mu_per_year * dt * inefficient / max(inefficient.sum(), 1e-300))
        floor_gone = rebuilt_floor(done, plot)
        q_new = q + floor_gone / np.maximum(whole, 1e-300)
        r = np.where(done > 0, 1.0 - (1.0 - cleared_output(q_new, sd)) / (1.0 - cleared_output(q, sd)), 0.0)[:, None]  # of output
        x = np.divide(floor_gone, held, out=np.zeros_like(held), where=held > 0)[:, None]  # share of floor
        dY, dD, dK, dF = r * Y, r * D, r * K, x * F
        need_gone = np.divide(a * x, r, out=a.copy(), where=r > 0) * dD  # their floor need, base technology
        a = np.divide(a * D - need_gone, D - dD, out=a.copy(), where=D - dD > 0)
        Y, D, K, F, q = Y - dY, D - dD, K - dK, F - dF, q_new
        room = max(stock[o] - F[o].sum(), 0.0)
        m = min(1.0, room / dF.sum()) if pol.relocation_rule != "restricted" and dF.sum() > 0 else 0.0
        a[o] = (a[o] * D[o] + m * need_gone.sum(0)) / (D[o] + m * dD.sum(0))
        Y[o], D[o], K[o], F[o] = (v[o] + m * dv.sum(0) for v, dv in ((Y, dY), (D, dD), (K, dK), (F, dF)))
        rebuilt, stock = (cleared + done) * min(dt / par.renovation_lag_years, 1.0), stock - floor_gone
        cleared = cleared + done - rebuilt
        rebuilt_before = cleared_before * min(dt / par.renovation_lag_years, 1.0)
        cleared_before = cleared_before - rebuilt_before
        added = new + rebuilt_floor(rebuilt + rebuilt_before, par.new_plot_ratio) + par.background_space_growth * dt * stock
        stock = stock + added

        D = np.minimum(D, (1.0 + par.backlog_cap) * Y) * np.exp(mu * dt)
        need = a * trend * D
        F = np.minimum(F, (1.0 + par.space_hold_slack) * need)
        demand = np.maximum(need - F, 0.0)
        vacant, asked = np.maximum(stock - F.sum(1), 0.0), demand.sum(1)
        ratio = np.divide(vacant, asked, out=np.ones_like(asked), where=asked > 0).clip(max=1.0)
        F = F + demand * ratio[:, None]
        unmet = (demand * (1.0 - ratio[:, None])).sum(1)
        Y, Y_before = np.minimum(D, F / (a * trend)), Y
        tau = tau + (np.log(np.maximum(Y, 1e-300) / np.maximum(Y_before, 1e-300)) - tau * dt)  # growth.trend

        kept = K * (1.0 - dep * dt)
        K = np.maximum(kept, c * Y * np.minimum(np.exp(-par.investment_lag_years * tau), 1.0))
        out[t], want[t], floor[t], stocks[t], fai_cells[t], construction[t] = Y, D, F, stock, (K - kept) / dt, added * cost / dt
        ineff_rec[t], gone[t], moved[t, o] = inefficient - done, dY.sum(1) / dt, m * dY.sum() / dt

    years, fai = cal.base_year + (np.arange(T) + 11) // 12, fai_cells.sum(2) + construction
    rows, years_to = years == cfg.targets.year, cfg.targets.year - cal.base_year
    cells, parks_fai = out[rows][:, is_park].mean(0), fai[:, is_park].sum(1)
    return dict(years=years, output_yi=out, desired_yi=want, floor_m2=floor, stock_m2=stocks, fai_cells_yi=fai_cells,
                construction_fai_yi=construction, fai_yi=fai, inefficient_mu=ineff_rec, cleared_output_yi=gone, moved_output_yi=moved,
                is_park=is_park, leading=leading, location_ids=[p.id for p in specs], parks_output_yi=float(cells.sum()),
                leading_share=float((cells * leading[is_park]).sum() / cells.sum()),
                fai_growth=float((parks_fai[rows].mean() / parks_fai[0]) ** (1.0 / years_to) - 1.0))


def prehistory(cfg: Config, capital_target: np.ndarray) -> tuple[float, np.ndarray]:
    """The cells' recent past at the published growth (the ABM's `capital_prehistory`
    without shocks): a burn-in at the mean rate, then 2019-2022; capital follows the rule of
    `growth.invest` with the lag. Returns the trend at the end of 2022 and the 2022 FAI by
    cell (亿/yr), for end-2022 cells whose capital target at current output is `capital_target`."""
    par, cal, dt = cfg.params, cfg.calibration, DT
    rates = [cal.growth_2019, cal.growth_2020, cal.growth_2021, cal.growth_2022]
    path = [float(np.mean(rates))] * BURN_IN_MONTHS + [g for g in rates for _ in range(STEPS_PER_YEAR)]
    level = np.exp(-np.cumsum(path[::-1])[::-1] * dt)  # output at each month's start relative to end-2022
    tau, K, spent = float(np.mean(rates)), None, []
    for g, y in zip(path, level):
        target = capital_target * y * np.exp(g * dt) * min(np.exp(-par.investment_lag_years * tau), 1.0)
        kept = target if K is None else K * (1.0 - par.depreciation * dt)
        K = np.maximum(kept, target)
        spent.append((K - kept) / dt)
        tau += (g - tau) * dt
    return tau, np.mean(spent[-STEPS_PER_YEAR:], axis=0)


def record(cfg: Config, res: dict) -> SimpleNamespace:
    """The aggregate run as the Recorder-like object `sim.runs.targets.evaluate` reads. It has
    no S&T platforms: st_platforms stays at its 2022 count (st_coverage is not modelled)."""
    elapsed = np.arange(len(res["years"])) / 12.0
    platforms = np.array([float(p.st_platforms_2022) for p in [*cfg.calibration.parks, cfg.calibration.outside]])
    return SimpleNamespace(
        years=res["years"], is_park=res["is_park"], leading=res["leading"], cells={"output_yi": res["output_yi"]},
        price_index=price_index(cfg.params, elapsed), services_yi=services_revenue(cfg.params, cfg.calibration, elapsed),
        fai_base_published=cfg.calibration.parks_fai_2022_yi, fai_by_location=lambda: res["fai_yi"],
        locations={"st_platforms": np.tile(platforms, (len(res["years"]), 1))},
    )
