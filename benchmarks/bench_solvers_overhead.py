"""Overhead of ``solvers.solve`` over raw highspy on a relulp LP with >= 3M nonzeros (target <= 10%).

    pytest benchmarks/bench_solvers_overhead.py --benchmark-only -s

Both sides solve the same LP with HiGHS IPX without crossover (with crossover one solve of this LP took
over 10 minutes on the shared 2-core machine) and end with x, row duals and reduced costs as numpy
arrays. The raw side is the shortest highspy code for that: one array
``passModel`` (CSC) + ``run`` + ``getSolution``. ``solvers.solve`` adds its checks (NaN, bounds), the CSR
-> CSC conversion, the Result and relulp's residuals. Besides pytest-benchmark's table, each test stores
the non-solver seconds (total minus ``Highs.run``) in ``extra_info``; the second test prints the
overhead (run with ``-s``).
"""

from __future__ import annotations

import time

import numpy as np
import pytest

from relulp import solvers
from relulp.bench import instances

highspy = pytest.importorskip("highspy")
pytest.importorskip("pytest_benchmark")

ROUNDS = 3
_TIMES: dict[str, list[tuple[float, float]]] = {}


@pytest.fixture(scope="module")
def big_lp():
    # 60,300 rows x 10,500 columns, 4,605,600 nonzeros; HiGHS IPX (no crossover) takes ~25 s on 2 cores
    lp = instances.relulp_lp(n=300, d=50, widths=(100,), objective="hinge", seed=0)
    assert lp.nnz >= 3_000_000
    return lp


def raw_highspy(lp):
    """Plain highspy: pass the arrays, run IPX, read the solution into numpy."""
    t0 = time.perf_counter()
    A = lp.A.tocsc()
    h = highspy.Highs()
    h.setOptionValue("output_flag", False)
    h.setOptionValue("solver", "ipx")
    h.setOptionValue("run_crossover", "off")
    h.passModel(lp.num_cols, lp.num_rows, A.nnz, int(highspy.MatrixFormat.kColwise),
                int(highspy.ObjSense.kMinimize), lp.objective_constant, lp.c, lp.col_lower, lp.col_upper,
                lp.row_lower, lp.row_upper, A.indptr.astype(np.int32), A.indices.astype(np.int32), A.data,
                np.zeros(lp.num_cols, dtype=np.int32))
    t1 = time.perf_counter()
    h.run()
    t2 = time.perf_counter()
    sol = h.getSolution()
    x, y, z = np.asarray(sol.col_value), np.asarray(sol.row_dual), np.asarray(sol.col_dual)
    status = h.getModelStatus()
    t3 = time.perf_counter()
    _TIMES.setdefault("raw", []).append((t3 - t0, (t1 - t0) + (t3 - t2)))
    return status, x, y, z


def via_solvers(lp):
    t0 = time.perf_counter()
    res = solvers.solve(lp, backend="highs", method="ipm", run_crossover="off")
    t1 = time.perf_counter()
    _TIMES.setdefault("solvers", []).append((t1 - t0, (t1 - t0) - res.solve_seconds))
    return res


def test_1_raw_highspy(benchmark, big_lp):
    benchmark.group = "solve overhead (IPX, 4.6M nnz)"
    status, x, *_ = benchmark.pedantic(raw_highspy, args=(big_lp,), rounds=ROUNDS, iterations=1)
    assert status == highspy.HighsModelStatus.kOptimal
    benchmark.extra_info["non_solver_seconds"] = float(np.median([o for _, o in _TIMES["raw"]]))


def test_2_solvers_solve(benchmark, big_lp):
    benchmark.group = "solve overhead (IPX, 4.6M nnz)"
    res = benchmark.pedantic(via_solvers, args=(big_lp,), rounds=ROUNDS, iterations=1)
    assert res.success and res.rel_primal_residual <= 1e-6
    benchmark.extra_info["non_solver_seconds"] = float(np.median([o for _, o in _TIMES["solvers"]]))
    if "raw" in _TIMES:  # printed with -s
        print("\n" + report_overhead(big_lp))


def report_overhead(lp) -> str:
    """Total and non-solver time of both sides and the overhead in % of the raw total."""
    raw_total = float(np.median([t for t, _ in _TIMES["raw"]]))
    ours_total = float(np.median([t for t, _ in _TIMES["solvers"]]))
    raw_extra = float(np.median([o for _, o in _TIMES["raw"]]))
    ours_extra = float(np.median([o for _, o in _TIMES["solvers"]]))
    return "\n".join([
        f"LP {lp}",
        f"raw highspy    : total {raw_total:8.3f} s, outside Highs.run {raw_extra:6.3f} s",
        f"solvers.solve  : total {ours_total:8.3f} s, outside Highs.run {ours_extra:6.3f} s",
        f"overhead: {100 * (ours_total - raw_total) / raw_total:+.1f}% of the raw total (medians of {ROUNDS}); "
        f"non-solver time difference {ours_extra - raw_extra:+.3f} s = "
        f"{100 * (ours_extra - raw_extra) / raw_total:+.2f}% of the raw total",
    ])
