"""``relulp bench``: compare LP solvers on relulp's LPs and on LP files.

Runs every instance x solver (``backend:method``) ``--repeats`` times with a per-run time limit, writes
every run to JSON and CSV (status, objective, relulp's residuals, seconds, iterations, versions and
machine info), prints solved counts and shifted geometric means, and draws a performance profile.
How to read the output: docs/benchmarking.md.

Exit codes: 0 done; 2 bad input (a FILE that does not exist, an unknown backend or method, an output file
that exists without ``--overwrite``, no instance or no installed solver, ``--workers`` > 1 without Dask);
130 interrupted (Ctrl-C): the runs finished so far are in the JSON/CSV, which are rewritten after every
instance.

``--workers N`` (N > 1) runs the instances as tasks of a Dask LocalCluster of N worker processes,
``--scheduler ADDRESS`` on an existing Dask cluster (:mod:`relulp.distributed`); the records are those of
the serial run, in the same order (timings aside).

Results are never overwritten silently: an explicit ``--json``/``--csv``/``--plot`` path that exists is
refused unless ``--overwrite``; the default ``bench-<suite>.json`` moves on to ``bench-<suite>-2.json``,
``-3``, ... when taken.

``relulp/cli/bench.py`` calls :func:`add_subparser` and :func:`run`; ``python -m relulp.bench.run`` runs it alone.
"""

from __future__ import annotations

import argparse
import datetime as _dt
import functools
import os
import platform
import sys
import time
from importlib import metadata
from pathlib import Path
from typing import Any

from relulp import distributed
from relulp.solvers import api, backends
from .report import format_summary, plot_profile, profile, score, summary, write_outputs
from .suites import SUITE_HELP, SUITES, file_instances, relulp_family, suite
from relulp.solvers.errors import SolverError, UnknownBackendError, UnknownMethodError

EXIT_USAGE, EXIT_INTERRUPTED = 2, 130


class BenchUsageError(Exception):
    """Bad input to ``relulp bench`` (exit code 2, one line, no traceback)."""


def add_subparser(subparsers) -> argparse.ArgumentParser:
    """Add the ``bench`` sub-command to an argparse ``subparsers`` object (``set_defaults(func=run)``)."""
    p = subparsers.add_parser(
        "bench",
        help="compare LP solvers on relulp LPs and .mps/.lp files",
        description="Benchmark LP backends x methods on generated relulp LPs and LP files. "
                    "See docs/benchmarking.md.",
    )
    configure(p)
    p.set_defaults(func=run)
    return p


def configure(p: argparse.ArgumentParser) -> None:
    p.add_argument("--suite", choices=SUITES, default="smoke",
                   help="instance family and default solvers/time limit (default: smoke: "
                        f"{SUITE_HELP['smoke']}); small: {SUITE_HELP['small']}; medium: {SUITE_HELP['medium']}")
    p.add_argument("files", nargs="*", metavar="FILE", help=".mps/.lp files to add (read with HiGHS)")
    p.add_argument("--relax-integers", action="store_true", help="solve the LP relaxation of MIP files")
    p.add_argument("--no-suite", action="store_true", help="only the FILEs / the custom family")
    p.add_argument("--solvers", default=None,
                   help="comma-separated backend:method list, e.g. highs:ipm,glpk:simplex,mpax:r2hpdhg,"
                        "pyomo:cbc (default: the suite's; 'all' = every installed backend and method)")
    p.add_argument("--time-limit", type=float, default=None, help="seconds per run (default: the suite's)")
    p.add_argument("--repeats", type=int, default=None, help="runs per instance and solver (median time)")
    p.add_argument("--tolerance", type=float, default=None, help="passed to every solver (default: each its own)")
    p.add_argument("--check-tol", type=float, default=1e-4,
                   help="relative residual a run must meet to count as solved (default 1e-4)")
    fam = p.add_argument_group("custom relulp family (replaces the suite's relulp instances if any is given)")
    fam.add_argument("--n", type=_ints, default=None, help="data points, e.g. 50,100")
    fam.add_argument("--d", type=_ints, default=None, help="features, e.g. 3,5")
    fam.add_argument("--widths", type=_widths, default=None, help="pattern widths per layer: 20 or 6x6 or 20,6x6")
    fam.add_argument("--objective", type=_strs, default=None, help="min_l1,hinge,feasibility,l1,eps")
    fam.add_argument("--formulation", type=_strs, default=None, help="nested,auxiliary")
    fam.add_argument("--seeds", type=_ints, default=None, help="data/pattern seeds, e.g. 0,1,2")
    p.add_argument("--json", type=Path, default=None, help="JSON output (default bench-<suite>.json)")
    p.add_argument("--csv", type=Path, default=None, help="CSV output (default: next to the JSON)")
    p.add_argument("--plot", type=Path, default=None, help="performance-profile PNG (default: next to the JSON)")
    p.add_argument("--no-plot", action="store_true")
    p.add_argument("--overwrite", "--force", dest="overwrite", action="store_true",
                   help="replace existing --json/--csv/--plot files (default: refuse an explicit path that exists; "
                        "the default name moves on to bench-<suite>-2.json, ...)")
    p.add_argument("--quiet", action="store_true", help="no per-run lines")
    distributed.add_arguments(p.add_argument_group("distributed runs (Dask; one task per instance)"))


def _ints(s: str) -> list[int]:
    try:
        out = [int(v) for v in s.split(",") if v]
    except ValueError:
        raise argparse.ArgumentTypeError(f"expected comma-separated integers, got {s!r}") from None
    if not out or any(v < 0 for v in out):
        raise argparse.ArgumentTypeError(f"expected comma-separated non-negative integers, got {s!r}")
    return out


def _strs(s: str) -> list[str]:
    return [v.strip() for v in s.split(",") if v.strip()]


def _widths(s: str) -> list[tuple[int, ...]]:
    try:
        out = [tuple(int(x) for x in w.split("x")) for w in s.split(",") if w]
    except ValueError:
        raise argparse.ArgumentTypeError(f"expected widths such as 20 or 6x6 or 20,6x6, got {s!r}") from None
    if not out or any(v < 1 for w in out for v in w):
        raise argparse.ArgumentTypeError(f"widths must be positive integers, got {s!r}")
    return out


def parse_solvers(spec: str | None, default: list[str]) -> list[tuple[str, str | None]]:
    """``backend:method`` strings -> (backend, method) pairs; ``pyomo:<name>`` has no method part."""
    if spec is None:
        items = default
    elif spec == "all":
        items = [f"{b}:{m}" if not b.startswith("pyomo:") else b
                 for b, info in api.available().items() for m in info["methods"]]
    else:
        items = [s.strip() for s in spec.split(",") if s.strip()]
    out = []
    for item in items:
        if item.startswith(backends.PYOMO_PREFIX):
            out.append((item, None))
        elif ":" in item:
            b, m = item.split(":", 1)
            out.append((b, m))
        else:
            out.append((item, None))
    return out


def machine_info() -> dict[str, Any]:
    info: dict[str, Any] = {
        "timestamp": _dt.datetime.now(_dt.timezone.utc).isoformat(timespec="seconds"),
        "platform": platform.platform(),
        "python": sys.version.split()[0],
        "cpu_count": os.cpu_count(),
        "cpu_model": _cpu_model(),
        "versions": {},
    }
    for pkg in ("relulp", "numpy", "scipy", "highspy", "swiglpk", "pyomo", "mpax", "jax"):
        try:
            info["versions"][pkg] = metadata.version(pkg)
        except metadata.PackageNotFoundError:
            pass
    try:
        info["load_average"] = os.getloadavg()
    except OSError:
        pass
    return info


def _cpu_model() -> str:
    try:
        for line in Path("/proc/cpuinfo").read_text().splitlines():
            if line.startswith("model name"):
                return line.split(":", 1)[1].strip()
    except OSError:
        pass
    return platform.processor()


def run_one(lp, backend: str, method: str | None, time_limit: float, tolerance: float | None) -> dict[str, Any]:
    """One solve, as a flat record; exceptions become ``error`` (the benchmark goes on)."""
    engine = backends.get(backend)
    m = engine.check_method(method)
    tl = time_limit if engine.has_time_limit(m) else None
    t0 = time.perf_counter()
    try:
        res = api.solve(lp, backend=backend, method=m, time_limit=tl, tolerance=tolerance)
    except (SolverError, RuntimeError, ValueError, MemoryError) as e:
        return {"backend": backend, "method": m, "status": None, "error": f"{type(e).__name__}: {e}",
                "total_seconds": time.perf_counter() - t0, "setup_seconds": None, "solve_seconds": None,
                "timed_out": False, "time_limit": tl}
    rec = res.to_record()
    rec["total_seconds"] = res.total_seconds
    rec["error"] = None
    # solvers without a time limit ran to the end: a run past the limit counts as a time-out
    rec["timed_out"] = res.status.value == "time_limit" or res.total_seconds > time_limit
    rec["time_limit"] = tl
    return rec


def run_instance(inst, runnable: list[tuple[str, str]], names: list[str], repeats: int, time_limit: float,
                 tolerance: float | None, echo: str = "") -> tuple[dict[str, Any], list[dict[str, Any]],
                                                                     list[tuple[str, str]]]:
    """Build one instance and run every solver on it: ``(instance info, records, lines)``.

    ``lines`` are ``(stream, text)`` pairs ("out" per-run lines, "err" a build failure) for the caller to
    print; ``echo`` prints them as they happen instead (the serial run): ``"all"``, ``"err"`` (build
    failures only: ``--quiet``) or ``""`` (none: a Dask task). One task of ``--workers``.
    """
    lines: list[tuple[str, str]] = []

    def say(stream: str, text: str) -> None:
        lines.append((stream, text))
        if echo == "all" or echo == stream:
            print(text, file=sys.stderr if stream == "err" else sys.stdout, flush=True)

    try:
        lp = inst.build()
    except Exception as e:  # a family point relulp refuses (e.g. too large): record and go on
        say("err", f"{inst.name}: not built: {type(e).__name__}: {e}")
        return ({"name": inst.name, "family": inst.family, "params": inst.params,
                 "error": f"{type(e).__name__}: {e}"}, [], lines)
    info = {"name": inst.name, "family": inst.family, "params": inst.params,
            "rows": lp.num_rows, "cols": lp.num_cols, "nnz": lp.nnz}
    records = []
    for (b, m), sname in zip(runnable, names):
        for rep in range(repeats):
            rec = run_one(lp, b, m, time_limit, tolerance)
            rec.update(instance=inst.name, family=inst.family, rows=lp.num_rows, cols=lp.num_cols,
                       nnz=lp.nnz, solver=sname, repeat=rep)
            records.append(rec)
            obj = rec.get("objective")
            say("out", f"{inst.name:<44} {sname:<16} {str(rec.get('status') or 'error'):<24} "
                       f"obj={'-' if obj is None else f'{obj:.8g}':<14} {rec['total_seconds']:8.3f}s"
                + (f"  {rec['error']}" if rec.get("error") else ""))
    return info, records, lines


def check_solvers(pairs: list[tuple[str, str | None]]) -> tuple[list[tuple[str, str]], list[str]]:
    """Split ``(backend, method)`` pairs into runnable ones and skipped ones (not installed).

    An unknown backend or method name raises :class:`BenchUsageError` (a typo is not silently skipped).
    """
    runnable, skipped = [], []
    for b, m in pairs:
        try:
            engine = backends.get(b)
            m = engine.check_method(m)
        except (UnknownBackendError, UnknownMethodError) as e:
            raise BenchUsageError(f"--solvers: {e}") from None
        except SolverError as e:  # "gpu" with no usable GPU backend
            skipped.append(f"{b}: {e}")
            continue
        try:
            engine.require_installed()
            if m not in engine.installed_methods():
                raise SolverError(f"{b}:{m} not installed")
            runnable.append((b, m))
        except SolverError as e:
            skipped.append(f"{b}:{m}: {e}")
    return runnable, skipped


def _free_name(path: Path) -> Path:
    """``path`` if it does not exist, else ``stem-2.suffix``, ``stem-3.suffix``, ..."""
    if not path.exists():
        return path
    k = 2
    while True:
        cand = path.with_name(f"{path.stem}-{k}{path.suffix}")
        if not any(cand.with_suffix(x).exists() for x in (".json", ".csv", ".png", path.suffix)):
            return cand
        k += 1


def output_paths(args) -> tuple[Path, Path, Path | None]:
    """(json, csv, png-or-None); refuses (BenchUsageError) to overwrite an explicit path unless --overwrite."""
    overwrite = bool(getattr(args, "overwrite", False))
    json_path = args.json
    if json_path is None:
        json_path = Path(f"bench-{args.suite}.json")
        if not overwrite:
            json_path = _free_name(json_path)
    csv_path = args.csv or json_path.with_suffix(".csv")
    png_path = None if args.no_plot else (args.plot or json_path.with_suffix(".png"))
    if not overwrite:
        taken = [str(p) for p in (json_path, csv_path, png_path) if p is not None and p.exists()]
        if taken:
            raise BenchUsageError(f"{', '.join(taken)} already exist{'s' if len(taken) == 1 else ''}: earlier results "
                                  f"are not overwritten; pass --overwrite or another --json/--csv/--plot")
    for p in (json_path, csv_path, png_path):
        if p is not None and p.is_dir():
            raise BenchUsageError(f"{p} is a directory; give a file name")
    return json_path, csv_path, png_path


def run(args: argparse.Namespace) -> int:
    try:
        return _run(args)
    except BenchUsageError as e:
        print(f"relulp bench: error: {e}", file=sys.stderr)
        return EXIT_USAGE


def _run(args: argparse.Namespace) -> int:
    # everything that can be wrong with the input is checked before the first LP is built or solved
    missing = [f for f in args.files if not Path(f).is_file()]
    if missing:
        raise BenchUsageError(f"no such file{'s' if len(missing) > 1 else ''}: {', '.join(map(str, missing))}")
    bad = [f for f in args.files if Path(f).suffix.lower() not in (".mps", ".lp", ".gz")]
    if bad:
        raise BenchUsageError(f"FILE must be an .mps or .lp file: {', '.join(map(str, bad))}")
    for name in ("time_limit", "tolerance"):
        v = getattr(args, name)
        if v is not None and not v > 0:
            raise BenchUsageError(f"--{name.replace('_', '-')} must be positive, got {v}")
    if args.repeats is not None and args.repeats < 1:
        raise BenchUsageError(f"--repeats must be >= 1, got {args.repeats}")
    workers, scheduler = getattr(args, "workers", 1), getattr(args, "scheduler", None)
    try:
        distributed.check(workers, scheduler)
    except (ValueError, distributed.DistributedUnavailableError) as e:
        raise BenchUsageError(f"--workers/--scheduler: {e}") from None
    insts, default_solvers, default_tl, default_rep = suite(args.suite)
    time_limit = args.time_limit if args.time_limit is not None else default_tl
    repeats = args.repeats if args.repeats is not None else default_rep
    pairs = parse_solvers(args.solvers, default_solvers)
    runnable, skipped = check_solvers(pairs)
    custom = [args.n, args.d, args.widths, args.objective, args.formulation, args.seeds]
    if any(v is not None for v in custom):
        fam = relulp_family(args.n or [50], args.d or [3], args.widths or [(20,)], args.objective or ["min_l1"],
                            args.formulation or ["nested"], args.seeds or [0])
        insts = [i for i in insts if i.family != "relulp"] + fam
    if args.no_suite:
        insts = [i for i in insts if i.family == "relulp" and any(v is not None for v in custom)]
    insts = insts + file_instances(args.files, relax_integers=args.relax_integers)
    if not insts:
        raise BenchUsageError("no instances (--no-suite needs FILEs or a custom family: --n, --d, --widths, ...)")
    for s in skipped:
        print(f"skipping {s}", file=sys.stderr)
    if not runnable:
        raise BenchUsageError("no installed solver to run (see the 'skipping' lines above)")
    names = [b if b.startswith("pyomo:") else f"{b}:{m}" for b, m in runnable]
    json_path, csv_path, png_path = output_paths(args)

    t_start = time.perf_counter()
    machine = machine_info()
    records: list[dict[str, Any]] = []
    instance_info: list[dict[str, Any]] = []

    def document(interrupted: bool = False) -> tuple[dict[str, Any], dict]:
        cells = score(records, time_limit, args.check_tol)
        doc = {
            "suite": args.suite,
            "time_limit": time_limit,
            "repeats": repeats,
            "tolerance": args.tolerance,
            "check_tol": args.check_tol,
            "solvers": names,
            "skipped_solvers": skipped,
            "machine": machine,
            "instances": instance_info,
            "summary": summary(cells, names),
            "runs": records,
            "complete": False,
            "interrupted": interrupted,
            "wall_seconds": time.perf_counter() - t_start,
            "workers": workers if not scheduler else None,
            "scheduler": scheduler or ("LocalCluster" if workers > 1 else None),
        }
        return doc, cells

    serial = not distributed.uses_dask(workers, scheduler)
    done: dict[int, tuple[dict[str, Any], list[dict[str, Any]]]] = {}

    def finished(i: int, out) -> None:
        info, recs, lines = out
        if not serial:  # the serial run printed them as they came
            for stream, text in lines:
                if stream == "err" or not args.quiet:
                    print(text, file=sys.stderr if stream == "err" else sys.stdout, flush=True)
        done[i] = (info, recs)
        # instance order, whatever order the tasks finish in: the serial run's records
        instance_info[:] = [done[k][0] for k in sorted(done)]
        records[:] = [r for k in sorted(done) for r in done[k][1]]
        write_outputs(document()[0], json_path, csv_path)  # incremental: a crash keeps what is done

    try:
        echo = ("err" if args.quiet else "all") if serial else ""  # build failures print even with --quiet
        task = functools.partial(run_instance, runnable=runnable, names=names, repeats=repeats,
                                 time_limit=time_limit, tolerance=args.tolerance, echo=echo)
        distributed.map_tasks(task, insts, workers=workers, scheduler=scheduler, on_result=finished)
    except KeyboardInterrupt:
        doc, _ = document(interrupted=True)
        write_outputs(doc, json_path, csv_path)
        print(f"\nrelulp bench: interrupted: {len(records)} finished run{'s' if len(records) != 1 else ''} "
              f"({len(instance_info)} of {len(insts)} instances) kept in {json_path}, {csv_path}",
              file=sys.stderr, flush=True)
        return EXIT_INTERRUPTED

    doc, cells = document()
    doc["complete"] = True
    write_outputs(doc, json_path, csv_path)
    rows = doc["summary"]
    print()
    print(format_summary(rows, time_limit, args.check_tol))
    if png_path is not None:
        try:
            plot_profile(profile(cells, names), png_path,
                         f"relulp bench --suite {args.suite} ({len(instance_info)} instances, limit {time_limit:g} s)")
        except ImportError:
            print("matplotlib not installed: no performance profile (pip install matplotlib)", file=sys.stderr)
            png_path = None
    print(f"\nwrote {json_path}, {csv_path}" + (f", {png_path}" if png_path else "")
          + f"  ({doc['wall_seconds']:.1f} s)")
    return 0


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m relulp.bench.run", description=__doc__.splitlines()[0])
    configure(parser)
    return run(parser.parse_args(argv))


if __name__ == "__main__":  # pragma: no cover
    try:
        sys.exit(main())
    except KeyboardInterrupt:
        print("python -m relulp.bench.run: interrupted", file=sys.stderr)
        sys.exit(EXIT_INTERRUPTED)
