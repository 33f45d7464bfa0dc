"""Pictures of 2-D bodies: rows, kept / dropped cuts, centres, samples (matplotlib, optional).

Regenerate the documentation images with ``python -m relulp.analysis.plotting docs/img``.
"""

from __future__ import annotations

import sys
from pathlib import Path

import numpy as np

from .polytope import Polytope
from .results import Bound


def _vertices_2d(P: Polytope) -> np.ndarray:
    from scipy.spatial import ConvexHull, HalfspaceIntersection

    A = P.dense_rows()
    b = P.b
    if P.bound is Bound.BOX:
        A = np.vstack([A, np.eye(2), -np.eye(2)])
        b = np.concatenate([b, np.full(4, P.R)])
    elif P.bound is Bound.BALL:  # polygonal approximation of the ball
        t = np.linspace(0, 2 * np.pi, 181)[:-1]
        A = np.vstack([A, np.column_stack([np.cos(t), np.sin(t)])])
        b = np.concatenate([b, np.full(t.size, P.R)])
    keep = np.linalg.norm(A, axis=1) > 0
    V = HalfspaceIntersection(np.hstack([A[keep], -b[keep, None]]), P.chebyshev_center().x).intersections
    return V[ConvexHull(V).vertices]


def plot_body_2d(P: Polytope, ax=None, *, samples=None, centres: bool = True, dropped=(), lim=None,
                 seed=0):
    """Draw a 2-D body: its rows (dropped ones dashed), the body, samples and the three centres."""
    import matplotlib.pyplot as plt
    from matplotlib.patches import Circle, Polygon

    if P.N != 2:
        raise ValueError("plot_body_2d draws 2-D bodies only")
    ax = ax or plt.gca()
    V = _vertices_2d(P)
    lim = lim or 1.15 * max(P.R if P.bound is not Bound.NONE else 0, float(np.abs(V).max()))
    ax.add_patch(Polygon(V, closed=True, fc="#dbe9f6", ec="#1f4e79", lw=1.5, zorder=1))
    t = np.linspace(-lim, lim, 2)
    dropped = set(int(k) for k in dropped)
    for k in range(P.m):
        a, bk = P.dense_rows([k])[0], P.b[k]
        if not np.any(a):
            continue
        style = dict(color="0.6", ls="--", lw=0.8) if k in dropped else dict(color="#1f4e79", lw=0.9)
        if abs(a[1]) > abs(a[0]):
            ax.plot(t, (bk - a[0] * t) / a[1], zorder=0, **style)
        else:
            ax.plot((bk - a[1] * t) / a[0], t, zorder=0, **style)
    if samples is not None:
        ax.scatter(samples[:, 0], samples[:, 1], s=3, c="0.35", alpha=0.5, zorder=2, label="hit-and-run samples")
    if centres:
        ch = P.chebyshev_center()
        ac = P.analytic_center()
        cg = P.centroid(seed=seed)
        ax.add_patch(Circle(ch.x, ch.radius, fill=False, ec="#c55a11", lw=1.2, ls=":", zorder=3))
        ax.plot(*ch.x, "s", c="#c55a11", ms=7, zorder=4, label="Chebyshev centre")
        ax.plot(*ac.x, "^", c="#548235", ms=8, zorder=4, label="analytic centre")
        ax.errorbar(*cg.x, xerr=2 * cg.stderr[0], yerr=2 * cg.stderr[1], fmt="o", c="#7030a0", ms=6, zorder=5,
                    label="centroid (±2 s.e.)")
    ax.set_xlim(-lim, lim)
    ax.set_ylim(-lim, lim)
    ax.set_aspect("equal")
    return ax


def make_doc_images(outdir) -> list[Path]:
    """The images of docs/analysis.md."""
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    from . import bodies

    out = Path(outdir)
    out.mkdir(parents=True, exist_ok=True)
    paths = []

    # 1. a body, its centres and samples
    rng = np.random.default_rng(3)
    A = rng.standard_normal((7, 2))
    A /= np.linalg.norm(A, axis=1, keepdims=True)
    b = rng.uniform(0.15, 0.8, 7)
    P = Polytope(A, b, bound="box", R=1.0)
    S = P.sample(1500, seed=1).points
    fig, ax = plt.subplots(figsize=(5.2, 5.2))
    plot_body_2d(P, ax, samples=S, lim=1.05)
    ax.legend(loc="lower left", fontsize=8, framealpha=0.9)
    ax.set_title("T = {A θ ≤ b} ∩ [-1, 1]²: centres and uniform samples", fontsize=9)
    p = out / "analysis_body.png"
    fig.savefig(p, dpi=110, bbox_inches="tight")
    plt.close(fig)
    paths.append(p)

    # 2. a pruned cut set
    Q = bodies.redundant_polytope(2, 24, 0.75, seed=5, R=2.0)
    res = Q.prune()
    fig, ax = plt.subplots(figsize=(5.2, 5.2))
    plot_body_2d(Q, ax, centres=False, dropped=res.dropped, lim=1.9)
    ax.set_title(f"pruning: {len(res.kept)} rows kept (solid), {len(res.dropped)} dropped with "
                 "certificates (dashed)", fontsize=9)
    p = out / "analysis_pruned.png"
    fig.savefig(p, dpi=110, bbox_inches="tight")
    plt.close(fig)
    paths.append(p)

    # 3. cut ratios through the three centres (Theorem 6.3 measured), 3-D random bodies
    rows = []
    for seed in range(12):
        B = bodies.random_polytope(3, 12, seed=100 + seed, offset=(0.1, 1.0))
        cs = {"centroid": B.centroid(seed=seed).x, "analytic": B.analytic_center().x,
              "Chebyshev": B.chebyshev_center().x}
        d = np.random.default_rng(seed).standard_normal(3)
        rows.append([B.cut_ratio(d, d @ c).ratio for c in cs.values()])
    R = np.array(rows)
    fig, ax = plt.subplots(figsize=(6.4, 3.6))
    for j, (name, col) in enumerate(zip(cs, ("#7030a0", "#548235", "#c55a11"))):
        ax.scatter(np.arange(12) + 0.2 * (j - 1), R[:, j], c=col, label=name, s=22)
    g = (3 / 4) ** 3
    ax.axhspan(g, 1 - g, color="0.92", zorder=0, label="Grünbaum range [(N/(N+1))^N, 1 - ...]")
    ax.set_xlabel("random 3-D body (12 rows)")
    ax.set_ylabel("vol(T ∩ cut) / vol(T)")
    ax.set_ylim(0, 1)
    ax.legend(fontsize=7, ncol=2, loc="lower right")
    ax.set_title("fraction kept by a random-direction cut through each centre (exact, qhull)", fontsize=9)
    p = out / "analysis_cut_ratios.png"
    fig.savefig(p, dpi=110, bbox_inches="tight")
    plt.close(fig)
    paths.append(p)
    return paths


if __name__ == "__main__":  # pragma: no cover
    for path in make_doc_images(sys.argv[1] if len(sys.argv) > 1 else "docs/img"):
        print(path)
