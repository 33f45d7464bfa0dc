"""Assembly API (issue 9): cut rows come from relulp.assemble.point_rows, fit rows are a block role, one
Objective object per objective, one pattern sampler by depth, one RNG coercion, no tree <-> objectives cycle."""

from __future__ import annotations

import ast
import pathlib

import numpy as np
import pytest
import scipy.sparse as sp

import relulp
from relulp import assemble, datasets, objectives
from relulp.assemble import build_lp, fit_matrix, point_rows
from relulp.cpal.cuts import CutModel
from relulp.exceptions import PatternError, UnknownOptionError
from relulp.patterns import sample_deep_patterns, sample_layers, sample_patterns
from relulp.tree import PatternTree

ROOT = pathlib.Path(relulp.__file__).resolve().parent
SPIRAL = datasets.spiral()


def _tree(depth: int) -> PatternTree:
    return PatternTree(sample_layers(SPIRAL.X_train, 12 if depth == 1 else [4, 6], seed=0))


def _same_csr(A, B) -> bool:
    A, B = sp.csr_array(A), sp.csr_array(B)
    for M in (A, B):
        M.sum_duplicates()
        M.sort_indices()
    return (A.shape == B.shape and np.array_equal(A.indptr, B.indptr) and np.array_equal(A.indices, B.indices)
            and A.data.tobytes() == B.data.tobytes())


# ------------------------------------------------------------------------ the old way: build_lp + slicing
def _old_cut(tree, X, idx, y, task, eps=1e-3):
    sub = PatternTree([D[idx] for D in tree.patterns])
    if task == "classification":
        lp = build_lp(sub, X[idx], y, objective="feasibility", scale=False)
        lower = lp.row_lower.copy()
        lower[lp.row_block("margin").slice] = 0.0
    else:
        lp = build_lp(sub, X[idx], y, objective="eps", eps=float(eps), scale=False)
        lower = lp.row_lower
    A = sp.csr_array(lp.A[:, lp.col_block("u").slice])
    upper = lp.row_upper
    lo, up = np.flatnonzero(np.isfinite(lower)), np.flatnonzero(np.isfinite(upper))
    G = sp.vstack([-A[lo], A[up]], format="csr") if up.size else sp.csr_array(-A[lo])
    G.sum_duplicates()
    return sp.csr_array(G), np.concatenate([-lower[lo], upper[up]])


def _old_pool(tree, X):
    lp = build_lp(tree, X, np.ones(tree.n), objective="feasibility", scale=False)
    u = lp.col_block("u").slice
    F = sp.csr_array(fit_matrix(lp)[:, u])
    cones = [sp.csr_array(sp.csr_array(lp.A)[lp.row_block(f"cone{k}").slice][:, u]) for k in range(1, tree.depth + 1)]
    return F, sp.vstack(cones, format="csr")


@pytest.mark.parametrize("depth", [1, 2])
@pytest.mark.parametrize("task", ["classification", "regression"])
def test_cut_rows_are_byte_identical_to_the_lp_rows(depth, task):
    tree = _tree(depth)
    X = SPIRAL.X_train
    cm = CutModel(tree, X)
    rng = np.random.default_rng(depth)
    y_all = SPIRAL.y_train if task == "classification" else rng.normal(size=tree.n)
    for idx in ([0], [7, 3], rng.choice(tree.n, 9, replace=False), np.arange(tree.n)):
        idx = np.asarray(idx)
        G, h, fit = cm.cut(idx, y_all[idx], task=task, eps=0.05, with_fit_mask=True)
        G0, h0 = _old_cut(tree, X, idx, y_all[idx], task, eps=0.05)
        assert _same_csr(G, G0) and G.shape == G0.shape
        assert h.tobytes() == h0.tobytes()  # -0.0 included
        k = idx.size
        assert fit.sum() == (k if task == "classification" else 2 * k)


@pytest.mark.parametrize("depth", [1, 2])
def test_pool_predictor_and_cone_rows_match_the_lp(depth):
    tree = _tree(depth)
    cm = CutModel(tree, SPIRAL.X_train)
    F0, C0 = _old_pool(tree, SPIRAL.X_train)
    assert _same_csr(cm.F, F0) and _same_csr(cm.cone, C0)
    pr = point_rows(tree, SPIRAL.X_train)
    nodes = [tree.num_nodes(k) for k in range(1, depth + 1)]
    assert np.array_equal(pr.cone_point, np.concatenate([np.tile(np.arange(tree.n), m) for m in nodes]))
    assert np.array_equal(pr.cone_level, np.repeat(np.arange(1, depth + 1), [m * tree.n for m in nodes]))
    assert np.array_equal(cm.cone_point, pr.cone_point)


def test_point_rows_of_no_points_and_bad_input():
    tree = _tree(1)
    pr = point_rows(tree, SPIRAL.X_train, [])
    assert pr.fit.shape == (0, tree.num_variables(3)) and pr.cone.shape[0] == 0
    with pytest.raises(relulp.DataError):
        point_rows(tree, SPIRAL.X_train[:5], [0])


# ------------------------------------------------------------------------ roles
@pytest.mark.parametrize("objective", objectives.OBJECTIVES)
@pytest.mark.parametrize("formulation", ["nested", "auxiliary"])
def test_blocks_carry_roles_and_fit_matrix_uses_them(objective, formulation):
    tree = _tree(2)
    obj = objectives.get_objective(objective)
    y = SPIRAL.y_train if obj.task == "classification" else np.linspace(-1, 1, tree.n)
    lp = build_lp(tree, SPIRAL.X_train, y, objective, formulation, lam=None if obj.fixed_l1_weight else 0.5)
    assert all(b.role in relulp.lp.ROW_ROLES for b in lp.row_blocks)
    assert all(b.role in relulp.lp.COL_ROLES for b in lp.col_blocks)
    assert [b.name for b in lp.row_blocks_with("fit")] == list(obj.fit_row_names)
    assert [b.name for b in lp.col_blocks_with("point")] == ([obj.point_column] if obj.point_column else [])
    F = fit_matrix(lp)
    # a renamed fit block is still found: selection is by role
    renamed = [relulp.lp.Block("renamed", b.start, b.stop, b.axes, b.description, b.role) if b.role == "fit" else b
               for b in lp.row_blocks]
    lp.row_blocks = renamed
    assert _same_csr(fit_matrix(lp), F)
    x = np.random.default_rng(0).normal(size=lp.num_cols)
    net_x = lp.unscale(x)
    f = F @ x
    if formulation == "nested":
        u = net_x[lp.col_block("u").slice]
        f_pool = point_rows(tree, SPIRAL.X_train).fit @ u
        np.testing.assert_allclose(f, f_pool, rtol=1e-12, atol=1e-12)
    assert np.isfinite(f).all()


# ------------------------------------------------------------------------ objectives
def test_objective_objects():
    assert objectives.default_objective("classification").name == "min_l1"
    assert objectives.default_objective("regression").name == "l1"
    assert objectives.objectives_for("classification") == objectives.CLASSIFICATION == ("feasibility", "min_l1", "hinge")
    assert objectives.REGRESSION == ("l1", "eps")
    assert objectives.ALWAYS_FEASIBLE == ("hinge", "l1")
    for name in objectives.OBJECTIVES:
        o = objectives.get_objective(name)
        assert (o.infeasibility_hint() is None) == o.always_feasible
        assert o.metric == ("accuracy" if o.task == "classification" else "r2")
    eps = objectives.get_objective("eps")
    assert eps.fallback.name == "l1" and "raise --eps" in eps.infeasibility_hint([3, 4], cli=True)
    assert objectives.get_objective("min_l1").infeasibility_hint([5], cli=True) == (
        "no network built from the [5] distinct sampled activation patterns fits every training point with margin 1. "
        "Sampled patterns give a restriction of the exact LP (docs/lp.md), so sample more (--patterns), or use "
        "--objective hinge, which is always feasible.")
    with pytest.raises(UnknownOptionError):
        objectives.get_objective("nope")
    with pytest.raises(UnknownOptionError):
        objectives.default_objective("ranking")
    with pytest.raises(UnknownOptionError):
        objectives.objective_spec("min_l1", lam=0.5)
    with pytest.raises(UnknownOptionError):
        objectives.objective_spec("hinge", eps=0.1)
    assert objectives.objective_spec("eps").eps == 0.01 and objectives.objective_spec("min_l1").lam == 1.0


def _imports(path: pathlib.Path) -> set[str]:
    mods = set()
    for node in ast.walk(ast.parse(path.read_text())):
        if isinstance(node, ast.ImportFrom):
            mods.add(("." * node.level) + (node.module or ""))
            mods.update(f"{'.' * node.level}{a.name}" for a in node.names if not node.module)
        elif isinstance(node, ast.Import):
            mods.update(a.name for a in node.names)
    return mods


def test_objectives_does_not_import_tree():
    imported = _imports(ROOT / "objectives.py")
    assert not any(m.endswith("tree") for m in imported), imported
    assert ".objectives" in _imports(ROOT / "tree.py")


def test_no_objective_name_comparisons_in_the_builders():
    names = set(objectives.OBJECTIVES) | {"margin", "tube", "resid_pos", "resid_neg", "xi"}
    for rel in ("assemble.py", "pyomo_model.py", "tree.py", "multiclass.py", "cpal/cuts.py", "cpal/final.py"):
        for node in ast.walk(ast.parse((ROOT / rel).read_text())):
            if isinstance(node, ast.Compare):
                consts = [c for c in ast.walk(node) if isinstance(c, ast.Constant) and c.value in names]
                assert not consts, f"{rel}:{node.lineno} compares with {[c.value for c in consts]}"


# ------------------------------------------------------------------------ sampling by depth, RNG
def test_sample_layers_is_the_one_sampler_by_depth():
    X = SPIRAL.X_train
    one = sample_layers(X, 1000, seed=0)
    assert len(one) == 1 and one[0].shape[1] == 623  # the paper's count
    assert np.array_equal(sample_layers(X, [1000], seed=0)[0], one[0])
    assert np.array_equal(one[0], sample_patterns(X, 1000, seed=0))
    deep = sample_layers(X, (50, 100), seed=0)
    assert [D.shape[1] for D in deep] == [34, 57]
    for a, b in zip(deep, sample_deep_patterns(X, [50, 100], seed=0)):
        assert np.array_equal(a, b)
    with pytest.raises(PatternError):
        sample_layers(X, [], seed=0)
    with pytest.raises(PatternError):
        sample_layers(X, "12", seed=0)


def test_rng_coercion_is_one_helper():
    from relulp import _random

    rs = np.random.RandomState(3)
    assert _random.legacy_stream(rs) is rs
    assert isinstance(_random.legacy_stream(4), np.random.RandomState)
    g = np.random.default_rng(1)
    assert _random.legacy_stream(g) is g and _random.as_generator(g) is g
    assert isinstance(_random.as_random_state(np.random.default_rng(1)), np.random.RandomState)
    assert isinstance(_random.as_generator(np.random.RandomState(2)), np.random.Generator)
    assert np.array_equal(_random.legacy_stream(5).randn(3), np.random.RandomState(5).randn(3))
    with pytest.raises(PatternError):
        sample_patterns(SPIRAL.X_train, 5, seed="x")
    with pytest.raises(PatternError):
        sample_patterns(SPIRAL.X_train, 5, seed=-1)
    src = (ROOT / "patterns.py").read_text()
    assert "RandomState(" not in src.replace("np.random.RandomState)", "") or "_random" in src


# ------------------------------------------------------------------------ bodies
def test_cpal_body_is_built_from_the_library():
    from relulp.analysis import bodies

    P, info = bodies.cpal_body(4, n_sample=40, seed=1, data="spiral")
    Xa = np.hstack([SPIRAL.X_train, np.ones((SPIRAL.n_train, 1))])
    assert np.array_equal(info["X"], Xa) and np.array_equal(info["y"], SPIRAL.y_train)
    D = sample_patterns(SPIRAL.X_train, 40, seed=1)
    assert np.array_equal(info["D"].astype(bool), D)
    tree = PatternTree(D)
    G, h = CutModel(tree, SPIRAL.X_train).cut(info["points"], SPIRAL.y_train[info["points"]])
    A, b = bodies.cpal_cut_rows(info["X"], info["y"], info["D"], info["points"])
    assert _same_csr(A, G) and np.array_equal(b, h)


def test_pyomo_model_records_the_same_roles():
    pytest.importorskip("pyomo")
    from relulp.pyomo_model import build_model

    tree = PatternTree(sample_layers(SPIRAL.X_train[:12], [2, 2], seed=0))
    X = SPIRAL.X_train[:12]
    for objective, y in (("hinge", SPIRAL.y_train[:12]), ("l1", np.linspace(0, 1, 12))):
        lp = build_lp(tree, X, y, objective, "auxiliary", lam=0.5)
        m = build_model(tree, X, y, objective, "auxiliary", lam=0.5)
        want = {b.name: b.role for b in lp.row_blocks + lp.col_blocks}
        assert m.relulp_meta["roles"] == want
