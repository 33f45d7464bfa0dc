"""relulp.analysis centres: Chebyshev (LP) and analytic (damped Newton) centres (math.md §5)."""

import math
import warnings

import numpy as np
import pytest
import scipy.sparse as sp
from scipy.optimize import minimize

from relulp.analysis import BodyStatus, CenterStatus, ConvergenceWarning, Polytope, bodies
from relulp.analysis.analytic import Barrier, _phase1


# ------------------------------------------------------------------------------------------- Chebyshev
@pytest.mark.parametrize("N", [2, 5, 12])
def test_chebyshev_of_rotated_cube_is_its_centre(N):
    P = bodies.cube(N, 0.5, rotation=N)
    res = P.chebyshev_center()
    assert res.status is BodyStatus.INTERIOR and res.success
    assert res.radius == pytest.approx(0.5, abs=1e-7)
    assert np.abs(res.x).max() < 1e-6 or np.all(P.slack(res.x) >= 0.5 - 1e-7)


@pytest.mark.parametrize("N", [2, 6])
def test_chebyshev_of_simplex(N):
    r = 1.0 / (N + math.sqrt(N))  # inradius of the standard simplex
    res = bodies.simplex(N).chebyshev_center()
    assert res.radius == pytest.approx(r, rel=1e-7)
    assert res.x == pytest.approx(np.full(N, r), abs=1e-7)


def test_chebyshev_with_the_ball_is_exact():
    # half ball {x_1 <= 0, ||x|| <= 1} in 3-D: inscribed ball radius 1/2 centred at (-1/2, 0, 0)
    P = Polytope(np.array([[1.0, 0, 0]]), [0.0], bound="ball", R=1.0)
    res = P.chebyshev_center()
    assert res.status is BodyStatus.INTERIOR
    assert res.radius == pytest.approx(0.5, abs=1e-7)
    assert res.x == pytest.approx([-0.5, 0, 0], abs=1e-6)
    assert np.linalg.norm(res.x) + res.radius <= 1.0 + 1e-9


@pytest.mark.parametrize("N", [2, 50, 400])
def test_chebyshev_of_the_negative_orthant_in_the_ball(N):
    # {x <= 0, ||x|| <= R}: by symmetry the centre is -c 1 with radius c and c sqrt(N) + c = R
    R = 2.0
    P = Polytope(sp.identity(N, format="csr"), np.zeros(N), bound="ball", R=R)
    res = P.chebyshev_center()
    c = R / (math.sqrt(N) + 1)
    assert res.status is BodyStatus.INTERIOR
    assert res.radius == pytest.approx(c, rel=1e-6)
    assert res.x == pytest.approx(np.full(N, -c), abs=1e-6)


def test_chebyshev_of_a_slab_in_the_ball():
    P = Polytope(np.array([[1.0, 0, 0], [-1.0, 0, 0]]), [0.1, 0.1], bound="ball", R=1.0)
    res = P.chebyshev_center()
    assert res.radius == pytest.approx(0.1, abs=1e-7) and np.abs(res.x).max() < 1e-6


def test_chebyshev_of_a_large_homogeneous_ball_body_is_interior():
    # a CPAL body (N = 4,140, 6,905 homogeneous rows): theta = 0 lies in it and so does a ball; the
    # returned radius is re-derived from the centre (every row's slack, the ball's slack)
    P, _ = bodies.cpal_body(5, bound="ball")
    res = P.chebyshev_center()
    assert res.status is BodyStatus.INTERIOR and res.radius > 1e-4
    s = P.slack(res.x) / P.row_norms
    assert s.min() >= res.radius * (1 - 1e-9)
    assert np.linalg.norm(res.x) + res.radius <= 1.0 + 1e-9
    # scaling: for a cone the best ball of the unit-norm direction u = x/||x|| has radius rho(u) and
    # the optimum is R rho / (1 + rho) (math.md §5); the returned pair must satisfy it
    u = res.x / np.linalg.norm(res.x)
    rho = (-(P.A @ u) / P.row_norms).min()
    assert res.radius == pytest.approx(rho / (1 + rho), rel=1e-5)


def test_chebyshev_in_the_ball_reports_an_empty_body():
    P = Polytope(np.array([[1.0, 0], [-1.0, 0]]), [-0.2, -0.2], bound="ball")  # x <= -0.2 and x >= 0.2
    res = P.chebyshev_center()
    assert res.status is BodyStatus.INFEASIBLE and res.radius < 0
    flat = Polytope(np.array([[1.0, 0], [-1.0, 0]]), [0.0, 0.0], bound="ball")  # the segment x_1 = 0
    assert flat.chebyshev_center().status is BodyStatus.EMPTY_INTERIOR


def test_chebyshev_box_bound_is_part_of_the_body():
    P = Polytope(np.array([[1.0, 0]]), [5.0], bound="box", R=1.0)  # row far outside the box
    res = P.chebyshev_center()
    assert res.radius == pytest.approx(1.0, abs=1e-8)


# ------------------------------------------------------------------------------------------- analytic
def barrier_value(P, x):
    s = P.b - P.A @ x
    v = -np.sum(np.log(s))
    if P.bound.value == "box":
        v -= np.sum(np.log(P.R - x) + np.log(P.R + x))
    elif P.bound.value == "ball":
        v -= np.log(P.R**2 - x @ x)
    return v


def barrier_grad(P, x):
    s = P.b - P.A @ x
    g = P.A.T @ (1 / s)
    if P.bound.value == "box":
        g += 1 / (P.R - x) - 1 / (P.R + x)
    elif P.bound.value == "ball":
        g += 2 * x / (P.R**2 - x @ x)
    return g


def test_simplex_analytic_centre_is_its_barycentre():
    # -sum log x_i - log(1 - sum x): by symmetry and stationarity x_i = 1/(N+1)
    N = 7
    res = bodies.simplex(N, bound=None).analytic_center()
    assert res.status is CenterStatus.CONVERGED and res.decrement < 1e-12
    assert res.x == pytest.approx(np.full(N, 1 / (N + 1)), abs=1e-9)


@pytest.mark.parametrize("bound", ["box", "ball", None])
def test_analytic_centre_matches_scipy_and_has_zero_gradient(bound):
    P = bodies.random_polytope(5, 14, seed=3, bound=bound, R=1.2, offset=(0.3, 1.0))
    res = P.analytic_center()
    assert res.success and res.decrement < 1e-12
    g = barrier_grad(P, res.x)
    assert np.linalg.norm(g) < 1e-6 and res.grad_norm == pytest.approx(np.linalg.norm(g), abs=1e-6)
    ref = minimize(lambda x: barrier_value(P, x) if P.contains(x, tol=-1e-14) else 1e30, np.zeros(5),
                   jac=lambda x: barrier_grad(P, x), method="BFGS", options={"gtol": 1e-10})
    assert res.x == pytest.approx(ref.x, abs=1e-5)
    assert barrier_value(P, res.x) <= barrier_value(P, ref.x) + 1e-10


def test_infeasible_start_is_repaired_by_primal_dual_steps_or_phase_one(monkeypatch):
    import relulp.analysis.analytic as centers

    P = bodies.random_polytope(6, 20, seed=4, R=1.0)
    x_bad = np.full(6, 0.9)
    assert not P.contains(x_bad)
    ref = P.analytic_center(start="chebyshev").x
    res = Polytope(P.A, P.b).analytic_center(start=x_bad)
    assert res.success and res.start == "given+primal-dual" and res.pd_nit > 0 and res.phase1_nit == 0
    assert res.x == pytest.approx(ref, abs=1e-7)
    monkeypatch.setattr(centers, "PD_START_ITER", 0)  # no primal-dual budget: barrier phase I repairs it
    res = Polytope(P.A, P.b).analytic_center(start=x_bad)
    assert res.success and res.start == "given+phase1" and res.phase1_nit > 0
    assert res.x == pytest.approx(ref, abs=1e-7)


def test_phase_one_returns_a_strictly_feasible_point():
    P = bodies.random_polytope(8, 30, seed=5)
    bar = Barrier(P, "box")
    x, steps = _phase1(bar, np.full(8, 0.95))
    assert steps > 0 and np.all(P.slack(x) > 0) and np.abs(x).max() < 1


def _small_cpal(bound="ball", cuts=4):
    return bodies.cpal_body(cuts, n_sample=60, seed=2, bound=bound)


@pytest.mark.parametrize("bound", ["box", "ball"])
def test_structured_solvers_agree(bound):
    P, _ = _small_cpal(bound)
    xs = {}
    for method in ("woodbury", "sparse", "dense"):
        Q = Polytope(P.A, P.b, bound=bound, R=P.R, blocks=3)
        res = Q.analytic_center(linalg=method)
        assert res.success and res.decrement < 1e-12
        xs[method] = res.x
    assert res.solver == "dense-cholesky"
    assert xs["woodbury"] == pytest.approx(xs["dense"], abs=1e-8)
    assert xs["sparse"] == pytest.approx(xs["dense"], abs=1e-8)


def test_homogeneous_ball_centre_is_the_papers_centre():
    """max log(R - ||theta||) + sum log(-a_i theta): ||theta*|| = R M/(M+1) and zero gradient."""
    P, _ = _small_cpal("ball")
    P = Polytope(P.A, P.b, bound="ball", R=2.0, blocks=3)
    res = P.analytic_center()
    assert res.form == "homogeneous_ball" and res.success
    M = P.m
    x = res.x
    assert np.linalg.norm(x) == pytest.approx(2.0 * M / (M + 1), rel=1e-12)
    s = -(P.A @ x)
    assert np.all(s > 0)
    nx = np.linalg.norm(x)
    grad = x / (nx * (2.0 - nx)) + P.A.T @ (1 / s)  # gradient of -log(R - ||x||) - sum log(-a x)
    assert np.linalg.norm(grad) <= 1e-6 * np.linalg.norm(P.A.T @ (1 / s))


def test_warm_start_after_a_cut_reproduces_the_cold_centre():
    P, info = _small_cpal("ball", cuts=5)
    per = 1 + 2 * info["P"]
    parent = Polytope(P.A[: 4 * per], P.b[: 4 * per], bound="ball", blocks=3)
    parent.analytic_center()
    child = parent.cut(P.A[4 * per:], P.b[4 * per:])
    warm = child.analytic_center()
    assert warm.start.startswith("previous centre")
    cold = Polytope(child.A, child.b, bound="ball", blocks=3).analytic_center()
    assert cold.start.startswith("origin")
    assert warm.x == pytest.approx(cold.x, abs=1e-8)


def test_cut_through_the_centre_moves_the_centre_inside_the_new_body():
    P = bodies.random_polytope(10, 40, seed=6)
    c = P.analytic_center().x
    a = np.random.default_rng(0).standard_normal(10)
    child = P.cut(a, a @ c)  # the old centre sits on the new boundary
    res = child.analytic_center()
    assert res.success and a @ res.x < a @ c and child.contains(res.x)


def test_dense_system_reuses_its_factor():
    P = bodies.random_polytope(120, 300, seed=7)
    bar = Barrier(P, "box")
    from relulp.analysis.analytic import _newton

    x, status, nit, dec, g = _newton(bar, np.zeros(120), 1e-12, 50)
    assert status is CenterStatus.CONVERGED
    assert bar.system.n_factor < nit  # at least one Newton step solved by CG on a reused factor


def test_iteration_limit_warns_and_reports():
    P = bodies.random_polytope(6, 30, seed=8)
    with pytest.warns(ConvergenceWarning):
        res = P.analytic_center(max_iter=1)
    assert res.status is CenterStatus.ITERATION_LIMIT and res.decrement > 1e-12
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        assert P.analytic_center().success  # a fresh call reaches the tolerance


def test_interior_point_prefers_cached_centre():
    P = bodies.random_polytope(4, 12, seed=9)
    c = P.analytic_center().x
    assert P.interior_point() is c


def test_sparse_rows_without_blocks_use_sparse_algebra():
    rng = np.random.default_rng(1)
    N = 1600
    A = sp.random_array((3200, N), density=0.002, random_state=rng, format="csr")
    A = sp.vstack([A, sp.identity(N, format="csr"), -sp.identity(N, format="csr")], format="csr")
    P = Polytope(A, np.ones(A.shape[0]), bound="box", R=2.0)
    res = P.analytic_center()
    assert res.success and res.solver == "sparse-lu"
    assert np.linalg.norm(barrier_grad_sparse(P, res.x)) < 1e-6


def barrier_grad_sparse(P, x):
    s = P.b - P.A @ x
    return P.A.T @ (1 / s) + 1 / (P.R - x) - 1 / (P.R + x)


# ------------------------------------------------------------------------------------------- hard bodies
@pytest.mark.parametrize("bound", ["box", "ball"])
@pytest.mark.parametrize("linalg", ["auto", "dense"])
def test_flat_cpal_body_raises_empty_interior(bound, linalg):
    # the same point cut with both labels: the margin rows a theta <= 0 and -a theta <= 0 leave a flat
    # body; the Newton systems lose definiteness in floating point, the Chebyshev LP/SOCP certifies it
    from relulp.analysis import EmptyInteriorError

    P, info = bodies.cpal_body(3, n_sample=60, bound=bound)
    P.analytic_center()
    i = info["points"][0]
    A1, b1 = bodies.cpal_cut_rows(info["X"], -info["y"], info["D"], [i])
    Q = P.cut(A1, b1)
    bar = Barrier(Q, "quad" if bound == "ball" else bound, linalg)
    # phase 1 alone finds no interior point: its Newton system either loses definiteness (LinAlgError, what a
    # caller saw before; numpy 2.x here) or it ends without a point (numpy 1.26's rounding): never a point
    try:
        x, _ = _phase1(bar, P.analytic_center().x / P.R)
    except np.linalg.LinAlgError:
        x = None
    assert x is None
    with pytest.raises(EmptyInteriorError) as err:
        Q.analytic_center(linalg=linalg)
    assert err.value.status is BodyStatus.EMPTY_INTERIOR


def _tube_body(n_points, bound="ball"):
    """Regression cuts (eps tubes |f(x_i) - y_i| <= 1e-3 plus cone rows) of the quadratic data."""
    from relulp import PatternTree, datasets, sample_patterns
    from relulp.cpal.cuts import CutModel

    D = datasets.quadratic()
    cm = CutModel(PatternTree([sample_patterns(D.X_train, 200, seed=0)]), D.X_train)
    order = np.argsort(np.abs(D.X_train[:, 0] - 0.5))  # points near x = 0.5 first
    A, b = cm.cut(order[:n_points], D.y_train[order[:n_points]], task="regression", eps=1e-3)
    return A, b, cm


def test_thin_tube_body_in_the_ball_warm_start_matches_the_cold_centre():
    A, b, cm = _tube_body(8)
    per = A.shape[0] // 8
    # the body hugs the sphere (the fit needs ||theta|| ~ R): primal Newton alone crawls along it for
    # hundreds of steps (docs/analysis.md); phase I gives up and the Chebyshev SOCP starts it
    parent = Polytope(A[: 6 * per], b[: 6 * per], bound="ball", blocks=cm.block_width)
    assert parent.analytic_center().success
    child = parent.cut(A[6 * per:], b[6 * per:])
    warm = child.analytic_center()
    assert warm.success and warm.decrement < 1e-12
    assert warm.start.startswith("previous centre+")
    s = child.slack(warm.x)
    assert s.min() > 0 and np.linalg.norm(warm.x) < 1.0
    cold = Polytope(child.A, child.b, bound="ball", blocks=cm.block_width).analytic_center(start="chebyshev")
    assert warm.x == pytest.approx(cold.x, abs=1e-7)
    # stationarity of -sum log(b - A x) - log(R^2 - ||x||^2), in relative terms
    g_rows = child.A.T @ (1 / s)
    g = g_rows + 2 * warm.x / (1 - warm.x @ warm.x)
    assert np.linalg.norm(g) <= 1e-5 * np.linalg.norm(g_rows)


def test_phase_one_gives_up_after_its_step_budget():
    A, b, cm = _tube_body(8)
    P = Polytope(A, b, bound="ball", blocks=cm.block_width)
    bar = Barrier(P, "ball")
    x0 = np.zeros(P.N)
    x, steps = _phase1(bar, x0, max_steps=3)
    assert x is None and steps == 3


@pytest.mark.parametrize("bound", ["box", "ball", None, "quad"])
def test_primal_dual_steps_reach_the_primal_centre(bound):
    # from the Chebyshev centre, primal-dual steps end where the primal Newton iteration ends
    from relulp.analysis.analytic import _primal_dual

    if bound == "quad":
        P, _ = _small_cpal("ball")
        kind, R = "quad", P.R
    else:
        P = bodies.random_polytope(8, 30, seed=11, bound=bound, R=1.3, offset=(0.05, 1.0))
        kind, R = ("none" if bound is None else bound), P.R
    ref = Polytope(P.A, P.b, bound=P.bound.value, R=R, blocks=P.blocks).analytic_center()
    bar = Barrier(P, kind)
    start = P.chebyshev_center().x / (R if kind == "quad" else 1.0)
    x, steps = _primal_dual(bar, start, tol=1e-12)
    assert 0 < steps < 200
    if kind == "quad":
        x = x * (R * bar.M / (bar.M + 1.0))
    assert x == pytest.approx(ref.x, abs=1e-8)


@pytest.mark.parametrize("start", [None, "chebyshev"])
def test_thin_ball_body_takes_primal_dual_steps(start):
    A, b, cm = _tube_body(8)
    P = Polytope(A, b, bound="ball", blocks=cm.block_width)
    res = P.analytic_center(start=start)  # infeasible-start or Chebyshev-start primal-dual steps, primal polish
    assert res.success and res.pd_nit > 0
    assert res.nit + res.pd_nit < 150  # the primal iteration alone: 186 steps from the Chebyshev centre
