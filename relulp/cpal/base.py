"""The shared machinery of the cutting-plane learners (math.md §5): parameter checks, the pattern sample,
version spaces, the final solve (Algorithm 8), prediction and the run summary.

:class:`_CuttingPlaneBase` is the scikit-learn estimator base of the four learners (:mod:`relulp.cpal.training`
for Algorithm 1, :mod:`relulp.cpal.active` for Algorithms 4 and 6): it derives from
:class:`relulp.cpal.sklearn_compat.RelulpEstimator`, checks its parameters with ``_parameter_constraints``
(:func:`_constraints`) and then the finer checks of :meth:`_CuttingPlaneBase._common_params`, and validates
data with scikit-learn's validation. :meth:`~_CuttingPlaneBase.center_score`, :meth:`~_CuttingPlaneBase.rmse`
and the history's test scores use :mod:`relulp.metrics` (``accuracy``, ``rmse``); ``score`` is the scikit-learn
mixin's (accuracy, R^2), as :func:`sklearn.utils.estimator_checks.check_estimator` expects.
"""

from __future__ import annotations

import time
import warnings
from numbers import Integral, Real

import numpy as np

from sklearn.utils._param_validation import Interval, StrOptions

from relulp.exceptions import DataError, PatternError
from relulp.metrics import accuracy, rmse
from relulp.network import OneVsRestNetwork, recover_network
from relulp.tree import PatternTree

from .centers import CENTERS
from .exceptions import (
    EmptyVersionSpaceError,
    EmptyVersionSpaceWarning,
    FinalSolveWarning,
    InvalidParameterError,
    SingleClassError,
)
from .final import default_objective, final_solve, objectives_for
from .sklearn_compat import POSITIVE_INT, POSITIVE_REAL, SOLVER_PARAM_CONSTRAINTS, RelulpEstimator, \
    check_targets_classification, validate_data
from .status import FitStatus
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


# ----------------------------------------------------------------------------------------------------
# the base class
# ----------------------------------------------------------------------------------------------------
_POS_REAL = POSITIVE_REAL
_POS_INT = POSITIVE_INT

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
    **SOLVER_PARAM_CONSTRAINTS,
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
            return rmse(y, pred)
        return accuracy(y, pred)

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
                    warnings.warn(f"final solve ({p['final_objective']}) ended with status {str(fs.status)!r}; "
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
        self.status_ = FitStatus.EMPTY_VERSION_SPACE
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
        return rmse(y, self.predict(X))

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
            "algorithm": self._algorithm, "task": self._task, "status": str(self.status_),
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


# ----------------------------------------------------------------------------------------------------
# the parameters every public class documents
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
        The LP solver of the final solve (:func:`solvers.solve`). ``backend="auto"`` (default): Clarabel for
        LPs of at least 10,000 rows, else HiGHS (:func:`relulp.cpal.final.auto_backend`).
    memory_limit : int, optional
        Byte cap on LP builds (:func:`relulp.build_lp`).
    random_state : int, numpy Generator/RandomState or None
        Seeds the pattern sample, the random query rule and the centroid sampler.
    progress : bool, default False
        Show a tqdm progress bar.
"""

