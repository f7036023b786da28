"""The behavioural parameters (`Params`): every one with its unit, default, plausible range
and source, declared with `param` (sim/config/fields.py), so `uncertainty=parameters` draws
it from its prior on its range (sim/config/priors.py) and `validate` holds it within its hard limits."""

from __future__ import annotations

from dataclasses import dataclass

from .fields import DT, locked, param

# Hard limits where the default ([0, inf)) let a value through that the model cannot hold:
# a run's state left the floating-point range (NaN in the results), a denominator reached 0,
# or a count outgrew numpy's Poisson draws, within the longest horizon (2000 to 2035, 420
# months). tests/test_finite.py runs every field at both ends of its plausible range and of
# its hard limits, and at random draws inside them. Each limit is far outside the plausible
# range, so no default, range or fitted value is changed.
RATE_MAX = 1.0  # 1/yr, a yearly log drift: e^35 over 35 years; at 1e6 output overflowed in the first month
SD_MAX = 1.0  # 1/sqrt(yr): at 1e6 the shocks' mean correction (-s^2 dt / 2) took every firm's output to 0
ELASTICITY_MAX = 0.45  # below 0.5 each, so that localization + urbanization < 1: at 1 or more a cluster's growth feeds itself without bound

@locked
@dataclass
class Params:
    """Behavioural parameters. Every one: unit, default, plausible range, source. per_step:
    a yearly rate the model takes as rate x DT a month (a Bernoulli probability, or a share of
    a stock or a count per unit), so at most 1 / DT a year."""

    # --- productivity / output growth -------------------------------------------------
    growth_smart_iot: float = param(0.09, "1/yr", 0.03, 0.15, "ASSUMPTION: digital manufacturing grew faster than the city's industry (+10.6% VA 2021, +0.3% 2022; 杭州日报 2023-01-21)", hard=(0.0, RATE_MAX))
    growth_biomedicine: float = param(0.09, "1/yr", 0.03, 0.15, "ASSUMPTION, as growth_smart_iot", hard=(0.0, RATE_MAX))
    growth_high_end_equipment: float = param(0.07, "1/yr", 0.02, 0.12, "ASSUMPTION", hard=(0.0, RATE_MAX))
    growth_new_materials: float = param(0.06, "1/yr", 0.01, 0.11, "ASSUMPTION", hard=(0.0, RATE_MAX))
    growth_new_energy: float = param(0.10, "1/yr", 0.03, 0.18, "ASSUMPTION", hard=(0.0, RATE_MAX))
    growth_other: float = param(0.03, "1/yr", -0.02, 0.07, "ASSUMPTION", hard=(-0.02, RATE_MAX))
    growth_shift: float = param(0.0, "1/yr", -0.05, 0.03, "a shift of every sector's drift above: the history identifies the level of the city's growth (2019-2022: +4.9% a year, 杭州日报 2022-01-22, 2023-01-21), not each sector's; 0 at the prior, range as the sector drifts' uncertainty", hard=(-0.5, 0.5))
    young_growth: float = param(0.12, "1/yr", 0.0, 0.25, "ASSUMPTION: extra yearly log drift of a firm at age 0, falling as exp(-age / young_growth_years) (up or out: young firms that survive grow fastest, conditional on age size matters little; Haltiwanger, Jarmin & Miranda 2013, REStat 95(2)); 0-0.25 brackets the young survivors' growth premium there; it lets net entry carry a share of output growth (Brandt, Van Biesebroeck & Zhang 2012, JDE 97: more than two thirds of Chinese manufacturing TFP growth 1998-2007)", hard=(0.0, RATE_MAX))
    young_growth_years: float = param(3.0, "yr", 1.5, 6.0, "ASSUMPTION: age at which the young firm's premium has fallen to 1/e; Chinese enterprises' exit hazard is 1.6%, 6.3%, 9.5% in years 1-3 and above 8% to year 7 (国家工商总局 survival report 2013), the up-or-out years", hard=(DT, 50.0))
    zone_premium: float = param(0.006, "1/yr", 0.0, 0.012, "Wang 2013, JDE 101: zones raise TFP growth 0.6 points a year", hard=(0.0, RATE_MAX))
    elasticity_localization: float = param(0.05, "-", 0.0, 0.10, "Ciccone & Hall 1996 (0.06); Rosenthal & Strange 2004 (0.03-0.08); 范剑勇 2006 (0.088 China)", hard=(0.0, ELASTICITY_MAX))
    elasticity_urbanization: float = param(0.02, "-", 0.0, 0.06, "ASSUMPTION within Donovan et al. 2024 meta-analysis (2.7-6.4% per doubling)", hard=(0.0, ELASTICITY_MAX))
    platform_growth: float = param(0.002, "1/yr per ln(1+platforms)", 0.0, 0.006, "ASSUMPTION; Zheng et al. 2017 JUE 100: park human capital raises spillovers", hard=(0.0, RATE_MAX))
    subsidy_return: float = param(0.3, "growth per unit subsidy/output", 0.0, 1.0, "ASSUMPTION; Boeing 2016 (0.5 crowding-out), 逯宇铎 et al. 2012 (positive effects)", hard=(0.0, 10.0))  # at 1e12 output overflowed
    jump_rate: float = param(3.0, "1/yr", 1.0, 12.0, "ASSUMPTION: shocks arrive a few times a year, giving tent-shaped annual growth (Stanley et al. 1996)", per_step=True)
    jump_scale: float = param(0.12, "log output at 1亿", 0.05, 0.25, "ASSUMPTION: Laplace scale of a jump for a firm of 1亿 output", hard=(0.0, 0.5), open_hi=True)
    size_variance_beta: float = param(0.2, "-", 0.1, 0.3, "Amaral et al. 1997: growth-rate std ~ S^-0.2")
    macro_sd: float = param(0.04, "1/sqrt(yr)", 0.0, 0.15, "ASSUMPTION until fitted: s.d. of the city-wide yearly log growth shock common to all firms; city above-scale VA grew +10.6% in 2021 and +0.3% in 2022 (杭州日报 2023-01-21)", hard=(0.0, SD_MAX))
    noise_sd: float = param(0.05, "1/sqrt(yr)", 0.0, 0.1, "ASSUMPTION: small Gaussian noise besides the jumps", hard=(0.0, SD_MAX))
    backlog_cap: float = param(0.3, "share of output", 0.0, 1.0, "ASSUMPTION: a constrained firm keeps plans to expand up to 30% above its output, not more", share=True)
    labour_productivity_growth: float = param(0.04, "1/yr", 0.02, 0.07, "ASSUMPTION: workers per 亿 output fall as labour productivity grows", hard=(0.0, RATE_MAX))  # workers per 亿 fall as e^-rt: at 1e6 they reached 0
    # --- investment and floor space -----------------------------------------------------
    capital_output: float = param(0.30, "亿 per 亿/yr", 0.2, 0.45, "equipment per 亿 of yearly output: fixed assets about 0.45 per 亿 of revenue (NBS Jan 2021: 87.8 yuan revenue per 100 yuan assets; fixed assets ~35-40% of assets, unconfirmed) less buildings (floor_m2_per_yi x construction_cost_yuan_m2, about 0.15), which are counted as floor space")
    depreciation: float = param(0.08, "1/yr", 0.05, 0.12, "ASSUMPTION: usual for Chinese industrial equipment", per_step=True)
    investment_lag_years: float = param(1.0, "yr", 0.0, 2.0, "ASSUMPTION: a firm's equipment follows the output it had about this long ago (extrapolated by its growth trend): orders, delivery and installation take months to a year or more (time to build: Kydland & Prescott 1982, four quarters; Koeva 2000, about two years for plants). 0: capital tops up to current output at once. In 2022 the city's industrial investment grew +21.1% while value added grew +0.3% after +10.6% in 2021 (杭州日报 2023-01-21)")
    floor_m2_per_yi: float = param(6000.0, "m² per 亿/yr", 3000.0, 15000.0, "ASSUMPTION between 69 workers per 亿 x 35-75 m² (NBS 2021; HK planning standards) and 紫金港 136万元 VA per 亩 (xzqh.info): the 2022 mean; it falls at space_intensity_decline", hard=(100.0, 1e6))  # at 0 floor space divided by 0; at 1e300 it overflowed
    space_intensity_sd: float = param(0.5, "-", 0.2, 0.8, "ASSUMPTION: s.d. of log floor space per 亿 across firms; 萧山 sorts firms by tax per 亩 into classes below 2万/3万/5万 against a 37万 target (浙江日报 2022-04-21; 萧山区政府 2022-04-27): an order of magnitude of spread", hard=(0.0, 2.0))  # a lognormal factor exp(sd z - sd^2/2): at 1e6 it was 0, and divided by
    space_intensity_decline: float = param(0.02, "1/yr", 0.0, 0.04, "ASSUMPTION: floor space per 亿 of output falls as output per 亩 rises (the plan's 亩均 target: 40万元/亩 of tax by 2025 against 萧山's 37万 target for 2022); half of labour_productivity_growth", hard=(0.0, RATE_MAX))  # floor space per 亿 falls as e^-rt: at 1e6 it reached 0, and divided by
    space_hold_slack: float = param(0.1, "-", 0.0, 0.3, "ASSUMPTION: a shrinking firm keeps 10% spare floor space before releasing", hard=(0.0, 1.0))
    background_space_growth: float = param(0.02, "1/yr", 0.0, 0.04, "ASSUMPTION: rentable floor space added without the levers (market and routine supply)", per_step=True)
    construction_cost_yuan_m2: float = param(2500.0, "元/m²", 1500.0, 3500.0, "other Zhejiang cities: about 2,000 (新昌), 2,250 (乐清), 2,390 all-in (平阳) 元/m² of standard factory space (绍兴日报 2022-11-29; 浙江日报 2015-06-25; 2019-04-17); Hangzhou's not found")
    rent_elasticity: float = param(1.0, "-", 0.0, 3.0, "ASSUMPTION: rent rises with occupancy", hard=(0.0, 20.0))  # rent x (occupancy / 2022's, 1e-6 to 10)^e: at 1e300 it overflowed
    # --- investment projects (sim/rules/projects.py) --------------------------------------------
    project_rate: float = param(67.0, "projects per yr", 35.0, 135.0, "ASSUMPTION: outside investment (new plants, and expansions financed by attraction) started a year at 2022 attraction: half of the starts that keep 402 manufacturing key projects in the end-2022 pipeline (每日商报 2023-02-20) over project_build_years; the other half is incumbents' own investment, which the model makes as their equipment top-up. 688 industrial projects of 1亿+, 200 of them manufacturing, landed Jan-Nov 2021 (杭州日报 2021-12-30)", hard=(0.0, 1e5))  # 1e30 outgrew the Poisson draws; the memory a rate needs: sim.config.budget
    project_size_alpha: float = param(0.72, "-", 0.55, 0.9, "Pareto exponent of project investment: 77 of the 402 manufacturing key projects of the end-2022 pipeline exceed 10亿 (seed article; 每日商报 2023-02-20): ln(402/77) / ln 10", hard=(0.05, 5.0))
    project_min_yi: float = param(1.0, "亿", 0.5, 2.0, "key-project lists count projects of 1亿+ (杭州日报 2021-12-30; 投资促进局 2022-10-31)", hard=(0.01, 1e4))
    project_max_yi: float = param(100.0, "亿", 50.0, 300.0, "ASSUMPTION: the largest single manufacturing project; at 100亿 a project spends 2.3亿 a year on average, as the 402 manufacturing key projects planned for 2023 (948.0亿, 每日商报 2023-02-20)", hard=(0.02, 1e5))
    project_build_years: float = param(3.0, "yr", 2.0, 4.5, "ASSUMPTION: 858 key projects with 195 starting in 2023 last 4.4 years on average, infrastructure included (每日商报 2023-02-20); plants build faster", hard=(DT, 20.0))
    project_capital_output: float = param(1.0, "亿 per 亿/yr", 0.6, 1.6, "ASSUMPTION: investment per 亿 of yearly output at full capacity of a new plant (buildings and equipment), above incumbents' 0.45 of fixed assets: new plants are capital-intensive", hard=(0.05, 20.0))
    project_expansion_share: float = param(0.3, "share", 0.1, 0.5, "ASSUMPTION: share of outside-investment projects that expand an incumbent (增资扩产) rather than build a new firm's plant (not published)", share=True)
    project_recruits_share: float = param(0.5, "share", 0.0, 0.9, "ASSUMPTION: share of a completed project's skilled workers recruited from outside the city with the plant (a large plant recruits nationally; Hangzhou had the largest net inflow of talent among Chinese cities 2019-2022, 智联/泽平 report repost), the rest hired from the city's job-seekers; not published, hence the wide range", share=True)
    new_plot_ratio: float = param(2.0, "m² floor per m² land", 1.5, 2.9, "new and rebuilt plants: 萧山 rebuilt factories at least 1.5 (萧山网 2019-05-28); 小微企业园 2.8-2.9 (平阳, 乐清; 2019-04-17, 2015-06-25)", hard=(0.1, 10.0))
    land_reserve_share: float = param(0.03, "share of 2022 land", 0.0, 0.08, "ASSUMPTION: serviced industrial land ready for projects at end-2022 (not published)", share=True)
    land_supply_rate: float = param(0.01, "share of 2022 land per yr", 0.0, 0.03, "ASSUMPTION: new industrial land supplied a year without renovation (not published)", share=True, per_step=True)
    upgrade_share: float = param(0.3, "share", 0.0, 0.6, "ASSUMPTION: share of the firms the renovation programme takes (the D class of Zhejiang's 亩均 evaluation) that upgrade in place, keeping their output on less floor space and handing back the rest of their plot, rather than giving up the plot (moving or closing); 萧山 2021: 854 low-efficiency firms closed out and 7,569亩 freed in three towns (浙江日报 2022-04-21); the upgraded share is not published", share=True)
    upgrade_density_gain: float = param(1.67, "x output per m²", 1.2, 2.5, "ASSUMPTION: an upgrade in place raises a firm's output per m² as rebuilding its plant at the new plot ratio would its output per 亩 (new_plot_ratio / plot_ratio_2022 = 2.0 / 1.2); 萧山 sorts firms by tax per 亩 into classes below 2万, 3万 and 5万元 (浙江日报 2022-04-21): one class up is 1.5-1.67 times", hard=(1.0, 100.0))
    renovation_lag_years: float = param(1.0, "yr", 0.5, 2.0, "ASSUMPTION: cleared land no project claims is rebuilt as standard factory space after about a year", hard=(DT, 20.0))
    # --- talent --------------------------------------------------------------------------
    talent_natural_inflow: float = param(0.014, "share of the skilled workforce per yr", 0.005, 0.03, "ASSUMPTION reading of a net talent inflow of 1.2-1.6% a year 2020-22 (智联/泽平 report repost), taken as net of departures and as a share of the skilled workforce (employed or seeking); the report's base is not certain, so the range is wide", per_step=True)
    commute_cost: float = param(1.0, "log weight per district boundary", 0.0, 3.0, "ASSUMPTION: a job across a district boundary is exp(-1) as likely to be taken as one in the worker's district")
    input_substitution: float = param(0.5, "-", 0.2, 0.9, "elasticity of substitution between floor space and skilled labour; capital-labour estimates centre on 0.4-0.6 (Chirinko 2008, J. Macroeconomics 30(2))", hard=(0.05, 0.95))
    land_labour_link: float = param(0.5, "-", 0.0, 1.0, "ASSUMPTION: elasticity of a firm's skilled workers per 亿 to its floor space per 亿 (both relative to the mean): one efficiency behind both, so a firm low in output per 亩 is low in output per worker too; Zhejiang's 亩均 evaluation ranks firms by tax and output per 亩 as a measure of their efficiency (萧山区政府 2022-04-27), and Chinese manufacturing's TFP is widely dispersed within industries (Hsieh & Klenow 2009, QJE 124(4)); 0: independent, 1: proportional", hard=(0.0, 2.0))
    # --- entry and exit ------------------------------------------------------------------
    entry_rate: float = param(0.10, "entrants per firm per yr", 0.06, 0.14, "ASSUMPTION set near the 6-9%/yr death rate (国家工商总局 2013) plus net growth of firm numbers", per_step=True)
    entrant_min_yi: float = param(0.02, "亿/yr", 0.01, 0.05, "ASSUMPTION: smallest entrant", hard=(1e-4, 10.0))  # at 0 the Pareto draws gave sizes of 0 (NaN); at 1e300 they overflowed
    entrant_max_yi: float = param(1.0, "亿/yr", 0.5, 2.0, "ASSUMPTION: the largest entrant without a project (larger plants come as projects: project_min_yi / project_capital_output)", hard=(1e-3, 1e3))  # at 0 the Pareto tail divided by 0
    exit_rate: float = param(0.07, "1/yr", 0.06, 0.093, "国家工商总局 2013 survival report: 9.3% (2008) to 6.2% (2012) a year; sets the 2022 hazard, later rates follow the firms", hard=(0.0, 0.99), share=True)
    exit_size_elasticity: float = param(0.15, "-", 0.0, 0.4, "ASSUMPTION: larger firms survive longer (same report)")
    exit_decline_sensitivity: float = param(3.0, "per unit log decline", 0.0, 6.0, "ASSUMPTION: declining firms exit more (He & Yang 2016)")
    # --- relocation ----------------------------------------------------------------------
    move_consider_rate: float = param(0.035, "1/yr", 0.015, 0.1, "ASSUMPTION set so that realised moves are about 3.3%/yr in the baseline (3.2%/yr in China: Tang et al. 2020)", per_step=True)
    move_age_elasticity: float = param(0.3, "-", 0.0, 0.8, "ASSUMPTION in direction from Kronenberg 2013 and Weterings & Knoben 2013: age lowers the odds of moving")
    move_size_elasticity: float = param(0.3, "-", 0.0, 0.6, "Kronenberg 2013; Weterings & Knoben 2013: size lowers the odds of moving")
    move_cost: float = param(1.5, "utility", 0.5, 3.0, "ASSUMPTION: no published logit moving cost")
    move_cost_cross_district: float = param(0.5, "utility", 0.0, 2.0, "ASSUMPTION")
    coordination_cost_relief: float = param(0.5, "share", 0.0, 1.0, "ASSUMPTION: city coordination halves the cross-district cost", share=True)
    util_localization: float = param(0.6, "utility per ln 亿", 0.2, 1.0, "ASSUMPTION; de Bok & van Oort 2011: own-sector agglomeration drives location")
    util_urbanization: float = param(0.2, "utility per ln 亿", 0.0, 0.6, "ASSUMPTION")
    util_rent: float = param(1.0, "utility per rent/city mean", 0.2, 2.0, "ASSUMPTION; Tang et al. 2020: land cost pushes moves")
    util_vacancy: float = param(0.5, "utility per ln vacancy share", 0.1, 1.0, "ASSUMPTION; Zheng & Shi 2018: land supply raises location odds")
    util_talent: float = param(0.2, "utility per ln pool", 0.0, 0.5, "ASSUMPTION")
    util_subsidy: float = param(50.0, "utility per subsidy/output", 0.0, 200.0, "ASSUMPTION")
    util_leading: float = param(1.0, "utility", 0.0, 2.0, "ASSUMPTION: steering of entrants to parks whose leading industry matches")
    util_park: float = param(0.5, "utility", 0.0, 1.0, "ASSUMPTION: parks' services over the rest of the city")
    # --- S&T platforms -------------------------------------------------------------------
    platform_cost_yi: float = param(0.3, "亿 per platform", 0.1, 1.0, "ASSUMPTION: cost to establish a provincial-level platform", hard=(0.01, 1e4))  # the fund buys fund / cost platforms: at 0, NaN
    platform_rate: float = param(0.15, "per yr per 10,000 skilled workers", 0.0, 0.5, "ASSUMPTION: platforms founded without the fund", hard=(0.0, 100.0))  # at 1e30 outgrew the Poisson draws
    # --- exogenous inputs of the target readings (no behaviour depends on them) ----------
    ppi_growth: float = param(0.01, "1/yr", -0.04, 0.04, "ASSUMPTION for 2023 on (read only under targets.prices=nominal): China's industrial PPI rose 8.1% in 2021 and 4.1% in 2022 (NBS communiques 2022-01, 2023-01-12) after falling in most of 2012-2020", hard=(-0.5, 0.5))
    services_scale: float = param(1.0, "-", 0.45, 1.75, "ASSUMPTION: multiplies each park's services_revenue_2022_yi (about 6,800亿 in all; range 3,000-12,000亿, derivation in configs/calibration/hangzhou_2022.yaml); read only under targets.output_scope=all_enterprises")
    services_growth: float = param(0.06, "1/yr", 0.0, 0.12, "ASSUMPTION: real growth of parks' above-scale services revenue; city tertiary VA +2.0% in 2022, digital-economy core VA +11.5% in 2021 and +2.8% in 2022 (seed article; 市经信局)", hard=(-0.5, 1.0))

