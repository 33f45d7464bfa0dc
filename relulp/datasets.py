"""Data sets: the paper's two synthetic sets (math.md §8), scikit-learn's bundled sets, CSV and NPZ files.

Convention (important): every loader returns **raw features, without the ones column**. relulp's
``fit_intercept=True`` (the default of every builder and pattern function) appends it, which reproduces
the paper's design matrix exactly: spiral gives X = 2p - 1 (d = 2) and relulp works with [X, 1] (d = 3);
quadratic gives x (d = 1) and relulp works with [x, 1].

Labels: binary classification labels are in {-1, +1}; multi-class labels are the integers 0..K-1 (the
class names are in :attr:`Dataset.classes`); regression targets are floats. Classification needs at least
two classes.

CSV files (:func:`load_csv`, and ``relulp ... --dataset FILE.csv``)
--------------------------------------------------------------------
* UTF-8 text (a byte-order mark is allowed; plain ASCII is UTF-8). Other encodings (Latin-1, cp1252, ...)
  are refused with a :class:`CSVEncodingError` naming the file, line and byte: re-save the file as UTF-8,
  e.g. ``iconv -f latin1 -t utf-8 in.csv > out.csv``.
* One row per data point, fields separated by commas (``delimiter=`` in the library; the CLI uses commas);
  blank lines are skipped; every row has the same number of fields.
* An optional header row of column names: the first row is taken as a header when any of its fields is
  not a number (``header=`` forces it).
* The target (label) is the **last column** by default (``target=`` picks another by index or header
  name); every other column is a numeric feature.
* Classification or regression is inferred from the target (``task="auto"``): text labels, or integer
  values with at most 10 distinct values, are classes; anything else is a regression target. Two classes
  become -1/+1 (in sorted order: the smaller/first class is -1), more classes 0..K-1.

Example::

    x1,x2,label
    0.5,1.2,yes
    -0.3,0.8,no
"""

from __future__ import annotations

import csv
import io
import math
import os
from dataclasses import dataclass, field
from numbers import Integral, Real

import numpy as np

from .exceptions import DataError, UnknownOptionError
from .validation import check_X, check_targets

__all__ = [
    "Dataset", "spiral", "quadratic", "load_csv", "load_npz", "load_sklearn", "load", "available",
    "SKLEARN_DATASETS", "CSVEncodingError",
]


class CSVEncodingError(DataError):
    """A data file that is not UTF-8 text (the message names the file, line and byte offset)."""

#: scikit-learn's bundled data sets that :func:`load_sklearn` knows.
SKLEARN_DATASETS = ("iris", "wine", "breast_cancer", "digits")
_BUILTIN = ("spiral", "quadratic")


@dataclass(frozen=True, eq=False)
class Dataset:
    """A train/test split. Features are raw (no ones column; see the module docstring).

    Attributes
    ----------
    X_train, y_train, X_test, y_test : arrays of shape (n_train, d), (n_train,), (n_test, d), (n_test,)
        float64. The test part may be empty (n_test = 0).
    name : str
    task : "classification" or "regression"
    feature_names : tuple of str, length d
    description : str
    classes : tuple or None
        Classification: the original class of each label value. Binary: ``classes[0]`` is the class
        labelled -1 and ``classes[1]`` the class labelled +1; multi-class: ``classes[k]`` has label k.
    """

    X_train: np.ndarray
    y_train: np.ndarray
    X_test: np.ndarray
    y_test: np.ndarray
    name: str
    task: str
    feature_names: tuple = ()
    description: str = ""
    classes: tuple | None = None
    meta: dict = field(default_factory=dict)

    def __post_init__(self):
        if self.task not in ("classification", "regression"):
            raise DataError(f"task must be 'classification' or 'regression', got {self.task!r}")
        if self.X_train.shape[1] != self.X_test.shape[1]:
            raise DataError("X_train and X_test have different numbers of columns")
        if len(self.feature_names) != self.X_train.shape[1]:
            raise DataError("feature_names must have one name per column")

    @property
    def n_features(self) -> int:
        return int(self.X_train.shape[1])

    @property
    def n_train(self) -> int:
        return int(self.X_train.shape[0])

    @property
    def n_test(self) -> int:
        return int(self.X_test.shape[0])

    @property
    def X(self) -> np.ndarray:
        """Train and test features stacked (train first)."""
        return np.vstack([self.X_train, self.X_test])

    @property
    def y(self) -> np.ndarray:
        return np.concatenate([self.y_train, self.y_test])

    @property
    def is_binary(self) -> bool:
        return self.task == "classification" and set(np.unique(self.y).tolist()) <= {-1.0, 1.0}

    def __repr__(self) -> str:
        return (
            f"Dataset(name={self.name!r}, task={self.task!r}, n_train={self.n_train}, n_test={self.n_test}, "
            f"d={self.n_features}, classes={self.classes!r})"
        )


# ----------------------------------------------------------------------------------------------------
# the paper's synthetic sets
# ----------------------------------------------------------------------------------------------------

def _spiral_points(s: int, n: int, n_shape: int) -> np.ndarray:
    i = np.arange(n // 2, dtype=np.float64)
    t = i * n_shape / (n - 1)
    phi = t / 16 * math.pi
    r = 6.5 * ((104 - t) / 104)
    return np.column_stack([r * np.cos(phi) * s / 13 + 0.5, r * np.sin(phi) * s / 13 + 0.5])


def spiral(n: int = 100, n_train: int = 80, seed: int = 0, *, n_shape: int = 50) -> Dataset:
    """The two-spiral classification set of math.md §8 (the paper's synthetic benchmark).

    For i = 0..n/2-1: t = n_shape * i / (n - 1), phi = t pi / 16, r = 6.5 (104 - t) / 104, and the point
    p = (s r cos(phi) / 13 + 0.5, s r sin(phi) / 13 + 0.5) with s = +1 (label +1) and s = -1 (label -1); all
    s = +1 points first. Features are X = 2p - 1 (d = 2; with relulp's ``fit_intercept=True`` the ones
    column of the paper makes d = 3). Rows are permuted with the *legacy* numpy stream, as the reference
    script does (``np.random.seed(seed); idx = np.random.permutation(n)``, i.e.
    ``np.random.RandomState(seed).permutation(n)``); the first ``n_train`` rows are the training set, the
    rest the test set. Defaults: n = 100, 80 train, 20 test, seed 0.
    """
    if not isinstance(n, Integral) or n < 2 or n % 2:
        raise DataError(f"n must be an even integer >= 2, got {n!r}")
    if not isinstance(n_train, Integral) or not 0 < n_train <= n:
        raise DataError(f"n_train must be an integer in [1, n], got {n_train!r}")
    P = np.concatenate([_spiral_points(1, n, n_shape), _spiral_points(-1, n, n_shape)])
    X = 2 * P - 1
    y = np.concatenate([np.ones(n // 2), -np.ones(n // 2)])
    idx = np.random.RandomState(seed).permutation(n)
    X, y = X[idx], y[idx]
    return Dataset(
        X[:n_train].copy(), y[:n_train].copy(), X[n_train:].copy(), y[n_train:].copy(),
        name="spiral", task="classification", feature_names=("x1", "x2"),
        description=f"two interleaved spirals (Zhang, Zhang & Pilanci 2025, math.md §8), n={n}, seed={seed}",
        classes=(-1, 1), meta={"permutation": idx},
    )


def quadratic(n: int = 100, n_train: int = 80, seed: int = 0, *, noise: float = 0.0) -> Dataset:
    """The quadratic regression set of math.md §8: x = linspace(-1, 1, n), y = x^2.

    Features: x (d = 1; ``fit_intercept=True`` gives the paper's X = [x, 1]). The split is the reference
    script's: ``np.random.seed(seed); train = np.random.choice(np.arange(n), n_train, replace=False)`` (in that
    order), test = the other points in increasing x. ``noise > 0`` adds ``noise * randn(n)`` drawn first from
    the same seeded stream (the reference's ``noise=True, noise_param``); the default is noiseless, y = x^2
    exactly.
    """
    if not isinstance(n, Integral) or n < 2:
        raise DataError(f"n must be an integer >= 2, got {n!r}")
    if not isinstance(n_train, Integral) or not 0 < n_train <= n:
        raise DataError(f"n_train must be an integer in [1, n], got {n_train!r}")
    if not isinstance(noise, Real) or not np.isfinite(noise) or noise < 0:
        raise DataError(f"noise must be a finite number >= 0, got {noise!r}")
    x = np.linspace(-1, 1, n)
    y = x**2
    if noise > 0:
        y = y + noise * np.random.RandomState(seed).randn(n)
    train = np.random.RandomState(seed).choice(np.arange(n), size=n_train, replace=False)
    test = np.setdiff1d(np.arange(n), train)
    X = x[:, None]
    return Dataset(
        X[train].copy(), y[train].copy(), X[test].copy(), y[test].copy(),
        name="quadratic", task="regression", feature_names=("x",),
        description=f"y = x^2 on linspace(-1, 1, {n}) (math.md §8), noise={noise}, seed={seed}",
        meta={"train_index": train, "test_index": test},
    )


# ----------------------------------------------------------------------------------------------------
# generic helpers
# ----------------------------------------------------------------------------------------------------

def _split_index(n: int, test_size, seed) -> tuple[np.ndarray, np.ndarray]:
    """Random split: test_size a fraction in [0, 1) (ceil(test_size * n) test points) or an int count."""
    if isinstance(test_size, (bool, np.bool_)):
        raise DataError(f"test_size must be a fraction in [0, 1) or an integer count, got {test_size!r}")
    if isinstance(test_size, Integral):
        n_test = int(test_size)
    elif isinstance(test_size, Real) and 0.0 <= float(test_size) < 1.0:
        n_test = int(math.ceil(float(test_size) * n))
    else:
        raise DataError(f"test_size must be a fraction in [0, 1) or an integer count, got {test_size!r}")
    if not 0 <= n_test < n:
        raise DataError(f"test_size={test_size!r} leaves no training data out of {n} rows")
    perm = np.random.default_rng(seed).permutation(n)
    return np.sort(perm[n_test:]), np.sort(perm[:n_test])


def _encode_labels(y_raw: np.ndarray, binary=None) -> tuple[np.ndarray, tuple]:
    """Class labels -> (labels, classes). Two classes (or ``binary``) -> {-1, +1}; else 0..K-1."""
    classes = np.unique(y_raw)
    if binary is None or binary is False:
        if len(classes) == 2:
            return np.where(y_raw == classes[1], 1.0, -1.0), (classes[0].item(), classes[1].item())
        return np.searchsorted(classes, y_raw).astype(np.float64), tuple(c.item() for c in classes)
    if binary is True:
        pos = classes[0]
    else:
        matches = [c for c in classes if c == binary or str(c) == str(binary)]
        if not matches:
            raise DataError(f"binary={binary!r} is not one of the classes {classes.tolist()}")
        pos = matches[0]
    return np.where(y_raw == pos, 1.0, -1.0), (f"not {pos.item()}", pos.item())


def _standardize(Xtr: np.ndarray, Xte: np.ndarray) -> tuple[np.ndarray, np.ndarray, dict]:
    """Centre and scale with the training set's mean and std (constant columns keep scale 1)."""
    mu = Xtr.mean(axis=0)
    sd = Xtr.std(axis=0)
    sd = np.where(sd > 0, sd, 1.0)
    return (Xtr - mu) / sd, (Xte - mu) / sd, {"mean": mu, "scale": sd}


def _infer_task(y_raw: np.ndarray) -> str:
    if y_raw.dtype.kind in "OUSb":
        return "classification"
    yf = y_raw.astype(np.float64)
    if np.all(np.isfinite(yf)) and np.all(yf == np.round(yf)) and len(np.unique(yf)) <= 10:
        return "classification"
    return "regression"


def _finish(X, y_raw, *, name, task, feature_names, description, test_size, seed, standardize, binary,
            split=None) -> Dataset:
    """Validate, encode labels, split, standardise; build the Dataset."""
    if task in (None, "auto"):
        task = _infer_task(y_raw) if binary in (None, False) else "classification"
    if task not in ("classification", "regression"):
        raise UnknownOptionError(f"task must be 'classification', 'regression' or 'auto', got {task!r}")
    X = check_X(X, name=f"{name} features")
    classes = None
    if task == "classification":
        if y_raw.ndim != 1 or y_raw.shape[0] != X.shape[0]:
            raise DataError(f"{name}: X has {X.shape[0]} rows but y has shape {y_raw.shape}")
        if y_raw.dtype.kind == "f" and not np.isfinite(y_raw).all():
            raise DataError(f"{name}: labels contain NaN/inf")
        found = np.unique(y_raw)
        if len(found) < 2:
            value = found[0].item() if len(found) else None
            if isinstance(value, float) and value.is_integer():
                value = int(value)
            raise DataError(f"{name}: classification needs at least two classes, but every label is {value!r} "
                            f"({y_raw.shape[0]} rows); check the target column")
        y, classes = _encode_labels(y_raw, binary)
    else:
        if binary not in (None, False):
            raise DataError("binary= applies to classification data only")
        y = check_targets(y_raw, X.shape[0], name=f"{name} targets")
    if split is None:
        tr, te = _split_index(X.shape[0], test_size, seed)
    else:
        tr, te = split
    Xtr, Xte, ytr, yte = X[tr], X[te], y[tr], y[te]
    meta = {"train_index": tr, "test_index": te}
    if standardize:
        Xtr, Xte, m = _standardize(Xtr, Xte)
        meta.update(m)
    if feature_names is None:
        feature_names = tuple(f"x{j + 1}" for j in range(X.shape[1]))
    return Dataset(
        np.ascontiguousarray(Xtr), ytr, np.ascontiguousarray(Xte).reshape(-1, X.shape[1]), yte,
        name=name, task=task, feature_names=tuple(str(f) for f in feature_names), description=description,
        classes=classes, meta=meta,
    )


# ----------------------------------------------------------------------------------------------------
# files
# ----------------------------------------------------------------------------------------------------

def _is_number(text: str) -> bool:
    try:
        float(text)
        return True
    except ValueError:
        return False


def _read_utf8(path: str) -> str:
    """The file as text (UTF-8, optional BOM); CSVEncodingError with the line and byte offset otherwise."""
    with open(path, "rb") as fh:
        data = fh.read()
    try:
        return data.decode("utf-8-sig")
    except UnicodeDecodeError as exc:
        pos = exc.start
        line = data.count(b"\n", 0, pos) + 1
        col = pos - (data.rfind(b"\n", 0, pos) + 1) + 1
        raise CSVEncodingError(
            f"{path}: not UTF-8 text: byte 0x{data[pos]:02x} at byte offset {pos} (line {line}, column {col}) "
            f"is not valid UTF-8 (Latin-1/cp1252 file?). Save the file as UTF-8, e.g. "
            f"`iconv -f latin1 -t utf-8 {os.path.basename(path)} > fixed.csv`"
        ) from None


def load_csv(path, target=-1, test_size=0.2, seed=0, *, task: str = "auto", delimiter: str = ",",
             header: bool | None = None, standardize: bool = False, binary=None) -> Dataset:
    """Load a CSV file: one row per point, one column the target, the others numeric features.

    Format (see the module docstring): UTF-8 text, comma-separated (``delimiter``), an optional header row
    (auto-detected), the target in the last column unless ``target`` says otherwise.

    Parameters
    ----------
    target : int or str
        The target column: an index (negative counts from the end; default the last column) or a
        header name.
    test_size : float in [0, 1) or int
        Fraction (ceil(test_size * n) test rows) or number of test rows; the split is a random
        permutation from ``np.random.default_rng(seed)``; 0 gives an empty test set.
    task : "auto", "classification" or "regression"
        "auto": classification if the target is non-numeric, or integer-valued with <= 10 distinct values.
    header : bool or None
        None: the first row is a header when any of its fields is not a number.
    standardize : bool
        Centre and scale features with the training set's mean and standard deviation.
    binary : None, True or a class
        Classification labels: None -> two classes become -1/+1 (in sorted order), more stay 0..K-1;
        True -> the first class (sorted) is +1 and the rest -1; a class value -> that class is +1.
    """
    path = os.fspath(path)
    if not os.path.isfile(path):
        raise DataError(f"no such CSV file: {path!r}")
    text = _read_utf8(path)
    rows = [r for r in csv.reader(io.StringIO(text, newline=""), delimiter=delimiter)
            if r and any(f.strip() for f in r)]
    if not rows:
        raise DataError(f"{path}: empty CSV file")
    if header is None:
        header = not all(_is_number(f) for f in rows[0])
    names = [f.strip() for f in rows[0]] if header else None
    body = rows[1:] if header else rows
    if not body:
        raise DataError(f"{path}: no data rows")
    width = len(body[0])
    if any(len(r) != width for r in body) or (names is not None and len(names) != width):
        raise DataError(f"{path}: rows have different numbers of fields")
    if width < 2:
        raise DataError(f"{path}: need at least one feature column and a target column")
    if isinstance(target, str) and not isinstance(target, bool):
        if names is None or target not in names:
            raise DataError(f"{path}: no column named {target!r} (columns: {names})")
        tcol = names.index(target)
    elif isinstance(target, Integral) and not isinstance(target, bool):
        if not -width <= target < width:
            raise DataError(f"{path}: target column {target} out of range for {width} columns")
        tcol = int(target) % width
    else:
        raise DataError(f"target must be a column index or name, got {target!r}")
    fcols = [j for j in range(width) if j != tcol]
    try:
        X = np.array([[float(r[j]) for j in fcols] for r in body], dtype=np.float64)
    except ValueError as exc:
        raise DataError(f"{path}: non-numeric feature value ({exc})") from None
    traw = [r[tcol].strip() for r in body]
    if all(_is_number(v) for v in traw):
        y_raw = np.array([float(v) for v in traw])
    else:
        y_raw = np.array(traw, dtype=object).astype(str)
    feature_names = [names[j] for j in fcols] if names else None
    base = os.path.splitext(os.path.basename(path))[0]
    return _finish(X, y_raw, name=base, task=task, feature_names=feature_names,
                   description=f"CSV file {path} (target column {tcol})", test_size=test_size, seed=seed,
                   standardize=standardize, binary=binary)


def _npz_features(arrays: dict, key: str, path: str) -> np.ndarray:
    """The 2-D numeric feature array ``key`` of an .npz (DataError naming the file and array otherwise)."""
    a = arrays[key]
    if a.dtype.kind not in "biuf":
        what = {"U": "text", "S": "bytes", "c": "complex numbers", "M": "dates", "m": "time spans"}.get(a.dtype.kind,
                                                                                                 "not numbers")
        raise DataError(f"{path}: array {key} has dtype {a.dtype} ({what}); features must be real numbers (an "
                        f"(n_points, n_features) float array)")
    if a.ndim != 2:
        raise DataError(f"{path}: array {key} has shape {a.shape}; features must be 2-D (n_points, n_features)"
                        + (", e.g. X.reshape(-1, 1) for one feature" if a.ndim == 1 else ""))
    return a


def _npz_labels(arrays: dict, key: str, path: str, n: int, xkey: str) -> np.ndarray:
    """The labels ``key`` of an .npz as a 1-D array of length n ((n, 1) columns are accepted)."""
    a = arrays[key]
    if a.ndim == 2 and a.shape[1] == 1:
        a = a[:, 0]
    if a.ndim != 1:
        raise DataError(f"{path}: array {key} has shape {a.shape}; labels must be 1-D (one label or target per point)")
    if a.shape[0] != n:
        raise DataError(f"{path}: {xkey} has {n} rows but {key} has {a.shape[0]} entries")
    if a.dtype.kind not in "biufUS":
        raise DataError(f"{path}: array {key} has dtype {a.dtype}; labels must be numbers or text")
    return a


def load_npz(path, *, task: str = "auto", test_size=0.2, seed=0, standardize: bool = False,
             binary=None) -> Dataset:
    """Load a ``.npz`` file (as :func:`numpy.savez` writes it). Layouts:

    * ``X, y``: the points, split here into train and test as :func:`load_csv` does (``test_size``);
    * ``X, y, X_test, y_test``: ``X, y`` are the training set (the pool of an active learner), the test
      set is given (nothing is split);
    * ``X_train, y_train, X_test, y_test``: kept as given.

    Optional ``feature_names``. Features must be numeric and 2-D (n_points, n_features); labels 1-D with
    one entry per row (numbers, or text for classes). Object (pickled) arrays are refused, never loaded.
    ``task``, ``standardize``, ``binary`` as in :func:`load_csv`.
    """
    path = os.fspath(path)
    if not os.path.isfile(path):
        raise DataError(f"no such NPZ file: {path!r}")
    with open(path, "rb") as fh:
        magic = fh.read(6)
    if magic.startswith(b"\x93NUMPY"):
        raise DataError(f"{path}: this is a single-array .npy file, not a .npz archive; save the data with "
                        f"np.savez(path, X=X, y=y)")
    if not magic.startswith((b"PK\x03\x04", b"PK\x05\x06")):
        raise DataError(f"{path}: not a valid .npz file (an .npz is a zip archive of .npy arrays, as np.savez "
                        f"writes; this file starts with {magic!r}). For text data use a .csv file")
    try:
        with np.load(path, allow_pickle=False) as f:
            arrays = {k: f[k] for k in f.files}
    except ValueError as exc:
        if "pickle" in str(exc):
            raise DataError(f"{path}: the .npz holds object (pickled) arrays, which relulp does not load; "
                            f"save numeric arrays") from None
        raise DataError(f"{path}: cannot read as .npz ({exc})") from None
    except Exception as exc:  # corrupt zip
        raise DataError(f"{path}: not a valid .npz file ({type(exc).__name__}: {exc})") from None
    base = os.path.splitext(os.path.basename(path))[0]
    fn = arrays.get("feature_names")
    fn = None if fn is None else [str(v) for v in np.ravel(fn)]
    keys = arrays.keys()
    if "X" in keys and "X_train" in keys:
        raise DataError(f"{path}: holds both X and X_train; give X, y (optionally X_test, y_test) or "
                        f"X_train, y_train, X_test, y_test")
    has_test = {"X_test", "y_test"} & keys
    if has_test and has_test != {"X_test", "y_test"}:
        missing = ({"X_test", "y_test"} - has_test).pop()
        raise DataError(f"{path}: has {has_test.pop()} but no {missing}; give both test arrays or neither")
    if "X_train" in keys or "y_train" in keys:
        need = {"X_train", "y_train", "X_test", "y_test"}
        if not need <= keys:
            raise DataError(f"{path}: the X_train layout needs arrays {sorted(need)}; missing {sorted(need - keys)}")
        xtr_key, ytr_key = "X_train", "y_train"
    elif {"X", "y"} <= keys:
        xtr_key, ytr_key = "X", "y"
    else:
        raise DataError(f"{path}: expected arrays X, y (optionally X_test, y_test) or X_train, y_train, X_test, "
                        f"y_test; found {sorted(arrays)}")
    Xtr = _npz_features(arrays, xtr_key, path)
    ytr = _npz_labels(arrays, ytr_key, path, Xtr.shape[0], xtr_key)
    if fn is not None and len(fn) != Xtr.shape[1]:
        raise DataError(f"{path}: feature_names has {len(fn)} names for {Xtr.shape[1]} feature columns")
    if not has_test:
        X, y_raw, split = Xtr, ytr, None
    else:
        Xte = _npz_features(arrays, "X_test", path) if arrays["X_test"].size else \
            np.zeros((0, Xtr.shape[1]))
        if Xte.shape[1] != Xtr.shape[1]:
            raise DataError(f"{path}: X_test has {Xte.shape[1]} feature columns but {xtr_key} has {Xtr.shape[1]}")
        yte = _npz_labels(arrays, "y_test", path, Xte.shape[0], "X_test") if arrays["y_test"].size else \
            np.zeros(0, dtype=ytr.dtype)
        if Xte.shape[0] != yte.shape[0]:
            raise DataError(f"{path}: X_test has {Xte.shape[0]} rows but y_test has {yte.shape[0]} entries")
        if ytr.dtype.kind in "US" and yte.size and yte.dtype.kind not in "US":
            raise DataError(f"{path}: {ytr_key} holds text labels but y_test numbers")
        X = np.vstack([np.asarray(Xtr, dtype=np.float64), np.asarray(Xte, dtype=np.float64)])
        y_raw = np.concatenate([ytr, yte])
        split = (np.arange(Xtr.shape[0]), np.arange(Xtr.shape[0], X.shape[0]))
    return _finish(X, y_raw, name=base, task=task, feature_names=fn, description=f"NPZ file {path}",
                   test_size=test_size, seed=seed, standardize=standardize, binary=binary, split=split)


# ----------------------------------------------------------------------------------------------------
# scikit-learn
# ----------------------------------------------------------------------------------------------------

def load_sklearn(name: str, binary=None, test_size=0.2, seed=0, standardize: bool = True) -> Dataset:
    """One of scikit-learn's bundled data sets: 'iris', 'wine', 'breast_cancer', 'digits'.

    Needs scikit-learn (the optional extra ``relulp[datasets]``), imported on first use.

    ``binary``: None keeps the classes -- integer labels 0..K-1 for iris/wine/digits, and -1/+1 for
    breast_cancer (sklearn's target 0 = malignant -> -1, 1 = benign -> +1); True -> class 0 vs the rest
    (class 0 -> +1); a class index or class name (e.g. 'setosa') -> that class vs the rest. The split is a
    random permutation from ``np.random.default_rng(seed)`` (ceil(test_size * n) test points);
    ``standardize`` scales features by the training set's mean and standard deviation.
    """
    if name not in SKLEARN_DATASETS:
        raise UnknownOptionError(f"unknown scikit-learn data set {name!r}; choose from {list(SKLEARN_DATASETS)}")
    try:
        from sklearn import datasets as skd
    except ImportError:  # pragma: no cover - depends on the environment
        raise ImportError(
            "relulp.datasets.load_sklearn needs scikit-learn: pip install 'relulp[datasets]'"
        ) from None
    bunch = getattr(skd, f"load_{name}")()
    X = np.asarray(bunch.data, dtype=np.float64)
    target = np.asarray(bunch.target)
    tnames = [str(t) for t in getattr(bunch, "target_names", range(target.max() + 1))]
    if binary is not None and binary is not False and binary is not True:
        if isinstance(binary, str) and not binary.lstrip("-").isdigit():
            if binary not in tnames:
                raise DataError(f"{name}: no class named {binary!r} (classes: {tnames})")
            binary = tnames.index(binary)
        elif isinstance(binary, str):
            binary = int(binary)
        if not isinstance(binary, Integral) or not 0 <= binary < len(tnames):
            raise DataError(f"{name}: binary={binary!r} is not a class index in [0, {len(tnames)})")
    ds = _finish(X, target, name=name, task="classification",
                 feature_names=list(getattr(bunch, "feature_names", [])) or None,
                 description=f"scikit-learn load_{name}()", test_size=test_size, seed=seed,
                 standardize=standardize, binary=binary)
    # Report classes by name rather than by sklearn's integer code.
    if binary is None or binary is False:
        classes = tuple(tnames)
    else:
        pos = 0 if binary is True else int(binary)
        classes = (f"not {tnames[pos]}", tnames[pos])
        ds = Dataset(ds.X_train, ds.y_train, ds.X_test, ds.y_test, name=f"{name}:{tnames[pos]}",
                     task=ds.task, feature_names=ds.feature_names, description=ds.description + f", {tnames[pos]} vs rest",
                     classes=classes, meta=ds.meta)
        return ds
    return Dataset(ds.X_train, ds.y_train, ds.X_test, ds.y_test, name=ds.name, task=ds.task,
                   feature_names=ds.feature_names, description=ds.description, classes=classes, meta=ds.meta)


# ----------------------------------------------------------------------------------------------------
# dispatcher
# ----------------------------------------------------------------------------------------------------

def available() -> list[str]:
    """Names :func:`load` accepts (besides .csv / .npz paths and the ``name:binary`` / ``name:<class>`` forms)."""
    return [*_BUILTIN, *SKLEARN_DATASETS]


def load(name_or_path, **kw) -> Dataset:
    """Load a data set by name or path (the CLI's entry point).

    * 'spiral', 'quadratic' -- :func:`spiral`, :func:`quadratic` (keyword arguments passed on);
    * 'iris', 'wine', 'breast_cancer', 'digits' -- :func:`load_sklearn`; 'iris:binary' is class 0 vs rest,
      'iris:<k>' or 'iris:<class name>' (e.g. 'iris:setosa') is that class vs rest;
    * a path ending in .csv or .npz -- :func:`load_csv` / :func:`load_npz`.
    """
    if isinstance(name_or_path, os.PathLike):
        name_or_path = os.fspath(name_or_path)
    if not isinstance(name_or_path, str):
        raise UnknownOptionError(f"data set must be a name or a path, got {type(name_or_path).__name__}")
    text = name_or_path.strip()
    low = text.lower()
    if low.endswith(".csv"):
        return load_csv(text, **kw)
    if low.endswith(".npz"):
        return load_npz(text, **kw)
    base, _, option = text.partition(":")
    base = base.lower()
    if base == "spiral" and not option:
        return spiral(**kw)
    if base == "quadratic" and not option:
        return quadratic(**kw)
    if base in SKLEARN_DATASETS:
        if option:
            if "binary" in kw:
                raise UnknownOptionError(f"give the binary class either in the name ({text!r}) or as binary=, not both")
            kw["binary"] = True if option.lower() == "binary" else option
        return load_sklearn(base, **kw)
    raise UnknownOptionError(
        f"unknown data set {name_or_path!r}: choose from {available()} (optionally 'name:binary' or "
        f"'name:<class>' for the scikit-learn sets) or give a .csv / .npz path"
    )
