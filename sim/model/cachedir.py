"""Where numba's cache of the model's compiled code lives: a directory named by the digest of
every source the compiled code is built from (sim.model.compiled explains why). Kept apart
from compiled.py, which imports numba, so that a sweep's process can tell whether the cache is
warm without importing numba or the model (sim.sweep.warm)."""

from __future__ import annotations

import hashlib
import os
from pathlib import Path

HERE = Path(__file__).resolve().parents[1]  # sim/
# the modules compiled code is compiled from: the kernels, the rules they inline (space,
# talent, ops), the constants they read (the schema: SECTORS), the streams' seeding, the
# reading of PCG64 at chosen positions, the capital prehistory's recursions, the lookup by age,
# the logit choice and admission in order, the labour market's match, the fused passes
SOURCES = ("model/compiled.py", "model/kernels.py", "model/streams.py", "model/pcg.py", "model/prehistory.py", "model/ages.py", "model/choice.py", "model/market.py", "model/passes.py", "rules/space.py", "rules/talent.py", "rules/ops.py", "config/schema.py")


def path(root: Path = HERE) -> Path:
    """root/__pycache__/numba-<digest of the SOURCES under root> (or under $NUMBA_CACHE_DIR);
    root: the sim/ directory."""
    digest = hashlib.sha256(b"".join((root / name).read_bytes() for name in SOURCES)).hexdigest()[:16]
    return Path(os.environ.get("NUMBA_CACHE_DIR") or root / "__pycache__") / f"numba-{digest}"
