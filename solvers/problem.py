"""Checks on a :class:`relulp.lp.SparseLP` before any backend sees it."""

from __future__ import annotations

import dataclasses

import numpy as np
import scipy.sparse as sp

from relulp.lp import SparseLP

from .errors import ProblemDataError


def validate(lp: SparseLP) -> SparseLP:
    """Raise :class:`ProblemDataError` on NaN anywhere, inf in c or A, lower > upper, or a non-CSR matrix.

    Returns the LP, or a shallow copy with ``A`` as CSR float64 if it was another sparse format.
    """
    if not isinstance(lp, SparseLP):
        raise ProblemDataError(f"expected a relulp.lp.SparseLP or a Pyomo model, got {type(lp).__name__}")
    if not sp.issparse(lp.A):
        raise ProblemDataError(f"SparseLP.A must be a scipy sparse array, got {type(lp.A).__name__}")
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
    return lp
