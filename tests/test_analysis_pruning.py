"""relulp.analysis pruning: every drop certified, against a one-LP-per-row oracle (math.md §7)."""

import numpy as np
import pytest

from analysis_oracles import redundant_rows_bruteforce
from relulp.analysis import DropReason, Polytope, bodies, certificate_bound, exact_volume
from relulp.analysis._lp import HighsLP


def _irredundant_by_oracle(P):
    """Rows an LP over all *other distinct* rows cannot prove redundant (duplicates collapsed)."""
    red = redundant_rows_bruteforce(P)
    return np.flatnonzero(~red)


@pytest.mark.parametrize("N, m, seed", [(3, 30, 0), (5, 60, 1), (8, 120, 2)])
def test_kept_rows_are_exactly_the_oracles_irredundant_rows(N, m, seed):
    P = bodies.redundant_polytope(N, m, 0.6, seed=seed, R=10.0)
    res = P.prune()
    assert res.complete and res.verify() == []
    assert set(res.kept.tolist()) == set(_irredundant_by_oracle(P).tolist())
    assert len(res.kept) + len(res.dropped) == P.m
    assert res.counts["lp"] > 0


def test_plain_clarkson_agrees_and_drops_the_same_rows():
    P = bodies.redundant_polytope(6, 80, 0.7, seed=3, R=10.0)
    a = P.prune()
    b = P.prune(algorithm="plain", ray_seed=False, stages=("lp",))
    assert set(a.kept.tolist()) == set(b.kept.tolist()) and b.verify() == []


def test_screens_zero_duplicate_and_bound_rows():
    A = np.array([
        [1.0, 0.0],   # 0 facet x <= 0.5
        [2.0, 0.0],   # 1 duplicate of 0 after scaling (2x <= 1.2 is looser)
        [0.0, 0.0],   # 2 zero row, 0 <= 1
        [1.0, 1.0],   # 3 implied by the box: R ||a||_1 = 2 <= 3
        [0.0, 1.0],   # 4 facet y <= 0.5
        [-1.0, 0.0],  # 5 facet
    ])
    b = np.array([0.5, 1.2, 1.0, 3.0, 0.5, 0.5])
    P = Polytope(A, b, bound="box", R=1.0)
    res = P.prune()
    reasons = {c.row: c.reason for c in res.certificates}
    assert reasons == {1: DropReason.DUPLICATE, 2: DropReason.ZERO_ROW, 3: DropReason.BOUND_IMPLIED}
    assert res.kept.tolist() == [0, 4, 5] and res.verify() == []
    dup = next(c for c in res.certificates if c.row == 1)
    assert dup.rows.tolist() == [0] and dup.multipliers.tolist() == pytest.approx([2.0])


def test_pruning_keeps_the_body():
    P = bodies.redundant_polytope(4, 40, 0.7, seed=4, R=3.0)
    res = P.prune()
    Q = res.polytope
    assert exact_volume(Q) == pytest.approx(exact_volume(P), rel=1e-9)
    assert Q.chebyshev_center().radius == pytest.approx(P.chebyshev_center().radius, rel=1e-8)


def test_tampered_certificate_is_caught():
    P = bodies.redundant_polytope(5, 50, 0.7, seed=5, R=10.0)
    res = P.prune()
    cert = next(c for c in res.certificates if c.reason is DropReason.LP)
    cert.multipliers = cert.multipliers * 0.5
    assert res.verify() == [cert.row]


def test_certificate_may_not_use_rows_dropped_before_it():
    P = Polytope(np.array([[1.0, 0], [1.0, 0], [0, 1.0], [-1.0, -1.0]]), [1.0, 1.0, 1.0, 1.0], bound="box", R=5)
    res = P.prune()
    assert len(res.dropped) == 1  # one twin goes, certified by the other
    c = res.certificates[0]
    assert c.rows.tolist() == [1 - c.row]
    assert certificate_bound(P, c.row, c.rows, c.multipliers) <= P.b[c.row] + 1e-12


def test_block_cone_pruning_on_a_cpal_body():
    P, _ = bodies.cpal_body(6, n_sample=40, seed=3, bound="box", R=1.0)
    res = P.prune(stages=("zero", "duplicate", "bound", "block"))
    assert res.counts["block_cone"] > 0 and res.verify() == []
    # every block-wise drop is redundant for the final kept set, checked by an independent LP
    kept = res.kept
    for cert in [c for c in res.certificates if c.reason is DropReason.BLOCK_CONE][:40]:
        a = P.A[[cert.row]].toarray().ravel()
        lp = HighsLP(a, P.A[kept], np.full(kept.size, -np.inf), P.b[kept], -np.ones(P.N), np.ones(P.N),
                     maximize=True)
        assert lp.solve().value <= 1e-9
    # the kept cone rows of each block are extreme rays: none is a block-cone combination of the others
    again = res.polytope.prune(stages=("block",))
    assert again.counts["block_cone"] == 0


def test_lp_stage_respects_its_time_limit():
    P = bodies.redundant_polytope(6, 120, 0.8, seed=6, R=10.0)
    res = P.prune(time_limit=0.0)
    assert not res.complete and res.counts["lp"] == 0 and res.verify() == []


def test_ball_bound_pruning_is_conservative_and_certified():
    P = Polytope(np.vstack([np.eye(3), -np.eye(3), np.ones((1, 3))]), np.r_[np.full(6, 0.5), 5.0],
                 bound="ball", R=1.0)
    res = P.prune()
    assert 6 in res.dropped and res.verify() == []  # sum x <= 5 is implied by the ball (sqrt 3 < 5)


@pytest.mark.parametrize("N, m, seed", [(4, 60, 7), (10, 200, 8)])
def test_facets_found_during_the_lp_stage_agree_with_the_oracle(N, m, seed):
    """Without ray seeding every facet is discovered by the Clarkson loop itself (new columns in the
    HiGHS model and in the dense vertex simplex while candidates are being certified)."""
    P = bodies.redundant_polytope(N, m, 0.7, seed=seed, R=10.0)
    res = P.prune(ray_seed=False)
    assert res.complete and res.verify() == []
    assert set(res.kept.tolist()) == set(_irredundant_by_oracle(P).tolist())


def test_degenerate_vertices_and_weakly_redundant_rows():
    """A cube with rows through its vertices and edges (weakly redundant: max a theta = b exactly)
    and rows cutting a corner off (irredundant): degenerate vertices for the vertex simplex."""
    N = 5
    rng = np.random.default_rng(9)
    rows, rhs, seen = [np.eye(N), -np.eye(N)], [np.ones(N), np.ones(N)], set()
    for _ in range(40):
        s = rng.choice([-1.0, 1.0], N) * (rng.random(N) < 0.6)
        if np.count_nonzero(s) < 2 or s.tobytes() in seen:  # no duplicates (the oracle drops both twins)
            continue
        seen.add(s.tobytes())
        rows.append(s[None, :])
        rhs.append([np.abs(s).sum()])  # touches the cube at a vertex / edge / face: weakly redundant
    corner = np.ones(N) / np.sqrt(N)
    rows.append(corner[None, :])
    rhs.append([0.9 * np.sqrt(N)])  # cuts the corner (1, ..., 1) off: a facet
    A, b = np.vstack(rows), np.concatenate(rhs)
    perm = rng.permutation(len(b))
    P = Polytope(A[perm], b[perm], bound="box", R=3.0)
    res = P.prune()
    assert res.complete and res.verify() == []
    assert set(res.kept.tolist()) == set(_irredundant_by_oracle(P).tolist())
    assert int(np.flatnonzero(perm == len(b) - 1)[0]) in res.kept.tolist()
