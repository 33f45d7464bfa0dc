"""Used by ``relulp cpal --compare``: accuracy-vs-labels curves of query strategies (CPAL against baselines).

The curves are averaged over several seeds (:func:`compare`; the CLI's ``--plot`` draws them with
:func:`relulp.cpal.plots.plot_compare`).

Strategies, all given the same pool, the same labels and, except ``mlp``, the same LP trainer (the final
solve of Algorithm 8 on the labelled set, :func:`relulp.cpal.final.final_solve`):

================  =====================================================================================
cpal              Algorithm 4 (the paper's confidence rule) with the label budget; the trainer is fitted
                  on the first L labels it asked for, for each L of the grid
cpal-uncertainty  Algorithm 4 with the rule ``uncertainty`` (argmin |f| at the centre), one label per round
cpal-split        Algorithm 4 with the version-space rule ``split`` (the most even split of the version
                  space by its Dikin ellipsoid, :mod:`relulp.cpal.query`)
cpal-committee    Algorithm 4 with ``committee`` (query by committee, members sampled from the version space)
uncertainty       classic uncertainty sampling with the LP trainer: the first grid point's labels at
                  random, then, at each grid point, the trainer is fitted and the next batch is the
                  unqueried points with the smallest |f| of its network
random            uniform random labels
mlp               scikit-learn's MLPClassifier trained on the same random labels (passive learning with
                  the usual gradient-trained network)
linear-cp         the linear cutting-plane learner of Louche & Ralaivola (:mod:`relulp.cpal.linear`): the
                  same cuts on a linear model; its labels go to the LP trainer
================  =====================================================================================

With ``downstream=True`` every strategy's labelled set at each grid point also trains a deeper network,
scikit-learn's MLPClassifier with two hidden layers of 100 ReLUs (Adam), whose test accuracy is recorded
beside the trainer's (issue: do CPAL's picks help a network trained afterwards?).

Summaries (:func:`summarize`): the area under the accuracy-vs-labels curve, normalised to [0, 1] (the
trapezoid over the grid divided by its span; the mean accuracy over the label range), per seed, with the
mean and a 95% Student-t interval over the seeds, and the paired difference of each strategy's AUC from
``random``'s on the same seed (same patterns, same pool) with its own 95% interval.

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

#: CPAL's loop with each query rule (the strategy name -> the learner's ``query``)
CPAL_RULES = {"cpal": "confidence", "cpal-uncertainty": "uncertainty", "cpal-split": "split",
              "cpal-committee": "committee"}
STRATEGIES = ("cpal", "uncertainty", "random", "mlp", "cpal-uncertainty", "cpal-split", "cpal-committee",
              "linear-cp")
#: what ``relulp cpal --compare`` runs unless told otherwise (the others cost more)
DEFAULT_STRATEGIES = ("cpal", "uncertainty", "random", "mlp")
#: hidden layers of the downstream network (``downstream=True``)
DOWNSTREAM_LAYERS = (100, 100)


def label_grid(budget: int, points: int = 8, start: int | None = None) -> list[int]:
    """Label counts at which the curves are evaluated: ``points`` roughly even steps up to ``budget``."""
    start = max(2, budget // points) if start is None else start
    grid = np.unique(np.linspace(start, budget, points).round().astype(int))
    return [int(v) for v in grid if v >= 1]


class _Trainer:
    """The shared LP trainer: final solve on (idx, labels) with a hinge fallback."""

    def __init__(self, tree, X, *, objective="min_l1", lam=None, backend="auto", method=None, time_limit=None,
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


def _mlp_accuracy(Xl, yl, Xt, yt, seed: int, mlp_options: dict, hidden=(100,)) -> float:
    from sklearn.neural_network import MLPClassifier

    if np.unique(yl).size < 2:
        from ..metrics import accuracy

        return accuracy(yt, np.full(len(yt), yl[0]))
    opts = dict(hidden_layer_sizes=tuple(hidden), max_iter=2000, random_state=seed)
    opts.update(mlp_options)
    clf = MLPClassifier(**opts)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        clf.fit(Xl, yl)
    return float(clf.score(Xt, yt))


def run_task(task: dict) -> dict:
    """One (seed, strategy) of :func:`compare`: its accuracies (and CPAL's cut counts) along the grid.

    ``task`` holds the pool and test set, ``grid``, ``seed``, ``strategy`` and the settings of
    :func:`compare`; returns ``{"accuracy": [...], "downstream": [...] or None, "cuts": [...] or None,
    "seconds", "fallbacks"}``.
    """
    X, y, Xt, yt = task["X"], task["y"], task["Xt"], task["yt"]
    grid, seed, strategy = task["grid"], task["seed"], task["strategy"]
    acc = np.full(len(grid), np.nan)
    down = np.full(len(grid), np.nan) if task.get("downstream") else None
    cuts = None
    rng = np.random.default_rng(seed)
    rand_order = rng.permutation(X.shape[0])
    tree = sample_tree(X, task["n_patterns"], seed)
    trainer = _Trainer(tree, X, **task["trainer"])
    mlp_options = dict(task["mlp_options"] or {})
    t0 = time.perf_counter()

    def evaluate(g, idx, net=None):
        if strategy == "mlp":
            acc[g] = _mlp_accuracy(X[idx], y[idx], Xt, yt, seed, mlp_options)
        else:
            acc[g] = _accuracy(trainer.fit(idx, y[idx]) if net is None else net, Xt, yt)
        if down is not None:
            down[g] = _mlp_accuracy(X[idx], y[idx], Xt, yt, seed, mlp_options, DOWNSTREAM_LAYERS)

    if strategy in CPAL_RULES or strategy == "linear-cp":
        if strategy == "linear-cp":
            from .linear import linear_cutting_plane

            run = linear_cutting_plane(X, y, grid[-1])
            order, cut_set = np.asarray(run.queried), set(run.cuts)
        else:
            cp = CPALClassifier(budget=grid[-1], query=CPAL_RULES[strategy], patterns=tree, center=task["center"],
                                random_state=seed)
            cp.fit(X, y)
            order, cut_set = np.asarray(cp.queried_), set(cp.cuts_)
        cuts = np.full(len(grid), np.nan)
        for g, L in enumerate(grid):
            evaluate(g, order[:L])
            cuts[g] = sum(1 for i in order[:L] if int(i) in cut_set)
    elif strategy in ("random", "mlp"):
        for g, L in enumerate(grid):
            evaluate(g, rand_order[:L])
    elif strategy == "uncertainty":
        labelled = list(rand_order[: grid[0]])
        for g, L in enumerate(grid):
            if len(labelled) < L:
                f = np.abs(net.decision_function(X))
                f[np.asarray(labelled)] = np.inf
                labelled += list(np.argsort(f, kind="stable")[: L - len(labelled)])
            idx = np.asarray(labelled)
            net = trainer.fit(idx, y[idx])
            evaluate(g, idx, net)
    else:
        raise ValueError(f"unknown strategy {strategy!r}")
    return {"accuracy": acc.tolist(), "downstream": None if down is None else down.tolist(),
            "cuts": None if cuts is None else cuts.tolist(), "seconds": time.perf_counter() - t0,
            "fallbacks": trainer.fallbacks}


def auc(grid, accuracy) -> np.ndarray:
    """Normalised area under accuracy-vs-labels curves: (seeds, grid) -> (seeds,), the trapezoid over the
    grid divided by its span (a single grid point: that point's accuracy)."""
    a = np.atleast_2d(np.asarray(accuracy, dtype=np.float64))
    g = np.asarray(grid, dtype=np.float64)
    if g.size == 1:
        return a[:, 0]
    area = np.sum((a[:, 1:] + a[:, :-1]) * np.diff(g) / 2.0, axis=1)
    return area / (g[-1] - g[0])


def mean_ci(values, level: float = 0.95) -> tuple[float, float]:
    """Mean and half-width of the Student-t interval of ``values`` (NaN-free); half-width NaN for one value."""
    from scipy import stats

    v = np.asarray(values, dtype=np.float64)
    v = v[np.isfinite(v)]
    if v.size == 0:
        return float("nan"), float("nan")
    if v.size == 1:
        return float(v[0]), float("nan")
    half = stats.t.ppf(0.5 + level / 2.0, v.size - 1) * v.std(ddof=1) / np.sqrt(v.size)
    return float(v.mean()), float(half)


def summarize(result: dict, baseline: str = "random") -> dict:
    """Per strategy of a :func:`compare` result: AUC per seed, its mean and 95% interval, and the paired
    difference from ``baseline`` (mean and 95% interval); the same for the downstream accuracies when
    recorded. Returns ``{strategy: {"auc": [...], "auc_mean", "auc_ci", "diff_mean", "diff_ci", ...}}``."""
    grid = result["grid"]
    out = {}
    base = result["strategies"].get(baseline)
    for name, rec in result["strategies"].items():
        row = {}
        for key, prefix in (("accuracy", "auc"), ("downstream", "down_auc")):
            if rec.get(key) is None:
                continue
            a = auc(grid, rec[key])
            row[prefix] = a.tolist()
            row[f"{prefix}_mean"], row[f"{prefix}_ci"] = mean_ci(a)
            if base is not None and base.get(key) is not None:
                d = a - auc(grid, base[key])
                row[f"{prefix}_diff_mean"], row[f"{prefix}_diff_ci"] = mean_ci(d)
        out[name] = row
    return out


def compare(ds, *, budget: int, grid: list[int] | None = None, seeds=(0, 1, 2), n_patterns=200,
            strategies=STRATEGIES, center: str = "analytic", objective: str = "min_l1", lam=None,
            backend: str = "auto", method: str | None = None, time_limit: float | None = None,
            solver_options: dict | None = None, mlp_options: dict | None = None, downstream: bool = False,
            progress: bool = False, workers: int = 1, scheduler: str | None = None) -> dict:
    """Accuracy-vs-labels curves of ``strategies`` on a binary data set (labels -1/+1).

    Returns a JSON-friendly dict: ``grid``, per strategy the (seeds, grid) accuracies with their mean and
    standard deviation (and the downstream network's, with ``downstream``), the cut counts along the grid of
    the cutting-plane strategies, the trainer's fallbacks, the seconds spent and the :func:`summarize`
    record (``summary``: AUC with 95% intervals, paired differences from ``random``).
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
    # seed-major, strategies in a fixed order (the serial run's order)
    order = [s for s in ("cpal", "random", "uncertainty", "mlp") + STRATEGIES[4:] if s in strategies]
    tasks = [{"X": X, "y": y, "Xt": Xt, "yt": yt, "grid": grid, "seed": seed, "strategy": s,
              "n_patterns": n_patterns, "center": center, "trainer": trainer, "mlp_options": mlp_options,
              "downstream": bool(downstream), "row": r} for r, seed in enumerate(seeds) for s in order]
    done = distributed.map_tasks(run_task, tasks, workers=workers, scheduler=scheduler, progress=progress,
                                 desc=f"compare {ds.name}")
    acc = {s: np.full((len(seeds), len(grid)), np.nan) for s in strategies}
    down = {s: np.full((len(seeds), len(grid)), np.nan) for s in strategies}
    cuts = {s: np.full((len(seeds), len(grid)), np.nan) for s in strategies}
    seconds = {s: 0.0 for s in strategies}
    fallbacks = 0
    for task, res in zip(tasks, done):
        r, s = task["row"], task["strategy"]
        acc[s][r] = res["accuracy"]
        if res["downstream"] is not None:
            down[s][r] = res["downstream"]
        if res["cuts"] is not None:
            cuts[s][r] = res["cuts"]
        seconds[s] += res["seconds"]
        fallbacks += res["fallbacks"]
    out = {"dataset": ds.name, "n_pool": int(X.shape[0]), "n_test": int(Xt.shape[0]), "grid": grid,
           "seeds": [int(s) for s in seeds], "n_patterns": n_patterns, "center": center, "trainer": objective,
           "trainer_fallbacks": int(fallbacks), "strategies": {}}
    for s in strategies:
        a = acc[s]
        rec = {"accuracy": a.tolist(), "mean": np.nanmean(a, axis=0).tolist(), "std": np.nanstd(a, axis=0).tolist(),
               "seconds": seconds[s]}
        if downstream:
            rec.update(downstream=down[s].tolist(), downstream_mean=np.nanmean(down[s], axis=0).tolist())
        if s in CPAL_RULES or s == "linear-cp":
            rec["cuts_mean"] = np.nanmean(cuts[s], axis=0).tolist()
        out["strategies"][s] = rec
    out["summary"] = summarize(out)
    return out
