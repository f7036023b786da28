"""Poisson numbers drawn in compiled code (pcg.poisson: numpy's random_poisson, its
multiplication of uniforms below a mean of 10 and Hörmann's PTRS from it, on the stream's
numbers) and the sectors' draws read in one call (Streams.poisson_each, blocks_each) are
numpy's Generator's, number for number."""

from __future__ import annotations

import numpy as np
import pytest

from sim.model import pcg
from sim.model.streams import Streams


def test_means_give_numpys_numbers():
    rng = np.random.default_rng(0)
    s = Streams((9, 4))
    lams = np.concatenate([[0.0, 1e-300, 1e-9, 0.5, 1.0, 9.5, np.nextafter(10.0, 0.0), 10.0, 10.5, 1e4, 1e9, 2e12],
                           rng.uniform(0.0, 10.0, 300), rng.uniform(0.0, 0.3, 100), rng.uniform(10.0, 500.0, 300), 10.0 ** rng.uniform(1, 8, 100)])
    for step, lam in enumerate(lams):
        want = s.get("project", step, 3, 0).poisson(lam)
        got = s.poisson("project", step, lam, 3, 0)
        assert type(got) is type(want) and got == want
    for step in range(300):  # arrays, drawn in order from one stream
        lam = rng.uniform(0.0, 40.0 if step % 3 == 0 else 9.99, int(rng.integers(0, 20)))
        want = s.get("platform", step).poisson(lam)
        got = s.poisson("platform", step, lam)
        assert got.dtype == want.dtype and got.tobytes() == want.tobytes()


@pytest.mark.parametrize("lam", [0.01, 2.0, 7.5, 9.999, 10.0, 12.5, 36.2, 95.7, 365.0, 5e3, 7e5])
def test_many_draws_of_one_mean_are_numpys(lam):
    """Many draws from one stream: PTRS's rejections and its log-gamma test are taken often."""
    state = Streams((1, 1))._state("entry", 5, 0, 0)
    lams = np.full(50_000, lam)
    want = np.random.Generator(np.random.PCG64(state)).poisson(lams)
    assert pcg.poisson(state.words, lams).tobytes() == want.tobytes()


def test_a_mean_numpy_refuses_is_refused():
    with pytest.raises(ValueError):
        Streams((1, 1)).poisson("platform", 3, np.array([1.0, np.nan]))
    with pytest.raises(ValueError):
        Streams((1, 1)).poisson_each("entry", 3, np.array([1.0, -1.0]), 0)


def test_each_sectors_draws_in_one_call():
    rng = np.random.default_rng(1)
    s = Streams((2, 7))
    for step in range(200):
        lams = rng.uniform(0.0, 400.0 if step % 2 else 9.0, 6)
        if step % 7 == 0:
            lams[2] = 2e12  # beyond MAX_LAM: numpy's own
        k = s.poisson_each("entry", step, lams, 0)
        want = np.array([s.get("entry", step, j, 0).poisson(v) for j, v in enumerate(lams)], dtype=np.int64)
        assert k.dtype == want.dtype and k.tobytes() == want.tobytes()
        sizes = np.minimum(4 * k, 1000) if step % 5 else np.array([0, 1200, 0, 2, 1, 0])  # 1200: more than a block, read by the Generator
        got = s.blocks_each("entry", step, sizes, 1)
        want_u = np.concatenate([np.zeros(0), *(np.clip(s.get("entry", step, j, 1).random(int(n)), 1e-12, 1 - 1e-12) for j, n in enumerate(sizes))])
        assert got.tobytes() == want_u.tobytes()
