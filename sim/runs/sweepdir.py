"""A sweep's directory: one sweep, run by one process at a time.

- `hold`: the process that runs a sweep (run.py -m, from before its first job is planned to
  its end) holds an exclusive lock (fcntl.flock) on LOCK in the sweep directory; a second
  process asking for it is refused at once with one line naming the holder. The kernel
  releases the lock when the holder exits, however it ends (a failed job, SIGKILL); the lock
  file stays, empty (the holder's pid, for the refusal's line, is read from /proc/locks).
- `check_place`: a new sweep directory is not inside another sweep, and an existing one holds
  no other sweep (a sweep directory holds only its own jobs).
- `check_one`: what the summary, the report and scenario discovery read is one sweep, not a
  directory of sweeps (results/sweeps itself).

A sweep directory is marked by MARKS: sweep.json (sim.sweep.plan), multirun.yaml (Hydra).
"""

from __future__ import annotations

import fcntl
import os
from pathlib import Path

from ..config.schema import ConfigError

LOCK = ".sweep.lock"
MARKS = ("sweep.json", "multirun.yaml", LOCK)
_held: dict[str, int] = {}  # realpath -> the open lock file (held for this process's life, or until release)


def _real(sweep_dir) -> str:
    return os.path.realpath(os.fspath(sweep_dir))


def holds(sweep_dir) -> bool:
    """Whether this process holds the sweep directory's lock."""
    return _real(sweep_dir) in _held


def hold(sweep_dir, what: str = "") -> None:
    """Take the exclusive lock of `sweep_dir` (created if missing) for this process, or
    refuse (ConfigError, one line) if another process holds it. Idempotent in a process."""
    path = _real(sweep_dir)
    if path in _held:
        return
    os.makedirs(path, exist_ok=True)
    fd = os.open(os.path.join(path, LOCK), os.O_RDWR | os.O_CREAT | os.O_CLOEXEC, 0o644)
    try:
        fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
    except BlockingIOError:
        holder = _holder(fd)
        os.close(fd)
        raise ConfigError(f"{what or path}: another sweep{f' (process {holder})' if holder else ''} is running in {path}; "
                          "allowed: one sweep per directory at a time: wait for it to end, or choose another sweep_name=") from None
    _held[path] = fd


def _holder(fd: int) -> str | None:
    """The process holding the flock on fd's file, from /proc/locks (Linux; the lock file
    itself stays empty, so that two runs of a sweep write the same bytes), or None."""
    st = os.fstat(fd)
    want = f"{os.major(st.st_dev):02x}:{os.minor(st.st_dev):02x}:{st.st_ino}"
    try:
        with open("/proc/locks", encoding="ascii") as f:
            for line in f:  # "1: FLOCK  ADVISORY  WRITE 12345 00:2f:1234567 0 EOF"; waiters have "->"
                parts = line.split()
                if "FLOCK" in parts and "->" not in parts and len(parts) >= 4 and parts[-3] == want:
                    return parts[-4]
    except OSError:
        pass
    return None


def release(sweep_dir) -> None:
    """Give up the lock (the kernel also does at exit)."""
    fd = _held.pop(_real(sweep_dir), None)
    if fd is not None:
        os.close(fd)


def _marked(d: Path) -> bool:
    return any((d / m).exists() for m in MARKS)


def _inner(d: Path) -> list[Path]:
    """The sweeps below `d` (not `d` itself), sorted."""
    found = set()
    for root, dirs, files in os.walk(d):
        dirs[:] = [x for x in dirs if x != ".hydra"]
        if Path(root) != d and any(m in files for m in MARKS):
            found.add(Path(root))
    return sorted(found)


def check_place(sweep_dir) -> None:
    """Refuse (ConfigError) a sweep directory inside another sweep's, or one holding other sweeps."""
    d = Path(_real(sweep_dir))
    for parent in d.parents:
        if _marked(parent):
            raise ConfigError(f"sweep directory {d} is inside the sweep {parent}; allowed: a directory of its own (sweep_name=NAME, a name)")
    if d.is_dir() and (inner := _inner(d)):
        raise ConfigError(f"sweep directory {d} holds {len(inner)} other sweep(s), e.g. {inner[0]}; allowed: a directory of its own")


def check_one(sweep_dir) -> Path:
    """`sweep_dir` if it is one sweep (its job directories, not those of sweeps below it);
    ConfigError, one line, if it is missing or holds other sweeps."""
    d = Path(sweep_dir)
    if not d.is_dir():
        raise ConfigError(f"{d}: {'not a directory' if d.exists() else 'no such directory'}")
    inner = _inner(d)
    if inner:
        names = ", ".join(str(p.relative_to(d)) for p in inner[:3]) + (", ..." if len(inner) > 3 else "")
        raise ConfigError(f"{d} is not one sweep: it holds {len(inner)} sweeps ({names}); allowed: one sweep's directory, e.g. {inner[0]}")
    return d
