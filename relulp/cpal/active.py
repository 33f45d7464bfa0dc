"""Algorithms 4 and 6, cutting-plane active learning with a label budget over a pool (math.md §5): the loop
(:class:`_ActiveMixin`: query rule, oracle, cuts, ``resume``) and its estimators :class:`CPALClassifier`
and :class:`CPALRegressor`. The shared machinery is :mod:`relulp.cpal.base`.
"""

from __future__ import annotations

import time

import numpy as np

from sklearn.base import ClassifierMixin, RegressorMixin
from sklearn.utils._param_validation import StrOptions

from .base import _COMMON_DOC, _POS_INT, _POS_REAL, _check_choice, _check_int, _check_real, _ClassifierOps, \
    _constraints, _CuttingPlaneBase, _is_int
from .centers import chebyshev_radius
from .cuts import CutModel
from .exceptions import BudgetError, EmptyVersionSpaceError, InvalidParameterError, OracleError
from .history import History, Step
from .query import QUERY_RULES, REGRESSION_QUERY_RULES, VERSION_SPACE_RULES, Diversity, round_plan, select, \
    version_space_key
from .sklearn_compat import OPEN_UNIT_INTERVAL, EstimatorNotFittedError, PoorScoreTags, store_params, validate_data
from .status import FitStatus

__all__ = ["CPALClassifier", "CPALRegressor"]


class _KnownLabels:
    """The oracle of a labelled pool: returns y[i]."""

    def __init__(self, y):
        self.y = y

    def __call__(self, i: int):
        return self.y[i]


# ----------------------------------------------------------------------------------------------------
# Algorithm 4 / 6: active learning
# ----------------------------------------------------------------------------------------------------
class _ActiveMixin:
    _algorithm = "cutting-plane active learning (Algorithm 4)"
    #: batch mode conditions each round's later picks on the earlier ones (query.py, *Batch mode*); False
    #: gives the naive top-k batch, kept for the ablation of benchmarks/cpal_batch.py
    _condition_batches = True

    def fit(self, X, y=None, *, oracle=None, eval_set=None):
        """Active learning over the pool X with a label budget (Algorithm 4; Algorithm 6 for regression).

        Labels come from ``oracle(i)`` (a callable taking a pool index and returning its label) or, when
        ``y`` is given, from the known labels ``y[i]``. Each round uses the current centre theta_c and
        the pool predictions F theta_c; the query rule picks unqueried points, each label counts toward
        ``budget`` and a label that theta_c gets wrong cuts the version space. The run stops when the
        budget is spent, the pool is exhausted, ``max_cuts`` cuts were made, the version space became
        empty (then it stops cleanly with what it has and warns), or, with ``stop_radius_ratio``, its
        Chebyshev radius shrank below that fraction of T^0's (``VOLUME_SHRUNK``). With ``batch_size=k``
        each round asks k times the rule's picks at one centre, each pick conditioned on the earlier
        ones (:mod:`relulp.cpal.query`, *Batch mode*). Optionally a final solve (Algorithm 8)
        trains the LP on the labelled set. ``eval_set=(X_test, y_test)`` records the centre's test score
        in the history. Returns self.

        An invalid label raises :class:`OracleError` and leaves the learner as it was before that query:
        :meth:`resume` continues the run.
        """
        self._validate_params()
        p = self._common_params()
        rules = QUERY_RULES if self._task == "classification" else REGRESSION_QUERY_RULES
        p["query"] = _check_choice(self.query, "query", rules)
        p["query_options"] = self._query_options()
        p.update(self._batch_params())
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
        self._radius = [None] * self._n_spaces  # latest Chebyshev radius / R per space (stop_radius_ratio)
        self._radius_version = [-1] * self._n_spaces
        self.radius_ratio_ = None
        self._queried = np.zeros(n, dtype=bool)
        self._round = None
        self._rounds = 0
        self._n_cuts = 0
        self.queried_ = []
        self.labels_ = []
        self.cut_points_ = [[] for _ in range(self._n_spaces)]
        self.history_ = History()
        self.status_ = FitStatus.RUNNING
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
        self._p.update(self._batch_params())  # set_params(stop_radius_ratio=...) applies to the rest of the run
        if self.status_ is not FitStatus.EMPTY_VERSION_SPACE:
            self.status_ = FitStatus.RUNNING
        self._seconds_before = getattr(self, "seconds_", 0.0)
        self._t0 = time.perf_counter()
        self._run()
        return self

    def _query_options(self) -> dict:
        """``query_options`` of the version-space rules, checked (regression has none)."""
        opts = {"committee_size": 16, "committee_steps": 8}
        given = getattr(self, "query_options", None)
        if given is None:
            return opts
        if not isinstance(given, dict):
            raise InvalidParameterError(f"query_options must be a dict or None, got {type(given).__name__}")
        bad = set(given) - set(opts)
        if bad:
            raise InvalidParameterError(f"unknown query_options {sorted(bad)}; known: {sorted(opts)}")
        for key, v in given.items():
            opts[key] = _check_int(v, f"query_options[{key!r}]")
        return opts

    def _batch_params(self) -> dict:
        """``batch_size`` and ``stop_radius_ratio``, checked (read at ``fit`` and again at ``resume``)."""
        ratio = _check_real(self.stop_radius_ratio, "stop_radius_ratio", allow_none=True)
        if ratio is not None and not 0.0 < ratio < 1.0:
            raise InvalidParameterError(f"stop_radius_ratio must be in (0, 1) or None, got {self.stop_radius_ratio!r}")
        return {"batch_size": _check_int(self.batch_size, "batch_size"), "stop_radius_ratio": ratio}

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
        info = dict(res.info) if res else {}
        if self._volume_shrunk(k, info):
            return False
        step = Step(step=len(self.history_), space=k, center_seconds=res.seconds if res else 0.0,
                    center_recomputed=res is not None, center_info=info,
                    labels_used=self.n_labels_used_, cuts=self._n_cuts, rows=vs.rows)
        if self._eval is not None:
            step.test_score = self._metric(self._centre_networks(), *self._eval)
        self.history_.append(step)
        rule, bs = self._p["query"], self._p["batch_size"]
        # batch mode: picks after the first plan are conditioned on the round's earlier picks (query.py)
        div = Diversity(self._cut_model.F) if bs > 1 and rule != "random" and self._condition_batches else None
        self._round = {"space": k, "plan": list(round_plan(rule, bs)), "step": step, "unit": len(round_plan(rule)),
                       "picked": 0, "diversity": div, "key": self._version_space_key(k, rule, step)}
        return True

    def _version_space_key(self, k: int, rule: str, step: Step):
        """The keys of a version-space rule for this round (query.py); None for the other rules."""
        if rule not in VERSION_SPACE_RULES:
            return None
        from relulp.exceptions import DataError

        vs = self._spaces[k]
        t0 = time.perf_counter()
        try:
            key = version_space_key(rule, vs.polytope, vs.theta, self._cut_model.F, self._f[k], self._rng,
                                    **self._p["query_options"])
        except DataError as exc:  # the centre is not strictly interior (e.g. an inaccurate centroid)
            step.center_info["query_fallback"] = f"uncertainty ({exc})"
            return None
        step.center_info["query_seconds"] = time.perf_counter() - t0
        return key

    def _volume_shrunk(self, k: int, info: dict) -> bool:
        """The volumetric stopping rule: measure space k's Chebyshev radius (once per version of the space)
        and report whether every space's radius is at most ``stop_radius_ratio`` times R."""
        ratio = self._p["stop_radius_ratio"]
        if ratio is None:
            return False
        vs = self._spaces[k]
        R = float(vs.polytope.R)
        if self._radius_version[k] != vs.version:
            radius, exact, secs = chebyshev_radius(vs.polytope, vs.theta, ratio * R)
            self._radius[k] = radius / R
            self._radius_version[k] = vs.version
            info.update(radius_ratio=self._radius[k], radius_exact=bool(exact), radius_seconds=secs)
        self.radius_ratio_ = self._radius[0] if self._n_spaces == 1 else list(self._radius)
        if all(r is not None and r <= ratio for r in self._radius):
            self.status_ = FitStatus.VOLUME_SHRUNK
            shown = ", ".join(f"{r:.3g}" for r in self._radius)
            self.message_ = (f"the Chebyshev radius of the version space{'s' if self._n_spaces > 1 else ''} is "
                             f"{shown} times the radius of T^0, at most stop_radius_ratio={ratio:g}")
            return True
        return False

    def _run(self) -> None:
        from tqdm.auto import tqdm

        p = self._p
        bar = tqdm(total=self.budget_, initial=self.n_labels_used_, disable=not self.progress, desc="labels",
                   leave=False)
        try:
            while self.status_ is FitStatus.RUNNING:
                if self.n_labels_used_ >= self.budget_:
                    self.status_ = FitStatus.BUDGET_SPENT
                elif self._queried.all():
                    self.status_ = FitStatus.POOL_EXHAUSTED
                elif p["max_cuts"] is not None and self._n_cuts >= p["max_cuts"]:
                    self.status_ = FitStatus.MAX_CUTS
                if self.status_ is not FitStatus.RUNNING:
                    break
                if self._round is None:
                    if not self._start_round():  # empty version space, or the volumetric rule fired
                        break
                rnd = self._round
                if not rnd["plan"]:
                    self._round = None
                    self._rounds += 1
                    continue
                k = rnd["space"]
                div = rnd["diversity"]
                rho = div.rho() if div is not None and rnd["picked"] >= rnd["unit"] else None
                key = rnd["key"] if rnd["key"] is not None else self._f[k]
                i = select(rnd["plan"][0], key, ~self._queried, self._rng, rho=rho)
                label, cls = self._ask(i)  # may raise OracleError: nothing has changed yet
                rnd["plan"].pop(0)
                rnd["picked"] += 1
                if div is not None:
                    div.add(i)
                self._commit(i, label, cls, rnd["step"])
                bar.update(1)
        finally:
            bar.close()
        if self.status_ is FitStatus.RUNNING:  # pragma: no cover - defensive
            self.status_ = FitStatus.STOPPED
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


#: the batch-mode and stopping parameters both active learners document
_BATCH_DOC = """    batch_size : int, default 1
        Batch mode: each round asks ``batch_size`` times the rule's picks (k labels for uncertainty and
        random, k min/max pairs for confidence) at one centre, then cuts with the real labels; every pick
        after the first plan is conditioned on the earlier picks of the round, so the picks spread out
        (the rule and why it yields diversity: :mod:`relulp.cpal.query`, *Batch mode*). One centre per
        round instead of one per label that cut. 1 is the unbatched learner, exactly.
    stop_radius_ratio : float in (0, 1), optional
        Volumetric stopping rule: stop (``status_`` ``VOLUME_SHRUNK``) when the Chebyshev radius of the
        version space (of every version space, one-vs-rest) is at most this fraction of the radius R of
        T^0. Measured once per new centre (one LP in the box, one conic program in the ball, skipped while
        a cheap certified lower bound is above the threshold); ``radius_ratio_`` holds the latest value.
        A radius of rho R puts a ball of that radius inside T, so (ball T^0) the rule fires at the latest
        when vol(T) / vol(T^0) falls below rho^N: for a target volume ratio V use rho = V^(1/N)
        (docs/cpal.md, *Volumetric stopping*).
"""

_ACTIVE_POOR_SCORE = ("an active learner fits only the `budget` labels it asks for, so with a budget smaller than "
                      "the training set it does not reach scikit-learn's score thresholds, which assume a learner "
                      "that sees every label")


class CPALClassifier(PoorScoreTags, ClassifierMixin, _ClassifierOps, _ActiveMixin, _CuttingPlaneBase):
    __doc__ = """Cutting-plane active learning of a ReLU network classifier (Algorithm 4; math.md §5).

    Parameters
    ----------
    budget : int, default 20
        Labels the learner may look at (every label looked at counts, cut or not). At most the pool size.
    query : {"confidence", "uncertainty", "random", "split", "committee"}, default "confidence"
        The paper's min/max rule, argmin |f|, uniform sampling, or a version-space rule: the most even
        split of the version space by its Dikin ellipsoid, or query by committee with members sampled
        from the version space (:mod:`relulp.cpal.query`).
    query_options : dict, optional
        ``committee_size`` (default 16) and ``committee_steps`` (hit-and-run moves per member, default 8)
        of ``query="committee"``.
    classes : sequence, optional
        The classes an oracle can return (default: the classes of ``y``, or {-1, +1} with an oracle).
        More than two classes: one-vs-rest.
""" + _BATCH_DOC + _COMMON_DOC + """
    Attributes
    ----------
    queried_, labels_ : the pool indices asked, in order, and their labels
    cuts_ : the cut points in order (per class for one-vs-rest)
    n_labels_used_, n_cuts_, n_rows_ : counts
    history_ : :class:`relulp.cpal.History`, one step per round
    status_ : :class:`relulp.cpal.FitStatus`: BUDGET_SPENT, POOL_EXHAUSTED, MAX_CUTS, VOLUME_SHRUNK or
        EMPTY_VERSION_SPACE
    radius_ratio_ : the latest Chebyshev radius / R of the version space (list per class; None without
        ``stop_radius_ratio``; while above the threshold it may be the certified lower bound)
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
                                          query_options=[dict, None], classes=[None, "array-like"],
                                          batch_size=[_POS_INT], stop_radius_ratio=[OPEN_UNIT_INTERVAL, None])

    def __init__(self, *, budget=20, query="confidence", query_options=None, classes=None, batch_size=1,
                 stop_radius_ratio=None,
                 n_patterns=1000, patterns=None,
                 fit_intercept=True, center="analytic", bound=None, radius=1.0, center_tol=1e-12,
                 center_options=None, prune=False, prune_options=None, track_volume=False, volume_options=None,
                 max_cuts=None, final_solve=False, final_objective=None, final_lam=None, backend="auto",
                 method=None, time_limit=None, solver_options=None, memory_limit=None, random_state=None,
                 progress=False):
        store_params(self, locals())


class CPALRegressor(PoorScoreTags, RegressorMixin, _ActiveMixin, _CuttingPlaneBase):
    __doc__ = """Cutting-plane active learning of a ReLU network regressor (Algorithm 6; math.md §5).

    A label triggers a cut when ``|f(x; theta_c) - y| > eps``; the cut is the eps tube plus the cone rows.

    Parameters
    ----------
    budget : int, default 20
    query : {"confidence", "uncertainty", "random"}, default "confidence"
        min f then max f per round (the pair the reference's regression loop asks), argmin |f|, or
        uniform sampling.
    eps : float, default 1e-3
""" + _BATCH_DOC + _COMMON_DOC

    _task = "regression"
    _algorithm = "cutting-plane active learning for regression (Algorithm 6)"
    _poor_score = True
    _poor_score_reason = _ACTIVE_POOR_SCORE
    _parameter_constraints = _constraints("regression", budget=[_POS_INT],
                                          query=[StrOptions(set(REGRESSION_QUERY_RULES))], eps=[_POS_REAL],
                                          batch_size=[_POS_INT], stop_radius_ratio=[OPEN_UNIT_INTERVAL, None])

    def __init__(self, *, budget=20, query="confidence", eps=1e-3, batch_size=1, stop_radius_ratio=None,
                 n_patterns=1000, patterns=None,
                 fit_intercept=True, center="analytic", bound=None, radius=1.0, center_tol=1e-12,
                 center_options=None, prune=False, prune_options=None, track_volume=False, volume_options=None,
                 max_cuts=None, final_solve=False, final_objective=None, final_lam=None, backend="auto",
                 method=None, time_limit=None, solver_options=None, memory_limit=None, random_state=None,
                 progress=False):
        store_params(self, locals())
