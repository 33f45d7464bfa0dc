"""MPAX (JAX PDLP family: r2HPDHG, raPDHG), a first-order backend for GPUs that also runs on CPU.

The LP is rewritten in MPAX's form ``min c@x  s.t.  E x = b,  G x >= h,  l <= x <= u``: equality rows go
to E; a row with a finite lower bound gives ``a x >= rl``, one with a finite upper bound ``-a x >= -ru``
(a ranged row gives both); free rows are dropped. Row duals are mapped back: y_i = w_lower - w_upper.

Methods: ``r2hpdhg`` (default; reflected restarted Halpern PDHG) and ``rapdhg`` (restarted average PDHG).
``tolerance`` sets MPAX's ``eps_abs`` and ``eps_rel`` (default 1e-4 both: MPAX stops when
``|p - d| <= eps_abs + eps_rel (|p| + |d|)`` and the primal/dual residual norms meet the same mix of
absolute and relative-to-(b, c) tolerance). MPAX has **no time limit**: ``time_limit`` raises
:class:`SolverOptionError`; use the native ``iteration_limit`` option.

Options, by MPAX's own names: every field of its solver dataclass (``verbose``, ``iteration_limit``,
``l_inf_ruiz_iterations``, ``restart_scheme``, ``restart_frequency_if_fixed``, ``feasibility_polishing``,
...; ``restart_scheme`` and ``restart_to_current_metric`` also take the member names of MPAX's
``RestartScheme`` / ``RestartToCurrentMetric``, e.g. ``"FIXED_FREQUENCY"``), and ``jax_enable_x64``, the
JAX switch MPAX's README names for its precision: True (relulp's default) solves in float64, False in
float32 (float32 PDHG stalls near 1e-5 relative: ask for ``tolerance`` >= 1e-4). ``feasibility_polishing``
is refused where MPAX's own code cannot run it (0.2.4: its problem class has no ``replace``).

**Compilation is reused.** MPAX 0.2.4 builds new closures on every ``optimize`` call, so JAX traces and
compiles it again each time (seconds on CPU even for a 2 x 2 LP). This backend compiles
``jax.jit(solver.optimize)`` ahead of time once per (method, options, precision, array shapes) and keeps
the last :data:`CACHE_SIZE` executables: a second LP of the same shape (same rows, columns and nonzeros,
any values) runs without compiling. The compile time is in ``setup_seconds`` and the message
("compiled in ... s" or "compiled code reused"); ``solve_seconds`` is the run alone. ``jit=False``
(with ``unroll=True``, MPAX's rule) runs MPAX's Python loop instead.

Enables ``jax_enable_x64`` (process-wide) on first use, as before; float32 runs inside a scoped
``jax_enable_x64=False``.
"""

from __future__ import annotations

import collections
import dataclasses
import importlib.util
import threading
import time
from importlib import metadata
from typing import Any

import numpy as np
import scipy.sparse as sp

from ..errors import SolverOptionError
from ..lp import LinearProgram
from ..result import Result, Status
from .base import Backend, Capabilities

DEFAULT_TOLERANCE = 1e-4
#: how many compiled MPAX executables are kept (least recently used dropped first)
CACHE_SIZE = 8
#: relulp's precision option, named as MPAX's README names it (JAX's switch): True float64, False float32
PRECISION_OPTION = "jax_enable_x64"
#: options that also take the member name of an MPAX enum (mpax.utils)
ENUM_OPTIONS = {"restart_scheme": "RestartScheme", "restart_to_current_metric": "RestartToCurrentMetric"}

_COMPILED: "collections.OrderedDict[tuple, Any]" = collections.OrderedDict()
_COMPILED_LOCK = threading.Lock()

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

    def gpu_unusable_reason(self) -> str:
        """Why MPAX cannot run on a GPU here ('' when JAX sees one): for ``backend="gpu"``."""
        if not self.is_installed():
            return "mpax/jax not installed"
        import jax

        try:
            gpus = jax.devices("gpu")
        except RuntimeError:
            gpus = []
        if not gpus:
            return f"JAX sees no GPU (its devices: {', '.join(sorted({d.platform for d in jax.devices()}))})"
        return ""

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
        self.reject_options(options, fields | {PRECISION_OPTION}, method)
        if tolerance is not None and ({"eps_abs", "eps_rel"} & set(options)):
            raise SolverOptionError("give either tolerance= or eps_abs/eps_rel, not both")
        opts = _mpax_options(options)
        x64 = bool(opts.pop(PRECISION_OPTION, True))
        tol = DEFAULT_TOLERANCE if tolerance is None else float(tolerance)
        kwargs = {"eps_abs": tol, "eps_rel": tol, **opts}
        solver = solver_cls(**kwargs)
        dtype = np.float64 if x64 else np.float32

        form = MpaxForm.build(lp)
        with _precision(jax, x64):
            problem = mpax.create_lp(
                jnp.asarray(lp.c, dtype=dtype), form.E.astype(dtype), jnp.asarray(form.b, dtype=dtype),
                form.G.astype(dtype), jnp.asarray(form.h, dtype=dtype),
                jnp.asarray(lp.col_lower, dtype=dtype), jnp.asarray(lp.col_upper, dtype=dtype),
            )
            if kwargs.get("jit", True):
                run, compile_seconds = _compiled(solver, method, kwargs, x64, problem)
                how = "compiled code reused" if compile_seconds is None else f"compiled in {compile_seconds:.2f} s"
            else:  # MPAX's own loop (jit=False needs unroll=True)
                run, how = solver.optimize, "not compiled (jit=False)"
            t1 = time.perf_counter()
            out = run(problem)
            x = np.asarray(jax.block_until_ready(out.primal_solution), dtype=np.float64)
            t2 = time.perf_counter()
        w = np.asarray(out.dual_solution, dtype=np.float64)
        code = int(out.termination_status)
        word = _word(code)
        status = self.map_status(word, method)
        y = form.row_duals(w, lp.num_rows)
        return Result(
            status=status,
            message=f"MPAX {method}: {word} (eps_abs={kwargs['eps_abs']:g}, eps_rel={kwargs['eps_rel']:g}, "
                    f"{'float64' if x64 else 'float32'}; {how})",
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


def _mpax_options(options: dict[str, Any]) -> dict[str, Any]:
    """``options`` with enum member names turned into MPAX's integers, checked against what MPAX can run."""
    import mpax.utils

    out = dict(options)
    for key, enum_name in ENUM_OPTIONS.items():
        value = out.get(key)
        if isinstance(value, str):
            enum = getattr(mpax.utils, enum_name)
            try:
                out[key] = int(enum[value.strip().upper()])
            except KeyError:
                raise SolverOptionError(f"{key}={value!r}: choose one of {[m.name for m in enum]} "
                                        "(or MPAX's integer)") from None
    if out.get("feasibility_polishing") and not hasattr(mpax.utils.QuadraticProgrammingProblem, "replace"):
        raise SolverOptionError(
            "feasibility_polishing=True cannot run with this MPAX: its feasibility polishing calls "
            "QuadraticProgrammingProblem.replace, which mpax 0.2.4 does not define (AttributeError); "
            "polish with HiGHS instead: solvers.solve(..., polish=True)")
    if out.get("jit") is False and not out.get("unroll"):
        raise SolverOptionError("MPAX needs unroll=True when jit=False")
    return out


def _precision(jax, x64: bool):
    """A context in which JAX computes in float64 (``x64``) or float32."""
    ctx = getattr(jax, "enable_x64", None)  # jax >= 0.8: a config context manager
    if ctx is None:
        from jax.experimental import enable_x64 as ctx  # older jax
    return ctx(x64)


def _compiled(solver, method: str, kwargs: dict[str, Any], x64: bool, problem):
    """``(executable, compile seconds or None when reused)`` of ``jax.jit(solver.optimize)`` for this
    problem's shapes, from the cache of :data:`CACHE_SIZE` executables."""
    import jax

    leaves, treedef = jax.tree_util.tree_flatten(problem)
    shapes = tuple((type(v).__name__, np.shape(v), str(getattr(v, "dtype", ""))) for v in leaves)
    key = (method, tuple(sorted((k, repr(v)) for k, v in kwargs.items())), x64, str(treedef), shapes)
    with _COMPILED_LOCK:
        hit = _COMPILED.get(key)
        if hit is not None:
            _COMPILED.move_to_end(key)
            return hit, None
    t = time.perf_counter()
    executable = jax.jit(solver.optimize).lower(problem).compile()
    seconds = time.perf_counter() - t
    with _COMPILED_LOCK:
        _COMPILED[key] = executable
        while len(_COMPILED) > CACHE_SIZE:
            _COMPILED.popitem(last=False)
    return executable, seconds


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
