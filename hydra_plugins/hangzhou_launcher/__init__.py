"""The project's launcher: Hydra's joblib launcher, with each job's config built once in the
sweep's process instead of composed again from the config files in the worker.

hydra-joblib-launcher's worker composes its job's config from the files (load_sweep_config,
about 0.2 s a job on a busy core) before Hydra's run_job, with the cores otherwise idle between
jobs. The sweeper (hydra_plugins.hangzhou_sweeper) has already composed each choice of config
groups once to check the jobs; this launcher takes those compositions (jobs.JobConfigs, which
derives a job's config from them exactly as Hydra composes it) and hands each worker its job's
config. The worker then does what the joblib launcher's does after composing: Hydra's run_job
(HydraConfig, the output directory, job logging, .hydra/*.yaml). A job whose config only
Hydra's full composition gives (an override of hydra's own config) is composed in its worker
the old way. Workers are joblib's (loky, persistent), with the joblib launcher's settings
(`hydra.launcher.n_jobs` etc.), so a job's imports are paid once a worker; what every job
needs besides its config (Hydra's context and singletons, the task function) is pickled once
and unpickled once a worker (`Shared`), where the joblib launcher pickles it for every job and
its worker, given new singletons each job, scans for Hydra's plugins again (about 50 ms a job).
Jobs come back as they end (joblib's generator_unordered), and this process, the sweep's,
writes each job's line and moves the sweep's one bar on (sim.sweep.progress): the workers
print nothing of their own but a job's bars under job_progress=true.

configs/hydra/launcher/parallel.yaml selects it (configs/config.yaml makes it the default);
`hydra/launcher=joblib` runs the unmodified joblib launcher.
"""

from __future__ import annotations

import logging
import os
from collections.abc import Sequence
from pathlib import Path
from typing import Any

from hydra.core.singleton import Singleton
from hydra.core.utils import JobReturn, JobStatus, configure_log, filter_overrides, setup_globals
from hydra_plugins.hangzhou_sweeper.jobs import JobConfigs
from hydra_plugins.hydra_joblib_launcher import _core
from hydra_plugins.hydra_joblib_launcher.joblib_launcher import JoblibLauncher
from joblib import Parallel, delayed

from sim.sweep import progress

from ._worker import Shared, execute_indexed

log = logging.getLogger(__name__)


class ParallelLauncher(JoblibLauncher):
    """JoblibLauncher whose workers get their job's config instead of composing it."""

    def __init__(self, **kwargs: Any) -> None:
        super().__init__(**kwargs)
        self.job_configs: JobConfigs | None = None  # the sweeper's, when it hands them over

    def launch(self, job_overrides: Sequence[Sequence[str]], initial_job_idx: int) -> Sequence[JobReturn]:
        """hydra_joblib_launcher._core.launch (the same settings and log lines), with each
        job's config built here, as joblib dispatches it."""
        setup_globals()
        assert self.config is not None and self.task_function is not None and self.hydra_context is not None
        if self.job_configs is None:  # another sweeper: compose each choice of groups here, once
            self.job_configs = JobConfigs(self.hydra_context.config_loader, self.config)
        configure_log(self.config.hydra.hydra_logging, self.config.hydra.verbose)
        sweep_dir = Path(str(self.config.hydra.sweep.dir))
        sweep_dir.mkdir(parents=True, exist_ok=True)

        joblib_cfg = self.joblib
        joblib_cfg["backend"] = "loky"  # as the joblib launcher: threads are incompatible with Hydra
        _core.process_joblib_cfg(joblib_cfg)
        settings = ",".join(f"{k}={v}" for k, v in joblib_cfg.items())
        log.info(f"Joblib.Parallel({settings}) is launching {len(job_overrides)} jobs")
        log.info(f"Launching jobs, sweep output dir : {sweep_dir}")
        for idx, overrides in enumerate(job_overrides):
            log.info("\t#{} : {}".format(idx, " ".join(filter_overrides(overrides))))

        shared = Shared(self.hydra_context, self.config, self.task_function, Singleton.get_state())
        parent = os.getpid()  # each worker ends when this process does (_worker.worker_setup)
        progress.LAUNCHER_REPORTS = True  # the jobs' lines and the sweep's bar: here, as each job comes back
        runs: list[JobReturn | None] = [None] * len(job_overrides)
        ended = False
        try:  # in the order they end, each put in its place
            for pos, run in Parallel(**joblib_cfg, return_as="generator_unordered")(
                delayed(execute_indexed)(pos, initial_job_idx + pos, overrides, self.job_configs.config(overrides), shared, parent)
                for pos, overrides in enumerate(job_overrides)
            ):
                runs[pos] = run
                if run.status == JobStatus.COMPLETED:
                    line = run.return_value
                    progress.job_done(line if isinstance(line, str) else None, progress.status_of(line))
                else:  # the task raised: Hydra's sweeper raises it once the launch returns
                    progress.job_done(None, "failed")
            ended = True
        finally:
            if not ended or any(run.status != JobStatus.COMPLETED for run in runs if run is not None):
                progress.close()  # the sweep ends here, without on_multirun_end: the error below the bar
        assert all(isinstance(run, JobReturn) for run in runs)
        return runs
