"""Bad input gets relulp's own exception, with a message that says what is wrong."""

import numpy as np
import pytest

from lp_helpers import make_problem
from relulp import (DataError, PatternError, UnknownOptionError, build_lp, build_model, one_vs_rest,
                    set_memory_limit, get_memory_limit)
from relulp.exceptions import RelulpError

BUILDERS = [build_lp, build_model]


@pytest.fixture(scope="module")
def problem():
    return make_problem(seed=0, n=8, sizes=(3,))


@pytest.mark.parametrize("build", BUILDERS)
def test_nan_and_inf_in_X(problem, build):
    X, y, tree = problem
    for bad in (np.nan, np.inf, -np.inf):
        Xb = X.copy()
        Xb[2, 1] = bad
        with pytest.raises(DataError, match="row 2, column 1"):
            build(tree, Xb, y)


@pytest.mark.parametrize("build", BUILDERS)
def test_length_mismatch(problem, build):
    X, y, tree = problem
    with pytest.raises(DataError, match="8 rows but y has 7"):
        build(tree, X, y[:-1])
    with pytest.raises(DataError, match="patterns have 8"):
        build(tree, X[:-1], y[:-1])


@pytest.mark.parametrize("build", BUILDERS)
@pytest.mark.parametrize("labels", [[0, 1], [1, 2], [0.5, -1]])
def test_labels_outside_pm1(problem, build, labels):
    X, y, tree = problem
    yb = np.resize(np.array(labels, dtype=float), len(y))
    with pytest.raises(DataError, match="-1 or \\+1"):
        build(tree, X, yb, objective="min_l1")
    build(tree, X, yb, objective="l1")  # regression targets may be anything finite


@pytest.mark.parametrize("build", BUILDERS)
def test_unknown_names(problem, build):
    X, y, tree = problem
    with pytest.raises(UnknownOptionError, match="objective"):
        build(tree, X, y, objective="max_margin")
    with pytest.raises(UnknownOptionError, match="formulation"):
        build(tree, X, y, formulation="flat")
    with pytest.raises(UnknownOptionError, match="lam"):
        build(tree, X, y, objective="hinge", lam=-1)
    with pytest.raises(UnknownOptionError, match="eps"):
        build(tree, X, y, objective="hinge", eps=0.1)


def test_shapes_and_depth():
    with pytest.raises(DataError, match="2-dimensional"):
        build_lp([np.ones((3, 2), bool)], np.ones(3), [1, -1, 1])
    with pytest.raises(DataError, match="shape"):
        build_lp([np.ones((3, 2), bool)], np.ones((3, 0)), [1, -1, 1])
    with pytest.raises(PatternError, match="depth >= 1"):
        build_lp([], np.ones((3, 2)), [1, -1, 1])
    with pytest.raises(PatternError, match="empty"):
        build_lp([np.ones((3, 2), bool), np.ones((3, 0), bool)], np.ones((3, 2)), [1, -1, 1])
    with pytest.raises(DataError, match="NaN"):
        build_lp([np.ones((3, 2), bool)], np.ones((3, 2)), [1, np.nan, 1], objective="l1")


def test_errors_are_relulp_errors_and_value_errors():
    assert issubclass(DataError, RelulpError) and issubclass(DataError, ValueError)
    assert issubclass(UnknownOptionError, RelulpError)


def test_one_vs_rest_needs_two_classes():
    with pytest.raises(DataError, match="two classes"):
        one_vs_rest(np.ones(5))


def test_memory_limit_setting():
    old = get_memory_limit()
    try:
        set_memory_limit(1234)
        assert get_memory_limit() == 1234
        with pytest.raises(ValueError):
            set_memory_limit(0)
    finally:
        set_memory_limit(old)
