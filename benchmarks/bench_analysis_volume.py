"""Randomized volume of relulp.analysis on bodies of known volume: error, interval and time.

    python -m pytest benchmarks/bench_analysis_volume.py -q
    RELULP_BENCH_ALL=1 python -m pytest benchmarks/bench_analysis_volume.py -q   # + simplex N = 50 (minutes)

Target (brief): <= 5 % error at N = 20 and N = 50 within 60 s each (hopsy's built-in estimator was
~1000x off at N = 20). Baseline in the same run: the classic schedule from the inscribed ellipsoid
(``q_target=0.99``: no rejection phase, every phase by hit-and-run).
"""

from __future__ import annotations

import math
import os
import time

import pytest

from relulp.analysis import bodies

ALL = bool(os.environ.get("RELULP_BENCH_ALL"))
_default_s: dict[str, float] = {}

CASES = [("cube", 20), ("simplex", 20), ("cube", 50)] + ([("simplex", 50)] if ALL else [])


def _body(kind, N):
    if kind == "cube":
        return bodies.cube(N, rotation=N), 2.0**N
    return bodies.simplex(N), 1.0 / math.factorial(N)


@pytest.mark.parametrize("kind, N", CASES)
def test_volume_known_bodies(benchmark, kind, N):
    cpu = {}
    P, _ = _body(kind, N)  # built outside the timing (a rotation imports scipy.stats on first use)

    def run():
        c = time.process_time()
        res = P.volume(rel_error=0.05, seed=0, max_seconds=600)
        cpu["s"] = time.process_time() - c  # the machine is shared: CPU time next to wall time
        return res

    res = benchmark.pedantic(run, rounds=1, iterations=1)
    _, truth = _body(kind, N)
    sec = benchmark.stats.stats.min
    _default_s[f"{kind}{N}"] = sec
    benchmark.extra_info.update(body=f"{kind} N={N}", rel_error=res.volume / truth - 1,
                                interval=[res.lower / truth, res.upper / truth], status=res.status.value,
                                covers_truth=bool(res.lower <= truth <= res.upper),
                                levels=len(res.levels) - 1, chain_steps=res.chain_steps, seconds=sec,
                                cpu_seconds=cpu["s"], target=dict(error=0.05, seconds=60))
    assert res.status.value == "converged" and abs(res.volume / truth - 1) < 0.1


@pytest.mark.parametrize("rel_error", [0.2, 0.1, 0.05, 0.025])
def test_error_vs_time_cube20(benchmark, rel_error):
    truth = 2.0**20

    P = bodies.cube(20, rotation=7)

    def run():
        return P.volume(rel_error=rel_error, seed=1)

    res = benchmark.pedantic(run, rounds=1, iterations=1)
    benchmark.extra_info.update(requested=rel_error, achieved_halfwidth=res.rel_halfwidth,
                                actual_error=res.volume / truth - 1, seconds=benchmark.stats.stats.min)


def test_classic_schedule_baseline_cube20(benchmark):
    truth = 2.0**20

    P = bodies.cube(20, rotation=20)

    def run():
        return P.volume(rel_error=0.05, seed=0, q_target=0.99, max_seconds=600)

    res = benchmark.pedantic(run, rounds=1, iterations=1)
    sec = benchmark.stats.stats.min
    benchmark.extra_info.update(rel_error=res.volume / truth - 1, levels=len(res.levels) - 1, seconds=sec,
                                slowdown_vs_default=sec / _default_s.get("cube20", float("nan")))
