"""scikit-learn estimators that train a ReLU network by solving the full LP (Theorem 4.2; math.md §3-4).

``fit`` samples activation patterns of the training set (:func:`relulp.sample_patterns`, or
:func:`relulp.sample_deep_patterns` for several hidden layers), builds the LP of the pattern tree with
:func:`relulp.build_lp`, solves it with any backend of :mod:`relulp.solvers` and keeps the recovered network
(:func:`relulp.recover_network`). ``predict`` / ``decision_function`` are the network's numpy forward pass.

>>> from relulp.estimators import ReLULPClassifier
>>> from relulp.datasets import spiral
>>> ds = spiral()
>>> clf = ReLULPClassifier(n_patterns=1000, objective="min_l1", random_state=0).fit(ds.X_train, ds.y_train)
>>> clf.score(ds.X_train, ds.y_train)                                           # doctest: +SKIP
1.0

An LP that does not end with status OPTIMAL (a verified optimum) raises :class:`LPNotSolvedError`.
Multi-class labels are one-vs-rest (:func:`relulp.build_ovr_lps`): one LP per class on shared patterns.
"""

from __future__ import annotations

from numbers import Integral, Real

import numpy as np
from sklearn.base import ClassifierMixin, RegressorMixin
from sklearn.utils._param_validation import Interval, StrOptions

from .cpal.sklearn_compat import SOLVER_PARAM_CONSTRAINTS, RelulpEstimator, fit_data, store_params, \
    validate_data
from .exceptions import DataError, LPNotSolvedError
from .tree import FORMULATIONS, PatternTree

__all__ = ["LPNotSolvedError", "ReLULPClassifier", "ReLULPRegressor"]


_CLS_OBJECTIVES = ("min_l1", "hinge", "feasibility")
_REG_OBJECTIVES = ("l1", "eps")
_POS_REAL = Interval(Real, 0, None, closed="neither")

_COMMON_CONSTRAINTS = {
    "n_patterns": [Interval(Integral, 1, None, closed="left"), "array-like"],
    "depth": [Interval(Integral, 1, None, closed="left"), None],
    "lam": [Interval(Real, 0, None, closed="left"), None],
    "formulation": [StrOptions(set(FORMULATIONS))],
    "fit_intercept": ["boolean"],
    **SOLVER_PARAM_CONSTRAINTS,
}


class _ReLULPBase(RelulpEstimator):
    _task = "classification"
    _fitted_attr = "network_"
    _parameter_constraints: dict = {}

    # ------------------------------------------------------------------ fitting
    def _layer_sizes(self) -> list[int] | int:
        n_pat = self.n_patterns
        if isinstance(n_pat, Integral) and not isinstance(n_pat, (bool, np.bool_)):
            depth = 1 if self.depth is None else int(self.depth)
            return int(n_pat) if depth == 1 else [int(n_pat)] * depth
        sizes = list(np.asarray(n_pat).ravel())
        if not sizes or not all(isinstance(s, Integral) and not isinstance(s, (bool, np.bool_)) and s >= 1
                                for s in sizes):
            raise DataError(f"n_patterns must be an integer or a sequence of integers >= 1, got {n_pat!r}")
        if self.depth is not None and int(self.depth) != len(sizes):
            raise DataError(f"depth={self.depth} but n_patterns lists {len(sizes)} layers")
        return [int(s) for s in sizes]

    def _tree(self, X) -> PatternTree:
        from .patterns import sample_deep_patterns, sample_patterns

        rs = self.random_state
        if isinstance(rs, np.random.Generator):
            rs = np.random.RandomState(int(rs.integers(2**31 - 1)))
        elif not isinstance(rs, np.random.RandomState):
            rs = np.random.RandomState(rs)  # numpy's legacy stream, as the reference code draws its patterns
        sizes = self._layer_sizes()
        if isinstance(sizes, int):
            return PatternTree(sample_patterns(X, sizes, seed=rs, fit_intercept=self.fit_intercept,
                                               memory_limit=self.memory_limit))
        return PatternTree(sample_deep_patterns(X, sizes, seed=rs, fit_intercept=self.fit_intercept,
                                                memory_limit=self.memory_limit))

    def _solve(self, tree: PatternTree, X, y):
        """Build and solve one LP; returns (network, result, objective in original units)."""
        from . import solvers
        from .assemble import build_lp
        from .network import recover_network

        kw = {"eps": self.eps} if getattr(self, "eps", None) is not None and self.objective == "eps" else {}
        lp = build_lp(tree, X, y, self.objective, self.formulation, lam=self.lam, fit_intercept=self.fit_intercept,
                      memory_limit=self.memory_limit, **kw)
        res = solvers.solve(lp, backend=self.backend, method=self.method, time_limit=self.time_limit,
                            **(self.solver_options or {}))
        if res.status != solvers.Status.OPTIMAL:
            raise LPNotSolvedError(f"the {self.objective} LP ({lp.num_rows} rows, {lp.num_cols} columns) ended with "
                                   f"status {res.status} on backend {self.backend!r}, not a verified optimum"
                                   + (f": {res.message}" if getattr(res, "message", "") else ""),
                                   status=res.status, result=res)
        net = recover_network(lp, res.x, fit_intercept=self.fit_intercept)
        net.info["task"] = self._task
        return net, res, float(res.objective) / lp.objective_scale

    def _validate_X(self, X) -> np.ndarray:
        self._check_fitted()
        return validate_data(self, X, reset=False, dtype=np.float64)


class ReLULPClassifier(ClassifierMixin, _ReLULPBase):
    """A ReLU network classifier trained by solving the full LP of sampled activation patterns.

    Parameters
    ----------
    n_patterns : int or sequence of int, default 20
        Random directions sampled per hidden layer; a sequence samples one layer per entry from one random
        network (:func:`relulp.sample_deep_patterns`).
    depth : int, optional
        Hidden layers when ``n_patterns`` is an int (the same number sampled per layer); default 1.
    objective : {"hinge", "min_l1", "feasibility"}, default "hinge"
        math.md §4. ``hinge`` is always feasible (non-separable data trains); ``min_l1`` and ``feasibility``
        need data that the patterns separate (else the LP is infeasible and fit raises).
    lam : float, optional
        lambda of ``hinge`` (the weight of sum |u|).
    formulation : {"nested", "auxiliary"}, default "nested"
    fit_intercept : bool, default True
    backend, method, time_limit, solver_options :
        The LP solver (:func:`relulp.solvers.solve`).
    memory_limit : int, optional
        Byte cap on the LP build.
    random_state : int, numpy RandomState / Generator or None
        Seeds the pattern sample (numpy's legacy stream: ``random_state=0`` and 1000 samples give the paper's
        623 spiral patterns).

    Attributes
    ----------
    classes_, n_features_in_ : as scikit-learn
    network_ : :class:`relulp.ReLUNetwork` (binary) or :class:`relulp.OneVsRestNetwork`
    tree_ : the pattern tree; status_ : the solver status (OPTIMAL); objective_ : the LP objective in
        original units (one-vs-rest: the sum over the classes; ``objectives_`` per class)
    n_iter_ : LPs solved (1, or K for one-vs-rest)

    ``predict`` gives ``classes_[1]`` iff the network's f(x) > 0 (the tie f == 0 gives ``classes_[0]``, as
    ``decision_function(X) > 0`` says); one-vs-rest: the class of the largest f_k.
    """

    _task = "classification"
    _parameter_constraints = dict(_COMMON_CONSTRAINTS, objective=[StrOptions(set(_CLS_OBJECTIVES))])

    def __init__(self, *, n_patterns=20, depth=None, objective="hinge", lam=None, formulation="nested",
                 fit_intercept=True, backend="highs", method=None, time_limit=None, solver_options=None,
                 memory_limit=None, random_state=None):
        store_params(self, locals())

    def fit(self, X, y):
        """Sample patterns of X, solve the LP (one per class for more than two classes). Returns self."""
        from .network import OneVsRestNetwork

        self._validate_params()
        X, y, classes = fit_data(self, X, y, classification=True)
        tree = self._tree(X)
        if len(classes) == 2:
            targets = [np.where(y == classes[1], 1.0, -1.0)]
        else:
            targets = [np.where(y == c, 1.0, -1.0) for c in classes]  # one-vs-rest, as relulp.build_ovr_lps
        fits = [self._solve(tree, X, t) for t in targets]
        self.classes_ = classes
        self.tree_ = tree
        self.networks_ = [f[0] for f in fits]
        self.status_ = fits[0][1].status
        self.objectives_ = [f[2] for f in fits]
        self.objective_ = float(sum(self.objectives_))
        self.n_iter_ = len(fits)
        self.network_ = self.networks_[0] if len(fits) == 1 else OneVsRestNetwork(classes, self.networks_)
        return self

    def decision_function(self, X) -> np.ndarray:
        """f(x): (n,) for two classes, (n, K) for one-vs-rest; the network's numpy forward pass."""
        X = self._validate_X(X)
        return self.network_.decision_function(X)

    def predict(self, X) -> np.ndarray:
        """``classes_[1]`` iff f(x) > 0 (two classes); the class of the largest f_k (one-vs-rest)."""
        f = self.decision_function(X)
        if f.ndim == 1:
            return np.where(f > 0, self.classes_[1], self.classes_[0])
        return self.classes_[np.argmax(f, axis=1)]


class ReLULPRegressor(RegressorMixin, _ReLULPBase):
    """A ReLU network regressor trained by solving the full LP of sampled activation patterns.

    Parameters
    ----------
    objective : {"l1", "eps"}, default "l1"
        math.md §4: sum |f - y| (+ lam sum |u|), or the eps-insensitive loss.
    eps : float, optional
        Half-width of the ``eps`` objective's tube (its default when None).
    n_patterns, depth, lam, formulation, fit_intercept, backend, method, time_limit, solver_options,
    memory_limit, random_state : as :class:`ReLULPClassifier`.

    Attributes
    ----------
    network_, tree_, status_, objective_ (original units), n_iter_ (1), n_features_in_
    """

    _task = "regression"
    _parameter_constraints = dict(_COMMON_CONSTRAINTS, objective=[StrOptions(set(_REG_OBJECTIVES))],
                                  eps=[Interval(Real, 0, None, closed="left"), None])

    def __init__(self, *, n_patterns=20, depth=None, objective="l1", eps=None, lam=None, formulation="nested",
                 fit_intercept=True, backend="highs", method=None, time_limit=None, solver_options=None,
                 memory_limit=None, random_state=None):
        store_params(self, locals())

    def fit(self, X, y):
        """Sample patterns of X and solve the regression LP. Returns self."""
        self._validate_params()
        X, y, _ = fit_data(self, X, y, classification=False, y_numeric=True)
        tree = self._tree(X)
        net, res, obj = self._solve(tree, X, y)
        self.tree_ = tree
        self.status_ = res.status
        self.objective_ = obj
        self.n_iter_ = 1
        self.network_ = net
        return self

    def predict(self, X) -> np.ndarray:
        """f(x), the network's numpy forward pass."""
        X = self._validate_X(X)
        return self.network_.decision_function(X)
