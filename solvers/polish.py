"""Polish an LP solution (a first-order one, typically) to a vertex with HiGHS's simplex.

A PDLP-family answer (MPAX, cuPDLPx, HiGHS PDLP) meets a *relative* tolerance, usually 1e-4: its point is
near an optimum, not at one, and not a vertex. :func:`polish` turns it into a verified vertex optimum:

1. a simplex basis is guessed from the point: a column (or row activity ``A x``) within
   ``bound_tolerance * (1 + |bound|)`` of a finite bound is nonbasic at that bound, every other one basic;
2. that guess goes to HiGHS as an *alien* basis (``HighsBasis.alien = True``: HiGHS completes or trims it
   to a nonsingular basis of the right size), and HiGHS's simplex runs from it to optimality;
3. the answer is checked like every other (:func:`solvers.api.finish`), at HiGHS's absolute tolerances.

Why not HiGHS's own crossover from a user solution (``Highs.crossover(HighsSolution)``, which runs IPX's
crossover from a given point)? In highspy 1.16.0 that call crashes the Python process (segmentation
fault, even when given HiGHS's own interior solution); the alien-basis warm start uses only ``setBasis``
and ``run``. On small relulp LPs the warm start took 0.4-0.9 times the simplex iterations of a cold start.

The returned :class:`Result` is a new one: HiGHS's point, row duals and reduced costs, its status and
tolerance (``primal_feasibility_tolerance``, so relulp verifies it at ``max(1e-6, 10 * 1e-7)``), the
first-order solve's backend, method, iterations and timings, ``solve_seconds`` increased by the polish,
and ``polish_seconds`` (a Result field) with the time the polish
added. The message says what the polish did. If the simplex does not finish optimal (time limit, a
numerical failure), the first-order result is returned unchanged but for its message and
``polish_seconds``: a polish never makes an answer worse.
"""

from __future__ import annotations

import dataclasses
import time
from typing import Any

import numpy as np

from .errors import ProblemDataError, SolverOptionError
from .lp import LinearProgram
from .result import Result, Status

#: how close to a bound (relative to 1 + |bound|) a value counts as at that bound, when the result does not
#: say its tolerance; otherwise 10 x ``result.tolerance`` (at least 1e-6)
DEFAULT_BOUND_TOLERANCE = 1e-3


def is_first_order(engine, method: str) -> bool:
    """Whether ``method`` of ``engine`` is of the PDLP family (its ``tolerance`` is relative)."""
    return engine.capabilities.tolerance.get(method) == "relative"


def check_polish(engine, method: str, conic: bool = False) -> None:
    """Refuse ``polish=True`` where it has no meaning: conic programs and LP methods outside the PDLP family."""
    if conic:
        raise SolverOptionError("polish=True polishes LP solutions; it does not apply to a ConicProgram")
    if not is_first_order(engine, method):
        raise SolverOptionError(
            f"polish=True is for the first-order (PDLP-family) methods: mpax, cupdlpx, highs:pdlp; "
            f"{engine.name}:{method} already stops at absolute tolerances (call solvers.polish(lp, result) "
            "to polish any point anyway)")


def guess_basis(lp: LinearProgram, x: np.ndarray, bound_tolerance: float):
    """A ``highspy.HighsBasis`` (alien) from the point ``x``: at a bound -> nonbasic there, else basic."""
    import highspy

    S = highspy.HighsBasisStatus

    def statuses(v, lo, hi):
        out = np.full(v.shape, S.kBasic, dtype=object)
        with np.errstate(invalid="ignore"):
            at_lo = np.isfinite(lo) & (v - lo <= bound_tolerance * (1.0 + np.abs(lo)))
            at_hi = np.isfinite(hi) & (hi - v <= bound_tolerance * (1.0 + np.abs(hi))) & ~at_lo
        out[at_lo] = S.kLower
        out[at_hi] = S.kUpper
        return out.tolist()

    basis = highspy.HighsBasis()
    basis.col_status = statuses(x, lp.col_lower, lp.col_upper)
    basis.row_status = statuses(lp.A @ x, lp.row_lower, lp.row_upper)
    basis.alien = True
    basis.valid = True
    return basis


def polish(lp: LinearProgram, result: Result, time_limit: float | None = None,
           verify_tolerance: float | None = None, bound_tolerance: float | None = None,
           **options: Any) -> Result:
    """A vertex optimum of ``lp`` by HiGHS's simplex warm-started from ``result.x``; see the module docstring.

    Parameters
    ----------
    lp
        The LP ``result`` answers (a :class:`solvers.lp.LinearProgram`, e.g. relulp's SparseLP).
    result
        Any Result with a finite point ``x`` of the right length (its status does not matter).
    time_limit
        Seconds for the simplex (None: no limit).
    verify_tolerance
        As in :func:`solvers.solve` (None: ``max(1e-6, 10 * HiGHS's primal feasibility tolerance)``).
    bound_tolerance
        How close to a bound a value counts as at it when the basis is guessed (None: ``max(1e-6, 10 *
        result.tolerance)``, or 1e-3 when the result states no tolerance).
    **options
        HiGHS options for the simplex (``threads=1``, ``simplex_strategy=4``, ...).
    """
    from .api import finish
    from .backends import get
    from .backends.highs import read_result
    from .highs_adapter import new_highs, pass_lp, run, set_option
    from .problem import validate

    lp = validate(lp)
    x = result.x
    if x is None or np.shape(x) != (lp.num_cols,) or not np.isfinite(x).all():
        raise ProblemDataError("polish needs a result with a finite point x of length lp.num_cols "
                               f"(got {None if x is None else np.shape(x)})")
    if time_limit is not None and not float(time_limit) > 0:
        raise ProblemDataError(f"time_limit must be positive, got {time_limit!r}")
    if bound_tolerance is None:
        bound_tolerance = DEFAULT_BOUND_TOLERANCE if not result.tolerance else max(1e-6, 10.0 * result.tolerance)
    highs = get("highs")
    highs.require_installed()
    import highspy

    t0 = time.perf_counter()
    h = new_highs()
    for key, value in options.items():
        if key in ("solver", "time_limit"):
            raise SolverOptionError(f"HiGHS option {key!r} is set by polish()")
        set_option(h, key, value)
    h.setOptionValue("solver", "simplex")
    if time_limit is not None:
        h.setOptionValue("time_limit", float(time_limit))
    pass_lp(h, lp)
    basis = guess_basis(lp, np.asarray(x, dtype=np.float64), float(bound_tolerance))
    basic = highspy.HighsBasisStatus.kBasic
    guessed = sum(1 for s in list(basis.col_status) + list(basis.row_status) if s == basic)
    h.setBasis(basis)
    run(h)
    polished = read_result(h, lp, "simplex", highs)
    if polished.status is Status.INFEASIBLE:  # every "infeasible" is certified, as in solve()
        polished = highs._certify_infeasible(h, lp, "simplex", polished)
    tol = float(h.getOptionValue("primal_feasibility_tolerance")[1])
    seconds = time.perf_counter() - t0
    simplex_iterations = polished.iterations
    word = polished.native_status
    note = (f"polished by HiGHS simplex warm-started from the point ({guessed} basic in the guessed basis, "
            f"{lp.num_rows} rows): {word}, {simplex_iterations} simplex iterations, {seconds:.3g} s")
    polished.tolerance = tol
    finish(polished, lp, verify_tolerance)

    if polished.status is not Status.OPTIMAL:
        kept = dataclasses.replace(result)
        kept.message = f"{result.message} [{note}; not optimal, so the unpolished answer is kept]"
        kept.polish_seconds = seconds
        return kept
    polished.message = f"{result.message} | {note}"
    polished.backend, polished.method = result.backend, result.method
    polished.solver_version = (result.solver_version + "; " if result.solver_version else "") + \
        f"polished with highspy {highs.version()}"
    polished.iterations = result.iterations
    polished.setup_seconds = result.setup_seconds
    polished.solve_seconds = result.solve_seconds + seconds
    polished.time_limit = result.time_limit
    polished.options = dict(result.options)
    polished.polish_seconds = seconds
    return polished


__all__ = ["polish", "check_polish", "guess_basis", "is_first_order"]
