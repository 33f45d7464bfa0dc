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

This module runs the stages and holds the result; the work is done in :mod:`.certificates` (the
certificates, their check and the run's state), :mod:`.screens` (stages 1-4) and :mod:`.clarkson`
(stage 5, with the dense vertex simplex of :mod:`.vertex_simplex`).
"""

from __future__ import annotations

import time
from dataclasses import dataclass, field

import numpy as np

from relulp.exceptions import UnknownOptionError

from .certificates import Pruner, certificate_bound, failed_certificates, support, support_local
from .chebyshev import chebyshev_center
from .clarkson import clarkson, clarkson_plain
from .results import Bound, Certificate
from .screens import block_cones, bound_implied, duplicates, zero_rows

__all__ = ["STAGES", "PruneResult", "prune", "certificate_bound", "support", "support_local"]

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
        return failed_certificates(self.source, self.certificates, tol)


def _interior(P) -> np.ndarray:
    """A well-centred interior point for ray shooting: the Chebyshev centre for small bodies (its LP
    also certifies the interior), the analytic centre (structured Newton) for large ones."""
    if P.N <= 500 and P.m * P.N <= 2e6:
        return chebyshev_center(P, raise_on_empty=True).x
    return P.analytic_center(tol=1e-8).x


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
    pr = Pruner(P, tol)
    times = {}
    z = None
    if "block" in stages or "lp" in stages:
        z = _interior(P)
    if "zero" in stages:
        t = time.perf_counter()
        zero_rows(pr)
        times["zero"] = time.perf_counter() - t
    if "duplicate" in stages:
        t = time.perf_counter()
        duplicates(pr)
        times["duplicate"] = time.perf_counter() - t
    if "bound" in stages and P.bound is not Bound.NONE:
        t = time.perf_counter()
        bound_implied(pr)
        times["bound"] = time.perf_counter() - t
    if "block" in stages and P.blocks is not None:
        t = time.perf_counter()
        block_cones(pr, z)
        times["block"] = time.perf_counter() - t
    complete, solves = True, 0
    if "lp" in stages:
        t = time.perf_counter()
        run = clarkson if algorithm == "dual" else clarkson_plain
        complete, solves = run(pr, z, time_limit, ray_seed, np.random.default_rng(seed))
        times["lp"] = time.perf_counter() - t
    kept = np.flatnonzero(pr.alive)
    dropped = np.array([c.row for c in pr.certs], dtype=np.int64)
    counts = {r.value: n for r, n in pr.counts.items()}
    return PruneResult(kept, dropped, pr.certs, counts, solves, time.perf_counter() - t0, complete, P, times)

