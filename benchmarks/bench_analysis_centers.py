"""Centres of relulp.analysis: analytic centre vs N, the CPAL body (Woodbury vs baselines), Chebyshev LP.

Not part of the default test run. Run explicitly:

    python -m pytest benchmarks/bench_analysis_centers.py -q
    RELULP_BENCH_ALL=1 python -m pytest benchmarks/bench_analysis_centers.py -q   # + the slow baselines

Targets (brief): analytic centre of the CPAL body (N ~ 3,700-4,300, ~25,000 rows after 20 cuts) <= 0.5 s;
a dense N = 2,000 body <= 5 s. They are reported in ``extra_info`` (``target_s``, ``seconds``), not
asserted: the machine is shared. Ratios compare methods measured in the same session.
"""

from __future__ import annotations

import os
import time

import numpy as np
import pytest

from relulp.analysis import Polytope, bodies

ALL = bool(os.environ.get("RELULP_BENCH_ALL"))
_seconds: dict[str, float] = {}


def _fresh(P):
    """The same body without caches or warm-start hints."""
    return Polytope(P.A, P.b, bound=P.bound.value, R=P.R, blocks=P.blocks)


@pytest.mark.parametrize("N", [250, 500, 1000, 2000])
def test_analytic_center_dense(benchmark, N):
    P = bodies.random_polytope(N, 2 * N, seed=1)
    res = benchmark.pedantic(lambda: _fresh(P).analytic_center(), rounds=1 if N >= 1000 else 3, iterations=1)
    sec = benchmark.stats.stats.min
    benchmark.extra_info.update(N=N, rows=2 * N, nit=res.nit, decrement=res.decrement, solver=res.solver,
                                seconds=sec, target_s=5.0 if N == 2000 else None)
    assert res.success and res.decrement < 1e-12


@pytest.fixture(scope="module")
def cpal():
    P, info = bodies.cpal_body(20)
    return P, info


def test_cpal_center_woodbury_cold(benchmark, cpal):
    P, info = cpal
    res = benchmark.pedantic(lambda: _fresh(P).analytic_center(), rounds=3, iterations=1)
    sec = benchmark.stats.stats.min
    _seconds["cold"] = sec
    benchmark.extra_info.update(N=P.N, rows=P.m, patterns=info["P"], nit=res.nit, phase1=res.phase1_nit,
                                decrement=res.decrement, seconds=sec, target_s=0.5)
    assert res.success and res.form == "homogeneous_ball"


def test_cpal_center_woodbury_warm_after_last_cut(benchmark, cpal):
    P, info = cpal
    per = 1 + 2 * info["P"]
    parent = Polytope(P.A[: 19 * per], P.b[: 19 * per], bound="ball", blocks=3)
    parent.analytic_center()

    def run():
        child = parent.cut(P.A[19 * per:], P.b[19 * per:])
        return child.analytic_center()

    res = benchmark.pedantic(run, rounds=3, iterations=1)
    sec = benchmark.stats.stats.min
    benchmark.extra_info.update(nit=res.nit, phase1=res.phase1_nit, seconds=sec, start=res.start,
                                ratio_to_cold=sec / _seconds.get("cold", np.nan))
    assert res.success


def test_cpal_center_sparse_lu_baseline(benchmark, cpal):
    """The same Newton iteration with a sparse LU of A^T W A instead of Woodbury (no block structure)."""
    P, _ = cpal
    Q = Polytope(P.A, P.b, bound="ball", R=P.R)  # blocks dropped
    res = benchmark.pedantic(lambda: _fresh(Q).analytic_center(linalg="sparse"), rounds=1, iterations=1)
    sec = benchmark.stats.stats.min
    benchmark.extra_info.update(seconds=sec, solver=res.solver,
                                woodbury_speedup=sec / _seconds.get("cold", np.nan))
    assert res.success


def test_dense_newton_vs_woodbury(benchmark):
    """A smaller CPAL body (N ~ 1,100) where the dense N x N Newton system is still affordable."""
    P, info = bodies.cpal_body(20, n_sample=150)
    t = time.perf_counter()
    wood = _fresh(P).analytic_center(linalg="woodbury")
    t_wood = time.perf_counter() - t
    dense = benchmark.pedantic(lambda: _fresh(P).analytic_center(linalg="dense"), rounds=1, iterations=1)
    sec = benchmark.stats.stats.min
    benchmark.extra_info.update(N=P.N, rows=P.m, dense_s=sec, woodbury_s=t_wood, ratio_dense_over_woodbury=sec / t_wood,
                                max_abs_diff=float(np.abs(wood.x - dense.x).max()))
    assert np.abs(wood.x - dense.x).max() < 1e-7


@pytest.mark.parametrize("N", [100, 250, 500] + ([1000, 2000] if ALL else []))
def test_chebyshev_lp_dense(benchmark, N):
    P = bodies.random_polytope(N, 2 * N, seed=2)
    res = benchmark.pedantic(lambda: _fresh(P).chebyshev_center(), rounds=1, iterations=1)
    benchmark.extra_info.update(N=N, radius=res.radius, lp_iterations=res.lp_iterations,
                                seconds=benchmark.stats.stats.min)
    assert res.success


@pytest.fixture(scope="module")
def cpal3():
    """A three-layer spiral CPAL body (the paper's 50, 100 directions; 8 cut points)."""
    from relulp import PatternTree, datasets, sample_deep_patterns
    from relulp.cpal.cuts import CutModel

    D = datasets.spiral()
    cm = CutModel(PatternTree(sample_deep_patterns(D.X_train, [50, 100], seed=0)), D.X_train)
    pts = np.arange(8)
    A, b = cm.cut(pts, D.y_train[pts])
    return A, b, cm


def test_cpal3_center_two_level(benchmark, cpal3):
    A, b, cm = cpal3
    P = Polytope(A, b, bound="ball", blocks=cm.block_width, coarse_blocks=cm.coarse_block_width)
    res = benchmark.pedantic(lambda: _fresh(P).analytic_center(), rounds=3, iterations=1)
    _seconds["two_level"] = benchmark.stats.stats.min
    _seconds["two_level_x"] = res.x
    benchmark.extra_info.update(N=P.N, rows=P.m, mid_rows=int(P.layout.mid_rows.size),
                                coupling_rows=int(P.layout.cpl_rows.size), nit=res.nit,
                                seconds=_seconds["two_level"])
    assert res.success


def test_cpal3_center_one_level_baseline(benchmark, cpal3):
    """The same body with the level-2 cone rows as coupling rows of one-level Woodbury."""
    A, b, cm = cpal3
    P = Polytope(A, b, bound="ball", blocks=cm.block_width)
    res = benchmark.pedantic(lambda: _fresh(P).analytic_center(), rounds=1, iterations=1)
    sec = benchmark.stats.stats.min
    benchmark.extra_info.update(seconds=sec, ratio_one_level_over_two_level=sec / _seconds.get("two_level", np.nan),
                                max_abs_diff=float(np.abs(res.x - _seconds.get("two_level_x", res.x)).max()))
    assert res.success


@pytest.mark.parametrize("bound", ["box", "ball"])
def test_chebyshev_cpal_body(benchmark, cpal, bound):
    """Chebyshev centre of the CPAL body: one LP (box) or one SOCP by Clarabel (ball)."""
    P, _ = cpal
    Q = Polytope(P.A, P.b, bound=bound, R=P.R, blocks=P.blocks)
    res = benchmark.pedantic(lambda: _fresh(Q).chebyshev_center(), rounds=1, iterations=1)
    _seconds[f"cheb_{bound}"] = benchmark.stats.stats.min
    benchmark.extra_info.update(N=P.N, rows=P.m, radius=res.radius, seconds=_seconds[f"cheb_{bound}"],
                                ratio_ball_over_box=_seconds.get("cheb_ball", np.nan) / _seconds.get("cheb_box", np.nan))
    assert res.success
