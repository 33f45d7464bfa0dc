"""The glpk backend: swiglpk (simplex, interior) from matrices and glpsol through Pyomo."""

from __future__ import annotations

import numpy as np
import pytest

from relulp import solvers
from relulp.solvers import Status, instances

TEXTBOOK = instances.textbook()
INSTALLED = solvers.available().get("glpk", {}).get("methods", [])
pytestmark = pytest.mark.skipif(not INSTALLED, reason="GLPK (swiglpk or glpsol) not installed")


def method_or_skip(method):
    if method not in INSTALLED:
        pytest.skip(f"glpk method {method} not installed")
    return method


@pytest.mark.parametrize("method", ["simplex", "interior", "glpsol"])
@pytest.mark.parametrize("known", TEXTBOOK, ids=[k.name for k in TEXTBOOK])
def test_glpk_textbook(known, method):
    res = solvers.solve(known.lp, backend="glpk", method=method_or_skip(method))
    assert res.status is Status.OPTIMAL, res.message
    tol = 1e-6 if method == "interior" else 1e-9
    assert res.objective == pytest.approx(known.objective, abs=tol)
    np.testing.assert_allclose(res.x, known.x, atol=10 * tol)
    np.testing.assert_allclose(res.row_duals, known.row_duals, atol=10 * tol)
    assert res.primal_residual <= tol and res.dual_residual <= tol
    assert res.solver_version.startswith("GLPK 5")


@pytest.mark.parametrize("method,infeasible,unbounded", [
    ("simplex", Status.INFEASIBLE, Status.UNBOUNDED),
    # GLPK's interior point only says "no primal-dual feasible solution"; Pyomo's glpsol reader cannot
    # tell the two apart either (docs/solvers.md)
    ("interior", Status.INFEASIBLE_OR_UNBOUNDED, Status.INFEASIBLE_OR_UNBOUNDED),
    ("glpsol", Status.INFEASIBLE_OR_UNBOUNDED, Status.INFEASIBLE_OR_UNBOUNDED),
])
def test_glpk_infeasible_unbounded(method, infeasible, unbounded):
    method_or_skip(method)
    assert solvers.solve(instances.infeasible(), backend="glpk", method=method).status is infeasible
    assert solvers.solve(instances.unbounded(), backend="glpk", method=method).status is unbounded


@pytest.mark.parametrize("seed", range(3))
def test_glpk_agrees_with_highs_on_random_lps(seed):
    lp = instances.random_lp(40, 60, density=0.2, seed=seed)
    ref = solvers.solve(lp, backend="highs", method="simplex")
    for method in ("simplex", "interior", "glpsol"):
        if method not in INSTALLED:
            continue
        res = solvers.solve(lp, backend="glpk", method=method)
        assert res.status is Status.OPTIMAL, (method, res.message)
        assert res.objective == pytest.approx(ref.objective, rel=1e-6, abs=1e-6), method
        assert res.rel_primal_residual <= 1e-6 and res.rel_dual_residual <= 1e-6, method


def test_glpk_options_limits_and_errors():
    method_or_skip("simplex")
    lp = instances.random_lp(200, 300, density=0.05, seed=2)
    res = solvers.solve(lp, backend="glpk", method="simplex", it_lim=2)
    assert res.status is Status.ITERATION_LIMIT and res.x is not None and res.primal_residual > 0
    a = solvers.solve(lp, backend="glpk", meth="primal")
    b = solvers.solve(lp, backend="glpk", meth="dual")
    assert a.objective == pytest.approx(b.objective, rel=1e-9)
    assert solvers.solve(lp, backend="glpk", tolerance=1e-9).tolerance == 1e-9
    with pytest.raises(solvers.SolverOptionError, match="tm_lim|bogus"):
        solvers.solve(lp, backend="glpk", bogus=1)
    with pytest.raises(solvers.SolverOptionError, match="meth"):
        solvers.solve(lp, backend="glpk", meth="barrier")
    with pytest.raises(solvers.SolverOptionError, match="no time limit"):
        solvers.solve(lp, backend="glpk", method="interior", time_limit=1)
    with pytest.raises(solvers.SolverOptionError, match="either tolerance"):
        solvers.solve(lp, backend="glpk", tolerance=1e-6, tol_bnd=1e-6)


def test_glpk_default_method():
    assert solvers.available()["glpk"]["default"] == "simplex"
