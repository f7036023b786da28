"""The notes at the end of docs/PERFORMANCE.md on the passes of issues 4 and 14 (experiments/
bench_page.py appends them after issue 30's, experiments/bench_notes.py): what each changed and
measured. Text, not measurements: each pass's numbers were measured when it was made."""

HISTORY = """
## What the profile showed, and what changed

Profiled with cProfile and per-phase timers (as above) before optimising, at 10k and 100k
firms. The model was already vectorised over a struct-of-arrays FirmStore, and already
within the time and memory goals at 100k firms. The profile had no single hot spot:

* aggregation by location and by location x sector (`np.bincount`), about 20% of a step at
  100k firms: 23 calls a step, each gathering the firms' int16 locations and widening them
  to an index (and, by cell, building the cell index), plus `FirmStore.live()`, a
  `flatnonzero` over all slots, recomputed 18 times a step;
* Mesa's bookkeeping of the Firm agents, 10-15%: about 1,000 entrants and 750 exits a
  month at 100k firms, each registering or deregistering with the model (kept: the design
  has one thin Mesa agent per firm), and most of construction;
* seeding about 20 random streams a step (SeedSequence + PCG64, some 30 µs each): most of
  the fixed cost per step, which is why small runs cost more per firm-step;
* the draws themselves and the elementwise rules (shock, exit hazard), linear in firms;
* after the run, `results.tidy` built ~45 small DataFrames and concatenated them: 45 ms a
  replication, about 4% of a full-scale job in a sweep.

Changed, with every result bit-identical (time series of several configs, policies and
seeds compared with `check_exact=True` before and after; tidy tables equal in dtypes and
written parquet files equal byte for byte):

* `FirmStore` caches `live()`: who is alive, where and in which sector change only
  through `add`, `remove` and `move`, each bumping a version (those arrays are read-only
  otherwise, so a stray write raises rather than leaving a stale cache);
* `Model` keeps the location and cell index of the live firms per version, so
  `by_location` and `by_cell` are one `bincount` each;
* `Streams.uniform` clips in place;
* `results.tidy` builds its columns with numpy and makes one DataFrame.

Measured side by side on this machine (best of 3-7 runs), before -> after, µs per
firm-step: 1k 3.17 -> 2.85, 10k 0.95 -> 0.87, 100k 0.68 -> 0.65; tidy 45 -> 14 ms a
replication; a 100k-firm run with construction and tidy 3.42 -> 3.30 s. What remains is
spread over many numpy calls of similar size, Mesa's agent bookkeeping and the stream
seeding (both fixed by the design: one Mesa agent per firm, one random stream per decision
and step). numba was not tried: the model's own goals (speed, scaling, memory) are met
with numpy alone.

A second pass (issue 14's first slice), every result again byte-identical (targets.json,
timeseries.parquet and parameters.parquet compared with `cmp` after each change, with and
without parameter draws):

* `desired_output` draws the Laplace jump sizes only for the firms a jump hits (one log),
  and reads place drift and agglomeration by flat cell index from [location, sector]
  tables (`growth.place_drift`; the per-agent reference calls the same rules);
* `vacancy()` is computed once where a phase called it twice with nothing changed between
  (10 calls a step became 6), passed on rather than cached;
* the cached integer location and cell indices replace int16 gathers and 2-D fancy
  indexing in `occupy_space`, `hire_talent`, `spend_fund`, `make_room`,
  `complete_projects` and `record`; large investors are summed over themselves only;
* `Streams` converts the seed to 32-bit words once: 19 -> 9 µs a stream.

CPU seconds of a run (median of 3, on a machine loaded by other jobs), before -> after:
10k firms, 36 steps 0.24-0.27 -> 0.23, construction 0.078 -> 0.072; 100k firms, 36 steps
1.9-2.0 -> 1.52, construction 0.81-0.89 -> 0.71-0.87; `bench.py --quick` ratio 41 -> 46.
The tables above were measured after it, on another machine (AMD EPYC) than the earlier
pages (Intel Xeon): compare them with earlier commits' pages only through these notes.

A third pass (issue 14's second slice). The model's results are again unchanged
(targets.json byte for byte; the time series equal to the float64 values rounded to float32,
the format now written); what changed, measured on this machine before -> after:

* the Firm agents are made when the model's agents are first read, not at construction or
  entry (`sim.model.agents.FirmAgents`): at 100k firms construction 0.79 -> 0.29-0.51 s, memory
  held after construction 534 -> 186 B a firm, `enter` 6.8 -> 3.0 and `exit` 5.0 -> 2.2 ms a
  step (the peak, 1,023 B a firm, is the capital prehistory's arrays during construction,
  unchanged);
* a run's default output (`outputs=parks`): the park x sector cells only on request
  (`outputs=cells`), values as float32, split into byte streams and compressed with zstd:
  354 -> 46 kB a run in a sweep (results/README.md);
* the sweep pipeline, 20 jobs x 10 runs of 10k firms (measured while nothing else ran, two
  sweeps each): wall 53-58 -> 46-50 s; before the first job 8.5-8.8 -> 3.8-4.4 s, because
  the batch check composes each choice of config groups once and checks every job's values
  against it (`hydra_plugins/hangzhou_sweeper`) and run.py's precheck converts the config
  once an axis; after the last job 8.5-9.7 -> 3.7-4.2 s, because each job stores the
  aggregates its part of the report needs as it ends (`sim.sweep.report_cache`), the report's
  modules load while the jobs run, and its figures are drawn on both cores.

A fourth pass (issue 14's third slice), the model's results again the same bytes
(targets.json, timeseries.parquet and parameters.parquet compared with `cmp` against the
slice's start after each change, with seeds and with parameter draws):

* compiled passes over the firms (numba 0.68, `sim/model/kernels.py`): every sum by location and
  cell adds the firms' values in slot order as `np.bincount` did, but reads the rows in
  place instead of gathering them first, and keeps a run of one location's sum in a
  register (a bin's sum had been a chain through memory: 3 ns a firm at 100k, now under
  1); the floor-space and talent requests and grants call the same rule functions
  (`space.request`, `space.feasible`, `talent.request`) on each firm's scalars; status
  updates, the recorder's five sums and the choice of the firm a completed project expands
  (one pass for all projects instead of one scan of the firms each) are one pass each;
* `Streams` mixes the run's seed into SeedSequence's pool once and each key's words after
  it in compiled code, and hands PCG64 the words: 17 -> 5 µs a stream, about 30 a step,
  the same generators (tests/test_model.py compares them with SeedSequence's);
* draws are clipped only for the slots that use them;
* a launcher that hands each worker its job's config (`hydra_plugins/hangzhou_launcher`,
  the default; the sweeper's compositions, one per choice of config groups, give each job's
  config exactly as Hydra composes it, tested override by override) instead of the joblib
  launcher's worker composing it again from the files (about 0.2 s a job), and what all
  jobs share unpickled once a worker: the time between jobs of a 20-job sweep, three paired
  runs each, 10.4-10.7% -> 6.7-7.0% of wall x cores, every file the same but for timings
  and the launcher's name.

Measured side by side before -> after on this machine (best of 5-10 runs in one process
each), a run with construction: 1k firms 0.122 -> 0.074 s, 10k 0.238 -> 0.187 s, 100k 1.55
-> 1.22 s. The sweep's share outside the model rose (0.394 -> 0.436) although every part
of it shrank or stayed: the same fixed costs weigh against faster runs. Of it, before the
first job (Hydra's start, the batch check, the workers' start and imports, now with numba's
import and the compiled code's load, about 0.5 s a process) and after the last (the summary
and report) are 27-29 points at 20 jobs and shrink in a larger sweep.

Tried and dropped: compiling the rules with exp, log and power as well (desired output,
production, investment, relocation and exit in one pass per firm). In a compiled loop they
call the C library, measured here at 10.7, 4.4 and 3.7 ns a call for power, exp and log
against 3.2, 0.9 and 0.8 ns in numpy's AVX-512 loops: the fused pass was 1.5-2 times
slower than the numpy phases it replaced, and it changed results in the last bit (the
same firms, entries, exits and moves; values within 1e-14), which would have meant
re-generating every documented result for a slower model. So those rules stay numpy's, and
the issue's estimate of a fused kernel near 25-30 ns a firm-step does not hold on this CPU.

What the profile shows for the goals still missed:

* the 100k-firm run: construction is 0.3 s, of which the capital prehistory's 84 months of
  draws (random and normal numbers for every firm) about 0.14 s; a step is about 25 ms,
  of which the random draws about 3.5 ms (every stream draws for every slot, which is what
  keeps draws common across scenarios), the rules with exp, log and power (shock,
  potential, production, trend, the relocation and exit probabilities: about ten
  transcendental passes over the firms) about 8 ms at numpy's SIMD speed, and the rest
  many small numpy calls (entry, projects, the logit choices, the park-level arithmetic).
  Below 1 s would need fewer draws (a counter-based generator drawing only for the slots
  that use a draw, which changes every draw and so every documented result) or fewer
  transcendental passes (reformulations that round differently);
* 1,000 runs of 10k firms a minute: a run is about 0.19 core-seconds (construction 0.04,
  36 steps 0.15 s, of which about 1.3 ms a step is fixed cost: some 600 numpy calls on
  park-sized arrays and Python), so 2 cores cannot pass about 630 runs a minute even with
  no overhead; the goal needs 0.12 s a run;
* the overhead share of a 200-run sweep: its fixed costs (Hydra's start, imports in the
  main process and in each worker, including numba's and the compiled code's load, about
  0.5 s a process; the summary and report) shrink as a sweep grows; per job remain Hydra's
  own work in the worker, the job's share of the report and the tidy table, parquet and
  targets. More replications per job lower the share in proportion;
* the ratio to the per-agent reference: it rises only as the vectorised step's fixed cost
  falls (above).

For the comparison with a per-agent model, the firm rules were moved out of the model's
phases into functions of the mechanism modules (`growth.potential`, `growth.invest`,
`growth.trend`, `space.request` and `feasible`, `talent.request`, `production.output`,
`markets.ration_ratio` and `match`, `demography.exit_probability`), written with
`sim.rules.ops` so that they take arrays or one firm's scalars. On scalars `sim.rules.ops` uses the
`math` module and Python's comparisons: numpy's ufuncs on a Python float cost 0.3-1.5 µs a
call, which would have made the reference two to three times slower than a hand-written
per-agent model and the ratio flattering. The dispatch itself costs the reference 0.1-0.2
µs a call, about 30 calls per firm-step, so a per-agent model written without shared rule
functions would be roughly 10-15% faster than the reference measured here: the ratio would
be that much lower.
"""
