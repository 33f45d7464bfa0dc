"""Guards of CPAL's speed-ups (issue 12): they must not change results.

* the final solve's pruned LP (redundant leaf cone rows dropped, ``prune_cones=True``) has the optimal value of
  the full LP, for one and two hidden layers, several objectives and with ``dedupe``;
* :func:`relulp.cpal.final.extreme_rows` keeps exactly the rows an LP finds irredundant;
* the thin-block Newton system (wide blocks, few rows each) gives the same analytic centre as the
  block-Woodbury system.
"""

from __future__ import annotations

import numpy as np
import pytest
import scipy.sparse as sp
from scipy.optimize import linprog

from relulp import build_lp
from relulp.cpal.final import extreme_rows, final_solve, leaf_cone_rows, prune_leaf_cones, take_rows
from relulp.cpal.learners import sample_tree
from relulp.datasets import spiral
from relulp.solvers import Status, solve
from relulp.tree import PatternTree

SPIRAL = spiral()


def _case(depth: int, seed: int, n: int = 24, d0: int = 2):
    rng = np.random.default_rng(seed)
    X = rng.uniform(-1, 1, (n, d0))
    y = np.where(X[:, 0] * X[:, 1] + 0.1 * rng.standard_normal(n) > 0, 1.0, -1.0)
    tree = sample_tree(X, 12 if depth == 1 else (4, 5), seed=seed)
    return tree, X, y


@pytest.mark.parametrize("depth,seed,objective", [(1, 0, "min_l1"), (1, 1, "hinge"), (2, 2, "min_l1"),
                                                  (2, 3, "hinge"), (1, 4, "feasibility")])
def test_pruned_lp_keeps_the_optimum(depth, seed, objective):
    tree, X, y = _case(depth, seed)
    idx = np.arange(0, len(X), 2)  # a labelled subset, as the final solve sees it
    sub = PatternTree([D[idx] for D in tree.patterns])
    lp = build_lp(sub, X[idx], y[idx], objective=objective)
    keep, info = prune_leaf_cones(lp)
    assert keep is not None and info["cone_rows_kept"] < info["cone_rows"]  # something was dropped
    small = take_rows(lp, keep)
    assert small.num_rows == int(keep.sum()) and small.num_cols == lp.num_cols
    r_full = solve(lp, backend="highs", method="simplex")
    r_small = solve(small, backend="highs", method="simplex")
    assert r_full.status == r_small.status
    if r_full.status is Status.OPTIMAL:
        assert r_small.objective == pytest.approx(r_full.objective, rel=1e-7, abs=1e-9)
        act = lp.A @ r_small.x  # the pruned LP's solution satisfies every row of the full LP
        assert np.all(act >= lp.row_lower - 1e-7) and np.all(act <= lp.row_upper + 1e-7)


@pytest.mark.parametrize("layers,dedupe", [(30, False), (30, True), ((8, 10), False)])
def test_final_solve_pruned_equals_unpruned(layers, dedupe):
    tree = sample_tree(SPIRAL.X_train, layers, seed=0)
    idx = np.arange(0, 80, 3)
    y = SPIRAL.y_train[idx].astype(float)
    kw = dict(objective="min_l1", dedupe=dedupe, method="simplex")
    full = final_solve(tree, SPIRAL.X_train, y, idx, prune_cones=False, **kw)
    pr = final_solve(tree, SPIRAL.X_train, y, idx, **kw)  # the default prunes
    assert full.status is Status.OPTIMAL and pr.status is Status.OPTIMAL
    assert pr.objective == pytest.approx(full.objective, rel=1e-7)
    assert pr.lp_rows < full.lp_rows and pr.info["prune"]["dropped_violation"] <= 1e-6
    # both networks fit every labelled point with margin
    for fs in (full, pr):
        assert np.all(y * fs.network.decision_function(SPIRAL.X_train[idx]).ravel() >= 1 - 1e-6)


def test_failed_prune_check_falls_back_to_the_full_lp(monkeypatch):
    import relulp.cpal.final as final

    tree = sample_tree(SPIRAL.X_train, 30, seed=0)
    idx = np.arange(0, 80, 3)
    y = SPIRAL.y_train[idx].astype(float)
    ref = final_solve(tree, SPIRAL.X_train, y, idx, objective="min_l1", prune_cones=False)
    monkeypatch.setattr(final, "PRUNE_CHECK_TOL", -1.0)  # every check fails
    fs = final_solve(tree, SPIRAL.X_train, y, idx, objective="min_l1")
    assert fs.info["prune"]["fallback"] and fs.lp_rows == ref.lp_rows
    assert fs.objective == pytest.approx(ref.objective, rel=1e-7)


def test_auto_backend_sends_big_lps_to_clarabel_with_the_same_optimum(monkeypatch):
    import relulp.cpal.final as final

    tree = sample_tree(SPIRAL.X_train, 30, seed=0)
    idx = np.arange(0, 80, 3)
    y = SPIRAL.y_train[idx].astype(float)
    small = final_solve(tree, SPIRAL.X_train, y, idx, objective="min_l1")  # the default is "auto"
    assert small.lp_rows < final.AUTO_CLARABEL_ROWS
    assert small.info["backend"] == "highs" and small.info["auto"] == {"chose": "highs", "rows": small.lp_rows}
    monkeypatch.setattr(final, "AUTO_CLARABEL_ROWS", 10)  # this LP now counts as big
    big = final_solve(tree, SPIRAL.X_train, y, idx, objective="min_l1")
    assert big.info["backend"] == "clarabel" and big.status is Status.OPTIMAL
    assert big.objective == pytest.approx(small.objective, rel=1e-6)
    assert np.all(y * big.network.decision_function(SPIRAL.X_train[idx]).ravel() >= 1 - 1e-6)
    # a HiGHS method or options given with "auto" keep HiGHS
    assert final.auto_backend(10**6, method="simplex") == "highs"
    assert final.auto_backend(10**6, solver_options={"presolve": "off"}) == "highs"
    assert final.auto_backend(10**6) == "clarabel"


def test_auto_backend_falls_back_to_highs_when_clarabel_is_not_optimal(monkeypatch):
    import relulp.cpal.final as final
    from relulp import solvers

    real = solvers.solve

    def clarabel_fails(lp, backend=None, **kw):
        res = real(lp, backend=backend, **kw)
        if backend == "clarabel":
            res.status = Status.NUMERICAL_ERROR
        return res

    monkeypatch.setattr(final, "AUTO_CLARABEL_ROWS", 10)
    monkeypatch.setattr(solvers, "solve", clarabel_fails)
    tree = sample_tree(SPIRAL.X_train, 30, seed=0)
    idx = np.arange(0, 80, 3)
    fs = final_solve(tree, SPIRAL.X_train, SPIRAL.y_train[idx].astype(float), idx, objective="min_l1")
    assert fs.status is Status.OPTIMAL and fs.info["backend"] == "highs"
    assert fs.info["auto"]["fallback"] == "highs" and fs.info["auto"]["clarabel_status"] == "numerical_error"


def test_extreme_rows_match_lp_redundancy():
    rng = np.random.default_rng(5)
    for d in (2, 3, 4):
        for _ in range(3):
            g = rng.standard_normal(d)
            pts = rng.standard_normal((15, d))
            L = np.sign(pts @ g)[:, None] * pts  # a cone {u : L u >= 0} that contains g strictly
            keep = extreme_rows(L, g)
            for k in range(len(L)):  # row k is redundant iff min l_k . u over the others (and a box) >= 0
                others = np.delete(L, k, axis=0)
                r = linprog(L[k], A_ub=-others, b_ub=np.zeros(len(others)), bounds=[(-1, 1)] * d, method="highs")
                redundant = r.fun >= -1e-9
                assert keep[k] == (not redundant), (d, k, r.fun)


def test_leaf_cone_rows_are_the_level1_cone_rows():
    tree = sample_tree(SPIRAL.X_train, (3, 4), seed=1)
    lp = build_lp(tree, SPIRAL.X_train, SPIRAL.y_train, objective="min_l1")
    rows, L = leaf_cone_rows(lp)
    blk = lp.row_block("cone1")
    assert rows.size == blk.size and np.array_equal(np.sort(rows.ravel()), np.arange(blk.start, blk.stop))


# ----------------------------------------------------------------------------------------------- centres
def _thin_body(d0=40, P=6, n=30, cuts=8, seed=0):
    from relulp.cpal.cuts import CutModel
    from relulp.cpal.version_space import VersionSpace

    rng = np.random.default_rng(seed)
    X = rng.standard_normal((n, d0)) / np.sqrt(d0)
    Xa = np.column_stack([X, np.ones(n)])
    G = rng.standard_normal((d0 + 1, P))
    tree = PatternTree([Xa @ G >= 0])
    cm = CutModel(tree, X)
    theta = np.concatenate([np.concatenate([G[:, j], 0.3 * G[:, j]]) for j in range(P)])
    y = np.where(cm.F @ theta > np.median(cm.F @ theta), 1.0, -1.0)
    vs = VersionSpace(cm.dim, cm.block_width, bound="ball")
    for i in rng.permutation(n)[:cuts]:
        A, b = cm.cut([i], [y[i]])
        vs.cut(A, b)
    return vs.polytope


def _fresh(P, bound="ball"):
    """The same body (rows, blocks) without any cached centre, in the ball or the box."""
    from relulp.analysis import Polytope

    return Polytope(sp.csr_array(P.A), P.b, bound=bound, R=P.R, blocks=P.N // 12)


@pytest.mark.parametrize("bound", ["ball", "box"])
def test_thin_block_centre_equals_woodbury(bound):
    P0 = _thin_body()
    a = _fresh(P0, bound).analytic_center(tol=1e-12, linalg="woodbury")
    b = _fresh(P0, bound).analytic_center(tol=1e-12, linalg="thin")
    assert a.solver == "block-woodbury" and b.solver == "thin-block-woodbury"
    assert np.linalg.norm(a.x - b.x) <= 1e-7 * max(1.0, np.linalg.norm(a.x))


def test_auto_picks_thin_blocks_for_wide_blocks():
    from relulp.analysis.analytic import Barrier

    P = _fresh(_thin_body(d0=40, cuts=4))  # d = 41 >= 16, at most 4 local rows per block
    assert Barrier(P, "quad").system.name == "thin-block-woodbury"
    assert Barrier(P, "quad", "woodbury").system.name == "block-woodbury"
