"""Front end, Result, residuals and the HiGHS backend of :mod:`solvers` (fast: small LPs only)."""

from __future__ import annotations

import json
from importlib import metadata

import numpy as np
import pytest
import scipy.sparse as sp

from relulp import solvers
from relulp.exceptions import RelulpError, UnknownOptionError
from relulp.lp import SparseLP
from relulp.solvers import Status, instances
from relulp.solvers import residuals as R

HIGHS_METHODS = ["ipm", "simplex", "pdlp"]
TEXTBOOK = instances.textbook()


def obj_tol(method: str) -> float:
    return 1e-5 if method == "pdlp" else 1e-7


# --- textbook LPs ---------------------------------------------------------------------------------
@pytest.mark.parametrize("method", HIGHS_METHODS)
@pytest.mark.parametrize("known", TEXTBOOK, ids=[k.name for k in TEXTBOOK])
def test_highs_textbook_optimum(known, method):
    res = solvers.solve(known.lp, backend="highs", method=method)
    assert res.status is Status.OPTIMAL and res.success
    tol = obj_tol(method)
    assert res.objective == pytest.approx(known.objective, rel=tol, abs=tol)
    np.testing.assert_allclose(res.x, known.x, atol=1e-4 if method == "pdlp" else 1e-7)
    np.testing.assert_allclose(res.row_duals, known.row_duals, atol=1e-4 if method == "pdlp" else 1e-7)
    assert res.primal_residual <= 1e-6 and res.dual_residual <= 1e-6
    assert res.rel_gap <= 1e-5
    assert res.backend == "highs" and res.method == method
    assert res.solver_version == metadata.version("highspy")
    assert res.iterations >= 0 and res.solve_seconds >= 0 and res.setup_seconds > 0
    # relulp's objective and the solver's own agree
    assert res.solver_objective == pytest.approx(res.objective, rel=1e-6, abs=1e-6)


@pytest.mark.parametrize("method", HIGHS_METHODS)
def test_highs_infeasible_and_unbounded(method):
    res = solvers.solve(instances.infeasible(), method=method)
    # HiGHS >= 1.16's PDLP proves only "infeasible or unbounded"; simplex and IPM tell which
    expected = {Status.INFEASIBLE, Status.INFEASIBLE_OR_UNBOUNDED} if method == "pdlp" else {Status.INFEASIBLE}
    assert res.status in expected and not res.success
    assert res.objective is None and res.solver_objective is None  # no optimum, no objective
    res = solvers.solve(instances.unbounded(), method=method)
    assert res.status is Status.UNBOUNDED and not res.success
    assert res.objective is None and res.solver_objective is None


def test_default_method_is_ipm_and_options_reach_highs():
    lp = TEXTBOOK[1].lp
    assert solvers.solve(lp).method == "ipm"
    # primal simplex by name and by HiGHS's integer code; presolve off makes simplex iterate
    a = solvers.solve(lp, method="simplex", simplex_strategy="primal", presolve="off")
    b = solvers.solve(lp, method="simplex", simplex_strategy=4, presolve="off")
    assert a.status is b.status is Status.OPTIMAL and a.iterations == b.iterations >= 1
    assert a.options == {"simplex_strategy": "primal", "presolve": "off"}


# --- random LPs: methods agree, residuals within tolerance --------------------------------------------
@pytest.mark.parametrize("seed", range(4))
def test_highs_methods_agree_on_random_lps(seed):
    lp = instances.random_lp(40, 60, density=0.2, seed=seed)
    ref = solvers.solve(lp, method="simplex")
    assert ref.status is Status.OPTIMAL
    for method in ("ipm", "pdlp"):
        res = solvers.solve(lp, method=method, tolerance=1e-8)
        assert res.status is Status.OPTIMAL, res.message
        assert res.objective == pytest.approx(ref.objective, rel=1e-6, abs=1e-6)
        assert res.rel_primal_residual <= 1e-6 and res.rel_dual_residual <= 1e-6
        assert res.tolerance == 1e-8


def test_pdlp_reports_relative_tolerance_and_honest_status():
    lp = instances.random_lp(40, 60, density=0.2, seed=7)
    loose = solvers.solve(lp, method="pdlp", tolerance=1e-3)
    tight = solvers.solve(lp, method="pdlp")
    assert loose.tolerance == 1e-3 and tight.tolerance == 1e-7  # HiGHS's default pdlp_optimality_tolerance
    assert loose.iterations < tight.iterations
    for res in (loose, tight):
        if res.status is Status.OPTIMAL:
            assert res.rel_primal_residual <= 10 * res.tolerance
        else:  # HiGHS "Unknown" must never come out as optimal
            assert res.native_status != "Optimal"


def test_iteration_and_time_limit_statuses():
    lp = instances.random_lp(300, 400, density=0.05, seed=3)
    assert solvers.solve(lp, method="simplex", simplex_iteration_limit=1, presolve="off").status \
        is Status.ITERATION_LIMIT
    assert solvers.solve(lp, method="ipm", ipm_iteration_limit=1).status is Status.ITERATION_LIMIT
    res = solvers.solve(lp, method="ipm", time_limit=1e-9)
    assert res.status is Status.TIME_LIMIT and res.time_limit == 1e-9


# --- errors -----------------------------------------------------------------------------------------
def test_unknown_backend_method_option():
    lp = TEXTBOOK[0].lp
    with pytest.raises(solvers.UnknownBackendError, match="cplex_direct"):
        solvers.solve(lp, backend="cplex_direct")
    with pytest.raises(solvers.UnknownMethodError, match="barrier"):
        solvers.solve(lp, method="barrier")
    with pytest.raises(solvers.SolverOptionError, match="no option 'bogus'"):
        solvers.solve(lp, bogus=1)
    with pytest.raises(solvers.SolverOptionError, match="expects a int"):
        solvers.solve(lp, threads="two")
    with pytest.raises(solvers.SolverOptionError, match="method="):
        solvers.solve(lp, solver="ipx")
    # all are relulp errors, and the name errors are UnknownOptionError
    assert issubclass(solvers.UnknownBackendError, UnknownOptionError)
    assert issubclass(solvers.SolverOptionError, UnknownOptionError)
    assert issubclass(solvers.BackendNotInstalledError, RelulpError)


def test_bad_problem_data():
    lp = TEXTBOOK[0].lp
    bad = SparseLP(lp.c, lp.A, np.array([np.nan, -np.inf]), lp.row_upper, lp.col_lower, lp.col_upper)
    with pytest.raises(solvers.ProblemDataError, match="NaN"):
        solvers.solve(bad)
    A = lp.A.copy()
    bad = SparseLP(lp.c, A, lp.row_lower, lp.row_upper, lp.col_lower, lp.col_upper)
    A.data[0] = np.nan  # after construction, so only solvers' check can catch it
    with pytest.raises(solvers.ProblemDataError, match="NaN"):
        solvers.solve(bad)
    crossed = SparseLP(lp.c, lp.A, lp.row_lower, lp.row_upper, np.array([1.0, 0.0]), np.array([0.0, 1.0]))
    with pytest.raises(solvers.ProblemDataError, match="exceed"):
        solvers.solve(crossed)
    with pytest.raises(solvers.ProblemDataError):
        solvers.solve("not an LP")
    with pytest.raises(solvers.ProblemDataError, match="time_limit"):
        solvers.solve(lp, time_limit=-1)


def test_not_installed_backend_names_install_command():
    if solvers.backends.get("cupdlpx").is_installed():
        pytest.skip("cuPDLPx and a GPU are present")
    with pytest.raises(solvers.BackendNotInstalledError, match="pip install cupdlpx"):
        solvers.solve(TEXTBOOK[0].lp, backend="cupdlpx")
    assert "cupdlpx" not in solvers.available()


def test_other_sparse_formats_are_accepted():
    k = TEXTBOOK[2]
    lp = SparseLP(k.lp.c, sp.csc_array(k.lp.A), k.lp.row_lower, k.lp.row_upper, k.lp.col_lower,
                  k.lp.col_upper, objective_constant=k.lp.objective_constant)
    assert solvers.solve(lp).objective == pytest.approx(k.objective)
    assert lp.A.format == "csc"  # the caller's LP is not modified


# --- available / Result -----------------------------------------------------------------------------
def test_available_lists_highs():
    av = solvers.available()
    assert av["highs"] == {"methods": HIGHS_METHODS, "default": "ipm", "version": metadata.version("highspy")}
    for name, info in av.items():
        engine = solvers.backends.get(name)
        assert info["default"] == engine.capabilities.default_method and info["default"] in engine.methods
        assert info["methods"] == list(engine.installed_methods())


def test_result_record_is_json_and_success_property():
    res = solvers.solve(TEXTBOOK[0].lp)
    rec = json.loads(json.dumps(res.to_record()))
    assert rec["status"] == "optimal" and rec["success"] is True and "x" not in rec
    assert str(Status.TIME_LIMIT) == "time_limit"
    assert "highs/ipm: optimal" in repr(res)
    assert not solvers.Result(status=Status.TIME_LIMIT).success


# --- residuals computed by relulp -------------------------------------------------------------------
def test_residuals_by_hand():
    lp = TEXTBOOK[0].lp  # min -x - y, x + 2y <= 4, 3x + y <= 6, x, y >= 0
    r = R.compute(lp, np.array([2.0, 1.0]))  # rows: 4 (ok), 7 (violates by 1)
    assert r.primal == pytest.approx(1.0) and r.dual is None
    assert r.rel_primal == pytest.approx(1.0 / (1 + 6))
    r = R.compute(lp, np.array([-0.5, 0.0]))  # column bound violated by 0.5
    assert r.primal == pytest.approx(0.5)
    # y = (+1, 0) has the wrong sign on a <= row: violation 1; projected y = 0 gives g = c = (-1, -1),
    # negative reduced costs on columns without upper bounds: violation 1 again
    r = R.compute(lp, np.array([1.6, 1.2]), np.array([1.0, 0.0]))
    assert r.dual == pytest.approx(1.0)
    r = R.compute(lp, np.array([1.6, 1.2]), np.array([-2.0, 0.0]))  # g = (1, 3) >= 0: feasible dual
    assert r.dual == 0.0 and r.dual_objective == pytest.approx(-8.0)
    # the optimal pair: zero residuals, dual objective = primal objective
    r = R.compute(lp, np.array([1.6, 1.2]), np.array([-0.4, -0.2]))
    assert r.dual == pytest.approx(0, abs=1e-15) and r.dual_objective == pytest.approx(-2.8)
    assert r.rel_gap == pytest.approx(0, abs=1e-15)


def test_residuals_catch_a_wrong_answer():
    """Solver-independent check: a perturbed optimum is flagged by relulp's residuals."""
    k = TEXTBOOK[4]  # equality rows, boxed columns: every dual sign is allowed, only the gap tells
    res = solvers.solve(k.lp, method="simplex")
    r = R.compute(k.lp, res.x + np.array([0.1, 0.0, 0.0]), res.row_duals)
    assert r.primal == pytest.approx(0.1)
    r = R.compute(k.lp, res.x, -res.row_duals)
    assert r.dual == 0.0 and r.rel_gap > 0.1
    k = TEXTBOOK[0]
    res = solvers.solve(k.lp, method="simplex")
    r = R.compute(k.lp, res.x, -res.row_duals)
    assert r.dual > 0.3
