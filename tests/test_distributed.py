"""relulp.distributed: the runs that multiply (``relulp bench`` instances, ``relulp cpal --compare`` seeds and
strategies) on Dask give the serial run's results, in its order; without Dask, one worker runs serially and
more workers are refused with the install command.

The Dask tests start a ``LocalCluster`` of 2 single-threaded worker processes (about 2 s each) and are
skipped when ``dask[distributed]`` is not installed (``pip install "relulp[distributed]"``).
"""

from __future__ import annotations

import json

import numpy as np
import pytest

from relulp import distributed
from relulp.bench import run as bench

needs_dask = pytest.mark.skipif(not distributed.available(),
                                reason='dask[distributed] not installed (pip install "relulp[distributed]")')

TIMINGS = {"total_seconds", "setup_seconds", "solve_seconds", "seconds"}


def _square(x):
    return x * x


def _fail_on_three(x):
    if x == 3:
        raise ValueError("task 3 failed")
    return x


def test_serial_map_keeps_order_and_reports_each_result():
    seen = []
    assert distributed.map_tasks(_square, range(5), on_result=lambda i, r: seen.append((i, r))) == [0, 1, 4, 9, 16]
    assert seen == [(i, i * i) for i in range(5)]
    assert not distributed.uses_dask(1, None) and distributed.uses_dask(2, None) and distributed.uses_dask(1, "tcp://x:1")


def test_settings_are_checked_and_missing_dask_names_the_install_command(monkeypatch):
    with pytest.raises(ValueError, match="workers must be an integer >= 1"):
        distributed.check(0)
    monkeypatch.setattr(distributed, "available", lambda: False)
    distributed.check(1)  # one worker needs no Dask
    assert distributed.map_tasks(_square, [3]) == [9]
    with pytest.raises(distributed.DistributedUnavailableError, match=r'pip install "relulp\[distributed\]"'):
        distributed.check(2)
    with pytest.raises(ImportError, match="needs Dask"):
        distributed.map_tasks(_square, [1, 2], scheduler="tcp://127.0.0.1:8786")


def test_bench_without_dask_refuses_workers(monkeypatch, tmp_path, capsys):
    monkeypatch.setattr(distributed, "available", lambda: False)
    rc = bench.main(["--suite", "smoke", "--workers", "2", "--json", str(tmp_path / "b.json"), "--no-plot"])
    assert rc == bench.EXIT_USAGE
    assert "dask[distributed]" in capsys.readouterr().err and not (tmp_path / "b.json").exists()


def test_cpal_compare_options_need_compare(capsys):
    from relulp.cli import main

    assert main(["cpal", "--workers", "2", "--no-progress"]) == 2
    assert "--workers/--scheduler apply to --compare only" in capsys.readouterr().err


@needs_dask
def test_local_cluster_keeps_task_order_and_reraises():
    seen = []
    out = distributed.map_tasks(_square, range(8), workers=2, on_result=lambda i, r: seen.append(i))
    assert out == [i * i for i in range(8)] and sorted(seen) == list(range(8))
    with distributed.client(2, processes=False) as c:  # threads: a fast second cluster for the error path
        assert c.submit(_square, 4).result() == 16
    with pytest.raises(ValueError, match="task 3 failed"):
        distributed.map_tasks(_fail_on_three, range(5), workers=2, processes=False)


def _strip(records):
    return [{k: v for k, v in r.items() if k not in TIMINGS} for r in records]


@needs_dask
def test_bench_on_two_workers_gives_the_serial_records(tmp_path):
    common = ["--suite", "smoke", "--solvers", "highs:simplex,highs:ipm,glpk:simplex", "--no-plot", "--quiet"]
    assert bench.main([*common, "--json", str(tmp_path / "serial.json")]) == 0
    assert bench.main([*common, "--json", str(tmp_path / "dask.json"), "--workers", "2"]) == 0
    serial, dask = (json.loads((tmp_path / f"{n}.json").read_text()) for n in ("serial", "dask"))
    assert len(serial["runs"]) == 18 and dask["complete"]
    assert _strip(dask["runs"]) == _strip(serial["runs"])  # same records, same order
    assert dask["instances"] == serial["instances"]
    assert (serial["workers"], serial["scheduler"]) == (1, None)
    assert (dask["workers"], dask["scheduler"]) == (2, "LocalCluster")


@needs_dask
def test_cpal_compare_on_two_workers_gives_the_serial_curves():
    from relulp.cpal.compare import compare
    from relulp.cpal.data import load_dataset

    ds = load_dataset("spiral")
    kw = dict(budget=8, grid=[4, 8], seeds=(0, 1), n_patterns=12, strategies=("cpal", "random", "uncertainty"))
    serial = compare(ds, **kw)
    dask = compare(ds, **kw, workers=2)
    def without_timings(rec):  # as JSON: NaN (an untrained point) compares equal to NaN
        out = dict(rec, strategies={k: {f: v for f, v in s.items() if f not in TIMINGS}
                                    for k, s in rec["strategies"].items()})
        return json.dumps(out, sort_keys=True)

    assert without_timings(dask) == without_timings(serial)
    assert np.isfinite(np.asarray(serial["strategies"]["random"]["accuracy"])).all()
