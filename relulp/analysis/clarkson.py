"""Clarkson's algorithm, the LP stage of certified pruning (math.md §7).

One persistent HiGHS model holds the rows known to be irredundant (seeded by shooting rays from an
interior point along every candidate's normal: the first row hit is a facet); for each candidate,
max a_k theta over that model: <= b_k drops it (the LP duals are the certificate), otherwise the ray
from the interior point towards the LP optimum finds a new facet, which joins the model.

:func:`clarkson` uses the model in dual form (:class:`DualModel`), candidates in nearest-neighbour
order, warm-started bases and the dense vertex simplex (:mod:`relulp.analysis.vertex_simplex`);
:func:`clarkson_plain` is the textbook variant (primal model, index order), ``prune(algorithm="plain")``,
the benchmarks' baseline. For the ball the LPs use the circumscribed box [-R, R]^N (a relaxation:
conservative, never wrong). HiGHS is reached through :mod:`relulp.solvers.highs_adapter`.
"""

from __future__ import annotations

import time

import numpy as np
import scipy.sparse as sp

from relulp import solvers
from relulp.solvers.highs_adapter import new_highs, run, set_option

from ._lp import HighsLP, map_status
from .certificates import Pruner, dense_row, row_scale
from .results import Bound, DropReason
from .vertex_simplex import VertexSimplex


def first_hits(P, z, s_z, rows, D, chunk: int = 4_000_000):
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


class DualModel:
    """The redundancy LP of Clarkson's algorithm in dual form, kept in one HiGHS model:

        min  b_I^T y + R 1^T (p + q)   s.t.   A_I^T y + p - q = c,   y, p, q >= 0      (N rows)

    whose value is max c theta over {A_I theta <= b_I} ∩ [-R, R]^N (strong duality). Testing a row
    changes only the right-hand side c (dual simplex from the previous basis); a new facet is one new
    column. The optimal y is directly a certificate, and the row duals are the primal maximiser.
    """

    def __init__(self, N: int, R: float):
        import highspy

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
        """(status, value, y over the facets, primal maximiser or recession ray) of max c theta.

        ``status`` is a :class:`relulp.solvers.Status` of the *primal* problem max c theta: OPTIMAL, or
        UNBOUNDED when HiGHS says this dual model is infeasible or infeasible-or-unbounded (the primal is
        feasible, its facets hold the interior point, so the dual cannot be unbounded), with a recession
        ray when HiGHS gives a dual ray; any other HiGHS word is mapped by the HiGHS backend's table
        (:func:`relulp.analysis._lp.map_status`)."""
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
            return solvers.Status.OPTIMAL, v, y, x
        if ms in (highspy.HighsModelStatus.kInfeasible, highspy.HighsModelStatus.kUnboundedOrInfeasible):
            _, has, ray = h.getDualRay()
            if has:
                d = np.array(ray)
                return solvers.Status.UNBOUNDED, np.inf, None, d if c @ d > 0 else -d
            return solvers.Status.UNBOUNDED, np.inf, None, None
        return map_status(h.modelStatusToString(ms)), np.nan, None, None


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


def clarkson(pr: Pruner, z, time_limit, ray_seed: bool, rng):
    """The LP stage (module docstring): certify or keep every remaining row; returns (complete, LP solves)."""
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
        hits = first_hits(P, z, s_z, cand, Dc)
        facets[hits[hits >= 0]] = True
    R = P.R if P.bound is not Bound.NONE else np.inf
    model = DualModel(N, R)
    for j in np.flatnonzero(facets):
        model.add_facet(j, dense_row(P, j), P.b[j])
    solves = 0
    sel = ~facets[cand]
    todo = cand[sel]
    Dn = Dc[sel] / np.linalg.norm(Dc[sel], axis=1, keepdims=True)
    todo = todo[_nn_order(Dn, rng)]
    warm = _WarmStarts(N, todo.size)
    fast = VertexSimplex(P, np.flatnonzero(facets), todo.size) if (
        np.isfinite(R) and not P.is_sparse and N <= 200) else None
    complete = True
    for k in todo:
        if time_limit is not None and time.perf_counter() - t_start > time_limit:
            complete = False
            break
        if not pr.alive[k] or facets[k]:
            continue
        a_k = dense_row(P, k)
        if fast is not None and fast.certify(pr, k, a_k):
            solves += 1
            continue
        for _attempt in range(P.m + 1):
            warm.start(model, a_k)
            status, value, y, x = model.solve(a_k)
            solves += 1
            if status is solvers.Status.OPTIMAL:
                warm.record(model, x)
                if fast is not None:
                    fast.record(x)
                if value <= P.b[k] + pr.tol * row_scale(P, k):
                    rows = model.facet_rows
                    nz = y > 0
                    pr.drop(k, DropReason.LP, rows[nz], y[nz])
                    break  # dropped if the certificate checks out, else kept conservatively
                direction = x - z
            elif status is solvers.Status.UNBOUNDED and x is not None:
                direction = x
            else:
                break  # solver trouble: keep the row
            alive_rows = np.flatnonzero(pr.alive & ~facets & (P.row_norms > 0))
            j = first_hits(P, z, s_z, alive_rows, direction[None, :])[0]
            if j < 0:
                direction = direction + 1e-9 * np.linalg.norm(direction) * rng.standard_normal(N)
                j = first_hits(P, z, s_z, alive_rows, direction[None, :])[0]
                if j < 0:
                    break
            facets[j] = True
            model.add_facet(j, dense_row(P, j), P.b[j])
            warm.clear()  # stored bases lack the new column (and their vertices may violate it)
            if fast is not None:
                fast.add_facet(j)
            if j == k:
                break
    return complete, solves



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


def clarkson_plain(pr: Pruner, z, time_limit, ray_seed: bool, rng):
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
        hits = first_hits(P, z, s_z, cand, P.dense_rows(cand))
        facets[hits[hits >= 0]] = True
    R = P.R if P.bound is not Bound.NONE else 1e9
    A_I = P.A[np.flatnonzero(facets)] if facets.any() else sp.csr_array((0, N))
    lp = HighsLP(np.zeros(N), A_I, np.full(A_I.shape[0], -np.inf), P.b[facets], np.full(N, -R), np.full(N, R),
                 maximize=True, solver="simplex")
    for opt, val in (("primal_feasibility_tolerance", 1e-9), ("dual_feasibility_tolerance", 1e-9)):
        set_option(lp.h, opt, val)
    in_lp = list(np.flatnonzero(facets))
    solves = 0
    complete = True
    for k in cand:
        if time_limit is not None and time.perf_counter() - t_start > time_limit:
            complete = False
            break
        if not pr.alive[k] or facets[k]:
            continue
        a_k = dense_row(P, k)
        for _attempt in range(P.m + 1):
            lp.set_objective(a_k)
            sol = lp.solve()
            solves += 1
            if sol.status is not solvers.Status.OPTIMAL:
                break
            if sol.value <= P.b[k] + pr.tol * row_scale(P, k):
                rows = np.array(in_lp, dtype=np.int64)
                y = np.abs(sol.row_dual)
                nz = y > 0
                pr.drop(k, DropReason.LP, rows[nz], y[nz])
                break
            alive_rows = np.flatnonzero(pr.alive & ~facets & (P.row_norms > 0))
            j = first_hits(P, z, s_z, alive_rows, (sol.x - z)[None, :])[0]
            if j < 0:
                break
            facets[j] = True
            lp.add_rows(P.A[[j]] if P.is_sparse else P.A[j][None, :], [-np.inf], [P.b[j]])
            in_lp.append(j)
            if j == k:
                break
    return complete, solves

