"""cuPDLPx (GPU PDLP, ``pip install cupdlpx`` where CUDA is present): used when importable *and* a CUDA
device exists; otherwise :meth:`is_installed` is False and :func:`solvers.solve` raises
:class:`BackendNotInstalledError` naming the install command.

Uses cuPDLPx's Python API (python/README.md and python/cupdlpx/model.py of MIT-Lu-Lab/cuPDLPx):
``cupdlpx.Model(objective_vector, constraint_matrix, constraint_lower_bound, constraint_upper_bound,
variable_lower_bound, variable_upper_bound, objective_constant)`` (two-sided rows, like LinearProgram; the
matrix must be a scipy ``spmatrix``), ``model.setParams(...)``, ``model.optimize()`` and the attributes
``StatusName`` (or the integer ``Status``), ``X``, ``Pi``, ``ObjVal``, ``IterCount``. ``tolerance`` sets ``OptimalityTol`` and
``FeasibilityTol`` (relative, default 1e-4); ``time_limit`` sets ``TimeLimit`` (cuPDLPx's own default is
3600 s, reported in ``result.time_limit``). Options are cuPDLPx parameter names or aliases; since its
``setParam`` accepts any key, names are checked here against its defaults. The sign of ``Pi`` is taken
as relulp's convention; relulp's dual residual shows if that is wrong. This module cannot be exercised
without a GPU: here only its not-installed path is tested.
"""

from __future__ import annotations

import importlib.util
import shutil
import time
from importlib import metadata
from typing import Any

import numpy as np

from ..lp import LinearProgram

from ..errors import BackendFailure
from ..result import Result, Status
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
        "pip install cupdlpx  (builds from source: needs the CUDA toolkit and an NVIDIA GPU)"
    )
    capabilities = Capabilities(
        methods=("pdhg",),
        default_method="pdhg",
        time_limit=frozenset({"pdhg"}),
        tolerance={"pdhg": "relative"},  # OptimalityTol and FeasibilityTol
        duals=True,
        reduced_costs=frozenset(),
    )
    status_map = STATUS_MAP

    def is_installed(self) -> bool:
        return importlib.util.find_spec("cupdlpx") is not None and _cuda_device_present()

    def version(self) -> str | None:
        try:
            return metadata.version("cupdlpx")
        except metadata.PackageNotFoundError:
            return None

    def solve(self, lp: LinearProgram, method: str, time_limit: float | None, tolerance: float | None,
              options: dict[str, Any]) -> Result:
        import cupdlpx
        import scipy.sparse as sp
        from cupdlpx import PDLP
        from cupdlpx._core import get_default_params

        from ..errors import SolverOptionError

        # cuPDLPx's setParam stores any key without checking it: check names here
        accepted = set(get_default_params()) | set(getattr(PDLP, "_PARAM_ALIAS", {}))
        self.reject_options(options, accepted, method)
        t0 = time.perf_counter()
        model = cupdlpx.Model(
            objective_vector=lp.c,
            constraint_matrix=sp.csr_matrix(lp.A),  # cuPDLPx accepts spmatrix, not sparray
            constraint_lower_bound=lp.row_lower,
            constraint_upper_bound=lp.row_upper,
            variable_lower_bound=lp.col_lower,
            variable_upper_bound=lp.col_upper,
            objective_constant=lp.objective_constant,
        )
        tol = DEFAULT_TOLERANCE if tolerance is None else float(tolerance)
        params: dict[str, Any] = {"OptimalityTol": tol, "FeasibilityTol": tol}
        if time_limit is not None:
            params["TimeLimit"] = float(time_limit)
        if tolerance is not None and {"OptimalityTol", "FeasibilityTol"} & set(options):
            raise SolverOptionError("give either tolerance= or OptimalityTol/FeasibilityTol, not both")
        params.update(options)
        model.setParams(**params)
        t1 = time.perf_counter()
        model.optimize()
        t2 = time.perf_counter()
        word = status_word(model)
        x, y = model.X, model.Pi
        return Result(
            status=self.map_status(word, method),
            message=f"cuPDLPx: {word} (relative tolerances {tol:g})",
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
