"""Pyomo models through solvers.solve (values and duals written back) and the pyomo:<solver> backends."""

from __future__ import annotations

import numpy as np
import pyomo.environ as pyo
import pytest

from relulp import solvers
from relulp.solvers import Status, instances
from relulp.solvers.pyomo_io import from_pyomo, to_pyomo

TEXTBOOK = instances.textbook()


def small_model(sense=pyo.maximize, with_suffix=False):
    """max 3x1 + 2x2 + x3 + y + 5 with a <= row, a ranged row (with a fixed variable), an equality and
    a >= row; x in [0, 4]^3, y free. Optimum 20.2 at x = (3.4, 0, 2.4), y = 2.6."""
    m = pyo.ConcreteModel()
    m.I = pyo.RangeSet(3)
    m.x = pyo.Var(m.I, bounds=(0, 4))
    m.y = pyo.Var()
    m.z = pyo.Var(initialize=2.0)
    m.z.fix()
    m.c1 = pyo.Constraint(expr=m.x[1] + 2 * m.x[2] + m.y <= 6)
    m.c2 = pyo.Constraint(expr=pyo.inequality(-1, m.x[1] - m.x[3] + m.z, 3))
    m.c3 = pyo.Constraint(expr=m.y == 1.5 * m.x[3] - 1)
    m.c4 = pyo.Constraint(expr=m.x[1] + m.x[2] + m.x[3] >= 1)
    m.obj = pyo.Objective(expr=3 * m.x[1] + 2 * m.x[2] + m.x[3] + m.y + 5, sense=sense)
    if with_suffix:
        m.dual = pyo.Suffix(direction=pyo.Suffix.IMPORT)
    return m


def reference_solve(model):
    """Pyomo's own HiGHS interface, for comparison."""
    model.dual = pyo.Suffix(direction=pyo.Suffix.IMPORT)
    pyo.SolverFactory("highs").solve(model)
    return model


CONS = ("c1", "c2", "c3", "c4")


def test_from_pyomo_matrix_form():
    lp, mapping = from_pyomo(small_model())
    # the ranged row is one row; the fixed z = 2 moves into its bounds; max becomes min of -f
    np.testing.assert_array_equal(lp.row_lower, [-np.inf, -3, -1, 1])
    np.testing.assert_array_equal(lp.row_upper, [6, 1, -1, np.inf])
    np.testing.assert_array_equal(lp.c, [-3, -2, -1, -1])
    assert lp.objective_constant == -5 and mapping.sign == -1
    assert [c.local_name for c in mapping.constraints] == list(CONS)
    assert [v.name for v in mapping.columns] == ["x[1]", "x[2]", "x[3]", "y"]
    np.testing.assert_array_equal(lp.col_upper, [4, 4, 4, np.inf])


@pytest.mark.parametrize("backend,method", [("highs", "ipm"), ("highs", "simplex"), ("glpk", "simplex"),
                                            ("pyomo:glpk", None)])
@pytest.mark.parametrize("sense", [pyo.maximize, pyo.minimize])
def test_pyomo_model_gets_values_and_duals(backend, method, sense):
    if backend not in solvers.available():
        pytest.skip(f"{backend} not installed")
    m = small_model(sense)
    res = solvers.solve(m, backend=backend, method=method)
    ref = reference_solve(small_model(sense))
    assert res.status is Status.OPTIMAL
    assert res.objective == pytest.approx(pyo.value(ref.obj), abs=1e-7)
    assert pyo.value(m.obj) == pytest.approx(pyo.value(ref.obj), abs=1e-7)
    for i in m.I:
        assert m.x[i].value == pytest.approx(ref.x[i].value, abs=1e-7)
    assert m.y.value == pytest.approx(ref.y.value, abs=1e-7)
    assert isinstance(m.dual, pyo.Suffix)  # created by solvers.solve
    for name in CONS:
        assert m.dual[m.component(name)] == pytest.approx(ref.dual[ref.component(name)], abs=1e-7), name
    assert m.z.value == 2.0 and m.z.fixed


def test_existing_dual_suffix_and_rc_suffix_are_filled():
    m = small_model(with_suffix=True)
    m.rc = pyo.Suffix(direction=pyo.Suffix.IMPORT)
    suffix = m.dual
    solvers.solve(m, method="simplex")
    assert m.dual is suffix and len(suffix) == 4
    # reduced costs in the model's (max) sense: x2 sits at its lower bound 0 with a negative rc
    assert m.rc[m.x[2]] < 0


def test_non_lp_models_are_refused():
    m = small_model()
    m.k = pyo.Var(domain=pyo.Integers, bounds=(0, 3))
    m.ck = pyo.Constraint(expr=m.k + m.x[1] <= 5)
    with pytest.raises(solvers.NotLinearError, match="integer"):
        solvers.solve(m)
    m = small_model()
    m.q = pyo.Constraint(expr=m.x[1] * m.x[2] <= 1)
    with pytest.raises(solvers.NotLinearError, match="not linear"):
        solvers.solve(m)
    m = small_model()
    m.obj2 = pyo.Objective(expr=m.x[1])
    with pytest.raises(solvers.NotLinearError, match="2 active objectives"):
        solvers.solve(m)
    m = small_model()
    m.obj.deactivate()
    m.sq = pyo.Objective(expr=m.x[1] ** 2)
    with pytest.raises(solvers.NotLinearError):
        solvers.solve(m)


def test_infeasible_pyomo_model_leaves_values_alone():
    m = small_model()
    m.bad = pyo.Constraint(expr=m.x[1] + m.x[2] + m.x[3] >= 100)
    res = solvers.solve(m, method="simplex")
    assert res.status is Status.INFEASIBLE and m.x[1].value is None


@pytest.mark.parametrize("known", TEXTBOOK, ids=[k.name for k in TEXTBOOK])
def test_to_pyomo_round_trip(known):
    """SparseLP -> Pyomo -> SparseLP keeps the LP (free rows dropped; none here)."""
    lp2, _ = from_pyomo(to_pyomo(known.lp))
    np.testing.assert_array_equal(lp2.A.toarray(), known.lp.A.toarray())
    for name in ("c", "row_lower", "row_upper", "col_lower", "col_upper"):
        np.testing.assert_array_equal(getattr(lp2, name), getattr(known.lp, name), err_msg=name)
    assert lp2.objective_constant == known.lp.objective_constant


# --- pyomo:<solver> backends -----------------------------------------------------------------------
PYOMO_SOLVERS = [s for s in ("pyomo:glpk", "pyomo:highs") if s in solvers.available()]


@pytest.mark.parametrize("backend", PYOMO_SOLVERS)
@pytest.mark.parametrize("known", TEXTBOOK, ids=[k.name for k in TEXTBOOK])
def test_pyomo_backend_textbook(backend, known):
    res = solvers.solve(known.lp, backend=backend)
    assert res.status is Status.OPTIMAL and res.backend == backend and res.method == "default"
    assert res.objective == pytest.approx(known.objective, abs=1e-7)
    np.testing.assert_allclose(res.row_duals, known.row_duals, atol=1e-7)
    assert res.primal_residual <= 1e-9 and res.dual_residual <= 1e-9


@pytest.mark.parametrize("backend", PYOMO_SOLVERS)
def test_pyomo_backend_infeasible_unbounded(backend):
    # Pyomo 6.10's glpk plugin cannot tell these apart with glpsol 5.0 (documented)
    expect = {
        "pyomo:glpk": (Status.INFEASIBLE_OR_UNBOUNDED, Status.INFEASIBLE_OR_UNBOUNDED),
        "pyomo:highs": (Status.INFEASIBLE, Status.UNBOUNDED),
    }[backend]
    assert solvers.solve(instances.infeasible(), backend=backend).status is expect[0]
    assert solvers.solve(instances.unbounded(), backend=backend).status is expect[1]


def test_pyomo_backend_options_and_errors():
    lp = TEXTBOOK[0].lp
    if "pyomo:glpk" in PYOMO_SOLVERS:
        with pytest.raises(solvers.SolverOptionError, match="bogus"):
            solvers.solve(lp, backend="pyomo:glpk", bogus=None)
        res = solvers.solve(lp, backend="pyomo:glpk", time_limit=10)
        assert res.status is Status.OPTIMAL and res.time_limit == 10
        with pytest.raises(solvers.SolverOptionError, match="tolerance"):
            solvers.solve(lp, backend="pyomo:glpk", tolerance=1e-6)
    with pytest.raises(solvers.BackendNotInstalledError, match="no_such_solver"):
        solvers.solve(lp, backend="pyomo:no_such_solver")
    with pytest.raises(solvers.UnknownBackendError):
        solvers.solve(lp, backend="pyomo:")
