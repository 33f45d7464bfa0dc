r"""Clarabel (interior point for conic programs; a core dependency), for :class:`solvers.conic.ConicProgram`
and, converted to conic form exactly (:func:`solvers.conic.from_linear_program`), for LinearPrograms.

Clarabel's form is the ConicProgram's: ``min 1/2 x'Px + q'x  s.t.  A x + s = b, s in K`` with the upper
triangle of P, dual ``P x + q + A'z = 0, z in K*``; relulp's cones map one to one onto ``ZeroConeT``,
``NonnegativeConeT``, ``SecondOrderConeT``, ``PSDTriangleConeT`` (same svec: upper triangle, column-major,
sqrt(2) off the diagonal) and ``ExponentialConeT`` (same (x, y, z) order). A rotated second-order cone,
which Clarabel lacks, is passed as a second-order cone through the orthogonal involution
``(s_0, s_1, w) -> ((s_0+s_1)/sqrt2, (s_0-s_1)/sqrt2, w)`` applied to its rows of A and b; its s and z are
mapped back with the same involution.

One method, ``ipm``. ``time_limit`` sets Clarabel's ``time_limit`` (seconds); ``tolerance`` sets
``tol_feas``, ``tol_gap_abs`` and ``tol_gap_rel`` (default 1e-8; the feasibility tolerance is relative to
the data and the iterate, so the kind is "relative"). Any other field of ``clarabel.DefaultSettings`` is
accepted as a keyword option (``max_iter=50``, ``verbose=True``, ``equilibrate_enable=False``, ...); an
unknown name or a value of the wrong type raises :class:`SolverOptionError`.

Statuses are Clarabel's own ``SolverStatus`` names (:data:`STATUS_MAP`). ``AlmostSolved`` (met only the
reduced tolerances) is ``OPTIMAL_INACCURATE``; ``PrimalInfeasible`` / ``AlmostPrimalInfeasible`` are
``INFEASIBLE`` and ``DualInfeasible`` / ``AlmostDualInfeasible`` ``INFEASIBLE_OR_UNBOUNDED`` (a dual
infeasibility certificate proves unboundedness only when a feasible point exists, which the
homogeneous embedding does not establish), each kept only if relulp's own check of the certificate passes
(:mod:`solvers.conic_residuals`), else ``NUMERICAL_ERROR``.
"""

from __future__ import annotations

import time
from typing import Any

import numpy as np
import scipy.sparse as sp

from ..conic import (
    ConicProgram,
    ExponentialCone,
    NonnegativeCone,
    PSDTriangleCone,
    RotatedSecondOrderCone,
    SecondOrderCone,
    ZeroCone,
    from_linear_program,
    rotate_rows,
)
from ..errors import BackendFailure, SolverOptionError
from ..lp import LinearProgram
from ..result import Result, Status
from .base import Backend, Capabilities

#: Clarabel's ``SolverStatus`` names (0.9 - 0.11) -> Status. Every member is listed.
STATUS_MAP: dict[str, Status] = {
    "Solved": Status.OPTIMAL,
    "AlmostSolved": Status.OPTIMAL_INACCURATE,
    "PrimalInfeasible": Status.INFEASIBLE,
    "AlmostPrimalInfeasible": Status.INFEASIBLE,
    "DualInfeasible": Status.INFEASIBLE_OR_UNBOUNDED,
    "AlmostDualInfeasible": Status.INFEASIBLE_OR_UNBOUNDED,
    "MaxIterations": Status.ITERATION_LIMIT,
    "MaxTime": Status.TIME_LIMIT,
    "NumericalError": Status.NUMERICAL_ERROR,
    "InsufficientProgress": Status.NUMERICAL_ERROR,
    "CallbackTerminated": Status.OTHER,
    "Unsolved": Status.OTHER,
}

_RESERVED = {"time_limit": "use the time_limit argument"}
_TOLERANCE_FIELDS = ("tol_feas", "tol_gap_abs", "tol_gap_rel")


def _word(status: Any) -> str:
    return str(status).rsplit(".", 1)[-1]


class ClarabelBackend(Backend):
    name = "clarabel"
    install_hint = "pip install clarabel   (a dependency of relulp)"
    capabilities = Capabilities(
        methods=("ipm",),
        default_method="ipm",
        time_limit=frozenset({"ipm"}),
        tolerance={"ipm": "relative"},
        duals=True,
        reduced_costs=frozenset({"ipm"}),
        problem_types=frozenset({"lp", "conic"}),
    )
    package = "clarabel"
    status_map = STATUS_MAP

    # --- conic programs ------------------------------------------------------------------------------
    def _settings(self, time_limit: float | None, tolerance: float | None, options: dict[str, Any]):
        import clarabel

        settings = clarabel.DefaultSettings()
        settings.verbose = False
        if time_limit is not None:
            settings.time_limit = float(time_limit)
        if tolerance is not None:
            for key in _TOLERANCE_FIELDS:
                setattr(settings, key, float(tolerance))
        known = {k for k in dir(settings) if not k.startswith("_") and not callable(getattr(settings, k))}
        for key, value in options.items():
            if key in _RESERVED:
                raise SolverOptionError(f"Clarabel setting {key!r} is set by relulp: {_RESERVED[key]}")
            if key not in known:
                raise SolverOptionError(
                    f"backend 'clarabel' does not accept option {key!r}: not a field of clarabel.DefaultSettings "
                    f"(accepted: {sorted(known - set(_RESERVED))})"
                )
            try:
                setattr(settings, key, value)
            except (TypeError, ValueError, OverflowError) as e:
                raise SolverOptionError(f"Clarabel rejects {key}={value!r}: {e}") from None
        return settings

    def solve_conic(
        self,
        prog: ConicProgram,
        method: str,
        time_limit: float | None,
        tolerance: float | None,
        options: dict[str, Any],
    ) -> Result:
        import clarabel

        t0 = time.perf_counter()
        settings = self._settings(time_limit, tolerance, options)
        cones, rot = [], []
        for cone, sl in prog.cone_slices():
            if isinstance(cone, ZeroCone):
                cones.append(clarabel.ZeroConeT(cone.dim))
            elif isinstance(cone, NonnegativeCone):
                cones.append(clarabel.NonnegativeConeT(cone.dim))
            elif isinstance(cone, SecondOrderCone):
                cones.append(clarabel.SecondOrderConeT(cone.dim))
            elif isinstance(cone, RotatedSecondOrderCone):
                cones.append(clarabel.SecondOrderConeT(cone.dim))
                rot.append(sl.start)
            elif isinstance(cone, PSDTriangleCone):
                cones.append(clarabel.PSDTriangleConeT(cone.k))
            elif isinstance(cone, ExponentialCone):
                cones.append(clarabel.ExponentialConeT())
            else:  # pragma: no cover - ConicProgram admits no other cone
                raise SolverOptionError(f"Clarabel backend cannot pass cone {cone!r}")
        rot = np.asarray(rot, dtype=np.int64)
        A = rotate_rows(prog.A, rot)
        b = rotate_rows(prog.b, rot)
        n = prog.num_cols
        P = sp.csc_matrix(sp.triu(prog.P, format="csc")) if prog.P is not None else sp.csc_matrix((n, n))
        try:
            solver = clarabel.DefaultSolver(P, prog.q, sp.csc_matrix(A), b, cones, settings)
        except Exception as e:  # Clarabel raises plain exceptions on data it cannot load
            raise BackendFailure(f"Clarabel could not load the problem: {e}") from e
        t1 = time.perf_counter()
        sol = solver.solve()
        t2 = time.perf_counter()
        word = _word(sol.status)
        status = self.map_status(word, method)
        x = np.asarray(sol.x, dtype=np.float64)
        z = rotate_rows(np.asarray(sol.z, dtype=np.float64), rot)
        s = rotate_rows(np.asarray(sol.s, dtype=np.float64), rot)
        result = Result(status=status, message=f"Clarabel: {word}", backend=self.name, method=method,
                        solver_version=self.version() or "", native_status=word,
                        iterations=int(sol.iterations))
        if status is Status.INFEASIBLE:
            result.certificate = z
        elif status in (Status.INFEASIBLE_OR_UNBOUNDED, Status.UNBOUNDED):
            result.certificate = x
        else:  # optimal, or stopped: the (last) iterate
            result.x, result.row_duals, result.slack = x, z, s
            if status in (Status.OPTIMAL, Status.OPTIMAL_INACCURATE) and np.isfinite(sol.obj_val):
                result.solver_objective = float(sol.obj_val) + prog.objective_constant
        result.tolerance = float(settings.tol_feas)
        result.time_limit = time_limit
        result.options = dict(options)
        result.solve_seconds = t2 - t1
        result.setup_seconds = (t1 - t0) + (time.perf_counter() - t2)
        return result

    # --- LinearPrograms, in conic form ---------------------------------------------------------------
    def solve(
        self,
        lp: LinearProgram,
        method: str,
        time_limit: float | None,
        tolerance: float | None,
        options: dict[str, Any],
    ) -> Result:
        """The LP in conic form; see :func:`solve_lp_as_conic`."""
        return solve_lp_as_conic(self, lp, method, time_limit, tolerance, options)


def solve_lp_as_conic(backend: Backend, lp: LinearProgram, method: str, time_limit: float | None,
                      tolerance: float | None, options: dict[str, Any]) -> Result:
    """Solve ``lp`` with a conic backend through :func:`solvers.conic.from_linear_program` (exact); the conic
    dual is mapped back to row duals and reduced costs (solvers.result's sign convention). An infeasibility
    claim is kept only when its certificate passes relulp's check at ``max(1e-6, 10 * tolerance)``
    (:func:`solvers.conic_residuals.certify`), else NUMERICAL_ERROR. The front end then verifies an optimum
    with the LP residuals, as for every LP backend."""
    from ..conic_residuals import certify

    t0 = time.perf_counter()
    prog, mapping = from_linear_program(lp)
    t1 = time.perf_counter()
    result = backend.solve_conic(prog, method, time_limit, tolerance, options)
    certify(result, prog, max(1e-6, 10.0 * (result.tolerance or 0.0)))
    if result.row_duals is not None:
        result.row_duals, result.reduced_costs = mapping.duals(result.row_duals)
    result.slack = None  # the conic slack has the conic rows, not the LP's
    result.setup_seconds += t1 - t0
    return result
