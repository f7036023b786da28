"""The notes at the end of docs/PERFORMANCE.md on issue 30's passes (experiments/bench_page.py
appends them, then the earlier issues' of experiments/bench_history.py): what each pass of
optimisation changed and measured. Text, not measurements: each pass's numbers
were measured when it was made, on the commit it names or describes."""

SWEEP_NOTES = """
## The lean sweep (issue 30)

Where a sweep job's CPU outside the model went, before (commit 7e3935e; measured in-process
with Hydra's basic launcher, 8 jobs of 10k firms, per job unless said): converting the
config to the schema's dataclass 70 ms; Hydra's run_job around the task about 40 ms (the
three .hydra/*.yaml files 24 ms, the job's logging and its empty run.log, the callbacks);
the job's share of the report (its aggregates, `report_cache.prepare`) 55 ms; in the job
but outside the model, per replication, 9 ms streaming its rows to parquet and 5 ms the
results table. Per sweep: the report at the end (2.1 CPU-s in the sweep's process and 1.4
in its figure processes, for 8 jobs), and imports: the sweep's own process imported the
model (Mesa with scipy and networkx, numba) without running it; each worker imports it and
loads the compiled code once.

Each step, measured before -> after in CPU time, the results the same bytes (a sweep of 8
jobs, two scenarios x four seeds, 2 replications each: every timeseries.parquet,
parameters.parquet, targets.json, report aggregate, summary.parquet and summary.csv compared
byte for byte with the sweep before the steps; job.json the same files and config hashes;
only the report aggregates' cache key differs, as each job's .hydra/config.yaml now lists the
new keys `job_progress` and `report`):

* the config read as Hydra composed it (`sim.runs.cli.to_config`): a config composed from
  configs/ is already the schema's type, so its values are read as they are instead of
  merged into the schema again (a key the schema lacks still goes through the merge, which
  refuses it): 70.7 -> 6.5 ms a job. Not "once per group": read this way, a job's own
  conversion costs less than handing it a converted one would;
* no log file in each job unless asked (`hydra/job_logging=default`): Hydra's job logging
  1.1 -> 0.4 ms a job, one empty file less;
* `report=false` (default true): the summary and its table alone, no per-job aggregates
  and no report at the end; `python -m sim.sweep.report DIR` draws it later;
* the sweep's own process no longer imports the model (run.py and `sim.sweep.jobs` import
  it where a run or a job runs): its imports 1.1-1.2 -> 0.55-0.58 CPU-s;
* a cold numba cache (a new checkout, an edited kernel) compiled once in the sweep's
  process before the jobs, not by every worker at once: a 4-job sweep on an empty cache
  19.4-19.8 -> 15.6-16.2 CPU-s (wall does not gain: the workers had compiled in parallel).
  A warm cache is told from the files, without importing numba, and costs nothing.

Together, a sweep of 20 jobs x 5 replications at 10k firms (`seed=range(0,20)
replications=5 firms_scale=0.36 uncertainty=seeds progress=false`; two of each,
interleaved, on this machine shared with other work), CPU-s min / median, with the jobs'
own CPU (job.json) in brackets:

| | sweep CPU-s | of it, the jobs' own |
| --- | --- | --- |
| before (7e3935e) | 40.8 / 41.2 | 24.7 |
| after, the ordinary command (report drawn) | 36.9 / 39.5 | 22.7-24.4 |
| after, report=false | 31.9 / 32.1 | 24.4 |

Outside the jobs' own timing: 16.1 -> 14.2 CPU-s with the report, 7.5 without it. What is
left outside the model, in the order of its size: the two workers' imports of the model
(Mesa imports scipy.spatial and networkx through mesa.discrete_space; numba and the compiled
code's load), about 2.5 CPU-s each; the sweep's process (its imports, run.py's precheck, the
batch check's compositions, Hydra's start), about 2 CPU-s; in each job, Hydra's run_job
(the .hydra/*.yaml files, HydraConfig, the callbacks), about 40 ms; and in each replication
the tidy table and parquet rows, about 6% of the model's time. Not tried for lack of time:
writing only the two .hydra files the project reads (config.yaml, overrides.yaml), which
needs a run_job of the launcher's own.
"""


FIXED_COST_NOTES = """
## The fixed cost of a step and construction at 10k firms (issue 30)

Profiled at 10k firms (per-phase CPU timers, line_profiler, cProfile, callgrind's instruction
counts) on this machine while three to four other jobs ran (load 2-7 on 2 cores): every time
below is a minimum over repeats interleaved with the code before, most of them in one
process (the commit before, 0d0d3ac, imported beside the branch). Before: construction 66-72
ms, of it the capital prehistory 52 ms (its draws 15 ms, its shocks about 20, the rest 108
months of some thirty numpy passes each); a step 4.5-5 ms: government 0.97 (the renovation
programme and the displaced firms' choice), relocation 0.72, desired output 0.70, entry
0.62, production and investment 0.55, exit 0.27, the projects and Mesa's collect about 0.7,
the rest under 0.15 each. Random draws were about 0.55 ms of a step: ten streams drew a
number for every slot (13.7k at the end of a run) and one drew normals, though four of them
were then read for 22-90 slots and two were the same every month.

Changed, each result the same bytes: 16 runs (10k and 100k firms, every scenario, the three
relocation rules, the fund and space allocations, a 2030 horizon, parameter and posterior
draws) hashed before and after each change, every float64 array of the recorder, every
field of the firm store, the locations, the labour market, the project book and Mesa's
datacollector rows; tests/test_layout.py's digests unchanged; each new compiled or shortcut
path tested against the code it replaces, bit for bit (tests/test_speed_*.py):

* the capital prehistory several months at a time (`sim/model/prehistory.py`; the rule,
  `population.capital_prehistory`, stays the definition): the same draws into buffers,
  shocks and exps of up to a year of months in one numpy call each, a jump's scale and shift
  (`growth.jump_scale`, a power and a log1p) once a firm since its output is held, the trend
  and capital recursions compiled in the rule's order. Construction 69.9 -> 63.4 ms at 10k
  firms, 525 -> 482 ms at 100k; the prehistory 52 -> 44 ms, 536M -> 490M instructions;
* the renovation programme's own draws per firm (step key 0, the same every month) drawn once
  a run and continued as slots are added (`Streams.fixed_uniform_at`): 46 -> 3 µs a call,
  two a step;
* a few slots' numbers read where they lie in the stream (`sim/model/pcg.py`: numpy's PCG64
  seeding, jump-ahead of its 128-bit LCG by the maps of 2^j steps, its XSL-RR output,
  compiled) instead of drawing for every slot: the movers' destination and admission draws
  and the displaced firms' (four a step): 90 slots of 13.7k 60 -> 5 µs. The entrants' and
  new projects' small blocks (seven a step) read the same way without a Generator
  (`Streams.uniform_block`), and small arrays of draws clipped by np.clip's own ufuncs:
  4.2 -> 1.9 µs;
* the location utility's terms of output by cell and rents (`relocation.place_utility`)
  once a step, where output and rents change, not in each of its four uses: 18.9 -> 13.1 µs
  a use;
* the rules of a firm's age alone (the young firm's premium, an exp; the relocation rate's
  factor of age, a power) looked up by age from a table the rules compute once
  (`sim/model/ages.py`): 66 -> 15 and 156 -> 13 µs a step (timeit, loaded).

Per step after (10k firms, min of 7, the same load): government 0.98 -> 0.74 ms,
relocation 0.72 -> 0.60 ms, the others within the noise of the load. The whole 10k run,
construction and 36 steps, in one process interleaved (min of 15 and 21 repeats at load 2-4
and 6-7): 256 -> 228 and 281 -> 263 ms (-11%, -6%); the steps alone 186 -> 165 and 210 -> 186
ms. At 100k firms (min of 4, load 6-7): construction 963 -> 860 ms, the 36 steps 1,649 ->
1,659 ms (the same within the noise: what changed is fixed per step, or per slot drawn
for few), the run 2,736 -> 2,519 ms (-8%).

The tables above were measured after this pass was merged with the link of land and labour
productivity (ODD 7.7, one more multiply a firm-step), on a quiet machine (load 0.7 at the
start). The previous page measured an earlier model (591a7de, before issue 28's young firm's
premium, recruits and upgrades, under load 6): the two pages' totals are not a before and
after of this pass; the before -> after figures here are, each measured interleaved under
one load.

Tried and dropped: reading a few slots with numpy's own `PCG64.advance` from Python (2.2 µs a
slot: slower than drawing all 13.7k below about 20 slots); computing the prehistory's
recursions a firm at a time over the months (strided: slower at 100k than the rule); chunks
of a whole year there at 100k (12 months x 100k firms of temporaries: slower than a month at
a time, so the chunk is sized to stay in cache).

What the profile shows next, for a 10k run of about 0.19-0.23 CPU-s:
* construction, about 63 ms, is two thirds the prehistory's draws and shocks (108 months of
  3 numbers a firm; the jumps' log and the noise for the quarter of the firms a jump hits
  each month), fixed while the draws stay numpy's: the end-2022 state does not depend on
  the policy, so the scenarios of a sweep that share a replication could share it (a cache
  of the built state by calibration, parameters, firms_scale, seed and replication): about
  a quarter of a 10k run in a sweep over scenarios, no change of any number;
* a step, about 4.2 ms: the draws for every slot (growth's two uniforms and normals, the
  move and exit uniforms: about 0.3 ms, required for common random numbers), the rules'
  transcendental passes (production's three powers, the exit hazard's two, the relocation
  rate's power and exp, the shocks: about 0.5 ms), some 35 gathers and scatters of the live
  rows (7.6-10.8 µs each at 10k), and the rest many small calls: about 30 stream seedings
  (2-5 µs each), four logit choices with their room checks, Mesa's collect of 14 reporters
  (33 µs), `validate` at construction (1 ms);
* so 0.12 CPU-s a run is not reachable with the same bytes: the draws and transcendentals
  alone are about 60 ms of a run. It needs what issue 30 proposes and this pass did not do:
  draws keyed by firm for the live firms only, and a fused step with reformulated arithmetic,
  each of which changes every number once.
"""


SHARED_NOTES = """
## Shared construction, the rows written, the calibration's configs (issue 30)

Changes outside the step, each leaving every result the same bytes (tests/test_layout.py's
digests; a sweep of the six scenarios x 10 replications at 10k firms, every timeseries.parquet,
parameters.parquet, targets.json and the summary compared byte for byte with the sweep before):

* the end-2022 firms are drawn once a process for the models that share them
  (`sim.model.initial.cached_draw`): the synthesis, the capital prehistory and the floor
  space per 亿 depend on the calibration, the parameters, firms_scale, the seed and the
  replication, not on the policy, and are kept read-only (up to 256 MB, least recently used
  first) for the next model that needs them: the scenarios of a comparison, a lever table, a
  policy search, docking. Construction from kept draws 58 -> 5 ms at 10k firms and 139 -> 9
  ms at firms_scale 1 (section 3 gives it at 100k). Every timed construction on this page
  draws afresh, as a sweep over seeds does. In a sweep each worker keeps its own: the six
  scenarios x 10 replications at 10k firms on 2 workers (the 2 first jobs draw, the 4 others
  find the draws their worker kept), CPU-s min of 3 interleaved, on a machine running the
  test suite beside it: 56.7 -> 51.6 (-9%);
* timeseries.parquet's rows built as categories from the blocks of the results table
  (`sim.runs.results.timeseries_table`) on one arrow thread, instead of a frame of strings
  factorized: 10.2 -> 4.1 ms a replication alone; in a job (10 replications of 10k firms,
  two of each interleaved, loaded machine) the table and its row group 25-27 -> 17-20 ms a
  replication, the job's CPU outside its runs 30-34 -> 23-27 ms a replication;
* the calibration's simulations set a draw's 83 values on a config composed once per scale
  (`experiments.history.config`, as a run's draws are set: `sim.runs.uncertainty.apply`)
  instead of composing each through OmegaConf: 88 -> 2.5 ms of a simulation's 0.55 CPU-s; the
  statistics the same to the bit. Measured interleaved under load (section 5's method,
  each simulation drawing its firms afresh): 0.75-0.84 -> 0.65 CPU-s a simulation.

Outside the jobs, the report at the end imported the model (Mesa with scipy and networkx,
numba) through one text helper: the sweep's process now draws it without (its imports 2.3-2.7
-> 1.3 CPU-s; tests/test_api.py checks it).

At 100k firms the construction's CPU time varies with the system time it spends, not with the
model: on this machine (transparent huge pages on `madvise`, their defrag on `madvise`) numpy
advises huge pages for arrays of 4 MB or more (the prehistory's two arrays of [48 months,
firms], 38 MB each at 100k), and a fault there may compact memory first. Four constructions at
100k in one process: 1.69, 0.89, 0.54, 1.03 CPU-s, of which system 1.16, 0.35, 0.04, 0.48; with
`NUMPY_MADVISE_HUGEPAGE=0`: 0.64, 0.59, 0.58, 0.57 (system 0.11-0.17). A first run of this page
(commit 420854d) measured the 100k construction at 1.77 s, the min of 5; the page is a second
run, at 0.50. The variable is the user's to set (a process-wide numpy setting): it steadies the
time at some 10% above the best case. At 10k firms no array reaches 4 MB.

What a short fit spends besides its simulations was measured once: 3.7% (pyabc's sampling,
distances and database, the imports, the page at the end; section 5). The calibration is
therefore its simulations: runs of about 15,000 firms over 60 months.
"""


STEP_NOTES = """
## The fixed cost of a step, second pass (issue 30)

Every result again the same bytes: tests/test_layout.py's digests unchanged, and 14 runs
(`python experiments/hashruns.py TREE`: every scenario at 10k firms, the three relocation rules,
the fund and space allocations, a 2030 horizon, parameter and posterior draws, two at 100k
firms; every recorder array, firm field, location, labour-market and project-book array, the
totals and the DataCollector's rows) hashed before the first change and after each, all equal
to the commit before (77ffd58); each new compiled path tested against the code it replaces,
bit for bit, on random and edge inputs (ties, NaN, -0.0, empty arrays; tests/test_speed_*.py).

Each change, per call at 10k firms (timeit, min of 9 interleaved repeats, loaded machine):

* streams: a usual key seeded from integer arguments in compiled code, a small block or a few
  slots seeded, read and clipped in one call: a seeding 2.9 -> 2.0 µs (about 30 a step), a
  block of 15x4 9.5 -> 3.1, 50 of 13.7k slots 8.2 -> 2.8;
* the store: after firms are only added, the live firms and their index are extended by the
  new slots instead of computed again over every slot (2-3 passes a step);
* the logit choice and the admission in order (`sim/model/choice.py`, numpy's exp kept):
  63.5 -> 11.5 and 23.2 -> 3.1 µs at 60 rows, eight calls a step; the labour market's match
  (`sim/model/market.py`, numpy's pairwise sums reproduced): 40.0 -> 2.6 µs, three a step;
  the movers' options 25.1 -> 2.8 and 18.4 -> 2.6 µs; the renovation programme's choice
  13.9 -> 4.2 µs;
* Poisson numbers drawn in compiled code (`pcg.poisson`: numpy's random_poisson, its
  multiplication of uniforms and Hörmann's PTRS, with the C library's exp and log as numpy's
  code calls them; tested against numpy itself, 50,000 draws a mean) and each sector's draws
  in one call: 13 Generators a step fewer, the entrants' six draws 64.9 -> 3.6 µs, the
  projects' 64.7 -> 3.4;
* passes over the firms fused (`sim/model/passes.py`, each bin's run summed in a register,
  the additions in the order of the slots): the step's last sums (output by cell, the
  recorder's five, the floor space occupied) 108 -> 80 µs; the vacancy and subsidies by cell
  the location utility reads 53 -> 29 µs, four uses a step; the subsidies 131 -> 62 µs; the
  renovation programme's candidates 124 -> 31 µs; production's bookkeeping 165 -> 41 and
  197 -> 40 µs; desired output's inputs 117 -> 55 µs.

Per step at 10k firms (min of 7 interleaved, load 2.6-2.8), ms, before -> after: government
0.95 -> 0.60, desired output 0.80 -> 0.69, production and investment 0.60 -> 0.48,
relocation 0.67 -> 0.54, entry 0.75 -> 0.45, exit 0.32 -> 0.30, recording 0.11 -> 0.02
(its sums now come from the status pass, 0.17 -> 0.20), the rest (projects, Mesa's collect)
0.83 -> 0.68; a step 5.57 -> 4.29. The whole run, the commit before imported beside the branch
and run alternately (CPU ms, min / median, load 2.5-3.3): 10k firms, 36 steps 203 / 213 -> 153
/ 161 (-24%), with construction 284 -> 236; 100k firms, 36 steps 1,623 / 1,719 -> 1,249 /
1,289 (-23%), with construction 2,745 -> 2,249; 456 firms (the fixed cost) 36 steps 68.5 ->
36.0: about 1.0 ms a step is fixed now, from 1.9.

Tried and dropped: the all-slot uniforms drawn by a compiled sequential PCG64 to fuse the
draw with its gather (454 µs for 13.7k slots against numpy's 40: the 128-bit multiply in
64-bit parts); numpy's pairwise sum beyond 128 numbers compiled (a recursive compiled function
broke numba's cache; the match calls the rule beyond 128 locations, the model has 17); sums
fused without a register (no faster than two passes). Too small for their risk: cached sums
extended over the entrants, the live index updated in place on exits, cheaper reporters (about
1% each).

What is left of a 10k step (about 4.3 ms under load) is mostly per firm: the draws for every
slot (two uniforms and a normal for growth, one each for moving and exit) and the rules'
transcendental passes (the shock's log, the potential's exp, production's powers, the exit
hazard's powers, the relocation rate's power and exp): about half a step. They need what issue
30 proposes and no byte-identical pass can do: draws keyed by firm for the live firms only, and
a fused step with reformulated arithmetic, each changing every number once.
"""
