"""solvers.bench (relulp bench): CLI wiring, outputs, scoring maths; LP file reading."""

from __future__ import annotations

import argparse
import csv
import json
import math

import highspy
import numpy as np
import pytest

import solvers
from solvers import Status, bench, bench_report, instances
from solvers.backends.highs import to_highs_lp
from solvers.io import read_lp_file


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
                  "--solvers", "highs:simplex,highs:ipm,glpk:simplex,nosuch:x", "--repeats", "2",
                  "--time-limit", "30", "--json", str(out), "--quiet", str(lp_file)])
    assert args.func(args) == 0
    doc = json.loads(out.read_text())
    solvers_run = [s for s in ("highs:simplex", "highs:ipm", "glpk:simplex")
                   if s != "glpk:simplex" or "glpk" in solvers.available()]
    assert doc["solvers"] == solvers_run and doc["skipped_solvers"]
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
    h = highspy.Highs()
    h.setOptionValue("output_flag", False)
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
