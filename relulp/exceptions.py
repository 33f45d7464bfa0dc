"""Exception types of relulp. Every bad input raises one of these, never a wrong answer.

The roots (RelulpError, DataError, UnknownOptionError) are defined by the solver layer, the bottom of the
package, and re-exported here.
"""

from .solvers.errors import DataError, RelulpError, UnknownOptionError


class PatternError(RelulpError, ValueError):
    """Bad activation patterns: depth < 1, an empty layer, wrong row count, non-boolean entries."""


class ModelSizeError(RelulpError, MemoryError):
    """The requested LP would exceed the configured memory cap; raised before anything is allocated."""


class SolutionError(RelulpError, ValueError):
    """A solution vector that does not fit the LP or tree it is said to solve."""


class LPNotSolvedError(RelulpError, RuntimeError):
    """The training LP did not end with a verified optimum (status other than OPTIMAL).

    ``status`` is the :class:`relulp.solvers.Status`, ``result`` the solver's Result."""

    def __init__(self, message: str, status=None, result=None):
        super().__init__(message)
        self.status = status
        self.result = result
