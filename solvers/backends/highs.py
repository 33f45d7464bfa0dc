"""HiGHS through highspy, straight from the sparse matrix (array ``passModel``, no modelling layer).

Methods: ``ipm`` (default: IPX interior point, then crossover unless ``run_crossover="off"``),
``simplex`` (dual simplex; ``simplex_strategy="primal"`` or ``4`` for primal), ``pdlp`` (HiGHS's CPU
PDLP). Any HiGHS option name is accepted as a keyword option (``threads=1``, ``presolve="off"``,
``output_flag=True`` for the log); a name HiGHS does not know, or a value it rejects, raises
:class:`SolverOptionError`.

``tolerance`` sets HiGHS's ``kkt_tolerance`` (all absolute primal/dual feasibility and optimality
tolerances) and, for ``ipm``, ``ipm_optimality_tolerance``, for ``pdlp``, ``pdlp_optimality_tolerance``
(PDLP's *relative* stopping tolerance). HiGHS then checks PDLP's answer against the absolute tolerances;
when that check fails it says "Unknown", which is reported as :attr:`Status.OTHER`, never as optimal.
Statuses are read as HiGHS's own words (:data:`STATUS_MAP`).
"""

from __future__ import annotations

import time
from typing import Any

import numpy as np

from ..lp import LinearProgram

from ..errors import SolverOptionError
from ..highs_adapter import new_highs, pass_lp, run, set_option, to_highs_lp  # noqa: F401 (re-exported)
from ..result import Result, Status
from .base import Backend, Capabilities

_SOLVER = {"simplex": "simplex", "ipm": "ipx", "pdlp": "pdlp"}
_SIMPLEX_STRATEGY = {"choose": 0, "dual": 1, "primal": 4}
_RESERVED = {
    "solver": "choose it with method=",
    "time_limit": "use the time_limit argument",
}


#: HiGHS's own words (``Highs.modelStatusToString``; the same in highspy 1.13 and 1.16) -> Status.
#: Every HighsModelStatus word is listed; those mapped to OTHER are deliberate: "Unknown" (e.g. PDLP met
#: its relative tolerance but not HiGHS's absolute check), load/model/presolve errors, an empty model,
#: objective bound/target, interrupts and other limits. Their word stays in the message.
STATUS_MAP: dict[str, Status] = {
    "Optimal": Status.OPTIMAL,
    "Infeasible": Status.INFEASIBLE,
    "Unbounded": Status.UNBOUNDED,
    "Primal infeasible or unbounded": Status.INFEASIBLE_OR_UNBOUNDED,
    "Time limit reached": Status.TIME_LIMIT,
    "Iteration limit reached": Status.ITERATION_LIMIT,
    "Solve error": Status.NUMERICAL_ERROR,
    "Postsolve error": Status.NUMERICAL_ERROR,
    "Unknown": Status.OTHER,
    "Not Set": Status.OTHER,
    "Load error": Status.OTHER,
    "Model error": Status.OTHER,
    "Presolve error": Status.OTHER,
    "Empty": Status.OTHER,
    "Bound on objective reached": Status.OTHER,
    "Target for objective reached": Status.OTHER,
    "Solution limit reached": Status.OTHER,
    "Interrupted by user": Status.OTHER,
    "Interrupted by HiGHS": Status.OTHER,
    "Memory limit reached": Status.OTHER,
}


class HighsBackend(Backend):
    name = "highs"
    install_hint = "pip install highspy"
    capabilities = Capabilities(
        methods=("ipm", "simplex", "pdlp"),
        default_method="ipm",
        time_limit=frozenset({"ipm", "simplex", "pdlp"}),
        tolerance={"ipm": "absolute", "simplex": "absolute", "pdlp": "relative"},
        duals=True,
        reduced_costs=frozenset({"ipm", "simplex", "pdlp"}),
    )
    package = "highspy"
    status_map = STATUS_MAP

    def solve(
        self,
        lp: LinearProgram,
        method: str,
        time_limit: float | None,
        tolerance: float | None,
        options: dict[str, Any],
    ) -> Result:
        t0 = time.perf_counter()
        h = new_highs()
        h.setOptionValue("solver", _SOLVER[method])
        if time_limit is not None:
            h.setOptionValue("time_limit", float(time_limit))
        if tolerance is not None:
            set_option(h, "kkt_tolerance", float(tolerance))
            if method == "ipm":
                set_option(h, "ipm_optimality_tolerance", float(tolerance))
            elif method == "pdlp":
                set_option(h, "pdlp_optimality_tolerance", float(tolerance))
        for key, value in options.items():
            if key in _RESERVED:
                raise SolverOptionError(f"HiGHS option {key!r} is set by relulp: {_RESERVED[key]}")
            if key == "simplex_strategy" and isinstance(value, str):
                if value not in _SIMPLEX_STRATEGY:
                    raise SolverOptionError(
                        f"simplex_strategy={value!r}: use one of {list(_SIMPLEX_STRATEGY)} or a HiGHS integer"
                    )
                value = _SIMPLEX_STRATEGY[value]
            set_option(h, key, value)
        pass_lp(h, lp)
        t1 = time.perf_counter()
        run(h)
        result = read_result(h, lp, method, self)
        if result.status is Status.INFEASIBLE:
            result = self._certify_infeasible(h, lp, method, result)
        t2 = time.perf_counter()
        result.tolerance = float(tolerance) if tolerance is not None else _effective_tol(h, method)
        result.time_limit = time_limit
        result.options = dict(options)
        result.solve_seconds = t2 - t1
        result.setup_seconds = (t1 - t0) + (time.perf_counter() - t2)
        return result

    def _certify_infeasible(self, h, lp: LinearProgram, method: str, result: Result) -> Result:
        """Check an "infeasible" by a Farkas ray (solvers.residuals.farkas_separation > 0).

        IPX and PDLP give no ray: the dual simplex runs on the same model (presolve off) to get one, or to
        find that the LP has an optimum after all (then its verified answer is returned). A claim no ray
        certifies becomes NUMERICAL_ERROR.
        """
        sep = _infeasibility_certificate(h, lp)
        note = ""
        if sep is None:
            h.setOptionValue("solver", "simplex")
            h.setOptionValue("presolve", "off")
            run(h)
            second = read_result(h, lp, method, self)
            if second.status is not Status.INFEASIBLE:
                second.message += f" (HiGHS {method} said infeasible; the dual simplex on the same model: {second.native_status})"
                return second
            sep = _infeasibility_certificate(h, lp)
            note = ", ray from a dual simplex re-run"
        if sep is not None and sep > 0:
            result.message += f" (certified by a Farkas ray{note}: separation {sep:.2g})"
            return result
        result.status = Status.NUMERICAL_ERROR
        result.message += (" [relulp: HiGHS said infeasible, but no Farkas ray certifies it"
                           + ("" if sep is None else f" (separation {sep:.2g})") + "]")
        return result


def _infeasibility_certificate(h, lp: LinearProgram) -> float | None:
    """The Farkas separation (solvers.residuals.farkas_separation) of HiGHS's dual ray, None without a ray."""
    from ..residuals import farkas_separation

    _, has_ray, ray = h.getDualRay()
    return farkas_separation(lp, np.asarray(ray)) if has_ray else None


def read_result(h, lp: LinearProgram, method: str, backend: "HighsBackend | None" = None) -> Result:
    """Status, point, duals and iteration counts out of a solved ``highspy.Highs``."""
    backend = backend or HighsBackend()
    word = h.modelStatusToString(h.getModelStatus())
    status = backend.map_status(word, method)
    timed_out = False
    if status is Status.NUMERICAL_ERROR:
        # highspy 1.13's IPX reports "Solve error" when it stops at the time limit: go by the clock
        limit = float(h.getOptionValue("time_limit")[1])
        timed_out = limit < float("inf") and h.getRunTime() >= 0.99 * limit
        if timed_out:
            status = Status.TIME_LIMIT
    info = h.getInfo()
    sol = h.getSolution()
    x = y = z = None
    if sol.value_valid and len(sol.col_value) == lp.num_cols:
        x = np.asarray(sol.col_value, dtype=np.float64)
    if sol.dual_valid and len(sol.row_dual) == lp.num_rows:
        y = np.asarray(sol.row_dual, dtype=np.float64)
        z = np.asarray(sol.col_dual, dtype=np.float64)
    counts = [
        info.simplex_iteration_count,
        info.ipm_iteration_count,
        info.crossover_iteration_count,
        info.pdlp_iteration_count,
    ]
    iterations = int(sum(c for c in counts if c > 0))
    message = f"HiGHS: {word}"
    if timed_out:
        message += " (after the whole time limit: reported as time_limit)"
    if status is Status.OTHER and method == "pdlp" and word == "Unknown":
        message += (
            " (PDLP stopped at its relative tolerance but HiGHS's absolute feasibility check failed, "
            "or it stopped for another reason; see the residuals)"
        )
    solver_obj = float(info.objective_function_value) if x is not None else None
    return Result(
        status=status,
        message=message,
        x=x,
        row_duals=y,
        reduced_costs=z,
        solver_objective=solver_obj,
        iterations=iterations,
        backend=backend.name,
        method=method,
        solver_version=backend.version() or "",
        native_status=word,
    )


def _effective_tol(h, method: str) -> float:
    key = {"simplex": "primal_feasibility_tolerance", "ipm": "ipm_optimality_tolerance",
           "pdlp": "pdlp_optimality_tolerance"}[method]
    return float(h.getOptionValue(key)[1])
