"""The GPU table as one command: HiGHS IPM on the CPU against each GPU LP backend, on relulp LPs of growing size.

    python benchmarks/gpu.py                       # every instance (the largest has 31.7M nonzeros)
    python benchmarks/gpu.py --quick               # the smallest instance only (a CPU-only check, < 2 min)
    python benchmarks/gpu.py --max-nnz 5e6 --time-limit 120 --polish --json gpu.json --png gpu.png

Instances (relulp's own builders and data; the last three are the LPs of the measured H100 table in
docs/solvers.md, "GPU backends"):

  spiral-2L-P100        spiral, 2 layers, 100 sampled directions (73 patterns), min_l1    12,636 x 876, 53k nnz
  spiral-2L-623         spiral, 2 layers, the paper's 623 patterns, min_l1             107,236 x 7,476, 0.46M
  spiral-3L-34x57       spiral, 3 layers, the paper's 34 x 57 patterns, min_l1         675,872 x 46,512, 3.3M
  random-2L-hinge       X ~ N(0,1) n=500, d=20, 1,000 patterns, hinge, lam 1e-3      1,084,500 x 84,500, 31.7M

Solvers, each with its tolerance stated in the output:

  highs:ipm      HiGHS interior point (with crossover) on the CPU, HiGHS's own tolerances (absolute 1e-8;
                 ``--ipm-tolerance`` sets them): the reference objective
  cupdlpx        cuPDLPx on the GPU, relative tolerance ``--tolerance`` (default 1e-4, as in the table)
  mpax           MPAX (r2HPDHG) on a GPU, same tolerance; MPAX has no time limit, so it runs in a child
                 process that is killed at the time limit (status "killed")
  highs:pdlp     with ``--cpu-pdlp``: HiGHS's PDLP on the CPU at the same relative tolerance
  mpax (cpu)     with ``--mpax-on-cpu``: MPAX on the CPU (JAX_PLATFORMS=cpu)
                 (the last two exercise the first-order rows, agreement and --polish without a GPU)

A GPU row that cannot run here is **skipped with the reason** (no cupdlpx, no NVIDIA GPU, JAX sees no GPU).
Every row reports status (relulp-verified), objective, its agreement with HiGHS IPM's objective
(``|obj - ref| <= tolerance * (1 + |ref|)``), relulp's relative primal/dual residuals and gap, iterations,
seconds, and the speed-up over HiGHS IPM. ``--polish`` also polishes each first-order answer to a vertex
with HiGHS (solvers.polish) and reports the seconds it adds. Writes JSON (``--json``) and a PNG bar chart
(``--png``; needs matplotlib).
"""

from __future__ import annotations

import argparse
import json
import multiprocessing as mp
import os
import shutil
import subprocess
import sys
import time
from dataclasses import dataclass
from pathlib import Path
from typing import Any, Callable

import numpy as np


@dataclass(frozen=True)
class Spec:
    name: str
    what: str
    approx_nnz: int
    build: Callable[[], Any]


def _spiral(sampled: tuple[int, ...]):
    import relulp
    from relulp import datasets

    ds = datasets.spiral()
    X, y = ds.X_train, ds.y_train
    if len(sampled) == 1:
        pats = [relulp.sample_patterns(X, sampled[0], seed=0)]
    else:
        pats = relulp.sample_deep_patterns(X, list(sampled), seed=0)
    return relulp.build_lp(relulp.PatternTree(pats), X, y, objective="min_l1")


def _random_hinge():
    from relulp.bench.instances import relulp_lp

    return relulp_lp(n=500, d=20, widths=(1000,), objective="hinge", seed=0, lam=1e-3)


INSTANCES = [
    Spec("spiral-2L-P100", "spiral 2-layer, 100 sampled directions (73 patterns), min_l1", 53_000,
         lambda: _spiral((100,))),
    Spec("spiral-2L-623", "spiral 2-layer, 623 patterns, min_l1", 460_000, lambda: _spiral((1000,))),
    Spec("spiral-3L-34x57", "spiral 3-layer, 34 x 57 patterns, min_l1", 3_300_000, lambda: _spiral((50, 100))),
    Spec("random-2L-hinge", "random 2-layer hinge, n=500, d=20, P=1000, lam=1e-3", 31_700_000, _random_hinge),
]
BY_NAME = {s.name: s for s in INSTANCES}


# ---------------------------------------------------------------------------------------------------------
def gpu_name() -> str | None:
    smi = shutil.which("nvidia-smi")
    if smi is None:
        return None
    try:
        out = subprocess.run([smi, "--query-gpu=name,memory.total", "--format=csv,noheader"], capture_output=True,
                             text=True, timeout=20)
    except (OSError, subprocess.SubprocessError):
        return None
    return out.stdout.strip().replace("\n", "; ") or None if out.returncode == 0 else None


def solver_rows(args) -> list[dict[str, Any]]:
    """The solvers of the table: label, backend, method, device, options, or the reason it is skipped."""
    from relulp.solvers import backends

    rows = [{"label": "highs:ipm", "backend": "highs", "method": "ipm", "device": "cpu",
             "tolerance": args.ipm_tolerance, "tolerance_kind": "absolute (HiGHS kkt/ipm tolerances)"}]
    cu = backends.get("cupdlpx")
    rows.append({"label": "cupdlpx", "backend": "cupdlpx", "method": "pdhg", "device": "gpu",
                 "tolerance": args.tolerance, "tolerance_kind": "relative",
                 "skip": cu.gpu_unusable_reason()})
    mx = backends.get("mpax")
    rows.append({"label": "mpax", "backend": "mpax", "method": "r2hpdhg", "device": "gpu",
                 "tolerance": args.tolerance, "tolerance_kind": "relative", "isolate": True,
                 "options": {"iteration_limit": args.mpax_iterations},
                 "skip": mx.gpu_unusable_reason()})
    if args.cpu_pdlp:
        rows.append({"label": "highs:pdlp", "backend": "highs", "method": "pdlp", "device": "cpu",
                     "tolerance": args.tolerance, "tolerance_kind": "relative"})
    if args.mpax_on_cpu:
        rows.append({"label": "mpax (cpu)", "backend": "mpax", "method": "r2hpdhg", "device": "cpu",
                     "tolerance": args.tolerance, "tolerance_kind": "relative", "isolate": True,
                     "options": {"iteration_limit": args.mpax_iterations},
                     "skip": "" if mx.is_installed() else f"mpax/jax not installed ({mx.install_hint})"})
    return rows


def _solve_record(lp, row: dict, time_limit: float, polish: bool) -> dict[str, Any]:
    from relulp import solvers

    engine = solvers.backends.get(row["backend"])
    kw: dict[str, Any] = dict(row.get("options") or {})
    if engine.has_time_limit(row["method"]):
        kw["time_limit"] = time_limit
    t0 = time.perf_counter()
    res = solvers.solve(lp, backend=row["backend"], method=row["method"], tolerance=row["tolerance"], **kw)
    rec = res.to_record()
    rec["seconds"] = time.perf_counter() - t0
    if polish and res.x is not None and row["tolerance_kind"] == "relative":
        from relulp.solvers.polish import polish as _polish

        try:
            pol = _polish(lp, res, time_limit=time_limit)
            rec["polish"] = {"status": pol.status.value, "objective": pol.objective,
                             "seconds": getattr(pol, "polish_seconds", None), "message": pol.message[-300:]}
        except Exception as e:  # noqa: BLE001 - reported, the table goes on
            rec["polish"] = {"error": f"{type(e).__name__}: {e}"}
    return rec


def _child(conn, spec_name: str, row: dict, time_limit: float, polish: bool) -> None:
    """Build the instance, say so, solve, send the record (runs in a spawned process)."""
    try:
        t = time.perf_counter()
        lp = BY_NAME[spec_name].build()
        conn.send(("built", time.perf_counter() - t))
        conn.send(("done", _solve_record(lp, row, time_limit, polish)))
    except BaseException as e:  # noqa: BLE001 - sent to the parent
        conn.send(("error", f"{type(e).__name__}: {e}"))
    finally:
        conn.close()


def run_isolated(spec_name: str, row: dict, time_limit: float, polish: bool) -> dict[str, Any]:
    """Solve in a child process killed ``time_limit`` seconds after the LP is built (for MPAX, which has
    no time limit of its own)."""
    ctx = mp.get_context("spawn")
    parent, child = ctx.Pipe(duplex=False)
    env_before = os.environ.get("JAX_PLATFORMS")
    if row["device"] == "cpu":
        os.environ["JAX_PLATFORMS"] = "cpu"  # inherited by the spawned child
    try:
        proc = ctx.Process(target=_child, args=(child, spec_name, row, time_limit, polish), daemon=True)
        proc.start()
    finally:
        if row["device"] == "cpu":
            if env_before is None:
                os.environ.pop("JAX_PLATFORMS", None)
            else:
                os.environ["JAX_PLATFORMS"] = env_before
    child.close()
    try:
        if not parent.poll(3600):
            raise TimeoutError("building the LP took over an hour")
        kind, value = parent.recv()
        if kind == "error":
            return {"status": None, "error": value}
        t0 = time.perf_counter()
        if parent.poll(time_limit):
            kind, value = parent.recv()
            return value if kind == "done" else {"status": None, "error": value}
        return {"status": "killed", "seconds": time.perf_counter() - t0,
                "message": f"no answer within the time limit ({time_limit:g} s): the process was killed"}
    except EOFError:
        return {"status": None, "error": f"the solver process died (exit code {proc.exitcode})"}
    finally:
        if proc.is_alive():
            proc.kill()
        proc.join(10)


# ---------------------------------------------------------------------------------------------------------
def agreement(rec: dict, ref: float | None, tol: float) -> dict[str, Any]:
    obj = rec.get("objective")
    if ref is None or obj is None:
        return {"rel_obj_diff": None, "agrees": None}
    d = abs(obj - ref) / (1.0 + abs(ref))
    return {"rel_obj_diff": d, "agrees": bool(d <= tol)}


def run(args) -> dict[str, Any]:
    from relulp.bench.run import machine_info

    specs = [s for s in INSTANCES if s.name in args.instances] if args.instances else list(INSTANCES)
    if args.quick:
        specs = specs[:1]
    out_rows: list[dict[str, Any]] = []
    skipped_instances = []
    solvers = solver_rows(args)
    for s in specs:
        if args.max_nnz is not None and s.approx_nnz > args.max_nnz:
            skipped_instances.append({"instance": s.name, "reason": f"about {s.approx_nnz:,} nonzeros > --max-nnz"})
            print(f"{s.name}: skipped (about {s.approx_nnz:,} nonzeros > --max-nnz {args.max_nnz:,.0f})", flush=True)
            continue
        t = time.perf_counter()
        lp = s.build()
        build_s = time.perf_counter() - t
        size = {"rows": lp.num_rows, "cols": lp.num_cols, "nnz": lp.nnz}
        print(f"{s.name}: {s.what}: {lp.num_rows:,} x {lp.num_cols:,}, {lp.nnz:,} nnz (built in {build_s:.1f} s)",
              flush=True)
        ref = None
        for row in solvers:
            base = {"instance": s.name, "what": s.what, **size, "solver": row["label"], "device": row["device"],
                    "tolerance": row["tolerance"], "tolerance_kind": row["tolerance_kind"],
                    "time_limit": args.time_limit}
            if row.get("skip"):
                out_rows.append({**base, "skipped": row["skip"]})
                print(f"  {row['label']:<12} skipped: {row['skip']}", flush=True)
                continue
            if row.get("isolate"):
                rec = run_isolated(s.name, row, args.time_limit, args.polish)
            else:
                rec = _solve_record(lp, row, args.time_limit, args.polish)
            keep = ("status", "objective", "rel_primal_residual", "rel_dual_residual", "rel_gap", "iterations",
                    "seconds", "setup_seconds", "solve_seconds", "message", "error", "solver_version", "polish",
                    "verify_tolerance")
            r = {**base, **{k: rec.get(k) for k in keep if k in rec}}
            if row["label"] == "highs:ipm" and rec.get("status") == "optimal":
                ref = rec["objective"]
            r.update(agreement(rec, ref, args.tolerance) if row["label"] != "highs:ipm" else {})
            out_rows.append(r)
            print("  " + _line(r), flush=True)
        for r in out_rows:  # speed-ups against HiGHS IPM on the same instance
            if r["instance"] == s.name and r.get("seconds") and r.get("status") == "optimal":
                ipm = next((x for x in out_rows if x["instance"] == s.name and x["solver"] == "highs:ipm"), None)
                if ipm and ipm.get("seconds"):
                    r["speedup_vs_highs_ipm"] = ipm["seconds"] / r["seconds"] if ipm.get("status") == "optimal" \
                        else f">= {ipm['seconds'] / r['seconds']:.2f} (HiGHS IPM {ipm.get('status')})"
        del lp
    return {"command": " ".join(["python", "benchmarks/gpu.py", *sys.argv[1:]]),
            "machine": {**machine_info(), "gpu": gpu_name()}, "tolerance": args.tolerance,
            "ipm_tolerance": args.ipm_tolerance, "time_limit": args.time_limit,
            "mpax_iteration_limit": args.mpax_iterations, "skipped_instances": skipped_instances,
            "rows": out_rows}


def _f(v, fmt=".2e") -> str:
    return "-" if v is None else format(v, fmt)


def _line(r: dict) -> str:
    if r.get("skipped"):
        return f"{r['solver']:<12} skipped: {r['skipped']}"
    extra = ""
    if r.get("polish"):
        p = r["polish"]
        extra = f"  polish: {p.get('status', p.get('error'))} +{_f(p.get('seconds'), '.2f')} s"
    agree = r.get("agrees")
    return (f"{r['solver']:<12} {str(r.get('status')):<20} obj={_f(r.get('objective'), '.8g'):<14} "
            f"{_f(r.get('seconds'), '8.2f')} s  it={r.get('iterations')}  pres={_f(r.get('rel_primal_residual'))} "
            f"dres={_f(r.get('rel_dual_residual'))} gap={_f(r.get('rel_gap'))}"
            + ("" if agree is None else f"  agrees={agree} ({_f(r.get('rel_obj_diff'))})")
            + (f"  {r['error']}" if r.get("error") else "") + extra)


def markdown(doc: dict) -> str:
    """The table, one row per instance, one column per solver (status, seconds)."""
    solvers = list(dict.fromkeys(r["solver"] for r in doc["rows"]))
    insts = list(dict.fromkeys(r["instance"] for r in doc["rows"]))
    head = "| LP | rows x cols, nnz | " + " | ".join(solvers) + " |"
    lines = [head, "|" + "---|" * (2 + len(solvers))]
    for name in insts:
        rows = {r["solver"]: r for r in doc["rows"] if r["instance"] == name}
        any_r = next(iter(rows.values()))
        cells = []
        for s in solvers:
            r = rows.get(s)
            if r is None:
                cells.append("")
            elif r.get("skipped"):
                cells.append("skipped")
            else:
                cell = f"{r.get('status')} {_f(r.get('seconds'), '.1f')} s"
                if r.get("iterations"):
                    cell += f" ({r['iterations']:,} it.)"
                if r.get("agrees") is False:
                    cell += " **objective differs**"
                cells.append(cell)
        lines.append(f"| {name} | {any_r['rows']:,} x {any_r['cols']:,}, {any_r['nnz'] / 1e6:.2f}M | "
                     + " | ".join(cells) + " |")
    return "\n".join(lines)


def plot(doc: dict, path: Path) -> None:
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    rows = [r for r in doc["rows"] if not r.get("skipped") and r.get("seconds")]
    insts = list(dict.fromkeys(r["instance"] for r in doc["rows"]))
    solvers = list(dict.fromkeys(r["solver"] for r in rows))
    fig, ax = plt.subplots(figsize=(max(5.5, 1.8 + 1.6 * len(insts)), 3.8))
    width = 0.8 / max(1, len(solvers))
    for k, s in enumerate(solvers):
        xs, hs, solved = [], [], []
        for i, name in enumerate(insts):
            r = next((x for x in rows if x["instance"] == name and x["solver"] == s), None)
            if r is not None:
                xs.append(i + (k - (len(solvers) - 1) / 2) * width)
                hs.append(r["seconds"])
                solved.append(r.get("status") == "optimal")
        bars = ax.bar(xs, hs, width, label=s)
        for b, ok in zip(bars, solved):
            if not ok:
                b.set_hatch("//")
                b.set_alpha(0.5)
    ax.set_xticks(range(len(insts)), insts, rotation=15, fontsize=8)
    ax.set_yscale("log")
    if rows:
        ax.set_ylim(bottom=0.3 * min(r["seconds"] for r in rows))
    ax.set_ylabel("seconds (hatched: not solved)")
    gpu = doc["machine"].get("gpu") or "no GPU"
    ax.set_title(f"HiGHS IPM (CPU) vs GPU LP solvers\n{gpu}; first-order rel. tol {doc['tolerance']:g}", fontsize=9)
    skipped = sorted({r["solver"] for r in doc["rows"] if r.get("skipped")})
    if skipped:
        ax.text(0.99, 0.01, "skipped: " + ", ".join(skipped), transform=ax.transAxes, ha="right", va="bottom",
                fontsize=7, color="0.4")
    ax.legend(fontsize=8, loc="upper left")
    fig.tight_layout()
    fig.savefig(path, dpi=120)
    plt.close(fig)


def main(argv: list[str] | None = None) -> int:
    p = argparse.ArgumentParser(description=__doc__.splitlines()[0],
                                formatter_class=argparse.RawDescriptionHelpFormatter, epilog=__doc__)
    p.add_argument("--quick", action="store_true", help="the smallest instance only")
    p.add_argument("--max-nnz", type=float, default=None, help="skip instances with more nonzeros (approximate)")
    p.add_argument("--instances", type=lambda s: [v.strip() for v in s.split(",") if v.strip()], default=None,
                   help=f"comma-separated subset of {', '.join(BY_NAME)}")
    p.add_argument("--tolerance", type=float, default=1e-4, help="relative tolerance of the GPU solvers (1e-4)")
    p.add_argument("--ipm-tolerance", type=float, default=None,
                   help="HiGHS IPM tolerance (default: HiGHS's own, absolute 1e-8)")
    p.add_argument("--time-limit", type=float, default=600.0, help="seconds per solve (default 600)")
    p.add_argument("--mpax-iterations", type=int, default=1_000_000, help="MPAX iteration limit (default 1e6)")
    p.add_argument("--mpax-on-cpu", action="store_true", help="add an MPAX row on the CPU (JAX_PLATFORMS=cpu)")
    p.add_argument("--cpu-pdlp", action="store_true", help="add a HiGHS PDLP row (CPU, same relative tolerance)")
    p.add_argument("--polish", action="store_true", help="polish first-order answers with HiGHS (solvers.polish)")
    p.add_argument("--json", type=Path, default=Path("gpu-bench.json"))
    p.add_argument("--png", type=Path, default=Path("gpu-bench.png"))
    args = p.parse_args(argv)
    bad = set(args.instances or []) - set(BY_NAME)
    if bad:
        p.error(f"unknown instances {sorted(bad)}; choose from {list(BY_NAME)}")
    t0 = time.perf_counter()
    doc = run(args)
    doc["wall_seconds"] = time.perf_counter() - t0
    args.json.write_text(json.dumps(doc, indent=1, default=lambda o: o.item() if isinstance(o, np.generic) else str(o)))
    print()
    print(markdown(doc))
    skipped = sorted({f"{r['solver']}: {r['skipped']}" for r in doc["rows"] if r.get("skipped")})
    if skipped:
        print("\nskipped rows:\n  " + "\n  ".join(skipped))
    try:
        plot(doc, args.png)
        print(f"\nwrote {args.json}, {args.png} ({doc['wall_seconds']:.1f} s)")
    except ImportError:
        print(f"\nwrote {args.json} (no PNG: matplotlib not installed) ({doc['wall_seconds']:.1f} s)")
    return 0


if __name__ == "__main__":  # pragma: no cover
    sys.exit(main())
