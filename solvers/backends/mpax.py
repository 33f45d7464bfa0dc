"""MPAX (JAX PDLP family: r2HPDHG, raPDHG) -- the default GPU first-order backend; also runs on CPU.

The LP is rewritten in MPAX's form ``min c@x  s.t.  E x = b,  G x >= h,  l <= x <= u``: equality rows go
to E; a row with a finite lower bound gives ``a x >= rl``, one with a finite upper bound ``-a x >= -ru``
(a ranged row gives both); free rows are dropped. Row duals are mapped back: y_i = w_lower - w_upper.

Methods: ``r2hpdhg`` (default; reflected restarted Halpern PDHG) and ``rapdhg`` (restarted average PDHG).
``tolerance`` sets MPAX's ``eps_abs`` and ``eps_rel`` (default 1e-4 both: MPAX stops when
``|p - d| <= eps_abs + eps_rel (|p| + |d|)`` and the primal/dual residual norms meet the same mix of
absolute and relative-to-(b, c) tolerance). MPAX has **no time limit**: ``time_limit`` raises
:class:`SolverOptionError`; use the native ``iteration_limit`` option. Other options are the fields of
MPAX's solver dataclass (``verbose``, ``l_inf_ruiz_iterations``, ``feasibility_polishing``, ...).

Enables ``jax_enable_x64`` (process-wide) on first use: PDLP in float32 cannot reach 1e-6.
MPAX re-JITs on every call (seconds on CPU); ``solve_seconds`` includes that compile time.
"""

from __future__ import annotations

import dataclasses
import importlib.util
import time
from importlib import metadata
from typing import Any

import numpy as np
import scipy.sparse as sp

from ..lp import LinearProgram

from ..errors import SolverOptionError
from ..result import Result, Status
from .base import Backend, Capabilities

DEFAULT_TOLERANCE = 1e-4

#: MPAX's termination names (``mpax.utils.TerminationStatus`` members) -> Status
STATUS_MAP: dict[str, Status] = {
    "OPTIMAL": Status.OPTIMAL,
    "PRIMAL_INFEASIBLE": Status.INFEASIBLE,
    # a dual infeasibility certificate; MPAX: "the primal could be either unbounded or infeasible"
    "DUAL_INFEASIBLE": Status.INFEASIBLE_OR_UNBOUNDED,
    "TIME_LIMIT": Status.TIME_LIMIT,
    "ITERATION_LIMIT": Status.ITERATION_LIMIT,
    "NUMERICAL_ERROR": Status.NUMERICAL_ERROR,
    "UNSPECIFIED": Status.OTHER,
    "INVALID_PROBLEM": Status.OTHER,
    "OTHER": Status.OTHER,
}


def _word(code: int) -> str:
    """MPAX's name of termination code ``code``."""
    from mpax.utils import TerminationStatus

    try:
        return TerminationStatus(code).name
    except ValueError:
        return f"code {code}"


class MpaxBackend(Backend):
    name = "mpax"
    install_hint = "pip install mpax jax   (or: pip install 'relulp[gpu]'; jax[cuda12] for a GPU)"
    capabilities = Capabilities(
        methods=("r2hpdhg", "rapdhg"),
        default_method="r2hpdhg",
        time_limit=frozenset(),  # none: use the native iteration_limit option
        tolerance={"r2hpdhg": "relative", "rapdhg": "relative"},  # eps_abs = eps_rel = tolerance
        duals=True,
        reduced_costs=frozenset(),
    )
    status_map = STATUS_MAP

    def is_installed(self) -> bool:
        return importlib.util.find_spec("mpax") is not None and importlib.util.find_spec("jax") is not None

    def version(self) -> str | None:
        try:
            return f"mpax {metadata.version('mpax')}, jax {metadata.version('jax')}"
        except metadata.PackageNotFoundError:
            return None

    def solve(self, lp: LinearProgram, method: str, time_limit: float | None, tolerance: float | None,
              options: dict[str, Any]) -> Result:
        if time_limit is not None:
            raise SolverOptionError(
                "MPAX has no time limit; pass iteration_limit=<int> instead (and time_limit=None)"
            )
        t0 = time.perf_counter()
        import jax

        jax.config.update("jax_enable_x64", True)
        import jax.numpy as jnp
        import mpax

        solver_cls = {"r2hpdhg": mpax.r2HPDHG, "rapdhg": mpax.raPDHG}[method]
        fields = {f.name for f in dataclasses.fields(solver_cls)}
        self.reject_options(options, fields, method)
        if tolerance is not None and ({"eps_abs", "eps_rel"} & set(options)):
            raise SolverOptionError("give either tolerance= or eps_abs/eps_rel, not both")
        tol = DEFAULT_TOLERANCE if tolerance is None else float(tolerance)
        kwargs = {"eps_abs": tol, "eps_rel": tol, **options}
        solver = solver_cls(**kwargs)

        form = MpaxForm.build(lp)
        problem = mpax.create_lp(
            jnp.asarray(lp.c), form.E, jnp.asarray(form.b), form.G, jnp.asarray(form.h),
            jnp.asarray(lp.col_lower), jnp.asarray(lp.col_upper),
        )
        t1 = time.perf_counter()
        out = solver.optimize(problem)
        x = np.asarray(jax.block_until_ready(out.primal_solution), dtype=np.float64)
        t2 = time.perf_counter()
        w = np.asarray(out.dual_solution, dtype=np.float64)
        code = int(out.termination_status)
        word = _word(code)
        status = self.map_status(word, method)
        y = form.row_duals(w, lp.num_rows)
        timing = {k: round(float(v), 4) for k, v in dict(out.timing_info).items()}
        return Result(
            status=status,
            message=f"MPAX {method}: {word} (eps_abs={kwargs['eps_abs']:g}, eps_rel={kwargs['eps_rel']:g}; "
                    f"timing {timing})",
            x=x,
            row_duals=y,
            solver_objective=float(out.primal_objective) + lp.objective_constant,
            iterations=int(out.iteration_count),
            backend=self.name,
            method=method,
            solver_version=self.version() or "",
            native_status=word,
            tolerance=float(kwargs["eps_rel"]),
            time_limit=None,
            options=dict(options),
            setup_seconds=(t1 - t0) + (time.perf_counter() - t2),
            solve_seconds=t2 - t1,
        )


@dataclasses.dataclass
class MpaxForm:
    """``E x = b`` (rows ``eq``), ``G x >= h`` (rows ``ge`` with sign +1, then rows ``le`` with sign -1)."""

    E: sp.csr_array
    b: np.ndarray
    G: sp.csr_array
    h: np.ndarray
    eq: np.ndarray
    ge: np.ndarray
    le: np.ndarray

    @classmethod
    def build(cls, lp: LinearProgram) -> "MpaxForm":
        rl, ru = lp.row_lower, lp.row_upper
        is_eq = rl == ru
        eq = np.flatnonzero(is_eq)
        ge = np.flatnonzero(~is_eq & np.isfinite(rl))
        le = np.flatnonzero(~is_eq & np.isfinite(ru))
        A = lp.A
        G = sp.vstack([A[ge], -A[le]], format="csr")
        h = np.concatenate([rl[ge], -ru[le]])
        return cls(sp.csr_array(A[eq]), rl[eq].copy(), sp.csr_array(G), h, eq, ge, le)

    def row_duals(self, w: np.ndarray, m: int) -> np.ndarray:
        """y (m,) in relulp's convention from MPAX's duals w = [w_eq, w_ge, w_le] (w_ge, w_le >= 0)."""
        y = np.zeros(m)
        k, g = self.eq.size, self.ge.size
        y[self.eq] = w[:k]
        y[self.ge] += w[k:k + g]
        y[self.le] -= w[k + g:]
        return y
