"""Tests of relulp.patterns: sampling, exact enumeration, deep sampling, the count bound."""

from __future__ import annotations

import itertools

import numpy as np
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from scipy.optimize import linprog

from relulp import patterns as pat
from relulp.datasets import spiral
from relulp.exceptions import DataError, PatternError
from relulp.patterns import (
    count_bound,
    enumerate_patterns,
    sample_deep_patterns,
    sample_patterns,
    unique_columns,
)


# ------------------------------------------------------------------------------------------------
# helpers
# ------------------------------------------------------------------------------------------------

def with_ones(X):
    X = np.asarray(X, dtype=float)
    return np.hstack([X, np.ones((X.shape[0], 1))])


def colset(D):
    """The set of columns of a boolean matrix, as tuples."""
    return {tuple(c) for c in np.asarray(D, dtype=bool).T.tolist()}


def realisable(Y, pattern, strict=False):
    """LP: is there h with y_i h >= 0 where pattern_i = 1 and y_i h < 0 where 0 (cone => scale to <= -1)?

    strict=True asks for an open cell: y_i h > 0 (>= 1) on the active nonzero rows too.
    """
    Y = np.asarray(Y, dtype=float)
    zero = ~Y.any(axis=1)
    p = np.asarray(pattern, dtype=bool)
    if (zero & ~p).any():
        return False
    A, b = [], []
    for i in np.flatnonzero(~zero):
        if p[i]:
            A.append(-Y[i])
            b.append(-1.0 if strict else 0.0)
        else:
            A.append(Y[i])
            b.append(-1.0)
    if not A:
        return True
    res = linprog(np.zeros(Y.shape[1]), A_ub=np.array(A), b_ub=np.array(b), bounds=[(None, None)] * Y.shape[1],
                  method="highs")
    assert res.status in (0, 2), res.message
    return res.status == 0


def brute_force(Y, faces=True):
    """Every realisable pattern, by one LP per 0/1 vector (tiny n only)."""
    n = Y.shape[0]
    return {p for p in itertools.product([False, True], repeat=n) if realisable(Y, p, strict=not faces)}


def naive_sample(Xa, H):
    """Per-direction loop: patterns 1[Xa h >= 0] for the rows h of H, first occurrences in order."""
    seen, out = set(), []
    for h in H:
        p = tuple((Xa @ h >= 0).tolist())
        if p not in seen:
            seen.add(p)
            out.append(p)
    return np.array(out, dtype=bool).T


def naive_unique_columns(B):
    seen, out = set(), []
    for c in B.T.tolist():
        if tuple(c) not in seen:
            seen.add(tuple(c))
            out.append(c)
    return np.array(out, dtype=bool).T


@pytest.fixture(scope="module")
def spiral_X():
    return spiral().X_train


@pytest.fixture(scope="module")
def spiral_enum(spiral_X):
    return enumerate_patterns(spiral_X)


# ------------------------------------------------------------------------------------------------
# sample_patterns
# ------------------------------------------------------------------------------------------------

def test_sample_basic_properties():
    X = np.random.default_rng(3).standard_normal((30, 2))
    D = sample_patterns(X, 500, seed=1)
    assert D.dtype == bool and D.shape[0] == 30 and 1 <= D.shape[1] <= 500
    assert len(colset(D)) == D.shape[1]  # distinct
    np.testing.assert_array_equal(D, sample_patterns(X, 500, seed=1))  # deterministic
    assert not np.array_equal(D, sample_patterns(X, 500, seed=2))


def test_sample_equals_naive_loop():
    X = np.random.default_rng(5).standard_normal((12, 3))
    for fit_intercept in (True, False):
        Xa = with_ones(X) if fit_intercept else X
        H = np.random.RandomState(7).randn(300, Xa.shape[1])  # an int seed is RandomState(seed)
        D = sample_patterns(X, 300, seed=7, fit_intercept=fit_intercept)
        np.testing.assert_array_equal(D, naive_sample(Xa, H))  # same columns, same order


def test_sample_chunking_does_not_change_result(monkeypatch):
    X = np.random.default_rng(0).standard_normal((10, 2))
    full = sample_patterns(X, 400, seed=4)
    monkeypatch.setattr(pat, "_CHUNK_ELEMS", 37)  # 3 directions per chunk
    np.testing.assert_array_equal(sample_patterns(X, 400, seed=4), full)


def test_sample_ties_count_as_active():
    X = np.zeros((3, 2))  # every x_i^T h = 0
    D = sample_patterns(X, 10, fit_intercept=False)
    np.testing.assert_array_equal(D, np.ones((3, 1), dtype=bool))


def test_sample_generator_and_legacy_seed(spiral_X):
    # an int seed means RandomState(seed); a Generator is used as given (another stream)
    np.testing.assert_array_equal(sample_patterns(spiral_X, 200, seed=np.random.RandomState(9)),
                                  sample_patterns(spiral_X, 200, seed=9))
    g = sample_patterns(spiral_X, 200, seed=np.random.default_rng(9))
    Xa = with_ones(spiral_X)
    np.testing.assert_array_equal(g, naive_sample(Xa, np.random.default_rng(9).standard_normal((200, 3))))
    # Legacy RandomState reproduces the reference generate_hyperplane_arrangement exactly.
    Xa = with_ones(spiral_X)
    np.random.seed(0)
    ref = np.concatenate([(Xa @ np.random.randn(3, 1)) >= 0 for _ in range(1000)], axis=1)
    ref = np.unique(ref, axis=1)
    ours = sample_patterns(spiral_X, 1000, seed=np.random.RandomState(0))
    assert ours.shape[1] == ref.shape[1] == 623  # the paper's embedding size
    assert colset(ours) == colset(ref)


def test_sample_spiral_default_seed_is_paper(spiral_X):
    # one seed, one pattern set: the default seed 0 is the reference's RandomState(0) -> the paper's 623
    assert sample_patterns(spiral_X, 1000).shape[1] == 623
    assert sample_patterns(spiral_X, 1000, seed=0).shape[1] == 623
    assert sample_patterns(spiral_X, 1000, seed=np.random.default_rng(0)).shape[1] == 602  # numpy's new stream


@pytest.mark.parametrize(
    "X, n_samples, exc",
    [
        (np.array([[np.nan, 1.0]]), 5, DataError),
        (np.array([[np.inf, 1.0]]), 5, DataError),
        (np.ones(3), 5, DataError),
        (np.ones((0, 2)), 5, DataError),
        ("abc", 5, DataError),
        (np.ones((3, 2)), 0, PatternError),
        (np.ones((3, 2)), -1, PatternError),
        (np.ones((3, 2)), 2.5, PatternError),
        (np.ones((3, 2)), True, PatternError),
    ],
)
def test_sample_bad_input(X, n_samples, exc):
    with pytest.raises(exc):
        sample_patterns(X, n_samples)


def test_sample_bad_seed():
    with pytest.raises(PatternError):
        sample_patterns(np.ones((3, 2)), 5, seed="zero")
    with pytest.raises(PatternError):
        sample_patterns(np.ones((3, 2)), 5, seed=-1)


# ------------------------------------------------------------------------------------------------
# count_bound
# ------------------------------------------------------------------------------------------------

def test_count_bound_values():
    assert count_bound(80, 3) == 6322  # math.md §1 (spiral)
    assert count_bound(5, 1) == 2
    assert count_bound(5, 2) == 10
    assert count_bound(3, 5) == 8  # saturates at 2^n
    assert count_bound(4, 0) == 1
    for bad in [(0, 1), (3, -1), (2.0, 1), (True, 1)]:
        with pytest.raises(PatternError):
            count_bound(*bad)


# ------------------------------------------------------------------------------------------------
# enumerate_patterns
# ------------------------------------------------------------------------------------------------

def test_spiral_enumeration_is_complete_and_sound(spiral_X, spiral_enum):
    E = spiral_enum
    assert E.dtype == bool and E.shape == (80, 6322)  # spiral is in general position: the bound is attained
    assert len(colset(E)) == E.shape[1]
    # No pattern of 100k random directions lies outside (rank 3, n = 80).
    Xa = with_ones(spiral_X)
    H = np.random.default_rng(11).standard_normal((3, 100_000))
    S = unique_columns(Xa @ H >= 0)
    assert colset(S) <= colset(E)
    # The paper's 623 sampled patterns too.
    assert colset(sample_patterns(spiral_X, 1000, seed=np.random.RandomState(0))) <= colset(E)
    # Soundness: a random subset of enumerated patterns is realised by some open cell (LP).
    for j in np.random.default_rng(0).choice(E.shape[1], 25, replace=False):
        assert realisable(Xa, E[:, j], strict=True)
    # With an intercept there are no face-only patterns.
    np.testing.assert_array_equal(enumerate_patterns(spiral_X, faces=False), E)


def test_rank2_complete_against_sampling():
    X = np.random.default_rng(2).standard_normal((40, 1))  # with intercept: rank 2
    E = enumerate_patterns(X)
    assert E.shape[1] == 80  # 2n for rank 2, general position, pointed
    S = unique_columns(with_ones(X) @ np.random.default_rng(3).standard_normal((2, 100_000)) >= 0)
    assert colset(S) <= colset(E)
    assert S.shape[1] >= 70  # sampling misses only the thinnest cells


def _pointed(U):
    """Rank-2 rows: is there h with U h > 0 (all angles inside an open half-plane)?"""
    ang = np.sort(np.arctan2(U[:, 1], U[:, 0]))
    gaps = np.diff(np.concatenate([ang, [ang[0] + 2 * np.pi]]))
    return gaps.max() > np.pi


@pytest.mark.parametrize("seed", range(6))
def test_rank2_closed_form(seed):
    """Rank 2, no two rows parallel or antiparallel: 2n cells; with faces 2n + [no h with X h > 0] (h = 0)."""
    rng = np.random.default_rng(seed)
    n = int(rng.integers(2, 25))
    X = rng.standard_normal((n, 2))
    if seed % 2:  # half the cases: all rows in the upper half plane (pointed)
        X[:, 1] = np.abs(X[:, 1])
    cells = enumerate_patterns(X, fit_intercept=False, faces=False)
    full = enumerate_patterns(X, fit_intercept=False)
    assert cells.shape[1] == 2 * n
    assert full.shape[1] == 2 * n + (0 if _pointed(X) else 1)


@pytest.mark.parametrize("n, d", [(10, 3), (25, 3), (12, 4), (9, 5)])
def test_general_position_attains_bound(n, d):
    X = np.random.default_rng(n * d).standard_normal((n, d - 1))
    E = enumerate_patterns(X)  # rank d with the intercept
    assert E.shape[1] == count_bound(n, d)


def test_bound_respected_with_intercept_on_degenerate_data():
    rng = np.random.default_rng(1)
    X = rng.integers(-2, 3, size=(30, 2)).astype(float)  # many repeated and collinear points
    E = enumerate_patterns(X)
    assert E.shape[1] <= count_bound(30, 3)
    assert colset(unique_columns(with_ones(X) @ rng.standard_normal((3, 50_000)) >= 0)) <= colset(E)


def test_rank4_matches_brute_force():
    X = np.random.default_rng(8).standard_normal((8, 4))
    for faces in (True, False):
        E = enumerate_patterns(X, fit_intercept=False, faces=faces)
        assert colset(E) == brute_force(X, faces=faces)
    # General position: the cells attain the bound; faces add only h = 0's all-ones pattern, and only when
    # no open half-space holds every row.
    extra = 0 if realisable(X, np.ones(8, bool), strict=True) else 1
    assert enumerate_patterns(X, fit_intercept=False, faces=False).shape[1] == count_bound(8, 4)
    assert enumerate_patterns(X, fit_intercept=False).shape[1] == count_bound(8, 4) + extra


def test_degenerate_cases_exact():
    # x and -x (no intercept, rank 1): (1,0), (0,1) and h = 0's (1,1) -- more than the cell bound 2.
    X = np.array([[1.0], [-1.0]])
    assert colset(enumerate_patterns(X, fit_intercept=False)) == {(True, False), (False, True), (True, True)}
    assert colset(enumerate_patterns(X, fit_intercept=False, faces=False)) == {(True, False), (False, True)}
    # A zero row is always active; duplicates agree.
    X = np.array([[0.0, 0.0], [1.0, 0.0], [2.0, 0.0], [0.0, 1.0]])
    E = enumerate_patterns(X, fit_intercept=False)
    assert E[0].all() and np.array_equal(E[1], E[2])
    assert colset(E) == brute_force(X)
    # All rows zero: the single all-ones pattern.
    np.testing.assert_array_equal(enumerate_patterns(np.zeros((3, 2)), fit_intercept=False), np.ones((3, 1), bool))
    # Collinear points with intercept (rank 2 although d = 3).
    t = np.linspace(-1, 1, 7)[:, None]
    E = enumerate_patterns(np.hstack([t, 2 * t]))
    assert E.shape[1] == 14 and colset(E) == brute_force(with_ones(np.hstack([t, 2 * t])))


def test_face_patterns_included():
    # Rows (1,0), (-1,0), (0,1): h = (0, 1) makes the first two ties -> (1,1,1), which no open cell gives;
    # h = (0, -1) gives (1,1,0).
    X = np.array([[1.0, 0.0], [-1.0, 0.0], [0.0, 1.0]])
    full, cells = colset(enumerate_patterns(X, fit_intercept=False)), colset(
        enumerate_patterns(X, fit_intercept=False, faces=False))
    assert (True, True, True) in full - cells and (True, True, False) in full - cells
    assert full == brute_force(X) and cells == brute_force(X, faces=False)


def test_enumeration_invariances():
    rng = np.random.default_rng(4)
    X = rng.standard_normal((15, 2))
    E = enumerate_patterns(X)
    perm = rng.permutation(15)
    assert colset(enumerate_patterns(X[perm])) == colset(E[perm])
    # Positive row scaling (with the intercept column) does not change patterns.
    Xa = with_ones(X) * rng.uniform(0.1, 10, size=(15, 1))
    assert colset(enumerate_patterns(Xa, fit_intercept=False)) == colset(E)
    # Deterministic, sorted output.
    np.testing.assert_array_equal(E, enumerate_patterns(X))


@pytest.mark.parametrize("seed", range(5))
def test_degenerate_float_data_rotation_invariant(seed):
    """Exact degeneracies (repeated, collinear, coplanar integer rows) survive rounding errors: rotating and
    positively rescaling the rows (which changes no pattern) gives the same set."""
    rng = np.random.default_rng(seed)
    d = 3 + seed % 2
    X = rng.integers(-2, 3, size=(14, d)).astype(float)
    Q, _ = np.linalg.qr(rng.standard_normal((d, d)))
    Y = rng.uniform(0.1, 10, size=(14, 1)) * X @ Q
    for faces in (True, False):
        assert colset(enumerate_patterns(X, fit_intercept=False, faces=faces)) == colset(
            enumerate_patterns(Y, fit_intercept=False, faces=faces))


small_int_data = st.integers(1, 6).flatmap(
    lambda n: st.integers(1, 4).flatmap(
        lambda d: st.lists(st.lists(st.integers(-2, 2), min_size=d, max_size=d), min_size=n, max_size=n)
    )
)


@settings(max_examples=40, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(rows=small_int_data, fit_intercept=st.booleans())
def test_enumeration_matches_brute_force_property(rows, fit_intercept):
    X = np.array(rows, dtype=float)
    Xa = with_ones(X) if fit_intercept else X
    for faces in (True, False):
        E = enumerate_patterns(X, fit_intercept=fit_intercept, faces=faces)
        assert E.dtype == bool and E.shape[0] == X.shape[0]
        assert len(colset(E)) == E.shape[1]
        assert colset(E) == brute_force(Xa, faces=faces)


@settings(max_examples=25, deadline=None)
@given(seed=st.integers(0, 2**31 - 1), n=st.integers(1, 12), d=st.integers(1, 3))
def test_sampled_subset_of_enumerated_property(seed, n, d):
    X = np.random.default_rng(seed).standard_normal((n, d))
    E = enumerate_patterns(X)
    S = sample_patterns(X, 2000, seed=seed)
    assert colset(S) <= colset(E)
    assert E.shape[1] <= count_bound(n, d + 1)


def test_enumerate_guards():
    X = np.random.default_rng(0).standard_normal((60, 6))
    with pytest.raises(PatternError, match="max_patterns"):
        enumerate_patterns(X)  # rank 7, bound ~ 1e8
    with pytest.raises(PatternError):
        enumerate_patterns(np.random.default_rng(0).standard_normal((20, 1)), max_patterns=10)
    for bad in (0, -3, 2.5, True):
        with pytest.raises(PatternError):
            enumerate_patterns(np.ones((3, 2)), max_patterns=bad)
    for bad in (0.0, -1e-9, 0.5, "x"):
        with pytest.raises(PatternError):
            enumerate_patterns(np.ones((3, 2)), tol=bad)
    with pytest.raises(DataError):
        enumerate_patterns(np.array([[1.0, np.nan]]))


# ------------------------------------------------------------------------------------------------
# sample_deep_patterns
# ------------------------------------------------------------------------------------------------

def test_deep_patterns_shapes_determinism_recomputation(spiral_X):
    sizes = [50, 100, 30]
    D = sample_deep_patterns(spiral_X, sizes, seed=3)
    assert len(D) == 3
    assert all(Dk.dtype == bool and Dk.shape[0] == 80 and 1 <= Dk.shape[1] <= s for Dk, s in zip(D, sizes))
    assert all(len(colset(Dk)) == Dk.shape[1] for Dk in D)
    for a, b in zip(D, sample_deep_patterns(spiral_X, sizes, seed=3)):
        np.testing.assert_array_equal(a, b)
    # Direct recomputation from the same draws (an int seed is RandomState(seed)).
    rng = np.random.RandomState(3)
    W1 = rng.randn(3, 50)
    W2 = rng.randn(50, 100)
    W3 = rng.randn(100, 30)
    H1 = with_ones(spiral_X) @ W1
    H2 = np.maximum(H1, 0) @ W2
    H3 = np.maximum(H2, 0) @ W3
    for Dk, Hk in zip(D, (H1, H2, H3)):
        np.testing.assert_array_equal(Dk, naive_unique_columns(Hk >= 0))
    # Layer 1 patterns are hyperplane-arrangement patterns.
    assert colset(D[0]) <= colset(enumerate_patterns(spiral_X))


def test_deep_patterns_reproduce_reference(spiral_X):
    D1, D2 = sample_deep_patterns(spiral_X, [50, 100], seed=np.random.RandomState(0))
    assert (D1.shape[1], D2.shape[1]) == (34, 57)  # the paper's 3-layer spiral sizes
    Xa = with_ones(spiral_X)
    np.random.seed(0)
    W1 = np.random.randn(3, 50)
    W2 = np.random.randn(50, 100)
    assert colset(D2) == colset(np.unique(np.maximum(Xa @ W1, 0) @ W2 >= 0, axis=1))
    assert colset(D1) == colset(np.unique(Xa @ W1 >= 0, axis=1))
    D = sample_deep_patterns(spiral_X, [50, 100])  # the default seed 0 is the same stream
    assert [Dk.shape[1] for Dk in D] == [34, 57]


@pytest.mark.parametrize("sizes", [[], [0], [5, -1], [2.5], "ab", 5, [True]])
def test_deep_bad_sizes(sizes):
    with pytest.raises(PatternError):
        sample_deep_patterns(np.ones((3, 2)), sizes)


def test_deep_bad_X():
    with pytest.raises(DataError):
        sample_deep_patterns(np.array([[np.inf, 0.0]]), [3])


def test_unique_columns():
    B = np.array([[1, 0, 1, 0], [0, 1, 0, 1]], dtype=bool)
    np.testing.assert_array_equal(unique_columns(B), B[:, :2])
    np.testing.assert_array_equal(unique_columns(B, keep_order=False), B[:, [1, 0]])
    with pytest.raises(PatternError):
        unique_columns(np.ones(3, dtype=bool))


# ------------------------------------------------------------------------------------------------
# size checks and seeds (issue 13)
# ------------------------------------------------------------------------------------------------

def test_sample_huge_n_samples_refused_before_allocating(spiral_X):
    from relulp import ModelSizeError

    with pytest.raises(ModelSizeError, match="memory cap"):
        sample_patterns(spiral_X, 10**12)
    with pytest.raises(ModelSizeError, match="n_samples=1,000,000"):
        sample_patterns(spiral_X, 1_000_000, memory_limit="1M")
    with pytest.raises(ModelSizeError, match="memory cap"):
        sample_deep_patterns(spiral_X, [10**6, 10**6])
    assert sample_patterns(spiral_X, 100, memory_limit="1G").shape[0] == 80


def test_sample_refuses_complex_and_object_X():
    X = np.ones((4, 2)) + 1j
    with pytest.raises(DataError, match="complex"):
        sample_patterns(X, 10)
    with pytest.raises(DataError, match="complex"):
        sample_deep_patterns(X, [3])
    with pytest.raises(DataError, match="object"):
        sample_patterns(np.array([[1.0, "a"], [2.0, 3.0]], dtype=object), 10)


def test_int_seed_is_legacy_stream_everywhere(spiral_X):
    for seed in (0, 5):
        np.testing.assert_array_equal(sample_patterns(spiral_X, 300, seed=seed),
                                      sample_patterns(spiral_X, 300, seed=np.random.RandomState(seed)))
        for a, b in zip(sample_deep_patterns(spiral_X, [7, 9], seed=seed),
                        sample_deep_patterns(spiral_X, [7, 9], seed=np.random.RandomState(seed))):
            np.testing.assert_array_equal(a, b)
    with pytest.raises(PatternError, match="2\\*\\*32"):
        sample_patterns(spiral_X, 5, seed=2**32)
