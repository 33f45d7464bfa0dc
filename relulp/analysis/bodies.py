"""Bodies with known answers, random bodies, and a synthetic CPAL body (math.md §2, §5, §8).

Used by the tests, the benchmarks and the documentation. Every constructor returns a
:class:`relulp.analysis.Polytope`; the known volume / centroid are given by the helper functions.
"""

from __future__ import annotations

import math

import numpy as np
import scipy.sparse as sp

from .polytope import Polytope


def cube(N: int, half_width: float = 1.0, *, rotation=None, bound="box", R: float | None = None) -> Polytope:
    """{theta : |Q theta|_inf <= h} (2N rows), Q orthogonal (identity if rotation is None, a random
    rotation from ``np.random.default_rng(rotation)`` if an int, or the given (N, N) matrix).
    Volume (2h)^N, centroid 0. The bound set defaults to radius h sqrt(N) (redundant)."""
    if rotation is None:
        Q = np.eye(N)
    elif isinstance(rotation, (int, np.integer)):
        from scipy.stats import special_ortho_group  # lazy: scipy.stats costs ~1 s to import

        Q = special_ortho_group.rvs(N, random_state=np.random.default_rng(int(rotation))) if N > 1 else np.eye(1)
    else:
        Q = np.asarray(rotation, dtype=np.float64)
    A = np.vstack([Q, -Q])
    b = np.full(2 * N, float(half_width))
    if R is None:
        R = half_width * math.sqrt(N) * (1 + 1e-9)
    return Polytope(A, b, bound=bound, R=R)


def cube_volume(N: int, half_width: float = 1.0) -> float:
    return (2.0 * half_width) ** N


def simplex(N: int, *, bound="box", R: float = 1.0) -> Polytope:
    """The standard simplex {theta >= 0, sum theta <= 1} (N + 1 rows): volume 1/N!, centroid 1/(N+1)."""
    A = np.vstack([-np.eye(N), np.ones((1, N))])
    b = np.concatenate([np.zeros(N), [1.0]])
    return Polytope(A, b, bound=bound, R=R)


def simplex_volume(N: int) -> float:
    return 1.0 / math.factorial(N)


def cross_polytope(N: int, *, bound="box", R: float = 1.0) -> Polytope:
    """{||theta||_1 <= 1} (2^N rows): volume 2^N / N!."""
    signs = np.array(np.meshgrid(*[[-1.0, 1.0]] * N, indexing="ij")).reshape(N, -1).T
    return Polytope(signs, np.ones(len(signs)), bound=bound, R=R)


def random_polytope(N: int, m: int, seed=0, *, bound="box", R: float = 1.0, offset=(0.2, 1.0)) -> Polytope:
    """m random unit normals a_i ~ N(0, I) / ||.||, offsets b_i ~ U(offset) (contains the ball of radius
    offset[0] around 0), intersected with the bound set."""
    rng = np.random.default_rng(seed)
    A = rng.standard_normal((m, N))
    A /= np.linalg.norm(A, axis=1, keepdims=True)
    b = rng.uniform(*offset, size=m)
    return Polytope(A, b, bound=bound, R=R)


def redundant_polytope(N: int, m: int, frac_redundant: float = 0.8, seed=0, *, R: float = 10.0) -> Polytope:
    """m rows in R^N of which about ``frac_redundant`` are redundant: k = (1 - frac) m facet rows
    a_i theta <= 1 with random unit a_i, plus rows that are convex combinations of facet rows pushed
    outwards (b > combination value), shuffled. Bound box of radius R (loose)."""
    rng = np.random.default_rng(seed)
    k = max(N + 1, int(round((1 - frac_redundant) * m)))
    F = rng.standard_normal((k, N))
    F /= np.linalg.norm(F, axis=1, keepdims=True)
    bF = np.ones(k)
    r = m - k
    W = rng.dirichlet(np.full(3, 1.0), size=r)
    idx = np.array([rng.choice(k, 3, replace=False) for _ in range(r)])
    G = np.einsum("rj,rjn->rn", W, F[idx])
    bG = np.einsum("rj,rj->r", W, bF[idx]) + rng.uniform(0.0, 0.3, size=r)
    nG = np.linalg.norm(G, axis=1)
    G, bG = G / nG[:, None], bG / nG
    A = np.vstack([F, G])
    b = np.concatenate([bF, bG])
    perm = rng.permutation(m)
    return Polytope(A[perm], b[perm], bound="box", R=R)


# ---------------------------------------------------------------------------------------------------
# relulp bodies (math.md §2, §5, §8)
# ---------------------------------------------------------------------------------------------------
def spiral_data(seed: int = 0):
    """The spiral of math.md §8 (:func:`relulp.datasets.spiral`): (X_train (80, 3) with a ones column,
    y_train, X_test (20, 3) with a ones column, y_test)."""
    from relulp import datasets

    ds = datasets.spiral(seed=seed)
    ones = np.ones
    return (np.hstack([ds.X_train, ones((ds.n_train, 1))]), ds.y_train,
            np.hstack([ds.X_test, ones((ds.n_test, 1))]), ds.y_test)


def sample_patterns(X: np.ndarray, n_sample: int = 1000, seed=0) -> np.ndarray:
    """Distinct activation patterns D = 1[X h >= 0] of the design matrix X (its ones column, if any,
    included), by :func:`relulp.sample_patterns` (an int seed is ``RandomState(seed)``): (n, P) 0/1 array."""
    from relulp.patterns import sample_patterns as _sample

    return _sample(X, n_sample, seed=seed, fit_intercept=False).astype(np.float64)


def cpal_cut_rows(X: np.ndarray, y: np.ndarray, D: np.ndarray, points) -> tuple[sp.csr_array, np.ndarray]:
    """The CPAL cut rows (math.md §5) of the two-layer LP (LP2) for the given data points, from
    :func:`relulp.assemble.point_rows` (X: the design matrix, ones column included; D: (n, P) patterns).

    theta = (u_1^+, u_1^-, ..., u_P^+, u_P^-), blocks of width d (N = 2 P d): the leaf columns of
    :func:`relulp.build_lp`. Rows (those of :meth:`relulp.cpal.CutModel.cut`): first the margins of the
    points, ``-y_i sum_j D_ij x_i^T (u_j^+ - u_j^-) <= 0`` (dense over the blocks), then the cone rows
    ``-(2 D_ij - 1) x_i^T u_j^{+-} <= 0`` (2P per point, d nonzeros each), leaf by leaf.
    Returns (A (k, N) CSR, b = 0).
    """
    from relulp.assemble import point_rows
    from relulp.tree import PatternTree

    points = np.atleast_1d(np.asarray(points, dtype=np.int64))
    y = np.asarray(y, dtype=np.float64)
    rows = point_rows(PatternTree(np.asarray(D) != 0), X, points, fit_intercept=False)
    F = rows.fit
    margin = sp.csr_array((-(F.data * np.repeat(y[points], np.diff(F.indptr))), F.indices, F.indptr), shape=F.shape)
    A = sp.vstack([margin, -rows.cone], format="csr")
    A.sum_duplicates()
    return sp.csr_array(A), np.zeros(A.shape[0])


def cpal_body(n_cuts: int = 20, *, n_sample: int = 1000, seed: int = 0, bound="ball", R: float = 1.0,
              data="random"):
    """A synthetic two-layer CPAL body (math.md §5): data, sampled patterns (:func:`relulp.sample_patterns`),
    and the cuts (:func:`cpal_cut_rows`) of ``n_cuts`` random training points. Returns (Polytope with
    blocks of width d, info dict).

    data : "random" (X = [N(0, I_2) (80, 2), ones], random labels: the body of the brief, N ~ 3,700),
        "spiral" (math.md §8 training set, :func:`relulp.datasets.spiral`), or a pair (X, y) (X with its
        ones column, if any)."""
    if isinstance(data, str) and data == "random":
        rng = np.random.default_rng(seed + 7)
        X = np.hstack([rng.standard_normal((80, 2)), np.ones((80, 1))])
        y = rng.choice([-1.0, 1.0], size=80)
    elif isinstance(data, str) and data == "spiral":
        X, y, _, _ = spiral_data()
    else:
        X, y = data
    D = sample_patterns(X, n_sample, seed)
    rng = np.random.default_rng(seed + 1)
    pts = rng.choice(X.shape[0], n_cuts, replace=False)
    A, b = cpal_cut_rows(X, y, D, pts)
    d = X.shape[1]
    Pm = Polytope(A, b, bound=bound, R=R, blocks=d)
    return Pm, {"X": X, "y": y, "D": D, "points": pts, "P": D.shape[1], "d": d}
