"""Multi-class classification by one-vs-rest (math.md §4): K binary LPs sharing the patterns."""

from __future__ import annotations

import numpy as np

from .assemble import build_lp
from .exceptions import DataError
from .lp import SparseLP
from .objectives import default_objective
from .tree import PatternTree


def one_vs_rest(y) -> tuple[np.ndarray, np.ndarray]:
    """Classes (K,) and the (K, n) label matrix Y with Y[k, i] = +1 if y_i == classes[k] else -1.

    Raises DataError for fewer than two classes, or for NaN labels."""
    y = np.asarray(y)
    if y.ndim != 1:
        raise DataError(f"labels must be a vector, got shape {y.shape}")
    if y.dtype.kind == "f" and not np.isfinite(y).all():
        raise DataError("labels contain NaN/inf")
    classes = np.unique(y)
    if len(classes) < 2:
        raise DataError(f"one-vs-rest needs at least two classes, found {classes.tolist()}")
    Y = np.where(y[None, :] == classes[:, None], 1.0, -1.0)
    return classes, Y


def build_ovr_lps(tree: PatternTree, X, y, objective: str = default_objective("classification").name, **kwargs) -> tuple[np.ndarray, list[SparseLP]]:
    """One LP per class (classes[k] against the rest), all from the same pattern tree.

    Returns ``(classes, lps)``; solve each and combine the recovered networks with
    :class:`relulp.OneVsRestNetwork`."""
    classes, Y = one_vs_rest(y)
    return classes, [build_lp(tree, X, Y[k], objective=objective, **kwargs) for k in range(len(classes))]
