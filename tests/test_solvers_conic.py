"""Conic programs in the solver layer (solvers.conic, solvers.conic_residuals, solvers.cbf, the clarabel and
scs backends): one list of known-answer conic problems run on every installed conic backend, relulp's own
residuals and certificate checks (also against tampered answers), input validation, CBF round trips and
property tests of svec/smat and the cone projections."""

from __future__ import annotations

import dataclasses
import math

import numpy as np
import pytest
import scipy.sparse as sp
from hypothesis import given, settings
from hypothesis import strategies as st
from hypothesis.extra import numpy as hnp

from relulp import solvers
from relulp.solvers import Status, backends, cbf, instances
from relulp.solvers import conic_residuals as CR
from relulp.solvers import residuals as LR
from relulp.solvers.conic import (
    ConicProgram,
    ExponentialCone,
    NonnegativeCone,
    PSDTriangleCone,
    RotatedSecondOrderCone,
    SecondOrderCone,
    ZeroCone,
    from_linear_program,
    rotated_to_soc,
    smat,
    svec,
    svec_indices,
    triangle_side,
)

CONIC = backends.conic_backends()
AVAILABLE = solvers.available()
#: per backend: the tolerance the known answers are solved at (SCS's default 1e-4 is too loose to compare x)
SOLVE_TOL = {"clarabel": None, "scs": 1e-8}


def runnable(name: str):
    engine = backends.get(name)
    if name not in AVAILABLE:
        pytest.skip(f"{name} not installed here: {engine.install_hint}")
    return engine


def solve(prog, name, **kw):
    if SOLVE_TOL.get(name) is not None:
        kw.setdefault("tolerance", SOLVE_TOL[name])
    return solvers.solve(prog, backend=name, **kw)


def csc(rows) -> sp.csc_array:
    return sp.csc_array(np.atleast_2d(np.asarray(rows, dtype=np.float64)))


# --- the known answers ------------------------------------------------------------------------------
@dataclasses.dataclass(frozen=True)
class KnownConic:
    name: str
    prog: ConicProgram
    objective: float
    x: np.ndarray | None = None


def known_conic() -> list[KnownConic]:
    """Conic programs with hand-derived optima (comment: the derivation)."""
    out = []
    # LP in conic form: min x + 2y + 3z, x + y + z = 1, x - y = 0.2, x, y, z >= 0 -> (0.6, 0.4, 0), 1.4
    out.append(KnownConic("lp_conic", ConicProgram(
        q=np.array([1.0, 2, 3]), A=sp.vstack([csc([[1, 1, 1], [1, -1, 0]]), -sp.identity(3)], format="csc"),
        b=np.array([1.0, 0.2, 0, 0, 0]), cones=[ZeroCone(2), NonnegativeCone(3)]), 1.4, np.array([0.6, 0.4, 0.0])))
    # min-norm point of a'x = 1, a = (1, 2, 2): min t, (t, x) in SOC -> x = a / 9, t = 1/3
    a = np.array([1.0, 2, 2])
    out.append(KnownConic("soc_min_norm", ConicProgram(
        q=np.array([1.0, 0, 0, 0]), A=sp.vstack([csc([[0, *a]]), -sp.identity(4)], format="csc"),
        b=np.array([1.0, 0, 0, 0, 0]), cones=[ZeroCone(1), SecondOrderCone(4)]),
        1 / 3, np.array([1 / 3, *(a / 9)])))
    # projection of p = (3, 4) onto the unit ball: min t, ||x - p|| <= t, ||x|| <= 1 -> x = (0.6, 0.8), t = 4
    # variables (t, x1, x2); rows (t, x - p) in SOC: s = b - A v with A = -I, b = (0, -3, -4); (1, x) in SOC
    A = sp.vstack([-sp.identity(3), csc([[0, 0, 0], [0, -1, 0], [0, 0, -1]])], format="csc")
    out.append(KnownConic("soc_projection", ConicProgram(
        q=np.array([1.0, 0, 0]), A=A, b=np.array([0.0, -3, -4, 1, 0, 0]),
        cones=[SecondOrderCone(3), SecondOrderCone(3)]), 4.0, np.array([4.0, 0.6, 0.8])))
    # rotated cone: min t - 2w, 2 t u >= w^2, u = 1 -> t = w^2 / 2, min w^2/2 - 2w at w = 2: -2 at (2, 1, 2)
    out.append(KnownConic("rotated_soc", ConicProgram(
        q=np.array([1.0, 0, -2]), A=sp.vstack([csc([[0, 1, 0]]), -sp.identity(3)], format="csc"),
        b=np.array([1.0, 0, 0, 0]), cones=[ZeroCone(1), RotatedSecondOrderCone(3)]), -2.0, np.array([2.0, 1, 2])))
    # largest eigenvalue: min t, t I - C PSD. C's off-diagonals differ, so a wrong svec order changes the
    # answer: eig(C) = 1 + (0, +-sqrt(13)) -> 1 + sqrt(13)
    C = np.array([[1.0, 2, 0], [2, 1, 3], [0, 3, 1]])
    out.append(KnownConic("psd_max_eigenvalue", ConicProgram(
        q=np.array([1.0]), A=sp.csc_array(-svec(np.eye(3))[:, None]), b=-svec(C), cones=[PSDTriangleCone(3)]),
        1 + math.sqrt(13), np.array([1 + math.sqrt(13)])))
    # smallest eigenvalue as an SDP in X: min <C, X>, trace X = 1, X PSD -> lambda_min = 1 at X = v v', v =
    # (1, -1, 0)/sqrt2 (variables: svec(X); <C, X> = svec(C) @ svec(X))
    C2 = np.array([[2.0, 1, 0], [1, 2, 0], [0, 0, 3]])
    v = np.array([1.0, -1, 0]) / math.sqrt(2)
    out.append(KnownConic("psd_min_eigenvalue", ConicProgram(
        q=svec(C2), A=sp.vstack([csc([svec(np.eye(3))]), -sp.identity(6)], format="csc"),
        b=np.concatenate([[1.0], np.zeros(6)]), cones=[ZeroCone(1), PSDTriangleCone(3)]), 1.0, svec(np.outer(v, v))))
    # QP: min 3 x1^2 + 2 x2^2 - x1 - 4 x2, x1 = 2 x2, -1 <= x <= 1 -> 14 x2^2 - 6 x2: x2 = 3/14, -9/14
    out.append(KnownConic("qp", ConicProgram(
        q=np.array([-1.0, -4]), P=sp.csc_array(np.diag([6.0, 4.0])),
        A=sp.vstack([csc([[1, -2]]), sp.identity(2), -sp.identity(2)], format="csc"),
        b=np.array([0.0, 1, 1, 1, 1]), cones=[ZeroCone(1), NonnegativeCone(4)], objective_constant=0.5),
        -9 / 14 + 0.5, np.array([3 / 7, 3 / 14])))
    # exponential cone: max x, (x, 1, e^5) in K_exp -> x = 5
    out.append(KnownConic("exp_cone", ConicProgram(
        q=np.array([-1.0]), A=csc([[-1.0], [0], [0]]).tocsc(), b=np.array([0.0, 1, math.exp(5)]),
        cones=[ExponentialCone()]), -5.0, np.array([5.0])))
    # exponential cone, bound on z: min z, (1, 1, z) in K_exp -> z = e
    out.append(KnownConic("exp_cone_bound", ConicProgram(
        q=np.array([1.0]), A=csc([[0.0], [0], [-1]]).tocsc(), b=np.array([1.0, 1, 0]),
        cones=[ExponentialCone()]), math.e, np.array([math.e])))
    # no rows at all: min x1^2 + 2 x2^2 - 2 x1 - 4 x2 -> (1, 1), -3
    out.append(KnownConic("qp_unconstrained", ConicProgram(
        q=np.array([-2.0, -4]), P=sp.csc_array(np.diag([2.0, 4.0])), A=sp.csc_array((0, 2)), b=np.zeros(0),
        cones=[]), -3.0, np.array([1.0, 1.0])))
    return out


def infeasible_conic() -> ConicProgram:
    """(t, x) in SOC with t = -1: no point."""
    return ConicProgram(q=np.zeros(2), A=sp.vstack([csc([[1, 0]]), -sp.identity(2)], format="csc"),
                        b=np.array([-1.0, 0, 0]), cones=[ZeroCone(1), SecondOrderCone(2)], meta={"name": "infeas"})


def unbounded_conic() -> ConicProgram:
    """min -t, (t, x) in SOC, x = 0: t -> inf."""
    return ConicProgram(q=np.array([-1.0, 0]), A=sp.vstack([csc([[0, 1]]), -sp.identity(2)], format="csc"),
                        b=np.zeros(3), cones=[ZeroCone(1), SecondOrderCone(2)], meta={"name": "unbounded"})


KNOWN = known_conic()


@pytest.mark.parametrize("name", CONIC)
@pytest.mark.parametrize("known", KNOWN, ids=[k.name for k in KNOWN])
def test_known_conic_optimum(name, known):
    runnable(name)
    res = solve(known.prog, name)
    assert res.status is Status.OPTIMAL and res.success, res.message
    assert res.backend == name and res.native_status
    tol = res.verify_tolerance
    assert abs(res.objective - known.objective) <= 10 * tol * (1 + abs(known.objective)), res.objective
    assert abs(res.objective - known.prog.objective(res.x)) == 0  # relulp's number, not the solver's
    if known.x is not None:
        np.testing.assert_allclose(res.x, known.x, atol=1e3 * tol)
    z = res.row_duals
    assert z is not None and z.shape == (known.prog.num_rows,)
    assert res.slack is not None and res.slack.shape == (known.prog.num_rows,)
    r = CR.compute(known.prog, res.x, z)
    assert max(r.rel_primal, r.rel_dual, r.rel_gap) <= tol
    assert (res.primal_residual, res.dual_residual, res.rel_gap) == (r.primal, r.dual, r.rel_gap)
    assert CR.cone_distance(known.prog.cones, z, dual=True) <= 1e3 * tol  # z in K*


@pytest.mark.parametrize("name", CONIC)
def test_infeasible_and_unbounded_conic_are_certified(name):
    runnable(name)
    res = solve(infeasible_conic(), name)
    assert res.status is Status.INFEASIBLE and not res.success and res.objective is None, res.message
    assert res.certificate is not None and res.certificate_residual <= res.verify_tolerance
    assert "certified" in res.message
    res = solve(unbounded_conic(), name)
    assert res.status is Status.INFEASIBLE_OR_UNBOUNDED and res.objective is None, res.message
    assert res.certificate is not None and res.certificate_residual <= res.verify_tolerance
    d = res.certificate
    assert d @ unbounded_conic().q < 0


@pytest.mark.parametrize("name", CONIC)
def test_lp_solved_by_conic_backend_with_lp_duals(name):
    runnable(name)
    for known in instances.textbook():
        res = solvers.solve(known.lp, backend=name, **({} if SOLVE_TOL.get(name) is None else
                                                        {"tolerance": SOLVE_TOL[name]}))
        assert res.status is Status.OPTIMAL, res.message
        np.testing.assert_allclose(res.row_duals, known.row_duals, atol=1e-5)
        np.testing.assert_allclose(known.lp.A.T @ res.row_duals + res.reduced_costs, known.lp.c, atol=1e-5)
        assert res.slack is None


@pytest.mark.parametrize("name", CONIC)
def test_time_limit_gives_time_limit_or_a_verified_optimum(name):
    runnable(name)
    planted = instances.planted()
    prog, _ = from_linear_program(planted.lp)
    res = solvers.solve(prog, backend=name, time_limit=1e-3)
    assert res.status in (Status.TIME_LIMIT, Status.OPTIMAL), res.message
    if res.status is Status.OPTIMAL:
        assert abs(res.objective - planted.objective) <= res.verify_tolerance * (1 + abs(planted.objective))
    else:
        assert res.objective is None and res.time_limit == 1e-3


def test_missing_scs_is_reported_with_its_install_command(monkeypatch):
    import importlib.util

    real = importlib.util.find_spec
    monkeypatch.setattr(importlib.util, "find_spec", lambda name, *a: None if name == "scs" else real(name, *a))
    engine = backends.get("scs")
    assert not engine.is_installed() and engine.installed_methods() == ()
    with pytest.raises(solvers.BackendNotInstalledError, match="pip install scs"):
        solvers.solve(KNOWN[0].prog, backend="scs")


def test_conic_default_backend_is_clarabel_and_lp_default_is_unchanged():
    res = solvers.solve(KNOWN[0].prog)
    assert res.backend == "clarabel" and res.status is Status.OPTIMAL
    assert solvers.solve(instances.textbook()[0].lp).backend == "highs"


@pytest.mark.parametrize("name", ["highs", "glpk", "mpax", "cupdlpx", "pyomo:glpk"])
def test_lp_only_backend_refuses_a_conic_program(name):
    with pytest.raises(solvers.SolverOptionError, match="clarabel") as e:
        solvers.solve(KNOWN[0].prog, backend=name)
    assert "scs" in str(e.value) and "ConicProgram" in str(e.value)


def test_conic_backends_declare_the_problem_type():
    assert set(CONIC) == {"clarabel", "scs"}
    for name in backends.REGISTRY:
        caps = backends.get(name).capabilities
        assert ("conic" in caps.problem_types) == (name in CONIC) and "lp" in caps.problem_types


def test_capabilities_problem_types_are_checked():
    from relulp.solvers.backends.base import Capabilities

    assert Capabilities(methods=("a",), default_method="a").problem_types == frozenset({"lp"})
    with pytest.raises(ValueError, match="problem_types"):
        Capabilities(methods=("a",), default_method="a", problem_types={"qp"})
    with pytest.raises(ValueError, match="problem_types"):
        Capabilities(methods=("a",), default_method="a", problem_types=set())


def test_clarabel_status_words_are_clarabel_names():
    import clarabel

    from relulp.solvers.backends.clarabel import STATUS_MAP

    names = {n for n in dir(clarabel.SolverStatus) if not n.startswith("_")}
    # every word this Clarabel can say is mapped (older releases lack a few, e.g. 0.9 has no CallbackTerminated)
    assert names <= set(STATUS_MAP), names - set(STATUS_MAP)
    assert names >= {"Solved", "AlmostSolved", "PrimalInfeasible", "DualInfeasible", "MaxIterations", "MaxTime",
                     "NumericalError", "InsufficientProgress"}
    assert STATUS_MAP["Solved"] is Status.OPTIMAL and STATUS_MAP["AlmostSolved"] is Status.OPTIMAL_INACCURATE
    assert STATUS_MAP["PrimalInfeasible"] is Status.INFEASIBLE and STATUS_MAP["MaxTime"] is Status.TIME_LIMIT


def test_scs_status_words_are_scs_constants():
    scs = pytest.importorskip("scs")
    from relulp.solvers.backends.scs import STATUS_CODES, STATUS_MAP

    assert set(STATUS_CODES.values()) == set(STATUS_MAP)
    for code, word in STATUS_CODES.items():
        assert getattr(scs, word) == code
    assert STATUS_MAP["SOLVED"] is Status.OPTIMAL and STATUS_MAP["INFEASIBLE"] is Status.INFEASIBLE


@pytest.mark.parametrize("name", CONIC)
def test_options_time_limit_and_tolerance_by_the_solvers_names(name):
    runnable(name)
    prog = KNOWN[1].prog
    res = solvers.solve(prog, backend=name, tolerance=1e-7, time_limit=30)
    assert res.tolerance == 1e-7 and res.time_limit == 30 and res.status is Status.OPTIMAL
    with pytest.raises(solvers.SolverOptionError):
        solvers.solve(prog, backend=name, no_such_setting=1)
    native = {"clarabel": {"max_iter": 1}, "scs": {"max_iters": 2}}[name]
    res = solvers.solve(prog, backend=name, **native)
    assert res.status is Status.ITERATION_LIMIT, res.message
    if name == "scs":  # Clarabel's own name is solve()'s time_limit argument
        with pytest.raises(solvers.SolverOptionError, match="time_limit"):
            solvers.solve(prog, backend=name, time_limit_secs=1.0)


def test_scs_permutes_psd_blocks_to_its_lower_triangle_order():
    from relulp.solvers.backends.scs import scs_psd_order

    k = 4
    M = np.arange(16.0).reshape(4, 4)
    M = M + M.T
    v = svec(M)[scs_psd_order(k)]
    lower = [M[i, j] * (1 if i == j else math.sqrt(2)) for j in range(k) for i in range(j, k)]
    np.testing.assert_allclose(v, lower)


# --- relulp's checks, by hand --------------------------------------------------------------------------
def test_projections_by_hand():
    np.testing.assert_allclose(CR.project(SecondOrderCone(3), np.array([0.0, 3, 4])), [2.5, 1.5, 2.0])
    np.testing.assert_allclose(CR.project(SecondOrderCone(3), np.array([-5.0, 3, 4])), 0.0)
    np.testing.assert_allclose(CR.project(SecondOrderCone(3), np.array([5.0, 3, 4])), [5, 3, 4])
    np.testing.assert_allclose(CR.project(NonnegativeCone(3), np.array([-1.0, 2, 0])), [0, 2, 0])
    np.testing.assert_allclose(CR.project(ZeroCone(2), np.array([1.0, 2])), 0)
    np.testing.assert_allclose(CR.project(ZeroCone(2), np.array([1.0, 2]), dual=True), [1, 2])
    np.testing.assert_allclose(CR.project(PSDTriangleCone(2), svec(np.diag([1.0, -2]))), svec(np.diag([1.0, 0])))
    # rotated: (u, v, w) = (0, 0, 2) -> via T: (0, 0, 2) -> SOC projection (1, 0, 1) -> T: (1/sqrt2, 1/sqrt2, 1)
    np.testing.assert_allclose(CR.project(RotatedSecondOrderCone(3), np.array([0.0, 0, 2])),
                               [1 / math.sqrt(2), 1 / math.sqrt(2), 1])
    # exponential: (1, 1, 0) is outside; (-1, 0, 1) is on the face; (1, 1, e) on the boundary
    assert CR.in_cone(ExponentialCone(), np.array([-1.0, 0, 1]))
    assert CR.in_cone(ExponentialCone(), np.array([1.0, 1, math.e + 1e-12]))
    assert not CR.in_cone(ExponentialCone(), np.array([1.0, 1, 0]))
    assert CR.in_cone(ExponentialCone(), np.array([-1.0, 1, 0.5 / math.e]), dual=True)  # -u e^(v/u) = e^-1 <= e w


def test_conic_residuals_by_hand():
    # min x0 + x1, rows: x0 + x1 = 1 (zero), (x0, x1) >= 0. At x = (2, -0.5): s = (1 - 1.5, 2, -0.5)
    prog = ConicProgram(q=np.array([1.0, 1]), A=sp.vstack([csc([[1, 1]]), -sp.identity(2)], format="csc"),
                        b=np.array([1.0, 0, 0]), cones=[ZeroCone(1), NonnegativeCone(2)])
    x = np.array([2.0, -0.5])
    z = np.array([-1.0, 0.0, 0.5])
    r = CR.compute(prog, x, z)
    assert r.primal == 0.5 and r.rel_primal == 0.5 / 2  # |1 - 1.5| and the -0.5 violation
    # P x + q + A'z = (1, 1) + (-1, -1) + (0, -0.5) = (0, -0.5); z in K* (zero cone's dual is free)
    assert r.stationarity == 0.5 and r.dual_cone == 0.0 and r.dual == 0.5 and r.rel_dual == 0.5 / 2
    p, d = 1.5, -1.0 * -1  # q'x and -b'z
    assert r.dual_objective == d and r.rel_gap == pytest.approx(abs(p - d) / (1 + abs(p) + abs(d)))
    z_bad = np.array([-1.0, -2.0, 0.0])
    assert CR.compute(prog, x, z_bad).dual_cone == 2.0


def test_certificates_fail_when_tampered():
    prog = infeasible_conic()
    res = solvers.solve(prog)
    z = res.certificate
    assert CR.primal_infeasibility(prog, z) <= 1e-8
    assert CR.primal_infeasibility(prog, -z) == np.inf  # b'z > 0 proves nothing
    bent = z + np.array([0.0, 0.0, 0.1])  # A'z != 0
    assert CR.primal_infeasibility(prog, bent) > 1e-2
    outside = z.copy()
    outside[1] = -abs(outside[1]) - 1.0  # z's SOC block leaves K*
    assert CR.primal_infeasibility(prog, outside) > 1e-2
    prog = unbounded_conic()
    x = solvers.solve(prog).certificate
    assert CR.dual_infeasibility(prog, x) <= 1e-8
    assert CR.dual_infeasibility(prog, -x) == np.inf
    assert CR.dual_infeasibility(prog, x + np.array([0.0, 1.0])) > 1e-2  # -A x leaves K (x1 = 0 row)


class _Liar:
    """Wraps the clarabel backend's solve_conic to replace its answer."""

    def __init__(self, monkeypatch, edit):
        engine = backends.get("clarabel")
        real = type(engine).solve_conic

        def fake(self_, prog, method, time_limit, tolerance, options):
            res = real(self_, prog, method, time_limit, tolerance, options)
            edit(res)
            return res

        monkeypatch.setattr(type(engine), "solve_conic", fake)


def test_uncertified_infeasible_claim_is_a_numerical_error(monkeypatch):
    def lie(res):
        res.status, res.certificate, res.x = Status.INFEASIBLE, np.array([0.0, 1.0, 0.0, 0.0, 0.0]), None

    _Liar(monkeypatch, lie)
    res = solvers.solve(KNOWN[0].prog, backend="clarabel")
    assert res.status is Status.NUMERICAL_ERROR and "certificate" in res.message and not res.success


def test_unbounded_claim_without_certificate_is_a_numerical_error(monkeypatch):
    def lie(res):
        res.status, res.certificate = Status.INFEASIBLE_OR_UNBOUNDED, None

    _Liar(monkeypatch, lie)
    res = solvers.solve(KNOWN[0].prog, backend="clarabel")
    assert res.status is Status.NUMERICAL_ERROR and "no certificate" in res.message


def test_optimal_at_a_bad_point_is_demoted(monkeypatch):
    def lie(res):
        res.x = res.x + 0.1

    _Liar(monkeypatch, lie)
    res = solvers.solve(KNOWN[0].prog, backend="clarabel")
    assert res.status is Status.OPTIMAL_INACCURATE and "relative primal residual" in res.message


def test_optimal_with_a_bad_dual_is_demoted(monkeypatch):
    def lie(res):
        res.row_duals = -res.row_duals

    _Liar(monkeypatch, lie)
    res = solvers.solve(KNOWN[2].prog, backend="clarabel")
    assert res.status is Status.OPTIMAL_INACCURATE and "relative dual residual" in res.message


def test_lp_in_conic_form_is_exact():
    for seed in range(3):
        lp = instances.random_lp(12, 9, seed=seed)
        prog, mapping = from_linear_program(lp)
        rng = np.random.default_rng(seed)
        x = rng.normal(size=lp.num_cols)
        assert prog.objective(x) == pytest.approx(lp.objective(x), rel=1e-15, abs=1e-15)
        # the conic primal residual (distance of b - Ax from K, inf-norm) is the LP's largest bound violation
        assert CR.compute(prog, x).primal == pytest.approx(LR.primal_residual(lp, x), rel=1e-12, abs=1e-15)
        res = solvers.solve(lp, backend="clarabel")
        assert res.status is Status.OPTIMAL
        ref = solvers.solve(lp, backend="highs")
        assert res.objective == pytest.approx(ref.objective, rel=1e-6, abs=1e-6)


# --- validation -----------------------------------------------------------------------------------------
def _base(**kw):
    data = dict(q=np.ones(2), A=csc([[1, 0], [0, 1]]), b=np.ones(2), cones=[NonnegativeCone(2)])
    data.update(kw)
    return data


@pytest.mark.parametrize("bad,match", [
    (dict(A=np.eye(2)), "sparse"),
    (dict(q=np.ones(3)), "q has shape"),
    (dict(b=np.ones(3)), "b has shape"),
    (dict(q=np.array([1.0, np.nan])), "NaN or inf"),
    (dict(b=np.array([1.0, np.inf])), "NaN or inf"),
    (dict(A=csc([[np.nan, 0], [0, 1]])), "NaN or inf"),
    (dict(cones=[NonnegativeCone(3)]), "sum to 3"),
    (dict(cones=["l"]), "not one of"),
    (dict(P=csc([[1, 2], [0, 1]])), "not symmetric"),
    (dict(P=csc([[1.0]])), "P has shape"),
    (dict(P=np.eye(2)), "sparse"),
    (dict(P=csc([[np.inf, 0], [0, 1]])), "NaN or inf"),
    (dict(objective_constant=np.nan), "constant"),
    (dict(col_names=["a"]), "col_names"),
    (dict(row_names=["a", "b", "c"]), "row_names"),
])
def test_validation_errors(bad, match):
    with pytest.raises(solvers.ProblemDataError, match=match):
        ConicProgram(**_base(**bad))


def test_cone_validation():
    for make in (lambda: SecondOrderCone(0), lambda: NonnegativeCone(-1), lambda: PSDTriangleCone(0),
                 lambda: RotatedSecondOrderCone(1), lambda: ZeroCone(1.5), lambda: PSDTriangleCone.from_dim(5)):
        with pytest.raises(solvers.ProblemDataError):
            make()
    assert PSDTriangleCone.from_dim(6) == PSDTriangleCone(3) and triangle_side(10) == 4
    assert ExponentialCone().dim == 3 and PSDTriangleCone(4).dim == 10


def test_program_is_revalidated_at_solve_time_and_copies_its_data():
    q = np.ones(2)
    prog = ConicProgram(**_base(q=q))
    q[0] = np.nan  # the program holds its own copy
    assert np.isfinite(prog.q).all()
    prog.b = np.array([1.0, np.nan])  # mutated after construction: refused by solve()
    with pytest.raises(solvers.ProblemDataError):
        solvers.solve(prog)


def test_methods_of_the_program():
    k = KNOWN[6]  # the QP with a constant
    x = np.array([1.0, 2.0])
    assert k.prog.objective(x) == pytest.approx(0.5 * (6 + 16) - 1 - 8 + 0.5)
    slices = k.prog.cone_slices()
    assert [(type(c).__name__, s.start, s.stop) for c, s in slices] == [("ZeroCone", 0, 1), ("NonnegativeCone", 1, 5)]
    assert k.prog.num_rows == 5 and k.prog.num_cols == 2 and k.prog.is_quadratic
    assert "quadratic" in repr(k.prog)


# --- CBF ------------------------------------------------------------------------------------------------
@pytest.mark.parametrize("known", [k for k in KNOWN if k.prog.P is None], ids=lambda k: k.name)
def test_cbf_round_trip_keeps_the_optimum(known, tmp_path):
    path = tmp_path / f"{known.name}.cbf"
    cbf.write_cbf(known.prog, path)
    text = path.read_text()
    assert text.splitlines()[1:3] == ["VER", "3"]
    back = cbf.read_cbf(path)
    assert back.num_cols == known.prog.num_cols and back.num_rows == known.prog.num_rows
    res = solvers.solve(back)
    assert res.status is Status.OPTIMAL, res.message
    assert res.objective == pytest.approx(known.objective, rel=1e-6, abs=1e-7)
    # same problem: the same point has the same objective and residual
    x = solvers.solve(known.prog).x
    assert back.objective(x) == pytest.approx(known.prog.objective(x), rel=1e-12)
    assert CR.compute(back, x).primal == pytest.approx(CR.compute(known.prog, x).primal, abs=1e-12)


def test_cbf_cone_names_and_conventions(tmp_path):
    path = tmp_path / "exp.cbf"
    cbf.write_cbf(KNOWN[7].prog, path)  # relulp (x, y, z) is CBF EXP (u2, u1, u0)
    text = path.read_text()
    assert "EXP 3" in text and "BCOORD\n2\n0 148.4131591025766\n1 1.0" in text
    path = tmp_path / "psd.cbf"
    cbf.write_cbf(KNOWN[4].prog, path)
    text = path.read_text()
    assert "PSDCON\n1\n3" in text and "HCOORD" in text and "DCOORD" in text
    assert "0 2 1 -3.0" in text  # D = -C, entry (2, 1) of the lower triangle, unscaled
    path = tmp_path / "lp.cbf"
    cbf.write_cbf(KNOWN[0].prog, path)
    assert "L= 2" in path.read_text() and "L+ 3" in path.read_text()


def test_cbf_quadratic_objective(tmp_path):
    qp = KNOWN[6]
    with pytest.raises(solvers.ProblemDataError, match="quadratic"):
        cbf.write_cbf(qp.prog, tmp_path / "qp.cbf")
    cbf.write_cbf(qp.prog, tmp_path / "qp.cbf", quadratic="epigraph")
    back = cbf.read_cbf(tmp_path / "qp.cbf")
    assert back.num_cols == 3 and isinstance(back.cones[-1], RotatedSecondOrderCone)
    res = solvers.solve(back)
    assert res.objective == pytest.approx(qp.objective, abs=1e-7)
    np.testing.assert_allclose(res.x[:2], qp.x, atol=1e-6)


def test_cbf_reads_variable_domains_psdvar_and_max(tmp_path):
    # max -x0 - <I, X> with x0 in L+, X (2x2) PSD, x0 + X00 + X11 >= 1 written as ... : the optimum is -1
    text = "\n".join([
        "VER", "3", "OBJSENSE", "MAX", "PSDVAR", "1", "2", "VAR", "1 1", "L+ 1", "CON", "1 1", "L+ 1",
        "OBJFCOORD", "2", "0 0 0 -1.0", "0 1 1 -1.0", "OBJACOORD", "1", "0 -1.0",
        "FCOORD", "2", "0 0 0 0 1.0", "0 0 1 1 1.0", "ACOORD", "1", "0 0 1.0", "BCOORD", "1", "0 -1.0", ""])
    path = tmp_path / "v.cbf"
    path.write_text(text)
    prog = cbf.read_cbf(path)
    assert prog.meta["sense"] == "max" and prog.num_cols == 4
    res = solvers.solve(prog)
    assert res.status is Status.OPTIMAL and res.objective == pytest.approx(1.0, abs=1e-7)  # min of the negation
    (path := tmp_path / "int.cbf").write_text("VER\n3\nVAR\n1 1\nF 1\nINT\n1\n0\n")
    with pytest.raises(solvers.ProblemDataError, match="integer"):
        cbf.read_cbf(path)
    (path := tmp_path / "pow.cbf").write_text("VER\n3\nVAR\n3 1\n@0:POW 3\n")
    with pytest.raises(solvers.ProblemDataError, match="not supported"):
        cbf.read_cbf(path)


# --- property tests -------------------------------------------------------------------------------------
finite = st.floats(-1e3, 1e3, allow_nan=False, allow_infinity=False)


@settings(max_examples=60, deadline=None)
@given(st.integers(1, 6).flatmap(lambda k: hnp.arrays(np.float64, (k, k), elements=finite)))
def test_svec_smat_are_inverse(M):
    S = (M + M.T) / 2
    v = svec(S)
    np.testing.assert_allclose(smat(v), S, rtol=0, atol=1e-12 * (1 + np.abs(S).max()))
    np.testing.assert_allclose(svec(smat(v)), v, rtol=0, atol=1e-12 * (1 + np.abs(v).max()))
    assert np.linalg.norm(v) == pytest.approx(np.linalg.norm(S), rel=1e-12, abs=1e-12)  # an isometry
    r, c = svec_indices(S.shape[0])
    assert (r <= c).all() and len(set(zip(r, c))) == v.size
    np.testing.assert_allclose(v, S[r, c] * np.where(r == c, 1, math.sqrt(2)))


CONES = [NonnegativeCone(4), SecondOrderCone(4), RotatedSecondOrderCone(4), PSDTriangleCone(3), ExponentialCone(),
         ZeroCone(3)]


@pytest.mark.parametrize("cone", CONES, ids=lambda c: type(c).__name__)
@settings(max_examples=60, deadline=None)
@given(data=st.data())
def test_projection_is_idempotent_lands_in_the_cone_and_decomposes(cone, data):
    v = data.draw(hnp.arrays(np.float64, cone.dim, elements=st.floats(-50, 50, allow_nan=False)))
    scale = 1.0 + np.abs(v).max()
    p = CR.project(cone, v)
    assert CR.in_cone(cone, p, tol=1e-9 * scale)
    np.testing.assert_allclose(CR.project(cone, p), p, atol=1e-9 * scale)
    # Moreau: v = Pi_K(v) - Pi_K*(-v), the two parts orthogonal
    d = CR.project(cone, -v, dual=True)
    np.testing.assert_allclose(p - d, v, atol=1e-6 * scale)
    assert abs(p @ d) <= 1e-6 * scale ** 2
    # and no cone point is closer than the projection (checked against a few members)
    others = [CR.project(cone, v + data.draw(hnp.arrays(np.float64, cone.dim, elements=st.floats(-1, 1))))
              for _ in range(3)]
    for o in others:
        assert np.linalg.norm(v - p) <= np.linalg.norm(v - o) + 1e-7 * scale


def test_rotated_map_is_an_orthogonal_involution_onto_the_soc():
    rng = np.random.default_rng(0)
    for _ in range(50):
        v = rng.normal(size=5)
        np.testing.assert_allclose(rotated_to_soc(rotated_to_soc(v)), v, atol=1e-14)
        assert np.linalg.norm(rotated_to_soc(v)) == pytest.approx(np.linalg.norm(v))
        rot_member = 2 * v[0] * v[1] >= v[2:] @ v[2:] and v[0] >= 0 and v[1] >= 0
        w = rotated_to_soc(v)
        assert rot_member == (w[0] >= np.linalg.norm(w[1:]))
