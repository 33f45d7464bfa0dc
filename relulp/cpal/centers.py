"""Centres of the version space T = {theta : A theta <= b} ∩ T^0 (math.md §5), from :mod:`relulp.analysis`.

=============  =========================================================================================
name           centre
=============  =========================================================================================
analytic       argmin of the log barrier by damped Newton, warm-started from the previous centre
               (:meth:`Polytope.analytic_center`). With the ball T^0 and the homogeneous classification
               cuts this is the paper's centre, solved in the well-conditioned form of math.md §5:
               theta_hat = argmin -sum log(-a_i theta) + (M/2)||theta||^2, theta* = R M/(M+1) theta_hat,
               to Newton decrement^2/2 < ``tol`` (default 1e-12, which reproduces the reference's cuts).
chebyshev      centre of the largest inscribed ball: one LP (:meth:`Polytope.chebyshev_center`)
centroid       centre of gravity, averaged hit-and-run samples (:meth:`Polytope.centroid`); the centre of
               Theorem 6.3's guarantee (math.md §6)
=============  =========================================================================================

An empty interior (no centre exists) raises :class:`EmptyVersionSpaceError`.
"""

from __future__ import annotations

import time
from dataclasses import dataclass, field

import numpy as np

from .exceptions import CPALError, EmptyVersionSpaceError

CENTERS = ("analytic", "chebyshev", "centroid")


@dataclass
class CenterResult:
    """A centre ``x`` (N,), the seconds it took and what the analysis module reported about it."""

    x: np.ndarray
    seconds: float
    kind: str
    info: dict = field(default_factory=dict)


def compute_center(P, kind: str = "analytic", *, tol: float = 1e-12, seed=None, options: dict | None = None) -> CenterResult:
    """The centre ``kind`` of the polytope ``P`` (a :class:`relulp.analysis.Polytope`).

    ``options`` go to the analysis method (e.g. ``linalg=`` for the analytic centre, the sample count
    for the centroid); ``seed`` seeds the centroid's sampler.
    """
    from relulp.analysis.exceptions import EmptyInteriorError

    opts = dict(options or {})
    t0 = time.perf_counter()
    try:
        if kind == "analytic":
            r = P.analytic_center(tol=tol, **opts)
            info = {"nit": int(r.nit), "phase1_nit": int(r.phase1_nit), "pd_nit": int(r.pd_nit),
                    "decrement": float(r.decrement),
                    "status": r.status.value, "solver": r.solver, "start": r.start}
            x = r.x
        elif kind == "chebyshev":
            r = P.chebyshev_center(**opts)
            if not r.success:
                raise EmptyVersionSpaceError(f"the version space has no interior: {r.message}")
            info = {"radius": float(r.radius), "status": r.status.value}
            x = r.x
        elif kind == "centroid":
            if seed is not None and "seed" not in opts:
                opts["seed"] = seed
            r = P.centroid(**opts)
            info = {"rms_error": float(getattr(r, "rms_error", np.nan)),
                    "covariance_error": float(getattr(r, "covariance_error", np.nan)),
                    "n_chains": int(getattr(r, "n_chains", 0))}
            x = r.x
        else:
            raise ValueError(f"unknown centre {kind!r}; choose from {CENTERS}")
    except EmptyInteriorError as exc:
        raise EmptyVersionSpaceError(f"the version space has no interior point left ({exc})") from exc
    except np.linalg.LinAlgError as exc:
        # A singular Newton system: decide with the Chebyshev LP whether the interior is empty.
        cheb = P.chebyshev_center()
        if not cheb.success:
            raise EmptyVersionSpaceError(f"the version space has no interior point left ({cheb.message})") from exc
        raise CPALError(f"the {kind} centre failed numerically ({exc}) although the version space has an "
                        f"interior (Chebyshev radius {cheb.radius:.3g})") from exc
    x = np.asarray(x, dtype=np.float64)
    if not np.isfinite(x).all():
        raise EmptyVersionSpaceError(f"the {kind} centre is not finite")
    return CenterResult(x, time.perf_counter() - t0, kind, info)


# ----------------------------------------------------------------------------------------------------
# the volumetric stopping rule
# ----------------------------------------------------------------------------------------------------
def radius_lower_bound(P, x) -> float:
    """A certified lower bound on the Chebyshev radius of P from a strictly interior point x (no LP).

    The ball around x of radius min(min_i (b_i - a_i x) / ||a_i||, slack of T^0 at x) lies in P. In the
    ball T^0 with homogeneous rows (P = cone ∩ ball; the classification cuts) the paper's analytic centre
    sits at ||x|| = R M / (M + 1), next to the sphere, so that bound is tiny; there the cone is used:
    with s = min_i (-a_i x) / (||a_i|| ||x||) every point c of the ray through x has the ball of radius
    s ||c|| inside the cone, and ||c|| + s ||c|| = R gives the radius R s / (1 + s).
    """
    from relulp.analysis.results import Bound

    x = np.asarray(x, dtype=np.float64)
    norms = P.row_norms
    nz = norms > 0
    row = float(np.min(P.slack(x)[nz] / norms[nz])) if np.any(nz) else np.inf
    nx = float(np.linalg.norm(x))
    if P.bound is Bound.BALL and P.homogeneous and nx > 0:
        s = row / nx
        return max(0.0, P.R * s / (1.0 + s))
    return max(0.0, min(row, float(P.bound_slack(x))))


def chebyshev_radius(P, x=None, threshold: float | None = None) -> tuple[float, bool, float]:
    """The Chebyshev radius of P for the stopping rule ``stop_radius_ratio``: ``(radius, exact, seconds)``.

    With an interior point ``x`` and a ``threshold``, the cheap :func:`radius_lower_bound` is tried first:
    if it exceeds the threshold the rule cannot fire, and the bound is returned (``exact`` False) without
    the Chebyshev LP (one HiGHS LP in the box; one conic program, Clarabel, in the ball). Otherwise the
    radius of :meth:`Polytope.chebyshev_center` (cached on the body; free with ``center="chebyshev"``).
    A body without rows is T^0 itself: radius R.
    """
    t0 = time.perf_counter()
    if P.m == 0:
        return float(P.R), True, 0.0
    if x is not None and threshold is not None:
        lb = radius_lower_bound(P, x)
        if lb > threshold:
            return lb, False, time.perf_counter() - t0
    res = P.chebyshev_center()
    return max(0.0, float(res.radius)), True, time.perf_counter() - t0
