r"""The conic problem type of the solver layer, beside :class:`solvers.lp.LinearProgram`:

.. math::

    \min_x\ \tfrac12 x^T P x + q^T x + k \quad \text{s.t.}\quad A x + s = b,\quad
    s \in \mathcal K = \mathcal K_1 \times \dots \times \mathcal K_r

with A (m x n) sparse, q (n,), b (m,), P (n x n) symmetric positive semidefinite (None: 0) and the cones
listed in row order (their dimensions sum to m). This is Clarabel's form; the dual is

.. math::

    \max_{z}\ -\tfrac12 x^T P x - b^T z + k \quad \text{s.t.}\quad P x + q + A^T z = 0,\quad z \in \mathcal K^*.

The cones (frozen dataclasses, each with ``.dim``):

* :class:`ZeroCone` ``{0}^d`` (equality rows; its dual is free), :class:`NonnegativeCone` ``R^d_+``;
* :class:`SecondOrderCone` ``{s : s_0 >= ||s_{1:}||_2}``;
* :class:`RotatedSecondOrderCone` ``{s : 2 s_0 s_1 >= ||s_{2:}||^2, s_0, s_1 >= 0}``; the orthogonal
  involution :func:`rotated_to_soc` ``(s_0, s_1, w) -> ((s_0+s_1)/sqrt2, (s_0-s_1)/sqrt2, w)`` maps it
  onto a second-order cone (backends without it use this map; it is self-dual like the SOC);
* :class:`PSDTriangleCone` ``(k)``: a k x k symmetric PSD matrix M stored as ``svec(M)`` of length
  k(k+1)/2: the UPPER triangle in COLUMN-major order (0,0), (0,1), (1,1), (0,2), (1,2), (2,2), ...,
  off-diagonal entries multiplied by sqrt(2) (Clarabel's convention), so that
  ``svec(X) @ svec(Y) == trace(X Y)``; see :func:`svec`, :func:`smat`, :func:`svec_indices`;
* :class:`ExponentialCone` (dim 3): the closure of ``{(x, y, z) : y > 0, y exp(x / y) <= z}``
  (Clarabel's and SCS's order); its dual is ``{(u, v, w) : u < 0, -u exp(v / u) <= e w}`` closed.

All but the exponential cone are self-dual (the zero cone's dual is the whole space).
:func:`from_linear_program` writes a LinearProgram in this form exactly.
"""

from __future__ import annotations

import math
from dataclasses import dataclass, field
from typing import Any

import numpy as np
import scipy.sparse as sp

from .errors import ProblemDataError
from .lp import LinearProgram

SQRT2 = math.sqrt(2.0)


# --- cones ---------------------------------------------------------------------------------------------
def _check_dim(cone: str, dim: Any, least: int) -> None:
    if isinstance(dim, bool) or not isinstance(dim, (int, np.integer)):
        raise ProblemDataError(f"{cone} dimension must be an integer, got {dim!r}")
    if dim < least:
        raise ProblemDataError(f"{cone} dimension must be >= {least}, got {dim}")


@dataclass(frozen=True)
class Cone:
    """Base class of the cones; each subclass has ``dim`` (a field or a property) and ``self_dual``."""

    #: whether K* == K (the zero cone is not: its dual is the whole space)
    self_dual = True


@dataclass(frozen=True)
class ZeroCone(Cone):
    """``{0}^dim``: rows ``A_i x = b_i``. Dual cone: R^dim (free)."""

    dim: int
    self_dual = False

    def __post_init__(self) -> None:
        _check_dim("ZeroCone", self.dim, 0)


@dataclass(frozen=True)
class NonnegativeCone(Cone):
    """``R^dim_+``: rows ``A_i x <= b_i``. Self-dual."""

    dim: int

    def __post_init__(self) -> None:
        _check_dim("NonnegativeCone", self.dim, 0)


@dataclass(frozen=True)
class SecondOrderCone(Cone):
    """``{s in R^dim : s_0 >= ||s_{1:}||_2}`` (Lorentz cone). Self-dual."""

    dim: int

    def __post_init__(self) -> None:
        _check_dim("SecondOrderCone", self.dim, 1)


@dataclass(frozen=True)
class RotatedSecondOrderCone(Cone):
    """``{s in R^dim : 2 s_0 s_1 >= ||s_{2:}||_2^2, s_0 >= 0, s_1 >= 0}``. Self-dual; equal to
    ``rotated_to_soc(SOC)``."""

    dim: int

    def __post_init__(self) -> None:
        _check_dim("RotatedSecondOrderCone", self.dim, 2)


@dataclass(frozen=True)
class PSDTriangleCone(Cone):
    """k x k symmetric positive semidefinite matrices as ``svec`` (length k(k+1)/2; see :func:`svec`).
    Self-dual under the svec inner product (``svec(X) @ svec(Y) = trace(X Y)``)."""

    k: int

    def __post_init__(self) -> None:
        _check_dim("PSDTriangleCone", self.k, 1)

    @property
    def dim(self) -> int:
        return self.k * (self.k + 1) // 2

    @classmethod
    def from_dim(cls, dim: int) -> "PSDTriangleCone":
        """The PSD cone whose svec has length ``dim``; :class:`ProblemDataError` unless dim = k(k+1)/2."""
        return cls(triangle_side(dim))


@dataclass(frozen=True)
class ExponentialCone(Cone):
    """The closure of ``{(x, y, z) : y > 0, y exp(x/y) <= z}`` (dim 3), i.e. that set plus
    ``{(x, 0, z) : x <= 0, z >= 0}``. Dual: the closure of ``{(u, v, w) : u < 0, -u exp(v/u) <= e w}``,
    equivalently ``(u, v, w) in K* <=> (-v, -u, e w) in K``."""

    self_dual = False

    @property
    def dim(self) -> int:
        return 3


#: every cone type, for isinstance checks and CBF/backends
CONE_TYPES = (ZeroCone, NonnegativeCone, SecondOrderCone, RotatedSecondOrderCone, PSDTriangleCone,
              ExponentialCone)


def triangle_side(dim: int) -> int:
    """k with k(k+1)/2 == dim; :class:`ProblemDataError` when dim is not a triangle number (or < 1)."""
    _check_dim("PSD triangle", dim, 1)
    k = int((math.isqrt(8 * int(dim) + 1) - 1) // 2)
    if k * (k + 1) // 2 != dim:
        raise ProblemDataError(f"a PSD triangle of length {dim} is not k(k+1)/2 for any integer k")
    return k


# --- svec / smat -----------------------------------------------------------------------------------------
def svec_indices(k: int) -> tuple[np.ndarray, np.ndarray]:
    """(rows, cols) of the svec entries of a k x k matrix: the upper triangle (row <= col) in column-major
    order, ``(0,0), (0,1), (1,1), (0,2), (1,2), (2,2), ...``; entry t is M[rows[t], cols[t]]."""
    _check_dim("svec", k, 0)
    cols = np.repeat(np.arange(k), np.arange(1, k + 1))
    starts = np.repeat(np.cumsum(np.arange(k + 1))[:-1], np.arange(1, k + 1))
    rows = np.arange(k * (k + 1) // 2) - starts
    return rows, cols


def svec(M: np.ndarray) -> np.ndarray:
    """The svec of a symmetric k x k matrix: ``M[i, j]`` for i <= j in column-major order, times sqrt(2) off
    the diagonal (so ``svec(X) @ svec(Y) == trace(X @ Y)`` and ``||svec(M)||_2 == ||M||_F``). Only the
    upper triangle is read (M is assumed symmetric)."""
    M = np.asarray(M, dtype=np.float64)
    if M.ndim != 2 or M.shape[0] != M.shape[1]:
        raise ProblemDataError(f"svec needs a square matrix, got shape {M.shape}")
    r, c = svec_indices(M.shape[0])
    return M[r, c] * np.where(r == c, 1.0, SQRT2)


def smat(v: np.ndarray) -> np.ndarray:
    """The symmetric matrix M with ``svec(M) == v`` (inverse of :func:`svec`)."""
    v = np.asarray(v, dtype=np.float64)
    if v.ndim != 1:
        raise ProblemDataError(f"smat needs a vector, got shape {v.shape}")
    k = triangle_side(v.size) if v.size else 0
    r, c = svec_indices(k)
    vals = v * np.where(r == c, 1.0, 1.0 / SQRT2)
    M = np.zeros((k, k))
    M[r, c] = vals
    M[c, r] = vals
    return M


def rotated_to_soc(v: np.ndarray) -> np.ndarray:
    """The orthogonal involution T: ``(v_0, v_1, w) -> ((v_0 + v_1)/sqrt2, (v_0 - v_1)/sqrt2, w)``, which maps
    the rotated second-order cone onto the second-order cone and back (T = T^T = T^-1). Works along the
    first axis (vectors or rows of a matrix)."""
    v = np.array(v, dtype=np.float64, copy=True)
    a, b = v[0].copy(), v[1].copy()
    v[0] = (a + b) / SQRT2
    v[1] = (a - b) / SQRT2
    return v


def rotate_rows(M, starts: np.ndarray):
    """Apply :func:`rotated_to_soc` to the rows ``starts`` and ``starts + 1`` of M (a vector or a scipy sparse
    matrix): each pair becomes its sum and difference over sqrt(2). With ``starts`` the first rows of the
    rotated cones, ``A' = rotate_rows(A)``, ``b' = rotate_rows(b)`` state the same constraints with those
    blocks in second-order cones; s and z map back with the same call (the map is its own inverse)."""
    if not len(starts):
        return M
    starts = np.asarray(starts)
    if sp.issparse(M):
        m = M.shape[0]
        keep = np.ones(m, dtype=bool)
        keep[starts] = keep[starts + 1] = False
        eye = np.flatnonzero(keep)
        h = 1.0 / SQRT2
        rows = np.concatenate([eye, starts, starts, starts + 1, starts + 1])
        cols = np.concatenate([eye, starts, starts + 1, starts, starts + 1])
        vals = np.concatenate([np.ones(eye.size), np.full(3 * starts.size, h), np.full(starts.size, -h)])
        T = sp.csr_array((vals, (rows, cols)), shape=(m, m))
        return sp.csc_array(T @ M)
    out = np.array(M, dtype=np.float64, copy=True)
    a, b = out[starts].copy(), out[starts + 1].copy()
    out[starts], out[starts + 1] = (a + b) / SQRT2, (a - b) / SQRT2
    return out


# --- the program -------------------------------------------------------------------------------------------
@dataclass
class ConicProgram:
    r"""minimise ``1/2 x^T P x + q^T x + objective_constant``  s.t.  ``A x + s = b``,  ``s in K = K_1 x ... x K_r``.

    q (n,), A (m, n) any scipy sparse format (a validated CSC float64 copy is kept), b (m,), ``cones`` in row
    order with dims summing to m, P (n, n) symmetric PSD with the full matrix stored (backends take its upper
    triangle; None means 0). ``col_names`` / ``row_names`` (optional) name the n columns / m rows; ``meta``
    holds free-form facts (``name``, ``source``). Raises :class:`ProblemDataError` on wrong shapes, NaN/inf,
    cone dims not summing to m, a P that is not square and symmetric.
    """

    q: np.ndarray
    A: Any
    b: np.ndarray
    cones: list
    P: Any = None
    objective_constant: float = 0.0
    col_names: list[str] | None = None
    row_names: list[str] | None = None
    meta: dict[str, Any] = field(default_factory=dict)

    def __post_init__(self) -> None:
        if not sp.issparse(self.A):
            raise ProblemDataError(f"ConicProgram.A must be a scipy sparse matrix/array, got {type(self.A).__name__}")
        A = sp.csc_array(self.A, dtype=np.float64, copy=True)
        A.sum_duplicates()
        m, n = A.shape
        q = _vector("q", self.q, n)
        b = _vector("b", self.b, m)
        if not np.isfinite(A.data).all():
            raise ProblemDataError("the constraint matrix A contains NaN or inf")
        if not np.isfinite(float(self.objective_constant)):
            raise ProblemDataError("the objective constant is NaN or inf")
        cones = list(self.cones)
        for i, cone in enumerate(cones):
            if not isinstance(cone, CONE_TYPES):
                raise ProblemDataError(f"cones[{i}] is {cone!r}, not one of {[t.__name__ for t in CONE_TYPES]}")
        total = sum(c.dim for c in cones)
        if total != m:
            raise ProblemDataError(f"the cone dimensions sum to {total}, but A and b have {m} rows")
        P = None
        if self.P is not None:
            if not sp.issparse(self.P):
                raise ProblemDataError(f"ConicProgram.P must be a scipy sparse matrix/array or None, got "
                                       f"{type(self.P).__name__}")
            P = sp.csc_array(self.P, dtype=np.float64, copy=True)
            P.sum_duplicates()
            if P.shape != (n, n):
                raise ProblemDataError(f"P has shape {P.shape}, expected ({n}, {n})")
            if not np.isfinite(P.data).all():
                raise ProblemDataError("P contains NaN or inf")
            asym = abs(P - P.T)
            scale = float(np.abs(P.data).max()) if P.nnz else 0.0
            if asym.nnz and float(asym.max()) > 1e-12 * max(1.0, scale):
                raise ProblemDataError(f"P is not symmetric (max |P - P^T| = {float(asym.max()):.3g}); store the "
                                       "full symmetric matrix")
            if P.nnz == 0:
                P = None
        for what, names, size in (("col_names", self.col_names, n), ("row_names", self.row_names, m)):
            if names is not None and len(names) != size:
                raise ProblemDataError(f"{what} has {len(names)} entries, expected {size}")
        self.A, self.q, self.b, self.P, self.cones = A, q, b, P, cones
        self.objective_constant = float(self.objective_constant)
        self.col_names = None if self.col_names is None else [str(s) for s in self.col_names]
        self.row_names = None if self.row_names is None else [str(s) for s in self.row_names]

    @property
    def num_rows(self) -> int:
        """m, the number of rows of A (the dimension of K)."""
        return self.A.shape[0]

    @property
    def num_cols(self) -> int:
        """n, the number of variables."""
        return self.A.shape[1]

    @property
    def nnz(self) -> int:
        return int(self.A.nnz)

    @property
    def is_quadratic(self) -> bool:
        """Whether the objective has a (nonzero) quadratic term P."""
        return self.P is not None

    def objective(self, x: np.ndarray) -> float:
        """``1/2 x^T P x + q^T x + objective_constant``."""
        x = np.asarray(x, dtype=np.float64)
        value = float(self.q @ x) + self.objective_constant
        if self.P is not None:
            value += 0.5 * float(x @ (self.P @ x))
        return value

    def slack(self, x: np.ndarray) -> np.ndarray:
        """``s = b - A x`` (which must lie in K)."""
        return self.b - self.A @ np.asarray(x, dtype=np.float64)

    def cone_slices(self) -> list[tuple[Cone, slice]]:
        """``[(cone, slice of its rows)]`` in row order."""
        out, start = [], 0
        for cone in self.cones:
            out.append((cone, slice(start, start + cone.dim)))
            start += cone.dim
        return out

    def cone_counts(self) -> dict[str, int]:
        """Rows per cone type name (``{"ZeroCone": 3, ...}``), for messages and reports."""
        counts: dict[str, int] = {}
        for cone in self.cones:
            counts[type(cone).__name__] = counts.get(type(cone).__name__, 0) + cone.dim
        return counts

    def __repr__(self) -> str:
        name = self.meta.get("name", "")
        cones = ", ".join(f"{k}={v}" for k, v in self.cone_counts().items())
        return (f"ConicProgram({name + ', ' if name else ''}rows={self.num_rows}, cols={self.num_cols}, "
                f"nnz={self.nnz}, {'quadratic, ' if self.P is not None else ''}cones: {cones or 'none'})")


def _vector(name: str, v: Any, size: int) -> np.ndarray:
    try:
        out = np.array(v, dtype=np.float64, copy=True)
    except (TypeError, ValueError) as e:
        raise ProblemDataError(f"{name} is not a numeric vector: {e}") from None
    if out.shape != (size,):
        raise ProblemDataError(f"{name} has shape {out.shape}, expected ({size},)")
    if not np.isfinite(out).all():
        raise ProblemDataError(f"{name} contains NaN or inf")
    return out


# --- a LinearProgram in conic form ---------------------------------------------------------------------------
@dataclass(frozen=True)
class LPConicMap:
    """How :func:`from_linear_program` wrote an LP's rows and column bounds as conic rows, to map the conic
    dual z back to the LP's row duals y (m,) and reduced costs (N,) (sign convention of solvers.result:
    ``c = A.T y + rc``, y_i > 0 only on an active lower bound).

    ``kind`` per conic row: 0 equality (``a x + s = u``, s = 0), 1 upper (``a x + s = u``, s >= 0), 2 lower
    (``-a x + s = -l``, s >= 0); ``index`` the LP row (``is_col`` False) or column (True) it came from.
    Then y_i = sum over its conic rows of (-z if kind in (0, 1) else +z), the same for the columns.
    """

    kind: np.ndarray
    index: np.ndarray
    is_col: np.ndarray
    num_rows: int
    num_cols: int

    def duals(self, z: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
        """``(row_duals (m,), reduced_costs (N,))`` of the LP from the conic dual z."""
        z = np.asarray(z, dtype=np.float64)
        signed = np.where(self.kind == 2, z, -z)
        y = np.bincount(self.index[~self.is_col], signed[~self.is_col], minlength=self.num_rows)
        rc = np.bincount(self.index[self.is_col], signed[self.is_col], minlength=self.num_cols)
        return y, rc


def from_linear_program(lp: LinearProgram) -> tuple[ConicProgram, LPConicMap]:
    """The LP ``min c x + k, rl <= A x <= ru, cl <= x <= cu`` as a ConicProgram, exactly (no tolerance):

    * a row or column with ``l == u`` (finite): ``a x + s = u``, s in the zero cone;
    * a finite upper bound: ``a x + s = u``, s >= 0; a finite lower bound: ``-a x + s = -l``, s >= 0
      (a ranged row gives both, a free row nothing);

    zero-cone rows first, then the nonnegative ones. Returns the program and the :class:`LPConicMap` that
    maps the conic dual back to the LP's row duals and reduced costs.
    """
    A = sp.csr_array(lp.A, dtype=np.float64)
    m, n = A.shape
    blocks, rhs, kinds, index, is_col = [], [], [], [], []
    E = sp.identity(n, format="csr")

    def add(M, lower, upper, col: bool):
        lower = np.asarray(lower, dtype=np.float64)
        upper = np.asarray(upper, dtype=np.float64)
        eq = np.isfinite(upper) & (lower == upper)
        up = np.isfinite(upper) & ~eq
        lo = np.isfinite(lower) & ~eq
        return [(0, np.flatnonzero(eq), M, upper, col), (1, np.flatnonzero(up), M, upper, col),
                (2, np.flatnonzero(lo), M, lower, col)]

    parts = add(A, lp.row_lower, lp.row_upper, False) + add(E, lp.col_lower, lp.col_upper, True)
    parts.sort(key=lambda p: p[0] != 0)  # equalities first (stable: rows before columns)
    for kind, idx, M, bound, col in parts:
        if not idx.size:
            continue
        sign = -1.0 if kind == 2 else 1.0
        blocks.append(sign * M[idx])
        rhs.append(sign * bound[idx])
        kinds.append(np.full(idx.size, kind))
        index.append(idx)
        is_col.append(np.full(idx.size, col))
    if blocks:
        G = sp.vstack(blocks, format="csc")
        h = np.concatenate(rhs)
        kind = np.concatenate(kinds)
        ind = np.concatenate(index)
        iscol = np.concatenate(is_col)
    else:
        G, h = sp.csc_array((0, n)), np.zeros(0)
        kind, ind, iscol = np.zeros(0, dtype=int), np.zeros(0, dtype=int), np.zeros(0, dtype=bool)
    n_eq = int((kind == 0).sum())
    cones: list[Cone] = []
    if n_eq:
        cones.append(ZeroCone(n_eq))
    if kind.size - n_eq:
        cones.append(NonnegativeCone(int(kind.size - n_eq)))
    meta = dict(lp.meta)
    meta["source"] = "LinearProgram"
    prog = ConicProgram(q=np.asarray(lp.c, dtype=np.float64), A=G, b=h, cones=cones,
                        objective_constant=lp.objective_constant, meta=meta)
    return prog, LPConicMap(kind, ind, iscol, m, n)


__all__ = [
    "ConicProgram", "Cone", "ZeroCone", "NonnegativeCone", "SecondOrderCone", "RotatedSecondOrderCone",
    "PSDTriangleCone", "ExponentialCone", "CONE_TYPES", "svec", "smat", "svec_indices", "triangle_side",
    "rotated_to_soc", "rotate_rows", "from_linear_program", "LPConicMap",
]
