"""The relulp command line (relulp.cli.main and one real subprocess): JSON records, files, errors."""

from __future__ import annotations

import json
import os
import subprocess
import sys

import highspy
import numpy as np
import pytest

from relulp import cli, plotting
from relulp.cli import build as build_cmd
from relulp.cli import problem
from relulp.cli import solve as solve_cmd

SOLVE_KEYS = {"status", "objective", "rows", "cols", "nnz", "build_seconds", "solve_seconds", "train_accuracy",
              "test_accuracy", "max_margin_violation"}


def run(capsys, *argv):
    rc = cli.main(list(argv))
    out, err = capsys.readouterr()
    return rc, out, err


def run_json(capsys, *argv):
    rc, out, err = run(capsys, *argv, "--json", "-")
    return rc, json.loads(out), err


def test_build_json_to_stdout(capsys):
    rc, rec, err = run_json(capsys, "build", "--patterns", "20", "--seed", "1")
    assert rc == 0
    assert rec["patterns_sampled"] == [20] and 1 <= rec["patterns"][0] <= 20
    P, n, d = rec["patterns"][0], rec["n_train"], rec["d"]
    assert (rec["layers"], rec["hidden_layers"], rec["leaves"], d) == (2, 1, 2 * P, 3)
    # min_l1: u and t columns; margin + cone + 2 |u| row families
    assert rec["cols"] == 2 * (2 * P * d)
    assert rec["rows"] == n + 2 * P * n + 2 * (2 * P * d)
    assert rec["nnz"] > 0 and rec["build_seconds"] > 0 and rec["pyomo_build_seconds"] > 0
    assert (rec["pyomo_rows"], rec["pyomo_cols"]) == (rec["rows"], rec["cols"])
    assert rec["statistics"]["nnz"] == rec["nnz"]
    assert "nonzeros" in err  # human-readable lines moved to stderr


def test_build_three_layers_auxiliary_no_pyomo(capsys, tmp_path):
    path = tmp_path / "b.json"
    rc, out, _ = run(capsys, "build", "--layers", "3", "--patterns", "4,6", "--formulation", "auxiliary",
                     "--no-pyomo", "--json", str(path))
    assert rc == 0 and "rows" in out
    rec = json.loads(path.read_text())
    assert rec["hidden_layers"] == 2 and len(rec["patterns"]) == 2 and rec["pyomo_build_seconds"] is None
    P1, P2 = rec["patterns"]
    assert rec["leaves"] == 4 * P1 * P2
    assert {f["name"] for f in rec["statistics"]["row_families"]} >= {"margin", "cone1", "cone2", "link2"}


def test_solve_spiral(capsys):
    rc, rec, _ = run_json(capsys, "solve", "--patterns", "20")
    assert rc == 0
    assert SOLVE_KEYS <= rec.keys()
    assert rec["status"] == "optimal" and rec["objective"] > 0
    assert rec["train_accuracy"] == 1.0 and 0.5 <= rec["test_accuracy"] <= 1.0
    assert 0 <= rec["max_margin_violation"] < 1e-6
    assert rec["fit_mismatch"] < 1e-6 and rec["lp_max_violation"] < 1e-6
    assert rec["solve_seconds"] > 0 and rec["backend"] == "highs"


def test_solve_three_layers_with_options(capsys):
    rc, rec, _ = run_json(capsys, "solve", "--layers", "3", "--patterns", "10,20", "--rng", "legacy",
                          "--method", "ipm", "--time-limit", "60", "--option", "run_crossover=off")
    assert rc == 0 and rec["status"] == "optimal"
    assert rec["patterns"] == [7, 14]  # the reference code's draws
    assert rec["train_accuracy"] == 1.0 and rec["max_margin_violation"] < 1e-6
    assert len(rec["active_neurons"]) == 2


def test_solve_infeasible_exit_code(capsys):
    rc, rec, err = run_json(capsys, "solve", "--layers", "3", "--patterns", "3,5")
    assert rc == cli.EXIT_NOT_OPTIMAL
    assert rec["status"] == "infeasible"
    assert rec["train_accuracy"] is None and rec["objective"] is None
    assert "infeasible" in err and "--patterns" in err and "hinge" in err


def test_solve_hinge_always_feasible(capsys):
    rc, rec, _ = run_json(capsys, "solve", "--layers", "3", "--patterns", "3,5", "--objective", "hinge",
                          "--lam", "0.01")
    assert rc == 0 and rec["status"] == "optimal"
    assert rec["max_margin_violation"] > 0  # slack in use: the data are not separated with margin 1


def test_solve_regression(capsys):
    rc, rec, _ = run_json(capsys, "solve", "--dataset", "quadratic", "--patterns", "20")
    assert rc == 0 and rec["objective"] is not None
    assert rec["objective"] >= 0 and rec["task"] == "regression"
    assert {"train_rmse", "test_rmse", "max_residual"} <= rec.keys() and "train_accuracy" not in rec
    assert rec["train_rmse"] < 0.05 and rec["test_rmse"] < 0.05
    rc, rec, _ = run_json(capsys, "solve", "--dataset", "quadratic", "--patterns", "20", "--objective", "eps",
                          "--eps", "0.1", "--lam", "0.01")
    assert rc == 0 and rec["max_tube_violation"] < 1e-6 and rec["max_residual"] <= 0.1 + 1e-6


def test_solve_multiclass_one_vs_rest(capsys, tmp_path):
    pytest.importorskip("sklearn")
    rc, rec, _ = run_json(capsys, "solve", "--dataset", "iris", "--patterns", "10", "--objective", "hinge",
                          "--lam", "0.01", "--write", str(tmp_path / "iris.mps"), "--no-pyomo")
    assert rc == 0 and rec["lps"] == 3 and len(rec["per_class"]) == 3
    assert rec["classes"] == ["setosa", "versicolor", "virginica"]
    assert rec["rows"] == sum(c["rows"] for c in rec["per_class"])
    assert rec["train_accuracy"] > 0.9
    assert sorted(os.listdir(tmp_path)) == ["iris.setosa.mps", "iris.versicolor.mps", "iris.virginica.mps"]


@pytest.mark.parametrize("suffix", [".lp", ".mps"])
@pytest.mark.parametrize("pyomo", [True, False])
def test_write_files_with_symbolic_names(capsys, tmp_path, suffix, pyomo):
    path = tmp_path / f"model{suffix}"
    argv = ["solve", "--patterns", "10", "--write", str(path)] + ([] if pyomo else ["--no-pyomo"])
    rc, rec, _ = run_json(capsys, *argv)
    assert rc == 0 and rec["files"] == [str(path)] and rec["writer"] == ("pyomo" if pyomo else "highs")
    text = path.read_text()
    assert "u(p0_0)" in text and "margin(0)" in text and "cone1(" in text
    h = highspy.Highs()
    h.setOptionValue("output_flag", False)
    h.readModel(str(path))
    h.run()
    assert h.getInfo().objective_function_value == pytest.approx(rec["objective"], rel=1e-6)


@pytest.mark.parametrize("argv,code,words", [
    (["build", "--layers", "3", "--patterns", "100"], 2, ["2 comma-separated counts", "50,100"]),
    (["build", "--layers", "1"], 2, ["--layers must be >= 2"]),
    (["build", "--patterns", "ten"], 2, ["positive integers"]),
    (["build", "--patterns", "0"], 2, [">= 1"]),
    (["build", "--layers", "4"], 2, ["give --patterns with 3"]),
    (["build", "--dataset", "no_such_set"], 1, ["unknown data set", "spiral"]),
    (["build", "--dataset", "missing.csv"], 1, ["missing.csv"]),
    (["build", "--objective", "l1"], 2, ["regression objective", "min_l1"]),
    (["solve", "--dataset", "quadratic", "--objective", "hinge"], 2, ["classification objective"]),
    (["build", "--write", "model.txt"], 2, [".lp or .mps"]),
    (["build", "--eps", "0.1"], 2, ["--eps applies"]),
    (["build", "--lam", "-1", "--objective", "hinge"], 2, ["--lam"]),
    (["solve", "--patterns", "5", "--backend", "nope"], 2, ["unknown backend"]),
    (["solve", "--patterns", "5", "--method", "nope"], 2, ["no method 'nope'"]),
    (["solve", "--patterns", "5", "--solver-option", "novalue"], 2, ["KEY=VALUE"]),
    (["build", "--seed", "-1"], 2, ["--seed"]),
    (["solve", "--patterns", "5", "--option", "novalue"], 2, ["KEY=VALUE"]),
    (["build", "--objective", "nope"], 2, ["invalid choice"]),
    (["frobnicate"], 2, ["invalid choice"]),
    ([], 2, ["usage"]),
])
def test_bad_arguments(capsys, tmp_path, monkeypatch, argv, code, words):
    monkeypatch.chdir(tmp_path)
    rc, out, err = run(capsys, *argv)
    assert rc == code, err
    for w in words:
        assert w in err
    assert not os.listdir(tmp_path)  # nothing written on failure


def test_help_and_version(capsys):
    assert run(capsys, "--help")[0] == 0
    rc, out, _ = run(capsys, "--version")
    assert rc == 0 and "relulp" in out
    rc, out, _ = run(capsys, "solve", "--help")
    assert rc == 0 and "--time-limit" in out and "--patterns" in out


def test_command_that_does_not_import_leaves_cli_working(monkeypatch, capsys):
    monkeypatch.setattr(cli, "COMMANDS", (*cli.COMMANDS, "relulp_no_such_module"))
    parser = cli.build_parser()
    sub = next(a for a in parser._actions if a.__class__.__name__ == "_SubParsersAction")
    assert {"build", "solve", "demo", "cpal"} <= set(sub.choices) and "relulp_no_such_module" not in sub.choices
    assert run(capsys, "--help")[0] == 0


def test_bench_registered_when_importable():
    parser = cli.build_parser()
    sub = next(a for a in parser._actions if a.__class__.__name__ == "_SubParsersAction")
    try:
        import relulp.bench.run  # noqa: F401
    except Exception:
        assert "bench" not in sub.choices
    else:
        assert "bench" in sub.choices


def test_register_command(monkeypatch, capsys):
    import types

    hello = types.ModuleType("relulp_test_hello")

    def add_parser(sub):
        p = sub.add_parser("hello")
        p.add_argument("--name", default="world")
        return p

    hello.add_parser = add_parser
    hello.run = lambda args: print(f"hello {args.name}") or 0
    monkeypatch.setitem(sys.modules, "relulp_test_hello", hello)
    monkeypatch.setattr(cli, "COMMANDS", (*cli.COMMANDS, "relulp_test_hello"))
    rc, out, _ = run(capsys, "hello", "--name", "cpal")
    assert rc == 0 and out == "hello cpal\n"


def test_console_script_subprocess(tmp_path):
    """The real entry point in a fresh interpreter (python -m relulp.cli = the console script's main)."""
    proc = subprocess.run([sys.executable, "-m", "relulp.cli", "build", "--patterns", "5", "--no-pyomo", "-q",
                           "--json", "-"], capture_output=True, text=True, cwd=tmp_path, timeout=120)
    assert proc.returncode == 0, proc.stderr
    rec = json.loads(proc.stdout)
    assert rec["command"] == "build" and rec["nnz"] > 0
    proc = subprocess.run([sys.executable, "-m", "relulp.cli", "build", "--layers", "3", "--patterns", "5"],
                          capture_output=True, text=True, cwd=tmp_path, timeout=120)
    assert proc.returncode == 2 and "--patterns" in proc.stderr and proc.stdout == ""


def test_demo_small(tmp_path, capsys):
    out = tmp_path / "demo"
    rc, stdout, _ = run(capsys, "demo", "--out", str(out), "--patterns2", "30", "--patterns3", "10,20")
    assert rc == 0
    assert sorted(os.listdir(out)) == ["spiral_2layer.lp", "spiral_decision_boundaries.png", "summary.json"]
    summary = json.loads((out / "summary.json").read_text())
    assert [r["name"] for r in summary["runs"]] == ["2-layer", "3-layer"]
    for r in summary["runs"]:
        assert r["status"] == "optimal" and r["train_accuracy"] == 1.0
    assert (out / "spiral_decision_boundaries.png").read_bytes()[:8] == b"\x89PNG\r\n\x1a\n"
    assert "u(p0_0)" in (out / "spiral_2layer.lp").read_text()
    assert "[2-layer]" in stdout and "[3-layer]" in stdout and "accuracy" in stdout


def test_compact_network_is_the_same_function():
    import relulp
    from relulp import datasets

    ds = datasets.spiral()
    tree = relulp.PatternTree(relulp.sample_deep_patterns(ds.X_train, [4, 6], seed=0))
    rng = np.random.default_rng(0)
    x = rng.normal(size=tree.num_leaves * 3)
    x[rng.random(x.size) < 0.5] = 0.0
    x[:3] = 0.0
    net = relulp.recover_network(tree, x)
    small = plotting._compact(net)
    assert small.weights[0].shape[1] < net.weights[0].shape[1]
    pts = rng.normal(size=(50, 2))
    assert np.allclose(small.decision_function(pts), net.decision_function(pts))


def test_demo_reports_infeasible_run(tmp_path, capsys):
    rc, stdout, _ = run(capsys, "demo", "--out", str(tmp_path), "--patterns2", "30", "--patterns3", "3,5",
                        "--no-plot")
    assert rc == cli.EXIT_NOT_OPTIMAL
    assert "infeasible" in stdout and "--patterns3" in stdout
    summary = json.loads((tmp_path / "summary.json").read_text())
    assert [r["status"] for r in summary["runs"]] == ["optimal", "infeasible"]


def test_pyomo_skipped_when_memory_is_short(monkeypatch, capsys, tmp_path):
    monkeypatch.setattr(problem, "_available_memory", lambda: 1000)
    rc, rec, err = run_json(capsys, "build", "--patterns", "5", "--write", str(tmp_path / "m.lp"))
    assert rc == 0 and rec["pyomo_build_seconds"] is None and "Pyomo model skipped" in err
    assert rec["writer"] == "highs" and (tmp_path / "m.lp").exists()


def test_dataset_from_csv(capsys, tmp_path):
    from relulp import datasets

    ds = datasets.spiral()
    path = tmp_path / "spiral.csv"
    np.savetxt(path, np.c_[ds.X, ds.y], delimiter=",", header="x1,x2,label", comments="")
    rc, rec, _ = run_json(capsys, "solve", "--dataset", str(path), "--patterns", "20")
    assert rc == 0 and rec["status"] == "optimal" and rec["n_train"] + rec["n_test"] == 100
    assert rec["train_accuracy"] == 1.0


# ------------------------------------------------------------------------------------------------
# issue 13: one seed, clear errors, consistent options
# ------------------------------------------------------------------------------------------------

def test_default_seed_gives_the_papers_pattern_counts(capsys):
    # `relulp build --patterns 1000` and `--layers 3 --patterns 50,100` with the default seed 0
    rc, rec, err = run_json(capsys, "build", "--patterns", "1000", "--no-pyomo")
    assert rc == 0 and rec["patterns"] == [623]
    rc, rec, _ = run_json(capsys, "build", "--layers", "3", "--patterns", "50,100", "--no-pyomo")
    assert rc == 0 and rec["patterns"] == [34, 57]
    rc, rec, _ = run_json(capsys, "build", "--patterns", "1000", "--no-pyomo", "--rng", "legacy")
    assert rc == 0 and rec["patterns"] == [623]  # legacy is the default
    rc, rec, _ = run_json(capsys, "build", "--patterns", "1000", "--no-pyomo", "--rng", "numpy")
    assert rc == 0 and rec["patterns"] == [602]  # opt-in: numpy's default_rng stream


def test_cli_seed_is_the_library_seed(capsys):
    import relulp
    from relulp import datasets

    ds = datasets.spiral()
    rc, rec, _ = run_json(capsys, "build", "--layers", "3", "--patterns", "10,20", "--seed", "3", "--no-pyomo")
    lib = relulp.sample_deep_patterns(ds.X_train, [10, 20], seed=3)
    assert rc == 0 and rec["patterns"] == [D.shape[1] for D in lib]


def test_demo_uses_the_same_seed(tmp_path, capsys):
    rc, _, _ = run(capsys, "demo", "--out", str(tmp_path), "--patterns2", "1000", "--patterns3", "50,100",
                   "--no-plot", "--time-limit", "0.001")
    summary = json.loads((tmp_path / "summary.json").read_text())
    assert [r["patterns"] for r in summary["runs"]] == [[623], [34, 57]] and summary["seed"] == 0


def test_latin1_csv_clear_error_exit_2(tmp_path):
    path = tmp_path / "latin.csv"
    path.write_bytes("x1,x2,label\n0.5,1.2,caf\u00e9\n0.3,0.1,no\n".encode("latin-1"))
    proc = subprocess.run([sys.executable, "-m", "relulp.cli", "solve", "--dataset", str(path), "--patterns", "5"],
                          capture_output=True, text=True, cwd=tmp_path, timeout=120)
    assert proc.returncode == 2
    assert "Traceback" not in proc.stderr and "UnicodeDecodeError" not in proc.stderr
    assert "latin.csv" in proc.stderr and "UTF-8" in proc.stderr and "byte offset 23" in proc.stderr


def test_dataset_help_documents_the_csv_format(capsys):
    rc, out, _ = run(capsys, "solve", "--help")
    assert rc == 0
    flat = " ".join(out.split()).replace("- ", "-")  # argparse wraps lines at hyphens
    for words in ("UTF-8", "comma-separated", "LAST column", "header row"):
        assert words in flat


def test_one_class_csv_reports_its_label(capsys, tmp_path):
    path = tmp_path / "one.csv"
    path.write_text("a,b,y\n" + "".join(f"{i},{i * i},1\n" for i in range(6)))
    rc, out, err = run(capsys, "solve", "--dataset", str(path), "--patterns", "5")
    assert rc == 1 and "every label is 1" in err and "[0.0]" not in err


def test_bad_names_are_refused_before_the_build(capsys, monkeypatch):
    def boom(*a, **k):
        raise AssertionError("the problem was prepared before the names were checked")

    monkeypatch.setattr(solve_cmd, "prepare_problem", boom)
    for argv in (["--backend", "nope"], ["--method", "simplexx"], ["--backend", "glpk", "--method", "pdlp"]):
        rc, out, err = run(capsys, "solve", *argv)
        assert rc == 2 and "error" in err and "Traceback" not in err


def test_solver_option_spelling_and_alias(capsys):
    for flag in ("--solver-option", "--option"):
        rc, rec, _ = run_json(capsys, "solve", "--patterns", "20", flag, "run_crossover=off")
        assert rc == 0 and rec["status"] == "optimal"


def test_large_lp_warning_on_stderr(capsys, monkeypatch):
    monkeypatch.setattr(solve_cmd, "LARGE_LP_NNZ", 100)
    rc, rec, err = run_json(capsys, "solve", "--patterns", "20")
    assert rc == 0
    assert f"this LP has {rec['nnz']:,} nonzeros" in err and "Ctrl-C stops it" in err and "minutes" in err


def test_bad_memory_limit_environment_in_the_cli(tmp_path):
    env = {**os.environ, "RELULP_MEMORY_LIMIT": "lots"}
    proc = subprocess.run([sys.executable, "-m", "relulp.cli", "build", "--patterns", "5", "--no-pyomo"],
                          capture_output=True, text=True, cwd=tmp_path, timeout=120, env=env)
    assert proc.returncode == 1 and "Traceback" not in proc.stderr
    assert "RELULP_MEMORY_LIMIT" in proc.stderr and "'lots'" in proc.stderr


def test_keyboard_interrupt_exit_130(capsys, monkeypatch):
    def interrupted(args):
        raise KeyboardInterrupt

    monkeypatch.setattr(build_cmd, "run", interrupted)
    rc, _, err = run(capsys, "build")
    assert rc == 130 and "interrupted" in err


def test_ctrl_c_ends_the_console_script_even_if_python_never_sees_it(tmp_path):
    """A solver that keeps the main thread (MPAX under JAX) swallowed Ctrl-C and the CLI hung: the
    watchdog exits 130 after the grace period (here the script ignores the KeyboardInterrupt)."""
    import signal
    import time

    # After the watchdog is installed, a no-op Python-level handler stands for a runtime that never lets
    # the interrupt through (no KeyboardInterrupt is ever raised, so none can escape a try block by a race);
    # the C-level handler still writes to the wakeup fd the watchdog reads.
    code = ("import signal, sys, time\n"
            "from relulp.cli import common as cli\n"
            "cli.INTERRUPT_GRACE_SECONDS = 0.5\n"
            "cli._install_interrupt_watchdog('relulp test')\n"
            "signal.signal(signal.SIGINT, lambda *a: None)\n"
            "print('ready', flush=True)\n"
            "t0 = time.time()\n"
            "while time.time() - t0 < 30:\n"
            "    time.sleep(0.05)\n"
            "sys.exit(5)\n")
    proc = subprocess.Popen([sys.executable, "-c", code], stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True,
                            cwd=tmp_path)
    assert proc.stdout.readline().strip() == "ready"
    t0 = time.time()
    proc.send_signal(signal.SIGINT)
    _, err = proc.communicate(timeout=20)
    assert proc.returncode == 130 and "interrupted" in err
    assert time.time() - t0 < 10
