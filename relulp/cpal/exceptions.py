"""Exceptions and warnings of :mod:`relulp.cpal`.

Every error derives from :class:`relulp.exceptions.RelulpError` through :class:`CPALError`, so one
``except RelulpError`` catches everything relulp raises on purpose.
"""

from __future__ import annotations

from relulp.exceptions import RelulpError


class CPALError(RelulpError):
    """Base class of the errors raised by :mod:`relulp.cpal`."""


class InvalidParameterError(CPALError, ValueError):
    """A learner parameter with a bad value or an unknown name (checked at ``fit``)."""


class BudgetError(CPALError, ValueError):
    """A label budget that is not a positive integer, or larger than the pool."""


class SingleClassError(CPALError, ValueError):
    """Classification labels with fewer than two classes (a pool with one class)."""


class OracleError(CPALError, ValueError):
    """The labelling oracle failed or returned an invalid label.

    The learner's state is exactly what it was before the failed query (the point is not counted as
    queried and the label is not charged to the budget), so ``learner.resume(oracle=...)`` continues
    the run. ``index`` is the pool index that was asked and ``label`` what came back (if anything).
    """

    def __init__(self, message: str, index: int | None = None, label=None):
        super().__init__(message)
        self.index = index
        self.label = label


class EmptyVersionSpaceError(CPALError, RuntimeError):
    """The version space T has no interior point left (math.md §5): no centre exists.

    The learners catch it, stop cleanly with what they have (``status_`` is
    :attr:`FitStatus.EMPTY_VERSION_SPACE <relulp.cpal.FitStatus.EMPTY_VERSION_SPACE>`) and
    warn with :class:`EmptyVersionSpaceWarning`; it propagates only from the low-level helpers.
    """


class NotFittedError(CPALError, AttributeError):
    """A prediction method was called before ``fit``."""


class EmptyVersionSpaceWarning(UserWarning):
    """A run stopped because the version space became empty (see :class:`EmptyVersionSpaceError`)."""


class FinalSolveWarning(UserWarning):
    """The final solve (Algorithm 8) did not give an optimal LP solution; the centre's network is kept."""
