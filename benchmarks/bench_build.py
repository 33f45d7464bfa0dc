"""pytest-benchmark version of run_build.py: assembly time of build_lp (matrix) and build_model (Pyomo).

Not part of the default test run (pytest's testpaths is tests/). Run it explicitly:

    python -m pytest benchmarks/bench_build.py -q                        # quick shapes
    RELULP_BENCH_ALL=1 python -m pytest benchmarks/bench_build.py -q     # every shape
    python -m pytest benchmarks/bench_build.py -k matrix --benchmark-json=build.json

Each benchmark's ``extra_info`` holds nnz, nonzeros per second and µs per nonzero; the Pyomo benchmark
also the ratio to the matrix path measured in the same session.
"""

from __future__ import annotations

import os

import numpy as np
import pytest
from shapes import QUICK, SHAPES, make_problem

import relulp

NAMES = [s.name for s in SHAPES] if os.environ.get("RELULP_BENCH_ALL") else QUICK
PYOMO_MAX_NNZ = float(os.environ.get("RELULP_BENCH_PYOMO_MAX_NNZ", 1.5e6))

_matrix_seconds: dict[str, float] = {}
_problems: dict[str, tuple] = {}


def _problem(name):
    if name not in _problems:
        shape = next(s for s in SHAPES if s.name == name)
        _problems[name] = (shape, *make_problem(shape))
    return _problems[name]


@pytest.mark.parametrize("name", NAMES)
def test_build_lp_matrix(benchmark, name):
    shape, X, y, tree = _problem(name)
    lp = benchmark.pedantic(relulp.build_lp, args=(tree, X, y, shape.objective, shape.formulation),
                            rounds=3, iterations=1, warmup_rounds=0)
    sec = benchmark.stats.stats.min
    _matrix_seconds[name] = sec
    benchmark.extra_info.update(nnz=lp.nnz, rows=lp.num_rows, cols=lp.num_cols, nnz_per_s=lp.nnz / sec,
                                us_per_nnz=1e6 * sec / lp.nnz)
    if tree.depth == 1 and lp.nnz >= 5_000_000:
        assert lp.nnz / sec >= 5e6  # sanity floor; the 20M/s target is reported, not asserted (shared CPUs)


@pytest.mark.parametrize("name", NAMES)
def test_build_model_pyomo(benchmark, name):
    shape, X, y, tree = _problem(name)
    nnz = tree.size(X=np.c_[X, np.ones(len(X))], formulation=shape.formulation, objective=shape.objective).nnz
    if not shape.pyomo or nnz > PYOMO_MAX_NNZ:
        pytest.skip(f"{nnz:,} nonzeros: Pyomo path skipped (RELULP_BENCH_PYOMO_MAX_NNZ={PYOMO_MAX_NNZ:g})")
    import pyomo.environ  # noqa: F401  (import time is not build time)

    benchmark.pedantic(relulp.build_model, args=(tree, X, y, shape.objective, shape.formulation),
                       rounds=1, iterations=1, warmup_rounds=0)
    sec = benchmark.stats.stats.min
    benchmark.extra_info.update(nnz=nnz, us_per_nnz=1e6 * sec / nnz, nnz_per_s=nnz / sec)
    if name in _matrix_seconds:
        benchmark.extra_info["ratio_to_matrix"] = sec / _matrix_seconds[name]
