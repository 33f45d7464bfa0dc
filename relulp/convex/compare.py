r"""One training problem, five ways to attack it: the comparison behind ``relulp convex --compare``
(docs/convex.md, "Comparison"; math.md §10-§11).

The problem
-----------
Every method is scored on the same objective, the weight-decay training problem of a two-layer ReLU network
with the squared loss summed (not averaged) over the training points,

    (NN-TRAIN)   1/2 ||(Xa W1)_+ w2 - y||^2 + (beta/2)(||W1||_F^2 + ||w2||^2),        Xa = [X, 1],

**biases through the ones column**: the last row of W1 is the hidden biases and it is penalised like every
other weight; there is no output bias (a network that has one, scikit-learn's, gets it as one extra neuron
with the constant input, see :func:`network_from_mlp`). This is the convention of SDP-NN with ``bias=True``
and of the convex program with ``fit_intercept=True, normalization=1`` (whose optimum over all patterns IS the
NN-TRAIN optimum, Pilanci & Ergen 2020). :func:`nn_train` evaluates it for any two-layer
:class:`relulp.ReLUNetwork` through :func:`relulp.convex.sdp.nn_train_objective` (the one definition), at the
network's *balanced* rescaling (every neuron ||incoming|| = |outgoing|, :meth:`relulp.ReLUNetwork.balanced`):
the same function, and the smallest weight decay over the rescalings that keep it, so a method is not charged
for an arbitrary scale split (the LP's networks have output weights +-1 whatever the leaves' size).

The methods (one record each; ``method`` key in brackets)
----------------------------------------------------------
(a) ``exact_convex``: the convex program (math.md §10) over EVERY pattern of the arrangement
    (:func:`relulp.enumerate_patterns`): its optimum is the global NN-TRAIN optimum q* (any width). Skipped
    (status ``skipped``, with the reason) when the arrangement may have more than ``exact_max_patterns``
    patterns (default 4,000): measured with Clarabel on a busy 2-core machine, 3,542 patterns (60 spiral
    points, beta 0.01) took 24 s, 6,322 (the 80 spiral training points) 87 s at load 2 and 134 s at load 6, and
    the count grows like n^d (iris, 120 points in R^5: 1.6e7).
(b) ``sampled_convex``: the same program over ``n_patterns`` sampled directions (:func:`relulp.sample_patterns`):
    a restriction, so its value is >= q*, and its network attains it.
(c) ``sdp_nn``: the SDP relaxation's value SDP* (math.md §11), a certified lower bound on q* when its status is
    OPTIMAL and its certificates pass (``lower_bound``); ``sdp_rounded``: the TOS-rounded network. The SDP's
    matrix has side n + d + 1, so above ``sdp_max_n`` training points it is solved on a stratified subsample of
    ``sdp_max_n`` points (the record's ``data`` says so): SDP* is then a lower bound for THAT subsample's
    problem only, and it is compared with every network's NN-TRAIN on the subsample (``nn_train_sdp_data``).
    On a subsample the comparison adds ``convex_sdp_data``: the convex program on the subsample, exact when
    its arrangement fits (then SDP*/q* on the subsample is the exact tightness), sampled otherwise.
(d) ``lp``: relulp's LP (Theorem 4.2, :func:`relulp.build_lp` over the same sampled patterns as (b), solved with
    HiGHS, the network recovered by :func:`relulp.recover_network`); default objective ``l1``,
    sum |f - y| + beta sum |u| on the +-1 labels (the LP's analogue of NN-TRAIN); ``hinge``/``min_l1`` on
    request. Its network is scored on NN-TRAIN like every other.
(e) ``sklearn_mlp``: scikit-learn's ``MLPRegressor`` (one hidden layer of ``mlp_width`` ReLUs, L-BFGS) on the
    +-1 labels: the same squared loss. scikit-learn minimises 1/(2n) sum (f - y)^2 + alpha/(2n) ||W||^2 (its
    ``squared_loss`` is half the mean square; the penalty is alpha/(2n) times the squared norm of the weight
    matrices, not the intercepts); n times that is 1/2 ||f - y||^2 + (alpha/2)||W||^2, so **alpha = beta** gives
    NN-TRAIN's weight decay on the same loss scale. Differences that remain: its intercepts are not penalised
    (NN-TRAIN penalises them) and it has an output bias. Classification also gets ``sklearn_mlp_classifier``,
    ``MLPClassifier`` with alpha = beta: the log-loss, a DIFFERENT problem (its NN-TRAIN is reported for
    completeness, on its logit output).

Every value comes with its status (the solver layer's words ``optimal``, ``optimal_inaccurate``, ...;
``converged`` / ``iteration_limit`` for scikit-learn's local L-BFGS, which certifies nothing; ``skipped``;
``error`` with the message): a method that fails gives a record, never an exception.

The relaxation gap (:attr:`Comparison.gaps`): SDP* against the best NN-TRAIN found on the SDP's data (all
networks), and against q* on the same data where (a) ran there; the inequalities that must hold (SDP* <= every
NN-TRAIN, q* <= the sampled program, q* <= every NN-TRAIN) are checked and listed in ``gaps["checks"]``.
"""

from __future__ import annotations

import math
import time
import warnings
from dataclasses import dataclass, field
from typing import Any, Callable

import numpy as np

from ..exceptions import DataError, UnknownOptionError

__all__ = [
    "COMPARE_DATASETS", "METHODS", "Comparison", "compare", "load_compare_dataset", "nn_train",
    "network_from_mlp", "stratified_subsample", "plot_comparison", "format_table",
]

#: the data sets of ``relulp convex --compare`` -> (loader arguments, what the labels are)
COMPARE_DATASETS = {
    "spiral": "the paper's two spirals, 80 train / 20 test (math.md §8), features standardised",
    "iris": "iris, versicolor (+1) against setosa and virginica (-1); 120 train / 30 test",
    "breast_cancer": "breast cancer, benign (+1) against malignant (-1); 455 train / 114 test",
    "wine": "wine, class_1 (+1) against class_0 and class_2 (-1); 142 train / 36 test",
}

#: the method keys, in table order, with their labels
METHODS = {
    "exact_convex": "(a) convex program, every pattern",
    "sampled_convex": "(b) convex program, sampled patterns",
    "sdp_nn": "(c) SDP-NN value",
    "sdp_rounded": "(c) SDP-NN rounded (TOS)",
    "convex_sdp_data": "(a/b) convex program on the SDP's subsample",
    "lp": "(d) LP, sampled patterns",
    "sklearn_mlp": "(e) sklearn MLPRegressor, alpha = beta",
    "sklearn_mlp_classifier": "(e) sklearn MLPClassifier (log-loss), alpha = beta",
}

#: defaults (docs/convex.md "Comparison" says how they were chosen)
DEFAULT_BETA = 0.01
DEFAULT_PATTERNS = 100
DEFAULT_SDP_MAX_N = 40
#: per data set, the sizes used when ``n_patterns`` / ``sdp_max_n`` are None, chosen to keep each data set
#: under about 2 minutes on a busy 2-core machine: the LP and the convex program grow like n * 2P * (d + 1)
#: nonzeros (breast cancer, P = 100 directions: 5.8M nonzeros, HiGHS's IPM unfinished after 60 s; P = 20:
#: 1.1M, 55 s) and Clarabel's SDP time like (n + d)^6 (breast cancer, d = 31: 23 s at 30 points). The
#: spiral's 1000 directions are the paper's (623 distinct patterns, math.md §8).
DATASET_DEFAULTS = {
    "spiral": {"n_patterns": 1000, "sdp_max_n": 40},
    "iris": {"n_patterns": 100, "sdp_max_n": 40},
    "wine": {"n_patterns": 100, "sdp_max_n": 30},
    "breast_cancer": {"n_patterns": 20, "sdp_max_n": 30},
}
DEFAULT_EXACT_MAX_PATTERNS = 4000
CHECK_RTOL = 1e-6
LP_OBJECTIVES = ("l1", "hinge", "min_l1")


# ----------------------------------------------------------------------------------------------------
# the objective
# ----------------------------------------------------------------------------------------------------

def nn_train(net, X, y, beta: float, *, balance: bool = True) -> float:
    """NN-TRAIN (module docstring) of a two-layer :class:`relulp.ReLUNetwork` on (X, y): 1/2 ||f - y||^2 +
    (beta/2)(||W1||_F^2 + ||w2||^2) with the network's own ones column (``fit_intercept``), computed by
    :func:`relulp.convex.sdp.nn_train_objective` at the balanced rescaling (``balance=False``: the weights as
    they are). X raw features (no ones column), y (n,)."""
    from ..validation import prepare_X
    from .sdp import nn_train_objective

    if net.depth != 1:
        raise DataError(f"NN-TRAIN is defined for two-layer networks (one hidden layer); this one has {net.depth}")
    if balance:
        net = net.balanced()
    W1 = np.asarray(net.weights[0].toarray() if hasattr(net.weights[0], "toarray") else net.weights[0],
                    dtype=np.float64)
    Xa = prepare_X(X, net.fit_intercept)
    return nn_train_objective(Xa, np.asarray(y, dtype=np.float64), W1,
                              np.asarray(net.output_weights, dtype=np.float64), beta)


def network_from_mlp(mlp, task: str = "classification"):
    """scikit-learn's one-hidden-layer ReLU ``MLPRegressor`` / binary ``MLPClassifier`` as a
    :class:`relulp.ReLUNetwork` with biases through the ones column: W1 = [coefs_[0]; intercepts_[0]]; the
    output bias b becomes one more neuron with first-layer column (0, ..., 0, sqrt|b|) (it sees the constant
    1) and output weight sign(b) sqrt|b| (exact: (sqrt|b|)_+ sign(b) sqrt|b| = b). For the classifier the
    output is the logit (f > 0 predicts ``classes_[1]``)."""
    from ..network import ReLUNetwork

    if getattr(mlp, "activation", None) != "relu" or len(mlp.coefs_) != 2 or mlp.coefs_[1].shape[1] != 1:
        raise DataError("network_from_mlp takes a fitted MLP with one hidden layer of ReLUs and one output")
    W1 = np.vstack([mlp.coefs_[0], mlp.intercepts_[0][None, :]])
    w2 = mlp.coefs_[1][:, 0].astype(np.float64)
    b = float(mlp.intercepts_[1][0])
    col = np.zeros((W1.shape[0], 1))
    col[-1, 0] = math.sqrt(abs(b))
    W1 = np.hstack([W1, col])
    w2 = np.concatenate([w2, [math.copysign(math.sqrt(abs(b)), b)]])
    return ReLUNetwork([np.ascontiguousarray(W1)], w2, True, {"task": task, "source": type(mlp).__name__})


# ----------------------------------------------------------------------------------------------------
# data
# ----------------------------------------------------------------------------------------------------

def _standardised(ds):
    from ..datasets import Dataset

    mu, sd = ds.X_train.mean(axis=0), ds.X_train.std(axis=0)
    sd = np.where(sd > 0, sd, 1.0)
    return Dataset((ds.X_train - mu) / sd, ds.y_train, (ds.X_test - mu) / sd, ds.y_test, name=ds.name,
                   task=ds.task, feature_names=ds.feature_names,
                   description=ds.description + ", standardised by the training set", classes=ds.classes,
                   meta=dict(ds.meta, mean=mu, scale=sd))


def load_compare_dataset(name: str):
    """One of :data:`COMPARE_DATASETS` as a binary :class:`relulp.datasets.Dataset` with labels +-1,
    features standardised by the training set's mean and standard deviation, and a fixed split (the spiral's
    own, math.md §8; scikit-learn sets: 20 % test from ``numpy.random.default_rng(0)``)."""
    from .. import datasets

    if not isinstance(name, str) or name not in COMPARE_DATASETS:
        raise UnknownOptionError(f"unknown comparison data set {name!r}; choose from {list(COMPARE_DATASETS)}")
    if name == "spiral":
        return _standardised(datasets.spiral())
    if name == "breast_cancer":
        return datasets.load_sklearn("breast_cancer", test_size=0.2, seed=0, standardize=True)
    return datasets.load_sklearn(name, binary=1, test_size=0.2, seed=0, standardize=True)


def stratified_subsample(y, n_max: int, seed=0, *, task: str = "classification") -> np.ndarray:
    """Sorted indices of at most ``n_max`` rows: all rows when there are no more; otherwise each class in
    proportion to its count (at least one of each; regression: a plain random subset), drawn with
    ``numpy.random.default_rng(seed)``."""
    y = np.asarray(y)
    n = y.shape[0]
    if n <= n_max:
        return np.arange(n)
    rng = np.random.default_rng(seed)
    if task != "classification":
        return np.sort(rng.permutation(n)[:n_max])
    classes, counts = np.unique(y, return_counts=True)
    want = np.maximum(1, np.floor(counts * n_max / n).astype(int))
    while want.sum() < n_max:  # hand out the remainder to the classes furthest below their share
        k = int(np.argmax(counts * n_max / n - want))
        want[k] += 1
    while want.sum() > n_max:
        want[int(np.argmax(want))] -= 1
    idx = [rng.permutation(np.flatnonzero(y == c))[:w] for c, w in zip(classes, want)]
    return np.sort(np.concatenate(idx))


# ----------------------------------------------------------------------------------------------------
# the result
# ----------------------------------------------------------------------------------------------------

@dataclass
class Comparison:
    """The outcome of :func:`compare` on one data set: ``records`` (one dict per method, in
    :data:`METHODS` order), ``gaps`` (the relaxation gap and the checked inequalities), ``settings``.
    Iterating over it yields the records."""

    dataset: str
    task: str
    records: list
    gaps: dict
    settings: dict
    seconds: float = 0.0
    networks: dict = field(default_factory=dict, repr=False)

    def __iter__(self):
        return iter(self.records)

    def __len__(self) -> int:
        return len(self.records)

    def record(self, method: str) -> dict | None:
        """The record of ``method`` (a :data:`METHODS` key), or None when the comparison has none."""
        return next((r for r in self.records if r["method"] == method), None)

    def to_dict(self) -> dict:
        """JSON-friendly (no networks)."""
        return {"dataset": self.dataset, "task": self.task, "settings": self.settings, "seconds": self.seconds,
                "records": self.records, "gaps": self.gaps}

    @classmethod
    def from_dict(cls, d: dict) -> "Comparison":
        """The inverse of :meth:`to_dict` (no networks): e.g. to redraw :func:`plot_comparison` from a
        ``--json`` file."""
        return cls(dataset=d["dataset"], task=d["task"], records=list(d["records"]), gaps=dict(d["gaps"]),
                   settings=dict(d["settings"]), seconds=float(d.get("seconds") or 0.0))

    def table(self) -> str:
        """The records as a Markdown table (:func:`format_table`)."""
        return format_table([self])


# ----------------------------------------------------------------------------------------------------
# the comparison
# ----------------------------------------------------------------------------------------------------

def _check_int(v, name: str, minimum: int) -> int:
    if isinstance(v, (bool, np.bool_)) or not isinstance(v, (int, np.integer)) or int(v) < minimum:
        raise UnknownOptionError(f"{name} must be an integer >= {minimum}, got {v!r}")
    return int(v)


def _scores(net, ds, task: str) -> dict:
    from .. import metrics

    if task == "classification":
        pred = lambda X: np.where(net.decision_function(X) > 0, 1.0, -1.0)  # noqa: E731
        return {"train_accuracy": metrics.accuracy(ds.y_train, pred(ds.X_train)),
                "test_accuracy": metrics.accuracy(ds.y_test, pred(ds.X_test)) if ds.n_test else None}
    return {"train_rmse": metrics.rmse(ds.y_train, net.decision_function(ds.X_train)),
            "test_rmse": metrics.rmse(ds.y_test, net.decision_function(ds.X_test)) if ds.n_test else None}


def _active(net, rtol: float = 1e-6) -> int:
    """Neurons whose contribution ||W1[:, j]|| |w2_j| exceeds ``rtol`` times the largest (an interior-point
    solver leaves the group lasso's zero neurons at ~1e-9 of the largest instead of 0)."""
    W1 = net.weights[0]
    W1 = np.asarray(W1.toarray() if hasattr(W1, "toarray") else W1)
    size = np.linalg.norm(W1, axis=0) * np.abs(np.asarray(net.output_weights, dtype=np.float64))
    return int(np.count_nonzero(size > rtol * size.max(initial=0.0))) if size.size and size.max() > 0 else 0


def compare(dataset, *, beta: float = DEFAULT_BETA, n_patterns: int | None = None, seed: int = 0,
            sdp_max_n: int | None = None, exact_max_patterns: int = DEFAULT_EXACT_MAX_PATTERNS,
            lp_objective: str = "l1", lp_backend: str = "highs", mlp_width: int = 100, mlp_max_iter: int = 2000,
            sdp_rank: int = 300, sdp_iterations: int = 1000, time_limit: float | None = None, methods=None,
            blas_threads: int | None = 1, progress: Callable[[str], Any] | None = None) -> Comparison:
    """Train on one data set with every method of the module docstring and score each on NN-TRAIN.

    Parameters
    ----------
    dataset : a :data:`COMPARE_DATASETS` name (:func:`load_compare_dataset`) or a
        :class:`relulp.datasets.Dataset` (binary labels +-1 or regression targets; used as given).
    beta : weight decay of NN-TRAIN, > 0 (default 0.01, on the SUM loss).
    n_patterns : directions sampled for (b) and (d) (:func:`relulp.sample_patterns`, ``seed``); None: the data
        set's entry of :data:`DATASET_DEFAULTS` (else 100).
    seed : seeds the patterns, the SDP's subsample and scikit-learn's initial weights.
    sdp_max_n : most training points the SDP sees (a stratified subsample above it); None: as ``n_patterns``
        (else 40).
    exact_max_patterns : (a) runs when the arrangement's pattern bound is at most this (module docstring).
    lp_objective : ``"l1"`` (default), ``"hinge"`` or ``"min_l1"`` (classification only) for (d).
    lp_backend : the LP's backend (:func:`relulp.solvers.solve`; default ``"highs"``).
    mlp_width, mlp_max_iter : scikit-learn's hidden width and L-BFGS iterations.
    sdp_rank, sdp_iterations : TOS rounding's R and K (math.md §11).
    time_limit : seconds per solver call (None: none).
    methods : a subset of :data:`METHODS` keys to run (default: all; ``sdp_rounded`` needs ``sdp_nn``).
    blas_threads : BLAS threads while it runs (threadpoolctl; None: leave them). Default 1: measured on the busy
        2-core machine, two OpenBLAS threads made scikit-learn's L-BFGS 45 x slower (48 s against 1.1 s).
    progress : called with one line per finished method (the CLI prints them).

    Returns :class:`Comparison`. Raises only for bad arguments (:class:`relulp.UnknownOptionError`,
    :class:`relulp.DataError`); a method that fails is a record with status ``error``.
    """
    if blas_threads is not None:
        _check_int(blas_threads, "blas_threads", 1)
        try:
            from threadpoolctl import threadpool_limits
        except ImportError:  # pragma: no cover - scikit-learn depends on it
            blas_threads = None
    if blas_threads is None:
        return _compare(dataset, beta=beta, n_patterns=n_patterns, seed=seed, sdp_max_n=sdp_max_n,
                        exact_max_patterns=exact_max_patterns, lp_objective=lp_objective, lp_backend=lp_backend,
                        mlp_width=mlp_width, mlp_max_iter=mlp_max_iter, sdp_rank=sdp_rank,
                        sdp_iterations=sdp_iterations, time_limit=time_limit, methods=methods, progress=progress)
    with threadpool_limits(limits=int(blas_threads)):
        return _compare(dataset, beta=beta, n_patterns=n_patterns, seed=seed, sdp_max_n=sdp_max_n,
                        exact_max_patterns=exact_max_patterns, lp_objective=lp_objective, lp_backend=lp_backend,
                        mlp_width=mlp_width, mlp_max_iter=mlp_max_iter, sdp_rank=sdp_rank,
                        sdp_iterations=sdp_iterations, time_limit=time_limit, methods=methods, progress=progress)


def _compare(dataset, *, beta, n_patterns, seed, sdp_max_n, exact_max_patterns, lp_objective, lp_backend,
             mlp_width, mlp_max_iter, sdp_rank, sdp_iterations, time_limit, methods, progress) -> Comparison:
    from .program import _check_nonneg

    t_all = time.perf_counter()
    defaults = DATASET_DEFAULTS.get(dataset, {}) if isinstance(dataset, str) else {}
    if n_patterns is None:
        n_patterns = defaults.get("n_patterns", DEFAULT_PATTERNS)
    if sdp_max_n is None:
        sdp_max_n = defaults.get("sdp_max_n", DEFAULT_SDP_MAX_N)
    beta = _check_nonneg(beta, "beta", positive=True)
    n_patterns = _check_int(n_patterns, "n_patterns", 1)
    seed = _check_int(seed, "seed", 0)
    sdp_max_n = _check_int(sdp_max_n, "sdp_max_n", 2)
    if not isinstance(lp_backend, str):
        raise UnknownOptionError(f"lp_backend must be a backend name, got {lp_backend!r}")
    exact_max_patterns = _check_int(exact_max_patterns, "exact_max_patterns", 1)
    mlp_width = _check_int(mlp_width, "mlp_width", 1)
    mlp_max_iter = _check_int(mlp_max_iter, "mlp_max_iter", 1)
    sdp_rank = _check_int(sdp_rank, "sdp_rank", 1)
    sdp_iterations = _check_int(sdp_iterations, "sdp_iterations", 0)
    if time_limit is not None:
        time_limit = _check_nonneg(time_limit, "time_limit", positive=True)
    if methods is None:
        run = set(METHODS)
    else:
        run = set(methods)
        bad = run - set(METHODS)
        if bad:
            raise UnknownOptionError(f"unknown methods {sorted(bad)}; choose from {list(METHODS)}")
    if isinstance(dataset, str):
        ds = load_compare_dataset(dataset)
        name = dataset
    else:
        from ..datasets import Dataset

        if not isinstance(dataset, Dataset):
            raise DataError(f"dataset must be a name or a relulp.datasets.Dataset, got {type(dataset).__name__}")
        ds, name = dataset, dataset.name
    task = ds.task
    if task == "classification" and not ds.is_binary:
        raise DataError(f"{name}: the comparison needs binary labels +-1 (or regression targets); "
                        f"use a name:class data set for one class against the rest")
    if lp_objective not in LP_OBJECTIVES or (task == "regression" and lp_objective != "l1"):
        raise UnknownOptionError(f"lp_objective must be one of {LP_OBJECTIVES} (regression: l1), got {lp_objective!r}")
    if task == "regression":
        run.discard("sklearn_mlp_classifier")
    say = progress or (lambda line: None)

    Xtr, ytr = ds.X_train, ds.y_train
    n, d0 = Xtr.shape
    sub = stratified_subsample(ytr, sdp_max_n, seed, task=task)
    subsampled = len(sub) < n
    Xs, ys = Xtr[sub], ytr[sub]
    sdp_data = (f"subsample of {len(sub)} of {n} training points" if subsampled else f"training set ({n})")
    settings = {"dataset": name, "description": ds.description, "classes": ds.classes, "task": task,
                "n_train": n, "n_test": ds.n_test, "d": d0, "beta": beta, "n_patterns": n_patterns, "seed": seed,
                "sdp_max_n": sdp_max_n, "sdp_n": len(sub), "sdp_subsampled": subsampled,
                "exact_max_patterns": exact_max_patterns, "lp_objective": lp_objective, "lp_backend": lp_backend,
                "mlp_width": mlp_width,
                "mlp_max_iter": mlp_max_iter, "sdp_rank": sdp_rank, "sdp_iterations": sdp_iterations,
                "time_limit": time_limit,
                "objective": "NN-TRAIN = 1/2||f - y||^2 + (beta/2)(||W1||_F^2 + ||w2||^2), biases through the "
                             "ones column (penalised), networks balanced",
                "sklearn_alpha": beta}
    records: list[dict] = []
    networks: dict = {}

    def base(method: str, data: str, n_seen: int) -> dict:
        rec = {"dataset": name, "method": method, "label": METHODS[method], "data": data, "n": n_seen,
               "status": None, "value": None, "lower_bound": None, "nn_train": None, "nn_train_sdp_data": None,
               "patterns": None, "neurons": None, "seconds": None, "error": None, "note": ""}
        if task == "classification":
            rec.update(train_accuracy=None, test_accuracy=None)
        else:
            rec.update(train_rmse=None, test_rmse=None)
        return rec

    def finish(rec: dict, net, t0: float) -> dict:
        rec["seconds"] = time.perf_counter() - t0
        if net is not None:
            networks[rec["method"]] = net
            try:
                rec["nn_train"] = nn_train(net, Xtr, ytr, beta)
                rec["nn_train_sdp_data"] = nn_train(net, Xs, ys, beta)
                rec["neurons"] = _active(net)
                rec.update(_scores(net, ds, task))
            except Exception as e:  # noqa: BLE001 - a record, never a crash
                rec["status"], rec["error"] = "error", f"scoring failed: {type(e).__name__}: {e}"
        records.append(rec)
        if rec["method"] == "sdp_nn":
            what = "" if rec["value"] is None else f", SDP value {rec['value']:.6g}"
        elif rec["nn_train"] is None:
            what = ""
        elif rec["n"] == n:
            what = f", NN-TRAIN {rec['nn_train']:.6g}"
        else:
            what = f", NN-TRAIN {rec['nn_train_sdp_data']:.6g} on its data, {rec['nn_train']:.6g} on the training set"
        say(f"{name}: {rec['label']}: {rec['status']}" + what
            + (f" ({rec['seconds']:.1f} s)" if rec["seconds"] is not None else "")
            + (f"; {rec['error']}" if rec["error"] else ""))
        return rec

    def guarded(method: str, data: str, n_seen: int, body: Callable[[dict], Any]) -> dict:
        rec = base(method, data, n_seen)
        t0 = time.perf_counter()
        net = None
        try:
            net = body(rec)
        except Exception as e:  # noqa: BLE001 - a failing method is a record with the error
            rec["status"] = "error"
            rec["error"] = f"{type(e).__name__}: {e}"
        return finish(rec, net, t0)

    # ---- patterns ----------------------------------------------------------------------------------
    tree_cache: dict = {}

    def sampled_tree():
        if "tree" not in tree_cache:
            from ..patterns import sample_patterns
            from ..tree import PatternTree

            tree_cache["tree"] = PatternTree(sample_patterns(Xtr, n_patterns, seed=seed))
        return tree_cache["tree"]

    def convex_body(X, y, patterns_kind: str):
        def body(rec):
            from .. import solvers
            from ..patterns import enumerate_patterns, sample_patterns
            from ..tree import PatternTree
            from .program import build_convex_program
            from .solve import solve_convex

            if patterns_kind == "exact":
                from ..exceptions import PatternError

                try:
                    D = enumerate_patterns(X, max_patterns=exact_max_patterns)
                except PatternError as e:
                    rec["status"] = "skipped"
                    rec["note"] = f"too large for the exact program (exact_max_patterns={exact_max_patterns:,}): {e}"
                    return None
                tree = PatternTree(D)
            elif X is Xtr:
                tree = sampled_tree()
            else:
                tree = PatternTree(sample_patterns(X, n_patterns, seed=seed))
            rec["patterns"] = int(tree.sizes[0])
            prog = build_convex_program(tree, X, y, loss="squared", beta=beta, normalization=1.0,
                                        fit_intercept=True, task=task)
            res = solve_convex(prog, time_limit=time_limit)
            rec["status"] = res.status.value
            rec["value"] = res.objective if res.status in (solvers.Status.OPTIMAL,
                                                           solvers.Status.OPTIMAL_INACCURATE) else None
            if res.message and res.status is not solvers.Status.OPTIMAL:
                rec["note"] = res.message
            return res.network
        return body

    # (a) exact convex program, full training set
    if "exact_convex" in run:
        guarded("exact_convex", f"training set ({n})", n, convex_body(Xtr, ytr, "exact"))
    # (b) sampled convex program
    if "sampled_convex" in run:
        guarded("sampled_convex", f"training set ({n})", n, convex_body(Xtr, ytr, "sampled"))

    # (c) SDP-NN and its rounding
    sdp_sol: dict = {}
    if "sdp_nn" in run:
        def sdp_body(rec):
            from .sdp import build_sdp_nn, solve_sdp_nn

            prob = build_sdp_nn(Xs, ys, beta, bias=True)
            sol = solve_sdp_nn(prob, time_limit=time_limit)
            sdp_sol["sol"] = sol
            rec["status"] = sol.status.value
            rec["value"] = sol.value
            rec["lower_bound"] = sol.lower_bound
            cert = sol.certificates
            rec["certified"] = bool(sol.certified)
            rec["note"] = (("certified lower bound for the data it saw" if sol.certified else
                            "NOT certified: " + (cert.summary() if cert is not None else "no point"))
                           + (f"; a lower bound for the subsample only ({len(sub)} of {n} points)" if subsampled
                              else ""))
            rec["sdp_side"] = prob.k
            return None
        guarded("sdp_nn", sdp_data, len(sub), sdp_body)
    if "sdp_rounded" in run and "sol" in sdp_sol:
        def round_body(rec):
            from .sdp import round_sdp_nn

            rnd = round_sdp_nn(sdp_sol["sol"], rank=sdp_rank, n_iter=sdp_iterations, task=task)
            rec["status"] = "rounded"
            rec["value"] = rnd.objective
            rec["note"] = f"TOS iterate {rnd.iteration} of {sdp_iterations} (least NN-TRAIN on the SDP's data)"
            return rnd.network
        guarded("sdp_rounded", sdp_data, len(sub), round_body)
    # the convex program on the SDP's subsample: exact where it fits, else sampled
    if "convex_sdp_data" in run and subsampled:
        def sub_body(rec):
            from ..exceptions import PatternError
            from ..patterns import enumerate_patterns

            try:
                enumerate_patterns(Xs, max_patterns=exact_max_patterns)
                kind = "exact"
            except PatternError:
                kind = "sampled"
            rec["patterns_kind"] = kind
            net = convex_body(Xs, ys, kind)(rec)
            rec["note"] = (f"{'every pattern' if kind == 'exact' else f'{n_patterns} sampled directions'} "
                           f"of the subsample; " + rec["note"]).rstrip("; ")
            return net
        guarded("convex_sdp_data", sdp_data, len(sub), sub_body)

    # (d) the LP route
    if "lp" in run:
        def lp_body(rec):
            from .. import solvers
            from ..assemble import build_lp
            from ..network import recover_network

            tree = sampled_tree()
            rec["patterns"] = int(tree.sizes[0])
            kw = {} if lp_objective == "min_l1" else {"lam": beta}
            lp = build_lp(tree, Xtr, ytr, lp_objective, **kw)
            res = solvers.solve(lp, backend=lp_backend, time_limit=time_limit)
            rec["status"] = res.status.value
            rec["value"] = None if res.objective is None else float(res.objective) / lp.objective_scale
            rec["note"] = (f"LP objective {lp_objective}" + (f" (lam = beta = {beta:g})" if kw else "")
                           + f", {getattr(res, 'backend', lp_backend)} {getattr(res, 'method', '')}".rstrip())
            if res.x is None or not np.all(np.isfinite(res.x)):
                return None
            net = recover_network(lp, res.x)
            net.info["task"] = task
            return net
        guarded("lp", f"training set ({n})", n, lp_body)

    # (e) scikit-learn
    def mlp_body(kind: str):
        def body(rec):
            from sklearn.exceptions import ConvergenceWarning
            from sklearn.neural_network import MLPClassifier, MLPRegressor

            cls = MLPRegressor if kind == "regressor" else MLPClassifier
            mlp = cls(hidden_layer_sizes=(mlp_width,), activation="relu", solver="lbfgs", alpha=beta,
                      max_iter=mlp_max_iter, tol=1e-10, random_state=seed)
            with warnings.catch_warnings(record=True) as caught:
                warnings.simplefilter("always", ConvergenceWarning)
                mlp.fit(Xtr, ytr)
            hit = any(issubclass(w.category, ConvergenceWarning) for w in caught)
            rec["status"] = "iteration_limit" if hit else "converged"
            rec["value"] = float(mlp.loss_) * n  # scikit-learn's own objective, times n (module docstring)
            rec["note"] = (f"alpha = beta = {beta:g}; L-BFGS {mlp.n_iter_} iterations, a local method (no "
                           f"certificate); sklearn's objective x n = {rec['value']:.6g} (intercepts unpenalised)"
                           + ("; log-loss, not the squared loss" if kind == "classifier" else ""))
            net = network_from_mlp(mlp, task)
            f_sk = mlp.predict(Xtr) if kind == "regressor" else None
            if f_sk is not None and not np.allclose(net.decision_function(Xtr), f_sk, rtol=1e-9, atol=1e-9):
                raise DataError("the converted MLP does not reproduce scikit-learn's predictions")
            return net
        return body

    if "sklearn_mlp" in run:
        guarded("sklearn_mlp", f"training set ({n})", n, mlp_body("regressor"))
    if "sklearn_mlp_classifier" in run:
        guarded("sklearn_mlp_classifier", f"training set ({n})", n, mlp_body("classifier"))

    order = list(METHODS)
    records.sort(key=lambda r: order.index(r["method"]))
    gaps = _gaps(records, subsampled, len(sub), n)
    return Comparison(dataset=name, task=task, records=records, gaps=gaps, settings=settings,
                      seconds=time.perf_counter() - t_all, networks=networks)


# ----------------------------------------------------------------------------------------------------
# gaps and checks
# ----------------------------------------------------------------------------------------------------

_GOOD = ("optimal",)


def _holds(lhs: float, rhs: float) -> bool:
    return lhs <= rhs + CHECK_RTOL * (1.0 + abs(rhs))


def _gaps(records: list[dict], subsampled: bool, n_sdp: int, n: int) -> dict:
    by = {r["method"]: r for r in records}
    nets = [r for r in records if r["nn_train_sdp_data"] is not None]
    out: dict = {"sdp_data": f"subsample of {n_sdp} of {n}" if subsampled else f"training set ({n})",
                 "sdp_value": None, "sdp_lower_bound": None, "sdp_certified": False,
                 "best_on_sdp_data": None, "best_method_on_sdp_data": None, "sdp_over_best": None,
                 "relative_gap": None, "exact_on_sdp_data": None, "sdp_over_exact": None,
                 "best_on_train": None, "best_method_on_train": None, "exact_on_train": None, "checks": []}
    sdp = by.get("sdp_nn")
    if sdp is not None and sdp["value"] is not None:
        out["sdp_value"] = sdp["value"]
        out["sdp_lower_bound"] = sdp["lower_bound"]
        out["sdp_certified"] = bool(sdp.get("certified"))
    if nets:
        best = min(nets, key=lambda r: r["nn_train_sdp_data"])
        out["best_on_sdp_data"], out["best_method_on_sdp_data"] = best["nn_train_sdp_data"], best["method"]
    full = [r for r in records if r["nn_train"] is not None]
    if full:
        best = min(full, key=lambda r: r["nn_train"])
        out["best_on_train"], out["best_method_on_train"] = best["nn_train"], best["method"]
    exact = by.get("exact_convex")
    if exact is not None and exact["status"] in _GOOD:
        out["exact_on_train"] = exact["value"]
        if not subsampled:
            out["exact_on_sdp_data"] = exact["value"]
    sub = by.get("convex_sdp_data")
    if sub is not None and sub.get("patterns_kind") == "exact" and sub["status"] in _GOOD:
        out["exact_on_sdp_data"] = sub["value"]
    lb = out["sdp_lower_bound"]
    if lb is not None:
        if out["best_on_sdp_data"]:
            out["sdp_over_best"] = lb / out["best_on_sdp_data"]
            out["relative_gap"] = (out["best_on_sdp_data"] - lb) / out["best_on_sdp_data"]
        if out["exact_on_sdp_data"]:
            out["sdp_over_exact"] = lb / out["exact_on_sdp_data"]
    checks = out["checks"]
    if lb is not None:
        for r in nets:
            checks.append({"claim": f"SDP lower bound <= NN-TRAIN of {r['method']} on the SDP's data",
                           "lhs": lb, "rhs": r["nn_train_sdp_data"], "holds": _holds(lb, r["nn_train_sdp_data"])})
        if out["exact_on_sdp_data"] is not None:
            checks.append({"claim": "SDP lower bound <= exact convex optimum on the SDP's data", "lhs": lb,
                           "rhs": out["exact_on_sdp_data"], "holds": _holds(lb, out["exact_on_sdp_data"])})
    q = out["exact_on_train"]
    if q is not None:
        samp = by.get("sampled_convex")
        if samp is not None and samp["status"] in _GOOD:
            checks.append({"claim": "exact convex optimum <= sampled convex optimum", "lhs": q,
                           "rhs": samp["value"], "holds": _holds(q, samp["value"])})
        for r in full:
            checks.append({"claim": f"exact convex optimum <= NN-TRAIN of {r['method']}", "lhs": q,
                           "rhs": r["nn_train"], "holds": _holds(q, r["nn_train"])})
    qs = out["exact_on_sdp_data"]
    if qs is not None and subsampled:
        for r in nets:
            checks.append({"claim": f"exact convex optimum on the SDP's data <= NN-TRAIN of {r['method']} there",
                           "lhs": qs, "rhs": r["nn_train_sdp_data"], "holds": _holds(qs, r["nn_train_sdp_data"])})
    out["all_checks_hold"] = all(c["holds"] for c in checks)
    return out


# ----------------------------------------------------------------------------------------------------
# output
# ----------------------------------------------------------------------------------------------------

def _f(v, fmt: str = ".4g") -> str:
    return "-" if v is None else format(v, fmt)


def format_table(comparisons) -> str:
    """A Markdown table of one or more :class:`Comparison` (one row per record) and a line per data set with
    the relaxation gap."""
    comparisons = list(comparisons)
    reg = any(c.task == "regression" for c in comparisons)
    acc = ("train RMSE", "test RMSE") if reg else ("train acc.", "test acc.")
    lines = [f"| data set | method | data | status | NN-TRAIN (train) | NN-TRAIN (SDP's data) | {acc[0]} | {acc[1]} "
             f"| neurons | seconds |",
             "|---|---|---|---|---|---|---|---|---|---|"]
    for c in comparisons:
        for r in c.records:
            if r["method"] == "sdp_nn":
                sdp_col = f"**{_f(r['value'])}** (SDP value)"
            else:
                sdp_col = _f(r["nn_train_sdp_data"])
            tr = r.get("train_accuracy", r.get("train_rmse"))
            te = r.get("test_accuracy", r.get("test_rmse"))
            status = r["status"] + (" (certified)" if r.get("certified") else "")
            nn = _f(r["nn_train"])
            lines.append(f"| {c.dataset} | {r['label']} | {r['data']} | {status} | {nn} | {sdp_col} | "
                         f"{_f(tr, '.3f')} | {_f(te, '.3f')} | {_f(r['neurons'], 'd')} | {_f(r['seconds'], '.1f')} |")
    return "\n".join(lines)


def gap_line(c: Comparison) -> str:
    """One sentence with the relaxation gap of a comparison."""
    g = c.gaps
    if g["sdp_value"] is None:
        return f"{c.dataset}: no SDP value"
    parts = [f"{c.dataset}: SDP value {g['sdp_value']:.4g} on the {g['sdp_data']}"
             + ("" if g["sdp_certified"] else " (NOT certified)")]
    if g["sdp_over_best"] is not None:
        parts.append(f"best NN-TRAIN found there {g['best_on_sdp_data']:.4g} ({g['best_method_on_sdp_data']}), "
                     f"SDP/best = {g['sdp_over_best']:.3f}")
    if g["sdp_over_exact"] is not None:
        parts.append(f"exact optimum {g['exact_on_sdp_data']:.4g}, SDP/exact = {g['sdp_over_exact']:.3f}")
    parts.append("checks " + ("all hold" if g["all_checks_hold"] else
                              "FAIL: " + "; ".join(x["claim"] for x in g["checks"] if not x["holds"])))
    return "; ".join(parts)


def plot_comparison(comparisons, path: str) -> str:
    """Bars of NN-TRAIN per method (log scale), one column per data set: top, on the training set (the exact
    optimum dashed where known); bottom, on the SDP's data, with the SDP value (a lower bound) dashed.
    Test accuracy (or RMSE) is written beside each bar. scikit-learn's MLPClassifier is left out: it minimises
    the log-loss, and its NN-TRAIN (on its logits) is orders of magnitude off the scale. Returns ``path``."""
    from ..cpal.plots import _plt, _save

    comparisons = list(comparisons)
    plt = _plt()
    k = len(comparisons)
    fig, axes = plt.subplots(2, k, figsize=(4.6 * k, 7.2), squeeze=False)
    colors = {"exact_convex": "#1b9e77", "sampled_convex": "#66a61e", "sdp_rounded": "#7570b3",
              "convex_sdp_data": "#1b9e77", "lp": "#d95f02", "sklearn_mlp": "#e7298a",
              "sklearn_mlp_classifier": "#a6761d"}
    short = {"exact_convex": "(a) exact convex", "sampled_convex": "(b) sampled convex",
             "sdp_rounded": "(c) SDP rounded", "convex_sdp_data": "(a/b) convex, subsample", "lp": "(d) LP",
             "sklearn_mlp": "(e) MLPRegressor"}
    for j, c in enumerate(comparisons):
        for row, key in ((0, "nn_train"), (1, "nn_train_sdp_data")):
            ax = axes[row][j]
            recs = [r for r in c.records if r.get(key) is not None and r["method"] in short]
            ys = np.arange(len(recs))
            vals = [r[key] for r in recs]
            ax.barh(ys, vals, color=[colors[r["method"]] for r in recs])
            ax.set_yticks(ys, [short[r["method"]] for r in recs], fontsize=8)
            ax.invert_yaxis()
            ax.set_xscale("log")
            for y, r, v in zip(ys, recs, vals):
                te = r.get("test_accuracy", r.get("test_rmse"))
                if te is not None:
                    ax.text(v, y, f" {te:.2f}", va="center", fontsize=7)
            g = c.gaps
            if row == 0:
                ax.set_title(f"{c.dataset}: NN-TRAIN, training set (n={c.settings['n_train']})", fontsize=9)
                if g["exact_on_train"] is not None:
                    ax.axvline(g["exact_on_train"], color="k", ls="--", lw=1, label="exact optimum")
                    ax.legend(fontsize=7, loc="lower right")
            else:
                ax.set_title(f"on the SDP's data ({g['sdp_data']})", fontsize=9)
                if g["sdp_value"] is not None:
                    ax.axvline(g["sdp_value"], color="#7570b3", ls="--", lw=1.2,
                               label="SDP value (lower bound)" if g["sdp_certified"] else "SDP value (not certified)")
                if g["exact_on_sdp_data"] is not None:
                    ax.axvline(g["exact_on_sdp_data"], color="k", ls=":", lw=1, label="exact optimum")
                if g["sdp_value"] is not None or g["exact_on_sdp_data"] is not None:
                    ax.legend(fontsize=7, loc="lower right")
            if vals:
                lo = min([*vals, *(v for v in (g["sdp_value"], g["exact_on_train"] if row == 0 else
                                                g["exact_on_sdp_data"]) if v)])
                ax.set_xlim(lo / 2.0, max(vals) * 8.0)
            ax.grid(alpha=0.3, axis="x")
            ax.set_xlabel("NN-TRAIN (log scale); test accuracy beside each bar" if c.task == "classification"
                          else "NN-TRAIN (log scale); test RMSE beside each bar", fontsize=8)
    fig.tight_layout()
    return _save(fig, path)
