"""relulp.cpal: cuts, query semantics, the active learner's bookkeeping, bad input (math.md §5)."""

from __future__ import annotations

import numpy as np
import pytest
import scipy.sparse as sp

from relulp import build_lp, recover_network
from relulp.assemble import fit_matrix
from relulp.cpal import (
    BudgetError,
    CPALClassifier,
    CPALRegressor,
    CutModel,
    CuttingPlaneClassifier,
    CuttingPlaneRegressor,
    EmptyVersionSpaceWarning,
    FitStatus,
    InvalidParameterError,
    NotFittedError,
    OracleError,
    SingleClassError,
    select,
)
from relulp.cpal.learners import sample_tree
from relulp.datasets import quadratic, spiral
from relulp.exceptions import RelulpError

SPIRAL = spiral()


@pytest.fixture(scope="module")
def tree1():
    return sample_tree(SPIRAL.X_train, 30, seed=0)


@pytest.fixture(scope="module")
def tree2():
    return sample_tree(SPIRAL.X_train, (4, 6), seed=0)


# ------------------------------------------------------------------------------------------ cuts
@pytest.mark.parametrize("which", ["tree1", "tree2"])
def test_pool_predictor_is_the_fit_matrix_of_the_nested_lp(which, request):
    tree = request.getfixturevalue(which)
    X, y = SPIRAL.X_train, SPIRAL.y_train
    cm = CutModel(tree, X)
    lp = build_lp(tree, X, y, objective="feasibility")
    F = fit_matrix(lp)[:, lp.col_block("u").slice]
    assert cm.F.shape == (80, cm.dim) == F.shape
    assert abs(cm.F - F).max() == 0


@pytest.mark.parametrize("which", ["tree1", "tree2"])
def test_cut_rows_are_the_points_rows_of_the_full_lp(which, request):
    """The cut of point i = its margin row (made homogeneous) and its cone rows, in A theta <= b form."""
    tree = request.getfixturevalue(which)
    X, y = SPIRAL.X_train, SPIRAL.y_train
    n = len(X)
    cm = CutModel(tree, X)
    lp = build_lp(tree, X, y, objective="feasibility")
    for i in (0, 17, 79):
        A, b, fit = cm.cut([i], [y[i]], with_fit_mask=True)
        rows = [lp.row_block("margin").start + i]
        for k in range(1, tree.depth + 1):
            blk = lp.row_block(f"cone{k}")
            rows += [blk.start + p * n + i for p in range(tree.num_nodes(k))]
        expect = -lp.A[rows][:, lp.col_block("u").slice]
        assert A.shape == expect.shape
        assert abs(A - expect).max() == 0
        np.testing.assert_array_equal(b, 0.0)
        assert fit.tolist() == [True] + [False] * (len(rows) - 1)


def test_regression_cut_is_the_eps_tube_plus_cone_rows(tree1):
    X, y = quadratic().X_train, quadratic().y_train
    tree = sample_tree(X, 50, seed=0)
    cm = CutModel(tree, X)
    A, b, fit = cm.cut([3], [y[3]], task="regression", eps=0.01, with_fit_mask=True)
    F3 = cm.F[[3]].toarray()[0]
    tube = A[fit].toarray()
    assert tube.shape[0] == 2
    np.testing.assert_allclose(sorted([tube[0] @ F3, tube[1] @ F3]), [-F3 @ F3, F3 @ F3])
    np.testing.assert_allclose(sorted(b[fit]), sorted([-(y[3] - 0.01), y[3] + 0.01]))
    np.testing.assert_array_equal(b[~fit], 0.0)
    assert A.shape[0] == 2 + tree.num_nodes(1)


@pytest.mark.parametrize("which", ["tree1", "tree2"])
def test_pattern_predictor_equals_the_network_on_cut_points(which, request):
    """Cone rows make D z = (z)_+ at a cut point: F theta is the recovered network's output there."""
    tree = request.getfixturevalue(which)
    clf = CPALClassifier(budget=16, patterns=tree, random_state=0).fit(SPIRAL.X_train, SPIRAL.y_train)
    cuts = np.asarray(clf.cuts_)
    assert cuts.size >= 2
    theta = clf.theta_
    f_pattern = clf._cut_model.predict(theta)[cuts]
    f_net = recover_network(tree, theta).decision_function(SPIRAL.X_train[cuts])
    np.testing.assert_allclose(f_net, f_pattern, rtol=1e-9, atol=1e-12)
    # ... and every cut point is classified correctly (strictly) by the final centre, unless its margin row
    # is zero (sampled deep patterns can switch off every layer-2 unit at a point: f = 0 for every theta)
    live = np.asarray(abs(clf._cut_model.F[cuts]).sum(axis=1)).ravel() > 0
    assert live.sum() >= 2
    assert np.all(SPIRAL.y_train[cuts][live] * f_pattern[live] > 0)


# ------------------------------------------------------------------------------------------ query rules
def test_select_breaks_ties_by_index_and_skips_queried():
    f = np.array([0.0, -1.0, -1.0, 2.0, 2.0, 0.5])
    avail = np.ones(6, dtype=bool)
    assert select("min", f, avail) == 1
    assert select("max", f, avail) == 3
    assert select("absmin", f, avail) == 0
    avail[[1, 3, 0]] = False
    assert select("min", f, avail) == 2
    assert select("max", f, avail) == 4
    assert select("absmin", f, avail) == 5
    rng = np.random.default_rng(0)
    picks = {select("random", f, avail, rng) for _ in range(50)}
    assert picks == {2, 4, 5}
    with pytest.raises(ValueError):
        select("min", f, np.zeros(6, dtype=bool))


# ------------------------------------------------------------------------------------------ Algorithm 4
def _reference_loop(tree, X, y, budget):
    """Algorithm 4 written out plainly on the analysis module (ball T^0, analytic centre)."""
    from relulp.analysis.polytope import Polytope

    cm = CutModel(tree, X)
    P = Polytope(sp.csr_array((0, cm.dim)), np.zeros(0), bound="ball", R=1.0, blocks=cm.d)
    theta = np.zeros(cm.dim)
    queried = np.zeros(len(X), dtype=bool)
    order, cuts = [], []
    while len(order) < budget:
        f = cm.F @ theta
        cut = False
        for s in (1.0, -1.0):
            if len(order) == budget:
                break
            avail = np.flatnonzero(~queried)
            i = int(avail[np.argmin(s * f[avail])])
            queried[i] = True
            order.append(i)
            if y[i] * f[i] <= 0:
                A, b = cm.cut([i], [y[i]])
                P = P.cut(A, b)
                cuts.append(i)
                cut = True
        if cut:
            theta = P.analytic_center(tol=1e-12).x
    return order, cuts


def test_cpal_follows_algorithm_4(tree1):
    X, y = SPIRAL.X_train, SPIRAL.y_train
    clf = CPALClassifier(budget=24, patterns=tree1, random_state=0).fit(X, y)
    order, cuts = _reference_loop(tree1, X, y, 24)
    assert clf.queried_ == order
    assert clf.cuts_ == cuts
    # theta = 0 at the start: every prediction ties at 0, so the first round asks points 0 and 1 and cuts both
    assert clf.queried_[:2] == [0, 1] and clf.cuts_[:2] == [0, 1]


def test_cpal_bookkeeping(tree1):
    X, y = SPIRAL.X_train, SPIRAL.y_train
    clf = CPALClassifier(budget=30, patterns=tree1, random_state=0).fit(X, y, eval_set=(SPIRAL.X_test, SPIRAL.y_test))
    h = clf.history_
    assert clf.status_ is FitStatus.BUDGET_SPENT
    assert clf.n_labels_used_ == 30 == len(clf.queried_) == len(set(clf.queried_))
    assert sum(len(s.queried) for s in h) == 30
    assert h[-1].labels_used == 30 and h[-1].cuts == clf.n_cuts_ == len(clf.cuts_)
    assert set(clf.cuts_) <= set(clf.queried_)
    assert clf.labels_ == [float(y[i]) for i in clf.queried_]
    # the centre is recomputed exactly after the rounds that cut (and for the first round)
    recomputed = h.column("center_recomputed").astype(bool)
    cut_before = np.array([True] + [bool(s.cut_points) for s in h.steps[:-1]])
    np.testing.assert_array_equal(recomputed, cut_before)
    assert np.all(h.column("center_seconds")[~recomputed] == 0)
    # a confidence round asks two points; rows grow by (1 + 2P) per cut
    assert all(len(s.queried) == 2 for s in h)
    assert clf.n_rows_ == clf.n_cuts_ * (1 + tree1.num_nodes(1))
    assert np.isfinite(h.column("test_score")).all()


def test_max_cuts_and_resume_with_a_larger_budget(tree1):
    X, y = SPIRAL.X_train, SPIRAL.y_train
    clf = CPALClassifier(budget=40, patterns=tree1, max_cuts=5, random_state=0).fit(X, y)
    assert clf.status_ is FitStatus.MAX_CUTS and clf.n_cuts_ == 5
    short = CPALClassifier(budget=10, patterns=tree1, random_state=0).fit(X, y)
    full = CPALClassifier(budget=20, patterns=tree1, random_state=0).fit(X, y)
    short.resume(budget=20)
    assert short.queried_ == full.queried_ and short.cuts_ == full.cuts_
    np.testing.assert_allclose(short.theta_, full.theta_)


@pytest.mark.parametrize("rule", ["uncertainty", "random"])
def test_other_query_rules_ask_one_point_per_round(rule, tree1):
    clf = CPALClassifier(budget=12, query=rule, patterns=tree1, random_state=3).fit(SPIRAL.X_train, SPIRAL.y_train)
    assert clf.n_labels_used_ == 12 and len(set(clf.queried_)) == 12
    assert all(len(s.queried) == 1 for s in clf.history_)
    again = CPALClassifier(budget=12, query=rule, patterns=tree1, random_state=3).fit(SPIRAL.X_train, SPIRAL.y_train)
    assert again.queried_ == clf.queried_


def test_pool_exhausted_stops_cleanly(tree1):
    X, y = SPIRAL.X_train[:10], SPIRAL.y_train[:10]
    clf = CPALClassifier(budget=10, n_patterns=20, random_state=0).fit(X, y)
    assert clf.n_labels_used_ == 10 and clf.status_ in (FitStatus.BUDGET_SPENT, FitStatus.POOL_EXHAUSTED)
    assert sorted(clf.queried_) == list(range(10))


# ------------------------------------------------------------------------------------------ oracle errors
def test_invalid_oracle_label_keeps_state_and_resumes(tree1):
    X, y = SPIRAL.X_train, SPIRAL.y_train
    reference = CPALClassifier(budget=20, patterns=tree1, random_state=0).fit(X, y)
    calls = {"n": 0}

    def flaky(i):
        calls["n"] += 1
        return "banana" if calls["n"] == 7 else y[i]

    clf = CPALClassifier(budget=20, patterns=tree1, random_state=0)
    with pytest.raises(OracleError) as err:
        clf.fit(X, oracle=flaky)
    assert isinstance(err.value, RelulpError)
    bad = err.value.index
    assert err.value.label == "banana" and bad == reference.queried_[6]
    assert clf.n_labels_used_ == 6 and bad not in clf.queried_ and clf.status_ is FitStatus.RUNNING
    clf.resume(oracle=lambda i: y[i])
    assert clf.queried_ == reference.queried_ and clf.cuts_ == reference.cuts_
    assert clf.status_ is FitStatus.BUDGET_SPENT


def test_oracle_exceptions_become_oracle_errors(tree1):
    def broken(i):
        raise KeyError(i)

    with pytest.raises(OracleError, match="failed on pool point 0"):
        CPALClassifier(budget=5, patterns=tree1).fit(SPIRAL.X_train, oracle=broken)
    with pytest.raises(OracleError, match="not a number"):
        CPALRegressor(budget=5, n_patterns=10).fit(SPIRAL.X_train, oracle=lambda i: "x")
    with pytest.raises(OracleError, match="not one of the classes"):
        CPALClassifier(budget=5, patterns=tree1).fit(SPIRAL.X_train, oracle=lambda i: 0)


# ------------------------------------------------------------------------------------------ bad input
def test_budget_and_label_errors(tree1):
    X, y = SPIRAL.X_train, SPIRAL.y_train
    with pytest.raises(BudgetError, match="larger than the pool"):
        CPALClassifier(budget=81, patterns=tree1).fit(X, y)
    for bad in (0, -3, 2.5, True):
        with pytest.raises(BudgetError):
            CPALClassifier(budget=bad, patterns=tree1).fit(X, y)
    with pytest.raises(SingleClassError, match="one class"):
        CPALClassifier(budget=5, patterns=tree1).fit(X, np.ones(80))
    with pytest.raises(SingleClassError):
        CuttingPlaneClassifier(patterns=tree1).fit(X, -np.ones(80))
    with pytest.raises(InvalidParameterError, match="not both"):
        CPALClassifier(budget=5, patterns=tree1).fit(X, y, oracle=lambda i: y[i])
    with pytest.raises(InvalidParameterError, match="oracle"):
        CPALClassifier(budget=5, patterns=tree1).fit(X)


@pytest.mark.parametrize("param,value", [("center", "median"), ("bound", "sphere"), ("radius", -1.0),
                                         ("query", "loudest"), ("max_cuts", 0), ("final_objective", "l1"),
                                         ("n_patterns", 0), ("center_options", 3), ("prune", "yes")])
def test_parameters_are_validated_at_fit(param, value, tree1):
    clf = CPALClassifier(budget=5, **{param: value})  # construction never validates (scikit-learn rule)
    assert clf.get_params()[param] == value
    with pytest.raises(InvalidParameterError):
        clf.fit(SPIRAL.X_train, SPIRAL.y_train)


def test_empty_version_space_stops_cleanly():
    """Two copies of one point with opposite labels leave f(x) = 0 on it: no interior is left."""
    rng = np.random.default_rng(0)
    X = np.vstack([rng.normal(size=(10, 2)), [[0.3, 0.4], [0.3, 0.4]]])
    label = {10: 1.0, 11: -1.0}

    def oracle(i):
        return label.get(i, 1.0 if X[i, 0] > 0 else -1.0)

    for bound in ("ball", "box"):
        with pytest.warns(EmptyVersionSpaceWarning):
            clf = CPALClassifier(budget=12, n_patterns=20, bound=bound, query="random", random_state=0).fit(X, oracle=oracle)
        assert clf.status_ is FitStatus.EMPTY_VERSION_SPACE
        assert {10, 11} <= set(clf.cuts_) and clf.n_labels_used_ < 12
        assert clf.predict(X).shape == (12,)  # the run kept what it had


def test_not_fitted_and_params():
    clf = CPALClassifier(budget=7)
    with pytest.raises(NotFittedError):
        clf.predict(SPIRAL.X_test)
    with pytest.raises(InvalidParameterError):
        clf.set_params(bugdet=3)
    assert clf.set_params(budget=9).budget == 9
    assert "budget=9" in repr(clf)
    sklearn = pytest.importorskip("sklearn.base")
    c2 = sklearn.clone(clf)
    assert c2.get_params() == clf.get_params() and c2 is not clf
    from sklearn.model_selection import cross_val_score

    scores = cross_val_score(CPALClassifier(budget=10, n_patterns=20, random_state=0), SPIRAL.X_train,
                             SPIRAL.y_train, cv=2)
    assert scores.shape == (2,) and np.all((scores >= 0) & (scores <= 1))


# ------------------------------------------------------------------------------------------ Algorithm 1
def test_cutting_plane_training_converges_on_its_training_set(tree1):
    X, y = SPIRAL.X_train, SPIRAL.y_train
    clf = CuttingPlaneClassifier(patterns=tree1, batch_size=2).fit(X, y)
    assert clf.status_ is FitStatus.CONVERGED
    f = clf._cut_model.predict(clf.theta_)
    assert np.all(y * f > 0)  # no training point is violated by the final centre
    assert clf.history_[-1].violated == 0 and all(len(s.cut_points) <= 2 for s in clf.history_)


def _forward(tree, theta, X, fit_intercept=True):
    """The recovered network's numpy forward pass (never the pattern matrix)."""
    net = recover_network(tree, theta, fit_intercept=fit_intercept)
    Xa = np.hstack([X, np.ones((len(X), 1))]) if fit_intercept else X
    h = Xa
    for W in net.weights:
        h = np.maximum(h @ W, 0.0)
    f = h @ net.output_weights
    np.testing.assert_allclose(f, net.decision_function(X), rtol=1e-10, atol=1e-12)
    return f


def _separable_sets():
    """Small random sets labelled by a random ReLU network (so a network fits them)."""
    out = []
    for seed in range(4):
        rng = np.random.default_rng(seed)
        X = rng.uniform(-1, 1, size=(16 + 4 * seed, 2))
        W = rng.normal(size=(3, 4))
        f = np.maximum(np.hstack([X, np.ones((len(X), 1))]) @ W, 0) @ np.array([1.0, -1.0, 1.0, -1.0])
        out.append((X, np.where(f >= np.median(f), 1.0, -1.0), seed))
    return out


@pytest.mark.parametrize("case", ["spiral30", "spiral_deep", "spiral_b4", "random"])
def test_algorithm_1_converged_means_the_network_fits_every_training_point(case):
    """Issue 13 item 4: the oracle counts a point as violated when its margin OR any of its cone rows fails
    at the centre, so "converged" means the recovered network classifies every training point."""
    X, y = SPIRAL.X_train, SPIRAL.y_train
    if case == "spiral30":
        runs = [(X, y, dict(n_patterns=30, random_state=0))]
    elif case == "spiral_deep":
        runs = [(X, y, dict(n_patterns=(10, 20), random_state=0, max_iter=300))]
    elif case == "spiral_b4":
        runs = [(X, y, dict(n_patterns=50, random_state=1, batch_size=4))]
    else:
        runs = [(Xr, yr, dict(n_patterns=15, random_state=s)) for Xr, yr, s in _separable_sets()]
    converged = 0
    for Xr, yr, kw in runs:
        clf = CuttingPlaneClassifier(**kw).fit(Xr, yr)
        if clf.status_ is not FitStatus.CONVERGED:
            continue
        converged += 1
        f = _forward(clf.tree_, clf.theta_, Xr)
        assert np.mean(np.where(f >= 0, 1.0, -1.0) == yr) == 1.0
        assert np.all(yr * f > 0)
        assert clf.score(Xr, yr) == 1.0
        # and the oracle agrees: no fit row and no cone row of any point fails at the centre
        cm = clf._cut_model
        assert not cm.cut_violations(clf.theta_, np.where(yr == clf.classes_[1], 1.0, -1.0)).any()
    assert converged >= 1


def test_cut_violations_is_fit_rows_or_cone_rows(tree1):
    X, y = SPIRAL.X_train, SPIRAL.y_train
    cm = CutModel(tree1, X)
    rng = np.random.default_rng(0)
    for _ in range(3):
        theta = rng.normal(size=cm.dim)
        mask = cm.cut_violations(theta, y)
        expect = np.zeros(len(X), dtype=bool)
        for i in range(len(X)):
            A, b = cm.cut([i], [y[i]])
            vals = A @ theta - b  # <= 0 when satisfied; row 0 is the margin row (trigger y f <= 0)
            expect[i] = vals[0] >= 0 or np.any(vals[1:] > 0)
        np.testing.assert_array_equal(mask, expect)
    assert cm.cone.shape == (80 * tree1.num_nodes(1), cm.dim) and cm.cone_point.shape == (cm.cone.shape[0],)


def test_cutting_plane_regression_converged_means_the_network_is_in_the_tube():
    ds = quadratic()
    eps = 0.02
    reg = CuttingPlaneRegressor(n_patterns=200, eps=eps, random_state=0).fit(ds.X_train, ds.y_train)
    assert reg.status_ is FitStatus.CONVERGED
    f = _forward(reg.tree_, reg.theta_, ds.X_train)
    assert np.max(np.abs(f - ds.y_train)) <= eps * (1 + 1e-9)
    assert not reg._cut_model.cut_violations(reg.theta_, ds.y_train, task="regression", eps=eps).any()


def test_cutting_plane_regression_fits_the_tube():
    ds = quadratic()
    reg = CuttingPlaneRegressor(n_patterns=200, eps=0.02, random_state=0).fit(ds.X_train, ds.y_train)
    assert reg.status_ is FitStatus.CONVERGED
    f = reg._cut_model.predict(reg.theta_)
    assert np.max(np.abs(f - ds.y_train)) <= 0.02
    assert reg.rmse(ds.X_test, ds.y_test) < 0.05


def test_one_vs_rest_training_and_active_learning():
    from relulp.cpal.data import load_dataset

    ds = load_dataset("iris")
    clf = CuttingPlaneClassifier(n_patterns=20, random_state=0, max_iter=30).fit(ds.X_train, ds.y_train)
    assert clf.decision_function(ds.X_test).shape == (ds.n_test, 3)
    assert set(np.unique(clf.predict(ds.X_test))) <= {0.0, 1.0, 2.0}
    assert clf.score(ds.X_train, ds.y_train) > 0.7
    names = np.array(["setosa", "versicolor", "virginica"])
    act = CPALClassifier(budget=24, n_patterns=20, classes=names, random_state=0)
    act.fit(ds.X_train, oracle=lambda i: names[int(ds.y_train[i])])
    assert act.n_labels_used_ == 24 and act.predict(ds.X_test).dtype.kind == "U"
    assert {s.space for s in act.history_} == {0, 1, 2}  # the classes take turns
    assert all(len(c) >= 1 for c in act.cuts_)


# ------------------------------------------------------------------------------------------ options
def test_pruning_drops_rows_but_keeps_the_version_space(tree1):
    X, y = SPIRAL.X_train, SPIRAL.y_train
    plain = CPALClassifier(budget=20, patterns=tree1, bound="box", random_state=0).fit(X, y)
    pruned = CPALClassifier(budget=20, patterns=tree1, bound="box", prune=True, random_state=0).fit(X, y)
    vs = pruned._spaces[0]
    assert vs.rows_pruned > 0 and pruned.n_rows_ == pruned.n_cuts_ * (1 + tree1.num_nodes(1)) - vs.rows_pruned
    # every row dropped is implied by the rows kept: the full set of cuts holds at the pruned body's centre
    full_rows = [pruned._cut_model.cut([i], [y[i]]) for i in pruned.cuts_]
    for A, b in full_rows:
        assert np.all(A @ pruned.theta_ <= b + 1e-12)
    assert plain.n_rows_ == plain.n_cuts_ * (1 + tree1.num_nodes(1))


@pytest.mark.parametrize("bound", ["box", "ball"])
def test_volume_tracking_records_each_cut(tree1, bound):
    tree = sample_tree(SPIRAL.X_train, 3, seed=0)  # N = 3 * 2 * 3 = 18
    clf = CPALClassifier(budget=4, patterns=tree, track_volume=True, bound=bound,
                         volume_options={"n": 200}, random_state=0).fit(SPIRAL.X_train, SPIRAL.y_train)
    recs = clf.history_.cut_ratios()
    assert len(recs) == clf.n_cuts_ >= 1
    for r in recs:
        assert 0.0 <= r["lower"] <= r["ratio"] <= r["upper"] <= 1.0
        assert r["ratio"] <= r["fit_upper"]  # the whole cut keeps less than its margin half-space
        assert r["grunbaum_bound"] == pytest.approx((18 / 19) ** 18)


def test_final_solve_fits_the_labelled_set_and_warns_when_it_fails(tree1):
    X, y = SPIRAL.X_train, SPIRAL.y_train
    clf = CPALClassifier(budget=20, patterns=tree1, final_solve=True, random_state=0).fit(X, y)
    assert str(clf.final_.status) == "optimal" and clf.final_.n_labelled == 20  # str(): the Status's value
    idx = np.asarray(clf.queried_)
    assert np.all(y[idx] * clf.decision_function(X[idx]) >= 1 - 1e-6)  # min_l1: margin >= 1 on the labels
    assert clf.network_ is clf.networks_[0] and clf.center_networks_[0] is not clf.network_
    with pytest.warns(Warning, match="final solve"):
        bad = CPALClassifier(budget=20, patterns=tree1, final_solve=True, method="simplex", time_limit=1e-9,
                             random_state=0).fit(X, y)
    assert str(bad.final_.status) != "optimal" and bad.network_ is bad.center_networks_[0]


def test_regression_cuts_exactly_the_points_outside_the_tube():
    ds = quadratic()
    reg = CPALRegressor(budget=16, n_patterns=60, eps=0.01, random_state=0).fit(ds.X_train, ds.y_train)
    assert reg.n_labels_used_ == 16 and reg.status_ is FitStatus.BUDGET_SPENT
    cut = set(reg.cuts_)
    for s in reg.history_:
        assert set(s.cut_points) <= set(s.queried)
    f_final = reg._cut_model.predict(reg.theta_)
    assert np.all(np.abs(f_final[list(cut)] - ds.y_train[list(cut)]) <= 0.01)
    assert reg.predict(ds.X_test).shape == (ds.n_test,)
    assert reg.score(ds.X_test, ds.y_test) > 0.5
