"""Cutting-plane learners for ReLU networks of any depth, scikit-learn estimators (math.md §5).

They derive from scikit-learn's ``BaseEstimator`` and ``ClassifierMixin`` / ``RegressorMixin``, check their
parameters with ``_parameter_constraints`` and their data with scikit-learn's validation
(:mod:`relulp.cpal.sklearn_compat`: ``n_features_in_``, scikit-learn's messages, ``NotFittedError``), and
pass ``sklearn.utils.estimator_checks.check_estimator`` (tests/test_estimators.py). Binary classifiers
predict ``classes_[1]`` iff f(x) > 0 (``decision_function`` > 0; the tie f == 0 is ``classes_[0]``);
regressors have no ``decision_function``. ``n_iter_`` counts centres (Algorithm 1) or rounds (active
learning); ``budget_`` is the label budget in effect (``resume(budget=...)`` changes it, never the
constructor's ``budget``) and ``remaining_budget_`` what is left of it.

=============================  ==============================================================================
class                          algorithm
=============================  ==============================================================================
:class:`CuttingPlaneClassifier`  Algorithm 1: cutting-plane training on a labelled set (cut the most violated
                                 points until no training point is violated)
:class:`CuttingPlaneRegressor`   Algorithm 1 with the eps-tube cuts of Algorithm 6
:class:`CPALClassifier`          Algorithm 4: cutting-plane active learning with a label budget over a pool
:class:`CPALRegressor`           Algorithm 6: the active learner for regression (eps-tube cuts)
=============================  ==============================================================================

The parameter vector theta is the leaf block u of the nested LP of the pattern tree (math.md §3): the
pool's predictions at a centre are one sparse product F theta, and a labelled point's cut is its rows of
that LP (:mod:`relulp.cpal.cuts`). The version space starts as T^0 (the ball of radius R by default, the
paper's choice; math.md §5) and every cut intersects it with the labelled point's rows. Predictions on new
data always use the recovered network's forward pass (:func:`relulp.recover_network`), never the pattern
matrix. Depth: ``n_patterns=1000`` samples one hidden layer (the paper's two-layer network);
``n_patterns=(50, 100)`` samples two hidden layers from one random network (the paper's three-layer net).

Faithful semantics of Algorithm 4 (math.md §5): every label looked at counts toward the budget; a label
with ``y f(x; theta_c) <= 0`` (regression: ``|f - y| > eps``) triggers a cut; no point is queried twice
(ties broken by index); the centre is recomputed only after a cut; one round uses one centre for all its
picks. Multi-class problems are one-vs-rest: one version space per class, the query rule applied to the
classes in turn, and each label cuts every class's space whose current centre it violates.
"""

from __future__ import annotations

import time
import warnings
from numbers import Integral, Real

import numpy as np

from sklearn.base import ClassifierMixin, RegressorMixin
from sklearn.utils._param_validation import Interval, StrOptions

from relulp.exceptions import DataError, PatternError
from relulp.network import OneVsRestNetwork, recover_network
from relulp.tree import PatternTree

from .centers import CENTERS
from .cuts import CutModel
from .exceptions import (
    BudgetError,
    EmptyVersionSpaceError,
    EmptyVersionSpaceWarning,
    FinalSolveWarning,
    InvalidParameterError,
    OracleError,
    SingleClassError,
)
from .final import default_objective, final_solve, objectives_for
from .history import History, Step
from .query import QUERY_RULES, REGRESSION_QUERY_RULES, round_plan, select
from .sklearn_compat import EstimatorNotFittedError, PoorScoreTags, RelulpEstimator, check_targets_classification, validate_data
from .version_space import VersionSpace

BOUNDS = ("ball", "box")


# ----------------------------------------------------------------------------------------------------
# small validators
# ----------------------------------------------------------------------------------------------------
def _is_int(v) -> bool:
    return isinstance(v, Integral) and not isinstance(v, (bool, np.bool_))


def _check_int(v, name: str, minimum: int = 1, allow_none: bool = False):
    if v is None and allow_none:
        return None
    if not _is_int(v) or v < minimum:
        raise InvalidParameterError(f"{name} must be an integer >= {minimum}{' or None' if allow_none else ''}, got {v!r}")
    return int(v)


def _check_real(v, name: str, *, positive: bool = True, allow_none: bool = False):
    if v is None and allow_none:
        return None
    if isinstance(v, (bool, np.bool_)) or not isinstance(v, Real) or not np.isfinite(v) or (positive and v <= 0):
        raise InvalidParameterError(f"{name} must be a finite number{' > 0' if positive else ''}, got {v!r}")
    return float(v)


def _check_choice(v, name: str, choices) -> str:
    if v not in choices:
        raise InvalidParameterError(f"{name} must be one of {tuple(choices)}, got {v!r}")
    return v


def _check_dict(v, name: str) -> dict:
    if v is None:
        return {}
    if not isinstance(v, dict):
        raise InvalidParameterError(f"{name} must be a dict or None, got {type(v).__name__}")
    return dict(v)


def _same(a, b) -> bool:
    try:
        return bool(a == b)
    except Exception:
        return False


def sample_tree(X, n_patterns, seed=0, fit_intercept: bool = True) -> PatternTree:
    """The pattern tree of the pool X: one hidden layer for an int ``n_patterns``
    (:func:`relulp.sample_patterns`), one layer per entry for a sequence (:func:`relulp.sample_deep_patterns`).

    An int ``seed`` seeds numpy's *legacy* stream (``np.random.RandomState(seed)``), as the reference code
    draws its patterns: spiral, seed 0, 1000 samples gives the paper's 623 patterns, and (50, 100) its
    34 x 57.
    """
    from relulp.patterns import sample_deep_patterns, sample_patterns

    if not isinstance(seed, (np.random.RandomState, np.random.Generator)):
        seed = np.random.RandomState(seed)
    if _is_int(n_patterns):
        return PatternTree(sample_patterns(X, int(n_patterns), seed=seed, fit_intercept=fit_intercept))
    return PatternTree(sample_deep_patterns(X, [int(v) for v in n_patterns], seed=seed, fit_intercept=fit_intercept))


class _KnownLabels:
    """The oracle of a labelled pool: returns y[i]."""

    def __init__(self, y):
        self.y = y

    def __call__(self, i: int):
        return self.y[i]


# ----------------------------------------------------------------------------------------------------
# the base class
# ----------------------------------------------------------------------------------------------------
_POS_REAL = Interval(Real, 0, None, closed="neither")
_POS_INT = Interval(Integral, 1, None, closed="left")

#: scikit-learn constraints of the parameters every learner has (checked at ``fit``, then the finer checks
#: of :meth:`_CuttingPlaneBase._common_params`: finite numbers, the entries of a ``n_patterns`` sequence)
_COMMON_CONSTRAINTS = {
    "n_patterns": [_POS_INT, "array-like"],
    "patterns": [None, "array-like", PatternTree],
    "fit_intercept": ["boolean"],
    "center": [StrOptions(set(CENTERS))],
    "bound": [StrOptions(set(BOUNDS)), None],
    "radius": [_POS_REAL],
    "center_tol": [_POS_REAL],
    "center_options": [dict, None],
    "prune": ["boolean"],
    "prune_options": [dict, None],
    "track_volume": ["boolean"],
    "volume_options": [dict, None],
    "max_cuts": [_POS_INT, None],
    "final_solve": ["boolean"],
    "final_lam": [Interval(Real, 0, None, closed="left"), None],
    "backend": [str],
    "method": [str, None],
    "time_limit": [_POS_REAL, None],
    "solver_options": [dict, None],
    "memory_limit": [Interval(Integral, 1, None, closed="left"), None],
    "random_state": ["random_state", np.random.Generator],
    "progress": ["boolean"],
}


def _constraints(task: str, **extra) -> dict:
    out = dict(_COMMON_CONSTRAINTS)
    out["final_objective"] = [StrOptions(set(objectives_for(task))), None]
    out.update(extra)
    return out


class _CuttingPlaneBase(RelulpEstimator):
    """Shared machinery: parameters, patterns, version spaces, final solve and prediction."""

    _task = "classification"
    _active = False
    _fitted_attr = "networks_"
    _parameter_constraints: dict = {}

    # ------------------------------------------------------------------ parameters
    def _common_params(self) -> dict:
        p = {}
        p["center"] = _check_choice(self.center, "center", CENTERS)
        bound = self.bound if self.bound is not None else ("ball" if self._task == "classification" else "box")
        p["bound"] = _check_choice(bound, "bound", BOUNDS)
        p["radius"] = _check_real(self.radius, "radius")
        p["center_tol"] = _check_real(self.center_tol, "center_tol")
        p["center_options"] = _check_dict(self.center_options, "center_options")
        p["prune_options"] = _check_dict(self.prune_options, "prune_options")
        p["volume_options"] = _check_dict(self.volume_options, "volume_options")
        p["solver_options"] = _check_dict(self.solver_options, "solver_options")
        p["max_cuts"] = _check_int(self.max_cuts, "max_cuts", 1, allow_none=True)
        p["time_limit"] = _check_real(self.time_limit, "time_limit", allow_none=True)
        p["final_lam"] = _check_real(self.final_lam, "final_lam", positive=False, allow_none=True)
        if p["final_lam"] is not None and p["final_lam"] < 0:
            raise InvalidParameterError(f"final_lam must be >= 0, got {self.final_lam!r}")
        obj = default_objective(self._task) if self.final_objective is None else self.final_objective
        p["final_objective"] = _check_choice(obj, "final_objective", objectives_for(self._task))
        for name in ("fit_intercept", "prune", "track_volume", "final_solve", "progress"):
            if not isinstance(getattr(self, name), (bool, np.bool_)):
                raise InvalidParameterError(f"{name} must be True or False, got {getattr(self, name)!r}")
        if not isinstance(self.backend, str):
            raise InvalidParameterError(f"backend must be a string, got {self.backend!r}")
        if self._task == "regression":
            p["eps"] = _check_real(self.eps, "eps")
        else:
            p["eps"] = 0.0
        if self.patterns is None:
            n_pat = self.n_patterns
            if _is_int(n_pat):
                _check_int(n_pat, "n_patterns")
            else:
                try:
                    sizes = list(n_pat)
                except TypeError:
                    raise InvalidParameterError(f"n_patterns must be an integer or a sequence of integers, got {n_pat!r}") from None
                if not sizes or not all(_is_int(s) and s >= 1 for s in sizes):
                    raise InvalidParameterError(f"n_patterns must be an integer or a sequence of integers >= 1, got {n_pat!r}")
        rs = self.random_state
        if not (rs is None or _is_int(rs) or isinstance(rs, (np.random.Generator, np.random.RandomState))):
            raise InvalidParameterError(f"random_state must be None, an int or a numpy generator, got {rs!r}")
        return p

    # ------------------------------------------------------------------ patterns
    def _pattern_seed(self):
        """The legacy numpy stream the reference code samples patterns from (np.random.seed(s); randn)."""
        rs = self.random_state
        if isinstance(rs, np.random.RandomState):
            return rs
        if isinstance(rs, np.random.Generator):
            return np.random.RandomState(int(rs.integers(2**31 - 1)))
        return np.random.RandomState(rs)

    def _make_tree(self, X: np.ndarray) -> PatternTree:
        if self.patterns is not None:
            tree = self.patterns if isinstance(self.patterns, PatternTree) else PatternTree(self.patterns)
            if tree.n != X.shape[0]:
                raise PatternError(f"patterns have {tree.n} rows but X has {X.shape[0]} points")
            return tree
        return sample_tree(X, self.n_patterns, self._pattern_seed(), self.fit_intercept)

    def _query_rng(self) -> np.random.Generator:
        rs = self.random_state
        if isinstance(rs, np.random.Generator):
            return rs
        if isinstance(rs, np.random.RandomState):
            return np.random.default_rng(int(rs.randint(2**31 - 1)))
        return np.random.default_rng(rs)

    def _new_space(self, p: dict, k: int) -> VersionSpace:
        seed = None
        if _is_int(self.random_state):
            seed = np.random.SeedSequence([int(self.random_state), k])
        return VersionSpace(self._cut_model.dim, self._cut_model.block_width,
                            coarse_block_width=self._cut_model.coarse_block_width, bound=p["bound"], radius=p["radius"],
                            center=p["center"], center_tol=p["center_tol"], center_options=p["center_options"],
                            prune=bool(self.prune), prune_options=p["prune_options"],
                            track_volume=bool(self.track_volume), volume_options=p["volume_options"], seed=seed)

    # ------------------------------------------------------------------ labels
    def _setup_classes(self, y_known, classes_param):
        """classes_ and the number of version spaces (1 for binary / regression, K for one-vs-rest)."""
        if self._task == "regression":
            self.classes_ = None
            return 1
        if y_known is not None:
            classes = np.unique(np.asarray(y_known))
            if classes_param is not None:
                given = np.asarray(classes_param)
                extra = np.setdiff1d(classes, given)
                if extra.size:
                    raise DataError(f"labels {extra.tolist()} are not among classes={given.tolist()}")
                classes = given
        elif classes_param is not None:
            classes = np.asarray(classes_param)
        else:
            classes = np.array([-1.0, 1.0])
        if len(classes) < 2 or len(np.unique(classes)) < len(classes):
            raise SingleClassError(f"classification needs at least two distinct classes; found {np.asarray(classes).tolist()}"
                                   + (" in the labels (a pool with one class)" if y_known is not None else ""))
        self.classes_ = classes
        return 1 if len(classes) == 2 else len(classes)

    def _class_index(self, label) -> int | None:
        for k, c in enumerate(self.classes_):
            if _same(label, c):
                return k
        return None

    def _targets(self, class_idx: np.ndarray) -> np.ndarray:
        """(K_spaces, n) +-1 targets of class indices (binary: classes_[1] is +1)."""
        class_idx = np.asarray(class_idx)
        if self._n_spaces == 1:
            return np.where(class_idx == 1, 1.0, -1.0)[None, :]
        return np.where(class_idx[None, :] == np.arange(self._n_spaces)[:, None], 1.0, -1.0)

    # ------------------------------------------------------------------ evaluation
    def _centre_networks(self) -> list:
        nets = []
        for vs in self._spaces:
            theta = vs.theta if vs.theta is not None else np.zeros(self._cut_model.dim)
            net = recover_network(self.tree_, theta, fit_intercept=self.fit_intercept)
            net.info["task"] = self._task
            nets.append(net)
        return nets

    def _outputs(self, nets, X) -> np.ndarray:
        return np.column_stack([net.decision_function(X) for net in nets])

    def _predict_with(self, nets, X) -> np.ndarray:
        out = self._outputs(nets, X)
        if self._task == "regression":
            return out[:, 0]
        if self._n_spaces == 1:
            # the tie f == 0 is undecided (Algorithm 1 counts y f <= 0 as violated for both labels);
            # like scikit-learn's linear classifiers, classes_[1] iff f > 0, so predict agrees with
            # decision_function > 0
            return np.where(out[:, 0] > 0, self.classes_[1], self.classes_[0])
        return self.classes_[np.argmax(out, axis=1)]

    def _metric(self, nets, X, y) -> float:
        pred = self._predict_with(nets, X)
        if self._task == "regression":
            return float(np.sqrt(np.mean((pred - np.asarray(y, dtype=float)) ** 2)))
        return float(np.mean(pred == np.asarray(y)))

    def _check_eval_set(self, eval_set):
        if eval_set is None:
            return None
        try:
            Xe, ye = eval_set
        except (TypeError, ValueError):
            raise InvalidParameterError("eval_set must be a pair (X_test, y_test)") from None
        Xe = validate_data(self, Xe, reset=False, dtype=np.float64)
        ye = np.asarray(ye)
        if ye.ndim != 1 or ye.shape[0] != Xe.shape[0]:
            raise DataError(f"eval_set y has shape {ye.shape}, expected ({Xe.shape[0]},)")
        return Xe, ye

    # ------------------------------------------------------------------ final solve and results
    def _finish(self, labelled_idx, labelled_targets_by_space, p) -> None:
        """Centres up to date, centre networks, optional final solve (Algorithm 8), public attributes."""
        for vs in self._spaces:
            if vs.stale and vs.empty is None:
                try:
                    res = vs.center()
                    if res is not None:
                        self._final_center_seconds += res.seconds
                except EmptyVersionSpaceError as exc:
                    self._mark_empty(exc)
        self.center_networks_ = self._centre_networks()
        self.theta_ = [vs.theta if vs.theta is not None else np.zeros(self._cut_model.dim) for vs in self._spaces]
        if self._n_spaces == 1:
            self.theta_ = self.theta_[0]
        self.final_ = None
        nets = list(self.center_networks_)
        if self.final_solve and len(labelled_idx):
            self.final_ = []
            for k in range(self._n_spaces):
                fs = final_solve(self.tree_, self._cut_model.X, labelled_targets_by_space[k], labelled_idx,
                                 objective=p["final_objective"], lam=p["final_lam"],
                                 eps=p["eps"] if p["final_objective"] == "eps" else None,
                                 fit_intercept=self.fit_intercept, backend=self.backend, method=self.method,
                                 time_limit=p["time_limit"], solver_options=p["solver_options"],
                                 memory_limit=self.memory_limit)
                if fs.success:
                    fs.network.info["task"] = self._task
                    nets[k] = fs.network
                else:
                    warnings.warn(f"final solve ({p['final_objective']}) ended with status {fs.status!r}; "
                                  "keeping the centre's network", FinalSolveWarning, stacklevel=3)
                self.final_.append(fs)
            if self._n_spaces == 1:
                self.final_ = self.final_[0]
        self.networks_ = nets
        if self._task == "classification" and self._n_spaces > 1:
            self.network_ = OneVsRestNetwork(np.asarray(self.classes_), nets)
        else:
            self.network_ = nets[0]
        self.seconds_ = time.perf_counter() - self._t0 + self._seconds_before

    def _mark_empty(self, exc) -> None:
        self.status_ = "empty_version_space"
        self.message_ = str(exc)
        warnings.warn(f"{type(self).__name__}: {exc}; stopping with what the run has",
                      EmptyVersionSpaceWarning, stacklevel=4)

    # ------------------------------------------------------------------ validation
    def _validate_fit_input(self, X, y):
        """(X, y) through scikit-learn's validation (``n_features_in_``; classification: its target checks)."""
        if self._task == "regression":
            return validate_data(self, X, y, dtype=np.float64, y_numeric=True)
        X, y = validate_data(self, X, y, dtype=np.float64)
        check_targets_classification(y)
        return X, y

    def _validate_X(self, X) -> np.ndarray:
        self._check_fitted()
        return validate_data(self, X, reset=False, dtype=np.float64)

    # ------------------------------------------------------------------ prediction API
    def predict(self, X) -> np.ndarray:
        """Class labels (classification) or f(x) (regression), from the recovered network's forward pass.
        Binary classification: ``classes_[1]`` iff f(x) > 0 (the tie f == 0 gives ``classes_[0]``, as
        ``decision_function(X) > 0`` says); one-vs-rest: the class of the largest f_k."""
        X = self._validate_X(X)
        return self._predict_with(self.networks_, X)

    def center_score(self, X, y) -> float:
        """Accuracy (or RMSE for regression) of the centres' networks: the model *before* the final solve."""
        X = self._validate_X(X)
        return self._metric(self.center_networks_, X, y)

    def rmse(self, X, y) -> float:
        """Root mean squared error of :meth:`predict` (regression)."""
        self._check_fitted()
        return float(np.sqrt(np.mean((self.predict(X) - np.asarray(y, dtype=float)) ** 2)))

    @property
    def cuts_(self) -> list:
        """The cut points in order (binary and regression), or one list per class (one-vs-rest)."""
        return self.cut_points_[0] if self._n_spaces == 1 else self.cut_points_

    @property
    def n_cuts_(self) -> int:
        return int(self._n_cuts)

    @property
    def n_rows_(self) -> int:
        return int(sum(vs.rows for vs in self._spaces))

    def summary(self) -> dict:
        """The headline numbers of the run (a JSON-friendly dict)."""
        self._check_fitted()
        out = {
            "algorithm": self._algorithm, "task": self._task, "status": self.status_,
            "labels_used": int(getattr(self, "n_labels_used_", 0)), "cuts": self.n_cuts_, "rows": self.n_rows_,
            "patterns": list(self.tree_.sizes), "parameters": int(self._cut_model.dim),
            "center": self.center, "bound": self._spaces[0].polytope.bound.value, "center_seconds": self.history_.total_center_seconds
            + self._final_center_seconds, "seconds": self.seconds_,
        }
        if self.final_ is not None:
            fl = self.final_ if isinstance(self.final_, list) else [self.final_]
            out["final_solve"] = [f.to_record() for f in fl]
        if getattr(self, "message_", ""):
            out["message"] = self.message_
        return out


# ----------------------------------------------------------------------------------------------------
# Algorithm 1: cutting-plane training
# ----------------------------------------------------------------------------------------------------
class _TrainerMixin:
    _algorithm = "cutting-plane training (Algorithm 1)"

    def fit(self, X, y, *, eval_set=None):
        """Cutting-plane training (Algorithm 1) on the labelled set (X, y).

        For each version space: theta_c = centre(T); the training points that theta_c violates
        (``y f <= 0``, regression ``|f - y| > eps``) are found with one product F theta_c; the
        ``batch_size`` most violated are cut; repeat until none is violated (status ``converged``), or
        ``max_iter`` centres, ``max_cuts`` cuts or ``max_time`` seconds. Returns self.

        The oracle counts a point as violated when its fit row (``y f <= 0``, regression ``|f - y| > eps``)
        OR any of its cone rows fails at theta_c (:meth:`CutModel.cut_violations`, math.md §5): the cone
        rows make the pattern predictor equal the recovered network's forward pass at that point, so
        ``converged`` means that the network itself fits every training point (accuracy 1.0, or every
        residual within eps). Status ``stalled``: only points already cut are violated (the centre is
        outside their rows: an inexact centre, or a point no theta can fit); ``message_`` names them.
        """
        self._validate_params()
        p = self._common_params()
        p["max_iter"] = _check_int(self.max_iter, "max_iter")
        p["batch_size"] = _check_int(self.batch_size, "batch_size")
        p["max_time"] = _check_real(self.max_time, "max_time", allow_none=True)
        if y is None:
            raise InvalidParameterError(f"{type(self).__name__} requires y to be passed, but the target y is None")
        X, y_arr = self._validate_fit_input(X, y)
        self._n_spaces = self._setup_classes(None if self._task == "regression" else y_arr, None)
        self._t0 = time.perf_counter()
        self._seconds_before = 0.0
        self._final_center_seconds = 0.0
        self.tree_ = self._make_tree(X)
        self._cut_model = CutModel(self.tree_, X, self.fit_intercept, self.memory_limit)
        ev = self._check_eval_set(eval_set)
        if self._task == "regression":
            T = y_arr[None, :]
        else:
            cls_idx = np.array([self._class_index(v) for v in y_arr])
            T = self._targets(cls_idx)
        self._spaces = [self._new_space(p, k) for k in range(self._n_spaces)]
        self.history_ = History()
        self.status_ = "running"
        self.message_ = ""
        self._n_cuts = 0
        self.cut_points_ = [[] for _ in range(self._n_spaces)]
        n = X.shape[0]
        statuses = []
        from tqdm.auto import tqdm

        bar = tqdm(total=p["max_cuts"], disable=not self.progress, desc="cuts", leave=False)
        try:
            for k, vs in enumerate(self._spaces):
                yk = T[k]
                cut_mask = np.zeros(n, dtype=bool)
                iters = 0
                status = None
                while status is None:
                    if p["max_cuts"] is not None and self._n_cuts >= p["max_cuts"]:
                        status = "max_cuts"
                        break
                    if iters >= p["max_iter"]:
                        status = "max_iter"
                        break
                    if p["max_time"] is not None and time.perf_counter() - self._t0 > p["max_time"]:
                        status = "max_time"
                        break
                    try:
                        res = vs.center()
                    except EmptyVersionSpaceError as exc:
                        self._mark_empty(exc)
                        status = "empty_version_space"
                        break
                    iters += 1
                    theta = vs.theta
                    f = self._cut_model.predict(theta)
                    # Algorithm 1's oracle: a point is violated when its fit row OR any of its cone rows
                    # fails at the centre (one sparse product over all cut rows): only then does
                    # "converged" mean that the recovered network fits every training point
                    viol_all = self._cut_model.cut_violations(theta, yk, task=self._task, eps=p["eps"], f=f)
                    viol = viol_all & ~cut_mask
                    step = Step(step=len(self.history_), space=k, center_seconds=res.seconds if res else 0.0,
                                center_recomputed=res is not None, center_info=res.info if res else {},
                                violated=int(viol_all.sum()), rows=vs.rows, cuts=self._n_cuts)
                    if ev is not None:
                        step.test_score = self._metric(self._centre_networks(), *ev)
                    self.history_.append(step)
                    if not viol_all.any():
                        status = "converged"
                        break
                    if not viol.any():
                        # only points already cut are violated: the centre lies outside their rows (an
                        # inexact centre, or a fit row that is zero for every theta); cutting again
                        # cannot help, and the network does not fit them
                        bad = np.flatnonzero(viol_all)
                        self.message_ = (f"stalled: the centre violates the cuts of {bad.size} point(s) already "
                                         f"cut (e.g. {bad[:5].tolist()}); the network does not fit them")
                        status = "stalled"
                        break
                    cand = np.flatnonzero(viol)
                    key = yk[cand] * f[cand] if self._task == "classification" else -np.abs(f[cand] - yk[cand])
                    room = p["batch_size"] if p["max_cuts"] is None else min(p["batch_size"], p["max_cuts"] - self._n_cuts)
                    batch = cand[np.argsort(key, kind="stable")[:room]]
                    A, b, fit = self._cut_model.cut(batch, yk[batch], task=self._task, eps=p["eps"],
                                                    with_fit_mask=True)
                    rec = vs.cut(A, b, fit)
                    cut_mask[batch] = True
                    self._n_cuts += batch.size
                    self.cut_points_[k].extend(int(i) for i in batch)
                    step.cut_points = [int(i) for i in batch]
                    step.cuts = self._n_cuts
                    step.rows = vs.rows
                    step.cut_ratios = [rec] if rec is not None else None
                    step.seconds = time.perf_counter() - self._t0
                    bar.update(batch.size)
                statuses.append(status)
                if status == "empty_version_space":
                    break
        finally:
            bar.close()
        if self.status_ == "running":
            order = ["stalled", "max_time", "max_cuts", "max_iter", "converged"]
            self.status_ = next(s for s in order if s in statuses)
        self.n_labels_used_ = n
        self.n_iter_ = len(self.history_)
        self._finish(np.arange(n), T, p)
        return self


# ----------------------------------------------------------------------------------------------------
# Algorithm 4 / 6: active learning
# ----------------------------------------------------------------------------------------------------
class _ActiveMixin:
    _algorithm = "cutting-plane active learning (Algorithm 4)"

    def fit(self, X, y=None, *, oracle=None, eval_set=None):
        """Active learning over the pool X with a label budget (Algorithm 4; Algorithm 6 for regression).

        Labels come from ``oracle(i)`` (a callable taking a pool index and returning its label) or, when
        ``y`` is given, from the known labels ``y[i]``. Each round uses the current centre theta_c and
        the pool predictions F theta_c; the query rule picks unqueried points, each label counts toward
        ``budget`` and a label that theta_c gets wrong cuts the version space. The run stops when the
        budget is spent, the pool is exhausted, ``max_cuts`` cuts were made, or the version space became
        empty (then it stops cleanly with what it has and warns). Optionally a final solve (Algorithm 8)
        trains the LP on the labelled set. ``eval_set=(X_test, y_test)`` records the centre's test score
        in the history. Returns self.

        An invalid label raises :class:`OracleError` and leaves the learner as it was before that query:
        :meth:`resume` continues the run.
        """
        self._validate_params()
        p = self._common_params()
        rules = QUERY_RULES if self._task == "classification" else REGRESSION_QUERY_RULES
        p["query"] = _check_choice(self.query, "query", rules)
        if y is not None and oracle is not None:
            raise InvalidParameterError("give the labels y or an oracle, not both")
        if y is None and oracle is None:
            raise InvalidParameterError(f"{type(self).__name__} requires y to be passed, but the target y is None: "
                                        "active learning needs an oracle (a callable) or the known labels y")
        if oracle is not None and not callable(oracle):
            raise InvalidParameterError(f"oracle must be callable (pool index -> label), got {type(oracle).__name__}")
        y_known = None
        if y is not None:
            X, y_known = self._validate_fit_input(X, y)
        else:
            X = validate_data(self, X, dtype=np.float64)
        n = X.shape[0]
        budget = self.budget
        if not _is_int(budget) or budget < 1:
            raise BudgetError(f"budget must be a positive integer, got {budget!r}")
        classes_param = getattr(self, "classes", None)
        self._n_spaces = self._setup_classes(y_known, classes_param)
        if budget > n:
            raise BudgetError(f"budget={budget} is larger than the pool (n_samples={n}): no point is queried twice")
        self._t0 = time.perf_counter()
        self._seconds_before = 0.0
        self._final_center_seconds = 0.0
        self.tree_ = self._make_tree(X)
        self._cut_model = CutModel(self.tree_, X, self.fit_intercept, self.memory_limit)
        self._oracle = oracle if oracle is not None else _KnownLabels(y_known)
        self._eval = self._check_eval_set(eval_set)
        self._p = p
        self.budget_ = int(budget)
        self._rng = self._query_rng()
        self._spaces = [self._new_space(p, k) for k in range(self._n_spaces)]
        self._f = [None] * self._n_spaces
        self._f_version = [0] * self._n_spaces
        self._queried = np.zeros(n, dtype=bool)
        self._round = None
        self._rounds = 0
        self._n_cuts = 0
        self.queried_ = []
        self.labels_ = []
        self.cut_points_ = [[] for _ in range(self._n_spaces)]
        self.history_ = History()
        self.status_ = "running"
        self.message_ = ""
        self.n_labels_used_ = 0
        self._run()
        return self

    def resume(self, oracle=None, *, budget=None, eval_set=None):
        """Continue a run: after an :class:`OracleError` (optionally with a new ``oracle``), or with a
        larger ``budget`` after a finished run. Returns self."""
        if not hasattr(self, "_queried"):
            raise EstimatorNotFittedError(f"this {type(self).__name__} has no run to resume; call fit first")
        if oracle is not None:
            if not callable(oracle):
                raise InvalidParameterError("oracle must be callable (pool index -> label)")
            self._oracle = oracle
        if budget is not None:
            n = self._queried.size
            if not _is_int(budget) or budget < self.n_labels_used_:
                raise BudgetError(f"budget must be an integer >= the labels already used ({self.n_labels_used_}), got {budget!r}")
            if budget > n:
                raise BudgetError(f"budget={budget} is larger than the pool ({n} points)")
            self.budget_ = int(budget)  # the constructor's ``budget`` is left as it was
        if eval_set is not None:
            self._eval = self._check_eval_set(eval_set)
        if self.status_ != "empty_version_space":
            self.status_ = "running"
        self._seconds_before = getattr(self, "seconds_", 0.0)
        self._t0 = time.perf_counter()
        self._run()
        return self

    # ------------------------------------------------------------------ the loop
    def _ask(self, i: int):
        """The oracle's label of pool point i, validated (raises OracleError, changing nothing)."""
        try:
            label = self._oracle(int(i))
        except OracleError:
            raise
        except Exception as exc:
            raise OracleError(f"the oracle failed on pool point {i}: {exc!r}", index=int(i)) from exc
        if self._task == "regression":
            try:
                v = float(label)
            except (TypeError, ValueError):
                raise OracleError(f"the oracle returned {label!r} for pool point {i}, not a number",
                                  index=int(i), label=label) from None
            if not np.isfinite(v):
                raise OracleError(f"the oracle returned a non-finite target {label!r} for pool point {i}",
                                  index=int(i), label=label)
            return v, None
        if np.ndim(label) != 0:
            raise OracleError(f"the oracle returned {label!r} for pool point {i}, not a single label",
                              index=int(i), label=label)
        k = self._class_index(label)
        if k is None:
            raise OracleError(f"the oracle returned {label!r} for pool point {i}, not one of the classes "
                              f"{np.asarray(self.classes_).tolist()}", index=int(i), label=label)
        return self.classes_[k], k

    def _start_round(self) -> bool:
        """Centre and predictions of the next round's space; False if the version space is empty."""
        k = self._rounds % self._n_spaces
        vs = self._spaces[k]
        try:
            res = vs.center()
        except EmptyVersionSpaceError as exc:
            self._mark_empty(exc)
            return False
        if res is None and self._f_version[k] != vs.version:
            # the centre was computed when a previous run finished (resume): this round is its first use
            res = vs.last_center
            self._final_center_seconds -= res.seconds
        if res is not None or self._f[k] is None:
            self._f[k] = self._cut_model.predict(vs.theta)
            self._f_version[k] = vs.version
        step = Step(step=len(self.history_), space=k, center_seconds=res.seconds if res else 0.0,
                    center_recomputed=res is not None, center_info=res.info if res else {},
                    labels_used=self.n_labels_used_, cuts=self._n_cuts, rows=vs.rows)
        if self._eval is not None:
            step.test_score = self._metric(self._centre_networks(), *self._eval)
        self.history_.append(step)
        self._round = {"space": k, "plan": list(round_plan(self._p["query"])), "step": step}
        return True

    def _run(self) -> None:
        from tqdm.auto import tqdm

        p = self._p
        bar = tqdm(total=self.budget_, initial=self.n_labels_used_, disable=not self.progress, desc="labels",
                   leave=False)
        try:
            while self.status_ == "running":
                if self.n_labels_used_ >= self.budget_:
                    self.status_ = "budget_spent"
                elif self._queried.all():
                    self.status_ = "pool_exhausted"
                elif p["max_cuts"] is not None and self._n_cuts >= p["max_cuts"]:
                    self.status_ = "max_cuts"
                if self.status_ != "running":
                    break
                if self._round is None:
                    if not self._start_round():
                        break
                rnd = self._round
                if not rnd["plan"]:
                    self._round = None
                    self._rounds += 1
                    continue
                k = rnd["space"]
                i = select(rnd["plan"][0], self._f[k], ~self._queried, self._rng)
                label, cls = self._ask(i)  # may raise OracleError: nothing has changed yet
                rnd["plan"].pop(0)
                self._commit(i, label, cls, rnd["step"])
                bar.update(1)
        finally:
            bar.close()
        if self.status_ in ("running",):  # pragma: no cover - defensive
            self.status_ = "stopped"
        idx = np.asarray(self.queried_, dtype=np.int64)
        if self._task == "regression":
            targets = np.asarray(self.labels_, dtype=np.float64)[None, :]
        else:
            cls = np.array([self._class_index(v) for v in self.labels_], dtype=np.int64)
            targets = self._targets(cls)
        self.n_iter_ = len(self.history_)
        self.remaining_budget_ = self.budget_ - self.n_labels_used_
        self._finish(idx, targets, p)

    def _commit(self, i: int, label, cls, step: Step) -> None:
        """Record the label of point i and cut every version space whose current centre it violates."""
        p = self._p
        self._queried[i] = True
        self.queried_.append(int(i))
        self.labels_.append(label.item() if hasattr(label, "item") else label)
        self.n_labels_used_ += 1
        step.queried.append(int(i))
        step.labels.append(self.labels_[-1])
        if self._task == "regression":
            targets = [float(label)]
        else:
            targets = self._targets(np.array([cls]))[:, 0]
        for j, vs in enumerate(self._spaces):
            fj = 0.0 if self._f[j] is None else float(self._f[j][i])  # theta = 0 before any centre
            yj = float(targets[j])
            if not self._cut_model.violations(np.array([fj]), np.array([yj]), task=self._task, eps=p["eps"])[0]:
                continue
            if p["max_cuts"] is not None and self._n_cuts >= p["max_cuts"]:
                break
            A, b, fit = self._cut_model.cut([i], [yj], task=self._task, eps=p["eps"], with_fit_mask=True)
            rec = vs.cut(A, b, fit)
            self._n_cuts += 1
            self.cut_points_[j].append(int(i))
            step.cut_points.append(int(i) if self._n_spaces == 1 else [int(i), j])
            if rec is not None:
                step.cut_ratios = (step.cut_ratios or []) + [dict(rec, cut=self._n_cuts)]
        step.labels_used = self.n_labels_used_
        step.cuts = self._n_cuts
        step.rows = self._spaces[step.space].rows
        step.seconds = time.perf_counter() - self._t0 + self._seconds_before


# ----------------------------------------------------------------------------------------------------
# classifier / regressor specifics
# ----------------------------------------------------------------------------------------------------
class _ClassifierOps:
    """``decision_function`` of the classifiers (regressors have none: their output is ``predict``)."""

    def decision_function(self, X) -> np.ndarray:
        """The network's output f(x): (n,) for binary problems (``predict`` gives ``classes_[1]`` iff
        f > 0), (n, K) for one-vs-rest (``predict`` gives the class of the largest column). Always the
        recovered network's forward pass (never the pattern matrix)."""
        X = self._validate_X(X)
        out = self._outputs(self.networks_, X)
        return out[:, 0] if out.shape[1] == 1 else out


_ACTIVE_POOR_SCORE = ("an active learner fits only the `budget` labels it asks for, so with a budget smaller than "
                      "the training set it does not reach scikit-learn's score thresholds, which assume a learner "
                      "that sees every label")


# ----------------------------------------------------------------------------------------------------
# public classes
# ----------------------------------------------------------------------------------------------------
_COMMON_DOC = """
    n_patterns : int or sequence of int, default 1000
        Random directions sampled per hidden layer (:func:`relulp.sample_patterns`; a sequence samples a
        deeper tree from one random network, :func:`relulp.sample_deep_patterns`). ``random_state`` seeds
        numpy's legacy stream as the reference code does, so ``random_state=0`` with 1000 samples gives the
        paper's 623 spiral patterns.
    patterns : (n, P) bool array, list of them, or PatternTree, optional
        Explicit patterns of the pool (overrides ``n_patterns``).
    fit_intercept : bool, default True
        Append a ones column to X (the paper's bias trick).
    center : {"analytic", "chebyshev", "centroid"}, default "analytic"
    bound : {"ball", "box"} or None, default None
        T^0: the paper's ball ``||theta|| <= radius`` or the box ``[-radius, radius]^N``. None: the ball
        for classification (the paper's centre; every cut is homogeneous, so the analytic centre is the
        well-conditioned form of math.md §5) and the box for regression (eps-tube rows are not
        homogeneous; see docs/cpal.md for why the ball is not the default there).
    radius : float, default 1.0
    center_tol : float, default 1e-12
        Newton decrement^2/2 target of the analytic centre.
    center_options, prune_options, volume_options : dict, optional
        Passed to the analysis module's centre, :meth:`Polytope.prune` and :meth:`Polytope.cut_ratio`.
    prune : bool, default False
        Drop redundant rows after each cut.
    track_volume : bool, default False
        Estimate every cut's vol(T_new)/vol(T) with a confidence interval (small N only; math.md §6).
    max_cuts : int, optional
        Stop after this many cuts.
    final_solve : bool, default False
        Algorithm 8: after the loop, solve the LP ``final_objective`` on the labelled set and predict with
        its network.
    final_objective : str, optional
        A math.md §4 objective (default ``min_l1`` for classification, ``l1`` for regression).
    final_lam : float, optional
        lambda of ``hinge`` / ``l1`` / ``eps``.
    backend, method, time_limit, solver_options :
        The LP solver of the final solve (:func:`solvers.solve`).
    memory_limit : int, optional
        Byte cap on LP builds (:func:`relulp.build_lp`).
    random_state : int, numpy Generator/RandomState or None
        Seeds the pattern sample, the random query rule and the centroid sampler.
    progress : bool, default False
        Show a tqdm progress bar.
"""


class CuttingPlaneClassifier(ClassifierMixin, _ClassifierOps, _TrainerMixin, _CuttingPlaneBase):
    __doc__ = """Cutting-plane training of a ReLU network classifier (Algorithm 1; math.md §5).

    Binary labels use one version space (``classes_[1]`` is the +1 class); more classes are one-vs-rest.

    Parameters
    ----------
    max_iter : int, default 1000
        Most centres per version space.
    batch_size : int, default 1
        Violated points cut per centre (the most violated first).
    max_time : float, optional
        Seconds.
""" + _COMMON_DOC

    _task = "classification"
    _parameter_constraints = _constraints("classification", max_iter=[_POS_INT], batch_size=[_POS_INT],
                                          max_time=[_POS_REAL, None])

    def __init__(self, *, n_patterns=1000, patterns=None, fit_intercept=True, center="analytic", bound=None,
                 radius=1.0, center_tol=1e-12, center_options=None, prune=False, prune_options=None,
                 track_volume=False, volume_options=None, max_cuts=None, max_iter=1000, batch_size=1,
                 max_time=None, final_solve=False, final_objective=None, final_lam=None, backend="highs",
                 method=None, time_limit=None, solver_options=None, memory_limit=None, random_state=None,
                 progress=False):
        self.n_patterns = n_patterns
        self.patterns = patterns
        self.fit_intercept = fit_intercept
        self.center = center
        self.bound = bound
        self.radius = radius
        self.center_tol = center_tol
        self.center_options = center_options
        self.prune = prune
        self.prune_options = prune_options
        self.track_volume = track_volume
        self.volume_options = volume_options
        self.max_cuts = max_cuts
        self.max_iter = max_iter
        self.batch_size = batch_size
        self.max_time = max_time
        self.final_solve = final_solve
        self.final_objective = final_objective
        self.final_lam = final_lam
        self.backend = backend
        self.method = method
        self.time_limit = time_limit
        self.solver_options = solver_options
        self.memory_limit = memory_limit
        self.random_state = random_state
        self.progress = progress


class CuttingPlaneRegressor(RegressorMixin, _TrainerMixin, _CuttingPlaneBase):
    __doc__ = """Cutting-plane training of a ReLU network regressor with eps-tube cuts (Algorithms 1 and 6).

    A point is violated when ``|f(x; theta_c) - y| > eps``; its cut is ``|f(x; theta) - y| <= eps`` plus
    its cone rows.

    Parameters
    ----------
    eps : float, default 1e-3
        Half-width of the tube (the reference's threshold).
    max_iter, batch_size, max_time : as :class:`CuttingPlaneClassifier`.
""" + _COMMON_DOC

    _task = "regression"
    _parameter_constraints = _constraints("regression", eps=[_POS_REAL], max_iter=[_POS_INT],
                                          batch_size=[_POS_INT], max_time=[_POS_REAL, None])

    def __init__(self, *, eps=1e-3, n_patterns=1000, patterns=None, fit_intercept=True, center="analytic",
                 bound=None, radius=1.0, center_tol=1e-12, center_options=None, prune=False, prune_options=None,
                 track_volume=False, volume_options=None, max_cuts=None, max_iter=1000, batch_size=1,
                 max_time=None, final_solve=False, final_objective=None, final_lam=None, backend="highs",
                 method=None, time_limit=None, solver_options=None, memory_limit=None, random_state=None,
                 progress=False):
        self.eps = eps
        self.n_patterns = n_patterns
        self.patterns = patterns
        self.fit_intercept = fit_intercept
        self.center = center
        self.bound = bound
        self.radius = radius
        self.center_tol = center_tol
        self.center_options = center_options
        self.prune = prune
        self.prune_options = prune_options
        self.track_volume = track_volume
        self.volume_options = volume_options
        self.max_cuts = max_cuts
        self.max_iter = max_iter
        self.batch_size = batch_size
        self.max_time = max_time
        self.final_solve = final_solve
        self.final_objective = final_objective
        self.final_lam = final_lam
        self.backend = backend
        self.method = method
        self.time_limit = time_limit
        self.solver_options = solver_options
        self.memory_limit = memory_limit
        self.random_state = random_state
        self.progress = progress


class CPALClassifier(PoorScoreTags, ClassifierMixin, _ClassifierOps, _ActiveMixin, _CuttingPlaneBase):
    __doc__ = """Cutting-plane active learning of a ReLU network classifier (Algorithm 4; math.md §5).

    Parameters
    ----------
    budget : int, default 20
        Labels the learner may look at (every label looked at counts, cut or not). At most the pool size.
    query : {"confidence", "uncertainty", "random"}, default "confidence"
        The paper's min/max rule, argmin |f|, or uniform sampling (:mod:`relulp.cpal.query`).
    classes : sequence, optional
        The classes an oracle can return (default: the classes of ``y``, or {-1, +1} with an oracle).
        More than two classes: one-vs-rest.
""" + _COMMON_DOC + """
    Attributes
    ----------
    queried_, labels_ : the pool indices asked, in order, and their labels
    cuts_ : the cut points in order (per class for one-vs-rest)
    n_labels_used_, n_cuts_, n_rows_ : counts
    history_ : :class:`relulp.cpal.History`, one step per round
    status_ : "budget_spent", "pool_exhausted", "max_cuts" or "empty_version_space"
    theta_ : the final centre (list per class for one-vs-rest)
    tree_ : the pattern tree; center_networks_ / networks_ / network_ : the recovered networks (before
        / after the final solve)
    final_ : :class:`relulp.cpal.final.FinalSolve` record(s) of the final solve
    """

    _task = "classification"
    _poor_score = True
    _poor_score_reason = _ACTIVE_POOR_SCORE
    _legacy_xfail_reasons = {
        "check_classifiers_classes": "scikit-learn < 1.6 requires every class of the training labels among the "
        "predictions, whatever poor_score says; an active learner that asked for a few labels need not predict "
        "every class (scikit-learn 1.6 dropped that assertion, and the check passes there)",
    }
    _parameter_constraints = _constraints("classification", budget=[_POS_INT], query=[StrOptions(set(QUERY_RULES))],
                                          classes=[None, "array-like"])

    def __init__(self, *, budget=20, query="confidence", classes=None, n_patterns=1000, patterns=None,
                 fit_intercept=True, center="analytic", bound=None, radius=1.0, center_tol=1e-12,
                 center_options=None, prune=False, prune_options=None, track_volume=False, volume_options=None,
                 max_cuts=None, final_solve=False, final_objective=None, final_lam=None, backend="highs",
                 method=None, time_limit=None, solver_options=None, memory_limit=None, random_state=None,
                 progress=False):
        self.budget = budget
        self.query = query
        self.classes = classes
        self.n_patterns = n_patterns
        self.patterns = patterns
        self.fit_intercept = fit_intercept
        self.center = center
        self.bound = bound
        self.radius = radius
        self.center_tol = center_tol
        self.center_options = center_options
        self.prune = prune
        self.prune_options = prune_options
        self.track_volume = track_volume
        self.volume_options = volume_options
        self.max_cuts = max_cuts
        self.final_solve = final_solve
        self.final_objective = final_objective
        self.final_lam = final_lam
        self.backend = backend
        self.method = method
        self.time_limit = time_limit
        self.solver_options = solver_options
        self.memory_limit = memory_limit
        self.random_state = random_state
        self.progress = progress


class CPALRegressor(PoorScoreTags, RegressorMixin, _ActiveMixin, _CuttingPlaneBase):
    __doc__ = """Cutting-plane active learning of a ReLU network regressor (Algorithm 6; math.md §5).

    A label triggers a cut when ``|f(x; theta_c) - y| > eps``; the cut is the eps tube plus the cone rows.

    Parameters
    ----------
    budget : int, default 20
    query : {"confidence", "uncertainty", "random"}, default "confidence"
        min f then max f per round, argmin |f| (what the reference's regression loop queries), or
        uniform sampling.
    eps : float, default 1e-3
""" + _COMMON_DOC

    _task = "regression"
    _algorithm = "cutting-plane active learning for regression (Algorithm 6)"
    _poor_score = True
    _poor_score_reason = _ACTIVE_POOR_SCORE
    _parameter_constraints = _constraints("regression", budget=[_POS_INT],
                                          query=[StrOptions(set(REGRESSION_QUERY_RULES))], eps=[_POS_REAL])

    def __init__(self, *, budget=20, query="confidence", eps=1e-3, n_patterns=1000, patterns=None,
                 fit_intercept=True, center="analytic", bound=None, radius=1.0, center_tol=1e-12,
                 center_options=None, prune=False, prune_options=None, track_volume=False, volume_options=None,
                 max_cuts=None, final_solve=False, final_objective=None, final_lam=None, backend="highs",
                 method=None, time_limit=None, solver_options=None, memory_limit=None, random_state=None,
                 progress=False):
        self.budget = budget
        self.query = query
        self.eps = eps
        self.n_patterns = n_patterns
        self.patterns = patterns
        self.fit_intercept = fit_intercept
        self.center = center
        self.bound = bound
        self.radius = radius
        self.center_tol = center_tol
        self.center_options = center_options
        self.prune = prune
        self.prune_options = prune_options
        self.track_volume = track_volume
        self.volume_options = volume_options
        self.max_cuts = max_cuts
        self.final_solve = final_solve
        self.final_objective = final_objective
        self.final_lam = final_lam
        self.backend = backend
        self.method = method
        self.time_limit = time_limit
        self.solver_options = solver_options
        self.memory_limit = memory_limit
        self.random_state = random_state
        self.progress = progress
