"""relulp verifies every "optimal" itself, reports objectives only for optima, refuses coefficients that
break the C libraries, and drives HiGHS through one adapter (banner, threads, Ctrl-C)."""

from __future__ import annotations

import json
import os
import signal
import subprocess
import sys
import threading

import numpy as np
import pytest
import scipy.sparse as sp
from hypothesis import given, settings
from hypothesis import strategies as st

import relulp
from relulp import solvers
from relulp.lp import SparseLP
from relulp.solvers import Status, instances
from relulp.solvers.errors import CoefficientRangeError, ProblemDataError

BACKENDS = [("highs", "simplex"), ("highs", "ipm"), ("glpk", "simplex"), ("glpk", "interior")]


def scaled_lp(v: float) -> SparseLP:
    """min x0 + x1  s.t.  v x0 + x1 >= 1,  x0 - v x1 <= 0,  x >= 0  (optimum 1/v-ish, feasible for all v)."""
    A = sp.csr_array(np.array([[v, 1.0], [1.0, -v]]))
    return SparseLP(np.ones(2), A, np.array([1.0, -np.inf]), np.array([np.inf, 0.0]), np.zeros(2),
                    np.full(2, np.inf))


def max_violation(lp: SparseLP, x: np.ndarray) -> float:
    """Independent of solvers.residuals: the largest absolute bound violation, with plain numpy."""
    ax = lp.A.toarray() @ x
    v = [np.max(lp.row_lower - ax), np.max(ax - lp.row_upper), np.max(lp.col_lower - x), np.max(x - lp.col_upper)]
    return max(0.0, *[float(t) for t in v])


@pytest.mark.parametrize("backend, method", BACKENDS)
@settings(max_examples=12, deadline=None, derandomize=True)
@given(exponent=st.integers(-8, 14))
def test_an_optimal_status_is_always_true(backend, method, exponent):
    lp = scaled_lp(10.0 ** exponent)
    res = solvers.solve(lp, backend=backend, method=method)
    assert res.status in (Status.OPTIMAL, Status.OPTIMAL_INACCURATE)
    assert res.success is (res.status is Status.OPTIMAL)
    viol = max_violation(lp, res.x) / (1.0 + 1.0)  # relative to 1 + max |finite bound|
    if res.success:
        assert viol <= res.verify_tolerance
    else:
        assert "relulp: the solver said optimal" in res.message and "exceed" in res.message


def test_glpk_simplex_wrong_optimum_is_caught():
    # GLPK's simplex says OPTIMAL with every row of this LP violated by half its right-hand side
    res = solvers.solve(scaled_lp(1e10), backend="glpk", method="simplex")
    assert res.native_status.lower().startswith("opt") or "optimal" in res.message.lower()
    assert res.status is Status.OPTIMAL_INACCURATE and not res.success
    assert res.rel_primal_residual > 0.1
    assert res.objective is not None  # labelled by the status, still the value at the point


def test_verify_tolerance_is_the_users():
    res = solvers.solve(scaled_lp(1e6), backend="glpk", method="simplex", verify_tolerance=1e-12)
    assert res.verify_tolerance == 1e-12
    assert res.status is Status.OPTIMAL_INACCURATE  # its residual 5e-7 is above 1e-12
    with pytest.raises(ProblemDataError):
        solvers.solve(scaled_lp(1.0), verify_tolerance=0)


@pytest.mark.parametrize("v", [1e15, 1e200, -1e16])
@pytest.mark.parametrize("backend", ["highs", "glpk"])
def test_coefficients_no_backend_handles_are_refused_before_the_c_library(v, backend):
    with pytest.raises(CoefficientRangeError, match="rescale"):
        solvers.solve(scaled_lp(v), backend=backend)


def test_huge_finite_bounds_are_refused():
    lp = scaled_lp(1.0)
    lp.row_lower[0] = 1e25
    with pytest.raises(CoefficientRangeError, match="infinite"):
        solvers.solve(lp)


def test_glpk_abort_does_not_kill_the_process():
    code = ("import numpy as np, scipy.sparse as sp\nfrom relulp import solvers\n"
            "from relulp.lp import SparseLP\n"
            "A = sp.csr_array(np.full((3, 2), 1e200))\n"
            "lp = SparseLP(np.ones(2), A, np.ones(3), np.full(3, np.inf), np.zeros(2), np.full(2, np.inf))\n"
            "try:\n    solvers.solve(lp, backend='glpk')\nexcept solvers.errors.CoefficientRangeError:\n"
            "    print('refused')\n")
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, timeout=120)
    assert out.returncode == 0 and out.stdout.strip() == "refused", out.stderr


@pytest.mark.parametrize("backend, method", [("highs", "simplex"), ("highs", "ipm"), ("glpk", "simplex")])
def test_no_objective_without_an_optimum(backend, method):
    for lp, status in ((instances.infeasible(), Status.INFEASIBLE), (instances.unbounded(), Status.UNBOUNDED)):
        res = solvers.solve(lp, backend=backend, method=method)
        if backend == "glpk" and res.status is Status.INFEASIBLE_OR_UNBOUNDED:
            pass
        else:
            assert res.status is status
        assert res.objective is None and res.solver_objective is None and not res.success
        assert "objective" in res.to_record() and res.to_record()["objective"] is None


def _zero_row_data():
    X = np.array([[0.0, 0.0], [1.0, 0.5], [-1.0, 0.3], [0.2, -1.0]])
    y = np.array([1.0, 1.0, -1.0, -1.0])
    return X, y


@pytest.mark.parametrize("objective", ["feasibility", "min_l1"])
def test_pyomo_and_matrix_agree_on_trivially_infeasible_rows(objective):
    # x_0 = 0 and no intercept: the margin row of point 0 has no variables and reads 0 >= 1
    X, y = _zero_row_data()
    tree = relulp.PatternTree(relulp.sample_patterns(X, 20, seed=0, fit_intercept=False))
    lp = relulp.build_lp(tree, X, y, objective, fit_intercept=False)
    model = relulp.build_model(tree, X, y, objective, fit_intercept=False)
    a = solvers.solve(lp)
    b = solvers.solve(model)
    assert a.status is b.status is Status.INFEASIBLE
    assert "margin" in b.message and b.objective is None


def test_highs_banner_never_reaches_stdout():
    code = ("from relulp.solvers.highs_adapter import new_highs\n"
            "from relulp import solvers; import relulp.solvers.instances\n"
            "new_highs(); solvers.solve(solvers.instances.infeasible())\n"
            "print('{}')\n")
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, timeout=120)
    assert out.returncode == 0, out.stderr
    assert out.stdout == "{}\n"
    assert "Running HiGHS" not in out.stderr  # discarded unless a log is asked for


def test_cli_json_on_stdout_is_valid_json(tmp_path):
    out = subprocess.run([sys.executable, "-m", "relulp.cli", "solve", "--patterns", "20", "--json", "-"],
                         capture_output=True, text=True, timeout=300, cwd=tmp_path)
    assert out.returncode == 0, out.stderr
    rec = json.loads(out.stdout)
    assert rec["status"] == "optimal"


def test_thread_options_never_break_later_solves():
    lp = instances.infeasible()
    for threads in (1, 2, None, 1):
        opts = {} if threads is None else {"threads": threads}
        assert solvers.solve(lp, method="simplex", **opts).status is Status.INFEASIBLE
    # the pruning LPs (one persistent HiGHS model) still work after all of that
    from relulp.analysis import bodies

    P = bodies.redundant_polytope(3, 30, 0.6, seed=0, R=10.0)
    res = P.prune()
    assert res.complete and res.kept.size < P.m


def test_ctrl_c_stops_a_running_highs_solve():
    import highspy

    from relulp.solvers.highs_adapter import new_highs, pass_lp, run

    if not hasattr(highspy.Highs, "cancelSolve"):
        pytest.skip("this highspy has no user interrupt")
    from relulp import datasets

    ds = datasets.spiral()
    tree = relulp.PatternTree(relulp.sample_patterns(ds.X_train, 1000, seed=np.random.RandomState(0)))
    lp = relulp.build_lp(tree, ds.X_train, ds.y_train, "min_l1")  # IPX needs 10-30 s on it
    h = new_highs()
    h.setOptionValue("solver", "ipx")
    pass_lp(h, lp)
    timer = threading.Timer(0.5, lambda: os.kill(os.getpid(), signal.SIGINT))
    timer.start()
    with pytest.raises(KeyboardInterrupt):
        run(h)
    timer.join()
    assert h.getModelStatus() == highspy.HighsModelStatus.kInterrupt


def test_a_tiny_dual_residual_at_a_huge_point_is_not_a_certificate():
    # min x0 - (1 + 1e-10) x1  s.t.  x0 - x1 >= 0,  x >= 0  is unbounded (x0 = x1 = t). A claimed optimum at
    # x = (1e8 + 0.01, 1e8) with y = 1 has objective 0 = dual objective (gap 0), primal residual 0 and a dual
    # residual of only 1e-10: every classic check passes. Weighted by x the dual error is 0.01.
    from relulp.solvers import residuals
    from relulp.solvers.api import finish
    from relulp.solvers.result import Result

    lp = SparseLP(np.array([1.0, -1.0 - 1e-10]), sp.csr_array(np.array([[1.0, -1.0]])), np.zeros(1),
                  np.full(1, np.inf), np.zeros(2), np.full(2, np.inf))
    x, y = np.array([1e8 + 0.01, 1e8]), np.ones(1)
    r = residuals.compute(lp, x, y)
    assert r.primal == 0 and r.rel_dual <= 1e-10 and r.rel_gap <= 1e-8  # all far below 1e-6
    assert r.rel_dual_error_at_x == pytest.approx(0.01, rel=1e-3)
    res = Result(status=Status.OPTIMAL, x=x, row_duals=y, tolerance=1e-7)
    finish(res, lp)
    assert res.status is Status.OPTIMAL_INACCURATE and "dual error at x" in res.message
    # with the cost vector (1, -1) the LP is bounded, (1e8, 1e8) is optimal (objective 0) and certified
    exact = SparseLP(np.array([1.0, -1.0]), lp.A, lp.row_lower, lp.row_upper, lp.col_lower, lp.col_upper)
    ok = Result(status=Status.OPTIMAL, x=np.array([1e8, 1e8]), row_duals=y, tolerance=1e-7)
    finish(ok, exact)
    assert ok.status is Status.OPTIMAL and ok.rel_dual_error_at_x == 0


@pytest.mark.parametrize("claim", [Status.INFEASIBLE, Status.UNBOUNDED, Status.INFEASIBLE_OR_UNBOUNDED])
def test_a_no_optimum_claim_on_an_lp_with_an_optimum_by_construction_is_a_numerical_failure(claim):
    from relulp.solvers.api import finish
    from relulp.solvers.result import Result

    X, y = _zero_row_data()
    tree = relulp.PatternTree(relulp.sample_patterns(X, 20, seed=0))
    hinge = relulp.build_lp(tree, X, y, "hinge")
    assert hinge.meta["optimum_exists"] and not relulp.build_lp(tree, X, y, "min_l1").meta["optimum_exists"]
    res = Result(status=claim, message="solver: no optimum")
    finish(res, hinge)
    assert res.status is Status.NUMERICAL_ERROR and "finite optimum by construction" in res.message
    # the same claim on an LP without that guarantee stands
    res = Result(status=claim)
    finish(res, relulp.build_lp(tree, X, y, "min_l1"))
    assert res.status is claim
    # and every backend solves the hinge LP to a verified optimum
    for backend, method in BACKENDS:
        assert solvers.solve(hinge, backend=backend, method=method).status is Status.OPTIMAL


def test_farkas_separation_proves_infeasibility_and_nothing_else():
    from relulp.solvers.residuals import farkas_separation

    # x0 + x1 >= 2 and x0 + x1 <= 1 (x free): y = (1, -1) separates [2, inf) - (-inf, 1] ... by 1
    A = sp.csr_array(np.array([[1.0, 1.0], [1.0, 1.0]]))
    lp = SparseLP(np.zeros(2), A, np.array([2.0, -np.inf]), np.array([np.inf, 1.0]), np.full(2, -np.inf),
                  np.full(2, np.inf))
    assert farkas_separation(lp, np.array([1.0, -1.0])) > 0
    assert farkas_separation(lp, np.array([-1.0, 1.0])) > 0  # either sign convention
    assert farkas_separation(lp, np.array([1.0, 0.0])) <= 0  # one row alone proves nothing
    feasible = SparseLP(np.zeros(2), A, np.array([0.0, -np.inf]), np.array([np.inf, 1.0]), np.full(2, -np.inf),
                        np.full(2, np.inf))
    for ray in (np.array([1.0, -1.0]), np.array([-1.0, 1.0]), np.array([3.0, 2.0])):
        assert farkas_separation(feasible, ray) <= 0  # no multiplier proves a feasible LP infeasible


@pytest.mark.parametrize("method", ["ipm", "simplex"])
def test_highs_infeasible_claims_carry_a_checked_farkas_certificate(method):
    res = solvers.solve(instances.infeasible(), method=method)
    assert res.status is Status.INFEASIBLE and "certified by a Farkas ray" in res.message


def test_farkas_separation_forgives_rounding_residue_on_free_columns():
    from relulp.solvers.residuals import farkas_separation

    # (0.1 + 0.2) x >= 1 and -0.3 x >= 0 with x free: y = (1, 1) gives A.T y = 5.6e-17, not 0
    A = sp.csr_array(np.array([[0.1 + 0.2], [-0.3]]))
    lp = SparseLP(np.zeros(1), A, np.array([1.0, 0.0]), np.full(2, np.inf), np.array([-np.inf]), np.array([np.inf]))
    assert (A.T @ np.ones(2))[0] != 0
    assert farkas_separation(lp, np.ones(2)) > 0


def _epigraph_lp(objective_scale: float = 1.0) -> SparseLP:
    """min 500 t  s.t.  t - u >= 0,  t + u >= 0,  u = 1e-6  (columns u, t; optimum t = 1e-6, value 5e-4),
    its objective row multiplied by ``objective_scale``."""
    A = sp.csr_array(np.array([[-1.0, 1.0], [1.0, 1.0], [1.0, 0.0]]))
    return SparseLP(np.array([0.0, 500.0]) * objective_scale, A, np.array([0.0, 0.0, 1e-6]),
                    np.array([np.inf, np.inf, 1e-6]), np.array([-np.inf, 0.0]), np.full(2, np.inf),
                    objective_scale=objective_scale)


def test_repair_cost_raises_only_slack_columns_and_prices_the_cheapest():
    from relulp.solvers import residuals

    lp = _epigraph_lp()
    assert residuals.slack_columns(lp).tolist() == [False, True]  # u is in both directions; t only relaxes
    assert residuals.repair_cost(lp, np.array([1e-6, 1e-6])) == 0.0  # feasible
    # t = 0 violates t - u >= 0 by 1e-6: raising t by 1e-6 costs 5e-4 (independent: by hand)
    assert residuals.repair_cost(lp, np.array([1e-6, 0.0])) == pytest.approx(5e-4, rel=1e-12)
    # a row with two slack columns is restored by the cheaper one: min 3 a + b  s.t.  a + 2 b >= 1
    two = SparseLP(np.array([3.0, 1.0]), sp.csr_array(np.array([[1.0, 2.0]])), np.ones(1), np.full(1, np.inf),
                   np.zeros(2), np.full(2, np.inf))
    assert residuals.repair_cost(two, np.zeros(2)) == pytest.approx(0.5)
    # a violated row without a slack column costs nothing here (the primal residual reports it)
    assert residuals.repair_cost(lp, np.array([0.0, 0.0])) == 0.0


def test_a_feasible_looking_point_whose_slacks_lie_is_not_optimal():
    # the 1,000-instance campaign's seed 525: GLPK returned t' = 0 next to u' = 1.7e-6 on a column that costs
    # 0.5, objective 2e-8; primal residual 5e-8 (relative) passed, the network cost 40x the reported optimum.
    # Here: t = 0 next to u = 1e-6 at 500 per unit (the optimum is 5e-4), in user units and scaled by 2**-16.
    from relulp.solvers.api import finish
    from relulp.solvers.result import Result

    for sigma in (1.0, 2.0 ** -16):
        lp = _epigraph_lp(sigma)
        bad = Result(status=Status.OPTIMAL, x=np.array([1e-6, 0.0]), row_duals=np.zeros(3), tolerance=1e-7)
        finish(bad, lp)
        assert bad.rel_primal_residual <= 1e-6  # the classic check passes
        assert bad.status is Status.OPTIMAL_INACCURATE and "repair cost" in bad.message
        good = Result(status=Status.OPTIMAL, x=np.array([1e-6, 1e-6]), row_duals=np.array([0.0, 0.0, 0.0]),
                      tolerance=1e-7)
        finish(good, lp)
        assert good.rel_repair_cost == 0.0


def test_relative_objective_measures_use_one_unit_of_the_makers_objective():
    # the same LP in user units and with its objective row scaled by 2**-20: the relative gap is the same
    from relulp.solvers import residuals

    x, y = np.array([1e-6, 1e-6]), np.array([0.0, 0.0, 0.25])
    plain = residuals.compute(_epigraph_lp(1.0), x, y)
    scaled = residuals.compute(_epigraph_lp(2.0 ** -20), x, y * 2.0 ** -20)
    assert scaled.rel_gap == pytest.approx(plain.rel_gap, rel=1e-9)
    assert plain.rel_gap > 0


def test_scaled_relulp_lp_of_tiny_features_is_verified_by_its_network():
    # n = 2, d = 3, features at 1e-13 .. 20 (the campaign's seed 525): whatever a backend says, an OPTIMAL
    # must be confirmed by the recovered network's own objective (numpy forward pass, original units)
    X = np.array([[7.60542040e+00, -2.61087344e-08, 5.91793788e-06],
                  [2.17795055e+01, 1.01608183e-13, 6.19101205e-06]])
    y = np.array([-10.541086, -30.186314])
    tree = relulp.PatternTree([np.array([[False, True], [False, True]])])
    lp = relulp.build_lp(tree, X, y, objective="l1", formulation="auxiliary", fit_intercept=False, lam=1e-3)
    assert lp.objective_scale != 1.0
    for backend, method in [("highs", "simplex"), ("highs", "ipm"), ("glpk", "simplex")]:
        res = solvers.solve(lp, backend=backend, method=method)
        if res.status is not Status.OPTIMAL:
            assert res.status is Status.OPTIMAL_INACCURATE
            continue
        net = relulp.recover_network(lp, res.x)
        value = float(np.abs(net.decision_function(X) - y).sum()) + 1e-3 * float(np.abs(lp.unscale(res.x)[
            lp.col_block("u").slice]).sum())
        assert value == pytest.approx(lp.original_objective(res.x), rel=1e-5, abs=1e-7), (backend, method)
