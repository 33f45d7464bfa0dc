"""The Theorem 4.2 LP as a sparse matrix, assembled with vectorised numpy (math.md §3-4).

Notation (see :mod:`relulp.tree`): L hidden layers, digits a_k in [0, 2P_k) with sign s(a) and pattern
j(a); E_k (n x 2P_k) with E_k[i, a] = s(a) D^(k)[i, j(a)]; S_k = 2 D^(k) - 1 (n x P_k).

*Subtree matrices.* H_1 = X (n x d) and H_{k+1} = E_k (face-split) H_k, i.e. row i of H_{k+1} is
kron(E_k[i, :], H_k[i, :]) (n x B_{k+1} d). Row i of H_k, placed at the columns of the leaves under a
level-k node, is that node's pre-activation z(v)_i as a linear form in the leaf variables. Hence
(nested formulation, (LPL)):

    margin      rows (i):    y_i * H_{L+1}[i, :] u                       >= 1
    cone k      rows (p, i): S_k[i, j(a_k(p))] * H_k[i, :] u_{leaves(p)} >= 0     (k = 1..L)

The auxiliary formulation (L >= 2) adds columns z_k (node, i) for the nodes of levels k = 2..L and

    link k      rows (p, i): z_k[p, i] - sum_a E_{k-1}[i, a] z_{k-1}[child(p, a), i] = 0
                             (z_1 of a leaf = X_i u_leaf, i.e. H_2's row for k = 2)
    cone k      rows (p, i): S_k[i, j(a_k(p))] z_k[p, i] >= 0                    (k = 2..L)
    margin      rows (i):    y_i * sum_a E_L[i, a] z_L[a, i]                      >= 1

plus the objective rows of :mod:`relulp.objectives`. Column order: u (leaf-major, d each), z_2..z_L
(node-major, n each), t (if any), xi or e (if any). Row order: fit rows, cone1..coneL, link2..linkL,
abs_pos, abs_neg. No Python loop runs over rows or nonzeros. Every block carries its *role*
(:class:`relulp.lp.Block`): rows "fit" / "cone" / "link" / "abs", columns "leaf" / "node" / "abs" / "point";
:func:`fit_matrix` finds the fit rows by role.

:func:`point_rows` builds the fit and cone rows of chosen data points over the leaf columns directly (no
LP): the rows the nested LP of those points has, in the data's own units (what :mod:`relulp.cpal` cuts
with).

*Scaling* (:func:`relulp.lp.choose_scaling`). X above is really X S^{-1}, S = diag(s_j) with s_j a power
of two near max_i |X_ij| (s_j = 1 for columns whose maximum is in [2**-10, 2**10]); the leaf columns are
v = S u and t' = S t (the abs rows t' -+ v >= 0 are unchanged), so every coefficient in a leaf column is
+-X_ij / s_j, of order 1. The z columns, the slacks and the fit rows' right-hand sides (y) keep original
units. The objective row is (l1_weight / s_j on t', 1 on the slacks) times a power of two
``objective_scale``. ``SparseLP.col_scale`` and ``objective_scale`` record both; ``fit_matrix(lp) @ x``
is the network output in original units either way.
"""

from __future__ import annotations

import time
from dataclasses import dataclass

import numpy as np
import scipy.sparse as sp

from .exceptions import UnknownOptionError
from .lp import Block, SparseLP, choose_scaling
from .objectives import default_objective, get_objective, objective_spec
from .tree import FORMULATIONS, PatternTree
from .validation import check_labels, check_targets, prepare_X


@dataclass
class _Rows:
    """A block of CSR rows: indptr starts at 0; indices are global column numbers."""

    indptr: np.ndarray
    indices: np.ndarray
    data: np.ndarray
    lower: np.ndarray
    upper: np.ndarray

    @property
    def num_rows(self) -> int:
        return len(self.indptr) - 1


def _csr_parts(M) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    M = sp.csr_array(M)
    M.eliminate_zeros()
    return M.indptr.astype(np.int64), M.indices.astype(np.int64), M.data.astype(np.float64)


def _ranges(starts: np.ndarray, counts: np.ndarray) -> np.ndarray:
    """Concatenation of arange(s, s + c) for each (s, c), vectorised."""
    total = int(counts.sum())
    ends = np.cumsum(counts)
    return np.arange(total, dtype=np.int64) + np.repeat(starts - (ends - counts), counts)


def face_split(E: np.ndarray, H: tuple[np.ndarray, np.ndarray, np.ndarray], width: int):
    """Row-wise Kronecker product: row i = kron(E[i, :], H[i, :]), skipping zeros of E.

    E is dense (n, b); H is CSR parts (indptr, indices, data) of an (n, width) matrix. Returns the CSR
    parts of the (n, b * width) result with sorted column indices.
    """
    h_ptr, h_idx, h_dat = H
    er, ec = np.nonzero(E)
    ev = E[er, ec]
    h_cnt = np.diff(h_ptr)
    cnt = h_cnt[er]
    src = _ranges(h_ptr[er], cnt)
    rep = np.repeat(np.arange(len(er)), cnt)
    indices = ec[rep] * width + h_idx[src]
    data = ev[rep] * h_dat[src]
    row_nnz = np.bincount(er, weights=cnt, minlength=E.shape[0]).astype(np.int64)
    indptr = np.concatenate([[0], np.cumsum(row_nnz)])
    return indptr, indices, data


def _node_rows(H, width: int, scale: np.ndarray, col_offset: int = 0) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Block-diagonal stack over nodes p of diag(scale[p, :]) H, node p at columns offset + p * width.

    H: CSR parts of an (n, width) matrix; scale: (nodes, n). Rows ordered node-major (p, i).
    """
    h_ptr, h_idx, h_dat = H
    nodes, n = scale.shape
    row_of = np.repeat(np.arange(n), np.diff(h_ptr))
    data = (scale[:, row_of] * h_dat).ravel()
    offsets = col_offset + np.arange(nodes, dtype=np.int64) * width
    indices = (offsets[:, None] + h_idx[None, :]).ravel()
    indptr = np.concatenate([[0], np.cumsum(np.tile(np.diff(h_ptr), nodes))])
    return indptr, indices, data


def _append_column(parts, col: np.ndarray, value: float):
    """Append one entry ``value`` at column ``col[r]`` to the end of each row r."""
    indptr, indices, data = parts
    pos = indptr[1:]
    indices = np.insert(indices, pos, col)
    data = np.insert(data, pos, value)
    return indptr + np.arange(len(indptr)), indices, data


def _stack(blocks: list[_Rows], num_cols: int) -> tuple[sp.csr_array, np.ndarray, np.ndarray]:
    nnz = sum(len(b.indices) for b in blocks)
    rows = sum(b.num_rows for b in blocks)
    idx_dtype = np.int32 if max(nnz, num_cols) < 2**31 - 1 else np.int64
    indptr = np.empty(rows + 1, dtype=idx_dtype)
    indices = np.empty(nnz, dtype=idx_dtype)
    data = np.empty(nnz, dtype=np.float64)
    indptr[0] = 0
    r = k = 0
    for b in blocks:
        m, z = b.num_rows, len(b.indices)
        indptr[r + 1 : r + m + 1] = b.indptr[1:] + k
        indices[k : k + z] = b.indices
        data[k : k + z] = b.data
        r, k = r + m, k + z
    A = sp.csr_array((data, indices, indptr), shape=(rows, num_cols))
    A.has_sorted_indices = True
    lower = np.concatenate([b.lower for b in blocks])
    upper = np.concatenate([b.upper for b in blocks])
    return A, lower, upper


def _subtree_matrices(tree: PatternTree, Xa: np.ndarray, top: int) -> tuple[list, list[int]]:
    """H_1..H_top as CSR parts (H_1 = Xa, zeros dropped; H_{k+1} = E_k (face-split) H_k) and their widths."""
    H = [_csr_parts(Xa)]
    width = [Xa.shape[1]]
    for k in range(1, top):
        H.append(face_split(tree.signed_gates(k), H[-1], width[-1]))
        width.append(width[-1] * tree.branching(k))
    return H, width


def _cone_signs(tree: PatternTree, k: int) -> np.ndarray:
    """(nodes_k, n): the cone-row sign S_k[i, j(a_k(p))] of node p of level k at point i."""
    return tree.sign_matrix(k)[:, tree.pattern_index(k)[tree.digit_of_prefix(k)]].T


def build_lp(tree: PatternTree, X, y, objective: str = default_objective("classification").name,
             formulation: str = "nested", *,
             lam: float | None = None, eps: float | None = None, fit_intercept: bool = True,
             memory_limit: int | None = None, scale=True) -> SparseLP:
    """The Theorem 4.2 LP (math.md (LPL) + §4 objective) as a :class:`relulp.SparseLP`.

    Parameters
    ----------
    tree : PatternTree with ``tree.n`` == len(X).
    X : (n, d0) data; a ones column is appended if ``fit_intercept`` (d = d0 + 1).
    y : (n,) labels in {-1, +1} for classification objectives, real targets for regression ones.
    objective : one of ``feasibility, min_l1, hinge, l1, eps`` (:mod:`relulp.objectives`).
    formulation : ``nested`` (pre-activations expanded over the leaves) or ``auxiliary``
        (pre-activations of levels >= 2 as columns z with equality link rows). Same for depth 1.
    memory_limit : bytes; the size is computed first and the build refused if it would exceed this
        (default :func:`relulp.config.get_memory_limit`).
    scale : True (default: automatic), False (no scaling; the range checks still run), or d powers of two
        (d counts the ones column): fixed feature scales, for LPs on subsets of one data set whose leaf
        columns must share units (see :func:`relulp.lp.choose_scaling`).

    The LP is scaled internally (module docstring, "Scaling"): the u/t columns are in units of S u, the
    objective is multiplied by ``lp.objective_scale``; read solutions with :meth:`SparseLP.unscale`,
    :meth:`SparseLP.original_objective` or :func:`relulp.recover_network` (which unscales). Data with
    feature maxima in [2**-10, 2**10] (and an objective row in [2**-10, 2**10]) give an unscaled LP. Raises
    :class:`relulp.lp.ScaleError` (a :class:`DataError`) for data that no scaling makes solvable.
    """
    t0 = time.perf_counter()
    if not isinstance(tree, PatternTree):
        tree = PatternTree(tree)
    if formulation not in FORMULATIONS:
        raise UnknownOptionError(f"unknown formulation {formulation!r}; choose from {FORMULATIONS}")
    spec = objective_spec(objective, lam, eps)
    Xa = prepare_X(X, fit_intercept)
    n, d = Xa.shape
    if n != tree.n:
        from .exceptions import DataError

        raise DataError(f"X has {n} rows but the patterns have {tree.n}")
    y = check_labels(y, n) if spec.task == "classification" else check_targets(y, n)
    size = tree.size(X=Xa, formulation=formulation, objective=spec.name, lam=spec.lam)
    tree.check_size(size, memory_limit)
    scaling = choose_scaling(Xa, spec.l1_weight, spec.point_column is not None, scale)
    Xa = scaling.scale_X(Xa)

    L = tree.depth
    M = tree.num_leaves
    aux = formulation == "auxiliary" and L >= 2

    # columns ---------------------------------------------------------------------------------
    col_blocks: list[Block] = []
    ncol = 0

    def add_cols(name, axes, desc, role):
        nonlocal ncol
        size_ = int(np.prod([len(a) for a in axes]))
        col_blocks.append(Block(name, ncol, ncol + size_, tuple(axes), desc, role))
        ncol += size_
        return col_blocks[-1]

    add_cols("u", (tree.labels(1), range(d)), "leaf weights u (first-layer neurons)", "leaf")
    z_start = {}
    if aux:
        for k in range(2, L + 1):
            z_start[k] = add_cols(f"z{k}", (tree.labels(k), range(n)), f"pre-activations of level-{k} nodes",
                                  "node").start
    t_block = add_cols("t", (tree.labels(1), range(d)), "t >= |u|", "abs") if spec.l1_weight > 0 else None
    pc_block = (add_cols(spec.point_column, (range(n),), "per-point slack", "point")
                if spec.point_column else None)

    # subtree matrices H_1..H_{L+1} (H_{L+1} only for the nested margin) ----------------------
    H, width = _subtree_matrices(tree, Xa, L if aux else L + 1)

    rows: list[_Rows] = []
    row_blocks: list[Block] = []

    def add_rows(name, axes, parts, lower, upper, desc, role):
        start = sum(b.num_rows for b in rows)
        rows.append(_Rows(*parts, lower, upper))
        row_blocks.append(Block(name, start, start + rows[-1].num_rows, tuple(axes), desc, role))

    # fit rows: f = F x ------------------------------------------------------------------------
    if aux:
        E = tree.signed_gates(L)  # (n, 2P_L); column of z_L[a, i] = start + a * n + i
        fr, fc = np.nonzero(E)
        F = (np.concatenate([[0], np.cumsum(np.bincount(fr, minlength=n))]), z_start[L] + fc * n + fr, E[fr, fc])
    else:
        F = H[L]
    for name, (lo, hi, coef) in zip(spec.fit_rows, spec.fit_bounds(y)):
        indptr, indices, data = F
        if spec.objective.margin:
            data = data * np.repeat(y, np.diff(indptr))
        parts = (indptr, indices, data)
        if coef:
            parts = _append_column(parts, pc_block.start + np.arange(n), coef)
        add_rows(name, (range(n),), parts, lo, hi, f"{name} rows, one per data point", "fit")

    # cone rows --------------------------------------------------------------------------------
    for k in range(1, L + 1):
        S = _cone_signs(tree, k)  # (nodes, n)
        if k == 1 or not aux:
            parts = _node_rows(H[k - 1], width[k - 1], S)
        else:
            nodes = S.shape[0]
            parts = (np.arange(nodes * n + 1), z_start[k] + np.arange(nodes * n), S.ravel())
        inf = np.full(S.size, np.inf)
        add_rows(f"cone{k}", (tree.labels(k), range(n)), parts, np.zeros(S.size), inf,
                 f"cone rows (2D-I) z(v) >= 0 of level-{k} nodes", "cone")

    # link rows (auxiliary) ---------------------------------------------------------------------
    if aux:
        for k in range(2, L + 1):
            nodes = tree.num_nodes(k)
            if k == 2:
                child = H[1]  # z of the level-2 node p, expanded over its leaves
                ci, cj, cv = _node_rows(child, width[1], np.ones((nodes, n)))
            else:
                E = tree.signed_gates(k - 1)  # child (p, a) of node p has z_{k-1} column (p*2P + a)*n + i
                b = tree.branching(k - 1)
                er, ec = np.nonzero(E)
                cnt = np.bincount(er, minlength=n)
                cj = (z_start[k - 1] + (np.arange(nodes)[:, None] * b + ec[None, :]) * n + er[None, :]).ravel()
                cv = np.tile(E[er, ec], nodes)
                ci = np.concatenate([[0], np.cumsum(np.tile(cnt, nodes))])
            parts = _append_column((ci, cj, -cv), z_start[k] + np.arange(nodes * n), 1.0)
            zeros = np.zeros(nodes * n)
            add_rows(f"link{k}", (tree.labels(k), range(n)), parts, zeros, zeros.copy(),
                     f"z(v) = sum_c s_c D_c z(c) for level-{k} nodes", "link")

    # |u| rows ------------------------------------------------------------------------------------
    if t_block is not None:
        nu = M * d
        r = np.arange(nu)
        ptr = np.arange(0, 2 * nu + 1, 2)
        idx = np.column_stack([r, t_block.start + r]).ravel()
        for name, sign in (("abs_pos", -1.0), ("abs_neg", 1.0)):
            dat = np.tile([sign, 1.0], nu)
            add_rows(name, (tree.labels(1), range(d)), (ptr, idx, dat), np.zeros(nu), np.full(nu, np.inf),
                     "t - u >= 0" if sign < 0 else "t + u >= 0", "abs")

    A, row_lower, row_upper = _stack(rows, ncol)

    c = np.zeros(ncol)
    col_lower = np.full(ncol, -np.inf)
    col_upper = np.full(ncol, np.inf)
    if t_block is not None:
        c[t_block.slice] = np.tile(scaling.leaf_costs(spec.l1_weight), M)
        col_lower[t_block.slice] = 0.0
    if pc_block is not None:
        c[pc_block.slice] = scaling.point_cost()
        col_lower[pc_block.slice] = 0.0
    col_scale = None
    if scaling.exponents.any():
        col_scale = np.ones(ncol)
        leaf_scale = np.tile(scaling.feature_scale, M)
        col_scale[_leaf_slice(col_blocks)] = leaf_scale
        if t_block is not None:
            col_scale[t_block.slice] = leaf_scale
    meta = {
        "objective": spec.name, "formulation": formulation, "task": spec.task, "lam": spec.lam,
        "eps": spec.eps, "n": n, "d": d, "fit_intercept": bool(fit_intercept), "depth": L,
        "patterns": list(tree.sizes), "leaves": M, "y": y,
        "feature_scale": scaling.feature_scale.tolist(), "objective_scale": scaling.objective_scale,
        "build_seconds": time.perf_counter() - t0,
        # hinge and l1 LPs always have a finite optimum: a solver's "infeasible"/"unbounded" is then wrong
        "optimum_exists": get_objective(spec.name).always_feasible,
    }
    return SparseLP(c, A, row_lower, row_upper, col_lower, col_upper, 0.0, meta=meta, row_blocks=row_blocks,
                    col_blocks=col_blocks, tree=tree, col_scale=col_scale, objective_scale=scaling.objective_scale)


def _leaf_slice(col_blocks: list[Block]) -> slice:
    """The slice of the leaf columns u (the column block of role "leaf")."""
    return next(b for b in col_blocks if b.role == "leaf").slice


def fit_matrix(lp: SparseLP) -> sp.csr_array:
    """F (n x N): the network output f = F x on the training points, recovered from the LP's first fit
    rows (the first row block of role "fit"; margins, where the objective's fit rows carry y_i f_i, are
    divided by y; the per-point slack columns, role "point", are dropped)."""
    fits = lp.row_blocks_with("fit")
    if not fits:
        raise KeyError(f"the LP has no row block of role 'fit'; blocks: {[(b.name, b.role) for b in lp.row_blocks]}")
    F = lp.A[fits[0].slice].tocsr()
    for cb in lp.col_blocks_with("point"):
        F.data[(F.indices >= cb.start) & (F.indices < cb.stop)] = 0.0
        F.eliminate_zeros()
    if get_objective(lp.meta["objective"]).margin:
        F = sp.diags_array(lp.meta["y"]) @ F
    return sp.csr_array(F)


@dataclass
class PointRows:
    """The fit and cone rows of some data points over the leaf columns u (see :func:`point_rows`).

    ``fit`` (k, N_u): f(x_i; u) = fit[r] @ u for the point ``points[r]``; ``cone`` (R, N_u): the cone rows
    (math.md (LPL)), ``cone @ u >= 0`` meaning they hold, level 1 first, within a level node-major then point
    (the row order of :func:`build_lp`); ``cone_point`` (R,) the data point of each cone row (an entry of
    ``points``), ``cone_level`` (R,) its tree level. N_u = #leaves * d.
    """

    points: np.ndarray
    fit: sp.csr_array
    cone: sp.csr_array
    cone_point: np.ndarray
    cone_level: np.ndarray


def point_rows(tree: PatternTree, X, idx=None, *, fit_intercept: bool = True,
               memory_limit: int | None = None) -> PointRows:
    """The fit row and the cone rows of the data points ``idx`` (default: all) over the leaf columns.

    ``tree`` holds the patterns of every row of ``X`` (``tree.n == len(X)``); the rows are those of the
    nested :func:`build_lp` over the points ``idx`` alone (patterns restricted to those rows), built directly
    and vectorised, without an LP: the fit row is f (not multiplied by labels), the cone rows those of every
    node at every level. Units: the data's own (no scaling, as ``build_lp(..., scale=False)``: the leaf
    columns are u itself for every subset of points); the column order is the pool LP's u block (it depends
    on the pattern counts only). The range checks of :func:`relulp.lp.choose_scaling` still run, and
    ``memory_limit`` caps the size as in :func:`build_lp`.
    """
    if not isinstance(tree, PatternTree):
        tree = PatternTree(tree)
    Xa = prepare_X(X, fit_intercept)
    if Xa.shape[0] != tree.n:
        from .exceptions import DataError

        raise DataError(f"X has {Xa.shape[0]} rows but the patterns have {tree.n}")
    idx = np.arange(tree.n, dtype=np.int64) if idx is None else np.atleast_1d(np.asarray(idx, dtype=np.int64))
    N = tree.num_leaves * Xa.shape[1]
    if idx.size == 0:
        empty = sp.csr_array((0, N))
        return PointRows(idx, empty, empty.copy(), np.zeros(0, np.int64), np.zeros(0, np.int64))
    sub = PatternTree([D[idx] for D in tree.patterns]) if idx.size != tree.n or (idx != np.arange(tree.n)).any() \
        else tree
    Xs = Xa[idx]
    sub.check_size(sub.size(X=Xs, objective="feasibility"), memory_limit)
    choose_scaling(Xs, 0.0, False, False)  # the range checks only (ScaleError)
    L, k = sub.depth, idx.size
    H, width = _subtree_matrices(sub, Xs, L + 1)
    F = _as_csr(H[L], N)
    parts, points, levels = [], [], []
    for lev in range(1, L + 1):
        S = _cone_signs(sub, lev)
        parts.append(_as_csr(_node_rows(H[lev - 1], width[lev - 1], S), N))
        points.append(np.tile(idx, S.shape[0]))
        levels.append(np.full(S.size, lev, dtype=np.int64))
    C = parts[0] if len(parts) == 1 else sp.vstack(parts, format="csr")
    return PointRows(idx, F, sp.csr_array(C), np.concatenate(points), np.concatenate(levels))


def _as_csr(parts, num_cols: int) -> sp.csr_array:
    indptr, indices, data = parts
    return sp.csr_array((data, indices, indptr), shape=(len(indptr) - 1, num_cols))
