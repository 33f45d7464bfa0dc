"""``relulp.convex.compare`` and ``relulp convex --compare`` (docs/convex.md, "Comparison").

On tiny data the records must satisfy what the mathematics guarantees: the certified SDP value is <= the NN-TRAIN
objective of every network found (on the data the SDP saw), the exact convex optimum (every pattern) is <= the
sampled program's and <= the NN-TRAIN objective of every network found, scikit-learn's and the LP's included.
"""

from __future__ import annotations

import json
import math

import numpy as np
import pytest

from relulp import datasets
from relulp.cli import main
from relulp.convex import compare as cmp
from relulp.network import ReLUNetwork

RTOL = 1e-6


def _le(a: float, b: float) -> bool:
    return a <= b + RTOL * (1.0 + abs(b))


def _tiny(n_train: int = 16) -> datasets.Dataset:
    return datasets.spiral(n=n_train + 8, n_train=n_train, seed=1)


@pytest.fixture(scope="module")
def tiny_comparison():
    """Everything on 16 points (the SDP sees all of them)."""
    return cmp.compare(_tiny(), beta=0.1, n_patterns=15, seed=0, sdp_max_n=16, mlp_width=20, mlp_max_iter=400,
                       sdp_iterations=200)


# ------------------------------------------------------------------------------------------------------------
# the objective
# ------------------------------------------------------------------------------------------------------------

def _numpy_nn_train(X, y, W1, w2, beta):
    Xa = np.hstack([X, np.ones((X.shape[0], 1))])
    f = np.maximum(Xa @ W1, 0.0) @ w2
    return 0.5 * np.sum((f - y) ** 2) + 0.5 * beta * (np.sum(W1 ** 2) + np.sum(w2 ** 2))


def test_nn_train_agrees_with_numpy():
    rng = np.random.default_rng(3)
    X, y = rng.standard_normal((9, 3)), rng.standard_normal(9)
    W1, w2 = rng.standard_normal((4, 5)) * 3.0, rng.standard_normal(5) * 0.2   # far from balanced
    net = ReLUNetwork([W1], w2, True, {"task": "regression"})
    assert cmp.nn_train(net, X, y, 0.3, balance=False) == pytest.approx(_numpy_nn_train(X, y, W1, w2, 0.3), rel=1e-12)
    # balanced: neuron j scaled by a_j = sqrt(|w2_j| / ||W1[:, j]||) in, 1 / a_j out (same f, least weight decay)
    a = np.sqrt(np.abs(w2) / np.linalg.norm(W1, axis=0))
    expected = _numpy_nn_train(X, y, W1 * a, w2 / a, 0.3)
    assert cmp.nn_train(net, X, y, 0.3) == pytest.approx(expected, rel=1e-10)
    assert expected < _numpy_nn_train(X, y, W1, w2, 0.3)
    # the penalty part: (beta/2) * 2 sum ||W1[:, j]|| |w2_j| at the balanced point
    f = np.maximum(np.hstack([X, np.ones((9, 1))]) @ W1, 0) @ w2
    penalty = 0.3 * np.sum(np.linalg.norm(W1, axis=0) * np.abs(w2))
    assert expected == pytest.approx(0.5 * np.sum((f - y) ** 2) + penalty, rel=1e-10)


def test_network_from_mlp_reproduces_sklearn():
    from sklearn.neural_network import MLPClassifier, MLPRegressor

    rng = np.random.default_rng(0)
    X = rng.standard_normal((30, 2))
    y = np.where(X[:, 0] * X[:, 1] > 0, 1.0, -1.0)
    reg = MLPRegressor(hidden_layer_sizes=(7,), solver="lbfgs", alpha=0.1, max_iter=200, random_state=0).fit(X, y)
    net = cmp.network_from_mlp(reg, "regression")
    assert abs(reg.intercepts_[1][0]) > 1e-6          # the output bias is really exercised
    np.testing.assert_allclose(net.decision_function(X), reg.predict(X), rtol=1e-10, atol=1e-10)
    assert net.widths == [8]                           # 7 neurons + the output bias's neuron
    clf = MLPClassifier(hidden_layer_sizes=(7,), solver="lbfgs", alpha=0.1, max_iter=200, random_state=0).fit(X, y)
    cnet = cmp.network_from_mlp(clf)
    np.testing.assert_array_equal(np.where(cnet.decision_function(X) > 0, 1.0, -1.0), clf.predict(X))


def test_stratified_subsample_keeps_both_classes():
    y = np.array([1.0] * 3 + [-1.0] * 37)
    idx = cmp.stratified_subsample(y, 10, seed=0)
    assert len(idx) == 10 and len(set(idx)) == 10 and np.all(np.diff(idx) > 0)
    assert set(y[idx]) == {1.0, -1.0}
    np.testing.assert_array_equal(cmp.stratified_subsample(y, 40), np.arange(40))


# ------------------------------------------------------------------------------------------------------------
# the inequalities
# ------------------------------------------------------------------------------------------------------------

def test_every_method_has_a_record_with_a_status(tiny_comparison):
    c = tiny_comparison
    methods = [r["method"] for r in c.records]
    assert methods == ["exact_convex", "sampled_convex", "sdp_nn", "sdp_rounded", "lp", "sklearn_mlp",
                       "sklearn_mlp_classifier"]          # no convex_sdp_data: the SDP saw every point
    by = {r["method"]: r for r in c.records}
    assert by["exact_convex"]["status"] == "optimal" and by["sampled_convex"]["status"] == "optimal"
    assert by["sdp_nn"]["status"] == "optimal" and by["sdp_nn"]["certified"]
    assert by["lp"]["status"] == "optimal"
    assert by["sklearn_mlp"]["status"] in ("converged", "iteration_limit")
    for r in c.records:
        assert r["error"] is None and r["seconds"] >= 0
        if r["method"] != "sdp_nn":
            assert r["nn_train"] is not None and 0 <= r["train_accuracy"] <= 1
    assert by["exact_convex"]["patterns"] > by["sampled_convex"]["patterns"]


def test_the_inequalities_hold(tiny_comparison):
    by = {r["method"]: r for r in tiny_comparison.records}
    sdp = by["sdp_nn"]["lower_bound"]
    q = by["exact_convex"]["value"]
    networks = [r for r in tiny_comparison.records if r["method"] != "sdp_nn"]
    assert len(networks) == 6
    for r in networks:
        assert _le(sdp, r["nn_train"]), (r["method"], sdp, r["nn_train"])      # SDP* <= every NN-TRAIN
        assert _le(q, r["nn_train"]), (r["method"], q, r["nn_train"])          # q* <= every NN-TRAIN
    assert _le(sdp, q)
    assert _le(q, by["sampled_convex"]["value"])                              # exact <= sampled
    # the exact program's network attains q* (the Pilanci-Ergen identity, normalization 1)
    assert by["exact_convex"]["nn_train"] == pytest.approx(q, rel=1e-5)
    assert by["sampled_convex"]["nn_train"] == pytest.approx(by["sampled_convex"]["value"], rel=1e-5)
    g = tiny_comparison.gaps
    assert g["all_checks_hold"] and len(g["checks"]) >= 12
    assert g["exact_on_sdp_data"] == q and g["sdp_over_exact"] == pytest.approx(sdp / q)
    assert 0 < g["sdp_over_exact"] <= 1 + RTOL and g["sdp_over_best"] <= g["sdp_over_exact"] + RTOL


def test_subsampled_sdp_is_compared_on_its_own_data():
    c = cmp.compare(_tiny(20), beta=0.1, n_patterns=15, seed=0, sdp_max_n=10, mlp_width=10, mlp_max_iter=200,
                    sdp_iterations=100, methods=["exact_convex", "sdp_nn", "sdp_rounded", "convex_sdp_data",
                                                 "sklearn_mlp"])
    by = {r["method"]: r for r in c.records}
    assert "subsample of 10 of 20" in by["sdp_nn"]["data"] and "subsample only" in by["sdp_nn"]["note"]
    sub = by["convex_sdp_data"]
    assert sub["patterns_kind"] == "exact" and sub["status"] == "optimal"
    lb = by["sdp_nn"]["lower_bound"]
    assert lb is not None
    for r in c.records:
        if r["method"] != "sdp_nn":
            assert _le(lb, r["nn_train_sdp_data"]) and _le(sub["value"], r["nn_train_sdp_data"])
    # the subsample's optimum is below the full set's (fewer squared residuals, same penalty)
    assert _le(sub["value"], by["exact_convex"]["value"])
    assert c.gaps["exact_on_sdp_data"] == sub["value"] and c.gaps["all_checks_hold"]


def test_regression_reports_rmse_and_the_inequalities_hold():
    c = cmp.compare(datasets.quadratic(n=30, n_train=20), beta=0.01, n_patterns=20, sdp_max_n=20, mlp_width=10,
                    mlp_max_iter=200, sdp_iterations=100)
    by = {r["method"]: r for r in c.records}
    assert "sklearn_mlp_classifier" not in by and "train_accuracy" not in by["lp"]
    q, lb = by["exact_convex"]["value"], by["sdp_nn"]["lower_bound"]
    for r in c.records:
        if r["method"] != "sdp_nn":
            assert r["train_rmse"] >= 0 and _le(q, r["nn_train"]) and _le(lb, r["nn_train"])
    assert c.gaps["all_checks_hold"] and "train RMSE" in c.table()


def test_a_failing_method_is_a_record(monkeypatch):
    from relulp.convex import sdp

    def boom(*a, **k):
        raise RuntimeError("solver exploded")

    monkeypatch.setattr(sdp, "build_sdp_nn", boom)
    c = cmp.compare(_tiny(), beta=0.1, n_patterns=10, methods=["sampled_convex", "sdp_nn", "sdp_rounded", "lp"],
                    lp_objective="min_l1", exact_max_patterns=10)
    by = {r["method"]: r for r in c.records}
    assert by["sdp_nn"]["status"] == "error" and "solver exploded" in by["sdp_nn"]["error"]
    assert "sdp_rounded" not in by                        # nothing to round
    assert by["sampled_convex"]["status"] == "optimal"
    assert by["lp"]["status"] in ("optimal", "infeasible")  # min_l1 on 10 directions: whatever HiGHS says
    skipped = cmp.compare(_tiny(), beta=0.1, methods=["exact_convex"], exact_max_patterns=10).records[0]
    assert skipped["status"] == "skipped" and "exact_max_patterns=10" in skipped["note"]
    assert skipped["value"] is None and skipped["nn_train"] is None


def test_bad_arguments_raise():
    from relulp.exceptions import DataError, UnknownOptionError

    for kw in ({"beta": 0.0}, {"beta": -1.0}, {"beta": math.nan}, {"n_patterns": 0}, {"methods": ["nope"]},
               {"lp_objective": "eps"}, {"sdp_max_n": 1}):
        with pytest.raises(UnknownOptionError):
            cmp.compare(_tiny(), **kw)
    with pytest.raises(UnknownOptionError):
        cmp.compare("mnist")
    with pytest.raises(DataError):
        cmp.compare(datasets.load_sklearn("iris"))           # three classes


# ------------------------------------------------------------------------------------------------------------
# the command
# ------------------------------------------------------------------------------------------------------------

def test_cli_compare_iris(tmp_path, capsys):
    out, png = tmp_path / "c.json", tmp_path / "c.png"
    rc = main(["convex", "--compare", "--dataset", "iris", "--patterns", "10", "--sdp-max-n", "10",
               "--mlp-width", "10", "--json", str(out), "--plot", str(png)])
    text = capsys.readouterr().out
    assert rc == 0
    rec = json.loads(out.read_text())
    (c,) = rec["comparisons"]
    assert c["dataset"] == "iris" and c["settings"]["classes"] == ["not versicolor", "versicolor"]
    by = {r["method"]: r for r in c["records"]}
    assert by["exact_convex"]["status"] == "skipped"      # 120 points in R^5: ~1.6e7 patterns
    assert by["sdp_nn"]["data"] == "subsample of 10 of 120 training points"
    assert by["convex_sdp_data"]["patterns_kind"] == "exact"
    assert c["gaps"]["all_checks_hold"] and c["gaps"]["sdp_over_exact"] <= 1 + RTOL
    assert "| iris | (c) SDP-NN value |" in text and "SDP/exact" in text
    assert png.stat().st_size > 1000


@pytest.mark.parametrize("argv, words", [
    (["convex", "--dataset", "iris"], "--compare"),
    (["convex", "--compare"], "--dataset"),
    (["convex", "--compare", "--dataset", "iris", "--all"], "not both"),
    (["convex", "--compare", "--dataset", "mnist"], "invalid choice"),
    (["convex", "--compare", "--dataset", "iris", "--beta", "-1"], "--beta"),
    (["convex", "--compare", "--dataset", "iris", "--beta", "nan"], "--beta"),
    (["convex", "--compare", "--dataset", "iris", "--patterns", "0"], "--patterns"),
    (["convex", "--compare", "--dataset", "iris", "--sdp-max-n", "2"], "--sdp-max-n"),
    (["convex", "--compare", "--dataset", "iris", "--plot", "x.txt"], "--plot"),
    (["convex", "--compare", "--dataset", "iris", "--seed", "-3"], "--seed"),
    (["convex", "--compare", "--dataset", "iris", "--lp-backend", "nosuch"], "nosuch"),
])
def test_cli_bad_options_exit_2(argv, words, capsys):
    assert main(argv) == 2
    err = capsys.readouterr().err
    assert words in err and "Traceback" not in err
