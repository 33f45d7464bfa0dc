"""Tests of relulp.datasets: the paper's synthetic sets, file loaders, scikit-learn sets, the dispatcher."""

from __future__ import annotations

import math

import numpy as np
import pytest

from relulp import datasets as rds
from relulp.datasets import Dataset, available, load, load_csv, load_npz, load_sklearn, quadratic, spiral
from relulp.exceptions import DataError, UnknownOptionError
from relulp.validation import prepare_X


# ------------------------------------------------------------------------------------------------
# spiral
# ------------------------------------------------------------------------------------------------

def reference_spiral():
    """An independent transcription of the reference generator (loops, global legacy seed)."""
    def pt(i, s):
        t = i * 50 / 99
        phi = t / 16 * math.pi
        r = 6.5 * ((104 - t) / 104)
        return (r * math.cos(phi) * s / 13 + 0.5, r * math.sin(phi) * s / 13 + 0.5)

    a = [pt(i, 1) for i in range(50)]
    b = [pt(i, -1) for i in range(50)]
    X = 2 * np.concatenate((a, b), axis=0) - 1
    X = np.append(X, np.ones((100, 1)), axis=1)
    y = np.concatenate((np.ones(50), -np.ones(50)))
    np.random.seed(0)
    idx = np.random.permutation(100)
    return X[idx][:80], y[idx][:80], X[idx][80:], y[idx][80:]


def test_spiral_shapes_labels_range():
    ds = spiral()
    assert isinstance(ds, Dataset) and ds.task == "classification" and ds.name == "spiral"
    assert ds.X_train.shape == (80, 2) and ds.X_test.shape == (20, 2)  # raw features: no ones column
    assert ds.y_train.shape == (80,) and ds.y_test.shape == (20,)
    assert ds.feature_names == ("x1", "x2")
    y = ds.y
    assert set(np.unique(y)) == {-1.0, 1.0} and (y == 1).sum() == 50 and (y == -1).sum() == 50
    assert np.all(np.abs(ds.X) <= 1.0)
    assert ds.is_binary


def test_spiral_points_by_hand():
    ds = spiral()
    perm = ds.meta["permutation"]
    X, y = ds.X, ds.y  # permuted order (train first, then test)
    # Point i = 0, s = +1: t = 0, phi = 0, r = 6.5 -> p = (6.5/13 + 0.5, 0.5) = (1, 0.5) -> X = (1, 0).
    k = int(np.flatnonzero(perm == 0)[0])
    np.testing.assert_allclose(X[k], [1.0, 0.0], atol=1e-15)
    assert y[k] == 1
    # Point i = 0, s = -1 (unpermuted index 50): X = (-1, 0), label -1.
    k = int(np.flatnonzero(perm == 50)[0])
    np.testing.assert_allclose(X[k], [-1.0, 0.0], atol=1e-15)
    assert y[k] == -1
    # Point i = 33, s = -1 (unpermuted index 50 + 33 = 83): t = 50 * 33 / 99 = 50/3.
    t = 50 / 3
    phi, r = t * math.pi / 16, 6.5 * (104 - t) / 104
    expect = 2 * np.array([-r * math.cos(phi) / 13 + 0.5, -r * math.sin(phi) / 13 + 0.5]) - 1
    k = int(np.flatnonzero(perm == 83)[0])
    np.testing.assert_allclose(X[k], expect, rtol=0, atol=1e-14)
    assert y[k] == -1


def test_spiral_matches_reference_generator_with_intercept():
    ds = spiral()
    Xtr, ytr, Xte, yte = reference_spiral()
    np.testing.assert_array_equal(prepare_X(ds.X_train, fit_intercept=True), Xtr)
    np.testing.assert_array_equal(prepare_X(ds.X_test, fit_intercept=True), Xte)
    np.testing.assert_array_equal(ds.y_train, ytr)
    np.testing.assert_array_equal(ds.y_test, yte)
    np.testing.assert_array_equal(ds.meta["permutation"], np.random.RandomState(0).permutation(100))


def test_spiral_options_and_errors():
    ds = spiral(n=20, n_train=15, seed=3)
    assert ds.n_train == 15 and ds.n_test == 5
    for kw in ({"n": 7}, {"n": 0}, {"n_train": 0}, {"n_train": 101}, {"n": 2.5}):
        with pytest.raises(DataError):
            spiral(**kw)


# ------------------------------------------------------------------------------------------------
# quadratic
# ------------------------------------------------------------------------------------------------

def test_quadratic():
    ds = quadratic()
    assert ds.task == "regression" and ds.X_train.shape == (80, 1) and ds.X_test.shape == (20, 1)
    np.testing.assert_array_equal(ds.y_train, ds.X_train[:, 0] ** 2)  # y = x^2 exactly
    np.testing.assert_array_equal(ds.y_test, ds.X_test[:, 0] ** 2)
    grid = np.linspace(-1, 1, 100)
    np.testing.assert_array_equal(np.sort(ds.X[:, 0]), grid)  # train + test = the whole grid
    tr, te = ds.meta["train_index"], ds.meta["test_index"]
    assert len(set(tr) | set(te)) == 100 and not set(tr) & set(te)
    np.random.seed(0)
    np.testing.assert_array_equal(tr, np.random.choice(np.arange(100), size=80, replace=False))
    np.testing.assert_array_equal(ds.X_train[:, 0], grid[tr])
    # fit_intercept gives the paper's X = [x, 1].
    np.testing.assert_array_equal(prepare_X(ds.X_train, True), np.column_stack([grid[tr], np.ones(80)]))


def test_quadratic_noise_and_errors():
    ds = quadratic(noise=0.05)
    assert not np.array_equal(ds.y_train, ds.X_train[:, 0] ** 2)
    assert np.abs(ds.y_train - ds.X_train[:, 0] ** 2).max() < 0.3
    for kw in ({"noise": -1.0}, {"noise": float("nan")}, {"n_train": 0}, {"n": 1}):
        with pytest.raises(DataError):
            quadratic(**kw)


# ------------------------------------------------------------------------------------------------
# CSV / NPZ
# ------------------------------------------------------------------------------------------------

def test_load_csv_header_names_and_labels(tmp_path):
    p = tmp_path / "toy.csv"
    rows = ["a,b,label,c"] + [f"{i},{2 * i},{'yes' if i % 2 else 'no'},{i * i}" for i in range(10)]
    p.write_text("\n".join(rows) + "\n")
    ds = load_csv(p, target="label", test_size=0.2, seed=1)
    assert ds.task == "classification" and ds.feature_names == ("a", "b", "c")
    assert ds.n_train == 8 and ds.n_test == 2
    assert ds.classes == ("no", "yes")
    X = np.vstack([ds.X_train, ds.X_test])
    y = np.concatenate([ds.y_train, ds.y_test])
    np.testing.assert_array_equal(y, np.where(X[:, 0] % 2 == 1, 1.0, -1.0))  # 'yes' -> +1
    ds2 = load_csv(p, target=2, test_size=0.2, seed=1)
    np.testing.assert_array_equal(ds2.X_train, ds.X_train)
    # binary= picks the positive class.
    ds3 = load_csv(p, target="label", binary="no", test_size=0)
    assert ds3.n_test == 0 and ds3.X_test.shape == (0, 3)
    np.testing.assert_array_equal(ds3.y_train, np.where(ds3.X_train[:, 0] % 2 == 0, 1.0, -1.0))


def test_load_csv_regression_no_header_standardize(tmp_path):
    rng = np.random.default_rng(0)
    data = np.column_stack([rng.standard_normal((30, 2)), rng.standard_normal(30)])
    p = tmp_path / "reg.csv"
    np.savetxt(p, data, delimiter=",")
    ds = load_csv(p, standardize=True, test_size=5)
    assert ds.task == "regression" and ds.n_test == 5 and ds.feature_names == ("x1", "x2")
    np.testing.assert_allclose(ds.X_train.mean(axis=0), 0, atol=1e-12)
    np.testing.assert_allclose(ds.X_train.std(axis=0), 1, atol=1e-12)
    y = np.concatenate([ds.y_train, ds.y_test])
    np.testing.assert_allclose(np.sort(y), np.sort(data[:, 2]))
    # Deterministic split for a seed.
    np.testing.assert_array_equal(load_csv(p, test_size=5).y_test, load_csv(p, test_size=5).y_test)


def test_load_csv_multiclass_integers(tmp_path):
    p = tmp_path / "mc.csv"
    p.write_text("".join(f"{i},{i % 3 + 5}\n" for i in range(12)))
    ds = load_csv(p)
    assert ds.task == "classification" and ds.classes == (5.0, 6.0, 7.0)
    assert set(np.unique(ds.y)) == {0.0, 1.0, 2.0}


def test_load_csv_errors(tmp_path):
    with pytest.raises(DataError):
        load_csv(tmp_path / "missing.csv")
    bad = tmp_path / "bad.csv"
    bad.write_text("1,2,3\n4,x,6\n")
    with pytest.raises(DataError):
        load_csv(bad)
    nan = tmp_path / "nan.csv"
    nan.write_text("1,nan,3\n4,5,6\n7,8,9\n")
    with pytest.raises(DataError):
        load_csv(nan)
    ragged = tmp_path / "ragged.csv"
    ragged.write_text("1,2,3\n4,5\n")
    with pytest.raises(DataError):
        load_csv(ragged)
    ok = tmp_path / "ok.csv"
    ok.write_text("a,b\n1,2\n3,4\n5,6\n")
    for kw in ({"target": "zzz"}, {"target": 5}, {"test_size": 1.5}, {"test_size": 3}, {"target": 1.5}):
        with pytest.raises(DataError):
            load_csv(ok, **kw)
    with pytest.raises(UnknownOptionError):
        load_csv(ok, task="ranking")


def test_load_npz_both_layouts(tmp_path):
    rng = np.random.default_rng(2)
    X = rng.standard_normal((20, 3))
    y = np.where(X[:, 0] > 0, 1.0, -1.0)
    p = tmp_path / "xy.npz"
    np.savez(p, X=X, y=y)
    ds = load_npz(p, test_size=0.25, seed=0)
    assert ds.n_train == 15 and ds.n_test == 5 and ds.task == "classification"
    assert set(np.unique(ds.y)) <= {-1.0, 1.0}
    q = tmp_path / "split.npz"
    np.savez(q, X_train=X[:12], y_train=y[:12], X_test=X[12:], y_test=y[12:], feature_names=np.array(["a", "b", "c"]))
    ds = load_npz(q)
    np.testing.assert_array_equal(ds.X_train, X[:12])
    np.testing.assert_array_equal(ds.y_test, y[12:])
    assert ds.feature_names == ("a", "b", "c")
    r = tmp_path / "bad.npz"
    np.savez(r, A=X)
    with pytest.raises(DataError):
        load_npz(r)
    s = tmp_path / "nan.npz"
    np.savez(s, X=np.full((3, 2), np.nan), y=np.ones(3))
    with pytest.raises(DataError):
        load_npz(s)
    with pytest.raises(DataError):
        load_npz(tmp_path / "none.npz")


# ------------------------------------------------------------------------------------------------
# scikit-learn
# ------------------------------------------------------------------------------------------------

def test_load_sklearn_multiclass_and_binary():
    pytest.importorskip("sklearn")
    ds = load_sklearn("iris")
    assert ds.task == "classification" and ds.n_features == 4 and ds.n_train + ds.n_test == 150
    assert ds.n_test == 30 and set(np.unique(ds.y)) == {0.0, 1.0, 2.0}
    assert ds.classes == ("setosa", "versicolor", "virginica")
    np.testing.assert_allclose(ds.X_train.mean(axis=0), 0, atol=1e-12)  # standardised on train
    b = load_sklearn("iris", binary=True)
    assert set(np.unique(b.y)) == {-1.0, 1.0} and (b.y == 1).sum() == 50 and b.classes[1] == "setosa"
    c = load("iris:virginica")
    assert (c.y == 1).sum() == 50 and c.classes[1] == "virginica"
    np.testing.assert_array_equal(load("iris:2").y, c.y)
    bc = load_sklearn("breast_cancer")
    assert bc.is_binary and bc.n_features == 30 and bc.classes == ("malignant", "benign")
    raw = load_sklearn("wine", standardize=False)
    assert raw.X_train.mean() > 1  # unscaled
    with pytest.raises(DataError):
        load_sklearn("iris", binary="tulip")
    with pytest.raises(DataError):
        load_sklearn("iris", binary=7)
    with pytest.raises(UnknownOptionError):
        load_sklearn("mnist")


def test_load_sklearn_digits():
    pytest.importorskip("sklearn")
    ds = load_sklearn("digits", test_size=0.1)
    assert ds.n_features == 64 and ds.n_train + ds.n_test == 1797
    assert np.isfinite(ds.X_train).all() and np.isfinite(ds.X_test).all()  # constant pixels keep scale 1


# ------------------------------------------------------------------------------------------------
# dispatcher
# ------------------------------------------------------------------------------------------------

def test_load_dispatch(tmp_path):
    assert set(available()) == {"spiral", "quadratic", "iris", "wine", "breast_cancer", "digits"}
    np.testing.assert_array_equal(load("spiral").X_train, spiral().X_train)
    np.testing.assert_array_equal(load("Quadratic").y_train, quadratic().y_train)
    assert load("spiral", n=20, n_train=10).n_train == 10
    p = tmp_path / "d.csv"
    p.write_text("1,2,0\n3,4,1\n5,6,0\n7,8,1\n")
    assert load(str(p), test_size=0).n_train == 4
    q = tmp_path / "d.npz"
    np.savez(q, X=np.ones((4, 2)), y=np.array([1.0, -1, 1, -1]))
    assert load(q, test_size=0).n_train == 4
    pytest.importorskip("sklearn")
    assert load("wine").n_features == 13
    for bad in ("nope", "spiral:binary", 3):
        with pytest.raises(UnknownOptionError):
            load(bad)
    with pytest.raises(UnknownOptionError):
        load("iris:binary", binary=1)


def test_dataset_validation():
    X = np.zeros((3, 2))
    with pytest.raises(DataError):
        Dataset(X, np.zeros(3), X, np.zeros(3), name="x", task="clustering", feature_names=("a", "b"))
    with pytest.raises(DataError):
        Dataset(X, np.zeros(3), X, np.zeros(3), name="x", task="regression", feature_names=("a",))
    with pytest.raises(DataError):
        Dataset(X, np.zeros(3), np.zeros((3, 1)), np.zeros(3), name="x", task="regression", feature_names=("a", "b"))
    assert "spiral" in repr(spiral()) and rds.SKLEARN_DATASETS


# ------------------------------------------------------------------------------------------------
# issue 13: encodings, one-class files, non-zip .npz, documented format
# ------------------------------------------------------------------------------------------------

def test_load_csv_latin1_is_a_clear_error(tmp_path):
    p = tmp_path / "latin.csv"
    p.write_bytes("x1,x2,label\n0.5,1.2,caf\u00e9\n0.3,0.1,th\u00e9\n".encode("latin-1"))
    with pytest.raises(rds.CSVEncodingError) as info:
        load_csv(p)
    msg = str(info.value)
    assert str(p) in msg and "UTF-8" in msg and "byte 0xe9" in msg and "offset 23" in msg and "line 2" in msg
    assert isinstance(info.value, DataError)


def test_load_csv_utf8_with_bom_and_non_ascii_labels(tmp_path):
    p = tmp_path / "utf8.csv"
    p.write_bytes(b"\xef\xbb\xbf" + "x1,x2,label\n0.5,1.2,caf\u00e9\n0.3,0.1,th\u00e9\n".encode("utf-8"))
    ds = load_csv(p, test_size=0)
    assert ds.feature_names == ("x1", "x2") and ds.classes == ("caf\u00e9", "th\u00e9")


@pytest.mark.parametrize("label", ["1", "7", "yes"])
def test_load_csv_one_class_reports_the_value_in_the_file(tmp_path, label):
    p = tmp_path / "one.csv"
    p.write_text("a,b,y\n" + "".join(f"{i},{i + 1},{label}\n" for i in range(5)))
    with pytest.raises(DataError, match="two classes") as info:
        load_csv(p)
    shown = repr(int(label)) if label.isdigit() else repr(label)
    assert f"every label is {shown}" in str(info.value)
    assert "0" not in str(info.value).split("every label is")[1].split("(")[0]  # not a re-encoded label


def test_load_npz_text_file_is_not_called_pickled(tmp_path):
    p = tmp_path / "data.npz"
    p.write_text("X,y\n1,2\n")
    with pytest.raises(DataError, match="not a valid .npz") as info:
        load_npz(p)
    assert "pickle" not in str(info.value) and "zip" in str(info.value)
    q = tmp_path / "single.npz"
    with open(q, "wb") as fh:
        np.save(fh, np.ones((3, 2)))
    with pytest.raises(DataError, match=r"\.npy file"):
        load_npz(q)
    r = tmp_path / "broken.npz"
    r.write_bytes(b"PK\x03\x04garbage")
    with pytest.raises(DataError, match="not a valid .npz"):
        load_npz(r)


def test_csv_format_is_documented():
    doc = rds.__doc__ + (load_csv.__doc__ or "")
    for words in ("UTF-8", "last column", "header", "comma"):
        assert words in doc
