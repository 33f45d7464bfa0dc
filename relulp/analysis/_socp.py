"""The ball-bound Chebyshev centre as one second-order cone program, solved by Clarabel (math.md §5).

    max r   s.t.   a_i theta + r ||a_i|| <= b_i   (i = 1..m),      ||theta||_2 + r <= R

In Clarabel's form  min q^T z  s.t.  G z + s = h,  s in K  with z = (theta, r):
    rows 1..m    [A | ||a||] z + s = b,             s >= 0              (nonnegative cone, m)
    row m+1      [0 | 1]     z + s_0 = R                                (second-order cone, N + 1:
    rows m+2..   [-I | 0]    z + s_1 = 0                                  s_0 >= ||s_1||)
A polyhedral outer approximation of the ball (Kelley cuts) converges far too slowly for N in the
thousands (hundreds of cuts, minutes, no certificate); the conic interior-point method is exact.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import scipy.sparse as sp

from .exceptions import LPSolverError


@dataclass
class SOCPSolution:
    status: str  # "optimal", "infeasible" or Clarabel's status name
    x: np.ndarray | None
    r: float
    iterations: int


def chebyshev_ball_socp(A, b: np.ndarray, norms: np.ndarray, R: float,
                        time_limit: float | None = None) -> SOCPSolution:
    """Solve the SOCP above; A (m, N) dense or sparse, b (m,), norms (m,) = ||a_i||."""
    try:
        import clarabel
    except ImportError:  # pragma: no cover - clarabel is a core dependency
        raise LPSolverError("the ball-bound Chebyshev centre needs Clarabel (a core dependency of relulp): "
                            "pip install clarabel") from None
    m, N = A.shape
    G = sp.vstack([
        sp.hstack([sp.csr_array(A), sp.csr_array(np.asarray(norms, dtype=np.float64)[:, None])]),
        sp.csr_array(([1.0], ([0], [N])), shape=(1, N + 1)),
        sp.hstack([-sp.identity(N, format="csr"), sp.csr_array((N, 1))]),
    ], format="csc")
    h = np.concatenate([np.asarray(b, dtype=np.float64), [float(R)], np.zeros(N)])
    q = np.zeros(N + 1)
    q[-1] = -1.0
    settings = clarabel.DefaultSettings()
    settings.verbose = False
    if time_limit is not None:
        settings.time_limit = float(time_limit)
    cones = [clarabel.NonnegativeConeT(m), clarabel.SecondOrderConeT(N + 1)] if m else \
        [clarabel.SecondOrderConeT(N + 1)]
    solver = clarabel.DefaultSolver(sp.csc_matrix((N + 1, N + 1)), q, sp.csc_matrix(G), h, cones, settings)
    sol = solver.solve()
    name = str(sol.status).rsplit(".", 1)[-1]
    if name in ("Solved", "AlmostSolved"):
        z = np.asarray(sol.x, dtype=np.float64)
        return SOCPSolution("optimal", z[:N], float(z[N]), int(sol.iterations))
    if name in ("PrimalInfeasible", "AlmostPrimalInfeasible"):
        return SOCPSolution("infeasible", None, -np.inf, int(sol.iterations))
    if name == "MaxTime":
        raise LPSolverError(f"the ball Chebyshev SOCP hit its time limit ({time_limit} s)")
    raise LPSolverError(f"the ball Chebyshev SOCP ended with Clarabel status {name}")
