r"""Scoring and reporting benchmark runs.

* A run is **solved** when its status is OPTIMAL, relulp's relative primal and dual residuals are
  <= ``check_tol``, it finished within the time limit, and its objective agrees with the instance's
  reference objective (the median over solved runs of all solvers) to ``1e-4 (1 + |ref|)``.
  An OPTIMAL run that fails a check is counted as **wrong**, not solved.
* Time of (instance, solver): median total seconds (setup + solve) over repeats; unsolved -> the time limit.
* Shifted geometric mean (Mittelmann): :math:`\mathrm{sgm}_s = \exp(\frac1P \sum_p \log(t_{p,s} + 10)) - 10`,
  reported normalised by the best solver (1.00 = fastest).
* Performance profile (Dolan & More 2002): :math:`r_{p,s} = t_{p,s} / \min_s t_{p,s}` (inf when unsolved),
  :math:`\rho_s(\tau) = |\{p : r_{p,s} \le \tau\}| / P`.
"""

from __future__ import annotations

import csv
import json
import math
import os
from collections import defaultdict
from pathlib import Path
from typing import Any

import numpy as np

SHIFT = 10.0


def score(records: list[dict[str, Any]], time_limit: float, check_tol: float) -> dict[tuple[str, str], dict]:
    """Per (instance, solver): solved / wrong flags and the time used for ranking. Adds ``solved`` and
    ``verdict`` to each record in place."""
    by_inst: dict[str, list[dict]] = defaultdict(list)
    for r in records:
        by_inst[r["instance"]].append(r)
    cells: dict[tuple[str, str], dict] = {}
    for inst, runs in by_inst.items():
        def passes(r):
            ok = r.get("status") == "optimal" and r.get("error") is None
            ok = ok and (r.get("rel_primal_residual") or 0.0) <= check_tol
            ok = ok and (r.get("rel_dual_residual") or 0.0) <= check_tol
            return ok and r["total_seconds"] <= time_limit

        objs = [r["objective"] for r in runs if passes(r) and r.get("objective") is not None]
        ref = float(np.median(objs)) if objs else None
        for r in runs:
            verdict = r.get("status") or "error"
            if passes(r):
                if ref is not None and abs(r["objective"] - ref) > 1e-4 * (1 + abs(ref)):
                    verdict = "wrong"
                else:
                    verdict = "solved"
            elif r.get("status") == "optimal":
                verdict = "wrong" if r["total_seconds"] <= time_limit else "time_limit"
            elif r.get("timed_out"):
                verdict = "time_limit"
            r["verdict"] = verdict
            r["solved"] = verdict == "solved"
        per_solver: dict[str, list[dict]] = defaultdict(list)
        for r in runs:
            per_solver[r["solver"]].append(r)
        for s, rs in per_solver.items():
            solved = all(r["solved"] for r in rs)
            t = float(np.median([r["total_seconds"] for r in rs])) if solved else time_limit
            cells[(inst, s)] = {"solved": solved, "time": min(t, time_limit),
                                "wrong": any(r["verdict"] == "wrong" for r in rs), "reference": ref}
    return cells


def sgm(times: list[float], shift: float = SHIFT) -> float:
    return math.exp(sum(math.log(t + shift) for t in times) / len(times)) - shift


def summary(cells: dict[tuple[str, str], dict], solvers: list[str]) -> list[dict[str, Any]]:
    instances = sorted({i for i, _ in cells})
    rows = []
    for s in solvers:
        times = [cells[(i, s)]["time"] for i in instances if (i, s) in cells]
        if not times:
            continue
        rows.append({
            "solver": s,
            "solved": sum(cells[(i, s)]["solved"] for i in instances if (i, s) in cells),
            "wrong": sum(cells[(i, s)]["wrong"] for i in instances if (i, s) in cells),
            "instances": len(times),
            "sgm_seconds": sgm(times),
        })
    best = min((r["sgm_seconds"] for r in rows), default=1.0)
    for r in rows:
        r["sgm_normalised"] = r["sgm_seconds"] / best if best > 0 else float("nan")
    return rows


def format_summary(rows: list[dict[str, Any]], time_limit: float, check_tol: float) -> str:
    head = f"{'solver':<18}{'solved':>10}{'wrong':>7}{'sgm10 (s)':>12}{'normalised':>12}"
    lines = [head, "-" * len(head)]
    for r in sorted(rows, key=lambda r: r["sgm_seconds"]):
        lines.append(f"{r['solver']:<18}{r['solved']:>5}/{r['instances']:<4}{r['wrong']:>7}"
                     f"{r['sgm_seconds']:>12.3f}{r['sgm_normalised']:>12.2f}")
    lines.append(f"(shifted geometric mean, shift {SHIFT:g} s, unsolved counted at the {time_limit:g} s limit; "
                 f"solved = optimal, relative residuals <= {check_tol:g}, objective agrees)")
    return "\n".join(lines)


def profile(cells: dict[tuple[str, str], dict], solvers: list[str]) -> dict[str, np.ndarray]:
    """Performance ratios r_{p,s} (inf when unsolved), per solver, over the instances all solvers ran."""
    instances = sorted({i for i, _ in cells if all((i, s) in cells for s in solvers)})
    out = {s: np.full(len(instances), np.inf) for s in solvers}
    for k, i in enumerate(instances):
        solved = [cells[(i, s)]["time"] for s in solvers if cells[(i, s)]["solved"]]
        if not solved:
            continue
        best = max(min(solved), 1e-6)
        for s in solvers:
            if cells[(i, s)]["solved"]:
                out[s][k] = max(cells[(i, s)]["time"], 1e-6) / best
    return out


def plot_profile(ratios: dict[str, np.ndarray], path: Path, title: str) -> None:
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    finite = np.concatenate([r[np.isfinite(r)] for r in ratios.values()] or [np.ones(1)])
    tmax = max(2.0, float(finite.max()) * 1.5 if finite.size else 2.0)
    taus = np.logspace(0, math.log10(tmax), 400)
    fig, ax = plt.subplots(figsize=(7, 4.5))
    for s, r in ratios.items():
        n = max(len(r), 1)
        ax.step(taus, [(r <= t).sum() / n for t in taus], where="post", label=s)
    ax.set_xscale("log")
    ax.set_xlabel(r"$\tau$ (time / best time on the instance)")
    ax.set_ylabel(r"fraction of instances solved within $\tau$ x best")
    ax.set_ylim(0, 1.02)
    ax.set_title(title)
    ax.grid(True, which="both", alpha=0.3)
    ax.legend(loc="lower right")
    fig.tight_layout()
    fig.savefig(path, dpi=120)
    plt.close(fig)


CSV_FIELDS = [
    "instance", "family", "rows", "cols", "nnz", "solver", "backend", "method", "repeat", "status", "verdict",
    "objective", "primal_residual", "dual_residual", "rel_primal_residual", "rel_dual_residual", "rel_gap",
    "iterations", "setup_seconds", "solve_seconds", "total_seconds", "timed_out", "tolerance", "time_limit",
    "solver_version", "message", "error",
]


def write_outputs(doc: dict[str, Any], json_path: Path | None, csv_path: Path | None) -> None:
    """Write the JSON document and the CSV of its runs. Each file is written to a temporary name and then
    renamed, so an interrupted write (Ctrl-C, a kill) never leaves a truncated file: readers see the
    previous complete version or the new one."""
    if json_path is not None:
        json_path = Path(json_path)
        json_path.parent.mkdir(parents=True, exist_ok=True)
        tmp = json_path.with_name(json_path.name + ".tmp")
        tmp.write_text(json.dumps(doc, indent=1, default=_json_default))
        os.replace(tmp, json_path)
    if csv_path is not None:
        csv_path = Path(csv_path)
        csv_path.parent.mkdir(parents=True, exist_ok=True)
        tmp = csv_path.with_name(csv_path.name + ".tmp")
        with tmp.open("w", newline="") as f:
            w = csv.DictWriter(f, fieldnames=CSV_FIELDS, extrasaction="ignore")
            w.writeheader()
            for r in doc["runs"]:
                w.writerow(r)
        os.replace(tmp, csv_path)


def _json_default(o):
    if isinstance(o, (np.floating, np.integer)):
        return o.item()
    if isinstance(o, np.ndarray):
        return o.tolist()
    return str(o)
