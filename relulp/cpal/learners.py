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

The code lives in one module per job: :mod:`relulp.cpal.base` (parameter checks, the pattern sample, the
estimator base class), :mod:`relulp.cpal.training` (Algorithm 1) and :mod:`relulp.cpal.active`
(Algorithms 4 and 6); this module re-exports the public names.
"""

from __future__ import annotations

from .active import CPALClassifier, CPALRegressor
from .base import BOUNDS, sample_tree
from .training import CuttingPlaneClassifier, CuttingPlaneRegressor

__all__ = [
    "BOUNDS", "CPALClassifier", "CPALRegressor", "CuttingPlaneClassifier", "CuttingPlaneRegressor", "sample_tree",
]
