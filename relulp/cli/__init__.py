"""The ``relulp`` command line: ``build``, ``solve``, ``demo``, ``cpal``, ``bench`` and ``convex``.

Conventions
-----------
* ``--layers`` counts layers as the paper does: a two-layer network has ONE hidden layer, so the pattern
  tree has ``layers - 1`` levels.
* ``--patterns`` gives the number of *sampled* directions per hidden layer, comma-separated, first hidden
  layer first: ``--layers 3 --patterns 50,100``. The count must match the hidden layers exactly (a single
  number with ``--layers 3`` is an error, not repeated: the paper's deep draws use different widths per
  layer). Distinct patterns are usually fewer (spiral: 1000 -> 623). Depth 1 uses
  :func:`relulp.sample_patterns`, deeper :func:`relulp.sample_deep_patterns`, always on the TRAINING set.
* One seed, one pattern set: ``--seed S`` (default 0) means ``numpy.random.RandomState(S)``, the reference
  code's stream and the meaning of an int seed everywhere in relulp (library, ``build``, ``solve``,
  ``demo``, ``cpal``): spiral, seed 0 gives the paper's 623 patterns, and 34 x 57 for 50,100.
  ``--rng numpy`` opts into ``numpy.random.default_rng(S)`` instead (``--rng legacy`` is the default).
* Multi-class data sets are trained one-vs-rest (:func:`relulp.build_ovr_lps`): one LP per class, all from
  the same patterns; sizes and times are totals over the K LPs, ``per_class`` lists each.
* ``--json FILE`` writes a JSON record (``--json -``: to standard output; the human-readable lines then go
  to standard error).
* Exit codes: 0 success; 1 error (bad data, unknown data set, model too large, ...); 2 usage error
  (bad option values, unknown backend or method, a --dataset file that is not UTF-8 text); 3 the solver
  finished without an optimal solution (infeasible LP, time limit, ...), reported in the record's
  ``status``; 130 interrupted (Ctrl-C). No bad input shows a Python traceback.

Layout
------
One module per command (:mod:`.build`, :mod:`.solve`, :mod:`.demo`, :mod:`.cpal`, :mod:`.bench`, :mod:`.convex`);
:mod:`.common` holds the exit codes, error handling (:func:`~.common.run_command`, the Ctrl-C watchdog),
output helpers and the options and checks several commands share; :mod:`.problem` the LP set-up of
``build`` and ``solve``. Metrics are :mod:`relulp.metrics`, the demo's figure :mod:`relulp.plotting`.

Adding a sub-command: write a module with ``add_parser(subparsers)`` (calls ``subparsers.add_parser(...)``
and returns the parser) and ``run(args) -> int`` (the exit code), and list its import path in
:data:`COMMANDS`. That is the only way commands are registered.
"""

from __future__ import annotations

import argparse
import sys
from importlib import import_module

from .common import EXIT_ERROR, EXIT_INTERRUPTED, EXIT_NOT_OPTIMAL, EXIT_OK, EXIT_USAGE, run_command

__all__ = ["COMMANDS", "build_parser", "main", "EXIT_OK", "EXIT_ERROR", "EXIT_USAGE", "EXIT_NOT_OPTIMAL",
           "EXIT_INTERRUPTED"]

#: The command modules, in ``relulp --help`` order; each has ``add_parser(subparsers)`` and ``run(args)``.
#: A module that cannot be imported (a missing optional dependency) is left out of the CLI.
COMMANDS: tuple[str, ...] = (
    "relulp.cli.build", "relulp.cli.solve", "relulp.cli.demo", "relulp.cli.bench", "relulp.cli.cpal",
    "relulp.cli.convex",
)


def build_parser() -> argparse.ArgumentParser:
    from relulp import __version__

    parser = argparse.ArgumentParser(
        prog="relulp",
        description="Linear programs equivalent to training ReLU networks with fixed activation patterns "
                    "(Zhang, Zhang & Pilanci, ICML 2025, Theorem 4.2). Start with `relulp demo`.",
    )
    parser.add_argument("--version", action="version", version=f"relulp {__version__}")
    sub = parser.add_subparsers(dest="command", metavar="COMMAND")
    for path in COMMANDS:
        try:
            module = import_module(path)
        except ImportError:
            continue
        module.add_parser(sub).set_defaults(func=module.run)
    return parser


def main(argv: list[str] | None = None) -> int:
    """Entry point of the ``relulp`` console script; returns the exit code."""
    parser = build_parser()
    try:
        args = parser.parse_args(argv)
    except SystemExit as e:  # argparse: --help (0) or a usage error (2)
        return int(e.code) if isinstance(e.code, int) else EXIT_USAGE
    func = getattr(args, "func", None)
    if func is None:
        parser.print_help(sys.stderr)
        return EXIT_USAGE
    # argv None: the console script (arguments from sys.argv), where Ctrl-C must end the process
    return run_command(func, args, f"relulp {args.command}", console=argv is None)
