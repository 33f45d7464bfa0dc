"""The plain sparse LP: the matrix form every backend consumes.

    minimise    c @ x + objective_constant
    subject to  row_lower <= A @ x <= row_upper
                col_lower <=   x   <= col_upper

``A`` is a scipy CSR array of shape (m, N); bounds are float64 vectors with +-inf where unbounded;
an equality row has ``row_lower == row_upper``. Always a minimisation.

Rows and columns are grouped into named *blocks* (contiguous ranges) whose names are exactly the
Pyomo component names of :func:`relulp.build_model`: the column ``u[p3_m1,2]`` of the matrix is the
Pyomo variable ``model.u['p3_m1', 2]``, the row ``cone1[p3_m1,7]`` is ``model.cone1['p3_m1', 7]``.
"""

from __future__ import annotations

import itertools
from dataclasses import dataclass, field
from typing import Any, Sequence

import numpy as np
import scipy.sparse as sp


@dataclass(frozen=True)
class Block:
    """A contiguous range [start, stop) of rows or columns that form one indexed Pyomo component.

    The range is the C-order cartesian product of ``axes`` (each a sequence of index labels), so
    entry ``start + k`` has the index ``itertools.product(*axes)`` [k].
    """

    name: str
    start: int
    stop: int
    axes: tuple[Sequence, ...]
    description: str = ""

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


@dataclass
class SparseLP:
    """A minimisation LP in matrix form (see the module docstring), with block metadata.

    ``meta`` records how the LP was made (objective, formulation, d, n, fit_intercept, ...);
    ``tree`` is the :class:`relulp.PatternTree` it came from, if any.
    """

    c: np.ndarray
    A: sp.csr_array
    row_lower: np.ndarray
    row_upper: np.ndarray
    col_lower: np.ndarray
    col_upper: np.ndarray
    objective_constant: float = 0.0
    row_blocks: list[Block] = field(default_factory=list)
    col_blocks: list[Block] = field(default_factory=list)
    meta: dict[str, Any] = field(default_factory=dict)
    tree: Any = None

    def __post_init__(self) -> None:
        m, n = self.A.shape
        for name, vec, size in (
            ("c", self.c, n),
            ("col_lower", self.col_lower, n),
            ("col_upper", self.col_upper, n),
            ("row_lower", self.row_lower, m),
            ("row_upper", self.row_upper, m),
        ):
            if np.shape(vec) != (size,):
                raise ValueError(f"{name} has shape {np.shape(vec)}, expected ({size},)")
        if np.isnan(self.A.data).any() or np.isnan(self.c).any():
            raise ValueError("LP data contain NaN")

    # sizes -----------------------------------------------------------------------------------
    @property
    def num_rows(self) -> int:
        return self.A.shape[0]

    @property
    def num_cols(self) -> int:
        return self.A.shape[1]

    @property
    def nnz(self) -> int:
        return int(self.A.nnz)

    # blocks ----------------------------------------------------------------------------------
    def row_block(self, name: str) -> Block:
        return _find(self.row_blocks, name, "row")

    def col_block(self, name: str) -> Block:
        return _find(self.col_blocks, name, "column")

    def row_names(self) -> list[str]:
        return _names(self.row_blocks, self.num_rows)

    def col_names(self) -> list[str]:
        return _names(self.col_blocks, self.num_cols)

    def row_activity(self, x: np.ndarray) -> np.ndarray:
        """A @ x."""
        return self.A @ np.asarray(x, dtype=np.float64)

    def max_violation(self, x: np.ndarray) -> float:
        """Largest absolute violation of any row or column bound at x (0 if x is feasible)."""
        x = np.asarray(x, dtype=np.float64)
        ax = self.A @ x
        viol = [
            np.maximum(self.row_lower - ax, 0.0),
            np.maximum(ax - self.row_upper, 0.0),
            np.maximum(self.col_lower - x, 0.0),
            np.maximum(x - self.col_upper, 0.0),
        ]
        return float(max((v.max() if v.size else 0.0) for v in viol))

    def objective(self, x: np.ndarray) -> float:
        return float(self.c @ np.asarray(x, dtype=np.float64) + self.objective_constant)

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
