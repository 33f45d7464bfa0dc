r"""Primal and dual residuals of a candidate solution, computed by relulp from the LP data.

For ``min c@x + k  s.t.  rl <= A x <= ru,  cl <= x <= cu`` (A is m x N) and a point x (N,), row duals
y (m,):

* primal residual  :math:`r_P = \max(\|(rl - Ax)_+\|_\infty, \|(Ax - ru)_+\|_\infty,
  \|(cl - x)_+\|_\infty, \|(x - cu)_+\|_\infty)`;
* dual residual: with :math:`g = c - A^T y`, each y_i and g_j must have a sign a finite bound allows
  (y_i > 0 needs rl_i finite, y_i < 0 needs ru_i finite; the same for g_j and cl_j, cu_j).
  :math:`r_D = \max(\|y - \Pi_Y(y)\|_\infty, \|g - \Pi_Z(g)\|_\infty)` where :math:`\Pi` clips the
  disallowed signs to zero;
* dual objective :math:`d = k + \sum_i (y^+_i rl_i - y^-_i ru_i) + \sum_j (z^+_j cl_j - z^-_j cu_j)`
  with the projected y and z = Pi_Z(g) (so it is a valid lower bound when r_D = 0).

Relative versions divide by ``1 + max |finite bound|``, ``1 + max |c_j|`` and ``sigma + |p| + |d|``, where
sigma = ``lp.objective_scale`` is one unit of the objective as its maker reads it (1 for an unscaled LP).

* repair cost (the primal counterpart of the dual error at x): a *slack column* j is one that can only
  relax its rows when it grows (c_j >= 0, cu_j = +inf, and in each of its rows a_ij > 0 with ru_i = +inf
  or a_ij < 0 with rl_i = -inf): the epigraph columns t >= |u|, hinge slacks and absolute residuals.
  Raising each slack column to the least value that satisfies its lower bound and its violated rows (the
  cheapest slack column per row, c_j / |a_ij|) gives a point x' that is feasible for those rows;
  :math:`\Delta = c^T (x' - x) \ge 0` is how much the objective at x understates the objective of a
  point that honours them. A small primal residual can hide a large Delta when a slack column costs far
  more than the objective's value (relulp's scaled LPs of tiny-scale features: t' - u' >= 0 violated by
  1.7e-6 on a column that costs 0.5 per unit, objective 2e-8).
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import scipy.sparse as sp

from .lp import LinearProgram


@dataclass(frozen=True)
class Residuals:
    primal: float
    rel_primal: float
    dual: float | None = None
    rel_dual: float | None = None
    dual_objective: float | None = None
    rel_gap: float | None = None
    #: |r_y|^T |A x| + |r_z|^T |x| with r the dual infeasibilities (the parts of y and c - A^T y whose sign
    #: no bound allows): how far the dual objective can be off as a lower bound *at this x*, relative to
    #: 1 + |p| + |d|. A dual residual of 1e-8 is harmless at |x| ~ 1 and not at |x| ~ 1e8.
    rel_dual_error_at_x: float | None = None
    #: Delta / (sigma + |p| + |d|) with Delta the repair cost of the module docstring (|p| alone when no
    #: duals are given).
    rel_repair_cost: float | None = None


def _max(v: np.ndarray) -> float:
    return float(v.max()) if v.size else 0.0


def _bound_scale(lp: LinearProgram) -> float:
    scale = 0.0
    for b in (lp.row_lower, lp.row_upper, lp.col_lower, lp.col_upper):
        fin = b[np.isfinite(b)]
        if fin.size:
            scale = max(scale, float(np.abs(fin).max()))
    return scale


def primal_residual(lp: LinearProgram, x: np.ndarray) -> float:
    """Largest absolute bound violation at x, rows and columns (0 if x is feasible)."""
    x = np.asarray(x, dtype=np.float64)
    ax = lp.A @ x
    with np.errstate(invalid="ignore"):  # inf - inf never happens: a bound of +-inf gives 0 or -inf
        parts = (
            lp.row_lower - ax,
            ax - lp.row_upper,
            lp.col_lower - x,
            x - lp.col_upper,
        )
    return max(_max(np.maximum(p, 0.0)) for p in parts)


def _project(v: np.ndarray, lower: np.ndarray, upper: np.ndarray) -> np.ndarray:
    """Clip the entries of a multiplier v to signs the bounds allow: v>0 needs lower finite, v<0 upper."""
    lo_ok = np.isfinite(lower)
    up_ok = np.isfinite(upper)
    return np.where(v > 0, np.where(lo_ok, v, 0.0), np.where(up_ok, v, 0.0))


def _bound_term(v: np.ndarray, lower: np.ndarray, upper: np.ndarray) -> float:
    """sum_i v_i^+ lower_i - v_i^- upper_i, for an already projected v (inf * 0 taken as 0)."""
    pos = v > 0
    neg = v < 0
    return float(v[pos] @ lower[pos] + v[neg] @ upper[neg])


def slack_columns(lp: LinearProgram) -> np.ndarray:
    """Boolean mask (N,) of the slack columns of the module docstring (columns with no rows count)."""
    A = sp.csc_array(lp.A)
    rows = A.indices
    a = A.data
    relaxes = ((a > 0) & np.isposinf(lp.row_upper[rows])) | ((a < 0) & np.isneginf(lp.row_lower[rows]))
    relaxes |= a == 0
    cols = np.repeat(np.arange(A.shape[1]), np.diff(A.indptr))
    blocked = np.zeros(A.shape[1], dtype=bool)
    blocked[cols[~relaxes]] = True
    return (lp.c >= 0) & np.isposinf(lp.col_upper) & ~blocked


def repair_cost(lp: LinearProgram, x: np.ndarray) -> float:
    """Delta >= 0 of the module docstring: the objective increase that restores, by raising slack columns
    only, the column lower bounds of slack columns and every violated row that has a slack column."""
    x = np.asarray(x, dtype=np.float64)
    slack = slack_columns(lp)
    if not slack.any():
        return 0.0
    raise_by = np.where(slack, np.maximum(lp.col_lower - x, 0.0), 0.0)
    ax = lp.A @ x
    with np.errstate(invalid="ignore"):
        viol = np.maximum(np.maximum(lp.row_lower - ax, ax - lp.row_upper), 0.0)
    bad = np.flatnonzero(viol > 0)
    if bad.size:
        sub = sp.coo_array(sp.csr_array(lp.A)[bad][:, np.flatnonzero(slack)])
        if sub.nnz:
            cols = np.flatnonzero(slack)[sub.col]
            unit_cost = lp.c[cols] / np.abs(sub.data)  # objective per unit of the row restored
            order = np.lexsort((unit_cost, sub.row))  # the cheapest slack column of each row first
            first = np.ones(order.size, dtype=bool)
            first[1:] = sub.row[order][1:] != sub.row[order][:-1]
            pick = order[first]
            need = viol[bad[sub.row[pick]]] / np.abs(sub.data[pick])
            np.maximum.at(raise_by, cols[pick], need)
    return float(lp.c @ raise_by)


def compute(lp: LinearProgram, x: np.ndarray, row_duals: np.ndarray | None = None) -> Residuals:
    """All residuals of (x, y) for ``lp`` (dual parts None when y is None)."""
    x = np.asarray(x, dtype=np.float64)
    p_abs = primal_residual(lp, x)
    p_rel = p_abs / (1.0 + _bound_scale(lp))
    sigma = float(lp.objective_scale)
    repair = repair_cost(lp, x)
    if row_duals is None:
        return Residuals(primal=p_abs, rel_primal=p_rel,
                         rel_repair_cost=repair / (sigma + abs(lp.objective(x))))
    y = np.asarray(row_duals, dtype=np.float64)
    y_proj = _project(y, lp.row_lower, lp.row_upper)
    g = lp.c - lp.A.T @ y_proj
    z_proj = _project(g, lp.col_lower, lp.col_upper)
    d_abs = max(_max(np.abs(y - y_proj)), _max(np.abs(g - z_proj)))
    d_rel = d_abs / (1.0 + _max(np.abs(lp.c)))
    dual_obj = (
        lp.objective_constant
        + _bound_term(y_proj, lp.row_lower, lp.row_upper)
        + _bound_term(z_proj, lp.col_lower, lp.col_upper)
    )
    p_obj = lp.objective(x)
    denom = sigma + abs(p_obj) + abs(dual_obj)
    gap = abs(p_obj - dual_obj) / denom
    err_x = float(np.abs(y - y_proj) @ np.abs(lp.A @ x) + np.abs(g - z_proj) @ np.abs(x)) / denom
    return Residuals(p_abs, p_rel, d_abs, d_rel, dual_obj, gap, err_x, repair / denom)


def _interval(v: np.ndarray, lower: np.ndarray, upper: np.ndarray) -> tuple[float, float]:
    """[min, max] of v @ s over the box lower <= s <= upper (infinite ends where a bound is)."""
    pos, neg = v > 0, v < 0
    with np.errstate(invalid="ignore"):
        lo = float(v[pos] @ lower[pos] + v[neg] @ upper[neg])
        hi = float(v[pos] @ upper[pos] + v[neg] @ lower[neg])
    return (-np.inf if np.isnan(lo) else lo), (np.inf if np.isnan(hi) else hi)


def farkas_separation(lp: LinearProgram, ray: np.ndarray) -> float:
    """How strongly a row multiplier ``ray`` (m,) proves that ``lp`` has no feasible point (> 0: proved).

    Every feasible x has A x = s with s in the row box and x in the column box, so y @ s = (A.T y) @ x; if the
    interval of y @ s over the row box and that of (A.T y) @ x over the column box are disjoint, no x exists
    (Farkas). Returns the gap between the two intervals divided by 1 + the magnitude of their ends (negative
    or 0: the ray proves nothing). Independent of the solver's sign convention: both orders are tried.

    Rounding: entries of y below ``rtol`` times its largest, and entries of A.T y below ``rtol`` times
    (|A|.T |y|)_j (the size of the terms that cancelled), count as 0 -- a column without bounds would
    otherwise make every interval infinite through a 1e-16 residue.
    """
    rtol = 1e-9
    y = np.asarray(ray, dtype=np.float64)
    if y.shape != (lp.num_rows,) or not np.isfinite(y).all() or not np.any(y):
        return -np.inf
    y = np.where(np.abs(y) <= rtol * np.abs(y).max(), 0.0, y)
    w = lp.A.T @ y
    w = np.where(np.abs(w) <= rtol * (abs(lp.A).T @ np.abs(y)), 0.0, w)
    r_lo, r_hi = _interval(y, lp.row_lower, lp.row_upper)
    c_lo, c_hi = _interval(w, lp.col_lower, lp.col_upper)
    gap = max(r_lo - c_hi, c_lo - r_hi)
    ends = [abs(t) for t in (r_lo, r_hi, c_lo, c_hi) if np.isfinite(t)]
    return gap / (1.0 + (max(ends) if ends else 0.0))
