"""relulp LPs on random data, for the solver benchmark and the solver tests."""

from __future__ import annotations

import numpy as np

from relulp.lp import SparseLP


#: objectives whose LP is feasible for any data (a finite optimum always exists)
ALWAYS_FEASIBLE = ("hinge", "l1")


def relulp_lp(n: int = 20, d: int = 2, widths: tuple[int, ...] = (8,), objective: str = "hinge",
              formulation: str = "nested", seed: int = 0, lam: float | None = None) -> SparseLP:
    """A Theorem 4.2 LP from :func:`relulp.build_lp` on random data.

    X ~ N(0, 1)^(n x d); labels y = sign(N(0, 1)) for classification objectives, targets N(0, 1) for
    regression ones; patterns of one random network of widths ``widths`` (depth = len(widths)) from
    :func:`relulp.sample_deep_patterns`. ``lam``: the objective's weight on sum |u| (None: its default;
    > 0 adds the l1 columns t >= |u|).
    """
    import relulp
    from relulp.objectives import CLASSIFICATION

    rng = np.random.default_rng(seed)
    X = rng.normal(size=(n, d))
    if objective in CLASSIFICATION:
        y = np.where(rng.normal(size=n) >= 0, 1.0, -1.0)
    else:
        y = rng.normal(size=n)
    tree = relulp.PatternTree(relulp.sample_deep_patterns(X, list(widths), seed=seed))
    lp = relulp.build_lp(tree, X, y, objective=objective, formulation=formulation, lam=lam)
    lp.meta.setdefault("name", f"relulp_{objective}_{formulation}_n{n}_d{d}_w{'x'.join(map(str, widths))}_s{seed}")
    return lp
