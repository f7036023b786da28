"""The worker's side of hydra_plugins.hangzhou_launcher: one job, with its config built by
the launcher, and what all jobs of a launch share, unpickled once a worker.

A module of its own, named with "_": Hydra's plugin scan, which runs again whenever a job's
singletons are set (Singleton.set_state), executes every other module under hydra_plugins
again in place, which would reset the cache below and redefine `Shared`.
"""

from __future__ import annotations

import os
import pickle
import threading
import uuid
from collections.abc import Sequence

from hydra.core.singleton import Singleton
from hydra.core.utils import JobReturn, run_job, setup_globals
from hydra.types import HydraContext, TaskFunction
from hydra_plugins.hydra_joblib_launcher import _core
from omegaconf import DictConfig, OmegaConf, open_dict

try:
    import cloudpickle  # what loky pickles tasks with: the task function may live in __main__
except ImportError:  # joblib < 1.6 (the Ray extra's) carries its own
    from joblib.externals import cloudpickle


class Shared:
    """What every job of a launch shares, pickled once (when joblib first sends a task to a
    worker process; not for n_jobs=1, which runs in this process): each task carries the
    bytes, and a worker unpickles them for its first job of the launch only."""

    def __init__(self, hydra_context: HydraContext, master: DictConfig, task_function: TaskFunction, singleton_state: dict) -> None:
        self.objects = (hydra_context, master, task_function, singleton_state)
        self.token = uuid.uuid4().hex
        self.blob: bytes | None = None

    def __reduce__(self):
        if self.blob is None:  # two of joblib's threads may both do it: the same bytes
            self.blob = cloudpickle.dumps(self.objects)
        return _unpickle_shared, (self.token, self.blob)


_SHARED: dict[str, tuple] = {}  # in a worker: the current launch's shared objects


def _unpickle_shared(token: str, blob: bytes) -> tuple:
    if token not in _SHARED:
        _SHARED.clear()  # a worker serves one launch at a time
        _SHARED[token] = pickle.loads(blob)
    return _SHARED[token]


def worker_setup(parent: int) -> None:
    """Once per worker process: end it as soon as `parent`, the sweep's process, is gone
    (sim.runs.lifetime: loky's workers otherwise outlive a sweep killed by SIGKILL, finish
    their jobs and write into the sweep after its lock is gone); and give tqdm a thread lock.
    tqdm's default lock holds a multiprocessing semaphore (registered with multiprocessing's
    resource tracker, the sweep's) even for a disabled bar: a worker killed with its sweep
    cannot release it, and the tracker then warns of a leaked semaphore on the terminal after
    the sweep's last line. A spawned worker's bars share no lock with other processes anyway."""
    global _SET_UP
    if _SET_UP or os.getpid() == parent:  # done; or n_jobs=1, in the sweep's process
        return
    _SET_UP = True
    import tqdm

    from sim.runs.lifetime import end_with

    end_with(parent)
    tqdm.tqdm.set_lock(threading.RLock())


_SET_UP = False


def execute_indexed(pos: int, *args) -> tuple[int, JobReturn]:
    """execute_job(*args), with the job's place in the launch (jobs come back as they end)."""
    return pos, execute_job(*args)


def execute_job(idx: int, overrides: Sequence[str], config: DictConfig | None, shared: Shared | tuple,
                parent: int | None = None) -> JobReturn:
    """In a worker: run one job with its config built by the launcher, as the joblib
    launcher's execute_job does with the config it composes (or that, when there is none).
    `shared`: hydra_context, the multirun's config, the task function, Hydra's singletons
    (the same objects for every job of the launch in this worker: setting them again is cheap,
    and run_job restores what it changes). `parent`: the sweep's pid (worker_setup)."""
    if parent is not None:  # the sweep's process: a worker ends with it
        worker_setup(parent)
    from sim.sweep import progress

    progress.LAUNCHER_REPORTS = True  # the job's line goes back to the launcher, which prints it
    hydra_context, master, task_function, singleton_state = shared.objects if isinstance(shared, Shared) else shared
    if config is None:
        return _core.execute_job(idx, overrides, hydra_context, master, task_function, singleton_state)
    setup_globals()
    Singleton.set_state(singleton_state)
    OmegaConf.copy_cache(from_config=master, to_config=config)  # as load_sweep_config does
    with open_dict(config):
        config.hydra.job.id = f"{config.hydra.job.name}_{idx}"
        config.hydra.job.num = idx
    # no HydraConfig.set_config here (the joblib launcher's does it, ~13 ms): run_job sets it
    # before it reads anything, and restores what it found after the job
    return run_job(
        hydra_context=hydra_context,
        config=config,
        task_function=task_function,
        job_dir_key="hydra.sweep.dir",
        job_subdir_key="hydra.sweep.subdir",
    )
