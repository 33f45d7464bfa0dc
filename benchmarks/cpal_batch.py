"""Batch-mode CPAL (``batch_size=k``): accuracy at a fixed label budget and labels per second against k.

    python benchmarks/cpal_batch.py                      # the table of docs/cpal.md (a few minutes)
    python benchmarks/cpal_batch.py --ks 1,2 --seeds 1 --datasets spiral --json out.json   # a quick look

For each data set, query rule, k and seed: one active run (``CPALClassifier(budget, batch_size=k)``, the
analytic centre in the ball, ``n_patterns`` sampled directions seeded by the seed), then the LP trainer of
``relulp cpal --compare`` (the final solve of Algorithm 8, ``min_l1`` with a ``hinge`` fallback) on the
labels it asked for. Reported per (data set, rule, k), averaged over the seeds:

* ``centre``: test accuracy of the centre's network after the budget (before any final solve);
* ``final``: test accuracy of the LP trained on the labelled points;
* ``cuts``, ``centres`` (centres computed: one per round that follows a cut), their seconds (``centre s``)
  and ``rounds``;
* ``loop s`` and ``labels/s``: wall time of the active loop (pattern sampling, the pool predictor, the
  centres, the picks; not the final LP) and budget / that time. Timings depend on the machine's load.

``--naive`` adds the ablation ``k`` without conditioning (the k best keys of the rule at one centre,
``_condition_batches = False``), to show what the conditioning of relulp.cpal.query buys.
"""

from __future__ import annotations

import argparse
import json
import time

import numpy as np


def run_one(ds, *, rule: str, k: int, seed: int, budget: int, n_patterns: int, conditioned: bool = True) -> dict:
    from relulp.cpal import CPALClassifier
    from relulp.cpal.compare import _Trainer
    from relulp.metrics import accuracy

    clf = CPALClassifier(budget=budget, n_patterns=n_patterns, random_state=seed, query=rule, batch_size=k)
    clf._condition_batches = conditioned
    t0 = time.perf_counter()
    clf.fit(ds.X_train, ds.y_train)
    loop = time.perf_counter() - t0
    idx = np.asarray(clf.queried_)
    trainer = _Trainer(clf.tree_, ds.X_train)
    net = trainer.fit(idx, ds.y_train[idx])
    return {"centre": float(clf.center_score(ds.X_test, ds.y_test)),
            "final": float(accuracy(ds.y_test, net.predict(ds.X_test))),
            "cuts": clf.n_cuts_, "rounds": len(clf.history_),
            "centres": int(sum(s.center_recomputed for s in clf.history_)),
            "centre_seconds": clf.history_.total_center_seconds,
            "labels": clf.n_labels_used_, "loop_seconds": loop, "labels_per_second": clf.n_labels_used_ / loop,
            "final_seconds": trainer.seconds, "fallbacks": trainer.fallbacks}


def main(argv=None) -> dict:
    from relulp.cpal.data import load_dataset

    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--datasets", default="spiral,digits:3v8", help="comma-separated (default spiral,digits:3v8)")
    ap.add_argument("--pca", type=int, default=10, help="PCA components for wide data (digits: 64 -> 10)")
    ap.add_argument("--rules", default="uncertainty,confidence")
    ap.add_argument("--ks", default="1,2,5,10")
    ap.add_argument("--seeds", type=int, default=3)
    ap.add_argument("--budget", type=int, default=60)
    ap.add_argument("--patterns", type=int, default=200)
    ap.add_argument("--naive", action="store_true", help="add the unconditioned top-k ablation for k > 1")
    ap.add_argument("--json", default=None)
    args = ap.parse_args(argv)
    ks = [int(v) for v in args.ks.split(",")]
    rows = []
    t_all = time.perf_counter()
    for spec in args.datasets.split(","):
        ds = load_dataset(spec, pca=args.pca)
        for rule in args.rules.split(","):
            variants = [(k, True) for k in ks] + ([(k, False) for k in ks if k > 1] if args.naive else [])
            for k, cond in variants:
                runs = [run_one(ds, rule=rule, k=k, seed=s, budget=min(args.budget, ds.n_train),
                                n_patterns=args.patterns, conditioned=cond) for s in range(args.seeds)]
                row = {"dataset": ds.name, "rule": rule, "k": k, "conditioned": cond, "runs": runs}
                for key in ("centre", "final", "cuts", "rounds", "centres", "centre_seconds", "loop_seconds",
                            "labels_per_second"):
                    row[key] = float(np.mean([r[key] for r in runs]))
                rows.append(row)
                print(f"{ds.name:<18} {rule:<11} k={k:<3}{'' if cond else ' naive'} centre {row['centre']:.3f} "
                      f"final {row['final']:.3f} cuts {row['cuts']:.1f} centres {row['centres']:.1f} "
                      f"loop {row['loop_seconds']:.2f} s  {row['labels_per_second']:.0f} labels/s", flush=True)
    print()
    print("| data set | rule | k | centre accuracy | final-LP accuracy | cuts | centres | centre s | loop s | labels/s |")
    print("|---|---|---|---|---|---|---|---|---|---|")
    for r in rows:
        k = f"{r['k']}" if r["conditioned"] else f"{r['k']} (top-k, no conditioning)"
        print(f"| {r['dataset']} | {r['rule']} | {k} | {r['centre']:.3f} | {r['final']:.3f} | {r['cuts']:.1f} | "
              f"{r['centres']:.1f} | {r['centre_seconds']:.2f} | {r['loop_seconds']:.2f} | {r['labels_per_second']:.0f} |")
    out = {"settings": vars(args), "rows": rows, "seconds": time.perf_counter() - t_all}
    if args.json:
        with open(args.json, "w") as fh:
            json.dump(out, fh, indent=1)
    return out


if __name__ == "__main__":
    main()
