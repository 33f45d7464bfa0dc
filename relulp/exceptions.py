"""Exception types of relulp. Every bad input raises one of these, never a wrong answer."""


class RelulpError(Exception):
    """Base class of every error relulp raises on purpose."""


class DataError(RelulpError, ValueError):
    """Bad data: wrong shapes, NaN/inf, length mismatch, labels outside {-1, +1}."""


class PatternError(RelulpError, ValueError):
    """Bad activation patterns: depth < 1, an empty layer, wrong row count, non-boolean entries."""


class ModelSizeError(RelulpError, MemoryError):
    """The requested LP would exceed the configured memory cap; raised before anything is allocated."""


class UnknownOptionError(RelulpError, ValueError):
    """An unknown objective, formulation, solver, method or option name."""


class SolutionError(RelulpError, ValueError):
    """A solution vector that does not fit the LP or tree it is said to solve."""
