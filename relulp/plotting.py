"""Figures of trained networks (matplotlib, imported only when a figure is drawn: ``pip install relulp[plot]``).

:func:`plot_decision_boundaries` draws the decision regions of 2-D classifiers, e.g. the networks of
``relulp demo``. The CPAL figures are in :mod:`relulp.cpal.plots`.
"""

from __future__ import annotations

import numpy as np

__all__ = ["plot_decision_boundaries", "decision_grid"]


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


def decision_grid(net, xx, yy, chunk: int = 4096) -> np.ndarray:
    """f(x) of a 2-D network on the mesh ``(xx, yy)`` (same shape), evaluated in chunks of ``chunk`` points."""
    net = _compact(net)
    pts = np.column_stack([xx.ravel(), yy.ravel()])
    f = np.concatenate([net.decision_function(pts[i:i + chunk]) for i in range(0, len(pts), chunk)])
    return f.reshape(xx.shape)


def plot_decision_boundaries(ds, runs, path: str, resolution: int = 300) -> None:
    """Side-by-side decision regions of 2-D binary classifiers, training (filled) and test (crossed) points.

    ``ds`` is a 2-D data set with labels +-1 (:mod:`relulp.datasets`); each run is a dict with ``name``,
    ``status``, ``patterns_sampled``, ``patterns`` and, when it has a network, ``network``,
    ``train_accuracy`` and ``test_accuracy`` (the records of ``relulp demo``). Writes the figure to ``path``.
    """
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
            f = decision_grid(net, xx, yy)
            ax.contourf(xx, yy, (f > 0).astype(float), levels=[-0.5, 0.5, 1.5],
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
