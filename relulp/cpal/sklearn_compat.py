"""The scikit-learn layer of relulp's estimators: validation that works with scikit-learn 1.3 to 1.9+.

* :func:`validate_data` uses :func:`sklearn.utils.validation.validate_data` (scikit-learn >= 1.6) or the
  estimator's ``_validate_data`` (older releases). scikit-learn's errors keep their messages and types
  (``ValueError`` / ``TypeError``) and also become :class:`relulp.exceptions.DataError`, so ``except
  RelulpError`` still catches every bad input.
* ``RelulpEstimator._validate_params`` runs scikit-learn's ``_parameter_constraints`` check; a bad value raises
  :class:`ParameterError`, both relulp's :class:`relulp.cpal.InvalidParameterError` and scikit-learn's
  ``InvalidParameterError`` (a ``budget`` of the wrong type or range: :class:`BudgetParameterError`, also a
  :class:`relulp.cpal.BudgetError`).
* :func:`check_fitted` raises :class:`EstimatorNotFittedError`, both :class:`relulp.cpal.NotFittedError`
  and scikit-learn's ``NotFittedError``.
* :class:`RelulpEstimator` is the base class (``BaseEstimator`` plus tags for both tag systems).
"""

from __future__ import annotations

from numbers import Integral, Real

import numpy as np
from sklearn.base import BaseEstimator
from sklearn.exceptions import NotFittedError as _SkNotFittedError
from sklearn.utils._param_validation import Interval
from sklearn.utils._param_validation import InvalidParameterError as _SkInvalidParameterError
from sklearn.utils.validation import check_is_fitted

from relulp.exceptions import DataError

from .exceptions import BudgetError, InvalidParameterError, NotFittedError

try:  # scikit-learn >= 1.6
    from sklearn.utils.validation import validate_data as _sk_validate_data
except ImportError:  # pragma: no cover - depends on the installed scikit-learn
    _sk_validate_data = None


class ParameterError(InvalidParameterError, _SkInvalidParameterError):
    """A constructor parameter of the wrong type or out of range (relulp's and scikit-learn's error)."""


class BudgetParameterError(BudgetError, ParameterError):
    """``budget`` of the wrong type or below 1."""


class EstimatorNotFittedError(NotFittedError, _SkNotFittedError):
    """A method that needs a fitted estimator was called before ``fit`` (relulp's and scikit-learn's error)."""


class InputError(DataError):
    """Bad input found by scikit-learn's validation (a ``ValueError``; the message is scikit-learn's)."""


class InputTypeError(DataError, TypeError):
    """Input of a type scikit-learn's validation refuses (sparse matrices, objects that are not numbers)."""


def validate_data(estimator, X="no_validation", y="no_validation", reset: bool = True, **check_params):
    """scikit-learn's ``validate_data`` on any supported scikit-learn release (sets ``n_features_in_`` when
    ``reset``; checks it otherwise). Errors: :class:`InputError` / :class:`InputTypeError`."""
    try:
        if _sk_validate_data is not None:
            return _sk_validate_data(estimator, X, y, reset=reset, **check_params)
        return estimator._validate_data(X, y, reset=reset, **check_params)  # pragma: no cover - sklearn < 1.6
    except DataError:
        raise
    except TypeError as exc:
        raise InputTypeError(str(exc)) from exc
    except ValueError as exc:
        raise InputError(str(exc)) from exc


def check_targets_classification(y) -> None:
    """scikit-learn's :func:`check_classification_targets` (continuous targets refused with its message)."""
    from sklearn.utils.multiclass import check_classification_targets

    try:
        check_classification_targets(y)
    except ValueError as exc:
        raise InputError(str(exc)) from exc


def fit_data(estimator, X, y, *, classification: bool, **check_params):
    """The checks every ``fit(X, y)`` of relulp's full-data estimators starts with: y given, ``validate_data``
    (sets ``n_features_in_``), and for classification valid labels of at least two classes.

    Returns ``(X, y, classes)`` (classes None for regression). Errors: :class:`DataError` and subclasses.
    """
    if y is None:
        raise DataError(f"{type(estimator).__name__} requires y to be passed, but the target y is None")
    X, y = validate_data(estimator, X, y, dtype=np.float64, **check_params)
    if not classification:
        return X, y, None
    check_targets_classification(y)
    classes = np.unique(y)
    if len(classes) < 2:
        raise DataError(f"classification needs at least two classes; y has one class ({classes.tolist()})")
    return X, y, classes


def check_fitted(estimator, attributes=None) -> None:
    """scikit-learn's :func:`check_is_fitted`, raising :class:`EstimatorNotFittedError`."""
    try:
        check_is_fitted(estimator, attributes)
    except _SkNotFittedError as exc:
        raise EstimatorNotFittedError(str(exc)) from None


class RelulpEstimator(BaseEstimator):
    """``BaseEstimator`` with relulp's errors and the tags of both scikit-learn tag systems.

    Subclasses set ``_fitted_attr`` (the attribute ``fit`` sets last), ``_poor_score`` (the learner does not
    reach scikit-learn's score thresholds by design; the reason goes in ``_poor_score_reason``) and
    ``_xfail_reasons`` ({check name: reason} of checks that do not apply, see :meth:`expected_failed_checks`).
    """

    _fitted_attr = "network_"
    _poor_score = False
    _poor_score_reason = ""
    _xfail_reasons: dict = {}
    #: checks of scikit-learn < 1.6 only that do not apply (read by ``_more_tags``; newer releases dropped
    #: or relaxed them)
    _legacy_xfail_reasons: dict = {}

    def set_params(self, **params):
        """Set constructor parameters; an unknown name raises :class:`ParameterError`."""
        try:
            return super().set_params(**params)
        except ValueError as exc:
            if isinstance(exc, InvalidParameterError):
                raise
            raise ParameterError(str(exc)) from None

    def _validate_params(self) -> None:
        """Check the constructor parameters against ``_parameter_constraints`` (raises :class:`ParameterError`)."""
        try:
            super()._validate_params()
        except _SkInvalidParameterError as exc:
            if isinstance(exc, InvalidParameterError):
                raise
            cls = BudgetParameterError if str(exc).startswith("The 'budget' parameter") else ParameterError
            raise cls(str(exc)) from None

    def __sklearn_is_fitted__(self) -> bool:
        return hasattr(self, self._fitted_attr)

    def _check_fitted(self) -> None:
        check_fitted(self)

    @classmethod
    def expected_failed_checks(cls) -> dict:
        """{check name: reason} of the scikit-learn checks that do not apply to this estimator (for
        ``parametrize_with_checks(..., expected_failed_checks=...)`` on scikit-learn >= 1.6; older releases
        read the ``_xfail_checks`` tag)."""
        return dict(cls._xfail_reasons)

    # scikit-learn >= 1.6
    def __sklearn_tags__(self):
        tags = super().__sklearn_tags__()
        tags.target_tags.required = True
        return tags

    # scikit-learn < 1.6
    def _more_tags(self):
        tags = {"requires_y": True, "poor_score": bool(self._poor_score)}
        xfail = {**self._xfail_reasons, **self._legacy_xfail_reasons}
        if xfail:
            tags["_xfail_checks"] = xfail
        return tags


class PoorScoreTags:
    """First base of an estimator with ``_poor_score = True``: sets the ``poor_score`` tag of scikit-learn >=
    1.6 after ``ClassifierMixin`` / ``RegressorMixin`` created their tags (older releases read
    :meth:`RelulpEstimator._more_tags`)."""

    def __sklearn_tags__(self):
        tags = super().__sklearn_tags__()
        if self._poor_score:
            if tags.classifier_tags is not None:
                tags.classifier_tags.poor_score = True
            if tags.regressor_tags is not None:
                tags.regressor_tags.poor_score = True
        return tags


def store_params(estimator, params: dict) -> None:
    """Store an ``__init__``'s arguments (its ``locals()``) as attributes of the same names: scikit-learn's
    rule that ``__init__`` does nothing else, written once for every relulp estimator."""
    for name, value in params.items():
        if name not in ("self", "__class__"):
            setattr(estimator, name, value)


POSITIVE_REAL = Interval(Real, 0, None, closed="neither")
POSITIVE_INT = Interval(Integral, 1, None, closed="left")
#: A fraction strictly between 0 and 1 (the active learners' ``stop_radius_ratio``).
OPEN_UNIT_INTERVAL = Interval(Real, 0, 1, closed="neither")
#: The solver and resource parameters every relulp estimator takes, with their scikit-learn constraints.
SOLVER_PARAM_CONSTRAINTS = {
    "backend": [str],
    "method": [str, None],
    "time_limit": [POSITIVE_REAL, None],
    "solver_options": [dict, None],
    "memory_limit": [POSITIVE_INT, None],
    "random_state": ["random_state", np.random.Generator],
}
