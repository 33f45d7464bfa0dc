"""Pyomo <-> LinearProgram.

:func:`from_pyomo` compiles a linear Pyomo model with Pyomo's
``LinearStandardFormCompiler().write(model, mixed_form=True)`` (row and column order kept) into a
:class:`solvers.lp.LinearProgram` plus a :class:`PyomoMapping` that writes a :class:`Result` back into the model.
:func:`to_pyomo` builds a Pyomo model from a LinearProgram (vectorised, one ``LinearExpression`` per row), for
the ``pyomo:<solver>`` backends.

Conventions. A maximisation model is compiled to ``min -f``; its objective values are reported in the
model's sense (``result.objective`` is the maximum) while ``result.x``/``row_duals``/``reduced_costs``
refer to the minimisation form. Duals written into the model follow Pyomo's convention,
dual = d objective / d rhs in the model's own sense (so they are negated for a maximisation). Ranged
constraints, which the compiler splits into two rows, are merged back into one row. Fixed variables are
eliminated by the compiler (their values are kept), and variables used by no active constraint or
objective are not columns (their values are left alone).
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

import numpy as np
import scipy.sparse as sp

from .lp import LinearProgram

from .errors import NotLinearError, ProblemDataError, TriviallyInfeasibleError
from .result import Result


@dataclass
class PyomoMapping:
    """Where the columns and rows of the compiled LinearProgram live in the Pyomo model.

    ``columns[j]`` is the VarData of column j, ``constraints[i]`` the ConstraintData of row i; ``sign``
    is +1 for a minimisation model, -1 for a maximisation (the LP minimises ``sign * f``).
    """

    model: Any
    lp: LinearProgram
    columns: list
    constraints: list
    sign: float

    def load(self, result: Result) -> None:
        """Write x into the variables and y into ``model.dual`` (reduced costs into ``model.rc`` if the
        model has such a Suffix); flip objective values to the model's sense. In place."""
        from pyomo.core.base.suffix import Suffix

        s = self.sign
        for name in ("objective", "point_objective", "solver_objective", "dual_objective"):
            v = getattr(result, name)
            if v is not None:
                setattr(result, name, s * v)
        if result.x is None:
            return
        for v, val in zip(self.columns, result.x.tolist()):
            v.set_value(val, skip_validation=True)
        if result.row_duals is not None:
            dual = self.model.component("dual")
            if dual is None:
                self.model.dual = dual = Suffix(direction=Suffix.IMPORT)
            if isinstance(dual, Suffix):
                for con, val in zip(self.constraints, (s * result.row_duals).tolist()):
                    dual[con] = val
            else:
                result.message += " [model.dual is not a Suffix: duals not written]"
        rc = self.model.component("rc")
        if result.reduced_costs is not None and isinstance(rc, Suffix):
            for v, val in zip(self.columns, (s * result.reduced_costs).tolist()):
                rc[v] = val


def from_pyomo(model) -> tuple[LinearProgram, PyomoMapping]:
    """Compile a linear Pyomo model into ``(LinearProgram, PyomoMapping)``.

    Raises :class:`NotLinearError` for integer/binary variables, nonlinear terms, more than one active
    objective or components the compiler cannot read; :class:`ProblemDataError` for a constraint without
    variables that can never hold.
    """
    from pyomo.common.errors import (
        InfeasibleConstraintException,
        InvalidConstraintError,
        InvalidExpressionError,
    )
    from pyomo.core.base.objective import Objective
    from pyomo.repn.plugins.standard_form import LinearStandardFormCompiler

    objectives = list(model.component_data_objects(Objective, active=True, descend_into=True))
    if len(objectives) > 1:
        raise NotLinearError(f"the model has {len(objectives)} active objectives; an LP has one (or none)")
    try:
        info = LinearStandardFormCompiler().write(model, mixed_form=True)
    except (InvalidExpressionError, InvalidConstraintError) as e:
        raise NotLinearError(f"the model is not linear: {e}") from e
    except InfeasibleConstraintException as e:
        raise TriviallyInfeasibleError(str(e)) from e
    except ValueError as e:  # unknown active components (SOS, disjunctions, ...)
        raise NotLinearError(f"the model is not a plain LP: {e}") from e

    columns = list(info.columns)
    integer = [v.name for v in columns if not v.is_continuous()]
    if integer:
        raise NotLinearError(
            f"the model has {len(integer)} integer/binary variable(s) (e.g. {integer[:3]}); "
            "solvers.solve handles LPs only: relax them or use a MIP solver"
        )
    n = len(columns)
    sign = 1.0
    if objectives and not objectives[0].is_minimizing():
        sign = -1.0  # the compiler has already negated c and the offset (set_sense=minimize)
    if info.c.shape[0]:
        c = np.asarray(info.c.toarray()[0], dtype=np.float64)
        const = float(info.c_offset[0])
    else:
        c = np.zeros(n)
        const = float(info.c_offset[0]) if len(info.c_offset) else 0.0

    A = sp.csr_array(info.A, dtype=np.float64)
    rhs = np.asarray(info.rhs, dtype=np.float64)
    kinds = np.fromiter((r.bound_type for r in info.rows), dtype=np.int8, count=len(info.rows))
    cons = [r.constraint for r in info.rows]
    m = len(cons)
    lower = np.where(kinds == 1, -np.inf, rhs)
    upper = np.where(kinds == -1, np.inf, rhs)
    # a ranged constraint is an upper-bound row immediately followed by its lower-bound row
    second = np.zeros(m, dtype=bool)
    if m > 1:
        same = np.fromiter((cons[i] is cons[i + 1] for i in range(m - 1)), dtype=bool, count=m - 1)
        second[1:] = same
        first = np.flatnonzero(same)
        lower[first] = rhs[first + 1]
    keep = ~second
    if second.any():
        A = A[keep]
        lower, upper = lower[keep], upper[keep]
        cons = [c_ for c_, k in zip(cons, keep.tolist()) if k]

    col_lower = np.empty(n)
    col_upper = np.empty(n)
    for j, v in enumerate(columns):
        lb, ub = v.bounds
        col_lower[j] = -np.inf if lb is None else lb
        col_upper[j] = np.inf if ub is None else ub

    try:
        lp = LinearProgram(c, A, lower, upper, col_lower, col_upper, objective_constant=const,
                      meta={"source": "pyomo", "model": model.name, "sense": "max" if sign < 0 else "min"})
    except ValueError as e:
        raise ProblemDataError(f"Pyomo model data: {e}") from e
    return lp, PyomoMapping(model, lp, columns, cons, sign)


def to_pyomo(lp: LinearProgram):
    """A ``ConcreteModel`` with ``x[j]`` (j < N), ``rows[i]`` (free rows skipped) and ``obj``.

    Built vectorised: one ``LinearExpression`` per row from the CSR slices, coefficients as Python floats.
    """
    import pyomo.environ as pyo
    from pyomo.core.expr.numeric_expr import LinearExpression

    N, m = lp.num_cols, lp.num_rows
    model = pyo.ConcreteModel(name=str(lp.meta.get("name", "relulp_lp")))
    model.x = pyo.Var(range(N), dense=True)
    xs = list(model.x.values())
    for v, lo, up in zip(xs, lp.col_lower.tolist(), lp.col_upper.tolist()):
        v.setlb(None if lo == -np.inf else lo)
        v.setub(None if up == np.inf else up)
    A = lp.A
    indptr, indices, data = A.indptr.tolist(), A.indices.tolist(), A.data.tolist()
    rl, ru = lp.row_lower.tolist(), lp.row_upper.tolist()

    def row(_, i):
        lo, up = rl[i], ru[i]
        if lo == -np.inf and up == np.inf:
            return pyo.Constraint.Skip
        s, e = indptr[i], indptr[i + 1]
        expr = LinearExpression(
            constant=0.0, linear_coefs=data[s:e], linear_vars=[xs[j] for j in indices[s:e]]
        )
        if lo == up:
            return expr == lo
        return (None if lo == -np.inf else lo, expr, None if up == np.inf else up)

    model.rows = pyo.Constraint(range(m), rule=row)
    nz = np.flatnonzero(lp.c)
    model.obj = pyo.Objective(
        expr=LinearExpression(
            constant=float(lp.objective_constant),
            linear_coefs=lp.c[nz].tolist(),
            linear_vars=[xs[j] for j in nz.tolist()],
        ),
        sense=pyo.minimize,
    )
    return model
