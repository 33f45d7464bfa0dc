"""Sweep the feature scale of one small classification problem through every builder objective and backend.

    python benchmarks/scale_sweep.py [--lo -30] [--hi 200] [--step 2] [--n 20]

X (n = 20 points, d = 2, a two-layer teacher; relulp's test generator) is multiplied by 10**k for
k = lo, lo + step, ..., hi; objectives min_l1 / feasibility / hinge, with and without an intercept (without:
the ones column is passed explicitly and scales with the features); backends HiGHS IPM, HiGHS simplex, GLPK.
Each run is classified:

  verified   status optimal; the recovered network's numpy forward pass on the ORIGINAL X meets every margin
             (net of the hinge slack) to 1e-6; relulp's relative primal residual <= 1e-6; the objective in
             original units obeys the scaling law (no intercept: min_l1 = ref / scale, hinge = ref,
             feasibility = 0; with intercept: hinge = ref, feasibility = 0, min_l1 within
             [min(1, 1/scale) ref, mapped scale-1 optimum]) where ref is the scale-1 optimum
  typed      a clear typed error (relulp.RelulpError or solvers' own error) before/instead of a solve
  infeasible status infeasible and the scale-1 problem is infeasible too (never, for this data)
  unsolved   an honest non-answer (optimal_inaccurate, numerical error, limits)
  WRONG      optimal but the network/objective/residual check fails, or infeasible for a feasible problem
  CRASH      any other exception (a GLPK abort would kill this process: the sweep finishing proves it did not)

Prints a table (one row per objective/intercept/backend, one column per outcome with the scale ranges) and
exits 1 if any run is WRONG or CRASH.
"""

from __future__ import annotations

import argparse
import contextlib
import os
import sys
import time
from collections import defaultdict

import numpy as np

sys.path.insert(0, os.path.join(os.path.dirname(__file__), "..", "tests"))

from lp_helpers import make_problem  # noqa: E402

from relulp import RelulpError, build_lp, recover_network  # noqa: E402

OBJECTIVES = ("min_l1", "feasibility", "hinge")
BACKENDS = (("highs", "ipm"), ("highs", "simplex"), ("glpk", None))
TOL = 1e-6


@contextlib.contextmanager
def quiet_stdout():
    """HiGHS prints its banner to fd 1 whatever output_flag says: keep it out of the table."""
    sys.stdout.flush()
    saved = os.dup(1)
    devnull = os.open(os.devnull, os.O_WRONLY)
    os.dup2(devnull, 1)
    try:
        yield
    finally:
        sys.stdout.flush()
        os.dup2(saved, 1)
        os.close(saved)
        os.close(devnull)


def data(X, fit_intercept, scale):
    X0 = X if fit_intercept else np.c_[X, np.ones(len(X))]
    return X0 * scale


def run_one(tree, X, y, objective, fit_intercept, scale, backend, method, ref):
    from relulp import solvers
    from relulp.solvers import Status

    try:
        Xs = data(X, fit_intercept, scale)
        lp = build_lp(tree, Xs, y, objective=objective, fit_intercept=fit_intercept)
        with quiet_stdout():
            res = solvers.solve(lp, backend=backend, method=method)
    except RelulpError as exc:
        return "typed", f"{type(exc).__name__}: {exc}"
    except Exception as exc:  # noqa: BLE001 - classify everything else
        mod = type(exc).__module__ or ""
        if mod.startswith("solvers"):
            return "typed", f"{type(exc).__name__}: {exc}"
        return "CRASH", f"{type(exc).__name__}: {exc}"
    if res.status is Status.INFEASIBLE:
        return ("infeasible", "") if ref is None else ("WRONG", "infeasible, but the scale-1 LP is feasible")
    if res.status is not Status.OPTIMAL:
        return "unsolved", f"{res.status}: {res.message}"
    try:
        if ref is None:
            return "WRONG", "optimal, but the scale-1 LP is infeasible"
        net = recover_network(lp, res.x)
        f = net.decision_function(Xs)
        xo = lp.unscale(res.x)
        slack = xo[lp.col_block("xi").slice] if objective == "hinge" else 0.0
        worst = float((y * f + slack).min())
        if not worst >= 1 - TOL:
            return "WRONG", f"margin violated on the original X: min y f + xi = {worst:.6g}"
        if res.rel_primal_residual is None or not res.rel_primal_residual <= TOL:
            return "WRONG", f"relative primal residual {res.rel_primal_residual}"
        obj = lp.original_objective(res.x)
        ref_obj, u1 = ref
        if objective == "feasibility":
            ok = obj == 0.0
        elif objective == "hinge":
            ok = abs(obj - ref_obj) <= TOL * (1 + abs(ref_obj))
        elif not fit_intercept:
            ok = abs(obj - ref_obj / scale) <= TOL * abs(ref_obj / scale)
        else:
            upper = np.abs(u1[:, :-1]).sum() / scale + np.abs(u1[:, -1]).sum()
            ok = min(1.0, 1.0 / scale) * ref_obj * (1 - TOL) <= obj <= upper * (1 + TOL)
        if not ok:
            return "WRONG", f"objective {obj:.10g} (original units) breaks the scaling law (ref {ref_obj:.10g})"
        return "verified", ""
    except Exception as exc:  # noqa: BLE001
        return "CRASH", f"checking: {type(exc).__name__}: {exc}"


def reference(tree, X, y, objective, fit_intercept):
    from relulp import solvers
    lp = build_lp(tree, data(X, fit_intercept, 1.0), y, objective=objective, fit_intercept=fit_intercept)
    with quiet_stdout():
        res = solvers.solve(lp, backend="highs")
    if res.status is not solvers.Status.OPTIMAL:
        return None
    u = lp.unscale(res.x)[lp.col_block("u").slice].reshape(tree.num_leaves, -1)
    return lp.original_objective(res.x), u


def ranges(exps: list[int], step: int) -> str:
    """'-30..8, 14..200' from sorted exponents."""
    if not exps:
        return ""
    out, start, prev = [], exps[0], exps[0]
    for e in exps[1:]:
        if e != prev + step:
            out.append(f"{start}" if start == prev else f"{start}..{prev}")
            start = e
        prev = e
    out.append(f"{start}" if start == prev else f"{start}..{prev}")
    return ", ".join(out)


def main(argv=None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--lo", type=int, default=-30)
    ap.add_argument("--hi", type=int, default=200)
    ap.add_argument("--step", type=int, default=2)
    ap.add_argument("--n", type=int, default=20)
    ap.add_argument("--verbose", action="store_true", help="print every non-verified run")
    args = ap.parse_args(argv)

    from relulp import solvers
    have = solvers.available()
    X, y, tree = make_problem(seed=1, n=args.n, d0=2, sizes=(6,))
    exps = list(range(args.lo, args.hi + 1, args.step))
    table: dict = defaultdict(lambda: defaultdict(list))
    examples: dict = {}
    counts: dict = defaultdict(int)
    t0 = time.perf_counter()
    for objective in OBJECTIVES:
        for fit_intercept in (True, False):
            ref = reference(tree, X, y, objective, fit_intercept)
            for backend, method in BACKENDS:
                if backend not in have:
                    continue
                key = (objective, "yes" if fit_intercept else "no", f"{backend}/{method or 'simplex'}")
                for k in exps:
                    outcome, why = run_one(tree, X, y, objective, fit_intercept, 10.0 ** k, backend, method, ref)
                    table[key][outcome].append(k)
                    counts[outcome] += 1
                    if outcome != "verified":
                        examples.setdefault((key, outcome), (k, why))
                        if args.verbose:
                            print(f"{key} 1e{k}: {outcome} {why}", file=sys.stderr)
    secs = time.perf_counter() - t0
    cols = ("verified", "typed", "infeasible", "unsolved", "WRONG", "CRASH")
    print(f"scale sweep: X * 10**k, k = {args.lo}..{args.hi} step {args.step}; n = {args.n}, d = 2 (+1); "
          f"{sum(counts.values())} runs in {secs:.1f} s")
    print("| objective | intercept | backend | " + " | ".join(f"{c} (k)" for c in cols) + " |")
    print("|" + "---|" * (3 + len(cols)))
    for key, res in table.items():
        cells = [f"{len(res[c])}: {ranges(res[c], args.step)}" if res[c] else "0" for c in cols]
        print(f"| {' | '.join(key)} | " + " | ".join(cells) + " |")
    print("totals: " + ", ".join(f"{c} {counts[c]}" for c in cols))
    for (key, outcome), (k, why) in sorted(examples.items(), key=lambda kv: (kv[0][1], kv[0][0])):
        print(f"  e.g. {'/'.join(key)} 1e{k} {outcome}: {why[:160]}")
    return 1 if counts["WRONG"] or counts["CRASH"] else 0


if __name__ == "__main__":
    sys.exit(main())
