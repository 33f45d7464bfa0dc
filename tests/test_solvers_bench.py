"""solvers.bench (relulp bench): CLI wiring, outputs, scoring maths; LP file reading."""

from __future__ import annotations

import argparse
import csv
import json
import math

import numpy as np
import pytest

from relulp import solvers
from relulp.bench import report as bench_report
from relulp.bench import run as bench
from relulp.solvers import Status, instances
from relulp.solvers.highs_adapter import new_highs, to_highs_lp
from relulp.solvers.io import read_lp_file


def parse(argv):
    parser = argparse.ArgumentParser(prog="relulp")
    sub = parser.add_subparsers(dest="command")
    bench.add_subparser(sub)
    return parser.parse_args(argv)


def test_subparser_defaults():
    args = parse(["bench", "--suite", "smoke", "--json", "x.json"])
    assert args.func is bench.run and args.suite == "smoke" and str(args.json) == "x.json"
    args = parse(["bench", "--widths", "20,6x6", "--n", "30,40", "--objective", "hinge"])
    assert args.widths == [(20,), (6, 6)] and args.n == [30, 40] and args.objective == ["hinge"]


def test_bench_run_writes_every_run(tmp_path, capsys):
    lp_file = tmp_path / "textbook.mps"
    write_mps(instances.textbook()[1].lp, lp_file)
    out = tmp_path / "b.json"
    args = parse(["bench", "--no-suite", "--n", "12", "--d", "2", "--widths", "4,3x3", "--objective", "l1",
                  "--solvers", "highs:simplex,highs:ipm,glpk:simplex,cupdlpx", "--repeats", "2",
                  "--time-limit", "30", "--json", str(out), "--quiet", str(lp_file)])
    assert args.func(args) == 0
    doc = json.loads(out.read_text())
    solvers_run = [s for s in ("highs:simplex", "highs:ipm", "glpk:simplex")
                   if s != "glpk:simplex" or "glpk" in solvers.available()]
    assert doc["solvers"] == solvers_run
    assert bool(doc["skipped_solvers"]) == ("cupdlpx" not in solvers.available())  # not installed: skipped
    assert doc["complete"] is True and doc["interrupted"] is False
    assert [i["name"] for i in doc["instances"]][-1] == "textbook.mps"
    assert len(doc["runs"]) == 3 * len(solvers_run) * 2  # 2 relulp instances + 1 file, 2 repeats
    for r in doc["runs"]:
        assert r["status"] == "optimal" and r["verdict"] == "solved"
        assert r["rel_primal_residual"] <= 1e-7 and r["iterations"] is not None
    file_runs = [r for r in doc["runs"] if r["instance"] == "textbook.mps"]
    assert all(r["objective"] == pytest.approx(-36.0) for r in file_runs)
    assert doc["machine"]["cpu_count"] >= 1 and "highspy" in doc["machine"]["versions"]
    assert {r["solver"] for r in doc["summary"]} == set(solvers_run)
    assert all(r["solved"] == 3 for r in doc["summary"])
    assert min(r["sgm_normalised"] for r in doc["summary"]) == pytest.approx(1.0)
    rows = list(csv.DictReader(out.with_suffix(".csv").open()))
    assert len(rows) == len(doc["runs"]) and rows[0]["status"] == "optimal"
    assert out.with_suffix(".png").stat().st_size > 1000
    printed = capsys.readouterr().out
    assert "sgm10" in printed and "solved" in printed


def write_mps(lp, path):
    h = new_highs()
    h.passModel(to_highs_lp(lp))
    h.writeModel(str(path))


@pytest.mark.parametrize("suffix", [".mps", ".lp"])
def test_read_lp_file_round_trip(tmp_path, suffix):
    known = instances.textbook()[3]  # ranged row and a free column
    path = tmp_path / f"m{suffix}"
    write_mps(known.lp, path)
    lp = read_lp_file(path)
    res = solvers.solve(lp, method="simplex")
    assert res.status is Status.OPTIMAL and res.objective == pytest.approx(known.objective)


def test_sgm_and_scoring_by_hand():
    assert bench_report.sgm([0.0, 0.0]) == pytest.approx(0.0)
    assert bench_report.sgm([10.0, 30.0]) == pytest.approx(math.sqrt(20 * 40) - 10)
    recs = [
        # instance a: A solves in 1 s, B in 4 s, C claims optimal with a different objective
        {"instance": "a", "solver": "A", "status": "optimal", "objective": 1.0, "total_seconds": 1.0},
        {"instance": "a", "solver": "B", "status": "optimal", "objective": 1.0, "total_seconds": 4.0},
        {"instance": "a", "solver": "C", "status": "optimal", "objective": 2.0, "total_seconds": 0.5},
        # instance b: A times out, B solves in 2 s, C has too large a residual
        {"instance": "b", "solver": "A", "status": "time_limit", "objective": None, "total_seconds": 10.0,
         "timed_out": True},
        {"instance": "b", "solver": "B", "status": "optimal", "objective": 3.0, "total_seconds": 2.0},
        {"instance": "b", "solver": "C", "status": "optimal", "objective": 3.0, "total_seconds": 1.0,
         "rel_primal_residual": 1e-2},
    ]
    cells = bench_report.score(recs, time_limit=10.0, check_tol=1e-4)
    assert [r["verdict"] for r in recs] == ["solved", "solved", "wrong", "time_limit", "solved", "wrong"]
    assert cells[("b", "A")]["time"] == 10.0 and cells[("a", "C")]["time"] == 10.0
    rows = {r["solver"]: r for r in bench_report.summary(cells, ["A", "B", "C"])}
    assert rows["A"]["solved"] == 1 and rows["B"]["solved"] == 2 and rows["C"]["wrong"] == 2
    assert rows["A"]["sgm_seconds"] == pytest.approx(math.sqrt(11 * 20) - 10)
    assert rows["B"]["sgm_seconds"] == pytest.approx(math.sqrt(14 * 12) - 10)
    assert rows["B"]["sgm_normalised"] == 1.0
    ratios = bench_report.profile(cells, ["A", "B", "C"])
    np.testing.assert_allclose(ratios["A"], [1.0, np.inf])
    np.testing.assert_allclose(ratios["B"], [4.0, 1.0])
    assert np.isinf(ratios["C"]).all()


# ------------------------------------------------------------------------------------------------
# issue 13: bad input exits 2 before any work, results are never overwritten, Ctrl-C keeps the runs
# ------------------------------------------------------------------------------------------------

SMALL = ["--no-suite", "--n", "10", "--d", "2", "--widths", "3", "--objective", "l1", "--solvers", "highs:simplex",
         "--quiet", "--no-plot"]


def test_bench_missing_file_exit_2_writes_nothing(tmp_path, capsys, monkeypatch):
    monkeypatch.chdir(tmp_path)
    args = parse(["bench", *SMALL, "missing.mps"])
    assert args.func(args) == 2
    err = capsys.readouterr().err
    assert "no such file" in err and "missing.mps" in err
    assert list(tmp_path.iterdir()) == []


@pytest.mark.parametrize("spec,words", [("nosuch:x", "unknown backend"), ("highs:simplexx", "no method")])
def test_bench_bad_solver_names_exit_2(tmp_path, capsys, monkeypatch, spec, words):
    monkeypatch.chdir(tmp_path)
    args = parse(["bench", "--solvers", spec, "--quiet"])
    assert args.func(args) == 2
    assert words in capsys.readouterr().err
    assert list(tmp_path.iterdir()) == []


def test_bench_does_not_overwrite_results(tmp_path, capsys, monkeypatch):
    monkeypatch.chdir(tmp_path)
    out = tmp_path / "r.json"
    out.write_text("earlier results")
    args = parse(["bench", *SMALL, "--json", str(out)])
    assert args.func(args) == 2
    assert "already exist" in capsys.readouterr().err and out.read_text() == "earlier results"
    args = parse(["bench", *SMALL, "--json", str(out), "--overwrite"])
    assert args.func(args) == 0 and json.loads(out.read_text())["complete"] is True
    # the default name moves on instead of overwriting
    for k in range(2):
        args = parse(["bench", *SMALL])
        assert args.func(args) == 0
    names = sorted(p.name for p in tmp_path.iterdir())
    assert names == ["bench-smoke-2.csv", "bench-smoke-2.json", "bench-smoke.csv", "bench-smoke.json",
                     "r.csv", "r.json"]


def test_bench_interrupt_keeps_finished_runs(tmp_path, capsys, monkeypatch):
    calls = {"n": 0}
    real = bench.run_one

    def flaky(*a, **k):
        calls["n"] += 1
        if calls["n"] == 3:
            raise KeyboardInterrupt
        return real(*a, **k)

    monkeypatch.setattr(bench, "run_one", flaky)
    out = tmp_path / "i.json"
    args = parse(["bench", "--no-suite", "--n", "10", "--d", "2", "--widths", "3", "--objective", "l1,hinge",
                  "--seeds", "0,1", "--solvers", "highs:simplex", "--quiet", "--json", str(out)])
    assert args.func(args) == 130
    err = capsys.readouterr().err
    assert "interrupted" in err and "2 finished runs" in err
    doc = json.loads(out.read_text())
    assert doc["interrupted"] is True and doc["complete"] is False and len(doc["runs"]) == 2
    assert all(r["status"] == "optimal" for r in doc["runs"])
    assert len(list(csv.DictReader(out.with_suffix(".csv").open()))) == 2
    assert not out.with_suffix(".png").exists()


def test_bench_help_says_what_was_measured(capsys):
    with pytest.raises(SystemExit):
        parse(["bench", "--help"])
    out = " ".join(capsys.readouterr().out.split())
    assert "~1 min" not in out and "measured" in out and "smoke: 6 LPs" in out


def test_gitignore_covers_default_outputs():
    from pathlib import Path

    text = (Path(__file__).resolve().parents[1] / ".gitignore").read_text().split()
    assert "/relulp-demo/" in text and "/bench-*.json" in text and "/bench-*.csv" in text
