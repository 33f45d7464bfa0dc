"""Solve the convex training program, recover the network and verify it independently (math.md §2, §10).

:func:`solve_convex` hands the :class:`~relulp.convex.program.ConvexTrainingProgram`'s conic program to the
solver layer (``solvers.solve``, default backend Clarabel), reads the leaf vectors u (original units) and
turns them into a :class:`relulp.ReLUNetwork`:

* two layers: one neuron per leaf with first-layer column u / sqrt(||u||_2) and output weight s sqrt(||u||_2)
  (the balanced form of math.md §2/§10; s = the leaf's sign); zero leaves give dead neurons (zeroed);
* deeper trees: :func:`relulp.recover_network` of the leaf values (W_1 = the leaves, the upper layers the
  tree's +-1 edges).

**Verification** (an independent computation; a mismatch is never reported as optimal). At the solver's
point x:

1. the network's numpy forward pass on X must reproduce the program's f = F x (the LP's fit rows):
   max |f_net - f| <= ``rtol`` * max(||f||_inf, ||y||_inf, 1);
2. the objective recomputed from the network alone -- loss(f_net, y) / N plus beta times the network's own
   penalty (two layers, group_l2: the weight decay (1/2)(||W1||_F^2 + ||w2||^2) of the balanced network;
   otherwise the sum over first-layer neurons of ||W1[:, j]|| times the product of the |weights| on its path
   to the output, which is ||u_leaf|| for the tree network) -- must equal the solver's objective within
   ``rtol`` * (|objective| + 1/K), K the program's objective scale: 1/K is between the loss at u = 0 and
   twice it (1 when that loss is 0), the unit in which the solver saw the objective.

If the solver said OPTIMAL and either check fails, the status becomes ``OPTIMAL_INACCURATE`` with the numbers
in ``message``. The reported objective is in original units (the program's internal objective scale undone).
"""

from __future__ import annotations

import time
from dataclasses import dataclass, field
from typing import Any

import numpy as np
import scipy.sparse as sp

from relulp.network import ReLUNetwork, recover_network

from .program import ConvexTrainingProgram, loss_value

#: default relative tolerance of the verification
VERIFY_RTOL = 1e-6
#: Clarabel's tolerance (its tol_feas, tol_gap_abs, tol_gap_rel) unless one is given: tighter than its default
#: 1e-8, at which the spiral program (100 patterns, beta 1e-5) stopped 1.3e-6 (relative) above the optimum
#: (2e-4 in the cone form of the squared loss); at 1e-10 the cone form ends "AlmostSolved". 1e-9 gives "Solved"
#: for both forms.
CLARABEL_TOLERANCE = 1e-9


@dataclass
class ConvexResult:
    """Outcome of :func:`solve_convex`.

    ``status``: :class:`relulp.solvers.Status` after verification (OPTIMAL only if the solver said so AND the
    network reproduces f and the objective); ``objective``: the solver's objective in original units (None
    unless OPTIMAL or OPTIMAL_INACCURATE); ``network``: the recovered :class:`relulp.ReLUNetwork` (None when
    the solver returned no finite point); ``u`` (M, d) leaf vectors; ``f`` (n,) the program's output F x;
    ``f_network`` the network's forward pass on X; ``loss`` (loss / N at f_network), ``penalty`` (the
    network's penalty, without beta), ``network_objective`` = loss + beta * penalty; ``f_error`` and
    ``objective_error`` the relative mismatches of the verification; ``solver_result`` the solver layer's
    :class:`relulp.solvers.Result`.
    """

    status: Any
    objective: float | None
    network: ReLUNetwork | None
    u: np.ndarray | None
    f: np.ndarray | None
    f_network: np.ndarray | None
    loss: float | None
    penalty: float | None
    network_objective: float | None
    f_error: float | None
    objective_error: float | None
    seconds: float
    solver_result: Any = None
    message: str = ""
    info: dict = field(default_factory=dict)

    def active_leaves(self, rtol: float = 1e-6) -> int:
        """Leaves with ||u_l||_2 > rtol * max_l ||u_l||_2 (the neurons that matter; 0 without a point)."""
        if self.u is None:
            return 0
        norms = np.linalg.norm(self.u, axis=1)
        return int(np.count_nonzero(norms > rtol * norms.max(initial=0.0)))

    @property
    def success(self) -> bool:
        """True iff the status is OPTIMAL (solver's optimum, verified by the network's forward pass)."""
        from relulp import solvers

        return self.status is solvers.Status.OPTIMAL

    def to_record(self) -> dict:
        """The scalars as a JSON-friendly dict (status as its string value)."""
        return {"status": self.status.value, "objective": self.objective, "network_objective": self.network_objective,
                "loss": self.loss, "penalty": self.penalty, "f_error": self.f_error,
                "objective_error": self.objective_error, "seconds": self.seconds, "message": self.message,
                **self.info}


def network_penalty(net: ReLUNetwork, *, norm: str = "group_l2") -> float:
    """sum over first-layer neurons j of ||W1[:, j]|| * g_j, g_j = the product of |weights| on the paths from
    neuron j to the output (|W_2| ... |W_L| |w_out|; one path per neuron in a tree network). ``norm``:
    ``group_l2`` (2-norm) or ``l1``. For the networks of :func:`solve_convex` this is sum_l ||u_l||."""
    W1 = np.asarray(net.weights[0])
    g = np.abs(np.asarray(net.output_weights, dtype=np.float64))
    for W in reversed(net.weights[1:]):
        g = np.asarray(abs(W) @ g).ravel() if sp.issparse(W) else np.abs(W) @ g
    cols = np.abs(W1).sum(axis=0) if norm == "l1" else np.linalg.norm(W1, axis=0)
    return float(cols @ g)


def weight_decay(net: ReLUNetwork) -> float:
    """(1/2) (sum_k ||W_k||_F^2 + ||w_out||^2): the weight-decay term of the training objective."""
    total = float(np.sum(np.asarray(net.output_weights, dtype=np.float64) ** 2))
    for W in net.weights:
        total += float(W.multiply(W).sum()) if sp.issparse(W) else float(np.sum(np.asarray(W) ** 2))
    return 0.5 * total


def recover_convex_network(prog: ConvexTrainingProgram, u) -> ReLUNetwork:
    """The network of leaf vectors u (M, d) (module docstring): balanced two-layer form, or the tree network."""
    u = np.asarray(u, dtype=np.float64).reshape(prog.num_leaves, prog.d)
    net = recover_network(prog.tree, u.ravel(), fit_intercept=prog.fit_intercept)
    if prog.tree.depth == 1:
        net = net.balanced()
    net.info.update(task=prog.task, objective="convex", loss=prog.loss, penalty=prog.penalty, beta=prog.beta)
    return net


def solve_convex(prog: ConvexTrainingProgram, backend: str = "clarabel", *, rtol: float = VERIFY_RTOL,
                 **kw) -> ConvexResult:
    """Solve ``prog`` with ``solvers.solve(prog.conic, backend=backend, **kw)``, recover and verify the network.

    ``kw`` goes to :func:`relulp.solvers.solve` (``time_limit``, ``tolerance``, ``verify_tolerance``, backend
    options). With Clarabel, ``tolerance`` (its gap and feasibility tolerances) defaults to
    :data:`CLARABEL_TOLERANCE` = 1e-9 unless ``tolerance`` or a ``tol_*`` option is given. ``rtol``: relative
    tolerance of the verification (module docstring).

    The network has one first-layer neuron per leaf. An interior-point solver leaves the group lasso's zero
    leaves at about 1e-9 - 1e-7 of the largest leaf instead of exactly 0, and together they still carry ~1e-6
    of f, so they are kept (the network reproduces the solver's f); :meth:`ConvexResult.active_leaves` counts
    the leaves above a threshold.
    """
    from relulp import solvers

    if not isinstance(prog, ConvexTrainingProgram):
        raise TypeError(f"solve_convex takes a ConvexTrainingProgram, got {type(prog).__name__}")
    t0 = time.perf_counter()
    opts = dict(kw)
    if (isinstance(backend, str) and backend.strip().lower() == "clarabel" and "tolerance" not in opts
            and not any(k.startswith("tol_") for k in opts)):
        opts["tolerance"] = CLARABEL_TOLERANCE
    res = solvers.solve(prog.conic, backend=backend, **opts)
    return _finish(prog, res, rtol, t0)


def _check(prog: ConvexTrainingProgram, net: ReLUNetwork, f: np.ndarray, objective: float | None) -> dict:
    """The verification of the module docstring for one network: f_net, loss, penalty, errors."""
    f_net = net.decision_function(prog.X)
    f_scale = max(float(np.abs(f).max(initial=0.0)), float(np.abs(prog.y).max(initial=0.0)), 1.0)
    f_error = float(np.abs(f_net - f).max(initial=0.0)) / f_scale
    loss = loss_value(prog.loss, f_net, prog.y, prog.normalization)
    if prog.tree.depth == 1 and prog.penalty == "group_l2":
        penalty = weight_decay(net)  # the Pilanci-Ergen identity: = sum ||u|| at the balanced network
    else:
        penalty = network_penalty(net, norm=prog.penalty)
    net_obj = loss + prog.beta * penalty
    objective_error = None
    if objective is not None:
        # relative to |objective| + 1/K: 1/K is the loss at u = 0 up to a factor 2 (1 when that loss is 0)
        objective_error = abs(net_obj - objective) / (abs(objective) + 1.0 / prog.objective_scale)
    return dict(net=net, f_net=f_net, f_error=f_error, loss=loss, penalty=penalty, net_obj=net_obj,
                objective_error=objective_error)


def _finish(prog: ConvexTrainingProgram, res, rtol: float, t0: float) -> ConvexResult:
    from relulp import solvers

    K = prog.objective_scale
    status = res.status
    message = getattr(res, "message", "") or ""
    objective = None if res.objective is None else float(res.objective) / K
    info = {"backend": getattr(res, "backend", ""), "method": getattr(res, "method", ""),
            "solver_seconds": getattr(res, "total_seconds", None), "loss_name": prog.loss,
            "penalty_name": prog.penalty, "beta": prog.beta, "normalization": prog.normalization}
    x = res.x
    if x is None or not np.all(np.isfinite(x)):
        if status is solvers.Status.OPTIMAL:
            status = solvers.Status.OPTIMAL_INACCURATE
            message += " [relulp.convex: no finite point to verify]"
        return ConvexResult(status, objective, None, None, None, None, None, None, None, None, None,
                            time.perf_counter() - t0, res, message.strip(), info)
    x = np.asarray(x, dtype=np.float64)
    u = prog.leaf_values(x)
    f = prog.fit_values(x)
    c = _check(prog, recover_convex_network(prog, u), f, objective)
    net, f_net, f_error, loss, penalty, net_obj, objective_error = (
        c["net"], c["f_net"], c["f_error"], c["loss"], c["penalty"], c["net_obj"], c["objective_error"])
    info.update(cone_violation=prog.cone_violation(x))
    if status is solvers.Status.OPTIMAL:
        bad = []
        if not f_error <= rtol:
            bad.append(f"the network's forward pass differs from f by {f_error:.3g} (relative)")
        if objective_error is None or not objective_error <= rtol:
            bad.append(f"the objective recomputed from the network ({net_obj:.10g}) differs from the solver's "
                       f"({objective}) by {objective_error if objective_error is None else f'{objective_error:.3g}'}"
                       " (relative)")
        if bad:
            status = solvers.Status.OPTIMAL_INACCURATE
            message += f" [relulp.convex verification failed (rtol {rtol:g}): {'; '.join(bad)}]"
    return ConvexResult(status, objective, net, u, f, f_net, loss, penalty, net_obj, f_error, objective_error,
                        time.perf_counter() - t0, res, message.strip(), info)
