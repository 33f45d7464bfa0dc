"""The backend contract, run over EVERY registered backend and method (and the common ``pyomo:<solver>``s).

One set of LPs with known answers (solvers.instances: textbook + edge cases, infeasible, unbounded and a
planted LP for the time limit); a backend/method that is not installed here is skipped with its install
hint. Adding a backend = one module + one line in solvers/backends/__init__.py: it is tested here.
"""

from __future__ import annotations

import tempfile

import numpy as np
import pytest

from relulp import solvers
from relulp.solvers import Status, backends, instances
from relulp.solvers import residuals as R
from relulp.solvers.backends.base import TOLERANCE_KINDS, Backend, Capabilities
from relulp.solvers.backends.pyomo_backend import COMMON_SOLVERS

NAMES = list(backends.REGISTRY) + [backends.PYOMO_PREFIX + s for s in COMMON_SOLVERS]
PAIRS = [(name, m) for name in NAMES for m in backends.get(name).methods]
AVAILABLE = solvers.available()
KNOWN = instances.textbook() + instances.edge_cases()
PLANTED = instances.planted()

if "mpax" in AVAILABLE:  # reuse compiled XLA code between same-shaped LPs of this session
    import jax

    jax.config.update("jax_compilation_cache_dir", tempfile.mkdtemp(prefix="relulp-jax-"))
    jax.config.update("jax_persistent_cache_min_compile_time_secs", 0)


def runnable(name: str, method: str) -> Backend:
    engine = backends.get(name)
    if method not in AVAILABLE.get(name, {}).get("methods", []):
        pytest.skip(f"{name}/{method} not installed here: {engine.install_hint}")
    return engine


def ids(pairs):
    return [f"{n}/{m}" for n, m in pairs]


def tol_of(res) -> float:
    """The accuracy a backend promises: relulp's verify tolerance for its run (>= 1e-6)."""
    return res.verify_tolerance


# --- the contract itself (installed or not) --------------------------------------------------------
@pytest.mark.parametrize("name", NAMES)
def test_backend_is_an_instance_with_a_capability_record(name):
    engine = backends.get(name)
    assert isinstance(engine, Backend) and backends.get(name) is engine  # cached instance
    assert engine.name == name and engine.install_hint
    caps = engine.capabilities
    assert isinstance(caps, Capabilities)
    with pytest.raises(AttributeError):
        caps.duals = False  # frozen
    assert caps.default_method in caps.methods == engine.methods
    assert caps.time_limit <= set(caps.methods) and caps.reduced_costs <= set(caps.methods)
    assert set(caps.tolerance) <= set(caps.methods) and set(caps.tolerance.values()) <= set(TOLERANCE_KINDS)
    assert type(engine.status_map) is dict
    assert all(isinstance(k, str) and isinstance(v, Status) for k, v in engine.status_map.items())
    assert engine.map_status("no such word ever") is Status.OTHER
    installed = engine.installed_methods()
    assert set(installed) <= set(caps.methods)
    assert bool(installed) == engine.is_installed()
    if engine.is_installed():
        assert AVAILABLE[name]["methods"] == list(installed)
        assert AVAILABLE[name]["default"] == caps.default_method
    else:
        assert name not in AVAILABLE
        with pytest.raises(solvers.BackendNotInstalledError, match="not installed"):
            solvers.solve(KNOWN[0].lp, backend=name)


def test_pyomo_backend_is_configured_not_generated():
    from relulp.solvers.backends.pyomo_backend import PyomoBackend

    a, b = backends.get("pyomo:glpk"), backends.get("pyomo:highs")
    assert type(a) is type(b) is PyomoBackend
    assert (a.solver, b.solver) == ("glpk", "highs") and a is backends.get("pyomo:glpk")


def test_registry_is_one_line_per_backend():
    for name, target in backends.REGISTRY.items():
        module, cls = target.split(":")
        assert module.isidentifier() and cls.isidentifier(), name


# --- status maps keyed by the solvers' own words ---------------------------------------------------
def test_highs_status_words_are_highspy_words():
    highspy = pytest.importorskip("highspy")
    from relulp.solvers.backends.highs import STATUS_MAP

    h = highspy.Highs()
    words = {h.modelStatusToString(v) for v in highspy.HighsModelStatus.__members__.values()}
    assert set(STATUS_MAP) == words  # every word mapped (deliberately OTHER where it proves nothing)
    assert STATUS_MAP["Optimal"] is Status.OPTIMAL and STATUS_MAP["Unknown"] is Status.OTHER
    assert STATUS_MAP["Primal infeasible or unbounded"] is Status.INFEASIBLE_OR_UNBOUNDED


def test_glpk_status_words_are_swiglpk_constants():
    glp = pytest.importorskip("swiglpk")
    from relulp.solvers.backends import glpk

    for word in glpk.STATUS_MAP.keys() | glpk.INTERIOR_STATUS_MAP.keys():
        assert isinstance(getattr(glp, word), int), word
    families = glpk.SIMPLEX_RETURN_WORDS + glpk.INTERIOR_RETURN_WORDS + glpk.STATUS_WORDS
    assert set(families) == set(glpk.STATUS_MAP)
    engine = backends.get("glpk")
    assert engine.map_status("GLP_NOFEAS", "simplex") is Status.INFEASIBLE
    assert engine.map_status("GLP_NOFEAS", "interior") is Status.INFEASIBLE_OR_UNBOUNDED


def test_mpax_status_words_are_termination_names():
    pytest.importorskip("mpax")
    from mpax.utils import TerminationStatus

    from relulp.solvers.backends.mpax import STATUS_MAP

    assert set(STATUS_MAP) == set(TerminationStatus.__members__)


def test_pyomo_status_words_are_termination_condition_names():
    from pyomo.opt import TerminationCondition

    from relulp.solvers.backends.pyomo_backend import STATUS_MAP

    assert set(STATUS_MAP) == {t.name for t in TerminationCondition}


def test_cupdlpx_status_words_and_codes():
    """cuPDLPx 0.3.0: Model.Status is an integer code (OPTIMAL == 0), Model.StatusName the word."""
    from relulp.solvers.backends.cupdlpx import STATUS_CODES, STATUS_MAP, status_word

    assert set(STATUS_CODES.values()) == set(STATUS_MAP)
    assert STATUS_CODES == {0: "OPTIMAL", 1: "PRIMAL_INFEASIBLE", 2: "DUAL_INFEASIBLE", 3: "TIME_LIMIT",
                            4: "ITERATION_LIMIT", 5: "INFEASIBLE_OR_UNBOUNDED", 6: "FEAS_POLISH_SUCCESS",
                            -1: "UNSPECIFIED"}
    assert STATUS_MAP["DUAL_INFEASIBLE"] is Status.INFEASIBLE_OR_UNBOUNDED

    class Model:  # what cuPDLPx 0.3.0 reports after an optimal solve, with and without StatusName
        Status = 0
        StatusName = "OPTIMAL"

    assert status_word(Model()) == "OPTIMAL"
    del Model.StatusName
    assert status_word(Model()) == "OPTIMAL"  # the integer 0 is not "no status"
    Model.Status = 3
    assert status_word(Model()) == "TIME_LIMIT"
    Model.Status = None
    with pytest.raises(solvers.BackendFailure):
        status_word(Model())
    assert backends.get("cupdlpx").map_status("OPTIMAL") is Status.OPTIMAL


# --- known answers, over every installed backend/method ---------------------------------------------
@pytest.mark.parametrize("name,method", PAIRS, ids=ids(PAIRS))
@pytest.mark.parametrize("known", KNOWN, ids=[k.name for k in KNOWN])
def test_known_optimum(name, method, known):
    engine = runnable(name, method)
    res = solvers.solve(known.lp, backend=name, method=method)
    assert res.status is Status.OPTIMAL, res.message
    assert res.backend == name and res.method == method and res.native_status
    tol = tol_of(res)
    assert abs(res.objective - known.objective) <= tol * (1 + abs(known.objective)), res.objective
    r = R.compute(known.lp, res.x)
    assert r.rel_primal <= tol, r.rel_primal
    if known.x is not None:
        np.testing.assert_allclose(res.x, known.x, atol=100 * tol)
    if engine.capabilities.duals:
        assert res.row_duals is not None and res.row_duals.shape == (known.lp.num_rows,)
        r = R.compute(known.lp, res.x, res.row_duals)
        assert r.rel_dual <= tol and r.rel_gap <= tol, (r.rel_dual, r.rel_gap)
        if known.row_duals is not None:
            np.testing.assert_allclose(res.row_duals, known.row_duals, atol=100 * tol)
    if method in engine.capabilities.reduced_costs:
        assert res.reduced_costs is not None and res.reduced_costs.shape == (known.lp.num_cols,)
        np.testing.assert_allclose(known.lp.A.T @ res.row_duals + res.reduced_costs, known.lp.c,
                                   atol=100 * tol)


@pytest.mark.parametrize("name,method", PAIRS, ids=ids(PAIRS))
def test_infeasible_and_unbounded(name, method):
    runnable(name, method)
    res = solvers.solve(instances.infeasible(), backend=name, method=method)
    assert res.status in (Status.INFEASIBLE, Status.INFEASIBLE_OR_UNBOUNDED), res.message
    assert res.objective is None and not res.success
    res = solvers.solve(instances.unbounded(), backend=name, method=method)
    assert res.status in (Status.UNBOUNDED, Status.INFEASIBLE_OR_UNBOUNDED), res.message
    assert res.objective is None and not res.success


@pytest.mark.parametrize("name,method", PAIRS, ids=ids(PAIRS))
def test_time_limit_gives_time_limit_or_a_verified_optimum(name, method):
    engine = runnable(name, method)
    if not engine.has_time_limit(method):
        with pytest.raises(solvers.SolverOptionError, match="no time limit"):
            solvers.solve(PLANTED.lp, backend=name, method=method, time_limit=1e-3)
        return
    res = solvers.solve(PLANTED.lp, backend=name, method=method, time_limit=1e-3)
    assert res.status in (Status.TIME_LIMIT, Status.OPTIMAL), res.message  # never a wrong answer
    assert res.time_limit == 1e-3 or res.status is Status.OPTIMAL
    if res.status is Status.OPTIMAL:
        assert abs(res.objective - PLANTED.objective) <= tol_of(res) * (1 + abs(PLANTED.objective))
    else:
        assert res.objective is None


@pytest.mark.parametrize("name,method", PAIRS, ids=ids(PAIRS))
def test_tolerance_refused_where_it_has_no_meaning(name, method):
    engine = runnable(name, method)
    lp = KNOWN[0].lp
    if method in engine.capabilities.tolerance:
        res = solvers.solve(lp, backend=name, method=method, tolerance=1e-6)
        assert res.tolerance == 1e-6 and res.status is Status.OPTIMAL, res.message
    else:
        with pytest.raises(solvers.SolverOptionError, match="tolerance"):
            solvers.solve(lp, backend=name, method=method, tolerance=1e-6)
