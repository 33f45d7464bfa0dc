"""Which query rule makes CPAL label-efficient? Area under the accuracy-vs-labels curve over many seeds.

    python benchmarks/cpal_query_rules.py --workers 2      # the table of docs/cpal_query_rules.md (~30-60 min, 2 cores)
    python benchmarks/cpal_query_rules.py --seeds 2 --datasets spiral --json out.json     # a quick look

One command for the comparison of issue 12 (item 4) and the downstream half of item 7: for each data set,
:func:`relulp.cpal.compare.compare` runs every strategy of :data:`relulp.cpal.compare.STRATEGIES` (CPAL's loop
with the paper's confidence rule, uncertainty, and the two version-space rules ``split`` and ``committee``;
classic uncertainty sampling, random labels and an MLP on random labels; the linear cutting-plane learner of
Louche & Ralaivola) on seeds 0..S-1. Each strategy's labels train the same LP (the final solve of Algorithm
8, ``min_l1``, Clarabel) and, downstream, an MLP with two hidden layers. The table gives the normalised AUC
(mean accuracy over the label range) with its 95% Student-t interval over the seeds, and the paired
difference from random labels on the same seed with its 95% interval (an interval that excludes 0 is a
difference the seeds resolve).

Data (relulp.cpal.data.load_dataset): ``spiral`` (pool 80, test 20; 1,000 sampled directions = 623 patterns
as in the paper), ``digits:3v8`` (class 3 -> -1 against 8 -> +1, all 64 standardised pixels, pool 276, test
81) and ``breast_cancer`` (30 features, pool 455, test 114); 50 sampled directions on the last two (the LP on
64 or 30 features and 100 directions took 10-28 s per fit, too slow for ~2,000 fits). Seeds change the
patterns, the random draws, the committee's walks and the MLPs' initialisation.
"""

from __future__ import annotations

import argparse
import json
import time

from relulp.cpal.compare import STRATEGIES

DATASETS = ("spiral", "digits:3v8", "breast_cancer")
PATTERNS = {"spiral": 1000}  # others: --patterns


def table(results: list[dict]) -> str:
    """The markdown table of the AUCs (LP trainer and downstream MLP) with 95% intervals, and the paired
    differences from random and from uncertainty sampling (same seed)."""
    from relulp.cpal.compare import summarize

    def ci(m, h):
        return f"{m:+.3f} ± {h:.3f}" if h == h else f"{m:+.3f}"

    def auc_ci(m, h):
        return f"{m:.3f} ± {h:.3f}" if h == h else f"{m:.3f}"

    lines = ["| data set | strategy | AUC, LP trainer | − random | − uncertainty | AUC, MLP (100, 100) | − random | "
             "− uncertainty | cuts | s |",
             "|---|---|---|---|---|---|---|---|---|---|"]
    for res in results:
        by = {b: summarize(res, baseline=b) if b in res["strategies"] else None for b in ("random", "uncertainty")}
        for name, rec in res["strategies"].items():
            sm = res["summary"][name]
            cells = [res["dataset"], name, auc_ci(sm["auc_mean"], sm["auc_ci"])]
            for b in ("random", "uncertainty"):
                d = by[b][name] if by[b] is not None else {}
                cells.append("" if name == b or "auc_diff_mean" not in d else ci(d["auc_diff_mean"], d["auc_diff_ci"]))
            cells.append(auc_ci(sm["down_auc_mean"], sm["down_auc_ci"]) if "down_auc_mean" in sm else "")
            for b in ("random", "uncertainty"):
                d = by[b][name] if by[b] is not None else {}
                cells.append("" if name == b or "down_auc_diff_mean" not in d
                             else ci(d["down_auc_diff_mean"], d["down_auc_diff_ci"]))
            cuts = rec.get("cuts_mean")
            cells += ["" if cuts is None else f"{cuts[-1]:.1f}", f"{rec['seconds']:.0f}"]
            lines.append("| " + " | ".join(cells) + " |")
    return "\n".join(lines)


def main(argv=None) -> list[dict]:
    from relulp.cpal.compare import compare, label_grid
    from relulp.cpal.data import load_dataset

    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--datasets", default=",".join(DATASETS))
    ap.add_argument("--strategies", default=",".join(STRATEGIES))
    ap.add_argument("--seeds", type=int, default=10)
    ap.add_argument("--budget", type=int, default=40)
    ap.add_argument("--points", type=int, default=5, help="label counts on the curve (default 5: 8, 16, ..., 40)")
    ap.add_argument("--patterns", type=int, default=50, help="sampled directions except on the spiral (1000)")
    ap.add_argument("--backend", default="clarabel", help="backend of the LP trainer (default clarabel)")
    ap.add_argument("--workers", type=int, default=1)
    ap.add_argument("--json", default=None)
    ap.add_argument("--plot", default=None, help="figure of the mean curves (LP trainer)")
    ap.add_argument("--from-json", default=None, help="print the table (and --plot) of a saved --json, no run")
    args = ap.parse_args(argv)
    if args.from_json:
        with open(args.from_json) as fh:
            results = json.load(fh)
        print(table(results))
        if args.plot:
            from relulp.cpal.plots import plot_compare

            plot_compare(results, args.plot)
        return results
    strategies = tuple(s.strip() for s in args.strategies.split(",") if s.strip())
    results = []
    for spec in [s.strip() for s in args.datasets.split(",") if s.strip()]:
        ds = load_dataset(spec)
        t0 = time.perf_counter()
        res = compare(ds, budget=args.budget, grid=label_grid(args.budget, args.points),
                      seeds=tuple(range(args.seeds)), n_patterns=PATTERNS.get(spec, args.patterns),
                      strategies=strategies, backend=args.backend, downstream=True, workers=args.workers,
                      progress=True)
        res["wall_seconds"] = time.perf_counter() - t0
        results.append(res)
        print(f"{spec}: {res['wall_seconds']:.0f} s", flush=True)
        if args.json:
            with open(args.json, "w") as fh:
                json.dump(results, fh)
    print(table(results))
    if args.plot:
        from relulp.cpal.plots import plot_compare

        plot_compare(results, args.plot)
    return results


if __name__ == "__main__":
    main()
