"""A small dense primal simplex that finds pruning certificates faster than a HiGHS call (math.md §7).

Used by :func:`relulp.analysis.clarkson.clarkson` for dense bodies with a finite bound and N <= 200;
only a shortcut: every certificate it finds is checked from the data, and anything unusual falls back
to the HiGHS model.
"""

from __future__ import annotations

import numpy as np

from .certificates import row_scale
from .results import DropReason


class VertexSimplex:
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
        if not value <= self.P.b[k] + pr.tol * row_scale(self.P, k):
            return False  # not certifiable from here (maybe irredundant): the HiGHS path decides
        rows = self.row_arr[act[fac]]
        y = lam[fac]
        nz = y > 0
        if not pr.drop(k, DropReason.LP, rows[nz], y[nz]):
            return False
        self._store(v, act)  # only a starting point for later candidates
        self.hits += 1
        return True

