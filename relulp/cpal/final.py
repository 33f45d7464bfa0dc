"""The final solve (Algorithm 8): train the network LP on the labelled set, through the solvers layer.

After the cutting-plane loop the labelled points (every label looked at, cut or not) are fitted by an
LP of math.md §4 built with the *same* patterns restricted to those rows,

    build_lp(PatternTree([D[idx] for D in tree.patterns]), X[idx], y[idx], objective=..., lam=..., eps=...)

and the network is recovered from its solution (:func:`relulp.recover_network`), so out-of-sample
predictions are the network's forward pass. With ``dedupe=True`` the restricted patterns of each layer are
de-duplicated first (patterns distinct on the pool can coincide on the labelled rows); the LP keeps its
optimal value (two subtrees with the same pattern and sign merge into one, leaf by leaf: the cone rows are
convex and ||u1 + u2||_1 <= ||u1||_1 + ||u2||_1) and is much smaller, which the comparisons use. Objectives: ``min_l1`` (default for classification: margin
>= 1 at least l1 norm), ``hinge`` (always feasible), ``feasibility``; ``l1`` (default for regression:
least absolute deviations + lam ||u||_1) and ``eps`` (the eps tube).
"""

from __future__ import annotations

import time
from dataclasses import dataclass, field

import numpy as np

from relulp.assemble import build_lp
from relulp.network import ReLUNetwork, recover_network
from relulp import objectives as _objectives
from relulp.tree import PatternTree


@dataclass
class FinalSolve:
    """Outcome of one final solve: the network (None unless the LP was solved to optimality)."""

    network: ReLUNetwork | None
    status: str
    objective: float | None
    seconds: float
    n_labelled: int
    lp_rows: int
    lp_cols: int
    info: dict = field(default_factory=dict)

    @property
    def success(self) -> bool:
        return self.network is not None

    def to_record(self) -> dict:
        return {"status": self.status, "objective": self.objective, "seconds": self.seconds,
                "n_labelled": self.n_labelled, "lp_rows": self.lp_rows, "lp_cols": self.lp_cols, **self.info}


def final_solve(tree: PatternTree, X, y, idx, *, objective: str, lam: float | None = None,
                eps: float | None = None, fit_intercept: bool = True, backend: str = "highs",
                method: str | None = None, time_limit: float | None = None,
                solver_options: dict | None = None, memory_limit: int | None = None,
                dedupe: bool = False) -> FinalSolve:
    """Algorithm 8 on the pool points ``idx`` (labels ``y``, aligned with ``idx``)."""
    from relulp import solvers
    t0 = time.perf_counter()
    idx = np.asarray(idx, dtype=np.int64)
    layers = [D[idx] for D in tree.patterns]
    if dedupe:
        from relulp.patterns import unique_columns

        layers = [unique_columns(D) for D in layers]
    sub = PatternTree(layers)
    kw = {}
    if lam is not None:
        kw["lam"] = lam
    if _objectives.get_objective(objective).uses_eps:
        kw["eps"] = eps
    lp = build_lp(sub, np.asarray(X)[idx], np.asarray(y, dtype=np.float64), objective=objective,
                  fit_intercept=fit_intercept, memory_limit=memory_limit, **kw)
    res = solvers.solve(lp, backend=backend, method=method, time_limit=time_limit, **dict(solver_options or {}))
    net = None
    if res.status is solvers.Status.OPTIMAL and res.x is not None:
        net = recover_network(lp, res.x)
    info = {"backend": res.backend, "method": res.method, "primal_residual": res.primal_residual,
            "solver_seconds": res.total_seconds}
    objective_value = None if res.objective is None else res.objective / lp.objective_scale  # original units
    return FinalSolve(net, res.status.value, objective_value, time.perf_counter() - t0, int(idx.size),
                      lp.num_rows, lp.num_cols, info)


def default_objective(task: str) -> str:
    """Name of the default objective of a task (:func:`relulp.objectives.default_objective`)."""
    return _objectives.default_objective(task).name


def objectives_for(task: str) -> tuple[str, ...]:
    """Names of the objectives of a task (:func:`relulp.objectives.objectives_for`)."""
    return _objectives.objectives_for(task)
