"""Convex training programs over relulp's pattern trees (math.md §10).

:func:`build_convex_program` writes the Pilanci–Ergen convex program (loss of the network output f = F u
plus beta * sum of group norms of the leaf vectors u, subject to the cone rows of Theorem 4.2) as a conic
program for :mod:`relulp.solvers`; :func:`solve_convex` solves it, recovers the ReLU network and checks it by
an independent forward pass. See docs/convex.md.

>>> import relulp
>>> from relulp import datasets
>>> ds = datasets.spiral()
>>> prog = relulp.build_convex_program(relulp.PatternTree(relulp.sample_patterns(ds.X_train, 50)),
...                                    ds.X_train, ds.y_train, beta=1e-5)            # doctest: +SKIP
>>> res = relulp.solve_convex(prog)                                                   # doctest: +SKIP
>>> res.status, res.objective, res.network.score(ds.X_test, ds.y_test)                # doctest: +SKIP
"""

from .program import (
    DEFAULT_BETA,
    LOSSES,
    PENALTIES,
    SQUARED_FORMS,
    ConvexTrainingProgram,
    build_convex_program,
    loss_value,
)
from .solve import ConvexResult, network_penalty, recover_convex_network, solve_convex, weight_decay

__all__ = [
    "ConvexResult", "ConvexTrainingProgram", "DEFAULT_BETA", "LOSSES", "PENALTIES", "SQUARED_FORMS",
    "build_convex_program", "loss_value", "network_penalty", "recover_convex_network", "solve_convex",
    "weight_decay",
]
