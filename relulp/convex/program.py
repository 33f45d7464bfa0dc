r"""The Pilanci–Ergen convex training program over a pattern tree (math.md §10), as a conic program.

The program
-----------
Data: X (n x d0); relulp appends a ones column when ``fit_intercept`` (the paper's bias trick), so the
program works with Xa (n x d), d = d0 + 1. A :class:`relulp.PatternTree` with L hidden layers of patterns
has M = prod_k 2 P_k leaves; leaf l holds a first-layer weight vector u_l in R^d (the paper's u'_k with the
sign s = +1 and u_k with s = -1 of math.md §2, and for deeper trees the signs along the leaf's path, §3).
The network output on the n data points is linear in the leaf vectors,

    f = F u                      F (n x M d): the fit rows of the Theorem 4.2 LP (math.md §3),

and the activation patterns are enforced by the cone rows of every non-root node v,

    (2 D_v - I) z(v) >= 0        C u >= 0,  C (R x M d), R = n * (number of non-root nodes).

The convex training program minimises a loss of f plus a (group) sparsity penalty of the leaves:

    min_u   loss(f, y) / N  +  beta * sum_l ||u_l||        s.t.  f = F u,  C u >= 0          (CVX)

    squared:  loss = 1/2 ||f - y||_2^2     (the reference's choice, for classification too)
    hinge:    loss = sum_i max(0, 1 - y_i f_i)            (y in {-1, +1})
    l1:       loss = sum_i |f_i - y_i|
    penalty:  ||u_l||_2 ("group_l2", the Pilanci–Ergen group lasso) or ||u_l||_1 ("l1")

with N = ``normalization``: the reference divides by n_train, the size of the whole training pool, even when
the program is solved on a labelled subset S (math.md §10); the default is the number of rows given. For two
layers, all patterns of the arrangement and ``penalty="group_l2"``, the optimum of (CVX) with the squared
loss equals the optimum of training a two-layer ReLU network, min 1/(2N) ||(Xa W1)_+ w2 - y||^2 +
(beta/2)(||W1||_F^2 + ||w2||^2) (Pilanci & Ergen 2020, Theorem 1); with sampled patterns it is a restriction
(an upper bound).

F and C are NOT re-derived here: the program takes them from :func:`relulp.build_lp` (objective ``eps``,
which has exactly the fit rows f and the cone rows, and no other columns), by their roles ("fit", "cone",
"link"; :class:`relulp.lp.Block`), so the tree algebra has one implementation. The LP scales its leaf
columns internally (math: v = S u, S = diag of powers of two per feature, :func:`relulp.lp.choose_scaling`);
the program keeps the LP's columns v as its variables and writes the penalty on u = S^{-1} v, so F, C and
the objective are exact in the original units (the scales are powers of two) and the solver sees the LP's
well-scaled coefficients. ``formulation="auxiliary"`` keeps the LP's node pre-activation columns z and its
link rows (as equalities) for deep trees.

Conic form (solvers.conic: minimise 1/2 x^T P x + q^T x s.t. A x + s = b, s in K)
----------------------------------------------------------------------------------
Columns, in order: the LP's columns x_lp (the scaled leaf block v, M d entries, then z for ``auxiliary``);
the loss columns (n): r = f - y (squared), xi (hinge) or e (l1); the penalty columns: t (M, group_l2, t_l >=
||u_l||_2) or a (M d, l1, a >= |u|); for the squared loss in cone form one more column w. Rows, by cone:

    ZeroCone      link rows of the LP (auxiliary):       A_link x_lp = 0
                  squared loss:                          r - F v = -y                   (n rows)
    Nonnegative   cone rows:                             C v >= 0                       (R rows)
                  hinge:  xi + y * (F v) >= 1, xi >= 0;  l1: e >= F v - y, e >= y - F v  (2 n rows)
                  l1 penalty:  a - S^-1 v >= 0,  a + S^-1 v >= 0                        (2 M d rows)
    SOC(d + 1)    group_l2, one per leaf:                (t_l, S^-1 v_l)                (M cones)
    RSOC(n + 2)   squared loss, cone form:               (w, N, r): 2 N w >= ||r||^2    (one cone)

Objective: K * (loss / N + beta * penalty) with K a power of two that puts the value at u = 0 (the loss of
f = 0) into [1/2, 1): the solver works in units of order one whatever N, n and y are; results are reported
in original units (divided by K).

**Squared loss: a quadratic term, by default.** ``squared_form="quadratic"`` (default) writes 1/2 ||r||^2 / N
as ``P = diag(K / N)`` on the n residual columns r; ``"cone"`` writes it as the epigraph w >= ||r||^2 / (2N)
with one rotated second-order cone (the textbook SOCP of math.md §10). Both give the same optimum (a test
checks it). The quadratic form is the default because Clarabel (relulp's conic backend) handles a
quadratic objective natively: no epigraph variable, no cone of dimension n + 2 whose scaling the interior-point
method must track, and the objective value at a point is the exact quadratic, not a bound w that is only
tight at convergence. Measured on the spiral (100 sampled patterns, beta = 1e-5): at Clarabel's default
tolerance 1e-8 the cone form stopped 2e-4 (relative) above the optimum, the quadratic form 1.3e-6; at 1e-10 the
cone form ended "AlmostSolved" (OPTIMAL_INACCURATE), the quadratic form "Solved". P is diagonal (n nonzeros)
because the residuals are variables: the alternative P = F^T F / N on the leaf columns would be dense
(M d x M d).

Sizes: columns M d (+ n z-columns per level >= 2 node, auxiliary) + n + (M or M d) (+1); rows R + n (+ 2n
for hinge/l1) + (M (d + 1) or 2 M d) (+ n + 2); nonzeros those of the LP plus O(n + M d).
"""

from __future__ import annotations

import time
from dataclasses import dataclass, field
from typing import Any

import numpy as np
import scipy.sparse as sp

from relulp.assemble import build_lp, fit_matrix
from relulp.exceptions import DataError, UnknownOptionError
from relulp.lp import SparseLP
from relulp.solvers.conic import (
    ConicProgram,
    NonnegativeCone,
    RotatedSecondOrderCone,
    SecondOrderCone,
    ZeroCone,
)
from relulp.tree import FORMULATIONS, PatternTree
from relulp.validation import check_labels, check_targets, check_X

#: losses of (CVX)
LOSSES = ("squared", "hinge", "l1")
#: penalties of (CVX): the group lasso sum ||u_l||_2 (Pilanci–Ergen) or the plain lasso sum ||u_l||_1
PENALTIES = ("group_l2", "l1")
#: how the squared loss is written (module docstring)
SQUARED_FORMS = ("quadratic", "cone")
#: the reference's weight on the penalty (math.md §10)
DEFAULT_BETA = 1e-5
TASKS = ("classification", "regression")


@dataclass
class ConvexTrainingProgram:
    """The program (CVX) of the module docstring over one pattern tree, ready for :func:`solve_convex`.

    Attributes
    ----------
    conic : :class:`relulp.solvers.conic.ConicProgram` (the solver's problem; variables x, see the module
        docstring for the column and row order).
    tree : the :class:`relulp.PatternTree` (``tree.n == n``).
    lp : the :class:`relulp.SparseLP` whose fit and cone (and link) rows the program took.
    X : (n, d0) the data as given (validated); ``Xa`` (n, d) with the ones column if ``fit_intercept``.
    y : (n,) targets / labels.
    loss, penalty, beta, normalization, fit_intercept, task, squared_form, formulation : as built.
    leaf_slice : columns of x holding the scaled leaf block v (M d entries, leaf-major; u = v / leaf_scale).
    leaf_scale : (M d,) the LP's column scales of the leaf block (powers of two; ones when unscaled).
    lp_slice : columns of x that are the LP's columns (v, then z for ``auxiliary``).
    loss_slice, penalty_slice : the loss columns (r / xi / e) and the penalty columns (t or a).
    objective_scale : K; ``conic.objective(x) / K`` is (CVX)'s objective in original units.
    F : (n, N_lp) sparse, f = F @ x[lp_slice] (original units of f).
    meta : how it was built (sizes, patterns, seconds, ...).
    """

    conic: ConicProgram
    tree: PatternTree
    lp: SparseLP
    X: np.ndarray
    Xa: np.ndarray
    y: np.ndarray
    loss: str
    penalty: str
    beta: float
    normalization: float
    fit_intercept: bool
    task: str
    squared_form: str
    formulation: str
    leaf_slice: slice
    leaf_scale: np.ndarray
    lp_slice: slice
    loss_slice: slice
    penalty_slice: slice
    objective_scale: float
    F: Any
    meta: dict = field(default_factory=dict)

    # ------------------------------------------------------------------ sizes
    @property
    def n(self) -> int:
        return int(self.Xa.shape[0])

    @property
    def d(self) -> int:
        """Inputs per leaf, the ones column included."""
        return int(self.Xa.shape[1])

    @property
    def num_leaves(self) -> int:
        return int(self.tree.num_leaves)

    # ------------------------------------------------------------------ reading a point x
    def leaf_values(self, x) -> np.ndarray:
        """(M, d) leaf vectors u in original units from a solution x of :attr:`conic` (leaf order of the tree,
        :meth:`relulp.PatternTree.leaf_labels`)."""
        x = np.asarray(x, dtype=np.float64)
        return (x[self.leaf_slice] / self.leaf_scale).reshape(self.num_leaves, self.d)

    def fit_values(self, x) -> np.ndarray:
        """f = F x_lp (n,): the program's network output on the n data points (the LP's fit rows)."""
        x = np.asarray(x, dtype=np.float64)
        return np.asarray(self.F @ x[self.lp_slice]).ravel()

    def loss_value(self, f) -> float:
        """loss(f, y) / N of (CVX), computed directly from f."""
        return loss_value(self.loss, f, self.y, self.normalization)

    def penalty_value(self, u) -> float:
        """sum_l ||u_l|| (2-norm for group_l2, 1-norm for l1) of leaf vectors u (M, d), without beta."""
        u = np.asarray(u, dtype=np.float64).reshape(self.num_leaves, self.d)
        return float(np.abs(u).sum()) if self.penalty == "l1" else float(np.linalg.norm(u, axis=1).sum())

    def objective_value(self, u, f=None) -> float:
        """(CVX)'s objective at leaf vectors u (M, d), computed directly: loss(f)/N + beta * penalty(u), with
        f = F u unless given. Does not check the cone rows."""
        u = np.asarray(u, dtype=np.float64).reshape(self.num_leaves, self.d)
        if f is None:
            x = np.zeros(self.conic.num_cols)
            x[self.leaf_slice] = u.ravel() * self.leaf_scale
            if self.formulation == "auxiliary" and self.tree.depth >= 2:
                raise DataError("objective_value(u) needs f for the auxiliary formulation (its z columns)")
            f = self.fit_values(x)
        return self.loss_value(f) + self.beta * self.penalty_value(u)

    def cone_violation(self, x) -> float:
        """Largest violation of the cone rows C v >= 0 at x (0 when they all hold)."""
        x = np.asarray(x, dtype=np.float64)
        cone = self.meta["cone_rows"]
        s = self.conic.slack(x)[cone]
        return float(max(0.0, -s.min())) if s.size else 0.0

    def solve(self, backend: str = "clarabel", **kw):
        """:func:`solve_convex` of this program."""
        from .solve import solve_convex

        return solve_convex(self, backend=backend, **kw)

    def __repr__(self) -> str:
        return (f"ConvexTrainingProgram(loss={self.loss!r}, penalty={self.penalty!r}, beta={self.beta:g}, "
                f"N={self.normalization:g}, n={self.n}, d={self.d}, patterns={list(self.tree.sizes)}, "
                f"leaves={self.num_leaves}, rows={self.conic.num_rows}, cols={self.conic.num_cols}, "
                f"nnz={self.conic.nnz})")


# ----------------------------------------------------------------------------------------------------
# losses, computed directly (for verification and for users)
# ----------------------------------------------------------------------------------------------------
def loss_value(loss: str, f, y, normalization: float) -> float:
    """loss(f, y) / N of the module docstring: squared 1/2 ||f - y||^2, hinge sum max(0, 1 - y f),
    l1 sum |f - y|, divided by N = ``normalization``."""
    f = np.asarray(f, dtype=np.float64).ravel()
    y = np.asarray(y, dtype=np.float64).ravel()
    if loss == "squared":
        v = 0.5 * float(np.dot(f - y, f - y))
    elif loss == "hinge":
        v = float(np.maximum(0.0, 1.0 - y * f).sum())
    elif loss == "l1":
        v = float(np.abs(f - y).sum())
    else:
        raise UnknownOptionError(f"unknown loss {loss!r}; choose from {LOSSES}")
    return v / float(normalization)


def _pow2_scale(value: float) -> float:
    """K = 2**k with K * value in [1/2, 1) (1 for value 0)."""
    if not (value > 0 and np.isfinite(value)):
        return 1.0
    return float(np.ldexp(1.0, -int(np.frexp(value)[1])))


def _check_choice(v, name: str, choices) -> str:
    if not isinstance(v, str) or v not in choices:
        raise UnknownOptionError(f"unknown {name} {v!r}; choose from {choices}")
    return v


def _check_nonneg(v, name: str, *, positive: bool = False) -> float:
    if isinstance(v, (bool, np.bool_)):
        raise UnknownOptionError(f"{name} must be a number, got {v!r}")
    try:
        out = float(v)
    except (TypeError, ValueError):
        raise UnknownOptionError(f"{name} must be a number, got {v!r}") from None
    if not np.isfinite(out) or out < 0 or (positive and out == 0):
        raise UnknownOptionError(f"{name} must be a finite number {'> 0' if positive else '>= 0'}, got {v!r}")
    return out


# ----------------------------------------------------------------------------------------------------
# the builder
# ----------------------------------------------------------------------------------------------------
def build_convex_program(tree, X, y, *, loss: str = "squared", beta: float = DEFAULT_BETA,
                         normalization: float | None = None, fit_intercept: bool = True,
                         penalty: str = "group_l2", squared_form: str = "quadratic",
                         formulation: str = "nested", task: str | None = None, scale=True,
                         memory_limit: int | None = None) -> ConvexTrainingProgram:
    """The convex training program (CVX) of math.md §10 over a pattern tree of any depth (module docstring).

    Parameters
    ----------
    tree : :class:`relulp.PatternTree` (or its pattern arrays) with ``tree.n == len(X)``.
    X : (n, d0) data; a ones column is appended if ``fit_intercept``.
    y : (n,) real targets (squared, l1) or labels in {-1, +1} (hinge).
    loss : ``"squared"`` (default; 1/2 ||f - y||^2), ``"hinge"`` or ``"l1"``.
    beta : weight of the penalty, >= 0 (default 1e-5, the reference's).
    normalization : N > 0, the loss is divided by it; default n = len(X). The reference's final solve divides
        by the size of the whole training pool (n_train), not by the number of labelled points.
    penalty : ``"group_l2"`` (default; sum ||u_l||_2, an SOCP) or ``"l1"`` (sum ||u_l||_1: linear rows; with
        the squared loss a convex QP).
    squared_form : ``"quadratic"`` (default: a diagonal P on the residual columns) or ``"cone"`` (a rotated
        second-order cone); see the module docstring for why the quadratic term is the default.
    formulation : ``"nested"`` (default) or ``"auxiliary"`` (the LP's z columns and link rows; deep trees).
    task : ``"classification"`` or ``"regression"``: what the recovered network's ``predict`` / ``score``
        report; default classification for the hinge loss or labels in {-1, +1}, else regression.
    scale : the LP's internal scaling (:func:`relulp.build_lp`); results are in original units either way.
    memory_limit : byte cap on the LP build (:func:`relulp.build_lp`).

    Raises :class:`relulp.DataError` for bad data (shapes, NaN/inf, labels outside {-1, +1} for the hinge
    loss), :class:`relulp.UnknownOptionError` for an unknown loss/penalty/form or a bad beta/normalization,
    :class:`relulp.PatternError` for bad patterns.
    """
    t0 = time.perf_counter()
    loss = _check_choice(loss, "loss", LOSSES)
    penalty = _check_choice(penalty, "penalty", PENALTIES)
    squared_form = _check_choice(squared_form, "squared_form", SQUARED_FORMS)
    formulation = _check_choice(formulation, "formulation", FORMULATIONS)
    beta = _check_nonneg(beta, "beta")
    if not isinstance(fit_intercept, (bool, np.bool_)):
        raise UnknownOptionError(f"fit_intercept must be True or False, got {fit_intercept!r}")
    if not isinstance(tree, PatternTree):
        tree = PatternTree(tree)
    X = check_X(X)
    n = X.shape[0]
    if n != tree.n:
        raise DataError(f"X has {n} rows but the patterns have {tree.n}")
    y = check_labels(y, n) if loss == "hinge" else check_targets(y, n)
    N = float(n) if normalization is None else _check_nonneg(normalization, "normalization", positive=True)
    if task is None:
        task = "classification" if loss == "hinge" or bool(np.isin(y, (-1.0, 1.0)).all()) else "regression"
    task = _check_choice(task, "task", TASKS)

    # the LP's fit and cone (and link) rows: objective "eps" has exactly those, over the leaf (and z) columns
    lp = build_lp(tree, X, y, objective="eps", formulation=formulation, eps=0.0, fit_intercept=bool(fit_intercept),
                  memory_limit=memory_limit, scale=scale)
    Xa = np.hstack([X, np.ones((n, 1))]) if fit_intercept else X.copy()
    d = Xa.shape[1]
    M = tree.num_leaves
    N_lp = lp.num_cols
    extra = [b.name for b in lp.col_blocks if b.role not in ("leaf", "node")]
    if extra:  # pragma: no cover - the eps objective with lam 0 has none
        raise RuntimeError(f"the LP has columns {extra} besides the leaf and node blocks")
    leaf_blk = lp.col_blocks_with("leaf")[0]
    leaf_slice = leaf_blk.slice
    leaf_scale = (np.ones(leaf_blk.size) if lp.col_scale is None
                  else np.asarray(lp.col_scale[leaf_slice], dtype=np.float64))
    node_scale = None if lp.col_scale is None else lp.col_scale
    if node_scale is not None:
        other = np.ones(N_lp, dtype=bool)
        other[leaf_slice] = False
        if not np.all(node_scale[other] == 1.0):  # pragma: no cover - build_lp scales the leaf block only
            raise RuntimeError("the LP scales columns other than the leaf block")

    F = fit_matrix(lp)  # (n, N_lp): f in original units from the LP's (scaled) columns
    A_lp = sp.csr_array(lp.A)
    cone_blocks = lp.row_blocks_with("cone")
    link_blocks = lp.row_blocks_with("link")
    C = _rows(A_lp, cone_blocks, N_lp)
    C_lower = np.concatenate([lp.row_lower[b.slice] for b in cone_blocks]) if cone_blocks else np.zeros(0)
    Lk = _rows(A_lp, link_blocks, N_lp)
    Lk_rhs = np.concatenate([lp.row_upper[b.slice] for b in link_blocks]) if link_blocks else np.zeros(0)

    # column layout ---------------------------------------------------------------------------------
    n_loss = n
    n_pen = 0 if beta == 0 else (M if penalty == "group_l2" else M * d)
    cone_w = loss == "squared" and squared_form == "cone"
    lp_slice = slice(0, N_lp)
    loss_slice = slice(N_lp, N_lp + n_loss)
    penalty_slice = slice(loss_slice.stop, loss_slice.stop + n_pen)
    w_col = penalty_slice.stop if cone_w else None
    ncol = penalty_slice.stop + int(cone_w)

    def place(M_, start):  # an (r, k) block at columns start..start+k
        M_ = sp.coo_array(M_)
        return sp.csr_array((M_.data, (M_.row, M_.col + start)), shape=(M_.shape[0], ncol))

    def place_lp(M_):
        return place(M_, 0)

    I_n = sp.identity(n, format="csr")
    Sinv = sp.diags_array(1.0 / leaf_scale)  # u = S^-1 v on the leaf block

    zero_rows, zero_rhs, nn_rows, nn_rhs = [], [], [], []
    # ZeroCone: link rows, then the squared-loss residual definition
    if Lk.shape[0]:
        zero_rows.append(place_lp(Lk))
        zero_rhs.append(Lk_rhs)
    # NonnegativeCone: cone rows C v >= lower  ->  s = C v - lower  ->  A = -C, b = -lower
    nn_rows.append(place_lp(-C))
    nn_rhs.append(-C_lower)
    Fp = place_lp(F)
    if loss == "squared":
        zero_rows.append(place(I_n, loss_slice.start) - Fp)  # r - F v = -y
        zero_rhs.append(-y)
    elif loss == "hinge":
        Yd = sp.diags_array(y)
        nn_rows.append(-(place_lp(Yd @ F)) - place(I_n, loss_slice.start))  # xi + y F v >= 1
        nn_rhs.append(-np.ones(n))
        nn_rows.append(-place(I_n, loss_slice.start))  # xi >= 0
        nn_rhs.append(np.zeros(n))
    else:  # l1
        nn_rows.append(Fp - place(I_n, loss_slice.start))  # e - (F v - y) >= 0
        nn_rhs.append(y.copy())
        nn_rows.append(-Fp - place(I_n, loss_slice.start))  # e + F v - y >= 0
        nn_rhs.append(-y)
    if n_pen and penalty == "l1":
        Ia = place(sp.identity(M * d, format="csr"), penalty_slice.start)
        Su = place(Sinv, leaf_slice.start)
        nn_rows.append(Su - Ia)  # a - u >= 0
        nn_rhs.append(np.zeros(M * d))
        nn_rows.append(-Su - Ia)  # a + u >= 0
        nn_rhs.append(np.zeros(M * d))
    blocks, rhs, cones = [], [], []
    if zero_rows:
        blocks += zero_rows
        rhs += zero_rhs
        cones.append(ZeroCone(int(sum(r.shape[0] for r in zero_rows))))
    n_zero = int(sum(r.shape[0] for r in zero_rows))
    blocks += nn_rows
    rhs += nn_rhs
    cones.append(NonnegativeCone(int(sum(r.shape[0] for r in nn_rows))))
    cone_rows = slice(n_zero, n_zero + C.shape[0])
    if n_pen and penalty == "group_l2":
        # one SOC (t_l, S^-1 v_l) per leaf: s = -A x  ->  A = -[e_t; S^-1 on v_l]
        rr = np.arange(M * (d + 1)).reshape(M, d + 1)
        t_rows = rr[:, 0]
        u_rows = rr[:, 1:].ravel()
        rows_ = np.concatenate([t_rows, u_rows])
        cols_ = np.concatenate([penalty_slice.start + np.arange(M), leaf_slice.start + np.arange(M * d)])
        vals_ = np.concatenate([-np.ones(M), -1.0 / leaf_scale])
        blocks.append(sp.csr_array((vals_, (rows_, cols_)), shape=(M * (d + 1), ncol)))
        rhs.append(np.zeros(M * (d + 1)))
        cones += [SecondOrderCone(d + 1)] * M
    if cone_w:
        # (w, N, r) in the rotated cone: 2 N w >= ||r||^2
        rows_ = np.concatenate([[0], 2 + np.arange(n)])
        cols_ = np.concatenate([[w_col], loss_slice.start + np.arange(n)])
        vals_ = -np.ones(n + 1)
        blocks.append(sp.csr_array((vals_, (rows_, cols_)), shape=(n + 2, ncol)))
        b_ = np.zeros(n + 2)
        b_[1] = N
        rhs.append(b_)
        cones.append(RotatedSecondOrderCone(n + 2))
    A = sp.vstack(blocks, format="csc")
    b = np.concatenate(rhs)

    # objective ----------------------------------------------------------------------------------------
    value0 = loss_value(loss, np.zeros(n), y, N)  # the objective at u = 0
    K = _pow2_scale(value0)
    q = np.zeros(ncol)
    P = None
    if loss == "squared":
        if cone_w:
            q[w_col] = K
        else:
            diag = np.zeros(ncol)
            diag[loss_slice] = K / N
            P = sp.diags_array(diag, format="csc")
    else:
        q[loss_slice] = K / N
    if n_pen:
        q[penalty_slice] = K * beta
    meta = {
        "name": f"relulp convex training program ({loss}, {penalty})", "source": "relulp.convex",
        "loss": loss, "penalty": penalty, "beta": beta, "normalization": N, "n": n, "d": d,
        "fit_intercept": bool(fit_intercept), "depth": tree.depth, "patterns": list(tree.sizes), "leaves": M,
        "formulation": formulation, "squared_form": squared_form, "task": task, "objective_scale": K,
        "value_at_zero": value0, "feature_scale": list(lp.meta["feature_scale"]),
        "cone_rows": cone_rows, "lp_rows": lp.num_rows, "lp_cols": N_lp,
        "build_seconds": time.perf_counter() - t0,
    }
    conic = ConicProgram(q=q, A=A, b=b, cones=cones, P=P, objective_constant=0.0,
                         meta={k: v for k, v in meta.items() if k != "cone_rows"})
    return ConvexTrainingProgram(conic=conic, tree=tree, lp=lp, X=X, Xa=Xa, y=y, loss=loss, penalty=penalty,
                                 beta=beta, normalization=N, fit_intercept=bool(fit_intercept), task=task,
                                 squared_form=squared_form, formulation=formulation, leaf_slice=leaf_slice,
                                 leaf_scale=leaf_scale, lp_slice=lp_slice, loss_slice=loss_slice,
                                 penalty_slice=penalty_slice, objective_scale=K, F=sp.csr_array(F), meta=meta)


def _rows(A: sp.csr_array, blocks, ncol: int) -> sp.csr_array:
    if not blocks:
        return sp.csr_array((0, ncol))
    return sp.csr_array(sp.vstack([A[b.slice] for b in blocks], format="csr"))
