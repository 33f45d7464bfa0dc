"""The contract every backend module fulfils (CVXPY style: one small class per solver).

A backend is a class with class attributes ``name``, ``methods`` (tuple, first = default),
``install_hint`` and ``status_map`` (native status -> :class:`solvers.Status`), and class methods
``is_installed()``, ``version()`` and ``solve(lp, method, time_limit, tolerance, options) -> Result``.
``solve`` receives a validated :class:`solvers.lp.LinearProgram`; it fills status, message, x, duals,
iterations, timings and versions. The front end (:func:`solvers.solve`) then adds relulp's own
residuals and objective.
"""

from __future__ import annotations

from typing import Any, ClassVar, Mapping

from ..lp import LinearProgram

from ..errors import BackendNotInstalledError, SolverOptionError, UnknownMethodError
from ..result import Result, Status


class Backend:
    name: ClassVar[str]
    methods: ClassVar[tuple[str, ...]]
    install_hint: ClassVar[str]
    status_map: ClassVar[Mapping[Any, Status]]

    @classmethod
    def is_installed(cls) -> bool:
        raise NotImplementedError

    @classmethod
    def version(cls) -> str | None:
        raise NotImplementedError

    @classmethod
    def has_time_limit(cls, method: str) -> bool:
        """Whether ``time_limit`` is supported by ``method`` (else solve() refuses it)."""
        return True

    @classmethod
    def solve(
        cls,
        lp: LinearProgram,
        method: str,
        time_limit: float | None,
        tolerance: float | None,
        options: dict[str, Any],
    ) -> Result:
        raise NotImplementedError

    # helpers shared by the backends --------------------------------------------------------------
    @classmethod
    def check_method(cls, method: str | None) -> str:
        """The method to run: ``method`` if the backend has it, the default when None."""
        if method is None:
            return cls.methods[0]
        if method not in cls.methods:
            raise UnknownMethodError(
                f"backend {cls.name!r} has no method {method!r}; choose one of {list(cls.methods)}"
            )
        return method

    @classmethod
    def require_installed(cls) -> None:
        if not cls.is_installed():
            raise BackendNotInstalledError(
                f"backend {cls.name!r} is not installed: {cls.install_hint}"
            )

    @classmethod
    def reject_options(cls, options: Mapping[str, Any], accepted: set[str] | frozenset[str], method: str) -> None:
        unknown = sorted(set(options) - set(accepted))
        if unknown:
            raise SolverOptionError(
                f"backend {cls.name!r} (method {method!r}) does not accept option(s) {unknown}; "
                f"accepted: {sorted(accepted)}"
            )

    @classmethod
    def map_status(cls, native: Any) -> Status:
        return cls.status_map.get(native, Status.OTHER)
