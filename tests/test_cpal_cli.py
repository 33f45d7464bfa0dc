"""``relulp cpal``: the paper's three runs in CI-sized form, comparisons, the Theorem 6.3 check, bad input."""

from __future__ import annotations

import json
import math

import pytest

from relulp.cli import main


def _run(tmp_path, *argv, name="out.json"):
    path = tmp_path / name
    rc = main(["cpal", *argv, "--json", str(path), "--no-progress"])
    return rc, (json.loads(path.read_text()) if path.exists() else None)


KEYS = {"labels_used", "cuts", "rows", "seconds", "history", "status", "final_solve", "queried", "cut_points"}


def test_spiral_two_layer_reaches_test_accuracy_one_after_the_final_solve(tmp_path):
    rc, rec = _run(tmp_path, "--dataset", "spiral", "--layers", "2", "--patterns", "100", "--budget", "60",
                   "--center", "analytic", "--final-solve", "--plot", str(tmp_path / "run.png"))
    assert rc == 0
    assert KEYS | {"train_accuracy", "test_accuracy"} <= rec.keys()
    assert rec["labels_used"] == 60 and rec["status"] == "budget_spent"
    assert rec["test_accuracy"] == 1.0 and rec["train_accuracy"] >= 0.95
    assert rec["final_solve"][0]["status"] == "optimal" and rec["final_solve"][0]["n_labelled"] == 60
    assert len(rec["history"]) >= rec["cuts"] // 2 and rec["history"][-1]["labels_used"] == 60
    assert (tmp_path / "run.png").stat().st_size > 10_000


def test_spiral_three_layer_beats_the_reference(tmp_path):
    rc, rec = _run(tmp_path, "--dataset", "spiral", "--layers", "3", "--patterns", "10,20", "--budget", "30",
                   "--final-solve")
    assert rc == 0
    assert len(rec["patterns"]) == 2 and rec["labels_used"] == 30
    assert rec["test_accuracy"] >= 0.9  # the reference reports 0.60


def test_quadratic_regression_rmse(tmp_path):
    rc, rec = _run(tmp_path, "--dataset", "quadratic", "--patterns", "200", "--budget", "60", "--final-solve")
    assert rc == 0
    assert {"train_rmse", "test_rmse", "center_test_rmse"} <= rec.keys()
    assert rec["test_rmse"] <= 0.01
    assert rec["settings"]["eps"] == 1e-3


def test_training_mode(tmp_path):
    rc, rec = _run(tmp_path, "--dataset", "spiral", "--patterns", "50", "--train", "--batch-size", "4")
    assert rc == 0 and rec["mode"] == "train" and rec["status"] == "converged"
    assert rec["labels_used"] == 80 and rec["cuts"] == len(rec["cut_points"])


def test_compare_writes_curves_and_a_figure(tmp_path):
    png = tmp_path / "cmp.png"
    rc, rec = _run(tmp_path, "--compare", "--dataset", "spiral,digits:3v8", "--pca", "10", "--patterns", "30",
                   "--seeds", "2", "--grid", "6,12", "--budget", "12", "--plot", str(png))
    assert rc == 0 and png.stat().st_size > 10_000
    assert [r["dataset"] for r in rec["results"]] == ["spiral", "digits:3v8+pca10"]
    for res in rec["results"]:
        assert res["grid"] == [6, 12]
        assert set(res["strategies"]) == {"cpal", "uncertainty", "random", "mlp"}
        for s in res["strategies"].values():
            assert len(s["accuracy"]) == 2 and all(0.0 <= a <= 1.0 for row in s["accuracy"] for a in row)
        assert res["strategies"]["cpal"]["cuts_mean"][-1] >= 1


def test_compare_with_version_space_rules_and_downstream_networks(tmp_path, capsys):
    rc, rec = _run(tmp_path, "--compare", "--dataset", "spiral", "--patterns", "10", "--seeds", "2", "--grid", "4,8",
                   "--budget", "8", "--strategies", "cpal-split,cpal-committee,linear-cp,random", "--downstream")
    assert rc == 0
    res = rec["results"][0]
    assert list(res["strategies"]) == ["cpal-split", "cpal-committee", "linear-cp", "random"]  # as asked
    for name, sm in res["summary"].items():
        assert 0.0 <= sm["auc_mean"] <= 1.0 and 0.0 <= sm["down_auc_mean"] <= 1.0
        assert len(sm["auc"]) == 2 and "auc_diff_mean" in sm
    out = capsys.readouterr().out
    assert "AUC (95% CI)" in out and "downstream MLP (100, 100)" in out


def test_theorem_6_3_centroid_cuts_keep_at_most_1_minus_1_over_e(tmp_path):
    png = tmp_path / "vol.png"
    rc, rec = _run(tmp_path, "--dataset", "spiral", "--patterns", "4", "--budget", "20", "--track-volume",
                   "--center", "centroid", "--volume-samples", "400", "--plot", str(png))
    assert rc == 0 and png.exists()
    assert rec["N"] == 24 and rec["grunbaum"] == pytest.approx(1 - 1 / math.e)
    cuts = rec["centers"]["centroid"]["cuts"]
    assert len(cuts) >= 2
    for c in cuts:
        assert 0.0 <= c["fit_lower"] <= c["fit_ratio"] <= c["fit_upper"] <= 1.0
        assert c["fit_lower"] <= 1 - 1 / math.e  # within the interval of the Grünbaum bound
        assert c["ratio"] <= c["fit_upper"]  # the cone rows only remove more
    assert rec["centers"]["centroid"]["margin"]["violations"] == 0


@pytest.mark.parametrize("argv,code,msg", [
    (["--dataset", "spiral", "--budget", "81"], 1, "larger than the pool"),
    (["--train", "--compare"], 2, "at most one"),
    (["--plot", "fig.jpg"], 2, ".png"),
    (["--dataset", "spiral,quadratic"], 2, "--compare"),
    (["--layers", "3", "--patterns", "10"], 2, "hidden layer"),
    (["--compare", "--dataset", "quadratic"], 2, "binary"),
    (["--backend", "nope"], 2, "unknown backend"),
    (["--method", "nope", "--final-solve"], 2, "no method 'nope'"),
    (["--solver-option", "novalue"], 2, "KEY=VALUE"),
    (["--option", "novalue"], 2, "KEY=VALUE"),
    (["--seed", "-3"], 2, "--seed"),
    (["--compare", "--strategies", "cpal,oracle"], 2, "unknown ['oracle']"),
    (["--compare", "--strategies", ","], 2, "empty list"),
    (["--query", "committe"], 2, "invalid choice"),
])
def test_bad_input_exit_codes(argv, code, msg, capsys):
    assert main(["cpal", *argv, "--no-progress", "-q"]) == code
    assert msg in capsys.readouterr().err


def test_bad_backend_refused_before_any_work(capsys, monkeypatch):
    import relulp.cpal.data as data

    def boom(*a, **k):
        raise AssertionError("data loaded before the backend name was checked")

    monkeypatch.setattr(data, "load_dataset", boom)
    assert main(["cpal", "--backend", "hihgs", "--no-progress", "-q"]) == 2
    assert "unknown backend" in capsys.readouterr().err


def test_option_alias_matches_solve(tmp_path):
    # --option (the `relulp solve` spelling) is accepted by cpal, --solver-option by both
    from relulp.cli import build_parser

    a = build_parser().parse_args(["cpal", "--option", "run_crossover=off", "--solver-option", "threads=1"])
    b = build_parser().parse_args(["solve", "--option", "run_crossover=off", "--solver-option", "threads=1"])
    assert a.solver_option == b.solver_option == ["run_crossover=off", "threads=1"]
