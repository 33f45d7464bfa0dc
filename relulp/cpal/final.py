"""The final solve (Algorithm 8): train the network LP on the labelled set, through the solvers layer.

After the cutting-plane loop the labelled points (every label looked at, cut or not) are fitted by an
LP of math.md §4 built with the *same* patterns restricted to those rows,

    build_lp(PatternTree([D[idx] for D in tree.patterns]), X[idx], y[idx], objective=..., lam=..., eps=...)

and the network is recovered from its solution (:func:`relulp.recover_network`), so out-of-sample
predictions are the network's forward pass. With ``dedupe=True`` the restricted patterns of each layer are
de-duplicated first (patterns distinct on the pool can coincide on the labelled rows); the LP keeps its
optimal value (two subtrees with the same pattern and sign merge into one, leaf by leaf: the cone rows are
convex and ||u1 + u2||_1 <= ||u1||_1 + ||u2||_1) and is much smaller, which the comparisons use. Objectives: ``min_l1`` (default for classification: margin
>= 1 at least l1 norm), ``hinge`` (always feasible), ``feasibility``; ``l1`` (default for regression:
least absolute deviations + lam ||u||_1) and ``eps`` (the eps tube).

``objective="convex"`` (either task) is the reference's own final solve (its Algorithm 8, math.md §10): not an
LP but the Pilanci–Ergen convex program (:func:`relulp.convex.build_convex_program`) on the labelled set with
the patterns restricted to it,

    min (1 / (2 N)) ||y_S - f_S||^2 + beta * sum_leaves ||u_leaf||_2      s.t. the cone rows of S,

with the squared loss for classification too, ``beta`` (``lam`` when ``beta`` is not given; default 1e-5) and
N = the size of the whole pool (``len(X)``, the reference's n_train), not the number of labelled points. It
needs a conic backend: when ``backend`` solves LPs only (the learners' default ``highs``), Clarabel is used
instead, without the LP backend's ``method`` and ``solver_options`` (``info["backend_note"]`` says so).

**Redundant cone rows** (``prune_cones=True``, the default for the LP objectives). Every leaf u of the LP has
one cone row per labelled point, ``(2 D_j(x_i) - 1) x_i . u >= 0`` (its own rows: no other column appears in
them), and all leaves with the same first-layer pattern j share the same cone K_j in R^d. A cone of n
half-spaces in R^d has only its facets as irredundant rows: the rows whose normals are extreme rays of the
cone they span (with an interior direction w of K_j, the vertices of the (d-1)-dimensional hull of
l_i / (l_i . w), math.md §7). The LP keeps exactly those rows, so its feasible set, its optimal value and its
solutions are those of the full LP (on the 3-layer spiral, 44,916 of 387,600 level-1 cone rows remain).
Done for d <= 8 (qhull); a cone without a strictly interior direction, or a hull qhull cannot build, keeps
all its rows. After the solve the dropped rows are checked on the solution (they are implied by the kept
ones, so they hold to the solver's tolerance); a violated one makes the full LP be solved instead
(``info["prune"]`` reports the counts, the seconds and the check).

**Backend** ``"auto"`` (the learners' default): the LP goes to Clarabel (interior point with a sparse direct
factorisation) when it has at least :data:`AUTO_CLARABEL_ROWS` rows after pruning, else to HiGHS; a
``method`` or ``solver_options`` given with ``"auto"`` are HiGHS's, so they keep HiGHS. Measured on this
project's 2-core machine (docs/cpal_scaling.md): the pruned three-layer spiral LP (97,178 rows) 9.8-22 s with
Clarabel against 42-74 s with HiGHS's IPX; two layers (13,028 rows) 1.3-1.7 s against 3.9-5.4 s; digits 3 vs 8
(65 features, 60 labels, 11,400 rows) 22.7 s against 28.3 s; on LPs of a few thousand rows both take well under
a second and HiGHS returns a vertex (a sparser network). When Clarabel's answer is not a verified optimum,
HiGHS solves the same LP (``info["auto"]`` records both).
"""

from __future__ import annotations

import time
from dataclasses import dataclass, field

import numpy as np
import scipy.sparse as sp

from relulp.assemble import build_lp
from relulp.network import ReLUNetwork, recover_network
from relulp import objectives as _objectives
from relulp.exceptions import UnknownOptionError
from relulp.solvers import Status
from relulp.tree import PatternTree

#: cones are pruned (qhull in d - 1 dimensions) up to this width d of the leaf blocks
PRUNE_MAX_DIM = 8

#: the final objective that is the convex program of math.md §10 rather than an LP of §4
CONVEX = "convex"

#: ``backend="auto"`` sends LPs with at least this many rows to Clarabel, smaller ones to HiGHS
AUTO_CLARABEL_ROWS = 10_000


def auto_backend(n_rows: int, method: str | None = None, solver_options: dict | None = None) -> str:
    """The backend ``"auto"`` stands for (module docstring, *Backend*)."""
    if method is not None or solver_options:
        return "highs"
    return "clarabel" if n_rows >= AUTO_CLARABEL_ROWS else "highs"


@dataclass
class FinalSolve:
    """Outcome of one final solve: the network (None unless the LP / convex program was solved to a verified
    optimum). ``status`` is a :class:`relulp.solvers.Status` (``to_record`` writes its string value);
    ``lp_rows`` / ``lp_cols`` are the size of the program solved (the conic program for ``convex``)."""

    network: ReLUNetwork | None
    status: Status
    objective: float | None
    seconds: float
    n_labelled: int
    lp_rows: int
    lp_cols: int
    info: dict = field(default_factory=dict)

    @property
    def success(self) -> bool:
        return self.network is not None

    def to_record(self) -> dict:
        return {"status": str(self.status), "objective": self.objective, "seconds": self.seconds,
                "n_labelled": self.n_labelled, "lp_rows": self.lp_rows, "lp_cols": self.lp_cols, **self.info}


def final_solve(tree: PatternTree, X, y, idx, *, objective: str, lam: float | None = None,
                eps: float | None = None, fit_intercept: bool = True, backend: str = "auto",
                method: str | None = None, time_limit: float | None = None,
                solver_options: dict | None = None, memory_limit: int | None = None,
                dedupe: bool = False, beta: float | None = None,
                normalization: float | None = None, prune_cones: bool = True) -> FinalSolve:
    """Algorithm 8 on the pool points ``idx`` (labels ``y``, aligned with ``idx``).

    ``objective="convex"``: the convex program of math.md §10 (module docstring); ``beta`` (default ``lam``,
    else 1e-5) and ``normalization`` (default ``len(X)``, the pool size) apply to it only.
    ``prune_cones`` (LP objectives): drop the leaves' redundant cone rows first (module docstring: same
    feasible set and optimum; ``lp_rows`` is then the pruned LP's row count, ``info["prune"]`` the counts).
    """
    from relulp import solvers
    t0 = time.perf_counter()
    idx = np.asarray(idx, dtype=np.int64)
    layers = [D[idx] for D in tree.patterns]
    if dedupe:
        from relulp.patterns import unique_columns

        layers = [unique_columns(D) for D in layers]
    sub = PatternTree(layers)
    if objective == CONVEX:
        return _convex_final_solve(sub, X, y, idx, beta=beta if beta is not None else lam,
                                   normalization=normalization, fit_intercept=fit_intercept,
                                   backend="clarabel" if backend == "auto" else backend,
                                   method=method, time_limit=time_limit, solver_options=solver_options,
                                   memory_limit=memory_limit, t0=t0)
    if beta is not None or normalization is not None:
        raise UnknownOptionError(f"beta and normalization apply to objective={CONVEX!r} only, not {objective!r}")
    kw = {}
    if lam is not None:
        kw["lam"] = lam
    if _objectives.get_objective(objective).uses_eps:
        kw["eps"] = eps
    lp = build_lp(sub, np.asarray(X)[idx], np.asarray(y, dtype=np.float64), objective=objective,
                  fit_intercept=fit_intercept, memory_limit=memory_limit, **kw)
    prune_info = None
    full = lp
    if prune_cones:
        keep, prune_info = prune_leaf_cones(lp)
        if keep is not None and not keep.all():
            lp = take_rows(lp, keep)
    auto = None
    if backend == "auto":
        backend = auto_backend(lp.num_rows, method, solver_options)
        auto = {"chose": backend, "rows": int(lp.num_rows)}

    def solve(lp):
        res = solvers.solve(lp, backend=backend, method=method, time_limit=time_limit, **dict(solver_options or {}))
        if auto is not None and backend != "highs" and res.status not in (solvers.Status.OPTIMAL,
                                                                         solvers.Status.INFEASIBLE):
            auto[f"{backend}_status"] = str(res.status)
            auto["fallback"] = "highs"
            res = solvers.solve(lp, backend="highs", time_limit=time_limit)
        return res

    res = solve(lp)
    if prune_info is not None and lp is not full and res.status is solvers.Status.OPTIMAL and res.x is not None:
        worst = _dropped_violation(full, keep, res.x)
        prune_info["dropped_violation"] = worst
        if worst > PRUNE_CHECK_TOL:  # never seen: the dropped rows are implied by the kept ones
            prune_info["fallback"] = True
            lp = full
            res = solve(lp)
    net = None
    if res.status is solvers.Status.OPTIMAL and res.x is not None:
        net = recover_network(lp, res.x)
    info = {"backend": res.backend, "method": res.method, "primal_residual": res.primal_residual,
            "solver_seconds": res.total_seconds}
    if prune_info is not None:
        info["prune"] = prune_info
    if auto is not None:
        info["auto"] = auto
    objective_value = None if res.objective is None else res.objective / lp.objective_scale  # original units
    return FinalSolve(net, res.status, objective_value, time.perf_counter() - t0, int(idx.size),
                      lp.num_rows, lp.num_cols, info)


def _convex_final_solve(sub: PatternTree, X, y, idx, *, beta, normalization, fit_intercept, backend, method,
                        time_limit, solver_options, memory_limit, t0) -> FinalSolve:
    """The ``convex`` final solve (module docstring) on the restricted tree ``sub``."""
    from relulp import solvers
    from relulp.convex import DEFAULT_BETA, build_convex_program, solve_convex
    from relulp.solvers import backends as _backends

    X = np.asarray(X)
    pool = X.shape[0]
    prog = build_convex_program(sub, X[idx], np.asarray(y, dtype=np.float64), loss="squared",
                                beta=DEFAULT_BETA if beta is None else beta,
                                normalization=pool if normalization is None else normalization,
                                fit_intercept=fit_intercept, memory_limit=memory_limit)
    kw = dict(solver_options or {})
    note = None
    if "conic" not in _backends.get(backend).capabilities.problem_types:
        note = (f"backend {backend!r} solves LPs only: the convex final solve used clarabel (the LP backend's "
                f"method and solver_options were not passed)")
        backend, method, kw = "clarabel", None, {}
    if method is not None:
        kw["method"] = method
    res = solve_convex(prog, backend=backend, time_limit=time_limit, **kw)
    net = res.network if res.status is solvers.Status.OPTIMAL else None
    sr = res.solver_result
    info = {"backend": sr.backend, "method": sr.method, "primal_residual": sr.primal_residual,
            "solver_seconds": sr.total_seconds, "loss": "squared", "beta": prog.beta,
            "normalization": prog.normalization, "f_error": res.f_error, "objective_error": res.objective_error}
    if note:
        info["backend_note"] = note
    return FinalSolve(net, res.status, res.objective, time.perf_counter() - t0, int(idx.size),
                      prog.conic.num_rows, prog.conic.num_cols, info)


#: relative violation of a dropped cone row, on the solution of the pruned LP, above which the full LP is solved
PRUNE_CHECK_TOL = 1e-6


def leaf_cone_rows(lp):
    """The homogeneous rows of each leaf block alone: ``(rows, L)`` with ``rows`` (leaves, m) the row indices
    and ``L`` (leaves, m, d) the rows written as ``L[l, i] . u_l >= 0`` (LP units), or None when the LP has no
    single leaf block or its leaves do not all have the same number of such rows."""
    blocks = lp.col_blocks_with("leaf")
    if len(blocks) != 1:
        return None
    ub = blocks[0]
    d = int(lp.meta.get("d", 0))
    if d < 1 or ub.size % d:
        return None
    nl = ub.size // d
    A = sp.csr_array(lp.A)
    if not A.has_sorted_indices:
        A.sort_indices()
    col_leaf = np.full(lp.num_cols, -1, dtype=np.int64)
    col_leaf[ub.start:ub.stop] = np.repeat(np.arange(nl), d)
    nnz = np.diff(A.indptr)
    has = nnz > 0
    lc = col_leaf[A.indices]
    lo = np.full(A.shape[0], -1, dtype=np.int64)
    hi = np.full(A.shape[0], -2, dtype=np.int64)
    starts = A.indptr[:-1][has]
    if starts.size:
        lo[has] = np.minimum.reduceat(lc, starts)
        hi[has] = np.maximum.reduceat(lc, starts)
    rl, ru = np.asarray(lp.row_lower), np.asarray(lp.row_upper)
    lower = (rl == 0) & np.isposinf(ru)
    upper = np.isneginf(rl) & (ru == 0)
    rows = np.flatnonzero((lo == hi) & (lo >= 0) & (lower | upper))
    if rows.size == 0:
        return None
    leaf = lo[rows]
    order = np.argsort(leaf, kind="stable")
    rows, leaf = rows[order], leaf[order]
    counts = np.bincount(leaf, minlength=nl)
    m = int(counts[0])
    if m == 0 or not (counts == m).all():
        return None
    sub = A[rows].tocoo()
    owner = leaf[sub.row]
    L = np.zeros((rows.size, d))
    L[sub.row, sub.col - ub.start - owner * d] = sub.data
    L[upper[rows]] *= -1.0  # every row as  l . u >= 0
    return rows.reshape(nl, m), L.reshape(nl, m, d)


def _interior_directions(cones) -> list:
    """A strictly interior direction w of each cone {u : L u >= 0} (None if it has no interior): one LP for
    all of them, max t_g s.t. l_i . w_g >= t_g (unit rows l_i), |w_g| <= 1, t_g <= 1 (block diagonal)."""
    from scipy.optimize import linprog

    if not cones:
        return []
    d = cones[0].shape[1]
    rows, cols, vals = [], [], []
    r0 = 0
    for g, L in enumerate(cones):
        m = L.shape[0]
        Ln = L / np.maximum(np.linalg.norm(L, axis=1, keepdims=True), 1e-300)
        rr = np.repeat(np.arange(r0, r0 + m), d + 1)
        cc = np.tile(np.arange(g * (d + 1), (g + 1) * (d + 1)), m)
        vv = np.column_stack([-Ln, np.ones(m)]).ravel()
        rows.append(rr); cols.append(cc); vals.append(vv)
        r0 += m
    G = len(cones)
    A = sp.csr_array((np.concatenate(vals), (np.concatenate(rows), np.concatenate(cols))), shape=(r0, G * (d + 1)))
    c = np.tile(np.r_[np.zeros(d), -1.0], G)
    lb = np.tile(np.r_[-np.ones(d), -np.inf], G)
    ub = np.tile(np.r_[np.ones(d), 1.0], G)
    r = linprog(c, A_ub=A, b_ub=np.zeros(r0), bounds=np.column_stack([lb, ub]), method="highs")
    if r.status != 0 or r.x is None:
        return [None] * G
    W = r.x.reshape(G, d + 1)
    return [W[g, :d] if W[g, d] > 1e-9 else None for g in range(G)]


def extreme_rows(L, w) -> np.ndarray:
    """Mask of the irredundant rows of the cone {u : L u >= 0} given a strictly interior direction ``w``: the
    rows whose normals are extreme rays of cone(rows), i.e. the vertices of the hull of l_i / (l_i . w) in
    w's orthogonal complement. Keeps every row when it cannot decide (no w, d < 2, m <= d, qhull failure)."""
    from scipy.spatial import ConvexHull, QhullError

    L = np.asarray(L, dtype=np.float64)
    m, d = L.shape
    keep = np.ones(m, dtype=bool)
    if w is None or d < 2 or m <= d:
        return keep
    lw = L @ w
    if not np.all(lw > 1e-12 * np.linalg.norm(L, axis=1) * np.linalg.norm(w)):
        return keep
    P = L / lw[:, None]  # on the hyperplane {v . w = 1}
    Q, _ = np.linalg.qr(np.column_stack([w, np.eye(d)[:, : d - 1]]))
    Y = P @ Q[:, 1:]
    try:
        if d == 2:
            v = [int(np.argmin(Y[:, 0])), int(np.argmax(Y[:, 0]))]
        else:
            v = ConvexHull(Y).vertices
    except (QhullError, ValueError):
        return keep
    keep[:] = False
    keep[v] = True
    return keep


def prune_leaf_cones(lp, max_dim: int = PRUNE_MAX_DIM):
    """``(keep, info)``: a row mask of ``lp`` without the redundant own cone rows of its leaves (module
    docstring), and counts; ``keep`` is None when nothing could be pruned (no leaf cone rows, d > max_dim)."""
    t0 = time.perf_counter()
    out = leaf_cone_rows(lp)
    info = {"cone_rows": 0, "cone_rows_kept": 0, "groups": 0, "seconds": 0.0}
    if out is None:
        info["seconds"] = time.perf_counter() - t0
        return None, info
    rows, L = out
    nl, m, d = L.shape
    info["cone_rows"] = info["cone_rows_kept"] = int(rows.size)
    if d > max_dim or m <= d:
        info["seconds"] = time.perf_counter() - t0
        return None, info
    _, first, inv = np.unique(L.reshape(nl, -1), axis=0, return_index=True, return_inverse=True)
    inv = np.asarray(inv).ravel()
    reps = [L[i] for i in first]
    ws = _interior_directions(reps)
    keeps = np.array([extreme_rows(Lg, w) for Lg, w in zip(reps, ws)])
    kept = keeps[inv]
    keep = np.ones(lp.num_rows, dtype=bool)
    keep[rows[~kept]] = False
    info.update(cone_rows_kept=int(kept.sum()), groups=int(first.size), seconds=time.perf_counter() - t0)
    return keep, info


def take_rows(lp, keep):
    """The SparseLP ``lp`` with only the rows ``keep`` (a mask); row blocks shrink accordingly (a block that
    lost rows keeps its name and role, with one flat axis)."""
    from dataclasses import replace

    from relulp.lp import Block

    keep = np.asarray(keep, dtype=bool)
    new_pos = np.concatenate([[0], np.cumsum(keep)])
    blocks = []
    for b in lp.row_blocks:
        start, stop = int(new_pos[b.start]), int(new_pos[b.stop])
        if stop - start == b.size:
            blocks.append(replace(b, start=start, stop=stop))
        elif stop > start:
            blocks.append(Block(b.name, start, stop, (range(stop - start),),
                                (b.description + " (redundant rows dropped)").strip(), b.role))
    meta = dict(lp.meta)
    meta["rows_dropped"] = int((~keep).sum())
    return replace(lp, A=sp.csr_array(lp.A)[keep], row_lower=np.asarray(lp.row_lower)[keep],
                   row_upper=np.asarray(lp.row_upper)[keep], row_blocks=blocks, meta=meta)


def _dropped_violation(lp, keep, x) -> float:
    """Largest violation of a dropped row at ``x``, relative to 1 + |a_k| . |x|."""
    drop = ~np.asarray(keep, dtype=bool)
    A = sp.csr_array(lp.A)[drop]
    act = A @ x
    scale = 1.0 + abs(A) @ np.abs(x)
    lo = np.asarray(lp.row_lower)[drop] - act
    hi = act - np.asarray(lp.row_upper)[drop]
    v = np.maximum(np.maximum(lo, hi), 0.0) / scale
    return float(v.max()) if v.size else 0.0


def default_objective(task: str) -> str:
    """Name of the default objective of a task (:func:`relulp.objectives.default_objective`)."""
    return _objectives.default_objective(task).name


def objectives_for(task: str) -> tuple[str, ...]:
    """Names of the final objectives of a task: the LP objectives (:func:`relulp.objectives.objectives_for`)
    and ``convex`` (the convex program of math.md §10, for either task)."""
    return _objectives.objectives_for(task) + (CONVEX,)
