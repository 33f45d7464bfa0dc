r"""SDP-NN: the semidefinite relaxation of two-layer ReLU training (math.md §11; Prakhya, Birdal & Yurtsever,
ICLR 2025), in its facially reduced form, with relulp's own certificates and the "TOS" rounding.

Notation (math.md §11): X (n, d) (a ones column appended last when ``bias=True``), Y (n, c), a network
f(x) = W2 (W1^T x)_+ with W1 (d, m), W2 (c, m) and the training problem

    (NN-TRAIN)   min 1/2 ||(X W1)_+ W2^T - Y||_F^2 + (beta/2)(||W1||_F^2 + ||W2||_F^2).

The lifted matrix Lambda is p x p, p = 2n + d + c, with index blocks A = [0, n), B = [n, 2n), U = [2n, 2n+d),
V = [2n+d, p); M = [-I_n, I_n, X, 0].

**The program built here** (:func:`build_sdp_nn`). Every Lambda with M Lambda M^T = 0 and Lambda PSD is
Lambda = N S N^T with S PSD of size k = n + d + c and N the basis of null(M) in the coordinates (b, u, v):

    N = [[I_n, X, 0], [I_n, 0, 0], [0, I_d, 0], [0, 0, I_c]]     (rows A, B, U, V; a = b + X u),

so M Lambda M^T = 0 holds by construction (M N = 0 exactly, also in floating point) and the face of the PSD
cone the literal form lives on is removed (the literal form has no Slater point; interior-point solvers stop
"inaccurate" on it, math.md §11). The variables are x = [svec(S); r] with r = vec(Lambda_AV - Y) (row-major,
n c entries):

    minimise   1/2 ||r||^2 + (beta/2)(tr S_UU + tr S_VV)          (tr Lambda_UU = tr S_UU, likewise V)
    s.t.       r = vec(Lambda_AV(S) - Y)                            (ZeroCone, n c rows)
               diag(Lambda_AB(S)) = 0                               (ZeroCone, n rows)
               Lambda_AA, Lambda_BB (upper triangles), Lambda_AB (off its diagonal) >= 0   (NonnegativeCone)
               svec(S) in PSDTriangleCone(k).

Every entry Lambda_pq = n_p^T S n_q is a linear function of svec(S) (n_p = row p of N, at most d + 1 nonzeros).

*The squared loss as a quadratic term P (default, ``loss_form="quadratic"``).* P is the identity on the r
block and zero elsewhere: the objective is exact (no cone stands in for it), P is diagonal, and Clarabel and
SCS take quadratic objectives natively with conic constraints, so nothing is added to the cone (an epigraph
variable t >= 1/2 ||r||^2 would be one more cone and an extra unbounded-above variable the interior point
method has to drive down). ``loss_form="rsoc"`` builds the textbook alternative (t, 1, Lambda_AV - Y) in a
rotated second-order cone, objective t + trace term, for backends without P and to cross-check: both give
the same optimum (tests/test_convex_sdp.py). Measured on 80 tiny problems with Clarabel at 1e-8: the same
success rate (76/80 OPTIMAL), but against a 1e-10 reference the quadratic form's value is within 2.7e-5
(median 1e-8) and the rsoc form's within 8.3e-5 (median 2.5e-7), and tighter tolerances help only the
quadratic form (docs: "SDP-NN").

**Certificates** (:func:`certify_lambda`, computed by relulp from Lambda = N S N^T, never copied from the
solver): the minimum eigenvalue of Lambda, the most negative entry of its top-left 2n x 2n block,
||M Lambda M^T||_F and max |diag Lambda_AB|, each against ``tol`` times a scale (max(1, max |Lambda_ij|)).
:func:`solve_sdp_nn` reports the value 1/2 ||Lambda_AV - Y||^2 + (beta/2)(tr Lambda_UU + tr Lambda_VV)
computed from Lambda, and ``lower_bound`` = min(that value, the dual objective) only when the status is
OPTIMAL (the solver layer's own residual checks passed) and every certificate passes; otherwise None.

**Rounding** (:func:`round_sdp_nn`, math.md §11 "TOS"): the Davis-Yin iteration on W in R^{p x R} exactly as
specified; the iterate is picked by the NN-TRAIN objective on the training data (never test data).

>>> import numpy as np
>>> from relulp.convex.sdp import build_sdp_nn, solve_sdp_nn, round_sdp_nn
>>> rng = np.random.default_rng(0)
>>> X = rng.standard_normal((8, 2)); y = np.sign(X[:, 0] + 0.3)
>>> sol = solve_sdp_nn(build_sdp_nn(X, y, beta=0.1))
>>> sol.certified, sol.lower_bound <= round_sdp_nn(sol, n_iter=200).objective
(True, True)
"""

from __future__ import annotations

import math
import time
from dataclasses import dataclass, field
from numbers import Integral, Real
from typing import Any

import numpy as np
import scipy.sparse as sp

from ..exceptions import DataError, LPNotSolvedError, UnknownOptionError
from ..patterns import _check_memory
from ..solvers.conic import (
    ConicProgram,
    NonnegativeCone,
    PSDTriangleCone,
    RotatedSecondOrderCone,
    ZeroCone,
    smat,
    svec,
)
from ..validation import check_X

__all__ = [
    "SDPNNProblem", "SDPNNSolution", "SDPCertificates", "SDPNNRounding", "SDPNotSolvedError",
    "build_sdp_nn", "solve_sdp_nn", "certify_lambda", "round_sdp_nn", "tos_rounding", "nn_train_objective",
    "lift_network", "sdp_nn_size", "network_from_weights", "fit_sdp_nn",
    "SDPNNClassifier", "SDPNNRegressor",
]

SQRT2 = math.sqrt(2.0)
LOSS_FORMS = ("quadratic", "rsoc")
#: default stopping tolerance handed to the solver (math.md §11: solve the reduced form to 1e-6 or better)
DEFAULT_TOLERANCE = 1e-8
#: loosest tolerance :func:`solve_sdp_nn` retries at (math.md §11: 1e-6 or better)
MAX_RETRY_TOLERANCE = 1e-6
#: default relative tolerance of the certificates
DEFAULT_CERT_TOL = 1e-6


class SDPNotSolvedError(LPNotSolvedError):
    """The SDP did not end with a verified optimum (status other than OPTIMAL), or its certificates failed,
    where the caller asked for one. ``status``: the :class:`relulp.solvers.Status`; ``result``: the
    solver's Result. A subclass of :class:`relulp.exceptions.LPNotSolvedError`."""


# ----------------------------------------------------------------------------------------------------
# checks
# ----------------------------------------------------------------------------------------------------

def _check_beta(beta) -> float:
    if isinstance(beta, (bool, np.bool_)) or not isinstance(beta, (Real, np.floating, np.integer)):
        raise UnknownOptionError(f"beta must be a finite number >= 0, got {beta!r}")
    beta = float(beta)
    if not (math.isfinite(beta) and beta >= 0.0):
        raise UnknownOptionError(f"beta must be a finite number >= 0, got {beta!r}")
    return beta


def _check_int(value, name: str, minimum: int) -> int:
    if isinstance(value, (bool, np.bool_)) or not isinstance(value, (Integral, np.integer)) or int(value) < minimum:
        raise UnknownOptionError(f"{name} must be an integer >= {minimum}, got {value!r}")
    return int(value)


def _check_pos(value, name: str) -> float:
    if isinstance(value, (bool, np.bool_)) or not isinstance(value, (Real, np.floating, np.integer)) \
            or not (math.isfinite(float(value)) and float(value) > 0):
        raise UnknownOptionError(f"{name} must be a finite number > 0, got {value!r}")
    return float(value)


def _check_Y(Y, n: int) -> np.ndarray:
    """Y as a float64 (n, c) array: a length-n vector is one output column (c = 1)."""
    kind = getattr(getattr(Y, "dtype", None), "kind", None)
    if kind in ("c", "O"):
        raise DataError("Y must be a real numeric array (complex and object arrays are refused)")
    try:
        arr = np.asarray(Y, dtype=np.float64)
    except (TypeError, ValueError) as exc:
        raise DataError(f"Y must be a numeric (n,) or (n, c) array: {exc}") from None
    if arr.ndim == 1:
        arr = arr[:, None]
    if arr.ndim != 2:
        raise DataError(f"Y must be (n,) or (n, c), got shape {arr.shape}")
    if arr.shape[0] != n:
        raise DataError(f"X has {n} rows but Y has {arr.shape[0]}")
    if arr.shape[1] == 0:
        raise DataError("Y must have at least one column")
    if not np.isfinite(arr).all():
        raise DataError(f"Y contains {int((~np.isfinite(arr)).sum())} NaN/inf entries")
    return np.ascontiguousarray(arr)


def _lifted_X(X, bias: bool) -> np.ndarray:
    if not isinstance(bias, (bool, np.bool_)):
        raise UnknownOptionError(f"bias must be True or False, got {bias!r}")
    Xa = check_X(X)
    return np.hstack([Xa, np.ones((Xa.shape[0], 1))]) if bias else Xa


# ----------------------------------------------------------------------------------------------------
# sizes
# ----------------------------------------------------------------------------------------------------

def sdp_nn_size(n: int, d: int, c: int = 1) -> dict[str, int]:
    """Sizes of the facially reduced SDP-NN for n points, d inputs (the ones column included), c outputs.

    Returns ``{"p", "k", "svec", "variables", "rows", "triplets", "build_bytes", "clarabel_bytes",
    "scs_bytes"}``: p = 2n + d + c (Lambda's side), k = n + d + c (S's side), svec = k(k+1)/2, the
    constraint rows, the (i, j, value) triplets the builder forms before summing duplicates (an upper
    bound on A's nonzeros), and byte estimates of the build (triplets, CSC copies, dense N) and of the solve:
    Clarabel's KKT system holds the PSD cone's scaling block, a dense svec x svec matrix, and its LDL factor
    (about 16 svec^2 bytes); SCS works on k x k eigendecompositions. Pure arithmetic: allocates nothing.
    """
    n, d, c = int(n), int(d), int(c)
    p, k = 2 * n + d + c, n + d + c
    dim = k * (k + 1) // 2
    w = d + 1  # nonzeros of a row of N in block A
    n_aa = n * (n + 1) // 2
    n_ab = n * n - n
    rows = dim + n * c + n + 2 * n_aa + n_ab
    triplets = n_aa * w * w + n_ab * w + n_aa + n * w + n * c * w + dim + n * c + d + c
    build = 64 * triplets + 8 * (dim + n * c) * 6 + 8 * rows * 4 + 8 * p * k
    dense = 8 * (3 * p * p + p * k)  # Lambda, its eigendecomposition, N (certificates)
    return {
        "p": p, "k": k, "svec": dim, "variables": dim + n * c, "rows": rows, "triplets": triplets,
        "build_bytes": build,
        "clarabel_bytes": 16 * dim * dim + 64 * triplets + dense,
        "scs_bytes": 8 * 6 * k * k + 64 * triplets + dense,
    }


def _solver_bytes(size: dict[str, int], backend: str) -> int:
    if backend.startswith("scs"):
        return size["scs_bytes"]
    return size["clarabel_bytes"]  # interior point (Clarabel and unknown backends: the conservative estimate)


# ----------------------------------------------------------------------------------------------------
# the problem
# ----------------------------------------------------------------------------------------------------

@dataclass
class SDPNNProblem:
    """The facially reduced SDP-NN of one data set: the :class:`ConicProgram` and what is needed to read it.

    ``X`` (n, d) holds the lifted inputs (the ones column last when ``bias``), ``Y`` (n, c) the targets.
    Program variables: ``x = [svec(S); r]`` (``loss_form="quadratic"``) or ``x = [svec(S); t]``
    (``"rsoc"``), S of side k = n + d + c. Use :meth:`lambda_of_S`, :meth:`S_of_x`, :meth:`x_of_S`.
    """

    program: ConicProgram
    X: np.ndarray
    Y: np.ndarray
    beta: float
    bias: bool
    loss_form: str
    size: dict = field(default_factory=dict)

    @property
    def n(self) -> int:
        return self.X.shape[0]

    @property
    def d(self) -> int:
        return self.X.shape[1]

    @property
    def c(self) -> int:
        return self.Y.shape[1]

    @property
    def p(self) -> int:
        return 2 * self.n + self.d + self.c

    @property
    def k(self) -> int:
        return self.n + self.d + self.c

    @property
    def dim(self) -> int:
        return self.k * (self.k + 1) // 2

    def blocks(self) -> dict[str, slice]:
        """Index blocks of Lambda: ``{"A", "B", "U", "V"}`` -> slices."""
        n, d = self.n, self.d
        return {"A": slice(0, n), "B": slice(n, 2 * n), "U": slice(2 * n, 2 * n + d),
                "V": slice(2 * n + d, self.p)}

    def basis(self) -> np.ndarray:
        """N (p, k): a basis of null(M) in the coordinates (b, u, v); Lambda = N S N^T."""
        return _basis(self.X, self.c)

    def constraint_matrix(self) -> np.ndarray:
        """M = [-I_n, I_n, X, 0_{n x c}] (n, p)."""
        return _M(self.X, self.c)

    def S_of_x(self, x) -> np.ndarray:
        """S (k, k) from a program vector x (its first svec entries)."""
        x = np.asarray(x, dtype=np.float64)
        return smat(x[: self.dim])

    def lambda_of_S(self, S) -> np.ndarray:
        """Lambda = N S N^T (p, p)."""
        N = self.basis()
        L = N @ np.asarray(S, dtype=np.float64) @ N.T
        return 0.5 * (L + L.T)

    def x_of_S(self, S) -> np.ndarray:
        """The program vector of S: ``[svec(S); r]`` with r = vec(Lambda_AV - Y) (quadratic form) or
        ``[svec(S); t]`` with t = 1/2 ||Lambda_AV - Y||^2 (rsoc form); feasible iff S is."""
        S = np.asarray(S, dtype=np.float64)
        Lam = self.lambda_of_S(S)
        R = Lam[self.blocks()["A"], self.blocks()["V"]] - self.Y
        tail = R.ravel() if self.loss_form == "quadratic" else np.array([0.5 * float(np.sum(R * R))])
        return np.concatenate([svec(S), tail])

    def objective_of_lambda(self, Lam) -> float:
        """1/2 ||Lambda_AV - Y||_F^2 + (beta/2)(tr Lambda_UU + tr Lambda_VV), computed by relulp."""
        return _objective_of_lambda(np.asarray(Lam, dtype=np.float64), self.Y, self.beta, self.n, self.d)

    def __repr__(self) -> str:
        return (f"SDPNNProblem(n={self.n}, d={self.d}, c={self.c}, beta={self.beta:g}, bias={self.bias}, "
                f"loss_form={self.loss_form!r}, S {self.k}x{self.k}, {self.program!r})")


def _basis(X: np.ndarray, c: int) -> np.ndarray:
    n, d = X.shape
    N = np.zeros((2 * n + d + c, n + d + c))
    N[:n, :n] = np.eye(n)
    N[:n, n:n + d] = X
    N[n:2 * n, :n] = np.eye(n)
    N[2 * n:, n:] = np.eye(d + c)
    return N


def _M(X: np.ndarray, c: int) -> np.ndarray:
    n, _ = X.shape
    return np.hstack([-np.eye(n), np.eye(n), X, np.zeros((n, c))])


def _objective_of_lambda(Lam: np.ndarray, Y: np.ndarray, beta: float, n: int, d: int) -> float:
    c = Y.shape[1]
    p = 2 * n + d + c
    if Lam.shape != (p, p):
        raise DataError(f"Lambda must be {p} x {p} for n={n}, d={d}, c={c}; got shape {Lam.shape}")
    R = Lam[:n, 2 * n + d:] - Y
    trace = float(np.trace(Lam[2 * n:, 2 * n:]))
    return 0.5 * float(np.sum(R * R)) + 0.5 * beta * trace


def _n_sparse(X: np.ndarray, c: int) -> tuple[np.ndarray, np.ndarray]:
    """Rows of N as (indices, values), each padded to width d + 1 (padding: index 0, value 0)."""
    n, d = X.shape
    p, w = 2 * n + d + c, d + 1
    NI = np.zeros((p, w), dtype=np.int64)
    NV = np.zeros((p, w))
    i = np.arange(n)
    NI[:n, 0], NV[:n, 0] = i, 1.0
    NI[:n, 1:] = n + np.arange(d)[None, :]
    NV[:n, 1:] = X
    NI[n:2 * n, 0], NV[n:2 * n, 0] = i, 1.0
    NI[2 * n:, 0], NV[2 * n:, 0] = n + np.arange(d + c), 1.0
    return NI, NV


def _lambda_rows(NI: np.ndarray, NV: np.ndarray, P: np.ndarray, Q: np.ndarray, dim: int) -> sp.csr_array:
    """Row r = the linear functional svec(S) -> Lambda[P[r], Q[r]] = n_P^T S n_Q (a CSR array (len(P), dim)).

    With S symmetric, n_p^T S n_q = sum_{i,j} N_pi N_qj S_ij, and S_ij = svec_t / sqrt(2) off the diagonal,
    svec_t at t = J(J+1)/2 + I, (I, J) = (min, max)(i, j) (upper triangle, column-major): so the term (i, j)
    adds N_pi N_qj (1 on the diagonal, 1/sqrt(2) off it) to the coefficient of svec_t.
    """
    R = P.shape[0]
    w = NI.shape[1]
    ii = np.broadcast_to(NI[P][:, :, None], (R, w, w))
    jj = np.broadcast_to(NI[Q][:, None, :], (R, w, w))
    vals = NV[P][:, :, None] * NV[Q][:, None, :]
    lo, hi = np.minimum(ii, jj), np.maximum(ii, jj)
    t = hi * (hi + 1) // 2 + lo
    vals = vals * np.where(ii == jj, 1.0, 1.0 / SQRT2)
    rows = np.broadcast_to(np.arange(R)[:, None, None], (R, w, w))
    keep = vals != 0.0
    out = sp.csr_array((vals[keep], (rows[keep], t[keep])), shape=(R, dim))
    out.sum_duplicates()
    out.eliminate_zeros()
    return out


def build_sdp_nn(X, Y, beta: float, *, bias: bool = False, loss_form: str = "quadratic",
                 memory_limit=None) -> SDPNNProblem:
    """The facially reduced SDP-NN (math.md §11) of data X (n, d0), targets Y and weight decay beta.

    Parameters
    ----------
    X : (n, d0) array, finite.
    Y : (n,) or (n, c) array: regression targets, +-1 labels (c = 1) or one-hot rows (c = #classes).
    beta : float >= 0, the weight decay of NN-TRAIN (beta/2)(||W1||^2 + ||W2||^2).
    bias : append a ones column to X (the network then has biases), d = d0 + 1.
    loss_form : ``"quadratic"`` (default: 1/2 ||r||^2 as the P term) or ``"rsoc"`` (a rotated cone).
    memory_limit : bytes or e.g. ``'1G'`` (default: relulp's cap, :func:`relulp.get_memory_limit`). The
        build is sized first (:func:`sdp_nn_size`: svec entries, triplets) and refused with
        :class:`relulp.ModelSizeError` before anything is allocated when it needs more.

    Returns
    -------
    :class:`SDPNNProblem` (its ``program`` is the :class:`relulp.solvers.conic.ConicProgram`).

    Raises :class:`relulp.DataError` (NaN/inf, wrong shapes), :class:`relulp.UnknownOptionError` (beta < 0 or
    not finite, a bad ``bias`` or ``loss_form``), :class:`relulp.ModelSizeError` (too large).
    """
    Xa = _lifted_X(X, bias)
    n, d = Xa.shape
    Yc = _check_Y(Y, n)
    c = Yc.shape[1]
    beta = _check_beta(beta)
    if loss_form not in LOSS_FORMS:
        raise UnknownOptionError(f"loss_form must be one of {LOSS_FORMS}, got {loss_form!r}")
    size = sdp_nn_size(n, d, c)
    _check_memory(size["build_bytes"],
                  f"the SDP-NN of n={n:,} points, d={d}, c={c} (S of side {size['k']:,}: {size['svec']:,} svec "
                  f"entries, about {size['triplets']:,} nonzeros in {size['rows']:,} rows)",
                  "use fewer points", memory_limit)

    k, dim, p = size["k"], size["svec"], size["p"]
    NI, NV = _n_sparse(Xa, c)
    A_, B_, V_ = np.arange(n), n + np.arange(n), 2 * n + d + np.arange(c)

    # Lambda_AV (row-major over (i, l)), diag Lambda_AB
    Pav, Qav = np.repeat(A_, c), np.tile(V_, n)
    L_av = _lambda_rows(NI, NV, Pav, Qav, dim)
    L_dab = _lambda_rows(NI, NV, A_, B_, dim)
    # entrywise >= 0: AA and BB upper triangles, AB off its diagonal
    iu, ju = np.triu_indices(n)
    ia, ja = np.nonzero(~np.eye(n, dtype=bool))
    P_nn = np.concatenate([A_[iu], B_[iu], A_[ia]])
    Q_nn = np.concatenate([A_[ju], B_[ju], B_[ja]])
    L_nn = _lambda_rows(NI, NV, P_nn, Q_nn, dim)

    q_S = np.zeros(dim)
    diag_t = lambda idx: idx * (idx + 1) // 2 + idx  # noqa: E731 - svec position of S[idx, idx]
    q_S[diag_t(n + np.arange(d + c))] = 0.5 * beta  # tr S_UU + tr S_VV = tr Lambda_UU + tr Lambda_VV
    y = Yc.ravel()

    I_dim = sp.identity(dim, format="csr")
    if loss_form == "quadratic":
        nr = n * c
        nx = dim + nr
        A = sp.vstack([
            sp.hstack([L_av, -sp.identity(nr)]),                       # Lambda_AV - r = Y
            sp.hstack([L_dab, sp.csr_array((n, nr))]),                 # diag Lambda_AB = 0
            sp.hstack([-L_nn, sp.csr_array((L_nn.shape[0], nr))]),     # s = Lambda_e >= 0
            sp.hstack([-I_dim, sp.csr_array((dim, nr))]),              # s = svec(S) PSD
        ], format="csc")
        b = np.concatenate([y, np.zeros(n + L_nn.shape[0] + dim)])
        q = np.concatenate([q_S, np.zeros(nr)])
        P = sp.diags_array(np.concatenate([np.zeros(dim), np.ones(nr)]), format="csc")
        cones = [ZeroCone(nr + n), NonnegativeCone(L_nn.shape[0]), PSDTriangleCone(k)]
    else:
        nx = dim + 1
        A = sp.vstack([
            sp.hstack([L_dab, sp.csr_array((n, 1))]),
            sp.hstack([-L_nn, sp.csr_array((L_nn.shape[0], 1))]),
            sp.hstack([-I_dim, sp.csr_array((dim, 1))]),
            # rotated cone (t, 1, Lambda_AV - Y): 2 t >= ||Lambda_AV - Y||^2, objective t
            sp.csr_array(([-1.0], ([0], [dim])), shape=(2, nx)),
            sp.hstack([-L_av, sp.csr_array((n * c, 1))]),
        ], format="csc")
        b = np.concatenate([np.zeros(n + L_nn.shape[0] + dim), [0.0, 1.0], -y])
        q = np.concatenate([q_S, [1.0]])
        P = None
        cones = [ZeroCone(n), NonnegativeCone(L_nn.shape[0]), PSDTriangleCone(k), RotatedSecondOrderCone(n * c + 2)]
    meta = {"name": "sdp_nn", "source": "relulp.convex.sdp", "n": n, "d": d, "c": c, "p": p, "k": k,
            "beta": beta, "bias": bool(bias), "loss_form": loss_form, "optimum_exists": True}
    prog = ConicProgram(q=q, A=A, b=b, cones=cones, P=P, objective_constant=0.0, meta=meta)
    assert prog.num_cols == nx
    return SDPNNProblem(program=prog, X=Xa, Y=Yc, beta=beta, bias=bool(bias), loss_form=loss_form, size=size)


# ----------------------------------------------------------------------------------------------------
# certificates
# ----------------------------------------------------------------------------------------------------

@dataclass
class SDPCertificates:
    """What relulp checked on a Lambda (all numbers computed by relulp from Lambda itself).

    ``min_eigenvalue`` (>= -tol*scale), ``min_block_entry`` (most negative entry of the top-left 2n x 2n
    block, >= -tol*scale), ``constraint_residual`` = ||M Lambda M^T||_F (<= tol*scale*(1 + ||M||_F^2)),
    ``max_diag_ab`` = max |diag Lambda_AB| (<= tol*scale), ``scale`` = max(1, max |Lambda_ij|).
    ``failures`` names each failed check; ``passed`` is True when there is none. When they come from
    :func:`solve_sdp_nn`, ``solver`` holds the solver layer's own checks (status, relative residuals, gap)
    and ``objective_gap`` the difference between relulp's value and the solver layer's objective.
    """

    min_eigenvalue: float
    min_block_entry: float
    constraint_residual: float
    max_diag_ab: float
    scale: float
    tol: float
    failures: list = field(default_factory=list)
    solver: dict = field(default_factory=dict)
    objective_gap: float | None = None

    @property
    def passed(self) -> bool:
        return not self.failures

    def summary(self) -> str:
        return (f"min eig {self.min_eigenvalue:.3g}, min 2n-block entry {self.min_block_entry:.3g}, "
                f"||M Lambda M^T|| {self.constraint_residual:.3g}, max |diag Lambda_AB| {self.max_diag_ab:.3g} "
                f"(scale {self.scale:.3g}, tol {self.tol:g}): "
                + ("passed" if self.passed else "FAILED: " + "; ".join(self.failures)))


def certify_lambda(Lam, X, *, c: int | None = None, tol: float = DEFAULT_CERT_TOL) -> SDPCertificates:
    """Check a lifted matrix Lambda (p x p) against the constraints of SDP-NN (math.md §11), literally.

    ``X`` is the (n, d) input matrix the problem was built with (the ones column included when the problem
    has a bias: use ``problem.X``); c defaults to p - 2n - d. Lambda must be symmetric (|Lambda - Lambda^T|
    <= tol*scale, else a failure). Returns :class:`SDPCertificates`.
    """
    X = check_X(X)
    n, d = X.shape
    try:
        Lam = np.asarray(Lam, dtype=np.float64)
    except (TypeError, ValueError) as exc:
        raise DataError(f"Lambda must be a numeric square matrix: {exc}") from None
    if Lam.ndim != 2 or Lam.shape[0] != Lam.shape[1]:
        raise DataError(f"Lambda must be a square matrix, got shape {Lam.shape}")
    p = Lam.shape[0]
    if c is None:
        c = p - 2 * n - d
    if c < 1 or p != 2 * n + d + c:
        raise DataError(f"Lambda is {p} x {p}; with n={n}, d={d} it must be (2n + d + c) square with c >= 1")
    if not np.isfinite(Lam).all():
        raise DataError("Lambda contains NaN/inf")
    tol = _check_pos(tol, "tol")
    scale = max(1.0, float(np.abs(Lam).max()))
    failures = []
    asym = float(np.abs(Lam - Lam.T).max())
    if asym > tol * scale:
        failures.append(f"Lambda is not symmetric (max |Lambda - Lambda^T| = {asym:.3g})")
    Ls = 0.5 * (Lam + Lam.T)
    min_eig = float(np.linalg.eigvalsh(Ls)[0])
    min_block = float(Ls[:2 * n, :2 * n].min())
    Mx = _M(X, c)
    cres = float(np.linalg.norm(Mx @ Ls @ Mx.T))
    mdiag = float(np.abs(np.diagonal(Ls[:n, n:2 * n])).max())
    if min_eig < -tol * scale:
        failures.append(f"Lambda is not PSD (min eigenvalue {min_eig:.3g})")
    if min_block < -tol * scale:
        failures.append(f"the 2n x 2n block has a negative entry ({min_block:.3g})")
    if cres > tol * scale * (1.0 + float(np.sum(Mx * Mx))):
        failures.append(f"M Lambda M^T != 0 (Frobenius norm {cres:.3g})")
    if mdiag > tol * scale:
        failures.append(f"diag(Lambda_AB) != 0 (max |entry| {mdiag:.3g})")
    return SDPCertificates(min_eigenvalue=min_eig, min_block_entry=min_block, constraint_residual=cres,
                           max_diag_ab=mdiag, scale=scale, tol=tol, failures=failures)


# ----------------------------------------------------------------------------------------------------
# solving
# ----------------------------------------------------------------------------------------------------

@dataclass
class SDPNNSolution:
    """The outcome of :func:`solve_sdp_nn`.

    ``status`` (:class:`relulp.solvers.Status`, verified by the solver layer), ``result`` (its Result),
    ``S`` (k, k) and ``Lambda`` = N S N^T (p, p) (None without a point), ``value`` = the SDP objective
    computed by relulp from Lambda, ``certificates`` (:class:`SDPCertificates`), ``lower_bound`` = value
    when :attr:`certified` (status OPTIMAL and every certificate passed) else None.
    """

    problem: SDPNNProblem
    result: Any
    status: Any
    S: np.ndarray | None
    Lambda: np.ndarray | None
    value: float | None
    certificates: SDPCertificates | None
    seconds: float = 0.0
    attempts: list = field(default_factory=list)

    @property
    def certified(self) -> bool:
        from .. import solvers

        return (self.status is solvers.Status.OPTIMAL and self.certificates is not None
                and self.certificates.passed)

    @property
    def lower_bound(self) -> float | None:
        """A lower bound on NN-TRAIN for every width, only when :attr:`certified` (else None): the smaller of
        the value and the solver layer's dual objective (they differ by the verified gap)."""
        if not self.certified:
            return None
        dual = getattr(self.result, "dual_objective", None)
        if dual is not None and np.isfinite(dual):
            return float(min(self.value, dual))
        return self.value

    def summary(self) -> str:
        v = "-" if self.value is None else f"{self.value:.8g}"
        cert = "-" if self.certificates is None else self.certificates.summary()
        return f"SDP-NN {self.status}: value {v}, lower bound {self.lower_bound}; certificates: {cert}"


def solve_sdp_nn(prob: SDPNNProblem, backend: str = "clarabel", tolerance: float | None = DEFAULT_TOLERANCE, *,
                 cert_tol: float = DEFAULT_CERT_TOL, verify_tolerance: float | None = None,
                 time_limit: float | None = None, retry: bool = True, memory_limit=None,
                 **options) -> SDPNNSolution:
    """Solve an :class:`SDPNNProblem` with the solver layer (:func:`relulp.solvers.solve`) and certify it.

    ``tolerance`` is the solver's stopping tolerance (default 1e-8; math.md §11 asks for 1e-6 or better),
    ``verify_tolerance`` the solver layer's bound on its relative residuals for OPTIMAL (its default),
    ``cert_tol`` the relative tolerance of relulp's certificates (:func:`certify_lambda`), ``**options``
    backend-native options. ``retry``: when the solve ends OPTIMAL_INACCURATE (Clarabel's "AlmostSolved":
    it stalled short of ``tolerance``, about 1 solve in 20 at 1e-8 on tiny data) at a point whose relative
    residuals and gap already meet the bound a solve at 10 x ``tolerance`` is verified against, solve once
    more at 10 x ``tolerance`` (if that is still <= 1e-6) and keep it if it is OPTIMAL (``attempts`` lists
    (tolerance, status) of each try). The solve is sized first (:func:`sdp_nn_size`: Clarabel's dense PSD block is
    about 16 svec^2 bytes) and refused with :class:`relulp.ModelSizeError` above ``memory_limit``.

    Returns :class:`SDPNNSolution`; ``lower_bound`` is set only when the status is OPTIMAL and the
    certificates pass. Nothing is raised for a failed solve: read ``status``.
    """
    from .. import solvers

    if not isinstance(prob, SDPNNProblem):
        raise TypeError(f"solve_sdp_nn takes an SDPNNProblem (from build_sdp_nn), got {type(prob).__name__}")
    size = prob.size or sdp_nn_size(prob.n, prob.d, prob.c)
    _check_memory(_solver_bytes(size, str(backend)),
                  f"solving the SDP-NN of n={prob.n:,} points with {backend!r} (S of side {size['k']:,}, "
                  f"{size['svec']:,} svec entries)", "use fewer points", memory_limit)
    cert_tol = _check_pos(cert_tol, "cert_tol")
    t0 = time.perf_counter()
    res = solvers.solve(prob.program, backend=backend, tolerance=tolerance, verify_tolerance=verify_tolerance,
                        time_limit=time_limit, **options)
    attempts = [(tolerance, res.status)]
    if (retry and res.status is solvers.Status.OPTIMAL_INACCURATE and tolerance is not None
            and 10.0 * float(tolerance) <= MAX_RETRY_TOLERANCE and _could_verify(res, tolerance, verify_tolerance)):
        # Clarabel's "AlmostSolved" at a tight tolerance: once more at a 10x looser one (still <= 1e-6)
        again = solvers.solve(prob.program, backend=backend, tolerance=10.0 * float(tolerance),
                              verify_tolerance=verify_tolerance, time_limit=time_limit, **options)
        attempts.append((10.0 * float(tolerance), again.status))
        if again.status is solvers.Status.OPTIMAL:
            res = again
    S = Lam = value = cert = None
    if res.x is not None and np.isfinite(res.x).all():
        S = prob.S_of_x(res.x)
        Lam = prob.lambda_of_S(S)
        value = prob.objective_of_lambda(Lam)
        cert = certify_lambda(Lam, prob.X, c=prob.c, tol=cert_tol)
        cert.solver = {k: getattr(res, k, None) for k in
                       ("status", "rel_primal_residual", "rel_dual_residual", "rel_gap", "dual_objective",
                        "objective", "verify_tolerance", "tolerance", "iterations")}
        cert.solver["status"] = str(res.status)
        if res.objective is not None:
            cert.objective_gap = float(value - res.objective)
            if abs(cert.objective_gap) > cert_tol * (1.0 + abs(value)):
                cert.failures.append(f"relulp's value {value:.10g} differs from the solver layer's objective "
                                     f"{res.objective:.10g}")
    return SDPNNSolution(problem=prob, result=res, status=res.status, S=S, Lambda=Lam, value=value,
                         certificates=cert, seconds=time.perf_counter() - t0, attempts=attempts)


def _could_verify(res, tolerance: float, verify_tolerance: float | None) -> bool:
    """Whether the point of an OPTIMAL_INACCURATE solve already meets the verification bound a solve at
    10 x ``tolerance`` would use (the solver layer's default max(1e-6, 10 x that tolerance)). Clarabel
    follows the same path at the looser tolerance, so a retry can only end OPTIMAL if this holds."""
    bound = verify_tolerance if verify_tolerance is not None else max(1e-6, 100.0 * float(tolerance))
    values = [getattr(res, k, None) for k in ("rel_primal_residual", "rel_dual_residual", "rel_gap")]
    return all(v is not None and v <= bound for v in values)


# ----------------------------------------------------------------------------------------------------
# networks, objective, lifting
# ----------------------------------------------------------------------------------------------------

def nn_train_objective(X, Y, W1, W2, beta: float) -> float:
    """NN-TRAIN: 1/2 ||(X W1)_+ W2^T - Y||_F^2 + (beta/2)(||W1||_F^2 + ||W2||_F^2) (sum, not mean).

    X (n, d) as the network sees it (with the ones column for a bias), Y (n,) or (n, c), W1 (d, m),
    W2 (c, m) (a vector of length m when c = 1).
    """
    X = check_X(X)
    Yc = _check_Y(Y, X.shape[0])
    W1 = np.asarray(W1, dtype=np.float64)
    W2 = np.atleast_2d(np.asarray(W2, dtype=np.float64))
    if W1.ndim != 2 or W1.shape[0] != X.shape[1] or W2.shape != (Yc.shape[1], W1.shape[1]):
        raise DataError(f"W1 must be ({X.shape[1]}, m) and W2 ({Yc.shape[1]}, m); got {W1.shape} and {W2.shape}")
    R = np.maximum(X @ W1, 0.0) @ W2.T - Yc
    return 0.5 * float(np.sum(R * R)) + 0.5 * _check_beta(beta) * (float(np.sum(W1 * W1)) + float(np.sum(W2 * W2)))


def lift_network(X, W1, W2) -> np.ndarray:
    """Lambda = L L^T with L = [(X W1)_+; (X W1)_-; W1; W2] (p x m): the lifted matrix of a network
    (math.md §11, check (1)). X (n, d) as the network sees it, W1 (d, m), W2 (c, m)."""
    X = check_X(X)
    W1 = np.asarray(W1, dtype=np.float64)
    W2 = np.atleast_2d(np.asarray(W2, dtype=np.float64))
    H = X @ W1
    L = np.vstack([np.maximum(H, 0.0), np.maximum(-H, 0.0), W1, W2])
    return L @ L.T


def network_from_weights(W1, W2, *, bias: bool = False, task: str = "regression", info: dict | None = None):
    """A :class:`relulp.ReLUNetwork` f(x) = W2 (W1^T x)_+ from W1 (d, m) and W2 (c, m) (no hidden biases; with
    ``bias`` the last row of W1 acts on the ones column the network appends). ``output_weights`` is W2[0]
    (m,) for c = 1, W2^T (m, c) otherwise (then ``decision_function`` returns (n, c))."""
    from ..network import ReLUNetwork

    W1 = np.ascontiguousarray(W1, dtype=np.float64)
    W2 = np.atleast_2d(np.asarray(W2, dtype=np.float64))
    out = W2[0].copy() if W2.shape[0] == 1 else np.ascontiguousarray(W2.T)
    return ReLUNetwork([W1], out, bool(bias), dict(info or {}, task=task))


# ----------------------------------------------------------------------------------------------------
# rounding (TOS)
# ----------------------------------------------------------------------------------------------------

@dataclass
class SDPNNRounding:
    """The rounded network of :func:`round_sdp_nn` / :func:`tos_rounding`.

    ``W1`` (d, m), ``W2`` (c, m), ``objective`` = NN-TRAIN(W1, W2) on the training data, ``iteration`` = the
    index k of the iterate W_k kept (the one with the least NN-TRAIN objective), ``history`` (K + 1,) the
    NN-TRAIN objective of every W_k, ``gamma`` the step, ``network`` a :class:`relulp.ReLUNetwork`.
    """

    W1: np.ndarray
    W2: np.ndarray
    objective: float
    iteration: int
    history: np.ndarray
    gamma: float
    network: Any = None
    seconds: float = 0.0


def _pair_projection(T: np.ndarray, n: int) -> np.ndarray:
    """P: on each column, each pair (a_i, b_i) keeps its larger non-negative entry and zeroes the other
    (both negative: both zero; a tie keeps a); rows u, v untouched. In place on a copy."""
    a, b = T[:n], T[n:2 * n]
    keep_a = (a >= b) & (a > 0.0)
    keep_b = (b > a) & (b > 0.0)
    out = T.copy()
    out[:n] = np.where(keep_a, a, 0.0)
    out[n:2 * n] = np.where(keep_b, b, 0.0)
    return out


def tos_rounding(Lam, X, Y, beta: float, *, rank: int = 300, n_iter: int = 1000, step_factor: float = 0.75,
                 memory_limit=None) -> SDPNNRounding:
    """The Davis-Yin ("TOS") rounding of math.md §11: W in R^{p x R} with h(W) = 1/2 ||W W^T - Lambda||_F^2,
    every column in null(M) and in {a >= 0, b >= 0, a * b = 0}.

    Pi = I - M^T (M M^T)^{-1} M; Z_0 = the first R columns of U sqrt(S) from the SVD Lambda = U S V^T
    (numpy's, singular values decreasing; zero columns when p < R); gamma = step_factor / ||Lambda||_F;
    for k = 0..K-1: W_k = Pi Z_k, G_k = 2 (W_k W_k^T W_k - Lambda W_k), V_k = P(2 W_k - Z_k - gamma G_k),
    Z_{k+1} = Z_k - W_k + V_k. The network of W_k is
    W1 = rows U, W2 = rows V; the iterate kept is the W_k (k = 0..K, W_K = Pi Z_K) of least NN-TRAIN
    objective on (X, Y) -- training data only.

    Zero columns of Z_0 stay zero in every iterate (Pi 0 = 0, G's column is 0, P(0) = 0), so only the
    first min(R, p) columns are iterated: the same iterates, min(R, p) neurons.
    """
    X = check_X(X)
    n, d = X.shape
    Yc = _check_Y(Y, n)
    c = Yc.shape[1]
    p = 2 * n + d + c
    beta = _check_beta(beta)
    rank = _check_int(rank, "rank", 1)
    n_iter = _check_int(n_iter, "n_iter", 0)
    step_factor = _check_pos(step_factor, "step_factor")
    Lam = np.asarray(Lam, dtype=np.float64)
    if Lam.shape != (p, p):
        raise DataError(f"Lambda must be {p} x {p} (n={n}, d={d}, c={c}), got shape {Lam.shape}")
    if not np.isfinite(Lam).all():
        raise DataError("Lambda contains NaN/inf")
    R = min(rank, p)
    _check_memory(8 * (6 * p * p + 8 * p * R + 2 * n * R + n_iter + 1),
                  f"TOS rounding with p={p:,}, R={R:,}", "use a smaller rank", memory_limit)
    t0 = time.perf_counter()
    Lam = 0.5 * (Lam + Lam.T)
    fro = float(np.linalg.norm(Lam))
    Mx = _M(X, c)
    Pi = np.eye(p) - Mx.T @ np.linalg.solve(Mx @ Mx.T, Mx)
    U, sv, _ = np.linalg.svd(Lam)  # as specified (singular values decreasing; = eigenvalues for a PSD Lambda)
    Z = U[:, :R] * np.sqrt(sv[:R])[None, :]
    gamma = step_factor / fro if fro > 0 else 0.0
    U_, V_ = slice(2 * n, 2 * n + d), slice(2 * n + d, p)
    wd = 0.5 * beta

    def train(W):
        F = np.maximum(X @ W[U_], 0.0) @ W[V_].T - Yc
        return 0.5 * float(np.sum(F * F)) + wd * (float(np.sum(W[U_] ** 2)) + float(np.sum(W[V_] ** 2)))

    history = np.empty(n_iter + 1)
    best, best_k, best_W = math.inf, 0, None
    gram_first = p <= R  # W W^T W: (W W^T) W costs p^2 R, W (W^T W) costs p R^2
    for k in range(n_iter + 1):
        W = Pi @ Z
        obj = train(W)
        history[k] = obj
        if obj < best:
            best, best_k, best_W = obj, k, W
        if k == n_iter:
            break
        WWW = (W @ W.T) @ W if gram_first else W @ (W.T @ W)
        G = 2.0 * (WWW - Lam @ W)
        V = _pair_projection(2.0 * W - Z - gamma * G, n)
        Z = Z - W + V
    W1, W2 = best_W[U_].copy(), best_W[V_].copy()
    return SDPNNRounding(W1=W1, W2=W2, objective=best, iteration=best_k, history=history, gamma=gamma,
                         seconds=time.perf_counter() - t0)


def round_sdp_nn(solution: SDPNNSolution, *, rank: int = 300, n_iter: int = 1000, step_factor: float = 0.75,
                 task: str = "regression", memory_limit=None) -> SDPNNRounding:
    """Round a solved SDP-NN to a network (:func:`tos_rounding` on ``solution.Lambda`` and the problem's data).

    ``rounding.network`` is a :class:`relulp.ReLUNetwork` (``fit_intercept`` = the problem's ``bias``;
    ``info``: task, sdp_value, rounding objective and iteration), ``rounding.objective`` its NN-TRAIN
    objective on the training data. Raises :class:`SDPNotSolvedError` when the solve returned no Lambda.
    """
    if not isinstance(solution, SDPNNSolution):
        raise TypeError(f"round_sdp_nn takes an SDPNNSolution (from solve_sdp_nn), got {type(solution).__name__}")
    if solution.Lambda is None:
        raise SDPNotSolvedError(f"the SDP-NN solve ended with status {solution.status} and no point: nothing to "
                                "round", status=solution.status, result=solution.result)
    prob = solution.problem
    rnd = tos_rounding(solution.Lambda, prob.X, prob.Y, prob.beta, rank=rank, n_iter=n_iter,
                       step_factor=step_factor, memory_limit=memory_limit)
    rnd.network = network_from_weights(rnd.W1, rnd.W2, bias=prob.bias, task=task,
                                       info={"sdp_value": solution.value, "sdp_lower_bound": solution.lower_bound,
                                             "train_objective": rnd.objective, "tos_iteration": rnd.iteration,
                                             "beta": prob.beta})
    return rnd


def fit_sdp_nn(X, Y, beta: float, *, bias: bool = False, backend: str = "clarabel",
               tolerance: float | None = DEFAULT_TOLERANCE, rank: int = 300, n_iter: int = 1000,
               step_factor: float = 0.75, require_certified: bool = False, task: str = "regression",
               memory_limit=None, **options) -> tuple[SDPNNSolution, SDPNNRounding]:
    """Build, solve, certify and round in one call: ``(solution, rounding)``; ``rounding.network`` predicts.

    Raises :class:`SDPNotSolvedError` when the solve gives no point, or (``require_certified=True``) when
    the solution is not certified (status OPTIMAL and certificates passed).
    """
    prob = build_sdp_nn(X, Y, beta, bias=bias, memory_limit=memory_limit)
    sol = solve_sdp_nn(prob, backend=backend, tolerance=tolerance, memory_limit=memory_limit, **options)
    if require_certified and not sol.certified:
        raise SDPNotSolvedError(f"the SDP-NN solve is not certified: {sol.summary()}", status=sol.status,
                                result=sol.result)
    rnd = round_sdp_nn(sol, rank=rank, n_iter=n_iter, step_factor=step_factor, task=task,
                       memory_limit=memory_limit)
    return sol, rnd


from ._sdp_estimators import SDPNNClassifier, SDPNNRegressor  # noqa: E402  (they use the functions above)
