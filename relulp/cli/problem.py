"""The LP set-up that ``relulp build`` and ``relulp solve`` share: data set and patterns from the options,
the LPs (matrix path) and Pyomo models, ``--write`` files and the problem part of the JSON record."""

from __future__ import annotations

import math
import os
import time
from dataclasses import dataclass, field
from typing import Any

import numpy as np

from .common import Out, UsageError, check_seed, fmt_s, parse_patterns


@dataclass
class Problem:
    """A data set, its patterns and the LP options (what build/solve share)."""

    ds: Any
    layers: int
    sampled: list[int]
    tree: Any
    objective: str
    formulation: str
    lam: float | None
    eps: float | None
    fit_intercept: bool
    sample_seconds: float
    classes: np.ndarray | None = None  # multi-class: the one-vs-rest classes
    Y: np.ndarray | None = None  # multi-class: (K, n_train) +-1 labels
    extra: dict = field(default_factory=dict)

    @property
    def task(self) -> str:
        return self.ds.task

    @property
    def multiclass(self) -> bool:
        return self.classes is not None


def prepare_problem(args, say: Out) -> Problem:
    from relulp import datasets
    from relulp.objectives import default_objective, get_objective, objectives_for
    from relulp.tree import PatternTree

    sampled = parse_patterns(args.patterns, args.layers)
    if args.write and os.path.splitext(args.write)[1].lower() not in (".lp", ".mps"):
        raise UsageError(f"--write needs a .lp or .mps file name, got {args.write!r}")
    for name in ("lam", "eps"):
        v = getattr(args, name)
        if v is not None and not (math.isfinite(v) and v >= 0):
            raise UsageError(f"--{name} must be a finite number >= 0, got {v}")
    check_seed(args.seed)
    ds = datasets.load(args.dataset)
    obj = get_objective(args.objective) if args.objective else default_objective(ds.task)
    objective = obj.name
    if obj.task != ds.task:
        raise UsageError(f"--objective {objective} is a {obj.task} objective but {ds.name!r} is a {ds.task} "
                         f"data set: use one of {', '.join(objectives_for(ds.task))}")
    if args.eps is not None and not obj.uses_eps:
        raise UsageError(f"--eps applies to --objective eps only (got --objective {objective})")
    if args.lam is not None and obj.fixed_l1_weight is not None and args.lam != obj.fixed_l1_weight:
        raise UsageError(f"{objective} has weight {obj.fixed_l1_weight:g} on sum |u|; use --objective hinge with --lam")
    fit_intercept = not args.no_intercept
    classes = Y = None
    if ds.task == "classification" and not ds.is_binary:
        from relulp.multiclass import one_vs_rest

        classes, Y = one_vs_rest(ds.y_train)
    # an int seed is RandomState(seed) in relulp; --rng numpy asks for default_rng(seed) explicitly
    seed = np.random.default_rng(args.seed) if args.rng == "numpy" else args.seed
    say(f"data set   {ds.name}: {ds.task}, {ds.n_train} train / {ds.n_test} test points, "
        f"d = {ds.n_features}{' + intercept' if fit_intercept else ''}"
        + (f", {len(classes)} classes (one-vs-rest)" if classes is not None else ""))
    t0 = time.perf_counter()
    from relulp.patterns import sample_layers

    tree = PatternTree(sample_layers(ds.X_train, sampled, seed=seed, fit_intercept=fit_intercept))
    t1 = time.perf_counter() - t0
    say(f"patterns   sampled {sampled} -> distinct {list(tree.sizes)} on the training set "
        f"({args.rng} rng, seed {args.seed}, {fmt_s(t1)})")
    say(f"tree       {args.layers} layers ({len(sampled)} hidden), {tree.num_leaves:,} leaves")
    return Problem(ds, args.layers, sampled, tree, objective, args.formulation, args.lam, args.eps, fit_intercept,
                   t1, classes, Y)


def _lp_kwargs(prob: Problem) -> dict:
    return dict(objective=prob.objective, formulation=prob.formulation, lam=prob.lam, eps=prob.eps,
                fit_intercept=prob.fit_intercept)


def build_lps(prob: Problem) -> tuple[list[tuple[Any, Any]], float]:
    """``([(class or None, SparseLP), ...], seconds)``."""
    from relulp.assemble import build_lp

    t0 = time.perf_counter()
    if prob.multiclass:
        out = [(c, build_lp(prob.tree, prob.ds.X_train, prob.Y[k], **_lp_kwargs(prob)))
               for k, c in enumerate(prob.classes)]
    else:
        out = [(None, build_lp(prob.tree, prob.ds.X_train, prob.ds.y_train, **_lp_kwargs(prob)))]
    return out, time.perf_counter() - t0


def build_models(prob: Problem) -> tuple[list[Any], float]:
    """Pyomo models (one per LP); the time excludes importing Pyomo (about a second, once per process)."""
    import pyomo.environ  # noqa: F401

    from relulp.pyomo_model import build_model

    t0 = time.perf_counter()
    if prob.multiclass:
        out = [build_model(prob.tree, prob.ds.X_train, prob.Y[k], **_lp_kwargs(prob)) for k in range(len(prob.classes))]
    else:
        out = [build_model(prob.tree, prob.ds.X_train, prob.ds.y_train, **_lp_kwargs(prob))]
    return out, time.perf_counter() - t0


#: Conservative memory of a Pyomo model per nonzero (measured 0.3-1 KB, depending on the shape).
PYOMO_BYTES_PER_NNZ = 1024


def _available_memory() -> int | None:
    try:
        with open("/proc/meminfo") as fh:
            for line in fh:
                if line.startswith("MemAvailable:"):
                    return int(line.split()[1]) * 1024
    except OSError:
        pass
    return None


def pyomo_fits(nnz: int, say: Out) -> bool:
    """False (with a note) when a Pyomo model of ``nnz`` nonzeros would need more than half the free memory."""
    avail = _available_memory()
    need = PYOMO_BYTES_PER_NNZ * nnz
    if avail is not None and need > avail // 2:
        say(f"note       Pyomo model skipped: about {need / 2**30:.1f} GiB for {nnz:,} nonzeros, more than half "
            f"of the {avail / 2**30:.1f} GiB available (the matrix path and --no-pyomo are unaffected)")
        return False
    return True


def _class_path(path: str, label) -> str:
    if label is None:
        return path
    import re

    stem, ext = os.path.splitext(path)
    return f"{stem}.{re.sub(r'[^A-Za-z0-9_.-]+', '_', str(label))}{ext}"


def write_files(path: str, lps, models, say: Out, prob: Problem) -> dict:
    from relulp import export

    ext = os.path.splitext(path)[1].lower()
    if ext not in (".lp", ".mps"):
        raise UsageError(f"--write needs a .lp or .mps file name, got {path!r}")
    t0 = time.perf_counter()
    files = []
    for k, (cls, lp) in enumerate(lps):
        target = _class_path(path, None if cls is None else class_name(prob, cls))
        d = os.path.dirname(os.path.abspath(target))
        os.makedirs(d, exist_ok=True)
        export.write_model(models[k] if models else lp, target)
        files.append(target)
    sec = time.perf_counter() - t0
    writer = "pyomo" if models else "highs"
    say(f"wrote      {', '.join(files)} ({'Pyomo' if models else 'HiGHS'} writer, {fmt_s(sec)})")
    return {"files": files, "writer": writer, "write_seconds": sec}


def problem_record(prob: Problem, lps, build_seconds: float) -> dict:
    rows = sum(lp.num_rows for _, lp in lps)
    cols = sum(lp.num_cols for _, lp in lps)
    nnz = sum(lp.nnz for _, lp in lps)
    rec = {
        "dataset": prob.ds.name, "task": prob.task, "n_train": prob.ds.n_train, "n_test": prob.ds.n_test,
        "features": prob.ds.n_features, "d": lps[0][1].meta["d"], "layers": prob.layers,
        "hidden_layers": prob.tree.depth, "patterns_sampled": prob.sampled, "patterns": list(prob.tree.sizes),
        "leaves": prob.tree.num_leaves, "objective": prob.objective, "formulation": prob.formulation,
        "lam": lps[0][1].meta["lam"], "eps": lps[0][1].meta["eps"], "fit_intercept": prob.fit_intercept,
        "lps": len(lps), "rows": rows, "cols": cols, "nnz": nnz, "sample_seconds": prob.sample_seconds,
        "build_seconds": build_seconds,
        "build_nnz_per_second": nnz / build_seconds if build_seconds > 0 else None,
    }
    if prob.multiclass:
        rec["classes"] = [class_name(prob, c) for c in prob.classes]
    return rec


def class_name(prob: Problem, c):
    """The data set's name of class label c (multi-class labels are 0..K-1), else the label itself."""
    names = getattr(prob.ds, "classes", None)
    try:
        if names is not None and float(c) == int(c):
            return names[int(c)]
    except (IndexError, TypeError, ValueError):
        pass
    return int(c) if isinstance(c, (float, np.floating)) and float(c).is_integer() else c


def say_lp(say: Out, rec: dict, lps) -> None:
    say(f"LP         rows {rec['rows']:,}   cols {rec['cols']:,}   nonzeros {rec['nnz']:,}   "
        f"(objective {rec['objective']}, formulation {rec['formulation']}"
        + (f", {rec['lps']} one-vs-rest LPs" if rec["lps"] > 1 else "") + ")")
    rate = rec.get("build_nnz_per_second")
    say(f"build      matrix path {fmt_s(rec['build_seconds'])}" + (f" ({rate / 1e6:.1f}M nonzeros/s)" if rate else ""))
