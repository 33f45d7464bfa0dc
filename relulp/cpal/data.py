"""Data sets for the CPAL command and comparisons: :func:`relulp.datasets.load` plus two conveniences.

* ``name:AvB`` (e.g. ``digits:3v8``): a binary task made of two classes of a scikit-learn data set
  (class A labelled -1, class B labelled +1; classes by index or name), split as
  :func:`relulp.datasets.load_sklearn` splits and standardises the full set.
* ``pca=K``: project the features on the first K principal components of the training set (for
  wide data such as digits' 64 pixels: the parameter count is d * 2P, and d = 65 with 200 patterns
  is N = 26,000).
"""

from __future__ import annotations

import numpy as np

from relulp.datasets import SKLEARN_DATASETS, Dataset, load, load_sklearn
from relulp.exceptions import DataError


def _pair(spec: str):
    base, _, option = spec.partition(":")
    if base.lower() not in SKLEARN_DATASETS or "v" not in option:
        return None
    a, _, b = option.partition("v")
    if not a or not b:
        return None
    return base.lower(), a, b


def load_dataset(spec: str, *, pca: int | None = None) -> Dataset:
    """A :class:`relulp.datasets.Dataset` from a name, path or ``name:AvB`` pair (see the module docstring)."""
    pair = _pair(spec)
    if pair is not None:
        ds = _load_pair(*pair)
    else:
        ds = load(spec)
    if pca is not None:
        ds = project(ds, int(pca))
    return ds


def _load_pair(name: str, a: str, b: str) -> Dataset:
    full = load_sklearn(name)
    names = [str(c) for c in full.classes]

    def index(tok: str) -> int:
        if tok in names:
            return names.index(tok)
        if tok.lstrip("-").isdigit() and 0 <= int(tok) < len(names):
            return int(tok)
        raise DataError(f"{name}: no class {tok!r} (classes: {names})")

    ia, ib = index(a), index(b)
    if ia == ib:
        raise DataError(f"{name}:{a}v{b} names the same class twice")

    def pick(X, y):
        keep = (y == ia) | (y == ib)
        return X[keep], np.where(y[keep] == ib, 1.0, -1.0)

    Xtr, ytr = pick(full.X_train, full.y_train)
    Xte, yte = pick(full.X_test, full.y_test)
    return Dataset(Xtr, ytr, Xte, yte, name=f"{name}:{names[ia]}v{names[ib]}", task="classification",
                   feature_names=full.feature_names, description=full.description + f", {names[ia]} (-1) vs {names[ib]} (+1)",
                   classes=(names[ia], names[ib]), meta=dict(full.meta))


def project(ds: Dataset, k: int) -> Dataset:
    """The data set on the first k principal components of its training features (no-op if d <= k)."""
    if k < 1:
        raise DataError(f"pca must be >= 1, got {k}")
    if ds.n_features <= k:
        return ds
    mu = ds.X_train.mean(axis=0)
    _, s, Vt = np.linalg.svd(ds.X_train - mu, full_matrices=False)
    V = Vt[:k].T
    scale = s[:k] / np.sqrt(max(ds.n_train - 1, 1))
    scale = np.where(scale > 0, scale, 1.0)
    Xtr = (ds.X_train - mu) @ V / scale
    Xte = (ds.X_test - mu) @ V / scale
    return Dataset(Xtr, ds.y_train, Xte, ds.y_test, name=f"{ds.name}+pca{k}", task=ds.task,
                   feature_names=tuple(f"pc{j + 1}" for j in range(k)), description=ds.description + f", PCA to {k}",
                   classes=ds.classes, meta=dict(ds.meta, pca=k))
