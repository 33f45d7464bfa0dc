"""The one place that drives highspy (HiGHS): every module that needs HiGHS goes through here.

It exists because HiGHS has process-wide state and habits that differ between releases:

* **Banner.** highspy >= 1.16 prints "Running HiGHS ..." to the process's stdout (file descriptor 1,
  from C++) whenever a ``Highs()`` is made, whatever ``output_flag`` is set to afterwards.
  :func:`new_highs` discards that banner (``log=True`` sends it to stderr), so JSON written to stdout
  (``relulp solve --json -``) stays valid.
* **Threads.** HiGHS runs one process-wide task scheduler, started by the first ``run()`` with the
  ``threads`` option of that call. Any later ``run()`` whose ``threads`` differs fails ("the scheduler has
  already been initialized to use 2 threads"). :func:`run` restarts the global scheduler before a run that
  asks for a specific thread count, so an option never makes later solves fail.
* **Ctrl-C.** ``Highs.run()`` holds the calling thread until the solve ends. :func:`run` solves in a
  worker thread; a KeyboardInterrupt asks HiGHS to stop (its user-interrupt callback), waits for it and is
  re-raised, so an interrupted solve ends within a fraction of a second.
"""

from __future__ import annotations

import os
import sys
import threading
from typing import Any

import numpy as np

from .errors import BackendFailure, SolverOptionError


def new_highs(*, log: bool = False):
    """A fresh ``highspy.Highs`` with its log off (``log=True``: HiGHS's log and banner on).

    The construction banner never reaches stdout: discarded, or on stderr with ``log=True``.
    """
    import highspy

    with _redirect_stdout(None if log else os.devnull):
        h = highspy.Highs()
    h.setOptionValue("output_flag", bool(log))
    if log:
        h.setOptionValue("log_to_console", True)
    return h


class _redirect_stdout:
    """Point file descriptor 1 at ``path`` (None: at stderr) for the duration (C++ writes to the
    descriptor, not to sys.stdout)."""

    def __init__(self, path: str | None):
        self.path = path

    def __enter__(self):
        try:
            sys.stdout.flush()
            self.saved = os.dup(1)
            if self.path is None:
                os.dup2(2, 1)
            else:
                fd = os.open(self.path, os.O_WRONLY)
                os.dup2(fd, 1)
                os.close(fd)
        except (OSError, ValueError, AttributeError):  # no real descriptors (embedded interpreters)
            self.saved = None
        return self

    def __exit__(self, *exc):
        if self.saved is not None:
            os.dup2(self.saved, 1)
            os.close(self.saved)
        return False


def set_option(h, key: str, value: Any) -> None:
    """Set a HiGHS option with the type HiGHS declares for it; raise SolverOptionError if refused."""
    import highspy

    if not hasattr(h.getOptions(), key):
        raise SolverOptionError(f"HiGHS has no option {key!r}")
    kind = h.getOptionType(key)[1]
    T = highspy.HighsOptionType
    try:
        if kind == T.kBool:
            if not isinstance(value, (bool, np.bool_)):
                raise TypeError
            value = bool(value)
        elif kind == T.kInt:
            if isinstance(value, bool) or int(value) != value:
                raise TypeError
            value = int(value)
        elif kind == T.kDouble:
            value = float(value)
        else:
            value = str(value)
    except (TypeError, ValueError):
        raise SolverOptionError(f"HiGHS option {key!r} expects a {kind.name[1:].lower()}, got {value!r}") from None
    if h.setOptionValue(key, value) != highspy.HighsStatus.kOk:
        raise SolverOptionError(f"HiGHS rejected {key}={value!r}")


_RUN_LOCK = threading.Lock()


def run(h) -> None:
    """``h.run()`` that survives the global-scheduler rule and stops on Ctrl-C (re-raising it).

    A run that asks for ``threads`` != 0 restarts HiGHS's global scheduler first (so the count it asks for
    is the count it gets, and no later run fails). Runs are serialised by a lock: the scheduler is shared by
    every ``Highs`` object of the process.
    """
    import highspy

    with _RUN_LOCK:
        if int(h.getOptionValue("threads")[1]) != 0 and hasattr(highspy.Highs, "resetGlobalScheduler"):
            highspy.Highs.resetGlobalScheduler(True)
        if threading.current_thread() is not threading.main_thread() or not hasattr(h, "cancelSolve"):
            h.run()
            return
        _run_interruptible(h)


def _run_interruptible(h) -> None:
    """Solve in a worker thread; on KeyboardInterrupt ask HiGHS to stop, wait, and re-raise.

    The model is left with HiGHS's status ``kInterrupt``. (The interrupt callbacks stay registered on
    ``h``: unregistering them resets the model status.)"""
    h.HandleUserInterrupt = True
    error: list[BaseException] = []
    # An Event, not Thread.join: a join interrupted by Ctrl-C can return early afterwards (CPython).
    done = threading.Event()

    def work():
        try:
            h.run()
        except BaseException as e:  # surfaced in the caller's thread
            error.append(e)
        finally:
            done.set()

    threading.Thread(target=work, name="highs-run", daemon=True).start()
    try:
        while not done.wait(0.05):
            pass
    except KeyboardInterrupt:
        h.cancelSolve()
        done.wait()
        raise
    if error:
        raise error[0]


def pass_lp(h, lp) -> None:
    """Load a ``LinearProgram``-shaped LP into ``h`` through the array overload of ``passModel``, column-wise.

    ``lp`` needs ``A`` (scipy sparse, m x N), ``c``, ``col_lower/upper``, ``row_lower/upper`` and
    ``objective_constant``. The matrix goes in as CSC (scipy's CSR -> CSC conversion is faster than
    HiGHS's own transposition), the arrays are read without a Python-level copy, every column continuous.
    Measured on a 60k x 10.5k LP with 4.6M nonzeros: 0.43 s, against 1.6 s for a ``HighsLp`` filled field
    by field.
    """
    import highspy

    A = lp.A.tocsc()
    m, n = A.shape
    status = h.passModel(
        int(n), int(m), int(A.nnz), int(highspy.MatrixFormat.kColwise), int(highspy.ObjSense.kMinimize),
        float(lp.objective_constant),
        np.ascontiguousarray(lp.c, dtype=np.float64),
        np.ascontiguousarray(lp.col_lower, dtype=np.float64),
        np.ascontiguousarray(lp.col_upper, dtype=np.float64),
        np.ascontiguousarray(lp.row_lower, dtype=np.float64),
        np.ascontiguousarray(lp.row_upper, dtype=np.float64),
        A.indptr.astype(np.int32, copy=False),
        A.indices.astype(np.int32, copy=False),
        np.ascontiguousarray(A.data, dtype=np.float64),
        np.zeros(n, dtype=np.int32),  # integrality: all continuous (an empty array is read past its end)
    )
    if status == highspy.HighsStatus.kError:
        raise BackendFailure("HiGHS rejected the model (passModel returned kError)")


def to_highs_lp(lp):
    """A ``highspy.HighsLp`` holding ``lp`` with the matrix row-wise (for writing files; slower to pass
    than :func:`pass_lp`)."""
    import highspy

    m, n = lp.A.shape
    h = highspy.HighsLp()
    h.num_col_ = n
    h.num_row_ = m
    h.offset_ = float(lp.objective_constant)
    h.col_cost_ = np.ascontiguousarray(lp.c, dtype=np.float64)
    h.col_lower_ = np.ascontiguousarray(lp.col_lower, dtype=np.float64)
    h.col_upper_ = np.ascontiguousarray(lp.col_upper, dtype=np.float64)
    h.row_lower_ = np.ascontiguousarray(lp.row_lower, dtype=np.float64)
    h.row_upper_ = np.ascontiguousarray(lp.row_upper, dtype=np.float64)
    a = h.a_matrix_
    a.format_ = highspy.MatrixFormat.kRowwise
    a.num_col_ = n
    a.num_row_ = m
    a.start_ = lp.A.indptr.astype(np.int32, copy=False)
    a.index_ = lp.A.indices.astype(np.int32, copy=False)
    a.value_ = np.ascontiguousarray(lp.A.data, dtype=np.float64)
    return h


def certify_infeasible(lp, result, solver: str) -> None:
    """Check the "infeasible" of a solver that gives no certificate (GLPK, Pyomo's plugins), in place.

    HiGHS's dual simplex (presolve off, so the ray refers to ``lp`` itself) re-solves the LP; the claim stands
    only if it also says infeasible and its dual ray separates (:func:`solvers.residuals.farkas_separation`
    > 0); otherwise ``result.status`` becomes NUMERICAL_ERROR and the message says why.
    """
    from .residuals import farkas_separation
    from .result import Status

    h = new_highs()
    h.setOptionValue("solver", "simplex")
    h.setOptionValue("presolve", "off")
    pass_lp(h, lp)
    run(h)
    word = h.modelStatusToString(h.getModelStatus())
    _, has_ray, ray = h.getDualRay()
    sep = farkas_separation(lp, np.asarray(ray)) if has_ray else None
    if word == "Infeasible" and sep is not None and sep > 0:
        result.message += f" (certified by a Farkas ray from HiGHS's dual simplex: separation {sep:.2g})"
        return
    result.status = Status.NUMERICAL_ERROR
    result.message += (f" [relulp: {solver} said infeasible, but no Farkas ray certifies it (HiGHS's dual "
                       f"simplex: {word})]")
