"""Uniform sampling of T by many-chain hit-and-run, and the centroid (Grünbaum centre) estimate
(math.md §5, §6).

C chains move at once, one matrix product per step:

    X (C, N) current points,  S = b - X A^T (C, m) their row slacks,
    D = Z L^T  (Z ~ N(0, I), L the rounding factor: directions from N(0, L L^T)),
    Q = (D A^T) / S;  the chord through x_c is  t in [1 / min_i Q_ci, 1 / max_i Q_ci]
    (only negative / positive Q count), intersected with the bound set (box rows, or the ball's
    quadratic), and an optional ellipsoid ||u + t z|| <= r with u = L^-1 (x - mu);
    t ~ U(chord),  X += t D,  S -= t (D A^T).

Implementation (N = 50, 400 chains: 1.3 -> 0.6 ms per step): Z by a float32 Box-Muller (:func:`normals`);
with a centre mu the rows are rescaled to unit slack at mu (radial moves need no per-row factors);
with dense rows and no bound-set face to check, only u and S are updated, through one product
(A L) Z per step, and x = mu + L u is formed when read.

Hit-and-run with directions from a fixed N(0, Sigma) leaves the uniform distribution invariant (it is
plain hit-and-run after the linear map L^-1). The rounding Sigma is adapted to the chains' sample
covariance during burn-in only, then frozen. Each chain contributes its final state (one sample per
chain: independent samples); the centroid uses each chain's running mean, and its standard error
comes from the spread of the chain means across independent chains.

Defaults (measured at N = 100): burn-in 25 N steps from a centre, 10 N from samples that survived a cut
(2 N drifted).
"""

from __future__ import annotations

import numpy as np
import scipy.sparse as sp

from relulp import solvers
from relulp.exceptions import DataError

from ._threads import single_blas_thread
from .results import Bound, CentroidResult, MixingStatus, SampleResult

_TINY = 1e-300


class HitAndRun:
    """Many-chain hit-and-run in P (rows + bound set), optionally inside an ellipsoid, with radial
    Gibbs moves about a centre.

    Parameters
    ----------
    P : Polytope
    X0 : (C, N) starting points in the body (one per chain)
    rng : numpy Generator
    L : (N, N) lower-triangular rounding factor (directions ~ N(0, L L^T)); identity if None
    center : (N,) strictly interior point mu enabling radial moves and u = L^-1 (x - mu)
    outer : radius of the ellipsoid {||u|| <= outer} the chains must also stay in (inf: none)

    A *radial move* is the exact Gibbs step along the ray from mu through x: in polar coordinates
    about mu the uniform density gives the radius the law r^(N-1) on [0, r_max(direction)], so
    x <- mu + s (x - mu) with s = s_max U^(1/N) (s_max: where the ray leaves the body). It costs no
    matrix product (rows scaled to unit slack at mu: slack 1 - s (1 - S) along the ray) and mixes the radial coordinate, the
    slow one of hit-and-run, at once. Its Rao-Blackwellised value for a radius r_in is
    P(new point in {||u|| <= r_in}) = min(1, r_in / (||u|| s_max))^N.

    Internally chains are columns ((N, C), (m, C) arrays): the per-chain reductions then run over
    contiguous memory (4x faster than row-wise for short rows). ``X`` and ``U`` are (C, N) views.
    """

    def __init__(self, P, X0, rng, L=None, center=None, outer: float = np.inf):
        self.P = P
        self.N = P.N
        self.rng = rng
        nz = P.row_norms > 0
        self.A = P.A if nz.all() else P.A[np.flatnonzero(nz)]
        self.b = P.b if nz.all() else P.b[nz]
        self.sparse = sp.issparse(self.A)
        self._Xt = np.ascontiguousarray(np.asarray(X0, dtype=np.float64).T)
        self._stale = False  # True: _Xt lags behind Ut (lazy mode keeps only u = L^-1 (x - mu))
        self._lazy = False
        self.AL = None
        self.C = self._Xt.shape[1]
        self.box_hi = self.box_lo = np.arange(self.N)  # box faces x_j <= R, -x_j <= R in use
        self.L = None
        self.mu = None
        self.outer = float(outer)
        self.Ut = None
        self.nu2 = None
        self.set_rounding(L)
        if center is not None:
            self.set_center(center, outer)
        self.refresh()
        self.steps = 0
        self.chain_steps = 0

    def use_box_faces(self, hi, lo) -> None:
        """Restrict the box to the faces that can bind (see :func:`needed_box_faces`)."""
        self.box_hi, self.box_lo = np.asarray(hi, dtype=np.int64), np.asarray(lo, dtype=np.int64)
        if self.mu is not None:
            self.set_center(self.mu, self.outer)
        self._update_mode()

    # -- views -----------------------------------------------------------------------------------
    @property
    def Xt(self) -> np.ndarray:
        """(N, C) current points (synchronised from u in lazy mode)."""
        if self._stale:
            self._Xt = self.mu[:, None] + self.L @ self.Ut
            self._stale = False
        return self._Xt

    @Xt.setter
    def Xt(self, value) -> None:
        self._Xt = value
        self._stale = False

    @property
    def X(self) -> np.ndarray:
        """(C, N) current points."""
        return self.Xt.T

    @property
    def U(self) -> np.ndarray | None:
        """(C, N) current u = L^-1 (x - mu) (None without a centre)."""
        return None if self.Ut is None else self.Ut.T

    # -- state ---------------------------------------------------------------------------------
    def _A(self, Yt):
        """A @ Yt for Yt (N, C) -> (m, C)."""
        out = self.A @ Yt
        return np.asarray(out)

    def _update_mode(self) -> None:
        """Lazy mode: with a centre, a rounding, dense rows and no bound-set geometry left to check
        (no ball, no binding box face), a step needs only u and the slacks: directions enter through
        A L (one product per step instead of two) and x = mu + L u is formed when read."""
        box_free = self.P.bound is Bound.NONE or (self.P.bound is Bound.BOX and self.box_hi.size == 0
                                                  and self.box_lo.size == 0)
        lazy = (self.mu is not None and self.L is not None and not self.sparse and box_free
                and self.A.shape[0] * self.N <= 4_000_000)
        if lazy:
            self.AL = np.ascontiguousarray(self.A @ self.L)
        else:
            _ = self.Xt  # synchronise before leaving lazy mode
            self.AL = None
        self._lazy = lazy

    def refresh(self) -> None:
        """Recompute the slacks (and u) from X: no drift."""
        Xt = self.Xt
        if self.P.bound is Bound.BOX:
            lim = self.P.R * (1 - 1e-15)
            np.clip(Xt, -lim, lim, out=Xt)
        self.St = self.b[:, None] - self._A(Xt)
        np.maximum(self.St, _TINY, out=self.St)
        if self.mu is not None:
            self._set_u()

    def _set_u(self) -> None:
        """u = L^-1 (x - mu) and ||u||^2 from X (the steps update both incrementally)."""
        self.Ut = self._to_u(self.Xt - self.mu[:, None])
        self.nu2 = np.einsum("ij,ij->j", self.Ut, self.Ut)

    def _to_u(self, Yt):
        if self.L is None:
            return Yt.copy()
        from scipy.linalg import solve_triangular

        return solve_triangular(self.L, Yt, lower=True, check_finite=False)

    def set_rounding(self, L) -> None:
        _ = self.Xt  # synchronise x with the old rounding first
        self.L = None if L is None else np.ascontiguousarray(L, dtype=np.float64)
        if self.mu is not None:
            self._set_u()
        self._update_mode()

    def set_center(self, mu, outer: float = np.inf) -> None:
        """Centre of the radial moves (and of u). The rows are rescaled so that every slack at mu is
        1 (all step formulas are invariant under row scaling): the radial move then needs no
        per-row factors."""
        _ = self.Xt
        mu = np.asarray(mu, dtype=np.float64)
        s_mu = self.b - np.asarray(self.A @ mu)
        if np.any(s_mu <= 0):
            raise ValueError("the radial centre must be strictly inside the body")
        if not np.allclose(s_mu, 1.0, rtol=0, atol=1e-12):
            inv = 1.0 / s_mu
            self.A = (sp.csr_array(sp.diags(inv) @ self.A) if self.sparse else self.A * inv[:, None])
            self.b = self.b * inv
        self.mu = mu
        self.outer = float(outer)
        self.s_mu = np.ones(self.b.size)
        if self.P.bound is Bound.BOX:
            self.inv_box_hi = 1.0 / (self.P.R - self.mu)
            self.inv_box_lo = -1.0 / (self.P.R + self.mu)
        self.refresh()
        self._update_mode()

    def set_points(self, X) -> None:
        self._Xt = np.ascontiguousarray(np.asarray(X, dtype=np.float64).T)
        self._stale = False
        self.C = self._Xt.shape[1]
        self.refresh()

    # -- hit-and-run step -----------------------------------------------------------------------
    def _directions(self) -> np.ndarray:
        """(N, C) direction coordinates Z ~ N(0, I) (directions D = L Z)."""
        return normals(self.rng, (self.N, self.C))

    def _hr_step(self):
        C = self.C
        P = self.P
        Zt = self._directions()
        lazy = self._lazy
        if lazy:  # A D = (A L) Z; x is not updated (formed from u when read)
            Dt = None
            ADt = self.AL @ Zt
        else:
            Dt = self.L @ Zt if self.L is not None else Zt
            ADt = self._A(Dt) if self.b.size else None
        if ADt is not None:
            Q = ADt / self.St
            qmax, qmin = Q.max(axis=0), Q.min(axis=0)
        else:
            qmax = qmin = np.zeros(C)
        if not lazy and P.bound is Bound.BOX and self.box_hi.size:
            hi_ = self.box_hi
            Xt = self.Xt
            Bu = Dt[hi_] / (P.R - Xt[hi_])  # faces x_j <= R
            qmax = np.maximum(qmax, Bu.max(axis=0))
            qmin = np.minimum(qmin, Bu.min(axis=0))
        if not lazy and P.bound is Bound.BOX and self.box_lo.size:
            lo_ = self.box_lo
            Xt = self.Xt
            Bl = Dt[lo_] / (P.R + Xt[lo_])  # faces -x_j <= R (q = -d_j / (R + x_j))
            qmax = np.maximum(qmax, -Bl.min(axis=0))
            qmin = np.minimum(qmin, -Bl.max(axis=0))
        # chord [lo, hi] = [1 / qmin, 1 / qmax] (qmin < 0 < qmax: else unbounded on that side)
        with np.errstate(divide="ignore"):
            hi = 1.0 / np.maximum(qmax, 0.0)
            lo = -1.0 / np.maximum(-qmin, 0.0)
        if P.bound is Bound.BALL:
            l2, h2 = _sphere_chord(self.Xt, Dt, P.R)
            np.maximum(lo, l2, out=lo)
            np.minimum(hi, h2, out=hi)
        if self.Ut is not None:  # ||u + t w||^2 = nu2 + 2 t (u.w) + t^2 ||w||^2 (w = Z, or D without L)
            Wt = Zt if self.L is not None else Dt
            a = np.einsum("ij,ij->j", Wt, Wt)
            bq = np.einsum("ij,ij->j", self.Ut, Wt)
            if np.isfinite(self.outer):  # the outer ellipsoid ||u|| <= outer
                c = self.nu2 - self.outer * self.outer
                sq = np.sqrt(np.maximum(bq * bq - a * c, 0.0))
                a1 = np.where(a > 0, a, 1.0)
                np.maximum(lo, (-bq - sq) / a1, out=lo)
                np.minimum(hi, (-bq + sq) / a1, out=hi)
        if not (np.isfinite(lo).all() and np.isfinite(hi).all()):
            from .exceptions import UnboundedBodyError

            raise UnboundedBodyError("a hit-and-run chord is unbounded: the body is unbounded")
        t = self.rng.random(C)
        t *= hi - lo
        t += lo
        if self.Ut is not None:
            self.Ut += Wt * t
            self.nu2 += t * (2.0 * bq + t * a)
            np.maximum(self.nu2, 0.0, out=self.nu2)
        if lazy:
            self._stale = True
        else:
            Dt *= t
            self.Xt += Dt
        if ADt is not None:
            ADt *= t
            self.St -= ADt
            np.maximum(self.St, _TINY, out=self.St)

    # -- radial step ----------------------------------------------------------------------------
    def ray_max(self):
        """(s_max (C,), None): mu + s (x - mu) stays in the body (and the outer ellipsoid) for
        s <= s_max. The rows are scaled to unit slack at mu, so the slack of row i along the ray is
        1 - s (1 - S_i) and s_max = 1 / max_i (1 - S_i)."""
        q = 1.0 - self.St.min(axis=0) if self.St.shape[0] else np.zeros(self.C)
        P = self.P
        if P.bound is Bound.BOX and self.box_hi.size:
            hi_ = self.box_hi
            q = np.maximum(q, ((self.Xt[hi_] - self.mu[hi_, None]) * self.inv_box_hi[hi_, None]).max(axis=0))
        if P.bound is Bound.BOX and self.box_lo.size:
            lo_ = self.box_lo
            q = np.maximum(q, ((self.Xt[lo_] - self.mu[lo_, None]) * self.inv_box_lo[lo_, None]).max(axis=0))
        with np.errstate(divide="ignore"):
            smax = 1.0 / np.maximum(q, 0.0)
        if P.bound is Bound.BALL:
            Et = self.Xt - self.mu[:, None]
            _, h = _sphere_chord(np.broadcast_to(self.mu[:, None], Et.shape), Et, P.R)
            smax = np.minimum(smax, h)
        if np.isfinite(self.outer):
            nu = np.sqrt(self.nu2)
            with np.errstate(divide="ignore"):
                smax = np.minimum(smax, self.outer / nu)
        return smax, None

    def radial_step(self, inner: float | None = None):
        """One radial Gibbs move per chain; returns the Rao-Blackwellised P(||u_new|| <= inner) (C,)."""
        smax, _ = self.ray_max()
        ok = np.isfinite(smax) & (smax > 0)
        rb = None
        if inner is not None:
            nu = np.sqrt(self.nu2)
            with np.errstate(divide="ignore", invalid="ignore"):
                ratio = np.minimum(1.0, inner / (nu * smax))
            rb = np.where(ok, ratio ** self.N, np.where(nu <= inner, 1.0, 0.0))
        s = self.rng.random(self.C) ** (1.0 / self.N)
        s *= smax
        s = np.where(ok, s, 1.0)
        # x <- mu + s (x - mu);  slack (unit at mu) <- 1 - s (1 - S) = s S + (1 - s);  u <- s u
        if self._lazy:
            self._stale = True
        else:
            Xt = self.Xt
            Xt *= s
            Xt += self.mu[:, None] * (1.0 - s)
        self.St *= s
        self.St += 1.0 - s
        np.maximum(self.St, _TINY, out=self.St)
        self.Ut *= s
        self.nu2 *= s * s
        return rb

    # -- sweeps ---------------------------------------------------------------------------------
    def sweep(self, n_steps: int, *, accumulate: bool = False, inner: float | None = None,
              radial: bool | None = None, refresh_every: int = 50):
        """n_steps steps per chain; a step is one hit-and-run move, followed by a radial move when a
        centre is set (``radial`` None -> whether a centre is set). Returns (sum of X over the steps
        (C, N) or None, sum of the Rao-Blackwellised inner-ellipsoid probabilities (C,) or None)."""
        radial = (self.mu is not None) if radial is None else radial
        if inner is not None and not radial:
            raise ValueError("inner-radius estimates need radial moves (set a centre)")
        acc = np.zeros((self.N, self.C)) if accumulate else None
        rbs = np.zeros(self.C) if inner is not None else None
        for k in range(n_steps):
            self._hr_step()
            if radial:
                rb = self.radial_step(inner)
                if rbs is not None:
                    rbs += rb
            self.steps += 1
            self.chain_steps += self.C
            if (k + 1) % refresh_every == 0:
                self.refresh()
            if acc is not None:
                acc += self.Xt
        self.refresh()
        return (None if acc is None else acc.T), rbs

    def covariance_factor(self, shrink: float = 1e-6):
        """Lower Cholesky factor of the chains' sample covariance (slightly regularised)."""
        Xc = self.Xt - self.Xt.mean(axis=1, keepdims=True)
        S = Xc @ Xc.T / max(self.C - 1, 1)
        tr = np.trace(S) / self.N
        if not np.isfinite(tr) or tr <= 0:
            return None
        k = self.C / (self.C + self.N)  # shrink towards a multiple of I when chains are few
        S = k * S + (1 - k) * tr * np.eye(self.N) + shrink * tr * np.eye(self.N)
        try:
            return np.linalg.cholesky(S)
        except np.linalg.LinAlgError:
            return None

    def burn_in(self, n_steps: int, adapt: bool = True) -> None:
        """n_steps of burn-in; with ``adapt`` the rounding is re-estimated at steps 2N, 4N, 8N, ...
        (and at the end) from the chains' covariance."""
        if not adapt:
            self.sweep(n_steps)
            return
        done = 0
        nxt = max(2 * self.N, 10)
        while done < n_steps:
            k = min(nxt, n_steps) - done
            self.sweep(k)
            done += k
            L = self.covariance_factor()
            if L is not None:
                self.set_rounding(L)
            nxt *= 2


def needed_box_faces(P, tol: float = 1e-9):
    """Box faces of P that can bind: (hi, lo) index arrays of j with max theta_j (resp. max -theta_j)
    over the rows alone above (1 + tol) R. One warm dual-simplex LP per face (the dual model of
    :mod:`relulp.analysis.clarkson`); faces the rows already imply cost nothing in the sampler."""
    from .clarkson import DualModel

    if P.bound is not Bound.BOX:
        return np.zeros(0, dtype=np.int64), np.zeros(0, dtype=np.int64)
    model = DualModel(P.N, np.inf)
    nz = np.flatnonzero(P.row_norms > 0)
    for k in nz:
        model.add_facet(k, P.dense_rows([k])[0], P.b[k])
    need = []
    for sign in (1.0, -1.0):
        keep = []
        for j in range(P.N):
            c = np.zeros(P.N)
            c[j] = sign
            status, value, _, _ = model.solve(c)
            if status is not solvers.Status.OPTIMAL or value > (1 + tol) * P.R:
                keep.append(j)
        need.append(np.array(keep, dtype=np.int64))
    return need[0], need[1]


def normals(rng, shape) -> np.ndarray:
    """Standard normal (float64) array for hit-and-run directions: Box-Muller in float32 on 24-bit
    uniforms from the generator's raw 64-bit words (SIMD log/sin/cos; 2-3x faster than
    ``rng.standard_normal``, the largest cost of a step at N = 50). Any law of directions leaves the
    uniform distribution invariant (the hit-and-run kernel is symmetric in x and y for every law of
    lines), so the float32 resolution (tails cut at 5.8 sd) costs nothing in correctness; the
    isotropy keeps the mixing of the rounded chains."""
    n = int(shape[0]) * int(shape[1]) if len(shape) == 2 else int(np.prod(shape))
    h = (n + 1) // 2
    w = rng.bit_generator.random_raw(h).view(np.uint32)  # 2h 32-bit words
    w >>= np.uint32(8)
    u = w.astype(np.float32)
    u *= np.float32(2.0**-24)  # [0, 1 - 2^-24]
    r = np.subtract(np.float32(1.0), u[:h])  # (0, 1]: log is finite
    np.log(r, out=r)
    r *= np.float32(-2.0)
    np.sqrt(r, out=r)
    th = u[h:]
    th *= np.float32(2.0 * np.pi)
    out = np.empty(2 * h, dtype=np.float64)
    np.multiply(r, np.cos(th), out=out[:h])
    np.multiply(r, np.sin(th), out=out[h:])
    return out[:n].reshape(shape)


def _sphere_chord(Xt, Dt, r):
    """[lo, hi] (C,) with ||x_c + t d_c|| <= r, for column stacks Xt, Dt (N, C)."""
    a = np.einsum("ij,ij->j", Dt, Dt)
    bq = np.einsum("ij,ij->j", Xt, Dt)
    c = np.einsum("ij,ij->j", Xt, Xt) - r * r
    sq = np.sqrt(np.maximum(bq * bq - a * c, 0.0))
    a = np.where(a > 0, a, 1.0)
    return (-bq - sq) / a, (-bq + sq) / a


# ---------------------------------------------------------------------------------------------------
# start points
# ---------------------------------------------------------------------------------------------------
def _rng(seed):
    from relulp._random import as_generator

    return as_generator(seed)


def start_points(P, C: int, rng, start=None):
    """(X0 (C, N), kind, default burn-in multiplier): surviving samples if any, else a centre."""
    if start is not None:
        X = np.asarray(start, dtype=np.float64)
        if X.ndim == 1:
            X = np.repeat(X[None, :], C, axis=0)
        if X.ndim != 2 or X.shape[1] != P.N:
            raise DataError(f"start must have shape ({P.N},) or (k, {P.N}), got {X.shape}")
        if not np.all(P.contains(X)):
            raise DataError("start points must lie in the body")
        if X.shape[0] != C:
            X = X[rng.integers(0, X.shape[0], C)]
        return X, "given", 25
    S = P._hints.get("samples")
    if S is not None and len(S) >= 2:
        idx = rng.choice(len(S), C, replace=len(S) < C)
        return S[idx].copy(), f"{len(S)} surviving samples", 10
    x = P.interior_point()
    return np.repeat(x[None, :], C, axis=0), "centre", 25


def _radial_center(P, X0):
    """Centre of the radial moves: the mean of the start points if strictly interior, else a centre."""
    m = X0.mean(axis=0)
    if (P.m == 0 or np.all(P.slack(m) > 0)) and P.bound_slack(m) > 0:
        return m
    return P.interior_point()


def _default_chains(N: int) -> int:
    return int(min(4096, max(256, 4 * N)))


def sample(P, n: int, *, burn_in: int | None = None, seed=None, start=None, adapt: bool = True) -> SampleResult:
    """n approximately uniform points of P, one per independent hit-and-run chain.

    burn_in : steps per chain (default 25 N from a centre, 10 N from inherited samples; at least 50).
    start : optional (N,) or (k, N) interior points to start from.
    The final states and the rounding factor are kept on P for :meth:`Polytope.cut` children.
    """
    n = int(n)
    if n < 1:
        raise DataError("n must be >= 1")
    P.require_bounded()
    rng = _rng(seed)
    X0, kind, mult = start_points(P, n, rng, start)
    steps = int(burn_in) if burn_in is not None else max(50, mult * P.N)
    L = P._hints.get("rounding")
    with single_blas_thread():
        hr = HitAndRun(P, X0, rng, L=L, center=_radial_center(P, X0))
        hr.burn_in(steps, adapt=adapt)
    P._hints["own_samples"] = hr.X.copy()
    if hr.L is not None:
        P._hints["own_rounding"] = hr.L
    return SampleResult(points=hr.X.copy(), n_chains=n, steps=steps, chain_steps=hr.chain_steps,
                        warm_start=kind, seed=seed)


def round_isotropic(hr: HitAndRun, steps_per_round: int, max_rounds: int = 40, *, deadline: float | None = None):
    """Iterated isotropic rounding of the body seen by the chains of ``hr`` (which must have a centre).

    Each round runs ``steps_per_round`` steps, then measures the chains' covariance S_u in the current
    rounded frame u = L^-1 (x - mu). If its eigenvalues lie in the band that C samples of an isotropic
    body give (Marchenko-Pastur edges (1 -+ sqrt(N / C))^2, widened by 1.5) the body is rounded;
    otherwise L <- L chol(S_u) (shrunk towards the identity in the u frame when chains are few) and
    mu <- the chains' mean (if strictly interior), and the next round runs in the new frame. Chains
    started at one point see only a small part of a skinny body; each round lets them spread further
    along the long axes, so the covariance converges to the body's within a few rounds.

    Deterministic for a given generator state (no wall-time decisions unless ``deadline``, a
    ``time.perf_counter()`` value, is given). Returns (rounds, condition number of the last S_u,
    whether the band was reached, whether the deadline stopped it).
    """
    import time

    N, C = hr.N, hr.C
    g = N / C
    hi_band = 1.5 * (1 + np.sqrt(g)) ** 2
    lo_band = (max(1 - np.sqrt(g), 0.05)) ** 2 / 1.5
    cond = float("inf")
    for r in range(1, max_rounds + 1):
        hr.sweep(steps_per_round)
        U = hr.U
        Uc = U - U.mean(axis=0)
        S = Uc.T @ Uc / max(C - 1, 1)
        ev = np.linalg.eigvalsh(S)
        cond = float(ev[-1] / max(ev[0], 1e-300))
        if ev[0] >= lo_band and ev[-1] <= hi_band:
            return r, cond, True, False
        tr = float(np.trace(S)) / N
        if not np.isfinite(tr) or tr <= 0:
            return r, cond, False, False
        k = C / (C + N)
        S = k * S + (1 - k) * tr * np.eye(N) + 1e-10 * tr * np.eye(N)
        try:
            Lu = np.linalg.cholesky(S)
        except np.linalg.LinAlgError:
            return r, cond, False, False
        L_old = hr.L if hr.L is not None else np.eye(N)
        mu_new = hr.X.mean(axis=0)
        P = hr.P
        hr.set_rounding(L_old @ Lu)
        if (P.m == 0 or np.all(P.slack(mu_new) > 0)) and P.bound_slack(mu_new) > 0:
            hr.set_center(mu_new, hr.outer)
        if deadline is not None and time.perf_counter() > deadline:
            return r, cond, False, True
    return max_rounds, cond, False, False


def nested_rhat(sums, sqs, n: int, groups: np.ndarray, K: int):
    """Split nested R-hat (Margossian et al. 2022, the R-hat for many short chains) and the effective
    sample size of the mean, vectorised over the monitored coordinates.

    sums, sqs : (2, C, Q) per-chain sums and sums of squares of the Q monitored quantities over the two
        halves (n steps each) of every chain; each half counts as one chain (split R-hat).
    groups : (C,) superchain of each chain (chains of a superchain started at one point), K of them.
    nR-hat^2 = 1 + B / W with B the variance of the superchain means and W the mean over superchains of
    (variance of the half-chain means within the superchain + mean within-half variance): about
    sqrt(1 + 1 / (2M)) (M chains per superchain) when the chains forgot where they started, larger
    when the superchains still remember their start points. ESS of the grand mean = var+ / Var(mean),
    Var(mean) from the spread of the superchain means (clustered: valid whatever the correlation
    inside a superchain).
    Returns (rhat (Q,), ess (Q,), se_clustered (Q,) of the grand mean).
    """
    _, C, Q = sums.shape
    means = sums / n  # (2, C, Q)
    var_w = (sqs - n * means * means) / max(n - 1, 1)
    gh = np.concatenate([groups, groups])
    hm = means.reshape(2 * C, Q)
    hv = var_w.reshape(2 * C, Q)
    cnt = np.bincount(gh, minlength=K).astype(float)
    sm = np.zeros((K, Q))
    np.add.at(sm, gh, hm)
    sup = sm / cnt[:, None]  # superchain means
    dev = hm - sup[gh]
    bw = np.zeros((K, Q))
    np.add.at(bw, gh, dev * dev)
    bw /= np.maximum(cnt - 1, 1)[:, None]
    wv = np.zeros((K, Q))
    np.add.at(wv, gh, hv)
    wv /= cnt[:, None]
    W = np.maximum((bw + wv).mean(axis=0), 1e-300)
    B = sup.var(axis=0, ddof=1) if K > 1 else np.zeros(Q)
    rhat = np.sqrt(1.0 + B / W)
    # clustered standard error of the grand mean (chains of one superchain may be correlated)
    whole = means.mean(axis=0)  # (C, Q) whole-chain means
    g = np.zeros((K, Q))
    np.add.at(g, groups, whole - whole.mean(axis=0))
    se = np.sqrt((g * g).sum(axis=0)) / C
    var_plus = (hv.mean(axis=0) * (n - 1) / n) + hm.var(axis=0, ddof=1)
    ess = np.minimum(var_plus / np.maximum(se * se, 1e-300), C * 2.0 * n)
    return rhat, ess, se


def centroid(P, *, n_chains: int | None = None, burn_in: int | None = None, steps: int | None = None,
             seed=None, start=None, rhat_target: float | None = None, max_extensions: int = 4,
             max_rounds: int = 40, max_seconds: float | None = None) -> CentroidResult:
    """Centre-of-gravity estimate of P with honest standard errors (math.md §5, §6).

    n_chains : independent chains (default max(256, 4 N), at most 4096)
    burn_in : steps per chain after the rounding, from the superchains' start points (default 25 N, at least 50)
    steps : averaging steps per chain (default max(50, 5 N)); doubled (up to ``max_extensions``
        times, the previous averaging then counting as burn-in) while the split-R-hat of the body's
        principal coordinates (and of the squared radius) exceeds ``rhat_target``
    max_rounds : isotropic-rounding rounds (:func:`round_isotropic`, 3 N steps each) before burn-in
    max_seconds : optional time budget; hitting it stops early with status TIME_LIMIT (only then do
        the numbers depend on wall time). Without it the same seed gives identical results.

    1. Rounding: chains start at a centre (or at samples inherited from a parent body) and the body
       is rounded iteratively until the chains' covariance is near identity in the rounded frame.
    2. Burn-in, then averaging: the estimate is the mean of the chains' time averages; ``stderr``
       (N,) the standard deviation of those chain means over sqrt(n_chains), valid for independent
       chains that mixed. Split-R-hat and ESS are computed on every coordinate of the body's
       principal axes. If R-hat misses the target, ``status`` is NOT_MIXED and ``stderr`` is
       inflated to the body's standard deviation per coordinate (``stderr_chains`` keeps the nominal
       one).
    """
    import time

    t0 = time.perf_counter()
    deadline = None if max_seconds is None else t0 + float(max_seconds)
    P.require_bounded()
    rng = _rng(seed)
    N = P.N
    C = int(n_chains) if n_chains is not None else _default_chains(N)
    if C < 2:
        raise DataError("centroid needs at least 2 chains for a standard error")
    X0, kind, mult = start_points(P, C, rng, start)
    b_steps = int(burn_in) if burn_in is not None else max(50, 25 * N)
    s_steps = int(steps) if steps is not None else max(50, 5 * N)
    s_steps += s_steps % 2
    status = MixingStatus.MIXED
    msgs = []
    with single_blas_thread():
        hr = HitAndRun(P, X0, rng, L=P._hints.get("rounding"), center=_radial_center(P, X0))
        rounds, cond, rounded, timed_out = round_isotropic(hr, max(3 * N, 20), max_rounds, deadline=deadline)
        if not rounded:
            msgs.append(f"rounding did not reach an isotropic frame in {rounds} rounds (condition {cond:.3g})")
        # superchains: K dispersed start points drawn from the rounded cloud, M chains each
        K = int(min(32, max(2, C // 4)))
        M = C // K
        pick = rng.choice(hr.C, K, replace=False)
        hr.set_points(np.repeat(hr.X[pick], M, axis=0))
        C = hr.C
        groups = np.repeat(np.arange(K), M)
        L = hr.L if hr.L is not None else np.eye(N)
        # monitored coordinates: the body's principal axes (eigenvectors of the rounding covariance)
        _, V = np.linalg.eigh(L @ L.T)
        target = rhat_target if rhat_target is not None else float(np.sqrt(1 + 1.0 / M) + 0.02)
        if not timed_out:
            hr.sweep(b_steps)
        ext = 0
        radial = hr.mu is not None
        while True:
            half = s_steps // 2
            sums = np.zeros((2, N + 1, C))
            sqs = np.zeros((2, N + 1, C))
            for h in range(2):
                for k in range(half):
                    hr._hr_step()
                    if radial:
                        hr.radial_step()
                    hr.steps += 1
                    hr.chain_steps += C
                    if (k + 1) % 50 == 0:
                        hr.refresh()
                    Y = V.T @ hr.Xt
                    r2 = hr.nu2 if hr.nu2 is not None else np.einsum("ij,ij->j", hr.Xt, hr.Xt)
                    sums[h, :N] += Y
                    sums[h, N] += r2
                    sqs[h, :N] += Y * Y
                    sqs[h, N] += r2 * r2
                hr.refresh()
            rh, ess, se_y = nested_rhat(sums.transpose(0, 2, 1), sqs.transpose(0, 2, 1), half, groups, K)
            rhat_max = float(np.max(rh))
            if rhat_max <= target:
                break
            if deadline is not None and time.perf_counter() > deadline:
                status = MixingStatus.TIME_LIMIT
                break
            if ext >= max_extensions:
                status = MixingStatus.NOT_MIXED
                break
            ext += 1
            s_steps *= 2
        if timed_out and status is MixingStatus.MIXED:
            status = MixingStatus.TIME_LIMIT
    means_y = (sums[0, :N] + sums[1, :N]).T / (2 * half)  # (C, N) chain means in principal coordinates
    means = means_y @ V.T
    x = means.mean(axis=0)
    # clustered covariance of the grand mean (superchain sums), in the original coordinates
    g = np.zeros((K, N))
    np.add.at(g, groups, means - x)
    cov_x = g.T @ g / (C * C)
    se = np.sqrt(np.diag(cov_x))
    Xc = hr.X - hr.X.mean(axis=0)
    Sigma = Xc.T @ Xc / (C - 1)
    try:
        cov_err = float(np.sqrt(max(np.trace(np.linalg.solve(Sigma, cov_x)), 0.0)))
    except np.linalg.LinAlgError:
        cov_err = float("nan")
    se_chains = se.copy()
    if status is not MixingStatus.MIXED:
        # never a tight error bar from chains that did not mix: their own spread may be tiny too, so fall
        # back on the extent of the bound set (the centroid lies in it), or of the chain cloud without one
        extent = P.R if P.bound is not Bound.NONE else np.ptp(hr.X, axis=0)
        se = np.maximum(np.maximum(se, np.sqrt(np.diag(Sigma))), extent)
        cov_err = max(cov_err, 1.0)
        msgs.append(f"chains did not mix (nested split-R-hat {rhat_max:.3g} > {target:.3g}): stderr inflated to "
                    "the bound set's radius" if status is MixingStatus.NOT_MIXED else
                    "time budget hit before the chains were checked to mix: stderr inflated")
    P._hints["own_samples"] = hr.X.copy()
    if hr.L is not None:
        P._hints["own_rounding"] = hr.L
    return CentroidResult(x=x, stderr=se, n_chains=C, steps=hr.steps, chain_steps=hr.chain_steps,
                          rms_error=float(np.sqrt(np.mean(se**2))), covariance_error=cov_err, covariance=Sigma,
                          status=status, rhat=rh[:N], rhat_max=rhat_max, ess=ess[:N], ess_min=float(np.min(ess[:N])),
                          rounding_rounds=rounds, rounding_condition=cond, stderr_chains=se_chains,
                          message="; ".join(msgs))
