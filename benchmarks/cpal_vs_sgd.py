"""Runtime against gradient training (issue 12, item 3; docs/cpal_scaling.md).

    python benchmarks/cpal_vs_sgd.py [--seeds 3] [--budget 60] [--json F] [--plot docs/img/cpal_vs_sgd.png]

At equal labels (``--budget`` B) on each data set, wall time (fit, on this machine) and test accuracy of

* ``cpal``    CPALClassifier (Algorithm 4, the paper's confidence rule) choosing B labels from the pool,
              then the final min_l1 LP on them (Algorithm 8; final_solve's defaults: pruned cone rows, HiGHS);
* ``lp``      relulp.ReLULPClassifier: the full LP of math.md §3-4 (min_l1, as the final solve) on B random labels;
* ``mlp``     scikit-learn's MLPClassifier (one hidden layer of 100 ReLUs, Adam, max_iter 2000) on the
              same B random labels;
* ``mlp-all`` the same MLP on every training label (a reference point, not at equal labels).

Data sets (relulp.cpal.data.load_dataset): ``spiral`` (pool 80, test 20, d = 2), ``digits:3v8`` (scikit-learn's
digits, class 3 -> -1 against 8 -> +1, all 64 standardised pixels, pool 276, test 81) and ``breast_cancer``
(30 standardised features, pool 455, test 114). Sampled patterns: 1000 directions on the spiral (623
patterns, the paper's), ``--patterns`` (default 100) on the others, the same for cpal and lp. Each seed changes
the patterns, the random labels and the MLP's initialisation.
"""

from __future__ import annotations

import argparse
import json
import sys
import time
import warnings

import numpy as np

DATASETS = ("spiral", "digits:3v8", "breast_cancer")
METHODS = ("cpal", "lp", "mlp", "mlp-all")


def _acc(pred, y) -> float:
    return float(np.mean(np.asarray(pred) == np.asarray(y)))


def run_one(ds, method: str, seed: int, budget: int, patterns: int):
    from sklearn.neural_network import MLPClassifier

    from relulp import ReLULPClassifier
    from relulp.cpal import CPALClassifier

    Xp, yp = ds.X_train, ds.y_train
    rng = np.random.default_rng(seed)
    sub = np.sort(rng.choice(len(yp), size=min(budget, len(yp)), replace=False))
    t0 = time.perf_counter()
    extra = {}
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        if method == "cpal":
            m = CPALClassifier(budget=budget, n_patterns=patterns, random_state=seed, final_solve=True,
                               progress=False).fit(Xp, yp)
            extra = {"cuts": int(m.n_cuts_), "final_seconds": float(m.final_.seconds) if m.final_ is not None else None,
                     "center_seconds": float(m.history_.total_center_seconds), "patterns": list(m.tree_.sizes)}
        elif method == "lp":
            m = ReLULPClassifier(n_patterns=patterns, objective="min_l1", random_state=seed).fit(Xp[sub], yp[sub])
            extra = {"patterns": list(m.tree_.sizes)}
        elif method == "mlp":
            m = MLPClassifier(hidden_layer_sizes=(100,), solver="adam", max_iter=2000, random_state=seed).fit(Xp[sub], yp[sub])
            extra = {"epochs": int(m.n_iter_)}
        elif method == "mlp-all":
            m = MLPClassifier(hidden_layer_sizes=(100,), solver="adam", max_iter=2000, random_state=seed).fit(Xp, yp)
            extra = {"epochs": int(m.n_iter_)}
        else:
            raise ValueError(method)
    secs = time.perf_counter() - t0
    labels = len(yp) if method == "mlp-all" else budget
    return {"method": method, "seed": seed, "labels": labels, "seconds": secs,
            "train_accuracy": _acc(m.predict(Xp), yp), "test_accuracy": _acc(m.predict(ds.X_test), ds.y_test), **extra}


def summarise(records) -> list[dict]:
    rows = []
    for dsn in dict.fromkeys(r["dataset"] for r in records):
        for meth in METHODS:
            rs = [r for r in records if r["dataset"] == dsn and r["method"] == meth]
            if not rs:
                continue
            s = np.array([r["seconds"] for r in rs])
            a = np.array([r["test_accuracy"] for r in rs])
            rows.append({"dataset": dsn, "method": meth, "labels": rs[0]["labels"], "seeds": len(rs),
                         "seconds_mean": float(s.mean()), "seconds_min": float(s.min()), "seconds_max": float(s.max()),
                         "test_mean": float(a.mean()), "test_std": float(a.std()),
                         "cuts": float(np.mean([r["cuts"] for r in rs])) if meth == "cpal" else None,
                         "final_seconds": float(np.mean([r["final_seconds"] or 0 for r in rs])) if meth == "cpal" else None})
    return rows


def markdown(rows) -> str:
    out = ["| data set | method | labels | wall s (mean, min-max) | test accuracy (mean ± sd) | notes |",
           "|---|---|---|---|---|---|"]
    for r in rows:
        note = ""
        if r["method"] == "cpal":
            note = f"{r['cuts']:.1f} cuts; final LP {r['final_seconds']:.2f} s"
        out.append(f"| {r['dataset']} | {r['method']} | {r['labels']} | {r['seconds_mean']:.2f} "
                   f"({r['seconds_min']:.2f}-{r['seconds_max']:.2f}) | {r['test_mean']:.3f} ± {r['test_std']:.3f} | {note} |")
    return "\n".join(out)


def plot(rows, path: str) -> None:
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    dsn = list(dict.fromkeys(r["dataset"] for r in rows))
    fig, axes = plt.subplots(1, 2, figsize=(11, 3.8))
    width = 0.8 / len(METHODS)
    for j, meth in enumerate(METHODS):
        xs, secs, acc, sd = [], [], [], []
        for i, d in enumerate(dsn):
            r = next((r for r in rows if r["dataset"] == d and r["method"] == meth), None)
            if r is None:
                continue
            xs.append(i + (j - (len(METHODS) - 1) / 2) * width)
            secs.append(r["seconds_mean"])
            acc.append(r["test_mean"])
            sd.append(r["test_std"])
        axes[0].bar(xs, secs, width, label=meth)
        axes[1].bar(xs, acc, width, yerr=sd, label=meth, capsize=2)
    for ax in axes:
        ax.set_xticks(range(len(dsn)))
        ax.set_xticklabels(dsn)
    axes[0].set_yscale("log")
    axes[0].set_ylabel("wall seconds (log)")
    axes[1].set_ylabel("test accuracy")
    axes[1].set_ylim(0.5, 1.02)
    axes[1].legend(fontsize=8, loc="lower right")
    axes[0].set_title("fit time at equal labels")
    axes[1].set_title("test accuracy (mean ± sd over seeds)")
    fig.tight_layout()
    fig.savefig(path, dpi=110)


def main(argv=None) -> int:
    from relulp.cpal.data import load_dataset

    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--datasets", nargs="+", default=list(DATASETS))
    ap.add_argument("--methods", nargs="+", default=list(METHODS), choices=METHODS)
    ap.add_argument("--seeds", type=int, default=3)
    ap.add_argument("--budget", type=int, default=60)
    ap.add_argument("--patterns", type=int, default=100)
    ap.add_argument("--json")
    ap.add_argument("--plot")
    args = ap.parse_args(argv)
    records = []
    for name in args.datasets:
        ds = load_dataset(name)
        pats = 1000 if name == "spiral" else args.patterns
        for seed in range(args.seeds):
            for meth in args.methods:
                rec = run_one(ds, meth, seed, args.budget, pats)
                rec["dataset"] = name
                records.append(rec)
                print(f"{name:14s} seed {seed} {meth:8s} {rec['seconds']:8.2f} s  test {rec['test_accuracy']:.3f}"
                      + (f"  cuts {rec['cuts']} final {rec['final_seconds']:.2f} s" if meth == "cpal" else ""),
                      flush=True)
    rows = summarise(records)
    print(markdown(rows))
    if args.json:
        with open(args.json, "w") as fh:
            json.dump({"records": records, "summary": rows, "args": vars(args)}, fh, indent=1)
    if args.plot:
        plot(rows, args.plot)
    return 0


if __name__ == "__main__":
    sys.exit(main())
