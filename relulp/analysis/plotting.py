"""Pictures of 2-D bodies: rows, kept / dropped cuts, centres, samples (matplotlib, optional).

The documentation images are made by ``python benchmarks/make_doc_images.py docs/img``.
"""

from __future__ import annotations

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
