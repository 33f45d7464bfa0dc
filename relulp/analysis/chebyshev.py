"""Chebyshev centre of T = {theta : A theta <= b} ∩ T^0 (math.md §5).

One LP  max r  s.t.  a_i theta + r ||a_i|| <= b_i  and the bound set (box: |theta_j| + r <= R, one
HiGHS LP; ball: ||theta|| + r <= R, one SOCP: a relulp.solvers.ConicProgram solved by Clarabel).
Its radius also classifies the body: > tol interior, |r| <= tol empty interior, < -tol infeasible.
"""

from __future__ import annotations

import numpy as np
import scipy.sparse as sp

from relulp.solvers import Status

from ._lp import HighsLP
from .exceptions import EmptyInteriorError, LPSolverError, UnboundedBodyError
from .results import BodyStatus, Bound, ChebyshevResult


def chebyshev_center(P, tol: float = 1e-9, time_limit: float | None = None,
                     raise_on_empty: bool = False) -> ChebyshevResult:
    """Largest inscribed ball of P (cached). Variables (theta, r); maximise r.

    Rows:  [A | ||a_i||] (theta, r) <= b  and the bound set:  box [+-I | 1] (theta, r) <= R (one LP,
    HiGHS);  ball ||theta|| + r <= R (one SOCP, ``solvers.solve(..., backend="clarabel")``:
    :mod:`relulp.analysis._socp`).
    The radius reported is recomputed from the returned centre, min(min_i (b_i - a_i x)/||a_i||,
    bound slack), so it is a certified lower bound of the true radius. ``tol`` is relative to
    max(1, R) (for the ball at least 1e-7, the SOCP's accuracy). With ``raise_on_empty`` an empty
    interior raises :class:`EmptyInteriorError` instead of returning the status.
    """
    cached = P.cached("chebyshev")
    if cached is None:
        cached = _chebyshev_ball(P, tol, time_limit) if P.bound is Bound.BALL else _chebyshev_lp(P, tol, time_limit)
        P.store("chebyshev", cached)
    if raise_on_empty:
        _raise_status(cached)
    return cached


def _raise_status(res: ChebyshevResult) -> None:
    if res.status is BodyStatus.INTERIOR:
        return
    if res.status is BodyStatus.UNBOUNDED:
        raise UnboundedBodyError("the body is unbounded (Chebyshev LP unbounded); give bound='box' or 'ball'")
    raise EmptyInteriorError(f"the body has {res.status.value.replace('_', ' ')}: Chebyshev radius "
                             f"{res.radius:.3g} ({res.message})", status=res.status, radius=res.radius)


def _classify(x, r: float, scale: float, iters: int) -> ChebyshevResult:
    if r > scale:
        st, msg = BodyStatus.INTERIOR, "nonempty interior"
    elif r >= -scale:
        st, msg = BodyStatus.EMPTY_INTERIOR, f"inscribed radius {r:.3g} within tolerance {scale:.1g} of zero"
    else:
        st, msg = BodyStatus.INFEASIBLE, f"no point satisfies all rows (radius {r:.3g} < 0)"
    return ChebyshevResult(np.asarray(x, dtype=np.float64), float(r), st, msg, iters)


def _certified_radius(P, x, r: float) -> float:
    """The radius of a ball around x that provably lies in P (never above the solver's r)."""
    nz = P.row_norms > 0
    rows = (P.slack(x)[nz] / P.row_norms[nz]).min() if nz.any() else np.inf
    return float(min(r, rows, P.bound_slack(x)))


def _chebyshev_ball(P, tol, time_limit) -> ChebyshevResult:
    from ._socp import chebyshev_ball_socp

    sol = chebyshev_ball_socp(P.A, P.b, P.row_norms, P.R, time_limit)
    if sol.status is Status.INFEASIBLE:  # only a zero row with a negative right-hand side does this
        return ChebyshevResult(None, -np.inf, BodyStatus.INFEASIBLE, "the Chebyshev SOCP is infeasible "
                               "(a zero row with negative right-hand side)", sol.iterations)
    scale = max(tol, 1e-7) * max(1.0, P.R)
    r = sol.r if sol.r <= scale else _certified_radius(P, sol.x, sol.r)
    return _classify(sol.x, r, scale, sol.iterations)


def _chebyshev_lp(P, tol, time_limit) -> ChebyshevResult:
    N = P.N
    norms = P.row_norms
    A = sp.csr_array(P.A)
    blocks = [sp.hstack([A, sp.csr_array(norms[:, None])], format="csr")]
    ub = [P.b]
    if P.bound is Bound.BOX:
        eye = sp.identity(N, format="csr")
        ones = sp.csr_array(np.ones((N, 1)))
        blocks += [sp.hstack([eye, ones], format="csr"), sp.hstack([-eye, ones], format="csr")]
        ub += [np.full(N, P.R), np.full(N, P.R)]
    M = sp.vstack(blocks, format="csr") if len(blocks) > 1 else blocks[0]
    ubv = np.concatenate(ub)
    c = np.zeros(N + 1)
    c[-1] = 1.0
    big = M.shape[0] * (N + 1) > 5e4  # IPM (with crossover) measured 2-3x faster than simplex there
    lp = HighsLP(c, M, np.full(M.shape[0], -np.inf), ubv, np.full(N + 1, -np.inf), np.full(N + 1, np.inf),
                 maximize=True, solver="ipm" if big else "simplex", time_limit=time_limit)
    sol = lp.solve()
    iters = sol.iterations
    scale = tol * max(1.0, P.R if P.bound is not Bound.NONE else 1.0)
    # r is free, so the LP is always feasible: "infeasible or unbounded" can only mean unbounded
    if sol.status in (Status.UNBOUNDED, Status.INFEASIBLE_OR_UNBOUNDED):
        return ChebyshevResult(None, np.inf, BodyStatus.UNBOUNDED, "the inscribed radius is unbounded", iters)
    if sol.status is Status.INFEASIBLE:
        return ChebyshevResult(None, -np.inf, BodyStatus.INFEASIBLE, "the Chebyshev LP is infeasible "
                               "(a zero row with negative right-hand side)", iters)
    if sol.status is not Status.OPTIMAL:
        raise LPSolverError(f"Chebyshev LP ended with HiGHS status {sol.status!r}")
    x, r = sol.x[:N], float(sol.x[N])
    if r > scale:
        r = _certified_radius(P, x, r)
    return _classify(x, r, scale, iters)
