"""The linear cutting-plane active learner (Louche & Ralaivola, "From cutting planes algorithms to compression
schemes and active learning", IJCNN 2015): CPAL's loop on a linear model, a baseline of ``relulp cpal --compare``.

The version space of linear classifiers w in R^d' (d' = d + 1 with the intercept) is
W = {w : ||w|| <= 1, y_i w . x_i >= 0 for every cut point i}, a cone in the ball (math.md §5 with one
leaf and no cone rows). Each round takes the analytic centre w_c of W (the paper's ball centre,
:class:`relulp.cpal.version_space.VersionSpace`) and asks the unqueried point whose hyperplane
{w : w . x_i = 0} passes closest to it, argmin |w_c . x_i| / ||x_i|| (the distance in W); a label that
w_c gets wrong (y_i w_c . x_i <= 0) cuts W. When W has no interior left (data that no linear classifier
separates, e.g. the spiral), the last centre keeps choosing by the same rule without cutting; the result
says when that happened.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import scipy.sparse as sp

from .exceptions import EmptyVersionSpaceError
from .version_space import VersionSpace


@dataclass
class LinearCPResult:
    """``queried`` pool indices in order, ``cuts`` (the cut points), the final centre ``w`` (d',) and the
    label count at which W became empty (None if it never did)."""

    queried: list
    cuts: list
    w: np.ndarray
    empty_at: int | None


def linear_cutting_plane(X, y, budget: int, *, fit_intercept: bool = True, center: str = "analytic") -> LinearCPResult:
    """Run the linear cutting-plane learner over the pool (X (n, d), labels y in {-1, +1}) for ``budget``
    labels (see the module docstring). Ties go to the smallest index."""
    X = np.asarray(X, dtype=np.float64)
    y = np.asarray(y, dtype=np.float64)
    if X.ndim != 2 or y.shape != (X.shape[0],):
        raise ValueError(f"X must be (n, d) and y (n,), got {X.shape} and {y.shape}")
    if not set(np.unique(y).tolist()) <= {-1.0, 1.0}:
        raise ValueError("labels must be -1/+1")
    n = X.shape[0]
    budget = int(budget)
    if not 1 <= budget <= n:
        raise ValueError(f"budget must be in 1..{n}, got {budget}")
    Xa = np.hstack([X, np.ones((n, 1))]) if fit_intercept else X
    norms = np.linalg.norm(Xa, axis=1)
    norms[norms == 0] = 1.0
    vs = VersionSpace(Xa.shape[1], Xa.shape[1], bound="ball", center=center)
    queried = np.zeros(n, dtype=bool)
    order, cuts = [], []
    empty_at = None
    w = np.zeros(Xa.shape[1])
    while len(order) < budget:
        if empty_at is None:
            try:
                vs.center()
                w = vs.theta
            except EmptyVersionSpaceError:
                empty_at = len(order)
        key = np.abs(Xa @ w) / norms
        key[queried] = np.inf
        i = int(np.argmin(key))
        queried[i] = True
        order.append(i)
        if empty_at is None and y[i] * float(Xa[i] @ w) <= 0:
            vs.cut(sp.csr_array(-y[i] * Xa[i][None, :]), np.zeros(1))
            cuts.append(i)
    return LinearCPResult(order, cuts, np.asarray(w, dtype=np.float64), empty_at)
