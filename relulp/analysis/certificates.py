"""Redundancy certificates and their verification (math.md §7).

Row k of T = {A theta <= b} ∩ T^0 is redundant iff max a_k theta over the other rows and T^0 is
<= b_k. A drop is certified by multipliers y >= 0 on rows j still present when it was dropped with

    sum_j y_j b_j + h_T0(a_k - sum_j y_j a_j) <= b_k,

h_T0 the support function of the bound set (box R||w||_1, ball R||w||_2, none 0 for w = 0 else inf).
The bound is evaluated from the data alone, so a certificate can be re-checked without trusting the
solver that found it (:func:`failed_certificates`, :meth:`PruneResult.verify`).
"""

from __future__ import annotations

import numpy as np

from .results import Bound, Certificate, DropReason

_EMPTY_I = np.zeros(0, dtype=np.int64)
_EMPTY_F = np.zeros(0)


def row_scale(P, k: int) -> float:
    """Natural size of row k's right-hand side: |b_k| + ||a_k||_2 times the body's radius."""
    R = P.R if P.bound is not Bound.NONE else 1.0
    return abs(P.b[k]) + P.row_norms[k] * R + 1e-300


def support(P, w: np.ndarray) -> float:
    """h_T0(w) = max over T^0 of w . theta (box R||w||_1, ball R||w||_2, none 0 if w = 0 else inf)."""
    if P.bound is Bound.BOX:
        return P.R * float(np.abs(w).sum())
    if P.bound is Bound.BALL:
        return P.R * float(np.linalg.norm(w))
    nrm = float(np.abs(w).max()) if w.size else 0.0
    return 0.0 if nrm <= 1e-12 * (1.0 + float(P.row_norms.max())) else np.inf


def support_local(P, w: np.ndarray) -> float:
    """h_T0 restricted to a few coordinates (the other entries of the residual are zero)."""
    if P.bound is Bound.BOX:
        return P.R * float(np.abs(w).sum())
    if P.bound is Bound.BALL:
        return P.R * float(np.linalg.norm(w))
    return 0.0 if float(np.abs(w).max()) <= 1e-12 * (1.0 + float(P.row_norms.max())) else np.inf


def dense_row(P, k: int) -> np.ndarray:
    """Row k of A as a dense (N,) vector."""
    if P.is_sparse:
        A = P.A
        out = np.zeros(P.N)
        lo, hi = A.indptr[k], A.indptr[k + 1]
        out[A.indices[lo:hi]] = A.data[lo:hi]
        return out
    return P.A[k]


def _residual(P, k: int, rows: np.ndarray, y: np.ndarray) -> np.ndarray:
    """w = a_k - sum_j y_j a_j as a dense (N,) vector (raw CSR slices for sparse A)."""
    if not P.is_sparse:
        w = P.A[k].astype(np.float64).copy()
        if rows.size:
            w -= P.A[rows].T @ y
        return w
    A = P.A
    ptr = A.indptr
    segs = [np.arange(ptr[k], ptr[k + 1])] + [np.arange(ptr[j], ptr[j + 1]) for j in rows]
    coef = np.concatenate([[1.0], -y]) if rows.size else np.ones(1)
    lens = np.array([s.size for s in segs])
    pos = np.concatenate(segs)
    return np.bincount(A.indices[pos], weights=A.data[pos] * np.repeat(coef, lens), minlength=P.N)


def certificate_bound(P, k: int, rows: np.ndarray, y: np.ndarray) -> float:
    """sum_j y_j b_j + h_T0(a_k - sum_j y_j a_j): an upper bound on a_k theta over the body."""
    rows = np.asarray(rows, dtype=np.int64)
    y = np.asarray(y, dtype=np.float64)
    w = _residual(P, k, rows, y)
    return (float(P.b[rows] @ y) if rows.size else 0.0) + support(P, w)


class Pruner:
    """The state of one pruning run: rows still present, the certificates of the drops so far and a
    count per DropReason. Every stage drops rows only through :meth:`drop`, which checks the
    certificate first."""

    def __init__(self, P, tol: float):
        self.P = P
        self.tol = tol
        self.alive = np.ones(P.m, dtype=bool)
        self.certs: list[Certificate] = []
        self.counts = {r: 0 for r in DropReason}

    def drop(self, k, reason, rows=_EMPTY_I, y=_EMPTY_F, value: float | None = None) -> bool:
        """Drop row k if its certificate holds (evaluated from the data, or ``value`` when the caller
        has evaluated the same bound more cheaply); return whether it was dropped."""
        rows = np.asarray(rows, dtype=np.int64)
        y = np.asarray(y, dtype=np.float64)
        if rows.size and not np.all(self.alive[rows]):
            return False
        val = certificate_bound(self.P, k, rows, y) if value is None else float(value)
        if not (val <= self.P.b[k] + self.tol * row_scale(self.P, k)) or np.any(y < 0):
            return False
        self.alive[k] = False
        self.certs.append(Certificate(int(k), reason, rows, y, float(val)))
        self.counts[reason] += 1
        return True


def failed_certificates(P, certificates, tol: float = 1e-7) -> list[int]:
    """Re-check a sequence of certificates (in drop order) from the data; returns the rows whose
    certificate fails (empty list = all drops proven). Each certificate may only use rows not
    dropped before it."""
    gone = np.zeros(P.m, dtype=bool)
    bad = []
    for cert in certificates:
        if np.any(gone[cert.rows]) or cert.row in set(cert.rows.tolist()):
            bad.append(cert.row)
        else:
            val = certificate_bound(P, cert.row, cert.rows, cert.multipliers)
            if not (np.all(cert.multipliers >= 0) and val <= P.b[cert.row] + tol * row_scale(P, cert.row)):
                bad.append(cert.row)
        gone[cert.row] = True
    return bad
