"""numba's `njit` for the model's compiled code, cached on disk where a change of any source
the code is compiled from invalidates it.

numba's own cache is checked against the source file of the compiled function alone: a
kernel of sim/model/kernels.py inlines `space.request` of sim/rules/space.py, and after an
edit of space.py numba would load the kernel compiled from the old rule. So the cache lives in a
directory named by the digest of every source compiled code is built from (`SOURCES`): an
edit to any of them starts a new directory, and the next run compiles again (a few seconds).
The directory is sim/__pycache__/numba-<digest>, where earlier digests' directories are
removed (or $NUMBA_CACHE_DIR/numba-<digest>, where nothing is removed).
"""

from __future__ import annotations

import functools
import os
import shutil

import numba

from . import cachedir

HERE, SOURCES = cachedir.HERE, cachedir.SOURCES  # sim/, and the sources the directory's digest reads


@functools.cache
def cache_dir() -> str:
    path = cachedir.path(HERE)
    if not os.environ.get("NUMBA_CACHE_DIR"):  # the code compiled from earlier sources of this checkout is not needed again
        for old in path.parent.glob("numba-*"):
            if old != path:
                shutil.rmtree(old, ignore_errors=True)
    return str(path)


def njit(function=None, **options):
    """`numba.njit(cache=True, **options)`, cached in `cache_dir()`. numba picks a function's
    cache directory when it is decorated, so the setting is changed for that moment only."""
    if function is None:
        return functools.partial(njit, **options)
    previous = numba.config.CACHE_DIR
    numba.config.CACHE_DIR = cache_dir()
    try:
        return numba.njit(cache=True, **options)(function)
    finally:
        numba.config.CACHE_DIR = previous
