"""Certified pruning of relulp.analysis: time vs rows, screened vs plain Clarkson, block cones.

    python -m pytest benchmarks/bench_analysis_pruning.py -q

Target (brief): 2,000 rows in 20-D with ~80 % redundant in <= 2 s (cddlib's redundant_rows 79 s, a plain
Clarkson 7 s, both measured on a 2-core machine). Baseline in the same run: ``algorithm="plain"`` (primal model,
index order, no ray seeding, no screens). The screened run is timed 3 times (min and median, wall and
CPU: the machine is shared).
"""

from __future__ import annotations

import time

import pytest

from relulp.analysis import bodies

_plain: dict[int, float] = {}


@pytest.mark.parametrize("m", [500, 1000, 2000])
def test_prune_plain_clarkson(benchmark, m):
    P = bodies.redundant_polytope(20, m, 0.8, seed=0)
    res = benchmark.pedantic(lambda: P.prune(algorithm="plain", ray_seed=False, stages=("lp",)), rounds=1,
                             iterations=1)
    _plain[m] = benchmark.stats.stats.min
    benchmark.extra_info.update(rows=m, kept=len(res.kept), lp_solves=res.lp_solves, seconds=_plain[m])
    assert res.verify() == []


@pytest.mark.parametrize("m", [500, 1000, 2000])
def test_prune_screened(benchmark, m):
    P = bodies.redundant_polytope(20, m, 0.8, seed=0)
    cpu = []

    def run():
        c = time.process_time()
        out = P.prune()
        cpu.append(time.process_time() - c)  # the machine is shared: CPU time next to wall time
        return out

    res = benchmark.pedantic(run, rounds=3, iterations=1)
    sec = benchmark.stats.stats.min
    benchmark.extra_info.update(rows=m, kept=len(res.kept), lp_solves=res.lp_solves, seconds=sec,
                                median_seconds=benchmark.stats.stats.median, cpu_seconds=min(cpu),
                                stage_seconds=res.stage_seconds, speedup_vs_plain=_plain.get(m, float("nan")) / sec,
                                target_s=2.0 if m == 2000 else None)
    assert res.verify() == [] and res.complete


def test_prune_cpal_block_cones(benchmark):
    P, _ = bodies.cpal_body(20)
    P.analytic_center()  # the interior point of the block stage (timed separately in the centres bench)
    res = benchmark.pedantic(lambda: P.prune(stages=("zero", "duplicate", "bound", "block")), rounds=1,
                             iterations=1)
    benchmark.extra_info.update(rows=P.m, kept=len(res.kept), counts=res.counts, stage_seconds=res.stage_seconds,
                                seconds=benchmark.stats.stats.min)
    assert res.verify() == []
