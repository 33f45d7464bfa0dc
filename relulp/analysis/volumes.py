"""Volumes and cut ratios of T = {A theta <= b} ∩ T^0 (math.md §6, §7).

Exact (small N): the vertices by scipy ``HalfspaceIntersection`` (interior point = Chebyshev centre),
then ``ConvexHull(vertices).volume``; refused beyond a size guard (default N <= 7, <= 200 rows
including the box; qhull was measured practical up to about N = 6 and 60 rows).

Randomized: multiphase Monte Carlo over ellipsoids in the body's own (rounded) metric.

1. Hit-and-run from the Chebyshev centre (many chains, rounding adapted to the chains' covariance
   Sigma = L L^T during 25 N burn-in steps); mu = sample mean. In u = L^-1 (theta - mu) the body is
   near-isotropic and the uniform distribution has ||u|| ~ sqrt(N).
2. Rejection radius r_0: the largest r with q(r) = vol(K ∩ E_r) / vol(E_r) >= q_target (bisection on
   iid pilot samples; q is non-increasing in r since K is star-shaped about mu), E_r = {||u|| <= r}.
   vol(K ∩ E_r0) = vol(E_r0) q(r0) by iid sampling of the ellipsoid: no Markov chain needed for the
   phases that a ball-to-body schedule spends near the inscribed ball.
3. Levels top-down: K = K ∩ E_inf ⊃ K ∩ E_r1 ⊃ ... ⊃ K ∩ E_r0, each radius the p-quantile of ||u||
   over the current chains (ratio ~ p), ending at r_0. Each ratio vol(K ∩ E_inner) / vol(K ∩ E_outer)
   is estimated by hit-and-run in K ∩ E_outer with the Rao-Blackwellised chord fraction (the share
   of each hit-and-run chord inside E_inner, the conditional expectation of the indicator). Chains of
   the next level are the current chains inside E_inner, resampled.
4. vol(K) = |det L| V_N r0^N q(r0) / prod(ratios). Var(log vol) = sum of relative variances; each
   level's from the spread of its chain means, clustered by the chain each was copied from (copies
   are correlated). More steps go to the levels with the largest variance per second until
   z * sd(log vol) <= log(1 + rel_error), or the time / step limits are hit (then the status says so,
   with the interval achieved).

Cut ratio vol(T ∩ cut) / vol(T): fraction of n independent uniform samples (one per chain) that
satisfy the cut, with a Clopper-Pearson interval; exact by qhull for small N.
"""

from __future__ import annotations

import math
import time
import warnings

from statistics import NormalDist

import numpy as np

from relulp.exceptions import DataError, UnknownOptionError

from ._threads import single_blas_thread
from .chebyshev import chebyshev_center
from .exceptions import AccuracyNotReachedError, AccuracyWarning, ExactVolumeRefusedError
from .results import Bound, CutRatioResult, LevelRecord, VolumeResult, VolumeStatus
from .sampling import HitAndRun, _rng, needed_box_faces, start_points

#: default size guard of the exact method: (max dimension, max rows including the box's 2N)
EXACT_LIMITS = (7, 200)


# ---------------------------------------------------------------------------------------------------
# exact
# ---------------------------------------------------------------------------------------------------
def exact_volume(P, limits=EXACT_LIMITS) -> float:
    """vol(P) by vertex enumeration (qhull); raises ExactVolumeRefusedError beyond ``limits``."""
    max_dim, max_rows = limits
    if P.bound is Bound.BALL:
        raise ExactVolumeRefusedError("exact volume needs a polytope; the ball bound set is not one "
                                      "(use method='mmc')")
    rows = P.m + (2 * P.N if P.bound is Bound.BOX else 0)
    if P.N > max_dim or rows > max_rows:
        raise ExactVolumeRefusedError(f"exact volume refused: N = {P.N}, {rows} rows (limits N <= {max_dim}, "
                                      f"rows <= {max_rows}); use method='mmc'")
    P.require_bounded()
    cheb = chebyshev_center(P, raise_on_empty=True)
    A, b = _halfspaces(P)
    if P.N == 1:
        a = A[:, 0]
        up = np.min(b[a > 0] / a[a > 0]) if np.any(a > 0) else np.inf
        lo = np.max(b[a < 0] / a[a < 0]) if np.any(a < 0) else -np.inf
        return float(max(up - lo, 0.0))
    from scipy.spatial import ConvexHull, HalfspaceIntersection

    keep = np.linalg.norm(A, axis=1) > 0
    hs = np.hstack([A[keep], -b[keep, None]])
    V = HalfspaceIntersection(hs, cheb.x).intersections
    return float(ConvexHull(V).volume)


def _halfspaces(P):
    A = P.dense_rows()
    b = P.b
    if P.bound is Bound.BOX:
        eye = np.eye(P.N)
        A = np.vstack([A, eye, -eye])
        b = np.concatenate([b, np.full(2 * P.N, P.R)])
    return A, b


# ---------------------------------------------------------------------------------------------------
# randomized
# ---------------------------------------------------------------------------------------------------
def _log_unit_ball(N: int) -> float:
    return 0.5 * N * math.log(math.pi) - math.lgamma(0.5 * N + 1)


class _Level:
    """One ratio vol(K ∩ E_inner) / vol(K ∩ E_outer) and the chains (in K ∩ E_outer) estimating it."""

    def __init__(self, hr: HitAndRun, outer: float, inner: float, parents: np.ndarray):
        self.hr, self.outer, self.inner, self.parents = hr, outer, inner, parents
        self.rb_sum = np.zeros(hr.C)
        self.steps = 0
        self.seconds = 0.0

    def run(self, n: int) -> None:
        t = time.perf_counter()
        _, rb = self.hr.sweep(n, inner=self.inner)
        self.rb_sum += rb
        self.steps += n
        self.seconds += time.perf_counter() - t

    def estimate(self):
        """(ratio, variance of log ratio) from the chain means, clustered by the chain each copy
        came from (copies made at the level's start are correlated)."""
        m = self.rb_sum / max(self.steps, 1)
        p = float(m.mean())
        C = m.size
        dev = m - p
        _, inv = np.unique(self.parents, return_inverse=True)
        g = np.bincount(inv, weights=dev)
        var_p = float(np.sum(g * g)) / (C * C)
        if p <= 0:
            return 0.0, np.inf
        return p, var_p / (p * p)


def _descend(hr: HitAndRun, inner: float, rng):
    """Points of K ∩ E_inner from (approximately uniform) points of K ∩ E_outer, exactly in the limit:
    resample the chains with weights f = min(1, inner / r_max(direction))^N (the probability that the
    radial law lands inside E_inner) and draw each copy's radius from r^(N-1) on [0, min(r_max, inner)].
    Returns (points (C, N), parent index of each)."""
    smax, _ = hr.ray_max()
    nu = np.linalg.norm(hr.U, axis=1)
    cap = np.minimum(1.0, inner / np.maximum(nu * smax, 1e-300))
    w = cap ** hr.N
    if not np.any(w > 0):
        raise AccuracyNotReachedError("multiphase schedule broke down (no chain reaches the inner ellipsoid)")
    C = hr.C
    cdf = np.cumsum(w / w.sum())
    pick = np.minimum(np.searchsorted(cdf, (rng.random() + np.arange(C)) / C), C - 1)  # systematic
    s = (smax * cap)[pick] * rng.random(C) ** (1.0 / hr.N)
    X = hr.mu[None, :] + s[:, None] * (hr.X[pick] - hr.mu[None, :])
    return X, pick


class _Rejection:
    """vol(K ∩ E_r) / vol(E_r) by iid uniform points of the ellipsoid E_r = mu + L {||u|| <= r}."""

    def __init__(self, P, mu, L, r, rng):
        self.P, self.mu, self.L, self.r, self.rng = P, mu, L, r, rng
        self.hits = 0
        self.n = 0
        self.seconds = 0.0

    def draw(self, n: int, batch: int = 20000) -> None:
        t = time.perf_counter()
        left = n
        while left > 0:
            k = min(batch, left)
            self.hits += int(_inside_count(self.P, self.mu, self.L, self.r, k, self.rng))
            self.n += k
            left -= k
        self.seconds += time.perf_counter() - t

    def estimate(self):
        q = (self.hits + 0.5) / (self.n + 1.0)  # never exactly 0 or 1
        return self.hits / max(self.n, 1), (1 - q) / (q * max(self.n, 1))


def _inside_count(P, mu, L, r, k, rng) -> int:
    N = P.N
    G = rng.standard_normal((k, N))
    G *= (r * rng.random(k) ** (1.0 / N) / np.linalg.norm(G, axis=1))[:, None]
    X = mu[None, :] + G @ L.T
    return int(np.count_nonzero(P.contains(X)))


def _inradius_u(P, mu, L) -> float:
    """Largest r with mu + L {||u|| <= r} inside P (rows: (b - a mu) / ||L^T a||)."""
    A = P.dense_rows() if P.m and not P.is_sparse else (P.A.toarray() if P.m else np.zeros((0, P.N)))
    r = np.inf
    if P.m:
        s = P.b - A @ mu
        g = np.linalg.norm(A @ L, axis=1)
        ok = g > 0
        if ok.any():
            r = float(np.min(s[ok] / g[ok]))
    if P.bound is Bound.BOX:
        rown = np.linalg.norm(L, axis=1)
        r = min(r, float(np.min((P.R - np.abs(mu)) / rown)))
    elif P.bound is Bound.BALL:
        r = min(r, (P.R - float(np.linalg.norm(mu))) / float(np.linalg.norm(L, 2)))
    return max(r, 0.0)


def _default_chains(N: int) -> int:
    return int(min(1000, max(200, 8 * N)))


def mmc_volume(P, rel_error: float = 0.05, confidence: float = 0.95, *, max_seconds: float | None = 300.0,
               max_chain_steps: float = 5e9, seed=None, n_chains: int | None = None, p_level: float = 0.5,
               p_top: float = 0.9,
               q_target: float = 0.05, burn_in: int | None = None, max_burn_in: int | None = None) -> VolumeResult:
    """Multiphase Monte Carlo volume (see the module docstring). Returns a VolumeResult whose status is
    CONVERGED when z * sd(log vol) <= log(1 + rel_error), else ACCURACY_NOT_REACHED."""
    t_start = time.perf_counter()
    N = P.N
    rng = _rng(seed)
    C = int(n_chains) if n_chains is not None else _default_chains(N)
    z = float(NormalDist().inv_cdf(0.5 + confidence / 2))
    target_var = (math.log1p(rel_error) / z) ** 2
    cheb = chebyshev_center(P, raise_on_empty=True)

    with single_blas_thread():
        # 1. rounding burn-in in K (hit-and-run + radial moves about the Chebyshev centre)
        X0, kind, mult = start_points(P, C, rng)
        faces = needed_box_faces(P) if P.bound is Bound.BOX and P.m * P.N <= 4e6 else None
        hr = HitAndRun(P, X0, rng, L=P._hints.get("rounding"), center=cheb.x)
        if faces is not None:
            hr.use_box_faces(*faces)
        hr.burn_in(int(burn_in) if burn_in is not None else max(100, mult * N), adapt=True)
        L = hr.L if hr.L is not None else np.eye(N)
        mu = hr.X.mean(axis=0)
        if not (np.all(P.slack(mu) > 0) and P.bound_slack(mu) > 0):
            mu = cheb.x
        hr.set_rounding(L)
        hr.set_center(mu)
        n_burn = _burn_to_stationarity(hr, max_steps=int(max_burn_in if max_burn_in is not None else 300 * N))
        P._hints["own_samples"] = hr.X.copy()
        P._hints["own_rounding"] = L
        logdet = float(np.sum(np.log(np.diag(L))))

        # 2. rejection radius
        rho = np.linalg.norm(hr.U, axis=1)
        r_lo = _inradius_u(P, mu, L)
        r_hi = float(rho.max())
        r0 = _rejection_radius(P, mu, L, r_lo, r_hi, q_target, rng)
        rej = _Rejection(P, mu, L, r0, rng)
        rej.draw(max(20 * C, 20000))

        # 3. levels, top-down
        n0 = max(N, 30)
        levels: list[_Level] = []
        outer, parents = np.inf, np.arange(C)
        while True:
            rho = np.linalg.norm(hr.U, axis=1)
            p_here = p_top if not levels else p_level
            r_next = float(np.quantile(rho, p_here))
            if r_next <= r0 or np.mean(rho <= r0) >= 0.5 * p_here:
                r_next = r0
            lev = _Level(hr, outer, r_next, parents)
            lev.run(n0)
            levels.append(lev)
            if r_next == r0 or len(levels) > 60 * max(1, N):
                break
            Xn, parents = _descend(hr, r_next, rng)
            hr = HitAndRun(P, Xn, rng, L=L, center=mu, outer=r_next)
            if faces is not None:
                hr.use_box_faces(*faces)
            outer = r_next

        # 4. allocate more work until the target variance is met. The allocation uses a fixed cost
        #    model (arithmetic per chain step and per rejection sample), never measured wall time, so a
        #    fixed seed gives identical numbers; ``max_seconds`` is only checked between work items and,
        #    if it stops the run, the result says so (``time_limited``).
        status = VolumeStatus.ACCURACY_NOT_REACHED
        deadline = t_start + max_seconds if max_seconds is not None else None
        time_limited = False
        unit_step = float(C * (P.m + N + 1) * N)  # one hit-and-run step of C chains
        unit_rej = float((P.m + N + 1) * N)  # one rejection sample
        for _round in range(8):
            est = [lv.estimate() for lv in levels]
            rq, rv = rej.estimate()
            var = sum(v for _, v in est) + rv
            if var <= target_var and all(np.isfinite(v) for _, v in est):
                status = VolumeStatus.CONVERGED
                break
            if deadline is not None and time.perf_counter() > deadline:
                time_limited = True
                break
            steps_used = sum(lv.hr.chain_steps for lv in levels)
            if steps_used >= max_chain_steps:
                break
            # cost per unit (one step of a level's chains, one rejection sample) and variance x units
            units = [(unit_step, v * lv.steps) for lv, (_, v) in zip(levels, est)]
            units.append((unit_rej, rv * rej.n))
            sq = sum(math.sqrt(max(c * w, 0.0)) for c, w in units if np.isfinite(w))
            want = [math.sqrt(max(w, 0.0) / max(c, 1e-12)) * sq / (0.8 * target_var) if np.isfinite(w) else 0
                    for c, w in units]
            done = [lv.steps for lv in levels] + [rej.n]
            extra = [max(0.0, w - d) for w, d in zip(want, done)]
            # respect the chain-step limit deterministically
            room = max(0.0, max_chain_steps - steps_used)
            need = sum(e * C for e in extra[:-1])
            scale = min(1.0, room / need) if need > 0 else 1.0
            chunk = max(50, 10 * N)  # fixed work items: the deadline is checked between them
            for lv, e in zip(levels, extra[:-1]):
                k = int(math.ceil(e * scale))
                while k > 0 and not time_limited:
                    if deadline is not None and time.perf_counter() > deadline:
                        time_limited = True
                        break
                    lv.run(min(k, chunk))
                    k -= chunk
            k = int(math.ceil(extra[-1]))
            while k > 0 and not time_limited:
                if deadline is not None and time.perf_counter() > deadline:
                    time_limited = True
                    break
                rej.draw(min(k, 200_000))
                k -= 200_000
            if time_limited:
                break
            if scale < 1.0:
                est = [lv.estimate() for lv in levels]
                rq, rv = rej.estimate()
                var = sum(v for _, v in est) + rv
                if var <= target_var:
                    status = VolumeStatus.CONVERGED
                break

    est = [lv.estimate() for lv in levels]
    rq, rv = rej.estimate()
    var = sum(v for _, v in est) + rv
    if rq <= 0 or any(p <= 0 for p, _ in est):
        raise AccuracyNotReachedError("volume estimate degenerate (a ratio estimated as 0)")
    logv = logdet + _log_unit_ball(N) + N * math.log(r0) + math.log(rq) - sum(math.log(p) for p, _ in est)
    sd = math.sqrt(var)
    records = [LevelRecord(lv.outer, lv.inner, p, math.sqrt(v) * p, lv.hr.chain_steps, "mcmc")
               for lv, (p, v) in zip(levels, est)]
    records.append(LevelRecord(r0, r0, rq, math.sqrt(rv) * rq, rej.n, "rejection"))
    vol = math.exp(logv)
    lo, hi = math.exp(logv - z * sd), math.exp(logv + z * sd)
    steps_total = int(sum(lv.hr.chain_steps for lv in levels) + rej.n)
    if time_limited:
        status = VolumeStatus.ACCURACY_NOT_REACHED if status is not VolumeStatus.CONVERGED else status
    msg = (("stopped by the time budget (max_seconds): the numbers depend on wall time; " if time_limited else "")
           + f"{len(levels)} hit-and-run levels + rejection at r0 = {r0:.3g} (q = {rq:.3f}); "
           f"stationarity burn-in {n_burn} steps of {C} chains; sd(log vol) = {sd:.3g}")
    return VolumeResult(volume=vol, lower=lo, upper=hi, confidence=confidence, status=status, method="mmc",
                        log_volume=logv, log_stderr=sd, rel_halfwidth=max(hi / vol - 1, 1 - lo / vol),
                        chain_steps=steps_total, seconds=time.perf_counter() - t_start, levels=records,
                        message=msg, time_limited=time_limited)


def _burn_to_stationarity(hr: HitAndRun, max_steps: int) -> int:
    """Continue hit-and-run (rounding frozen) until the chains' mean ||u||^2 stops growing.

    Chains that start at a centre drift outwards; the volume estimate depends on exactly that radial
    distribution. Every window (2 N steps) the mean of ||u||^2 over the chains is compared with its
    value at half the elapsed burn-in; stationarity is declared when the growth is below one
    standard error of the difference (twice in a row). Returns the number of steps made.
    """
    N, C = hr.N, hr.C
    window = max(2 * N, 20)
    hist = []
    total, ok = 0, 0
    while total < max_steps:
        hr.sweep(window)
        total += window
        r2 = np.einsum("ij,ij->i", hr.U, hr.U)
        hist.append((total, float(r2.mean()), float(r2.std()) / math.sqrt(C)))
        if len(hist) >= 4:
            half = min(range(len(hist)), key=lambda j: abs(hist[j][0] - total / 2))
            grow = hist[-1][1] - hist[half][1]
            ok = ok + 1 if grow < math.sqrt(hist[-1][2] ** 2 + hist[half][2] ** 2) else 0
            if ok >= 2:
                break
    return total


def _rejection_radius(P, mu, L, r_lo, r_hi, q_target, rng, n_pilot: int = 1000) -> float:
    """Largest r in [r_lo, r_hi] with pilot q(r) >= q_target (bisection in log r)."""
    if r_hi <= r_lo:
        return r_hi
    if _inside_count(P, mu, L, r_hi, n_pilot, rng) / n_pilot >= q_target:
        return r_hi
    lo, hi = math.log(max(r_lo, 1e-300)), math.log(r_hi)
    if r_lo <= 0:
        lo = hi - 10.0
    for _ in range(14):
        mid = 0.5 * (lo + hi)
        if _inside_count(P, mu, L, math.exp(mid), n_pilot, rng) / n_pilot >= q_target:
            lo = mid
        else:
            hi = mid
    return math.exp(lo)


# ---------------------------------------------------------------------------------------------------
# public entry points
# ---------------------------------------------------------------------------------------------------
def volume(P, rel_error: float = 0.05, confidence: float = 0.95, method: str = "auto", *,
           max_seconds: float | None = 300.0, seed=None, strict: bool = False, exact_limits=EXACT_LIMITS,
           **mmc_options) -> VolumeResult:
    """Volume of P with a confidence interval.

    method : "auto" (exact when within ``exact_limits`` and T^0 is not the ball, else "mmc"),
        "exact" (qhull; ExactVolumeRefusedError beyond the limits) or "mmc" (multiphase Monte Carlo).
    rel_error, confidence : the randomized target: the interval [lower, upper] at level ``confidence``
        has upper / volume - 1 <= rel_error.
    max_seconds : time limit of the randomized method (None: none). The work allocation never depends on
        wall time, so a fixed seed gives identical numbers unless this limit stops the run (then
        ``time_limited`` is True and the message says so). When it (or ``max_chain_steps``) is hit first,
        the result has status ACCURACY_NOT_REACHED and the achieved interval, and an AccuracyWarning
        is issued (``strict=True``: AccuracyNotReachedError with the result attached).
    Raises EmptyInteriorError (volume 0 / no interior, certified by the Chebyshev LP) and
    UnboundedBodyError.
    """
    if method not in ("auto", "exact", "mmc"):
        raise UnknownOptionError(f"method must be 'auto', 'exact' or 'mmc', got {method!r}")
    if not (0 < rel_error < 10) or not (0 < confidence < 1):
        raise DataError("need 0 < rel_error and 0 < confidence < 1")
    P.require_bounded()
    small = P.bound is not Bound.BALL and P.N <= exact_limits[0] and \
        P.m + (2 * P.N if P.bound is Bound.BOX else 0) <= exact_limits[1]
    if method == "exact" or (method == "auto" and small):
        t = time.perf_counter()
        v = exact_volume(P, exact_limits)
        return VolumeResult(volume=v, lower=v, upper=v, confidence=1.0, status=VolumeStatus.EXACT,
                            method="exact", log_volume=math.log(v) if v > 0 else -np.inf, log_stderr=0.0,
                            rel_halfwidth=0.0, seconds=time.perf_counter() - t, message="qhull")
    res = mmc_volume(P, rel_error, confidence, max_seconds=max_seconds, seed=seed, **mmc_options)
    if res.status is VolumeStatus.ACCURACY_NOT_REACHED:
        msg = (f"volume: requested relative error {rel_error:g} at {confidence:g} not reached within the "
               f"limits; achieved interval [{res.lower:.6g}, {res.upper:.6g}] (+{res.rel_halfwidth:.3g})")
        res.message = msg + "; " + res.message
        if strict:
            raise AccuracyNotReachedError(msg, result=res)
        warnings.warn(msg, AccuracyWarning, stacklevel=3)
    return res


def cut_ratio(P, a, b=0.0, *, n: int | None = None, confidence: float = 0.95, method: str = "auto",
              seed=None, burn_in: int | None = None, exact_limits=EXACT_LIMITS) -> CutRatioResult:
    """vol(P ∩ {a theta <= b}) / vol(P) (a: (N,) or (k, N)), the empirical side of Theorem 6.3.

    method "sample": n independent uniform points (one per hit-and-run chain, default n = 2000) and a
    Clopper-Pearson interval for the binomial fraction; "exact": qhull volumes (small N only);
    "auto": exact when within ``exact_limits``, else sample.
    """
    if method not in ("auto", "exact", "sample"):
        raise UnknownOptionError(f"method must be 'auto', 'exact' or 'sample', got {method!r}")
    a_arr, b_arr = P._rows_in(a, b)
    N = P.N
    gb = (N / (N + 1.0)) ** N
    small = P.bound is not Bound.BALL and N <= exact_limits[0] and \
        P.m + a_arr.shape[0] + (2 * N if P.bound is Bound.BOX else 0) <= exact_limits[1]
    if method == "exact" or (method == "auto" and small):
        v0 = exact_volume(P, exact_limits)
        child = P.cut(a_arr, b_arr)
        try:
            v1 = exact_volume(child, exact_limits)
        except Exception as exc:  # an empty cut body has volume 0
            from .exceptions import EmptyInteriorError

            if not isinstance(exc, EmptyInteriorError):
                raise
            v1 = 0.0
        r = v1 / v0
        return CutRatioResult(r, r, r, 1.0, 0, float("nan"), "exact", gb, VolumeStatus.EXACT)
    n = int(n) if n is not None else 2000
    S = P.sample(n, seed=seed, burn_in=burn_in).points
    lhs = np.asarray(a_arr @ S.T)
    lhs = lhs.T if lhs.ndim == 2 else lhs[:, None]
    k = int(np.count_nonzero(np.all(lhs <= b_arr[None, :], axis=1)))
    from scipy.stats import beta as beta_dist  # lazy: scipy.stats costs ~1 s to import

    alpha = 1 - confidence
    lo = 0.0 if k == 0 else float(beta_dist.ppf(alpha / 2, k, n - k + 1))
    hi = 1.0 if k == n else float(beta_dist.ppf(1 - alpha / 2, k + 1, n - k))
    return CutRatioResult(k / n, lo, hi, confidence, n, float(k), "sample", gb, VolumeStatus.CONVERGED)
