"""Newton systems H x = r for the barrier Hessians of :mod:`relulp.analysis.analytic` (math.md §5).

    H = A^T diag(w) A + diag(dvec) + U U^T          A: (m, N) rows, w: (m,) > 0, dvec: (N,) >= 0,
                                                     U: (N, r) a few extra low-rank columns (or None)

Three factorisations, chosen by :func:`make_system`:

* :class:`BlockWoodburySystem` (``blocks`` given): the local rows give a block-diagonal B (K blocks of
  dmax x dmax); the coupling rows and U give V = [A_c^T diag(sqrt w_c), U] (N, k). Then
  H^-1 r = B^-1 r - B^-1 V (I + V^T B^-1 V)^-1 V^T B^-1 r  (Woodbury), O(K dmax^3 + N k^2 + k^3).
  With a two-level structure (deeper LPs) the rows inside one coarse block join B first, by an inner
  Woodbury per coarse block (:meth:`BlockWoodburySystem._factor_mid`), so only the truly coupling
  rows (the margins) reach the outer one.
* :class:`DenseSystem`: form H (m N^2 flops by BLAS) and factor it by Cholesky (N^3 / 3).
* :class:`SparseSystem`: sparse H, factored by SuperLU with a symmetric ordering; U by Woodbury.

All solves are followed by one step of iterative refinement with the exact H (two products with A).
"""

from __future__ import annotations

import numpy as np
import scipy.linalg as sla
import scipy.sparse as sp
import scipy.sparse.linalg as spla

from .blocks import BlockLayout, spd_block_inverse


class _System:
    name = "base"

    def __init__(self, A):
        self.A = A
        self.AT = A.T.tocsr() if sp.issparse(A) else None

    def _At(self, v):
        return self.AT @ v if self.AT is not None else self.A.T @ v

    def hess_mul(self, x: np.ndarray) -> np.ndarray:
        """H x for the last factored weights (x (N,) or (N, r))."""
        Ax = self.A @ x
        Ax = Ax * (self.w if x.ndim == 1 else self.w[:, None])
        out = self._At(Ax)
        out = np.asarray(out) + (self.dvec * x if x.ndim == 1 else self.dvec[:, None] * x)
        if self.U is not None:
            out = out + self.U @ (self.U.T @ x)
        return out

    def solve(self, r: np.ndarray, refine: bool = True) -> np.ndarray:
        x = self._solve(r)
        if refine:
            x = x + self._solve(r - self.hess_mul(x))
        return x

    def factor(self, w, dvec, U=None) -> None:  # pragma: no cover - interface
        raise NotImplementedError


class DenseSystem(_System):
    """Dense H: Cholesky of a float32 copy (half the flops of float64) used as the preconditioner of
    conjugate gradients on the exact float64 system; the factor is reused across Newton steps while
    the weights change by less than a factor ``reuse_ratio`` (near the centre they barely move, and
    forming H, m N^2 flops, is the whole cost). Falls back to a float64 factor if float32 fails or CG
    stalls.
    """

    name = "dense-cholesky"

    def __init__(self, A, reuse_ratio: float = 4.0, cg_tol: float = 1e-12, cg_maxiter: int = 40):
        super().__init__(A)
        self.Ad = A.toarray() if sp.issparse(A) else np.asarray(A)
        self.Ad32 = None
        self.reuse_ratio = reuse_ratio
        self.cg_tol, self.cg_maxiter = cg_tol, cg_maxiter
        self.cf = None
        self.n_factor = 0
        self.n_cg = 0

    def factor(self, w, dvec, U=None) -> None:
        self.w, self.dvec, self.U = w, dvec, U
        if self.cf is not None:
            r = np.concatenate([w / self.w_ref, (dvec + 1e-300) / (self.d_ref + 1e-300)])
            if r.max() / r.min() <= self.reuse_ratio and (U is None) == (self.U_ref is None):
                return
        self._factor(np.float32)

    def _factor(self, dtype) -> None:
        w, dvec, U = self.w, self.dvec, self.U
        if dtype == np.float32:
            if self.Ad32 is None:
                self.Ad32 = self.Ad.astype(np.float32)
            Aw = self.Ad32 * np.sqrt(w).astype(np.float32)[:, None]
        else:
            Aw = self.Ad * np.sqrt(w)[:, None]
        H = Aw.T @ Aw
        H[np.diag_indices_from(H)] += dvec.astype(H.dtype)
        if U is not None:
            H += (U @ U.T).astype(H.dtype)
        try:
            self.cf = sla.cho_factor(H, lower=True, check_finite=False)
        except np.linalg.LinAlgError:
            if dtype == np.float32:
                return self._factor(np.float64)
            raise
        self.exact = dtype == np.float64
        self.w_ref, self.d_ref, self.U_ref = w.copy(), dvec.copy(), U
        self.n_factor += 1

    def _prec(self, r):
        out = sla.cho_solve(self.cf, r.astype(self.cf[0].dtype), check_finite=False)
        return out.astype(np.float64)

    def solve(self, r: np.ndarray, refine: bool = True) -> np.ndarray:
        if r.ndim == 2:
            return np.stack([self.solve(r[:, j]) for j in range(r.shape[1])], axis=1)
        x = self._pcg(r)
        if x is None:
            self._factor(np.float64)
            x = sla.cho_solve(self.cf, r, check_finite=False)
            x = x + sla.cho_solve(self.cf, r - self.hess_mul(x), check_finite=False)
        return x

    def _pcg(self, b):
        x = self._prec(b)
        r = b - self.hess_mul(x)
        nb = np.linalg.norm(b)
        if nb == 0:
            return np.zeros_like(b)
        z = self._prec(r)
        p = z.copy()
        rz = r @ z
        for _ in range(self.cg_maxiter):
            if np.linalg.norm(r) <= self.cg_tol * nb:
                return x
            self.n_cg += 1
            Hp = self.hess_mul(p)
            pHp = p @ Hp
            if pHp <= 0:
                return None
            a = rz / pHp
            x += a * p
            r -= a * Hp
            z = self._prec(r)
            rz_new = r @ z
            p = z + (rz_new / rz) * p
            rz = rz_new
        return x if np.linalg.norm(r) <= 1e-8 * nb else None


class SparseSystem(_System):
    """Sparse H = A^T W A + D factored by SuperLU; extra columns U by Woodbury."""

    name = "sparse-lu"

    def factor(self, w, dvec, U=None) -> None:
        self.w, self.dvec, self.U = w, dvec, U
        H = (self.AT @ sp.diags_array(w) @ self.A + sp.diags_array(dvec)).tocsc()
        self.lu = spla.splu(H, permc_spec="MMD_AT_PLUS_A", options={"SymmetricMode": True})
        if U is not None:
            self.BU = self.lu.solve(U)
            C = np.eye(U.shape[1]) + U.T @ self.BU
            self.cap = sla.cho_factor(C, lower=True)

    def _solve(self, r):
        y = self.lu.solve(np.asarray(r))
        if self.U is None:
            return y
        return y - self.BU @ sla.cho_solve(self.cap, self.U.T @ y)


class BlockWoodburySystem(_System):
    """Block-diagonal (local rows) plus low rank (coupling rows, U), solved by Woodbury."""

    name = "block-woodbury"

    def __init__(self, A, layout: BlockLayout):
        super().__init__(A)
        self.lay = layout
        cpl = layout.cpl_rows
        if sp.issparse(A):
            self.Ac = sp.csr_array(A)[cpl].toarray()
        else:
            self.Ac = np.asarray(A)[cpl]
        self.cpl = cpl
        self.loc = layout.loc_rows

    def factor(self, w, dvec, U=None) -> None:
        lay = self.lay
        self.w, self.dvec, self.U = w, dvec, U
        B = lay.block_gram(w[self.loc])
        dpad = lay.to_padded(dvec)
        dpad[~lay.pad_mask] = 1.0
        idx = np.arange(lay.dmax)
        B[:, idx, idx] += dpad
        self.Binv = spd_block_inverse(B)
        if lay.two_level:
            self._factor_mid(w)
        cols = []
        if self.cpl.size:
            cols.append(self.Ac.T * np.sqrt(w[self.cpl])[None, :])
        if U is not None:
            cols.append(U)
        if cols:
            V = np.concatenate(cols, axis=1) if len(cols) > 1 else cols[0]
            self.V = V
            self.BV = self._binv(V)
            C = np.eye(V.shape[1]) + V.T @ self.BV
            self.cap = sla.cho_factor(C, lower=True, check_finite=False)
        else:
            self.V = None

    def _factor_mid(self, w) -> None:
        """Coarse blocks Bc = B + Vm^T Vm (Vm: the mid rows scaled by sqrt w) by an inner Woodbury:
        Bc^-1 = B^-1 - B^-1 Vm^T Cm^-1 Vm B^-1 with Cm = I + Vm B^-1 Vm^T, one (mmax x mmax) matrix per
        coarse block, since mid rows of different coarse blocks share no column."""
        lay = self.lay
        Kc, mmax, dc = lay.Lm.shape
        q, df = dc // lay.dmax, lay.dmax
        sw = np.zeros((Kc, mmax))
        sw[lay.mid_k, lay.mid_j] = np.sqrt(w[lay.mid_rows])
        Vm = lay.Lm * sw[:, :, None]
        Bi = self.Binv.reshape(Kc, q, df, df)
        BVm = np.einsum("kqij,kmqj->kmqi", Bi, Vm.reshape(Kc, mmax, q, df), optimize=True).reshape(Kc, mmax, dc)
        Cm = Vm @ BVm.transpose(0, 2, 1)
        idx = np.arange(mmax)
        Cm[:, idx, idx] += 1.0
        self.Cm_inv = np.linalg.inv(Cm)  # Cm >= I: well conditioned
        self.Vm, self.BVm = Vm, BVm

    def _binv(self, r):
        lay = self.lay
        P = lay.to_padded(r)
        if r.ndim == 1:
            Y = np.einsum("kij,kj->ki", self.Binv, P)
        else:
            Y = self.Binv @ P
        y = lay.from_padded(Y)
        if not lay.two_level:
            return y
        Yc = y.reshape((lay.Kc, lay.dc) + y.shape[1:])
        if y.ndim == 1:
            t = np.einsum("kmi,ki->km", self.Vm, Yc)
            t = np.einsum("kab,kb->ka", self.Cm_inv, t)
            Yc = Yc - np.einsum("kmi,km->ki", self.BVm, t)
        else:
            t = self.Cm_inv @ (self.Vm @ Yc)
            Yc = Yc - self.BVm.transpose(0, 2, 1) @ t
        return Yc.reshape(y.shape)

    def _solve(self, r):
        y = self._binv(r)
        if self.V is None:
            return y
        return y - self.BV @ sla.cho_solve(self.cap, self.V.T @ y, check_finite=False)


def make_system(A, layout: BlockLayout | None = None, method: str = "auto") -> _System:
    """Pick the factorisation: Woodbury with blocks, dense Cholesky for dense or small A, else sparse LU."""
    m, N = A.shape
    if method == "auto":
        if layout is not None and layout.cpl_rows.size <= max(64, N // 4) and layout.dmax <= 64:
            method = "woodbury"
        elif not sp.issparse(A) or N <= 1500:
            method = "dense"
        else:
            nnz_h = _estimate_hessian_nnz(A)
            method = "dense" if nnz_h > 0.15 * N * N and N <= 8000 else "sparse"
    if method == "woodbury":
        if layout is None:
            raise ValueError("method='woodbury' needs a block structure")
        return BlockWoodburySystem(A, layout)
    if method == "dense":
        return DenseSystem(A)
    if method == "sparse":
        return SparseSystem(sp.csr_array(A) if not sp.issparse(A) else A)
    raise ValueError(f"unknown linear-algebra method {method!r}")


def _estimate_hessian_nnz(A) -> float:
    """Upper estimate of nnz(A^T A) from the column counts of each row (sum of squared row counts)."""
    C = sp.csr_array(A)
    counts = np.diff(C.indptr).astype(np.float64)
    return float(np.minimum((counts**2).sum(), A.shape[1] ** 2))
