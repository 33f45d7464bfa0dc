r"""SCS 3 (operator splitting, first order; optional: ``pip install scs`` or ``relulp[conic]``), for
:class:`solvers.conic.ConicProgram` and, in conic form, LinearPrograms.

SCS solves ``min 1/2 x'Px + c'x  s.t.  A x + s = b, s in K`` with dual ``P x + c + A'y = 0, y in K*``
(relulp's form and sign; ``row_duals`` is y). Its cones come in a fixed order, so the rows are permuted
to it: zero (``z``), nonnegative (``l``), second-order (``q``: a list of dims; rotated cones through the
involution of :func:`solvers.conic.rotate_rows`), PSD (``s``: a list of sides k) and primal exponential
(``ep``: a count, same (x, y, z) order). SCS stores a PSD block as its LOWER triangle in column-major order
with the off-diagonal entries times sqrt(2); relulp's svec is the upper triangle, column-major, so each
block's entries are permuted (:func:`scs_psd_order`), the scaling is the same. x, s and y are mapped back.

One method, ``admm``. ``time_limit`` sets ``time_limit_secs``; ``tolerance`` sets ``eps_abs`` and
``eps_rel`` (SCS default 1e-4: its residuals are measured against ``eps_abs + eps_rel * (norm of the
data/iterate)``, so the kind is "relative"). Any other SCS setting is accepted by name (``max_iters``,
``eps_infeas``, ``scale``, ``normalize``, ``acceleration_lookback``, ``linear_solver``, ``verbose``, ...);
SCS rejects unknown names and wrongly typed values, reported as :class:`SolverOptionError`.

Statuses: SCS's exit flags by the names of its ``scs`` module constants (:data:`STATUS_MAP`, the integer
``info["status_val"]`` translated by :data:`STATUS_CODES`); ``info["status"]`` (SCS's sentence) is kept in
the message and in ``native_status``. ``SOLVED_INACCURATE`` after the time limit or iteration limit
(SCS says "reached time_limit_secs" / "reached max_iters") is reported as ``TIME_LIMIT`` /
``ITERATION_LIMIT``, otherwise as ``OPTIMAL_INACCURATE``. ``INFEASIBLE`` / ``INFEASIBLE_INACCURATE`` and
``UNBOUNDED`` / ``UNBOUNDED_INACCURATE`` (a dual infeasibility certificate: ``INFEASIBLE_OR_UNBOUNDED``)
are kept only if relulp's check of the certificate passes.
"""

from __future__ import annotations

import time
from typing import Any

import numpy as np
import scipy.sparse as sp

from ..conic import (
    ConicProgram,
    ExponentialCone,
    NonnegativeCone,
    PSDTriangleCone,
    RotatedSecondOrderCone,
    SecondOrderCone,
    ZeroCone,
    rotate_rows,
    svec_indices,
)
from ..errors import BackendFailure, SolverOptionError
from ..lp import LinearProgram
from ..result import Result, Status
from .base import Backend, Capabilities
from .clarabel import solve_lp_as_conic

#: SCS's exit flags (``scs/include/glbopts.h``, the integer constants of the ``scs`` module) -> their names
STATUS_CODES: dict[int, str] = {
    1: "SOLVED",
    2: "SOLVED_INACCURATE",
    0: "UNFINISHED",
    -1: "UNBOUNDED",
    -2: "INFEASIBLE",
    -3: "INDETERMINATE",
    -4: "FAILED",
    -5: "SIGINT",
    -6: "UNBOUNDED_INACCURATE",
    -7: "INFEASIBLE_INACCURATE",
}

#: SCS's flag names -> Status (``SOLVED_INACCURATE`` at a time/iteration limit: see the module docstring)
STATUS_MAP: dict[str, Status] = {
    "SOLVED": Status.OPTIMAL,
    "SOLVED_INACCURATE": Status.OPTIMAL_INACCURATE,
    "INFEASIBLE": Status.INFEASIBLE,
    "INFEASIBLE_INACCURATE": Status.INFEASIBLE,
    "UNBOUNDED": Status.INFEASIBLE_OR_UNBOUNDED,
    "UNBOUNDED_INACCURATE": Status.INFEASIBLE_OR_UNBOUNDED,
    "INDETERMINATE": Status.NUMERICAL_ERROR,
    "FAILED": Status.NUMERICAL_ERROR,
    "SIGINT": Status.OTHER,
    "UNFINISHED": Status.OTHER,
}

_RESERVED = {"time_limit_secs": "use the time_limit argument"}
_ORDER = (ZeroCone, NonnegativeCone, SecondOrderCone, PSDTriangleCone, ExponentialCone)


def scs_psd_order(k: int) -> np.ndarray:
    """Permutation p of one k x k PSD block: SCS's entry t (lower triangle, column-major) is relulp's svec
    entry p[t] (upper triangle, column-major); both scale off-diagonals by sqrt(2)."""
    r, c = svec_indices(k)  # relulp entry (r, c), r <= c  ->  SCS's lower entry (row c, column r)
    scs_pos = r * k - r * (r - 1) // 2 + (c - r)
    return np.argsort(scs_pos)


class ScsBackend(Backend):
    name = "scs"
    install_hint = "pip install scs   (or: pip install 'relulp[conic]')"
    capabilities = Capabilities(
        methods=("admm",),
        default_method="admm",
        time_limit=frozenset({"admm"}),
        tolerance={"admm": "relative"},
        duals=True,
        reduced_costs=frozenset({"admm"}),
        problem_types=frozenset({"lp", "conic"}),
    )
    package = "scs"
    status_map = STATUS_MAP

    def solve(self, lp: LinearProgram, method: str, time_limit: float | None, tolerance: float | None,
              options: dict[str, Any]) -> Result:
        """The LP in conic form; see :func:`solvers.backends.clarabel.solve_lp_as_conic`."""
        return solve_lp_as_conic(self, lp, method, time_limit, tolerance, options)

    def solve_conic(self, prog: ConicProgram, method: str, time_limit: float | None, tolerance: float | None,
                    options: dict[str, Any]) -> Result:
        import scs

        t0 = time.perf_counter()
        for key in options:
            if key in _RESERVED:
                raise SolverOptionError(f"SCS setting {key!r} is set by relulp: {_RESERVED[key]}")
        settings: dict[str, Any] = {"verbose": False}
        if time_limit is not None:
            settings["time_limit_secs"] = float(time_limit)
        if tolerance is not None:
            settings["eps_abs"] = settings["eps_rel"] = float(tolerance)
        settings.update(options)
        # rows in SCS's cone order; rotated SOCs as SOCs; PSD blocks in SCS's triangle order
        groups: dict[type, list[np.ndarray]] = {t: [] for t in _ORDER}
        cone: dict[str, Any] = {"z": 0, "l": 0, "q": [], "s": [], "ep": 0}
        rot = []
        for c, sl in prog.cone_slices():
            rows = np.arange(sl.start, sl.stop)
            if isinstance(c, ZeroCone):
                groups[ZeroCone].append(rows)
                cone["z"] += c.dim
            elif isinstance(c, NonnegativeCone):
                groups[NonnegativeCone].append(rows)
                cone["l"] += c.dim
            elif isinstance(c, (SecondOrderCone, RotatedSecondOrderCone)):
                if isinstance(c, RotatedSecondOrderCone):
                    rot.append(sl.start)
                groups[SecondOrderCone].append(rows)
                cone["q"].append(c.dim)
            elif isinstance(c, PSDTriangleCone):
                groups[PSDTriangleCone].append(rows[scs_psd_order(c.k)])
                cone["s"].append(c.k)
            elif isinstance(c, ExponentialCone):
                groups[ExponentialCone].append(rows)
                cone["ep"] += 1
            else:  # pragma: no cover - ConicProgram admits no other cone
                raise SolverOptionError(f"SCS backend cannot pass cone {c!r}")
        parts = [r for t in _ORDER for r in groups[t]]
        order = np.concatenate(parts) if parts else np.zeros(0, dtype=np.int64)
        rot = np.asarray(rot, dtype=np.int64)
        A = sp.csc_matrix(rotate_rows(prog.A, rot)[order])
        b = rotate_rows(prog.b, rot)[order]
        cone = {k: v for k, v in cone.items() if v}
        empty = not cone  # SCS needs m >= 1: one row 0 x + s = 0, s in {0}, dropped from the answer
        if empty:
            A, b, cone = sp.csc_matrix((1, prog.num_cols)), np.zeros(1), {"z": 1}
        data: dict[str, Any] = {"A": A, "b": b, "c": prog.q}
        if prog.P is not None:
            data["P"] = sp.csc_matrix(sp.triu(prog.P, format="csc"))
        try:
            solver = scs.SCS(data, cone, **settings)
        except TypeError as e:  # SCS's extension: unknown keyword or wrongly typed value
            raise SolverOptionError(f"SCS rejects the settings {sorted(options)}: {e}") from None
        except ValueError as e:
            # SCS 3.2.2 reports an unknown keyword as "Error parsing inputs", like bad data: without the
            # user's options the same data loading proves the options were at fault
            if options:
                try:
                    scs.SCS(data, cone, **{k: v for k, v in settings.items() if k not in options})
                except ValueError:
                    pass
                else:
                    raise SolverOptionError(f"SCS rejects the settings {sorted(options)}: {e}") from None
            raise BackendFailure(f"SCS could not load the problem: {e}") from e
        t1 = time.perf_counter()
        sol = solver.solve()
        t2 = time.perf_counter()
        info = sol["info"]
        code = int(info["status_val"])
        word = STATUS_CODES.get(code, f"status_val {code}")
        sentence = str(info.get("status", ""))
        status = self.map_status(word, method)
        if word == "SOLVED_INACCURATE" and "time_limit" in sentence:
            status = Status.TIME_LIMIT
        elif word == "SOLVED_INACCURATE" and "max_iters" in sentence:
            status = Status.ITERATION_LIMIT

        def back(v: Any) -> np.ndarray:  # SCS's row order -> relulp's
            out = np.empty(prog.num_rows)
            out[order] = np.asarray(v, dtype=np.float64)[:0 if empty else None]
            return rotate_rows(out, rot)

        x = np.asarray(sol["x"], dtype=np.float64)
        result = Result(status=status, message=f"SCS: {word} ({sentence})", backend=self.name, method=method,
                        solver_version=self.version() or "", native_status=word,
                        iterations=int(info.get("iter", 0)))
        if status is Status.INFEASIBLE:
            result.certificate = back(sol["y"])
        elif status is Status.INFEASIBLE_OR_UNBOUNDED:
            result.certificate = x
        else:
            result.x, result.row_duals, result.slack = x, back(sol["y"]), back(sol["s"])
            if status in (Status.OPTIMAL, Status.OPTIMAL_INACCURATE) and np.isfinite(info.get("pobj", np.nan)):
                result.solver_objective = float(info["pobj"]) + prog.objective_constant
        result.tolerance = float(settings.get("eps_abs", 1e-4))
        result.time_limit = time_limit
        result.options = dict(options)
        result.solve_seconds = t2 - t1
        result.setup_seconds = (t1 - t0) + (time.perf_counter() - t2)
        return result
