"""Analytic centre of T = {theta : A theta <= b} ∩ T^0 (math.md §5).

argmin F(theta) = -sum_i log(b_i - a_i theta) + phi_T0(theta) by damped Newton, with
    box   phi = -sum_j [log(R - theta_j) + log(R + theta_j)]
    ball  phi = -log(R^2 - ||theta||^2)          (smooth barrier of the ball)
    none  phi = 0
and, for a homogeneous body (b = 0) in the ball, the well-conditioned form of math.md §5:
    theta_hat = argmin -sum_i log(-a_i theta) + (M/2) ||theta||^2,   theta* = R M / (M + 1) theta_hat,
which is the maximiser of log(R - ||theta||) + sum_i log(-a_i theta) (the paper's centre; M = rows).
Rows are scaled to unit norm internally (F changes by a constant only, its gradient and minimiser
not at all). Newton systems are solved by :mod:`relulp.analysis.linalg` (Woodbury with blocks).
A start that is not strictly feasible (e.g. the previous centre, which a cut through it leaves on
the boundary) is repaired by infeasible-start primal-dual steps, else a barrier phase I in
(theta, tau) on the shifted rows a_i theta - tau <= b_i; if that fails the Chebyshev LP
(:mod:`relulp.analysis.chebyshev`) decides (and certifies an empty interior).

The result is kept on the body through :meth:`Polytope.store` (its centre also becomes the Newton start
that cut children inherit).
"""

from __future__ import annotations

import warnings

import numpy as np
import scipy.linalg as sla
import scipy.sparse as sp

from relulp.exceptions import DataError, UnknownOptionError

from ._threads import single_blas_thread
from .blocks import BlockLayout
from .chebyshev import chebyshev_center
from .exceptions import AnalysisError, ConvergenceWarning, EmptyInteriorError, UnboundedBodyError
from .linalg import _System, make_system
from .results import AnalyticCenterResult, BodyStatus, Bound, CenterStatus


# ---------------------------------------------------------------------------------------------------
# The barrier
# ---------------------------------------------------------------------------------------------------
class Barrier:
    """F(x) = -sum log(b_i - a_i x) + phi(x) on unit-norm rows, with derivatives and step limits.

    kind: "box", "ball", "none", or "quad" (the homogeneous-ball form: phi = (M/2)||x||^2, b = 0).
    """

    def __init__(self, P, kind: str, linalg: str = "auto"):
        norms = P.row_norms
        nz = norms > 0
        if not nz.all():
            if np.any(P.b[~nz] < 0):
                raise EmptyInteriorError("a zero row has a negative right-hand side: the body is empty",
                                         status=BodyStatus.INFEASIBLE)
        rows = np.flatnonzero(nz)
        self.rows = rows
        scale = 1.0 / norms[rows]
        if P.is_sparse:
            A = sp.csr_array(P.A)
            if rows.size != A.shape[0]:
                A = A[rows]
            # diag(scale) @ A without the sparse product (same values; its copies cost seconds at N ~ 10^5)
            A = sp.csr_array((A.data * np.repeat(scale, np.diff(A.indptr)), A.indices.copy(), A.indptr.copy()),
                             shape=A.shape)
        else:
            A = P.A[rows] * scale[:, None]
        self.A = A
        self.b = P.b[rows] * scale
        self.kind = kind
        self.R = P.R
        self.N = P.N
        self.M = float(rows.size)
        layout = None
        system = None
        if P.blocks is not None:
            bs = P.blocks.take_rows(rows)
            if linalg == "thin" or (linalg == "auto" and kind != "none" and _thin_blocks(bs)):
                system = ThinBlockSystem(A, bs)
                self.A = A = system.op  # products with A through the dense blocks (same values)
            else:
                layout = BlockLayout(A, bs)
        elif linalg == "thin":
            raise UnknownOptionError("linalg='thin' needs a block structure")
        self.system = system if system is not None else make_system(A, layout, linalg)

    # -- pieces of phi ------------------------------------------------------------------------
    def phi(self, x) -> float:
        if self.kind == "box":
            up, lo = self.R - x, self.R + x
            if np.any(up <= 0) or np.any(lo <= 0):
                return np.inf
            return -float(np.sum(np.log(up)) + np.sum(np.log(lo)))
        if self.kind == "ball":
            g = self.R**2 - float(x @ x)
            return np.inf if g <= 0 else -np.log(g)
        if self.kind == "quad":
            return 0.5 * self.M * float(x @ x)
        return 0.0

    def phi_derivs(self, x):
        """(grad (N,), hess diagonal (N,), low-rank U (N, r) or None)."""
        if self.kind == "box":
            up, lo = self.R - x, self.R + x
            return 1.0 / up - 1.0 / lo, 1.0 / up**2 + 1.0 / lo**2, None
        if self.kind == "ball":
            g = self.R**2 - float(x @ x)
            return 2.0 * x / g, np.full(self.N, 2.0 / g), (2.0 / g) * x[:, None]
        if self.kind == "quad":
            return self.M * x, np.full(self.N, self.M), None
        return np.zeros(self.N), np.zeros(self.N), None

    def ball_shrink_step(self, x, dx, keep: float) -> float:
        """Largest a with R^2 - ||x + a dx||^2 >= keep (R^2 - ||x||^2) (ball only, else inf)."""
        if self.kind != "ball":
            return np.inf
        a, bq = float(dx @ dx), float(x @ dx)
        c = (1.0 - keep) * (float(x @ x) - self.R**2)  # <= 0
        if a == 0:
            return np.inf
        return (-bq + np.sqrt(bq * bq - a * c)) / a

    def phi_max_step(self, x, dx) -> float:
        if self.kind == "box":
            with np.errstate(divide="ignore", invalid="ignore"):
                t = np.where(dx > 0, (self.R - x) / dx, np.where(dx < 0, (-self.R - x) / dx, np.inf))
            return float(t.min()) if t.size else np.inf
        if self.kind == "ball":
            a, bq, c = float(dx @ dx), float(x @ dx), float(x @ x) - self.R**2
            if a == 0:
                return np.inf
            return (-bq + np.sqrt(bq * bq - a * c)) / a
        return np.inf

    def phi_line(self, x, dx, a: float) -> tuple[float, float]:
        """First and second derivative of a -> phi(x + a dx)."""
        z = x + a * dx
        if self.kind == "box":
            up, lo = 1.0 / (self.R - z), 1.0 / (self.R + z)
            return float(dx @ (up - lo)), float((dx * dx) @ (up * up + lo * lo))
        if self.kind == "ball":
            g = self.R**2 - float(z @ z)
            zd = float(z @ dx)
            return 2.0 * zd / g, 2.0 * float(dx @ dx) / g + (2.0 * zd / g) ** 2
        if self.kind == "quad":
            return self.M * float(z @ dx), self.M * float(dx @ dx)
        return 0.0, 0.0

    def strictly_inside_bound(self, x) -> bool:
        return np.isfinite(self.phi(x))

    def push_inside_bound(self, x) -> np.ndarray:
        if self.kind == "box":
            return np.clip(x, -0.98 * self.R, 0.98 * self.R)
        if self.kind == "ball":
            n = np.linalg.norm(x)
            return x if n < 0.98 * self.R else x * (0.98 * self.R / n)
        return x

    def slack(self, x) -> np.ndarray:
        return self.b - self.A @ x

    def value(self, x, s) -> float:
        if np.any(s <= 0):
            return np.inf
        return -float(np.sum(np.log(s))) + self.phi(x)

    def grad(self, x, s) -> np.ndarray:
        return np.asarray(self.system._At(1.0 / s)) + self.phi_derivs(x)[0]


# ---------------------------------------------------------------------------------------------------
# Wide blocks with few rows each (e.g. d = 201 embedding dimensions, 50 cuts)
# ---------------------------------------------------------------------------------------------------
#: the thin-block system is used when the blocks are at least this wide and have at most as many local rows
#: as columns, or are wider than the block-Woodbury system accepts (64). Measured (CPAL, 1000 points, 20-25
#: cuts, one shared core): d = 21 and 33 centres 3-6x faster than the block-Woodbury system, d = 9 1.2x slower
THIN_MIN_WIDTH = 16


def _thin_blocks(bs) -> bool:
    """Whether :class:`ThinBlockSystem` suits a block structure: uniform widths d, no rows spanning several
    fine blocks inside one coarse block (deeper LPs keep the two-level system), at most max(64, N/4) coupling
    rows, and either d > 64 (the block-Woodbury system refuses them) or d >= THIN_MIN_WIDTH with at most
    d local rows per block (a block's m x m capacitance is then no larger than its d x d inverse)."""
    widths = bs.widths
    d = int(widths[0])
    if not np.all(widths == d):
        return False
    rb = bs.row_block
    cpl = rb < 0
    if bs.two_level and np.any(bs.row_coarse[cpl] >= 0):
        return False
    if cpl.sum() > max(64, bs.n_cols // 4):
        return False
    loc = rb[~cpl]
    mmax = int(np.bincount(loc, minlength=bs.n_blocks).max()) if loc.size else 0
    return d > 64 or (d >= THIN_MIN_WIDTH and mmax <= d)


class ThinBlockSystem(_System):
    """H = diag(dvec) + sum_k L_k^T W_k L_k + A_c^T W_c A_c + U U^T for K uniform column blocks of width d whose
    local rows L_k (m_k x d) are few (m_k << d), dvec > 0.

    Each block B_k = D_k + L_k^T W_k L_k is inverted by Woodbury through its m x m capacitance
    I + S_k L_k D_k^-1 L_k^T S_k (S = W^1/2; eigenvalues >= 1), never through a d x d matrix: O(K m^2 d)
    per factorisation instead of O(K d^3) (and no K d^2 m-sized Gram operator). The coupling rows and U
    then go through an outer Woodbury, V = [A_c^T W_c^1/2, U]: H^-1 r = B^-1 r - B^-1 V C^-1 V^T B^-1 r,
    C = I + V^T B^-1 V, with B^-1 V applied on the fly (never stored). When dvec is constant (the ball and
    its homogeneous form) L_k L_k^T and L_k A_c,k^T are formed once and only rescaled at each Newton step.
    """

    name = "thin-block-woodbury"

    def __init__(self, A, bs):
        # no transposed copy of A (the base class makes one): A^T v is a CSC product on A's own arrays
        self.A = sp.csr_array(A)
        self.AT = None
        A = self.A
        K, d = bs.n_blocks, int(bs.widths[0])
        self.K, self.d, self.N = K, d, A.shape[1]
        rb = bs.row_block
        self.loc = np.flatnonzero(rb >= 0)
        self.cpl = np.flatnonzero(rb < 0)
        blk = rb[self.loc]
        counts = np.bincount(blk, minlength=K)
        self.mmax = mmax = max(1, int(counts.max()) if blk.size else 1)
        order = np.argsort(blk, kind="stable")
        first = np.concatenate([[0], np.cumsum(counts)[:-1]])
        slot = np.empty(blk.size, dtype=np.int64)
        slot[order] = np.arange(blk.size) - first[blk[order]]
        self.blk, self.slot = blk, slot
        # the local rows' coefficients in the padded (K, m, d) layout: one flat scatter
        Aloc = A[self.loc]
        base = (blk * mmax + slot) * d - bs.starts[blk]
        Lp = np.zeros((K, mmax, d))
        Lp.reshape(-1)[np.repeat(base, np.diff(Aloc.indptr)) + Aloc.indices] = Aloc.data
        self.Lp = Lp
        self.Ac = A[self.cpl].toarray()  # (k, N)
        self.op = _ThinOperator(self)
        self.A = self.op
        self._G0 = None  # L_k L_k^T, (K, m, m)
        self._Z0 = None  # L_k A_c,k^T, (K, m, k)
        self._AcAc = None  # A_c A_c^T, (k, k)

    # -- pieces ---------------------------------------------------------------------------------
    def _blocks(self, V):
        """(N,) or (N, c) -> (K, d) or (K, d, c)."""
        return V.reshape((self.K, self.d) + V.shape[1:])

    def _Lmul(self, Y):
        """L_k Y_k per block: (K, d[, c]) -> (K, m[, c])."""
        if Y.ndim == 2:
            return np.einsum("kmd,kd->km", self.Lp, Y, optimize=True)
        return self.Lp @ Y

    def _LTmul(self, T):
        """L_k^T T_k per block: (K, m[, c]) -> (K, d[, c])."""
        if T.ndim == 2:
            return np.einsum("kmd,km->kd", self.Lp, T, optimize=True)
        return self.Lp.transpose(0, 2, 1) @ T

    def factor(self, w, dvec, U=None) -> None:
        self.w, self.dvec, self.U = w, dvec, U
        if not np.all(dvec > 0):
            raise np.linalg.LinAlgError("the thin-block system needs a positive diagonal")
        K, m = self.K, self.mmax
        S = np.zeros((K, m))
        S[self.blk, self.slot] = np.sqrt(w[self.loc])
        self.S = S
        scalar = bool(dvec.max() == dvec.min())
        self.scalar = scalar
        if scalar:
            delta = float(dvec[0])
            self.delta = delta
            if self._G0 is None:
                self._G0 = self.Lp @ self.Lp.transpose(0, 2, 1)
            G = self._G0 / delta
        else:
            self.dinv = (1.0 / dvec).reshape(K, self.d)
            G = (self.Lp * self.dinv[:, None, :]) @ self.Lp.transpose(0, 2, 1)
        Cap = S[:, :, None] * G * S[:, None, :]
        idx = np.arange(m)
        Cap[:, idx, idx] += 1.0
        self.Cinv = np.linalg.inv(Cap)  # eigenvalues >= 1
        # outer Woodbury: V = [A_c^T W_c^1/2, U]
        cols = []
        if self.cpl.size:
            cols.append(self.Ac.T * np.sqrt(w[self.cpl])[None, :])
        if U is not None:
            cols.append(np.asarray(U))
        if not cols:
            self.V = None
            return
        V = np.concatenate(cols, axis=1) if len(cols) > 1 else cols[0]
        self.V = V
        # Z = L D^-1 V per block, (K, m, c)
        if scalar and self.cpl.size:
            if self._Z0 is None:
                self._Z0 = self.Lp @ self._blocks(self.Ac.T)
            Zc = self._Z0 * (np.sqrt(w[self.cpl]) / self.delta)[None, None, :]
            Z = Zc if U is None else np.concatenate([Zc, self._Lmul(self._blocks(np.asarray(U)) / self.delta)], axis=2)
        else:
            Z = self._Lmul(self._dinv_blocks(self._blocks(V)))
        SZ = S[:, :, None] * Z
        # V^T B^-1 V = V^T D^-1 V - (S Z)^T Cinv (S Z), summed over blocks
        if scalar and self.cpl.size:
            if self._AcAc is None:
                self._AcAc = self.Ac @ self.Ac.T
            sw = np.sqrt(w[self.cpl])
            VDV = np.empty((V.shape[1], V.shape[1]))
            k = self.cpl.size
            VDV[:k, :k] = self._AcAc * np.outer(sw, sw) / self.delta
            if U is not None:
                VU = V.T @ (np.asarray(U) / self.delta)
                VDV[:, k:] = VU
                VDV[k:, :] = VU.T
        else:
            VDV = V.T @ (V / dvec[:, None])
        corr = np.einsum("kmc,kme->ce", SZ, self.Cinv @ SZ, optimize=True)
        Cout = VDV - corr
        Cout[np.diag_indices_from(Cout)] += 1.0
        self.cap = sla.cho_factor(Cout, lower=True, check_finite=False)

    def _dinv_blocks(self, Y):
        if self.scalar:
            return Y / self.delta
        return Y * (self.dinv if Y.ndim == 2 else self.dinv[:, :, None])

    def _binv(self, r):
        """B^-1 r (the block part only)."""
        Y = self._dinv_blocks(self._blocks(r))
        S = self.S if r.ndim == 1 else self.S[:, :, None]
        T = S * self._Lmul(Y)
        T = np.einsum("kab,kb->ka", self.Cinv, T) if r.ndim == 1 else self.Cinv @ T
        Y = Y - self._dinv_blocks(self._LTmul(S * T))
        return Y.reshape(r.shape)

    def _solve(self, r):
        r = np.asarray(r, dtype=np.float64)
        y = self._binv(r)
        if self.V is None:
            return y
        t = sla.cho_solve(self.cap, self.V.T @ y, check_finite=False)
        return y - self._binv(self.V @ t)


class _ThinOperator:
    """A (m, N) of a :class:`ThinBlockSystem` as products through its dense local blocks and coupling rows
    (an O(K m d) einsum and a dense (k, N) product instead of a CSR product over the same nonzeros)."""

    def __init__(self, system: ThinBlockSystem, transpose: bool = False):
        self.sys = system
        self.transpose = transpose
        m = system.loc.size + system.cpl.size
        self.shape = (system.N, m) if transpose else (m, system.N)

    @property
    def T(self) -> "_ThinOperator":
        return _ThinOperator(self.sys, not self.transpose)

    def __matmul__(self, x):
        s = self.sys
        x = np.asarray(x, dtype=np.float64)
        if not self.transpose:
            out = np.empty((self.shape[0],) + x.shape[1:])
            Y = s._Lmul(s._blocks(x))
            out[s.loc] = Y[s.blk, s.slot]
            if s.cpl.size:
                out[s.cpl] = s.Ac @ x
            return out
        T = np.zeros((s.K, s.mmax) + x.shape[1:])
        T[s.blk, s.slot] = x[s.loc]
        out = s._LTmul(T).reshape((s.N,) + x.shape[1:])
        if s.cpl.size:
            out = out + s.Ac.T @ x[s.cpl]
        return out


def _row_max_step(s, Adx) -> float:
    pos = Adx > 0
    if not pos.any():
        return np.inf
    return float(np.min(s[pos] / Adx[pos]))


#: In the damped phase a step may shrink the ball's slack R^2 - ||x||^2 at most to this fraction. A step
#: that lands within ~1e-6 of the sphere traps the iterate: the Dikin ellipsoid is then a thin pancake
#: tangent to the sphere, the steps along it are ~sqrt(1e-6) long, and a regression body measured 270
#: Newton steps instead of 20-40 (tests/test_analysis_centers.py, the thin tube body).
BALL_KEEP = 0.25


def _line_minimum(bar: Barrier, x, dx, s, Adx, amax: float, slope: float) -> float:
    """Approximate minimiser of the convex a -> F(x + a dx) on (0, amax) by bracketed 1-D Newton.

    Each evaluation costs O(m + N) (s and A dx are known), nothing next to a Newton system. Used in the
    damped phase: on thin bodies pressed against the ball (eps tubes of a regression version space)
    the unit Newton step only moves a fraction of the way and the decrement stays near 3 for hundreds
    of steps; minimising along the direction measured 5-20x fewer Newton steps there.
    """
    lo, hi = 0.0, amax
    a = min(1.0, 0.95 * amax)
    for _ in range(40):
        r = Adx / (s - a * Adx)
        p1, p2 = bar.phi_line(x, dx, a)
        d1 = float(r.sum()) + p1
        if abs(d1) <= 1e-6 * abs(slope):
            break
        d2 = float(r @ r) + p2
        if d1 < 0:
            lo = a
        else:
            hi = a
        a_new = a - d1 / d2
        if not lo < a_new < hi:
            a_new = 0.5 * (lo + hi) if np.isfinite(hi) else 2.0 * a
        if abs(a_new - a) <= 1e-9 * a:
            a = a_new
            break
        a = a_new
    return a


def _newton(bar: Barrier, x, tol: float, max_iter: int, trace=None):
    """Damped Newton on F from a strictly feasible x. Returns (x, status, nit, decrement, grad)."""
    s = bar.slack(x)
    f = bar.value(x, s)
    g = bar.grad(x, s)
    dec = np.inf
    for it in range(max_iter + 1):
        gphi, dphi, U = bar.phi_derivs(x)
        bar.system.factor(1.0 / s**2, dphi, U)
        dx = -bar.system.solve(g)
        lam2 = float(-(g @ dx))
        dec = 0.5 * lam2
        if dec < tol:
            # the last Newton step is already solved: take it (no new factorisation). In the quadratic
            # region lambda_new <= (lambda / (1 - lambda))^2, so the reported decrement stays an upper bound
            xn = x + dx
            sn = bar.slack(xn)
            if np.all(sn > 0) and bar.value(xn, sn) <= bar.value(x, s) + 1e-12 * abs(bar.value(x, s)):
                x = xn
                g = bar.grad(x, sn)
            return x, CenterStatus.CONVERGED, it, dec, g
        if it == max_iter:
            break
        Adx = bar.A @ dx
        amax = min(_row_max_step(s, Adx), bar.phi_max_step(x, dx))
        lam = np.sqrt(max(lam2, 0.0))
        slope = float(g @ dx)
        if lam < 0.2 and amax > 1.0:
            alpha = 1.0
        else:
            alpha = _line_minimum(bar, x, dx, s, Adx, amax, slope)
            if not 0.0 < alpha < amax:
                alpha = min(1.0, 0.95 * amax)
            alpha = min(alpha, bar.ball_shrink_step(x, dx, BALL_KEEP))
        while True:
            xn = x + alpha * dx
            sn = s - alpha * Adx
            fn = bar.value(xn, sn)
            if fn <= f + 0.25 * alpha * slope or (lam < 0.2 and alpha == 1.0 and np.isfinite(fn)):
                break
            alpha *= 0.5
            if alpha < 1e-14:
                return x, CenterStatus.NUMERICAL_LIMIT, it, dec, g
        x = xn
        if trace is not None:
            trace.append(("newton", it, lam2, alpha))
        s = bar.slack(x)  # recompute (no drift)
        f = bar.value(x, s)
        if not np.isfinite(f):
            return x - alpha * dx, CenterStatus.NUMERICAL_LIMIT, it, dec, g
        g = bar.grad(x, s)
    return x, CenterStatus.ITERATION_LIMIT, max_iter, dec, g


def _primal_dual(bar: Barrier, x, max_iter: int = 200, tol: float = 1e-9, s0=None):
    """Primal-dual Newton steps towards the analytic centre; returns (x, steps).

    Unknowns x, slacks s > 0, row duals z > 0 (and the bound set's duals), target z_i s_i = 1 (mu = 1):
        A x + s = b,   A^T z + g_T0 = 0,   z_i s_i = 1,
    with g_T0 = zu - zl (box rows R -+ x_j, duals zu, zl), 2 zeta x (ball, sigma = R^2 - ||x||^2,
    sigma zeta = 1) or M x (the homogeneous-ball form). Eliminating ds and the duals leaves the primal
    Hessian's structure with weights z/s:
        [A^T diag(z/s) A + D + U U^T] dx = -r_d - A^T ((r_c + z r_p) / s) - (bound terms),
    r_c = 1 - s z, r_p = A x + s - b, D = zu/su + zl/sl (box) or 2 zeta I (ball), U = sqrt(4 zeta /
    sigma) x (ball). Steps stop at 0.99 of the distance to the boundary of every slack and dual (x stays
    strictly inside T^0; the rows need not hold: with ``s0`` the slacks start there and r_p shrinks by
    (1 - step) each step, an infeasible start).

    Unlike the primal barrier Newton, the duals are not tied to 1/s, so the iterate is not held in the
    thin pancake of the Dikin ellipsoid next to a curved boundary: a regression body hugging the ball's
    sphere took 43 and 59 steps against 186 and 677 primal ones. Only a start for the primal Newton that
    follows (which decides convergence); the caller checks that x is strictly feasible.
    """
    kind, R = bar.kind, bar.R
    s = bar.slack(x) if s0 is None else np.array(s0, dtype=np.float64)
    z = 1.0 / s
    if kind == "box":
        su, sl = R - x, R + x
        zu, zl = 1.0 / su, 1.0 / sl
    elif kind == "ball":
        sig = R * R - float(x @ x)
        zeta = 1.0 / sig

    def max_step(v, dv):
        neg = dv < 0
        return float(np.min(-v[neg] / dv[neg])) if neg.any() else np.inf

    for it in range(max_iter):
        gz = np.asarray(bar.system._At(z))
        rc = 1.0 - s * z
        rp = s - bar.slack(x)
        rhs_b = np.zeros(bar.N)
        U = None
        if kind == "box":
            rd = gz + zu - zl
            rcu, rcl = 1.0 - su * zu, 1.0 - sl * zl
            dvec = zu / su + zl / sl
            rhs_b = -rcu / su + rcl / sl
            viol = max(np.abs(rcu).max(), np.abs(rcl).max())
        elif kind == "ball":
            rd = gz + 2.0 * zeta * x
            rb = 1.0 - sig * zeta
            dvec = np.full(bar.N, 2.0 * zeta)
            U = np.sqrt(4.0 * zeta / sig) * x[:, None]
            rhs_b = -2.0 * x * rb / sig
            viol = abs(rb)
        elif kind == "quad":  # the homogeneous-ball form: phi = (M/2)||x||^2, no dual of its own
            rd = gz + bar.M * x
            dvec = np.full(bar.N, bar.M)
            viol = 0.0
        else:
            rd = gz
            dvec = np.zeros(bar.N)
            viol = 0.0
        res = max(float(np.abs(rc).max()), viol, float(np.linalg.norm(rd)) / (1.0 + float(np.linalg.norm(gz))),
                  float(np.abs(rp).max()) / max(1.0, float(np.abs(bar.b).max()) if bar.b.size else 1.0))
        if res < tol:
            return x, it
        w = z / s
        big = max(float(w.max()), float(dvec.max()) if dvec.size else 0.0)
        if not (np.isfinite(w).all() and np.isfinite(dvec).all()) or big > 1e40:
            return x, it  # an empty or flat body: slacks and duals run off; the caller decides
        bar.system.factor(w, dvec, U)
        dx = bar.system.solve(-rd - np.asarray(bar.system._At((rc + z * rp) / s)) + rhs_b)
        Adx = bar.A @ dx
        ds = -rp - Adx
        dz = (rc - z * ds) / s
        a_p = min(max_step(s, ds), bar.phi_max_step(x, dx))
        a_d = max_step(z, dz)
        if kind == "box":
            dzu, dzl = (rcu + zu * dx) / su, (rcl - zl * dx) / sl
            a_d = min(a_d, max_step(zu, dzu), max_step(zl, dzl))
        elif kind == "ball":
            xdx = float(x @ dx)
            dzeta = (rb + 2.0 * zeta * xdx) / sig
            a_d = min(a_d, -zeta / dzeta if dzeta < 0 else np.inf)
        ap, ad = min(1.0, 0.99 * a_p), min(1.0, 0.99 * a_d)
        if kind == "ball":  # 2 zeta x couples x and the duals: one step length (measured 4x fewer steps)
            ap = ad = min(ap, ad)
        # otherwise separate primal and dual step lengths (as in LP interior-point methods)
        if not min(ap, ad) > 1e-12:
            return x, it + 1
        x_new = x + ap * dx
        if not bar.strictly_inside_bound(x_new):  # rounding at the 0.99 step
            return x, it + 1
        x = x_new
        s = s + ap * ds
        z = z + ad * dz
        if kind == "box":
            zu, zl = zu + ad * dzu, zl + ad * dzl
            su, sl = R - x, R + x
        elif kind == "ball":
            zeta = zeta + ad * dzeta
            sig = R * R - float(x @ x)
    return x, max_iter


def _phase1(bar: Barrier, x0, max_outer: int = 14, max_inner: int = 60, trace=None, mu: float = 30.0,
            centred: float = 0.5, margin: float = 0.1, max_steps: int = 30):
    """Barrier phase I: a strictly feasible point from any x0 inside T^0, or (None, steps) on failure.

    Minimise tau subject to a_i x - tau <= b_i (all rows) and phi, following the central path of
        phi_t(x, tau) = t tau - sum_i log(s_i(x) + tau) + phi(x),     s(x) = b - A x,
    loosely (Newton until lambda^2 < ``centred``, then t *= mu), and stop as soon as tau < 0: then every
    slack s_i = (s_i + tau) - tau is positive. After ``max_steps`` Newton steps in all it gives up: on
    thin curved bodies (eps tubes pressed against the ball's sphere) the path is followed in steps of
    ~1e-7 and hundreds of steps measured slower than the Chebyshev SOCP (0.03-0.35 s) that replaces it. Shifting every row (rather than only the violated ones)
    measured never slower. The bordered Newton system [[H, h], [h^T, eta]] (h = -A^T w, eta = sum w,
    w = 1/(s + tau)^2) is solved with two right-hand sides of the structured H.
    """
    x = bar.push_inside_bound(np.asarray(x0, dtype=np.float64).copy())
    s = bar.slack(x)
    scale = bar.R if bar.kind in ("box", "ball") else max(1.0, float(np.abs(x).max()) if x.size else 1.0)
    bad = s < 1e-3 * scale
    if not bad.any():
        return x, 0
    # the shift starts one typical slack above the worst violation: the median slack of the rows that
    # are fine (warm start after a cut), or margin * scale when (nearly) every row is tight (cold start)
    good = ~bad
    typical = float(np.median(s[good])) if good.sum() >= max(1, bad.sum() // 10) else margin * scale
    tau = max(0.0, -float(s.min())) + typical
    sh = s + tau
    t = sh.size / float(np.mean(sh))
    nu = float(s.size) + (2 * bar.N if bar.kind == "box" else 1.0)
    steps = 0

    def phi1(x, tau, sh):
        if np.any(sh <= 0):
            return np.inf
        return t * tau - float(np.sum(np.log(sh))) + bar.phi(x)

    for outer in range(max_outer):
        f = phi1(x, tau, sh)
        for _inner in range(max_inner):
            if steps >= max_steps:
                return None, steps
            steps += 1
            inv = 1.0 / sh
            gphi, dphi, U = bar.phi_derivs(x)
            gx = np.asarray(bar.system._At(inv)) + gphi
            gt = t - float(inv.sum())
            w = inv**2
            if not np.isfinite(w).all() or w.max() > 1e200 or t * scale > 1e14:
                return None, steps  # flat or empty body: tau* = 0; the Chebyshev LP decides
            h = -np.asarray(bar.system._At(w))
            eta = float(w.sum())
            bar.system.factor(w, dphi, U)
            X = bar.system.solve(np.stack([gx, h], axis=1))
            x1, x2 = X[:, 0], X[:, 1]
            dtau = (-gt + float(h @ x1)) / (eta - float(h @ x2))
            dx = -x1 - x2 * dtau
            slope = float(gx @ dx) + gt * dtau
            lam2 = -slope
            dsh = dtau - (bar.A @ dx)  # change of the shifted slacks per unit step
            amax = min(_row_max_step(sh, -dsh), bar.phi_max_step(x, dx))
            alpha = min(1.0, 0.95 * amax)
            while True:
                xn, taun, shn = x + alpha * dx, tau + alpha * dtau, sh + alpha * dsh
                fn = phi1(xn, taun, shn)
                if fn <= f + 0.25 * alpha * slope:
                    break
                alpha *= 0.5
                if alpha < 1e-14:
                    break
            if alpha < 1e-14:
                break
            x, tau = xn, taun
            if trace is not None:
                trace.append(("phase1", outer, t, tau, lam2, alpha))
            s = bar.slack(x)
            sh = s + tau
            f = phi1(x, tau, sh)
            if tau < 0 and np.all(s > 0):
                return x, steps
            if lam2 < centred:
                break
        if bar.kind != "quad" and tau - nu / t > 0:
            return None, steps  # tau* > 0: the rows have no common point (the LP will certify it)
        t *= mu
    return None, steps


# ---------------------------------------------------------------------------------------------------
# Analytic centre
# ---------------------------------------------------------------------------------------------------
def analytic_center(P, start=None, tol: float = 1e-12, max_iter: int = 300, linalg: str = "auto",
                    warn: bool = True, single_thread: bool = True) -> AnalyticCenterResult:
    """Analytic centre of P by damped Newton (math.md §5); see the module docstring.

    start : None (the inherited previous centre if any, else the centre of T^0), "chebyshev" (the
        Chebyshev centre, one LP), or a point (N,). A start that is not strictly feasible goes
        through phase I first.
    tol : stop when the Newton decrement lambda^2 / 2 < tol (1e-12 reproduces CPAL's cut sequence).
    linalg : "auto", "woodbury" (needs blocks), "thin" (needs uniform blocks: :class:`ThinBlockSystem`, which
        "auto" picks for wide blocks with few rows each), "dense" or "sparse".
    single_thread : run BLAS on one thread (threadpoolctl, if installed). On a shared 2-core machine
        multi-threaded OpenBLAS measured 3-10x slower than one thread for these kernels.
    Raises EmptyInteriorError (certified by the Chebyshev LP) and UnboundedBodyError.
    """
    if linalg not in ("auto", "woodbury", "thin", "dense", "sparse"):
        raise UnknownOptionError(f"linalg must be 'auto', 'woodbury', 'thin', 'dense' or 'sparse', got {linalg!r}")
    cached = P.cached("analytic")
    if cached is not None and start is None and cached.decrement < tol:
        return cached
    P.require_bounded()
    quad = P.bound is Bound.BALL and P.homogeneous
    kind = "quad" if quad else P.bound.value
    if P.m == 0 or not np.any(P.row_norms > 0):
        if P.bound is Bound.NONE:
            raise UnboundedBodyError("no rows and no bound set: the body is R^N")
        x = np.zeros(P.N)
        return _store(P, AnalyticCenterResult(x, CenterStatus.CONVERGED, 0, 0.0, 0.0, "barrier", "none",
                                              start="origin"))
    bar = Barrier(P, kind, linalg)
    with single_blas_thread(single_thread):
        return _analytic_center(P, bar, start, tol, max_iter, quad, warn)


def _analytic_center(P, bar, start, tol, max_iter, quad, warn):
    x0, start_name = _pick_start(P, start, quad)
    ph1 = 0
    s0 = bar.slack(x0)
    scale = P.R if P.bound is not Bound.NONE else max(1.0, float(np.abs(x0).max()))
    # a start on (or within rounding of) the boundary, e.g. the previous centre after a cut through
    # it, has a slack of ~1e-16 and a Hessian weight of ~1e32: repair it by phase I
    pd0 = 0
    if not (np.all(s0 > 1e-7 * scale) and bar.strictly_inside_bound(x0)):
        x0, start_name, ph1, pd0 = _repair_start(P, bar, x0, start_name, scale, quad)
    far = start_name.endswith("chebyshev")  # the Chebyshev centre: far from the analytic one
    try:
        x, status, nit, dec, g, pd = _newton_with_rescue(bar, x0, tol, max_iter, pd_first=far)
    except np.linalg.LinAlgError as exc:
        # a Newton system lost positive definiteness in floating point: either the body has no
        # interior (the Chebyshev LP certifies it and raises) or the start was too close to the
        # boundary: restart once from the Chebyshev centre
        x0 = _chebyshev_start(P, quad)
        start_name += "+chebyshev"
        try:
            x, status, nit, dec, g, pd = _newton_with_rescue(bar, x0, tol, max_iter, pd_first=True)
        except np.linalg.LinAlgError:
            raise AnalysisError(f"analytic centre: the Newton system is numerically singular ({exc}) although "
                                f"the body has an interior (Chebyshev radius {P.chebyshev_center().radius:.3g})"
                                ) from exc
    if status is not CenterStatus.CONVERGED and warn:
        warnings.warn(f"analytic centre: {status.value} after {nit} Newton steps (decrement {dec:.2e}, "
                      f"tol {tol:.0e})", ConvergenceWarning, stacklevel=3)
    if quad:
        x = x * (P.R * bar.M / (bar.M + 1.0))
    res = AnalyticCenterResult(x=x, status=status, nit=nit, decrement=float(dec),
                               grad_norm=float(np.linalg.norm(g)), form="homogeneous_ball" if quad else "barrier",
                               solver=bar.system.name, phase1_nit=ph1, start=start_name, pd_nit=pd + pd0)
    return _store(P, res)


#: Primal-dual steps allowed to an infeasible start before phase I takes over.
PD_START_ITER = 60


def _repair_start(P, bar: Barrier, x0, name: str, scale: float, quad: bool):
    """A strictly feasible start from one that violates rows: infeasible-start primal-dual steps, else
    barrier phase I, else the Chebyshev centre (which certifies an empty interior by raising).
    Returns (x, start name, phase I steps, primal-dual steps)."""
    x1, pd = _infeasible_start(bar, x0, scale)
    if x1 is not None:
        return x1, name + "+primal-dual", 0, pd
    try:
        x1, ph1 = _phase1(bar, x0)
    except np.linalg.LinAlgError:  # weights spanning ~1e16 near an empty or flat body
        x1, ph1 = None, 0
    if x1 is not None:
        return x1, name + "+phase1", ph1, pd
    return _chebyshev_start(P, quad), name + "+chebyshev", ph1, pd


def _infeasible_start(bar: Barrier, x0, scale: float):
    """A strictly feasible point near the centre from a start that violates some rows (the previous
    centre after a cut), by infeasible-start primal-dual steps; (x, steps), x None on failure."""
    x = bar.push_inside_bound(np.asarray(x0, dtype=np.float64).copy())
    s = bar.slack(x)
    good = s > 0
    floor = float(np.median(s[good])) if good.any() else 0.1 * scale
    try:
        x1, steps = _primal_dual(bar, x, max_iter=PD_START_ITER * (3 if bar.kind == "ball" else 1),
                                 s0=np.maximum(s, floor))
    except np.linalg.LinAlgError:
        return None, PD_START_ITER
    if np.all(bar.slack(x1) > 0) and bar.strictly_inside_bound(x1):
        return x1, steps
    return None, steps


#: Primal Newton steps after which a stalled damped phase hands over to primal-dual steps.
PD_AFTER = 40


def _newton_with_rescue(bar: Barrier, x0, tol: float, max_iter: int, pd_first: bool = False):
    """Primal damped Newton; if it is still damped after PD_AFTER steps (the crawl along a curved
    boundary), primal-dual steps from the same start, then primal Newton to the tolerance. With
    ``pd_first`` (a start far from the centre, e.g. the Chebyshev centre) the primal-dual steps come
    first. Returns (x, status, primal steps, decrement, gradient, primal-dual steps)."""
    if not pd_first:
        x, status, nit, dec, g = _newton(bar, x0, tol, min(max_iter, PD_AFTER))
        if status is not CenterStatus.ITERATION_LIMIT or nit >= max_iter:
            return x, status, nit, dec, g, 0
    else:
        nit = 0
    x, pd = _primal_dual(bar, x0)
    x, status, nit2, dec, g = _newton(bar, x, tol, max_iter - nit)
    return x, status, nit + nit2, dec, g, pd


def _chebyshev_start(P, quad: bool) -> np.ndarray:
    """The Chebyshev centre as a Newton start (raises EmptyInteriorError when there is no interior)."""
    cheb = chebyshev_center(P, raise_on_empty=True)
    return cheb.x / P.R if quad else cheb.x


def _store(P, res):
    P.store("analytic", res, hint=res.x)
    return res


def _pick_start(P, start, quad: bool):
    if start is None:
        hint = P.hint("analytic")
        if hint is not None and hint.shape == (P.N,):
            x0, name = hint, "previous centre"
        else:
            x0, name = np.zeros(P.N), "origin"
            if P.bound is Bound.NONE:
                cheb = chebyshev_center(P, raise_on_empty=True)
                x0, name = cheb.x, "chebyshev"
    elif isinstance(start, str):
        if start != "chebyshev":
            raise UnknownOptionError(f"start must be None, 'chebyshev' or a point, got {start!r}")
        x0, name = chebyshev_center(P, raise_on_empty=True).x, "chebyshev"
    else:
        x0 = np.asarray(start, dtype=np.float64)
        if x0.shape != (P.N,):
            raise DataError(f"start must have shape ({P.N},), got {x0.shape}")
        if not np.isfinite(x0).all():
            raise DataError("start contains NaN/inf entries")
        name = "given"
    x0 = np.array(x0, dtype=np.float64)
    if quad:
        x0 = x0 / P.R  # the well-conditioned form lives at unit scale
    return x0, name


def interior_point(P) -> np.ndarray:
    """A strictly interior point of P (cached analytic centre, else the Chebyshev centre)."""
    ac = P.cached("analytic")
    if ac is not None:
        return ac.x
    cheb = chebyshev_center(P, raise_on_empty=True)
    return cheb.x

