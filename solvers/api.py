"""The front end: :func:`solve` and :func:`available`."""

from __future__ import annotations

import time
from typing import Any

import numpy as np

from .lp import LinearProgram

from . import backends, residuals
from .errors import ProblemDataError, TriviallyInfeasibleError
from .problem import validate
from .result import Result, Status


def solve(
    problem: Any,
    backend: str = "highs",
    method: str | None = None,
    time_limit: float | None = None,
    tolerance: float | None = None,
    verify_tolerance: float | None = None,
    **options: Any,
) -> Result:
    """Solve an LP with the chosen backend and report exactly what happened.

    Parameters
    ----------
    problem
        A :class:`solvers.lp.LinearProgram` (``min c@x + k, rl <= A x <= ru, cl <= x <= cu``, A m x N), or any
        linear Pyomo model (continuous variables, one or no active objective). A Pyomo model is compiled
        with Pyomo's ``LinearStandardFormCompiler(mixed_form=True)``; the answer is written back into it
        (variable values; duals into ``model.dual``, a ``Suffix(direction=IMPORT)`` created if absent).
    backend
        ``"highs"``, ``"glpk"``, ``"mpax"``, ``"cupdlpx"`` or ``"pyomo:<solver>"`` (see :func:`available`).
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
    engine = backends.get(backend)
    engine.require_installed()
    method = engine.check_method(method)
    if time_limit is not None and not (float(time_limit) > 0):
        raise ProblemDataError(f"time_limit must be positive, got {time_limit!r}")
    for name, v in (("tolerance", tolerance), ("verify_tolerance", verify_tolerance)):
        if v is not None and not (float(v) > 0):
            raise ProblemDataError(f"{name} must be positive, got {v!r}")
    engine.check_request(method, time_limit, tolerance)  # what the capability record says it lacks

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
    if pyomo_map is not None:
        pyomo_map.load(result)
    result.setup_seconds += (t1 - t0) + (time.perf_counter() - t2)
    return result


def finish(result: Result, lp: LinearProgram, verify_tolerance: float | None = None) -> None:
    """Add relulp's objective and residuals to a backend's result, and verify an "optimal" (in place).

    A solver's OPTIMAL stays OPTIMAL only if relulp's relative primal residual, relative dual residual,
    relative gap and relative dual error at x (the last three when the backend gives duals) are all
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
    if result.x is None or not np.isfinite(result.x).all():
        if result.x is not None:
            result.message += " [x contains non-finite values]"
        if result.status is Status.OPTIMAL:
            result.status = Status.OPTIMAL_INACCURATE
            result.message += " [relulp: the solver said optimal but returned no usable point]"
        return
    value = lp.objective(result.x)
    result.point_objective = value
    if result.status in optimal:
        result.objective = value
    r = residuals.compute(lp, result.x, result.row_duals)
    result.primal_residual = r.primal
    result.rel_primal_residual = r.rel_primal
    result.dual_residual = r.dual
    result.rel_dual_residual = r.rel_dual
    result.dual_objective = r.dual_objective
    result.rel_gap = r.rel_gap
    result.rel_dual_error_at_x = r.rel_dual_error_at_x
    if result.status is Status.OPTIMAL:
        bad = [f"{name} {v:.3g}" for name, v in (("relative primal residual", r.rel_primal),
                                                  ("relative dual residual", r.rel_dual),
                                                  ("relative gap", r.rel_gap),
                                                  ("relative dual error at x", r.rel_dual_error_at_x))
               if v is not None and not v <= tol]
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


__all__ = ["solve", "available", "Result", "Status"]
