"""Two-level block structure (deeper relulp LPs): level >= 2 cone rows stay inside one coarse block.

Checked against dense algebra: the structured Newton solve, the analytic centre, and the row
classification (which rows are fine-local, coarse-local or coupling) against the tree's row families.
"""

import numpy as np
import pytest
import scipy.sparse as sp

from relulp import PatternTree, datasets, sample_deep_patterns
from relulp.analysis import BlockStructure, Polytope
from relulp.analysis.blocks import BlockLayout
from relulp.analysis.linalg import BlockWoodburySystem, DenseSystem
from relulp.cpal.cuts import CutModel
from relulp.exceptions import DataError


def _deep_body(n_points=5, sizes=(6, 9), depth_seed=1, bound="ball"):
    # seed 1: the margin row of each of the first points touches several coarse blocks (coupling rows, as
    # test_rows_are_classified_by_level counts them); with seed 0 one margin row lies in a single coarse
    # block, which the layout rightly classifies as coarse-local
    D = datasets.spiral()
    pats = sample_deep_patterns(D.X_train, list(sizes), seed=depth_seed)
    cm = CutModel(PatternTree(pats), D.X_train)
    pts = np.arange(n_points)
    A, b = cm.cut(pts, D.y_train[pts])
    return A, b, cm


def test_cut_model_reports_the_subtree_width_of_the_roots_children():
    A, b, cm = _deep_body()
    P1 = cm.tree.sizes[0]
    assert cm.block_width == 3
    assert cm.coarse_block_width == 3 * 2 * P1
    assert cm.dim % cm.coarse_block_width == 0


def test_rows_are_classified_by_level():
    n_points = 4
    A, b, cm = _deep_body(n_points)
    P = Polytope(A, b, bound="ball", blocks=cm.block_width, coarse_blocks=cm.coarse_block_width)
    lay = P.layout
    t = cm.tree
    assert lay.two_level
    # per point: one margin row (coupling), one cone row per leaf (fine-local) and per level-2 node
    assert lay.cpl_rows.size == n_points
    assert lay.loc_rows.size == n_points * t.num_nodes(1)
    assert lay.mid_rows.size == n_points * t.num_nodes(2)
    # every coarse-local row touches only its own coarse block
    C = sp.csr_array(P.A)[lay.mid_rows]
    cols = np.split(C.indices, C.indptr[1:-1])
    w = cm.coarse_block_width
    assert all(np.unique(c // w).size == 1 for c in cols)


@pytest.mark.parametrize("with_U", [False, True])
def test_two_level_newton_solve_equals_dense(with_U):
    A, b, cm = _deep_body(6)
    P = Polytope(A, b, bound="box", blocks=cm.block_width, coarse_blocks=cm.coarse_block_width)
    rng = np.random.default_rng(0)
    w = rng.uniform(0.1, 10.0, P.m)
    dvec = rng.uniform(0.5, 2.0, P.N)
    U = rng.standard_normal((P.N, 1)) if with_U else None
    two = BlockWoodburySystem(P.A, BlockLayout(P.A, P.blocks))
    assert two.lay.two_level
    dense = DenseSystem(P.A)
    two.factor(w, dvec, U)
    dense.factor(w, dvec, U)
    r = rng.standard_normal((P.N, 3))
    H = P.A.T @ (w[:, None] * P.A.toarray()) + np.diag(dvec) + (U @ U.T if with_U else 0)
    x_true = np.linalg.solve(H, r)
    x_two = two.solve(r)
    assert np.allclose(x_two, x_true, rtol=1e-8, atol=1e-10 * np.abs(x_true).max())
    assert np.allclose(two.solve(r[:, 0]), x_true[:, 0], rtol=1e-8, atol=1e-10 * np.abs(x_true).max())


@pytest.mark.parametrize("bound", ["ball", "box"])
def test_two_level_analytic_centre_equals_the_dense_one(bound):
    A, b, cm = _deep_body(6, bound=bound)
    two = Polytope(A, b, bound=bound, blocks=cm.block_width, coarse_blocks=cm.coarse_block_width)
    res = two.analytic_center()
    assert res.solver == "block-woodbury" and res.success and two.layout.two_level
    ref = Polytope(A, b, bound=bound).analytic_center(linalg="dense")
    assert res.x == pytest.approx(ref.x, abs=1e-8)


def test_cut_and_take_rows_keep_the_coarse_level():
    A, b, cm = _deep_body(4)
    per = A.shape[0] // 4
    P = Polytope(A[:per], b[:per], bound="ball", blocks=cm.block_width, coarse_blocks=cm.coarse_block_width)
    child = P.cut(A[per:], b[per:])
    full = Polytope(A, b, bound="ball", blocks=cm.block_width, coarse_blocks=cm.coarse_block_width)
    assert child.blocks.two_level
    assert np.array_equal(child.blocks.row_coarse, full.blocks.row_coarse)
    assert np.array_equal(child.blocks.row_block, full.blocks.row_block)
    sub = full.take_rows(np.arange(0, full.m, 2))
    assert np.array_equal(sub.blocks.row_coarse, full.blocks.row_coarse[::2])


def test_coarse_blocks_must_be_unions_of_fine_blocks():
    A = sp.identity(12, format="csr")
    with pytest.raises(DataError, match="union"):
        Polytope(A, np.ones(12), blocks=3, coarse_blocks=[0, 4, 12])
    with pytest.raises(DataError, match="needs blocks"):
        Polytope(A, np.ones(12), coarse_blocks=6)
    bs = BlockStructure.detect(A, 3, 6)
    bad = BlockStructure(bs.starts, bs.row_block, bs.coarse_starts, np.zeros(12, dtype=np.int64))
    with pytest.raises(DataError, match="row_coarse"):
        Polytope(A, np.ones(12), blocks=bad)


@pytest.mark.parametrize("spread", ["even", "uneven"])
def test_block_gram_is_the_weighted_gram_of_each_blocks_rows(spread):
    """Both ways of forming the blocks (padded batched product; sparse operator when the rows are spread
    so unevenly that padding would cost more) give sum_i w_i l_i l_i^T of each block's local rows."""
    from relulp.analysis.blocks import BlockStructure

    rng = np.random.default_rng(0)
    K, d = 9, 4
    N = K * d
    counts = rng.integers(1, 4, K) if spread == "even" else np.r_[40, np.ones(K - 1, dtype=int)]
    rows = []
    for k, c in enumerate(counts):
        for _ in range(c):
            r = np.zeros(N)
            r[k * d:(k + 1) * d] = rng.standard_normal(d)
            rows.append(r)
    rows.append(rng.standard_normal(N))  # a coupling row (spans blocks): not part of any block
    A = sp.csr_array(np.array(rows))
    lay = BlockLayout(A, BlockStructure.detect(A, d))
    assert (lay._Lp is not None) == (spread == "even")
    w = rng.random(lay.loc_rows.size) + 0.1
    G = lay.block_gram(w)
    Ad = A.toarray()
    for k in range(K):
        sel = lay.loc_rows[lay.loc_blk == k]
        blk = Ad[sel][:, k * d:(k + 1) * d]
        np.testing.assert_allclose(G[k], blk.T @ (w[lay.loc_blk == k][:, None] * blk), rtol=1e-12, atol=1e-12)
