"""Version-space query rules (split, committee), the Dikin ellipsoid they use, the linear cutting-plane
baseline, and the AUC summaries of ``relulp cpal --compare`` (issue 12, item 4)."""

from __future__ import annotations

import numpy as np
import pytest
import scipy.sparse as sp
from hypothesis import given, settings, strategies as st

from relulp.analysis import Polytope
from relulp.analysis.dikin import DikinEllipsoid
from relulp.cpal import CPALClassifier, InvalidParameterError
from relulp.cpal.compare import STRATEGIES, auc, compare, mean_ci, run_task, summarize
from relulp.cpal.learners import sample_tree
from relulp.cpal.linear import linear_cutting_plane
from relulp.cpal.query import version_space_key
from relulp.datasets import spiral
from relulp.exceptions import DataError

SPIRAL = spiral()


def _body(seed: int, N: int, m: int, bound: str, homogeneous: bool):
    rng = np.random.default_rng(seed)
    A = rng.standard_normal((m, N))
    b = np.zeros(m) if homogeneous else rng.random(m) + 0.1
    x0 = 0.1 * rng.standard_normal(N)
    A = np.where((A @ x0 > b)[:, None], -A, A)  # x0 strictly inside
    return Polytope(sp.csr_array(A), b, bound=bound, R=1.0), A, b


def _dense_hessian(A, b, x, bound):
    """The log barrier's Hessian written out (unit-norm rows), independently of relulp.analysis.linalg."""
    nrm = np.linalg.norm(A, axis=1)
    An, bn = A / nrm[:, None], b / nrm
    s = bn - An @ x
    H = An.T @ (An / s[:, None] ** 2)
    if bound == "box":
        H += np.diag(1 / (1 - x) ** 2 + 1 / (1 + x) ** 2)
    else:
        g = 1 - x @ x
        H += 2 / g * np.eye(x.size) + 4 / g**2 * np.outer(x, x)
    return H


# ------------------------------------------------------------------------------------------ Dikin ellipsoid
@pytest.mark.parametrize("bound", ["box", "ball"])
@pytest.mark.parametrize("homogeneous", [True, False])
def test_dikin_widths_and_directions_match_the_written_out_hessian(bound, homogeneous):
    P, A, b = _body(0, 10, 25, bound, homogeneous)
    x = P.analytic_center().x
    E = DikinEllipsoid(P, x)
    H = _dense_hessian(A, b, x, bound)
    Hinv = np.linalg.inv(H)
    G = np.random.default_rng(1).standard_normal((7, 10))
    want = np.sqrt(np.einsum("ij,ji->i", G, Hinv @ G.T))
    np.testing.assert_allclose(E.widths(G), want, rtol=1e-9)
    np.testing.assert_allclose(E.widths(sp.csr_array(G)), want, rtol=1e-9)
    # N(0, H^-1) draws: the sample covariance converges to H^-1 (20,000 draws: ~1% of the largest entry)
    D = E.directions(20000, np.random.default_rng(2))
    C = D @ D.T / D.shape[1]
    assert np.abs(C - Hinv).max() <= 0.04 * np.abs(Hinv).max()
    # the ellipsoid lies in the body: its extreme points along every row stay feasible
    An = A / np.linalg.norm(A, axis=1)[:, None]
    reach = x @ An.T + np.sqrt(np.einsum("ij,ji->i", An, Hinv @ An.T))
    assert np.all(reach <= b / np.linalg.norm(A, axis=1) + 1e-12)


def test_dikin_walk_stays_inside_and_moves():
    P, A, b = _body(3, 12, 30, "ball", True)
    x = P.analytic_center().x
    E = DikinEllipsoid(P, x)
    X = E.walk(64, 10, np.random.default_rng(0))
    assert X.shape == (12, 64)
    assert np.all(A @ X <= b[:, None]) and np.all(np.linalg.norm(X, axis=0) <= 1.0)
    assert np.linalg.norm(X - x[:, None], axis=0).min() > 0  # every chain moved
    lo, hi = E.chord(X, E.directions(64, np.random.default_rng(1)))
    assert np.all(lo < 0) and np.all(hi > 0)  # interior points: the chord contains t = 0


def test_dikin_of_the_bound_set_alone_and_bad_points():
    P = Polytope(sp.csr_array((0, 4)), np.zeros(0), bound="ball", R=2.0)
    E = DikinEllipsoid(P, np.zeros(4))  # H = (2 / R^2) I at the centre of the ball
    np.testing.assert_allclose(E.widths(np.eye(4)), np.full(4, np.sqrt(2.0)))
    Q, _, _ = _body(0, 5, 10, "box", False)
    with pytest.raises(DataError, match="strictly interior"):
        DikinEllipsoid(Q, np.full(5, 1.0))  # on the box's faces
    with pytest.raises(DataError, match="shape"):
        DikinEllipsoid(Q, np.zeros(3))


# ------------------------------------------------------------------------------------------ the rules
@pytest.fixture(scope="module")
def tree():
    return sample_tree(SPIRAL.X_train, 30, seed=0)


def _run(rule, tree, budget=16, **kw):
    return CPALClassifier(budget=budget, query=rule, patterns=tree, random_state=0, **kw).fit(
        SPIRAL.X_train, SPIRAL.y_train)


@pytest.mark.parametrize("rule", ["split", "committee"])
def test_version_space_rules_pick_the_smallest_key_of_each_round(rule, tree):
    clf = _run(rule, tree)
    assert clf.n_labels_used_ == 16 and len(set(clf.queried_)) == 16
    assert all(len(s.queried) == 1 for s in clf.history_)
    assert clf.n_cuts_ >= 3
    assert all("query_seconds" in s.center_info for s in clf.history_)
    # the split rule is deterministic: replay round k with the body after its cuts and check the pick
    if rule == "split":
        from relulp.cpal.cuts import CutModel
        from relulp.cpal.version_space import VersionSpace

        cm = CutModel(tree, SPIRAL.X_train)
        vs = VersionSpace(cm.dim, cm.block_width, bound="ball")
        asked = np.zeros(cm.n, dtype=bool)
        for step in clf.history_:
            vs.center()
            f = cm.predict(vs.theta)
            key = version_space_key("split", vs.polytope, vs.theta, cm.F, f, np.random.default_rng(0))
            key[asked] = np.inf
            assert step.queried[0] == int(np.argmin(key))
            asked[step.queried[0]] = True
            for i in step.cut_points:
                A, b = cm.cut([i], [SPIRAL.y_train[i]])
                vs.cut(A, b)


def test_split_key_is_distance_in_ellipsoid_widths(tree):
    clf = _run("uncertainty", tree, budget=10)
    vs = clf._spaces[0]
    F = clf._cut_model.F
    f = clf._cut_model.predict(vs.theta)
    key = version_space_key("split", vs.polytope, vs.theta, F, f, np.random.default_rng(0))
    w = DikinEllipsoid(vs.polytope, vs.theta).widths(F)
    np.testing.assert_allclose(key, np.abs(f) / w, rtol=1e-12)
    # committee keys: |mean vote| of K members (an integer over K) plus the split key's tie-break below 1/K
    K = 8
    ck = version_space_key("committee", vs.polytope, vs.theta, F, f, np.random.default_rng(0), committee_size=K,
                           committee_steps=4)
    vote = ck - key / (1.0 + key) / K
    np.testing.assert_allclose(vote * K, np.round(vote * K), atol=1e-9)
    assert np.all((vote >= -1e-12) & (vote <= 1 + 1e-12))
    assert np.unique(np.round(vote * K)).size >= 2  # the members disagree somewhere: they are not one point


def test_committee_is_reproducible_and_options_are_checked(tree):
    a = _run("committee", tree, budget=8, query_options={"committee_size": 4, "committee_steps": 2})
    b = _run("committee", tree, budget=8, query_options={"committee_size": 4, "committee_steps": 2})
    assert a.queried_ == b.queried_
    with pytest.raises(InvalidParameterError, match="unknown query_options"):
        _run("committee", tree, budget=4, query_options={"members": 4})
    with pytest.raises(InvalidParameterError):
        _run("committee", tree, budget=4, query_options={"committee_size": 0})


def test_version_space_rule_falls_back_to_uncertainty_without_an_interior_centre(tree, monkeypatch):
    import relulp.cpal.active as active

    def boom(*a, **k):
        raise DataError("the Dikin ellipsoid needs a strictly interior point")

    monkeypatch.setattr(active, "version_space_key", boom)
    clf = _run("split", tree, budget=6)
    ref = _run("uncertainty", tree, budget=6)
    assert clf.queried_ == ref.queried_
    assert all("uncertainty" in s.center_info["query_fallback"] for s in clf.history_)


def test_version_space_rules_work_in_batch_mode_and_one_vs_rest():
    X, y = SPIRAL.X_train, SPIRAL.y_train
    clf = CPALClassifier(budget=12, query="split", batch_size=3, n_patterns=20, random_state=0).fit(X, y)
    assert clf.n_labels_used_ == 12 and all(len(s.queried) == 3 for s in clf.history_)
    y3 = np.where(X[:, 0] > 0.3, 2, np.where(X[:, 0] < -0.3, 0, 1))
    ovr = CPALClassifier(budget=9, query="split", n_patterns=20, random_state=0).fit(X, y3)
    assert ovr.n_labels_used_ == 9 and len(ovr.classes_) == 3


# ------------------------------------------------------------------------------------------ linear baseline
def test_linear_cutting_plane_on_separable_data_keeps_a_consistent_centre():
    rng = np.random.default_rng(0)
    X = rng.standard_normal((120, 3))
    w_true = np.array([1.0, -2.0, 0.5, 0.3])
    y = np.sign(np.hstack([X, np.ones((120, 1))]) @ w_true)
    r = linear_cutting_plane(X, y, 30)
    assert len(r.queried) == 30 == len(set(r.queried)) and set(r.cuts) <= set(r.queried)
    assert r.empty_at is None and len(r.cuts) >= 3
    Xa = np.hstack([X, np.ones((120, 1))])
    # every cut point is classified correctly by the final centre (it lies in every cut's half-space)
    assert np.all(y[r.cuts] * (Xa[r.cuts] @ r.w) > 0)
    # and the centre generalises: most of the pool is right after 30 labels
    assert np.mean(np.sign(Xa @ r.w) == y) >= 0.9


def test_linear_cutting_plane_on_the_spiral_empties_and_keeps_asking():
    r = linear_cutting_plane(SPIRAL.X_train, SPIRAL.y_train, 40)
    assert r.empty_at is not None and len(r.queried) == 40 == len(set(r.queried))
    with pytest.raises(ValueError, match="-1/\\+1"):
        linear_cutting_plane(SPIRAL.X_train, SPIRAL.y_train + 1, 5)
    with pytest.raises(ValueError, match="budget"):
        linear_cutting_plane(SPIRAL.X_train, SPIRAL.y_train, 0)


# ------------------------------------------------------------------------------------------ AUC summaries
@settings(max_examples=40, deadline=None)
@given(st.lists(st.floats(0, 1), min_size=3, max_size=3), st.lists(st.floats(0, 1), min_size=3, max_size=3))
def test_auc_is_the_mean_height_of_the_piecewise_linear_curve(a, b):
    grid = [10, 20, 40]
    got = auc(grid, [a, b])
    for row, g in zip((a, b), got):
        xs = np.linspace(10, 40, 30001)
        assert g == pytest.approx(np.interp(xs, grid, row).mean(), abs=1e-4)


def test_mean_ci_is_the_student_t_interval():
    m, h = mean_ci([0.8, 0.9, 1.0, 0.7])
    assert m == pytest.approx(0.85)
    assert h == pytest.approx(3.182446305284263 * np.std([0.8, 0.9, 1.0, 0.7], ddof=1) / 2.0)
    assert np.isnan(mean_ci([0.5])[1])


def test_summarize_pairs_each_seed_with_random():
    res = {"grid": [1, 2], "strategies": {
        "random": {"accuracy": [[0.5, 0.5], [0.6, 0.6], [0.7, 0.7]]},
        "x": {"accuracy": [[0.6, 0.6], [0.7, 0.7], [0.8, 0.8]]}}}
    sm = summarize(res)
    assert sm["x"]["auc_diff_mean"] == pytest.approx(0.1) and sm["x"]["auc_diff_ci"] == pytest.approx(0.0, abs=1e-12)
    assert sm["random"]["auc_diff_mean"] == 0.0


def test_compare_runs_every_strategy_with_downstream_networks():
    from relulp.cpal.data import load_dataset

    ds = load_dataset("spiral")
    res = compare(ds, budget=12, grid=[6, 12], seeds=(0, 1), n_patterns=20, strategies=STRATEGIES,
                  backend="clarabel", downstream=True)
    assert set(res["strategies"]) == set(STRATEGIES) and set(res["summary"]) == set(STRATEGIES)
    for name, rec in res["strategies"].items():
        a, d = np.asarray(rec["accuracy"]), np.asarray(rec["downstream"])
        assert a.shape == d.shape == (2, 2) and np.all((a >= 0) & (a <= 1)) and np.all((d >= 0) & (d <= 1))
        sm = res["summary"][name]
        np.testing.assert_allclose(sm["auc"], auc([6, 12], a))
    # the mlp strategy and random share their labels, so their downstream networks are the same
    np.testing.assert_allclose(res["strategies"]["mlp"]["downstream"], res["strategies"]["random"]["downstream"])
    for s in ("cpal", "cpal-split", "cpal-committee", "cpal-uncertainty", "linear-cp"):
        assert res["strategies"][s]["cuts_mean"][-1] >= 1


def test_run_task_rejects_an_unknown_strategy():
    from relulp.cpal.data import load_dataset

    ds = load_dataset("spiral")
    task = {"X": ds.X_train, "y": ds.y_train, "Xt": ds.X_test, "yt": ds.y_test, "grid": [4], "seed": 0,
            "strategy": "oracle", "n_patterns": 10, "center": "analytic", "trainer": {}, "mlp_options": None}
    with pytest.raises(ValueError, match="unknown strategy"):
        run_task(task)
