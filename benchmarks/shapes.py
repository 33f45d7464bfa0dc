"""LP shapes for the assembly benchmarks (shared by run_build.py and bench_build.py).

Each shape is data (n points, d0 features + intercept) and a number of sampled directions per hidden
layer; the distinct patterns are what the LP uses. Random Gaussian data keep almost every sampled
pattern distinct when d is large; the spiral shapes use the paper's data set.
"""

from __future__ import annotations

import gc
import time
from dataclasses import dataclass

import numpy as np

import relulp
from relulp import datasets


@dataclass(frozen=True)
class Shape:
    name: str
    n: int
    d0: int  # features; the LP has d = d0 + 1 columns per leaf
    sampled: tuple[int, ...]  # sampled directions per hidden layer
    objective: str = "min_l1"
    formulation: str = "nested"
    data: str = "gauss"  # "gauss" or "spiral"
    pyomo: bool = True  # time the Pyomo path too (about 1 KB of memory per nonzero)
    group: str = ""


# growing P, n and depth; the spiral shapes are the paper's; "target" is the >= 5M-nonzero 2-layer LP.
SHAPES: list[Shape] = [
    Shape("spiral-P100", 80, 2, (100,), data="spiral", group="P (spiral, d=3)"),
    Shape("spiral-P1000", 80, 2, (1000,), data="spiral", group="P (spiral, d=3)"),
    Shape("spiral-3L-10x20", 80, 2, (10, 20), data="spiral", group="depth (spiral)"),
    Shape("spiral-3L-50x100", 80, 2, (50, 100), data="spiral", group="depth (spiral)"),
    Shape("spiral-3L-50x100-aux", 80, 2, (50, 100), formulation="auxiliary", data="spiral", group="depth (spiral)"),
    Shape("spiral-4L-6x8x10", 80, 2, (6, 8, 10), data="spiral", pyomo=False, group="depth (spiral)"),
    Shape("d20-P50", 200, 19, (50,), group="P (n=200, d=20)"),
    Shape("d20-P200", 200, 19, (200,), group="P (n=200, d=20)"),
    Shape("n100-d10-P200", 100, 9, (200,), group="n (d=10, P=200)"),
    Shape("n400-d10-P200", 400, 9, (200,), group="n (d=10, P=200)"),
    Shape("n1600-d10-P200", 1600, 9, (200,), pyomo=False, group="n (d=10, P=200)"),
    Shape("target-d20-P500", 200, 19, (500,), pyomo=False, group="target (>= 5M nnz)"),
    Shape("target-d20-P600-n250", 250, 19, (600,), pyomo=False, group="target (>= 5M nnz)"),
]

#: Shapes small enough for the quick pytest-benchmark run.
QUICK = ["spiral-P1000", "spiral-3L-10x20", "d20-P200", "target-d20-P500"]


def by_name(name: str) -> Shape:
    for s in SHAPES:
        if s.name == name:
            return s
    raise KeyError(name)


def make_problem(shape: Shape, seed: int = 0):
    """(X, y, PatternTree) of a shape; patterns sampled on X with the reference code's random stream."""
    if shape.data == "spiral":
        ds = datasets.spiral()
        X, y = ds.X_train, ds.y_train
    else:
        rng = np.random.default_rng(seed)
        X = rng.normal(size=(shape.n, shape.d0))
        w = rng.normal(size=shape.d0)
        y = np.where(np.maximum(X @ w, 0) - 0.5 * np.abs(X[:, 0]) >= 0, 1.0, -1.0)
    rs = np.random.RandomState(seed)
    if len(shape.sampled) == 1:
        pats = [relulp.sample_patterns(X, shape.sampled[0], seed=rs)]
    else:
        pats = relulp.sample_deep_patterns(X, list(shape.sampled), seed=rs)
    return X, y, relulp.PatternTree(pats)


def time_matrix(shape: Shape, X, y, tree, repeats: int = 3):
    """(best wall seconds, best CPU seconds of ``repeats`` build_lp calls, the last LP).

    CPU time (``time.process_time``) is reported beside wall time because benchmark machines are often
    shared: on an idle machine the two agree (the assembly is single-threaded numpy)."""
    best, best_cpu, lp = float("inf"), float("inf"), None
    for _ in range(repeats):
        lp = None
        gc.collect()
        c0, t0 = time.process_time(), time.perf_counter()
        lp = relulp.build_lp(tree, X, y, shape.objective, shape.formulation)
        best = min(best, time.perf_counter() - t0)
        best_cpu = min(best_cpu, time.process_time() - c0)
    return best, best_cpu, lp


def time_pyomo(shape: Shape, X, y, tree):
    """(wall seconds, CPU seconds of one build_model call, number of constraints); Pyomo imported first."""
    import pyomo.environ  # noqa: F401

    gc.collect()
    c0, t0 = time.process_time(), time.perf_counter()
    m = relulp.build_model(tree, X, y, shape.objective, shape.formulation)
    sec, cpu = time.perf_counter() - t0, time.process_time() - c0
    rows = m.nconstraints()
    del m
    gc.collect()
    return sec, cpu, rows
