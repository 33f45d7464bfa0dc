"""One call to solve relulp's LPs (and any linear Pyomo model) with HiGHS, GLPK, or a PDLP-family
first-order solver, and conic programs (:class:`ConicProgram`: LP, QP, SOCP, SDP, exponential cone) with
Clarabel or SCS, reporting exactly what happened.

>>> from relulp import solvers
>>> res = solvers.solve(lp, backend="highs", method="ipm", time_limit=60)
>>> res.status, res.objective, res.primal_residual

See docs/solvers.md.
"""

from .api import available, solve
from .polish import polish
from .conic import (
    ConicProgram,
    ExponentialCone,
    NonnegativeCone,
    PSDTriangleCone,
    RotatedSecondOrderCone,
    SecondOrderCone,
    ZeroCone,
    smat,
    svec,
    svec_indices,
)
from .errors import (
    BackendFailure,
    BackendNotInstalledError,
    NotLinearError,
    ProblemDataError,
    SolverError,
    SolverOptionError,
    UnknownBackendError,
    UnknownMethodError,
)
from .result import Result, Status


def from_pyomo(model):
    """``(LinearProgram, PyomoMapping)`` of a linear Pyomo model; see :func:`solvers.pyomo_io.from_pyomo`."""
    from .pyomo_io import from_pyomo as _from_pyomo

    return _from_pyomo(model)


def to_pyomo(lp):
    """A Pyomo ``ConcreteModel`` of a LinearProgram; see :func:`solvers.pyomo_io.to_pyomo`."""
    from .pyomo_io import to_pyomo as _to_pyomo

    return _to_pyomo(lp)


__all__ = [
    "solve",
    "available",
    "polish",
    "ConicProgram",
    "ZeroCone",
    "NonnegativeCone",
    "SecondOrderCone",
    "RotatedSecondOrderCone",
    "PSDTriangleCone",
    "ExponentialCone",
    "svec",
    "smat",
    "svec_indices",
    "Result",
    "Status",
    "from_pyomo",
    "to_pyomo",
    "SolverError",
    "UnknownBackendError",
    "UnknownMethodError",
    "SolverOptionError",
    "BackendNotInstalledError",
    "ProblemDataError",
    "NotLinearError",
    "BackendFailure",
]
