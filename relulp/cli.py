"""The ``relulp`` command line: ``build``, ``solve``, ``demo`` (and ``bench`` when :mod:`relulp.bench.run` imports).

Conventions
-----------
* ``--layers`` counts layers as the paper does: a two-layer network has ONE hidden layer, so the pattern
  tree has ``layers - 1`` levels.
* ``--patterns`` gives the number of *sampled* directions per hidden layer, comma-separated, first hidden
  layer first: ``--layers 3 --patterns 50,100``. The count must match the hidden layers exactly (a single
  number with ``--layers 3`` is an error, not repeated: the paper's deep draws use different widths per
  layer). Distinct patterns are usually fewer (spiral: 1000 -> 623). Depth 1 uses
  :func:`relulp.sample_patterns`, deeper :func:`relulp.sample_deep_patterns`, always on the TRAINING set.
* One seed, one pattern set: ``--seed S`` (default 0) means ``numpy.random.RandomState(S)``, the reference
  code's stream and the meaning of an int seed everywhere in relulp (library, ``build``, ``solve``,
  ``demo``, ``cpal``): spiral, seed 0 gives the paper's 623 patterns, and 34 x 57 for 50,100.
  ``--rng numpy`` opts into ``numpy.random.default_rng(S)`` instead (``--rng legacy`` is the default).
* Multi-class data sets are trained one-vs-rest (:func:`relulp.build_ovr_lps`): one LP per class, all from
  the same patterns; sizes and times are totals over the K LPs, ``per_class`` lists each.
* ``--json FILE`` writes a JSON record (``--json -``: to standard output; the human-readable lines then go
  to standard error).
* Exit codes: 0 success; 1 error (bad data, unknown data set, model too large, ...); 2 usage error
  (bad option values, unknown backend or method, a --dataset file that is not UTF-8 text); 3 the solver
  finished without an optimal solution (infeasible LP, time limit, ...), reported in the record's
  ``status``; 130 interrupted (Ctrl-C). No bad input shows a Python traceback.

Adding a sub-command: write ``def install(subparsers)`` that calls ``subparsers.add_parser(...)`` and
``set_defaults(func=run)`` with ``run(args) -> int``, then either decorate it with
:func:`register_command` in a module this file imports, list it in :data:`OPTIONAL_COMMANDS` (skipped when
its import fails), or expose it as an entry point in the ``relulp.commands`` group of another package.
"""

from __future__ import annotations

import argparse
import json
import math
import os
import sys
import time
from dataclasses import dataclass, field
from importlib import import_module
from typing import Any, Callable

import numpy as np

EXIT_OK, EXIT_ERROR, EXIT_USAGE, EXIT_NOT_OPTIMAL = 0, 1, 2, 3
EXIT_INTERRUPTED = 130

#: name -> installer(subparsers); filled by :func:`register_command`.
COMMANDS: dict[str, Callable[[Any], Any]] = {}

#: Sub-commands provided by other modules: (name, module, installer attribute). A command whose module
#: does not import (or whose installer fails) is left out of the CLI instead of breaking it.
OPTIONAL_COMMANDS: list[tuple[str, str, str]] = [
    ("bench", "relulp.bench.run", "add_subparser"),
    ("cpal", "relulp.cpal.cli", "add_subparser"),
]

ENTRY_POINT_GROUP = "relulp.commands"


class UsageError(Exception):
    """Bad combination of command-line options (exit code 2)."""


class CLIError(Exception):
    """An error the CLI reports in one line (exit code 1)."""


def register_command(name: str):
    """Decorator: ``@register_command("cpal") def install(subparsers): ...``."""

    def deco(installer):
        COMMANDS[name] = installer
        return installer

    return deco


# ------------------------------------------------------------------------------------------------
# output helpers
# ------------------------------------------------------------------------------------------------

class Out:
    """Human-readable lines: to stdout, or to stderr when stdout carries JSON; silenced by --quiet."""

    def __init__(self, args):
        self.quiet = bool(getattr(args, "quiet", False))
        self.stream = sys.stderr if getattr(args, "json", None) == "-" else sys.stdout

    def __call__(self, *parts, **kw) -> None:
        if not self.quiet:
            print(*parts, file=self.stream, flush=True, **kw)


def _jsonable(v):
    if isinstance(v, dict):
        return {str(k): _jsonable(x) for k, x in v.items()}
    if isinstance(v, (list, tuple)):
        return [_jsonable(x) for x in v]
    if isinstance(v, np.ndarray):
        return _jsonable(v.tolist())
    if isinstance(v, (np.bool_, bool)):
        return bool(v)
    if isinstance(v, (np.integer,)):
        return int(v)
    if isinstance(v, (float, np.floating)):
        v = float(v)
        return v if math.isfinite(v) else None
    if v is None or isinstance(v, (int, str)):
        return v
    return str(v)


def write_json(record: dict, dest: str | None) -> None:
    if not dest:
        return
    text = json.dumps(_jsonable(record), indent=2)
    if dest == "-":
        sys.stdout.write(text + "\n")
        sys.stdout.flush()
    else:
        d = os.path.dirname(os.path.abspath(dest))
        os.makedirs(d, exist_ok=True)
        with open(dest, "w") as fh:
            fh.write(text + "\n")


def _fmt_s(sec: float | None) -> str:
    return "-" if sec is None else (f"{sec:.3f} s" if sec < 10 else f"{sec:.1f} s")


# ------------------------------------------------------------------------------------------------
# shared options and problem set-up
# ------------------------------------------------------------------------------------------------

#: The CSV / NPZ format, for the --help of every --dataset option.
DATASET_FILE_HELP = ("CSV files: UTF-8 text, comma-separated, one row per point; numeric feature columns and the "
                     "label/target in the LAST column; an optional header row (detected when a field of the first "
                     "row is not a number); text labels or <= 10 integer values mean classification, otherwise "
                     "regression; 20%% of the rows (seeded) are the test set. NPZ files: arrays X, y (or X_train, "
                     "y_train, X_test, y_test), as np.savez writes.")


def _check_seed(seed: int) -> None:
    if not 0 <= seed < 2**32:
        raise UsageError(f"--seed must be an integer in [0, 2**32), got {seed}")


def add_problem_options(p: argparse.ArgumentParser) -> None:
    """The options that define one LP (shared by build and solve)."""
    from .objectives import OBJECTIVES
    from .tree import FORMULATIONS

    g = p.add_argument_group("problem")
    g.add_argument("--dataset", default="spiral", metavar="NAME|PATH",
                   help="built-in name (spiral, quadratic, iris, wine, breast_cancer, digits; 'iris:binary' or "
                        "'iris:<class>' for one class against the rest) or a .csv/.npz path (default: spiral). "
                        + DATASET_FILE_HELP)
    g.add_argument("--layers", type=int, default=2,
                   help="layers as the paper counts them: 2 = one hidden layer (default 2)")
    g.add_argument("--patterns", default=None, metavar="P1[,P2,...]",
                   help="sampled directions per hidden layer, one count per hidden layer "
                        "(default: 1000 for --layers 2, 50,100 for --layers 3)")
    g.add_argument("--seed", type=int, default=0,
                   help="pattern sampling seed (default 0): numpy.random.RandomState(seed), the reference code's "
                        "draws and relulp's meaning of an int seed (spiral, seed 0: 1000 -> 623 patterns, "
                        "50,100 -> 34 x 57)")
    g.add_argument("--rng", choices=("legacy", "numpy"), default="legacy",
                   help="legacy (default): RandomState(seed), as above; numpy: default_rng(seed), another stream")
    g.add_argument("--objective", choices=OBJECTIVES, default=None,
                   help="LP objective (default: min_l1 for classification, l1 for regression)")
    g.add_argument("--formulation", choices=FORMULATIONS, default="nested", help="default: nested")
    g.add_argument("--lam", type=float, default=None, help="weight of sum |u| (hinge, l1, eps)")
    g.add_argument("--eps", type=float, default=None, help="tube half-width (objective eps; default 0.01)")
    g.add_argument("--no-intercept", action="store_true", help="do not append the ones column to X")
    o = p.add_argument_group("output")
    o.add_argument("--write", default=None, metavar="FILE.lp|FILE.mps",
                   help="write the LP with symbolic names (Pyomo's writer; the HiGHS writer with --no-pyomo). "
                        "Multi-class: one file per class, FILE.<class>.lp")
    o.add_argument("--json", default=None, metavar="FILE", help="write a JSON record ('-' = standard output)")
    o.add_argument("--no-pyomo", action="store_true", help="skip the Pyomo model (matrix path only)")
    o.add_argument("-q", "--quiet", action="store_true", help="no human-readable output")


def parse_patterns(text: str | None, layers: int) -> list[int]:
    """Sampled directions per hidden layer from ``--patterns`` and ``--layers``."""
    if layers < 2:
        raise UsageError(f"--layers must be >= 2 (a 2-layer network has one hidden layer), got {layers}")
    hidden = layers - 1
    if text is None:
        if hidden == 1:
            return [1000]
        if hidden == 2:
            return [50, 100]
        raise UsageError(f"give --patterns with {hidden} comma-separated counts for --layers {layers}")
    parts = [s.strip() for s in str(text).split(",")]
    try:
        counts = [int(s) for s in parts]
    except ValueError:
        raise UsageError(f"--patterns must be comma-separated positive integers, got {text!r}") from None
    if any(c < 1 for c in counts):
        raise UsageError(f"--patterns counts must be >= 1, got {text!r}")
    if len(counts) != hidden:
        example = ",".join(str(50 * 2**k) for k in range(hidden))
        raise UsageError(
            f"--layers {layers} has {hidden} hidden layer{'s' if hidden > 1 else ''}, so --patterns needs "
            f"{hidden} comma-separated count{'s' if hidden > 1 else ''} (one per hidden layer, e.g. "
            f"--patterns {example}); got {len(counts)}: {text!r}")
    return counts


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
    from . import datasets
    from .objectives import CLASSIFICATION, REGRESSION
    from .tree import PatternTree

    sampled = parse_patterns(args.patterns, args.layers)
    if args.write and os.path.splitext(args.write)[1].lower() not in (".lp", ".mps"):
        raise UsageError(f"--write needs a .lp or .mps file name, got {args.write!r}")
    for name in ("lam", "eps"):
        v = getattr(args, name)
        if v is not None and not (math.isfinite(v) and v >= 0):
            raise UsageError(f"--{name} must be a finite number >= 0, got {v}")
    _check_seed(args.seed)
    ds = datasets.load(args.dataset)
    objective = args.objective or ("min_l1" if ds.task == "classification" else "l1")
    if ds.task == "classification" and objective in REGRESSION:
        raise UsageError(f"--objective {objective} is a regression objective but {ds.name!r} is a classification "
                         f"data set: use one of {', '.join(CLASSIFICATION)}")
    if ds.task == "regression" and objective in CLASSIFICATION:
        raise UsageError(f"--objective {objective} is a classification objective but {ds.name!r} is a regression "
                         f"data set: use one of {', '.join(REGRESSION)}")
    if args.eps is not None and objective != "eps":
        raise UsageError(f"--eps applies to --objective eps only (got --objective {objective})")
    if args.lam is not None and objective == "min_l1" and args.lam != 1.0:
        raise UsageError("min_l1 has weight 1 on sum |u|; use --objective hinge with --lam")
    fit_intercept = not args.no_intercept
    classes = Y = None
    if ds.task == "classification" and not ds.is_binary:
        from .multiclass import one_vs_rest

        classes, Y = one_vs_rest(ds.y_train)
    # an int seed is RandomState(seed) in relulp; --rng numpy asks for default_rng(seed) explicitly
    seed = np.random.default_rng(args.seed) if args.rng == "numpy" else args.seed
    say(f"data set   {ds.name}: {ds.task}, {ds.n_train} train / {ds.n_test} test points, "
        f"d = {ds.n_features}{' + intercept' if fit_intercept else ''}"
        + (f", {len(classes)} classes (one-vs-rest)" if classes is not None else ""))
    t0 = time.perf_counter()
    from .patterns import sample_deep_patterns, sample_patterns

    if len(sampled) == 1:
        pats = [sample_patterns(ds.X_train, sampled[0], seed=seed, fit_intercept=fit_intercept)]
    else:
        pats = sample_deep_patterns(ds.X_train, sampled, seed=seed, fit_intercept=fit_intercept)
    tree = PatternTree(pats)
    t1 = time.perf_counter() - t0
    say(f"patterns   sampled {sampled} -> distinct {list(tree.sizes)} on the training set "
        f"({args.rng} rng, seed {args.seed}, {_fmt_s(t1)})")
    say(f"tree       {args.layers} layers ({len(sampled)} hidden), {tree.num_leaves:,} leaves")
    return Problem(ds, args.layers, sampled, tree, objective, args.formulation, args.lam, args.eps, fit_intercept,
                   t1, classes, Y)


def _lp_kwargs(prob: Problem) -> dict:
    return dict(objective=prob.objective, formulation=prob.formulation, lam=prob.lam, eps=prob.eps,
                fit_intercept=prob.fit_intercept)


def build_lps(prob: Problem) -> tuple[list[tuple[Any, Any]], float]:
    """``([(class or None, SparseLP), ...], seconds)``."""
    from .assemble import build_lp

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

    from .pyomo_model import build_model

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
    from . import export

    ext = os.path.splitext(path)[1].lower()
    if ext not in (".lp", ".mps"):
        raise UsageError(f"--write needs a .lp or .mps file name, got {path!r}")
    t0 = time.perf_counter()
    files = []
    for k, (cls, lp) in enumerate(lps):
        target = _class_path(path, None if cls is None else _class_name(prob, cls))
        d = os.path.dirname(os.path.abspath(target))
        os.makedirs(d, exist_ok=True)
        export.write_model(models[k] if models else lp, target)
        files.append(target)
    sec = time.perf_counter() - t0
    writer = "pyomo" if models else "highs"
    say(f"wrote      {', '.join(files)} ({'Pyomo' if models else 'HiGHS'} writer, {_fmt_s(sec)})")
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
        rec["classes"] = [_class_name(prob, c) for c in prob.classes]
    return rec


def _class_name(prob: Problem, c):
    """The data set's name of class label c (multi-class labels are 0..K-1), else the label itself."""
    names = getattr(prob.ds, "classes", None)
    try:
        if names is not None and float(c) == int(c):
            return names[int(c)]
    except (IndexError, TypeError, ValueError):
        pass
    return int(c) if isinstance(c, (float, np.floating)) and float(c).is_integer() else c


def _say_lp(say: Out, rec: dict, lps) -> None:
    say(f"LP         rows {rec['rows']:,}   cols {rec['cols']:,}   nonzeros {rec['nnz']:,}   "
        f"(objective {rec['objective']}, formulation {rec['formulation']}"
        + (f", {rec['lps']} one-vs-rest LPs" if rec["lps"] > 1 else "") + ")")
    rate = rec.get("build_nnz_per_second")
    say(f"build      matrix path {_fmt_s(rec['build_seconds'])}" + (f" ({rate / 1e6:.1f}M nonzeros/s)" if rate else ""))


# ------------------------------------------------------------------------------------------------
# build
# ------------------------------------------------------------------------------------------------

@register_command("build")
def _install_build(sub) -> None:
    p = sub.add_parser("build", help="sample patterns and build the LP (matrix and Pyomo paths); report its size",
                       description="Sample activation patterns on the training set, build the Theorem 4.2 LP as a "
                                   "sparse matrix and as a Pyomo model, and report rows, columns, nonzeros and "
                                   "build times.")
    add_problem_options(p)
    p.set_defaults(func=cmd_build)


def cmd_build(args) -> int:
    say = Out(args)
    prob = prepare_problem(args, say)
    lps, bsec = build_lps(prob)
    rec = {"command": "build", **problem_record(prob, lps, bsec)}
    _say_lp(say, rec, lps)
    models = None
    rec["pyomo_build_seconds"] = None
    if not args.no_pyomo and pyomo_fits(rec["nnz"], say):
        models, psec = build_models(prob)
        rec["pyomo_build_seconds"] = psec
        rec["pyomo_us_per_nnz"] = 1e6 * psec / rec["nnz"] if rec["nnz"] else None
        rec["pyomo_rows"] = sum(m.nconstraints() for m in models)
        rec["pyomo_cols"] = sum(m.nvariables() for m in models)
        ratio = psec / bsec if bsec > 0 else float("nan")
        say(f"           Pyomo path {_fmt_s(psec)} ({rec['pyomo_us_per_nnz']:.2f} µs/nonzero, {ratio:.0f}x the matrix "
            f"path; {rec['pyomo_rows']:,} constraints, {rec['pyomo_cols']:,} variables)")
    from .export import lp_statistics

    stats = lp_statistics(lps[0][1])
    rec["statistics"] = stats.as_dict()
    if len(lps) > 1:
        say(f"\nclass {_class_name(prob, lps[0][0])} against the rest (the other LPs differ only in their labels):")
    say("\n" + stats.table() + "\n")
    if args.write:
        rec.update(write_files(args.write, lps, models, say, prob))
    write_json(rec, args.json)
    return EXIT_OK


# ------------------------------------------------------------------------------------------------
# solve
# ------------------------------------------------------------------------------------------------

@register_command("solve")
def _install_solve(sub) -> None:
    p = sub.add_parser("solve", help="build the LP, solve it, recover the network and report accuracy",
                       description="Build the LP (as `relulp build`), solve it with an LP backend, recover the ReLU "
                                   "network and evaluate it by its own forward pass on the training and test sets.")
    add_problem_options(p)
    s = p.add_argument_group("solver")
    s.add_argument("--backend", default="highs", help="highs (default), glpk, mpax, cupdlpx, pyomo:<solver>")
    s.add_argument("--method", default=None, help="backend method, e.g. ipm, simplex, pdlp (default: the backend's)")
    s.add_argument("--time-limit", type=float, default=None, metavar="S", help="seconds")
    s.add_argument("--tolerance", type=float, default=None, help="solver tolerance (backend's meaning)")
    s.add_argument("--solver-option", "--option", dest="solver_option", action="append", default=[],
                   metavar="KEY=VALUE",
                   help="backend-native option, repeatable (e.g. --solver-option run_crossover=off); --option is "
                        "an alias")
    p.set_defaults(func=cmd_solve)


def _parse_option(text: str) -> tuple[str, Any]:
    if "=" not in text:
        raise UsageError(f"--solver-option (alias --option) takes KEY=VALUE, got {text!r}")
    key, value = text.split("=", 1)
    key = key.strip()
    for conv in (int, float):
        try:
            return key, conv(value)
        except ValueError:
            pass
    low = value.strip().lower()
    if low in ("true", "false"):
        return key, low == "true"
    return key, value


def _infeasible_hint(prob: Problem) -> str:
    P = list(prob.tree.sizes)
    if prob.objective == "eps":
        return (f"no network built from the {P} distinct sampled patterns fits every training target within "
                f"eps; raise --eps, sample more patterns (--patterns), or use --objective l1 (always feasible).")
    return (f"no network built from the {P} distinct sampled activation patterns fits every training point "
            f"with margin 1. Sampled patterns give a restriction of the exact LP (docs/lp.md), so sample more "
            f"(--patterns), or use --objective hinge, which is always feasible.")


def check_solver_names(backend: str, method: str | None) -> str:
    """Validate ``--backend`` / ``--method`` before any work: unknown names are usage errors (exit 2), a
    backend that is not installed an error (exit 1). Returns the method that will run."""
    from relulp import solvers
    from relulp.solvers import backends

    try:
        cls = backends.get(backend)
        m = cls.check_method(method)
    except (solvers.UnknownBackendError, solvers.UnknownMethodError) as e:
        raise UsageError(str(e)) from None
    try:
        cls.require_installed()
    except solvers.SolverError as e:
        raise CLIError(str(e)) from None
    return m


_BACKEND_NAMES = {"highs": "HiGHS", "glpk": "GLPK", "mpax": "MPAX", "cupdlpx": "cuPDLPx"}

#: Above this many nonzeros `relulp solve` warns (on stderr) that the solve may take minutes.
LARGE_LP_NNZ = 2_000_000


def cmd_solve(args) -> int:
    from relulp import solvers
    say = Out(args)
    options = dict(_parse_option(o) for o in args.solver_option)
    if args.time_limit is not None and not args.time_limit > 0:
        raise UsageError(f"--time-limit must be positive, got {args.time_limit}")
    check_solver_names(args.backend, args.method)
    prob = prepare_problem(args, say)
    lps, bsec = build_lps(prob)
    rec = {"command": "solve", **problem_record(prob, lps, bsec)}
    _say_lp(say, rec, lps)
    models = None
    if args.write and not args.no_pyomo and pyomo_fits(rec["nnz"], say):
        models, psec = build_models(prob)
        rec["pyomo_build_seconds"] = psec
        say(f"           Pyomo path {_fmt_s(psec)}")
    if args.write:
        rec.update(write_files(args.write, lps, models, say, prob))

    total_nnz = sum(lp.nnz for _, lp in lps)
    if total_nnz > LARGE_LP_NNZ and not args.quiet:
        cap = "" if args.time_limit is None else f" (capped by --time-limit {args.time_limit:g} s)"
        print(f"relulp solve: warning: this LP has {total_nnz:,} nonzeros"
              + (f" over {len(lps)} one-vs-rest LPs" if len(lps) > 1 else "")
              + f"; {_BACKEND_NAMES.get(args.backend.lower(), args.backend)} may take minutes on this machine"
              + f"{cap}; Ctrl-C stops it",
              file=sys.stderr, flush=True)
    results = []
    for cls, lp in lps:
        if cls is not None:
            say(f"solving    class {_class_name(prob, cls)} against the rest ...")
        res = solvers.solve(lp, backend=args.backend, method=args.method, time_limit=args.time_limit,
                            tolerance=args.tolerance, **options)
        results.append(res)
    statuses = [r.status for r in results]
    optimal = all(s == solvers.Status.OPTIMAL for s in statuses)
    worst = next((s for s in statuses if s != solvers.Status.OPTIMAL), solvers.Status.OPTIMAL)
    # the training objective in the data's units (an LP built on extreme-scale data scales its objective row)
    objs = [None if r.objective is None else r.objective / lp.objective_scale for (_, lp), r in zip(lps, results)]
    rec.update({
        "status": str(worst),
        "objective": (sum(objs) if all(o is not None for o in objs) else None),
        "solve_seconds": sum(r.solve_seconds for r in results),
        "backend": results[0].backend, "method": results[0].method,
        "solver_version": results[0].solver_version, "message": "; ".join(r.message for r in results if r.message),
        "primal_residual": _max_or_none(r.primal_residual for r in results),
    })
    if prob.multiclass:
        rec["per_class"] = [{"class": _class_name(prob, c), "status": str(r.status), "objective": o,
                             "rows": lp.num_rows, "cols": lp.num_cols, "nnz": lp.nnz, "solve_seconds": r.solve_seconds}
                            for (c, lp), r, o in zip(lps, results, objs)]
    say(f"solve      {rec['backend']} {rec['method']}: {rec['status']}"
        + (f", objective {rec['objective']:.6g}" if rec["objective"] is not None else "")
        + f" ({_fmt_s(rec['solve_seconds'])})")
    if all(r.x is not None and np.isfinite(r.x).all() for r in results):
        rec.update(evaluate(prob, lps, [r.x for r in results]))
        _say_metrics(say, rec)
    else:
        rec.update(_empty_metrics(prob))
    write_json(rec, args.json)
    if not optimal:
        if worst in (solvers.Status.INFEASIBLE, solvers.Status.INFEASIBLE_OR_UNBOUNDED):
            msg = f"the LP is infeasible: {_infeasible_hint(prob)}"
        elif worst == solvers.Status.TIME_LIMIT:
            msg = (f"time limit of {args.time_limit} s reached before an optimal solution"
                   + ("; the numbers above are for the best point the solver had" if "train_accuracy" in rec
                      and rec.get("train_accuracy") is not None else ""))
        else:
            msg = f"the solver stopped without an optimal solution: {worst} ({rec['message']})"
        print(f"relulp solve: {msg}", file=sys.stderr)
        return EXIT_NOT_OPTIMAL
    return EXIT_OK


def _max_or_none(vals):
    vals = [v for v in vals if v is not None]
    return max(vals) if vals else None


def _empty_metrics(prob: Problem) -> dict:
    if prob.task == "classification":
        return {"train_accuracy": None, "test_accuracy": None, "max_margin_violation": None}
    return {"train_rmse": None, "test_rmse": None, "max_residual": None, "max_tube_violation": None}


def evaluate(prob: Problem, lps, xs) -> dict:
    """Metrics of the recovered network(s), from their own numpy forward pass (never the LP's rows)."""
    from .assemble import fit_matrix
    from .solvers.residuals import primal_residual
    from .network import OneVsRestNetwork, recover_network

    ds = prob.ds
    nets = [recover_network(lp, x) for (_, lp), x in zip(lps, xs)]
    # the forward pass must reproduce the LP's f on the training data (math.md §3)
    mismatch = max(float(np.max(np.abs(fit_matrix(lp) @ x - net.decision_function(ds.X_train)), initial=0.0))
                   for (_, lp), x, net in zip(lps, xs, nets))
    out: dict[str, Any] = {
        "lp_max_violation": max(primal_residual(lp, x) for (_, lp), x in zip(lps, xs)),
        "fit_mismatch": mismatch,
        "active_neurons": nets[0].num_active_neurons() if len(nets) == 1 else [n.num_active_neurons() for n in nets],
    }
    has_test = ds.n_test > 0
    if prob.task == "classification":
        if prob.multiclass:
            model = OneVsRestNetwork(np.asarray(prob.classes), nets)
            viol = max(_margin_violation(net, ds.X_train, prob.Y[k]) for k, net in enumerate(nets))
        else:
            model = nets[0]
            viol = _margin_violation(model, ds.X_train, ds.y_train)
        out["train_accuracy"] = model.score(ds.X_train, ds.y_train)
        out["test_accuracy"] = model.score(ds.X_test, ds.y_test) if has_test else None
        out["max_margin_violation"] = viol
    else:
        net = nets[0]
        r_tr = net.decision_function(ds.X_train) - ds.y_train
        out["train_rmse"] = float(np.sqrt(np.mean(r_tr**2)))
        out["test_rmse"] = (float(np.sqrt(np.mean((net.decision_function(ds.X_test) - ds.y_test) ** 2)))
                            if has_test else None)
        out["max_residual"] = float(np.max(np.abs(r_tr)))
        eps = lps[0][1].meta.get("eps") or 0.0
        out["max_tube_violation"] = max(0.0, out["max_residual"] - eps) if prob.objective == "eps" else None
    return out


def _margin_violation(net, X, y) -> float:
    """max(0, max_i (1 - y_i f(x_i))) by the network's forward pass."""
    return float(max(0.0, np.max(1.0 - np.asarray(y) * net.decision_function(X))))


def _say_metrics(say: Out, rec: dict) -> None:
    say(f"network    active neurons per hidden layer {rec['active_neurons']}; forward pass vs LP "
        f"max |f difference| {rec['fit_mismatch']:.1e}, LP max violation {rec['lp_max_violation']:.1e}")
    if "train_accuracy" in rec:
        test = "-" if rec["test_accuracy"] is None else f"{rec['test_accuracy']:.3f}"
        say(f"accuracy   train {rec['train_accuracy']:.3f}   test {test}   "
            f"max margin violation {rec['max_margin_violation']:.2e}")
    else:
        test = "-" if rec["test_rmse"] is None else f"{rec['test_rmse']:.4g}"
        tube = "" if rec["max_tube_violation"] is None else f"   max tube violation {rec['max_tube_violation']:.2e}"
        say(f"RMSE       train {rec['train_rmse']:.4g}   test {test}   max |residual| {rec['max_residual']:.4g}{tube}")


# ------------------------------------------------------------------------------------------------
# demo
# ------------------------------------------------------------------------------------------------

@register_command("demo")
def _install_demo(sub) -> None:
    p = sub.add_parser("demo", help="train 2- and 3-layer ReLU networks on the spiral by LP; write an .lp file and a plot",
                       description="The paper's spiral (math.md §8): a 2-layer network from 1000 sampled patterns and "
                                   "a 3-layer network, each trained by solving its min_l1 LP with HiGHS; prints "
                                   "accuracies and writes the 2-layer LP (.lp, symbolic names) and a decision-boundary "
                                   "plot to DIR.")
    p.add_argument("--out", default="relulp-demo", metavar="DIR", help="output folder (default ./relulp-demo)")
    p.add_argument("--patterns2", default="1000", metavar="P", help="sampled directions, 2-layer net (default 1000)")
    p.add_argument("--patterns3", default=DEMO_PATTERNS3, metavar="P1,P2",
                   help=f"sampled directions per hidden layer, 3-layer net (default {DEMO_PATTERNS3}; "
                        "50,100 is the paper's: minutes with HiGHS on 2 cores)")
    p.add_argument("--seed", type=int, default=0,
                   help="pattern sampling seed: numpy.random.RandomState(seed), as everywhere in relulp "
                        "(default 0: the paper's 623 patterns)")
    p.add_argument("--time-limit", type=float, default=None, metavar="S", help="per solve, seconds")
    p.add_argument("--no-plot", action="store_true", help="skip the PNG (no matplotlib needed)")
    p.add_argument("-q", "--quiet", action="store_true")
    p.set_defaults(func=cmd_demo, json=None)


#: Default 3-layer sampling of the demo (see README: 50,100 takes minutes with HiGHS on 2 cores).
DEMO_PATTERNS3 = "12,25"


def cmd_demo(args) -> int:
    from relulp import solvers
    from . import datasets
    from .assemble import build_lp
    from .export import write_lp
    from .network import recover_network
    from .patterns import sample_deep_patterns, sample_patterns
    from .tree import PatternTree

    say = Out(args)
    t_start = time.perf_counter()
    _check_seed(args.seed)
    configs = [("2-layer", parse_patterns(args.patterns2, 2)), ("3-layer", parse_patterns(args.patterns3, 3))]
    if args.time_limit is not None and not args.time_limit > 0:
        raise UsageError(f"--time-limit must be positive, got {args.time_limit}")
    os.makedirs(args.out, exist_ok=True)
    ds = datasets.spiral()
    say("relulp demo: training ReLU networks by linear programming (Zhang, Zhang & Pilanci, ICML 2025)")
    say(f"[data]     spiral: {ds.n_train} training and {ds.n_test} test points in 2-D (+ intercept), labels +-1")
    runs = []
    summary: dict[str, Any] = {"dataset": "spiral", "objective": "min_l1", "backend": "highs", "seed": args.seed,
                               "runs": []}
    for name, sampled in configs:
        t0 = time.perf_counter()
        # an int seed is RandomState(seed), the reference code's draws (spiral: 1000 -> 623 patterns)
        if len(sampled) == 1:
            pats = [sample_patterns(ds.X_train, sampled[0], seed=args.seed)]
        else:
            pats = sample_deep_patterns(ds.X_train, sampled, seed=args.seed)
        tree = PatternTree(pats)
        lp = build_lp(tree, ds.X_train, ds.y_train, "min_l1")
        say(f"[{name}]  {sampled} sampled -> {list(tree.sizes)} distinct patterns, {tree.num_leaves:,} leaves; "
            f"LP {lp.num_rows:,} rows x {lp.num_cols:,} cols, {lp.nnz:,} nonzeros (built in "
            f"{_fmt_s(time.perf_counter() - t0)})")
        say(f"[{name}]  solving with HiGHS (interior point) ...")
        res = solvers.solve(lp, backend="highs", time_limit=args.time_limit)
        run = {"name": name, "patterns_sampled": sampled, "patterns": list(tree.sizes), "leaves": tree.num_leaves,
               "rows": lp.num_rows, "cols": lp.num_cols, "nnz": lp.nnz, "status": str(res.status),
               "objective": None if res.objective is None else res.objective / lp.objective_scale,
               "solve_seconds": res.solve_seconds}
        if res.status != solvers.Status.OPTIMAL or res.x is None:
            hint = (" (too few patterns for a separating network: sample more with "
                    f"--patterns{name[0]})") if res.status == solvers.Status.INFEASIBLE else ""
            say(f"[{name}]  {res.status}: {res.message} -- no network to show{hint}")
            run["network"] = None
        else:
            net = recover_network(lp, res.x)
            tr, te = net.score(ds.X_train, ds.y_train), net.score(ds.X_test, ds.y_test)
            viol = _margin_violation(net, ds.X_train, ds.y_train)
            run.update(train_accuracy=tr, test_accuracy=te, max_margin_violation=viol,
                       active_neurons=net.num_active_neurons())
            run["network"] = net
            say(f"[{name}]  optimal in {_fmt_s(res.solve_seconds)}: sum|u| = {run['objective']:.4g}, active neurons "
                f"{net.num_active_neurons()}; accuracy train {tr:.2f}, test {te:.2f} (max margin violation "
                f"{viol:.1e})")
        if name == "2-layer":
            path = os.path.join(args.out, "spiral_2layer.lp")
            t1 = time.perf_counter()
            write_lp(lp, path)  # HiGHS's writer from the matrix; `relulp build --write` uses Pyomo's
            run["lp_file"] = path
            say(f"[{name}]  wrote {path} ({os.path.getsize(path) / 2**20:.1f} MB in {_fmt_s(time.perf_counter() - t1)}); "
                f"columns are named u(<leaf>_<coordinate>), e.g. u(p3_0), rows margin(i), cone1(<leaf>_<i>), ...")
        runs.append(run)
    if not args.no_plot:
        path = os.path.join(args.out, "spiral_decision_boundaries.png")
        plot_decision_boundaries(ds, runs, path)
        summary["plot"] = path
        say(f"[plot]     wrote {path}")
    summary["runs"] = [{k: v for k, v in r.items() if k != "network"} for r in runs]
    summary["seconds"] = time.perf_counter() - t_start
    write_json(summary, os.path.join(args.out, "summary.json"))
    say(f"done in {summary['seconds']:.0f} s; files in {os.path.abspath(args.out)}")
    return EXIT_OK if all(r["status"] == "optimal" for r in runs) else EXIT_NOT_OPTIMAL


def _compact(net):
    """The same function without the first-layer neurons whose weights are all zero (exact)."""
    from .network import ReLUNetwork

    W1 = net.weights[0]
    alive = np.flatnonzero(np.any(W1 != 0, axis=0))
    if len(net.weights) == 1:
        return ReLUNetwork([W1[:, alive]], net.output_weights[alive], net.fit_intercept, net.info)
    W2 = net.weights[1]
    W2 = W2.tocsr()[alive] if hasattr(W2, "tocsr") else W2[alive]
    return ReLUNetwork([W1[:, alive], W2, *net.weights[2:]], net.output_weights, net.fit_intercept, net.info)


def _decision_grid(net, xx, yy, chunk: int = 4096):
    net = _compact(net)
    pts = np.column_stack([xx.ravel(), yy.ravel()])
    f = np.concatenate([net.decision_function(pts[i:i + chunk]) for i in range(0, len(pts), chunk)])
    return f.reshape(xx.shape)


def plot_decision_boundaries(ds, runs, path: str, resolution: int = 300) -> None:
    """Side-by-side decision regions of the demo networks, training (filled) and test (crossed) points."""
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt
    from matplotlib.colors import ListedColormap

    X = ds.X
    lo, hi = X.min(axis=0) - 0.15, X.max(axis=0) + 0.15
    xx, yy = np.meshgrid(np.linspace(lo[0], hi[0], resolution), np.linspace(lo[1], hi[1], resolution))
    fig, axes = plt.subplots(1, len(runs), figsize=(5.2 * len(runs), 5), squeeze=False)
    for ax, run in zip(axes[0], runs):
        net = run.get("network")
        if net is not None:
            f = _decision_grid(net, xx, yy)
            ax.contourf(xx, yy, (f >= 0).astype(float), levels=[-0.5, 0.5, 1.5],
                        cmap=ListedColormap(["#f4c7c3", "#c6dbef"]))
            ax.contour(xx, yy, f, levels=[0.0], colors="k", linewidths=1.0)
            title = (f"{run['name']}: {run['patterns_sampled']} sampled -> {run['patterns']} patterns\n"
                     f"train {run['train_accuracy']:.2f}, test {run['test_accuracy']:.2f}")
        else:
            title = f"{run['name']}: {run['status']}"
        for lab, col in ((1.0, "tab:blue"), (-1.0, "tab:red")):
            m = ds.y_train == lab
            ax.scatter(ds.X_train[m, 0], ds.X_train[m, 1], s=22, c=col, edgecolors="k", linewidths=0.4,
                       label=f"train y={int(lab):+d}")
            m = ds.y_test == lab
            ax.scatter(ds.X_test[m, 0], ds.X_test[m, 1], s=60, c=col, marker="X", edgecolors="k", linewidths=0.6,
                       label=f"test y={int(lab):+d}")
        ax.set_title(title, fontsize=10)
        ax.set_xlim(lo[0], hi[0])
        ax.set_ylim(lo[1], hi[1])
        ax.set_aspect("equal")
    axes[0][0].legend(loc="lower left", fontsize=7, framealpha=0.8)
    fig.suptitle("ReLU networks trained by solving the min_l1 LP (HiGHS) on the spiral", fontsize=11)
    fig.tight_layout()
    fig.savefig(path, dpi=110)
    plt.close(fig)


# ------------------------------------------------------------------------------------------------
# parser and entry point
# ------------------------------------------------------------------------------------------------

def _add_optional(sub, name: str, installer) -> None:
    """Run an installer from another module; on any failure remove what it added, so the CLI still works."""
    try:
        installer(sub)
    except Exception:  # noqa: BLE001 - a broken optional command must not break relulp's CLI
        sub._name_parser_map.pop(name, None)
        sub._choices_actions[:] = [a for a in sub._choices_actions if a.dest != name]


def build_parser() -> argparse.ArgumentParser:
    from . import __version__

    parser = argparse.ArgumentParser(
        prog="relulp",
        description="Linear programs equivalent to training ReLU networks with fixed activation patterns "
                    "(Zhang, Zhang & Pilanci, ICML 2025, Theorem 4.2). Start with `relulp demo`.",
    )
    parser.add_argument("--version", action="version", version=f"relulp {__version__}")
    sub = parser.add_subparsers(dest="command", metavar="COMMAND")
    for name, installer in COMMANDS.items():
        installer(sub)
    for name, module, attr in OPTIONAL_COMMANDS:
        if name in sub._name_parser_map:
            continue
        try:
            installer = getattr(import_module(module), attr)
        except Exception:  # noqa: BLE001 - ImportError, or anything the module raises on import
            continue
        _add_optional(sub, name, installer)
    try:
        from importlib.metadata import entry_points

        eps = entry_points(group=ENTRY_POINT_GROUP)
    except Exception:  # noqa: BLE001
        eps = []
    for ep in eps:
        if ep.name in sub._name_parser_map:
            continue
        try:
            installer = ep.load()
        except Exception:  # noqa: BLE001
            continue
        _add_optional(sub, ep.name, installer)
    return parser


def main(argv: list[str] | None = None) -> int:
    """Entry point of the ``relulp`` console script; returns the exit code."""
    parser = build_parser()
    try:
        args = parser.parse_args(argv)
    except SystemExit as e:  # argparse: --help (0) or a usage error (2)
        return int(e.code) if isinstance(e.code, int) else EXIT_USAGE
    func = getattr(args, "func", None)
    if func is None:
        parser.print_help(sys.stderr)
        return EXIT_USAGE
    prog = f"relulp {args.command}"
    if argv is None:  # the console script
        _install_interrupt_watchdog(prog)
    from .datasets import CSVEncodingError
    from .exceptions import RelulpError

    try:
        solver_errors: tuple = (import_module("relulp.solvers").SolverError,)
    except Exception:  # noqa: BLE001
        solver_errors = ()
    try:
        rc = func(args)
    except (UsageError, CSVEncodingError) as e:
        print(f"{prog}: error: {e}", file=sys.stderr)
        return EXIT_USAGE
    except (CLIError, RelulpError, *solver_errors) as e:
        print(f"{prog}: error: {e}", file=sys.stderr)
        return EXIT_ERROR
    except (FileNotFoundError, PermissionError, IsADirectoryError, NotADirectoryError) as e:
        print(f"{prog}: error: {e}", file=sys.stderr)
        return EXIT_ERROR
    except MemoryError as e:
        print(f"{prog}: error: out of memory ({e or 'numpy could not allocate'}); use fewer patterns or a "
              f"smaller data set", file=sys.stderr)
        return EXIT_ERROR
    except KeyboardInterrupt:
        print(f"{prog}: interrupted", file=sys.stderr, flush=True)
        if argv is None:  # the console script (argv from sys.argv): make sure the process ends now
            _exit_now(EXIT_INTERRUPTED)
        return EXIT_INTERRUPTED
    rc = int(rc or 0)
    if rc == EXIT_INTERRUPTED and argv is None:  # a command that handled Ctrl-C itself (bench)
        _exit_now(rc)
    return rc


#: Seconds between the first Ctrl-C and a forced exit, for a solve that does not return to Python (MPAX/JAX
#: computations hold the main thread; a second Ctrl-C exits at once).
INTERRUPT_GRACE_SECONDS = 5.0


def _install_interrupt_watchdog(prog: str) -> None:
    """Make Ctrl-C always end the console script (exit 130).

    Python runs its SIGINT handler (which raises KeyboardInterrupt) only when the main thread executes
    bytecode; a solver that holds the main thread in native code (MPAX under JAX) is not interrupted at
    all. The C-level handler does write the signal number to the wakeup fd at once, so a watcher thread
    reading it starts a grace timer on the first Ctrl-C: if the process has not ended after
    :data:`INTERRUPT_GRACE_SECONDS` (the normal KeyboardInterrupt path had its chance: HiGHS is cancelled,
    ``relulp bench`` writes its finished runs), or on a second Ctrl-C, it prints a line and exits 130.
    """
    import signal
    import threading

    if threading.current_thread() is not threading.main_thread() or not hasattr(signal, "set_wakeup_fd"):
        return
    if signal.getsignal(signal.SIGINT) is not signal.default_int_handler:
        return  # somebody else handles Ctrl-C
    try:
        r, w = os.pipe()
        os.set_blocking(w, False)
        signal.set_wakeup_fd(w, warn_on_full_buffer=False)
    except (OSError, ValueError):
        return

    def hard_exit() -> None:
        try:
            os.write(2, f"\n{prog}: interrupted\n".encode())
        except OSError:
            pass
        os._exit(EXIT_INTERRUPTED)

    def watch() -> None:
        count = 0
        while True:
            try:
                data = os.read(r, 64)
            except OSError:
                return
            if not data:
                return
            count += sum(1 for b in data if b == signal.SIGINT)
            if count >= 2:
                hard_exit()
            elif count == 1:
                t = threading.Timer(INTERRUPT_GRACE_SECONDS, hard_exit)
                t.daemon = True
                t.start()

    threading.Thread(target=watch, name="relulp-interrupt-watchdog", daemon=True).start()


def _exit_now(rc: int) -> None:
    """Flush and end the process at once, skipping interpreter shutdown: after Ctrl-C, solver runtimes
    (JAX for MPAX, solver worker threads) can leave non-daemon threads that would keep it from exiting."""
    for stream in (sys.stdout, sys.stderr):
        try:
            stream.flush()
        except Exception:  # noqa: BLE001
            pass
    os._exit(rc)


if __name__ == "__main__":  # python -m relulp.cli
    sys.exit(main())
