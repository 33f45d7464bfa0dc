"""Activation patterns D(h) = 1[X h >= 0] of a data set (math.md §1).

Three ways to get the pattern sets that the LPs of Theorem 4.1/4.2 are built from:

* :func:`sample_patterns` -- the paper's method: draw random directions h ~ N(0, I_d), keep the distinct
  patterns. Fast, any size; the LP it gives is a *restriction* of the exact one.
* :func:`enumerate_patterns` -- **relulp**: every pattern of the hyperplane arrangement, exactly, when it is
  small (rank <= 3 with moderate n, or any rank with small n). With this set Theorem 4.1/4.2's equivalence
  is exact.
* :func:`sample_deep_patterns` -- the reference code's pattern sets for deeper layers, sampled from one
  random network.

:func:`sample_layers` picks between the two samplers by depth (one hidden layer: :func:`sample_patterns`,
more: :func:`sample_deep_patterns`); every caller that samples "P per hidden layer" goes through it.

:func:`count_bound` is the bound P <= 2 sum_{k<r} C(n-1, k) of math.md §1.

Conventions shared by every function here:

* ``X`` holds raw features; with ``fit_intercept=True`` (the default, as everywhere in relulp) a column of
  ones is appended first (``Xa = [X, 1]``, the paper's bias trick), so ``d = X.shape[1] + 1``.
* Patterns are returned as an ``(n, P)`` **boolean** array, one pattern per column; row i refers to the
  i-th row of X. Ties count as active: ``D(h)_i = 1`` when ``x_i^T h = 0``.
* Columns are distinct.
"""

from __future__ import annotations

import itertools
import math
from numbers import Integral, Real
from typing import Sequence

import numpy as np

from ._random import legacy_stream
from .exceptions import ModelSizeError, PatternError
from .validation import prepare_X

__all__ = ["sample_patterns", "enumerate_patterns", "sample_deep_patterns", "sample_layers", "count_bound",
           "unique_columns"]

#: Default cap on the number of patterns :func:`enumerate_patterns` will produce.
DEFAULT_MAX_PATTERNS = 100_000
#: Default tolerance of :func:`enumerate_patterns` (relative: rows and directions are unit vectors).
DEFAULT_TOL = 1e-9
#: Entries of ``Xa @ H`` that :func:`sample_patterns` forms at once (memory bound; results do not depend on it).
_CHUNK_ELEMS = 2**25


# ----------------------------------------------------------------------------------------------------
# helpers
# ----------------------------------------------------------------------------------------------------

def _row_keys(R: np.ndarray) -> np.ndarray:
    """One fixed-width byte string per row of the boolean (K, n) array R (its packed bits)."""
    packed = np.packbits(np.ascontiguousarray(R, dtype=bool), axis=1)  # (K, ceil(n/8)), entry 0 = MSB of byte 0
    packed = np.ascontiguousarray(packed)
    return packed.view(np.dtype((np.void, max(packed.shape[1], 1)))).ravel()


def _unpack_rows(keys: np.ndarray, n: int) -> np.ndarray:
    """Inverse of :func:`_row_keys`: (K,) keys -> (K, n) bool."""
    if keys.size == 0:
        return np.zeros((0, n), dtype=bool)
    raw = np.frombuffer(keys.tobytes(), dtype=np.uint8).reshape(keys.size, keys.dtype.itemsize)
    return np.unpackbits(raw, axis=1, count=n).view(bool)


def _as_columns(R: np.ndarray) -> np.ndarray:
    """(K, n) pattern rows -> the public (n, K) C-contiguous layout."""
    return np.ascontiguousarray(R.T)


def unique_columns(B: np.ndarray, *, keep_order: bool = True) -> np.ndarray:
    """The distinct columns of a boolean (n, K) array.

    ``keep_order=True``: in order of first occurrence (deterministic for a deterministic input);
    ``keep_order=False``: sorted lexicographically with row 0 most significant and False < True.
    """
    B = np.asarray(B, dtype=bool)
    if B.ndim != 2:
        raise PatternError(f"expected a 2-d boolean array, got shape {B.shape}")
    if B.shape[1] == 0:
        return B.copy()
    _, first = np.unique(_row_keys(B.T), return_index=True)
    if keep_order:
        first = np.sort(first)
    return np.ascontiguousarray(B[:, first])


def _check_count(value, name: str, minimum: int = 1) -> int:
    if isinstance(value, (bool, np.bool_)) or not isinstance(value, Integral):
        raise PatternError(f"{name} must be an integer >= {minimum}, got {value!r}")
    value = int(value)
    if value < minimum:
        raise PatternError(f"{name} must be an integer >= {minimum}, got {value}")
    return value


def _make_rng(seed):
    """The random stream of a ``seed`` argument: :func:`relulp._random.legacy_stream` (one rule for all of
    relulp, CLI included), errors as :class:`PatternError`."""
    return legacy_stream(seed, error=PatternError)


def _fmt_bytes(n: float) -> str:
    for unit, scale in (("TiB", 2**40), ("GiB", 2**30), ("MiB", 2**20), ("KiB", 2**10)):
        if n >= scale:
            return f"{n / scale:.1f} {unit}"
    return f"{int(n)} B"


def _check_memory(need: int, what: str, hint: str, memory_limit=None) -> None:
    """Refuse (ModelSizeError) a draw that would need more than the memory cap (relulp.config)."""
    from .config import resolve_memory_limit

    limit = resolve_memory_limit(memory_limit)
    if need > limit:
        raise ModelSizeError(
            f"{what} would need about {_fmt_bytes(need)}, over the memory cap of {_fmt_bytes(limit)}; {hint} "
            f"(or raise the cap: memory_limit=..., relulp.set_memory_limit, RELULP_MEMORY_LIMIT)"
        )


def _normal(rng, shape: tuple[int, ...]) -> np.ndarray:
    if isinstance(rng, np.random.RandomState):
        return rng.randn(*shape)  # legacy stream: what the reference code (np.random.seed + randn) draws
    return rng.standard_normal(shape)


# ----------------------------------------------------------------------------------------------------
# sampling
# ----------------------------------------------------------------------------------------------------

def sample_patterns(X, n_samples: int, seed=0, fit_intercept: bool = True, *, memory_limit=None) -> np.ndarray:
    """Distinct activation patterns of random directions (the paper's sampling, math.md §1).

    Draws ``n_samples`` directions h_k ~ N(0, I_d) one after another (the rows of one
    ``(n_samples, d)`` normal draw) and returns the distinct columns of ``1[Xa H >= 0]`` (ties count as
    active), computed by one matrix product and de-duplicated on the packed bits of the columns.

    Parameters
    ----------
    X : (n, d0) array
        Raw features (no ones column when ``fit_intercept=True``).
    n_samples : int >= 1
        Number of random directions.
    seed : int, None, numpy Generator or numpy RandomState
        An int seeds numpy's legacy stream, ``np.random.RandomState(seed)`` (the same rule everywhere in
        relulp, the CLI's ``--seed`` included), drawn with ``randn``: this reproduces the reference code
        ``generate_hyperplane_arrangement`` (``np.random.seed(s)`` then ``randn(d, 1)`` per sample) pattern
        for pattern: on the spiral training set (math.md §8) seed 0 with 1000 samples gives the paper's
        623 patterns. None draws unseeded; a ``np.random.Generator`` is used as given (its
        ``standard_normal`` stream).
    fit_intercept : bool
        Append a column of ones to X first (``Xa = [X, 1]``).
    memory_limit : int, str or None
        Refuse (ModelSizeError) a draw whose arrays would need more bytes than this (default: the
        process-wide cap, :func:`relulp.get_memory_limit`; strings such as ``'1G'`` are accepted).

    Returns
    -------
    (n, P) bool array, P <= n_samples, columns distinct and in order of first occurrence (the column for
    the earliest direction that produced it), so the result is deterministic for a given seed.
    """
    Xa = prepare_X(X, fit_intercept)
    n_samples = _check_count(n_samples, "n_samples")
    n, d = Xa.shape
    # the (n_samples, d) draw, its chunked products and the packed keys of every sample
    chunk_ = max(1, min(n_samples, int(_CHUNK_ELEMS // max(n, 1))))
    need = 8 * n_samples * d + 9 * chunk_ * n + 3 * n_samples * (-(-n // 8) + 8)
    _check_memory(need, f"sample_patterns with n_samples={n_samples:,} on {n:,} points (d={d})",
                  "use fewer samples", memory_limit)
    rng = _make_rng(seed)
    H = _normal(rng, (n_samples, d))  # row k = h_k
    # One product, in column chunks to bound memory (the draw above fixes every direction already).
    chunk = max(1, int(_CHUNK_ELEMS // max(n, 1)))
    keys, firsts = [], []
    for start in range(0, n_samples, chunk):
        R = (H[start:start + chunk] @ Xa.T) >= 0.0  # (chunk, n): row k is D(h_k)
        k = _row_keys(R)
        _, idx = np.unique(k, return_index=True)
        keys.append(k[idx])
        firsts.append(idx + start)
    allkeys = np.concatenate(keys)
    allfirst = np.concatenate(firsts)
    order = np.argsort(allfirst, kind="stable")
    allkeys, allfirst = allkeys[order], allfirst[order]
    _, idx = np.unique(allkeys, return_index=True)
    idx = np.sort(idx)
    return _as_columns(_unpack_rows(allkeys[idx], n))


def sample_deep_patterns(X, sizes: Sequence[int], seed=0, fit_intercept: bool = True, *,
                         memory_limit=None) -> list[np.ndarray]:
    """Pattern sets of a deep network sampled from one random network (math.md §1, the reference code).

    With ``sizes = [P1, P2, ..., PL]`` it draws ``W1 ~ N(0,1)^{d x P1}``, then ``W_k ~ N(0,1)^{P_{k-1} x P_k}``
    (in this order, from one generator) and forms

        H_1 = Xa W_1,    H_k = (H_{k-1})_+ W_k    (k >= 2).

    Layer k's pattern set is the distinct columns of ``1[H_k >= 0]`` (ties active), each layer
    de-duplicated on its own, columns in order of first occurrence. As in the reference code
    (``generate_3layer_hyperplane_arrangement``), W_k acts on the *full* sampled width P_{k-1} of the
    previous layer, not on its de-duplicated pattern set, so layer k's patterns are those of one random
    network of widths P1, ..., PL. An int seed means ``np.random.RandomState(seed)`` (as in
    :func:`sample_patterns`), so the draws are the reference's (``np.random.seed(0); W1 = randn(d, P1);
    W2 = randn(P1, P2)``): spiral with [50, 100] and seed 0 gives its 34 and 57 patterns. ``memory_limit``
    as in :func:`sample_patterns`.

    Note: ``sample_deep_patterns(X, [S])[0]`` is not ``sample_patterns(X, S)``: the draws are laid out
    differently (W1 is d x P1 here, as in the reference).

    Returns
    -------
    list of L boolean arrays, the k-th of shape (n, P_k distinct), first hidden layer first -- the order
    :class:`relulp.PatternTree` takes.
    """
    Xa = prepare_X(X, fit_intercept)
    if isinstance(sizes, (str, bytes)) or np.ndim(sizes) != 1:
        raise PatternError(f"sizes must be a sequence of positive integers, one per hidden layer, got {sizes!r}")
    sizes = [_check_count(s, f"sizes[{k}]") for k, s in enumerate(list(sizes))]
    if not sizes:
        raise PatternError("sizes must name at least one hidden layer")
    n, d = Xa.shape
    widths = [d, *sizes]
    need = max(8 * (widths[k] * widths[k + 1] + 3 * n * widths[k + 1]) for k in range(len(sizes)))
    _check_memory(need, f"sample_deep_patterns with sizes={sizes} on {n:,} points",
                  "use smaller widths", memory_limit)
    rng = _make_rng(seed)
    out = []
    prev = Xa.shape[1]
    H = Xa
    for k, width in enumerate(sizes):
        W = _normal(rng, (prev, width))
        H = (H if k == 0 else np.maximum(H, 0.0)) @ W
        out.append(unique_columns(H >= 0.0, keep_order=True))
        prev = width
    return out


def sample_layers(X, sizes, seed=0, fit_intercept: bool = True, *, memory_limit=None) -> list[np.ndarray]:
    """Pattern sets for a network with the given sampled widths, one per hidden layer (first layer first).

    ``sizes``: an int P (one hidden layer) or a sequence (P1, ..., PL). One hidden layer (an int, or a
    sequence of one) draws with :func:`sample_patterns` (the reference code's two-layer sampling: spiral,
    1000 samples, seed 0 gives its 623 patterns); two or more with :func:`sample_deep_patterns` (one random
    network: (50, 100) gives its 34 x 57). ``seed`` as in both (an int is ``np.random.RandomState(seed)``).
    Returns a list of L boolean (n, P_k distinct) arrays, the input of :class:`relulp.PatternTree`.
    """
    if isinstance(sizes, (Integral, np.integer)) and not isinstance(sizes, (bool, np.bool_)):
        sizes = [sizes]
    if isinstance(sizes, (str, bytes)) or np.ndim(sizes) != 1:
        raise PatternError(f"sizes must be a positive integer or a sequence of them, one per hidden layer, "
                           f"got {sizes!r}")
    sizes = list(sizes)
    if not sizes:
        raise PatternError("sizes must name at least one hidden layer")
    if len(sizes) == 1:
        return [sample_patterns(X, sizes[0], seed, fit_intercept, memory_limit=memory_limit)]
    return sample_deep_patterns(X, sizes, seed, fit_intercept, memory_limit=memory_limit)


# ----------------------------------------------------------------------------------------------------
# exact enumeration
# ----------------------------------------------------------------------------------------------------

def count_bound(n: int, r: int) -> int:
    """The bound ``2 * sum_{k<r} C(n-1, k)`` on the number of regions (math.md §1).

    It is the number of full-dimensional cells of a central arrangement of n hyperplanes of rank r in
    general position, and an upper bound for every central arrangement of n hyperplanes of rank r
    (Cover 1965; Zaslavsky). For r = 0 (all rows zero) the one region is the whole space: returns 1.

    Face patterns: with ties active, a direction on a lower-dimensional face can give a pattern no
    open cell gives, and then the number of distinct patterns can exceed this bound. Example, rank 1:
    rows 1 and -1 give (1,0), (0,1) and, at h = 0, (1,1): 3 > 2. This cannot happen when some v has
    ``X v > 0`` on every nonzero row (then h + eps v is in a cell with the same pattern) -- always the
    case with ``fit_intercept=True``. See :func:`enumerate_patterns`.
    """
    n = _check_count(n, "n", 1)
    r = _check_count(r, "r", 0)
    if r == 0:
        return 1
    return 2 * sum(math.comb(n - 1, k) for k in range(r))


def _cofactor_kernel(M: np.ndarray) -> np.ndarray:
    """For a batch (B, r-1, r) of row sets, the generalised cross product (B, r): orthogonal to the rows."""
    B, k, r = M.shape
    if r == 1:
        return np.ones((B, 1))
    out = np.empty((B, r))
    for j in range(r):
        minor = np.delete(M, j, axis=2)
        out[:, j] = (-1.0) ** j * (np.linalg.det(minor) if k > 1 else minor[:, 0, 0])
    return out


def _all_bits(k: int) -> np.ndarray:
    """(2^k, k) bool: every 0/1 vector of length k."""
    return np.array(list(itertools.product([False, True], repeat=k)), dtype=bool).reshape(2**k, k)


def _patterns_general(Y: np.ndarray, faces: bool, tol: float) -> np.ndarray:
    """Every D-pattern of the rows of Y (any shape (n, d)), as pattern *rows*: a (K, n) bool array.

    Zero rows are always active; rows that point the same way are merged; the rest is reduced to an
    essential arrangement of unit rows in R^r (r = rank) and handed to :func:`_patterns_essential`.
    """
    n = Y.shape[0]
    norms = np.linalg.norm(Y, axis=1)
    nz = norms > 0.0
    if not nz.any():
        return np.ones((1, n), dtype=bool)
    U = Y[nz] / norms[nz, None]
    # Merge rows with the same direction (their pattern entries are always equal).
    _, first, inv = np.unique(np.round(U, 12) + 0.0, axis=0, return_index=True, return_inverse=True)
    order = np.argsort(first)  # keep the merged rows in their original order
    U = U[first[order]]
    newpos = np.empty_like(order)
    newpos[order] = np.arange(order.size)
    inv = newpos[inv.reshape(-1)]
    # Rank reduction: only Y h matters, and Y h = (Y V_r)(V_r^T h).
    _, s, Vt = np.linalg.svd(U, full_matrices=False)
    r = int(np.sum(s > tol * s[0]))
    Z = U @ Vt[:r].T
    Z /= np.linalg.norm(Z, axis=1)[:, None]
    local = _patterns_essential(Z, faces, tol)  # (K, m)
    if nz.all() and local.shape[1] == n and np.array_equal(inv, np.arange(n)):
        return local
    out = np.ones((local.shape[0], n), dtype=bool)
    out[:, nz] = local[:, inv]
    return out


def _patterns_essential(U: np.ndarray, faces: bool, tol: float) -> np.ndarray:
    """D-patterns (rows of a (K, m) bool array, distinct, sorted) of an essential arrangement:
    U is (m, r) with distinct unit rows of rank r."""
    m, r = U.shape
    if r == 1:
        c = U[:, 0]
        rows = [c > 0, c < 0]  # h = t > 0 and h = t < 0 (rows are +-1 after normalisation)
        if faces:
            rows.append(np.ones(m, dtype=bool))  # h = 0
        return _unpack_rows(np.unique(_row_keys(np.stack(rows))), m)

    k = r - 1
    bits = _all_bits(k)  # local patterns around a simple ray: every 0/1 vector on its k hyperplanes
    keys: list[np.ndarray] = []
    degenerate: dict[bytes, np.ndarray] = {}
    batch = max(1, int(2**21 // max(m, 1)))
    combos = itertools.combinations(range(m), k)
    while True:
        flat = np.fromiter(itertools.chain.from_iterable(itertools.islice(combos, batch)), dtype=np.int64)
        if flat.size == 0:
            break
        idx = flat.reshape(-1, k)
        rho = _cofactor_kernel(U[idx])
        nr = np.linalg.norm(rho, axis=1)
        keep = nr > tol  # dependent row subsets span no ray
        idx, rho = idx[keep], rho[keep] / nr[keep, None]
        if idx.shape[0] == 0:
            continue
        idx = np.concatenate([idx, idx])
        S = np.concatenate([rho, -rho]) @ U.T  # (2B, m): both rays of each line; row j = X rho_j
        rws = np.arange(idx.shape[0])[:, None]
        zero = np.abs(S) <= tol
        zero[rws, idx] = True  # the defining rows are on the ray by construction
        pos = (S > 0) & ~zero
        simple = zero.sum(axis=1) == k
        # Simple rays: exactly k hyperplanes through the ray, linearly independent -> every 0/1 pattern.
        if simple.any():
            base = pos[simple]
            si = idx[simple]
            sr = np.arange(si.shape[0])[:, None]
            for b in bits:
                P = base.copy()
                P[sr, si] = b[None, :]
                keys.append(np.unique(_row_keys(P)))
        # Degenerate rays: more than k hyperplanes through the ray -> recurse on them (below).
        for j in np.flatnonzero(~simple):
            sig = np.where(zero[j], 0, np.where(pos[j], 1, -1)).astype(np.int8)
            degenerate.setdefault(sig.tobytes(), sig)

    cache: dict[bytes, np.ndarray] = {}
    for sig in degenerate.values():
        zmask = sig == 0
        zkey = np.packbits(zmask).tobytes()
        if zkey not in cache:  # a ray and its opposite share their hyperplanes
            cache[zkey] = _patterns_general(U[zmask], faces, tol)
        local = cache[zkey]
        P = np.repeat((sig > 0)[None, :], local.shape[0], axis=0)
        P[:, zmask] = local
        keys.append(np.unique(_row_keys(P)))
    if faces:
        keys.append(_row_keys(np.ones((1, m), dtype=bool)))  # h = 0
    if not keys:  # cannot happen for r >= 2 (some k rows are independent), kept for safety
        return np.zeros((0, m), dtype=bool)
    return _unpack_rows(np.unique(np.concatenate(keys)), m)


def enumerate_patterns(
    X,
    fit_intercept: bool = True,
    max_patterns: int | None = DEFAULT_MAX_PATTERNS,
    *,
    faces: bool = True,
    tol: float = DEFAULT_TOL,
) -> np.ndarray:
    """Every distinct activation pattern ``D(h) = 1[Xa h >= 0]``, h in R^d, exactly (math.md §1, relulp).

    Which patterns
    --------------
    With ``faces=True`` (default) the result is the set of D(h) over *all* h in R^d, including h on
    lower-dimensional faces of the arrangement (h orthogonal to some rows, where ties count as active)
    and h = 0 (the all-ones pattern). This is the set Theorem 4.1/4.2 needs: a neuron's weight w may
    lie on a face, and its pattern D(w) must be in the set for the equivalence to be exact. With
    ``faces=False`` only the patterns of the open full-dimensional cells are returned.

    The two agree whenever some v has ``x_i^T v > 0`` for every nonzero row (then h + eps v lies in a
    cell with the pattern of h): always with ``fit_intercept=True``. Without intercept they can differ,
    e.g. for rows x and -x, or when no open half-space holds all rows (then h = 0's all-ones pattern is
    extra), and the count can exceed :func:`count_bound` (which bounds the cells only).

    Method and completeness
    -----------------------
    The sign vectors of the faces of a central arrangement determine the patterns (D = 1[sign >= 0]).
    Zero rows are always active and dropped; rows pointing the same way are merged; the rows are then
    expressed in an orthonormal basis of their span (SVD), which gives an *essential* arrangement in
    R^r, r = rank, whose faces are all pointed cones. For r = 1 the faces are h > 0, h < 0, h = 0. For
    r >= 2 every nonzero face F is a pointed polyhedral cone, so its closure has an extreme ray rho,
    itself a one-dimensional face: the intersection of the hyperplanes Z(rho) = {i : x_i^T rho = 0},
    which contain r - 1 independent rows. For h in F and small eps > 0, rho + eps h is in F, so F's
    sign vector is sign(x_i^T rho) off Z(rho) and sign(x_i^T h) on Z(rho) -- a face of the smaller
    arrangement of the rows Z(rho) (rank r - 1). Conversely every face of that arrangement gives a
    face of the full one this way. Hence

        patterns(A) = {D(0)} U  union over rays rho of  { [1[X rho > 0] off Z(rho); p] : p in patterns(A_Z(rho)) },

    (the same holds for the open cells with "cells" in place of "patterns", without D(0)). The rays
    are found as the kernels of every linearly independent set of r - 1 rows (all C(m, r-1) subsets,
    both orientations). A *simple* ray (|Z| = r - 1, independent rows) has every 0/1 vector as local
    pattern; a degenerate ray (more hyperplanes through it) recurses on its rows. Work: C(m, r-1)
    kernels plus 2^(r-1) candidate patterns per ray, all vectorised.

    Arithmetic: rows and rays are scaled to unit length and ``x_i^T rho`` counts as zero when
    ``|x_i^T rho| <= tol`` (default 1e-9); the rank uses singular values > tol * the largest; rows are
    merged when their unit vectors agree to 12 decimals. The result is exact for data whose
    degeneracies (coincident, collinear, coplanar rows) are exact -- e.g. integer data, duplicated
    points, x and -x -- and for data at least ``tol`` away from degenerate, which random data is.

    Parameters
    ----------
    X : (n, d0) array
        Raw features (a ones column is appended if ``fit_intercept``).
    fit_intercept : bool
        Append a column of ones (the paper's bias trick).
    max_patterns : int or None
        Refuse (PatternError) when the bound ``count_bound(m, r)`` (m = distinct nonzero row directions,
        r = rank) exceeds it -- this also bounds the work, C(m, r-1) <= bound / 2 rays -- or when the
        enumerated set (faces can exceed the bound) does. None: no cap.
    faces : bool
        Include patterns realised only on lower-dimensional faces (see above).
    tol : float
        Zero tolerance for unit-scaled inner products (see above).

    Returns
    -------
    (n, P) bool array of distinct patterns, columns sorted lexicographically (row 0 most significant,
    False < True), so the output is deterministic.
    """
    Xa = prepare_X(X, fit_intercept)
    if max_patterns is not None:
        max_patterns = _check_count(max_patterns, "max_patterns")
    if not (isinstance(tol, Real) and not isinstance(tol, (bool, np.bool_)) and 0.0 < float(tol) < 1e-2):
        raise PatternError(f"tol must be a float in (0, 0.01), got {tol!r}")
    tol = float(tol)
    n = Xa.shape[0]

    # Size guard before any enumeration (same reductions as _patterns_general).
    norms = np.linalg.norm(Xa, axis=1)
    nz = norms > 0.0
    if nz.any():
        U = Xa[nz] / norms[nz, None]
        m = np.unique(np.round(U, 12) + 0.0, axis=0).shape[0]
        s = np.linalg.svd(U, compute_uv=False)
        r = int(np.sum(s > tol * s[0]))
    else:
        m, r = 1, 0
    bound = count_bound(m, r)
    if max_patterns is not None and bound > max_patterns:
        raise PatternError(
            f"exact enumeration refused: the arrangement of {m} distinct row directions of rank {r} may have "
            f"up to {bound:,} patterns (2 * sum_{{k<r}} C(m-1, k)), over max_patterns={max_patterns:,}; the rank "
            f"is too high for exact enumeration with this n. Raise max_patterns (work grows like C(m, r-1)) or "
            f"use sample_patterns."
        )
    R = _patterns_general(Xa, bool(faces), tol)  # (P, n) pattern rows, distinct
    if max_patterns is not None and R.shape[0] > max_patterns:
        raise PatternError(
            f"the arrangement has {R.shape[0]:,} distinct patterns (face patterns included), over "
            f"max_patterns={max_patterns:,}"
        )
    keys = _row_keys(R)
    order = np.argsort(keys, kind="stable")  # lexicographic in the original row order
    return _as_columns(R[order])
