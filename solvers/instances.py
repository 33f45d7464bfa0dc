"""Small LPs with known answers and random LPs, for tests and benchmarks.

Each textbook LP is a :class:`Known` (the LP, its optimal objective, an optimal x when unique, the
optimal row duals when unique). :func:`random_lp` makes a feasible LP with a finite optimum (box bounds
on every column) and a mix of <=, >=, ranged, equality and free rows.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import scipy.sparse as sp

from .lp import LinearProgram

INF = np.inf


@dataclass(frozen=True)
class Known:
    name: str
    lp: LinearProgram
    objective: float | None  # None for infeasible/unbounded
    x: np.ndarray | None = None
    row_duals: np.ndarray | None = None


def _lp(c, A, rl, ru, cl, cu, const=0.0, name="") -> LinearProgram:
    f = lambda v: np.asarray(v, dtype=np.float64)  # noqa: E731
    return LinearProgram(f(c), sp.csr_array(np.asarray(A, dtype=np.float64)), f(rl), f(ru), f(cl), f(cu),
                    objective_constant=const, meta={"name": name})


def textbook() -> list[Known]:
    """LPs with hand-checked optima (x and duals where they are unique)."""
    return [
        # min -x - y  s.t. x + 2y <= 4, 3x + y <= 6, x, y >= 0  ->  (1.6, 1.2), duals (-0.4, -0.2)
        Known("two_le", _lp([-1, -1], [[1, 2], [3, 1]], [-INF, -INF], [4, 6], [0, 0], [INF, INF]),
              -2.8, np.array([1.6, 1.2]), np.array([-0.4, -0.2])),
        # Dantzig's max 3x + 5y s.t. x <= 4, 2y <= 12, 3x + 2y <= 18, as min -3x - 5y: -36 at (2, 6)
        Known("dantzig", _lp([-3, -5], [[1, 0], [0, 2], [3, 2]], [-INF] * 3, [4, 12, 18], [0, 0],
                             [INF, INF]), -36.0, np.array([2.0, 6.0]), np.array([0.0, -1.5, -1.0])),
        # min 2x + 3y + 1  s.t. x + y >= 4, x + 3y >= 6  ->  (3, 1), objective 10, duals (1.5, 0.5)
        Known("two_ge_const", _lp([2, 3], [[1, 1], [1, 3]], [4, 6], [INF, INF], [0, 0], [INF, INF],
                                  const=1.0), 10.0, np.array([3.0, 1.0]), np.array([1.5, 0.5])),
        # ranged row and a free column: min x - y  s.t. -1 <= x + y <= 1, -2 <= x <= 2  ->  (-2, 3), -5
        Known("ranged_free", _lp([1, -1], [[1, 1]], [-1], [1], [-2, -INF], [2, INF]),
              -5.0, np.array([-2.0, 3.0]), np.array([-1.0])),
        # equality rows: min x + 2y + 3z  s.t. x + y + z = 1, x - y = 0.2, 0 <= x, y, z <= 1 -> (0.6, 0.4, 0)
        Known("equality", _lp([1, 2, 3], [[1, 1, 1], [1, -1, 0]], [1, 0.2], [1, 0.2], [0, 0, 0],
                              [1, 1, 1]), 1.4, np.array([0.6, 0.4, 0.0]), np.array([1.5, -0.5])),
    ]


def infeasible() -> LinearProgram:
    """x + y <= 1 and x + y >= 2 with x, y >= 0."""
    return _lp([1, 1], [[1, 1], [1, 1]], [-INF, 2], [1, INF], [0, 0], [INF, INF], name="infeasible")


def unbounded() -> LinearProgram:
    """min -x  s.t. x - y <= 1, x, y >= 0 (x = y + 1 -> -inf)."""
    return _lp([-1, 0], [[1, -1]], [-INF], [1], [0, 0], [INF, INF], name="unbounded")


def random_lp(m: int, n: int, density: float = 0.3, seed: int = 0) -> LinearProgram:
    """A feasible LP with a finite optimum: m rows, n columns, every column boxed.

    x0 ~ U(0, 1) is feasible: rows are <= / >= / ranged / equality / free (kinds drawn at random) around
    A @ x0 with random slack; columns are boxed in [x0 - U(0.1, 2), x0 + U(0.1, 2)] so the optimum is finite.
    """
    rng = np.random.default_rng(seed)
    k = max(1, int(round(density * m * n)))
    A = sp.csr_array((rng.normal(size=k), (rng.integers(0, m, k), rng.integers(0, n, k))), shape=(m, n))
    A.sum_duplicates()
    # every row gets at least one entry so that no row is empty
    empty = np.flatnonzero(np.diff(A.indptr) == 0)
    if empty.size:
        extra = sp.csr_array((np.ones(empty.size), (empty, rng.integers(0, n, empty.size))), shape=(m, n))
        A = sp.csr_array(A + extra)
    x0 = rng.uniform(0, 1, n)
    ax = A @ x0
    kind = rng.integers(0, 5, m)  # 0 <=, 1 >=, 2 ranged, 3 equality, 4 free
    slack_lo = rng.uniform(0, 1, m)
    slack_up = rng.uniform(0, 1, m)
    rl = np.where(np.isin(kind, [1, 2]), ax - slack_lo, -INF)
    ru = np.where(np.isin(kind, [0, 2]), ax + slack_up, INF)
    rl = np.where(kind == 3, ax, rl)
    ru = np.where(kind == 3, ax, ru)
    cl = x0 - rng.uniform(0.1, 2, n)
    cu = x0 + rng.uniform(0.1, 2, n)
    c = rng.normal(size=n)
    return LinearProgram(c, A, rl, ru, cl, cu, objective_constant=float(rng.normal()),
                    meta={"name": f"random_{m}x{n}_s{seed}"})


