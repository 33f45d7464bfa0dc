"""The body T = {theta in R^N : A theta <= b} ∩ T^0 (math.md §5, §7).

T^0 is the box [-R, R]^N, the ball {||theta||_2 <= R}, or nothing (then the rows must bound T).
:class:`Polytope` is immutable: :meth:`Polytope.cut` returns a new body that inherits warm starts
(the previous analytic centre, the surviving hit-and-run samples and the rounding matrix).

Shapes: A is (m, N) (dense numpy or scipy sparse), b is (m,), theta is (N,) or a stack (k, N).
"""

from __future__ import annotations

import numpy as np
import scipy.sparse as sp

from relulp.exceptions import DataError

from .blocks import BlockLayout, BlockStructure, validate_row_blocks
from .exceptions import UnboundedBodyError
from .results import Bound


def _as_matrix(A, name: str = "A"):
    if sp.issparse(A):
        M = sp.csr_array(A, dtype=np.float64)
        if M.ndim != 2:
            raise DataError(f"{name} must be 2-dimensional")
        if not np.isfinite(M.data).all():
            raise DataError(f"{name} contains NaN/inf entries")
        M.sum_duplicates()
        return M
    try:
        M = np.asarray(A, dtype=np.float64)
    except (TypeError, ValueError) as exc:
        raise DataError(f"{name} must be a numeric (m, N) array: {exc}") from None
    if M.ndim != 2:
        raise DataError(f"{name} must be 2-dimensional (m, N), got shape {M.shape}")
    if not np.isfinite(M).all():
        raise DataError(f"{name} contains NaN/inf entries")
    return np.ascontiguousarray(M)


def _as_vector(b, m: int, name: str = "b") -> np.ndarray:
    try:
        v = np.asarray(b, dtype=np.float64)
    except (TypeError, ValueError) as exc:
        raise DataError(f"{name} must be numeric: {exc}") from None
    if v.ndim == 0:
        v = np.full(m, float(v))
    v = v.reshape(-1) if v.ndim == 2 and 1 in v.shape else v
    if v.shape != (m,):
        raise DataError(f"A has {m} rows but {name} has shape {v.shape}")
    if not np.isfinite(v).all():
        raise DataError(f"{name} contains NaN/inf entries")
    return v


class Polytope:
    """The H-polytope {theta : A theta <= b} intersected with a bound set T^0.

    Parameters
    ----------
    A : (m, N) array or scipy sparse matrix
    b : (m,) array (a scalar is broadcast)
    bound : "box" ([-R, R]^N, the relulp default), "ball" (||theta||_2 <= R, the paper's T^0) or
        None / "none" (the rows alone must bound the body; checked when a method needs it)
    R : radius of the bound set (> 0)
    blocks : optional column-block structure (math.md §5, §7): an int d (uniform blocks of width d),
        a (K+1,) array of block starts, or a :class:`BlockStructure`. Each row's block is detected from
        A's sparsity (or validated, for a BlockStructure). Enables Woodbury Newton steps and block-wise
        cone pruning.
    coarse_blocks : optional coarser level for ``blocks`` (a width or starts; each coarse block a union
        of whole fine blocks): rows spanning several fine blocks of one coarse block (the level >= 2 cone
        rows of a deeper relulp LP) then join the block-diagonal part instead of the low-rank one.
    """

    def __init__(self, A, b, bound="box", R: float = 1.0, blocks=None, coarse_blocks=None):
        self.A = _as_matrix(A)
        m, N = self.A.shape
        if N == 0:
            raise DataError("A must have at least one column")
        self.b = _as_vector(b, m)
        try:
            self.bound = Bound("none" if bound is None else bound)
        except ValueError:
            raise DataError(f"bound must be 'box', 'ball' or None, got {bound!r}") from None
        R = float(R)
        if not (np.isfinite(R) and R > 0):
            raise DataError(f"R must be a positive finite number, got {R}")
        self.R = R
        self.N, self.m = N, m
        if blocks is None:
            if coarse_blocks is not None:
                raise DataError("coarse_blocks needs blocks")
            self.blocks = None
        elif isinstance(blocks, BlockStructure):
            if coarse_blocks is not None:
                raise DataError("give the coarse level inside the BlockStructure, not as coarse_blocks")
            validate_row_blocks(self.A, blocks)
            self.blocks = blocks
        else:
            self.blocks = BlockStructure.detect(self.A, blocks, coarse_blocks)
        self._norms = None
        self._layout = None
        self._cache: dict = {}
        self._hints: dict = {}

    # ------------------------------------------------------------------ basic facts
    @property
    def dim(self) -> int:
        return self.N

    @property
    def n_rows(self) -> int:
        return self.m

    @property
    def is_sparse(self) -> bool:
        return sp.issparse(self.A)

    @property
    def homogeneous(self) -> bool:
        """All right-hand sides are zero (the classification cuts of math.md §5): T is a cone ∩ T^0."""
        return self.m > 0 and not np.any(self.b)

    @property
    def row_norms(self) -> np.ndarray:
        """(m,) Euclidean norms ||a_i||_2."""
        if self._norms is None:
            if self.is_sparse:
                self._norms = np.sqrt(np.asarray(self.A.multiply(self.A).sum(axis=1)).ravel())
            else:
                self._norms = np.linalg.norm(self.A, axis=1)
        return self._norms

    @property
    def layout(self) -> BlockLayout | None:
        if self.blocks is None:
            return None
        if self._layout is None:
            self._layout = BlockLayout(self.A, self.blocks)
        return self._layout

    def dense_rows(self, rows=None) -> np.ndarray:
        """Rows of A as a dense (k, N) array."""
        M = self.A if rows is None else self.A[np.asarray(rows)]
        return M.toarray() if sp.issparse(M) else np.asarray(M)

    def __repr__(self) -> str:
        kind = "sparse" if self.is_sparse else "dense"
        blk = f", blocks={self.blocks.n_blocks}" if self.blocks is not None else ""
        return f"Polytope(N={self.N}, rows={self.m}, {kind}, bound={self.bound.value!r}, R={self.R}{blk})"

    # ------------------------------------------------------------------ evaluation
    def _theta(self, theta, name: str = "theta") -> np.ndarray:
        try:
            t = np.asarray(theta, dtype=np.float64)
        except (TypeError, ValueError) as exc:
            raise DataError(f"{name} must be numeric: {exc}") from None
        if t.ndim not in (1, 2) or t.shape[-1] != self.N:
            raise DataError(f"{name} must have shape ({self.N},) or (k, {self.N}), got {t.shape}")
        if not np.isfinite(t).all():
            raise DataError(f"{name} contains NaN/inf entries")
        return t

    def slack(self, theta) -> np.ndarray:
        """b - A theta: (m,) for theta (N,), (k, m) for a stack (k, N)."""
        t = self._theta(theta)
        if t.ndim == 1:
            return self.b - self.A @ t
        return self.b[None, :] - np.asarray(self.A @ t.T).T

    def bound_slack(self, theta) -> np.ndarray | float:
        """Distance-like slack of the bound set: box R - max|theta_j|, ball R - ||theta||, none +inf."""
        t = self._theta(theta)
        if self.bound is Bound.BOX:
            return self.R - np.max(np.abs(t), axis=-1)
        if self.bound is Bound.BALL:
            return self.R - np.linalg.norm(t, axis=-1)
        return np.full(t.shape[:-1], np.inf) if t.ndim == 2 else np.inf

    def contains(self, theta, tol: float = 0.0):
        """Whether theta (N,) (or each row of a (k, N) stack) satisfies A theta <= b + tol and T^0."""
        t = self._theta(theta)
        s = self.slack(t)
        ok = np.all(s >= -tol, axis=-1) if self.m else (np.ones(t.shape[:-1], bool) if t.ndim == 2 else True)
        ok = ok & (self.bound_slack(t) >= -tol)
        return bool(ok) if t.ndim == 1 else np.asarray(ok)

    # ------------------------------------------------------------------ construction
    def _rows_in(self, a, b):
        a_is_sparse = sp.issparse(a)
        if a_is_sparse:
            a = sp.csr_array(a, dtype=np.float64)
            if a.shape[-1] != self.N:
                raise DataError(f"cut rows have {a.shape[-1]} columns, the body has N = {self.N}")
            if not np.isfinite(a.data).all():
                raise DataError("cut rows contain NaN/inf entries")
        else:
            a = np.asarray(a, dtype=np.float64)
            if a.ndim == 1:
                a = a[None, :]
            if a.ndim != 2 or a.shape[1] != self.N:
                raise DataError(f"cut rows must have shape ({self.N},) or (k, {self.N}), got {np.shape(a)}")
            if not np.isfinite(a).all():
                raise DataError("cut rows contain NaN/inf entries")
        k = a.shape[0]
        bb = _as_vector(0.0 if b is None else b, k, "cut right-hand side")
        return a, bb

    def cut(self, a, b=0.0) -> "Polytope":
        """T ∩ {a theta <= b}: a (N,) or (k, N) (dense or sparse), b scalar or (k,).

        The child inherits warm starts: this body's analytic centre (as a Newton start), the
        hit-and-run samples that satisfy the cut and the rounding matrix (measured: ~10 N steps of
        burn-in from surviving samples instead of ~25 N from a centre).
        """
        a, bb = self._rows_in(a, b)
        if self.is_sparse or sp.issparse(a):
            A_new = sp.vstack([sp.csr_array(self.A), sp.csr_array(a)], format="csr")
        else:
            A_new = np.vstack([self.A, a])
        blocks = None
        if self.blocks is not None:
            blocks = self.blocks.with_rows_of(a)
        child = Polytope(A_new, np.concatenate([self.b, bb]), bound=self.bound, R=self.R,
                         blocks=None)
        child.blocks = blocks  # already consistent; skip re-validation
        child._inherit_from(self, a, bb)
        return child

    def take_rows(self, rows) -> "Polytope":
        """The body defined by a subset of the rows (same bound set)."""
        rows = np.asarray(rows, dtype=np.int64)
        child = Polytope(self.A[rows], self.b[rows], bound=self.bound, R=self.R)
        if self.blocks is not None:
            child.blocks = self.blocks.take_rows(rows)
        for key in ("analytic", "rounding", "samples"):
            if key in self._hints:
                child._hints[key] = self._hints[key]
            if f"own_{key}" in self._hints:
                child._hints[key] = self._hints[f"own_{key}"]
        ac = self._cache.get("analytic")
        if ac is not None:
            child._hints["analytic"] = ac.x
        return child

    def _inherit_from(self, parent: "Polytope", a, bb) -> None:
        ac = parent._cache.get("analytic")
        if ac is not None:
            self._hints["analytic"] = ac.x
        elif "analytic" in parent._hints:
            self._hints["analytic"] = parent._hints["analytic"]
        # a body's own sampling results (``own_*``, written by its sample / centroid / volume calls)
        # warm-start its children; the body itself only reads what it inherited, so that its results
        # for a given seed do not depend on which analyses ran on it before
        L = parent._hints.get("own_rounding", parent._hints.get("rounding"))
        if L is not None:
            self._hints["rounding"] = L
        S = parent._hints.get("own_samples", parent._hints.get("samples"))
        if S is not None and len(S):
            keep = np.all(np.asarray(a @ S.T).T <= bb[None, :], axis=1)  # samples that satisfy the cut
            if keep.any():
                self._hints["samples"] = S[keep]

    # ------------------------------------------------------------------ kept results
    def cached(self, key: str):
        """The result an analysis kept on this body under ``key`` ("chebyshev", "analytic"), or None."""
        return self._cache.get(key)

    def store(self, key: str, result, hint=None) -> None:
        """Keep an analysis result on this body under ``key`` (the centre modules call this). ``hint``,
        a point, also becomes the body's start for that analysis; :meth:`cut` and :meth:`take_rows`
        pass a kept analytic centre on to the child as its Newton start."""
        self._cache[key] = result
        if hint is not None:
            self._hints[key] = hint

    def hint(self, key: str):
        """The start this body holds for an iterative analysis (inherited from its parent, or its own
        kept result), or None."""
        return self._hints.get(key)

    # ------------------------------------------------------------------ checks
    def require_bounded(self) -> None:
        """Raise UnboundedBodyError unless the body is bounded (only an issue with bound=None).

        The rows bound {A theta <= b} (when it is nonempty) iff its recession cone {A d <= 0} is {0},
        iff rank A = N and some y > 0 has A^T y = 0 (positive spanning; Stiemke's alternative).
        One feasibility LP plus a rank test; the answer is cached.
        """
        if self.bound is not Bound.NONE:
            return
        if "bounded" in self._cache:
            if not self._cache["bounded"]:
                raise UnboundedBodyError("the body is unbounded: its rows do not positively span R^N; "
                                         "give bound='box' or 'ball'")
            return
        from relulp import solvers

        from ._lp import HighsLP

        ok = self.m > self.N
        if ok:
            Ad = self.dense_rows() if self.N * self.m <= 5e7 else None
            if Ad is not None:
                ok = np.linalg.matrix_rank(Ad) == self.N
        if ok:
            AT = sp.csr_array(self.A.T) if self.is_sparse else self.A.T
            lp = HighsLP(np.zeros(self.m), AT, np.zeros(self.N), np.zeros(self.N),
                         np.ones(self.m), np.full(self.m, np.inf))
            ok = lp.solve().status is solvers.Status.OPTIMAL
        self._cache["bounded"] = bool(ok)
        self.require_bounded()

    # ------------------------------------------------------------------ analysis (delegates)
    def chebyshev_center(self, **kw):
        """Centre and radius of the largest inscribed ball (one LP; see :func:`chebyshev.chebyshev_center`)."""
        from .chebyshev import chebyshev_center

        return chebyshev_center(self, **kw)

    def analytic_center(self, start=None, **kw):
        """Minimiser of the log barrier by damped Newton (see :func:`analytic.analytic_center`)."""
        from .analytic import analytic_center

        return analytic_center(self, start=start, **kw)

    def interior_point(self) -> np.ndarray:
        """A strictly interior point: the cached analytic centre, else the Chebyshev centre."""
        from .analytic import interior_point

        return interior_point(self)

    def sample(self, n: int, **kw):
        """n approximately uniform points by many-chain hit-and-run (see :func:`sampling.sample`)."""
        from .sampling import sample

        return sample(self, n, **kw)

    def centroid(self, **kw):
        """Centre of gravity estimate with standard errors (see :func:`sampling.centroid`)."""
        from .sampling import centroid

        return centroid(self, **kw)

    def volume(self, rel_error: float = 0.05, **kw):
        """Exact (small N) or multiphase Monte Carlo volume (see :func:`volumes.volume`)."""
        from .volumes import volume

        return volume(self, rel_error=rel_error, **kw)

    def cut_ratio(self, a, b=0.0, **kw):
        """vol(T ∩ {a theta <= b}) / vol(T) with a confidence interval (see :func:`volumes.cut_ratio`)."""
        from .volumes import cut_ratio

        return cut_ratio(self, a, b, **kw)

    def prune(self, **kw):
        """Drop redundant rows, each with a certificate (see :func:`pruning.prune`)."""
        from .pruning import prune

        return prune(self, **kw)
