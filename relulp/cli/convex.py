"""``relulp convex --compare``: the convex training program, SDP-NN, the LP and scikit-learn's MLP on ONE training
objective, per data set (:func:`relulp.convex.compare.compare`; docs/convex.md, "Comparison").

Registered in :mod:`relulp.cli` like every command (:func:`add_parser`, :func:`run`). ``--dataset`` takes one of
spiral, iris (versicolor against the rest), breast_cancer (benign against malignant), wine (class_1 against the
rest); ``--all`` runs the four in sequence. Features are standardised and the train/test split is fixed; ``--seed``
seeds the sampled patterns, the SDP's subsample and scikit-learn's initial weights.

Exit codes as for every command: 0 when the comparison ran (a method that failed or was skipped is a record
with its status, not an error), 1 for errors, 2 for bad options.
"""

from __future__ import annotations

import argparse
import math

from .common import EXIT_ERROR, EXIT_OK, Out, UsageError, check_seed, check_solver_names, check_time_limit, write_json

DESCRIPTION = ("Score the convex training program over every pattern (where it fits) and over sampled patterns, the "
               "SDP relaxation SDP-NN (a certified lower bound) and its rounded network, relulp's LP and "
               "scikit-learn's MLP on one objective: NN-TRAIN = 1/2||f - y||^2 + (beta/2)(||W1||^2 + ||w2||^2) "
               "(sum loss, biases through the ones column); train/test accuracy, the relaxation gap and wall time "
               "(docs/convex.md).")


def add_parser(subparsers) -> argparse.ArgumentParser:
    """Install ``relulp convex`` on an argparse sub-parser collection."""
    from relulp.convex.compare import COMPARE_DATASETS, DEFAULT_BETA, DEFAULT_EXACT_MAX_PATTERNS, LP_OBJECTIVES

    p = subparsers.add_parser("convex", help="convex programs, SDP-NN, the LP and sklearn's MLP on one objective",
                              description=DESCRIPTION)
    p.add_argument("--compare", action="store_true", help="run the comparison (the command's mode)")
    g = p.add_argument_group("data")
    g.add_argument("--dataset", choices=tuple(COMPARE_DATASETS), default=None,
                   help="; ".join(f"{k}: {v}" for k, v in COMPARE_DATASETS.items()))
    g.add_argument("--all", action="store_true", help="the four data sets in sequence")
    m = p.add_argument_group("methods")
    m.add_argument("--beta", type=float, default=DEFAULT_BETA,
                   help=f"weight decay of NN-TRAIN on the sum loss, > 0 (default {DEFAULT_BETA:g}); scikit-learn's "
                        "alpha = beta")
    m.add_argument("--patterns", type=int, default=None, metavar="P",
                   help="sampled directions for the sampled convex program and the LP (default per data set: spiral "
                        "1000, iris and wine 100, breast_cancer 20)")
    m.add_argument("--seed", type=int, default=0, help="seed of the patterns, the SDP's subsample, the MLP (default 0)")
    m.add_argument("--sdp-max-n", type=int, default=None, metavar="N",
                   help="most training points the SDP sees, a stratified subsample above it (default per data set: "
                        "40 spiral and iris, 30 wine and breast_cancer)")
    m.add_argument("--exact-max-patterns", type=int, default=DEFAULT_EXACT_MAX_PATTERNS, metavar="N",
                   help=f"run the program over every pattern when the arrangement has at most N patterns (default "
                        f"{DEFAULT_EXACT_MAX_PATTERNS}; the spiral's 80 points have 6,322: 87-134 s on a busy 2-core "
                        "machine)")
    m.add_argument("--lp-objective", choices=LP_OBJECTIVES, default="l1",
                   help="objective of the LP route (default l1: sum |f - y| + beta sum |u|)")
    m.add_argument("--lp-backend", default="highs", help="LP backend (default highs)")
    m.add_argument("--mlp-width", type=int, default=100, help="scikit-learn's hidden width (default 100)")
    m.add_argument("--time-limit", type=float, default=None, metavar="S", help="seconds per solver call")
    o = p.add_argument_group("output")
    o.add_argument("--json", default=None, metavar="FILE", help="write the records as JSON ('-' = standard output)")
    o.add_argument("--plot", default=None, metavar="FILE.png", help="bar chart of NN-TRAIN per method (.png/.pdf/.svg)")
    o.add_argument("-q", "--quiet", action="store_true", help="no human-readable output")
    return p


def _check(args) -> list[str]:
    if not args.compare:
        raise UsageError("give --compare (the comparison is this command's only mode), e.g. "
                         "relulp convex --compare --dataset spiral")
    if args.all and args.dataset:
        raise UsageError("give --dataset NAME or --all, not both")
    if not args.all and not args.dataset:
        raise UsageError("give --dataset spiral|iris|breast_cancer|wine or --all")
    if not (math.isfinite(args.beta) and args.beta > 0):
        raise UsageError(f"--beta must be a finite number > 0, got {args.beta}")
    if args.patterns is not None and args.patterns < 1:
        raise UsageError(f"--patterns must be >= 1, got {args.patterns}")
    if args.sdp_max_n is not None and args.sdp_max_n < 4:
        raise UsageError(f"--sdp-max-n must be >= 4, got {args.sdp_max_n}")
    if args.exact_max_patterns < 1:
        raise UsageError(f"--exact-max-patterns must be >= 1, got {args.exact_max_patterns}")
    if args.mlp_width < 1:
        raise UsageError(f"--mlp-width must be >= 1, got {args.mlp_width}")
    check_seed(args.seed)
    check_time_limit(args.time_limit)
    if args.plot is not None and not args.plot.lower().endswith((".png", ".pdf", ".svg")):
        raise UsageError(f"--plot takes a .png, .pdf or .svg file name, got {args.plot!r}")
    check_solver_names(args.lp_backend, None)
    from relulp.convex.compare import COMPARE_DATASETS

    return list(COMPARE_DATASETS) if args.all else [args.dataset]


def run(args) -> int:
    from relulp.convex.compare import compare, format_table, gap_line, plot_comparison

    names = _check(args)
    say = Out(args)
    results = []
    for name in names:
        say(f"{name}: comparing (beta {args.beta:g}) ...")
        results.append(compare(name, beta=args.beta, n_patterns=args.patterns, seed=args.seed,
                               sdp_max_n=args.sdp_max_n, exact_max_patterns=args.exact_max_patterns,
                               lp_objective=args.lp_objective, lp_backend=args.lp_backend,
                               mlp_width=args.mlp_width, time_limit=args.time_limit, progress=say))
        say(f"{name}: {results[-1].seconds:.1f} s in all")
    say("")
    say(format_table(results))
    say("")
    for c in results:
        say(gap_line(c))
    if args.plot:
        plot_comparison(results, args.plot)
        say(f"plot       {args.plot}")
    write_json({"command": "convex --compare", "beta": args.beta, "seed": args.seed,
                "comparisons": [c.to_dict() for c in results]}, args.json)
    broken = [c.dataset for c in results if not c.gaps.get("all_checks_hold", True)]
    if broken:  # an inequality that must hold (SDP* <= every network, exact <= sampled, ...) failed: a bug
        say(f"error: a check that must hold failed on {', '.join(broken)} (see 'checks' above / in the JSON)")
        return EXIT_ERROR
    return EXIT_OK
