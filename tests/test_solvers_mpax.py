"""MPAX on CPU (x64) and cuPDLPx (skipped without its package and a GPU). Small LPs only: MPAX JIT-compiles
once per LP shape (seconds on CPU; the backend reuses the compiled solver for later LPs of the same shape)."""

from __future__ import annotations

import tempfile

import numpy as np
import pytest

from relulp import solvers
from relulp.solvers import Status, instances

mpax_installed = solvers.backends.get("mpax").is_installed()
needs_mpax = pytest.mark.skipif(not mpax_installed, reason="mpax/jax not installed (pip install mpax jax)")

if mpax_installed:  # reuse compiled XLA code between same-shaped LPs of this session
    import jax

    jax.config.update("jax_compilation_cache_dir", tempfile.mkdtemp(prefix="relulp-jax-"))
    jax.config.update("jax_persistent_cache_min_compile_time_secs", 0)


@needs_mpax
@pytest.mark.parametrize("name", ["two_le", "ranged_free"])
def test_mpax_textbook(name):
    known = next(k for k in instances.textbook() if k.name == name)
    res = solvers.solve(known.lp, backend="mpax", tolerance=1e-8)
    assert res.status is Status.OPTIMAL, res.message
    assert res.objective == pytest.approx(known.objective, abs=1e-6)
    np.testing.assert_allclose(res.x, known.x, atol=1e-5)
    np.testing.assert_allclose(res.row_duals, known.row_duals, atol=1e-5)
    assert res.rel_primal_residual <= 1e-7 and res.rel_dual_residual <= 1e-7
    assert res.tolerance == 1e-8 and res.method == "r2hpdhg" and res.iterations > 0
    assert res.solver_version.startswith("mpax ")


@needs_mpax
def test_mpax_infeasible_unbounded_statuses():
    assert solvers.solve(instances.infeasible(), backend="mpax").status is Status.INFEASIBLE
    # a dual infeasibility certificate: MPAX itself says "primal unbounded or infeasible"
    assert solvers.solve(instances.unbounded(), backend="mpax").status is Status.INFEASIBLE_OR_UNBOUNDED


@needs_mpax
def test_mpax_iteration_limit_and_refused_options():
    lp = instances.textbook()[0].lp
    res = solvers.solve(lp, backend="mpax", method="rapdhg", iteration_limit=3, tolerance=1e-12)
    assert res.status is Status.ITERATION_LIMIT and res.x is not None
    with pytest.raises(solvers.SolverOptionError, match="no time limit"):
        solvers.solve(lp, backend="mpax", time_limit=10)
    with pytest.raises(solvers.SolverOptionError, match="bogus"):
        solvers.solve(lp, backend="mpax", bogus=1)
    with pytest.raises(solvers.SolverOptionError, match="either tolerance"):
        solvers.solve(lp, backend="mpax", tolerance=1e-6, eps_abs=1e-6)


def test_mpax_form_duals_map_back():
    """The E/G rewrite and its dual map, without running MPAX: y = w_ge - w_le on ranged rows."""
    from relulp.solvers.backends.mpax import MpaxForm

    lp = instances.random_lp(30, 20, seed=1)
    form = MpaxForm.build(lp)
    x0 = np.clip(np.zeros(20), lp.col_lower, lp.col_upper)
    ax = lp.A @ x0
    np.testing.assert_allclose(form.E @ x0, ax[form.eq])
    np.testing.assert_allclose(form.G @ x0, np.concatenate([ax[form.ge], -ax[form.le]]))
    w = np.arange(1.0, 1 + form.eq.size + form.ge.size + form.le.size)
    y = form.row_duals(w, lp.num_rows)
    # A.T y == E.T w_eq + G.T w_ineq, i.e. the Lagrangian is unchanged
    k = form.eq.size
    np.testing.assert_allclose(lp.A.T @ y, form.E.T @ w[:k] + form.G.T @ w[k:])


def test_cupdlpx_skips_cleanly_without_gpu():
    engine = solvers.backends.get("cupdlpx")
    if engine.is_installed():
        res = solvers.solve(instances.textbook()[0].lp, backend="cupdlpx")
        assert res.status is Status.OPTIMAL and res.objective == pytest.approx(-2.8, abs=1e-3)
    else:
        with pytest.raises(solvers.BackendNotInstalledError, match="pip install cupdlpx"):
            solvers.solve(instances.textbook()[0].lp, backend="cupdlpx")
