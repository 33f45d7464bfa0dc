"""The ball-bound Chebyshev centre as one second-order cone program, solved through the solver layer
(:class:`relulp.solvers.ConicProgram`, backend ``clarabel``; math.md §5).

    max r   s.t.   a_i theta + r ||a_i|| <= b_i   (i = 1..m),      ||theta||_2 + r <= R

As a ConicProgram ``min q^T z  s.t.  G z + s = h,  s in K``  with z = (theta, r), q = (0, ..., 0, -1):
    rows 1..m    [A | ||a||] z + s = b,             s >= 0              (NonnegativeCone(m))
    row m+1      [0 | 1]     z + s_0 = R                                (SecondOrderCone(N + 1):
    rows m+2..   [-I | 0]    z + s_1 = 0                                  s_0 >= ||s_1||)
A polyhedral outer approximation of the ball (Kelley cuts) converges far too slowly for N in the
thousands (hundreds of cuts, minutes, no certificate); the conic interior-point method is exact.
The solver layer checks the answer with its own residuals (an "optimal" failing them is
OPTIMAL_INACCURATE, still returned: chebyshev.py recomputes a certified radius from the centre) and an
"infeasible" with Clarabel's certificate.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import scipy.sparse as sp

from relulp import solvers
from relulp.solvers import Status

from .exceptions import LPSolverError


@dataclass
class SOCPSolution:
    #: Status.OPTIMAL or OPTIMAL_INACCURATE (x and r given) or Status.INFEASIBLE (x None, r = -inf)
    status: Status
    x: np.ndarray | None
    r: float
    iterations: int
    message: str = ""


def chebyshev_ball_program(A, b: np.ndarray, norms: np.ndarray, R: float) -> solvers.ConicProgram:
    """The SOCP above as a :class:`relulp.solvers.ConicProgram`; A (m, N) dense or sparse, b (m,),
    norms (m,) = ||a_i||, R the ball's radius. Variables (theta, r)."""
    m, N = A.shape
    G = sp.vstack([
        sp.hstack([sp.csr_array(A), sp.csr_array(np.asarray(norms, dtype=np.float64)[:, None])]),
        sp.csr_array(([1.0], ([0], [N])), shape=(1, N + 1)),
        sp.hstack([-sp.identity(N, format="csr"), sp.csr_array((N, 1))]),
    ], format="csc")
    h = np.concatenate([np.asarray(b, dtype=np.float64), [float(R)], np.zeros(N)])
    q = np.zeros(N + 1)
    q[-1] = -1.0
    cones = ([solvers.NonnegativeCone(m)] if m else []) + [solvers.SecondOrderCone(N + 1)]
    return solvers.ConicProgram(q=q, A=G, b=h, cones=cones, meta={"name": "chebyshev_ball"})


def chebyshev_ball_socp(A, b: np.ndarray, norms: np.ndarray, R: float,
                        time_limit: float | None = None) -> SOCPSolution:
    """Solve the SOCP above with ``solvers.solve(..., backend="clarabel")``; A (m, N) dense or sparse,
    b (m,), norms (m,) = ||a_i||. Raises :class:`LPSolverError` on a time limit or any other status."""
    N = A.shape[1]
    prog = chebyshev_ball_program(A, b, norms, R)
    try:
        res = solvers.solve(prog, backend="clarabel", time_limit=time_limit)
    except solvers.BackendNotInstalledError:  # pragma: no cover - clarabel is a core dependency
        raise LPSolverError("the ball-bound Chebyshev centre needs Clarabel (a core dependency of relulp): "
                            "pip install clarabel") from None
    iters = int(res.iterations or 0)
    if res.status in (Status.OPTIMAL, Status.OPTIMAL_INACCURATE) and res.x is not None:
        return SOCPSolution(res.status, res.x[:N], float(res.x[N]), iters, res.message)
    if res.status is Status.INFEASIBLE:
        return SOCPSolution(Status.INFEASIBLE, None, -np.inf, iters, res.message)
    if res.status is Status.TIME_LIMIT:
        raise LPSolverError(f"the ball Chebyshev SOCP hit its time limit ({time_limit} s)")
    raise LPSolverError(f"the ball Chebyshev SOCP ended with status {res.status} ({res.message})")
