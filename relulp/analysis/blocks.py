"""Column-block structure of a body's rows (math.md §2, §5, §7).

The columns 0..N-1 are split into K contiguous blocks ``[starts[k], starts[k+1])`` (the two-layer
relulp LP: 2P blocks u_i^+, u_i^- of width d). A row is *local* to block k when all its nonzeros lie
in that block (the cone rows: d nonzeros each), and *coupling* (``row_block == -1``) otherwise (the
margin rows). Local rows make A^T W A block-diagonal; coupling rows add a low-rank term.

:class:`BlockLayout` is the computational form: local rows as a dense (m_loc, dmax) coefficient
array in a padded (K, dmax) layout of the columns, the coupling rows as a separate matrix.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import scipy.sparse as sp

from relulp.exceptions import DataError


@dataclass(frozen=True)
class BlockStructure:
    """Contiguous column blocks and the block of each row, optionally on two nested levels.

    starts : (K+1,) int, 0 = starts[0] < starts[1] < ... < starts[K] = N
    row_block : (m,) int, the block row i lies in, or -1 for a row that spans several blocks
    coarse_starts : optional (Kc+1,) int, coarser blocks made of whole fine blocks (every coarse start
        is a fine start). In a deeper relulp LP the fine blocks are the leaves' d-blocks and the coarse
        ones the subtrees of the root's children: a level-k cone row (k >= 2) spans many leaf blocks but
        stays inside one coarse block (math.md §2).
    row_coarse : (m,) int, the coarse block row i lies in, or -1 for a coupling row (None without
        ``coarse_starts``)
    """

    starts: np.ndarray
    row_block: np.ndarray
    coarse_starts: np.ndarray | None = None
    row_coarse: np.ndarray | None = None

    @property
    def two_level(self) -> bool:
        return self.coarse_starts is not None

    @property
    def n_blocks(self) -> int:
        return len(self.starts) - 1

    @property
    def n_cols(self) -> int:
        return int(self.starts[-1])

    @property
    def widths(self) -> np.ndarray:
        return np.diff(self.starts)

    def col_block(self) -> np.ndarray:
        """(N,) block index of every column."""
        return np.repeat(np.arange(self.n_blocks), self.widths)

    def with_rows(self, row_block_new: np.ndarray, row_coarse_new: np.ndarray | None = None) -> "BlockStructure":
        """The same column blocks with extra rows appended."""
        rb = np.concatenate([self.row_block, np.asarray(row_block_new, dtype=np.int64)])
        if not self.two_level:
            return BlockStructure(self.starts, rb)
        if row_coarse_new is None:
            raise ValueError("a two-level block structure needs the new rows' coarse blocks")
        rc = np.concatenate([self.row_coarse, np.asarray(row_coarse_new, dtype=np.int64)])
        return BlockStructure(self.starts, rb, self.coarse_starts, rc)

    def with_rows_of(self, A) -> "BlockStructure":
        """Extra rows A (k, N) appended, their blocks detected from A's sparsity."""
        rc = detect_row_blocks(A, self.coarse_starts) if self.two_level else None
        return self.with_rows(detect_row_blocks(A, self.starts), rc)

    def take_rows(self, rows: np.ndarray) -> "BlockStructure":
        rows = np.asarray(rows, dtype=np.int64)
        rc = self.row_coarse[rows] if self.two_level else None
        return BlockStructure(self.starts, self.row_block[rows], self.coarse_starts, rc)

    @staticmethod
    def column_starts(spec, N: int) -> np.ndarray:
        """Column boundaries from an int width d (N divisible by d) or an explicit starts array."""
        if np.isscalar(spec):
            d = int(spec)
            if d < 1 or N % d:
                raise DataError(f"block width {d} does not divide the dimension N = {N}")
            return np.arange(0, N + 1, d, dtype=np.int64)
        starts = np.asarray(spec, dtype=np.int64).ravel()
        if starts.size < 2 or starts[0] != 0 or starts[-1] != N or np.any(np.diff(starts) <= 0):
            raise DataError(f"block starts must increase strictly from 0 to N = {N}, got {starts[:5]}...")
        return starts

    @classmethod
    def detect(cls, A, spec, coarse=None) -> "BlockStructure":
        """Find the block of every row of A (m, N) from its sparsity; spec (and the optional coarse
        level) = a width or an array of starts."""
        N = A.shape[1]
        starts = cls.column_starts(spec, N)
        if coarse is None:
            return cls(starts, detect_row_blocks(A, starts))
        cstarts = cls.column_starts(coarse, N)
        if not np.isin(cstarts, starts).all():
            raise DataError("every coarse block must be a union of whole fine blocks")
        return cls(starts, detect_row_blocks(A, starts), cstarts, detect_row_blocks(A, cstarts))


def detect_row_blocks(A, starts: np.ndarray) -> np.ndarray:
    """(m,) block of each row of A if all its nonzeros lie in one column block, else -1.

    A zero row is assigned to block 0 (it contributes nothing to any Hessian).
    """
    m, N = A.shape
    col_block = np.repeat(np.arange(len(starts) - 1), np.diff(starts))
    if sp.issparse(A):
        C = sp.csr_array(A)
        C.eliminate_zeros()
        rows = np.repeat(np.arange(m), np.diff(C.indptr))
        blk = col_block[C.indices]
        lo = np.full(m, np.iinfo(np.int64).max)
        hi = np.full(m, -1)
        np.minimum.at(lo, rows, blk)
        np.maximum.at(hi, rows, blk)
    else:
        nz = np.asarray(A) != 0
        anyz = nz.any(axis=1)
        first = np.argmax(nz, axis=1)
        last = N - 1 - np.argmax(nz[:, ::-1], axis=1)
        lo = np.where(anyz, col_block[first], np.iinfo(np.int64).max)
        hi = np.where(anyz, col_block[last], -1)
    out = np.where(lo == hi, lo, -1).astype(np.int64)
    out[hi < 0] = 0  # zero rows
    return out


def validate_row_blocks(A, bs: BlockStructure) -> None:
    """Raise DataError unless every row said to be local to block k has its nonzeros inside block k
    (on both levels of a two-level structure)."""
    if bs.two_level:
        if bs.row_coarse is None:
            raise DataError("a two-level block structure needs row_coarse")
        if not np.isin(bs.coarse_starts, bs.starts).all():
            raise DataError("every coarse block must be a union of whole fine blocks")
        _validate_level(A, bs.coarse_starts, bs.row_coarse, "row_coarse")
    _validate_level(A, bs.starts, bs.row_block, "row_block")


def _validate_level(A, starts: np.ndarray, row_block: np.ndarray, name: str) -> None:
    m, N = A.shape
    if int(starts[-1]) != N:
        raise DataError(f"blocks cover {int(starts[-1])} columns but A has {N}")
    if row_block.shape != (m,):
        raise DataError(f"blocks.{name} has shape {row_block.shape}, expected ({m},)")
    if np.any(row_block < -1) or np.any(row_block >= len(starts) - 1):
        raise DataError(f"blocks.{name} entries must be -1 or a block index")
    found = detect_row_blocks(A, starts)
    bad = (row_block >= 0) & (found != row_block)
    # a zero row is local to every block
    if bad.any():
        if sp.issparse(A):
            zero = np.diff(sp.csr_array(A).indptr) == 0
        else:
            zero = ~(np.asarray(A) != 0).any(axis=1)
        bad &= ~zero
    if bad.any():
        i = int(np.flatnonzero(bad)[0])
        raise DataError(f"row {i} is declared local to block {row_block[i]} ({name}) but has nonzeros outside it")


class BlockLayout:
    """Padded per-block view of the columns and the local rows, for block-diagonal Hessians.

    pad_index : (K, dmax) column index of slot (k, p), or N for a padding slot
    loc_rows : (m_loc,) indices of the local rows;  loc_blk : (m_loc,) their blocks
    L : (m_loc, dmax) their coefficients in the padded layout (zeros in padding slots)
    cpl_rows : (k,) indices of the coupling rows
    two_level : True when a two-level structure (uniform widths on both levels) has rows that span
        several fine blocks inside one coarse block; those *mid rows* then get their own padded view
    mid_rows : (m_mid,) their indices;  Kc, dc : coarse block count and width
    Lm : (Kc, mmax, dc) their coefficients, row slot j of coarse block k (zero rows pad the slots)
    mid_k, mid_j : (m_mid,) the coarse block and slot of each mid row
    """

    def __init__(self, A, bs: BlockStructure):
        m, N = A.shape
        K = bs.n_blocks
        widths = bs.widths
        self.N, self.K = N, K
        self.dmax = int(widths.max())
        self.uniform = bool(np.all(widths == self.dmax))
        offs = np.arange(self.dmax)
        pad = bs.starts[:-1, None] + offs[None, :]
        self.pad_mask = offs[None, :] < widths[:, None]
        self.pad_index = np.where(self.pad_mask, pad, N)
        col_block = bs.col_block()
        col_off = np.arange(N) - bs.starts[col_block]
        rb = bs.row_block
        self.loc_rows = np.flatnonzero(rb >= 0)
        self.cpl_rows = np.flatnonzero(rb < 0)
        self.two_level = False
        if bs.two_level and self.uniform and self.cpl_rows.size:
            self._init_mid(A, bs)
        self.loc_blk = rb[self.loc_rows]
        m_loc = self.loc_rows.size
        L = np.zeros((m_loc, self.dmax))
        if sp.issparse(A):
            C = sp.csr_array(A)[self.loc_rows]
            C = sp.csr_array(C)
            r = np.repeat(np.arange(m_loc), np.diff(C.indptr))
            L[r, col_off[C.indices]] = C.data
        else:
            Ad = np.asarray(A)[self.loc_rows]
            # gather each row's block slice
            Ad = np.concatenate([Ad, np.zeros((m_loc, 1))], axis=1)
            L[:] = Ad[np.arange(m_loc)[:, None], self.pad_index[self.loc_blk]]
        self.L = L
        self.dd = self.dmax * self.dmax
        self._pad_flat = self.pad_index.ravel()
        self._pad_valid = self.pad_mask.ravel()
        # block_gram(w) = sum_i w_i l_i l_i^T per block: with the rows of each block stacked in a padded
        # (K, mmax, dmax) array it is one batched product, O(K mmax dmax^2); when the rows are spread so
        # unevenly over the blocks that the padding would cost more than 4x, a sparse (K dmax^2, m_loc)
        # operator built on first use instead (its assembly alone took 0.9 s at 5,800 rows of width 33)
        counts = np.bincount(self.loc_blk, minlength=K) if m_loc else np.zeros(K, dtype=np.int64)
        self._mmax = int(counts.max()) if m_loc else 0
        self._S = None
        self._Lp = None
        if m_loc and K * self._mmax <= 4 * m_loc:
            order = np.argsort(self.loc_blk, kind="stable")
            first = np.concatenate([[0], np.cumsum(counts)[:-1]])
            slot = np.empty(m_loc, dtype=np.int64)
            slot[order] = np.arange(m_loc) - first[self.loc_blk[order]]
            self._slot = slot
            Lp = np.zeros((K, self._mmax, self.dmax))
            Lp[self.loc_blk, slot] = L
            self._Lp = Lp

    def _init_mid(self, A, bs: BlockStructure) -> None:
        cw = np.diff(bs.coarse_starts)
        if not np.all(cw == cw[0]):
            return
        rc = bs.row_coarse[self.cpl_rows]
        mid = rc >= 0
        if not mid.any():
            return
        self.two_level = True
        self.mid_rows = self.cpl_rows[mid]
        self.cpl_rows = self.cpl_rows[~mid]
        self.Kc, self.dc = len(cw), int(cw[0])
        mk = rc[mid]
        order = np.argsort(mk, kind="stable")
        counts = np.bincount(mk, minlength=self.Kc)
        first = np.concatenate([[0], np.cumsum(counts)[:-1]])
        slot = np.empty(mk.size, dtype=np.int64)
        slot[order] = np.arange(mk.size) - first[mk[order]]
        self.mid_k, self.mid_j = mk, slot
        self.mmax = int(counts.max())
        C = sp.csr_array(A)[self.mid_rows] if sp.issparse(A) else sp.csr_array(np.asarray(A)[self.mid_rows])
        C = sp.csr_array(C)
        r = np.repeat(np.arange(mk.size), np.diff(C.indptr))
        Lm = np.zeros((self.Kc, self.mmax, self.dc))
        Lm[mk[r], slot[r], C.indices - bs.coarse_starts[mk[r]]] = C.data
        self.Lm = Lm

    def to_padded(self, x: np.ndarray) -> np.ndarray:
        """(N,) or (N, r) -> (K, dmax) or (K, dmax, r), zeros in padding slots."""
        if self.uniform:
            return x.reshape((self.K, self.dmax) + x.shape[1:])
        if x.ndim == 1:
            ext = np.concatenate([x, [0.0]])
            return ext[self.pad_index]
        ext = np.concatenate([x, np.zeros((1, x.shape[1]))], axis=0)
        return ext[self.pad_index]

    def from_padded(self, X: np.ndarray) -> np.ndarray:
        """Inverse of :meth:`to_padded` (drops padding slots)."""
        if self.uniform:
            return X.reshape((self.N,) + X.shape[2:])
        if X.ndim == 2:
            out = np.empty(self.N)
            out[self._pad_flat[self._pad_valid]] = X.reshape(-1)[self._pad_valid]
            return out
        r = X.shape[2]
        out = np.empty((self.N, r))
        out[self._pad_flat[self._pad_valid]] = X.reshape(-1, r)[self._pad_valid]
        return out

    def block_gram(self, w: np.ndarray) -> np.ndarray:
        """(K, dmax, dmax) blocks of sum_{i local} w_i l_i l_i^T (w: (m_loc,) weights)."""
        if self.loc_blk.size == 0:
            return np.zeros((self.K, self.dmax, self.dmax))
        if self._Lp is not None:
            Wp = np.zeros((self.K, self._mmax))
            Wp[self.loc_blk, self._slot] = w
            return np.matmul((self._Lp * Wp[:, :, None]).transpose(0, 2, 1), self._Lp)
        if self._S is None:
            m_loc = self.loc_blk.size
            pq = np.arange(self.dd)
            p, q = pq // self.dmax, pq % self.dmax
            LL = (self.L[:, p] * self.L[:, q]).ravel()  # (m_loc * dmax^2,) outer products
            flat = (self.loc_blk[:, None] * self.dd + pq[None, :]).ravel()
            cols = np.repeat(np.arange(m_loc), self.dd)
            self._S = sp.csr_array((LL, (flat, cols)), shape=(self.K * self.dd, m_loc))
        return (self._S @ w).reshape(self.K, self.dmax, self.dmax)


def spd_block_inverse(B: np.ndarray) -> np.ndarray:
    """Inverses of a stack (K, d, d) of symmetric positive definite blocks.

    d = 1, 2, 3 by closed-form adjugates (vectorised over K, no per-block LAPACK call), else
    numpy's batched inverse. Raises np.linalg.LinAlgError if a block is not positive definite.
    """
    d = B.shape[-1]
    if d == 1:
        if np.any(B[:, 0, 0] <= 0):
            raise np.linalg.LinAlgError("block not positive definite")
        return 1.0 / B
    if d == 2:
        a, b, c = B[:, 0, 0], B[:, 0, 1], B[:, 1, 1]
        det = a * c - b * b
        if np.any(det <= 0) or np.any(a <= 0):
            raise np.linalg.LinAlgError("block not positive definite")
        out = np.empty_like(B)
        out[:, 0, 0], out[:, 1, 1] = c / det, a / det
        out[:, 0, 1] = out[:, 1, 0] = -b / det
        return out
    if d == 3:
        a, b, c = B[:, 0, 0], B[:, 0, 1], B[:, 0, 2]
        e, f, i = B[:, 1, 1], B[:, 1, 2], B[:, 2, 2]
        A0 = e * i - f * f
        A1 = c * f - b * i
        A2 = b * f - c * e
        det = a * A0 + b * A1 + c * A2
        if np.any(det <= 0) or np.any(a <= 0) or np.any(a * e - b * b <= 0):
            raise np.linalg.LinAlgError("block not positive definite")
        out = np.empty_like(B)
        out[:, 0, 0] = A0
        out[:, 0, 1] = out[:, 1, 0] = A1
        out[:, 0, 2] = out[:, 2, 0] = A2
        out[:, 1, 1] = a * i - c * c
        out[:, 1, 2] = out[:, 2, 1] = b * c - a * f
        out[:, 2, 2] = a * e - b * b
        return out / det[:, None, None]
    return np.linalg.inv(B)
