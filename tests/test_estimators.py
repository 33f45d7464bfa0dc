"""scikit-learn conformance of relulp's estimators (check_estimator) and the full-LP estimators' results."""

from __future__ import annotations

import numpy as np
import pytest

sklearn = pytest.importorskip("sklearn")

from sklearn.base import clone  # noqa: E402
from sklearn.utils.estimator_checks import parametrize_with_checks  # noqa: E402

from relulp.cpal import (  # noqa: E402
    BudgetError,
    CPALClassifier,
    CPALRegressor,
    CuttingPlaneClassifier,
    CuttingPlaneRegressor,
    InvalidParameterError,
    NotFittedError,
)
from relulp.datasets import quadratic, spiral  # noqa: E402
from relulp.estimators import LPNotSolvedError, ReLULPClassifier, ReLULPRegressor  # noqa: E402
from relulp.exceptions import DataError, RelulpError  # noqa: E402

SK16 = tuple(int(v) for v in sklearn.__version__.split(".")[:2]) >= (1, 6)

#: Small instances so that the checks run fast. The cutting-plane trainers cut 10-20 points per centre (the
#: checks' 300-point blobs); the regressor adds the final l1 solve (Algorithm 8), since an eps tube around
#: noisy targets in 10 dimensions leaves no version space with 10 patterns. The active learners get a
#: budget below the checks' smallest data sets (10 points); their poor_score tag says why their scores are
#: not checked.
ESTIMATORS = [
    CuttingPlaneClassifier(n_patterns=20, batch_size=10, max_iter=30, random_state=0),
    CuttingPlaneRegressor(n_patterns=10, batch_size=20, max_iter=20, final_solve=True, random_state=0),
    CPALClassifier(budget=8, n_patterns=10, random_state=0),
    CPALRegressor(budget=8, n_patterns=10, random_state=0),
    ReLULPClassifier(n_patterns=10),
    ReLULPRegressor(n_patterns=10),
]


def _expected_failed(est):
    return est.expected_failed_checks()


_kw = {"expected_failed_checks": _expected_failed} if SK16 else {}


def _prescott_openblas() -> bool:
    from threadpoolctl import threadpool_info

    return any(i["internal_api"] == "openblas" and i.get("architecture", "prescott").lower() == "prescott"
               for i in threadpool_info())


@parametrize_with_checks(ESTIMATORS, **_kw)
def test_sklearn_compatible(estimator, check):
    kw = getattr(check, "keywords", {})
    if (not SK16 and getattr(check, "func", None) is not None and check.func.__name__ == "check_estimators_pickle"
            and kw.get("readonly_memmap") and _prescott_openblas()):
        # scikit-learn < 1.6 memory-maps the fitted *estimator* with aligned=True on a Prescott OpenBLAS,
        # which accepts only arrays: the check fails for every estimator there (LogisticRegression too)
        pytest.skip("scikit-learn < 1.6 cannot memory-map an estimator on a Prescott OpenBLAS")
    check(estimator)


def test_no_check_is_marked_failing():
    """No check is declared inapplicable: every estimator passes all of scikit-learn's checks."""
    assert all(est.expected_failed_checks() == {} for est in ESTIMATORS)
    # scikit-learn < 1.6 only: its check_classifiers_classes wants every class predicted (see the reason)
    legacy = {type(est).__name__ for est in ESTIMATORS if est._legacy_xfail_reasons}
    assert legacy == {"CPALClassifier"}


# ------------------------------------------------------------------------------------------ full LP
def test_relulp_classifier_separates_the_spiral():
    ds = spiral()
    clf = ReLULPClassifier(n_patterns=1000, objective="min_l1", random_state=0).fit(ds.X_train, ds.y_train)
    assert clf.tree_.sizes == (623,)  # the paper's patterns
    assert clf.score(ds.X_train, ds.y_train) == 1.0
    assert str(clf.status_) == "optimal" and clf.objective_ > 0 and clf.n_iter_ == 1
    f = clf.network_.decision_function(ds.X_test)
    np.testing.assert_array_equal(clf.decision_function(ds.X_test), f)
    pred = clf.predict(ds.X_test)
    np.testing.assert_array_equal(pred, np.where(f > 0, clf.classes_[1], clf.classes_[0]))
    nz = f != 0
    np.testing.assert_array_equal(pred[nz], np.sign(f[nz]))


def test_relulp_regressor_fits_the_quadratic():
    ds = quadratic()
    reg = ReLULPRegressor(n_patterns=100, random_state=0).fit(ds.X_train, ds.y_train)
    rmse = float(np.sqrt(np.mean((reg.predict(ds.X_test) - ds.y_test) ** 2)))
    assert rmse < 0.05 * float(np.std(ds.y_test)) + 1e-3
    assert not hasattr(reg, "decision_function")
    np.testing.assert_allclose(reg.predict(ds.X_test), reg.network_.decision_function(ds.X_test))


def test_relulp_multiclass_and_errors():
    rng = np.random.default_rng(0)
    X = rng.normal(size=(60, 2))
    y = np.array(["a", "b", "c"])[(X[:, 0] > 0).astype(int) + (X[:, 1] > 0.5)]
    clf = ReLULPClassifier(random_state=0).fit(X, y)
    assert clf.decision_function(X).shape == (60, 3) and clf.n_iter_ == 3
    np.testing.assert_array_equal(clf.predict(X), clf.classes_[np.argmax(clf.decision_function(X), axis=1)])
    with pytest.raises(NotFittedError):
        ReLULPClassifier().predict(X)
    with pytest.raises(DataError, match="Unknown label type"):
        ReLULPClassifier().fit(X, X[:, 0])
    with pytest.raises(InvalidParameterError):
        ReLULPClassifier(objective="l1").fit(X, y)
    # not separable: min_l1 is infeasible, and fit says so instead of returning a network
    yb = np.where(rng.random(60) < 0.5, 1, -1)
    Xd = np.vstack([X, X])
    with pytest.raises(LPNotSolvedError) as info:
        ReLULPClassifier(objective="min_l1", random_state=0).fit(Xd, np.concatenate([yb, -yb]))
    assert isinstance(info.value, RelulpError) and "infeasible" in str(info.value)


# ------------------------------------------------------------------------------------------ learners
def test_resume_keeps_the_budget_parameter():
    ds = spiral()
    X, y = ds.X_train, ds.y_train
    clf = CPALClassifier(budget=6, n_patterns=20, random_state=0).fit(X, y)
    assert clf.budget_ == 6 and clf.remaining_budget_ == 0 and clf.n_labels_used_ == 6
    params = clf.get_params()
    clf.resume(budget=10)
    assert clf.budget == 6 and clf.get_params() == params  # the constructor parameter is untouched
    assert clf.budget_ == 10 and clf.n_labels_used_ == 10 and clf.remaining_budget_ == 0
    full = CPALClassifier(budget=10, n_patterns=20, random_state=0).fit(X, y)
    assert clf.queried_ == full.queried_
    assert clone(clf).budget == 6
    with pytest.raises(BudgetError):
        clf.resume(budget=5)


def test_learners_follow_sklearn_conventions():
    ds = spiral()
    X, y = ds.X_train, ds.y_train
    clf = CuttingPlaneClassifier(n_patterns=20, random_state=0).fit(X, y)
    assert clf.n_features_in_ == 2 and clf.n_iter_ == len(clf.history_)
    f = clf.decision_function(X)
    np.testing.assert_array_equal(clf.predict(X), np.where(f > 0, clf.classes_[1], clf.classes_[0]))
    with pytest.raises(DataError, match="Unknown label type"):
        CuttingPlaneClassifier(n_patterns=20).fit(X, X[:, 0])
    with pytest.raises(DataError, match="features"):
        clf.predict(np.ones((3, 5)))
    with pytest.raises(BudgetError):
        CPALClassifier(budget=0).fit(X, y)
    reg = CuttingPlaneRegressor(n_patterns=20)
    assert not hasattr(reg, "decision_function") and not hasattr(CPALRegressor(), "decision_function")
