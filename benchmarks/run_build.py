"""Assembly-time benchmark: relulp.build_lp (vectorised matrix path) vs relulp.build_model (Pyomo path).

    python benchmarks/run_build.py                      # every shape (~3-5 min on 2 cores)
    python benchmarks/run_build.py --quick              # a few shapes (~1 min)
    python benchmarks/run_build.py --only d20-P200 --pyomo-max-nnz 0   # one shape, matrix path only
    python benchmarks/run_build.py --largest 100e6      # also build one LP of about 1e8 nonzeros
    python benchmarks/run_build.py --json build.json

Reports nonzeros per second and microseconds per nonzero of both paths and their ratio, measured in the
same run (matrix path: best of --repeats; Pyomo: one build, Pyomo imported beforehand). Targets (2 cores):
build_lp >= 20M nonzeros/s on a 2-layer LP with >= 5M nonzeros; build_model <= 4 µs per nonzero.
"""

from __future__ import annotations

import argparse
import json
import os
import platform
import sys
import time

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))

import numpy as np  # noqa: E402

import relulp  # noqa: E402
from shapes import QUICK, SHAPES, Shape, make_problem, time_matrix, time_pyomo  # noqa: E402

TARGET_NNZ_PER_S = 20e6
TARGET_PYOMO_US = 4.0


def run_shape(shape: Shape, repeats: int, pyomo_max_nnz: int) -> dict:
    X, y, tree = make_problem(shape)
    sec, cpu, lp = time_matrix(shape, X, y, tree, repeats)
    rec = {
        "shape": shape.name, "group": shape.group, "n": len(X), "d": X.shape[1] + 1, "depth": tree.depth,
        "sampled": list(shape.sampled), "patterns": list(tree.sizes), "leaves": tree.num_leaves,
        "objective": shape.objective, "formulation": shape.formulation,
        "rows": lp.num_rows, "cols": lp.num_cols, "nnz": lp.nnz,
        "matrix_seconds": sec, "matrix_nnz_per_s": lp.nnz / sec, "matrix_us_per_nnz": 1e6 * sec / lp.nnz,
        "matrix_cpu_seconds": cpu, "matrix_cpu_nnz_per_s": lp.nnz / cpu if cpu > 0 else None,
        "pyomo_seconds": None, "pyomo_us_per_nnz": None, "pyomo_nnz_per_s": None, "ratio": None,
        "pyomo_cpu_seconds": None, "pyomo_cpu_us_per_nnz": None,
    }
    del lp
    if shape.pyomo and rec["nnz"] <= pyomo_max_nnz:
        psec, pcpu, rows = time_pyomo(shape, X, y, tree)
        assert rows == rec["rows"], (rows, rec["rows"])
        rec.update(pyomo_seconds=psec, pyomo_us_per_nnz=1e6 * psec / rec["nnz"], pyomo_nnz_per_s=rec["nnz"] / psec,
                   ratio=psec / sec, pyomo_cpu_seconds=pcpu, pyomo_cpu_us_per_nnz=1e6 * pcpu / rec["nnz"])
    return rec


def largest(target_nnz: float) -> dict:
    """One 2-layer LP of about ``target_nnz`` nonzeros (n = 1000, d = 20; P chosen from PatternTree.size)."""
    rng = np.random.default_rng(0)
    n, d0 = 1000, 19
    X = rng.normal(size=(n, d0))
    y = np.where(X[:, 0] >= 0, 1.0, -1.0)
    Xa = np.c_[X, np.ones(n)]
    per_pattern = relulp.PatternTree(relulp.sample_patterns(X, 20, seed=0)).size(X=Xa, objective="min_l1").nnz / 20
    P = int(target_nnz / per_pattern)
    D = relulp.sample_patterns(X, P, seed=0)
    tree = relulp.PatternTree(D)
    size = tree.size(X=Xa, objective="min_l1")
    limit = max(relulp.get_memory_limit(), int(size.bytes_estimate() * 1.1))
    c0, t0 = time.process_time(), time.perf_counter()
    lp = relulp.build_lp(tree, X, y, "min_l1", memory_limit=limit)
    sec, cpu = time.perf_counter() - t0, time.process_time() - c0
    return {"shape": f"largest-n{n}-d{d0 + 1}-P{tree.sizes[0]}", "n": n, "d": d0 + 1, "patterns": list(tree.sizes),
            "rows": lp.num_rows, "cols": lp.num_cols, "nnz": lp.nnz, "matrix_seconds": sec,
            "matrix_nnz_per_s": lp.nnz / sec, "matrix_cpu_seconds": cpu, "matrix_cpu_nnz_per_s": lp.nnz / cpu,
            "bytes_estimate": size.bytes_estimate(),
            "matrix_bytes": int(lp.A.data.nbytes + lp.A.indices.nbytes + lp.A.indptr.nbytes)}


def _f(v, fmt):
    return "-" if v is None else format(v, fmt)


def table(records: list[dict]) -> str:
    head = (f"{'shape':<24}{'depth':>5}{'patterns':>10}{'rows':>11}{'cols':>9}{'nnz':>12}"
            f"{'matrix s':>9}{'M nnz/s':>8}{'(cpu)':>7}{'µs/nnz':>8}{'pyomo s':>8}{'µs/nnz':>7}{'(cpu)':>6}{'ratio':>6}")
    lines = [head, "-" * len(head)]
    group = None
    for r in records:
        if r.get("group") and r["group"] != group:
            group = r["group"]
            lines.append(f"[{group}]")
        pats = "x".join(map(str, r["patterns"]))
        cpu_rate = r.get("matrix_cpu_nnz_per_s")
        lines.append(
            f"{r['shape']:<24}{r.get('depth', 1):>5}{pats:>10}{r['rows']:>11,}{r['cols']:>9,}{r['nnz']:>12,}"
            f"{r['matrix_seconds']:>9.3f}{r['matrix_nnz_per_s'] / 1e6:>8.1f}{_f(cpu_rate and cpu_rate / 1e6, '.1f'):>7}"
            f"{1e6 * r['matrix_seconds'] / r['nnz']:>8.3f}"
            f"{_f(r.get('pyomo_seconds'), '.2f'):>8}{_f(r.get('pyomo_us_per_nnz'), '.2f'):>7}"
            f"{_f(r.get('pyomo_cpu_us_per_nnz'), '.2f'):>6}{_f(r.get('ratio'), '.0f'):>6}")
    return "\n".join(lines)


def verdict(records: list[dict]) -> list[str]:
    out = ["(wall-clock rates; CPU-time rates in brackets: they differ when other processes share the CPUs)"]
    two = [r for r in records if r.get("depth") == 1 and r["nnz"] >= 5_000_000 and "largest" not in r["shape"]]
    if two:
        best = max(two, key=lambda r: r["matrix_nnz_per_s"])
        ok = best["matrix_nnz_per_s"] >= TARGET_NNZ_PER_S
        out.append(f"build_lp on a 2-layer LP with >= 5M nonzeros: {best['matrix_nnz_per_s'] / 1e6:.1f}M nonzeros/s "
                   f"[{best['matrix_cpu_nnz_per_s'] / 1e6:.1f}M] ({best['shape']}, {best['nnz']:,} nnz) -- target "
                   f">= 20M/s: {'PASS' if ok else 'FAIL'}")
    py = [r for r in records if r.get("pyomo_us_per_nnz") is not None]
    if py:
        worst = max(py, key=lambda r: r["pyomo_us_per_nnz"])
        ok = worst["pyomo_us_per_nnz"] <= TARGET_PYOMO_US
        out.append(f"build_model: {min(r['pyomo_us_per_nnz'] for r in py):.2f}-{worst['pyomo_us_per_nnz']:.2f} µs/nonzero "
                   f"[{min(r['pyomo_cpu_us_per_nnz'] for r in py):.2f}-{max(r['pyomo_cpu_us_per_nnz'] for r in py):.2f}] "
                   f"(worst {worst['shape']}) -- target <= 4 µs: {'PASS' if ok else 'FAIL'}")
    return out


def main(argv=None) -> int:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--quick", action="store_true", help=f"only {', '.join(QUICK)}")
    ap.add_argument("--only", default=None, help="comma-separated shape names")
    ap.add_argument("--repeats", type=int, default=3, help="matrix-path builds per shape (best is reported)")
    ap.add_argument("--pyomo-max-nnz", type=float, default=3.5e6,
                    help="skip the Pyomo path above this many nonzeros (~1 KB each; default 3.5e6)")
    ap.add_argument("--largest", type=float, default=None, metavar="NNZ",
                    help="also build one 2-layer LP of about NNZ nonzeros (e.g. 1e8: ~3.2 GB)")
    ap.add_argument("--json", default=None, help="write the records to this JSON file")
    args = ap.parse_args(argv)
    names = QUICK if args.quick else [s.name for s in SHAPES]
    if args.only:
        names = [s.strip() for s in args.only.split(",")]
    shapes = [s for s in SHAPES if s.name in names]
    missing = set(names) - {s.name for s in shapes}
    if missing:
        ap.error(f"unknown shapes {sorted(missing)}; have {[s.name for s in SHAPES]}")
    print(f"relulp {relulp.__version__}, numpy {np.__version__}, Python {platform.python_version()}, "
          f"{os.cpu_count()} CPUs, load average {os.getloadavg()[0]:.1f}", flush=True)
    records = []
    for s in shapes:
        records.append(run_shape(s, args.repeats, int(args.pyomo_max_nnz)))
        r = records[-1]
        print(f"  {s.name}: {r['nnz']:,} nnz, matrix {r['matrix_seconds']:.3f} s"
              + (f", pyomo {r['pyomo_seconds']:.1f} s" if r["pyomo_seconds"] else ""), flush=True)
    if args.largest:
        records.append(largest(args.largest))
        r = records[-1]
        print(f"  largest: {r['nnz']:,} nnz in {r['matrix_seconds']:.1f} s", flush=True)
    print()
    print(table(records))
    print()
    for line in verdict(records):
        print(line)
    if args.largest:
        r = records[-1]
        print(f"largest LP built: {r['rows']:,} rows x {r['cols']:,} cols, {r['nnz']:,} nonzeros in "
              f"{r['matrix_seconds']:.1f} s, {r['matrix_cpu_seconds']:.1f} s CPU ({r['matrix_nnz_per_s'] / 1e6:.1f}M nnz/s; CSR "
              f"{r['matrix_bytes'] / 2**30:.2f} GiB)")
    if args.json:
        meta = {"cpus": os.cpu_count(), "numpy": np.__version__, "relulp": relulp.__version__,
                "python": platform.python_version(), "load_average": os.getloadavg()[0]}
        with open(args.json, "w") as fh:
            json.dump({"meta": meta, "records": records}, fh, indent=2)
    return 0


if __name__ == "__main__":
    sys.exit(main())
