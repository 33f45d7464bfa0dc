"""Fuzz campaign over relulp's LPs: the harness of tests/fuzz_harness.py at 1,000+ instances.

    python benchmarks/fuzz_campaign.py                      # 1000 instances, seed 0
    python benchmarks/fuzz_campaign.py --quick              # 200 instances
    python benchmarks/fuzz_campaign.py --instances 5000 --seed 7 --show 20
    python benchmarks/fuzz_campaign.py --quick --with-scale-sweep   # then benchmarks/scale_sweep.py

Each instance is checked four ways (backends agree; every optimum re-verified by the recovered network's
forward pass; build_lp vs build_model; .lp/.mps round trips through HiGHS), see tests/fuzz_harness.py.
Prints a summary table (outcomes per check, per objective and depth, instances per second) and the
failing instances with a self-contained reproducer (--reproducers), and exits 1 on any crash,
disagreement or unverified optimum (``noise`` -- output on stdout/stderr -- is reported, not fatal).

``--with-scale-sweep`` runs ``benchmarks/scale_sweep.py`` (written separately) after the campaign, as
its own ``__main__`` with the arguments given to ``--scale-sweep-args``; its exit status is folded into
ours. Without the option, run it yourself: ``python benchmarks/scale_sweep.py``.
"""

from __future__ import annotations

import argparse
import os
import runpy
import shlex
import sys
import time
from collections import Counter

HERE = os.path.dirname(os.path.abspath(__file__))
sys.path.insert(0, os.path.join(os.path.dirname(HERE), "tests"))

import fuzz_harness as fh  # noqa: E402

SHOW_KINDS = (fh.OK, fh.FLAGGED, fh.CLEAR_ERROR, fh.NOISE, fh.UNVERIFIED, fh.DISAGREEMENT, fh.CRASH)
CHECKS = ("generate", "build", "backends", "network", "pyomo", "export", "quiet", "harness")


def _table(header, rows) -> str:
    widths = [max(len(str(r[i])) for r in [header, *rows]) for i in range(len(header))]
    fmt = "  ".join(f"{{:<{w}}}" if i == 0 else f"{{:>{w}}}" for i, w in enumerate(widths))
    lines = [fmt.format(*header), fmt.format(*["-" * w for w in widths])]
    lines += [fmt.format(*map(str, r)) for r in rows]
    return "\n".join(lines)


def summary(reports, seconds: float) -> str:
    c = fh.count(reports)
    out = []
    n = len(reports)
    out.append(f"{n} instances in {seconds:.1f} s: {n / max(seconds, 1e-9):.2f} instances/s")
    out.append("")
    out.append("per instance (worst outcome of its checks):")
    out.append(_table(["outcome", "instances"], [[k, c["instances"].get(k, 0)] for k in SHOW_KINDS + (fh.SKIPPED,)
                                                  if c["instances"].get(k, 0) or k in fh.FAILURE_KINDS]))
    out.append("")
    out.append("per check:")
    rows = []
    for chk in CHECKS:
        vals = [c["checks"].get((chk, k), 0) for k in SHOW_KINDS + (fh.SKIPPED,)]
        if any(vals):
            rows.append([chk, *vals])
    out.append(_table(["check", *SHOW_KINDS, fh.SKIPPED], rows))
    out.append("")
    out.append("per objective / depth (instances by worst outcome):")
    rows = []
    for (obj, depth), g in sorted(c["groups"].items(), key=lambda kv: (str(kv[0][0]), kv[0][1])):
        rows.append([f"{obj} / {depth}", sum(g.values()), *[g.get(k, 0) for k in SHOW_KINDS]])
    out.append(_table(["objective / depth", "total", *SHOW_KINDS], rows))
    out.append("")
    deg = Counter((r.instance.degeneracy, r.kind) for r in reports)
    rows = []
    for dname in fh.DEGENERACIES:
        vals = [deg.get((dname, k), 0) for k in SHOW_KINDS]
        if any(vals):
            rows.append([dname, sum(vals), *vals])
    out.append("per degeneracy:")
    out.append(_table(["degeneracy", "total", *SHOW_KINDS], rows))
    out.append("")
    statuses = Counter(r.statuses.get("highs:ipm", "-") for r in reports)
    out.append("HiGHS ipm statuses: " + ", ".join(f"{k}={v}" for k, v in statuses.most_common()))
    slow = sorted(reports, key=lambda r: r.seconds)[-3:]
    out.append("slowest: " + "; ".join(f"{r.seconds:.2f}s seed={r.instance.seed}" for r in reversed(slow)))
    return "\n".join(out)


def run_scale_sweep(args_line: str) -> int:
    path = os.path.join(HERE, "scale_sweep.py")
    if not os.path.exists(path):
        print(f"\n--with-scale-sweep: {path} does not exist (yet); skipped")
        return 0
    print(f"\n=== {path} {args_line}".rstrip())
    old = sys.argv
    sys.argv = [path, *shlex.split(args_line)]
    try:
        runpy.run_path(path, run_name="__main__")
    except SystemExit as e:
        code = e.code if isinstance(e.code, int) else (0 if e.code is None else 1)
        return code
    finally:
        sys.argv = old
    return 0


def main(argv=None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0],
                                 formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--instances", type=int, default=1000, help="number of instances (default 1000)")
    ap.add_argument("--seed", type=int, default=0, help="campaign seed: instance i uses seed*1000003 + i")
    ap.add_argument("--quick", action="store_true", help="200 instances (unless --instances is given)")
    ap.add_argument("--max-nnz", type=int, default=fh.MAX_NNZ, help="nonzero cap per LP (default %(default)s)")
    ap.add_argument("--objective", choices=fh.OBJECTIVES, help="only this objective")
    ap.add_argument("--degeneracy", choices=fh.DEGENERACIES, help="only this kind of data")
    ap.add_argument("--show", type=int, default=10, help="failing instances to print (default 10)")
    ap.add_argument("--reproducers", action="store_true", help="print a Python reproducer for each one shown")
    ap.add_argument("--progress", action="store_true", help="one line per instance")
    ap.add_argument("--with-scale-sweep", action="store_true", help="also run benchmarks/scale_sweep.py")
    ap.add_argument("--scale-sweep-args", default="", help="arguments for scale_sweep.py (one string)")
    args = ap.parse_args(argv)
    explicit = argv is not None and any(a.startswith("--instances") for a in argv)
    explicit = explicit or any(a.startswith("--instances") for a in sys.argv[1:]) if argv is None else explicit
    n = 200 if args.quick and not explicit else args.instances

    def progress(rep):
        if args.progress:
            print(f"{rep.kind:<12} {rep.seconds:6.2f}s  {rep.instance.describe()}", flush=True)

    kw = {"max_nnz": args.max_nnz}
    if args.objective:
        kw["objective"] = args.objective
    if args.degeneracy:
        kw["degeneracy"] = args.degeneracy
    seeds = [args.seed * 1_000_003 + i for i in range(n)]
    t0 = time.perf_counter()
    reports = fh.campaign(seeds, progress=progress, **kw)
    seconds = time.perf_counter() - t0

    print(summary(reports, seconds))
    failing = [r for r in reports if r.failures]
    noisy = [r for r in reports if any(o.kind == fh.NOISE for o in r.outcomes)]
    if noisy:
        print(f"\nnoise (not fatal) in {len(noisy)} instance(s), first: {noisy[0].summary().splitlines()[-1].strip()}")
    if failing:
        print(f"\n{len(failing)} failing instance(s); first {min(args.show, len(failing))}:")
        for r in failing[: args.show]:
            print(r.summary())
            if args.reproducers:
                print("    " + r.instance.reproducer().replace("\n", "\n    "))
    fails = fh.failure_counts(reports)
    print("\nfailures: " + ", ".join(f"{k}={v}" for k, v in fails.items()))
    code = 1 if any(fails.values()) else 0
    if args.with_scale_sweep:
        code = max(code, 1 if run_scale_sweep(args.scale_sweep_args) else 0)
    return code


if __name__ == "__main__":
    sys.exit(main())
