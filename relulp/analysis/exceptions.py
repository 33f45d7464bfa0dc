"""Exceptions and warnings of :mod:`relulp.analysis`.

Every error derives from :class:`relulp.exceptions.RelulpError` (through :class:`AnalysisError`), so one
``except RelulpError`` catches everything relulp raises on purpose. Shape and value problems in the
input (A, b, theta of mismatched sizes, NaN) raise the project-wide :class:`relulp.exceptions.DataError`.
"""

from __future__ import annotations

from relulp.exceptions import DataError, ModelSizeError, RelulpError  # noqa: F401  (re-exported)


class AnalysisError(RelulpError):
    """Base class of the errors raised by :mod:`relulp.analysis`."""


class EmptyInteriorError(AnalysisError, ValueError):
    """The body {theta : A theta <= b} ∩ T^0 has no interior point (or no point at all).

    Detected by the Chebyshev-centre LP (math.md §5): its optimal radius is ``<= tol``.
    ``status`` is a :class:`relulp.analysis.BodyStatus` (``EMPTY_INTERIOR`` or ``INFEASIBLE``) and
    ``radius`` the LP's optimal inscribed radius (negative when even the closed body is empty).
    """

    def __init__(self, message: str, status=None, radius: float = float("nan")):
        super().__init__(message)
        self.status = status
        self.radius = radius


class UnboundedBodyError(AnalysisError, ValueError):
    """The body is unbounded (only possible with ``bound=None``); ``direction`` is a recession ray if known."""

    def __init__(self, message: str, direction=None):
        super().__init__(message)
        self.direction = direction


class ExactVolumeRefusedError(AnalysisError, ValueError):
    """Exact (qhull) volume refused: dimension or row count above the size guard, or a non-polytope body."""


class LPSolverError(AnalysisError, RuntimeError):
    """HiGHS returned a status the caller cannot interpret (numerical trouble, load error...)."""


class AccuracyNotReachedError(AnalysisError, RuntimeError):
    """A randomized estimate could not reach the requested accuracy within its limits (``strict=True``).

    ``result`` holds the estimate and the interval that was achieved.
    """

    def __init__(self, message: str, result=None):
        super().__init__(message)
        self.result = result


class AccuracyWarning(UserWarning):
    """A randomized estimate stopped before reaching the requested accuracy; see the result's interval."""


class ConvergenceWarning(UserWarning):
    """An iterative centre computation stopped on an iteration limit or at the floating-point floor."""
