"""Test oracles of relulp.analysis (moved out of the library: only the tests use them)."""

from __future__ import annotations

import numpy as np

from relulp import solvers
from relulp.analysis._lp import HighsLP
from relulp.analysis.certificates import dense_row, row_scale
from relulp.analysis.results import Bound


def redundant_rows_bruteforce(P, tol: float = 1e-8) -> np.ndarray:
    """Reference oracle: one LP per row, max a_k theta over all other rows and the bound set
    (the box relaxation for the ball); returns the boolean mask of redundant rows.

    Note: exact duplicates are all redundant here (each is implied by its twin), whereas
    :meth:`Polytope.prune` keeps one of each group; compare after removing duplicates.
    """
    N = P.N
    R = P.R if P.bound is not Bound.NONE else np.inf
    out = np.zeros(P.m, dtype=bool)
    for k in range(P.m):
        others = np.delete(np.arange(P.m), k)
        A = P.A[others]
        lp = HighsLP(dense_row(P, k), A, np.full(others.size, -np.inf), P.b[others], np.full(N, -R),
                     np.full(N, R), maximize=True)
        sol = lp.solve()
        out[k] = sol.status is solvers.Status.OPTIMAL and sol.value <= P.b[k] + tol * row_scale(P, k)
    return out

