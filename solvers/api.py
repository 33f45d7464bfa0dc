"""The front end: :func:`solve` and :func:`available`."""

from __future__ import annotations

import time
from typing import Any

import numpy as np

from .lp import LinearProgram

from . import backends, residuals
from .conic import ConicProgram
from .errors import ProblemDataError, SolverOptionError, TriviallyInfeasibleError
from .problem import validate
from .result import Result, Status


#: the backend :func:`solve` uses when none is named: per problem type
DEFAULT_BACKEND = {"lp": "highs", "conic": "clarabel"}


def solve(
    problem: Any,
    backend: str | None = None,
    method: str | None = None,
    time_limit: float | None = None,
    tolerance: float | None = None,
    verify_tolerance: float | None = None,
    polish: bool = False,
    **options: Any,
) -> Result:
    """Solve an LP or a conic program with the chosen backend and report exactly what happened.

    Parameters
    ----------
    problem
        A :class:`solvers.lp.LinearProgram` (``min c@x + k, rl <= A x <= ru, cl <= x <= cu``, A m x N), or any
        linear Pyomo model (continuous variables, one or no active objective). A Pyomo model is compiled
        with Pyomo's ``LinearStandardFormCompiler(mixed_form=True)``; the answer is written back into it
        (variable values; duals into ``model.dual``, a ``Suffix(direction=IMPORT)`` created if absent).
        Or a :class:`solvers.conic.ConicProgram` (``min 1/2 x'Px + q'x + k, A x + s = b, s in K``), for the
        backends that solve conic programs (``clarabel``, ``scs``); ``row_duals`` is then the conic dual z
        and relulp's conic residuals and certificate checks apply (:func:`finish_conic`).
    backend
        ``"highs"``, ``"glpk"``, ``"mpax"``, ``"cupdlpx"``, ``"clarabel"``, ``"scs"`` or ``"pyomo:<solver>"``
        (see :func:`available`). None: ``"highs"`` for an LP or Pyomo model, ``"clarabel"`` for a
        ConicProgram. An LP-only backend given a ConicProgram raises :class:`SolverOptionError`.
    method
        A method of that backend (None: its default, the first listed by :func:`available`).
    time_limit
        Seconds; reaching it gives :attr:`Status.TIME_LIMIT` with the best point the solver had, if any.
        Backends without a time limit (mpax) raise :class:`SolverOptionError` when one is given.
    tolerance
        Stopping tolerance; its meaning (absolute or relative) is the backend's, see docs/solvers.md.
        ``result.tolerance`` reports the value used.
    verify_tolerance
        Bound on relulp's relative primal and dual residuals and relative duality gap (see
        :class:`Result`) for a solver's "optimal" to be reported as :attr:`Status.OPTIMAL`; above it the
        status is :attr:`Status.OPTIMAL_INACCURATE`. None: ``max(1e-6, 10 * result.tolerance)``.
    polish
        LPs, PDLP-family methods (mpax, cupdlpx, highs pdlp) only: polish the first-order answer to a
        verified vertex with HiGHS's simplex warm-started from it (:func:`solvers.polish.polish`; its
        time is in ``result.polish_seconds`` and in ``solve_seconds``; it gets what is left of
        ``time_limit``).
    **options
        Backend-native options. An option the backend does not accept raises
        :class:`SolverOptionError`; nothing is silently ignored.

    Returns
    -------
    Result
        Status, objective, x (N,), row duals (m,) and reduced costs (N,) where the backend gives them,
        residuals computed by relulp, iterations, timings, backend, method, solver version.
    """
    t0 = time.perf_counter()
    conic = isinstance(problem, ConicProgram)
    if backend is None:
        backend = DEFAULT_BACKEND["conic" if conic else "lp"]
    engine = backends.get(backend)
    if conic and "conic" not in engine.capabilities.problem_types:
        raise SolverOptionError(
            f"backend {engine.name!r} solves LPs only, not a ConicProgram; conic backends: "
            f"{backends.conic_backends()}"
        )
    engine.require_installed()
    method = engine.check_method(method)
    if time_limit is not None and not (float(time_limit) > 0):
        raise ProblemDataError(f"time_limit must be positive, got {time_limit!r}")
    for name, v in (("tolerance", tolerance), ("verify_tolerance", verify_tolerance)):
        if v is not None and not (float(v) > 0):
            raise ProblemDataError(f"{name} must be positive, got {v!r}")
    engine.check_request(method, time_limit, tolerance)  # what the capability record says it lacks
    if polish:
        from .polish import check_polish

        check_polish(engine, method, conic)
    if conic:
        return _solve_conic(problem, engine, method, time_limit, tolerance, verify_tolerance, options, t0)

    pyomo_map = None
    if isinstance(problem, LinearProgram):
        lp = problem
    elif is_pyomo_model(problem):
        from .pyomo_io import from_pyomo

        try:
            lp, pyomo_map = from_pyomo(problem)
        except TriviallyInfeasibleError as e:  # a row "0 >= 1": infeasible, as the same LinearProgram row is
            return Result(status=Status.INFEASIBLE, message=f"infeasible before any solver ran: {e}",
                          backend=engine.name, method=method, solver_version=engine.version() or "",
                          native_status="trivially infeasible constraint",
                          setup_seconds=time.perf_counter() - t0)
    else:
        raise ProblemDataError(
            f"solve() takes a solvers.lp.LinearProgram or a Pyomo model, got {type(problem).__name__}"
        )
    lp = validate(lp)
    t1 = time.perf_counter()

    result = engine.solve(lp, method, time_limit, tolerance, dict(options))

    t2 = time.perf_counter()
    finish(result, lp, verify_tolerance)
    if polish and result.x is not None and np.isfinite(result.x).all():
        from .polish import polish as _polish

        t3 = time.perf_counter()
        left = None if time_limit is None else max(1.0, float(time_limit) - (t3 - t0))
        result = _polish(lp, result, time_limit=left, verify_tolerance=verify_tolerance)
        t2 += time.perf_counter() - t3  # the polish is in solve_seconds, not in setup_seconds
    if pyomo_map is not None:
        pyomo_map.load(result)
    result.setup_seconds += (t1 - t0) + (time.perf_counter() - t2)
    return result


def finish(result: Result, lp: LinearProgram, verify_tolerance: float | None = None) -> None:
    """Add relulp's objective and residuals to a backend's result, and verify an "optimal" (in place).

    A solver's OPTIMAL stays OPTIMAL only if relulp's relative primal residual, relative repair cost,
    relative dual residual, relative gap and relative dual error at x (the last three when the backend
    gives duals) are all
    <= ``verify_tolerance`` (default
    ``max(1e-6, 10 * result.tolerance)``); otherwise it becomes :attr:`Status.OPTIMAL_INACCURATE` with the
    residuals in the message. An OPTIMAL without a point is OPTIMAL_INACCURATE too: nothing can be checked.
    An infeasible/unbounded claim on an LP whose ``meta["optimum_exists"]`` is true becomes NUMERICAL_ERROR.
    ``objective`` and ``solver_objective`` are kept only for the two optimal statuses.
    """
    optimal = (Status.OPTIMAL, Status.OPTIMAL_INACCURATE)
    if result.status not in optimal:
        result.solver_objective = None
    no_optimum = (Status.INFEASIBLE, Status.UNBOUNDED, Status.INFEASIBLE_OR_UNBOUNDED)
    if result.status in no_optimum and lp.meta.get("optimum_exists"):
        result.message += (f" [relulp: the solver said {result.status}, but this LP has a finite optimum by "
                           "construction (meta['optimum_exists']): a numerical failure]")
        result.status = Status.NUMERICAL_ERROR
    tol = verify_tolerance if verify_tolerance is not None else max(1e-6, 10.0 * (result.tolerance or 0.0))
    result.verify_tolerance = float(tol)
    if _no_usable_point(result):
        return
    value = lp.objective(result.x)
    result.point_objective = value
    if result.status in optimal:
        result.objective = value
    r = residuals.compute(lp, result.x, result.row_duals)
    _record(result, r)
    result.rel_dual_error_at_x = r.rel_dual_error_at_x
    result.rel_repair_cost = r.rel_repair_cost
    _verify_optimal(result, tol, (("relative primal residual", r.rel_primal),
                                  ("relative dual residual", r.rel_dual),
                                  ("relative gap", r.rel_gap),
                                  ("relative dual error at x", r.rel_dual_error_at_x),
                                  ("relative repair cost", r.rel_repair_cost)))


def _solve_conic(prog: ConicProgram, engine, method: str, time_limit, tolerance, verify_tolerance,
                 options: dict[str, Any], t0: float) -> Result:
    """The ConicProgram branch of :func:`solve`: validate (a fresh copy), run, :func:`finish_conic`."""
    import dataclasses

    prog = dataclasses.replace(prog)  # re-runs ConicProgram's checks on the current fields
    t1 = time.perf_counter()
    result = engine.solve_conic(prog, method, time_limit, tolerance, dict(options))
    t2 = time.perf_counter()
    finish_conic(result, prog, verify_tolerance)
    result.setup_seconds += (t1 - t0) + (time.perf_counter() - t2)
    return result


def finish_conic(result: Result, prog: ConicProgram, verify_tolerance: float | None = None) -> None:
    """:func:`finish` for a :class:`solvers.conic.ConicProgram`: relulp's objective, residuals and checks.

    With ``tol = verify_tolerance`` (default ``max(1e-6, 10 * result.tolerance)``):

    * an INFEASIBLE / INFEASIBLE_OR_UNBOUNDED / UNBOUNDED claim is kept only if its certificate passes
      (:func:`solvers.conic_residuals.certify`: ``certificate_residual <= tol``), else NUMERICAL_ERROR;
    * at a point x (and dual z): ``primal_residual`` = ``||(b - A x) - Pi_K(b - A x)||_inf``,
      ``dual_residual`` = ``max(||P x + q + A'z||_inf, ||z - Pi_K*(z)||_inf)``, their relative versions
      (over ``1 + ||b||_inf`` and ``1 + ||q||_inf``), ``dual_objective`` = ``-1/2 x'Px - b'z + k`` and
      ``rel_gap`` (:func:`solvers.conic_residuals.compute`);
    * an OPTIMAL stays OPTIMAL only if the relative primal residual, relative dual residual and relative gap
      are all <= tol (and z is given), else OPTIMAL_INACCURATE with the numbers in the message; an OPTIMAL
      without a usable point is OPTIMAL_INACCURATE.

    ``objective`` (``1/2 x'Px + q'x + k`` at x) and ``solver_objective`` are kept only for the two optimal
    statuses; ``point_objective`` is the value at any returned point.
    """
    from . import conic_residuals

    optimal = (Status.OPTIMAL, Status.OPTIMAL_INACCURATE)
    if result.status not in optimal:
        result.solver_objective = None
    tol = verify_tolerance if verify_tolerance is not None else max(1e-6, 10.0 * (result.tolerance or 0.0))
    result.verify_tolerance = float(tol)
    no_optimum = (Status.INFEASIBLE, Status.UNBOUNDED, Status.INFEASIBLE_OR_UNBOUNDED)
    if result.status in no_optimum:
        conic_residuals.certify(result, prog, tol)
        if prog.meta.get("optimum_exists") and result.status in no_optimum:
            result.message += (f" [relulp: the solver said {result.status}, but this program has a finite "
                               "optimum by construction (meta['optimum_exists']): a numerical failure]")
            result.status = Status.NUMERICAL_ERROR
    if _no_usable_point(result):
        return
    z = result.row_duals
    if z is not None and (z.shape != (prog.num_rows,) or not np.isfinite(z).all()):
        result.message += " [the dual z is unusable (wrong shape or non-finite): dual checks skipped]"
        z = None
    value = prog.objective(result.x)
    result.point_objective = value
    if result.status in optimal:
        result.objective = value
    r = conic_residuals.compute(prog, result.x, z)
    _record(result, r)
    _verify_optimal(result, tol, (("relative primal residual", r.rel_primal),
                                  ("relative dual residual", r.rel_dual),
                                  ("relative gap", r.rel_gap)),
                    extra=() if z is not None else ("dual z missing (nothing certifies optimality)",))



def _no_usable_point(result: Result) -> bool:
    """True (and an OPTIMAL demoted to OPTIMAL_INACCURATE) when the solver returned no finite point."""
    if result.x is not None and np.isfinite(result.x).all():
        return False
    if result.x is not None:
        result.message += " [x contains non-finite values]"
    if result.status is Status.OPTIMAL:
        result.status = Status.OPTIMAL_INACCURATE
        result.message += " [relulp: the solver said optimal but returned no usable point]"
    return True


def _record(result: Result, r) -> None:
    """Copy the residuals both problem types share (solvers.residuals / solvers.conic_residuals)."""
    result.primal_residual = r.primal
    result.rel_primal_residual = r.rel_primal
    result.dual_residual = r.dual
    result.rel_dual_residual = r.rel_dual
    result.dual_objective = r.dual_objective
    result.rel_gap = r.rel_gap


def _verify_optimal(result: Result, tol: float, measures, extra=()) -> None:
    """Demote an OPTIMAL to OPTIMAL_INACCURATE when a (name, value) measure exceeds ``tol`` or an ``extra``
    reason is given; the message names them."""
    if result.status is not Status.OPTIMAL:
        return
    bad = [f"{name} {v:.3g}" for name, v in measures if v is not None and not v <= tol] + list(extra)
    if bad:
        result.status = Status.OPTIMAL_INACCURATE
        result.message += (f" [relulp: the solver said optimal, but at its point the {', '.join(bad)} "
                           f"exceed the tolerance {tol:.3g}]")

def available() -> dict[str, dict[str, Any]]:
    """The installed backends: ``{name: {"methods": [...], "default": method, "version": str}}``.

    Lists ``highs``, ``glpk``, ``mpax``, ``cupdlpx`` when usable here, and ``pyomo:<solver>`` for the
    Pyomo solver plugins whose executable/library is available (checked among a short list of common LP
    solvers: any other Pyomo solver name can still be passed to :func:`solve`).
    """
    out: dict[str, dict[str, Any]] = {}
    from .backends.pyomo_backend import COMMON_SOLVERS

    names = list(backends.REGISTRY) + [backends.PYOMO_PREFIX + s for s in COMMON_SOLVERS]
    for name in names:
        engine = backends.get(name)
        if engine.is_installed():
            out[engine.name] = {"methods": list(engine.installed_methods()),
                                "default": engine.default_method, "version": engine.version()}
    return out


def is_pyomo_model(obj: Any) -> bool:
    """Whether ``obj`` is a Pyomo model (a block), which :func:`solve` compiles to a LinearProgram."""
    try:
        from pyomo.core.base.block import BlockData
    except ImportError:  # pragma: no cover - pyomo is a dependency
        return False
    return isinstance(obj, BlockData)


__all__ = ["solve", "available", "finish", "finish_conic", "Result", "Status"]
