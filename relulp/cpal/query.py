"""Query rules of the active learner (math.md §5, Algorithm 4), and their batch mode.

A *round* uses one centre theta_c and the pool predictions f = F theta_c (one matrix product). Each rule
is a plan of picks made in that round, one label each:

=============  ======================================================================================
rule           picks per round
=============  ======================================================================================
confidence     the paper's rule: for s = +1, -1, argmin over the unqueried pool of s * f, i.e. the most
               confident negative (min f), then the most confident positive (max f) (Algorithm 4)
uncertainty    argmin |f| (the point closest to the decision boundary)
random         uniformly at random among the unqueried points
split          the point whose cut splits the version space most evenly, judged by its Dikin ellipsoid
               E at the centre (:mod:`relulp.analysis.dikin`): argmin |f_j| / w_j, w_j = sqrt(F_j H^-1
               F_j^T) the half-width of E along the point's prediction (H: the barrier's Hessian)
committee      query by committee with networks from the version space: ``committee_size`` hit-and-run
               chains from the centre, rounded by E (``committee_steps`` moves each), vote on the pool;
               argmin |mean_m sign(F_j theta_m)| (the most even vote), ties by the split key
=============  ======================================================================================

Ties are broken by the smallest pool index; no point is ever picked twice (the second pick of a
confidence round excludes the first). Regression (Algorithm 6) uses the same rules on f: ``confidence``
is min f then max f (what the reference code's regression loop asks, as its classification loop does);
``uncertainty`` is argmin |f| (the rule of the reference's IMDB sentiment script, for classification).

The version-space rules (``split``, ``committee``)
-------------------------------------------------
A label y_j keeps the part {theta in T : y_j f_j(theta) >= 0} of the version space T. Whatever the label, the
cut shrinks T the most in the worst case when the hyperplane F_j theta = 0 splits T in halves (the argument of
query by committee, Seung, Opper & Sompolinsky 1992; Freund et al. 1997). ``uncertainty`` measures the
distance of theta_c from that hyperplane in prediction units, |f_j|, which ignores the shape of T: a point
whose prediction barely varies over T (a short width of T along F_j) is certain although |f_j| is small.
``split`` divides by that width, estimated from the Dikin ellipsoid E = {theta : (theta - theta_c)^T H
(theta - theta_c) <= 1} inside T (T lies inside theta_c + m' E at the analytic centre): |f_j| / w_j is the
number of ellipsoid half-widths between the centre and the hyperplane (0: the hyperplane passes through the
centre; >= 1: it misses E). Under the Gaussian model theta ~ N(theta_c, H^-1) it is the rule whose pick has
the most even chance of either label. ``committee`` replaces the ellipsoid by sampled members of T (the
poster's Algorithm 3 QUERY): short hit-and-run walks rounded by E, so their votes see the cone rows, not
only their quadratic model; a walk of a few steps is not mixed (its members are spread over T, not certified
uniform). Neither changes when a label cuts: like the other rules, a label cuts only when theta_c gets it
wrong. Both cost one factorisation of H per centre (Woodbury with blocks) and n solves (``split``) or
``committee_size * committee_steps`` solves plus one product F Theta (``committee``). They need a strictly
interior centre; where the centre is not one (an inaccurate centroid), the round uses ``uncertainty``'s key
and says so in its step's ``center_info["query_fallback"]``. Classification only.

Batch mode (``batch_size = k``)
-------------------------------
A round repeats the plan k times (k labels for ``uncertainty`` and ``random``, k min/max pairs for
``confidence``), all at the same centre: one centre per round instead of one per label that cut. The
first plan of a round is the plan above, so ``batch_size=1`` is the unbatched learner exactly. Every
later pick is *conditioned* on the earlier picks S of the round (:class:`Diversity`):

* The *hypothetical cut* of an earlier pick i is the cut its label will make. Whatever that label, the
  cut's margin row lies on the hyperplane f_i(theta) = F_i theta = 0, and what the label teaches is the
  side of that hyperplane theta lies on. Model the version space near theta_c by theta ~ N(theta_c,
  s^2 I), the isotropic covariance of the uniform distribution on T^0 (ball or box). The predictions
  f = F theta are then jointly Gaussian with covariance s^2 K, K = F F^T (the pattern network's kernel on
  the pool: large for points that share activation patterns and directions). After learning f_S, point j
  keeps the fraction ``rho_j = sqrt(1 - K_jS K_SS^-1 K_Sj / K_jj)`` of its standard deviation (the
  Gaussian posterior variance does not depend on the values observed, so the rule needs no guess of the
  unknown labels; a guessed label, e.g. the centre's own prediction, is a coin flip for the uncertain
  picks and would push the conditional means either way).
* A pick's key g (smaller is picked first: f for the min pick, -f for the max pick, |f| for uncertainty)
  becomes ``g / rho_j`` when g > 0 and ``g * rho_j`` when g < 0: it moves towards the unattractive end by
  the fraction of j that the round's earlier labels already explain. Ties (the first round, where
  theta_c = 0 and f = 0 everywhere) go to the larger rho_j, then the smaller index.

Why this yields diversity: a point whose hyperplane is (nearly) the same as an earlier pick's, e.g. a
near-duplicate input with the same activation patterns, has rho_j ~ 0: its cut would halve a version
space the earlier label already halved along the same direction, and uncertainty never picks it
(``|f| / rho = inf``). Points whose hyperplanes point in new directions (K_jS ~ 0) keep their keys, so the
k cuts of a round split the version space along k different directions, close to the centre, as k
consecutive rounds of the unbatched rule would, without k centres. ``random`` is not conditioned (its
picks are spread already). Conditioning a pick costs one sparse product F F_i^T; no centre, no LP.
"""

from __future__ import annotations

import numpy as np
import scipy.sparse as sp

VERSION_SPACE_RULES = ("split", "committee")
QUERY_RULES = ("confidence", "uncertainty", "random") + VERSION_SPACE_RULES
REGRESSION_QUERY_RULES = ("confidence", "uncertainty", "random")

#: the version-space rules pick by their own key (:func:`version_space_key`) with the ``absmin`` pick
_PLANS = {"confidence": ("min", "max"), "uncertainty": ("absmin",), "random": ("random",),
          "split": ("absmin",), "committee": ("absmin",)}


def round_plan(rule: str, batch_size: int = 1) -> tuple[str, ...]:
    """The picks of one round for a rule (see the module table), repeated ``batch_size`` times."""
    return _PLANS[rule] * int(batch_size)


def _key(pick: str, f: np.ndarray) -> np.ndarray:
    if pick == "min":
        return np.asarray(f, dtype=np.float64)
    if pick == "max":
        return -np.asarray(f, dtype=np.float64)
    if pick == "absmin":
        return np.abs(np.asarray(f, dtype=np.float64))
    raise ValueError(f"unknown pick {pick!r}")


def select(pick: str, f: np.ndarray, available: np.ndarray, rng: np.random.Generator | None = None,
           rho: np.ndarray | None = None) -> int:
    """One pool index for a pick ("min", "max", "absmin", "random") among the ``available`` points.

    ``available`` is a boolean mask; the result is the smallest index among ties. ``rho`` (batch mode,
    see the module docstring) conditions the pick on the earlier picks of the round: the key g becomes
    g / rho (g > 0) or g * rho (g < 0), ties going to the larger rho, then the smaller index; ``random``
    ignores it. Raises ValueError when nothing is available.
    """
    idx = np.flatnonzero(available)
    if idx.size == 0:
        raise ValueError("no unqueried point is left in the pool")
    if pick == "random":
        if rng is None:
            raise ValueError("the random rule needs a random generator")
        return int(idx[int(rng.integers(idx.size))])
    g = _key(pick, f[idx])
    if rho is None:
        return int(idx[int(np.argmin(g))])
    r = np.asarray(rho, dtype=np.float64)[idx]
    with np.errstate(divide="ignore", invalid="ignore"):
        gc = np.where(g > 0, g / r, g * r)
    gc = np.where(np.isnan(gc), np.inf, gc)  # 0 / 0 cannot happen (g > 0); inf * 0 is not a key
    order = np.lexsort((idx, -r, gc))  # primary gc, then larger rho, then smaller index
    return int(idx[order[0]])


def version_space_key(rule: str, P, theta, F, f, rng: np.random.Generator, *, committee_size: int = 16,
                      committee_steps: int = 8) -> np.ndarray:
    """(n,) keys of a version-space rule (smaller is picked first; the module docstring, *The version-space
    rules*) for the pool predictor F (n, N) and its predictions f = F theta at the centre theta of the body P.

    ``split``: |f_j| / w_j with w_j the Dikin half-width along F_j (inf where w_j = 0: a prediction that no
    member of T changes). ``committee``: |v_j| + (2 / K) (s_j / (1 + s_j)) / 2 with v_j the mean vote of K =
    ``committee_size`` members and s_j the split key; the second term, < 1 / K, only breaks ties between equal
    votes (votes differ by multiples of 2 / K). Raises DataError when theta is not strictly inside P.
    """
    from relulp.analysis.dikin import DikinEllipsoid

    E = DikinEllipsoid(P, theta)
    w = E.widths(F)
    with np.errstate(divide="ignore", invalid="ignore"):
        split = np.where(w > 0, np.abs(f) / w, np.inf)
    if rule == "split":
        return split
    if rule != "committee":
        raise ValueError(f"unknown version-space rule {rule!r}")
    K = int(committee_size)
    members = E.walk(K, committee_steps, rng)
    votes = np.sign(np.asarray(F @ members)).mean(axis=1)
    tie = np.where(np.isfinite(split), split / (1.0 + split), 1.0)
    return np.abs(votes) + tie / K


class Diversity:
    """The conditioning of one round's picks (module docstring, *Batch mode*).

    Keeps the pivoted Cholesky factor of K_SS for the picks S so far (K = F F^T, F the pool predictor),
    so ``rho`` is ``sqrt(residual_j / K_jj)`` with residual_j = K_jj - K_jS K_SS^-1 K_Sj, updated by one
    sparse product per pick.
    """

    def __init__(self, F):
        self.F = sp.csr_array(F)
        self.kdiag = np.asarray(self.F.multiply(self.F).sum(axis=1)).ravel()  # K_jj = ||F_j||^2
        self.residual = self.kdiag.copy()
        self._cols: list[np.ndarray] = []
        self.picked: list[int] = []

    def add(self, i: int) -> None:
        """Condition on the margin row of pool point i (one more pick of the round)."""
        i = int(i)
        self.picked.append(i)
        piv = self.residual[i]
        if not piv > 1e-12 * max(self.kdiag[i], 1e-300):
            return  # f_i is already explained by the earlier picks: nothing new to condition on
        k = np.asarray(self.F @ self.F[[i]].T.toarray()).ravel()
        for c in self._cols:
            k -= c * c[i]
        col = k / np.sqrt(piv)
        self._cols.append(col)
        self.residual = np.maximum(self.residual - col * col, 0.0)
        self.residual[i] = 0.0

    def rho(self) -> np.ndarray:
        """(n,) the fraction of each point's prediction standard deviation left unexplained (1 for a point
        with F_j = 0, whose prediction does not depend on theta)."""
        with np.errstate(divide="ignore", invalid="ignore"):
            r = np.sqrt(np.clip(self.residual / self.kdiag, 0.0, 1.0))
        return np.where(self.kdiag > 0, r, 1.0)
