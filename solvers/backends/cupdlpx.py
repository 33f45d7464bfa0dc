"""cuPDLPx (GPU PDLP): used when ``import cupdlpx`` works *and* a CUDA device exists; otherwise
:meth:`is_installed` is False and :func:`solvers.solve` raises :class:`BackendNotInstalledError` naming the
install command.

Install: ``pip install cupdlpx`` downloads a source distribution and **builds it**: that needs the CUDA
toolkit (nvcc, CUDA 12.4 or newer), CMake >= 3.20, a C compiler and network access (the build fetches PSLP
and zlib); it then runs only on an NVIDIA GPU. There is no binary wheel.

Written against cupdlpx 0.3.0's Python layer (``cupdlpx/model.py``, ``cupdlpx/PDLP.py``):
``cupdlpx.Model(objective_vector, constraint_matrix, constraint_lower_bound, constraint_upper_bound,
variable_lower_bound, variable_upper_bound, objective_constant)`` (two-sided rows, like LinearProgram),
``model.setParams(**params)``, ``model.optimize()`` and the attributes ``Status`` (an **integer** code,
``OPTIMAL == 0``), ``StatusName`` (the word), ``X``, ``Pi``, ``ObjVal``, ``IterCount``.

* Statuses: :data:`STATUS_CODES` are the constants of ``cupdlpx/PDLP.py`` and :data:`STATUS_MAP` maps
  their names; tests/test_gpu_backends.py reads both, and the parameter tables below, out of the
  package's own sources (parsed, never imported) and checks they agree exactly.
* Options: cuPDLPx's own parameter names (:data:`PARAMS`, its ``get_default_params()`` keys such as
  ``eps_optimal_relative``, ``l_inf_ruiz_iterations``, ``feasibility_polishing``, ``presolve``) or its
  aliases (:data:`PARAM_ALIASES`, e.g. ``OptimalityTol``, ``FeasibilityPolishing``, ``IterationLimit``).
  relulp resolves aliases itself and refuses an unknown name, an alias given with its own key, and a
  name that clashes with ``tolerance=`` / ``time_limit=`` before the GPU is touched.
* ``tolerance`` sets ``eps_optimal_relative`` and ``eps_feasible_relative`` (relative, default 1e-4);
  ``time_limit`` sets ``time_sec_limit`` (reported back in ``result.time_limit``).
* Duals: ``Pi`` is used as relulp's ``y`` unchanged. cuPDLPx, like HiGHS, reports ``d objective / d
  (row bound)`` of the minimisation (a binding ``<=`` row has ``Pi <= 0``), which is relulp's convention.
  relulp does not trust this: its dual residual counts the part of ``y`` whose sign no finite row bound
  allows, so a flipped ``Pi`` on an LP with binding one-sided rows gives a relative dual residual of about
  ``max|y| / (1 + max|c|)`` and the solver's OPTIMAL becomes OPTIMAL_INACCURATE (tested on CPU by
  flipping a known optimum's duals).

Without a GPU only the not-installed path and the tables can be exercised here.
"""

from __future__ import annotations

import importlib.util
import shutil
import time
from importlib import metadata
from typing import Any

import numpy as np

from ..errors import BackendFailure
from ..result import Result, Status
from ..lp import LinearProgram
from .base import Backend, Capabilities

DEFAULT_TOLERANCE = 1e-4


def _cuda_device_present() -> bool:
    """True iff an NVIDIA driver answers (nvidia-smi lists a GPU) -- no CUDA import needed."""
    import subprocess

    smi = shutil.which("nvidia-smi")
    if smi is None:
        return False
    try:
        out = subprocess.run([smi, "-L"], capture_output=True, text=True, timeout=10)
    except (OSError, subprocess.SubprocessError):
        return False
    return out.returncode == 0 and "GPU" in out.stdout


#: cuPDLPx 0.3.0's termination words (``Model.StatusName``) -> Status. DUAL_INFEASIBLE comes from a
#: dual-infeasibility certificate (a primal ray), which proves unboundedness only if the LP is feasible:
#: reported as INFEASIBLE_OR_UNBOUNDED. FEAS_POLISH_SUCCESS (feasibility polishing finished) proves no
#: optimum: OTHER.
STATUS_MAP: dict[str, Status] = {
    "OPTIMAL": Status.OPTIMAL,
    "PRIMAL_INFEASIBLE": Status.INFEASIBLE,
    "DUAL_INFEASIBLE": Status.INFEASIBLE_OR_UNBOUNDED,
    "INFEASIBLE_OR_UNBOUNDED": Status.INFEASIBLE_OR_UNBOUNDED,
    "TIME_LIMIT": Status.TIME_LIMIT,
    "ITERATION_LIMIT": Status.ITERATION_LIMIT,
    "FEAS_POLISH_SUCCESS": Status.OTHER,
    "UNSPECIFIED": Status.OTHER,
}

#: cuPDLPx 0.3.0's integer ``Model.Status`` codes, read when ``StatusName`` is missing
STATUS_CODES: dict[int, str] = {
    0: "OPTIMAL",
    1: "PRIMAL_INFEASIBLE",
    2: "DUAL_INFEASIBLE",
    3: "TIME_LIMIT",
    4: "ITERATION_LIMIT",
    5: "INFEASIBLE_OR_UNBOUNDED",
    6: "FEAS_POLISH_SUCCESS",
    -1: "UNSPECIFIED",
}


#: cuPDLPx 0.3.0's parameter names: the keys of ``cupdlpx._core.get_default_params()``, which
#: ``cupdlpx/model.py`` classifies by type (``_BOOL_PARAMS``, ``_INT_PARAMS``, ``_FLOAT_PARAMS``,
#: ``_STRING_PARAMS``; a key outside them makes its Model raise)
PARAMS: frozenset[str] = frozenset({
    # bool
    "verbose", "has_pock_chambolle_alpha", "bound_objective_rescaling", "feasibility_polishing", "presolve",
    # int
    "termination_evaluation_frequency", "iteration_limit", "l_inf_ruiz_iterations", "sv_max_iter",
    # float
    "eps_optimal_relative", "eps_feasible_relative", "time_sec_limit", "pock_chambolle_alpha",
    "artificial_restart_threshold", "sufficient_reduction_for_restart", "necessary_reduction_for_restart",
    "k_p", "reflection_coefficient", "eps_feas_polish_relative", "sv_tol", "matrix_zero_tol",
    # str ("l2" or "linf")
    "optimality_norm",
})

#: cuPDLPx 0.3.0's aliases (``cupdlpx.PDLP._PARAM_ALIAS``): alias -> parameter name
PARAM_ALIASES: dict[str, str] = {
    "TimeLimit": "time_sec_limit",
    "IterationLimit": "iteration_limit",
    "OutputFlag": "verbose",
    "LogToConsole": "verbose",
    "TermCheckFreq": "termination_evaluation_frequency",
    "OptimalityTol": "eps_optimal_relative",
    "FeasibilityTol": "eps_feasible_relative",
    "RuizIters": "l_inf_ruiz_iterations",
    "UsePCAlpha": "has_pock_chambolle_alpha",
    "PCAlpha": "pock_chambolle_alpha",
    "BoundObjRescaling": "bound_objective_rescaling",
    "RestartArtificialThresh": "artificial_restart_threshold",
    "RestartSufficientReduction": "sufficient_reduction_for_restart",
    "RestartNecessaryReduction": "necessary_reduction_for_restart",
    "RestartKp": "k_p",
    "ReflectionCoeff": "reflection_coefficient",
    "FeasibilityPolishing": "feasibility_polishing",
    "FeasibilityPolishingTol": "eps_feas_polish_relative",
    "OptimalityNorm": "optimality_norm",
    "SVMaxIter": "sv_max_iter",
    "SVTol": "sv_tol",
    "Presolve": "presolve",
    "MatrixZeroTol": "matrix_zero_tol",
}

#: the parameters relulp sets from its own arguments
_TOLERANCE_KEYS = ("eps_optimal_relative", "eps_feasible_relative")
_TIME_KEY = "time_sec_limit"


def model_params(tolerance: float | None, time_limit: float | None, options: dict[str, Any],
                 params: frozenset[str] | set[str] = PARAMS,
                 aliases: dict[str, str] | None = None) -> dict[str, Any]:
    """The ``setParams`` keywords of one solve, by cuPDLPx's own parameter names.

    ``options`` may use parameter names or aliases; ``tolerance`` fills both relative tolerances
    (default :data:`DEFAULT_TOLERANCE`) and ``time_limit`` the time limit. Raises
    :class:`SolverOptionError` for an unknown name, a parameter given twice (an alias and its name), and a
    tolerance or time-limit parameter given together with ``tolerance=`` / ``time_limit=``.
    """
    from ..errors import SolverOptionError

    aliases = PARAM_ALIASES if aliases is None else aliases
    resolved: dict[str, Any] = {}
    given: dict[str, str] = {}
    for name, value in options.items():
        key = aliases.get(name, name)
        if key not in params:
            raise SolverOptionError(
                f"backend 'cupdlpx' does not accept option {name!r}; cuPDLPx parameters: {sorted(params)}; "
                f"aliases: {sorted(aliases)}")
        if key in resolved:
            raise SolverOptionError(f"cuPDLPx parameter {key!r} given twice ({given[key]!r} and {name!r})")
        resolved[key] = value
        given[key] = name
    if tolerance is not None and set(_TOLERANCE_KEYS) & set(resolved):
        raise SolverOptionError("give either tolerance= or OptimalityTol/FeasibilityTol "
                                "(eps_optimal_relative/eps_feasible_relative), not both")
    if time_limit is not None and _TIME_KEY in resolved:
        raise SolverOptionError("give either time_limit= or TimeLimit (time_sec_limit), not both")
    tol = DEFAULT_TOLERANCE if tolerance is None else float(tolerance)
    out: dict[str, Any] = {key: tol for key in _TOLERANCE_KEYS}
    if time_limit is not None:
        out[_TIME_KEY] = float(time_limit)
    out.update(resolved)
    return out


def status_word(model) -> str:
    """cuPDLPx's status word: ``model.StatusName``, else the name of the integer ``model.Status``.

    (``Status`` is 0 for OPTIMAL, so it must never be read as a truth value.)
    """
    name = getattr(model, "StatusName", None)
    if isinstance(name, str) and name.strip():
        return name.strip().upper()
    code = getattr(model, "Status", None)
    if code is None:
        raise BackendFailure("cuPDLPx returned no status")
    if isinstance(code, str):  # an older build reporting the word itself
        return code.strip().upper() or "UNSPECIFIED"
    try:
        return STATUS_CODES.get(int(code), f"code {int(code)}")
    except (TypeError, ValueError):
        raise BackendFailure(f"cuPDLPx returned an unreadable status {code!r}") from None


class CupdlpxBackend(Backend):
    name = "cupdlpx"
    install_hint = (
        "pip install cupdlpx  (no binary wheel: it builds from source and needs the CUDA toolkit (nvcc, "
        "CUDA >= 12.4), CMake >= 3.20 and network access, and runs only on an NVIDIA GPU)"
    )
    capabilities = Capabilities(
        methods=("pdhg",),
        default_method="pdhg",
        time_limit=frozenset({"pdhg"}),
        tolerance={"pdhg": "relative"},  # eps_optimal_relative and eps_feasible_relative
        duals=True,
        reduced_costs=frozenset(),
    )
    status_map = STATUS_MAP

    def is_installed(self) -> bool:
        return importlib.util.find_spec("cupdlpx") is not None and _cuda_device_present()

    def gpu_unusable_reason(self) -> str:
        """Why cuPDLPx cannot run here ('' when it can): for ``backend="gpu"``."""
        if importlib.util.find_spec("cupdlpx") is None:
            return "cupdlpx is not installed"
        if not _cuda_device_present():
            return "no NVIDIA GPU (nvidia-smi lists none)"
        return ""

    def version(self) -> str | None:
        try:
            return metadata.version("cupdlpx")
        except metadata.PackageNotFoundError:
            return None

    def solve(self, lp: LinearProgram, method: str, time_limit: float | None, tolerance: float | None,
              options: dict[str, Any]) -> Result:
        import cupdlpx
        from cupdlpx import PDLP
        from cupdlpx._core import get_default_params

        # the installed package's names too, should a later release add some
        params = model_params(tolerance, time_limit, options, PARAMS | set(get_default_params()),
                              {**PARAM_ALIASES, **getattr(PDLP, "_PARAM_ALIAS", {})})
        t0 = time.perf_counter()
        model = cupdlpx.Model(
            objective_vector=lp.c,
            constraint_matrix=lp.A.tocsr(),
            constraint_lower_bound=lp.row_lower,
            constraint_upper_bound=lp.row_upper,
            variable_lower_bound=lp.col_lower,
            variable_upper_bound=lp.col_upper,
            objective_constant=lp.objective_constant,
        )
        model.setParams(**params)
        t1 = time.perf_counter()
        model.optimize()
        t2 = time.perf_counter()
        word = status_word(model)
        x, y = model.X, model.Pi
        opt_tol, feas_tol = float(params["eps_optimal_relative"]), float(params["eps_feasible_relative"])
        tol = max(opt_tol, feas_tol)  # what relulp's verification scales with
        return Result(
            status=self.map_status(word, method),
            message=f"cuPDLPx: {word} (relative tolerances {opt_tol:g} optimality, {feas_tol:g} feasibility)",
            x=None if x is None else np.asarray(x, dtype=np.float64),
            row_duals=None if y is None else np.asarray(y, dtype=np.float64),
            solver_objective=model.ObjVal,
            iterations=model.IterCount,
            backend=self.name,
            method=method,
            solver_version=self.version() or "",
            native_status=word,
            tolerance=tol,
            time_limit=model.getParam("TimeLimit"),
            options=dict(options),
            setup_seconds=(t1 - t0) + (time.perf_counter() - t2),
            solve_seconds=t2 - t1,
        )
