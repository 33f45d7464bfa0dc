"""The Theorem 4.2 LP as a Pyomo ConcreteModel with names taken from the pattern tree (math.md §3-4).

Components (indices: leaf/node labels of :mod:`relulp.tree`, data points i, coordinates c):

- ``u[leaf, c]``          leaf weights (first-layer neurons)
- ``z<k>[node, i]``       pre-activations of level-k nodes (auxiliary formulation, k = 2..L)
- ``t[leaf, c]``          t >= |u| (objectives with an l1 term); ``xi[i]`` (hinge); ``e[i]`` (l1 regression)
- ``margin[i]`` / ``resid_pos[i]``, ``resid_neg[i]`` / ``tube[i]``    fit rows
- ``cone<k>[node, i]``    (2 D - I) z(v) >= 0 for the nodes of level k
- ``link<k>[node, i]``    z(v) = sum_c s_c D_c z(c) (auxiliary)
- ``abs_pos[leaf, c]``, ``abs_neg[leaf, c]``   t - u >= 0, t + u >= 0
- ``obj``                 the objective

This module computes every row from the tree by its own recursion: the pre-activation of a level-k
node, as a dense (n, B_k d) coefficient array over the leaves below it, is Z_1 = X and
Z_{k+1} = [s(a) D^(k)[:, j(a)] * Z_k for a = 0..2P_k-1] (concatenated), shared by all nodes of the
level. It does not reuse :mod:`relulp.assemble`, so comparing the two is a real check (tests).
Rows are created with Pyomo's ``LinearExpression`` (one per row, coefficients as Python floats).

Scaling: the same as :func:`relulp.build_lp` (:func:`relulp.lp.choose_scaling`, shared): X is replaced by
X S^{-1} before the recursion, so ``u[leaf, c]`` and ``t[leaf, c]`` are s_c times the original weights, the
costs of ``t`` are l1_weight / s_c and the whole objective is multiplied by ``objective_scale``; both are
recorded in ``model.relulp_meta`` (``feature_scale``, ``objective_scale``).
"""

from __future__ import annotations

import time

import numpy as np

from .exceptions import DataError, UnknownOptionError
from .lp import choose_scaling
from .objectives import default_objective, objective_spec
from .tree import FORMULATIONS, PatternTree
from .validation import check_labels, check_targets, prepare_X


def _subtree_forms(tree: PatternTree, Xa: np.ndarray, top: int) -> list[np.ndarray]:
    """Z_1..Z_top: dense (n, B_k d) pre-activation coefficients of one level-k node over its leaves."""
    Z = [Xa]
    for k in range(1, top):
        D = tree.patterns[k - 1]
        blocks = []
        for a in range(tree.branching(k)):
            s = 1.0 if a % 2 == 0 else -1.0
            blocks.append((s * D[:, a // 2])[:, None] * Z[-1])
        Z.append(np.hstack(blocks))
    return Z


def _sparse_rows(Z: np.ndarray, scale: np.ndarray):
    """Per row i: (nonzero positions, coefficient list) of scale[i] * Z[i]."""
    out = []
    for i in range(Z.shape[0]):
        pos = np.flatnonzero(Z[i])
        out.append((pos, (scale[i] * Z[i, pos]).tolist()))
    return out


def build_model(tree: PatternTree, X, y, objective: str = default_objective("classification").name,
                formulation: str = "nested", *,
                lam: float | None = None, eps: float | None = None, fit_intercept: bool = True,
                memory_limit: int | None = None, progress: bool = False, scale=True):
    """Build the LP of :func:`relulp.build_lp` as a Pyomo ``ConcreteModel`` (same parameters).

    The model's standard form (``LinearStandardFormCompiler``) equals ``build_lp``'s matrix, bounds and
    objective up to row/column order; names match ``SparseLP.row_names()/col_names()``.
    ``model.relulp_meta`` records how it was built, including the internal scaling (``feature_scale``: the
    variables ``u[leaf, c]``, ``t[leaf, c]`` are feature_scale[c] times the original weights;
    ``objective_scale``: the objective is that times the original one) and ``roles``: the role of each
    constraint and variable component, by name, as :class:`relulp.lp.Block` has it for ``build_lp``'s
    blocks ("fit", "cone", "link", "abs"; "leaf", "node", "abs", "point"). Set ``progress=True`` for a
    progress bar. Raises :class:`relulp.lp.ScaleError` where :func:`relulp.build_lp` does.
    """
    from pyomo.common.gc_manager import PauseGC

    # Millions of small expression objects: the cyclic GC would rescan them all again and again
    # (measured: more than half of the build time). Pyomo's writers pause it the same way.
    with PauseGC():
        return _build_model(tree, X, y, objective, formulation, lam, eps, fit_intercept, memory_limit, progress,
                            scale)


def _build_model(tree, X, y, objective, formulation, lam, eps, fit_intercept, memory_limit, progress, scale):
    import pyomo.environ as pyo
    from pyomo.core.expr.numeric_expr import LinearExpression

    t0 = time.perf_counter()
    if not isinstance(tree, PatternTree):
        tree = PatternTree(tree)
    if formulation not in FORMULATIONS:
        raise UnknownOptionError(f"unknown formulation {formulation!r}; choose from {FORMULATIONS}")
    spec = objective_spec(objective, lam, eps)
    Xa = prepare_X(X, fit_intercept)
    n, d = Xa.shape
    if n != tree.n:
        raise DataError(f"X has {n} rows but the patterns have {tree.n}")
    y = check_labels(y, n) if spec.task == "classification" else check_targets(y, n)
    size = tree.size(X=Xa, formulation=formulation, objective=spec.name, lam=spec.lam)
    tree.check_size(size, memory_limit, pyomo=True)
    scaling = choose_scaling(Xa, spec.l1_weight, spec.point_column is not None, scale)
    Xa = scaling.scale_X(Xa)
    L = tree.depth
    aux = formulation == "auxiliary" and L >= 2

    m = pyo.ConcreteModel(name=f"relulp_{spec.name}_{formulation}_L{L}")
    leaves = tree.node_labels(1)
    m.u = pyo.Var(leaves, range(d), dense=True)
    uv = list(m.u.values())  # leaf-major, d each: position = leaf * d + c
    zv = {}
    if aux:
        for k in range(2, L + 1):
            comp = pyo.Var(tree.node_labels(k), range(n), dense=True)
            m.add_component(f"z{k}", comp)
            zv[k] = list(comp.values())  # node-major: position = p * n + i
    if spec.l1_weight > 0:
        m.t = pyo.Var(leaves, range(d), domain=pyo.NonNegativeReals, dense=True)
    if spec.point_column:
        m.add_component(spec.point_column, pyo.Var(range(n), domain=pyo.NonNegativeReals, dense=True))
    pc = list(getattr(m, spec.point_column).values()) if spec.point_column else None

    Z = _subtree_forms(tree, Xa, L if aux else L + 1)
    bar = _Progress(progress, total=size.nnz)

    def constraint(name, index, bodies, lower, upper):
        """Add an indexed constraint; ``bodies`` yields (coefs, vars) in the order of ``index``."""
        def rows():
            for (coefs, vars_), lo, hi in zip(bodies, lower, upper):
                bar.update(len(coefs))
                yield (None if lo == -np.inf else lo,
                       LinearExpression(constant=0.0, linear_coefs=coefs, linear_vars=vars_),
                       None if hi == np.inf else hi)
        index = list(index)
        body = dict(zip(index, rows()))
        m.add_component(name, pyo.Constraint(index, rule=body))

    # fit rows f_i
    if aux:
        E = tree.signed_gates(L)
        f_terms = []
        for i in range(n):
            nz = np.flatnonzero(E[i])
            f_terms.append((E[i, nz].tolist(), [zv[L][a * n + i] for a in nz]))
    else:
        f_terms = [(c, [uv[j] for j in pos]) for pos, c in _sparse_rows(Z[L], np.ones(n))]
    for name, (lo, hi, coef) in zip(spec.fit_rows, spec.fit_bounds(y)):
        bodies = []
        for i, (coefs, vars_) in enumerate(f_terms):
            if spec.objective.margin:
                coefs = [y[i] * v for v in coefs]
            if coef:
                coefs, vars_ = coefs + [coef], vars_ + [pc[i]]
            bodies.append((coefs, vars_))
        constraint(name, range(n), bodies, lo.tolist(), hi.tolist())

    # cone rows, level by level
    for k in range(1, L + 1):
        labels = tree.node_labels(k)
        S = tree.sign_matrix(k)
        width = Z[k - 1].shape[1]
        keys, bodies = [], []
        if k == 1 or not aux:
            rows = _sparse_rows(Z[k - 1], np.ones(n))
            signed = [(c, [-v for v in c]) for _, c in rows]  # coefficient lists for s = +1, -1
            dense = [len(pos) == width for pos, _ in rows]
            for p, lab in enumerate(labels):
                neg = (S[:, (p % tree.branching(k)) // 2] < 0).tolist()
                base = p * width
                for i, (pos, _) in enumerate(rows):
                    keys.append((lab, i))
                    vars_ = uv[base : base + width] if dense[i] else [uv[base + j] for j in pos]
                    bodies.append((signed[i][neg[i]], vars_))
        else:
            for p, lab in enumerate(labels):
                s = S[:, (p % tree.branching(k)) // 2]
                for i in range(n):
                    keys.append((lab, i))
                    bodies.append(([float(s[i])], [zv[k][p * n + i]]))
        constraint(f"cone{k}", keys, bodies, [0.0] * len(keys), [np.inf] * len(keys))

    # link rows (auxiliary)
    if aux:
        for k in range(2, L + 1):
            labels = tree.node_labels(k)
            keys, bodies = [], []
            if k == 2:
                width = Z[1].shape[1]
                rows = _sparse_rows(Z[1], -np.ones(n))
                for p, lab in enumerate(labels):
                    for i, (pos, coefs) in enumerate(rows):
                        keys.append((lab, i))
                        bodies.append((coefs + [1.0], [uv[p * width + j] for j in pos] + [zv[k][p * n + i]]))
            else:
                E = tree.signed_gates(k - 1)
                b = tree.branching(k - 1)
                for p, lab in enumerate(labels):
                    for i in range(n):
                        nz = np.flatnonzero(E[i])
                        keys.append((lab, i))
                        bodies.append(((-E[i, nz]).tolist() + [1.0],
                                       [zv[k - 1][(p * b + a) * n + i] for a in nz] + [zv[k][p * n + i]]))
            constraint(f"link{k}", keys, bodies, [0.0] * len(keys), [0.0] * len(keys))

    # |u| rows and objective
    if spec.l1_weight > 0:
        tv = list(m.t.values())
        keys = list(m.u.keys())
        for name, sign in (("abs_pos", -1.0), ("abs_neg", 1.0)):
            bodies = [([sign, 1.0], [u, t]) for u, t in zip(uv, tv)]
            constraint(name, keys, bodies, [0.0] * len(keys), [np.inf] * len(keys))
    obj_coefs, obj_vars = [], []
    if spec.l1_weight > 0:
        obj_coefs += np.tile(scaling.leaf_costs(spec.l1_weight), tree.num_leaves).tolist()
        obj_vars += list(m.t.values())
    if pc is not None:
        obj_coefs += [scaling.point_cost()] * n
        obj_vars += pc
    m.obj = pyo.Objective(expr=LinearExpression(constant=0.0, linear_coefs=obj_coefs, linear_vars=obj_vars),
                          sense=pyo.minimize)
    bar.close()
    m.relulp_meta = {
        "objective": spec.name, "formulation": formulation, "task": spec.task, "lam": spec.lam,
        "eps": spec.eps, "n": n, "d": d, "fit_intercept": bool(fit_intercept), "depth": L,
        "patterns": list(tree.sizes), "leaves": tree.num_leaves, "nnz": size.nnz,
        "feature_scale": scaling.feature_scale.tolist(), "objective_scale": scaling.objective_scale,
        "roles": _roles(spec, L, aux), "build_seconds": time.perf_counter() - t0,
    }
    return m


def _roles(spec, L: int, aux: bool) -> dict[str, str]:
    """Component name -> block role (the roles :func:`relulp.build_lp` gives its blocks)."""
    roles = {"u": "leaf"}
    if aux:
        roles.update({f"z{k}": "node" for k in range(2, L + 1)})
    if spec.l1_weight > 0:
        roles["t"] = "abs"
    if spec.point_column:
        roles[spec.point_column] = "point"
    roles.update({name: "fit" for name in spec.fit_rows})
    roles.update({f"cone{k}": "cone" for k in range(1, L + 1)})
    if aux:
        roles.update({f"link{k}": "link" for k in range(2, L + 1)})
    if spec.l1_weight > 0:
        roles.update(abs_pos="abs", abs_neg="abs")
    return roles


class _Progress:
    def __init__(self, enabled: bool, total: int):
        self._bar = None
        if enabled:
            from tqdm.auto import tqdm

            self._bar = tqdm(total=total, unit="nz", desc="pyomo rows", unit_scale=True)

    def update(self, k: int) -> None:
        if self._bar is not None:
            self._bar.update(k)

    def close(self) -> None:
        if self._bar is not None:
            self._bar.close()
