"""Benchmark instances: families of relulp LPs (varying n, d, widths/depth, objective, formulation), random
LPs, and LP files.

An :class:`Instance` is built lazily (``instance.build()``) so a suite can be listed without building it.
"""

from __future__ import annotations

import itertools
from dataclasses import dataclass, field
from typing import Any, Callable

from relulp.lp import SparseLP

from relulp.solvers import instances as textbook

from . import instances


@dataclass
class Instance:
    name: str
    family: str
    params: dict[str, Any]
    build: Callable[[], SparseLP] = field(repr=False)


def relulp_family(ns, ds, widths, objectives, formulations=("nested",), seeds=(0,)) -> list[Instance]:
    """The cartesian product of the given lists; widths are tuples (one entry per layer)."""
    out = []
    for n, d, w, obj, form, seed in itertools.product(ns, ds, widths, objectives, formulations, seeds):
        w = tuple(int(v) for v in w)
        if form == "auxiliary" and len(w) == 1:
            continue  # identical to nested at depth 1
        name = f"relulp-{obj}-{form}-n{n}-d{d}-w{'x'.join(map(str, w))}-s{seed}"
        params = {"n": n, "d": d, "widths": list(w), "depth": len(w), "objective": obj,
                  "formulation": form, "seed": seed}
        out.append(Instance(name, "relulp", params,
                            lambda n=n, d=d, w=w, obj=obj, form=form, seed=seed:
                            instances.relulp_lp(n=n, d=d, widths=w, objective=obj, formulation=form, seed=seed)))
    return out


def random_family(shapes, density=0.1, seeds=(0,)) -> list[Instance]:
    out = []
    for (m, n), seed in itertools.product(shapes, seeds):
        out.append(Instance(f"random-{m}x{n}-s{seed}", "random", {"m": m, "n": n, "density": density, "seed": seed},
                            lambda m=m, n=n, seed=seed: textbook.random_lp(m, n, density=density, seed=seed)))
    return out


def file_instances(paths, relax_integers=False) -> list[Instance]:
    from pathlib import Path

    from relulp.solvers.io import read_lp_file

    return [Instance(Path(p).name, "file", {"path": str(p)},
                     lambda p=p: read_lp_file(p, relax_integers=relax_integers)) for p in paths]


#: suite -> (instances, default solvers "backend:method", time limit s, repeats)
def suite(name: str) -> tuple[list[Instance], list[str], float, int]:
    if name == "smoke":
        inst = (relulp_family([20], [2], [(8,)], ["hinge", "min_l1"])
                + relulp_family([20], [2], [(4, 4)], ["l1"], ["nested", "auxiliary"])
                + relulp_family([20], [2], [(3, 3, 3)], ["hinge"])
                + random_family([(60, 80)]))
        return inst, ["highs:ipm", "highs:simplex", "highs:pdlp", "glpk:simplex"], 10.0, 1
    if name == "small":
        inst = (relulp_family([50, 100], [3, 5], [(20,), (60,)], ["min_l1", "hinge", "l1"])
                + relulp_family([50], [3], [(6, 6), (4, 4, 4)], ["min_l1", "l1"], ["nested", "auxiliary"])
                + random_family([(500, 800), (2000, 3000)], density=0.01))
        return inst, ["highs:ipm", "highs:simplex", "highs:pdlp", "glpk:simplex", "glpk:glpsol"], 60.0, 1
    if name == "medium":
        inst = (relulp_family([200, 400], [5, 10], [(100,), (300,)], ["min_l1", "l1"])
                + relulp_family([100], [5], [(10, 10), (6, 6, 6)], ["min_l1", "l1"], ["nested", "auxiliary"]))
        return inst, ["highs:ipm", "highs:simplex", "highs:pdlp", "glpk:simplex"], 300.0, 1
    raise KeyError(name)


SUITES = ("smoke", "small", "medium")


def _describe(name: str) -> str:
    inst, solvers, tl, _ = suite(name)
    return f"{len(inst)} LPs x {len(solvers)} solvers, {tl:g} s limit per run"


#: One line per suite for ``relulp bench --help``: what it runs and, where measured, how long it takes.
#: smoke: 3-13 s wall time measured on a 2-core machine (HiGHS and GLPK installed).
SUITE_HELP = {
    "smoke": _describe("smoke") + "; 3-13 s in all, measured on 2 cores",
    "small": _describe("small") + "; minutes",
    "medium": _describe("medium") + "; can take hours",
}
