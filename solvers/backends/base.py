"""The contract every backend fulfils: an instance of a :class:`Backend` subclass, one module per solver.

A backend instance carries

* ``name`` (the registry name), ``install_hint`` (the command that installs it);
* ``capabilities``: a frozen :class:`Capabilities` record (methods, default method, which methods honour
  ``time_limit``, what ``tolerance`` means per method, whether row duals / reduced costs come back);
* ``status_map``: a plain dict from the solver's *own* status words (``"Optimal"`` for HiGHS,
  ``"GLP_OPT"`` for GLPK, ...) to :class:`solvers.result.Status`; :meth:`Backend.map_status` is the only
  way a word becomes a Status, an unknown word is :attr:`Status.OTHER` (the word stays in the message and
  in ``Result.native_status``). ``method_status_maps`` may override words for one method (GLPK's
  interior point reads ``GLP_NOFEAS`` as "infeasible or unbounded");

and implements :meth:`Backend.is_installed`, :meth:`Backend.version` and
``solve(lp, method, time_limit, tolerance, options) -> Result``. ``solve`` receives a validated
:class:`solvers.lp.LinearProgram` and a method of ``capabilities.methods``; :func:`solvers.solve` has
already refused a ``time_limit`` the method does not honour and a ``tolerance`` it has no meaning for
(:meth:`Backend.check_request`). It fills status, message, x, duals, iterations, timings and versions; the
front end then adds relulp's own residuals and objective.

A backend whose ``capabilities.problem_types`` contains ``"conic"`` also implements
``solve_conic(prog, method, time_limit, tolerance, options) -> Result`` for a validated
:class:`solvers.conic.ConicProgram` (x, the conic dual z as ``row_duals``, the slack, or an infeasibility
certificate); the front end then runs relulp's conic checks (:func:`solvers.api.finish_conic`).
"""

from __future__ import annotations

import abc
import importlib.util
import types
from importlib import metadata
from dataclasses import dataclass, field
from typing import Any, Mapping

from ..errors import BackendNotInstalledError, SolverOptionError, UnknownMethodError
from ..lp import LinearProgram
from ..result import Result, Status

#: the meanings ``Capabilities.tolerance`` may give a method's ``tolerance``
TOLERANCE_KINDS = ("absolute", "relative")
#: the problem types a backend may declare in ``Capabilities.problem_types``
PROBLEM_TYPES = ("lp", "conic")


@dataclass(frozen=True)
class Capabilities:
    """What a backend can do, per method.

    methods
        All methods (installed or not); ``default_method`` is one of them.
    time_limit
        The methods that honour ``time_limit``; for the others :func:`solvers.solve` raises
        :class:`SolverOptionError`.
    tolerance
        method -> ``"absolute"`` or ``"relative"``: what ``tolerance=`` sets for that method (absolute
        feasibility/optimality tolerances, or a PDLP-style relative stopping tolerance). A method absent
        here has no generic tolerance and refuses ``tolerance=``.
    duals
        Whether an optimal solve returns row duals (every method).
    reduced_costs
        The methods whose optimal solve also returns reduced costs.
    problem_types
        ``"lp"`` (solvers.lp.LinearProgram, through ``solve``) and/or ``"conic"``
        (solvers.conic.ConicProgram, through ``solve_conic``); default ``{"lp"}``. :func:`solvers.solve`
        refuses a ConicProgram for a backend without ``"conic"`` (:class:`SolverOptionError`).
    """

    methods: tuple[str, ...]
    default_method: str
    time_limit: frozenset[str] = frozenset()
    tolerance: Mapping[str, str] = field(default_factory=dict)
    duals: bool = True
    reduced_costs: frozenset[str] = frozenset()
    #: the problem types the backend solves: ``"lp"`` (solvers.lp.LinearProgram) and/or ``"conic"``
    #: (solvers.conic.ConicProgram, through :meth:`Backend.solve_conic`)
    problem_types: frozenset[str] = frozenset({"lp"})

    def __post_init__(self) -> None:
        methods = tuple(self.methods)
        object.__setattr__(self, "problem_types", frozenset(self.problem_types))
        if not self.problem_types or not set(self.problem_types) <= set(PROBLEM_TYPES):
            raise ValueError(f"problem_types must be a non-empty subset of {PROBLEM_TYPES}, got "
                             f"{sorted(self.problem_types)}")
        object.__setattr__(self, "methods", methods)
        object.__setattr__(self, "time_limit", frozenset(self.time_limit))
        object.__setattr__(self, "reduced_costs", frozenset(self.reduced_costs))
        object.__setattr__(self, "tolerance", types.MappingProxyType(dict(self.tolerance)))
        if not methods or self.default_method not in methods:
            raise ValueError(f"default_method {self.default_method!r} is not among {methods}")
        for what, ms in (("time_limit", self.time_limit), ("tolerance", set(self.tolerance)),
                         ("reduced_costs", self.reduced_costs)):
            if not set(ms) <= set(methods):
                raise ValueError(f"{what} names unknown methods {sorted(set(ms) - set(methods))}")
        bad = {m: k for m, k in self.tolerance.items() if k not in TOLERANCE_KINDS}
        if bad:
            raise ValueError(f"tolerance kinds must be one of {TOLERANCE_KINDS}, got {bad}")


def _import_name(package: str) -> str:
    """The module a pip distribution installs (the few that differ are listed)."""
    return {"scikit-learn": "sklearn"}.get(package, package.replace("-", "_"))


class Backend(abc.ABC):
    """Base class of the backends; :func:`solvers.backends.get` returns (cached) instances."""

    name: str
    install_hint: str
    capabilities: Capabilities
    #: the solver's own status words -> Status (plain dict)
    status_map: Mapping[str, Status] = {}
    #: method -> {word: Status}: words whose meaning differs for that method
    method_status_maps: Mapping[str, Mapping[str, Status]] = {}

    #: the pip distribution that is the solver (``"highspy"``): the default :meth:`is_installed` and
    #: :meth:`version` read it; backends whose availability depends on more override both
    package: str | None = None

    # --- what every backend implements -------------------------------------------------------------
    def is_installed(self) -> bool:
        """Whether at least one method can run here (default: ``package`` is importable)."""
        if self.package is None:
            raise NotImplementedError(f"backend {self.name!r} must set `package` or override is_installed")
        return importlib.util.find_spec(_import_name(self.package)) is not None

    def version(self) -> str | None:
        """The solver's version string, None when not installed (default: ``package``'s metadata)."""
        if self.package is None:
            raise NotImplementedError(f"backend {self.name!r} must set `package` or override version")
        try:
            return metadata.version(self.package)
        except metadata.PackageNotFoundError:
            return None

    @abc.abstractmethod
    def solve(
        self,
        lp: LinearProgram,
        method: str,
        time_limit: float | None,
        tolerance: float | None,
        options: dict[str, Any],
    ) -> Result:
        """Run ``method`` on ``lp``; see the module docstring."""

    def solve_conic(
        self,
        prog: Any,
        method: str,
        time_limit: float | None,
        tolerance: float | None,
        options: dict[str, Any],
    ) -> Result:
        """Run ``method`` on a validated :class:`solvers.conic.ConicProgram` (backends whose
        ``capabilities.problem_types`` contain ``"conic"``); fills status, message, x, row_duals (the conic
        dual z), slack, certificate, iterations, timings. The front end adds relulp's residuals."""
        raise SolverOptionError(f"backend {self.name!r} does not solve conic programs")

    def installed_methods(self) -> tuple[str, ...]:
        """The methods that can run here (default: all of them when :meth:`is_installed`)."""
        return self.methods if self.is_installed() else ()

    # --- derived from the capability record -------------------------------------------------------
    @property
    def methods(self) -> tuple[str, ...]:
        return self.capabilities.methods

    @property
    def default_method(self) -> str:
        return self.capabilities.default_method

    def has_time_limit(self, method: str) -> bool:
        """Whether ``method`` honours ``time_limit`` (else :func:`solvers.solve` refuses it)."""
        return method in self.capabilities.time_limit

    def map_status(self, word: str, method: str | None = None) -> Status:
        """The Status of the solver's own status ``word`` (OTHER when the word is not in the map)."""
        override = self.method_status_maps.get(method, {}) if method is not None else {}
        if word in override:
            return override[word]
        return self.status_map.get(word, Status.OTHER)

    # --- checks shared by the front end and the backends -------------------------------------------
    def check_method(self, method: str | None) -> str:
        """The method to run: ``method`` if the backend has it, the default when None."""
        if method is None:
            return self.default_method
        if method not in self.methods:
            raise UnknownMethodError(
                f"backend {self.name!r} has no method {method!r}; choose one of {list(self.methods)}"
            )
        return method

    def require_installed(self, method: str | None = None) -> None:
        """Raise :class:`BackendNotInstalledError` (naming the install command) unless it can run."""
        if not self.is_installed():
            raise BackendNotInstalledError(f"backend {self.name!r} is not installed: {self.install_hint}")
        if method is not None and method not in self.installed_methods():
            raise BackendNotInstalledError(
                f"method {method!r} of backend {self.name!r} is not installed: {self.install_hint}"
            )

    def check_request(self, method: str, time_limit: float | None, tolerance: float | None) -> None:
        """Refuse a ``time_limit`` or ``tolerance`` the capability record says ``method`` cannot honour."""
        if time_limit is not None and not self.has_time_limit(method):
            raise SolverOptionError(
                f"backend {self.name!r} (method {method!r}) has no time limit: call it with time_limit=None"
                + (f" or use a method with one: {sorted(self.capabilities.time_limit)}"
                   if self.capabilities.time_limit else " (use a native iteration limit if it has one)")
            )
        if tolerance is not None and method not in self.capabilities.tolerance:
            raise SolverOptionError(
                f"backend {self.name!r} (method {method!r}) has no generic tolerance: pass the solver's own "
                "tolerance option"
                + (f", or use a method with one: {sorted(self.capabilities.tolerance)}"
                   if self.capabilities.tolerance else "")
            )

    def reject_options(self, options: Mapping[str, Any], accepted: set[str] | frozenset[str], method: str) -> None:
        unknown = sorted(set(options) - set(accepted))
        if unknown:
            raise SolverOptionError(
                f"backend {self.name!r} (method {method!r}) does not accept option(s) {unknown}; "
                f"accepted: {sorted(accepted)}"
            )

    def __repr__(self) -> str:
        return f"<{type(self).__name__} {self.name!r} methods={list(self.methods)}>"
