"""LP objectives over the Theorem 4.2 constraints (math.md §4).

Every objective is described once here and realised by both builders (:mod:`relulp.assemble`,
:mod:`relulp.pyomo_model`). f = F x denotes the network output on the n training points, linear in the
LP columns x (F is the "fit" coefficient matrix, n x N).

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
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from .exceptions import UnknownOptionError

OBJECTIVES = ("feasibility", "min_l1", "hinge", "l1", "eps")
CLASSIFICATION = ("feasibility", "min_l1", "hinge")
REGRESSION = ("l1", "eps")


@dataclass(frozen=True)
class ObjectiveSpec:
    """One objective of the table above, with its parameters."""

    name: str
    lam: float = 0.0
    eps: float = 0.0

    @property
    def task(self) -> str:
        return "classification" if self.name in CLASSIFICATION else "regression"

    @property
    def l1_weight(self) -> float:
        """Weight on sum |u| (the t columns); 0 means no t columns."""
        return self.lam

    @property
    def fit_rows(self) -> tuple[str, ...]:
        """Names of the row families that carry f (each one row per data point)."""
        return {"l1": ("resid_pos", "resid_neg"), "eps": ("tube",)}.get(self.name, ("margin",))

    @property
    def point_column(self) -> str | None:
        """Name of the per-point auxiliary column (xi or e), if any."""
        return {"hinge": "xi", "l1": "e"}.get(self.name)

    def fit_bounds(self, y: np.ndarray) -> list[tuple[np.ndarray, np.ndarray, float]]:
        """For each fit-row family: (row_lower, row_upper, coefficient of the point column).

        The fit rows are ``sign * f_i + coef * aux_i`` with sign = y_i for margins and 1 otherwise.
        """
        inf = np.full(y.shape, np.inf)
        if self.name in ("feasibility", "min_l1"):
            return [(np.ones_like(y), inf, 0.0)]
        if self.name == "hinge":
            return [(np.ones_like(y), inf, 1.0)]
        if self.name == "l1":
            return [(-inf, y.copy(), -1.0), (y.copy(), inf, 1.0)]
        return [(y - self.eps, y + self.eps, 0.0)]

    def size_rows(self, n: int, f_nnz: int, num_u: int):
        """Row/column families this objective adds (for :meth:`PatternTree.size`)."""
        from .tree import LevelSize

        out = []
        for name, (_, _, coef) in zip(self.fit_rows, self.fit_bounds(np.zeros(n))):
            out.append(LevelSize(name, None, rows=n, nnz=f_nnz + (n if coef else 0)))
        if self.point_column:
            out.append(LevelSize(self.point_column, None, cols=n))
        if self.l1_weight > 0:
            out.append(LevelSize("t", None, cols=num_u))
            out.append(LevelSize("abs_pos", None, rows=num_u, nnz=2 * num_u))
            out.append(LevelSize("abs_neg", None, rows=num_u, nnz=2 * num_u))
        return out


def objective_spec(name: str, lam: float | None = None, eps: float | None = None) -> ObjectiveSpec:
    """Validate an objective name and its parameters (``lam`` >= 0, ``eps`` >= 0)."""
    if name not in OBJECTIVES:
        raise UnknownOptionError(f"unknown objective {name!r}; choose from {OBJECTIVES}")
    if name == "min_l1" and lam not in (None, 1.0):
        raise UnknownOptionError("min_l1 has weight 1 on sum |u|; use objective='hinge' or 'l1' with lam")
    lam_v = (1.0 if name == "min_l1" else 0.0) if lam is None else float(lam)
    eps_v = 0.01 if eps is None else float(eps)
    if not np.isfinite(lam_v) or lam_v < 0:
        raise UnknownOptionError(f"lam must be a finite number >= 0, got {lam}")
    if name == "eps" and (not np.isfinite(eps_v) or eps_v < 0):
        raise UnknownOptionError(f"eps must be a finite number >= 0, got {eps}")
    if name != "eps" and eps is not None:
        raise UnknownOptionError(f"eps applies to objective='eps' only, not {name!r}")
    return ObjectiveSpec(name, lam_v, eps_v if name == "eps" else 0.0)
