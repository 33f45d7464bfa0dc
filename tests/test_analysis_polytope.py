"""relulp.analysis: the body itself, block structure, and bad input (math.md §5, §7)."""

import numpy as np
import pytest
import scipy.sparse as sp

from relulp.analysis import (
    BlockStructure,
    BodyStatus,
    EmptyInteriorError,
    ExactVolumeRefusedError,
    Polytope,
    UnboundedBodyError,
    bodies,
)
from relulp.exceptions import DataError, RelulpError, UnknownOptionError


def square():
    return Polytope(np.array([[1.0, 0], [0, 1], [-1, 0], [0, -1]]), [0.5, 0.5, 0.5, 0.5], bound="box", R=1.0)


# ------------------------------------------------------------------------------------------- input
@pytest.mark.parametrize(
    "A, b",
    [
        (np.ones((3, 2)), np.ones(2)),  # row count mismatch
        (np.ones(3), np.ones(3)),  # A not 2-D
        (np.array([[1.0, np.nan]]), [1.0]),  # NaN in A
        (np.ones((1, 2)), [np.inf]),  # inf in b
        ([["a", "b"]], [1.0]),  # not numeric
    ],
)
def test_bad_matrices_raise_data_error(A, b):
    with pytest.raises(DataError):
        Polytope(A, b)


@pytest.mark.parametrize("kw", [dict(bound="sphere"), dict(R=0.0), dict(R=-1.0), dict(R=np.inf)])
def test_bad_bound_set_raises(kw):
    with pytest.raises(DataError):
        Polytope(np.eye(2), np.ones(2), **kw)


def test_dimension_mismatch_of_theta_raises():
    P = square()
    with pytest.raises(DataError):
        P.contains(np.zeros(3))
    with pytest.raises(DataError):
        P.slack(np.zeros((4, 3)))
    with pytest.raises(DataError):
        P.cut(np.ones(3), 0.0)
    with pytest.raises(DataError):
        P.analytic_center(start=np.zeros(5))
    with pytest.raises(DataError):
        P.contains([np.nan, 0.0])


def test_errors_share_the_project_base_class():
    assert issubclass(EmptyInteriorError, RelulpError) and issubclass(EmptyInteriorError, ValueError)
    assert issubclass(UnboundedBodyError, RelulpError)
    assert issubclass(ExactVolumeRefusedError, RelulpError)


def test_unknown_options_raise():
    P = square()
    with pytest.raises(UnknownOptionError):
        P.analytic_center(linalg="magic")
    with pytest.raises(UnknownOptionError):
        P.volume(method="guess")
    with pytest.raises(UnknownOptionError):
        P.prune(stages=("zero", "vibes"))


# ------------------------------------------------------------------------------------------- basics
def test_contains_rows_and_bound_set():
    P = square()
    assert P.contains([0.0, 0.0]) and P.contains([0.5, -0.5]) and not P.contains([0.6, 0.0])
    mask = P.contains(np.array([[0, 0], [0.6, 0], [0.5, 0.5]]))
    assert mask.tolist() == [True, False, True]
    ball = Polytope(np.zeros((0, 2)), np.zeros(0), bound="ball", R=1.0)
    assert ball.contains([0.6, 0.6]) and not ball.contains([0.8, 0.8])
    assert P.slack([0.1, 0.2]).tolist() == pytest.approx([0.4, 0.3, 0.6, 0.7])


def test_cut_returns_a_new_body_and_leaves_the_parent_alone():
    P = square()
    Q = P.cut([1.0, 1.0], 0.0)
    assert (P.m, Q.m) == (4, 5)
    assert not Q.contains([0.3, 0.3]) and P.contains([0.3, 0.3])
    R2 = P.cut(np.array([[1.0, 0.0], [0.0, 1.0]]), [0.1, 0.2])
    assert R2.m == 6 and R2.contains([0.1, 0.2]) and not R2.contains([0.11, 0.0])
    S = Polytope(sp.csr_array(np.eye(2)), [1.0, 1.0]).cut(sp.csr_array([[1.0, 1.0]]), 1.0)
    assert S.is_sparse and S.m == 3


def test_homogeneous_flag_and_repr():
    P, _ = bodies.cpal_body(2, n_sample=20)
    assert P.homogeneous and "blocks=" in repr(P)
    assert not square().homogeneous


# ------------------------------------------------------------------------------------------- blocks
def test_blocks_detected_from_sparsity():
    A = np.array([[1.0, 2, 0, 0], [0, 0, 3, 0], [1, 0, 0, 1], [0, 0, 0, 0]])
    P = Polytope(A, np.ones(4), blocks=2)
    assert P.blocks.row_block.tolist() == [0, 1, -1, 0]
    assert P.blocks.n_blocks == 2
    Q = P.cut([0, 0, 1.0, 1.0], 0.0)
    assert Q.blocks.row_block.tolist() == [0, 1, -1, 0, 1]


def test_declared_blocks_are_validated():
    A = np.array([[1.0, 2, 0, 0], [0, 0, 3, 1]])
    ok = BlockStructure(np.array([0, 2, 4]), np.array([0, 1]))
    assert Polytope(A, np.ones(2), blocks=ok).blocks is ok
    wrong = BlockStructure(np.array([0, 2, 4]), np.array([1, 1]))
    with pytest.raises(DataError):
        Polytope(A, np.ones(2), blocks=wrong)
    with pytest.raises(DataError):
        Polytope(A, np.ones(2), blocks=3)  # 3 does not divide 4


def test_cpal_body_structure_matches_math_md():
    P, info = bodies.cpal_body(3, n_sample=40, seed=1)
    Pn, d = info["P"], info["d"]
    assert P.N == 2 * Pn * d and P.m == 3 * (1 + 2 * Pn)
    rb = P.blocks.row_block
    assert np.sum(rb == -1) == 3  # one coupling (margin) row per cut
    nnz = np.diff(P.A.indptr)
    assert np.all(nnz[rb >= 0] == d)  # cone rows: d nonzeros each


# ------------------------------------------------------------------------------------------- bad bodies
def test_empty_interior_is_a_status_and_an_exception():
    flat = Polytope(np.array([[1.0, 0], [-1.0, 0]]), [0.0, 0.0], bound="box")
    res = flat.chebyshev_center()
    assert res.status is BodyStatus.EMPTY_INTERIOR and not res.success and abs(res.radius) < 1e-8
    for call in (flat.analytic_center, lambda: flat.volume(), lambda: flat.sample(5), flat.prune):
        with pytest.raises(EmptyInteriorError) as exc:
            call()
        assert exc.value.status in (BodyStatus.EMPTY_INTERIOR, BodyStatus.INFEASIBLE)


def test_infeasible_rows_are_reported_as_infeasible():
    P = Polytope(np.array([[1.0, 0], [-1.0, 0]]), [-0.5, -0.5], bound="box")
    res = P.chebyshev_center()
    assert res.status is BodyStatus.INFEASIBLE and res.radius < 0
    with pytest.raises(EmptyInteriorError) as exc:
        P.analytic_center()
    assert exc.value.status is BodyStatus.INFEASIBLE
    Z = Polytope(np.array([[0.0, 0.0]]), [-1.0], bound="box")
    assert Z.chebyshev_center().status is BodyStatus.INFEASIBLE


def test_unbounded_body_without_bound_set_is_refused():
    P = Polytope(np.array([[1.0, 0], [0, 1.0]]), [1.0, 1.0], bound=None)
    with pytest.raises(UnboundedBodyError):
        P.analytic_center()
    with pytest.raises(UnboundedBodyError):
        P.volume()
    with pytest.raises(UnboundedBodyError):
        P.sample(3)
    # a half-strip has a finite inscribed radius but is still unbounded
    strip = Polytope(np.array([[0, 1.0], [0, -1.0], [-1.0, 0]]), [1.0, 1.0, 0.0], bound=None)
    assert strip.chebyshev_center().status is BodyStatus.INTERIOR
    with pytest.raises(UnboundedBodyError):
        strip.centroid()


def test_bounded_body_without_bound_set_is_accepted():
    P = bodies.simplex(3, bound=None)
    P.require_bounded()
    assert P.contains(P.analytic_center().x)
