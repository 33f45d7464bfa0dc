"""Thin helpers around highspy (HiGHS) for the few LPs this package solves.

Rows are passed row-wise (CSR) straight from numpy/scipy arrays; the model is kept so that callers
can change the objective, add rows and re-solve warm (Clarkson's algorithm).

Outcomes are reported in the solver layer's one vocabulary, :class:`relulp.solvers.Status`: HiGHS's
model-status word is mapped by the HiGHS backend's own table (:data:`relulp.solvers.backends.highs.STATUS_MAP`,
through :meth:`~relulp.solvers.backends.base.Backend.map_status`), and the word itself is kept in
``LPSolution.native_status``.
"""

from __future__ import annotations

from dataclasses import dataclass

import highspy
import numpy as np
import scipy.sparse as sp

from relulp import solvers
from relulp.solvers import backends as _backends
from relulp.solvers.highs_adapter import new_highs, run, set_option

from .exceptions import LPSolverError

INF = highspy.kHighsInf


def as_csr(A) -> sp.csr_array:
    """A (dense or sparse) as a canonical float64 CSR array with explicit zeros removed."""
    C = sp.csr_array(A, dtype=np.float64) if sp.issparse(A) else sp.csr_array(np.asarray(A, dtype=np.float64))
    C.eliminate_zeros()
    C.sort_indices()
    return C


@dataclass
class LPSolution:
    """What one :meth:`HighsLP.solve` returned.

    ``status`` is a :class:`relulp.solvers.Status` (HiGHS's word mapped by the HiGHS backend's table):
    ``OPTIMAL``, ``INFEASIBLE``, ``UNBOUNDED``, ``INFEASIBLE_OR_UNBOUNDED`` (HiGHS could not tell which),
    ``TIME_LIMIT``, ``ITERATION_LIMIT``, ``NUMERICAL_ERROR`` or ``OTHER``; ``native_status`` is HiGHS's own
    word (``"Optimal"``, ``"Infeasible"``, ...). Unlike :func:`relulp.solvers.solve`, no residuals are
    checked here: ``OPTIMAL`` is HiGHS's claim, and the callers check what they use (the pruning
    certificates are re-verified from the data). ``x``, ``row_dual`` and ``col_dual`` are given only for
    ``OPTIMAL`` (None otherwise), ``value`` is NaN otherwise.
    """

    status: solvers.Status
    x: np.ndarray | None
    value: float
    row_dual: np.ndarray | None
    col_dual: np.ndarray | None
    iterations: int
    native_status: str = ""


class HighsLP:
    """A HiGHS LP  max/min c^T x  s.t.  row_lower <= A x <= row_upper,  col_lower <= x <= col_upper."""

    def __init__(self, c, A, row_lower, row_upper, col_lower, col_upper, *, maximize: bool = False,
                 solver: str = "simplex", time_limit: float | None = None):
        A = as_csr(A)
        m, n = A.shape
        h = new_highs()
        set_option(h, "solver", solver)
        if time_limit is not None:
            set_option(h, "time_limit", float(time_limit))
        lp = highspy.HighsLp()
        lp.num_col_, lp.num_row_ = n, m
        lp.col_cost_ = np.asarray(c, dtype=np.float64)
        lp.col_lower_ = _clip_inf(col_lower, n)
        lp.col_upper_ = _clip_inf(col_upper, n)
        lp.row_lower_ = _clip_inf(row_lower, m)
        lp.row_upper_ = _clip_inf(row_upper, m)
        lp.a_matrix_.format_ = highspy.MatrixFormat.kRowwise
        lp.a_matrix_.num_col_, lp.a_matrix_.num_row_ = n, m
        lp.a_matrix_.start_ = A.indptr.astype(np.int32)
        lp.a_matrix_.index_ = A.indices.astype(np.int32)
        lp.a_matrix_.value_ = A.data
        lp.sense_ = highspy.ObjSense.kMaximize if maximize else highspy.ObjSense.kMinimize
        st = h.passModel(lp)
        if st == highspy.HighsStatus.kError:
            raise LPSolverError("HiGHS rejected the LP (passModel returned an error)")
        self.h = h
        self.n = n
        self.m = m
        self._all_cols = np.arange(n, dtype=np.int32)

    def set_objective(self, c) -> None:
        self.h.changeColsCost(self.n, self._all_cols, np.asarray(c, dtype=np.float64))

    def add_rows(self, A_rows, lower, upper) -> None:
        R = as_csr(A_rows)
        k = R.shape[0]
        st = self.h.addRows(k, _clip_inf(lower, k), _clip_inf(upper, k), int(R.nnz),
                            R.indptr[:-1].astype(np.int32), R.indices.astype(np.int32), R.data)
        if st == highspy.HighsStatus.kError:
            raise LPSolverError("HiGHS refused addRows")
        self.m += k

    def solve(self) -> LPSolution:
        h = self.h
        run(h)
        ms = h.getModelStatus()
        info = h.getInfo()
        it = int(max(info.simplex_iteration_count, 0) + max(info.ipm_iteration_count, 0))
        word = h.modelStatusToString(ms)
        status = map_status(word)
        if status is solvers.Status.OPTIMAL:
            sol = h.getSolution()
            return LPSolution(status, np.array(sol.col_value), float(info.objective_function_value),
                              np.array(sol.row_dual), np.array(sol.col_dual), it, word)
        return LPSolution(status, None, float("nan"), None, None, it, word)

    def primal_ray(self) -> np.ndarray | None:
        st, has, ray = self.h.getPrimalRay()
        return np.array(ray) if has else None


def map_status(word: str) -> solvers.Status:
    """The :class:`relulp.solvers.Status` of HiGHS's model-status ``word`` (``Highs.modelStatusToString``),
    by the HiGHS backend's table (the one map of HiGHS words in relulp; unknown words are ``OTHER``)."""
    return _backends.get("highs").map_status(word)


def _clip_inf(v, size: int) -> np.ndarray:
    arr = np.broadcast_to(np.asarray(v, dtype=np.float64), (size,)).copy()
    arr[arr >= 1e30] = INF
    arr[arr <= -1e30] = -INF
    return arr
