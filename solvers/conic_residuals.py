r"""relulp's own check of a conic answer: projections onto the cones, residuals, infeasibility certificates.

For :class:`solvers.conic.ConicProgram` ``min 1/2 x'Px + q'x + k  s.t.  A x + s = b, s in K`` with dual
``max -1/2 x'Px - b'z + k  s.t.  P x + q + A'z = 0, z in K*``, a point x (n,) and a dual z (m,):

* primal residual :math:`r_P = \|v - \Pi_K(v)\|_\infty` with :math:`v = b - A x` (the distance of the slack
  from K, row by row: Pi is the Euclidean projection onto each cone, so for a nonnegative row this is its
  violation, as in :mod:`solvers.residuals`), relative: :math:`r_P / (1 + \|b\|_\infty)`;
* dual residual :math:`r_D = \max(\|P x + q + A^T z\|_\infty, \|z - \Pi_{K^*}(z)\|_\infty)`, relative:
  :math:`r_D / (1 + \|q\|_\infty)` (K* = K for all cones but the zero cone, whose dual is free, and the
  exponential cone);
* primal objective :math:`p = \tfrac12 x^T P x + q^T x + k`, dual objective
  :math:`d = -\tfrac12 x^T P x - b^T z + k`, relative gap :math:`|p - d| / (1 + |p| + |d|)`.

Infeasibility certificates (Farkas), scaled so that the claim is one number:

* **primal infeasible**: z with :math:`b^T z < 0`, :math:`A^T z = 0`, :math:`z \in K^*`. With
  :math:`\hat z = z / (-b^T z)`, ``certificate_residual`` = :math:`(1 + \|b\|_\infty)
  \max(\|A^T \hat z\|_\infty, \|\hat z - \Pi_{K^*}(\hat z)\|_\infty)` (infinite when :math:`b^T z \ge 0`).
  Why it proves infeasibility: for s = b - A x in K, :math:`0 \le \hat z^T s` up to the cone error, and
  :math:`\hat z^T s = -1 - x^T A^T \hat z`; so no x with :math:`\|A^T\hat z\|\,\|x\|_1 + \delta\,\|s\| < 1` is
  feasible.
* **dual infeasible** (unbounded below): a direction x with :math:`q^T x < 0`, :math:`P x = 0`,
  :math:`-A x \in K`. With :math:`\hat x = x / (-q^T x)`, ``certificate_residual`` =
  :math:`(1 + \|q\|_\infty) \max(\|P \hat x\|_\infty, \|{-A}\hat x - \Pi_K(-A \hat x)\|_\infty)`.

The exponential cone has no closed-form projection: :func:`project` searches its boundary rays
``t (r, 1, e^r)`` (and the face ``{(x, 0, z): x <= 0, z >= 0}``) in one variable, and returns a point that
lies in the cone exactly; the distance reported is therefore never below the true one (a conservative
check).
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

import numpy as np

from .conic import (
    SQRT2,
    Cone,
    ConicProgram,
    ExponentialCone,
    NonnegativeCone,
    PSDTriangleCone,
    RotatedSecondOrderCone,
    SecondOrderCone,
    ZeroCone,
    smat,
    svec,
)
from .errors import ProblemDataError


# --- projections ---------------------------------------------------------------------------------------
def _ranges(starts, dims) -> np.ndarray:
    """The concatenated index ranges ``starts[i] : starts[i] + dims[i]`` (vectorised)."""
    starts = np.asarray(starts, dtype=np.int64)
    dims = np.asarray(dims, dtype=np.int64)
    offsets = np.arange(int(dims.sum())) - np.repeat(np.cumsum(dims) - dims, dims)
    return np.repeat(starts, dims) + offsets


def _project_soc_segments(v: np.ndarray, starts: np.ndarray, dims: np.ndarray) -> np.ndarray:
    """Project consecutive SOC blocks of v (block i: v[starts[i] : starts[i] + dims[i]]) all at once.

    Pi(t, w) = (t, w) if ||w|| <= t; 0 if ||w|| <= -t; else ((t + ||w||)/2) (1, w/||w||)."""
    out = v.copy()
    if not starts.size:
        return out
    heads = v[starts]
    seg = np.repeat(np.arange(starts.size), dims)
    pos = _ranges(starts, dims)
    is_tail = np.ones(pos.size, dtype=bool)
    is_tail[np.cumsum(dims) - dims] = False
    tail_pos, tail_seg = pos[is_tail], seg[is_tail]
    norms = np.sqrt(np.bincount(tail_seg, v[tail_pos] ** 2, minlength=starts.size))
    inside = norms <= heads
    polar = norms <= -heads
    alpha = 0.5 * (heads + norms)
    scale = np.where(inside, 1.0, np.where(polar, 0.0, alpha / np.where(norms > 0, norms, 1.0)))
    out[tail_pos] = v[tail_pos] * scale[tail_seg]
    out[starts] = np.where(inside, heads, np.where(polar, 0.0, alpha))
    return out


def _psd_project(v: np.ndarray) -> np.ndarray:
    """svec of the nearest PSD matrix (eigenvalues clipped at 0): svec is an isometry, so this is the
    Euclidean projection of v."""
    w, U = np.linalg.eigh(smat(v))
    return svec((U * np.maximum(w, 0.0)) @ U.T)


# exponential cone: boundary rays d(r) = (a0 + a1 r, b0 + b1 r, e^r) and a quadrant face
_EXP_RAYS = {"primal": (0.0, 1.0, 1.0, 0.0), "dual": (-1.0, 0.0, -1.0, -1.0)}
_EXP_GRID = np.sinh(np.linspace(-15.0, 7.2, 1201))  # r from -1.6e6 to 670: e^r stays finite


def _ray_unit(r: np.ndarray, kind: str) -> np.ndarray:
    """Unit vectors along the boundary rays d(r) of the exponential cone (kind 'primal') or its dual, shape
    r.shape + (3,), computed without overflow (log ||d|| = logaddexp(log(a^2 + b^2), 2 r) / 2)."""
    a0, a1, b0, b1 = _EXP_RAYS[kind]
    a, b = a0 + a1 * r, b0 + b1 * r
    with np.errstate(divide="ignore"):
        log_norm = 0.5 * np.logaddexp(np.log(a * a + b * b), 2.0 * r)
    inv = np.exp(-log_norm)
    return np.stack([a * inv, b * inv, np.exp(r - log_norm)], axis=-1)


def _exp_member(V: np.ndarray, kind: str) -> np.ndarray:
    x, y, z = V[:, 0], V[:, 1], V[:, 2]
    with np.errstate(over="ignore", divide="ignore", invalid="ignore"):
        if kind == "primal":
            return ((y > 0) & (y * np.exp(x / y) <= z)) | ((y == 0) & (x <= 0) & (z >= 0))
        return ((x < 0) & (-x * np.exp(y / x) <= np.e * z)) | ((x == 0) & (y >= 0) & (z >= 0))


def _exp_close(P: np.ndarray, kind: str) -> np.ndarray:
    """Make points found on the boundary exactly members (raise the last coordinate where rounding left
    them a hair outside)."""
    x, y, z = P[:, 0], P[:, 1], P[:, 2]
    with np.errstate(over="ignore", divide="ignore", invalid="ignore"):
        if kind == "primal":
            need = np.where(y > 0, y * np.exp(x / y), 0.0)
            x = np.where(y > 0, x, np.minimum(x, 0.0))
        else:
            need = np.where(x < 0, -x * np.exp(y / x) / np.e, 0.0)
            y = np.where(x < 0, y, np.maximum(y, 0.0))
    # nextafter: the membership test recomputes y exp(x / y) and must see z at or above it
    z = np.where(np.isfinite(need) & (z < need), np.nextafter(need, np.inf), z)
    return np.stack([x, y, np.maximum(z, 0.0)], axis=1)


def project_exponential(V: np.ndarray, dual: bool = False) -> np.ndarray:
    """Euclidean projection of each row of V (N, 3) onto the exponential cone (or its dual with
    ``dual=True``), by a search over the boundary rays: a grid over r (``r = sinh(t)``), then golden
    sections around the best grid point; the face ``{(x, 0, z): x <= 0, z >= 0}`` (dual:
    ``{(0, v, w): v, w >= 0}``) and the origin are candidates too. Rows already in the cone are returned
    unchanged; every returned row lies in the cone."""
    kind = "dual" if dual else "primal"
    V = np.asarray(V, dtype=np.float64).reshape(-1, 3)
    out = V.copy()
    todo = np.flatnonzero(~_exp_member(V, kind))
    if not todo.size:
        return out
    W = V[todo]
    # the face
    if dual:
        face = np.stack([np.zeros(len(W)), np.maximum(W[:, 1], 0.0), np.maximum(W[:, 2], 0.0)], axis=1)
    else:
        face = np.stack([np.minimum(W[:, 0], 0.0), np.zeros(len(W)), np.maximum(W[:, 2], 0.0)], axis=1)
    best = face
    best_d = np.linalg.norm(W - face, axis=1)
    # the rays: maximise lambda(r) = W . u(r) (the projection onto the unit ray u(r) has length lambda)
    for chunk in np.array_split(np.arange(len(W)), max(1, len(W) // 2000)):
        Wc = W[chunk]
        lam = Wc @ _ray_unit(_EXP_GRID, kind).T  # (c, G)
        g = np.argmax(lam, axis=1)
        t_grid = np.arcsinh(_EXP_GRID)
        lo = t_grid[np.maximum(g - 1, 0)]
        hi = t_grid[np.minimum(g + 1, t_grid.size - 1)]
        phi = (np.sqrt(5.0) - 1.0) / 2.0
        for _ in range(80):
            t1, t2 = hi - phi * (hi - lo), lo + phi * (hi - lo)
            f1 = np.einsum("ij,ij->i", Wc, _ray_unit(np.sinh(t1), kind))
            f2 = np.einsum("ij,ij->i", Wc, _ray_unit(np.sinh(t2), kind))
            lo = np.where(f1 < f2, t1, lo)
            hi = np.where(f1 < f2, hi, t2)
        u = _ray_unit(np.sinh(0.5 * (lo + hi)), kind)
        lam = np.maximum(np.einsum("ij,ij->i", Wc, u), 0.0)
        cand = _exp_close(lam[:, None] * u, kind)
        d = np.linalg.norm(Wc - cand, axis=1)
        better = d < best_d[chunk]
        best[chunk[better]] = cand[better]
        best_d[chunk[better]] = d[better]
    zero_better = np.linalg.norm(W, axis=1) < best_d
    best[zero_better] = 0.0
    out[todo] = best
    return out


def project(cone: Cone, v: np.ndarray, dual: bool = False) -> np.ndarray:
    """Euclidean projection of v (cone.dim,) onto ``cone`` (onto its dual cone with ``dual=True``)."""
    v = np.asarray(v, dtype=np.float64)
    if v.shape != (cone.dim,):
        raise ProblemDataError(f"{cone} needs a vector of length {cone.dim}, got shape {v.shape}")
    if isinstance(cone, ZeroCone):
        return v.copy() if dual else np.zeros_like(v)
    if isinstance(cone, NonnegativeCone):
        return np.maximum(v, 0.0)
    if isinstance(cone, SecondOrderCone):
        return _project_soc_segments(v, np.array([0]), np.array([cone.dim]))
    if isinstance(cone, RotatedSecondOrderCone):
        from .conic import rotated_to_soc

        return rotated_to_soc(_project_soc_segments(rotated_to_soc(v), np.array([0]), np.array([cone.dim])))
    if isinstance(cone, PSDTriangleCone):
        return _psd_project(v)
    if isinstance(cone, ExponentialCone):
        return project_exponential(v[None, :], dual=dual)[0]
    raise ProblemDataError(f"unknown cone {cone!r}")  # pragma: no cover - ConicProgram admits none


def project_onto(cones: list[Cone], v: np.ndarray, dual: bool = False) -> np.ndarray:
    """Projection of v (m,) onto the product cone K = K_1 x ... x K_r (or K* with ``dual=True``), with the
    cones in row order; vectorised per cone type (one pass for all nonnegative, all SOC, all exponential
    cones)."""
    v = np.asarray(v, dtype=np.float64)
    out = v.copy()
    starts = np.cumsum([0] + [c.dim for c in cones])[:-1]
    soc_s, soc_d, rot_s, rot_d, exp_s = [], [], [], [], []
    for cone, s in zip(cones, starts):
        sl = slice(s, s + cone.dim)
        if isinstance(cone, ZeroCone):
            if not dual:
                out[sl] = 0.0
        elif isinstance(cone, NonnegativeCone):
            out[sl] = np.maximum(v[sl], 0.0)
        elif isinstance(cone, SecondOrderCone):
            soc_s.append(s), soc_d.append(cone.dim)
        elif isinstance(cone, RotatedSecondOrderCone):
            rot_s.append(s), rot_d.append(cone.dim)
        elif isinstance(cone, PSDTriangleCone):
            out[sl] = _psd_project(v[sl])
        elif isinstance(cone, ExponentialCone):
            exp_s.append(s)
        else:  # pragma: no cover
            raise ProblemDataError(f"unknown cone {cone!r}")
    if soc_s:
        idx = _ranges(soc_s, soc_d)
        local_starts = np.cumsum([0] + soc_d)[:-1]
        out[idx] = _project_soc_segments(v[idx], local_starts, np.array(soc_d))
    if rot_s:
        idx = _ranges(rot_s, rot_d)
        local_starts = np.cumsum([0] + rot_d)[:-1]
        w = v[idx].copy()
        a, b = w[local_starts].copy(), w[local_starts + 1].copy()
        w[local_starts], w[local_starts + 1] = (a + b) / SQRT2, (a - b) / SQRT2
        p = _project_soc_segments(w, local_starts, np.array(rot_d))
        a, b = p[local_starts].copy(), p[local_starts + 1].copy()
        p[local_starts], p[local_starts + 1] = (a + b) / SQRT2, (a - b) / SQRT2
        out[idx] = p
    if exp_s:
        idx = (np.asarray(exp_s)[:, None] + np.arange(3)).ravel()
        out[idx] = project_exponential(v[idx].reshape(-1, 3), dual=dual).ravel()
    return out


def cone_distance(cones: list[Cone], v: np.ndarray, dual: bool = False) -> float:
    """``||v - Pi_K(v)||_inf`` (K* with ``dual=True``): 0 iff v lies in the cone (up to the exponential
    cone's search, which can only overstate it)."""
    v = np.asarray(v, dtype=np.float64)
    if not v.size:
        return 0.0
    return float(np.abs(v - project_onto(cones, v, dual)).max())


def in_cone(cone: Cone, v: np.ndarray, dual: bool = False, tol: float = 0.0) -> bool:
    """Whether v lies in ``cone`` (its dual with ``dual=True``) up to ``tol`` (Euclidean distance)."""
    v = np.asarray(v, dtype=np.float64)
    return bool(np.linalg.norm(v - project(cone, v, dual)) <= tol)


# --- residuals ---------------------------------------------------------------------------------------------
@dataclass(frozen=True)
class ConicResiduals:
    """Residuals of (x, z) for a ConicProgram (the dual parts None without z); see the module docstring."""

    primal: float
    rel_primal: float
    dual: float | None = None
    rel_dual: float | None = None
    dual_objective: float | None = None
    rel_gap: float | None = None
    #: the two parts of ``dual``: ||P x + q + A'z||_inf and the distance of z from K*
    stationarity: float | None = None
    dual_cone: float | None = None


def _inf(v: np.ndarray) -> float:
    return float(np.abs(v).max()) if v.size else 0.0


def compute(prog: ConicProgram, x: np.ndarray, z: np.ndarray | None = None) -> ConicResiduals:
    """All residuals of the point x and the dual z for ``prog`` (dual parts None when z is None)."""
    x = np.asarray(x, dtype=np.float64)
    if x.shape != (prog.num_cols,):
        raise ProblemDataError(f"x has shape {x.shape}, expected ({prog.num_cols},)")
    slack = prog.slack(x)
    p_abs = cone_distance(prog.cones, slack)
    p_rel = p_abs / (1.0 + _inf(prog.b))
    if z is None:
        return ConicResiduals(p_abs, p_rel)
    z = np.asarray(z, dtype=np.float64)
    if z.shape != (prog.num_rows,):
        raise ProblemDataError(f"z has shape {z.shape}, expected ({prog.num_rows},)")
    Px = prog.P @ x if prog.P is not None else np.zeros_like(x)
    stat = _inf(Px + prog.q + prog.A.T @ z)
    cone = cone_distance(prog.cones, z, dual=True)
    d_abs = max(stat, cone)
    d_rel = d_abs / (1.0 + _inf(prog.q))
    p_obj = prog.objective(x)
    d_obj = -0.5 * float(x @ Px) - float(prog.b @ z) + prog.objective_constant
    gap = abs(p_obj - d_obj) / (1.0 + abs(p_obj) + abs(d_obj))
    return ConicResiduals(p_abs, p_rel, d_abs, d_rel, d_obj, gap, stat, cone)


def primal_infeasibility(prog: ConicProgram, z: np.ndarray) -> float:
    """``certificate_residual`` of z as a proof that no x satisfies ``b - A x in K`` (small: proved;
    inf when ``b'z >= 0`` or z is not finite). See the module docstring."""
    z = np.asarray(z, dtype=np.float64)
    if z.shape != (prog.num_rows,) or not np.isfinite(z).all():
        return np.inf
    bz = float(prog.b @ z)
    if not bz < 0:
        return np.inf
    zh = z / -bz
    return (1.0 + _inf(prog.b)) * max(_inf(prog.A.T @ zh), cone_distance(prog.cones, zh, dual=True))


def dual_infeasibility(prog: ConicProgram, x: np.ndarray) -> float:
    """``certificate_residual`` of the direction x as a proof that the objective is unbounded below along
    feasible points (small: proved, provided a feasible point exists; inf when ``q'x >= 0``)."""
    x = np.asarray(x, dtype=np.float64)
    if x.shape != (prog.num_cols,) or not np.isfinite(x).all():
        return np.inf
    qx = float(prog.q @ x)
    if not qx < 0:
        return np.inf
    xh = x / -qx
    px = _inf(prog.P @ xh) if prog.P is not None else 0.0
    return (1.0 + _inf(prog.q)) * max(px, cone_distance(prog.cones, -(prog.A @ xh)))


def certify(result: Any, prog: ConicProgram, tol: float) -> None:
    """Check a backend's infeasibility claim against its certificate, in place (a :class:`Result`).

    INFEASIBLE needs ``primal_infeasibility(prog, result.certificate) <= tol``; INFEASIBLE_OR_UNBOUNDED and
    UNBOUNDED need ``dual_infeasibility(prog, result.certificate) <= tol``. The value goes to
    ``result.certificate_residual``; a claim without a certificate, or whose certificate fails, becomes
    NUMERICAL_ERROR with the reason in the message. Other statuses are left alone.
    """
    from .result import Status

    if result.status is Status.INFEASIBLE:
        what, check = "primal infeasibility (z in K*, A'z = 0, b'z < 0)", primal_infeasibility
    elif result.status in (Status.INFEASIBLE_OR_UNBOUNDED, Status.UNBOUNDED):
        what, check = "dual infeasibility (P x = 0, -A x in K, q'x < 0)", dual_infeasibility
    else:
        return
    if result.certificate is None:
        result.message += f" [relulp: the solver said {result.status} but returned no certificate]"
        result.status = Status.NUMERICAL_ERROR
        return
    value = check(prog, result.certificate)
    result.certificate_residual = float(value)
    if value <= tol:
        result.message += f" (certified: {what} residual {value:.2g})"
    else:
        result.message += (f" [relulp: the solver said {result.status}, but its certificate of {what} fails: "
                           f"residual {value:.3g} > {tol:.3g}]")
        result.status = Status.NUMERICAL_ERROR


__all__ = [
    "ConicResiduals", "compute", "project", "project_onto", "project_exponential", "cone_distance", "in_cone",
    "primal_infeasibility", "dual_infeasibility", "certify",
]
