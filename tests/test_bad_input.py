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


# ------------------------------------------------------------------------------------------------
# issue 13: memory cap settings, complex / object input
# ------------------------------------------------------------------------------------------------

def _run_python(code: str, **env):
    import os
    import subprocess
    import sys

    return subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, timeout=120,
                          env={**os.environ, **env})


def test_bad_memory_limit_environment_names_the_variable():
    # `import relulp` works; the first use of the cap says what is wrong with the variable
    proc = _run_python("import relulp\n"
                       "try:\n"
                       "    relulp.get_memory_limit()\n"
                       "except relulp.UnknownOptionError as e:\n"
                       "    print('ERR', e)\n", RELULP_MEMORY_LIMIT="lots")
    assert proc.returncode == 0, proc.stderr
    assert proc.stdout.startswith("ERR") and "RELULP_MEMORY_LIMIT" in proc.stdout
    assert "'lots'" in proc.stdout and "512M" in proc.stdout  # the value and the accepted forms


@pytest.mark.parametrize("value", ["-1", "-2G", "0", "0K"])
def test_non_positive_memory_limit_environment_refused(value):
    proc = _run_python("import relulp\n"
                       "try:\n"
                       "    relulp.get_memory_limit(); print('ACCEPTED')\n"
                       "except ValueError as e:\n"
                       "    print('ERR', e)\n", RELULP_MEMORY_LIMIT=value)
    assert proc.returncode == 0, proc.stderr
    assert proc.stdout.startswith("ERR") and "RELULP_MEMORY_LIMIT" in proc.stdout and "positive" in proc.stdout


@pytest.mark.parametrize("value,nbytes", [("1G", 2**30), ("512M", 512 * 2**20), ("1.5GiB", 3 * 2**29),
                                          ("2gb", 2 * 2**30), ("4096", 4096), (" 3k ", 3072)])
def test_memory_limit_environment_forms(value, nbytes):
    proc = _run_python("import relulp; print(relulp.get_memory_limit())", RELULP_MEMORY_LIMIT=value)
    assert proc.returncode == 0, proc.stderr
    assert int(proc.stdout) == nbytes


def test_memory_limit_strings_and_typed_errors(problem):
    from relulp.config import ConfigError, parse_memory_limit, resolve_memory_limit

    old = get_memory_limit()
    try:
        set_memory_limit("1G")
        assert get_memory_limit() == 2**30
        for bad in ("lots", "-1G", -5, 0, float("nan"), True, None, "1X"):
            with pytest.raises(UnknownOptionError, match="512M"):
                set_memory_limit(bad)
        assert get_memory_limit() == 2**30  # a refused value changes nothing
    finally:
        set_memory_limit(old)
    assert issubclass(ConfigError, RelulpError) and issubclass(ConfigError, ValueError)
    assert parse_memory_limit("2M") == resolve_memory_limit("2M") == 2 * 2**20
    assert resolve_memory_limit(None) == get_memory_limit()
    with pytest.raises(ConfigError, match="memory_limit"):
        resolve_memory_limit("1 gigabyte")


@pytest.mark.parametrize("build", BUILDERS)
def test_complex_and_object_input_refused(problem, build):
    X, y, tree = problem
    with pytest.raises(DataError, match="complex"):
        build(tree, X + 1e-3j, y)
    with pytest.raises(DataError, match="complex"):
        build(tree, X, y + 0j, objective="l1")
    with pytest.raises(DataError, match="object"):
        build(tree, X.astype(object), y)


def test_check_X_still_accepts_real_inputs():
    from relulp.validation import check_X

    assert check_X([[1, 2], [3, 4]]).dtype == np.float64
    assert check_X(np.ones((2, 2), dtype=np.float32)).dtype == np.float64
    assert check_X(np.ones((2, 2), dtype=bool)).shape == (2, 2)
