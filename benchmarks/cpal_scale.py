"""CPAL: where the time goes, and what limits scale (issue 12, items 1-2; docs/cpal_scaling.md).

    python benchmarks/cpal_scale.py final  [--layers 3] [--variants ...] [--repeat 1] [--json F]
    python benchmarks/cpal_scale.py centre [--d 200] [--patterns 500] [--cuts 50] [--points 300] [--json F]
    python benchmarks/cpal_scale.py grid   [--json F] [--plot docs/img/cpal_scale.png]
    python benchmarks/cpal_scale.py grid --full --budget 100 --timeout 600 [--json F] [--plot F]

``final``: the paper's spiral reproduction (docs/cpal.md: 2 layers, 1000 sampled directions -> 623 patterns,
60 labels; 3 layers, 50,100 directions -> 34 x 57 patterns, 50 labels; seed 0), the active-learning loop
once, then the final solve (Algorithm 8) of its labelled set in several ways, each timed with its
optimal value, the size of the program solved and the recovered network's train / test accuracy:

* ``full:highs``      the LP as before this change (every cone row; HiGHS, IPX + crossover);
* ``pruned:highs``    the redundant leaf cone rows dropped (final_solve's default, ``prune_cones=True``);
* ``pruned:highs-nocross`` the same with ``run_crossover=off``;
* ``pruned:clarabel`` the pruned LP by Clarabel (interior point, direct sparse LDL);
* ``full:clarabel``   every cone row, Clarabel;
* ``dedupe+pruned:highs`` / ``dedupe+pruned:clarabel`` duplicate restricted patterns merged as well;
* ``convex``          the convex program of math.md §10 (Clarabel), not an LP (its own optimum).

``centre``: the analytic centre at the paper's IMDB scale, on synthetic data (random Gaussian embeddings,
d = 200 + intercept, P = 500 patterns, N = 201 x 1000 = 201,000 parameters): ``--cuts`` cuts made by the
CPAL loop's rule, then the centre of that version space timed (and profiled with ``--profile``).

``grid``: per-centre time against pool size, P, d and depth on a small grid (each a short CPAL run, 40 labels,
uncertainty queries (they cut more often than the paper's confidence rule), on synthetic data: Gaussian points,
labels from a random two-layer teacher), with the centres' share, the pool predictor's and the rest.
``--full`` is the issue's grid: pool 10^2..10^5, P 100..5,000, d 2..256 (+ intercept), depth 2..4, each point in
its own process (its peak memory, ``ru_maxrss``, is recorded) and stopped after ``--timeout`` seconds (the
question "what completes 100 labels within 10 minutes" is answered by the points that finished).

The machine of the measurements in docs/cpal_scaling.md had 2 cores shared with other jobs: timings are
noisy (compare variants only within one run).
"""

from __future__ import annotations

import argparse
import json
import sys
import time

import numpy as np


# --------------------------------------------------------------------------------------------- final
FINAL_VARIANTS = ("full:highs", "pruned:highs", "pruned:highs-nocross", "pruned:clarabel", "full:clarabel",
                  "dedupe+pruned:highs", "dedupe+pruned:clarabel", "convex")


def _accuracy(net, X, y) -> float:
    f = np.asarray(net.decision_function(X)).ravel()
    return float(np.mean(np.where(f > 0, 1, -1) == np.asarray(y)))


def run_loop(layers: int, seed: int = 0):
    from relulp.cpal import CPALClassifier
    from relulp.datasets import spiral

    ds = spiral()
    n_patterns, budget = ((1000,), 60) if layers == 2 else ((50, 100), 50)
    t = time.perf_counter()
    clf = CPALClassifier(budget=budget, n_patterns=n_patterns if layers == 3 else n_patterns[0],
                         random_state=seed, final_solve=False, progress=False)
    clf.fit(ds.X_train, ds.y_train)
    loop = time.perf_counter() - t
    return ds, clf, loop


def final_variant(name: str, clf, ds):
    from relulp.cpal.final import final_solve

    tree, X = clf.tree_, clf._cut_model.X
    idx = np.asarray(clf.queried_, dtype=np.int64)
    y = np.asarray(clf.labels_, dtype=np.float64)
    if name == "convex":
        kw = dict(objective="convex")
    else:
        what, backend = name.split(":")
        kw = dict(objective="min_l1", prune_cones="pruned" in what, dedupe="dedupe" in what)
        if backend == "highs-nocross":
            kw.update(backend="highs", solver_options={"run_crossover": "off"})
        else:
            kw.update(backend=backend)
    t = time.perf_counter()
    fs = final_solve(tree, X, y, idx, **kw)
    secs = time.perf_counter() - t
    rec = {"variant": name, "seconds": secs, "status": str(fs.status), "objective": fs.objective,
           "rows": fs.lp_rows, "cols": fs.lp_cols, "solver_seconds": fs.info.get("solver_seconds")}
    if "prune" in fs.info:
        rec["prune"] = fs.info["prune"]
    if fs.network is not None:
        rec["train_accuracy"] = _accuracy(fs.network, ds.X_train, ds.y_train)
        rec["test_accuracy"] = _accuracy(fs.network, ds.X_test, ds.y_test)
    return rec


def cmd_final(args) -> dict:
    out = {"layers": args.layers, "runs": []}
    for r in range(args.repeat):
        ds, clf, loop = run_loop(args.layers)
        run = {"repeat": r, "loop_seconds": loop, "patterns": list(clf.tree_.sizes), "labels": clf.n_labels_used_,
               "cuts": clf.n_cuts_, "variants": []}
        print(f"[{args.layers} layers] loop {loop:.2f} s, patterns {clf.tree_.sizes}, labels {clf.n_labels_used_}, "
              f"cuts {clf.n_cuts_}", flush=True)
        for v in args.variants:
            rec = final_variant(v, clf, ds)
            run["variants"].append(rec)
            print(f"  {v:24s} {rec['seconds']:8.2f} s  obj {rec['objective']}  rows {rec['rows']}  "
                  f"train {rec.get('train_accuracy')}  test {rec.get('test_accuracy')}  {rec['status']}", flush=True)
        out["runs"].append(run)
    return out


# --------------------------------------------------------------------------------------------- centre
def imdb_body(n: int, d0: int, P: int, cuts: int, seed: int = 0):
    """The synthetic IMDB-scale version space: Gaussian points (n, d0), P patterns from P random directions
    (so P distinct patterns), labels from a teacher network on those patterns whose leaves are the
    directions themselves (so the version space has an interior), ``cuts`` cuts of random points.
    Returns (version space after cuts - 1 cuts, the last cut (A, b), seconds of the pool predictor)."""
    from relulp.cpal.cuts import CutModel
    from relulp.cpal.version_space import VersionSpace
    from relulp.tree import PatternTree

    rng = np.random.default_rng(seed)
    X = rng.standard_normal((n, d0)) / np.sqrt(d0)
    Xa = np.column_stack([X, np.ones(n)])
    G = rng.standard_normal((d0 + 1, P))
    tree = PatternTree([Xa @ G >= 0])
    t = time.perf_counter()
    cm = CutModel(tree, X)
    F = cm.F
    t_F = time.perf_counter() - t
    a = rng.uniform(0.5, 1.5, (P, 2)) * np.array([1.0, 0.3])
    theta = (a[:, :, None] * G.T[:, None, :]).reshape(-1)  # leaf (j, +-) = a_j,+- g_j
    f = F @ theta
    y = np.where(f > np.median(f), 1.0, -1.0)
    vs = VersionSpace(cm.dim, cm.block_width, bound="ball")
    order = rng.permutation(n)[:cuts]
    for i in order[:-1]:
        A, b = cm.cut([i], [y[i]])
        vs.cut(A, b)
    return vs, cm.cut([order[-1]], [y[order[-1]]]), t_F, cm.dim


def _profile_parts(prof) -> dict:
    import pstats

    st = pstats.Stats(prof)
    want = {"Barrier.__init__": ("analytic.py", "__init__", "Barrier"), "factor": ("analytic.py", "factor", None),
            "solve": ("linalg.py", "solve", None), "batched inverses": ("_linalg.py", "inv", None),
            "products with A": ("analytic.py", "__matmul__", None)}
    out = {}
    for (fn, line, name), (cc, nc, tt, ct, callers) in st.stats.items():
        for label, (f, n, _) in want.items():
            if fn.endswith(f) and name == n:
                if label == "Barrier.__init__" and line > 100:
                    continue
                out[label] = out.get(label, 0.0) + ct
    return out


def cmd_centre(args) -> dict:
    import cProfile

    t = time.perf_counter()
    vs, (A, b), t_F, N = imdb_body(args.points, args.d, args.patterns, args.cuts)
    t_build = time.perf_counter() - t
    t = time.perf_counter()
    r0 = vs.center()
    cold = time.perf_counter() - t
    vs.cut(A, b)
    prof = cProfile.Profile() if args.profile else None
    t = time.perf_counter()
    if prof:
        prof.enable()
    r1 = vs.center()
    if prof:
        prof.disable()
    warm = time.perf_counter() - t
    rec = {"n": args.points, "d": args.d + 1, "P": args.patterns, "N": N, "cuts": args.cuts, "rows": vs.rows,
           "pool_predictor_seconds": t_F, "setup_seconds": t_build, "cold_centre_seconds": cold,
           "cold_info": r0.info, "centre_seconds": warm, "info": r1.info}
    if prof:
        rec["profile"] = _profile_parts(prof)
    print(json.dumps(rec, indent=1, default=str))
    return rec


# --------------------------------------------------------------------------------------------- grid
def _teacher_data(n: int, d0: int, seed: int = 0):
    rng = np.random.default_rng(seed)
    X = rng.standard_normal((n, d0))
    W = rng.standard_normal((d0, 8))
    v = rng.standard_normal(8)
    f = np.maximum(X @ W + 0.3, 0.0) @ v
    return X, np.where(f > np.median(f), 1, -1)


def grid_point(n: int, d0: int, patterns, budget: int, seed: int = 0, query: str = "uncertainty") -> dict:
    from relulp.cpal import CPALClassifier
    from relulp.cpal.cuts import CutModel
    from relulp.cpal.learners import sample_tree

    X, y = _teacher_data(n, d0, seed)
    tree = sample_tree(X, patterns, seed=seed)
    spent = []  # the learner's own build of the pool predictor F, timed (not built twice: n = 10^5 is minutes)
    build = CutModel._build_F

    def timed_build(self):
        t = time.perf_counter()
        F = build(self)
        spent.append(time.perf_counter() - t)
        return F

    CutModel._build_F = timed_build
    try:
        t = time.perf_counter()
        clf = CPALClassifier(budget=budget, patterns=tree, random_state=seed, query=query, progress=False).fit(X, y)
        total = time.perf_counter() - t
    finally:
        CutModel._build_F = build
    t_F = float(sum(spent))
    centres = [s.center_seconds for s in clf.history_ if s.center_seconds > 0]
    c_sum = float(clf.history_.total_center_seconds)
    rec = {"n": n, "d": d0 + 1, "patterns": list(tree.sizes), "depth": len(tree.sizes) + 1,
           "N": int(clf._cut_model.dim), "cuts": int(clf.n_cuts_), "rows": int(clf.n_rows_), "total_seconds": total,
           "centre_seconds": c_sum, "centres": len(centres),
           "per_centre_mean": float(np.mean(centres)) if centres else 0.0,
           "per_centre_last": float(centres[-1]) if centres else 0.0,
           "pool_predictor_seconds": t_F, "rest_seconds": max(total - c_sum - t_F, 0.0)}
    parts = {"centres": c_sum, "pool predictor": t_F, "rest": rec["rest_seconds"]}
    rec["dominant"] = max(parts, key=parts.get)
    return rec


GRID = {
    "pool": [dict(n=n, d0=20, patterns=100) for n in (100, 1000, 10000)],
    "patterns": [dict(n=1000, d0=20, patterns=p) for p in (100, 300, 1000)],
    "d": [dict(n=1000, d0=d0, patterns=100) for d0 in (2, 8, 32, 64)],
    "depth": [dict(n=1000, d0=20, patterns=p) for p in (100, (12, 12), (5, 5, 5))],
}
#: the issue's grid (``--full``): each axis in increasing cost, so the first point that times out ends the axis
FULL_GRID = {
    "pool": [dict(n=n, d0=20, patterns=100) for n in (100, 1000, 10000, 100000)],
    "patterns": [dict(n=1000, d0=20, patterns=p) for p in (100, 300, 1000, 3000, 5000)],
    "d": [dict(n=1000, d0=d0, patterns=100) for d0 in (2, 8, 32, 64, 128, 256)],
    "depth": [dict(n=1000, d0=20, patterns=p) for p in (100, (12, 12), (30, 30), (5, 5, 5), (8, 8, 8))],
}


def grid_point_isolated(kw: dict, budget: int, query: str, timeout: float) -> dict:
    """:func:`grid_point` in a child process: its record plus the child's peak memory (MiB), or a record
    saying it did not finish within ``timeout`` seconds."""
    import subprocess

    spec = json.dumps(dict(kw, budget=budget, query=query))
    t = time.perf_counter()
    try:
        out = subprocess.run([sys.executable, __file__, "point", spec], capture_output=True, text=True,
                             timeout=timeout)
    except subprocess.TimeoutExpired:
        pat = kw["patterns"]
        return {"n": kw["n"], "d": kw["d0"] + 1, "patterns": list(pat) if isinstance(pat, (tuple, list)) else [pat],
                "depth": (len(pat) if isinstance(pat, (tuple, list)) else 1) + 1, "finished": False,
                "total_seconds": time.perf_counter() - t, "timeout": timeout}
    if out.returncode != 0:
        raise RuntimeError(f"grid point {spec} failed:\n{out.stderr[-2000:]}")
    rec = json.loads(out.stdout.strip().splitlines()[-1])
    rec["finished"] = True
    return rec


def cmd_point(args) -> dict:
    """One grid point (used by :func:`grid_point_isolated`): prints its record with the peak memory."""
    import resource

    kw = json.loads(args.spec)
    if isinstance(kw["patterns"], list):
        kw["patterns"] = tuple(kw["patterns"])
    rec = grid_point(**kw)
    rec["peak_mib"] = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024.0
    print(json.dumps(rec, default=float))
    return rec


def cmd_grid(args) -> dict:
    if args.from_json:  # re-plot a saved run
        with open(args.from_json) as fh:
            out = json.load(fh)
        if args.plot:
            plot_grid(out, args.plot)
        return out
    out = {"budget": args.budget, "axes": {}, "full": bool(args.full), "timeout": args.timeout}
    grid = FULL_GRID if args.full else GRID
    for axis in args.axes:
        rows = []
        for kw in grid[axis]:
            if args.full:
                rec = grid_point_isolated(kw, args.budget, args.query, args.timeout)
            else:
                rec = grid_point(budget=args.budget, query=args.query, **kw)
            rows.append(rec)
            if not rec.get("finished", True):
                print(f"{axis:8s} n {rec['n']:6d} d {rec['d']:3d} P {str(rec['patterns']):12s} did not finish "
                      f"{args.budget} labels in {args.timeout:.0f} s", flush=True)
                if args.json:  # keep what was measured so far
                    with open(args.json, "w") as fh:
                        json.dump(dict(out, axes=dict(out["axes"], **{axis: rows})), fh, indent=1, default=float)
                break  # the axis grows in cost: the larger points would not finish either
            print(f"{axis:8s} n {rec['n']:6d} d {rec['d']:3d} P {str(rec['patterns']):12s} N {rec['N']:7d} "
                  f"cuts {rec['cuts']:3d} rows {rec['rows']:7d} total {rec['total_seconds']:7.2f} s centres "
                  f"{rec['centre_seconds']:6.2f} s ({rec['centres']}, last {rec['per_centre_last']:.3f} s) F "
                  f"{rec['pool_predictor_seconds']:6.2f} s -> {rec['dominant']}"
                  + (f", peak {rec['peak_mib']:.0f} MiB" if "peak_mib" in rec else ""), flush=True)
            if args.json:
                with open(args.json, "w") as fh:
                    json.dump(dict(out, axes=dict(out["axes"], **{axis: rows})), fh, indent=1, default=float)
        out["axes"][axis] = rows
    if args.plot:
        plot_grid(out, args.plot)
    return out


def plot_grid(out, path: str) -> None:
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt
    import matplotlib.ticker

    axes_ = list(out["axes"])
    fig, axs = plt.subplots(1, len(axes_), figsize=(3.4 * len(axes_), 3.3))
    axs = np.atleast_1d(axs)
    for ax, axis in zip(axs, axes_):
        rows = [r for r in out["axes"][axis] if r.get("finished", True)]
        if axis == "depth":  # several points per depth: one slot each, labelled by layers and patterns
            xs = list(range(len(rows)))
            names = [f"{r['depth']}L\n" + "x".join(str(p) for p in r["patterns"]) for r in rows]
        else:
            xs = {"pool": [r["n"] for r in rows], "patterns": [r["patterns"][0] for r in rows],
                  "d": [r["d"] for r in rows]}[axis]
            names = [str(v) for v in xs]
        ax.plot(xs, [r["per_centre_last"] for r in rows], "o-", label="last centre")
        ax.plot(xs, [r["per_centre_mean"] for r in rows], "s--", label="mean centre")
        ax.plot(xs, [r["pool_predictor_seconds"] for r in rows], "^:", label="pool predictor F")
        ax.plot(xs, [r["total_seconds"] for r in rows], "k.-", label=f"whole run ({out['budget']} labels)")
        if axis in ("pool", "patterns", "d"):
            ax.set_xscale("log")
        ax.set_xticks(xs)
        ax.set_xticklabels(names, fontsize=7)
        ax.xaxis.set_minor_formatter(matplotlib.ticker.NullFormatter())
        ax.set_yscale("log")
        ax.set_xlabel({"pool": "pool size n", "patterns": "patterns P", "d": "input dimension d",
                       "depth": "layers, patterns per hidden layer"}[axis])
        ax.set_ylabel("seconds")
        ax.grid(alpha=0.3)
    axs[0].legend(fontsize=7)
    fig.tight_layout()
    fig.savefig(path, dpi=110)


# --------------------------------------------------------------------------------------------- main
def main(argv=None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    sub = ap.add_subparsers(dest="cmd", required=True)
    f = sub.add_parser("final")
    f.add_argument("--layers", type=int, default=3, choices=(2, 3))
    f.add_argument("--variants", nargs="+", default=list(FINAL_VARIANTS), choices=FINAL_VARIANTS)
    f.add_argument("--repeat", type=int, default=1)
    f.add_argument("--json")
    c = sub.add_parser("centre")
    c.add_argument("--points", type=int, default=300)
    c.add_argument("--d", type=int, default=200, help="input dimension (the intercept is added)")
    c.add_argument("--patterns", type=int, default=500)
    c.add_argument("--cuts", type=int, default=50)
    c.add_argument("--profile", action="store_true")
    c.add_argument("--json")
    g = sub.add_parser("grid")
    g.add_argument("--axes", nargs="+", default=list(GRID), choices=list(GRID))
    g.add_argument("--budget", type=int, default=40)
    g.add_argument("--query", default="uncertainty", help="query rule (uncertainty cuts more often than the paper's)")
    g.add_argument("--plot")
    g.add_argument("--json")
    g.add_argument("--from-json", help="re-plot a saved --json instead of running")
    g.add_argument("--full", action="store_true", help="the issue's grid, each point in its own process")
    g.add_argument("--timeout", type=float, default=600.0, help="--full: seconds allowed per point (default 600)")
    pt = sub.add_parser("point", help=argparse.SUPPRESS)
    pt.add_argument("spec")
    args = ap.parse_args(argv)
    res = {"final": cmd_final, "centre": cmd_centre, "grid": cmd_grid, "point": cmd_point}[args.cmd](args)
    if getattr(args, "json", None) and args.cmd != "grid":
        with open(args.json, "w") as fh:
            json.dump(res, fh, indent=1, default=float)
    return 0


if __name__ == "__main__":
    sys.exit(main())
