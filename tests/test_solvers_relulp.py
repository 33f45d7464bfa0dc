"""Every installed backend agrees on relulp's own LPs (several depths, objectives, formulations), and every
"optimal" answer passes relulp's residual check."""

from __future__ import annotations

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from relulp import solvers
from relulp.bench import instances
from relulp.solvers import Status
from relulp.solvers import instances as textbook

AVAILABLE = solvers.available()

#: (backend, method, tolerance passed, relative objective tolerance, residual tolerance (relative))
#: GLPK's interior point often stops with GLP_EINSTAB on these LPs (free columns u): it may report
#: NUMERICAL_ERROR, but whenever it says OPTIMAL it must agree.
MAY_FAIL = {("glpk", "interior")}
EXACT = [
    ("highs", "ipm", None, 1e-7, 1e-7),
    ("highs", "pdlp", 1e-8, 1e-5, 1e-6),
    ("glpk", "simplex", None, 1e-7, 1e-7),
    ("glpk", "interior", None, 1e-6, 1e-6),
    ("glpk", "glpsol", None, 1e-7, 1e-7),
    ("pyomo:highs", None, None, 1e-7, 1e-7),
]
RUNS = [r for r in EXACT if r[0] in AVAILABLE and (r[1] is None or r[1] in AVAILABLE[r[0]]["methods"])]

CASES = [  # (widths, objective, formulation)
    ((8,), "hinge", "nested"),
    ((8,), "l1", "nested"),
    ((8,), "min_l1", "nested"),
    ((4, 4), "hinge", "nested"),
    ((4, 4), "hinge", "auxiliary"),
    ((4, 4), "l1", "auxiliary"),
    ((3, 3, 3), "l1", "nested"),
    ((3, 3, 3), "hinge", "auxiliary"),
]


def _id(case):
    widths, obj, form = case
    return f"{obj}-{form}-depth{len(widths)}"


@pytest.mark.parametrize("case", CASES, ids=[_id(c) for c in CASES])
def test_backends_agree_on_relulp_lps(case):
    widths, objective, formulation = case
    lp = instances.relulp_lp(n=20, d=2, widths=widths, objective=objective, formulation=formulation, seed=1)
    ref = solvers.solve(lp, backend="highs", method="simplex")
    assert ref.status is Status.OPTIMAL, ref.message
    assert ref.rel_primal_residual <= 1e-7 and ref.rel_dual_residual <= 1e-7
    for backend, method, tol, obj_tol, res_tol in RUNS:
        res = solvers.solve(lp, backend=backend, method=method, tolerance=tol)
        if (backend, method) in MAY_FAIL and res.status is Status.NUMERICAL_ERROR:
            continue
        assert res.status is Status.OPTIMAL, (backend, method, res.message)
        assert res.objective == pytest.approx(ref.objective, rel=obj_tol, abs=obj_tol), (backend, method)
        assert res.rel_primal_residual <= res_tol, (backend, method, res.rel_primal_residual)
        if res.rel_dual_residual is not None:
            assert res.rel_dual_residual <= res_tol, (backend, method, res.rel_dual_residual)


def test_backends_agree_on_an_infeasible_relulp_lp():
    """Depth-2 feasibility LP on random labels with few patterns: no network of these patterns fits."""
    lp = instances.relulp_lp(n=20, d=2, widths=(4, 4), objective="feasibility", seed=0)
    assert solvers.solve(lp, method="simplex").status is Status.INFEASIBLE
    for backend, method, tol, _, _ in RUNS:
        res = solvers.solve(lp, backend=backend, method=method, tolerance=tol)
        allowed = {Status.INFEASIBLE, Status.INFEASIBLE_OR_UNBOUNDED}
        if (backend, method) in MAY_FAIL:
            allowed.add(Status.NUMERICAL_ERROR)
        assert res.status in allowed, (backend, method, res.message)


@pytest.mark.skipif("mpax" not in AVAILABLE, reason="mpax not installed")
def test_mpax_agrees_on_a_relulp_lp():
    lp = instances.relulp_lp(n=12, d=2, widths=(3, 3), objective="l1", formulation="auxiliary", seed=2)
    ref = solvers.solve(lp, method="simplex")
    res = solvers.solve(lp, backend="mpax", tolerance=1e-7)
    assert res.status is Status.OPTIMAL, res.message
    assert res.objective == pytest.approx(ref.objective, rel=1e-5, abs=1e-5)
    assert res.rel_primal_residual <= 1e-5 and res.rel_dual_residual <= 1e-5


@settings(max_examples=15, deadline=None)
@given(m=st.integers(1, 30), n=st.integers(1, 30), density=st.floats(0.05, 0.8), seed=st.integers(0, 10**6))
def test_highs_and_glpk_agree_on_random_lps(m, n, density, seed):
    if "glpk" not in AVAILABLE or "simplex" not in AVAILABLE["glpk"]["methods"]:
        pytest.skip("swiglpk not installed")
    lp = textbook.random_lp(m, n, density=density, seed=seed)
    a = solvers.solve(lp, method="simplex")
    b = solvers.solve(lp, backend="glpk", method="simplex")
    assert a.status is b.status is Status.OPTIMAL
    assert a.objective == pytest.approx(b.objective, rel=1e-7, abs=1e-7)
    for r in (a, b):
        assert r.rel_primal_residual <= 1e-7 and r.rel_dual_residual <= 1e-7
