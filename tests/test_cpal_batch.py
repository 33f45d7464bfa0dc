"""Issue 12, items 5-7: batch-mode CPAL (``batch_size``), the volumetric stopping rule (``stop_radius_ratio``,
``FitStatus.VOLUME_SHRUNK``) and user features from an .npz file (``relulp cpal --dataset FILE.npz``)."""

from __future__ import annotations

import json
import math
import warnings

import numpy as np
import pytest

from relulp.cli import main
from relulp.cpal import CPALClassifier, CPALRegressor, FitStatus, OracleError
from relulp.cpal.centers import chebyshev_radius, radius_lower_bound
from relulp.cpal.learners import sample_tree
from relulp.cpal.query import Diversity, select
from relulp.datasets import load_npz, quadratic, spiral
from relulp.exceptions import DataError

DS = spiral()
X, Y = DS.X_train, DS.y_train

#: queried_ and cuts_ of the unbatched learner, recorded from the code before batch mode existed (commit
#: 622ff8c): spiral, n_patterns=30, random_state=0, budget 24; quadratic, n_patterns=20, eps=0.01, budget 12
BEFORE_BATCH_MODE = {
    "confidence": ([0, 1, 2, 35, 60, 34, 21, 76, 20, 36, 59, 33, 29, 16, 4, 58, 39, 17, 7, 70, 78, 46, 12, 56],
                   [0, 1, 2, 60, 34, 20, 33]),
    "uncertainty": ([0, 4, 11, 36, 68, 30, 10, 77, 9, 13, 53, 59, 15, 61, 66, 34, 55, 56, 60, 5, 73, 27, 74, 19],
                    [0, 4, 11, 36, 68, 30, 77, 13, 59, 61, 55, 56, 60, 73, 19]),
    "random": ([68, 50, 39, 20, 24, 3, 6, 1, 15, 65, 53, 73, 41, 48, 78, 58, 49, 42, 43, 75, 21, 64, 52, 0],
               [68, 50, 20, 3, 15, 53, 73, 41, 49, 43, 75]),
    "regression": ([0, 1, 52, 27, 38, 40, 51, 74, 37, 73, 42, 9], [0, 1, 52, 27, 38, 40, 51, 74, 73, 42, 9]),
}


# ------------------------------------------------------------------------------------------ batch mode
@pytest.mark.parametrize("rule", ["confidence", "uncertainty", "random"])
def test_batch_size_one_reproduces_the_unbatched_learner_exactly(rule):
    clf = CPALClassifier(budget=24, n_patterns=30, random_state=0, query=rule, batch_size=1).fit(X, Y)
    assert (clf.queried_, clf.cuts_) == BEFORE_BATCH_MODE[rule]
    default = CPALClassifier(budget=24, n_patterns=30, random_state=0, query=rule).fit(X, Y)
    np.testing.assert_array_equal(clf.theta_, default.theta_)


def test_batch_size_one_reproduces_the_unbatched_regressor_exactly():
    q = quadratic()
    reg = CPALRegressor(budget=12, n_patterns=20, eps=0.01, random_state=0, batch_size=1).fit(q.X_train, q.y_train)
    assert (reg.queried_, reg.cuts_) == BEFORE_BATCH_MODE["regression"]


@pytest.mark.parametrize("rule,per_round", [("uncertainty", 5), ("confidence", 10), ("random", 5)])
def test_a_batch_round_asks_k_plans_at_one_centre(rule, per_round):
    clf = CPALClassifier(budget=30, n_patterns=30, random_state=0, query=rule, batch_size=5).fit(X, Y)
    assert clf.status_ is FitStatus.BUDGET_SPENT and clf.n_labels_used_ == 30
    assert len(clf.history_) == math.ceil(30 / per_round)  # one step (one centre) per round
    assert all(len(s.queried) == per_round for s in clf.history_)
    assert len(set(clf.queried_)) == 30  # no point twice
    # a centre is computed only for a round that follows a cut, never within a round
    recomputed = [s.center_recomputed for s in clf.history_]
    cut_before = [True] + [bool(s.cut_points) for s in clf.history_[:-1]]
    assert recomputed == cut_before
    if rule == "confidence":  # the first plan is the unbatched round: at theta = 0 (f = 0) min -> 0, max -> 1
        assert clf.history_[0].queried[:2] == [0, 1]


def test_batch_picks_are_conditioned_and_spread_out():
    """A duplicate of a pick is fully explained by it (rho = 0): uncertainty never picks it in the same round,
    whereas the unconditioned top-k takes the duplicate right away."""
    Xd = np.vstack([X, X])  # point i + 80 duplicates point i (same patterns, same prediction)
    yd = np.concatenate([Y, Y])
    tree = sample_tree(Xd, 30, seed=0)
    clf = CPALClassifier(budget=40, patterns=tree, random_state=0, query="uncertainty", batch_size=4).fit(Xd, yd)
    for s in clf.history_:
        base = [i % 80 for i in s.queried]
        assert len(set(base)) == len(base), s.queried  # never a point and its duplicate in one round
    naive = CPALClassifier(budget=40, patterns=tree, random_state=0, query="uncertainty", batch_size=4)
    naive._condition_batches = False
    naive.fit(Xd, yd)
    assert any(len({i % 80 for i in s.queried}) < len(s.queried) for s in naive.history_)


def test_diversity_rho_and_select():
    F = np.array([[1.0, 0.0], [2.0, 0.0], [0.0, 1.0], [1.0, 1.0], [0.0, 0.0]])
    div = Diversity(F)
    np.testing.assert_allclose(div.rho(), 1.0)
    div.add(0)
    np.testing.assert_allclose(div.rho(), [0.0, 0.0, 1.0, np.sqrt(0.5), 1.0])  # last: F_j = 0, no information
    f = np.array([0.1, 0.12, 0.3, 0.15, 5.0])
    avail = np.array([False, True, True, True, True])
    assert select("absmin", f, avail) == 1  # unconditioned: the smallest |f|
    assert select("absmin", f, avail, rho=div.rho()) == 3  # 0.12 / 0 = inf; 0.15 / 0.707 < 0.3
    assert select("min", -f, avail, rho=div.rho()) == 4  # the most confident, unexplained
    zero = np.zeros(5)  # the first round, f = 0: ties go to the larger rho, then the smaller index
    assert select("absmin", zero, avail, rho=div.rho()) == 2


def test_an_oracle_error_in_a_batch_resumes_to_the_uninterrupted_run():
    calls = {"n": 0}

    def flaky(i):
        calls["n"] += 1
        return "banana" if calls["n"] == 8 else Y[i]

    ref = CPALClassifier(budget=20, n_patterns=30, random_state=0, query="uncertainty", batch_size=5).fit(X, Y)
    clf = CPALClassifier(budget=20, n_patterns=30, random_state=0, query="uncertainty", batch_size=5)
    with pytest.raises(OracleError):
        clf.fit(X, oracle=flaky)
    assert clf.n_labels_used_ == 7 and clf.status_ is FitStatus.RUNNING
    clf.resume(oracle=lambda i: Y[i])
    assert clf.queried_ == ref.queried_ and clf.cuts_ == ref.cuts_


def test_batch_regressor_and_parameter_checks():
    q = quadratic()
    reg = CPALRegressor(budget=12, n_patterns=20, eps=0.01, random_state=0, batch_size=3, query="uncertainty")
    reg.fit(q.X_train, q.y_train)
    assert reg.n_labels_used_ == 12 and len(reg.history_) == 4
    for bad in (dict(batch_size=0), dict(batch_size=1.5), dict(stop_radius_ratio=0.0),
                dict(stop_radius_ratio=1.0), dict(stop_radius_ratio="small")):
        with pytest.raises(ValueError):
            CPALClassifier(budget=5, n_patterns=10, **bad).fit(X, Y)


# ------------------------------------------------------------------------------------------ volumetric stopping
def test_fit_status_documents_volume_shrunk():
    assert FitStatus.VOLUME_SHRUNK == "volume_shrunk" and "VOLUME_SHRUNK" in FitStatus.__doc__


@pytest.mark.parametrize("bound", ["ball", "box"])
def test_the_radius_rule_stops_the_run_when_the_radius_is_small_enough_and_not_before(bound):
    ratio = 0.02 if bound == "ball" else 0.05
    kw = dict(n_patterns=8, random_state=0, query="uncertainty", bound=bound)
    stopped = CPALClassifier(budget=80, stop_radius_ratio=ratio, **kw).fit(X, Y)
    assert stopped.status_ is FitStatus.VOLUME_SHRUNK and stopped.n_labels_used_ < 80
    assert "stop_radius_ratio" in stopped.message_
    P = stopped._spaces[0].polytope
    exact = P.chebyshev_center().radius / P.R
    assert stopped.radius_ratio_ == pytest.approx(exact) and exact <= ratio
    # never fired earlier: every radius measured before was above the threshold (exact, or a certified
    # lower bound of it)
    measured = [s.center_info["radius_ratio"] for s in stopped.history_ if "radius_ratio" in s.center_info]
    assert measured and all(r > ratio for r in measured)
    # the same run as without the rule, up to the stop
    full = CPALClassifier(budget=80, **kw).fit(X, Y)
    assert full.status_ is FitStatus.BUDGET_SPENT and full.radius_ratio_ is None
    assert stopped.queried_ == full.queried_[: stopped.n_labels_used_]
    # a threshold below the final radius of the whole run: the rule never fires
    final_ratio = full._spaces[0].polytope.chebyshev_center().radius / full._spaces[0].polytope.R
    tight = CPALClassifier(budget=80, stop_radius_ratio=0.5 * final_ratio, **kw).fit(X, Y)
    assert tight.status_ is FitStatus.BUDGET_SPENT and tight.queried_ == full.queried_
    assert tight.radius_ratio_ > 0.5 * final_ratio


def test_resume_after_volume_shrunk_needs_a_smaller_ratio():
    clf = CPALClassifier(budget=80, n_patterns=8, random_state=0, query="uncertainty", stop_radius_ratio=0.05)
    clf.fit(X, Y)
    used = clf.n_labels_used_
    assert clf.status_ is FitStatus.VOLUME_SHRUNK
    clf.resume()
    assert clf.status_ is FitStatus.VOLUME_SHRUNK and clf.n_labels_used_ == used
    clf.set_params(stop_radius_ratio=0.02)
    clf.resume()
    assert clf.n_labels_used_ > used and clf.status_ is FitStatus.VOLUME_SHRUNK and clf.radius_ratio_ <= 0.02


def test_one_vs_rest_stops_when_every_space_has_shrunk():
    from relulp.datasets import load_sklearn

    iris = load_sklearn("iris")
    runs = {}
    for ratio in (0.3, 0.1):
        clf = CPALClassifier(budget=60, n_patterns=4, random_state=0, query="uncertainty", stop_radius_ratio=ratio)
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")
            runs[ratio] = clf.fit(iris.X_train, iris.y_train)
        assert isinstance(clf.radius_ratio_, list) and len(clf.radius_ratio_) == 3
    assert runs[0.3].status_ is FitStatus.VOLUME_SHRUNK and all(r <= 0.3 for r in runs[0.3].radius_ratio_)
    assert runs[0.3].n_labels_used_ == 3  # every class's space measured once (the classes take turns)
    assert runs[0.1].status_ is FitStatus.BUDGET_SPENT and max(runs[0.1].radius_ratio_) > 0.1


def test_radius_lower_bound_is_below_the_chebyshev_radius():
    for bound in ("ball", "box"):
        clf = CPALClassifier(budget=20, n_patterns=8, random_state=0, query="uncertainty", bound=bound).fit(X, Y)
        P, x = clf._spaces[0].polytope, clf.theta_
        r_exact, exact, _ = chebyshev_radius(P)
        assert exact and 0 < radius_lower_bound(P, x) <= r_exact * (1 + 1e-7)
        r_screen, exact, _ = chebyshev_radius(P, x, threshold=1e-9)  # the bound is above: no LP
        assert not exact and r_screen == pytest.approx(radius_lower_bound(P, x))


# ------------------------------------------------------------------------------------------ user features (.npz)
def _embedding(tmp_path):
    """A fixed feature map: a frozen random ReLU layer on the spiral (16 features), saved as X, y, X_test, y_test."""
    W = np.random.default_rng(0).normal(size=(2, 16))
    path = tmp_path / "emb.npz"
    np.savez(path, X=np.maximum(DS.X_train @ W, 0), y=DS.y_train, X_test=np.maximum(DS.X_test @ W, 0),
             y_test=DS.y_test)
    return path


def test_cli_cpal_on_user_features_with_batch_and_stopping(tmp_path):
    path = _embedding(tmp_path)
    ds = load_npz(path)
    assert ds.n_train == 80 and ds.n_test == 20 and ds.n_features == 16  # X, y is the pool; the test set is kept
    out = tmp_path / "run.json"
    rc = main(["cpal", "--dataset", str(path), "--patterns", "20", "--budget", "30", "--query", "uncertainty",
               "--batch-size", "5", "--stop-radius-ratio", "0.001", "--json", str(out), "--no-progress", "-q"])
    rec = json.loads(out.read_text())
    assert rc == 0 and rec["dataset"] == "emb" and rec["settings"]["batch_size"] == 5
    assert rec["status"] in ("budget_spent", "volume_shrunk") and "radius_ratio" in rec
    assert all(len(h["queried"]) == 5 for h in rec["history"]) and "test_accuracy" in rec


@pytest.mark.parametrize("arrays,message", [
    ({"X": np.ones((5, 2))}, "expected arrays X, y"),
    ({"X": np.ones(5), "y": np.ones(5)}, "must be 2-D"),
    ({"X": np.ones((5, 2)), "y": np.ones((5, 2))}, "labels must be 1-D"),
    ({"X": np.ones((5, 2)), "y": np.ones(4)}, "X has 5 rows but y has 4"),
    ({"X": np.array([["a", "b"]] * 5), "y": np.ones(5)}, "features must be real numbers"),
    ({"X": np.ones((5, 2)), "y": np.ones(5), "X_test": np.ones((2, 2))}, "no y_test"),
    ({"X": np.ones((5, 2)), "y": np.ones(5), "X_test": np.ones((2, 3)), "y_test": np.ones(2)}, "3 feature columns"),
    ({"X_train": np.ones((5, 2)), "y_train": np.ones(5)}, "missing"),
])
def test_bad_npz_files_get_clear_errors(tmp_path, arrays, message, capsys):
    path = tmp_path / "bad.npz"
    np.savez(path, **arrays)
    with pytest.raises(DataError, match=message):
        load_npz(path)
    assert main(["cpal", "--dataset", str(path), "--no-progress"]) == 1
    assert message.split()[0] in capsys.readouterr().err


def test_pickled_npz_is_refused_not_loaded(tmp_path, capsys):
    path = tmp_path / "pickled.npz"
    np.savez(path, X=np.array([{"x": 1}] * 5, dtype=object), y=np.ones(5))
    assert main(["cpal", "--dataset", str(path), "--no-progress"]) == 1
    assert "pickled" in capsys.readouterr().err


def test_cli_usage_errors_for_the_new_options(capsys):
    assert main(["cpal", "--stop-radius-ratio", "1.5", "--no-progress"]) == 2
    assert main(["cpal", "--train", "--stop-radius-ratio", "0.1", "--no-progress"]) == 2
    assert main(["cpal", "--batch-size", "0", "--no-progress"]) == 2
    err = capsys.readouterr().err
    assert "--stop-radius-ratio" in err and "--batch-size" in err
