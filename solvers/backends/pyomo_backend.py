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
import os
import tempfile
import time
from functools import lru_cache
from typing import Any

import numpy as np

from ..lp import LinearProgram

from ..errors import BackendFailure, SolverOptionError
from ..highs_adapter import certify_infeasible
from ..result import Result, Status
from .base import Backend, Capabilities

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

#: lines of a solver's own log that overrule the termination condition its Pyomo plugin parsed (the
#: Pyomo word to use instead): Pyomo 6.10 reads glpsol 5.0's "TIME LIMIT EXCEEDED" as "infeasible"
LOG_MARKERS: dict[str, dict[str, str]] = {"glpk": {"TIME LIMIT EXCEEDED": "maxTimeLimit"}}

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


#: Pyomo's ``TerminationCondition`` names -> Status (every member; the OTHER ones deliberately)
STATUS_MAP: dict[str, Status] = {
    "optimal": Status.OPTIMAL,
    "globallyOptimal": Status.OPTIMAL,
    "locallyOptimal": Status.OPTIMAL,
    "infeasible": Status.INFEASIBLE,
    "unbounded": Status.UNBOUNDED,
    "infeasibleOrUnbounded": Status.INFEASIBLE_OR_UNBOUNDED,
    "maxTimeLimit": Status.TIME_LIMIT,
    "maxIterations": Status.ITERATION_LIMIT,
    "maxEvaluations": Status.ITERATION_LIMIT,
    "solverFailure": Status.NUMERICAL_ERROR,
    "internalSolverError": Status.NUMERICAL_ERROR,
    "error": Status.NUMERICAL_ERROR,
    "unknown": Status.OTHER,
    "other": Status.OTHER,
    "feasible": Status.OTHER,
    "minFunctionValue": Status.OTHER,
    "minStepLength": Status.OTHER,
    "invalidProblem": Status.OTHER,
    "intermediateNonInteger": Status.OTHER,
    "noSolution": Status.OTHER,
    "userInterrupt": Status.OTHER,
    "resourceInterrupt": Status.OTHER,
    "licensingProblems": Status.OTHER,
}


class PyomoBackend(Backend):
    """``pyomo:<solver>``: an instance configured with the Pyomo solver name (see :func:`pyomo_backend`)."""

    status_map = STATUS_MAP

    def __init__(self, solver: str) -> None:
        solver = solver.strip()
        if not solver:
            from ..errors import UnknownBackendError

            raise UnknownBackendError("'pyomo:' needs a solver name, e.g. 'pyomo:glpk'")
        self.solver = solver
        self.name = f"pyomo:{solver}"
        self.install_hint = (
            f"Pyomo's SolverFactory({solver!r}) is not available: install the {solver} executable or "
            "Python package (e.g. apt-get install glpk-utils / coinor-cbc, pip install highspy gurobipy)"
        )
        self.capabilities = Capabilities(
            methods=("default",),
            default_method="default",
            time_limit=frozenset({"default"}) if solver in TIME_LIMIT_OPTION else frozenset(),
            tolerance={},  # refused: pass the solver's own tolerance option
            duals=True,  # the model.dual Suffix (LP solvers fill it)
            reduced_costs=frozenset(),
        )

    def _factory(self):
        import pyomo.environ as pyo

        return pyo.SolverFactory(self.solver)

    def is_installed(self) -> bool:
        import logging

        log = logging.getLogger("pyomo")
        level = log.level
        log.setLevel(logging.CRITICAL)  # an absent solver logs a traceback-sized warning
        try:
            opt = self._factory()
            return bool(opt.available(exception_flag=False))
        except Exception:  # an unknown name gives an UnknownSolver whose methods raise
            return False
        finally:
            log.setLevel(level)

    def version(self) -> str | None:
        try:
            v = self._factory().version()
        except Exception:
            return None
        if v is None:
            return None
        return ".".join(map(str, v)) if isinstance(v, tuple) else str(v)

    def solve(self, lp: LinearProgram, method: str, time_limit: float | None, tolerance: float | None,
              options: dict[str, Any]) -> Result:
        import pyomo.environ as pyo
        from pyomo.common.errors import ApplicationError

        from ..pyomo_io import to_pyomo

        if tolerance is not None:
            raise SolverOptionError(
                f"backend {self.name!r} has no generic tolerance: pass {self.solver}'s own tolerance option"
            )
        opts = {**DEFAULT_OPTIONS.get(self.solver, {}), **options}
        if time_limit is not None:
            if self.solver not in TIME_LIMIT_OPTION:
                raise SolverOptionError(
                    f"relulp does not know {self.solver}'s time-limit option: pass it by its native name"
                )
            key, conv = TIME_LIMIT_OPTION[self.solver]
            if key in opts:
                raise SolverOptionError(f"give the time limit once: time_limit= or {key}=, not both")
            opts[key] = conv(time_limit)

        t0 = time.perf_counter()
        model = to_pyomo(lp)
        model.dual = pyo.Suffix(direction=pyo.Suffix.IMPORT)
        opt = self._factory()
        for k, v in opts.items():
            opt.options[k] = v
        t1 = time.perf_counter()
        markers = LOG_MARKERS.get(self.solver)
        logdir = tempfile.TemporaryDirectory(prefix="relulp-pyomo-") if markers else None
        kwargs = {"logfile": os.path.join(logdir.name, "solver.log")} if logdir else {}
        try:
            res = opt.solve(model, load_solutions=False, **kwargs)
            log = _read_log(kwargs.get("logfile"))
        except ApplicationError as e:
            if opts:
                raise SolverOptionError(
                    f"{self.solver} failed with options {opts} (an option it does not accept?): {e}"
                ) from e
            raise BackendFailure(f"{self.solver} failed: {e}") from e
        finally:
            if logdir is not None:
                logdir.cleanup()
        t2 = time.perf_counter()

        tc = res.solver.termination_condition
        word = getattr(tc, "name", None) or str(tc)
        note = ""
        for marker, corrected in (markers or {}).items():
            if marker in log and word != corrected:  # the plugin misread the solver's own report
                note = f" (Pyomo said {word}; the {self.solver} log says {marker!r})"
                word = corrected
        status = self.map_status(word, method)
        status = STATUS_OVERRIDES.get(self.solver, {}).get(status, status)
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
            # a column in no row (free rows are dropped) and with cost 0 is not sent to the solver: any
            # value in its bounds is optimal, take the one nearest 0
            bounded_rows = np.isfinite(lp.row_lower) | np.isfinite(lp.row_upper)
            used = np.diff(lp.A[bounded_rows].tocsc().indptr) > 0
            unused = np.flatnonzero(~used & (lp.c == 0))
            for j in unused:
                if vals[j] is None:
                    vals[j] = float(np.clip(0.0, lp.col_lower[j], lp.col_upper[j]))
            if all(v is not None for v in vals):
                x = np.asarray(vals, dtype=np.float64)
            if len(model.dual):
                rows = model.rows
                y = np.zeros(lp.num_rows)
                for i, con in rows.items():
                    d = model.dual.get(con)
                    if d is not None:
                        y[i] = d
        msg = f"Pyomo {self.solver}: {word}{note}"
        text = str(res.solver.message or "")
        if text and text != "<undefined>":
            msg += f" ({text})"
        result = Result(
            status=status,
            message=msg,
            x=x,
            row_duals=y,
            backend=self.name,
            method=method,
            solver_version=self.version() or "",
            native_status=word,
            tolerance=None,
            time_limit=time_limit,
            options=dict(options),
            setup_seconds=(t1 - t0) + (time.perf_counter() - t2),
            solve_seconds=t2 - t1,
            iterations=None,
        )
        if result.status is Status.INFEASIBLE:  # no Pyomo plugin hands over a Farkas ray: check the claim
            certify_infeasible(lp, result, f"Pyomo {self.solver}")
        return result


def _read_log(path: str | None) -> str:
    if not path:
        return ""
    try:
        with open(path, errors="replace") as f:
            return f.read()
    except OSError:
        return ""


@lru_cache(maxsize=None)
def pyomo_backend(solver: str) -> PyomoBackend:
    """The (cached) backend instance for ``pyomo:<solver>``."""
    return PyomoBackend(solver.strip())
