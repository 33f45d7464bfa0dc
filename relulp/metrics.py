"""Evaluation metrics of trained networks: accuracy, RMSE, R^2 and the margin violation.

The one place relulp computes them: :meth:`relulp.network.ReLUNetwork.score`, the ``relulp`` command line
(:mod:`relulp.cli`) and the CPAL comparisons (:mod:`relulp.cpal.compare`) all call these functions.
Each takes the targets first and the predictions (or decision values) second, as scikit-learn does, and
returns a Python float.
"""

from __future__ import annotations

import numpy as np

__all__ = ["accuracy", "rmse", "r2", "max_abs_residual", "max_margin_violation"]


def accuracy(y_true, y_pred) -> float:
    """Fraction of the predictions equal to the labels."""
    return float(np.mean(np.asarray(y_pred) == np.asarray(y_true)))


def rmse(y_true, y_pred) -> float:
    """Root mean squared error ``sqrt(mean((y_pred - y_true)^2))``."""
    r = np.asarray(y_pred, dtype=float) - np.asarray(y_true, dtype=float)
    return float(np.sqrt(np.mean(r**2)))


def r2(y_true, y_pred) -> float:
    """The coefficient of determination ``1 - SS_res / SS_tot`` (NaN when the targets are constant)."""
    y = np.asarray(y_true, dtype=float)
    pred = np.asarray(y_pred, dtype=float)
    ss = float(((y - y.mean()) ** 2).sum())
    return 1.0 - float(((y - pred) ** 2).sum()) / ss if ss > 0 else float("nan")


def max_abs_residual(y_true, y_pred) -> float:
    """``max_i |y_pred_i - y_true_i|``."""
    r = np.asarray(y_pred, dtype=float) - np.asarray(y_true, dtype=float)
    return float(np.max(np.abs(r)))


def max_margin_violation(y_true, f) -> float:
    """``max(0, max_i (1 - y_i f_i))`` for labels ``y`` in {-1, +1} and decision values ``f``: how far the
    worst point is from the margin-1 constraint of the classification LPs (0 when all are met)."""
    return float(max(0.0, np.max(1.0 - np.asarray(y_true) * np.asarray(f))))
