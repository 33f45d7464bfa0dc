"""CPAL: cutting-plane training and active learning of ReLU networks of any depth (math.md §5-6).

Zhang, Zhang & Pilanci (ICML 2025), Algorithms 1, 4, 6 and 8, on relulp's pattern-tree LPs:

>>> from relulp.cpal import CPALClassifier
>>> from relulp.datasets import spiral
>>> ds = spiral()
>>> clf = CPALClassifier(budget=40, n_patterns=1000, random_state=0, final_solve=True)
>>> clf.fit(ds.X_train, ds.y_train).score(ds.X_test, ds.y_test)      # doctest: +SKIP

See docs/cpal.md.
"""

from .active import CPALClassifier, CPALRegressor
from .base import sample_tree
from .centers import CENTERS, CenterResult, compute_center
from .cuts import CutModel
from .exceptions import (
    BudgetError,
    CPALError,
    EmptyVersionSpaceError,
    EmptyVersionSpaceWarning,
    FinalSolveWarning,
    InvalidParameterError,
    NotFittedError,
    OracleError,
    SingleClassError,
)
from .final import FinalSolve, final_solve
from .history import History, Step
from .query import QUERY_RULES, round_plan, select
from .sklearn_compat import EstimatorNotFittedError, ParameterError
from .status import FitStatus
from .training import CuttingPlaneClassifier, CuttingPlaneRegressor
from .version_space import VersionSpace

__all__ = [
    "BudgetError", "CENTERS", "CPALClassifier", "CPALError", "CPALRegressor", "CenterResult", "CutModel",
    "CuttingPlaneClassifier", "CuttingPlaneRegressor", "EmptyVersionSpaceError", "EmptyVersionSpaceWarning",
    "EstimatorNotFittedError", "FitStatus", "ParameterError",
    "FinalSolve", "FinalSolveWarning", "History", "InvalidParameterError", "NotFittedError", "OracleError",
    "QUERY_RULES", "SingleClassError", "Step", "VersionSpace", "compute_center", "final_solve", "round_plan",
    "sample_tree", "select",
]
