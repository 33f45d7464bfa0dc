"""Checks on a :class:`solvers.lp.LinearProgram` before any backend sees it."""

from __future__ import annotations

import dataclasses

import numpy as np
import scipy.sparse as sp

from .lp import LinearProgram

from .errors import CoefficientRangeError, ProblemDataError

#: Largest |coefficient| of A or c any backend is given. HiGHS refuses |a_ij| >= 1e15 (its
#: ``large_matrix_value``), GLPK's simplex returns "optimal" points that violate rows by 100% from about
#: 1e8 on and aborts the whole process (SIGABRT in ``glp_set_rii``) near 1e154. Rescale the data instead
#: (relulp's builders do; see relulp.assemble).
MAX_COEFFICIENT = 1e15
#: Largest finite |bound|: HiGHS reads any bound at or beyond 1e20 as infinite (its ``infinite_bound``).
MAX_FINITE_BOUND = 1e20


def validate(lp: LinearProgram) -> LinearProgram:
    """Raise :class:`ProblemDataError` on NaN anywhere, inf in c or A, lower > upper, or a non-CSR matrix,
    and :class:`CoefficientRangeError` on coefficients no backend handles (``MAX_COEFFICIENT``,
    ``MAX_FINITE_BOUND``), before any C library sees them.

    Returns the LP, or a shallow copy with ``A`` as CSR float64 if it was another sparse format.
    """
    if not isinstance(lp, LinearProgram):
        raise ProblemDataError(f"expected a solvers.lp.LinearProgram or a Pyomo model, got {type(lp).__name__}")
    if not sp.issparse(lp.A):
        raise ProblemDataError(f"LinearProgram.A must be a scipy sparse array, got {type(lp.A).__name__}")
    if lp.A.format != "csr" or lp.A.dtype != np.float64:
        lp = dataclasses.replace(lp, A=sp.csr_array(lp.A, dtype=np.float64))
    if not np.isfinite(lp.A.data).all():
        raise ProblemDataError("the constraint matrix A contains NaN or inf")
    if not np.isfinite(lp.c).all():
        raise ProblemDataError("the objective c contains NaN or inf")
    if not np.isfinite(lp.objective_constant):
        raise ProblemDataError("the objective constant is NaN or inf")
    for name, lo, up in (
        ("row", lp.row_lower, lp.row_upper),
        ("column", lp.col_lower, lp.col_upper),
    ):
        if np.isnan(lo).any() or np.isnan(up).any():
            raise ProblemDataError(f"the {name} bounds contain NaN")
        bad = np.flatnonzero(lo > up)
        if bad.size:
            i = int(bad[0])
            raise ProblemDataError(
                f"{bad.size} {name} lower bound(s) exceed the upper bound, first {name} {i}: "
                f"{lo[i]} > {up[i]}"
            )
        if np.isposinf(lo).any() or np.isneginf(up).any():
            raise ProblemDataError(f"a {name} lower bound is +inf or an upper bound is -inf")
        for side, b in (("lower", lo), ("upper", up)):
            big = np.isfinite(b) & (np.abs(b) >= MAX_FINITE_BOUND)
            if big.any():
                i = int(np.flatnonzero(big)[0])
                raise CoefficientRangeError(
                    f"{int(big.sum())} finite {name} {side} bound(s) of magnitude >= {MAX_FINITE_BOUND:.0e} "
                    f"(first: {name} {i}, {b[i]:.3g}); solvers read these as infinite: use +-inf or rescale"
                )
    for what, v in (("constraint matrix A", lp.A.data), ("objective c", lp.c)):
        if v.size and np.abs(v).max() >= MAX_COEFFICIENT:
            raise CoefficientRangeError(
                f"the {what} has coefficient(s) of magnitude up to {np.abs(v).max():.3g} >= {MAX_COEFFICIENT:.0e}: "
                "HiGHS refuses them and GLPK gives wrong answers or aborts; rescale the data"
            )
    return lp
