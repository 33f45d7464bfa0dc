"""Issue 13 item 5: centroid error bars that tell the truth on ill-conditioned bodies (rounding + mixing
diagnostics), and reproducible centroids and volumes for a fixed seed."""

import numpy as np
import pytest

from relulp.analysis import Polytope, bodies
from relulp.analysis.results import MixingStatus


def _rotation(N, seed):
    from scipy.stats import special_ortho_group

    return special_ortho_group.rvs(N, random_state=np.random.default_rng(seed))


def skinny_box(N, seed, lo=0.01, hi=1.0):
    """{|Q^T x|_j <= h_j}, half-widths h geometric from lo to hi, Q a random rotation: centroid 0."""
    Q = _rotation(N, seed)
    h = np.geomspace(lo, hi, N)
    P = Polytope(np.vstack([Q.T, -Q.T]), np.concatenate([h, h]), bound="box", R=1.01 * np.sqrt(N) * hi)
    return P, np.zeros(N)


def skinny_simplex(N, seed, lo=0.02, hi=1.0):
    """The simplex with vertices 0 and Q (w_i e_i), widths w geometric: centroid = mean of the vertices."""
    Q = _rotation(N, seed)
    w = np.geomspace(lo, hi, N)
    M = Q * w[None, :]  # x = M theta, theta in the standard simplex
    Minv = np.linalg.inv(M)
    A = np.vstack([-np.eye(N), np.ones((1, N))]) @ Minv
    b = np.concatenate([np.zeros(N), [1.0]])
    verts = np.vstack([np.zeros(N), M.T])
    return Polytope(A, b, bound="box", R=1.5), verts.mean(axis=0)


CASES = [("box", 10, 0), ("box", 20, 1), ("simplex", 12, 2), ("simplex", 16, 3)]


@pytest.mark.parametrize("kind, N, body_seed", CASES)
@pytest.mark.parametrize("seed", [0, 1])
def test_centroid_error_bar_covers_the_truth_on_skinny_rotated_bodies(kind, N, body_seed, seed):
    P, truth = (skinny_box if kind == "box" else skinny_simplex)(N, body_seed)
    res = P.centroid(seed=seed)
    assert res.status is MixingStatus.MIXED and res.success
    z = (res.x - truth) / res.stderr
    assert np.abs(z).max() < 4.5  # N coordinates, each about N(0, 1)
    assert np.sqrt(np.mean(z**2)) < 3.0
    # in the RMS norm the result reports
    assert np.sqrt(np.mean((res.x - truth) ** 2)) <= 3 * res.rms_error
    # diagnostics: R-hat near 1, a real effective sample size, a rounded frame
    assert res.rhat.shape == (N,) and 1.0 <= res.rhat_max < 1.15
    assert res.ess.shape == (N,) and res.ess_min > 50
    assert res.rounding_rounds >= 1 and res.rounding_condition < 10


def test_centroid_error_on_the_rotated_box_of_the_issue():
    """N = 20, widths 0.01..1 (geometric), rotated: was off by ~0.15 RMS while reporting ~0.01."""
    P, truth = skinny_box(20, 0)
    res = P.centroid(seed=0)
    err = np.sqrt(np.mean((res.x - truth) ** 2))
    assert err < 0.03 and err <= 3 * res.rms_error


def test_chains_that_did_not_mix_never_give_a_tight_error_bar():
    P, truth = skinny_box(20, 0)
    res = P.centroid(seed=0, max_rounds=1, burn_in=1, steps=2, max_extensions=0, rhat_target=1.01)
    assert res.status is MixingStatus.NOT_MIXED and not res.success
    assert "did not mix" in res.message
    assert np.all(res.stderr >= res.stderr_chains)
    assert np.all(res.stderr >= P.R)
    assert np.sqrt(np.mean((res.x - truth) ** 2)) <= 3 * res.rms_error


def test_centroid_time_budget_is_reported():
    P, _ = skinny_box(12, 0)
    res = P.centroid(seed=0, max_seconds=0.0)
    assert res.status is MixingStatus.TIME_LIMIT and not res.success


def test_same_seed_gives_identical_centroid():
    P, _ = skinny_simplex(12, 0)
    a = P.centroid(seed=5)
    b = P.centroid(seed=5)  # the same body again: its own earlier run must not change the answer
    c = skinny_simplex(12, 0)[0].centroid(seed=5)
    for r in (b, c):
        np.testing.assert_array_equal(a.x, r.x)
        np.testing.assert_array_equal(a.stderr, r.stderr)
        assert a.rhat_max == r.rhat_max


def test_same_seed_gives_identical_volume():
    P = bodies.cube(9, rotation=2)
    kw = dict(method="mmc", rel_error=0.05, confidence=0.95, seed=11, max_seconds=None)
    a = P.volume(**kw)
    b = P.volume(**kw)
    c = bodies.cube(9, rotation=2).volume(**kw)
    assert not a.time_limited
    for r in (b, c):
        assert r.volume == a.volume and r.lower == a.lower and r.upper == a.upper
        assert r.chain_steps == a.chain_steps
    assert a.lower <= 2.0**9 <= a.upper


def test_volume_time_budget_is_reported():
    P = bodies.cube(12, rotation=1)
    with pytest.warns(Warning):
        res = P.volume(rel_error=0.002, max_seconds=0.3, seed=6)
    assert res.time_limited and "time budget" in res.message
