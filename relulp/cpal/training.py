"""Algorithm 1, cutting-plane training on a labelled set (math.md §5): the loop (:class:`_TrainerMixin`) and
its estimators :class:`CuttingPlaneClassifier` and :class:`CuttingPlaneRegressor` (eps-tube cuts of
Algorithm 6). The shared machinery is :mod:`relulp.cpal.base`.
"""

from __future__ import annotations

import time

import numpy as np

from sklearn.base import ClassifierMixin, RegressorMixin

from .base import _COMMON_DOC, _POS_INT, _POS_REAL, _check_int, _check_real, _ClassifierOps, _constraints, \
    _CuttingPlaneBase
from .cuts import CutModel
from .exceptions import EmptyVersionSpaceError, InvalidParameterError
from .history import History, Step
from .sklearn_compat import store_params
from .status import TRAINING_PRECEDENCE, FitStatus

__all__ = ["CuttingPlaneClassifier", "CuttingPlaneRegressor"]


# ----------------------------------------------------------------------------------------------------
# Algorithm 1: cutting-plane training
# ----------------------------------------------------------------------------------------------------
class _TrainerMixin:
    _algorithm = "cutting-plane training (Algorithm 1)"

    def fit(self, X, y, *, eval_set=None):
        """Cutting-plane training (Algorithm 1) on the labelled set (X, y).

        For each version space: theta_c = centre(T); the training points that theta_c violates
        (``y f <= 0``, regression ``|f - y| > eps``) are found with one product F theta_c; the
        ``batch_size`` most violated are cut; repeat until none is violated (status ``FitStatus.CONVERGED``), or
        ``max_iter`` centres, ``max_cuts`` cuts or ``max_time`` seconds. Returns self.

        The oracle counts a point as violated when its fit row (``y f <= 0``, regression ``|f - y| > eps``)
        OR any of its cone rows fails at theta_c (:meth:`CutModel.cut_violations`, math.md §5): the cone
        rows make the pattern predictor equal the recovered network's forward pass at that point, so
        ``FitStatus.CONVERGED`` means that the network itself fits every training point (accuracy 1.0, or
        every residual within eps). ``FitStatus.STALLED``: only points already cut are violated (the centre
        is outside their rows: an inexact centre, or a point no theta can fit); ``message_`` names them.
        Other stops: ``MAX_CUTS``, ``MAX_ITER``, ``MAX_TIME``, ``EMPTY_VERSION_SPACE``
        (:class:`relulp.cpal.FitStatus`).
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
        self.status_ = FitStatus.RUNNING
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
                        status = FitStatus.MAX_CUTS
                        break
                    if iters >= p["max_iter"]:
                        status = FitStatus.MAX_ITER
                        break
                    if p["max_time"] is not None and time.perf_counter() - self._t0 > p["max_time"]:
                        status = FitStatus.MAX_TIME
                        break
                    try:
                        res = vs.center()
                    except EmptyVersionSpaceError as exc:
                        self._mark_empty(exc)
                        status = FitStatus.EMPTY_VERSION_SPACE
                        break
                    iters += 1
                    theta = vs.theta
                    f = self._cut_model.predict(theta)
                    # Algorithm 1's oracle: a point is violated when its fit row OR any of its cone rows
                    # fails at the centre (one sparse product over all cut rows): only then does
                    # CONVERGED mean that the recovered network fits every training point
                    viol_all = self._cut_model.cut_violations(theta, yk, task=self._task, eps=p["eps"], f=f)
                    viol = viol_all & ~cut_mask
                    step = Step(step=len(self.history_), space=k, center_seconds=res.seconds if res else 0.0,
                                center_recomputed=res is not None, center_info=res.info if res else {},
                                violated=int(viol_all.sum()), rows=vs.rows, cuts=self._n_cuts)
                    if ev is not None:
                        step.test_score = self._metric(self._centre_networks(), *ev)
                    self.history_.append(step)
                    if not viol_all.any():
                        status = FitStatus.CONVERGED
                        break
                    if not viol.any():
                        # only points already cut are violated: the centre lies outside their rows (an
                        # inexact centre, or a fit row that is zero for every theta); cutting again
                        # cannot help, and the network does not fit them
                        bad = np.flatnonzero(viol_all)
                        self.message_ = (f"stalled: the centre violates the cuts of {bad.size} point(s) already "
                                         f"cut (e.g. {bad[:5].tolist()}); the network does not fit them")
                        status = FitStatus.STALLED
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
                if status is FitStatus.EMPTY_VERSION_SPACE:
                    break
        finally:
            bar.close()
        if self.status_ is FitStatus.RUNNING:
            self.status_ = next(s for s in TRAINING_PRECEDENCE if s in statuses)
        self.n_labels_used_ = n
        self.n_iter_ = len(self.history_)
        self._finish(np.arange(n), T, p)
        return self


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
                 max_time=None, final_solve=False, final_objective=None, final_lam=None, backend="auto",
                 method=None, time_limit=None, solver_options=None, memory_limit=None, random_state=None,
                 progress=False):
        store_params(self, locals())


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
                 max_time=None, final_solve=False, final_objective=None, final_lam=None, backend="auto",
                 method=None, time_limit=None, solver_options=None, memory_limit=None, random_state=None,
                 progress=False):
        store_params(self, locals())
