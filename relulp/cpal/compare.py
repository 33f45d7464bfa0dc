"""Used by ``relulp cpal --compare``: accuracy-vs-labels curves of query strategies (CPAL against baselines).

The curves are averaged over several seeds (:func:`compare`; the CLI's ``--plot`` draws them with
:func:`relulp.cpal.plots.plot_compare`).

Strategies, all given the same pool, the same labels and, except ``mlp``, the same LP trainer (the final
solve of Algorithm 8 on the labelled set, :func:`relulp.cpal.final.final_solve`):

===========  ==========================================================================================
cpal         Algorithm 4 (the paper's confidence rule) with the label budget; the trainer is fitted on
             the first L labels it asked for, for each L of the grid
uncertainty  classic uncertainty sampling with the LP trainer: the first grid point's labels at random,
             then, at each grid point, the trainer is fitted and the next batch is the unqueried points
             with the smallest |f| of its network
random       uniform random labels
mlp          scikit-learn's MLPClassifier trained on the same random labels (passive learning with the
             usual gradient-trained network)
===========  ==========================================================================================

Each seed changes the pattern sample, the random draws and the MLP's initialisation. The trainer is
``min_l1`` (margin >= 1 at least l1 norm) and falls back to ``hinge`` when the labelled LP is infeasible;
the record counts the fallbacks.

Every (seed, strategy) pair is one self-contained task (:func:`run_task`: it draws its own patterns and
random order from the seed), so ``workers`` / ``scheduler`` can run them as Dask tasks
(:mod:`relulp.distributed`) with the serial run's results.
"""

from __future__ import annotations

import time
import warnings

import numpy as np

from .final import final_solve
from .active import CPALClassifier
from .base import sample_tree

STRATEGIES = ("cpal", "uncertainty", "random", "mlp")


def label_grid(budget: int, points: int = 8, start: int | None = None) -> list[int]:
    """Label counts at which the curves are evaluated: ``points`` roughly even steps up to ``budget``."""
    start = max(2, budget // points) if start is None else start
    grid = np.unique(np.linspace(start, budget, points).round().astype(int))
    return [int(v) for v in grid if v >= 1]


class _Trainer:
    """The shared LP trainer: final solve on (idx, labels) with a hinge fallback."""

    def __init__(self, tree, X, *, objective="min_l1", lam=None, backend="highs", method=None, time_limit=None,
                 solver_options=None):
        self.tree, self.X = tree, X
        self.kw = dict(objective=objective, lam=lam, backend=backend, method=method, time_limit=time_limit,
                       solver_options=solver_options)
        self.fallbacks = 0
        self.solves = 0
        self.seconds = 0.0

    def fit(self, idx, y):
        self.solves += 1
        fs = final_solve(self.tree, self.X, y, idx, dedupe=True, **self.kw)
        self.seconds += fs.seconds
        if fs.success:
            return fs.network
        self.fallbacks += 1
        from relulp.objectives import get_objective

        fallback = get_objective(self.kw["objective"]).fallback or get_objective("hinge")
        kw = dict(self.kw, objective=fallback.name, lam=1e-4)
        fs = final_solve(self.tree, self.X, y, idx, dedupe=True, **kw)
        self.seconds += fs.seconds
        return fs.network


def _accuracy(net, X, y) -> float:
    from ..metrics import accuracy

    if net is None:
        return float("nan")
    return accuracy(y, net.predict(X))


def _mlp_accuracy(Xl, yl, Xt, yt, seed: int, mlp_options: dict) -> float:
    from sklearn.neural_network import MLPClassifier

    if np.unique(yl).size < 2:
        from ..metrics import accuracy

        return accuracy(yt, np.full(len(yt), yl[0]))
    opts = dict(hidden_layer_sizes=(100,), max_iter=2000, random_state=seed)
    opts.update(mlp_options)
    clf = MLPClassifier(**opts)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        clf.fit(Xl, yl)
    return float(clf.score(Xt, yt))


def run_task(task: dict) -> dict:
    """One (seed, strategy) of :func:`compare`: its accuracies (and CPAL's cut counts) along the grid.

    ``task`` holds the pool and test set, ``grid``, ``seed``, ``strategy`` and the settings of
    :func:`compare`; returns ``{"accuracy": [...], "cuts": [...] or None, "seconds", "fallbacks"}``.
    """
    X, y, Xt, yt = task["X"], task["y"], task["Xt"], task["yt"]
    grid, seed, strategy = task["grid"], task["seed"], task["strategy"]
    acc = np.full(len(grid), np.nan)
    cuts = None
    rng = np.random.default_rng(seed)
    rand_order = rng.permutation(X.shape[0])
    tree = sample_tree(X, task["n_patterns"], seed)
    trainer = _Trainer(tree, X, **task["trainer"])
    t0 = time.perf_counter()
    if strategy == "cpal":
        cuts = np.full(len(grid), np.nan)
        cp = CPALClassifier(budget=grid[-1], patterns=tree, center=task["center"], random_state=seed)
        cp.fit(X, y)
        order = np.asarray(cp.queried_)
        cut_set = set(cp.cuts_)
        for g, L in enumerate(grid):
            idx = order[:L]
            acc[g] = _accuracy(trainer.fit(idx, y[idx]), Xt, yt)
            cuts[g] = sum(1 for i in idx if int(i) in cut_set)
    elif strategy == "random":
        for g, L in enumerate(grid):
            idx = rand_order[:L]
            acc[g] = _accuracy(trainer.fit(idx, y[idx]), Xt, yt)
    elif strategy == "uncertainty":
        labelled = list(rand_order[: grid[0]])
        for g, L in enumerate(grid):
            if len(labelled) < L:
                f = np.abs(net.decision_function(X))
                f[np.asarray(labelled)] = np.inf
                labelled += list(np.argsort(f, kind="stable")[: L - len(labelled)])
            idx = np.asarray(labelled)
            net = trainer.fit(idx, y[idx])
            acc[g] = _accuracy(net, Xt, yt)
    elif strategy == "mlp":
        for g, L in enumerate(grid):
            idx = rand_order[:L]
            acc[g] = _mlp_accuracy(X[idx], y[idx], Xt, yt, seed, dict(task["mlp_options"] or {}))
    else:
        raise ValueError(f"unknown strategy {strategy!r}")
    return {"accuracy": acc.tolist(), "cuts": None if cuts is None else cuts.tolist(),
            "seconds": time.perf_counter() - t0, "fallbacks": trainer.fallbacks}


def compare(ds, *, budget: int, grid: list[int] | None = None, seeds=(0, 1, 2), n_patterns=200,
            strategies=STRATEGIES, center: str = "analytic", objective: str = "min_l1", lam=None,
            backend: str = "highs", method: str | None = None, time_limit: float | None = None,
            solver_options: dict | None = None, mlp_options: dict | None = None, progress: bool = False,
            workers: int = 1, scheduler: str | None = None) -> dict:
    """Accuracy-vs-labels curves of ``strategies`` on a binary data set (labels -1/+1).

    Returns a JSON-friendly dict: ``grid``, per strategy the (seeds, grid) accuracies with their mean and
    standard deviation, CPAL's cut counts along the grid, the trainer's fallbacks and the seconds spent.
    ``workers`` > 1 or ``scheduler`` runs the (seed, strategy) tasks on Dask (:func:`relulp.distributed.map_tasks`);
    the numbers are those of the serial run (``seconds`` aside).
    """
    from relulp import distributed

    X, y, Xt, yt = ds.X_train, ds.y_train, ds.X_test, ds.y_test
    if not set(np.unique(y).tolist()) <= {-1.0, 1.0}:
        raise ValueError("compare() needs a binary data set with labels -1/+1 (use name:AvB for a pair of classes)")
    bad = set(strategies) - set(STRATEGIES)
    if bad:
        raise ValueError(f"unknown strategies {sorted(bad)}; choose from {STRATEGIES}")
    grid = label_grid(budget) if grid is None else sorted(int(g) for g in grid)
    if grid[-1] > X.shape[0]:
        raise ValueError(f"the largest label count {grid[-1]} exceeds the pool ({X.shape[0]} points)")
    distributed.check(workers, scheduler)
    trainer = dict(objective=objective, lam=lam, backend=backend, method=method, time_limit=time_limit,
                   solver_options=solver_options)
    # seed-major, strategies in the order of STRATEGIES' use below (the serial run's order)
    order = [s for s in ("cpal", "random", "uncertainty", "mlp") if s in strategies]
    tasks = [{"X": X, "y": y, "Xt": Xt, "yt": yt, "grid": grid, "seed": seed, "strategy": s,
              "n_patterns": n_patterns, "center": center, "trainer": trainer, "mlp_options": mlp_options,
              "row": r} for r, seed in enumerate(seeds) for s in order]
    done = distributed.map_tasks(run_task, tasks, workers=workers, scheduler=scheduler, progress=progress,
                                 desc=f"compare {ds.name}")
    acc = {s: np.full((len(seeds), len(grid)), np.nan) for s in strategies}
    cuts = np.full((len(seeds), len(grid)), np.nan)
    seconds = {s: 0.0 for s in strategies}
    fallbacks = 0
    for task, res in zip(tasks, done):
        r, s = task["row"], task["strategy"]
        acc[s][r] = res["accuracy"]
        if res["cuts"] is not None:
            cuts[r] = res["cuts"]
        seconds[s] += res["seconds"]
        fallbacks += res["fallbacks"]
    out = {"dataset": ds.name, "n_pool": int(X.shape[0]), "n_test": int(Xt.shape[0]), "grid": grid,
           "seeds": [int(s) for s in seeds], "n_patterns": n_patterns, "center": center, "trainer": objective,
           "trainer_fallbacks": int(fallbacks), "strategies": {}}
    for s in strategies:
        a = acc[s]
        out["strategies"][s] = {"accuracy": a.tolist(), "mean": np.nanmean(a, axis=0).tolist(),
                                "std": np.nanstd(a, axis=0).tolist(), "seconds": seconds[s]}
    if "cpal" in strategies:
        out["strategies"]["cpal"]["cuts_mean"] = np.nanmean(cuts, axis=0).tolist()
    return out
