"""Status enums and result records of :mod:`relulp.analysis` (small dataclasses, scipy style).

Every record carries a ``status`` enum and a human-readable ``message``; estimates carry their
uncertainty (standard error or confidence interval) next to the value. These enums describe the analysis'
own outcomes (a body, a centre, a volume estimate, the sampler's mixing, why a row was dropped); the outcome
of an LP it solves is a :class:`relulp.solvers.Status`, the one solver vocabulary
(:class:`relulp.analysis._lp.LPSolution`). Whether pruning finished is ``PruneResult.complete`` (a bool).
"""

from __future__ import annotations

from dataclasses import dataclass, field
from enum import Enum
from typing import Any

import numpy as np


class Bound(str, Enum):
    """The bound set T^0 that every body is intersected with (math.md §5)."""

    BOX = "box"  #: the box [-R, R]^N
    BALL = "ball"  #: the Euclidean ball {||theta||_2 <= R}
    NONE = "none"  #: no bound set: the rows alone must bound the body


class BodyStatus(Enum):
    """What the Chebyshev-centre LP says about the body."""

    INTERIOR = "interior"  #: nonempty interior; the Chebyshev radius is > tol
    EMPTY_INTERIOR = "empty_interior"  #: feasible but flat: radius in [-tol, tol]
    INFEASIBLE = "infeasible"  #: no point at all (radius < -tol or the LP is infeasible)
    UNBOUNDED = "unbounded"  #: the inscribed radius is unbounded (only with Bound.NONE)


class CenterStatus(Enum):
    """Termination of an iterative centre computation."""

    CONVERGED = "converged"  #: the requested accuracy was reached
    ITERATION_LIMIT = "iteration_limit"  #: stopped on max_iter
    NUMERICAL_LIMIT = "numerical_limit"  #: no further decrease possible in floating point


class VolumeStatus(Enum):
    """How a volume or ratio estimate ended."""

    EXACT = "exact"  #: computed exactly (qhull); the interval is the point itself
    CONVERGED = "converged"  #: randomized, and the interval meets the requested relative error
    ACCURACY_NOT_REACHED = "accuracy_not_reached"  #: randomized, limits hit first; see the interval


class MixingStatus(Enum):
    """Whether the hit-and-run chains behind a centroid estimate mixed."""

    MIXED = "mixed"  #: split-R-hat <= the target on every monitored coordinate: the error bar is trusted
    NOT_MIXED = "not_mixed"  #: R-hat stayed above the target within the step limits: the error bar is inflated
    TIME_LIMIT = "time_limit"  #: the time budget stopped the run first (results then depend on wall time)


class DropReason(Enum):
    """Why :meth:`Polytope.prune` dropped a row (each drop carries a checkable certificate)."""

    ZERO_ROW = "zero_row"  #: a_k = 0 and b_k >= 0
    DUPLICATE = "duplicate"  #: a positive multiple of a kept row with a looser right-hand side
    BOUND_IMPLIED = "bound_implied"  #: implied by the bound set alone: h_T0(a_k) <= b_k
    BLOCK_CONE = "block_cone"  #: homogeneous block row in the cone of the block's other rows (math.md §7)
    LP = "lp"  #: max a_k theta over the remaining rows <= b_k, with the LP's dual multipliers


@dataclass
class ChebyshevResult:
    """Centre ``x`` (N,) and radius of the largest ball inside the body (one LP; one SOCP for the ball).

    ``lp_iterations`` counts simplex/IPM iterations of the LP or interior-point iterations of the SOCP."""

    x: np.ndarray | None
    radius: float
    status: BodyStatus
    message: str = ""
    lp_iterations: int = 0

    @property
    def success(self) -> bool:
        return self.status is BodyStatus.INTERIOR


@dataclass
class AnalyticCenterResult:
    """Minimiser ``x`` (N,) of the log barrier (math.md §5), with its optimality measures.

    ``decrement`` is the Newton decrement lambda^2 / 2 at ``x`` (the accuracy measure of the
    self-concordant theory: F(x) - F* <= decrement for small lambda); ``grad_norm`` the Euclidean
    norm of the barrier gradient. ``form`` is ``"barrier"`` or ``"homogeneous_ball"`` (the
    well-conditioned rescaled problem of math.md §5). ``pd_nit`` counts primal-dual steps taken when
    the primal Newton iteration stalled (``nit`` counts the primal ones).
    """

    x: np.ndarray
    status: CenterStatus
    nit: int
    decrement: float
    grad_norm: float
    form: str
    solver: str
    phase1_nit: int = 0
    start: str = ""
    message: str = ""
    pd_nit: int = 0

    @property
    def success(self) -> bool:
        return self.status is CenterStatus.CONVERGED


@dataclass
class SampleResult:
    """Approximately uniform points of the body from many independent hit-and-run chains.

    ``points`` (n, N) holds the final state of ``n`` chains (one sample per chain, so the points are
    independent up to the burn-in's mixing), ``steps`` the hit-and-run steps each chain made.
    """

    points: np.ndarray
    n_chains: int
    steps: int
    chain_steps: int
    warm_start: str
    seed: Any = None


@dataclass
class CentroidResult:
    """Centroid (Grünbaum centre) estimate ``x`` (N,) with per-coordinate standard errors.

    The standard error comes from the spread of the per-chain means over independent chains.
    ``rms_error`` = sqrt(mean(stderr^2)); ``mahalanobis_error`` = sqrt(stderr^T Sigma^-1 stderr)-type
    scale: the expected error measured in the body's own covariance norm (RMS error sqrt(N tau /
    samples), tau the autocorrelation time: a Grünbaum slack of delta needs about N / delta^2
    effective samples).

    Mixing: ``rhat`` (N,) is the split-R-hat of each principal coordinate of the body (``rhat_max``
    its maximum, also over the squared radius), ``ess`` (N,) the effective sample size of each
    coordinate's mean (``ess_min`` the smallest). ``status`` is MIXED when ``rhat_max`` met the target;
    otherwise (NOT_MIXED, TIME_LIMIT) ``stderr`` is inflated to the bound set's radius per
    coordinate (never a tight error bar from chains that did not mix) and ``stderr_chains`` keeps the
    nominal one. ``rounding_rounds`` counts the isotropic-rounding iterations and
    ``rounding_condition`` is the condition number of the chains' covariance in the final rounded
    frame (near 1: rounded).
    """

    x: np.ndarray
    stderr: np.ndarray
    n_chains: int
    steps: int
    chain_steps: int
    rms_error: float
    covariance_error: float
    covariance: np.ndarray | None = None
    status: MixingStatus = MixingStatus.MIXED
    rhat: np.ndarray | None = None
    rhat_max: float = float("nan")
    ess: np.ndarray | None = None
    ess_min: float = float("nan")
    rounding_rounds: int = 0
    rounding_condition: float = float("nan")
    stderr_chains: np.ndarray | None = None
    message: str = ""

    @property
    def success(self) -> bool:
        """The chains mixed (split-R-hat at target), so ``stderr`` is the chains' own error bar."""
        return self.status is MixingStatus.MIXED


@dataclass
class LevelRecord:
    """One phase of the multiphase volume estimator: ratio vol(K ∩ E_inner) / vol(K ∩ E_outer)."""

    outer_radius: float
    inner_radius: float
    ratio: float
    stderr: float
    chain_steps: int
    kind: str  # "mcmc" or "rejection"


@dataclass
class VolumeResult:
    """Volume estimate with a confidence interval [lower, upper] at level ``confidence``.

    ``rel_halfwidth`` = max(upper / volume - 1, 1 - lower / volume), the achieved relative error.
    ``log_volume`` and ``log_stderr`` are the estimator's natural scale (the interval is symmetric
    in log volume).
    """

    volume: float
    lower: float
    upper: float
    confidence: float
    status: VolumeStatus
    method: str
    log_volume: float
    log_stderr: float
    rel_halfwidth: float
    chain_steps: int = 0
    seconds: float = 0.0
    levels: list[LevelRecord] = field(default_factory=list)
    message: str = ""
    time_limited: bool = False
    rounding_rounds: int = 0

    @property
    def success(self) -> bool:
        return self.status is not VolumeStatus.ACCURACY_NOT_REACHED


@dataclass
class CutRatioResult:
    """vol(T ∩ cut) / vol(T) with a confidence interval (math.md §6, Theorem 6.3).

    ``grunbaum_bound`` = (N / (N + 1))^N: a half-space through the centroid keeps at least this
    fraction (and at most 1 minus it), Grünbaum's theorem.
    """

    ratio: float
    lower: float
    upper: float
    confidence: float
    n: int
    successes: float
    method: str
    grunbaum_bound: float
    status: VolumeStatus = VolumeStatus.CONVERGED


@dataclass
class Certificate:
    """Why row ``row`` may be dropped: the inequality a_row theta <= b_row is implied.

    With multipliers y >= 0 on the rows ``rows`` (all still present when this row was dropped) and
    the residual w = a_row - sum_j y_j a_j, the implication holds when
        sum_j y_j b_j + h(w) <= b_row,
    where h is the support function of the bound set (box: R ||w||_1, ball: R ||w||_2, none: 0 if
    w = 0 else +inf). ``bound_value`` is the left-hand side as computed when the row was dropped.
    """

    row: int
    reason: DropReason
    rows: np.ndarray
    multipliers: np.ndarray
    bound_value: float
