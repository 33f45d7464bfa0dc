"""``pyomo:<solver>``: any solver Pyomo's (legacy) ``SolverFactory`` knows, by name.

The LinearProgram is turned into a Pyomo model (:func:`solvers.pyomo_io.to_pyomo`) and solved with
``pyo.SolverFactory(<solver>).solve(model)``; values and duals (``model.dual`` Suffix) are read back.
Keyword options are passed to the solver as its native options (``solver.options``); Pyomo does not
check their names, so the solver decides, and a solver that refuses one makes the solve raise
:class:`SolverOptionError`. ``time_limit`` is translated for the solvers in :data:`TIME_LIMIT_OPTION`
and refused (:class:`SolverOptionError`) for others; ``tolerance`` is refused: pass the solver's own
tolerance option instead.
"""

from __future__ import annotations

import math
import time
from functools import lru_cache
from typing import Any

import numpy as np

from ..lp import LinearProgram

from ..errors import BackendFailure, SolverOptionError
from ..result import Result, Status
from .base import Backend

#: solvers :func:`solvers.available` checks for (any other name can still be used)
COMMON_SOLVERS = ("glpk", "cbc", "highs", "gurobi", "cplex", "xpress", "scip")

#: options added for a solver unless the caller gives them: glpsol's presolver hides the status of an
#: infeasible/unbounded LP from Pyomo ("LP HAS NO PRIMAL FEASIBLE SOLUTION" is not parsed by Pyomo 6.10)
DEFAULT_OPTIONS: dict[str, dict[str, Any]] = {"glpk": {"nopresol": None}}

#: statuses a solver's Pyomo plugin cannot be trusted on, and what they are reported as instead: Pyomo
#: 6.10's glpk plugin reads glpsol 5.0's infeasible *and* unbounded LPs as "unbounded"
STATUS_OVERRIDES: dict[str, dict[Status, Status]] = {
    "glpk": {
        Status.UNBOUNDED: Status.INFEASIBLE_OR_UNBOUNDED,
        Status.INFEASIBLE: Status.INFEASIBLE_OR_UNBOUNDED,
    },
}

#: the native time-limit option of solvers we know
TIME_LIMIT_OPTION = {
    "glpk": ("tmlim", lambda t: max(1, math.ceil(t))),
    "cbc": ("sec", float),
    "clp": ("sec", float),
    "gurobi": ("TimeLimit", float),
    "cplex": ("timelimit", float),
    "xpress": ("maxtime", lambda t: max(1, math.ceil(t))),
    "highs": ("time_limit", float),
    "appsi_highs": ("time_limit", float),
    "scip": ("limits/time", float),
}


@lru_cache(maxsize=1)
def _status_map() -> dict[Any, Status]:
    from pyomo.opt import TerminationCondition as T

    return {
        T.optimal: Status.OPTIMAL,
        T.globallyOptimal: Status.OPTIMAL,
        T.locallyOptimal: Status.OPTIMAL,
        T.infeasible: Status.INFEASIBLE,
        T.unbounded: Status.UNBOUNDED,
        T.infeasibleOrUnbounded: Status.INFEASIBLE_OR_UNBOUNDED,
        T.maxTimeLimit: Status.TIME_LIMIT,
        T.maxIterations: Status.ITERATION_LIMIT,
        T.maxEvaluations: Status.ITERATION_LIMIT,
        T.solverFailure: Status.NUMERICAL_ERROR,
        T.internalSolverError: Status.NUMERICAL_ERROR,
        T.error: Status.NUMERICAL_ERROR,
    }


class _StatusMap(dict):
    def get(self, key, default=None):  # type: ignore[override]
        return _status_map().get(key, default)


class PyomoBackend(Backend):
    """Base of the per-solver classes made by :func:`pyomo_backend`."""

    solver: str = ""
    methods = ("default",)
    status_map = _StatusMap()

    @classmethod
    def _factory(cls):
        import pyomo.environ as pyo

        return pyo.SolverFactory(cls.solver)

    @classmethod
    def is_installed(cls) -> bool:
        import logging

        log = logging.getLogger("pyomo")
        level = log.level
        log.setLevel(logging.CRITICAL)  # an absent solver logs a traceback-sized warning
        try:
            opt = cls._factory()
            return bool(opt.available(exception_flag=False))
        except Exception:  # an unknown name gives an UnknownSolver whose methods raise
            return False
        finally:
            log.setLevel(level)

    @classmethod
    def version(cls) -> str | None:
        try:
            v = cls._factory().version()
        except Exception:
            return None
        if v is None:
            return None
        return ".".join(map(str, v)) if isinstance(v, tuple) else str(v)

    @classmethod
    def has_time_limit(cls, method: str) -> bool:
        return cls.solver in TIME_LIMIT_OPTION

    @classmethod
    def solve(cls, lp: LinearProgram, method: str, time_limit: float | None, tolerance: float | None,
              options: dict[str, Any]) -> Result:
        import pyomo.environ as pyo
        from pyomo.common.errors import ApplicationError

        from ..pyomo_io import to_pyomo

        if tolerance is not None:
            raise SolverOptionError(
                f"backend {cls.name!r} has no generic tolerance: pass {cls.solver}'s own tolerance option"
            )
        opts = {**DEFAULT_OPTIONS.get(cls.solver, {}), **options}
        if time_limit is not None:
            if cls.solver not in TIME_LIMIT_OPTION:
                raise SolverOptionError(
                    f"relulp does not know {cls.solver}'s time-limit option: pass it by its native name"
                )
            key, conv = TIME_LIMIT_OPTION[cls.solver]
            if key in opts:
                raise SolverOptionError(f"give the time limit once: time_limit= or {key}=, not both")
            opts[key] = conv(time_limit)

        t0 = time.perf_counter()
        model = to_pyomo(lp)
        model.dual = pyo.Suffix(direction=pyo.Suffix.IMPORT)
        opt = cls._factory()
        for k, v in opts.items():
            opt.options[k] = v
        t1 = time.perf_counter()
        try:
            res = opt.solve(model, load_solutions=False)
        except ApplicationError as e:
            if opts:
                raise SolverOptionError(
                    f"{cls.solver} failed with options {opts} (an option it does not accept?): {e}"
                ) from e
            raise BackendFailure(f"{cls.solver} failed: {e}") from e
        t2 = time.perf_counter()

        tc = res.solver.termination_condition
        status = cls.map_status(tc)
        status = STATUS_OVERRIDES.get(cls.solver, {}).get(status, status)
        x = y = None
        loaded = False
        if len(res.solution) > 0:
            try:
                model.solutions.load_from(res)
                loaded = True
            except ValueError:  # Pyomo refuses to load a solution from a result with bad status
                pass
        if loaded:
            vals = [v.value for v in model.x.values()]
            if all(v is not None for v in vals):
                x = np.asarray(vals, dtype=np.float64)
            if len(model.dual):
                rows = model.rows
                y = np.zeros(lp.num_rows)
                for i, con in rows.items():
                    d = model.dual.get(con)
                    if d is not None:
                        y[i] = d
        msg = f"Pyomo {cls.solver}: {tc}"
        text = str(res.solver.message or "")
        if text and text != "<undefined>":
            msg += f" ({text})"
        return Result(
            status=status,
            message=msg,
            x=x,
            row_duals=y,
            backend=cls.name,
            method=method,
            solver_version=cls.version() or "",
            native_status=str(tc),
            tolerance=None,
            time_limit=time_limit,
            options=dict(options),
            setup_seconds=(t1 - t0) + (time.perf_counter() - t2),
            solve_seconds=t2 - t1,
            iterations=None,
        )


@lru_cache(maxsize=None)
def pyomo_backend(solver: str) -> type[PyomoBackend]:
    """The backend class for ``pyomo:<solver>`` (one class per solver name, cached)."""
    solver = solver.strip()
    if not solver:
        from ..errors import UnknownBackendError

        raise UnknownBackendError("'pyomo:' needs a solver name, e.g. 'pyomo:glpk'")
    return type(
        f"Pyomo_{solver}",
        (PyomoBackend,),
        {
            "name": f"pyomo:{solver}",
            "solver": solver,
            "install_hint": (
                f"Pyomo's SolverFactory({solver!r}) is not available: install the {solver} executable or "
                "Python package (e.g. apt-get install glpk-utils / coinor-cbc, pip install highspy gurobipy)"
            ),
        },
    )
