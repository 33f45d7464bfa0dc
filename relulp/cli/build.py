"""``relulp build``: sample patterns, build the LP (matrix and Pyomo paths) and report its size."""

from __future__ import annotations

import argparse

from .common import EXIT_OK, Out, add_problem_options, fmt_s, write_json
from .problem import build_lps, build_models, class_name, prepare_problem, problem_record, pyomo_fits, say_lp, \
    write_files


def add_parser(subparsers) -> argparse.ArgumentParser:
    p = subparsers.add_parser("build", help="sample patterns and build the LP (matrix and Pyomo paths); report its size",
                              description="Sample activation patterns on the training set, build the Theorem 4.2 LP "
                                          "as a sparse matrix and as a Pyomo model, and report rows, columns, "
                                          "nonzeros and build times.")
    add_problem_options(p)
    return p


def run(args) -> int:
    say = Out(args)
    prob = prepare_problem(args, say)
    lps, bsec = build_lps(prob)
    rec = {"command": "build", **problem_record(prob, lps, bsec)}
    say_lp(say, rec, lps)
    models = None
    rec["pyomo_build_seconds"] = None
    if not args.no_pyomo and pyomo_fits(rec["nnz"], say):
        models, psec = build_models(prob)
        rec["pyomo_build_seconds"] = psec
        rec["pyomo_us_per_nnz"] = 1e6 * psec / rec["nnz"] if rec["nnz"] else None
        rec["pyomo_rows"] = sum(m.nconstraints() for m in models)
        rec["pyomo_cols"] = sum(m.nvariables() for m in models)
        ratio = psec / bsec if bsec > 0 else float("nan")
        say(f"           Pyomo path {fmt_s(psec)} ({rec['pyomo_us_per_nnz']:.2f} µs/nonzero, {ratio:.0f}x the matrix "
            f"path; {rec['pyomo_rows']:,} constraints, {rec['pyomo_cols']:,} variables)")
    from relulp.export import lp_statistics

    stats = lp_statistics(lps[0][1])
    rec["statistics"] = stats.as_dict()
    if len(lps) > 1:
        say(f"\nclass {class_name(prob, lps[0][0])} against the rest (the other LPs differ only in their labels):")
    say("\n" + stats.table() + "\n")
    if args.write:
        rec.update(write_files(args.write, lps, models, say, prob))
    write_json(rec, args.json)
    return EXIT_OK
