"""The parameter space of the cutting-plane method and its cuts (math.md §3, §5).

theta is the leaf block u of the *nested* LP of :func:`relulp.build_lp` (math.md (LPL)): one d-vector per
leaf of the pattern tree, N = d * prod_k 2 P_k entries, in the LP's column order. For a fixed theta the
pattern-matrix predictor on the pool is linear,

    f(x_i; theta) = F[i, :] @ theta,        F = the fit rows of the pool's nested LP
                                               (:func:`relulp.assemble.point_rows`: f, not y f),

so the predictions for the whole pool are one sparse matrix product, and the cut of a labelled point is
a set of linear inequalities in theta (math.md §5 (cut)):

    classification:  y_i f(x_i; theta) >= 0           (the margin row, made homogeneous)
    regression:      y_i - eps <= f(x_i; theta) <= y_i + eps    (two rows: Algorithm 6's eps tube)
    both:            (2 D - I) z(v)_i >= 0 for every non-root node v     (the cone rows of point i)

They are built by :func:`relulp.assemble.point_rows` (the fit and cone rows of the points I over the leaf
columns, without building an LP), and are exactly the rows of
``build_lp(PatternTree([D[I] for D in patterns]), X[I], y[I], objective=..., scale=False)`` (unscaled: theta
is in the data's own units for every subset I, as the paper's parameter set T^0 is) for the points I (same
column order as the pool's LP, because the column order depends on the pattern counts P_k only),
rewritten as ``A theta <= b``. The cone rows make D z(v) = (z(v))_+ at point i, so on a
cut point the pattern-matrix predictor equals the recovered network's forward pass (math.md §2-3);
elsewhere it does not, which is why predictions on new data use :func:`relulp.recover_network`.
"""

from __future__ import annotations

import numpy as np
import scipy.sparse as sp

from relulp.assemble import point_rows
from relulp.exceptions import DataError
from relulp.tree import PatternTree
from relulp.validation import check_labels, check_targets, check_X

#: Target peak bytes of one chunk when the pool predictor F is assembled (results do not depend on it).
_CHUNK_BYTES = 128 * 2**20


class CutModel:
    """The pool's linear predictor F and the cut rows of any of its points (see the module docstring).

    Parameters
    ----------
    tree : PatternTree whose patterns are those of the pool (``tree.n == len(X)``).
    X : (n, d0) raw pool features (a ones column is appended when ``fit_intercept``).
    fit_intercept : bool
    memory_limit : bytes cap handed to :func:`relulp.assemble.point_rows` (None: relulp's default).
    """

    def __init__(self, tree: PatternTree, X, fit_intercept: bool = True, memory_limit: int | None = None):
        if not isinstance(tree, PatternTree):
            tree = PatternTree(tree)
        X = check_X(X)
        if X.shape[0] != tree.n:
            raise DataError(f"the pool has {X.shape[0]} points but the patterns have {tree.n} rows")
        self.tree = tree
        self.X = X
        self.fit_intercept = bool(fit_intercept)
        self.memory_limit = memory_limit
        self.d = X.shape[1] + int(self.fit_intercept)
        self.dim = tree.num_variables(self.d)
        self._F: sp.csr_array | None = None
        self._cone: sp.csr_array | None = None
        self._cone_point: np.ndarray | None = None

    @property
    def n(self) -> int:
        return self.tree.n

    @property
    def block_width(self) -> int:
        """Width d of the leaf blocks: a leaf cone row touches one block (math.md §5, Woodbury)."""
        return self.d

    @property
    def coarse_block_width(self) -> int | None:
        """Width d B_L of the subtree of one child of the root (deeper trees; None for one hidden layer):
        every cone row of a point lies inside one such block, so Newton systems stay block-diagonal
        (two-level Woodbury, :class:`relulp.analysis.BlockStructure`)."""
        if self.tree.depth < 2:
            return None
        return self.d * self.tree.leaves_below(self.tree.depth)

    # -------------------------------------------------------------------------------- predictor
    @property
    def F(self) -> sp.csr_array:
        """(n, N) pool predictor: f(x_i; theta) = F[i] @ theta. Built once, in chunks of points."""
        if self._F is None:
            self._F = self._build_F()
        return self._F

    def _build_F(self) -> sp.csr_array:
        self._build(want_cone=False)
        return self._F

    def _build(self, want_cone: bool) -> None:
        """Assemble F (if not built yet) and, with ``want_cone``, the cone rows of every pool point, in
        chunks of points (one :func:`relulp.assemble.point_rows` per chunk)."""
        n = self.n
        want_F = self._F is None
        per_point = max(1, self.tree.size(d=self.d).bytes_estimate() // max(n, 1))
        chunk = int(max(1, min(n, _CHUNK_BYTES // per_point)))
        f_parts, c_parts, c_points = [], [], []
        for start in range(0, n, chunk):
            rows = self._rows(np.arange(start, min(n, start + chunk)))
            if want_F:
                f_parts.append(rows.fit)
            if want_cone:
                c_parts.append(rows.cone)
                c_points.append(rows.cone_point)
        if want_F:
            F = f_parts[0] if len(f_parts) == 1 else sp.vstack(f_parts, format="csr")
            self._F = sp.csr_array(F)
        if want_cone:
            C = c_parts[0] if len(c_parts) == 1 else sp.vstack(c_parts, format="csr")
            self._cone = sp.csr_array(C)
            self._cone_point = np.concatenate(c_points).astype(np.int64)

    @property
    def cone(self) -> sp.csr_array:
        """(R, N) the cone rows of every pool point stacked, ``cone @ theta >= 0`` meaning that they hold
        (math.md (LPL)); :attr:`cone_point` gives the pool point of each row. Built once (with F when F is
        not built yet)."""
        if self._cone is None:
            self._build(want_cone=True)
        return self._cone

    @property
    def cone_point(self) -> np.ndarray:
        """(R,) pool index of each row of :attr:`cone`."""
        if self._cone is None:
            self._build(want_cone=True)
        return self._cone_point

    def predict(self, theta: np.ndarray, rows=None) -> np.ndarray:
        """Pattern-matrix predictions F @ theta for the pool (or its rows ``rows``)."""
        F = self.F if rows is None else self.F[np.asarray(rows)]
        return np.asarray(F @ np.asarray(theta, dtype=np.float64))

    # -------------------------------------------------------------------------------- cuts
    def _rows(self, idx):
        """:func:`relulp.assemble.point_rows` of the pool points ``idx``."""
        return point_rows(self.tree, self.X, idx, fit_intercept=self.fit_intercept, memory_limit=self.memory_limit)

    def subtree(self, idx) -> PatternTree:
        """The pattern tree of the pool points ``idx`` (every layer's patterns restricted to those rows)."""
        idx = np.asarray(idx, dtype=np.int64)
        return PatternTree([D[idx] for D in self.tree.patterns])

    def cut(self, idx, y, *, task: str = "classification", eps: float = 1e-3,
            with_fit_mask: bool = False):
        """The cut of the points ``idx`` with labels ``y`` as ``(A, b)``, meaning ``A @ theta <= b``.

        Classification (labels in {-1, +1}): the margin rows ``-y_i F_i theta <= 0`` and the cone rows
        ``-(2D - I) z(v)_i <= 0``. Regression: ``F_i theta <= y_i + eps``, ``-F_i theta <= -(y_i - eps)``
        and the cone rows. Rows come in the order of :func:`relulp.build_lp` (fit rows, then cone rows
        level by level; for regression the lower tube rows first, the upper ones last). With
        ``with_fit_mask`` a third value marks the fit rows (margin / tube rows, the half-spaces through
        the centre of Theorem 6.3) among them.
        """
        idx = np.atleast_1d(np.asarray(idx, dtype=np.int64))
        y = np.atleast_1d(np.asarray(y, dtype=np.float64))
        if idx.size == 0:
            empty = (sp.csr_array((0, self.dim)), np.zeros(0))
            return (*empty, np.zeros(0, dtype=bool)) if with_fit_mask else empty
        if task == "classification":
            y = check_labels(y, idx.size)
        elif task == "regression":
            y = check_targets(y, idx.size)
            eps = float(eps)
        else:
            raise ValueError(f"task must be 'classification' or 'regression', got {task!r}")
        rows = self._rows(idx)
        k, R = idx.size, rows.cone.shape[0]
        F = rows.fit
        if task == "classification":  # the margin rows y_i f_i >= 0 (homogeneous inside the cutting-plane loop)
            F = sp.csr_array((F.data * np.repeat(y, np.diff(F.indptr)), F.indices, F.indptr), shape=F.shape)
            fit_lower, fit_upper = np.zeros(k), np.full(k, np.inf)
        else:  # the eps tube y_i - eps <= f_i <= y_i + eps
            fit_lower, fit_upper = y - eps, y + eps
        A = sp.vstack([F, rows.cone], format="csr")
        lower = np.concatenate([fit_lower, np.zeros(R)])
        upper = np.concatenate([fit_upper, np.full(R, np.inf)])
        lo = np.flatnonzero(np.isfinite(lower))
        up = np.flatnonzero(np.isfinite(upper))
        G = sp.vstack([-A[lo], A[up]], format="csr") if up.size else sp.csr_array(-A[lo])
        h = np.concatenate([-lower[lo], upper[up]])
        G.sum_duplicates()
        if not with_fit_mask:
            return sp.csr_array(G), h
        fit = np.zeros(k + R, dtype=bool)
        fit[:k] = True
        return sp.csr_array(G), h, np.concatenate([fit[lo], fit[up]])

    def violations(self, f: np.ndarray, y: np.ndarray, *, task: str = "classification",
                   eps: float = 1e-3) -> np.ndarray:
        """Boolean mask of the points whose *fit* row the current centre violates (math.md §5 triggers):
        ``y f <= 0`` for classification (``<=``: at theta = 0 every prediction is 0), ``|f - y| > eps``
        for regression. This is Algorithm 4's query trigger; Algorithm 1's oracle is
        :meth:`cut_violations` (fit rows *and* cone rows)."""
        if task == "classification":
            return y * f <= 0
        return np.abs(f - y) > eps

    def cone_violations(self, theta: np.ndarray) -> np.ndarray:
        """(n,) mask of the pool points with at least one cone row violated at ``theta``
        (``(2D - I) z(v)_i < 0`` for some node v): one sparse product over the stacked cone rows of all
        points, then a scatter to the points."""
        vals = np.asarray(self.cone @ np.asarray(theta, dtype=np.float64))
        bad = self.cone_point[vals < 0]
        return np.bincount(bad, minlength=self.n) > 0

    def cut_violations(self, theta: np.ndarray, y: np.ndarray, *, task: str = "classification",
                       eps: float = 1e-3, f: np.ndarray | None = None) -> np.ndarray:
        """Algorithm 1's oracle (math.md §5): (n,) mask of the pool points whose cut ``theta`` violates,
        i.e. whose fit row fails (``y f <= 0``; regression ``|f - y| > eps``) OR any of whose cone rows
        fails. A point not in the mask is fitted by the recovered network itself: its cone rows make the
        network's forward pass equal the pattern predictor F theta there. ``f`` = F theta if known."""
        theta = np.asarray(theta, dtype=np.float64)
        if f is None:
            f = self.predict(theta)
        return self.violations(f, y, task=task, eps=eps) | self.cone_violations(theta)
