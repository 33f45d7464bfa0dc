"""scikit-learn estimators that train a two-layer ReLU network through SDP-NN (math.md §11): solve the facially
reduced semidefinite relaxation, then round it with TOS (:mod:`relulp.convex.sdp`).

``fit`` builds and solves the SDP on the training set, keeps its certified value (a lower bound on the
training objective NN-TRAIN for every width) and the rounded network; ``predict`` is the rounded network's
numpy forward pass (classification: the sign of f for two classes, the argmax of the one-hot outputs for
more).

Not run through scikit-learn's ``check_estimator``: its checks fit data sets of 30-150+ points, and the SDP's
matrix S has side n + d + c, so Clarabel's dense PSD block has (n^2/2)^2 entries (about 2 GB at n = 150)
and each fit takes minutes; the tests check the parts of the API that matter (get_params / clone, fit /
predict / score, ``n_features_in_``, parameter validation, not-fitted errors).
"""

from __future__ import annotations

from numbers import Integral, Real

import numpy as np
from sklearn.base import ClassifierMixin, RegressorMixin
from sklearn.utils._param_validation import Interval, StrOptions

from ..cpal.sklearn_compat import (
    SOLVER_PARAM_CONSTRAINTS,
    RelulpEstimator,
    fit_data,
    store_params,
    validate_data,
)

__all__ = ["SDPNNClassifier", "SDPNNRegressor"]

_CONSTRAINTS = {
    "beta": [Interval(Real, 0, None, closed="left")],
    "fit_intercept": ["boolean"],
    "rank": [Interval(Integral, 1, None, closed="left")],
    "n_iter": [Interval(Integral, 0, None, closed="left")],
    "step_factor": [Interval(Real, 0, None, closed="neither")],
    "loss_form": [StrOptions({"quadratic", "rsoc"})],
    "tolerance": [Interval(Real, 0, None, closed="neither"), None],
    "require_optimal": ["boolean"],
    **{k: v for k, v in SOLVER_PARAM_CONSTRAINTS.items() if k in ("backend", "time_limit", "solver_options",
                                                                  "memory_limit")},
}


class _SDPNNBase(RelulpEstimator):
    _task = "regression"
    _fitted_attr = "network_"
    _parameter_constraints = _CONSTRAINTS

    def _fit_targets(self, X, Y):
        from .sdp import SDPNotSolvedError, build_sdp_nn, round_sdp_nn, solve_sdp_nn
        from .. import solvers

        prob = build_sdp_nn(X, Y, self.beta, bias=self.fit_intercept, loss_form=self.loss_form,
                            memory_limit=self.memory_limit)
        sol = solve_sdp_nn(prob, backend=self.backend, tolerance=self.tolerance, time_limit=self.time_limit,
                           memory_limit=self.memory_limit, **(self.solver_options or {}))
        if sol.Lambda is None or (self.require_optimal and sol.status is not solvers.Status.OPTIMAL):
            raise SDPNotSolvedError(f"the SDP-NN ({prob.n} points, S of side {prob.k}) ended with status "
                                    f"{sol.status} on backend {self.backend!r}, not a verified optimum"
                                    + (f": {sol.result.message}" if getattr(sol.result, "message", "") else "")
                                    + " (require_optimal=False rounds whatever point the solver returned)",
                                    status=sol.status, result=sol.result)
        rnd = round_sdp_nn(sol, rank=self.rank, n_iter=self.n_iter, step_factor=self.step_factor, task=self._task,
                           memory_limit=self.memory_limit)
        self.solution_ = sol
        self.status_ = sol.status
        self.sdp_value_ = sol.value
        self.lower_bound_ = sol.lower_bound
        self.certificates_ = sol.certificates
        self.rounding_ = rnd
        self.train_objective_ = rnd.objective
        self.n_iter_ = rnd.iteration
        self.network_ = rnd.network
        return self

    def _validate_X(self, X) -> np.ndarray:
        self._check_fitted()
        return validate_data(self, X, reset=False, dtype=np.float64)

    def _outputs(self, X) -> np.ndarray:
        """(n, c) outputs f(x) of the rounded network."""
        X = self._validate_X(X)
        f = self.network_.decision_function(X)
        return f[:, None] if f.ndim == 1 else f


class SDPNNClassifier(ClassifierMixin, _SDPNNBase):
    """A two-layer ReLU classifier from the SDP relaxation SDP-NN and TOS rounding (math.md §11).

    Two classes: targets +-1 (c = 1), ``predict`` gives ``classes_[1]`` iff f(x) > 0. More classes: one-hot
    targets (c = #classes), ``predict`` the argmax of the outputs. The training objective is the squared
    loss NN-TRAIN with weight decay beta.

    Parameters
    ----------
    beta : float >= 0, default 0.1
        Weight decay of NN-TRAIN, (beta/2)(||W1||^2 + ||W2||^2).
    fit_intercept : bool, default True
        Append a ones column to X (the "bias" variant of math.md §11).
    rank : int, default 300
        R, the columns (neurons) of the TOS iteration (at most p = 2n + d + c are ever nonzero).
    n_iter : int, default 1000
        K, TOS iterations; the iterate of least training objective is kept.
    step_factor : float, default 0.75
        gamma = step_factor / ||Lambda||_F.
    loss_form : {"quadratic", "rsoc"}, default "quadratic"
        How the squared loss enters the conic program (:func:`relulp.convex.sdp.build_sdp_nn`).
    backend, tolerance, time_limit, solver_options :
        The conic solver (:func:`relulp.solvers.solve`; default Clarabel at 1e-8).
    require_optimal : bool, default True
        Raise :class:`relulp.convex.sdp.SDPNotSolvedError` unless the solve ends OPTIMAL.
    memory_limit : int, optional
        Byte cap on the build, the solve and the rounding (default relulp's cap).

    Attributes
    ----------
    classes_, n_features_in_ : as scikit-learn
    network_ : :class:`relulp.ReLUNetwork` (the rounded network)
    sdp_value_ : SDP value computed by relulp; lower_bound_ : the value when certified, else None
    certificates_, status_, solution_, rounding_, train_objective_ (NN-TRAIN of network_), n_iter_ (the
    TOS iterate kept)
    """

    _task = "classification"

    def __init__(self, *, beta=0.1, fit_intercept=True, rank=300, n_iter=1000, step_factor=0.75,
                 loss_form="quadratic", backend="clarabel", tolerance=1e-8, time_limit=None, solver_options=None,
                 require_optimal=True, memory_limit=None):
        store_params(self, locals())

    def fit(self, X, y):
        """Solve SDP-NN on (X, y) and round it. Returns self."""
        self._validate_params()
        X, y, classes = fit_data(self, X, y, classification=True)
        if len(classes) == 2:
            Y = np.where(y == classes[1], 1.0, -1.0)[:, None]
        else:
            Y = (y[:, None] == classes[None, :]).astype(np.float64)
        self.classes_ = classes
        return self._fit_targets(X, Y)

    def decision_function(self, X) -> np.ndarray:
        """f(x): (n,) for two classes, (n, K) for more (the rounded network's outputs)."""
        f = self._outputs(X)
        return f[:, 0] if f.shape[1] == 1 else f

    def predict(self, X) -> np.ndarray:
        """``classes_[1]`` iff f(x) > 0 (two classes); the class of the largest output (more)."""
        f = self.decision_function(X)
        if f.ndim == 1:
            return np.where(f > 0, self.classes_[1], self.classes_[0])
        return self.classes_[np.argmax(f, axis=1)]


class SDPNNRegressor(RegressorMixin, _SDPNNBase):
    """A two-layer ReLU regressor from SDP-NN and TOS rounding (math.md §11); y (n,) or (n, c) (multi-output).

    Parameters and attributes as :class:`SDPNNClassifier` (without ``classes_``); ``predict`` is the rounded
    network's output, (n,) for a vector y, (n, c) for a matrix.
    """

    _task = "regression"

    def __init__(self, *, beta=0.1, fit_intercept=True, rank=300, n_iter=1000, step_factor=0.75,
                 loss_form="quadratic", backend="clarabel", tolerance=1e-8, time_limit=None, solver_options=None,
                 require_optimal=True, memory_limit=None):
        store_params(self, locals())

    def fit(self, X, y):
        """Solve SDP-NN on (X, y) and round it. Returns self."""
        self._validate_params()
        X, y, _ = fit_data(self, X, y, classification=False, y_numeric=True, multi_output=True)
        y = np.asarray(y, dtype=np.float64)
        self._y_ndim = y.ndim
        return self._fit_targets(X, y[:, None] if y.ndim == 1 else y)

    def predict(self, X) -> np.ndarray:
        """f(x), the rounded network's numpy forward pass."""
        f = self._outputs(X)
        return f[:, 0] if self._y_ndim == 1 else f
