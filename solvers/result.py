"""The outcome of one solve: :class:`Status` and the scipy-style :class:`Result` dataclass.

Sign conventions (minimisation form ``min c@x + const, row_lower <= A x <= row_upper,
col_lower <= x <= col_upper``): ``row_duals`` y (length m) and ``reduced_costs`` z (length N) satisfy
``c = A.T @ y + z`` at an optimum, with y_i >= 0 only where row_lower_i is finite (and y_i <= 0 only where
row_upper_i is finite), likewise z_j for the column bounds. So y_i = d objective / d (active bound of row i).
"""

from __future__ import annotations

import enum
from dataclasses import dataclass, field
from typing import Any

import numpy as np


class Status(enum.Enum):
    """Solver-independent termination status."""

    OPTIMAL = "optimal"
    #: The solver said optimal, but relulp's own residuals at its point exceed the tolerance
    #: (see :func:`solvers.api.verify`); ``success`` is False and the message gives the residuals.
    OPTIMAL_INACCURATE = "optimal_inaccurate"
    INFEASIBLE = "infeasible"
    UNBOUNDED = "unbounded"
    INFEASIBLE_OR_UNBOUNDED = "infeasible_or_unbounded"
    TIME_LIMIT = "time_limit"
    ITERATION_LIMIT = "iteration_limit"
    NUMERICAL_ERROR = "numerical_error"
    OTHER = "other"

    def __str__(self) -> str:  # 'optimal', not 'Status.OPTIMAL', in tables and JSON
        return self.value


@dataclass
class Result:
    """What one :func:`solvers.solve` call did.

    Residuals are computed by relulp from A, the bounds, ``x`` and the duals (never copied from the
    solver), in the infinity norm (see :mod:`solvers.residuals`):

    * ``primal_residual`` = max violation of any row or column bound at x (absolute);
    * ``dual_residual`` = max violation of dual feasibility: the part of ``c - A.T @ y`` and of ``y``
      whose sign no finite bound allows (absolute);
    * ``rel_primal_residual`` = primal_residual / (1 + max |finite bound|),
      ``rel_dual_residual`` = dual_residual / (1 + max |c_j|),
      ``rel_gap`` = |objective - dual_objective| / (sigma + |objective| + |dual_objective|) with sigma =
      ``lp.objective_scale`` (one unit of the objective as the LP's maker reads it; 1 unless scaled);
    * ``rel_dual_error_at_x``: the dual residual weighted by |x| (and |A x|), relative like ``rel_gap``:
      a bound on how far ``dual_objective`` can be off as a lower bound at this point;
    * ``rel_repair_cost``: how much the objective at x understates that of the point where the LP's slack
      columns (t >= |u|, hinge and residual slacks) are raised until their rows hold, relative like
      ``rel_gap`` (:func:`solvers.residuals.repair_cost`): the primal counterpart of the dual error at x.

    ``objective`` is ``c @ x + const`` computed by relulp from ``x`` (for a Pyomo model: in the model's
    own sense, so a maximisation reports its maximum), given only for ``OPTIMAL`` and
    ``OPTIMAL_INACCURATE`` (None otherwise: an infeasible, unbounded or stopped solve has no optimum;
    ``point_objective`` is then the value at the point the solver returned, if any); ``solver_objective``
    is the solver's own number, likewise only for those two statuses. ``verify_tolerance`` is the bound the
    relative residuals were checked against.
    ``tolerance`` is the tolerance the solver was actually run at (absolute for simplex/IPM, relative for
    the PDLP family); ``native_status`` is the solver's own status word.
    """

    status: Status
    message: str = ""
    objective: float | None = None
    point_objective: float | None = None
    x: np.ndarray | None = None
    row_duals: np.ndarray | None = None
    reduced_costs: np.ndarray | None = None
    solver_objective: float | None = None
    dual_objective: float | None = None
    primal_residual: float | None = None
    dual_residual: float | None = None
    rel_primal_residual: float | None = None
    rel_dual_residual: float | None = None
    rel_gap: float | None = None
    rel_dual_error_at_x: float | None = None
    rel_repair_cost: float | None = None
    #: seconds :func:`solvers.polish` added (None: not polished); included in ``solve_seconds``
    polish_seconds: float | None = None
    iterations: int | None = None
    setup_seconds: float = 0.0
    solve_seconds: float = 0.0
    backend: str = ""
    method: str = ""
    solver_version: str = ""
    native_status: str = ""
    tolerance: float | None = None
    verify_tolerance: float | None = None
    time_limit: float | None = None
    options: dict[str, Any] = field(default_factory=dict)
    #: conic programs (solvers.conic.ConicProgram) only: the solver's slack s (m,) with A x + s = b, s in K
    #: (relulp's residuals use b - A x, not this)
    slack: np.ndarray | None = None
    #: conic programs only: the solver's infeasibility certificate, z (m,) for INFEASIBLE, a direction x (n,)
    #: for INFEASIBLE_OR_UNBOUNDED / UNBOUNDED; ``certificate_residual`` is relulp's check of it
    #: (solvers.conic_residuals.primal_infeasibility / dual_infeasibility; <= verify_tolerance: proved)
    certificate: np.ndarray | None = None
    certificate_residual: float | None = None

    @property
    def success(self) -> bool:
        """True iff the solver proved optimality and relulp's residuals confirm it (status OPTIMAL)."""
        return self.status is Status.OPTIMAL

    @property
    def total_seconds(self) -> float:
        return self.setup_seconds + self.solve_seconds

    def summary(self) -> str:
        """One line: backend/method, status, objective, residuals, seconds."""
        def f(v: float | None) -> str:
            return "-" if v is None else f"{v:.3g}"

        obj = "-" if self.objective is None else f"{self.objective:.10g}"
        return (
            f"{self.backend}/{self.method}: {self.status} obj={obj} "
            f"pres={f(self.primal_residual)} dres={f(self.dual_residual)} gap={f(self.rel_gap)} "
            f"it={self.iterations} setup={self.setup_seconds:.3f}s solve={self.solve_seconds:.3f}s"
        )

    def to_record(self) -> dict[str, Any]:
        """The scalar fields as a JSON-friendly dict (no vectors)."""
        out: dict[str, Any] = {}
        for k, v in self.__dict__.items():
            if isinstance(v, np.ndarray):
                continue
            if isinstance(v, Status):
                v = v.value
            elif isinstance(v, (np.floating, np.integer)):
                v = v.item()
            out[k] = v
        out["success"] = self.success
        return out

    def __repr__(self) -> str:
        return f"Result({self.summary()}, message={self.message!r})"
