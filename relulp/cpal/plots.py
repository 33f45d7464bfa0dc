"""Used by ``relulp cpal --plot``: figures of a run, of the ``--compare`` curves and of ``--track-volume``.

matplotlib is imported on first use (the Agg backend is selected when no display is configured). The
figures: the run itself (:func:`plot_run`: decision boundaries / regression fits), the comparison curves
(:func:`plot_compare`) and the volume shrinkage of Theorem 6.3 (:func:`plot_volume`)."""

from __future__ import annotations

import math
import os

import numpy as np


def _plt():
    import matplotlib

    if not os.environ.get("DISPLAY") and matplotlib.get_backend().lower() not in ("agg", "pdf", "svg", "ps"):
        matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    return plt


def _save(fig, path: str) -> str:
    d = os.path.dirname(os.path.abspath(path))
    os.makedirs(d, exist_ok=True)
    fig.savefig(path, dpi=130, bbox_inches="tight")
    _plt().close(fig)
    return path


def plot_run(learner, ds, path: str, *, title: str | None = None) -> str:
    """One figure for a finished run: the model on the data (2-D classification: decision regions of the
    centre's network and of the final network, queried and cut points marked; 1-D regression: the fits)
    and the run's history (cuts and test score against labels used, centre seconds against rows)."""
    plt = _plt()
    h = learner.history_
    two_d = ds.task == "classification" and ds.n_features == 2 and learner._n_spaces == 1
    one_d = ds.task == "regression" and ds.n_features == 1
    panels = (2 if learner.final_ is not None else 1) if (two_d or one_d) else 0
    fig, axes = plt.subplots(1, panels + 2, figsize=(4.4 * (panels + 2), 4.0))
    axes = np.atleast_1d(axes)
    queried = np.asarray(getattr(learner, "queried_", []), dtype=int)
    cuts = np.asarray(learner.cuts_ if learner._n_spaces == 1 else [], dtype=int)
    nets = [("centre (before final solve)", learner.center_networks_)]
    if learner.final_ is not None:
        nets.append(("after final solve", learner.networks_))
    for ax, (name, net_list) in zip(axes[:panels], nets):
        if two_d:
            _decision_panel(ax, learner, net_list, ds, queried, cuts)
        else:
            _regression_panel(ax, learner, net_list, ds, queried, cuts)
        ax.set_title(name, fontsize=10)
    ax = axes[panels]
    lab = h.column("labels_used")
    ax.step(lab, h.column("cuts"), where="post", label="cuts", color="tab:red")
    ax.set_xlabel("labels used")
    ax.set_ylabel("cuts")
    score = h.column("test_score")
    if np.isfinite(score).any():
        ax2 = ax.twinx()
        ax2.plot(lab, score, "o-", ms=3, color="tab:blue", label="test score of the centre")
        ax2.set_ylabel("test accuracy" if ds.task == "classification" else "test RMSE")
        ax2.legend(loc="lower right", fontsize=8)
    ax.legend(loc="upper left", fontsize=8)
    ax.set_title("run", fontsize=10)
    ax = axes[panels + 1]
    rec = h.column("center_recomputed").astype(bool)
    ax.plot(h.column("rows")[rec], h.column("center_seconds")[rec], "o-", ms=3)
    ax.set_xlabel("rows of T")
    ax.set_ylabel("centre seconds")
    ax.set_title(f"{learner.center} centre, total {h.total_center_seconds:.2f} s", fontsize=10)
    fig.suptitle(title or f"{learner._algorithm}: {ds.name}", fontsize=11)
    fig.tight_layout()
    return _save(fig, path)


def _decision_panel(ax, learner, nets, ds, queried, cuts, resolution: int = 200):
    X = np.vstack([ds.X_train, ds.X_test])
    lo, hi = X.min(axis=0) - 0.25, X.max(axis=0) + 0.25
    xx, yy = np.meshgrid(np.linspace(lo[0], hi[0], resolution), np.linspace(lo[1], hi[1], resolution))
    G = np.column_stack([xx.ravel(), yy.ravel()])
    f = learner._outputs(nets, G)[:, 0].reshape(xx.shape)
    ax.contourf(xx, yy, f > 0, levels=[-0.5, 0.5, 1.5], colors=["#f4c7c3", "#c6dbef"], alpha=0.8)
    ax.contour(xx, yy, f, levels=[0.0], colors="k", linewidths=0.8)
    pos = ds.y_train > 0
    ax.scatter(ds.X_train[pos, 0], ds.X_train[pos, 1], s=12, c="tab:blue", label="train +1")
    ax.scatter(ds.X_train[~pos, 0], ds.X_train[~pos, 1], s=12, c="tab:red", label="train -1")
    if ds.n_test:
        ax.scatter(ds.X_test[:, 0], ds.X_test[:, 1], s=18, marker="^", facecolors="none",
                   edgecolors=np.where(ds.y_test > 0, "tab:blue", "tab:red"), label="test")
    if queried.size:
        ax.scatter(ds.X_train[queried, 0], ds.X_train[queried, 1], s=45, facecolors="none", edgecolors="k",
                   linewidths=0.7, label="queried")
    if cuts.size:
        ax.scatter(ds.X_train[cuts, 0], ds.X_train[cuts, 1], s=30, marker="x", c="k", label="cut")
    ax.set_aspect("equal")
    ax.legend(fontsize=6, loc="lower left")


def _regression_panel(ax, learner, nets, ds, queried, cuts):
    x = np.linspace(min(ds.X_train.min(), ds.X_test.min() if ds.n_test else 0), max(ds.X_train.max(), ds.X_test.max() if ds.n_test else 0), 400)
    ax.plot(x, learner._outputs(nets, x[:, None])[:, 0], "k-", lw=1, label="network")
    ax.scatter(ds.X_train[:, 0], ds.y_train, s=8, c="0.6", label="train")
    if ds.n_test:
        ax.scatter(ds.X_test[:, 0], ds.y_test, s=14, marker="^", c="tab:green", label="test")
    if queried.size:
        ax.scatter(ds.X_train[queried, 0], ds.y_train[queried], s=40, facecolors="none", edgecolors="k", label="queried")
    if cuts.size:
        ax.scatter(ds.X_train[cuts, 0], ds.y_train[cuts], s=25, marker="x", c="tab:red", label="cut")
    ax.legend(fontsize=7)


_COLORS = {"cpal": "tab:red", "uncertainty": "tab:orange", "random": "tab:blue", "mlp": "tab:green",
           "cpal-uncertainty": "tab:purple", "cpal-split": "tab:brown", "cpal-committee": "tab:pink",
           "linear-cp": "tab:gray"}
_LABELS = {"cpal": "CPAL (LP trainer)", "uncertainty": "uncertainty (LP trainer)", "random": "random (LP trainer)",
           "mlp": "random + MLPClassifier", "cpal-uncertainty": "CPAL, uncertainty rule",
           "cpal-split": "CPAL, split rule", "cpal-committee": "CPAL, committee rule",
           "linear-cp": "linear cutting planes (LP trainer)"}
#: the CPAL loop with another rule, and the linear baseline: dashed
_DASHED = {"cpal-uncertainty", "cpal-split", "cpal-committee", "linear-cp"}


def plot_compare(results: list[dict], path: str) -> str:
    """Accuracy against labels, one panel per data set: the mean over the seeds, with a band of one standard
    deviation when at most four strategies are drawn (more bands hide the curves)."""
    plt = _plt()
    fig, axes = plt.subplots(1, len(results), figsize=(5.0 * len(results), 4.2), squeeze=False)
    for ax, res in zip(axes[0], results):
        grid = np.asarray(res["grid"])
        bands = len(res["strategies"]) <= 4
        low = 1.0
        for name, rec in res["strategies"].items():
            m, s = np.asarray(rec["mean"]), np.asarray(rec["std"])
            low = min(low, float(np.nanmin(m - s if bands else m)))
            ax.plot(grid, m, "o--" if name in _DASHED else "o-", ms=3, color=_COLORS.get(name),
                    label=_LABELS.get(name, name))
            if bands:
                ax.fill_between(grid, m - s, m + s, color=_COLORS.get(name), alpha=0.15)
        ax.set_xlabel("labels")
        ax.set_ylabel("test accuracy (mean over seeds)")
        ax.set_ylim(max(0.0, low - 0.05) if np.isfinite(low) else 0.0, 1.02)
        ax.set_title(f"{res['dataset']} ({len(res['seeds'])} seeds, pool {res['n_pool']})", fontsize=10)
        ax.grid(alpha=0.3)
        ax.legend(fontsize=7, loc="lower right")
    fig.tight_layout()
    return _save(fig, path)


def plot_volume(result: dict, path: str) -> str:
    """Theorem 6.3: each cut's margin-half-space ratio with its interval (left) and log10 of the product
    of those ratios against the cut number (right), per centre. Since vol(T_{k+1}) <= vol(T_k ∩ H_k)
    (the cone rows only remove more), the product bounds the volume left from above."""
    plt = _plt()
    g = result["grunbaum"]
    colors = {"centroid": "tab:green", "analytic": "tab:red", "chebyshev": "tab:blue"}
    fig, (a1, a2) = plt.subplots(1, 2, figsize=(11, 4.0))
    for k, (c, rec) in enumerate(result["centers"].items()):
        cuts = [r for r in rec["cuts"] if "fit_ratio" in r]
        if not cuts:
            continue
        x = np.arange(1, len(cuts) + 1) + 0.12 * (k - 1)
        r = np.array([q["fit_ratio"] for q in cuts])
        lo = np.array([q["fit_lower"] for q in cuts])
        hi = np.array([q["fit_upper"] for q in cuts])
        a1.errorbar(x, r, yerr=[r - lo, hi - r], fmt="o", ms=4, capsize=2, color=colors.get(c), label=c)
        with np.errstate(divide="ignore"):
            a2.plot(np.arange(0, len(cuts) + 1), np.concatenate([[0.0], np.cumsum(np.log10(np.maximum(r, 1e-12)))]),
                    "o-", ms=3, color=colors.get(c), label=c)
    a1.axhline(g, color="k", ls="--", lw=1, label="1 - 1/e")
    a1.set_xlabel("cut")
    a1.set_ylabel("vol(T ∩ margin half-space) / vol(T)")
    a1.set_ylim(0, 1)
    a1.legend(fontsize=8)
    a1.set_title(f"per-cut ratio, N = {result.get('N')} ({result['samples']} samples per cut)", fontsize=10)
    n = max((len(rec["cuts"]) for rec in result["centers"].values()), default=1)
    ks = np.arange(0, n + 1)
    a2.plot(ks, ks * math.log10(g), "k--", lw=1, label="(1 - 1/e)^k")
    a2.set_xlabel("cut")
    a2.set_ylabel("log10 prod of margin ratios (>= log10 volume left)")
    a2.legend(fontsize=8)
    a2.set_title("volume shrinkage", fontsize=10)
    fig.tight_layout()
    return _save(fig, path)
