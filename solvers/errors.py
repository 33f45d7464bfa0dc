"""Exception types of the solver layer, and the roots of every relulp exception.

The solver layer (installed as ``relulp.solvers``) depends on nothing above it, so the root classes live
here and :mod:`relulp.exceptions` re-exports them: ``except relulp.RelulpError`` catches every error relulp
raises on purpose, the solver layer's included.
"""

from __future__ import annotations


class RelulpError(Exception):
    """Base class of every error relulp (solver layer included) raises on purpose."""


class DataError(RelulpError, ValueError):
    """Bad data: wrong shapes, NaN/inf, length mismatch, labels outside {-1, +1}."""


class UnknownOptionError(RelulpError, ValueError):
    """An unknown objective, formulation, solver, method or option name."""


class SolverError(RelulpError):
    """Base class of every error :mod:`solvers` raises on purpose."""


class UnknownBackendError(SolverError, UnknownOptionError):
    """A backend name that :mod:`solvers` does not know."""


class UnknownMethodError(SolverError, UnknownOptionError):
    """A method the chosen backend does not have."""


class SolverOptionError(SolverError, UnknownOptionError):
    """An option the chosen backend/method does not accept, or a value it rejects."""


class BackendNotInstalledError(SolverError, ImportError):
    """The backend is known but its package/executable (or device) is missing; the message says how to
    install it."""


class ProblemDataError(SolverError, DataError):
    """Bad problem data: NaN, wrong shapes, lower bound above upper bound, wrong types."""


class CoefficientRangeError(ProblemDataError):
    """Coefficients or bounds whose magnitude no backend handles correctly (see solvers.problem)."""


class TriviallyInfeasibleError(ProblemDataError):
    """A Pyomo constraint with no variables that can never hold (e.g. ``0 >= 1``): the LP is infeasible.
    :func:`solvers.solve` reports it as :attr:`Status.INFEASIBLE`, as it does for the same row of a
    LinearProgram."""


class NotLinearError(SolverError, ValueError):
    """A Pyomo model that is not a continuous LP (integer variables, nonlinear terms, several objectives,
    components the LP compiler cannot read)."""


class BackendFailure(SolverError, RuntimeError):
    """The backend itself failed (could not load the model, crashed, produced no readable answer)."""
