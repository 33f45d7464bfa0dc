"""Recovered networks (math.md §3): the numpy forward pass must reproduce the LP's z(v) and f on the
training data and meet the margin; the balanced rescaling must be the same function."""

import numpy as np
import pytest
from hypothesis import given
from hypothesis import strategies as st

from lp_helpers import make_problem, solve_scipy
from relulp import OneVsRestNetwork, SolutionError, build_lp, build_ovr_lps, recover_network
from relulp.assemble import fit_matrix

TOL = 1e-6  # HiGHS primal feasibility tolerance is 1e-7; allow the forward pass a little more


def node_preactivations(lp, x, k):
    """z(v) of the level-k nodes as the LP sees them: cone rows divided by their signs (n, nodes)."""
    tree, n = lp.tree, lp.meta["n"]
    blk = lp.row_block(f"cone{k}")
    rows = (lp.A[blk.slice] @ x).reshape(-1, n)  # (nodes, n)
    S = tree.sign_matrix(k)[:, tree.pattern_index(k)[tree.digit_of_prefix(k)]].T
    return (rows * S).T


@pytest.mark.parametrize("sizes", [(6,), (3, 3), (2, 2, 2)], ids=["2-layer", "3-layer", "4-layer"])
@pytest.mark.parametrize("formulation", ["nested", "auxiliary"])
@pytest.mark.parametrize("objective", ["min_l1", "feasibility"])
def test_forward_pass_reproduces_lp(sizes, formulation, objective):
    X, y, tree = make_problem(seed=5, n=12, sizes=sizes)
    lp = build_lp(tree, X, y, objective=objective, formulation=formulation)
    res = solve_scipy(lp)
    assert res.status == 0, res.message
    net = recover_network(lp, res.x)
    assert net.depth == len(sizes)
    assert net.widths == [tree.num_nodes(k) for k in range(1, len(sizes) + 1)]
    pre = net.preactivations(X)
    scale = max(1.0, np.abs(res.x).max())
    for k in range(1, len(sizes) + 1):
        np.testing.assert_allclose(pre[k - 1], node_preactivations(lp, res.x, k), atol=TOL * scale * 10)
        if formulation == "auxiliary" and k >= 2:
            z = res.x[lp.col_block(f"z{k}").slice].reshape(-1, len(X)).T
            np.testing.assert_allclose(pre[k - 1], z, atol=TOL * scale * 10)
    f = net.decision_function(X)
    np.testing.assert_allclose(f, fit_matrix(lp) @ res.x, atol=TOL * scale * 10)
    assert np.min(y * f) >= 1 - TOL * scale * 10
    assert net.score(X, y) == 1.0
    bal = net.balanced()
    np.testing.assert_allclose(bal.decision_function(X), f, rtol=1e-9, atol=1e-9)
    Xt = np.random.default_rng(1).normal(size=(50, X.shape[1]))  # out of sample too
    np.testing.assert_allclose(bal.decision_function(Xt), net.decision_function(Xt), rtol=1e-9, atol=1e-9)


def test_balanced_two_layer_is_exact():
    X, y, tree = make_problem(seed=9, n=10, sizes=(5,))
    lp = build_lp(tree, X, y, objective="min_l1")
    res = solve_scipy(lp)
    net = recover_network(lp, res.x)
    bal = net.balanced()
    W1 = net.weights[0]
    norms = np.linalg.norm(W1, axis=0)
    alive = norms > 0
    np.testing.assert_allclose(np.linalg.norm(bal.weights[0], axis=0)[alive], np.sqrt(norms[alive]))
    np.testing.assert_allclose(np.abs(bal.output_weights[alive]), np.sqrt(norms[alive]))
    np.testing.assert_array_equal(np.sign(bal.output_weights[alive]), net.output_weights[alive])


def test_balanced_deep_network_is_balanced():
    X, y, tree = make_problem(seed=4, n=10, sizes=(3, 2))
    res = solve_scipy(build_lp(tree, X, y, objective="min_l1"))
    bal = recover_network(build_lp(tree, X, y, objective="min_l1"), res.x).balanced()
    W1, W2 = bal.weights
    inn1, out1 = np.linalg.norm(W1, axis=0), np.sqrt(np.asarray(W2.multiply(W2).sum(axis=1)).ravel())
    alive = (inn1 > 1e-12) & (out1 > 1e-12)
    np.testing.assert_allclose(inn1[alive], out1[alive], rtol=1e-6)


@given(seed=st.integers(0, 5000), sizes=st.lists(st.integers(1, 3), min_size=1, max_size=3),
       formulation=st.sampled_from(["nested", "auxiliary"]))
def test_hinge_solution_property(seed, sizes, formulation):
    """Hinge LPs are always feasible: whatever the data, the network reproduces f and the slack."""
    X, y, tree = make_problem(seed, n=8, sizes=tuple(sizes))
    y = np.random.default_rng(seed).choice([-1.0, 1.0], size=len(y))  # arbitrary labels
    lp = build_lp(tree, X, y, objective="hinge", lam=0.05, formulation=formulation)
    res = solve_scipy(lp)
    assert res.status == 0, res.message
    net = recover_network(lp, res.x)
    f = net.decision_function(X)
    scale = max(1.0, np.abs(res.x).max())
    np.testing.assert_allclose(f, fit_matrix(lp) @ res.x, atol=1e-6 * scale)
    xi = res.x[lp.col_block("xi").slice]
    assert np.all(y * f + xi >= 1 - 1e-6 * scale)


def test_recover_from_tree_and_leaf_block():
    X, y, tree = make_problem(seed=1, n=9, sizes=(4,))
    lp = build_lp(tree, X, y, objective="min_l1")
    res = solve_scipy(lp)
    a = recover_network(lp, res.x)
    b = recover_network(tree, res.x[lp.col_block("u").slice], fit_intercept=True)
    np.testing.assert_array_equal(a.decision_function(X), b.decision_function(X))
    with pytest.raises(SolutionError):
        recover_network(lp, res.x[:-1])
    with pytest.raises(SolutionError):
        recover_network(tree, res.x[: tree.num_leaves * 3 + 1])
    bad = res.x.copy()
    bad[0] = np.nan
    with pytest.raises(SolutionError):
        recover_network(lp, bad)


def test_regression_eps_tube_and_l1():
    rng = np.random.default_rng(0)
    x = np.linspace(-1, 1, 30)[:, None]
    t = x.ravel() ** 2
    D = np.c_[x, np.ones(30)] @ rng.normal(size=(2, 2000)) >= 0  # all threshold patterns, whp
    from relulp import PatternTree

    tree = PatternTree(np.unique(D, axis=1))
    for obj, kw in (("l1", {"lam": 1e-4}), ("eps", {"eps": 0.02})):
        lp = build_lp(tree, x, t, objective=obj, **kw)
        res = solve_scipy(lp)
        assert res.status == 0, res.message
        net = recover_network(lp, res.x)
        pred = net.predict(x)
        np.testing.assert_allclose(pred, fit_matrix(lp) @ res.x, atol=1e-7)
        if obj == "eps":
            assert np.abs(pred - t).max() <= 0.02 + 1e-7
        else:
            assert np.abs(pred - t).sum() == pytest.approx(res.x[lp.col_block("e").slice].sum(), abs=1e-6)


def test_one_vs_rest():
    rng = np.random.default_rng(2)
    X = rng.normal(size=(30, 2))
    labels = np.array(["a", "b", "c"])[np.argmax(X @ rng.normal(size=(2, 3)), axis=1)]
    Xa = np.c_[X, np.ones(30)]
    from relulp import PatternTree

    D = np.unique(Xa @ rng.normal(size=(3, 300)) >= 0, axis=1)
    tree = PatternTree(D)
    classes, lps = build_ovr_lps(tree, X, labels, objective="hinge", lam=1e-3)
    assert list(classes) == ["a", "b", "c"]
    nets = [recover_network(lp, solve_scipy(lp).x) for lp in lps]
    ovr = OneVsRestNetwork(classes, nets)
    assert ovr.decision_function(X).shape == (30, 3)
    assert ovr.score(X, labels) == 1.0  # linearly separable classes, rich pattern set
