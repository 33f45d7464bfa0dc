"""SDP-NN, the semidefinite relaxation of two-layer ReLU training (math.md §11): relulp.convex.sdp.

Every check is an independent numpy / scipy computation on tiny data (n = 6-10, d = 2, c = 1):

1. a network's lift Lambda = L L^T is feasible for the literal constraints, its objective is NN-TRAIN, and the
   built conic program at the corresponding point is feasible with the same objective;
2. SDP* <= NN-TRAIN of every network found (the TOS rounding, L-BFGS local optima), SDP* <= 1/2 ||Y||^2,
   SDP* nondecreasing in beta;
3. SDP* <= q*, the exact NN-TRAIN optimum (the Pilanci-Ergen program over all patterns, relulp.convex);
4. certificates fail on a tampered Lambda; bad input raises typed errors; TOS matches a loop-by-loop
   reference of math.md's iteration; the estimators fit / predict.
"""

from __future__ import annotations

import math
import tracemalloc

import numpy as np
import pytest
from scipy.optimize import minimize

from relulp import ModelSizeError, PatternTree, UnknownOptionError, enumerate_patterns
from relulp import solvers
from relulp.convex import build_convex_program, solve_convex
from relulp.convex.sdp import (
    SDPNNClassifier,
    SDPNNRegressor,
    SDPNNSolution,
    SDPNotSolvedError,
    build_sdp_nn,
    certify_lambda,
    round_sdp_nn,
    sdp_nn_size,
    solve_sdp_nn,
    tos_rounding,
)
from relulp.exceptions import DataError, RelulpError
from relulp.solvers.conic import NonnegativeCone, PSDTriangleCone, RotatedSecondOrderCone, ZeroCone

BETAS = (0.1, 0.01)
SEEDS = range(6)


# ------------------------------------------------------------------------------------------ helpers (numpy)
def teacher(seed: int, n: int = 10, d: int = 2, m: int = 3, noise: float = 0.1):
    """X (n, d) Gaussian, y = a random two-layer ReLU teacher of width m + noise (math.md §11)."""
    rng = np.random.default_rng(seed)
    X = rng.standard_normal((n, d))
    W1, w2 = rng.standard_normal((d, m)), rng.standard_normal(m)
    return X, np.maximum(X @ W1, 0.0) @ w2 + noise * rng.standard_normal(n)


def nn_train(X, Y, W1, W2, beta):
    Y = Y.reshape(X.shape[0], -1)
    R = np.maximum(X @ W1, 0.0) @ np.atleast_2d(W2).T - Y
    return 0.5 * np.sum(R * R) + 0.5 * beta * (np.sum(W1 ** 2) + np.sum(W2 ** 2))


def literal(Lam, X, Y, beta):
    """(objective, violations) of the literal SDP-NN of math.md §11 at Lambda, from scratch."""
    n, d = X.shape
    Y = Y.reshape(n, -1)
    c = Y.shape[1]
    A, B, U, V = slice(0, n), slice(n, 2 * n), slice(2 * n, 2 * n + d), slice(2 * n + d, 2 * n + d + c)
    M = np.hstack([-np.eye(n), np.eye(n), X, np.zeros((n, c))])
    obj = 0.5 * np.sum((Lam[A, V] - Y) ** 2) + 0.5 * beta * (np.trace(Lam[U, U]) + np.trace(Lam[V, V]))
    viol = {"eig": -min(0.0, np.linalg.eigvalsh(Lam).min()), "MLM": np.abs(M @ Lam @ M.T).max(),
            "diagAB": np.abs(np.diag(Lam[A, B])).max(), "block": -min(0.0, Lam[:2 * n, :2 * n].min())}
    return obj, viol


def my_svec(S):
    k = S.shape[0]
    return np.array([S[i, j] * (1.0 if i == j else math.sqrt(2.0)) for j in range(k) for i in range(j + 1)])


def in_cones(prog, x, tol):
    """Whether b - A x lies in every cone of the program (independent membership tests)."""
    s = prog.b - prog.A @ x
    start = 0
    for cone in prog.cones:
        part = s[start:start + cone.dim]
        start += cone.dim
        if isinstance(cone, ZeroCone):
            ok = np.abs(part).max(initial=0.0) <= tol
        elif isinstance(cone, NonnegativeCone):
            ok = part.min(initial=0.0) >= -tol
        elif isinstance(cone, PSDTriangleCone):
            k, Smat, t = cone.k, np.zeros((cone.k, cone.k)), 0
            for j in range(k):
                for i in range(j + 1):
                    Smat[i, j] = Smat[j, i] = part[t] / (1.0 if i == j else math.sqrt(2.0))
                    t += 1
            ok = np.linalg.eigvalsh(Smat).min() >= -tol
        elif isinstance(cone, RotatedSecondOrderCone):
            ok = part[0] >= -tol and part[1] >= -tol and 2 * part[0] * part[1] >= np.sum(part[2:] ** 2) - tol
        else:
            raise AssertionError(cone)
        if not ok:
            return False
    return True


def lbfgs(X, y, beta, m, seed):
    """A local optimum of NN-TRAIN (width m) by scipy's L-BFGS from a random start; returns its objective."""
    n, d = X.shape
    rng = np.random.default_rng(seed)

    def f(w):
        W1, w2 = w[:d * m].reshape(d, m), w[d * m:]
        H = X @ W1
        Ac = np.maximum(H, 0.0)
        r = Ac @ w2 - y
        g2 = Ac.T @ r + beta * w2
        g1 = X.T @ (np.outer(r, w2) * (H > 0)) + beta * W1
        return 0.5 * r @ r + 0.5 * beta * (np.sum(W1 ** 2) + w2 @ w2), np.concatenate([g1.ravel(), g2])

    out = minimize(f, rng.standard_normal(d * m + m) * 0.5, jac=True, method="L-BFGS-B",
                   options={"maxiter": 3000, "gtol": 1e-10})
    w = out.x
    return nn_train(X, y, w[:d * m].reshape(d, m), w[d * m:][None, :], beta)


def q_star(X, y, beta):
    """The exact NN-TRAIN optimum: the Pilanci-Ergen program over every pattern, sum loss (math.md §11)."""
    D = enumerate_patterns(X, fit_intercept=False)
    prog = build_convex_program(PatternTree(D), X, y, loss="squared", beta=beta, normalization=1.0,
                                fit_intercept=False)
    res = solve_convex(prog)
    assert res.status is solvers.Status.OPTIMAL, res.message
    return res.objective


_CACHE: dict = {}


def sdp(seed, beta, n=10):
    key = (seed, beta, n)
    if key not in _CACHE:
        X, y = teacher(seed, n=n)
        _CACHE[key] = solve_sdp_nn(build_sdp_nn(X, y, beta))
    return _CACHE[key]


# ------------------------------------------------------------------------------------------ 1. lifting
@pytest.mark.parametrize("loss_form", ["quadratic", "rsoc"])
def test_lift_of_a_network_is_feasible_with_its_training_objective(loss_form):
    rng = np.random.default_rng(1)
    X, y = teacher(0, n=8)
    beta = 0.3
    prob = build_sdp_nn(X, y, beta, loss_form=loss_form)
    for m in (1, 3, 7):
        W1, W2 = rng.standard_normal((2, m)), rng.standard_normal((1, m))
        H = X @ W1
        L = np.vstack([np.maximum(H, 0), np.maximum(-H, 0), W1, W2])
        Lam = L @ L.T
        obj, viol = literal(Lam, X, y, beta)
        scale = np.abs(Lam).max()
        assert max(viol.values()) <= 1e-10 * scale, viol
        assert obj == pytest.approx(nn_train(X, y, W1, W2, beta), rel=1e-12)
        assert certify_lambda(Lam, X).passed
        # the same network in the reduced coordinates (b, u, v): S = L' L'^T, Lambda = N S N^T
        Lr = np.vstack([np.maximum(-H, 0), W1, W2])
        S = Lr @ Lr.T
        assert np.allclose(prob.lambda_of_S(S), Lam, atol=1e-12 * scale)
        R = Lam[:8, -1:] - y[:, None]
        x = np.concatenate([my_svec(S), R.ravel() if loss_form == "quadratic" else [0.5 * np.sum(R * R)]])
        assert in_cones(prob.program, x, 1e-9 * scale)
        assert prob.program.objective(x) == pytest.approx(nn_train(X, y, W1, W2, beta), rel=1e-12)
        # a point that violates a pair constraint is refused by the program
        bad = x.copy()
        bad[0] += 1.0  # S_bb[0, 0] + 1: diag(Lambda_AB)[0] = 1 != 0
        assert not in_cones(prob.program, bad, 1e-6)


def test_both_loss_forms_give_the_same_optimum():
    X, y = teacher(0)
    a = solve_sdp_nn(build_sdp_nn(X, y, 0.1, loss_form="quadratic"))
    b = solve_sdp_nn(build_sdp_nn(X, y, 0.1, loss_form="rsoc"))
    assert a.certified and b.certified
    assert a.value == pytest.approx(b.value, rel=1e-6)


# ------------------------------------------------------------------------------------------ 2. bounds
@pytest.mark.parametrize("seed", [0, 1, 2])
def test_sdp_value_is_below_every_network_found(seed):
    X, y = teacher(seed)
    sol = sdp(seed, 0.1)
    assert sol.status is solvers.Status.OPTIMAL and sol.certified, sol.summary()
    lb = sol.lower_bound
    slack = 1e-6 * (1 + abs(lb))
    assert lb <= 0.5 * y @ y
    rnd = round_sdp_nn(sol, n_iter=300)
    W1, W2 = rnd.network.weights[0], rnd.network.output_weights[None, :]
    assert rnd.objective == pytest.approx(nn_train(X, y, W1, W2, 0.1), rel=1e-10)
    assert lb <= rnd.objective + slack
    for start in range(3):
        assert lb <= lbfgs(X, y, 0.1, m=6, seed=100 * seed + start) + slack


def test_sdp_value_is_nondecreasing_in_beta():
    X, y = teacher(3, n=8)
    values = []
    for beta in (0.0, 0.01, 0.1, 1.0, 10.0):
        sol = solve_sdp_nn(build_sdp_nn(X, y, beta))
        assert sol.certified, sol.summary()
        values.append(sol.value)
    assert all(b >= a - 1e-7 * (1 + abs(a)) for a, b in zip(values, values[1:])), values
    assert values[0] == pytest.approx(0.0, abs=1e-6)  # beta = 0: a network of any size fits 8 points
    # beta = 10: the zero network is optimal, SDP* = 1/2 ||y||^2 (never above it)
    assert values[-1] == pytest.approx(0.5 * y @ y, rel=1e-6) and values[-1] <= 0.5 * y @ y * (1 + 1e-7)


# ------------------------------------------------------------------------------------------ 3. exact gap
def test_sdp_is_below_the_exact_training_optimum():
    """SDP* <= q* (the exact NN-TRAIN optimum, by exact pattern enumeration) on 6 seeds x 2 betas; q* itself
    is no worse than every L-BFGS local optimum and is reached by the rounding's bound. The ratios SDP*/q*
    are printed (``pytest -s``); math.md quotes 0.91-1.00 (beta 0.1) and 0.62-0.82 (beta 0.01)."""
    ratios = {beta: [] for beta in BETAS}
    for beta in BETAS:
        for seed in SEEDS:
            X, y = teacher(seed)
            sol = sdp(seed, beta)
            assert sol.certified, sol.summary()
            q = q_star(X, y, beta)
            assert sol.lower_bound <= q * (1 + 1e-6) + 1e-9, (beta, seed, sol.lower_bound, q)
            if seed < 2:  # q* is the global optimum: no local optimum is below it
                assert q <= lbfgs(X, y, beta, m=8, seed=seed) * (1 + 1e-6) + 1e-9
            ratios[beta].append(sol.value / q)
    for beta in BETAS:
        print(f"beta={beta}: SDP*/q* = {np.round(ratios[beta], 3).tolist()}")
        assert 0.5 < min(ratios[beta]) and max(ratios[beta]) <= 1.0 + 1e-6


# ------------------------------------------------------------------------------------------ 4. certificates
def test_certificates_catch_a_tampered_lambda():
    sol = sdp(0, 0.1)
    X, n = sol.problem.X, sol.problem.n
    Lam = sol.Lambda
    assert certify_lambda(Lam, X).passed

    def fails(L, word):
        cert = certify_lambda(L, X)
        assert not cert.passed and any(word in f for f in cert.failures), cert.failures

    v = np.linalg.eigh(Lam)[1][:, 0]  # an eigenvector of the smallest eigenvalue (about 0)
    fails(Lam - 0.05 * np.outer(v, v), "not PSD")
    T = Lam.copy()
    T[0, n + 1] = T[n + 1, 0] = -0.05  # Lambda_AB[0, 1] < 0
    fails(T, "negative entry")
    T = Lam.copy()
    T[1, n + 1] += 0.05  # diag(Lambda_AB)[1] != 0
    T[n + 1, 1] += 0.05
    fails(T, "diag(Lambda_AB)")
    T = Lam.copy()
    T[2 * n, 2 * n] += 0.5  # Lambda_UU changes without a and b: M Lambda M^T != 0
    fails(T, "M Lambda M^T")
    T = Lam.copy()
    T[0, 1] += 0.01
    fails(T, "symmetric")

    # a solution whose certificates failed, or whose status is not OPTIMAL, reports no lower bound
    bad = SDPNNSolution(problem=sol.problem, result=sol.result, status=sol.status, S=sol.S, Lambda=T,
                        value=sol.value, certificates=certify_lambda(T, X))
    assert bad.lower_bound is None and not bad.certified
    X, y = teacher(0)
    early = solve_sdp_nn(build_sdp_nn(X, y, 0.1), max_iter=3)
    assert early.status is not solvers.Status.OPTIMAL and early.lower_bound is None


def test_solution_reports_its_checks():
    sol = sdp(1, 0.01)
    c = sol.certificates
    assert c.passed and c.min_eigenvalue >= -1e-6 * c.scale and c.min_block_entry >= -1e-6 * c.scale
    assert c.constraint_residual <= 1e-9 and c.max_diag_ab <= 1e-6
    assert c.solver["status"] == "optimal" and c.solver["rel_primal_residual"] <= 1e-6
    # relulp's value is recomputed from Lambda, independently of the solver's objective
    X, y = teacher(1)
    assert sol.value == pytest.approx(literal(sol.Lambda, X, y, 0.01)[0], rel=1e-12)
    assert sol.value == pytest.approx(sol.result.objective, rel=1e-6)
    assert sol.lower_bound <= sol.value


# ------------------------------------------------------------------------------------------ bad input
def test_bad_input_raises_typed_errors():
    X, y = teacher(0, n=6)
    Xn = X.copy()
    Xn[2, 1] = np.nan
    yn = y.copy()
    yn[0] = np.inf
    for args, err in [((Xn, y, 0.1), DataError), ((X, yn, 0.1), DataError), ((X, y[:-1], 0.1), DataError),
                      ((X[None], y, 0.1), DataError), ((X, np.zeros((6, 2, 1)), 0.1), DataError),
                      ((X, y, -0.1), UnknownOptionError), ((X, y, float("nan")), UnknownOptionError),
                      ((X, y, "big"), UnknownOptionError), ((X, y, True), UnknownOptionError)]:
        with pytest.raises(err):
            build_sdp_nn(*args)
    with pytest.raises(UnknownOptionError):
        build_sdp_nn(X, y, 0.1, bias="yes")
    with pytest.raises(UnknownOptionError):
        build_sdp_nn(X, y, 0.1, loss_form="square")
    sol = sdp(0, 0.1)
    with pytest.raises(DataError):
        certify_lambda(sol.Lambda[:-1, :-1], sol.problem.X)  # p = 2n + d: no room for an output
    with pytest.raises(DataError):
        certify_lambda(np.full_like(sol.Lambda, np.nan), sol.problem.X)
    with pytest.raises(DataError):
        certify_lambda(sol.Lambda[:, :-1], sol.problem.X)
    with pytest.raises(DataError):
        tos_rounding(sol.Lambda[:-1], sol.problem.X, sol.problem.Y, 0.1)
    with pytest.raises(UnknownOptionError):
        tos_rounding(sol.Lambda, sol.problem.X, sol.problem.Y, 0.1, rank=0)
    with pytest.raises(TypeError):
        solve_sdp_nn(sol)


def test_too_large_is_refused_before_allocating():
    rng = np.random.default_rng(0)
    X, y = rng.standard_normal((3000, 20)), rng.standard_normal(3000)
    tracemalloc.start()
    try:
        with pytest.raises(ModelSizeError, match=r"n=3,000 .*svec entries.*GiB"):
            build_sdp_nn(X, y, 0.1)
        peak = tracemalloc.get_traced_memory()[1]
    finally:
        tracemalloc.stop()
    assert peak < 20 * 2**20  # the inputs and validated copies only, not the program
    # the cap is relulp's (memory_limit= here); the solve is sized too (Clarabel's dense PSD block)
    Xs, ys = teacher(0, n=30)
    size = sdp_nn_size(30, 2, 1)
    with pytest.raises(ModelSizeError):
        build_sdp_nn(Xs, ys, 0.1, memory_limit=size["build_bytes"] // 2)
    prob = build_sdp_nn(Xs, ys, 0.1, memory_limit=size["build_bytes"])
    with pytest.raises(ModelSizeError, match="svec entries"):
        solve_sdp_nn(prob, memory_limit=size["clarabel_bytes"] // 2)
    assert issubclass(ModelSizeError, RelulpError)


# ------------------------------------------------------------------------------------------ rounding
def reference_tos(Lam, X, y, beta, R, K, step=0.75):
    """math.md §11's TOS written loop by loop (SVD start, zero padding to R columns, per-column P)."""
    n, d = X.shape
    p = Lam.shape[0]
    M = np.hstack([-np.eye(n), np.eye(n), X, np.zeros((n, p - 2 * n - d))])
    Pi = np.eye(p) - M.T @ np.linalg.inv(M @ M.T) @ M
    U, s, _ = np.linalg.svd(Lam)
    Z = np.zeros((p, R))
    r = min(p, R)
    Z[:, :r] = (U * np.sqrt(s))[:, :r]
    gamma = step / np.linalg.norm(Lam)
    hist = []
    for k in range(K + 1):
        W = Pi @ Z
        hist.append(nn_train(X, y, W[2 * n:2 * n + d], W[2 * n + d:], beta))
        if k == K:
            break
        G = 2 * (W @ W.T @ W - Lam @ W)
        T = 2 * W - Z - gamma * G
        for j in range(R):
            for i in range(n):
                a, b = T[i, j], T[n + i, j]
                if a >= b and a > 0:
                    T[n + i, j] = 0.0
                elif b > a and b > 0:
                    T[i, j] = 0.0
                else:
                    T[i, j] = T[n + i, j] = 0.0
        Z = Z - W + T
    return np.array(hist)


@pytest.mark.parametrize("R", [5, 40])
def test_tos_matches_the_specified_iteration(R):
    X, y = teacher(2, n=6)
    sol = solve_sdp_nn(build_sdp_nn(X, y, 0.1))
    ref = reference_tos(sol.Lambda, X, y, 0.1, R, 25)
    rnd = tos_rounding(sol.Lambda, X, y, 0.1, rank=R, n_iter=25)
    assert np.allclose(rnd.history, ref, rtol=1e-8, atol=1e-10)
    assert rnd.iteration == int(np.argmin(rnd.history)) and rnd.objective == rnd.history.min()
    assert rnd.W1.shape == (2, min(R, sol.problem.p)) and rnd.gamma == pytest.approx(0.75 / np.linalg.norm(sol.Lambda))
    assert rnd.objective == pytest.approx(nn_train(X, y, rnd.W1, rnd.W2, 0.1), rel=1e-12)


def test_rounded_network_predicts_with_its_weights():
    X, y = teacher(4)
    sol = sdp(4, 0.1)
    rnd = round_sdp_nn(sol, n_iter=200)
    Xnew = np.random.default_rng(9).standard_normal((5, 2))
    f = np.maximum(Xnew @ rnd.W1, 0.0) @ rnd.W2.T
    assert np.allclose(rnd.network.decision_function(Xnew), f[:, 0])
    assert rnd.network.info["sdp_value"] == sol.value
    # with a bias: the network appends the ones column itself
    solb = solve_sdp_nn(build_sdp_nn(X, y, 0.1, bias=True))
    assert solb.certified and solb.problem.d == 3
    rb = round_sdp_nn(solb, n_iter=100)
    Xa = np.hstack([Xnew, np.ones((5, 1))])
    assert np.allclose(rb.network.decision_function(Xnew), (np.maximum(Xa @ rb.W1, 0.0) @ rb.W2.T)[:, 0])
    assert solb.lower_bound <= rb.objective


# ------------------------------------------------------------------------------------------ estimators
def test_classifier_binary_and_multiclass():
    X, y = teacher(5)
    labels = np.where(y > np.median(y), "hi", "lo")
    clf = SDPNNClassifier(beta=0.1, n_iter=200).fit(X, labels)
    assert clf.n_features_in_ == 2 and list(clf.classes_) == ["hi", "lo"]
    assert clf.lower_bound_ is not None and clf.lower_bound_ <= clf.train_objective_
    Xnew = np.random.default_rng(3).standard_normal((7, 2))
    Xa = np.hstack([Xnew, np.ones((7, 1))])
    W1, W2 = clf.rounding_.W1, clf.rounding_.W2
    f = (np.maximum(Xa @ W1, 0.0) @ W2.T)[:, 0]
    assert np.array_equal(clf.predict(Xnew), np.where(f > 0, "lo", "hi"))
    assert 0.0 <= clf.score(X, labels) <= 1.0
    # three classes: one-hot targets, argmax
    y3 = np.digitize(y, np.quantile(y, [1 / 3, 2 / 3]))
    clf3 = SDPNNClassifier(beta=0.1, n_iter=100, fit_intercept=False).fit(X[:9], y3[:9])
    F = np.maximum(Xnew @ clf3.rounding_.W1, 0.0) @ clf3.rounding_.W2.T
    assert F.shape == (7, 3) and np.array_equal(clf3.predict(Xnew), clf3.classes_[np.argmax(F, axis=1)])
    with pytest.raises(DataError):
        clf.predict(np.ones((2, 3)))


def test_regressor_and_parameter_validation():
    from sklearn.base import clone
    from sklearn.exceptions import NotFittedError
    from sklearn.utils._param_validation import InvalidParameterError

    X, y = teacher(0, n=8)
    reg = SDPNNRegressor(beta=0.1, n_iter=200, fit_intercept=False)
    with pytest.raises(NotFittedError):
        reg.predict(X)
    reg.fit(X, y)
    pred = reg.predict(X)
    assert pred.shape == (8,)
    assert np.allclose(pred, (np.maximum(X @ reg.rounding_.W1, 0) @ reg.rounding_.W2.T)[:, 0])
    assert reg.lower_bound_ <= reg.train_objective_ == pytest.approx(nn_train(X, y, reg.rounding_.W1,
                                                                              reg.rounding_.W2, 0.1))
    assert clone(reg).get_params()["beta"] == 0.1
    for bad in ({"beta": -1.0}, {"rank": 0}, {"loss_form": "x"}, {"n_iter": -1}):
        with pytest.raises(InvalidParameterError):
            SDPNNRegressor(**bad).fit(X, y)
    with pytest.raises(DataError):
        SDPNNRegressor().fit(X, y[:-1])
    two = SDPNNRegressor(beta=0.1, n_iter=50).fit(X[:6], np.column_stack([y, -y])[:6])
    assert two.predict(X).shape == (8, 2)


def test_fit_raises_when_the_solve_is_not_optimal():
    X, y = teacher(0, n=6)
    with pytest.raises(SDPNotSolvedError) as info:
        SDPNNRegressor(solver_options={"max_iter": 2}).fit(X, y)
    assert info.value.status is solvers.Status.ITERATION_LIMIT
    # require_optimal=False rounds the point the solver stopped at
    reg = SDPNNRegressor(solver_options={"max_iter": 2}, require_optimal=False, n_iter=20).fit(X, y)
    assert reg.lower_bound_ is None and np.isfinite(reg.train_objective_)
