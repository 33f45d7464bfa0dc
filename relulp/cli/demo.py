"""``relulp demo``: the paper's spiral, 2- and 3-layer networks trained by LP; an .lp file and a plot."""

from __future__ import annotations

import argparse
import os
import time
from typing import Any

from relulp import metrics

from .common import EXIT_NOT_OPTIMAL, EXIT_OK, Out, check_seed, check_time_limit, fmt_s, parse_patterns, write_json

#: Default 3-layer sampling of the demo (see README: 50,100 takes minutes with HiGHS on 2 cores).
DEMO_PATTERNS3 = "12,25"


def add_parser(subparsers) -> argparse.ArgumentParser:
    p = subparsers.add_parser(
        "demo", help="train 2- and 3-layer ReLU networks on the spiral by LP; write an .lp file and a plot",
        description="The paper's spiral (math.md §8): a 2-layer network from 1000 sampled patterns and "
                    "a 3-layer network, each trained by solving its min_l1 LP with HiGHS; prints "
                    "accuracies and writes the 2-layer LP (.lp, symbolic names) and a decision-boundary "
                    "plot to DIR.")
    p.add_argument("--out", default="relulp-demo", metavar="DIR", help="output folder (default ./relulp-demo)")
    p.add_argument("--patterns2", default="1000", metavar="P", help="sampled directions, 2-layer net (default 1000)")
    p.add_argument("--patterns3", default=DEMO_PATTERNS3, metavar="P1,P2",
                   help=f"sampled directions per hidden layer, 3-layer net (default {DEMO_PATTERNS3}; "
                        "50,100 is the paper's: minutes with HiGHS on 2 cores)")
    p.add_argument("--seed", type=int, default=0,
                   help="pattern sampling seed: numpy.random.RandomState(seed), as everywhere in relulp "
                        "(default 0: the paper's 623 patterns)")
    p.add_argument("--time-limit", type=float, default=None, metavar="S", help="per solve, seconds")
    p.add_argument("--no-plot", action="store_true", help="skip the PNG (no matplotlib needed)")
    p.add_argument("-q", "--quiet", action="store_true")
    p.set_defaults(json=None)
    return p


def run(args) -> int:
    from relulp import datasets, solvers
    from relulp.assemble import build_lp
    from relulp.export import write_lp
    from relulp.network import recover_network
    from relulp.patterns import sample_layers
    from relulp.tree import PatternTree

    say = Out(args)
    t_start = time.perf_counter()
    check_seed(args.seed)
    configs = [("2-layer", parse_patterns(args.patterns2, 2)), ("3-layer", parse_patterns(args.patterns3, 3))]
    check_time_limit(args.time_limit)
    os.makedirs(args.out, exist_ok=True)
    ds = datasets.spiral()
    say("relulp demo: training ReLU networks by linear programming (Zhang, Zhang & Pilanci, ICML 2025)")
    say(f"[data]     spiral: {ds.n_train} training and {ds.n_test} test points in 2-D (+ intercept), labels +-1")
    runs = []
    summary: dict[str, Any] = {"dataset": "spiral", "objective": "min_l1", "backend": "highs", "seed": args.seed,
                               "runs": []}
    for name, sampled in configs:
        t0 = time.perf_counter()
        # an int seed is RandomState(seed), the reference code's draws (spiral: 1000 -> 623 patterns)
        tree = PatternTree(sample_layers(ds.X_train, sampled, seed=args.seed))
        lp = build_lp(tree, ds.X_train, ds.y_train, "min_l1")
        say(f"[{name}]  {sampled} sampled -> {list(tree.sizes)} distinct patterns, {tree.num_leaves:,} leaves; "
            f"LP {lp.num_rows:,} rows x {lp.num_cols:,} cols, {lp.nnz:,} nonzeros (built in "
            f"{fmt_s(time.perf_counter() - t0)})")
        say(f"[{name}]  solving with HiGHS (interior point) ...")
        res = solvers.solve(lp, backend="highs", time_limit=args.time_limit)
        run = {"name": name, "patterns_sampled": sampled, "patterns": list(tree.sizes), "leaves": tree.num_leaves,
               "rows": lp.num_rows, "cols": lp.num_cols, "nnz": lp.nnz, "status": str(res.status),
               "objective": None if res.objective is None else res.objective / lp.objective_scale,
               "solve_seconds": res.solve_seconds}
        if res.status != solvers.Status.OPTIMAL or res.x is None:
            hint = (" (too few patterns for a separating network: sample more with "
                    f"--patterns{name[0]})") if res.status == solvers.Status.INFEASIBLE else ""
            say(f"[{name}]  {res.status}: {res.message} -- no network to show{hint}")
            run["network"] = None
        else:
            net = recover_network(lp, res.x)
            tr, te = net.score(ds.X_train, ds.y_train), net.score(ds.X_test, ds.y_test)
            viol = metrics.max_margin_violation(ds.y_train, net.decision_function(ds.X_train))
            run.update(train_accuracy=tr, test_accuracy=te, max_margin_violation=viol,
                       active_neurons=net.num_active_neurons())
            run["network"] = net
            say(f"[{name}]  optimal in {fmt_s(res.solve_seconds)}: sum|u| = {run['objective']:.4g}, active neurons "
                f"{net.num_active_neurons()}; accuracy train {tr:.2f}, test {te:.2f} (max margin violation "
                f"{viol:.1e})")
        if name == "2-layer":
            path = os.path.join(args.out, "spiral_2layer.lp")
            t1 = time.perf_counter()
            write_lp(lp, path)  # HiGHS's writer from the matrix; `relulp build --write` uses Pyomo's
            run["lp_file"] = path
            say(f"[{name}]  wrote {path} ({os.path.getsize(path) / 2**20:.1f} MB in {fmt_s(time.perf_counter() - t1)}); "
                f"columns are named u(<leaf>_<coordinate>), e.g. u(p3_0), rows margin(i), cone1(<leaf>_<i>), ...")
        runs.append(run)
    if not args.no_plot:
        from relulp.plotting import plot_decision_boundaries

        path = os.path.join(args.out, "spiral_decision_boundaries.png")
        plot_decision_boundaries(ds, runs, path)
        summary["plot"] = path
        say(f"[plot]     wrote {path}")
    summary["runs"] = [{k: v for k, v in r.items() if k != "network"} for r in runs]
    summary["seconds"] = time.perf_counter() - t_start
    write_json(summary, os.path.join(args.out, "summary.json"))
    say(f"done in {summary['seconds']:.0f} s; files in {os.path.abspath(args.out)}")
    return EXIT_OK if all(r["status"] == "optimal" for r in runs) else EXIT_NOT_OPTIMAL
