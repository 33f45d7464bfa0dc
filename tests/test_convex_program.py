"""The Pilanci–Ergen convex training program (relulp.convex, math.md §10), checked against independent
computations: a direct non-convex optimiser (scipy L-BFGS), the LP path (build_lp + HiGHS), scipy's SLSQP,
numpy forward passes; its use as CPAL's final solve and on the command line; bad input."""

from __future__ import annotations

import json

import numpy as np
import pytest
import scipy.optimize as so
from threadpoolctl import threadpool_limits

import relulp
from relulp import solvers
from relulp.convex import build_convex_program, solve_convex
from relulp.convex.solve import _finish
from relulp.exceptions import DataError, PatternError, UnknownOptionError


def _data(n=7, d0=2, seed=0):
    rng = np.random.default_rng(seed)
    X = rng.standard_normal((n, d0))
    y = np.sin(2 * X.sum(axis=1)) + 0.1 * rng.standard_normal(n)
    return X, y


def _relu_net_output(W1, w2, Xa):
    return np.maximum(Xa @ W1, 0.0) @ w2


# ----------------------------------------------------------------------------------------------------
# (a) two layers, all patterns: the convex optimum is the training optimum
# ----------------------------------------------------------------------------------------------------
def _training_objective_and_grad(Xa, y, beta, N, m, tau):
    """1/(2N) ||(Xa W1)_+ w2 - y||^2 + beta/2 (||W1||^2 + ||w2||^2), with relu smoothed by
    (z + sqrt(z^2 + tau^2) - tau) / 2 for tau > 0 (exact relu for tau = 0)."""
    n, d = Xa.shape

    def fg(w):
        W1 = w[: d * m].reshape(d, m)
        w2 = w[d * m:]
        Z = Xa @ W1
        if tau == 0:
            H, dH = np.maximum(Z, 0.0), (Z > 0).astype(float)
        else:
            s = np.sqrt(Z * Z + tau * tau)
            H, dH = 0.5 * (Z + s - tau), 0.5 * (1.0 + Z / s)
        r = H @ w2 - y
        val = 0.5 * (r @ r) / N + 0.5 * beta * (w @ w)
        g = r / N
        grad = np.concatenate([(Xa.T @ (np.outer(g, w2) * dH)).ravel(), H.T @ g]) + beta * w
        return val, grad

    return fg


def _local_optima(Xa, y, beta, N, m, starts, seed):
    """Training objective values at local optima of scipy's L-BFGS from random starts. Each start: L-BFGS on
    the exact objective, then polished through smoothed relus with tau -> 0 (the optimum has data points on
    the kinks, where plain L-BFGS stalls 1e-4 above the minimum), then evaluated exactly."""
    rng = np.random.default_rng(seed)
    d = Xa.shape[1]
    exact = _training_objective_and_grad(Xa, y, beta, N, m, 0.0)
    out = []
    with threadpool_limits(1):  # tiny matrices: BLAS threads cost 50x here
        for _ in range(starts):
            w = rng.standard_normal(d * m + m) * rng.choice([0.1, 0.5, 1.0])
            for tau in (0.0, 1e-4, 1e-6, 1e-8, 0.0):
                w = so.minimize(_training_objective_and_grad(Xa, y, beta, N, m, tau), w, jac=True,
                                method="L-BFGS-B",
                                options=dict(maxiter=2000, maxfun=4000, ftol=1e-15, gtol=1e-11)).x
            out.append(exact(w)[0])
    return np.array(out)


@pytest.mark.parametrize("n, d0, seed", [(6, 1, 0), (7, 2, 1)])
def test_two_layer_optimum_equals_the_best_local_training_optimum(n, d0, seed):
    X, y = _data(n, d0, seed)
    beta = 0.01
    D = relulp.enumerate_patterns(X)
    prog = build_convex_program(relulp.PatternTree(D), X, y, beta=beta)
    res = solve_convex(prog)
    assert res.status is solvers.Status.OPTIMAL, res.message
    vals = _local_optima(prog.Xa, y, beta, n, n + 2, starts=12, seed=seed)
    # convex <= every local optimum (a network is a feasible point of the program) ...
    assert np.all(res.objective <= vals + 1e-7 * res.objective)
    # ... and = the best one (Pilanci & Ergen 2020, Theorem 1; width n + 2 >= the critical width n + 1)
    assert vals.min() == pytest.approx(res.objective, rel=1e-5)
    # the recovered network is a training solution with that value
    net = res.network
    W1, w2 = net.weights[0], net.output_weights
    f = _relu_net_output(W1, w2, prog.Xa)
    direct = 0.5 * np.sum((f - y) ** 2) / n + 0.5 * beta * (np.sum(W1**2) + np.sum(w2**2))
    assert direct == pytest.approx(res.objective, rel=1e-6)


# ----------------------------------------------------------------------------------------------------
# (b) the recovered network, and the verification
# ----------------------------------------------------------------------------------------------------
def test_recovered_network_is_balanced_and_reproduces_f_and_the_objective():
    X, y = _data(10, 2, 3)
    D = relulp.sample_patterns(X, 30, seed=0)
    beta = 1e-3
    prog = build_convex_program(D, X, y, beta=beta, normalization=25)
    res = solve_convex(prog)
    assert res.success and res.status is solvers.Status.OPTIMAL
    net = res.network
    W1, w2 = net.weights[0], net.output_weights
    # f from the solver's leaf values and the tree algebra (independently: the LP's fit rows)
    u = res.u
    from relulp.assemble import point_rows

    f_lp = point_rows(prog.tree, X).fit @ u.ravel()  # the tree algebra, built without any LP
    f_net = _relu_net_output(W1, w2, prog.Xa)
    assert np.max(np.abs(f_net - f_lp)) <= 1e-6 * max(1.0, np.max(np.abs(f_lp)))
    # balanced form: ||W1[:, j]|| = |w2_j| = sqrt(||u_j||), sign(w2_j) = the leaf's sign
    norms = np.linalg.norm(u, axis=1)
    alive = norms > 0
    assert np.allclose(np.linalg.norm(W1, axis=0)[alive], np.sqrt(norms[alive]), rtol=1e-12)
    assert np.allclose(w2[alive], prog.tree.signs(1)[alive] * np.sqrt(norms[alive]), rtol=1e-12)
    # the objective: loss / N (N = 25, not n = 10) + weight decay = the solver's
    direct = 0.5 * np.sum((f_net - y) ** 2) / 25 + 0.5 * beta * (np.sum(W1**2) + np.sum(w2**2))
    assert direct == pytest.approx(res.objective, rel=1e-6)
    assert prog.objective_value(u) == pytest.approx(res.objective, rel=1e-6)
    assert res.f_error < 1e-8 and res.objective_error < 1e-8
    # out of sample the network is an ordinary function
    assert net.decision_function(np.zeros((1, 2))).shape == (1,)


def test_a_mismatch_between_the_network_and_the_solver_is_never_optimal():
    X, y = _data(10, 2, 4)
    prog = build_convex_program(relulp.sample_patterns(X, 20, seed=1), X, y, beta=1e-3)
    res = solve_convex(prog)
    assert res.status is solvers.Status.OPTIMAL
    sr = res.solver_result
    # a point whose leaves break their cone rows: D z != relu(z), so the network no longer gives f
    x = sr.x.copy()
    x[prog.leaf_slice] += 0.05 * np.random.default_rng(0).standard_normal(prog.leaf_slice.stop)
    assert prog.cone_violation(x) > 1e-3
    sr.x = x
    bad = _finish(prog, sr, 1e-6, 0.0)
    assert bad.status is solvers.Status.OPTIMAL_INACCURATE and not bad.success
    assert "forward pass" in bad.message and bad.f_error > 1e-6
    # a wrong objective alone is caught too
    good = solve_convex(prog)
    good.solver_result.objective *= 1.01
    bad2 = _finish(prog, good.solver_result, 1e-6, 0.0)
    assert bad2.status is solvers.Status.OPTIMAL_INACCURATE and "objective recomputed" in bad2.message


# ----------------------------------------------------------------------------------------------------
# (c) sampled patterns: a restriction
# ----------------------------------------------------------------------------------------------------
def test_sampled_patterns_give_an_upper_bound_of_the_full_arrangement():
    X, y = _data(9, 2, 5)
    D = relulp.enumerate_patterns(X)
    full = solve_convex(build_convex_program(D, X, y, beta=1e-3))
    assert full.success
    rng = np.random.default_rng(0)
    values = []
    for k in (3, 8, D.shape[1] // 2):
        cols = rng.choice(D.shape[1], size=k, replace=False)
        res = solve_convex(build_convex_program(D[:, cols], X, y, beta=1e-3))
        assert res.success
        values.append(res.objective)
        assert res.objective >= full.objective * (1 - 1e-7)
    sampled = solve_convex(build_convex_program(relulp.sample_patterns(X, 5, seed=0), X, y, beta=1e-3))
    assert sampled.objective >= full.objective * (1 - 1e-7)
    assert max(values) > full.objective * 1.01  # three patterns are a strict restriction here


# ----------------------------------------------------------------------------------------------------
# (d) hinge, l1 and the l1 penalty against the LP path and scipy
# ----------------------------------------------------------------------------------------------------
@pytest.mark.parametrize("loss, lp_objective", [("hinge", "hinge"), ("l1", "l1")])
def test_hinge_and_l1_losses_with_the_l1_penalty_equal_the_lp(loss, lp_objective):
    X, y = _data(12, 2, 6)
    if loss == "hinge":
        y = np.where(y > 0, 1.0, -1.0)
    D = relulp.sample_patterns(X, 25, seed=2)
    beta, N = 0.02, 30.0
    res = solve_convex(build_convex_program(D, X, y, loss=loss, penalty="l1", beta=beta, normalization=N))
    assert res.success, res.message
    # the LP of math.md §4: sum xi (or sum |f - y|) + lam sum |u|, with lam = beta N, is N times (CVX)
    lp = relulp.build_lp(relulp.PatternTree(D), X, y, objective=lp_objective, lam=beta * N)
    lr = solvers.solve(lp, backend="highs")
    assert lr.status is solvers.Status.OPTIMAL
    assert res.objective * N == pytest.approx(lp.original_objective(lr.x), rel=1e-6)
    # the LP's network has the same objective under the program's own formula
    lp_net = relulp.recover_network(lp, lr.x)
    f = lp_net.decision_function(X)
    u_lp = lp.unscale(lr.x)[lp.col_block("u").slice]
    loss_lp = (np.maximum(0, 1 - y * f).sum() if loss == "hinge" else np.abs(f - y).sum()) / N
    assert loss_lp + beta * np.abs(u_lp).sum() == pytest.approx(res.objective, rel=1e-6)


def test_group_penalty_with_hinge_and_l1_losses_is_below_the_l1_penalty_value():
    X, y = _data(12, 2, 7)
    y = np.where(y > 0, 1.0, -1.0)
    D = relulp.sample_patterns(X, 25, seed=3)
    for loss in ("hinge", "l1"):
        g = solve_convex(build_convex_program(D, X, y, loss=loss, beta=0.02))
        l1 = solve_convex(build_convex_program(D, X, y, loss=loss, penalty="l1", beta=0.02))
        assert g.success and l1.success
        assert g.objective <= l1.objective * (1 + 1e-7)  # ||u||_2 <= ||u||_1 at every feasible point
        assert g.network_objective == pytest.approx(g.objective, rel=1e-6)


def test_squared_loss_with_l1_penalty_matches_scipy_slsqp():
    X, y = _data(6, 1, 8)
    D = relulp.enumerate_patterns(X)
    beta, N = 0.01, 6.0
    prog = build_convex_program(D, X, y, penalty="l1", beta=beta)
    res = solve_convex(prog)
    assert res.success
    # independent: u = p - q with p, q >= 0; min 1/(2N) ||F u - y||^2 + beta 1'(p + q) s.t. C u >= 0
    lp = relulp.build_lp(relulp.PatternTree(D), X, np.ones(6), objective="feasibility", scale=False)
    from relulp.assemble import fit_matrix

    F = fit_matrix(lp).toarray()
    C = np.vstack([lp.A[b.slice].toarray() for b in lp.row_blocks_with("cone")])
    k = F.shape[1]

    def obj(v):
        u = v[:k] - v[k:]
        r = F @ u - y
        return 0.5 * r @ r / N + beta * v.sum()

    def grad(v):
        g = F.T @ (F @ (v[:k] - v[k:]) - y) / N
        return np.concatenate([g, -g]) + beta

    cons = {"type": "ineq", "fun": lambda v: C @ (v[:k] - v[k:]), "jac": lambda v: np.hstack([C, -C])}
    out = so.minimize(obj, np.zeros(2 * k), jac=grad, method="SLSQP", bounds=[(0, None)] * (2 * k),
                      constraints=[cons], options=dict(maxiter=2000, ftol=1e-15))
    assert out.success, out.message
    assert np.min(C @ (out.x[:k] - out.x[k:])) >= -1e-9
    assert out.fun == pytest.approx(res.objective, rel=1e-6)


def test_squared_loss_as_a_quadratic_term_and_as_a_rotated_cone_agree():
    X, y = _data(10, 2, 9)
    D = relulp.sample_patterns(X, 20, seed=0)
    q = build_convex_program(D, X, y, beta=1e-3)
    c = build_convex_program(D, X, y, beta=1e-3, squared_form="cone")
    assert q.conic.is_quadratic and not c.conic.is_quadratic
    assert "RotatedSecondOrderCone" in c.conic.cone_counts()
    rq, rc = solve_convex(q), solve_convex(c)
    assert rq.success and rc.success
    assert rq.objective == pytest.approx(rc.objective, rel=1e-6)


# ----------------------------------------------------------------------------------------------------
# (e) deeper trees, scaling, normalisation
# ----------------------------------------------------------------------------------------------------
def test_three_layer_tree_network_reproduces_f_and_both_formulations_agree():
    X, y = _data(12, 2, 10)
    y = np.where(y > 0, 1.0, -1.0)
    layers = relulp.sample_deep_patterns(X, [4, 6], seed=0)
    tree = relulp.PatternTree(layers)
    assert tree.depth == 2
    nested = build_convex_program(tree, X, y, beta=1e-4)
    aux = build_convex_program(tree, X, y, beta=1e-4, formulation="auxiliary")
    rn, ra = solve_convex(nested), solve_convex(aux)
    assert rn.success and ra.success, (rn.message, ra.message)
    assert rn.objective == pytest.approx(ra.objective, rel=1e-6)
    net = rn.network
    assert net.depth == 2
    # an independent forward pass with the network's matrices
    Xa = nested.Xa
    h = np.maximum(Xa @ net.weights[0], 0.0)
    h = np.maximum(h @ net.weights[1].toarray(), 0.0)
    f = h @ net.output_weights
    assert np.max(np.abs(f - rn.f)) <= 1e-6 * max(1.0, np.max(np.abs(rn.f)))
    assert np.max(np.abs(ra.network.decision_function(X) - ra.f)) <= 1e-6
    # the program's objective from the leaves: loss / n + beta sum ||u_leaf||
    u = rn.u
    direct = 0.5 * np.sum((f - y) ** 2) / 12 + 1e-4 * np.linalg.norm(u, axis=1).sum()
    assert direct == pytest.approx(rn.objective, rel=1e-6)
    assert rn.network.score(X, y) >= 0.9


def test_internal_scaling_is_exact_in_original_units():
    X, y = _data(10, 2, 11)
    X = X * np.array([3e4, 2e-5])  # feature maxima outside [2**-10, 2**10]: the LP scales its leaf columns
    D = relulp.sample_patterns(X, 20, seed=0)
    scaled = build_convex_program(D, X, y, beta=1e-3)
    plain = build_convex_program(D, X, y, beta=1e-3, scale=False)
    assert scaled.lp.scaled and not np.all(scaled.leaf_scale == 1.0)
    rs = solve_convex(scaled)
    assert rs.success, rs.message
    # the objective of the scaled program's leaves, recomputed in original units without any scaling
    f = relulp.recover_network(scaled.tree, rs.u.ravel()).decision_function(X)
    direct = 0.5 * np.sum((f - y) ** 2) / 10 + 1e-3 * np.linalg.norm(rs.u, axis=1).sum()
    assert direct == pytest.approx(rs.objective, rel=1e-6)
    assert scaled.objective_value(rs.u) == pytest.approx(rs.objective, rel=1e-6)
    rp = solve_convex(plain, tolerance=1e-10)
    if rp.success:  # the unscaled program is badly conditioned; when it solves it agrees
        assert rp.objective == pytest.approx(rs.objective, rel=1e-4)


def test_normalization_defaults_to_the_rows_and_divides_the_loss_only():
    X, y = _data(8, 1, 12)
    D = relulp.sample_patterns(X, 10, seed=0)
    p8 = build_convex_program(D, X, y, beta=1e-3)
    assert p8.normalization == 8.0
    a = solve_convex(p8)
    b = solve_convex(build_convex_program(D, X, y, beta=1e-3 / 10, normalization=80))
    assert a.success and b.success
    assert b.objective * 10 == pytest.approx(a.objective, rel=1e-6)  # (CVX) with N = 80, beta / 10 is (CVX) / 10
    assert np.allclose(b.f, a.f, atol=1e-5)


# ----------------------------------------------------------------------------------------------------
# (f) bad input
# ----------------------------------------------------------------------------------------------------
def test_bad_input_raises_typed_errors():
    X, y = _data(6, 1, 13)
    D = relulp.sample_patterns(X, 5, seed=0)
    with pytest.raises(UnknownOptionError, match="beta"):
        build_convex_program(D, X, y, beta=-1.0)
    with pytest.raises(UnknownOptionError, match="beta"):
        build_convex_program(D, X, y, beta=float("nan"))
    with pytest.raises(UnknownOptionError, match="normalization"):
        build_convex_program(D, X, y, normalization=0)
    with pytest.raises(UnknownOptionError, match="loss"):
        build_convex_program(D, X, y, loss="logistic")
    with pytest.raises(UnknownOptionError, match="penalty"):
        build_convex_program(D, X, y, penalty="l0")
    with pytest.raises(UnknownOptionError, match="squared_form"):
        build_convex_program(D, X, y, squared_form="soc")
    Xn = X.copy()
    Xn[2, 0] = np.nan
    with pytest.raises(DataError, match="NaN"):
        build_convex_program(D, Xn, y)
    with pytest.raises(DataError, match="NaN"):
        build_convex_program(D, X, np.where(np.arange(6) == 1, np.nan, y))
    with pytest.raises(DataError):
        build_convex_program(D, X, y[:-1])
    with pytest.raises(DataError):
        build_convex_program(D, X[:-1], y[:-1])  # the patterns have 6 rows
    with pytest.raises(DataError):
        build_convex_program(D, X[:, 0], y)  # X must be 2-D
    with pytest.raises(DataError):
        build_convex_program(D, X, y, loss="hinge")  # hinge needs labels in {-1, +1}
    with pytest.raises(PatternError):
        build_convex_program(np.zeros((6, 0), bool), X, y)
    with pytest.raises(TypeError):
        solve_convex("not a program")


# ----------------------------------------------------------------------------------------------------
# CPAL: the convex final solve (the reference's Algorithm 8) reproduces its AFS numbers
# ----------------------------------------------------------------------------------------------------
def test_cpal_convex_final_solve_reaches_the_reference_accuracy_on_the_spiral():
    from relulp.cpal import CPALClassifier
    from relulp.cpal.final import FinalSolve
    from relulp.datasets import spiral

    ds = spiral()
    clf = CPALClassifier(budget=60, n_patterns=1000, random_state=0, final_solve=True,
                         final_objective="convex").fit(ds.X_train, ds.y_train)
    assert clf.tree_.sizes == (623,) and clf.n_labels_used_ == 60
    fs = clf.final_
    assert isinstance(fs, FinalSolve) and fs.status is solvers.Status.OPTIMAL and fs.success
    # the learners' default backend "auto" is Clarabel for the convex program: no substitution to report
    assert fs.info["backend"] == "clarabel" and "backend_note" not in fs.info
    assert fs.info["normalization"] == 80 and fs.info["beta"] == 1e-5  # n_train, not |S| = 60
    rec = fs.to_record()
    assert rec["status"] == "optimal" and json.dumps(rec)
    # the reference's AFS 1.00 / 1.00; the min_l1 LP final solve meets the same (docs/cpal.md)
    assert clf.score(ds.X_train, ds.y_train) == 1.0 and clf.score(ds.X_test, ds.y_test) == 1.0
    assert clf.center_score(ds.X_test, ds.y_test) < 1.0  # before the final solve


def test_cpal_convex_final_solve_on_the_quadratic_beats_the_lp_final_solve():
    from relulp.cpal import CPALRegressor
    from relulp.datasets import quadratic

    ds = quadratic()
    reg = CPALRegressor(budget=60, n_patterns=2000, random_state=0, final_solve=True,
                        final_objective="convex", final_lam=1e-5).fit(ds.X_train, ds.y_train)
    assert reg.final_.status is solvers.Status.OPTIMAL
    # docs/cpal.md: the l1 LP final solve gives test RMSE 0.0030 here; the reference reports 0.010 (20 points)
    assert reg.rmse(ds.X_test, ds.y_test) <= 0.0030


def test_final_solve_convex_options():
    from relulp.cpal.final import final_solve, objectives_for

    assert "convex" in objectives_for("classification") and "convex" in objectives_for("regression")
    X, y = _data(20, 2, 14)
    tree = relulp.PatternTree(relulp.sample_patterns(X, 15, seed=0))
    idx = np.arange(0, 20, 2)
    a = final_solve(tree, X, y[idx], idx, objective="convex", beta=1e-3)
    b = final_solve(tree, X, y[idx], idx, objective="convex", lam=1e-3, normalization=20, backend="clarabel")
    assert a.status is solvers.Status.OPTIMAL and a.objective == pytest.approx(b.objective, rel=1e-9)
    assert "backend_note" not in b.info and a.info["normalization"] == 20
    c = final_solve(tree, X, y[idx], idx, objective="convex", beta=1e-3, backend="highs")  # LPs only
    assert c.info["backend"] == "clarabel" and "backend_note" in c.info and c.objective == pytest.approx(a.objective)
    # the program on the labelled rows, divided by the pool size
    direct = build_convex_program(tree.patterns[0][idx], X[idx], y[idx], beta=1e-3, normalization=20)
    assert solve_convex(direct).objective == pytest.approx(a.objective, rel=1e-6)
    with pytest.raises(UnknownOptionError, match="beta"):
        final_solve(tree, X, np.sign(y[idx]), idx, objective="min_l1", beta=1e-3)
    lp = final_solve(tree, X, np.where(y[idx] > 0, 1.0, -1.0), idx, objective="hinge", lam=1e-3)
    assert lp.status is solvers.Status.OPTIMAL and lp.to_record()["status"] == "optimal"


def test_cli_final_solve_objective_convex(tmp_path):
    from relulp.cli import main

    path = tmp_path / "out.json"
    rc = main(["cpal", "--dataset", "spiral", "--patterns", "200", "--budget", "60", "--final-solve",
               "--objective", "convex", "--beta", "1e-5", "--json", str(path), "--no-progress", "-q"])
    assert rc == 0
    rec = json.loads(path.read_text())
    fs = rec["final_solve"][0]
    assert fs["status"] == "optimal" and fs["beta"] == 1e-5 and fs["backend"] == "clarabel"
    assert rec["test_accuracy"] >= 0.95
    assert main(["cpal", "--beta", "1e-3", "--final-solve", "--no-progress", "-q"]) == 2  # --beta without convex
    assert main(["cpal", "--objective", "convex", "--lam", "1e-3", "--final-solve", "--no-progress", "-q"]) == 2
