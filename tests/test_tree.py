"""PatternTree: counts, labels, the networkx graph, and sizes announced before anything is built."""

import math

import numpy as np
import pytest

from lp_helpers import make_problem
from relulp import ModelSizeError, PatternError, PatternTree, build_lp, build_model


def test_counts_and_labels():
    rng = np.random.default_rng(0)
    tree = PatternTree([rng.random((5, 3)) > 0.5, rng.random((5, 2)) > 0.5])
    assert tree.depth == 2 and tree.n == 5 and tree.sizes == (3, 2)
    assert tree.num_leaves == 6 * 4 == tree.num_nodes(1)
    assert tree.num_nodes(2) == 4 and tree.num_nodes(3) == 1
    assert tree.leaves_below(2) == 6 and tree.num_variables(3) == 72
    labels = tree.node_labels(1)
    assert labels[0] == "p0_p0" and labels[1] == "p0_m0" and labels[6] == "m0_p0" and labels[-1] == "m1_m2"
    assert len(set(labels)) == len(labels)
    lazy = tree.labels(1)
    assert len(lazy) == 24 and list(lazy) == labels and lazy[7] == labels[7] and lazy[-1] == labels[-1]
    assert tree.node_labels(2) == ["p0", "m0", "p1", "m1"]
    np.testing.assert_array_equal(tree.signs(1), [1, -1, 1, -1, 1, -1])


def test_graph_structure():
    rng = np.random.default_rng(1)
    tree = PatternTree([rng.random((4, 2)) > 0.5, rng.random((4, 3)) > 0.5])
    g = tree.build_graph()
    assert g.number_of_nodes() == 1 + tree.num_nodes(2) + tree.num_nodes(1)
    assert g.out_degree(()) == 6
    leaves = [v for v in g if g.out_degree(v) == 0]
    assert len(leaves) == tree.num_leaves
    assert sorted(g.nodes[v]["leaf"] for v in leaves) == list(range(tree.num_leaves))
    labels = tree.node_labels(1)
    for v in leaves:
        assert g.nodes[v]["label"] == labels[g.nodes[v]["leaf"]]
        # the edge into a node carries that node's sign, the node its pattern index
        assert g.edges[v[:-1], v]["sign"] == g.nodes[v]["sign"] == (1 if v[-1] % 2 == 0 else -1)
        assert g.nodes[v]["pattern"] == v[-1] // 2 and g.nodes[v]["level"] == 1
    with pytest.raises(ModelSizeError):
        tree.build_graph(max_nodes=10)


def test_draw_small_tree(tmp_path):
    import matplotlib.pyplot as plt

    tree = PatternTree([np.eye(3, dtype=bool), np.ones((3, 1), dtype=bool)])
    ax = tree.draw()
    ax.figure.savefig(tmp_path / "tree.png")
    plt.close(ax.figure)
    assert (tmp_path / "tree.png").stat().st_size > 1000


@pytest.mark.parametrize("formulation", ["nested", "auxiliary"])
@pytest.mark.parametrize("objective", ["feasibility", "min_l1", "hinge", "l1", "eps"])
@pytest.mark.parametrize("sizes", [(4,), (2, 3), (2, 2, 2)])
def test_size_before_build_matches(formulation, objective, sizes):
    X, y, tree = make_problem(seed=2, n=9, sizes=sizes)
    X[0, 0] = 0.0  # a zero in the data: nonzero counts must skip it
    t = y if objective in ("feasibility", "min_l1", "hinge") else np.linspace(0, 1, len(y))
    lam = 0.5 if objective in ("hinge", "l1") else None
    lp = build_lp(tree, X, t, objective=objective, formulation=formulation, lam=lam)
    size = tree.size(X=np.c_[X, np.ones(len(X))], formulation=formulation, objective=objective, lam=lp.meta["lam"])
    assert (size.rows, size.cols, size.nnz) == (lp.num_rows, lp.num_cols, lp.nnz)
    for fam in size.per_family:  # per-family counts against the blocks
        name = fam.family + ("" if fam.level is None or fam.family == "z" and False else str(fam.level or ""))
        if fam.rows:
            blk = lp.row_block(name)
            assert blk.size == fam.rows
            assert lp.A[blk.slice].nnz == fam.nnz
        if fam.cols:
            assert lp.col_block(name).size == fam.cols
    assert "total" in size.table()


def test_size_formula_two_layer_dense():
    """Sizes of math.md §2: 2dP variables, n margin rows, 2Pn cone rows with d nonzeros each."""
    n, d, P = 11, 4, 7
    tree = PatternTree(np.random.default_rng(0).random((n, P)) > 0.3)
    s = tree.size(d)
    assert s.cols == 2 * d * P
    assert s.rows == n + 2 * P * n
    cone = [f for f in s.per_family if f.family == "cone"][0]
    assert cone.nnz == 2 * P * n * d
    margin = [f for f in s.per_family if f.family == "margin"][0]
    assert margin.nnz == 2 * d * int(tree.patterns[0].sum())


def test_memory_cap_refuses_before_allocating():
    X, y, tree = make_problem(seed=0, n=10, sizes=(5,))
    size = tree.size(X=np.c_[X, np.ones(10)], objective="min_l1")
    need = size.bytes_estimate()
    with pytest.raises(ModelSizeError, match="nnz="):
        build_lp(tree, X, y, memory_limit=need - 1)
    build_lp(tree, X, y, memory_limit=need)
    with pytest.raises(ModelSizeError, match="Pyomo model"):
        build_model(tree, X, y, memory_limit=size.pyomo_bytes_estimate() - 1)
    build_model(tree, X, y, memory_limit=size.pyomo_bytes_estimate())
    # a huge tree is refused by arithmetic alone: 2 * 10^4 patterns per layer, depth 3 = 8e12 leaves
    big = PatternTree([np.ones((3, 10_000), dtype=bool)] * 3)
    assert big.num_leaves == math.prod([20_000] * 3)
    with pytest.raises(ModelSizeError, match="leaves="):
        build_lp(big, np.zeros((3, 2)), [1, -1, 1])


@pytest.mark.parametrize("bad", [
    [], [np.zeros((4, 0), dtype=bool)], [np.ones((4, 2), dtype=bool), np.ones((3, 2), dtype=bool)],
    [np.full((3, 2), 2)], [np.ones(4, dtype=bool)], [np.ones((0, 2), dtype=bool)], 5,
])
def test_bad_patterns(bad):
    with pytest.raises(PatternError):
        PatternTree(bad)


def test_zero_one_patterns_accepted():
    t = PatternTree(np.array([[0, 1], [1, 1]]))
    assert t.patterns[0].dtype == bool
