"""build_model (Pyomo, tree recursion) and build_lp (vectorised CSR) are the same LP.

Pyomo's LinearStandardFormCompiler turns the model into matrices; we compare them with build_lp's matrix,
row bounds, column bounds and objective, entry by entry, keyed by the symbolic row/column names (so row and
column order do not matter)."""

import numpy as np
import pytest
from hypothesis import given
from hypothesis import strategies as st

from lp_helpers import lp_entries, make_problem, pyomo_entries, solve_scipy
from relulp import OBJECTIVES, build_lp, build_model


def _targets(obj, X, y, seed):
    if obj in ("l1", "eps"):
        return np.random.default_rng(seed).normal(size=len(y))
    return y


def assert_same_lp(lp, model):
    a1, r1, c1 = lp_entries(lp)
    a2, r2, c2, offset = pyomo_entries(model)
    assert offset == lp.objective_constant
    assert a1.keys() == a2.keys()
    assert all(a1[k] == pytest.approx(a2[k], rel=1e-14, abs=1e-15) for k in a1)
    assert r1 == pytest.approx(r2)
    assert r1.keys() == r2.keys()
    # Pyomo drops columns that appear nowhere; build_lp has none of those
    assert c1.keys() == c2.keys()
    for name in c1:
        assert c1[name] == pytest.approx(c2[name]), name


CASES = [(sizes, form, obj) for sizes in [(4,), (3, 2), (2, 2, 2)] for form in ("nested", "auxiliary") for obj in OBJECTIVES]


@pytest.mark.parametrize("sizes,formulation,objective", CASES)
def test_pyomo_model_equals_matrix(sizes, formulation, objective):
    X, y, tree = make_problem(seed=len(sizes), n=8, sizes=sizes)
    t = _targets(objective, X, y, 1)
    kw = {"lam": 0.25} if objective in ("hinge", "l1") else {}
    lp = build_lp(tree, X, t, objective=objective, formulation=formulation, **kw)
    model = build_model(tree, X, t, objective=objective, formulation=formulation, **kw)
    assert_same_lp(lp, model)


@given(seed=st.integers(0, 10_000), n=st.integers(3, 9), d0=st.integers(1, 3),
       sizes=st.lists(st.integers(1, 3), min_size=1, max_size=3),
       formulation=st.sampled_from(["nested", "auxiliary"]), objective=st.sampled_from(OBJECTIVES),
       fit_intercept=st.booleans())
def test_equivalence_property(seed, n, d0, sizes, formulation, objective, fit_intercept):
    X, y, tree = make_problem(seed, n=n, d0=d0 + (not fit_intercept), sizes=tuple(sizes))
    if not fit_intercept:  # the patterns were made with a ones column; pass it explicitly
        X = np.c_[X, np.ones(n)][:, : d0 + 1]
    t = _targets(objective, X, y, seed)
    lp = build_lp(tree, X, t, objective=objective, formulation=formulation, fit_intercept=fit_intercept)
    size = tree.size(X=np.c_[X, np.ones(n)] if fit_intercept else X, formulation=formulation, objective=objective,
                     lam=lp.meta["lam"])
    assert (size.rows, size.cols, size.nnz) == (lp.num_rows, lp.num_cols, lp.nnz)
    f_rows = lp.row_block(lp.row_blocks[0].name)
    if np.diff(lp.A.indptr)[f_rows.slice].min() == 0 and objective in ("feasibility", "min_l1", "eps"):
        return  # an empty fit row is trivially infeasible; Pyomo refuses to compile it (tested below)
    model = build_model(tree, X, t, objective=objective, formulation=formulation, fit_intercept=fit_intercept)
    assert_same_lp(lp, model)


@pytest.mark.parametrize("sizes", [(5,), (3, 3), (2, 2, 2)])
@pytest.mark.parametrize("objective", ["min_l1", "hinge", "l1"])
def test_formulations_have_the_same_optimum(sizes, objective):
    X, y, tree = make_problem(seed=7, n=9, sizes=sizes)
    t = _targets(objective, X, y, 3)
    kw = {"lam": 0.1} if objective != "min_l1" else {}
    vals = []
    for form in ("nested", "auxiliary"):
        res = solve_scipy(build_lp(tree, X, t, objective=objective, formulation=form, **kw))
        assert res.status == 0, res.message
        vals.append(res.fun)
    assert vals[0] == pytest.approx(vals[1], rel=1e-7, abs=1e-8)


def test_depth_one_formulations_identical():
    X, y, tree = make_problem(seed=3, n=10, sizes=(6,))
    a = build_lp(tree, X, y, formulation="nested")
    b = build_lp(tree, X, y, formulation="auxiliary")
    assert (a.A != b.A).nnz == 0 and a.row_names() == b.row_names()


def test_matrix_against_bruteforce_dense_rows():
    """Every margin and cone row against a direct evaluation of the tree formula on random u."""
    X, y, tree = make_problem(seed=11, n=7, sizes=(3, 2))
    lp = build_lp(tree, X, y, objective="feasibility")
    rng = np.random.default_rng(0)
    u = rng.normal(size=lp.num_cols)
    Xa = np.c_[X, np.ones(len(X))]
    U = u.reshape(tree.num_leaves, -1)
    D1, D2 = tree.patterns
    P1, P2 = tree.sizes
    ax = lp.A @ u
    z1 = {}
    for a2 in range(2 * P2):
        for a1 in range(2 * P1):
            z1[a2, a1] = Xa @ U[a2 * 2 * P1 + a1]
    f = np.zeros(len(X))
    for a2 in range(2 * P2):
        z2 = sum((1 - 2 * (a1 % 2)) * D1[:, a1 // 2] * z1[a2, a1] for a1 in range(2 * P1))
        blk = lp.row_block("cone2")
        np.testing.assert_allclose(ax[blk.start + a2 * len(X): blk.start + (a2 + 1) * len(X)], (2 * D2[:, a2 // 2] - 1) * z2)
        f += (1 - 2 * (a2 % 2)) * D2[:, a2 // 2] * z2
        for a1 in range(2 * P1):
            leaf = a2 * 2 * P1 + a1
            blk = lp.row_block("cone1")
            np.testing.assert_allclose(ax[blk.start + leaf * len(X): blk.start + (leaf + 1) * len(X)],
                                       (2 * D1[:, a1 // 2] - 1) * z1[a2, a1])
    np.testing.assert_allclose(ax[lp.row_block("margin").slice], y * f)


def test_empty_margin_row_is_infeasible_in_both_paths():
    from pyomo.common.errors import InfeasibleConstraintException

    X, y, tree = make_problem(seed=2, n=6, sizes=(3,))
    D = tree.patterns[0].copy()
    D[0, :] = False  # point 0 inactive in every pattern: f_0 = 0, so y_0 f_0 >= 1 cannot hold
    from relulp import PatternTree

    t = PatternTree(D)
    lp = build_lp(t, X, y, objective="feasibility")
    assert solve_scipy(lp).status == 2  # infeasible
    with pytest.raises(InfeasibleConstraintException):
        pyomo_entries(build_model(t, X, y, objective="feasibility"))
