"""The plain sparse LP: the matrix form every backend consumes.

    minimise    c @ x + objective_constant
    subject to  row_lower <= A @ x <= row_upper
                col_lower <=   x   <= col_upper

``A`` is a scipy CSR array of shape (m, N); bounds are float64 vectors with +-inf where unbounded;
an equality row has ``row_lower == row_upper``. Always a minimisation.

Rows and columns are grouped into named *blocks* (contiguous ranges) whose names are exactly the
Pyomo component names of :func:`relulp.build_model`: the column ``u[p3_m1,2]`` of the matrix is the
Pyomo variable ``model.u['p3_m1', 2]``, the row ``cone1[p3_m1,7]`` is ``model.cone1['p3_m1', 7]``.

**Scaling** (relulp). The builders scale the data internally so that solvers see coefficients of order 1 for
feature scales from about 1e-250 to 1e250 (:func:`choose_scaling`): column j of X is divided by a power of
two s_j near max_i |X_ij| (exact in floating point), so the LP's leaf columns are ``v = s * u`` (and
``t' = s * t``); the objective row is multiplied by a power of two ``objective_scale``. A :class:`SparseLP`
records both: ``col_scale`` (LP column = col_scale * original variable; None means all ones) and
``objective_scale`` (c @ x + objective_constant = objective_scale * objective in original units). Use
:meth:`SparseLP.unscale` and :meth:`SparseLP.original_objective` to read a solution in original units;
:func:`relulp.recover_network` does this itself. Data whose feature maxima already lie in
[2**-10, 2**10] (and whose objective row lies in that band) are not scaled at all: the LP is byte-for-byte the
unscaled one. Data that no scaling can make solvable are refused with :class:`ScaleError`.
"""

from __future__ import annotations

import itertools
from dataclasses import dataclass, field
from typing import Any, Sequence

import numpy as np
import scipy.sparse as sp

from .exceptions import DataError
from .solvers.errors import ProblemDataError
from .solvers.lp import LinearProgram


class ScaleError(DataError):
    """Data whose coefficient ranges no scaling can bring within what LP solvers handle (a subclass of
    :class:`relulp.DataError`, hence of ValueError): a feature column whose nonzero entries span more than
    :data:`MAX_RANGE`, a data point that is (nearly) zero relative to every feature's scale, a feature scale
    beyond 2**+-:data:`MAX_EXPONENT`, or an objective whose costs span more than :data:`MAX_RANGE`."""


#: Feature columns (and objective rows) whose largest |entry| lies in this band (about 1e-3 .. 1e3) are left
#: unscaled: HiGHS and GLPK solve such LPs correctly (benchmarks/scale_sweep.py), and code that reads the
#: leaf columns of LPs built on subsets of the data (relulp.cpal) keeps one set of units for ordinary data.
UNSCALED_BAND = (2.0**-10, 2.0**10)
#: Largest ratio between the nonzero magnitudes allowed within one scaled feature column or the objective
#: row (about 4.4e12): HiGHS drops coefficients below 1e-9 and declares reduced costs below 1e-7 zero, and
#: GLPK's own scaling returns garbage (or aborts the process) on much wider ranges.
MAX_RANGE = 2.0**42
#: A nonzero data point whose largest scaled coordinate is below this is refused (its rows would be
#: dropped by solvers as all-zero, about 1.5e-8).
MIN_ROW_MAX = 2.0**-26
#: Feature scales s_j = 2**e are refused for |e| > MAX_EXPONENT (recovered weights u = v / s_j would
#: underflow or overflow double precision).
MAX_EXPONENT = 850


@dataclass(frozen=True)
class Scaling:
    """The internal scaling of one LP (see the module docstring).

    ``exponents`` (d,): feature column j of X is divided by s_j = 2**exponents[j] (0 = unscaled);
    ``objective_exponent``: the objective row is multiplied by 2**objective_exponent.
    """

    exponents: np.ndarray
    objective_exponent: int = 0

    @property
    def feature_scale(self) -> np.ndarray:
        """s (d,): powers of two; the LP's leaf column (leaf, j) is s_j * u_j."""
        return np.ldexp(1.0, self.exponents)

    @property
    def objective_scale(self) -> float:
        return float(np.ldexp(1.0, self.objective_exponent))

    @property
    def identity(self) -> bool:
        return not self.exponents.any() and self.objective_exponent == 0

    def scale_X(self, Xa: np.ndarray) -> np.ndarray:
        """X S^{-1} (exact: only exponents change)."""
        if not self.exponents.any():
            return Xa
        return np.ldexp(Xa, -self.exponents[None, :])

    def leaf_costs(self, weight: float) -> np.ndarray:
        """Objective coefficients (d,) of the t' columns of one leaf: weight * objective_scale / s_j."""
        return np.ldexp(float(weight), self.objective_exponent - self.exponents)

    def point_cost(self) -> float:
        """Objective coefficient of a per-point slack (xi or e), whose column is unscaled."""
        return float(np.ldexp(1.0, self.objective_exponent))


def _exponent(m: float) -> int:
    """e with m / 2**e in [1/2, 1) (frexp), or 0 if m is 0 or in :data:`UNSCALED_BAND`."""
    if m == 0.0 or UNSCALED_BAND[0] <= m <= UNSCALED_BAND[1]:
        return 0
    return int(np.frexp(m)[1])


def choose_scaling(Xa: np.ndarray, l1_weight: float = 0.0, point_column: bool = False, scale=True) -> Scaling:
    """The scaling of the LP over data ``Xa`` (n, d; with its ones column, if any), and the check that
    solvers can take it. Shared by :func:`relulp.build_lp` and :func:`relulp.build_model`.

    Feature scales: s_j = 2**e_j with max_i |X_ij| / s_j in [1/2, 1), except e_j = 0 for columns whose
    maximum is 0 or already in :data:`UNSCALED_BAND` (2**-10 .. 2**10). ``scale=False`` uses s = 1 and no
    objective scale; ``scale`` = an array of d powers of two (d counts the ones column, if any) uses those
    s_j: pass one fixed scale when LPs built on different subsets of the data must share the units of their
    leaf columns (a subset's column maxima, and so its automatic scales, can differ). Objective: the t' columns cost ``l1_weight / s_j`` and the slack
    columns 1 in original units; the whole row is multiplied by 2**k so that its largest entry lies in
    [1/2, 1), unless it already lies in UNSCALED_BAND (then k = 0).

    Raises :class:`ScaleError` (before any solver sees the LP) if, after scaling, a column's nonzero entries
    span more than :data:`MAX_RANGE` (an entry below 2**-42 of its column's maximum), a nonzero data point's
    largest scaled entry is below :data:`MIN_ROW_MAX`, some |e_j| > :data:`MAX_EXPONENT`, or the objective's
    nonzero costs span more than :data:`MAX_RANGE`.
    """
    absX = np.abs(Xa)
    colmax = absX.max(axis=0)
    if scale is True:
        exps = np.array([_exponent(float(m)) for m in colmax], dtype=np.int64)
    elif scale is False or scale is None:
        exps = np.zeros(Xa.shape[1], dtype=np.int64)
    else:
        given = np.asarray(scale, dtype=np.float64).ravel()
        if given.shape != (Xa.shape[1],):
            raise DataError(f"scale has {given.size} entries, X (with its ones column, if any) has "
                            f"{Xa.shape[1]} columns")
        mant, e = np.frexp(given)
        if not (np.isfinite(given).all() and (mant == 0.5).all()):
            raise DataError(f"scale must be positive powers of two (exact in floating point), got {given}")
        exps = (e - 1).astype(np.int64)
    big = np.flatnonzero(np.abs(exps) > MAX_EXPONENT)
    if big.size:
        j = int(big[0])
        raise ScaleError(f"feature column {j} has max |X_ij| = {colmax[j]:.3g}: outside the range "
                         f"2**+-{MAX_EXPONENT} (~1e+-{int(MAX_EXPONENT * 0.30103)}) in which the recovered "
                         f"weights stay representable; rescale X first")
    scaled = np.ldexp(absX, -exps[None, :])
    nz = scaled > 0
    if nz.any():
        lo = np.where(nz, scaled, np.inf).min(axis=0)
        hi = scaled.max(axis=0)
        bad = np.flatnonzero(hi > lo * MAX_RANGE)
        if bad.size:
            j = int(bad[0])
            i = int(np.argmin(np.where(nz[:, j], scaled[:, j], np.inf)))
            raise ScaleError(
                f"feature column {j} spans {colmax[j] / absX[i, j]:.3g} (max |X_ij| = {colmax[j]:.3g}, "
                f"X[{i}, {j}] = {Xa[i, j]:.3g}): more than the {MAX_RANGE:.3g} that LP solvers resolve within one "
                f"column (they drop or mis-scale such coefficients); set negligible entries to 0 or rescale")
        rowmax = scaled.max(axis=1)
        tiny = np.flatnonzero((rowmax > 0) & (rowmax < MIN_ROW_MAX))
        if tiny.size:
            i = int(tiny[0])
            raise ScaleError(
                f"data point {i} is (nearly) zero relative to the feature scales: its largest coordinate is "
                f"{rowmax[i]:.3g} of its column's maximum (< {MIN_ROW_MAX:.3g}); solvers would drop its rows. "
                f"Remove it, set it to 0, or use fit_intercept=True")
    costs = []
    if l1_weight > 0:
        costs.append(np.ldexp(float(l1_weight), -exps))
    if point_column:
        costs.append(np.ones(1))
    k = 0
    if costs:
        cvec = np.concatenate(costs)
        cmax, cmin = float(cvec.max()), float(cvec.min())
        if not (np.isfinite(cmax) and cmax > 0):
            raise ScaleError(f"the objective coefficients are not finite after scaling (max {cmax})")
        if cmax > cmin * MAX_RANGE:
            raise ScaleError(
                f"the objective's costs span {cmax / cmin:.3g} after scaling (more than {MAX_RANGE:.3g}): the "
                f"features' scales {colmax.min():.3g}..{colmax.max():.3g} differ too much for a sum |u| "
                f"(l1) term in original units; rescale X (e.g. standardise), or use an objective without "
                f"an l1 term (feasibility, hinge with lam=0)")
        k = 0 if scale is False or scale is None else -_exponent(cmax)
    return Scaling(exps, k)


#: Roles of row blocks: fit rows (one per data point, carrying f), cone rows, link rows (auxiliary
#: formulation), |u| rows.
ROW_ROLES = ("fit", "cone", "link", "abs")
#: Roles of column blocks: leaf weights u, node pre-activations z, t >= |u|, per-point slacks (xi / e).
COL_ROLES = ("leaf", "node", "abs", "point")


@dataclass(frozen=True)
class Block:
    """A contiguous range [start, stop) of rows or columns that form one indexed Pyomo component.

    The range is the C-order cartesian product of ``axes`` (each a sequence of index labels), so
    entry ``start + k`` has the index ``itertools.product(*axes)`` [k].

    ``role`` says what the block is, whatever its name (set by the builders, :data:`ROW_ROLES` /
    :data:`COL_ROLES`): rows "fit" (one per data point, carrying the network output f), "cone", "link",
    "abs"; columns "leaf" (u), "node" (z), "abs" (t), "point" (xi or e). Code that needs, say, the fit rows
    selects blocks by role (:meth:`SparseLP.row_blocks_with`), not by name.
    """

    name: str
    start: int
    stop: int
    axes: tuple[Sequence, ...]
    description: str = ""
    role: str = ""

    @property
    def size(self) -> int:
        return self.stop - self.start

    @property
    def shape(self) -> tuple[int, ...]:
        return tuple(len(a) for a in self.axes)

    @property
    def slice(self) -> slice:
        return slice(self.start, self.stop)

    def index(self, k: int) -> tuple:
        """The index tuple of the k-th entry of the block (0 <= k < size)."""
        return tuple(ax[i] for ax, i in zip(self.axes, np.unravel_index(k, self.shape)))

    def names(self) -> list[str]:
        """Pyomo-style names ``name[i,j]`` for every entry, in order."""
        return [f"{self.name}[{','.join(map(str, idx))}]" for idx in itertools.product(*self.axes)]


@dataclass(repr=False)
class SparseLP(LinearProgram):
    """A relulp LP: the solver layer's :class:`~relulp.solvers.lp.LinearProgram` (the matrix form of the
    module docstring) with the named blocks, the pattern tree it came from and its internal scaling.

    ``meta`` records how the LP was made (objective, formulation, d, n, fit_intercept, ...);
    ``tree`` is the :class:`relulp.PatternTree` it came from, if any.

    ``col_scale`` (N,) or None: LP column j = col_scale[j] * the original variable j (None: all ones);
    ``objective_scale``: ``c @ x + objective_constant`` = objective_scale * the objective in original units.
    See the module docstring ("Scaling"); solvers see and report the LP's own units.
    """

    row_blocks: list[Block] = field(default_factory=list)
    col_blocks: list[Block] = field(default_factory=list)
    tree: Any = None
    col_scale: np.ndarray | None = None

    def __post_init__(self) -> None:
        try:
            super().__post_init__()
        except ProblemDataError as e:
            raise DataError(str(e)) from None
        n = self.num_cols
        if self.col_scale is not None:
            cs = np.asarray(self.col_scale, dtype=np.float64)
            if cs.shape != (n,):
                raise DataError(f"col_scale has shape {cs.shape}, expected ({n},)")
            if not (np.isfinite(cs).all() and (cs > 0).all()):
                raise DataError("col_scale must be finite and positive")
            self.col_scale = cs

    # blocks ----------------------------------------------------------------------------------
    def row_block(self, name: str) -> Block:
        return _find(self.row_blocks, name, "row")

    def col_block(self, name: str) -> Block:
        return _find(self.col_blocks, name, "column")

    def row_blocks_with(self, role: str) -> list[Block]:
        """The row blocks of a role (see :class:`Block`), in row order."""
        return [b for b in self.row_blocks if b.role == role]

    def col_blocks_with(self, role: str) -> list[Block]:
        """The column blocks of a role (see :class:`Block`), in column order."""
        return [b for b in self.col_blocks if b.role == role]

    def row_names(self) -> list[str]:
        return _names(self.row_blocks, self.num_rows)

    def col_names(self) -> list[str]:
        return _names(self.col_blocks, self.num_cols)

    # scaling ---------------------------------------------------------------------------------
    @property
    def scaled(self) -> bool:
        """Whether the builder scaled this LP (col_scale or objective_scale not 1)."""
        return self.col_scale is not None or self.objective_scale != 1.0

    def unscale(self, x: np.ndarray) -> np.ndarray:
        """An LP solution in original units: x / col_scale (exact: the scales are powers of two)."""
        x = np.asarray(x, dtype=np.float64)
        return x.copy() if self.col_scale is None else x / self.col_scale

    def original_objective(self, x: np.ndarray) -> float:
        """The objective of the LP solution x in original units: (c @ x + objective_constant) / objective_scale."""
        return self.objective(x) / self.objective_scale

    def __repr__(self) -> str:
        obj = self.meta.get("objective", "?")
        form = self.meta.get("formulation", "?")
        return (
            f"SparseLP(rows={self.num_rows}, cols={self.num_cols}, nnz={self.nnz}, "
            f"objective={obj!r}, formulation={form!r})"
        )


def _find(blocks: list[Block], name: str, what: str) -> Block:
    for b in blocks:
        if b.name == name:
            return b
    raise KeyError(f"no {what} block named {name!r}; have {[b.name for b in blocks]}")


def _names(blocks: list[Block], total: int) -> list[str]:
    out: list[str] = []
    for b in blocks:
        out.extend(b.names())
    if len(out) != total:
        raise RuntimeError(f"blocks name {len(out)} entries, LP has {total}")
    return out
