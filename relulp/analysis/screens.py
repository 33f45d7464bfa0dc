"""Cheap screens of certified pruning (math.md §7), run before any LP; each drop carries a certificate.

1. zero rows (a_k = 0, b_k >= 0);
2. duplicates: rows equal after scaling to unit norm; the loosest of each group goes, certified by
   the tightest (y = ||a_k|| / ||a_j||);
3. rows implied by the bound set alone: h_T0(a_k) <= b_k (box: R ||a_k||_1, ball: R ||a_k||_2);
4. block cones (``blocks`` given): the homogeneous rows local to one d-block, l_i u <= 0, define a cone
   in R^d; l_k is redundant among them iff it lies in the cone spanned by the others. With an interior
   point z, every l_i has l_i . c > 0 for c = -z_block, so the extreme rays are the vertices of the
   (d-1)-dimensional hull of p_i = l_i / (l_i . c) (qhull); a non-vertex p_k is a convex combination
   of vertices (Delaunay barycentric coordinates), which is its certificate. Redundancy among a subset
   of rows implies redundancy in the whole body, so this is always safe.
"""

from __future__ import annotations

import numpy as np

from .certificates import Pruner, row_scale, support_local
from .results import Bound, DropReason


def zero_rows(pr: Pruner) -> None:
    """Stage 1: rows a_k = 0 with b_k >= 0."""
    P = pr.P
    for k in np.flatnonzero(P.row_norms == 0):
        if P.b[k] >= 0:
            pr.drop(k, DropReason.ZERO_ROW)


def _normalised_keys(P, rows):
    """Hashable keys of the unit-norm rows (entries rounded to 12 decimals)."""
    norms = P.row_norms
    keys = []
    if P.is_sparse:
        A = P.A
        for k in rows:
            lo, hi = A.indptr[k], A.indptr[k + 1]
            idx = A.indices[lo:hi]
            val = np.round(A.data[lo:hi] / norms[k], 12)
            nz = val != 0
            keys.append((idx[nz].tobytes(), val[nz].tobytes()))
    else:
        Z = np.round(P.A[rows] / norms[rows, None], 12) + 0.0
        keys = [r.tobytes() for r in Z]
    return keys


def duplicates(pr: Pruner) -> None:
    """Stage 2: rows equal after scaling to unit norm; the loosest of each group goes, certified by the
    tightest (y = ||a_k|| / ||a_j||)."""
    P = pr.P
    rows = np.flatnonzero(pr.alive & (P.row_norms > 0))
    groups: dict = {}
    for k, key in zip(rows, _normalised_keys(P, rows)):
        groups.setdefault(key, []).append(k)
    norms = P.row_norms
    for members in groups.values():
        if len(members) < 2:
            continue
        m = np.array(members)
        bn = P.b[m] / norms[m]
        keep = m[np.argmin(bn)]
        for k in m:
            if k != keep:
                pr.drop(k, DropReason.DUPLICATE, [keep], [norms[k] / norms[keep]])


def bound_implied(pr: Pruner) -> None:
    """Stage 3: rows implied by the bound set alone, h_T0(a_k) <= b_k (box: R ||a_k||_1, ball: R ||a_k||_2)."""
    P = pr.P
    if P.bound is Bound.BOX:
        h = P.R * (np.asarray(abs(P.A).sum(axis=1)).ravel())
    else:
        h = P.R * P.row_norms
    tolv = pr.tol * np.array([row_scale(P, k) for k in range(P.m)]) if P.m else np.zeros(0)
    for k in np.flatnonzero(pr.alive & (h <= P.b + tolv) & (P.row_norms > 0)):
        pr.drop(k, DropReason.BOUND_IMPLIED)


def block_cones(pr: Pruner, z: np.ndarray) -> None:
    """Stage 4: extreme rays of each block's homogeneous local rows (module docstring)."""
    from scipy.spatial import ConvexHull, Delaunay, QhullError

    P = pr.P
    lay = P.layout
    sel = pr.alive[lay.loc_rows] & (P.b[lay.loc_rows] == 0) & (P.row_norms[lay.loc_rows] > 0)
    rows = lay.loc_rows[sel]
    blk = lay.loc_blk[sel]
    Lc = lay.L[sel]
    order = np.argsort(blk, kind="stable")
    rows, blk, Lc = rows[order], blk[order], Lc[order]
    bounds = np.searchsorted(blk, np.arange(lay.K + 1))
    zpad = lay.to_padded(z)
    for k in range(lay.K):
        lo, hi = bounds[k], bounds[k + 1]
        if hi - lo < 2:
            continue
        Lk = Lc[lo:hi]
        rk = rows[lo:hi]
        width = int(lay.pad_mask[k].sum())
        Lk = Lk[:, :width]
        c = -zpad[k][:width]
        lc = Lk @ c
        if np.any(lc <= 0) or width == 1:
            continue  # no strictly interior direction (cannot happen at an interior z) or 1-D block
        Pk = Lk / lc[:, None]  # on the hyperplane {v . c = 1}
        # coordinates in an orthonormal basis of c-perp
        Q, _ = np.linalg.qr(np.column_stack([c, np.eye(width)[:, : width - 1]]))
        Y = Pk @ Q[:, 1:]
        nonvert, verts, coeffs = _hull_combinations(Y, ConvexHull, Delaunay, QhullError)
        for i, (vi, lam) in zip(nonvert, zip(verts, coeffs)):
            # l_i = (l_i.c) sum_j lam_j p_j = sum_j [lam_j (l_i.c) / (l_j.c)] l_j
            y = lam * lc[i] / lc[vi]
            keepmask = y > 0
            # the certificate bound, evaluated in the block's own coordinates (a_i, a_j vanish
            # outside the block; b = 0): h_T0 of the residual
            w = Lk[i] - y[keepmask] @ Lk[vi][keepmask]
            val = support_local(P, w)
            pr.drop(rk[i], DropReason.BLOCK_CONE, rk[vi][keepmask], y[keepmask], value=val)


def _hull_combinations(Y, ConvexHull, Delaunay, QhullError):
    """Points of Y (n, q) that are not hull vertices, each as a convex combination of vertices.
    Returns (indices, [vertex index arrays], [coefficient arrays])."""
    n, q = Y.shape
    if q == 1:
        y = Y[:, 0]
        a, b = int(np.argmin(y)), int(np.argmax(y))
        if y[b] - y[a] <= 0:
            return [], [], []
        idx, vs, cs = [], [], []
        for i in range(n):
            if i in (a, b):
                continue
            t = (y[i] - y[a]) / (y[b] - y[a])
            idx.append(i)
            vs.append(np.array([a, b]))
            cs.append(np.array([1 - t, t]))
        return idx, vs, cs
    if n <= q + 1:
        return [], [], []
    if q == 2:
        return _polygon_combinations(Y)
    try:
        hull = ConvexHull(Y)
        V = np.sort(hull.vertices)
        tri = Delaunay(Y[V])
    except QhullError:
        return [], [], []  # degenerate (flat) point set: leave it to the LP stage
    others = np.setdiff1d(np.arange(n), V)
    if others.size == 0:
        return [], [], []
    simp = tri.find_simplex(Y[others], tol=1e-12)
    idx, vs, cs = [], [], []
    for i, s in zip(others, simp):
        if s < 0:
            continue
        T = tri.transform[s]
        bary = T[:q] @ (Y[i] - T[q])
        lam = np.append(bary, 1 - bary.sum())
        lam = np.clip(lam, 0.0, None)
        idx.append(i)
        vs.append(V[tri.simplices[s]])
        cs.append(lam / lam.sum())
    return idx, vs, cs


def _polygon_combinations(Y):
    """2-D case without qhull: Andrew's monotone chain for the hull, then each interior point's
    barycentric coordinates in the fan triangle (v_0, v_i, v_i+1) that contains it."""
    n = Y.shape[0]
    order = np.lexsort((Y[:, 1], Y[:, 0]))

    def cross(o, a, b):
        return (Y[a, 0] - Y[o, 0]) * (Y[b, 1] - Y[o, 1]) - (Y[a, 1] - Y[o, 1]) * (Y[b, 0] - Y[o, 0])

    scale = float(np.ptp(Y, axis=0).max()) ** 2 + 1e-300
    lower: list[int] = []
    for p in order:
        while len(lower) >= 2 and cross(lower[-2], lower[-1], p) <= 1e-14 * scale:
            lower.pop()
        lower.append(int(p))
    upper: list[int] = []
    for p in order[::-1]:
        while len(upper) >= 2 and cross(upper[-2], upper[-1], p) <= 1e-14 * scale:
            upper.pop()
        upper.append(int(p))
    V = np.array(lower[:-1] + upper[:-1])
    if V.size < 3:
        return [], [], []
    others = np.setdiff1d(np.arange(n), V)
    if others.size == 0:
        return [], [], []
    v0, vi, vj = V[0], V[1:-1], V[2:]
    a, b, c = Y[v0], Y[vi], Y[vj]  # fan triangles
    e1, e2 = b - a, c - a
    det = e1[:, 0] * e2[:, 1] - e1[:, 1] * e2[:, 0]
    idx, vs, cs = [], [], []
    for i in others:
        d = Y[i] - a
        l1 = (d[0] * e2[:, 1] - d[1] * e2[:, 0]) / det
        l2 = (e1[:, 0] * d[1] - e1[:, 1] * d[0]) / det
        l0 = 1 - l1 - l2
        ok = np.flatnonzero((l0 >= -1e-12) & (l1 >= -1e-12) & (l2 >= -1e-12))
        if ok.size == 0:
            continue
        t = ok[0]
        lam = np.clip(np.array([l0[t], l1[t], l2[t]]), 0.0, None)
        idx.append(i)
        vs.append(np.array([v0, vi[t], vj[t]]))
        cs.append(lam / lam.sum())
    return idx, vs, cs
