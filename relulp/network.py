"""ReLU networks recovered from LP solutions (math.md §2 "Recover the network", §3).

An LP solution *is* a tree-structured ReLU network:

- layer 1: one neuron per leaf; W_1 (d, m_1) has the leaf vectors u_leaf as columns (m_1 = #leaves);
- layer k >= 2: one neuron per level-k node; W_k (m_{k-1}, m_k) is block-sparse, entry (c, parent(c))
  = s_c, the sign of child c (each child has exactly one parent);
- output: f(x) = sum over the level-L nodes c of s_c * relu(h_L(x))_c, i.e. w_out[c] = s_c.

On the training data the cone rows make D z(v) = (z(v))_+, so the forward pass reproduces every
node's pre-activation z(v) and the LP's output f (tests check this).
"""

from __future__ import annotations

from dataclasses import dataclass, field

import numpy as np
import scipy.sparse as sp

from .exceptions import DataError, SolutionError
from .lp import SparseLP
from .tree import PatternTree
from .validation import prepare_X


@dataclass
class ReLUNetwork:
    """A fully connected ReLU network f(x) = w_out^T relu(W_L^T ... relu(W_1^T x)).

    ``weights[0]`` is W_1 (d, m_1) as a dense array; later layers may be scipy sparse (m_{k-1}, m_k).
    ``fit_intercept`` means the last input coordinate is the constant 1 (appended by the network).
    """

    weights: list
    output_weights: np.ndarray
    fit_intercept: bool = True
    info: dict = field(default_factory=dict)

    @property
    def depth(self) -> int:
        """Number of hidden layers."""
        return len(self.weights)

    @property
    def widths(self) -> list[int]:
        return [W.shape[1] for W in self.weights]

    @property
    def input_dim(self) -> int:
        return self.weights[0].shape[0] - int(self.fit_intercept)

    def _inputs(self, X) -> np.ndarray:
        Xa = prepare_X(X, self.fit_intercept)
        if Xa.shape[1] != self.weights[0].shape[0]:
            raise DataError(f"X has {Xa.shape[1] - int(self.fit_intercept)} features, the network expects {self.input_dim}")
        return Xa

    def preactivations(self, X) -> list[np.ndarray]:
        """Pre-activations of every hidden layer on X: a list of (n, m_k) arrays (numpy forward pass)."""
        h = self._inputs(X) @ self.weights[0]
        out = [np.asarray(h)]
        for W in self.weights[1:]:
            h = np.asarray(np.maximum(h, 0.0) @ W)
            out.append(h)
        return out

    def decision_function(self, X) -> np.ndarray:
        """f(x) for each row of X, shape (n,)."""
        return np.maximum(self.preactivations(X)[-1], 0.0) @ self.output_weights

    def predict(self, X) -> np.ndarray:
        """Class labels in {-1, +1}: +1 iff f > 0 (the rule of every relulp classifier: ``decision_function``
        > 0 is the positive class, as in scikit-learn), or f itself for a regression network
        (``info['task'] == 'regression'``)."""
        f = self.decision_function(X)
        if self.info.get("task") == "regression":
            return f
        return np.where(f > 0, 1.0, -1.0)

    def score(self, X, y) -> float:
        """Accuracy (classification) or R^2 (regression)."""
        from .metrics import accuracy, r2

        pred = self.predict(X)
        y = np.asarray(y, dtype=float)
        if self.info.get("task") == "regression":
            return r2(y, pred)
        return accuracy(y, pred)

    def num_active_neurons(self) -> list[int]:
        """Neurons per layer with nonzero incoming and outgoing weights."""
        out = []
        nxt = self.weights[1:] + [self.output_weights[:, None]]
        for W, V in zip(self.weights, nxt):
            inn = _col_norms(W) > 0
            outn = _row_norms(V) > 0
            out.append(int(np.count_nonzero(inn & outn)))
        return out

    def balanced(self, *, tol: float = 1e-12, max_sweeps: int = 200) -> "ReLUNetwork":
        """The same function with every neuron balanced: ||incoming|| = ||outgoing|| (math.md §2).

        Positive homogeneity: scaling a neuron's incoming weights by a > 0 and its outgoing weights by 1/a
        leaves f unchanged. Two layers: one pass gives u/sqrt(||u||) and +-sqrt(||u||). Deeper: sweeps over
        the layers until no scale factor differs from 1 by more than ``tol``. Dead neurons are zeroed.
        """
        Ws = [W.copy() for W in self.weights]
        wout = self.output_weights.astype(float).copy()
        for _ in range(max_sweeps):
            worst = 0.0
            for k in range(len(Ws)):
                a = _col_norms(Ws[k])
                b = _row_norms(Ws[k + 1]) if k + 1 < len(Ws) else np.abs(wout)
                alive = (a > 0) & (b > 0)
                scale = np.zeros_like(a)
                scale[alive] = np.sqrt(b[alive] / a[alive])
                worst = max(worst, float(np.max(np.abs(scale[alive] - 1.0), initial=0.0)))
                Ws[k] = _scale_cols(Ws[k], scale)
                inv = np.zeros_like(scale)
                inv[alive] = 1.0 / scale[alive]
                if k + 1 < len(Ws):
                    Ws[k + 1] = _scale_rows(Ws[k + 1], inv)
                else:
                    wout = wout * inv
            if worst <= tol:
                break
        return ReLUNetwork(Ws, wout, self.fit_intercept, dict(self.info, balanced=True))


def _col_norms(W) -> np.ndarray:
    if sp.issparse(W):
        return np.sqrt(np.asarray(W.multiply(W).sum(axis=0)).ravel())
    return np.linalg.norm(W, axis=0)


def _row_norms(W) -> np.ndarray:
    if sp.issparse(W):
        return np.sqrt(np.asarray(W.multiply(W).sum(axis=1)).ravel())
    return np.linalg.norm(W, axis=1)


def _scale_cols(W, s):
    return sp.csr_array(W @ sp.diags_array(s)) if sp.issparse(W) else W * s


def _scale_rows(W, s):
    return sp.csr_array(sp.diags_array(s) @ W) if sp.issparse(W) else W * s[:, None]


def recover_network(tree_or_lp, x, *, fit_intercept: bool = True) -> ReLUNetwork:
    """The ReLU network of an LP solution (math.md §3), in the units of the ORIGINAL data.

    Parameters
    ----------
    tree_or_lp : the :class:`SparseLP` the solution belongs to (then ``x`` holds all its columns and d,
        ``fit_intercept`` and the task come from the LP), or the :class:`PatternTree` (then ``x`` holds the
        leaf block u only, length #leaves * d, in original units, and ``fit_intercept`` says whether the last
        of the d inputs is the constant 1).
    x : solution vector, or a solver result with ``.x`` (and ``.status``), e.g. a ``solvers.Result``.

    With a SparseLP the builder's internal scaling is undone (``u = v / s``, :meth:`SparseLP.unscale`; the
    scales are powers of two, so this is exact): the network's forward pass on the original X meets the
    margins / tube / cone rows of the LP. Raises :class:`SolutionError` if there is no solution (x is None,
    e.g. after an infeasible solve), if x does not fit, or if it has NaN/inf.
    """
    status = None
    if x is not None and not isinstance(x, np.ndarray) and hasattr(x, "x"):
        status = getattr(x, "status", None)
        x = x.x
    if x is None:
        why = f"status {status}" if status is not None else "the solve returned no point"
        raise SolutionError(f"no solution: x is None ({why}); there is no network to recover")
    try:
        x = np.asarray(x, dtype=np.float64)
    except (TypeError, ValueError) as exc:
        raise SolutionError(f"x must be a numeric vector: {exc}") from None
    if x.ndim != 1:
        if x.ndim == 2 and 1 in x.shape:
            x = x.ravel()
        else:
            raise SolutionError(f"x must be a vector, got shape {x.shape}")
    info: dict = {}
    if isinstance(tree_or_lp, SparseLP):
        lp = tree_or_lp
        if lp.tree is None:
            raise SolutionError("this SparseLP does not come from a pattern tree")
        if x.shape[0] != lp.num_cols:
            raise SolutionError(f"x has {x.shape[0]} entries, the LP has {lp.num_cols} columns")
        tree, d = lp.tree, lp.meta["d"]
        fit_intercept = lp.meta["fit_intercept"]
        info.update(task=lp.meta["task"], objective=lp.meta["objective"], formulation=lp.meta["formulation"])
        blk = lp.col_block("u")
        u = x[blk.slice]
        if lp.col_scale is not None:
            u = u / lp.col_scale[blk.slice]
    elif isinstance(tree_or_lp, PatternTree):
        tree = tree_or_lp
        M = tree.num_leaves
        if x.shape[0] % M != 0 or x.shape[0] == 0:
            raise SolutionError(f"x has {x.shape[0]} entries, not a multiple of the {M} leaves")
        d = x.shape[0] // M
        u = x
    else:
        raise TypeError("recover_network takes a SparseLP or a PatternTree")
    if not np.isfinite(u).all():
        raise SolutionError("the solution contains NaN/inf")
    M = tree.num_leaves
    weights: list = [np.ascontiguousarray(u.reshape(M, d).T)]
    for k in range(2, tree.depth + 1):
        children = tree.num_nodes(k - 1)
        b = tree.branching(k - 1)
        c = np.arange(children)
        W = sp.csr_array((np.tile(tree.signs(k - 1), children // b), (c, c // b)), shape=(children, tree.num_nodes(k)))
        weights.append(W)
    output = tree.signs(tree.depth).copy()
    info["patterns"] = list(tree.sizes)
    return ReLUNetwork(weights, output, bool(fit_intercept), info)


@dataclass
class OneVsRestNetwork:
    """K one-vs-rest networks; predicts the class whose network gives the largest f (math.md §4)."""

    classes: np.ndarray
    networks: list[ReLUNetwork]

    def decision_function(self, X) -> np.ndarray:
        """(n, K) outputs, column k = f_k."""
        return np.column_stack([net.decision_function(X) for net in self.networks])

    def predict(self, X) -> np.ndarray:
        return self.classes[np.argmax(self.decision_function(X), axis=1)]

    def score(self, X, y) -> float:
        from .metrics import accuracy

        return accuracy(y, self.predict(X))
