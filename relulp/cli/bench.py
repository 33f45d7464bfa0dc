"""``relulp bench``: the solver benchmark; its options and its run live in :mod:`relulp.bench.run`."""

from __future__ import annotations

import argparse

from relulp.bench import run as _bench


def add_parser(subparsers) -> argparse.ArgumentParser:
    return _bench.add_subparser(subparsers)


def run(args) -> int:
    return _bench.run(args)
