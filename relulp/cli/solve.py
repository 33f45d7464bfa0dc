"""``relulp solve``: build the LP, solve it with an LP backend, recover the network and evaluate it."""

from __future__ import annotations

import argparse
import sys
from typing import Any

import numpy as np

from relulp import metrics
from relulp.objectives import get_objective

from .common import EXIT_NOT_OPTIMAL, EXIT_OK, Out, add_problem_options, check_solver_names, check_time_limit, \
    fmt_s, solver_options, write_json
from .problem import Problem, build_lps, build_models, class_name, prepare_problem, problem_record, pyomo_fits, \
    say_lp, write_files


def add_parser(subparsers) -> argparse.ArgumentParser:
    p = subparsers.add_parser("solve", help="build the LP, solve it, recover the network and report accuracy",
                              description="Build the LP (as `relulp build`), solve it with an LP backend, recover the "
                                          "ReLU network and evaluate it by its own forward pass on the training and "
                                          "test sets.")
    add_problem_options(p)
    s = p.add_argument_group("solver")
    s.add_argument("--backend", default="highs", help="highs (default), glpk, mpax, cupdlpx, pyomo:<solver>")
    s.add_argument("--method", default=None, help="backend method, e.g. ipm, simplex, pdlp (default: the backend's)")
    s.add_argument("--time-limit", type=float, default=None, metavar="S", help="seconds")
    s.add_argument("--tolerance", type=float, default=None, help="solver tolerance (backend's meaning)")
    s.add_argument("--solver-option", "--option", dest="solver_option", action="append", default=[],
                   metavar="KEY=VALUE",
                   help="backend-native option, repeatable (e.g. --solver-option run_crossover=off); --option is "
                        "an alias")
    return p


def _infeasible_hint(prob: Problem) -> str:
    return get_objective(prob.objective).infeasibility_hint(list(prob.tree.sizes), cli=True)


_BACKEND_NAMES = {"highs": "HiGHS", "glpk": "GLPK", "mpax": "MPAX", "cupdlpx": "cuPDLPx"}

#: Above this many nonzeros `relulp solve` warns (on stderr) that the solve may take minutes.
LARGE_LP_NNZ = 2_000_000


def run(args) -> int:
    from relulp import solvers

    say = Out(args)
    options = solver_options(args.solver_option)
    check_time_limit(args.time_limit)
    check_solver_names(args.backend, args.method)
    prob = prepare_problem(args, say)
    lps, bsec = build_lps(prob)
    rec = {"command": "solve", **problem_record(prob, lps, bsec)}
    say_lp(say, rec, lps)
    models = None
    if args.write and not args.no_pyomo and pyomo_fits(rec["nnz"], say):
        models, psec = build_models(prob)
        rec["pyomo_build_seconds"] = psec
        say(f"           Pyomo path {fmt_s(psec)}")
    if args.write:
        rec.update(write_files(args.write, lps, models, say, prob))

    total_nnz = sum(lp.nnz for _, lp in lps)
    if total_nnz > LARGE_LP_NNZ and not args.quiet:
        cap = "" if args.time_limit is None else f" (capped by --time-limit {args.time_limit:g} s)"
        print(f"relulp solve: warning: this LP has {total_nnz:,} nonzeros"
              + (f" over {len(lps)} one-vs-rest LPs" if len(lps) > 1 else "")
              + f"; {_BACKEND_NAMES.get(args.backend.lower(), args.backend)} may take minutes on this machine"
              + f"{cap}; Ctrl-C stops it",
              file=sys.stderr, flush=True)
    results = []
    for cls, lp in lps:
        if cls is not None:
            say(f"solving    class {class_name(prob, cls)} against the rest ...")
        res = solvers.solve(lp, backend=args.backend, method=args.method, time_limit=args.time_limit,
                            tolerance=args.tolerance, **options)
        results.append(res)
    statuses = [r.status for r in results]
    optimal = all(s == solvers.Status.OPTIMAL for s in statuses)
    worst = next((s for s in statuses if s != solvers.Status.OPTIMAL), solvers.Status.OPTIMAL)
    # the training objective in the data's units (an LP built on extreme-scale data scales its objective row)
    objs = [None if r.objective is None else r.objective / lp.objective_scale for (_, lp), r in zip(lps, results)]
    rec.update({
        "status": str(worst),
        "objective": (sum(objs) if all(o is not None for o in objs) else None),
        "solve_seconds": sum(r.solve_seconds for r in results),
        "backend": results[0].backend, "method": results[0].method,
        "solver_version": results[0].solver_version, "message": "; ".join(r.message for r in results if r.message),
        "primal_residual": _max_or_none(r.primal_residual for r in results),
    })
    if prob.multiclass:
        rec["per_class"] = [{"class": class_name(prob, c), "status": str(r.status), "objective": o,
                             "rows": lp.num_rows, "cols": lp.num_cols, "nnz": lp.nnz, "solve_seconds": r.solve_seconds}
                            for (c, lp), r, o in zip(lps, results, objs)]
    say(f"solve      {rec['backend']} {rec['method']}: {rec['status']}"
        + (f", objective {rec['objective']:.6g}" if rec["objective"] is not None else "")
        + f" ({fmt_s(rec['solve_seconds'])})")
    if all(r.x is not None and np.isfinite(r.x).all() for r in results):
        rec.update(evaluate(prob, lps, [r.x for r in results]))
        _say_metrics(say, rec)
    else:
        rec.update(_empty_metrics(prob))
    write_json(rec, args.json)
    if not optimal:
        if worst in (solvers.Status.INFEASIBLE, solvers.Status.INFEASIBLE_OR_UNBOUNDED):
            msg = f"the LP is infeasible: {_infeasible_hint(prob)}"
        elif worst == solvers.Status.TIME_LIMIT:
            msg = (f"time limit of {args.time_limit} s reached before an optimal solution"
                   + ("; the numbers above are for the best point the solver had" if "train_accuracy" in rec
                      and rec.get("train_accuracy") is not None else ""))
        else:
            msg = f"the solver stopped without an optimal solution: {worst} ({rec['message']})"
        print(f"relulp solve: {msg}", file=sys.stderr)
        return EXIT_NOT_OPTIMAL
    return EXIT_OK


def _max_or_none(vals):
    vals = [v for v in vals if v is not None]
    return max(vals) if vals else None


def _empty_metrics(prob: Problem) -> dict:
    if prob.task == "classification":
        return {"train_accuracy": None, "test_accuracy": None, "max_margin_violation": None}
    return {"train_rmse": None, "test_rmse": None, "max_residual": None, "max_tube_violation": None}


def evaluate(prob: Problem, lps, xs) -> dict:
    """Metrics of the recovered network(s), from their own numpy forward pass (never the LP's rows)."""
    from relulp.assemble import fit_matrix
    from relulp.network import OneVsRestNetwork, recover_network
    from relulp.solvers.residuals import primal_residual

    ds = prob.ds
    nets = [recover_network(lp, x) for (_, lp), x in zip(lps, xs)]
    # the forward pass must reproduce the LP's f on the training data (math.md §3)
    mismatch = max(float(np.max(np.abs(fit_matrix(lp) @ x - net.decision_function(ds.X_train)), initial=0.0))
                   for (_, lp), x, net in zip(lps, xs, nets))
    out: dict[str, Any] = {
        "lp_max_violation": max(primal_residual(lp, x) for (_, lp), x in zip(lps, xs)),
        "fit_mismatch": mismatch,
        "active_neurons": nets[0].num_active_neurons() if len(nets) == 1 else [n.num_active_neurons() for n in nets],
    }
    has_test = ds.n_test > 0
    if prob.task == "classification":
        if prob.multiclass:
            model = OneVsRestNetwork(np.asarray(prob.classes), nets)
            viol = max(metrics.max_margin_violation(prob.Y[k], net.decision_function(ds.X_train))
                       for k, net in enumerate(nets))
        else:
            model = nets[0]
            viol = metrics.max_margin_violation(ds.y_train, model.decision_function(ds.X_train))
        out["train_accuracy"] = model.score(ds.X_train, ds.y_train)
        out["test_accuracy"] = model.score(ds.X_test, ds.y_test) if has_test else None
        out["max_margin_violation"] = viol
    else:
        net = nets[0]
        f_train = net.decision_function(ds.X_train)
        out["train_rmse"] = metrics.rmse(ds.y_train, f_train)
        out["test_rmse"] = metrics.rmse(ds.y_test, net.decision_function(ds.X_test)) if has_test else None
        out["max_residual"] = metrics.max_abs_residual(ds.y_train, f_train)
        eps = lps[0][1].meta.get("eps") or 0.0
        out["max_tube_violation"] = max(0.0, out["max_residual"] - eps) if get_objective(prob.objective).uses_eps else None
    return out


def _say_metrics(say: Out, rec: dict) -> None:
    say(f"network    active neurons per hidden layer {rec['active_neurons']}; forward pass vs LP "
        f"max |f difference| {rec['fit_mismatch']:.1e}, LP max violation {rec['lp_max_violation']:.1e}")
    if "train_accuracy" in rec:
        test = "-" if rec["test_accuracy"] is None else f"{rec['test_accuracy']:.3f}"
        say(f"accuracy   train {rec['train_accuracy']:.3f}   test {test}   "
            f"max margin violation {rec['max_margin_violation']:.2e}")
    else:
        test = "-" if rec["test_rmse"] is None else f"{rec['test_rmse']:.4g}"
        tube = "" if rec["max_tube_violation"] is None else f"   max tube violation {rec['max_tube_violation']:.2e}"
        say(f"RMSE       train {rec['train_rmse']:.4g}   test {test}   max |residual| {rec['max_residual']:.4g}{tube}")
