"""Helpers shared by the core tests: random problems with known-feasible labels, an independent LP solve
(scipy.optimize.linprog, not relulp's own backends) and the Pyomo standard form keyed by names."""

from __future__ import annotations

import numpy as np
import scipy.sparse as sp
from scipy.optimize import linprog

from relulp import PatternTree


def distinct_columns(D: np.ndarray) -> np.ndarray:
    _, idx = np.unique(D, axis=1, return_index=True)
    return D[:, np.sort(idx)]


def make_problem(seed: int, n: int = 10, d0: int = 2, sizes=(4,), teacher_width: int = 2):
    """(X, y, tree) with labels from a random two-layer teacher whose patterns are in layer 1, and an
    all-ones pattern in every deeper layer, so the margin LP is feasible at every depth."""
    rng = np.random.default_rng(seed)
    X = rng.normal(size=(n, d0))
    Xa = np.c_[X, np.ones(n)]
    for _ in range(1000):  # a teacher that is nonzero on every point (else y f >= 1 fails there)
        Wt = rng.normal(size=(d0 + 1, teacher_width))
        vt = rng.choice([-1.0, 1.0], size=teacher_width) * rng.uniform(0.5, 1.5, size=teacher_width)
        f = np.maximum(Xa @ Wt, 0) @ vt
        if np.abs(f).min() > 1e-6:
            break
    y = np.where(f >= 0, 1.0, -1.0)
    layers = []
    H = Xa
    width = d0 + 1
    for k, P in enumerate(sizes):
        W = rng.normal(size=(width, P))
        pre = H @ W
        D = pre >= 0
        if k == 0:
            D = np.c_[Xa @ Wt >= 0, D]
        else:
            D = np.c_[D, np.ones(n, dtype=bool)]
        layers.append(distinct_columns(D))
        H, width = np.maximum(pre, 0), P
    return X, y, PatternTree(layers)


def solve_scipy(lp):
    """Solve a SparseLP with scipy's HiGHS (independent of relulp's solvers package)."""
    lo, hi = lp.row_lower, lp.row_upper
    eq = lo == hi
    up = ~eq & np.isfinite(hi)
    dn = ~eq & np.isfinite(lo)
    A_ub = sp.vstack([lp.A[up], -lp.A[dn]]).tocsr()
    b_ub = np.r_[hi[up], -lo[dn]]
    kw = dict(A_eq=lp.A[eq], b_eq=lo[eq]) if eq.any() else {}
    bounds = np.c_[lp.col_lower, lp.col_upper]
    bounds = [(None if np.isinf(a) else a, None if np.isinf(b) else b) for a, b in bounds]
    res = linprog(lp.c, A_ub=A_ub, b_ub=b_ub, bounds=bounds, method="highs", **kw)
    return res


def lp_entries(lp):
    """SparseLP in Pyomo's mixed standard form, keyed by names: ({(row, type, col): a}, {(row, type): rhs},
    {col: (lb, ub, c)}); empty rows are skipped (Pyomo drops trivially satisfied constraints)."""
    rn, cn = lp.row_names(), lp.col_names()
    types = []
    for lo, hi in zip(lp.row_lower, lp.row_upper):
        types.append([0] if lo == hi else [t for t, b in ((1, hi), (-1, lo)) if np.isfinite(b)])
    A = lp.A.tocoo()
    ent = {}
    for r, c, v in zip(A.row, A.col, A.data):
        for t in types[r]:
            ent[(rn[r], t, cn[c])] = float(v)
    nonempty = np.diff(lp.A.indptr) > 0
    rhs = {}
    for r in np.flatnonzero(nonempty):
        for t in types[r]:
            rhs[(rn[r], t)] = float(lp.row_upper[r] if t >= 0 else lp.row_lower[r])
    cols = {cn[j]: (float(lp.col_lower[j]), float(lp.col_upper[j]), float(lp.c[j])) for j in range(lp.num_cols)}
    return ent, rhs, cols


def pyomo_entries(model):
    """The same triple from Pyomo's LinearStandardFormCompiler applied to a model."""
    from pyomo.repn.plugins.standard_form import LinearStandardFormCompiler

    info = LinearStandardFormCompiler().write(model, mixed_form=True)
    A = info.A.tocoo()
    rn = [r.constraint.name for r in info.rows]
    bt = [r.bound_type for r in info.rows]
    cn = [v.name for v in info.columns]
    ent = {}
    for r, c, v in zip(A.row, A.col, A.data):
        key = (rn[r], bt[r], cn[c])
        assert key not in ent, f"duplicate entry {key}"
        ent[key] = float(v)
    rhs = {(rn[k], bt[k]): float(info.rhs[k]) for k in range(len(info.rows))}
    c = np.asarray(info.c.todense()).ravel()
    cols = {
        v.name: (-np.inf if v.lb is None else float(v.lb), np.inf if v.ub is None else float(v.ub), float(c[j]))
        for j, v in enumerate(info.columns)
    }
    return ent, rhs, cols, float(info.c_offset[0])
