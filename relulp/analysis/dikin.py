"""The Dikin ellipsoid of T = {theta : A theta <= b} ∩ T^0 at an interior point, and short hit-and-run walks
rounded by it (math.md §5, §7).

With F the log barrier of T (:mod:`relulp.analysis.analytic`: unit-norm rows, and the box or ball barrier of
T^0) and H = grad^2 F(x) at a strictly interior x,

    E(x) = {y : (y - x)^T H (y - x) <= 1}

lies inside T (Dikin), and at the analytic centre T lies inside x + m' E with m' the barrier's parameter
(m' = m + 2N for the box, m + 1 for the ball): E is T's local shape, up to a factor. Three things are read
off it, all through one factorisation of H (:mod:`relulp.analysis.linalg`, Woodbury with blocks: never an
N x N matrix):

* ``widths(G)``: for linear functionals g (the rows of G), the half-width of E along g,
  ``w = sqrt(g H^-1 g^T) = max over E of g (y - x)``;
* ``directions(k, rng)``: k draws of N(0, H^-1). With H = A^T W A + D + U U^T (W = diag(1 / s^2)),
  ``z = H^-1 (A^T W^1/2 xi_1 + D^1/2 xi_2 + U xi_3)`` with standard normal xi has covariance
  H^-1 H H^-1 = H^-1 exactly: one solve per draw, never a square root of H;
* ``walk(k, steps, rng)``: k hit-and-run chains started at x, moving along such directions. Hit-and-run
  with directions from a fixed N(0, Sigma) leaves the uniform distribution on T invariant
  (:mod:`relulp.analysis.sampling`); rounded by E the chains cross T in a few steps, but a short walk is
  not mixed: its points are spread over T, not certified uniform.

Used by the version-space query rules of :mod:`relulp.cpal.query`.
"""

from __future__ import annotations

import numpy as np
import scipy.sparse as sp

from relulp.exceptions import DataError

from ._threads import single_blas_thread
from .results import Bound

#: columns of the right-hand side solved at once by :meth:`DikinEllipsoid.widths` (bounds its memory)
_CHUNK = 256


class DikinEllipsoid:
    """E(x) of the body P at the strictly interior point x (the module docstring).

    Parameters
    ----------
    P : Polytope (bounded by its rows or by T^0)
    x : (N,) strictly interior point, e.g. ``P.analytic_center().x``
    linalg : passed to the Newton systems (:func:`relulp.analysis.analytic_center`'s ``linalg``)

    Raises DataError when x is not strictly inside P.
    """

    def __init__(self, P, x, linalg: str = "auto"):
        from .analytic import Barrier

        x = np.asarray(x, dtype=np.float64).ravel()
        if x.shape != (P.N,):
            raise DataError(f"x must have shape ({P.N},), got {x.shape}")
        P.require_bounded()
        kind = P.bound.value if P.bound is not Bound.NONE else "none"
        self.P, self.x, self.N = P, x, P.N
        if P.m == 0 or not np.any(P.row_norms > 0):
            self.bar = None
            if kind == "none":
                raise DataError("the body has no rows and no bound set: it has no Dikin ellipsoid")
        else:
            self.bar = Barrier(P, kind, linalg)
        s = self.bar.slack(x) if self.bar is not None else np.zeros(0)
        if np.any(s <= 0) or P.bound_slack(x) <= 0:
            raise DataError("the Dikin ellipsoid needs a strictly interior point")
        self.s = s
        self._kind = kind
        gphi, self.dphi, self.U = self._bound_derivs(x)
        if self.bar is not None:
            self.bar.system.factor(1.0 / s**2, self.dphi, self.U)

    def _bound_derivs(self, x):
        """Hessian of T^0's barrier at x: (unused gradient, diagonal, low-rank factor or None)."""
        R = self.P.R
        if self._kind == "box":
            up, lo = R - x, R + x
            return None, 1.0 / up**2 + 1.0 / lo**2, None
        if self._kind == "ball":
            g = R**2 - float(x @ x)
            return None, np.full(self.N, 2.0 / g), (2.0 / g) * x[:, None]
        return None, np.zeros(self.N), None

    def solve(self, r: np.ndarray) -> np.ndarray:
        """H^-1 r for r (N,) or (N, k)."""
        r = np.asarray(r, dtype=np.float64)
        if self.bar is None:  # T^0 alone: H is diagonal plus rank one
            return _diag_rank1_solve(self.dphi, self.U, r)
        with single_blas_thread():
            return self.bar.system.solve(r)

    def widths(self, G) -> np.ndarray:
        """(n,) half-widths sqrt(g H^-1 g^T) of E along the rows g of G ((n, N), dense or sparse)."""
        if G.shape[1] != self.N:
            raise DataError(f"G must have {self.N} columns, got {G.shape[1]}")
        G = sp.csr_array(G) if sp.issparse(G) else np.asarray(G, dtype=np.float64)
        out = np.empty(G.shape[0])
        for lo in range(0, G.shape[0], _CHUNK):
            Gc = G[lo:lo + _CHUNK]
            R = Gc.T.toarray() if sp.issparse(Gc) else np.ascontiguousarray(Gc.T)
            Z = self.solve(R)
            out[lo:lo + _CHUNK] = np.einsum("ij,ij->j", R, Z)
        return np.sqrt(np.maximum(out, 0.0))

    def directions(self, k: int, rng: np.random.Generator) -> np.ndarray:
        """(N, k) independent draws of N(0, H^-1) (one solve per column, all columns at once)."""
        k = int(k)
        r = np.sqrt(self.dphi)[:, None] * rng.standard_normal((self.N, k))
        if self.U is not None:
            r += self.U @ rng.standard_normal((self.U.shape[1], k))
        if self.bar is not None:
            m = self.s.size
            r += np.asarray(self.bar.A.T @ (rng.standard_normal((m, k)) / self.s[:, None]))
        return self.solve(r)

    def chord(self, X: np.ndarray, D: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
        """For points X (N, k) of T and directions D (N, k): the interval [lo, hi] of t with X + t D in T."""
        lo = np.full(X.shape[1], -np.inf)
        hi = np.full(X.shape[1], np.inf)
        if self.bar is not None:
            S = self.bar.b[:, None] - np.asarray(self.bar.A @ X)  # (m, k) slacks, > 0
            Q = np.asarray(self.bar.A @ D)
            with np.errstate(divide="ignore", invalid="ignore"):
                t = S / Q
            hi = np.minimum(hi, np.where(Q > 0, t, np.inf).min(axis=0))
            lo = np.maximum(lo, np.where(Q < 0, t, -np.inf).max(axis=0))
        R = self.P.R
        if self._kind == "box":
            with np.errstate(divide="ignore", invalid="ignore"):
                a, b = (R - X) / D, (-R - X) / D
            hi = np.minimum(hi, np.where(D > 0, a, np.where(D < 0, b, np.inf)).min(axis=0))
            lo = np.maximum(lo, np.where(D > 0, b, np.where(D < 0, a, -np.inf)).max(axis=0))
        elif self._kind == "ball":  # ||X + t D||^2 <= R^2
            a = np.einsum("ij,ij->j", D, D)
            b = np.einsum("ij,ij->j", X, D)
            c = np.einsum("ij,ij->j", X, X) - R**2
            root = np.sqrt(np.maximum(b * b - a * c, 0.0))
            hi = np.minimum(hi, (-b + root) / a)
            lo = np.maximum(lo, (-b - root) / a)
        return lo, hi

    def walk(self, k: int, steps: int, rng: np.random.Generator) -> np.ndarray:
        """(N, k): k hit-and-run chains from x, ``steps`` moves each along N(0, H^-1) directions."""
        X = np.repeat(self.x[:, None], int(k), axis=1)
        for _ in range(int(steps)):
            D = self.directions(k, rng)
            lo, hi = self.chord(X, D)
            ok = np.isfinite(lo) & np.isfinite(hi) & (hi > lo)
            t = np.where(ok, lo + (hi - lo) * rng.random(X.shape[1]), 0.0)
            t = np.where(ok, t, 0.0)
            # a move that lands on the boundary in floating point stays where it was
            Xn = X + t * D
            inside = self._inside(Xn)
            X = np.where(inside[None, :], Xn, X)
        return X

    def _inside(self, X: np.ndarray) -> np.ndarray:
        ok = np.ones(X.shape[1], dtype=bool)
        if self.bar is not None:
            ok &= np.all(self.bar.b[:, None] - np.asarray(self.bar.A @ X) > 0, axis=0)
        if self._kind == "box":
            ok &= np.all(np.abs(X) < self.P.R, axis=0)
        elif self._kind == "ball":
            ok &= np.einsum("ij,ij->j", X, X) < self.P.R**2
        return ok


def _diag_rank1_solve(d: np.ndarray, U, r: np.ndarray) -> np.ndarray:
    """(diag(d) + U U^T)^-1 r by Sherman-Morrison-Woodbury (U (N, q) or None)."""
    dr = r / (d if r.ndim == 1 else d[:, None])
    if U is None:
        return dr
    DU = U / d[:, None]
    C = np.eye(U.shape[1]) + U.T @ DU
    return dr - DU @ np.linalg.solve(C, U.T @ dr)
