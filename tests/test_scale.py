"""Data at any feature scale (issue 13 item 3) and clear errors for bad solutions/LPs (item 6).

build_lp / build_model scale the feature columns internally by powers of two (relulp.lp.choose_scaling);
the recovered network must be exact on the ORIGINAL data, and the objective (in original units) must follow
the scaling law of the unscaled problem. Before the scaling, HiGHS reported INFEASIBLE or a wrong optimum at
1e-12 and GLPK returned x = 0 as "optimal" at >= 1e8."""

import numpy as np
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from lp_helpers import lp_entries, make_problem, pyomo_entries
from relulp import DataError, SolutionError, SparseLP, build_lp, build_model, recover_network
from relulp.lp import MAX_RANGE, ScaleError
from relulp.solvers import Status, available, solve

SCALES = [1e-12, 1e-6, 1.0, 1e6, 1e12]
OBJECTIVES = ["min_l1", "feasibility", "hinge"]
BACKENDS = [("highs", None), ("highs", "simplex"), ("glpk", None)]
TOL = 1e-6


def _backends():
    have = available()
    return [pytest.param(b, m, marks=pytest.mark.skipif(b not in have, reason=f"{b} not installed"))
            for b, m in BACKENDS]


@pytest.fixture(scope="module")
def problem():
    X, y, tree = make_problem(seed=1, n=20, d0=2, sizes=(6,))
    return X, y, tree


def _data(problem, fit_intercept, scale):
    """Without an intercept the ones column is passed explicitly, so it scales with the features too."""
    X, y, tree = problem
    X0 = X if fit_intercept else np.c_[X, np.ones(len(X))]
    return X0 * scale, y, tree


def check_network(lp, x, X, y):
    """The network's numpy forward pass on the ORIGINAL X meets every margin (net of the hinge slack) and
    every cone row of the LP (relative tolerance); returns f."""
    net = recover_network(lp, x)
    f = net.decision_function(X)
    xs = lp.unscale(x)
    slack = xs[lp.col_block("xi").slice] if lp.meta["objective"] == "hinge" else 0.0
    assert np.all(y * f + slack >= 1 - TOL), (y * f + slack).min()
    z = net.preactivations(X)[0]  # first layer: column = leaf, must have the sign of the leaf's pattern
    tree = lp.tree
    D = tree.patterns[0][:, tree.pattern_index(1)[tree.digit_of_prefix(1)]]
    signed = np.where(D, z, -z)
    assert signed.min() >= -TOL * max(1.0, np.abs(z).max())
    return f


_ref_cache: dict = {}


def _reference(problem, objective, fit_intercept):
    """Objective and solution of the scale-1 problem (HiGHS IPM)."""
    key = (objective, fit_intercept)
    if key not in _ref_cache:
        X, y, tree = _data(problem, fit_intercept, 1.0)
        lp = build_lp(tree, X, y, objective=objective, fit_intercept=fit_intercept)
        assert not lp.scaled
        res = solve(lp, backend="highs")
        assert res.status is Status.OPTIMAL
        _ref_cache[key] = (res.objective, lp.unscale(res.x), lp)
    return _ref_cache[key]


@pytest.mark.parametrize("backend,method", _backends())
@pytest.mark.parametrize("fit_intercept", [True, False])
@pytest.mark.parametrize("objective", OBJECTIVES)
@pytest.mark.parametrize("scale", SCALES)
def test_any_feature_scale_solves_exactly(problem, scale, objective, fit_intercept, backend, method):
    X, y, tree = _data(problem, fit_intercept, scale)
    lp = build_lp(tree, X, y, objective=objective, fit_intercept=fit_intercept)
    res = solve(lp, backend=backend, method=method)
    assert res.status is Status.OPTIMAL, res.message
    check_network(lp, res.x, X, y)
    obj = lp.original_objective(res.x)
    assert obj == pytest.approx(res.objective / lp.objective_scale, rel=1e-12, abs=1e-300)
    ref, x1, lp1 = _reference(problem, objective, fit_intercept)
    if objective == "feasibility":
        assert obj == 0.0
    elif objective == "hinge":  # lam = 0: sum xi is invariant under feature scaling (u -> u / scale)
        assert obj == pytest.approx(ref, abs=TOL)
    elif not fit_intercept:  # min_l1, every column scaled: sum |u| scales as 1 / scale
        assert obj == pytest.approx(ref / scale, rel=1e-6)
    else:
        # min_l1 with an unscaled ones column: min sum|u_x| / scale + |u_b| over the scale-1 feasible set.
        # The scale-1 optimum, mapped, is feasible; and the objective is >= min(1, 1/scale) * ref.
        u1 = x1[lp1.col_block("u").slice].reshape(tree.num_leaves, -1)
        upper = np.abs(u1[:, :-1]).sum() / scale + np.abs(u1[:, -1]).sum()
        assert min(1.0, 1.0 / scale) * ref * (1 - 1e-6) <= obj <= upper * (1 + 1e-6)
        # and the same optimum through HiGHS IPM (independent path: interior point vs simplex vs GLPK)
        other = solve(lp, backend="highs")
        assert obj == pytest.approx(lp.original_objective(other.x), rel=1e-6)
    # the recovered network's l1 norm is the min_l1 objective in original units
    if objective == "min_l1":
        net = recover_network(lp, res.x)
        assert np.abs(net.weights[0]).sum() == pytest.approx(obj, rel=1e-6)


def test_normal_data_lp_unchanged(problem):
    """Feature maxima in [1/16, 16]: no scaling at all, the LP is the plain one."""
    X, y, tree = problem
    for objective in ("min_l1", "hinge", "feasibility", "l1", "eps"):
        t = y if objective not in ("l1", "eps") else np.linspace(-1, 1, len(y))
        kw = {"lam": 0.5} if objective in ("hinge", "l1") else {}
        lp = build_lp(tree, X, t, objective=objective, **kw)
        assert lp.col_scale is None and lp.objective_scale == 1.0 and not lp.scaled
        assert lp.meta["feature_scale"] == [1.0] * lp.meta["d"]
        Xa = np.c_[X, np.ones(len(X))]
        np.testing.assert_array_equal(lp.A[[0]].toarray().ravel()[: tree.num_leaves * 3].reshape(-1, 3)[0],
                                      lp.A[[0]].toarray().ravel()[:3])
        assert np.all(np.isin(np.abs(lp.A.data), np.r_[np.abs(Xa).ravel(), 1.0]))
        if objective in ("min_l1", "hinge", "l1"):
            assert set(np.unique(lp.c)) <= {0.0, 1.0, kw.get("lam", 1.0)}


def test_scaling_is_exact_powers_of_two(problem):
    X, y, tree = problem
    lp = build_lp(tree, X * 1e9, y, objective="min_l1")
    s = np.array(lp.meta["feature_scale"])
    assert s[-1] == 1.0 and np.all(s[:2] > 1e8)
    assert np.all(np.frexp(s)[0] == 0.5)  # powers of two
    assert 0.5 <= np.abs(X * 1e9).max(axis=0).max() / s[:2].max() < 1
    assert np.abs(lp.A.data).max() <= 1.0 and lp.objective_scale == 1.0


@pytest.mark.parametrize("scale", [1e-12, 1e12, 1e100])
@pytest.mark.parametrize("objective,fit_intercept", [("min_l1", False), ("hinge", True), ("l1", True),
                                                     ("min_l1", True)])
@pytest.mark.parametrize("formulation", ["nested", "auxiliary"])
def test_pyomo_model_scales_the_same_way(scale, objective, fit_intercept, formulation):
    X, y, tree = make_problem(seed=4, n=7, sizes=(3, 2))
    if not fit_intercept:
        X = np.c_[X, np.ones(len(X))]
    t = np.random.default_rng(0).normal(size=len(y)) if objective == "l1" else y
    kw = {"lam": 0.25} if objective in ("hinge", "l1") else {}
    try:
        lp = build_lp(tree, X * scale, t, objective=objective, formulation=formulation,
                      fit_intercept=fit_intercept, **kw)
    except ScaleError as exc:  # an l1 term in original units over features >~ 1e12 x the ones column
        with pytest.raises(ScaleError):
            build_model(tree, X * scale, t, objective=objective, formulation=formulation,
                        fit_intercept=fit_intercept, **kw)
        assert "objective" in str(exc) and fit_intercept and scale >= 1e12
        return
    model = build_model(tree, X * scale, t, objective=objective, formulation=formulation,
                        fit_intercept=fit_intercept, **kw)
    assert model.relulp_meta["feature_scale"] == lp.meta["feature_scale"]
    assert model.relulp_meta["objective_scale"] == lp.objective_scale
    a1, r1, c1 = lp_entries(lp)
    a2, r2, c2, _ = pyomo_entries(model)
    assert a1.keys() == a2.keys() and all(a1[k] == pytest.approx(a2[k], rel=1e-14) for k in a1)
    assert r1 == pytest.approx(r2)
    assert c1.keys() == c2.keys() and all(c1[k] == pytest.approx(c2[k], rel=1e-14) for k in c1)


@settings(max_examples=25, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(exps=st.lists(st.integers(-60, 60), min_size=3, max_size=3), seed=st.integers(0, 50),
       objective=st.sampled_from(OBJECTIVES), fit_intercept=st.booleans(),
       method=st.sampled_from([None, "simplex"]))
def test_per_column_scales_property(exps, seed, objective, fit_intercept, method):
    """Each column at its own scale 10**e: optimal, and the network is exact on the original X (or, for
    min_l1 with scales too far apart for an l1 objective in original units, a ScaleError)."""
    X, y, tree = make_problem(seed=seed, n=12, d0=2, sizes=(4,))
    Xs = np.c_[X, np.ones(len(X))] * (10.0 ** np.array(exps, dtype=float))
    if fit_intercept:
        Xs = Xs[:, :2]  # the tree was made with the ones column; fit_intercept appends it unscaled
    try:
        lp = build_lp(tree, Xs, y, objective=objective, fit_intercept=fit_intercept)
    except ScaleError as exc:
        assert objective == "min_l1" and "objective" in str(exc)
        return
    res = solve(lp, backend="highs", method=method)
    assert res.status is Status.OPTIMAL, res.message
    check_network(lp, res.x, Xs, y)


def test_unsolvable_scales_are_refused(problem):
    X, y, tree = problem
    Xb = X.copy()
    Xb[3, 0] = 1e-14  # one column spanning 1e14
    with pytest.raises(ScaleError, match="column 0 spans"):
        build_lp(tree, Xb, y)
    with pytest.raises(ScaleError):
        build_model(tree, Xb, y)
    with pytest.raises(ScaleError, match="outside the range"):
        build_lp(tree, X * 1e300, y, objective="feasibility")
    Xz = np.c_[X, np.ones(len(X))].copy()
    Xz[5] = 1e-10  # a point ~1e-10 of the feature scale, no intercept: its rows would be dropped
    with pytest.raises(ScaleError, match="data point 5"):
        build_lp(tree, Xz, y, objective="feasibility", fit_intercept=False)
    with pytest.raises(ScaleError, match="objective"):  # l1 over features 1e14 times the ones column
        build_lp(tree, X * 1e14, y, objective="min_l1")
    # feasibility / hinge (no l1 term) at that scale are fine
    build_lp(tree, X * 1e14, y, objective="hinge")
    assert issubclass(ScaleError, DataError) and issubclass(ScaleError, ValueError)
    assert MAX_RANGE < 1e13


def test_huge_scale_never_reaches_glpk_unscaled(problem):
    """1e200 without an intercept used to abort the process inside GLPK (glp_set_rii)."""
    X, y, tree = _data(problem, False, 1e200)
    if "glpk" not in available():
        pytest.skip("glpk not installed")
    lp = build_lp(tree, X, y, objective="min_l1", fit_intercept=False)
    res = solve(lp, backend="glpk")
    assert res.status is Status.OPTIMAL
    check_network(lp, res.x, X, y)
    ref, _, _ = _reference(problem, "min_l1", False)
    assert lp.original_objective(res.x) == pytest.approx(ref / 1e200, rel=1e-6)


def test_recover_network_without_solution(problem):
    X, y, tree = problem
    Xz = np.c_[X, np.ones(len(X))]
    Xz[0] = 0.0  # point 0 is the origin: y_0 f_0 >= 1 is impossible
    lp = build_lp(tree, Xz, y, objective="feasibility", fit_intercept=False)
    res = solve(lp, backend="highs")
    assert res.status is not Status.OPTIMAL and res.x is None
    with pytest.raises(SolutionError, match=r"no solution: x is None \(status infeasible"):
        recover_network(lp, res)
    with pytest.raises(SolutionError, match="no solution: x is None"):
        recover_network(lp, None)
    with pytest.raises(SolutionError, match="no solution"):
        recover_network(tree, None)
    with pytest.raises(SolutionError, match="vector"):
        recover_network(lp, np.zeros((3, 4)))


def test_sparse_lp_bad_shapes_are_typed():
    import scipy.sparse as sp

    A = sp.csr_array(np.ones((2, 3)))
    ok = dict(c=np.zeros(3), A=A, row_lower=np.zeros(2), row_upper=np.ones(2), col_lower=np.zeros(3),
              col_upper=np.ones(3))
    with pytest.raises(DataError, match="c has shape"):
        SparseLP(**{**ok, "c": np.zeros(4)})
    with pytest.raises(DataError, match="NaN"):
        SparseLP(**{**ok, "c": np.array([0, np.nan, 0])})
    with pytest.raises(DataError, match="col_scale"):
        SparseLP(**ok, col_scale=np.ones(2))
    with pytest.raises(DataError, match="objective_scale"):
        SparseLP(**ok, objective_scale=0.0)
    assert issubclass(DataError, ValueError)


def test_scale_option_fixed_and_off(problem):
    X, y, tree = problem
    off = build_lp(tree, X * 1e9, y, objective="min_l1", scale=False)
    assert off.col_scale is None and off.objective_scale == 1.0
    s = [2.0**30, 2.0**30, 1.0]
    fixed = build_lp(tree, X * 1e9, y, objective="feasibility", scale=s)
    assert fixed.meta["feature_scale"] == s
    with pytest.raises(DataError, match="powers of two"):
        build_lp(tree, X * 1e9, y, scale=[3.0, 1.0, 1.0])
