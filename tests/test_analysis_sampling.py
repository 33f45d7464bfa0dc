"""relulp.analysis sampling: many-chain hit-and-run, radial moves, centroid (math.md §5, §6)."""

import numpy as np
import pytest

from relulp.analysis import HitAndRun, Polytope, bodies
from relulp.exceptions import DataError


def test_samples_lie_in_the_body_and_are_independent_chains():
    P = bodies.random_polytope(6, 25, seed=1)
    res = P.sample(300, seed=0)
    assert res.points.shape == (300, 6) and res.n_chains == 300
    assert np.all(P.contains(res.points))
    assert len(np.unique(res.points[:, 0])) == 300  # chains have spread out from the common start
    assert res.warm_start == "centre" and res.steps == max(50, 25 * 6)


def test_cube_samples_have_the_uniform_moments():
    """Uniform on [-1, 1]^N: mean 0, variance 1/3 per coordinate. Tolerances from the sample size."""
    N, n = 8, 2000
    P = bodies.cube(N, rotation=3)  # rotated: the sampler must not rely on axis alignment
    Y = P.sample(n, seed=1).points @ P.A[:N].T  # back to the cube's own axes
    se_mean = np.sqrt(1 / 3 / n)
    assert np.abs(Y.mean(axis=0)).max() < 4.5 * se_mean
    var = Y.var(axis=0)
    se_var = np.sqrt((1 / 5 - 1 / 9) / n)  # Var(U^2) for U ~ U(-1, 1)
    assert np.abs(var - 1 / 3).max() < 4.5 * se_var


def test_ball_bound_samples_stay_in_the_ball():
    P = Polytope(np.array([[1.0, 0, 0]]), [0.2], bound="ball", R=1.0)
    pts = P.sample(400, seed=2).points
    assert np.all(np.linalg.norm(pts, axis=1) <= 1 + 1e-12) and np.all(pts[:, 0] <= 0.2 + 1e-12)
    # the cap x_1 > 0.2 is missing: the mean of x_1 is negative
    assert pts[:, 0].mean() < -0.05


@pytest.mark.parametrize("N", [3, 10])
def test_simplex_centroid_within_its_standard_errors(N):
    P = bodies.simplex(N)
    res = P.centroid(seed=N)
    z = (res.x - 1 / (N + 1)) / res.stderr
    assert np.abs(z).max() < 4.5  # N coordinates, each ~ N(0, 1)
    assert 0.3 < np.sqrt(np.mean(z**2)) < 2.0  # the errors are neither understated nor wildly overstated
    assert res.rms_error == pytest.approx(np.sqrt(np.mean(res.stderr**2)))
    assert np.isfinite(res.covariance_error) and res.covariance.shape == (N, N)


def test_centroid_of_a_cube_cut_is_shifted_away_from_the_cut():
    P = bodies.cube(4)
    child = P.cut([1.0, 0, 0, 0], 0.0)  # keep x_1 <= 0: centroid (-1/2, 0, 0, 0)
    res = child.centroid(seed=3)
    assert abs(res.x[0] + 0.5) < 4.5 * res.stderr[0]


def test_surviving_samples_are_reused_after_a_cut():
    P = bodies.cube(5)
    P.sample(500, seed=4)
    child = P.cut(np.ones(5), 0.0)
    kept = child._hints["samples"]
    assert 150 < len(kept) < 350 and np.all(child.contains(kept))
    res = child.sample(200, seed=5)
    assert "surviving" in res.warm_start and res.steps == max(50, 10 * 5)
    assert np.all(child.contains(res.points))


def test_radial_move_keeps_points_inside_and_reports_probabilities():
    P = bodies.cube(6)
    rng = np.random.default_rng(0)
    X0 = P.sample(300, seed=6).points
    hr = HitAndRun(P, X0, rng, center=np.zeros(6))
    rb = hr.radial_step(inner=1.0)
    assert np.all(P.contains(hr.X)) and np.all((rb >= 0) & (rb <= 1))
    # P(||x|| <= 1) for uniform x in [-1, 1]^6 = vol(B_6) / 2^6 = pi^3/6 / 64
    _, rbs = hr.sweep(200, inner=1.0)
    est = rbs.mean() / 200
    assert est == pytest.approx(np.pi**3 / 6 / 64, rel=0.15)


def test_sample_input_checks():
    P = bodies.cube(3)
    with pytest.raises(DataError):
        P.sample(0)
    with pytest.raises(DataError):
        P.sample(5, start=np.full(3, 5.0))  # outside
    with pytest.raises(DataError):
        P.centroid(n_chains=1)
