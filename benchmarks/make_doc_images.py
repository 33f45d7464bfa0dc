"""The images of docs/analysis.md (a doc-image harness; not part of the library).

    python benchmarks/make_doc_images.py [outdir]        (default docs/img)
"""

from __future__ import annotations

import sys
from pathlib import Path

import numpy as np

from relulp.analysis import Polytope, bodies
from relulp.analysis.plotting import plot_body_2d


def make_doc_images(outdir) -> list[Path]:
    """The images of docs/analysis.md."""
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

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



if __name__ == "__main__":
    for path in make_doc_images(sys.argv[1] if len(sys.argv) > 1 else "docs/img"):
        print(path)
