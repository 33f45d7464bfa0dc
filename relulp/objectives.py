"""LP objectives over the Theorem 4.2 constraints (math.md §4): one :class:`Objective` per objective.

Every objective is described once here -- its task, its fit rows, its per-point column, whether its LP is
always feasible, what to do when it is not, its default weights -- and realised by both builders
(:mod:`relulp.assemble`, :mod:`relulp.pyomo_model`). Code elsewhere asks the :class:`Objective` (via
:func:`get_objective`, :func:`default_objective`, :func:`objectives_for`) instead of comparing names.
f = F x denotes the network output on the n training points, linear in the LP columns x (F is the "fit"
coefficient matrix, n x N; the fit rows are the row blocks of role ``"fit"``).

=============  ==============  =========================================================================
name           task            LP (all with the cone rows of (LPL))
=============  ==============  =========================================================================
feasibility    classification  min 0            s.t. y_i f_i >= 1                         (margin)
min_l1         classification  min sum t        s.t. y_i f_i >= 1, t >= u, t >= -u          (margin, abs_pos, abs_neg)
hinge          classification  min sum xi + lam sum t   s.t. y_i f_i + xi_i >= 1, xi >= 0   (margin)
l1             regression      min sum e + lam sum t    s.t. f_i - e_i <= y_i, f_i + e_i >= y_i  (resid_pos, resid_neg)
eps            regression      min lam sum t    s.t. y_i - eps <= f_i <= y_i + eps          (tube)
=============  ==============  =========================================================================

t (one per leaf variable u) appears only when its weight (1 for min_l1, ``lam`` otherwise) is > 0.
This module imports nothing else of relulp's LP code (:mod:`relulp.tree` imports it, not the reverse).
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from .exceptions import UnknownOptionError

TASKS = ("classification", "regression")

#: Symbolic row bounds of :class:`FitRows` and their values for targets y and tube width eps.
_BOUNDS = {
    "1": lambda y, eps: np.ones_like(y),
    "y": lambda y, eps: y.copy(),
    "y-eps": lambda y, eps: y - eps,
    "y+eps": lambda y, eps: y + eps,
    "-inf": lambda y, eps: np.full(y.shape, -np.inf),
    "inf": lambda y, eps: np.full(y.shape, np.inf),
}


@dataclass(frozen=True)
class FitRows:
    """One fit-row block: rows ``lower_i <= sign_i f_i + point_coef * aux_i <= upper_i``, one per point
    (sign_i = y_i for margins, 1 otherwise; aux = the objective's per-point column, if point_coef != 0).
    ``lower`` / ``upper`` are symbols of ``_BOUNDS`` ("1", "y", "y-eps", "y+eps", "-inf", "inf")."""

    name: str
    lower: str
    upper: str
    point_coef: float = 0.0


@dataclass(frozen=True)
class Objective:
    """Everything relulp knows about one objective of the table above (no parameters: see
    :class:`ObjectiveSpec`).

    ``task``: "classification" (labels +-1) or "regression"; ``always_feasible``: its LP has an optimum for
    any data and patterns; ``margin``: the fit rows carry y_i f_i (divide by y to get f);
    ``fit_rows``: the fit-row blocks (role "fit" in :class:`relulp.lp.Block`), the first one is f itself
    (times y for margins) plus the point column; ``point_column``: name of the per-point slack column (xi or
    e), if any; ``fixed_l1_weight``: the weight on sum |u| when the objective fixes it (min_l1: 1), else
    None (``lam``, default ``default_lam``); ``uses_eps``: takes the tube width ``eps``; ``metric``: what
    :meth:`relulp.ReLUNetwork.score` reports for its task; ``fallback``: the always-feasible objective to
    suggest when this one's LP is infeasible.
    """

    name: str
    task: str
    always_feasible: bool
    fit_rows: tuple[FitRows, ...]
    point_column: str | None = None
    fixed_l1_weight: float | None = None
    default_lam: float = 0.0
    uses_eps: bool = False
    default_eps: float = 0.01
    summary: str = ""

    @property
    def margin(self) -> bool:
        """Whether the fit rows carry y_i f_i (classification margins) rather than f_i."""
        return self.task == "classification"

    @property
    def metric(self) -> str:
        """The score :meth:`relulp.ReLUNetwork.score` reports: "accuracy" or "r2"."""
        return "accuracy" if self.task == "classification" else "r2"

    @property
    def fit_row_names(self) -> tuple[str, ...]:
        return tuple(r.name for r in self.fit_rows)

    @property
    def fallback(self) -> "Objective | None":
        """The always-feasible objective of the same task (None if this one is always feasible)."""
        if self.always_feasible:
            return None
        return next(o for o in _REGISTRY.values() if o.task == self.task and o.always_feasible)

    def infeasibility_hint(self, patterns=None, *, cli: bool = False) -> str | None:
        """What to tell a user whose LP with this objective came back infeasible (None if it cannot be).

        ``patterns``: the distinct pattern counts per layer, quoted if given; ``cli``: spell the remedies as
        the command line's options (``--eps``, ``--patterns``, ``--objective``)."""
        if self.always_feasible:
            return None
        P = f"{list(patterns)} " if patterns is not None else ""
        more = "sample more patterns (--patterns)" if cli else "sample more patterns"
        alt = f"--objective {self.fallback.name}" if cli else f"objective={self.fallback.name!r}"
        if self.uses_eps:
            raise_eps = "raise --eps" if cli else "raise eps"
            return (f"no network built from the {P}distinct sampled patterns fits every training target within "
                    f"eps; {raise_eps}, {more}, or use {alt} (always feasible).")
        return (f"no network built from the {P}distinct sampled activation patterns fits every training point "
                f"with margin 1. Sampled patterns give a restriction of the exact LP (docs/lp.md), so sample more"
                f"{' (--patterns)' if cli else ''}, or use {alt}, which is always feasible.")


_REGISTRY: dict[str, Objective] = {o.name: o for o in (
    Objective("feasibility", "classification", False, (FitRows("margin", "1", "inf"),),
              summary="min 0 s.t. y_i f_i >= 1"),
    Objective("min_l1", "classification", False, (FitRows("margin", "1", "inf"),), fixed_l1_weight=1.0,
              summary="min sum |u| s.t. y_i f_i >= 1"),
    Objective("hinge", "classification", True, (FitRows("margin", "1", "inf", 1.0),), point_column="xi",
              summary="min sum xi + lam sum |u| s.t. y_i f_i + xi_i >= 1"),
    Objective("l1", "regression", True, (FitRows("resid_pos", "-inf", "y", -1.0), FitRows("resid_neg", "y", "inf", 1.0)),
              point_column="e", summary="min sum |f_i - y_i| + lam sum |u|"),
    Objective("eps", "regression", False, (FitRows("tube", "y-eps", "y+eps"),), uses_eps=True,
              summary="min lam sum |u| s.t. |f_i - y_i| <= eps"),
)}

#: Default objective of each task (:func:`default_objective`).
_DEFAULTS = {"classification": "min_l1", "regression": "l1"}

OBJECTIVES = tuple(_REGISTRY)
CLASSIFICATION = tuple(n for n, o in _REGISTRY.items() if o.task == "classification")
REGRESSION = tuple(n for n, o in _REGISTRY.items() if o.task == "regression")
#: Objectives whose LP has an optimum for any data and patterns.
ALWAYS_FEASIBLE = tuple(n for n, o in _REGISTRY.items() if o.always_feasible)


def get_objective(name) -> Objective:
    """The :class:`Objective` of a name (an :class:`Objective` or :class:`ObjectiveSpec` is accepted too)."""
    if isinstance(name, Objective):
        return name
    if isinstance(name, ObjectiveSpec):
        return name.objective
    try:
        return _REGISTRY[name]
    except (KeyError, TypeError):
        raise UnknownOptionError(f"unknown objective {name!r}; choose from {OBJECTIVES}") from None


def _check_task(task: str) -> str:
    if task not in TASKS:
        raise UnknownOptionError(f"unknown task {task!r}; choose from {TASKS}")
    return task


def default_objective(task: str) -> Objective:
    """The default objective of a task: min_l1 for classification, l1 for regression."""
    return _REGISTRY[_DEFAULTS[_check_task(task)]]


def objectives_for(task: str) -> tuple[str, ...]:
    """Names of the objectives of a task, in table order."""
    _check_task(task)
    return tuple(n for n, o in _REGISTRY.items() if o.task == task)


@dataclass(frozen=True)
class ObjectiveSpec:
    """One objective of the table above, with its parameters (``lam``: weight on sum |u|; ``eps``)."""

    name: str
    lam: float = 0.0
    eps: float = 0.0

    @property
    def objective(self) -> Objective:
        return _REGISTRY[self.name]

    @property
    def task(self) -> str:
        return self.objective.task

    @property
    def l1_weight(self) -> float:
        """Weight on sum |u| (the t columns); 0 means no t columns."""
        return self.lam

    @property
    def fit_rows(self) -> tuple[str, ...]:
        """Names of the row blocks that carry f (each one row per data point; role "fit")."""
        return self.objective.fit_row_names

    @property
    def point_column(self) -> str | None:
        """Name of the per-point auxiliary column (xi or e), if any."""
        return self.objective.point_column

    def fit_bounds(self, y: np.ndarray) -> list[tuple[np.ndarray, np.ndarray, float]]:
        """For each fit-row block: (row_lower, row_upper, coefficient of the point column).

        The fit rows are ``sign * f_i + coef * aux_i`` with sign = y_i for margins and 1 otherwise.
        """
        return [(_BOUNDS[r.lower](y, self.eps), _BOUNDS[r.upper](y, self.eps), r.point_coef)
                for r in self.objective.fit_rows]


def objective_spec(name: str, lam: float | None = None, eps: float | None = None) -> ObjectiveSpec:
    """Validate an objective name and its parameters (``lam`` >= 0, ``eps`` >= 0)."""
    obj = get_objective(name)
    if obj.fixed_l1_weight is not None and lam not in (None, obj.fixed_l1_weight):
        alt = " or ".join(repr(o) for o in ALWAYS_FEASIBLE)
        raise UnknownOptionError(f"{obj.name} has weight {obj.fixed_l1_weight:g} on sum |u|; use objective={alt} "
                                 "with lam")
    if lam is None:
        lam_v = obj.default_lam if obj.fixed_l1_weight is None else obj.fixed_l1_weight
    else:
        lam_v = float(lam)
    eps_v = obj.default_eps if eps is None else float(eps)
    if not np.isfinite(lam_v) or lam_v < 0:
        raise UnknownOptionError(f"lam must be a finite number >= 0, got {lam}")
    if obj.uses_eps and (not np.isfinite(eps_v) or eps_v < 0):
        raise UnknownOptionError(f"eps must be a finite number >= 0, got {eps}")
    if not obj.uses_eps and eps is not None:
        users = ", ".join(repr(o) for o in OBJECTIVES if _REGISTRY[o].uses_eps)
        raise UnknownOptionError(f"eps applies to objective={users} only, not {obj.name!r}")
    return ObjectiveSpec(obj.name, lam_v, eps_v if obj.uses_eps else 0.0)
