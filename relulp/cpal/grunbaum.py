"""Used by ``relulp cpal --track-volume``: the empirical check of Theorem 6.3 (math.md §6).

How much volume each cut removes, per centre.

If a cut's half-space passes through the centre of gravity of T, Grünbaum's theorem bounds the volume it
keeps by ``1 - (N/(N+1))^N < 1 - 1/e``. A CPAL cut at a point with ``y f(x; theta_c) <= 0`` contains the
half-space ``y f(x; theta) >= y f(x; theta_c)`` through the centre, and its cone rows only remove more,
so with the centroid as centre every cut should keep at most 1 - 1/e of T; the analytic and Chebyshev
centres carry no such per-cut guarantee. :func:`volume_check` runs the same active learner with each
centre on a small instance (N up to ~50), with ``track_volume=True``: before every cut, the fraction of
uniform samples of T that satisfy the cut estimates vol(T_new)/vol(T), with a Clopper-Pearson interval
(:meth:`relulp.analysis.Polytope.cut_ratio`).
"""

from __future__ import annotations

import math

import numpy as np

from .active import CPALClassifier

GRUNBAUM = 1.0 - 1.0 / math.e


def _summary(recs: list[dict], key: str) -> dict:
    """Statistics of one ratio column (``key`` = "" for the whole cut, "fit_" for the margin rows)."""
    rows = [r for r in recs if f"{key}ratio" in r]
    if not rows:
        return {"cuts": 0}
    ratio = np.array([r[f"{key}ratio"] for r in rows])
    lower = np.array([r[f"{key}lower"] for r in rows])
    upper = np.array([r[f"{key}upper"] for r in rows])
    with np.errstate(divide="ignore"):
        log_pt = float(np.sum(np.log10(ratio)))
        log_lo = float(np.sum(np.log10(lower)))
    return {
        "cuts": len(rows), "mean_ratio": float(ratio.mean()), "max_ratio": float(ratio.max()),
        "above_bound": int(np.sum(ratio > GRUNBAUM)), "violations": int(np.sum(lower > GRUNBAUM)),
        "log10_volume_left": log_pt if np.isfinite(log_pt) else None,
        "log10_volume_left_interval": [log_lo if np.isfinite(log_lo) else None, float(np.sum(np.log10(upper)))],
    }


def volume_check(X, y, *, centers=("centroid", "analytic", "chebyshev"), budget: int = 30, n_patterns=4,
                 max_cuts: int | None = None, bound: str | None = None, samples: int = 2000,
                 confidence: float = 0.95, random_state: int = 0, center_options: dict | None = None,
                 progress: bool = False) -> dict:
    """Per-cut volume ratios of CPAL runs with each centre (a JSON-friendly dict).

    For each centre: the cut records (``ratio``/``lower``/``upper`` for the whole cut, ``fit_ratio``/
    ``fit_lower``/``fit_upper`` for its margin half-space alone) and two summaries, ``margin`` (the
    half-space of Theorem 6.3) and ``cut`` (margin + cone rows): cuts, mean / max ratio, how many point
    estimates exceed 1 - 1/e (``above_bound``), how many intervals lie wholly above it (``violations``:
    a breach of the bound beyond sampling error), and log10 of the volume left (product of the ratios;
    None when a cut left no sample, with the interval from the products of the bounds).
    ``center_options`` maps a centre name to options for it (e.g. the centroid's chain count).
    ``bound`` is T^0 (default the ball, the paper's; the theorem holds for any convex body, so "box"
    works as well).
    """
    bound = "ball" if bound is None else bound
    out = {"grunbaum": GRUNBAUM, "samples": samples, "confidence": confidence, "centers": {}}
    for c in centers:
        clf = CPALClassifier(budget=budget, n_patterns=n_patterns, center=c, bound=bound, max_cuts=max_cuts,
                             track_volume=True, volume_options={"n": samples, "confidence": confidence},
                             center_options=(center_options or {}).get(c), random_state=random_state,
                             progress=progress)
        clf.fit(X, y)
        recs = clf.history_.cut_ratios()
        out["N"] = int(clf._cut_model.dim)
        gb = [r["grunbaum_bound"] for r in recs if "grunbaum_bound" in r]
        out["grunbaum_N"] = float(1.0 - gb[0]) if gb else None
        out["bound"] = clf._spaces[0].polytope.bound.value
        out["centers"][c] = {"margin": _summary(recs, "fit_"), "cut": _summary(recs, ""),
                             "labels_used": clf.n_labels_used_, "status": str(clf.status_), "cuts": recs}
    return out


def table(result: dict) -> str:
    """A plain-text table of :func:`volume_check`'s summaries (margin half-space and whole cut)."""
    g = result["grunbaum"]

    def fmt(v, spec):
        return "-" if v is None else format(v, spec)

    lines = [f"Theorem 6.3: per-cut volume ratio vol(T_new)/vol(T), N = {result.get('N')}, {result['samples']} "
             f"samples per cut, {int(round(100 * result['confidence']))}% Clopper-Pearson intervals; "
             f"bound 1 - 1/e = {g:.4f}",
             f"{'centre':<10}{'rows':<8}{'cuts':>5}{'mean':>8}{'max':>8}{'>bound':>8}{'CI>bound':>10}"
             f"{'log10 volume left':>26}"]
    for c, rec in result["centers"].items():
        for kind in ("margin", "cut"):
            s = rec[kind]
            if not s["cuts"]:
                lines.append(f"{c:<10}{kind:<8}{0:>5}")
                continue
            lo, hi = s["log10_volume_left_interval"]
            lines.append(f"{c:<10}{kind:<8}{s['cuts']:>5}{s['mean_ratio']:>8.3f}{s['max_ratio']:>8.3f}"
                         f"{s['above_bound']:>8}{s['violations']:>10}"
                         f"{fmt(s['log10_volume_left'], '9.2f'):>9} [{fmt(lo, '.2f')}, {fmt(hi, '.2f')}]")
    return "\n".join(lines)
