"""Query rules of the active learner (math.md §5, Algorithm 4).

A *round* uses one centre theta_c and the pool predictions f = F theta_c (one matrix product). Each rule
is a plan of picks made in that round, one label each:

=============  ======================================================================================
rule           picks per round
=============  ======================================================================================
confidence     the paper's rule: for s = +1, -1, argmin over the unqueried pool of s * f, i.e. the most
               confident negative (min f), then the most confident positive (max f) (Algorithm 4)
uncertainty    argmin |f| (the point closest to the decision boundary)
random         uniformly at random among the unqueried points
=============  ======================================================================================

Ties are broken by the smallest pool index; no point is ever picked twice (the second pick of a
confidence round excludes the first). Regression (Algorithm 6) uses the same rules on f: ``confidence``
is min f then max f; ``uncertainty`` is argmin |f|, the rule the reference code's regression loop ends
up using (its branch on a flag that is always False at that point).
"""

from __future__ import annotations

import numpy as np

QUERY_RULES = ("confidence", "uncertainty", "random")
REGRESSION_QUERY_RULES = ("confidence", "uncertainty", "random")

_PLANS = {"confidence": ("min", "max"), "uncertainty": ("absmin",), "random": ("random",)}


def round_plan(rule: str) -> tuple[str, ...]:
    """The picks of one round for a rule (see the module table)."""
    return _PLANS[rule]


def select(pick: str, f: np.ndarray, available: np.ndarray, rng: np.random.Generator | None = None) -> int:
    """One pool index for a pick ("min", "max", "absmin", "random") among the ``available`` points.

    ``available`` is a boolean mask; the result is the smallest index among ties. Raises ValueError when
    nothing is available.
    """
    idx = np.flatnonzero(available)
    if idx.size == 0:
        raise ValueError("no unqueried point is left in the pool")
    if pick == "min":
        k = int(np.argmin(f[idx]))
    elif pick == "max":
        k = int(np.argmax(f[idx]))
    elif pick == "absmin":
        k = int(np.argmin(np.abs(f[idx])))
    elif pick == "random":
        if rng is None:
            raise ValueError("the random rule needs a random generator")
        k = int(rng.integers(idx.size))
    else:
        raise ValueError(f"unknown pick {pick!r}")
    return int(idx[k])
