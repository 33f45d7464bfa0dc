"""Hit-and-run throughput (chain-steps per second) and centroid cost of relulp.analysis.

    python -m pytest benchmarks/bench_analysis_sampling.py -q

One chain-step = one hit-and-run move plus one radial move of one chain. Baseline in the same run:
the plain move (no radial step) on the same chains.
"""

from __future__ import annotations

import numpy as np
import pytest

from relulp.analysis import HitAndRun, bodies
from relulp.analysis._threads import single_blas_thread

_plain: dict[int, float] = {}


def _chains(N, C=512):
    P = bodies.random_polytope(N, 4 * N, seed=3)
    X0 = P.sample(C, seed=0, burn_in=20).points
    return P, X0


@pytest.mark.parametrize("N", [10, 50, 200])
def test_hit_and_run_plain(benchmark, N):
    P, X0 = _chains(N)
    hr = HitAndRun(P, X0, np.random.default_rng(0))
    with single_blas_thread():
        benchmark.pedantic(lambda: hr.sweep(50, radial=False), rounds=3, iterations=1)
    rate = 50 * len(X0) / benchmark.stats.stats.min
    _plain[N] = rate
    benchmark.extra_info.update(N=N, rows=P.m, chains=len(X0), chain_steps_per_s=rate)


@pytest.mark.parametrize("N", [10, 50, 200])
def test_hit_and_run_with_radial_moves(benchmark, N):
    P, X0 = _chains(N)
    hr = HitAndRun(P, X0, np.random.default_rng(0), center=P.chebyshev_center().x)
    with single_blas_thread():
        benchmark.pedantic(lambda: hr.sweep(50, inner=1.0), rounds=3, iterations=1)
    rate = 50 * len(X0) / benchmark.stats.stats.min
    benchmark.extra_info.update(N=N, chain_steps_per_s=rate, cost_vs_plain=_plain.get(N, np.nan) / rate)


@pytest.mark.parametrize("N", [10, 50])
def test_direction_generation(benchmark, N):
    """Directions of one step (N x 512 normals): the float32 Box-Muller of the sampler vs
    rng.standard_normal (was the largest single cost of a step at N = 50)."""
    import timeit

    from relulp.analysis.sampling import normals

    rng = np.random.default_rng(0)
    shape = (N, 512)
    benchmark.pedantic(lambda: normals(rng, shape), rounds=20, iterations=5)
    base = min(timeit.repeat(lambda: rng.standard_normal(shape), number=5, repeat=20)) / 5
    benchmark.extra_info.update(N=N, speedup_vs_standard_normal=base / benchmark.stats.stats.min)
    z = normals(rng, (200, 1000))
    assert abs(z.mean()) < 0.01 and abs(z.var() - 1) < 0.02


@pytest.mark.parametrize("N", [10, 20, 50])
def test_centroid(benchmark, N):
    P = bodies.simplex(N)
    res = benchmark.pedantic(lambda: bodies.simplex(N).centroid(seed=1), rounds=1, iterations=1)
    err = res.x - 1 / (N + 1)
    benchmark.extra_info.update(N=N, chains=res.n_chains, chain_steps=res.chain_steps, rms_error=res.rms_error,
                                max_abs_z=float(np.abs(err / res.stderr).max()),
                                covariance_error=res.covariance_error, seconds=benchmark.stats.stats.min)
    assert P.contains(res.x)
