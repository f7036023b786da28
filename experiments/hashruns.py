"""Hash 14 runs of the model of the source tree TREE: one sha256 a run and a total, for a
change that must leave every result the same bytes (a speed pass): run it on the tree before
and after, and diff.

    python experiments/hashruns.py TREE [I,J,...]   # only runs I, J, ...

A run's digest covers every array of its recorder, every field of the firm store over all
slots, the locations, the labour market, the project book, the incumbents' large-investment
buffer, the flows' totals, the sums by location and cell, and the DataCollector's rows. The
runs: every scenario at 10k firms, the relocation rules, the fund and space allocations, a
2030 horizon, parameter and posterior draws, a small run, two at 100k firms (a few minutes).
tests/test_layout.py's digests check two fixed runs on every test run; this is the wider check."""
import sys, hashlib, json
tree = sys.argv[1]
sys.path.insert(0, tree)
import numpy as np
from sim import load_config
from sim.model.model import Model
from sim.runs import uncertainty

def h_arr(h, name, a):
    a = np.asarray(a)
    h.update(name.encode()); h.update(str(a.dtype).encode()); h.update(str(a.shape).encode())
    h.update(np.ascontiguousarray(a).tobytes())

def digest(m):
    h = hashlib.sha256()
    r = m.recorder
    for g in ("cells", "locations", "flows"):
        for k, v in sorted(getattr(r, g).items()):
            h_arr(h, f"rec.{g}.{k}", v)
    h.update(json.dumps([r.fai_prehistory, r.fai_prehistory_city], sort_keys=True).encode())
    f = m.firms
    from sim.model.firms import FIELDS
    for k in FIELDS:
        h_arr(h, "firm." + k, getattr(f, k)[: f.n])
    loc = m.locations
    for k in loc.__slots__:
        v = getattr(loc, k)
        if isinstance(v, np.ndarray): h_arr(h, "loc." + k, v)
        else: h.update(repr(v).encode())
    lab = m.labour
    for k in lab.__slots__:
        v = getattr(lab, k)
        if isinstance(v, np.ndarray): h_arr(h, "lab." + k, v)
        else: h.update(repr(v).encode())
    for k, v in sorted(m.investment.projects.rows.items()):
        h_arr(h, "proj." + k, v)
    h_arr(h, "own", m.investment.own_projects)
    h.update(repr(m.investment._own_slot).encode())
    h.update(repr(sorted(m.flows.total.items())).encode())
    t = m.totals
    for k in ("output_ls", "dln_ls", "dln_l"):
        h_arr(h, "tot." + k, getattr(t, k))
    df = m.datacollector.get_model_vars_dataframe()
    h_arr(h, "dc", df.to_numpy(dtype=float)); h.update(repr(list(df.columns)).encode())
    h.update(repr(m.steps).encode())
    return h.hexdigest()

RUNS = [
    ("baseline", 0.36, {}, 0),
    ("no_policy", 0.36, {}, 1),
    ("land_first", 0.36, {}, 0),
    ("talent_first", 0.36, {}, 2),
    ("fund_to_leading_industries", 0.36, {}, 0),
    ("pre_plan", 0.36, {}, 0),
    ("baseline", 0.36, {"relocation_rule": "free"}, 0),
    ("baseline", 0.36, {"relocation_rule": "restricted", "fund_allocation": "performance", "space_allocation": "stock"}, 0),
    ("baseline", 0.36, {"horizon_year": 2030, "seed": 7}, 0),
    ("baseline", 0.36, {"uncertainty": "parameters", "replications": 3}, 1),
    ("talent_first", 0.36, {"uncertainty": "posterior", "replications": 3}, 2),
    ("baseline", 0.05, {"fund_allocation": "leading"}, 0),
    ("baseline", 3.6, {}, 0),
    ("no_policy", 3.6, {"uncertainty": "parameters", "replications": 2}, 1),
]
only = sys.argv[2:] and [int(x) for x in sys.argv[2].split(",")]
total = hashlib.sha256()
for i, (sc, fs, kw, rep) in enumerate(RUNS):
    if only and i not in only: continue
    kw = dict(kw)
    cfg = load_config(scenario=sc, firms_scale=fs, progress=False, **{"uncertainty": "seeds", **kw})
    if cfg.uncertainty != "seeds":
        vals = uncertainty.values(cfg)
        cfg = uncertainty.apply(cfg, vals.iloc[rep])
    m = Model(cfg, rep).run()
    d = digest(m)
    total.update(d.encode())
    print(i, sc, fs, kw, rep, d, flush=True)
print("TOTAL", total.hexdigest())
