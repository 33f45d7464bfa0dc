"""Input checks shared by every entry point (data matrices, labels, targets)."""

from __future__ import annotations

import numpy as np

from .exceptions import DataError


def _refuse_non_real(X, name: str) -> None:
    """Complex and object arrays are refused (converting them would drop imaginary parts or guess types)."""
    kind = getattr(getattr(X, "dtype", None), "kind", None)
    if kind is None:
        try:
            kind = np.asarray(X).dtype.kind
        except (TypeError, ValueError):
            return  # ragged input: the float conversion below reports it
    if kind == "c":
        raise DataError(f"{name} is complex; relulp needs real numbers (take .real explicitly if the imaginary "
                        f"parts are zero)")
    if kind == "O":
        raise DataError(f"{name} is an object array; relulp needs a numeric (float or int) array "
                        f"(convert it, e.g. np.asarray(X, dtype=float))")


def check_X(X, *, name: str = "X") -> np.ndarray:
    """Return X as a C-contiguous float64 (n, d) array; raise DataError on bad shape, non-finite entries,
    or complex / object input."""
    _refuse_non_real(X, name)
    try:
        arr = np.asarray(X, dtype=np.float64)
    except (TypeError, ValueError) as exc:
        raise DataError(f"{name} must be a numeric (n, d) array: {exc}") from None
    if arr.ndim != 2:
        raise DataError(f"{name} must be 2-dimensional (n, d), got shape {arr.shape}")
    if arr.shape[0] == 0 or arr.shape[1] == 0:
        raise DataError(f"{name} must have at least one row and one column, got shape {arr.shape}")
    bad = ~np.isfinite(arr)
    if bad.any():
        i, j = np.argwhere(bad)[0]
        raise DataError(f"{name} contains {int(bad.sum())} NaN/inf entries (first at row {i}, column {j})")
    return np.ascontiguousarray(arr)


def add_intercept(X: np.ndarray) -> np.ndarray:
    """Append a column of ones (math.md §1: the paper's bias trick)."""
    return np.hstack([X, np.ones((X.shape[0], 1))])


def prepare_X(X, fit_intercept: bool, *, name: str = "X") -> np.ndarray:
    """Validate X and append the ones column if ``fit_intercept``."""
    arr = check_X(X, name=name)
    return add_intercept(arr) if fit_intercept else arr


def check_targets(y, n: int, *, name: str = "y") -> np.ndarray:
    """Return y as a float64 vector of length n; raise DataError on shape mismatch, NaN/inf, or complex /
    object input."""
    _refuse_non_real(y, name)
    try:
        arr = np.asarray(y, dtype=np.float64)
    except (TypeError, ValueError) as exc:
        raise DataError(f"{name} must be numeric: {exc}") from None
    if arr.ndim == 2 and 1 in arr.shape:
        arr = arr.reshape(-1)
    if arr.ndim != 1:
        raise DataError(f"{name} must be a vector, got shape {arr.shape}")
    if arr.shape[0] != n:
        raise DataError(f"X has {n} rows but {name} has {arr.shape[0]} entries")
    if not np.isfinite(arr).all():
        raise DataError(f"{name} contains NaN/inf entries")
    return arr


def check_labels(y, n: int, *, name: str = "y") -> np.ndarray:
    """Classification labels: a length-n vector with entries in {-1, +1} (float64)."""
    arr = check_targets(y, n, name=name)
    bad = (arr != 1.0) & (arr != -1.0)
    if bad.any():
        vals = np.unique(arr[bad])[:5]
        raise DataError(
            f"classification labels must be -1 or +1; found {vals.tolist()} "
            f"({int(bad.sum())} entries). Use relulp.one_vs_rest for multi-class labels."
        )
    return arr
