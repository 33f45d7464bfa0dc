"""relulp.analysis volumes and cut ratios on bodies of known volume (math.md §6, §7)."""

import math
import subprocess
import sys
import warnings

import numpy as np
import pytest

from relulp.analysis import (
    AccuracyNotReachedError,
    AccuracyWarning,
    ExactVolumeRefusedError,
    Polytope,
    VolumeStatus,
    bodies,
    exact_volume,
)


# ------------------------------------------------------------------------------------------- exact
@pytest.mark.parametrize("N", [1, 2, 3, 5])
def test_exact_volume_of_rotated_cubes_and_simplices(N):
    assert exact_volume(bodies.cube(N, 0.7, rotation=N)) == pytest.approx(1.4**N, rel=1e-9)
    assert exact_volume(bodies.simplex(N)) == pytest.approx(1 / math.factorial(N), rel=1e-9)
    if N >= 2:
        assert exact_volume(bodies.cross_polytope(N, R=2.0)) == pytest.approx(2**N / math.factorial(N), rel=1e-9)


def test_exact_volume_includes_the_box():
    P = Polytope(np.array([[1.0, 1.0]]), [0.0], bound="box", R=1.0)  # half of [-1, 1]^2
    res = P.volume()
    assert res.status is VolumeStatus.EXACT and res.volume == pytest.approx(2.0)
    assert res.lower == res.upper == res.volume


def test_exact_volume_is_refused_beyond_its_guard():
    with pytest.raises(ExactVolumeRefusedError):
        exact_volume(bodies.cube(10))
    with pytest.raises(ExactVolumeRefusedError):
        exact_volume(Polytope(np.eye(2), [0.5, 0.5], bound="ball"))
    with pytest.raises(ExactVolumeRefusedError):
        bodies.cube(3).volume(method="exact", exact_limits=(2, 100))


# ------------------------------------------------------------------------------------------- randomized
def _check_interval(res, truth):
    assert res.status is VolumeStatus.CONVERGED and res.method == "mmc"
    assert res.lower < res.volume < res.upper
    assert res.lower <= truth <= res.upper, (res.lower / truth, res.upper / truth)
    assert res.rel_halfwidth == pytest.approx(max(res.upper / res.volume - 1, 1 - res.lower / res.volume))


@pytest.mark.parametrize("N, seed", [(4, 0), (5, 1), (6, 2)])
def test_mmc_against_qhull_on_random_polytopes(N, seed):
    P = bodies.random_polytope(N, 3 * N, seed=seed)
    truth = exact_volume(P)
    res = P.volume(method="mmc", rel_error=0.05, confidence=0.99, seed=seed)
    _check_interval(res, truth)
    assert res.rel_halfwidth <= 0.05 + 1e-12


def test_mmc_rotated_cube_dimension_20():
    P = bodies.cube(20, rotation=5)
    res = P.volume(rel_error=0.05, confidence=0.99, seed=3)
    _check_interval(res, 2.0**20)
    assert abs(res.volume / 2.0**20 - 1) < 0.05
    assert res.levels[-1].kind == "rejection" and res.chain_steps > 0


def test_mmc_simplex_dimension_12():
    P = bodies.simplex(12)
    res = P.volume(rel_error=0.05, confidence=0.99, seed=4)
    _check_interval(res, 1 / math.factorial(12))


def test_mmc_in_the_ball():
    # x_1 <= 0 in the unit ball of R^8: half the ball's volume
    N = 8
    P = Polytope(np.eye(N)[:1], [0.0], bound="ball", R=1.0)
    vball = math.pi ** (N / 2) / math.gamma(N / 2 + 1)
    res = P.volume(rel_error=0.05, confidence=0.99, seed=5)
    _check_interval(res, vball / 2)


def test_volume_that_cannot_reach_its_accuracy_says_so():
    P = bodies.cube(12, rotation=1)
    with pytest.warns(AccuracyWarning, match="not reached"):
        res = P.volume(rel_error=0.002, max_seconds=0.5, seed=6)
    assert res.status is VolumeStatus.ACCURACY_NOT_REACHED and not res.success
    assert res.lower < res.volume < res.upper and res.rel_halfwidth > 0.002
    assert "achieved interval" in res.message
    with pytest.raises(AccuracyNotReachedError) as exc:
        P.volume(rel_error=0.002, max_seconds=0.5, seed=6, strict=True)
    assert exc.value.result.status is VolumeStatus.ACCURACY_NOT_REACHED


# ------------------------------------------------------------------------------------------- cut ratio
def test_cube_cut_through_its_centre_keeps_half():
    P = bodies.cube(10, rotation=2)
    a = np.random.default_rng(0).standard_normal(10)
    res = P.cut_ratio(a, 0.0, n=3000, confidence=0.99, seed=7)
    assert res.method == "sample" and res.n == 3000
    assert res.lower <= 0.5 <= res.upper and res.upper - res.lower < 0.07
    assert res.grunbaum_bound == pytest.approx((10 / 11) ** 10)
    assert bodies.cube(3).cut_ratio(a[:3], 0.0).ratio == pytest.approx(0.5, abs=1e-12)  # exact


@pytest.mark.parametrize("t", [0.1, 0.3])
def test_simplex_slice_parallel_to_a_face(t):
    """{x_1 >= t} ∩ simplex is a copy scaled by (1 - t): ratio (1 - t)^N."""
    e1 = -np.eye(3)[0]
    exact = bodies.simplex(3).cut_ratio(e1, -t)
    assert exact.method == "exact" and exact.ratio == pytest.approx((1 - t) ** 3, rel=1e-9)
    N = 8
    res = bodies.simplex(N).cut_ratio(-np.eye(N)[0], -t, n=3000, confidence=0.99, seed=8)
    assert res.lower <= (1 - t) ** N <= res.upper


def test_cut_ratio_with_several_rows_and_empty_result():
    P = bodies.cube(2)
    both = P.cut_ratio(np.eye(2), [0.0, 0.0])  # the quadrant x <= 0, y <= 0
    assert both.ratio == pytest.approx(0.25)
    none = P.cut_ratio([1.0, 0.0], -2.0)  # misses the square
    assert none.ratio == 0.0


def test_volume_warnings_are_silent_when_converged():
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        bodies.cube(6, rotation=1).volume(method="mmc", rel_error=0.1, seed=9)


# ------------------------------------------------------------------------------------------- import cost
def test_importing_the_package_does_not_load_scipy_stats():
    """scipy.stats costs ~1 s to import; only bodies.cube(rotation=int) and sampled cut ratios need it."""
    code = ("import sys, relulp.analysis\n"
            "from relulp.analysis import bodies, volume, prune, Polytope\n"
            "assert callable(bodies.simplex) and callable(volume) and callable(prune)\n"
            "print('scipy.stats' in sys.modules)")
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, timeout=120)
    assert out.returncode == 0, out.stderr
    assert out.stdout.strip() == "False", "import relulp.analysis imported scipy.stats"


def test_lazy_scipy_stats_users_still_work():
    Q = bodies.cube(4, rotation=3).A[:4]  # special_ortho_group, imported on first use
    assert np.allclose(Q @ Q.T, np.eye(4), atol=1e-12)
    res = bodies.cube(6, rotation=1).cut_ratio(np.ones(6), 0.0, method="sample", n=400, seed=0)  # beta.ppf
    assert 0 < res.lower < res.ratio < res.upper < 1
