"""A helper process ends with the process it works for (README "No orphans").

A sweep's workers (loky's, hydra_plugins/hangzhou_launcher) and the report's forked drawers
(sim.sweep.report) outlive their parent killed by SIGKILL or the OOM killer: they would finish
their work and write into a sweep directory whose lock is gone. `end_with(parent)` starts a
daemon thread that ends this process (os._exit) as soon as its parent pid is no longer
`parent`.

Why polling os.getppid(), rather than prctl(PR_SET_PDEATHSIG) through ctypes: the death
signal follows the *thread* that forked the child, not the process (loky forks workers from
whichever thread submits, and from its manager thread when it replaces one), so a worker could
be killed while its sweep lives; and it is Linux-only. A process's parent pid changes when, and
only when, its parent dies (it is re-parented to init or a subreaper), on any POSIX system;
checking it costs one system call every `interval` seconds. What the process was writing stays
as a temporary, which the next write there removes (sim.runs.results).
"""

from __future__ import annotations

import os
import signal
import threading
import time

_watching: int | None = None  # the pid of the process that watches (a fork does not inherit the thread)


def end_with(parent: int, interval: float = 0.5) -> None:
    """End this process within `interval` seconds of `parent` ending; once per process, and
    nothing in `parent` itself."""
    global _watching
    if _watching == os.getpid() or os.getpid() == parent:
        return
    _watching = os.getpid()

    def watch() -> None:
        while os.getppid() == parent:
            time.sleep(interval)
        os._exit(1)

    threading.Thread(target=watch, name="end-with-parent", daemon=True).start()


class Terminated(BaseException):
    """SIGTERM, SIGHUP or SIGINT, raised in the main thread wherever it is (not an Exception,
    so that nothing on the way swallows it, as for KeyboardInterrupt)."""


_pending: str | None = None  # the signal received, until the process ends


def terminated(signum, frame) -> None:
    """The handler run.py installs for SIGTERM, SIGHUP and SIGINT: raises Terminated. Python runs a
    handler between bytecodes, and one that runs inside a C callback (numba's compiler calls
    back into Python through ctypes, and finalizers run anywhere) has its exception printed
    and ignored: there the handler only keeps the signal, and `raise_if_terminated` (called
    by sim.runs.guard before every month) raises it."""
    global _pending
    _pending = signal.Signals(signum).name
    signal.signal(signum, signal.SIG_DFL)  # a second one ends the process at once
    if not _swallowed(frame):
        raise Terminated(_pending)


def _swallowed(frame) -> bool:
    """Whether an exception raised at `frame` would be printed and ignored: inside a
    finalizer (__del__) or a callback of llvmlite (numba's compiler) on the stack."""
    while frame is not None:
        if frame.f_code.co_name == "__del__" or "llvmlite" in frame.f_code.co_filename:
            return True
        frame = frame.f_back
    return False


def raise_if_terminated() -> None:
    if _pending is not None:
        raise Terminated(_pending)
