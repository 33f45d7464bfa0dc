"""What every ``relulp`` command shares: exit codes, errors and their handling (one line, no traceback;
Ctrl-C and its watchdog), human-readable and JSON output, and the option groups and checks used by more
than one command."""

from __future__ import annotations

import argparse
import json
import math
import os
import sys
from importlib import import_module
from typing import Any, Callable

import numpy as np

from relulp.records import jsonable

EXIT_OK, EXIT_ERROR, EXIT_USAGE, EXIT_NOT_OPTIMAL = 0, 1, 2, 3
EXIT_INTERRUPTED = 130


class UsageError(Exception):
    """Bad combination of command-line options (exit code 2)."""


class CLIError(Exception):
    """An error the CLI reports in one line (exit code 1)."""


# ------------------------------------------------------------------------------------------------
# output helpers
# ------------------------------------------------------------------------------------------------

class Out:
    """Human-readable lines: to stdout, or to stderr when stdout carries JSON; silenced by --quiet."""

    def __init__(self, args):
        self.quiet = bool(getattr(args, "quiet", False))
        self.stream = sys.stderr if getattr(args, "json", None) == "-" else sys.stdout

    def __call__(self, *parts, **kw) -> None:
        if not self.quiet:
            print(*parts, file=self.stream, flush=True, **kw)


def write_json(record: dict, dest: str | None) -> None:
    """Write ``record`` as JSON to the file ``dest`` ('-': standard output; None: nowhere)."""
    if not dest:
        return
    text = json.dumps(jsonable(record), indent=2)
    if dest == "-":
        sys.stdout.write(text + "\n")
        sys.stdout.flush()
    else:
        d = os.path.dirname(os.path.abspath(dest))
        os.makedirs(d, exist_ok=True)
        with open(dest, "w") as fh:
            fh.write(text + "\n")


def fmt_s(sec: float | None) -> str:
    return "-" if sec is None else (f"{sec:.3f} s" if sec < 10 else f"{sec:.1f} s")


# ------------------------------------------------------------------------------------------------
# shared options and checks
# ------------------------------------------------------------------------------------------------

#: The CSV / NPZ format, for the --help of every --dataset option.
DATASET_FILE_HELP = ("CSV files: UTF-8 text, comma-separated, one row per point; numeric feature columns and the "
                     "label/target in the LAST column; an optional header row (detected when a field of the first "
                     "row is not a number); text labels or <= 10 integer values mean classification, otherwise "
                     "regression; 20%% of the rows (seeded) are the test set. NPZ files: arrays X, y (or X_train, "
                     "y_train, X_test, y_test), as np.savez writes.")


def check_seed(seed: int) -> None:
    if not 0 <= seed < 2**32:
        raise UsageError(f"--seed must be an integer in [0, 2**32), got {seed}")


def check_time_limit(seconds: float | None) -> None:
    if seconds is not None and not seconds > 0:
        raise UsageError(f"--time-limit must be positive, got {seconds}")


def add_problem_options(p: argparse.ArgumentParser) -> None:
    """The options that define one LP (shared by build and solve)."""
    from relulp.objectives import OBJECTIVES
    from relulp.tree import FORMULATIONS

    g = p.add_argument_group("problem")
    g.add_argument("--dataset", default="spiral", metavar="NAME|PATH",
                   help="built-in name (spiral, quadratic, iris, wine, breast_cancer, digits; 'iris:binary' or "
                        "'iris:<class>' for one class against the rest) or a .csv/.npz path (default: spiral). "
                        + DATASET_FILE_HELP)
    g.add_argument("--layers", type=int, default=2,
                   help="layers as the paper counts them: 2 = one hidden layer (default 2)")
    g.add_argument("--patterns", default=None, metavar="P1[,P2,...]",
                   help="sampled directions per hidden layer, one count per hidden layer "
                        "(default: 1000 for --layers 2, 50,100 for --layers 3)")
    g.add_argument("--seed", type=int, default=0,
                   help="pattern sampling seed (default 0): numpy.random.RandomState(seed), the reference code's "
                        "draws and relulp's meaning of an int seed (spiral, seed 0: 1000 -> 623 patterns, "
                        "50,100 -> 34 x 57)")
    g.add_argument("--rng", choices=("legacy", "numpy"), default="legacy",
                   help="legacy (default): RandomState(seed), as above; numpy: default_rng(seed), another stream")
    g.add_argument("--objective", choices=OBJECTIVES, default=None,
                   help="LP objective (default: min_l1 for classification, l1 for regression)")
    g.add_argument("--formulation", choices=FORMULATIONS, default="nested", help="default: nested")
    g.add_argument("--lam", type=float, default=None, help="weight of sum |u| (hinge, l1, eps)")
    g.add_argument("--eps", type=float, default=None, help="tube half-width (objective eps; default 0.01)")
    g.add_argument("--no-intercept", action="store_true", help="do not append the ones column to X")
    o = p.add_argument_group("output")
    o.add_argument("--write", default=None, metavar="FILE.lp|FILE.mps",
                   help="write the LP with symbolic names (Pyomo's writer; the HiGHS writer with --no-pyomo). "
                        "Multi-class: one file per class, FILE.<class>.lp")
    o.add_argument("--json", default=None, metavar="FILE", help="write a JSON record ('-' = standard output)")
    o.add_argument("--no-pyomo", action="store_true", help="skip the Pyomo model (matrix path only)")
    o.add_argument("-q", "--quiet", action="store_true", help="no human-readable output")


def parse_patterns(text: str | None, layers: int) -> list[int]:
    """Sampled directions per hidden layer from ``--patterns`` and ``--layers``."""
    if layers < 2:
        raise UsageError(f"--layers must be >= 2 (a 2-layer network has one hidden layer), got {layers}")
    hidden = layers - 1
    if text is None:
        if hidden == 1:
            return [1000]
        if hidden == 2:
            return [50, 100]
        raise UsageError(f"give --patterns with {hidden} comma-separated counts for --layers {layers}")
    parts = [s.strip() for s in str(text).split(",")]
    try:
        counts = [int(s) for s in parts]
    except ValueError:
        raise UsageError(f"--patterns must be comma-separated positive integers, got {text!r}") from None
    if any(c < 1 for c in counts):
        raise UsageError(f"--patterns counts must be >= 1, got {text!r}")
    if len(counts) != hidden:
        example = ",".join(str(50 * 2**k) for k in range(hidden))
        raise UsageError(
            f"--layers {layers} has {hidden} hidden layer{'s' if hidden > 1 else ''}, so --patterns needs "
            f"{hidden} comma-separated count{'s' if hidden > 1 else ''} (one per hidden layer, e.g. "
            f"--patterns {example}); got {len(counts)}: {text!r}")
    return counts


def parse_option(text: str) -> tuple[str, Any]:
    """One ``--solver-option KEY=VALUE``: the value as int, float, bool (true/false) or text."""
    if "=" not in text:
        raise UsageError(f"--solver-option (alias --option) takes KEY=VALUE, got {text!r}")
    key, value = text.split("=", 1)
    key = key.strip()
    for conv in (int, float):
        try:
            return key, conv(value)
        except ValueError:
            pass
    low = value.strip().lower()
    if low in ("true", "false"):
        return key, low == "true"
    return key, value


def solver_options(items) -> dict:
    """The repeated ``--solver-option`` values as a dict."""
    return dict(parse_option(t) for t in items)


def check_solver_names(backend: str, method: str | None) -> str:
    """Validate ``--backend`` / ``--method`` before any work: unknown names are usage errors (exit 2), a
    backend that is not installed an error (exit 1). Returns the method that will run."""
    from relulp import solvers
    from relulp.solvers import backends

    try:
        cls = backends.get(backend)
        m = cls.check_method(method)
    except (solvers.UnknownBackendError, solvers.UnknownMethodError) as e:
        raise UsageError(str(e)) from None
    try:
        cls.require_installed()
    except solvers.SolverError as e:
        raise CLIError(str(e)) from None
    return m


# ------------------------------------------------------------------------------------------------
# error handling
# ------------------------------------------------------------------------------------------------

def run_command(func: Callable[[Any], Any], args, prog: str, console: bool) -> int:
    """Run ``func(args)`` and map what it raises to one line on stderr and an exit code.

    ``console`` is True for the console script (arguments from ``sys.argv``): Ctrl-C then always ends the
    process with 130, through the watchdog and an immediate exit.
    """
    if console:
        _install_interrupt_watchdog(prog)
    from relulp.datasets import CSVEncodingError
    from relulp.exceptions import RelulpError

    try:
        solver_errors: tuple = (import_module("relulp.solvers").SolverError,)
    except Exception:  # noqa: BLE001
        solver_errors = ()
    try:
        rc = func(args)
    except (UsageError, CSVEncodingError) as e:
        print(f"{prog}: error: {e}", file=sys.stderr)
        return EXIT_USAGE
    except (CLIError, RelulpError, *solver_errors) as e:
        print(f"{prog}: error: {e}", file=sys.stderr)
        return EXIT_ERROR
    except (FileNotFoundError, PermissionError, IsADirectoryError, NotADirectoryError) as e:
        print(f"{prog}: error: {e}", file=sys.stderr)
        return EXIT_ERROR
    except MemoryError as e:
        print(f"{prog}: error: out of memory ({e or 'numpy could not allocate'}); use fewer patterns or a "
              f"smaller data set", file=sys.stderr)
        return EXIT_ERROR
    except KeyboardInterrupt:
        print(f"{prog}: interrupted", file=sys.stderr, flush=True)
        if console:  # make sure the process ends now
            _exit_now(EXIT_INTERRUPTED)
        return EXIT_INTERRUPTED
    rc = int(rc or 0)
    if rc == EXIT_INTERRUPTED and console:  # a command that handled Ctrl-C itself (bench)
        _exit_now(rc)
    return rc


#: Seconds between the first Ctrl-C and a forced exit, for a solve that does not return to Python (MPAX/JAX
#: computations hold the main thread; a second Ctrl-C exits at once).
INTERRUPT_GRACE_SECONDS = 5.0


def _install_interrupt_watchdog(prog: str) -> None:
    """Make Ctrl-C always end the console script (exit 130).

    Python runs its SIGINT handler (which raises KeyboardInterrupt) only when the main thread executes
    bytecode; a solver that holds the main thread in native code (MPAX under JAX) is not interrupted at
    all. The C-level handler does write the signal number to the wakeup fd at once, so a watcher thread
    reading it starts a grace timer on the first Ctrl-C: if the process has not ended after
    :data:`INTERRUPT_GRACE_SECONDS` (the normal KeyboardInterrupt path had its chance: HiGHS is cancelled,
    ``relulp bench`` writes its finished runs), or on a second Ctrl-C, it prints a line and exits 130.
    """
    import signal
    import threading

    if threading.current_thread() is not threading.main_thread() or not hasattr(signal, "set_wakeup_fd"):
        return
    if signal.getsignal(signal.SIGINT) is not signal.default_int_handler:
        return  # somebody else handles Ctrl-C
    try:
        r, w = os.pipe()
        os.set_blocking(w, False)
        signal.set_wakeup_fd(w, warn_on_full_buffer=False)
    except (OSError, ValueError):
        return

    def hard_exit() -> None:
        try:
            os.write(2, f"\n{prog}: interrupted\n".encode())
        except OSError:
            pass
        os._exit(EXIT_INTERRUPTED)

    def watch() -> None:
        count = 0
        while True:
            try:
                data = os.read(r, 64)
            except OSError:
                return
            if not data:
                return
            count += sum(1 for b in data if b == signal.SIGINT)
            if count >= 2:
                hard_exit()
            elif count == 1:
                t = threading.Timer(INTERRUPT_GRACE_SECONDS, hard_exit)
                t.daemon = True
                t.start()

    threading.Thread(target=watch, name="relulp-interrupt-watchdog", daemon=True).start()


def _exit_now(rc: int) -> None:
    """Flush and end the process at once, skipping interpreter shutdown: after Ctrl-C, solver runtimes
    (JAX for MPAX, solver worker threads) can leave non-daemon threads that would keep it from exiting."""
    for stream in (sys.stdout, sys.stderr):
        try:
            stream.flush()
        except Exception:  # noqa: BLE001
            pass
    os._exit(rc)
