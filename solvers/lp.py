"""The LP type of the solver layer: a minimisation in two-sided matrix form,

    min  c @ x + objective_constant   s.t.  row_lower <= A x <= row_upper,  col_lower <= x <= col_upper,

with A a scipy sparse array (m x N), c and the column bounds (N,), the row bounds (m,); infinite bounds
are +-inf, an equality row has ``row_lower == row_upper``. Every backend takes this type (or any
subclass: relulp's :class:`solvers.lp.LinearProgram` adds the pattern tree, named blocks and its scaling).
``meta`` holds free-form facts about where the LP came from (``name``, ``source``, ``sense``), and one fact
:func:`relulp.solvers.solve` acts on: ``meta["optimum_exists"] = True`` says the LP's maker guarantees a
finite optimum (e.g. relulp's always-feasible hinge and l1 objectives), so a backend's "infeasible" or
"unbounded" contradicts it and is reported as ``NUMERICAL_ERROR``.

``objective_scale`` gives the units of the objective: ``c @ x + objective_constant`` = objective_scale x
the objective in the units its maker (and user) reads. relulp's builders scale the objective row by a power
of two (relulp.lp, "Scaling"); the relative measures of :mod:`solvers.residuals` that compare objective
values (gap, dual error at x, repair cost) take one *user* unit, not one LP unit, as their floor, so a tiny
or huge objective_scale neither hides nor invents an error.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

import numpy as np
import scipy.sparse as sp

from .errors import ProblemDataError


@dataclass
class LinearProgram:
    c: np.ndarray
    A: sp.csr_array
    row_lower: np.ndarray
    row_upper: np.ndarray
    col_lower: np.ndarray
    col_upper: np.ndarray
    objective_constant: float = 0.0
    meta: dict[str, Any] = field(default_factory=dict)
    objective_scale: float = 1.0

    def __post_init__(self) -> None:
        if not sp.issparse(self.A):
            raise ProblemDataError(f"A must be a scipy sparse array, got {type(self.A).__name__}")
        m, n = self.A.shape
        for name, vec, size in (
            ("c", self.c, n),
            ("col_lower", self.col_lower, n),
            ("col_upper", self.col_upper, n),
            ("row_lower", self.row_lower, m),
            ("row_upper", self.row_upper, m),
        ):
            if np.shape(vec) != (size,):
                raise ProblemDataError(f"{name} has shape {np.shape(vec)}, expected ({size},)")
        if np.isnan(self.A.data).any() or np.isnan(self.c).any():
            raise ProblemDataError("LP data contain NaN")
        if not (np.isfinite(self.objective_scale) and self.objective_scale > 0):
            raise ProblemDataError(f"objective_scale must be finite and positive, got {self.objective_scale}")

    @property
    def num_rows(self) -> int:
        return self.A.shape[0]

    @property
    def num_cols(self) -> int:
        return self.A.shape[1]

    @property
    def nnz(self) -> int:
        return int(self.A.nnz)

    def row_activity(self, x: np.ndarray) -> np.ndarray:
        """A @ x."""
        return self.A @ np.asarray(x, dtype=np.float64)

    def objective(self, x: np.ndarray) -> float:
        """c @ x + objective_constant."""
        return float(self.c @ np.asarray(x, dtype=np.float64) + self.objective_constant)

    def __repr__(self) -> str:
        name = self.meta.get("name", "")
        return (f"{type(self).__name__}({name + ', ' if name else ''}rows={self.num_rows}, cols={self.num_cols}, "
                f"nnz={self.nnz})")
