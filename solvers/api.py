"""The front end: :func:`solve` and :func:`available`."""

from __future__ import annotations

import time
from typing import Any

import numpy as np

from relulp.lp import SparseLP

from . import backends, residuals
from .errors import ProblemDataError
from .problem import validate
from .result import Result, Status


def solve(
    problem: Any,
    backend: str = "highs",
    method: str | None = None,
    time_limit: float | None = None,
    tolerance: float | None = None,
    **options: Any,
) -> Result:
    """Solve an LP with the chosen backend and report exactly what happened.

    Parameters
    ----------
    problem
        A :class:`relulp.lp.SparseLP` (``min c@x + k, rl <= A x <= ru, cl <= x <= cu``, A m x N), or any
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
    cls = backends.get(backend)
    cls.require_installed()
    method = cls.check_method(method)
    if time_limit is not None and not (float(time_limit) > 0):
        raise ProblemDataError(f"time_limit must be positive, got {time_limit!r}")
    if tolerance is not None and not (float(tolerance) > 0):
        raise ProblemDataError(f"tolerance must be positive, got {tolerance!r}")

    pyomo_map = None
    if isinstance(problem, SparseLP):
        lp = problem
    elif _is_pyomo_model(problem):
        from .pyomo_io import from_pyomo

        lp, pyomo_map = from_pyomo(problem)
    else:
        raise ProblemDataError(
            f"solve() takes a relulp.lp.SparseLP or a Pyomo model, got {type(problem).__name__}"
        )
    lp = validate(lp)
    t1 = time.perf_counter()

    result = cls.solve(lp, method, time_limit, tolerance, dict(options))

    t2 = time.perf_counter()
    finish(result, lp)
    if pyomo_map is not None:
        pyomo_map.load(result)
    result.setup_seconds += (t1 - t0) + (time.perf_counter() - t2)
    return result


def finish(result: Result, lp: SparseLP) -> None:
    """Add relulp's objective and residuals to a backend's result (in place)."""
    if result.x is None:
        return
    if not np.isfinite(result.x).all():
        result.message += " [x contains non-finite values]"
        return
    result.objective = lp.objective(result.x)
    r = residuals.compute(lp, result.x, result.row_duals)
    result.primal_residual = r.primal
    result.rel_primal_residual = r.rel_primal
    result.dual_residual = r.dual
    result.rel_dual_residual = r.rel_dual
    result.dual_objective = r.dual_objective
    result.rel_gap = r.rel_gap


def available() -> dict[str, dict[str, Any]]:
    """The installed backends: ``{name: {"methods": [...], "default": method, "version": str}}``.

    Lists ``highs``, ``glpk``, ``mpax``, ``cupdlpx`` when usable here, and ``pyomo:<solver>`` for the
    Pyomo solver plugins whose executable/library is available (checked among a short list of common LP
    solvers: any other Pyomo solver name can still be passed to :func:`solve`).
    """
    out: dict[str, dict[str, Any]] = {}
    for name in backends.REGISTRY:
        cls = backends.get(name)
        if cls.is_installed():
            methods = list(getattr(cls, "installed_methods", lambda: cls.methods)())
            out[name] = {"methods": methods, "default": cls.methods[0], "version": cls.version()}
    from .backends.pyomo_backend import COMMON_SOLVERS, pyomo_backend

    for solver in COMMON_SOLVERS:
        cls = pyomo_backend(solver)
        if cls.is_installed():
            out[cls.name] = {"methods": list(cls.methods), "default": cls.methods[0], "version": cls.version()}
    return out


def _is_pyomo_model(obj: Any) -> bool:
    try:
        from pyomo.core.base.block import BlockData
    except ImportError:  # pragma: no cover - pyomo is a dependency
        return False
    return isinstance(obj, BlockData)


__all__ = ["solve", "available", "Result", "Status"]
