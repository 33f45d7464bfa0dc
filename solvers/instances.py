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


def edge_cases() -> list[Known]:
    """Textbook LPs with the row and column kinds :func:`textbook` lacks (kept apart from it: these have
    free rows, which a Pyomo round trip drops, and optima whose x is not unique)."""
    two_le_A = [[1, 2], [3, 1]]
    return [
        # two_le plus a free row x - y (never binding; its dual is 0)
        Known("free_row", _lp([-1, -1], two_le_A + [[1, -1]], [-INF, -INF, -INF], [4, 6, INF], [0, 0],
                              [INF, INF]), -2.8, np.array([1.6, 1.2]), np.array([-0.4, -0.2, 0.0])),
        # fixed column z = 1: min x + 2y + 5z  s.t. x + y + z >= 3, y - z >= 0, x, y >= 0  ->  (1, 1, 1), 8
        Known("fixed_column", _lp([1, 2, 5], [[1, 1, 1], [0, 1, -1]], [3, 0], [INF, INF], [0, 0, 1],
                                  [INF, INF, 1]), 8.0, np.array([1.0, 1.0, 1.0]), np.array([1.0, 1.0])),
        # two_le plus an all-zero free column of cost 0 (any value is optimal: x not unique)
        Known("unused_column_free", _lp([-1, -1, 0], [[1, 2, 0], [3, 1, 0]], [-INF, -INF], [4, 6], [0, 0, -INF],
                                        [INF, INF, INF]), -2.8, None, np.array([-0.4, -0.2])),
        # two_le plus an all-zero column of cost 2 boxed in [-1, 3]: it sits at -1
        Known("unused_column_bounded", _lp([-1, -1, 2], [[1, 2, 0], [3, 1, 0]], [-INF, -INF], [4, 6],
                                           [0, 0, -1], [INF, INF, 3]), -4.8, np.array([1.6, 1.2, -1.0]),
              np.array([-0.4, -0.2])),
    ]


def planted(m: int = 1500, n: int = 2000, density: float = 0.004, seed: int = 0) -> Known:
    """A larger LP whose optimum is known by construction (no solver needed): pick x* in the box [0, 1]^n
    (columns at 0, at 1 or inside), rows of every kind around A x* (active or with slack), row duals y
    with the signs their active bounds allow and reduced costs z likewise, then set c = A.T y + z. The
    KKT conditions hold at (x*, y), so c @ x* is the optimal objective (x* need not be the unique optimum).
    """
    rng = np.random.default_rng(seed)
    k = max(1, int(round(density * m * n)))
    A = sp.csr_array((rng.normal(size=k), (rng.integers(0, m, k), rng.integers(0, n, k))), shape=(m, n))
    A.sum_duplicates()
    empty = np.flatnonzero(np.diff(A.indptr) == 0)
    if empty.size:
        extra = sp.csr_array((np.ones(empty.size), (empty, rng.integers(0, n, empty.size))), shape=(m, n))
        A = sp.csr_array(A + extra)
    where = rng.choice(3, n, p=[0.4, 0.3, 0.3])  # 0 at lower, 1 at upper, 2 inside
    x = np.where(where == 0, 0.0, np.where(where == 1, 1.0, rng.uniform(0.2, 0.8, n)))
    z = np.where(where == 0, rng.uniform(0.1, 1, n), np.where(where == 1, -rng.uniform(0.1, 1, n), 0.0))
    ax = A @ x
    kind = rng.integers(0, 6, m)  # 0 <= active, 1 <= slack, 2 >= active, 3 ranged slack, 4 equality, 5 free
    gap = rng.uniform(0.1, 1, m)
    rl = np.full(m, -INF)
    ru = np.full(m, INF)
    y = np.zeros(m)
    ru[kind == 0], y[kind == 0] = ax[kind == 0], -gap[kind == 0]
    ru[kind == 1] = ax[kind == 1] + gap[kind == 1]
    rl[kind == 2], y[kind == 2] = ax[kind == 2], gap[kind == 2]
    rl[kind == 3], ru[kind == 3] = ax[kind == 3] - gap[kind == 3], ax[kind == 3] + gap[kind == 3]
    rl[kind == 4] = ru[kind == 4] = ax[kind == 4]
    y[kind == 4] = rng.normal(size=int((kind == 4).sum()))
    c = A.T @ y + z
    lp = LinearProgram(c, A, rl, ru, np.zeros(n), np.ones(n), meta={"name": f"planted_{m}x{n}_s{seed}"})
    return Known(f"planted_{m}x{n}", lp, float(c @ x))


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


