"""GLPK (5.0): from matrices through ``swiglpk``, or through the ``glpsol`` executable via Pyomo.

Methods
-------
``simplex`` (default) and ``interior``: the GLPK C library via ``swiglpk`` (``pip install swiglpk``),
loaded straight from the CSR arrays (``glp_load_matrix``); no files, no modelling layer.
``glpsol``: Pyomo's ``SolverFactory('glpk')`` driving the ``glpsol`` executable (Debian/Ubuntu
``apt-get install glpk-utils``): the LP is built as a Pyomo model, written to a CPLEX-LP file and the
answer parsed back. Why ``simplex`` is the default: docs/solvers.md (it was several times faster here,
the difference being Pyomo model building and file I/O).

Options
-------
``simplex``: ``scale`` (default True: ``glp_scale_prob(GLP_SF_AUTO)``) and ``adv_basis`` (default
True: ``glp_adv_basis``), which is what glpsol does before its simplex, and the fields of GLPK's
``glp_smcp`` (``meth`` -- also ``"primal"``, ``"dual"``, ``"dualp"``
--, ``pricing``, ``r_test``, ``tol_bnd``, ``tol_dj``, ``tol_piv``, ``it_lim``, ``presolve``, ``msg_lev``,
...); ``interior``: ``glp_iptcp`` fields (``ord_alg``, ``msg_lev``); ``glpsol``: glpsol command-line
options (passed by Pyomo, checked by glpsol). ``tolerance`` sets ``tol_bnd`` and ``tol_dj`` (absolute
primal/dual feasibility, GLPK default 1e-7) for simplex and is refused elsewhere. ``time_limit`` sets
``tm_lim`` (simplex) / ``--tmlim`` (glpsol, whole seconds); GLPK's interior-point method has no time
limit, so ``time_limit`` with ``interior`` raises :class:`SolverOptionError`.
"""

from __future__ import annotations

import ctypes
import importlib.util
import shutil
import time
from typing import Any

import numpy as np

from ..lp import LinearProgram

from ..errors import BackendFailure, BackendNotInstalledError, SolverOptionError
from ..highs_adapter import certify_infeasible
from ..result import Result, Status
from .base import Backend, Capabilities

DEFAULT_TOLERANCE = 1e-7
_SMCP_FIELDS = frozenset({
    "meth", "pricing", "r_test", "tol_bnd", "tol_dj", "tol_piv", "obj_ll", "obj_ul", "it_lim",
    "out_frq", "out_dly", "presolve", "excl", "shift", "aorn", "msg_lev",
})
_IPTCP_FIELDS = frozenset({"ord_alg", "msg_lev"})
#: relulp's own simplex options: what glpsol does before glp_simplex (on by default, as in glpsol)
_PREP = {"scale": True, "adv_basis": True}
_METH = {"primal": "GLP_PRIMAL", "dual": "GLP_DUAL", "dualp": "GLP_DUALP"}

#: the GLPK words each call can answer with (swiglpk constant names; several families share values)
SIMPLEX_RETURN_WORDS = ("GLP_EBADB", "GLP_ESING", "GLP_ECOND", "GLP_EBOUND", "GLP_EFAIL", "GLP_EOBJLL",
                        "GLP_EOBJUL", "GLP_EITLIM", "GLP_ETMLIM", "GLP_ENOPFS", "GLP_ENODFS")
INTERIOR_RETURN_WORDS = ("GLP_EFAIL", "GLP_ENOCVG", "GLP_EITLIM", "GLP_EINSTAB")
STATUS_WORDS = ("GLP_OPT", "GLP_FEAS", "GLP_INFEAS", "GLP_NOFEAS", "GLP_UNBND", "GLP_UNDEF")

#: GLPK's status names (glp_simplex/glp_interior return codes, glp_get_status/glp_ipt_status values)
#: -> Status, in the simplex meaning; :data:`INTERIOR_STATUS_MAP` overrides the words glp_interior uses
#: differently.
STATUS_MAP: dict[str, Status] = {
    "GLP_OPT": Status.OPTIMAL,
    "GLP_NOFEAS": Status.INFEASIBLE,
    "GLP_UNBND": Status.UNBOUNDED,
    "GLP_FEAS": Status.OTHER,
    "GLP_INFEAS": Status.OTHER,
    "GLP_UNDEF": Status.OTHER,
    "GLP_ETMLIM": Status.TIME_LIMIT,
    "GLP_EITLIM": Status.ITERATION_LIMIT,
    "GLP_ENOPFS": Status.INFEASIBLE,  # presolver: no primal feasible solution
    "GLP_ENODFS": Status.INFEASIBLE_OR_UNBOUNDED,  # presolver: no dual feasible solution
    "GLP_ESING": Status.NUMERICAL_ERROR,
    "GLP_ECOND": Status.NUMERICAL_ERROR,
    "GLP_EFAIL": Status.NUMERICAL_ERROR,
    "GLP_ENOCVG": Status.NUMERICAL_ERROR,
    "GLP_EINSTAB": Status.NUMERICAL_ERROR,
    "GLP_EOBJLL": Status.OTHER,
    "GLP_EOBJUL": Status.OTHER,
    "GLP_EBADB": Status.OTHER,
    "GLP_EBOUND": Status.OTHER,
}
INTERIOR_STATUS_MAP: dict[str, Status] = {
    "GLP_NOFEAS": Status.INFEASIBLE_OR_UNBOUNDED,  # "no feasible primal-dual solution exists"
    "GLP_EFAIL": Status.OTHER,  # glp_interior: the problem has no rows/columns
}


def _has_swiglpk() -> bool:
    return importlib.util.find_spec("swiglpk") is not None


def _has_glpsol() -> bool:
    return shutil.which("glpsol") is not None


class GlpkBackend(Backend):
    name = "glpk"
    install_hint = ("pip install swiglpk  (or relulp[glpk]; methods simplex, interior); "
                    "apt-get install glpk-utils (method glpsol)")
    capabilities = Capabilities(
        methods=("simplex", "interior", "glpsol"),
        default_method="simplex",
        time_limit=frozenset({"simplex", "glpsol"}),  # glp_interior has none
        tolerance={"simplex": "absolute"},  # tol_bnd and tol_dj
        duals=True,
        reduced_costs=frozenset({"simplex", "interior"}),
    )
    status_map = STATUS_MAP
    method_status_maps = {"interior": INTERIOR_STATUS_MAP}

    def is_installed(self) -> bool:
        return _has_swiglpk() or _has_glpsol()

    def installed_methods(self) -> tuple[str, ...]:
        out: tuple[str, ...] = ("simplex", "interior") if _has_swiglpk() else ()
        return out + (("glpsol",) if _has_glpsol() else ())

    def version(self) -> str | None:
        if _has_swiglpk():
            import swiglpk

            return f"GLPK {swiglpk.glp_version()} (swiglpk)"
        if _has_glpsol():
            from .pyomo_backend import pyomo_backend

            return f"GLPK {pyomo_backend('glpk').version()} (glpsol)"
        return None

    def solve(self, lp: LinearProgram, method: str, time_limit: float | None, tolerance: float | None,
              options: dict[str, Any]) -> Result:
        if method not in self.installed_methods():
            hint = "pip install swiglpk" if method != "glpsol" else "apt-get install glpk-utils"
            raise BackendNotInstalledError(f"glpk method {method!r} is not installed: {hint}")
        if method == "glpsol":  # the Pyomo backend certifies an "infeasible" itself
            return _solve_glpsol(self, lp, time_limit, tolerance, options)
        result = _solve_swiglpk(self, lp, method, time_limit, tolerance, options)
        if result.status is Status.INFEASIBLE:
            certify_infeasible(lp, result, "GLPK")
        return result


def _solve_glpsol(backend: GlpkBackend, lp, time_limit, tolerance, options) -> Result:
    from .pyomo_backend import pyomo_backend

    if tolerance is not None:
        raise SolverOptionError("glpk/glpsol has no generic tolerance option; use method='simplex'")
    res = pyomo_backend("glpk").solve(lp, "default", time_limit, None, options)
    res.backend, res.method = backend.name, "glpsol"
    res.solver_version = f"GLPK {res.solver_version} (glpsol)"
    res.tolerance = DEFAULT_TOLERANCE
    return res


def _name(glp, value: int, names) -> str:
    """The GLPK constant name among ``names`` whose value is ``value`` (several families share values)."""
    for k in names:
        if getattr(glp, k, None) == value:
            return k
    return f"GLPK code {value}"


def _solve_swiglpk(backend: GlpkBackend, lp: LinearProgram, method: str, time_limit, tolerance,
                   options) -> Result:
    import swiglpk as glp

    accepted = (_SMCP_FIELDS | set(_PREP)) if method == "simplex" else _IPTCP_FIELDS
    backend.reject_options(options, accepted, method)
    options = dict(options)
    prep = {k: bool(options.pop(k, v)) for k, v in _PREP.items()} if method == "simplex" else {}
    if method == "interior" and time_limit is not None:
        raise SolverOptionError("GLPK's interior-point method has no time limit; use method='simplex'")
    if method == "interior" and tolerance is not None:
        raise SolverOptionError("GLPK's interior-point method has no tolerance parameter")
    if tolerance is not None and {"tol_bnd", "tol_dj"} & set(options):
        raise SolverOptionError("give either tolerance= or tol_bnd/tol_dj, not both")

    t0 = time.perf_counter()
    glp.glp_term_out(glp.GLP_OFF)
    prob = glp.glp_create_prob()
    try:
        _load(glp, prob, lp)
        if prep.get("scale"):
            glp.glp_scale_prob(prob, glp.GLP_SF_AUTO)
        if prep.get("adv_basis"):
            glp.glp_adv_basis(prob, 0)
        if method == "simplex":
            parm = glp.glp_smcp()
            glp.glp_init_smcp(parm)
            parm.msg_lev = glp.GLP_MSG_OFF
            tol = DEFAULT_TOLERANCE if tolerance is None else float(tolerance)
            parm.tol_bnd = parm.tol_dj = tol
            if time_limit is not None:
                parm.tm_lim = max(1, int(round(float(time_limit) * 1000)))
        else:
            parm = glp.glp_iptcp()
            glp.glp_init_iptcp(parm)
            parm.msg_lev = glp.GLP_MSG_OFF
            tol = None
        for k, v in options.items():
            if k == "meth" and isinstance(v, str):
                if v not in _METH:
                    raise SolverOptionError(f"meth={v!r}: use one of {list(_METH)}")
                v = getattr(glp, _METH[v])
            try:
                setattr(parm, k, v)
            except TypeError as e:
                raise SolverOptionError(f"GLPK option {k}={v!r}: {e}") from e
        t1 = time.perf_counter()
        if method == "simplex":
            ret = glp.glp_simplex(prob, parm)
        else:
            ret = glp.glp_interior(prob, parm)
        t2 = time.perf_counter()
        res = _read(backend, glp, prob, lp, method, ret)
        res.tolerance = tol
        res.time_limit = time_limit
        res.options = {**options, **{k: v for k, v in prep.items() if v != _PREP[k]}}
        res.setup_seconds = (t1 - t0) + (time.perf_counter() - t2)
        res.solve_seconds = t2 - t1
        return res
    finally:
        glp.glp_delete_prob(prob)
        glp.glp_term_out(glp.GLP_ON)


def _load(glp, prob, lp: LinearProgram) -> None:
    """Rows, columns, bounds, objective and the matrix (1-based COO via ``glp_load_matrix``)."""
    m, n = lp.A.shape
    glp.glp_set_obj_dir(prob, glp.GLP_MIN)
    glp.glp_set_obj_coef(prob, 0, float(lp.objective_constant))
    if m:
        glp.glp_add_rows(prob, m)
    if n:
        glp.glp_add_cols(prob, n)
    for i, (lo, up) in enumerate(zip(lp.row_lower.tolist(), lp.row_upper.tolist()), start=1):
        glp.glp_set_row_bnds(prob, i, *_bounds(glp, lo, up))
    for j, (lo, up, cj) in enumerate(
        zip(lp.col_lower.tolist(), lp.col_upper.tolist(), lp.c.tolist()), start=1
    ):
        glp.glp_set_col_bnds(prob, j, *_bounds(glp, lo, up))
        if cj:
            glp.glp_set_obj_coef(prob, j, cj)
    A = lp.A.tocoo()
    if A.nnz:
        ia = _c_array(glp.intArray, A.row + 1, np.intc)
        ja = _c_array(glp.intArray, A.col + 1, np.intc)
        ar = _c_array(glp.doubleArray, A.data, np.float64)
        glp.glp_load_matrix(prob, int(A.nnz), ia, ja, ar)


def _c_array(kind, values: np.ndarray, dtype):
    """A 1-based swiglpk ``intArray``/``doubleArray`` holding ``values`` (entry 0 unused).

    Filled by one memmove from the numpy buffer: swiglpk 5.0.13's ``as_intArray`` returned garbage here,
    and an element-wise Python loop costs about a second per million entries.
    """
    src = np.ascontiguousarray(values, dtype=dtype)
    arr = kind(src.size + 1)
    ctypes.memmove(int(arr.this) + src.itemsize, src.ctypes.data, src.nbytes)
    return arr


def _bounds(glp, lo: float, up: float) -> tuple[int, float, float]:
    if lo == -np.inf and up == np.inf:
        return glp.GLP_FR, 0.0, 0.0
    if up == np.inf:
        return glp.GLP_LO, lo, 0.0
    if lo == -np.inf:
        return glp.GLP_UP, 0.0, up
    if lo == up:
        return glp.GLP_FX, lo, up
    return glp.GLP_DB, lo, up


def _read(backend: GlpkBackend, glp, prob, lp: LinearProgram, method: str, ret: int) -> Result:
    m, n = lp.A.shape
    x = y = z = None
    if method == "simplex":
        word = (_name(glp, ret, SIMPLEX_RETURN_WORDS) if ret != 0
                else _name(glp, glp.glp_get_status(prob), STATUS_WORDS))
        status = backend.map_status(word, method)
        if ret == 0 or status in (Status.TIME_LIMIT, Status.ITERATION_LIMIT):
            # a time/iteration limit leaves the current basic point: report it
            x = np.array([glp.glp_get_col_prim(prob, j) for j in range(1, n + 1)])
        if ret == 0 and status is Status.OPTIMAL:
            y = np.array([glp.glp_get_row_dual(prob, i) for i in range(1, m + 1)])
            z = np.array([glp.glp_get_col_dual(prob, j) for j in range(1, n + 1)])
    else:
        word = (_name(glp, ret, INTERIOR_RETURN_WORDS) if ret != 0
                else _name(glp, glp.glp_ipt_status(prob), STATUS_WORDS))
        status = backend.map_status(word, method)
        if ret == 0 and status is Status.OPTIMAL:
            x = np.array([glp.glp_ipt_col_prim(prob, j) for j in range(1, n + 1)])
            y = np.array([glp.glp_ipt_row_dual(prob, i) for i in range(1, m + 1)])
            z = np.array([glp.glp_ipt_col_dual(prob, j) for j in range(1, n + 1)])
    if x is not None and x.size != n:
        raise BackendFailure("GLPK returned a point of the wrong length")
    solver_obj = None
    if x is not None:
        solver_obj = glp.glp_get_obj_val(prob) if method == "simplex" else glp.glp_ipt_obj_val(prob)
    return Result(
        status=status,
        message=f"GLPK {method}: {word}",
        x=x,
        row_duals=y,
        reduced_costs=z,
        solver_objective=solver_obj,
        iterations=int(glp.glp_get_it_cnt(prob)) if method == "simplex" else None,
        backend=backend.name,
        method=method,
        solver_version=backend.version() or "",
        native_status=word,
    )
