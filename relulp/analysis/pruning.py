"""Certified removal of redundant rows (math.md §7).

Row k of T = {A theta <= b} ∩ T^0 is redundant iff max a_k theta over the other rows and T^0 is
<= b_k. Every drop carries a :class:`Certificate` (multipliers y >= 0 on rows present when it was
dropped, with sum_j y_j b_j + h_T0(a_k - sum_j y_j a_j) <= b_k), so the result can be re-checked
without trusting any solver (:meth:`PruneResult.verify`). Stages, cheapest first:

1. zero rows (a_k = 0, b_k >= 0);
2. duplicates: rows equal after scaling to unit norm; the loosest of each group goes, certified by
   the tightest (y = ||a_k|| / ||a_j||);
3. rows implied by the bound set alone: h_T0(a_k) <= b_k (box: R ||a_k||_1, ball: R ||a_k||_2);
4. block cones (``blocks`` given): the homogeneous rows local to one d-block, l_i u <= 0, define a cone
   in R^d; l_k is redundant among them iff it lies in the cone spanned by the others. With an interior
   point z, every l_i has l_i . c > 0 for c = -z_block, so the extreme rays are the vertices of the
   (d-1)-dimensional hull of p_i = l_i / (l_i . c) (qhull); a non-vertex p_k is a convex combination
   of vertices (Delaunay barycentric coordinates), which is its certificate. Redundancy among a subset
   of rows implies redundancy in the whole body, so this is always safe;
5. Clarkson's algorithm for the rest: one persistent HiGHS model holding the rows known to be
   irredundant (seeded by shooting rays from an interior point along every candidate's normal: the
   first row hit is a facet); for each candidate, max a_k theta over that model: <= b_k drops it (the
   LP duals are the certificate), otherwise the ray from the interior point towards the LP optimum
   finds a new facet, which joins the model.

For the ball the LPs use the circumscribed box [-R, R]^N (a relaxation: conservative, never wrong).
"""

from __future__ import annotations

import time
from dataclasses import dataclass, field

import numpy as np
import scipy.sparse as sp

from relulp.exceptions import UnknownOptionError

from relulp.solvers.highs_adapter import run, set_option

from ._lp import HighsLP
from .centers import chebyshev_center
from .results import Bound, Certificate, DropReason

_EMPTY_I = np.zeros(0, dtype=np.int64)
_EMPTY_F = np.zeros(0)

STAGES = ("zero", "duplicate", "bound", "block", "lp")


@dataclass
class PruneResult:
    """Rows kept, rows dropped (in drop order) and one certificate per drop.

    ``complete`` is False when the LP stage stopped on its time limit (rows it did not reach are
    kept, uncertified drops never happen). ``counts`` maps each DropReason to its number of drops.
    """

    kept: np.ndarray
    dropped: np.ndarray
    certificates: list[Certificate]
    counts: dict
    lp_solves: int
    seconds: float
    complete: bool
    source: object = field(repr=False, default=None)
    stage_seconds: dict = field(default_factory=dict)

    @property
    def polytope(self):
        """The pruned body (same bound set), keeping block structure and warm starts."""
        return self.source.take_rows(self.kept)

    def verify(self, tol: float = 1e-7) -> list[int]:
        """Re-check every certificate from the data; returns the rows whose certificate fails (empty
        list = all drops proven). Each certificate may only use rows not dropped before it."""
        P = self.source
        gone = np.zeros(P.m, dtype=bool)
        bad = []
        for cert in self.certificates:
            if np.any(gone[cert.rows]) or cert.row in set(cert.rows.tolist()):
                bad.append(cert.row)
            else:
                val = certificate_bound(P, cert.row, cert.rows, cert.multipliers)
                if not (np.all(cert.multipliers >= 0) and val <= P.b[cert.row] + tol * _scale(P, cert.row)):
                    bad.append(cert.row)
            gone[cert.row] = True
        return bad


def _interior(P) -> np.ndarray:
    """A well-centred interior point for ray shooting: the Chebyshev centre for small bodies (its LP
    also certifies the interior), the analytic centre (structured Newton) for large ones."""
    if P.N <= 500 and P.m * P.N <= 2e6:
        return chebyshev_center(P, raise_on_empty=True).x
    return P.analytic_center(tol=1e-8).x


def _scale(P, k: int) -> float:
    """Natural size of row k's right-hand side: |b_k| + ||a_k||_2 times the body's radius."""
    R = P.R if P.bound is not Bound.NONE else 1.0
    return abs(P.b[k]) + P.row_norms[k] * R + 1e-300


def support(P, w: np.ndarray) -> float:
    """h_T0(w) = max over T^0 of w . theta (box R||w||_1, ball R||w||_2, none 0 if w = 0 else inf)."""
    if P.bound is Bound.BOX:
        return P.R * float(np.abs(w).sum())
    if P.bound is Bound.BALL:
        return P.R * float(np.linalg.norm(w))
    nrm = float(np.abs(w).max()) if w.size else 0.0
    return 0.0 if nrm <= 1e-12 * (1.0 + float(P.row_norms.max())) else np.inf


def support_local(P, w: np.ndarray) -> float:
    """h_T0 restricted to a few coordinates (the other entries of the residual are zero)."""
    if P.bound is Bound.BOX:
        return P.R * float(np.abs(w).sum())
    if P.bound is Bound.BALL:
        return P.R * float(np.linalg.norm(w))
    return 0.0 if float(np.abs(w).max()) <= 1e-12 * (1.0 + float(P.row_norms.max())) else np.inf


def _row(P, k: int) -> np.ndarray:
    if P.is_sparse:
        A = P.A
        out = np.zeros(P.N)
        lo, hi = A.indptr[k], A.indptr[k + 1]
        out[A.indices[lo:hi]] = A.data[lo:hi]
        return out
    return P.A[k]


def _residual(P, k: int, rows: np.ndarray, y: np.ndarray) -> np.ndarray:
    """w = a_k - sum_j y_j a_j as a dense (N,) vector (raw CSR slices for sparse A)."""
    if not P.is_sparse:
        w = P.A[k].astype(np.float64).copy()
        if rows.size:
            w -= P.A[rows].T @ y
        return w
    A = P.A
    ptr = A.indptr
    segs = [np.arange(ptr[k], ptr[k + 1])] + [np.arange(ptr[j], ptr[j + 1]) for j in rows]
    coef = np.concatenate([[1.0], -y]) if rows.size else np.ones(1)
    lens = np.array([s.size for s in segs])
    pos = np.concatenate(segs)
    return np.bincount(A.indices[pos], weights=A.data[pos] * np.repeat(coef, lens), minlength=P.N)


def certificate_bound(P, k: int, rows: np.ndarray, y: np.ndarray) -> float:
    """sum_j y_j b_j + h_T0(a_k - sum_j y_j a_j): an upper bound on a_k theta over the body."""
    rows = np.asarray(rows, dtype=np.int64)
    y = np.asarray(y, dtype=np.float64)
    w = _residual(P, k, rows, y)
    return (float(P.b[rows] @ y) if rows.size else 0.0) + support(P, w)


class _Pruner:
    def __init__(self, P, tol: float):
        self.P = P
        self.tol = tol
        self.alive = np.ones(P.m, dtype=bool)
        self.certs: list[Certificate] = []
        self.counts = {r: 0 for r in DropReason}

    def drop(self, k, reason, rows=_EMPTY_I, y=_EMPTY_F, value: float | None = None) -> bool:
        """Drop row k if its certificate holds (evaluated from the data, or ``value`` when the caller
        has evaluated the same bound more cheaply); return whether it was dropped."""
        rows = np.asarray(rows, dtype=np.int64)
        y = np.asarray(y, dtype=np.float64)
        if rows.size and not np.all(self.alive[rows]):
            return False
        val = certificate_bound(self.P, k, rows, y) if value is None else float(value)
        if not (val <= self.P.b[k] + self.tol * _scale(self.P, k)) or np.any(y < 0):
            return False
        self.alive[k] = False
        self.certs.append(Certificate(int(k), reason, rows, y, float(val)))
        self.counts[reason] += 1
        return True


def prune(P, *, stages=STAGES, tol: float = 1e-8, time_limit: float | None = None, ray_seed: bool = True,
          algorithm: str = "dual", seed=0) -> PruneResult:
    """Remove redundant rows of P with a certificate for each (see the module docstring).

    stages : subset of ("zero", "duplicate", "bound", "block", "lp"), run in that order.
    tol : a drop is accepted when its certificate bound is <= b_k + tol * (|b_k| + ||a_k|| R).
    time_limit : seconds for the LP stage; rows it has not classified are kept (``complete=False``).
    ray_seed : seed the LP model with the facets hit by rays along every candidate's normal.
    algorithm : "dual" (the dual-form model, candidates in nearest-neighbour order) or "plain" (the
        textbook Clarkson: primal model max a_k theta, candidates in index order; the benchmarks'
        baseline).
    Raises EmptyInteriorError when the body has no interior (the Chebyshev LP).
    """
    if algorithm not in ("dual", "plain"):
        raise UnknownOptionError(f"algorithm must be 'dual' or 'plain', got {algorithm!r}")
    bad = set(stages) - set(STAGES)
    if bad:
        raise UnknownOptionError(f"unknown pruning stages {sorted(bad)}; choose from {STAGES}")
    t0 = time.perf_counter()
    pr = _Pruner(P, tol)
    times = {}
    z = None
    if "block" in stages or "lp" in stages:
        z = _interior(P)
    if "zero" in stages:
        t = time.perf_counter()
        for k in np.flatnonzero(P.row_norms == 0):
            if P.b[k] >= 0:
                pr.drop(k, DropReason.ZERO_ROW)
        times["zero"] = time.perf_counter() - t
    if "duplicate" in stages:
        t = time.perf_counter()
        _duplicates(pr)
        times["duplicate"] = time.perf_counter() - t
    if "bound" in stages and P.bound is not Bound.NONE:
        t = time.perf_counter()
        _bound_implied(pr)
        times["bound"] = time.perf_counter() - t
    if "block" in stages and P.blocks is not None:
        t = time.perf_counter()
        _block_cones(pr, z)
        times["block"] = time.perf_counter() - t
    complete, solves = True, 0
    if "lp" in stages:
        t = time.perf_counter()
        run = _clarkson if algorithm == "dual" else _clarkson_plain
        complete, solves = run(pr, z, time_limit, ray_seed, np.random.default_rng(seed))
        times["lp"] = time.perf_counter() - t
    kept = np.flatnonzero(pr.alive)
    dropped = np.array([c.row for c in pr.certs], dtype=np.int64)
    counts = {r.value: n for r, n in pr.counts.items()}
    return PruneResult(kept, dropped, pr.certs, counts, solves, time.perf_counter() - t0, complete, P, times)


# ---------------------------------------------------------------------------------------------------
# screens
# ---------------------------------------------------------------------------------------------------
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


def _duplicates(pr: _Pruner) -> None:
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


def _bound_implied(pr: _Pruner) -> None:
    P = pr.P
    if P.bound is Bound.BOX:
        h = P.R * (np.asarray(abs(P.A).sum(axis=1)).ravel())
    else:
        h = P.R * P.row_norms
    tolv = pr.tol * np.array([_scale(P, k) for k in range(P.m)]) if P.m else np.zeros(0)
    for k in np.flatnonzero(pr.alive & (h <= P.b + tolv) & (P.row_norms > 0)):
        pr.drop(k, DropReason.BOUND_IMPLIED)


def _block_cones(pr: _Pruner, z: np.ndarray) -> None:
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


# ---------------------------------------------------------------------------------------------------
# Clarkson
# ---------------------------------------------------------------------------------------------------
def _first_hits(P, z, s_z, rows, D, chunk: int = 4_000_000):
    """For each direction (rows of D (k, N)), the row of ``rows`` the ray z + t d hits first
    (-1 if none, or a tie within 1e-12): the largest q_i = (a_i . d) / s_i > 0, t = 1 / q_i."""
    out = np.full(D.shape[0], -1, dtype=np.int64)
    if rows.size == 0:
        return out
    A = P.A[rows]
    inv_s = 1.0 / s_z[rows]
    step = max(1, chunk // max(rows.size, 1))
    for lo in range(0, D.shape[0], step):
        Q = np.asarray(A @ D[lo:lo + step].T) * inv_s[:, None]  # (rows, k)
        j = np.argmax(Q, axis=0)
        cols = np.arange(Q.shape[1])
        q1 = Q[j, cols]
        if Q.shape[0] > 1:
            Q[j, cols] = -np.inf  # second largest: the maximum of the rest (cheaper than a partition)
            q2 = Q.max(axis=0)
        else:
            q2 = np.full_like(q1, -np.inf)
        ok = (q1 > 0) & (q2 < q1 * (1 - 1e-12))
        out[lo:lo + step] = np.where(ok, rows[j], -1)
    return out


class _DualModel:
    """The redundancy LP of Clarkson's algorithm in dual form, kept in one HiGHS model:

        min  b_I^T y + R 1^T (p + q)   s.t.   A_I^T y + p - q = c,   y, p, q >= 0      (N rows)

    whose value is max c theta over {A_I theta <= b_I} ∩ [-R, R]^N (strong duality). Testing a row
    changes only the right-hand side c (dual simplex from the previous basis); a new facet is one new
    column. The optimal y is directly a certificate, and the row duals are the primal maximiser.
    """

    def __init__(self, N: int, R: float):
        import highspy

        from relulp.solvers.highs_adapter import new_highs

        self.N = N
        self.h = new_highs()
        h = self.h
        # No "threads" option: HiGHS's scheduler is process-wide (see solvers.highs_adapter), and the dual
        # simplex on one small model is serial anyway.
        for opt, val in (("presolve", "off"), ("simplex_strategy", 1), ("simplex_scale_strategy", 0),
                         ("primal_feasibility_tolerance", 1e-9), ("dual_feasibility_tolerance", 1e-9)):
            set_option(h, opt, val)
        self.inf = highspy.kHighsInf
        self.rows = np.arange(N, dtype=np.int32)
        h.addRows(N, np.zeros(N), np.zeros(N), 0, np.zeros(N, dtype=np.int32), np.zeros(0, dtype=np.int32),
                  np.zeros(0))
        self.nbox = 0
        if np.isfinite(R):
            idx = np.concatenate([self.rows, self.rows])
            val = np.concatenate([np.ones(N), -np.ones(N)])
            starts = np.arange(0, 2 * N, dtype=np.int32)
            h.addCols(2 * N, np.full(2 * N, R), np.zeros(2 * N), np.full(2 * N, self.inf), 2 * N, starts,
                      idx.astype(np.int32), val)
            self.nbox = 2 * N
        self.facets: list[int] = []
        self._facet_arr = None

    def add_facet(self, j: int, a_j: np.ndarray, b_j: float) -> None:
        nz = np.flatnonzero(a_j)
        self.h.addCols(1, np.array([b_j]), np.zeros(1), np.array([self.inf]), nz.size, np.zeros(1, dtype=np.int32),
                       nz.astype(np.int32), a_j[nz].astype(np.float64))
        self.facets.append(int(j))
        self._facet_arr = None

    @property
    def facet_rows(self) -> np.ndarray:
        """The rows of the facet columns, in column order (cached)."""
        if self._facet_arr is None:
            self._facet_arr = np.array(self.facets, dtype=np.int64)
        return self._facet_arr

    def solve(self, c: np.ndarray):
        """(status, value, y over the facets, primal maximiser or recession ray)."""
        import highspy

        h = self.h
        h.changeRowsBounds(self.N, self.rows, c, c)
        run(h)
        ms = h.getModelStatus()
        if ms == highspy.HighsModelStatus.kOptimal:
            sol = h.getSolution()
            y = np.asarray(sol.col_value)[self.nbox:]
            pi = np.asarray(sol.row_dual)
            v = h.getObjectiveValue()
            x = pi if abs(c @ pi - v) <= abs(c @ pi + v) else -pi
            return "optimal", v, y, x
        if ms in (highspy.HighsModelStatus.kInfeasible, highspy.HighsModelStatus.kUnboundedOrInfeasible):
            _, has, ray = h.getDualRay()
            if has:
                d = np.array(ray)
                return "unbounded", np.inf, None, d if c @ d > 0 else -d
            return "unbounded", np.inf, None, None
        return h.modelStatusToString(ms), np.nan, None, None


def _nn_order(D: np.ndarray, rng) -> np.ndarray:
    """A greedy nearest-neighbour tour through the unit directions D (k, N): consecutive LPs then
    differ little and the warm-started dual simplex needs fewer pivots (35 -> 24 measured)."""
    k = D.shape[0]
    if k <= 2:
        return np.arange(k)
    if k > 6000:  # the O(k^2) tour would cost more than it saves
        return np.argsort(D @ rng.standard_normal(D.shape[1]))
    G = D @ D.T
    penalty = np.zeros(k)
    order = np.empty(k, dtype=np.int64)
    cur = 0
    for i in range(k):
        order[i] = cur
        penalty[cur] = -np.inf
        if i + 1 < k:
            cur = int(np.argmax(G[cur] + penalty))
    return order


def _clarkson(pr: _Pruner, z, time_limit, ray_seed: bool, rng):
    P = pr.P
    N = P.N
    t_start = time.perf_counter()
    cand = np.flatnonzero(pr.alive & (P.row_norms > 0))
    if cand.size == 0:
        return True, 0
    s_z = P.b - (P.A @ z)
    facets = np.zeros(P.m, dtype=bool)
    Dc = P.dense_rows(cand)
    if ray_seed:
        hits = _first_hits(P, z, s_z, cand, Dc)
        facets[hits[hits >= 0]] = True
    R = P.R if P.bound is not Bound.NONE else np.inf
    model = _DualModel(N, R)
    for j in np.flatnonzero(facets):
        model.add_facet(j, _row(P, j), P.b[j])
    solves = 0
    sel = ~facets[cand]
    todo = cand[sel]
    Dn = Dc[sel] / np.linalg.norm(Dc[sel], axis=1, keepdims=True)
    todo = todo[_nn_order(Dn, rng)]
    warm = _WarmStarts(N, todo.size)
    fast = _VertexSimplex(P, np.flatnonzero(facets), todo.size) if (
        np.isfinite(R) and not P.is_sparse and N <= 200) else None
    complete = True
    for k in todo:
        if time_limit is not None and time.perf_counter() - t_start > time_limit:
            complete = False
            break
        if not pr.alive[k] or facets[k]:
            continue
        a_k = _row(P, k)
        if fast is not None and fast.certify(pr, k, a_k):
            solves += 1
            continue
        for _attempt in range(P.m + 1):
            warm.start(model, a_k)
            status, value, y, x = model.solve(a_k)
            solves += 1
            if status == "optimal":
                warm.record(model, x)
                if fast is not None:
                    fast.record(x)
                if value <= P.b[k] + pr.tol * _scale(P, k):
                    rows = model.facet_rows
                    nz = y > 0
                    pr.drop(k, DropReason.LP, rows[nz], y[nz])
                    break  # dropped if the certificate checks out, else kept conservatively
                direction = x - z
            elif status == "unbounded" and x is not None:
                direction = x
            else:
                break  # solver trouble: keep the row
            alive_rows = np.flatnonzero(pr.alive & ~facets & (P.row_norms > 0))
            j = _first_hits(P, z, s_z, alive_rows, direction[None, :])[0]
            if j < 0:
                direction = direction + 1e-9 * np.linalg.norm(direction) * rng.standard_normal(N)
                j = _first_hits(P, z, s_z, alive_rows, direction[None, :])[0]
                if j < 0:
                    break
            facets[j] = True
            model.add_facet(j, _row(P, j), P.b[j])
            warm.clear()  # stored bases lack the new column (and their vertices may violate it)
            if fast is not None:
                fast.add_facet(j)
            if j == k:
                break
    return complete, solves


class _VertexSimplex:
    """A small dense primal simplex for max c theta over the known facets and the box, started from
    the best known optimal vertex (largest c . v): for N up to a few hundred one HiGHS call costs
    ~0.3 ms of fixed overhead plus ~0.05 ms per pivot over all columns, this ~25 us per pivot.

    Rows G = [A_F; I; -I], h = [b_F; R; R]; a vertex is an active set B (N rows) with G_B
    nonsingular. A pivot leaves the row with the most negative multiplier lambda = G_B^-T c (along
    d = -G_B^-1 e_r, c . d = -lambda_r > 0) and enters the first row hit (ratio test); G_B^-1 gets
    a rank-one update and is refactorised every 16 pivots. Used only to *find* a certificate: at
    lambda >= 0 the multipliers of the facet rows are handed to the pruner, which checks them from
    the data like any other. Anything unusual (degenerate start, pivot cap, an optimum above b_k,
    a failed check) falls back to the HiGHS model, so this never changes which rows are dropped.
    """

    MAX_PIVOTS_PER_N = 4

    def __init__(self, P, facet_rows, cap: int):
        self.P = P
        self.N = N = P.N
        self.R = P.R
        self.rows: list[int] = [int(j) for j in facet_rows]
        self.row_arr = np.array(self.rows, dtype=np.int64)
        self.G = np.vstack([P.A[self.rows].reshape(-1, N), np.eye(N), -np.eye(N)])
        self.h = np.concatenate([P.b[self.rows], np.full(2 * N, P.R)])
        self.V = np.empty((max(int(cap), 1), N))
        self.B: list[np.ndarray] = []
        self.hits = 0

    def add_facet(self, j: int) -> None:
        nf = len(self.rows)
        self.rows.append(int(j))
        self.row_arr = np.array(self.rows, dtype=np.int64)
        self.G = np.vstack([self.G[:nf], self.P.A[j][None, :], self.G[nf:]])
        self.h = np.concatenate([self.h[:nf], [self.P.b[j]], self.h[nf:]])
        self.B.clear()  # stored vertices may violate the new facet; active sets use old indices

    def record(self, x: np.ndarray) -> None:
        """Store a vertex (an LP optimum from HiGHS) if its active set is a nonsingular basis."""
        sl = self.h - self.G @ x
        act = np.flatnonzero(sl <= 1e-9 * (1.0 + np.abs(self.h)))
        if act.size != self.N or np.any(sl < -1e-7 * (1.0 + np.abs(self.h))):
            return
        if np.linalg.cond(self.G[act]) > 1e10:
            return
        self._store(x, act)

    def _store(self, x, act) -> None:
        n = len(self.B)
        if n >= self.V.shape[0]:
            self.V = np.vstack([self.V, np.empty_like(self.V)])
        self.V[n] = x
        self.B.append(act)

    def _vertex(self, act):
        """(G_B^-1, the vertex v, its slacks h - G v floored at 1e-300) of the active set, or None."""
        try:
            Binv = np.linalg.inv(self.G[act])
        except np.linalg.LinAlgError:
            return None
        v = Binv @ self.h[act]
        slack = self.h - self.G @ v
        np.maximum(slack, 1e-300, out=slack)
        return Binv, v, slack

    def certify(self, pr, k: int, c: np.ndarray) -> bool:
        """Try to drop row k with a certificate from the vertex simplex; True if dropped."""
        n = len(self.B)
        if n == 0:
            return False
        i = int(np.argmax(self.V[:n] @ c))
        G, h, N = self.G, self.h, self.N
        act = self.B[i].copy()
        vert = self._vertex(act)
        if vert is None:
            return False
        Binv, v, slack = vert
        ctol = -1e-12 * (1.0 + float(np.abs(c).max()))
        for it in range(self.MAX_PIVOTS_PER_N * N):
            lam = c @ Binv  # multipliers G_B^-T c
            # steepest-edge choice among the negative multipliers: most negative lambda_r / ||d_r||
            score = lam / np.sqrt(np.einsum("ij,ij->j", Binv, Binv))
            r = int(score.argmin())
            if lam[r] >= ctol:
                if lam.min() >= ctol:
                    break
                r = int(lam.argmin())
            d = Binv[:, r] * -1.0
            Gd = G @ d
            q = Gd / slack  # the first row hit has the largest g_j . d / slack_j > 0
            q[act] = -np.inf
            j = int(q.argmax())
            if not q[j] > 0:
                return False  # unbounded direction: cannot happen with the box
            t = slack[j] / Gd[j]
            v += t * d
            slack -= t * Gd
            np.maximum(slack, 1e-300, out=slack)
            # replace row r of G_B by g_j: Sherman-Morrison on the inverse
            w = G[j] @ Binv
            w[r] -= 1.0  # (g_j - g_r)^T G_B^-1, as g_r^T G_B^-1 = e_r^T
            Binv -= (Binv[:, r] / (1.0 + w[r]))[:, None] * w[None, :]  # 1 + w[r] = -g_j . d < 0
            act[r] = j
            if (it + 1) % 16 == 0:
                vert = self._vertex(act)
                if vert is None:
                    return False
                Binv, v, slack = vert
        else:
            return False  # pivot cap (degenerate cycling or a far start): HiGHS decides
        # lam: the multipliers of the last pricing (G_B^-1 is refactorised every 16 pivots). Any basis
        # with lam >= 0 is a dual feasible point, so h_B . lam bounds c theta whatever the drift of v;
        # the pruner re-checks the certificate from the data anyway.
        lam = np.maximum(lam, 0.0)
        nf = len(self.rows)
        fac = act < nf
        value = float(h[act] @ lam)
        if not value <= self.P.b[k] + pr.tol * _scale(self.P, k):
            return False  # not certifiable from here (maybe irredundant): the HiGHS path decides
        rows = self.row_arr[act[fac]]
        y = lam[fac]
        nz = y > 0
        if not pr.drop(k, DropReason.LP, rows[nz], y[nz]):
            return False
        self._store(v, act)  # only a starting point for later candidates
        self.hits += 1
        return True


class _WarmStarts:
    """Optimal vertices (primal maximisers) of the LPs solved so far, with their HiGHS bases. Before
    each solve the basis of the known vertex with the largest objective a_k . v is installed: it is
    dual feasible (a vertex of the current model) and close to the optimum, so the dual simplex needs
    fewer pivots than from the previous candidate's basis (23 -> 13 on 2,000 rows in 20-D). Only a
    starting point: the LP is still solved to optimality and its certificate checked."""

    def __init__(self, N: int, cap: int):
        self.V = np.empty((max(int(cap), 1), N))
        self.bases: list = []
        self.current = -1  # index of the stored basis HiGHS holds now (-1: unknown)

    def clear(self) -> None:
        self.bases.clear()
        self.current = -1

    def start(self, model, a: np.ndarray) -> None:
        n = len(self.bases)
        if n == 0:
            return
        i = int(np.argmax(self.V[:n] @ a))
        if i != self.current:
            model.h.setBasis(self.bases[i])
            self.current = i

    def record(self, model, x: np.ndarray) -> None:
        n = len(self.bases)
        if n >= self.V.shape[0]:
            self.V = np.vstack([self.V, np.empty_like(self.V)])
        self.V[n] = x
        self.bases.append(model.h.getBasis())
        self.current = n


def _clarkson_plain(pr: _Pruner, z, time_limit, ray_seed: bool, rng):
    """Textbook Clarkson: primal persistent model max a_k theta s.t. known facets and the box,
    candidates in index order (the baseline of the benchmarks)."""
    P = pr.P
    N = P.N
    t_start = time.perf_counter()
    cand = np.flatnonzero(pr.alive & (P.row_norms > 0))
    if cand.size == 0:
        return True, 0
    s_z = P.b - (P.A @ z)
    facets = np.zeros(P.m, dtype=bool)
    if ray_seed:
        hits = _first_hits(P, z, s_z, cand, P.dense_rows(cand))
        facets[hits[hits >= 0]] = True
    R = P.R if P.bound is not Bound.NONE else 1e9
    A_I = P.A[np.flatnonzero(facets)] if facets.any() else sp.csr_array((0, N))
    lp = HighsLP(np.zeros(N), A_I, np.full(A_I.shape[0], -np.inf), P.b[facets], np.full(N, -R), np.full(N, R),
                 maximize=True, solver="simplex")
    for opt, val in (("primal_feasibility_tolerance", 1e-9), ("dual_feasibility_tolerance", 1e-9)):
        lp.h.setOptionValue(opt, val)
    in_lp = list(np.flatnonzero(facets))
    solves = 0
    complete = True
    for k in cand:
        if time_limit is not None and time.perf_counter() - t_start > time_limit:
            complete = False
            break
        if not pr.alive[k] or facets[k]:
            continue
        a_k = _row(P, k)
        for _attempt in range(P.m + 1):
            lp.set_objective(a_k)
            sol = lp.solve()
            solves += 1
            if sol.status != "optimal":
                break
            if sol.value <= P.b[k] + pr.tol * _scale(P, k):
                rows = np.array(in_lp, dtype=np.int64)
                y = np.abs(sol.row_dual)
                nz = y > 0
                pr.drop(k, DropReason.LP, rows[nz], y[nz])
                break
            alive_rows = np.flatnonzero(pr.alive & ~facets & (P.row_norms > 0))
            j = _first_hits(P, z, s_z, alive_rows, (sol.x - z)[None, :])[0]
            if j < 0:
                break
            facets[j] = True
            lp.add_rows(P.A[[j]] if P.is_sparse else P.A[j][None, :], [-np.inf], [P.b[j]])
            in_lp.append(j)
            if j == k:
                break
    return complete, solves


def redundant_rows_bruteforce(P, tol: float = 1e-8) -> np.ndarray:
    """Reference oracle: one LP per row, max a_k theta over all other rows and the bound set
    (the box relaxation for the ball); returns the boolean mask of redundant rows.

    Note: exact duplicates are all redundant here (each is implied by its twin), whereas
    :func:`prune` keeps one of each group; compare after removing duplicates.
    """
    N = P.N
    R = P.R if P.bound is not Bound.NONE else np.inf
    out = np.zeros(P.m, dtype=bool)
    for k in range(P.m):
        others = np.delete(np.arange(P.m), k)
        A = P.A[others]
        lp = HighsLP(_row(P, k), A, np.full(others.size, -np.inf), P.b[others], np.full(N, -R),
                     np.full(N, R), maximize=True)
        sol = lp.solve()
        out[k] = sol.status == "optimal" and sol.value <= P.b[k] + tol * _scale(P, k)
    return out
