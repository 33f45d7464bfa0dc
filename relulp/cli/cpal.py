"""``relulp cpal``: cutting-plane active learning / training, comparisons and the Theorem 6.3 check.

Registered in :mod:`relulp.cli` like every command (:func:`add_parser`, :func:`run`). Modes:

* default: Algorithm 4 (active learning with ``--budget`` labels over the training set as pool; the
  training labels are the oracle), optionally with ``--final-solve`` (Algorithm 8), batch mode
  (``--batch-size K``) and the volumetric stopping rule (``--stop-radius-ratio R``); ``--dataset FILE.npz``
  runs it on user-provided features (arrays X, y, optionally X_test, y_test);
* ``--train``: Algorithm 1 on the whole training set;
* ``--compare``: accuracy-vs-labels curves of CPAL, uncertainty and random sampling (same LP trainer)
  and scikit-learn's MLPClassifier, over ``--seeds`` seeds, on one or more data sets (comma-separated);
  ``--workers N`` / ``--scheduler ADDRESS`` run its (seed, strategy) pairs as Dask tasks;
* ``--track-volume``: per-cut volume ratios with confidence intervals for the centroid, analytic and
  Chebyshev centres (math.md §6), on a small instance.

``--layers`` counts as the paper does (2 = one hidden layer) and ``--patterns`` gives the sampled
directions per hidden layer; patterns are drawn from ``numpy.random.RandomState(--seed)``, which is what an
int seed means everywhere in relulp (``relulp solve/build/demo`` included; the reference code's draws:
spiral, seed 0 gives its 623 patterns, or 34 x 57 for ``--layers 3``).

Backend options are given with ``--solver-option KEY=VALUE`` (alias ``--option``), as in ``relulp solve``;
``--backend`` / ``--method`` names are checked before any work (exit 2 when unknown).
"""

from __future__ import annotations

import argparse
import time

from .common import DATASET_FILE_HELP, EXIT_NOT_OPTIMAL, EXIT_OK, Out, UsageError, check_seed, check_solver_names, \
    check_time_limit, parse_patterns, solver_options, write_json

DESCRIPTION = ("Cutting-plane training (Algorithm 1) and active learning (Algorithm 4; Algorithm 6 for regression) "
               "of ReLU networks of any depth, with the final LP solve (Algorithm 8), comparisons against baselines "
               "and the Theorem 6.3 volume check (Zhang, Zhang & Pilanci, ICML 2025; docs/cpal.md).")


def add_parser(subparsers) -> argparse.ArgumentParser:
    """Install ``relulp cpal`` on an argparse sub-parser collection."""
    from relulp.cpal.centers import CENTERS
    from relulp.cpal.compare import DEFAULT_STRATEGIES, STRATEGIES
    from relulp.cpal.query import QUERY_RULES
    from relulp.objectives import OBJECTIVES

    p = subparsers.add_parser("cpal", help="cutting-plane active learning (CPAL) and training",
                              description=DESCRIPTION)
    g = p.add_argument_group("data and network")
    g.add_argument("--dataset", default="spiral", metavar="NAME[,NAME...]",
                   help="spiral, quadratic, a scikit-learn set (iris, wine, breast_cancer, digits; 'digits:3v8' is "
                        "class 3 (-1) against class 8 (+1)), or a .csv/.npz path; comma-separated with --compare "
                        "(default spiral). User features (e.g. embeddings): an .npz with arrays X, y (the pool) and "
                        "optionally X_test, y_test (the test set; without them 20%% of X is held out). "
                        + DATASET_FILE_HELP)
    g.add_argument("--pca", type=int, default=None, metavar="K",
                   help="project features on the first K principal components of the training set (when d > K)")
    g.add_argument("--layers", type=int, default=2, help="layers as the paper counts them: 2 = one hidden layer")
    g.add_argument("--patterns", default=None, metavar="P1[,P2,...]",
                   help="sampled directions per hidden layer (default 1000 for --layers 2, 50,100 for --layers 3)")
    g.add_argument("--seed", type=int, default=0,
                   help="seed of the patterns and random draws (default 0); patterns: numpy.random.RandomState(seed), "
                        "as in relulp solve/build (spiral, seed 0: 1000 -> 623 patterns)")
    g.add_argument("--no-intercept", action="store_true", help="do not append the ones column")
    a = p.add_argument_group("cutting-plane method")
    a.add_argument("--train", action="store_true", help="Algorithm 1 on the whole training set instead of active learning")
    a.add_argument("--budget", type=int, default=20, help="label budget of the active learner (default 20)")
    a.add_argument("--max-cuts", type=int, default=None, help="stop after this many cuts")
    a.add_argument("--query", choices=QUERY_RULES, default="confidence", help="query rule (default confidence)")
    a.add_argument("--center", default=None, metavar="|".join(CENTERS),
                   help="centre (default analytic); with --track-volume a comma-separated list "
                        "(default centroid,analytic,chebyshev)")
    a.add_argument("--bound", choices=("ball", "box"), default=None,
                   help="T^0 (default: ball, except box for regression)")
    a.add_argument("--radius", type=float, default=1.0, help="radius R of T^0 (default 1)")
    a.add_argument("--center-tol", type=float, default=1e-12, help="Newton decrement target of the analytic centre")
    a.add_argument("--eps", type=float, default=1e-3, help="regression tube half-width (default 1e-3)")
    a.add_argument("--batch-size", type=int, default=1, metavar="K",
                   help="active learning: K times the query rule's picks per round at one centre, each pick after "
                        "the first conditioned on the earlier ones (batch mode; default 1); --train: violated points "
                        "cut per centre")
    a.add_argument("--stop-radius-ratio", type=float, default=None, metavar="R",
                   help="active learning: stop (status volume_shrunk) when the Chebyshev radius of the version space "
                        "is at most R times the radius of T^0, 0 < R < 1 (docs/cpal.md: choosing R against N)")
    a.add_argument("--max-iter", type=int, default=1000, help="--train: most centres")
    a.add_argument("--prune", action="store_true", help="drop redundant rows after each cut")
    f = p.add_argument_group("final solve (Algorithm 8)")
    f.add_argument("--final-solve", action="store_true", help="solve the LP on the labelled set and predict with its network")
    f.add_argument("--objective", choices=OBJECTIVES + ("convex",), default=None,
                   help="final LP objective (default min_l1 for classification, l1 for regression), or convex: the "
                        "reference's convex program (math.md §10; squared loss, group lasso, Clarabel)")
    f.add_argument("--lam", type=float, default=None, help="lambda of hinge / l1 / eps")
    f.add_argument("--beta", type=float, default=None,
                   help="--objective convex: weight of the group lasso (default 1e-5)")
    f.add_argument("--backend", default="auto", help="LP backend (default auto: clarabel for LPs of at least 10,000 rows, else highs)")
    f.add_argument("--method", default=None, help="backend method (default: the backend's)")
    f.add_argument("--time-limit", type=float, default=None, help="seconds for the final LP")
    f.add_argument("--solver-option", "--option", dest="solver_option", action="append", default=[],
                   metavar="KEY=VALUE", help="backend option (repeatable), e.g. run_crossover=off; --option is an alias")
    c = p.add_argument_group("comparisons (--compare)")
    c.add_argument("--compare", action="store_true", help="accuracy-vs-labels curves against the baselines")
    c.add_argument("--seeds", type=int, default=3, help="number of seeds (0..S-1; default 3)")
    c.add_argument("--grid", default=None, metavar="L1,L2,...", help="label counts of the curves (default: 8 steps up to --budget)")
    c.add_argument("--strategies", default=",".join(DEFAULT_STRATEGIES),
                   help=f"subset of {','.join(STRATEGIES)} (default {','.join(DEFAULT_STRATEGIES)})")
    c.add_argument("--downstream", action="store_true",
                   help="also train an MLP with two hidden layers (100, 100) on each strategy's labels")
    from relulp import distributed

    distributed.add_arguments(c)  # --workers / --scheduler: the (seed, strategy) runs as Dask tasks
    v = p.add_argument_group("Theorem 6.3 check (--track-volume)")
    v.add_argument("--track-volume", action="store_true",
                   help="per-cut volume ratios with confidence intervals for each centre (small N only)")
    v.add_argument("--volume-samples", type=int, default=2000, help="uniform samples per cut ratio (default 2000)")
    o = p.add_argument_group("output")
    o.add_argument("--json", default=None, metavar="FILE", help="write a JSON record ('-' = standard output)")
    o.add_argument("--plot", default=None, metavar="FILE.png", help="write a figure of the run / curves / volumes")
    o.add_argument("--no-progress", action="store_true", help="no progress bar")
    o.add_argument("-q", "--quiet", action="store_true", help="no human-readable output")
    return p


# ----------------------------------------------------------------------------------------------------
def _check_args(args) -> None:
    if args.budget < 1:
        raise UsageError(f"--budget must be >= 1, got {args.budget}")
    if args.max_cuts is not None and args.max_cuts < 1:
        raise UsageError(f"--max-cuts must be >= 1, got {args.max_cuts}")
    if args.seeds < 1:
        raise UsageError(f"--seeds must be >= 1, got {args.seeds}")
    if args.batch_size < 1:
        raise UsageError(f"--batch-size must be >= 1, got {args.batch_size}")
    if args.batch_size != 1 and (args.compare or args.track_volume):
        raise UsageError("--batch-size applies to active learning and --train (not --compare, --track-volume)")
    ratio = getattr(args, "stop_radius_ratio", None)
    if ratio is not None:
        if not 0.0 < ratio < 1.0:
            raise UsageError(f"--stop-radius-ratio must be in (0, 1), got {ratio}")
        if args.train or args.compare or args.track_volume:
            raise UsageError("--stop-radius-ratio applies to active learning only (not --train, --compare, "
                             "--track-volume)")
    if args.volume_samples < 10:
        raise UsageError(f"--volume-samples must be >= 10, got {args.volume_samples}")
    if sum(bool(x) for x in (args.train, args.compare, args.track_volume)) > 1:
        raise UsageError("choose at most one of --train, --compare, --track-volume")
    if args.plot and not args.plot.lower().endswith((".png", ".pdf", ".svg")):
        raise UsageError(f"--plot needs a .png, .pdf or .svg file name, got {args.plot!r}")
    if args.beta is not None and args.objective != "convex":
        raise UsageError("--beta applies to --objective convex only (use --lam for the LP objectives)")
    if args.objective == "convex" and args.lam is not None:
        raise UsageError("--objective convex takes --beta, not --lam")
    workers, scheduler = getattr(args, "workers", 1), getattr(args, "scheduler", None)
    if (workers != 1 or scheduler) and not args.compare:
        raise UsageError("--workers/--scheduler apply to --compare only")
    from relulp import distributed

    try:
        distributed.check(workers, scheduler)
    except (ValueError, distributed.DistributedUnavailableError) as e:
        raise UsageError(f"--workers/--scheduler: {e}") from None
    check_seed(args.seed)
    check_time_limit(args.time_limit)
    solver_options(args.solver_option)  # KEY=VALUE syntax, before any work
    # "auto" picks clarabel or highs by LP size (relulp.cpal.final.auto_backend); a --method is HiGHS's then
    check_solver_names("highs" if args.backend == "auto" else args.backend, args.method)


def run(args) -> int:
    _check_args(args)
    say = Out(args)
    sampled = parse_patterns(args.patterns, args.layers)
    n_patterns = sampled[0] if len(sampled) == 1 else tuple(sampled)
    if args.compare:
        rec = _run_compare(args, say, n_patterns)
        write_json(rec, args.json)
        return EXIT_OK
    from relulp.cpal.data import load_dataset

    if "," in args.dataset:
        raise UsageError("several data sets (comma-separated) need --compare")
    ds = load_dataset(args.dataset, pca=args.pca)
    say(f"data set   {ds.name}: {ds.task}, {ds.n_train} pool/train / {ds.n_test} test points, d = {ds.n_features}"
        f"{'' if args.no_intercept else ' + intercept'}")
    if args.track_volume:
        rec = _run_volume(args, say, ds, n_patterns)
        write_json(rec, args.json)
        return EXIT_OK
    rec, ok = _run_single(args, say, ds, n_patterns)
    write_json(rec, args.json)
    return EXIT_OK if ok else EXIT_NOT_OPTIMAL


def _learner(args, ds, n_patterns, **over):
    from relulp.cpal import CPALClassifier, CPALRegressor, CuttingPlaneClassifier, CuttingPlaneRegressor

    common = dict(n_patterns=n_patterns, fit_intercept=not args.no_intercept, center=args.center or "analytic",
                  bound=args.bound,
                  radius=args.radius, center_tol=args.center_tol, prune=args.prune, max_cuts=args.max_cuts,
                  final_solve=args.final_solve, final_objective=args.objective,
                  final_lam=args.beta if args.objective == "convex" else args.lam,
                  backend=args.backend, method=args.method, time_limit=args.time_limit,
                  solver_options=solver_options(args.solver_option), random_state=args.seed,
                  progress=not (args.no_progress or args.quiet))
    common.update(over)
    reg = ds.task == "regression"
    if args.train:
        cls = CuttingPlaneRegressor if reg else CuttingPlaneClassifier
        common.update(max_iter=args.max_iter, batch_size=args.batch_size)
    else:
        cls = CPALRegressor if reg else CPALClassifier
        common.update(budget=args.budget, query=args.query, batch_size=args.batch_size,
                      stop_radius_ratio=getattr(args, "stop_radius_ratio", None))
    if reg:
        common["eps"] = args.eps
    return cls(**common)


def _metrics(learner, ds, nets) -> dict:
    out = {}
    for part, X, y in (("train", ds.X_train, ds.y_train), ("test", ds.X_test, ds.y_test)):
        if len(y) == 0:
            continue
        v = learner._metric(nets, X, y)
        out[f"{part}_{'rmse' if ds.task == 'regression' else 'accuracy'}"] = v
    return out


def _run_single(args, say, ds, n_patterns):
    from relulp.cpal.final import FinalSolve

    if args.budget > ds.n_train and not args.train:
        from relulp.cpal.exceptions import BudgetError

        raise BudgetError(f"--budget {args.budget} is larger than the pool ({ds.n_train} training points)")
    learner = _learner(args, ds, n_patterns)
    mode = "train" if args.train else "active"
    t0 = time.perf_counter()
    learner.fit(ds.X_train, ds.y_train, eval_set=(ds.X_test, ds.y_test) if ds.n_test else None)
    seconds = time.perf_counter() - t0
    summ = learner.summary()
    centre = _metrics(learner, ds, learner.center_networks_)
    final = _metrics(learner, ds, learner.networks_)
    fl = learner.final_ if isinstance(learner.final_, list) else ([learner.final_] if learner.final_ is not None else [])
    ok = all(isinstance(f, FinalSolve) and f.success for f in fl)
    rec = {
        "command": "cpal", "mode": mode, "algorithm": learner._algorithm, "dataset": ds.name, "task": ds.task,
        "settings": {k: v for k, v in learner.get_params().items() if k not in ("patterns",)},
        "layers": args.layers, "patterns": list(learner.tree_.sizes), "parameters": summ["parameters"],
        "status": str(learner.status_),  # the FitStatus value
        "labels_used": summ["labels_used"], "cuts": summ["cuts"], "rows": summ["rows"],
        **final, **{f"center_{k}": v for k, v in centre.items()},
        "final_solve": summ.get("final_solve"), "seconds": seconds, "center_seconds": summ["center_seconds"],
        "queried": list(getattr(learner, "queried_", [])), "cut_points": learner.cuts_,
        "history": learner.history_.to_records(),
    }
    if getattr(learner, "message_", ""):
        rec["message"] = learner.message_
    if getattr(learner, "radius_ratio_", None) is not None:
        rec["radius_ratio"] = learner.radius_ratio_  # the volumetric rule's latest Chebyshev radius / R
    metric = "rmse" if ds.task == "regression" else "accuracy"
    say(f"patterns   {list(learner.tree_.sizes)} distinct ({args.layers} layers), N = {summ['parameters']:,} parameters")
    say(f"run        {learner._algorithm}: status {learner.status_}, {summ['labels_used']} labels used, "
        f"{summ['cuts']} cuts, {summ['rows']:,} rows, centres {summ['center_seconds']:.2f} s")
    if not args.train and (args.batch_size > 1 or getattr(learner, "radius_ratio_", None) is not None):
        extra = [f"batch size {args.batch_size}: {len(learner.history_)} rounds"] if args.batch_size > 1 else []
        if getattr(learner, "radius_ratio_", None) is not None:
            rr = learner.radius_ratio_
            extra.append("Chebyshev radius / R " + (f"{rr:.3g}" if not isinstance(rr, list) else
                                                    ", ".join(f"{v:.3g}" for v in rr if v is not None)))
        say("           " + "; ".join(extra))
    say("centre     " + ", ".join(f"{k} {v:.4f}" for k, v in centre.items()))
    for f_ in fl:
        what = "convex program" if learner.final_objective == "convex" else "LP"
        say(f"final      {learner.final_objective or ('min_l1' if ds.task == 'classification' else 'l1')} {what} on "
            f"{f_.n_labelled} labelled points ({f_.lp_rows:,} x {f_.lp_cols:,}): {f_.status}, {f_.seconds:.2f} s")
    if fl:
        say("after      " + ", ".join(f"{k} {v:.4f}" for k, v in final.items()))
    say(f"seconds    {seconds:.2f} end to end")
    if args.plot:
        from relulp.cpal.plots import plot_run

        plot_run(learner, ds, args.plot)
        say(f"plot       {args.plot}")
    rec["metric"] = metric
    return rec, ok


def _fmt_ci(mean: float, half: float) -> str:
    return f"{mean:.3f}" + ("" if half != half else f" ± {half:.3f}")


def _run_compare(args, say, n_patterns) -> dict:
    from relulp.cpal.compare import DOWNSTREAM_LAYERS, STRATEGIES, compare
    from relulp.cpal.data import load_dataset

    grid = None
    if args.grid:
        try:
            grid = [int(v) for v in args.grid.split(",")]
        except ValueError:
            raise UsageError(f"--grid must be comma-separated integers, got {args.grid!r}") from None
    strategies = tuple(s.strip() for s in args.strategies.split(",") if s.strip())
    bad = sorted(set(strategies) - set(STRATEGIES))
    if bad or not strategies:
        raise UsageError(f"--strategies: unknown {bad or 'empty list'}; choose from {','.join(STRATEGIES)}")
    results = []
    t0 = time.perf_counter()
    for spec in [s.strip() for s in args.dataset.split(",") if s.strip()]:
        ds = load_dataset(spec, pca=args.pca)
        if ds.task != "classification" or not ds.is_binary:
            raise UsageError(f"--compare needs binary classification data; {ds.name!r} is not (try name:AvB)")
        say(f"compare    {ds.name}: pool {ds.n_train}, test {ds.n_test}, d = {ds.n_features}, seeds {args.seeds}")
        res = compare(ds, budget=min(args.budget, ds.n_train), grid=grid, seeds=tuple(range(args.seeds)),
                      n_patterns=n_patterns, strategies=strategies, center=args.center or "analytic",
                      objective=args.objective or "min_l1", lam=args.lam, backend=args.backend, method=args.method,
                      time_limit=args.time_limit, solver_options=solver_options(args.solver_option),
                      downstream=args.downstream, progress=not (args.no_progress or args.quiet),
                      workers=getattr(args, "workers", 1), scheduler=getattr(args, "scheduler", None))
        results.append(res)
        width = max(len(s) for s in res["strategies"])
        say(f"{'labels':<{width + 2}}" + "".join(f"{g:>8}" for g in res["grid"]) + "      AUC (95% CI)")
        for name, r in res["strategies"].items():
            sm = res["summary"][name]
            say(f"{name:<{width + 2}}" + "".join(f"{m:>8.3f}" for m in r["mean"])
                + f"   {_fmt_ci(sm['auc_mean'], sm['auc_ci'])}   ({r['seconds']:.1f} s)")
        if args.downstream:
            say(f"downstream MLP {DOWNSTREAM_LAYERS}, on each strategy's labels:")
            for name, r in res["strategies"].items():
                sm = res["summary"][name]
                say(f"{name:<{width + 2}}" + "".join(f"{m:>8.3f}" for m in r["downstream_mean"])
                    + f"   {_fmt_ci(sm['down_auc_mean'], sm['down_auc_ci'])}")
    rec = {"command": "cpal", "mode": "compare", "results": results, "seconds": time.perf_counter() - t0}
    if args.plot:
        from relulp.cpal.plots import plot_compare

        plot_compare(results, args.plot)
        say(f"plot       {args.plot}")
    return rec


def _run_volume(args, say, ds, n_patterns) -> dict:
    from relulp.cpal.centers import CENTERS
    from relulp.cpal.grunbaum import table, volume_check

    if ds.task != "classification" or not ds.is_binary:
        raise UsageError("--track-volume runs the binary classifier; use a binary data set")
    centers = ("centroid", "analytic", "chebyshev") if args.center is None else \
        tuple(c.strip() for c in args.center.split(",") if c.strip())
    bad = set(centers) - set(CENTERS)
    if bad:
        raise UsageError(f"unknown centres {sorted(bad)}; choose from {CENTERS}")
    t0 = time.perf_counter()
    res = volume_check(ds.X_train, ds.y_train, centers=centers, budget=args.budget, n_patterns=n_patterns,
                       max_cuts=args.max_cuts, bound=args.bound, samples=args.volume_samples,
                       random_state=args.seed, progress=not (args.no_progress or args.quiet))
    res["seconds"] = time.perf_counter() - t0
    say(table(res))
    if args.plot:
        from relulp.cpal.plots import plot_volume

        plot_volume(res, args.plot)
        say(f"plot       {args.plot}")
    return {"command": "cpal", "mode": "track_volume", "dataset": ds.name, **res}
