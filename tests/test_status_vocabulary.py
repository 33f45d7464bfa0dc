"""One status vocabulary (issue 9): solver outcomes are ``relulp.solvers.Status``, the learners' stop
reasons are ``relulp.cpal.FitStatus``, and no status is a bare string in the library."""

from __future__ import annotations

import ast
import json
import warnings
from pathlib import Path

import numpy as np
import pytest

from relulp import solvers

ROOT = Path(__file__).resolve().parent.parent
STATUS_NAMES = {"status", "status_"}

#: (path relative to the repository root, line text) of string statuses that are allowed, with the reason.
#: Empty: every status in relulp/ and solvers/ is an enum member.
ALLOWED: dict[tuple[str, str], str] = {}


def _sources():
    for top in ("relulp", "solvers"):
        yield from sorted((ROOT / top).rglob("*.py"))


def _is_str(node) -> bool:
    return isinstance(node, ast.Constant) and isinstance(node.value, str)


def _has_str(node) -> bool:
    """A string literal, or a tuple / list / set holding one (``status in ("a", "b")``)."""
    if _is_str(node):
        return True
    return isinstance(node, (ast.Tuple, ast.List, ast.Set)) and any(_is_str(e) for e in node.elts)


def _status_name(node) -> str | None:
    """``status`` / ``status_`` when ``node`` is such an attribute (``x.status``) or name, else None."""
    name = node.attr if isinstance(node, ast.Attribute) else node.id if isinstance(node, ast.Name) else None
    return name if name in STATUS_NAMES else None


def _offences(kind: str) -> list[str]:
    bad = []
    for path in _sources():
        rel = path.relative_to(ROOT).as_posix()
        lines = path.read_text().splitlines()
        for node in ast.walk(ast.parse(path.read_text(), rel)):
            hit = False
            if kind == "assign":
                if isinstance(node, ast.Assign):
                    hit = _has_str(node.value) and any(_status_name(t) for t in node.targets)
                elif isinstance(node, (ast.AnnAssign, ast.AugAssign)):
                    hit = node.value is not None and _has_str(node.value) and bool(_status_name(node.target))
                elif isinstance(node, ast.keyword):  # Result(status="optimal"), dataclass(..., status="x")
                    hit = node.arg in STATUS_NAMES and _has_str(node.value)
            elif isinstance(node, ast.Compare):
                sides = [node.left, *node.comparators]
                hit = any(_status_name(s) for s in sides) and any(_has_str(s) for s in sides)
            if hit:
                line = lines[node.lineno - 1].strip()
                if (rel, line) not in ALLOWED:
                    bad.append(f"{rel}:{node.lineno}: {line}")
    return bad


def test_no_status_is_assigned_a_bare_string():
    """``x.status = "optimal"``, ``self.status_ = "running"``, ``status = "max_cuts"``, ``status="..."``."""
    bad = _offences("assign")
    assert not bad, "assign an enum member (solvers.Status, relulp.cpal.FitStatus, ...):\n" + "\n".join(bad)


def test_no_status_is_compared_with_a_bare_string():
    """An enum status compared with a string is silently False (solvers.Status is not a str): compare
    with the member (``sol.status is solvers.Status.OPTIMAL``)."""
    bad = _offences("compare")
    assert not bad, "compare with an enum member, not a string:\n" + "\n".join(bad)


# ------------------------------------------------------------------------------------------ the learners
def _small_fits():
    """(name, learner, expected FitStatus value) on the spiral data of tests/test_cpal.py (a few seconds)."""
    from relulp.cpal import CPALClassifier, CPALRegressor, CuttingPlaneClassifier
    from relulp.cpal.learners import sample_tree
    from relulp.datasets import quadratic, spiral

    ds = spiral()
    X, y = ds.X_train, ds.y_train
    tree = sample_tree(X, 30, seed=0)
    out = [
        ("converged", CuttingPlaneClassifier(patterns=tree, batch_size=2).fit(X, y), "converged"),
        ("max_iter", CuttingPlaneClassifier(patterns=tree, max_iter=2).fit(X, y), "max_iter"),
        ("max_cuts (training)", CuttingPlaneClassifier(patterns=tree, max_cuts=3).fit(X, y), "max_cuts"),
        ("budget_spent", CPALClassifier(budget=10, patterns=tree, random_state=0).fit(X, y), "budget_spent"),
        ("max_cuts (active)", CPALClassifier(budget=40, patterns=tree, max_cuts=3, random_state=0).fit(X, y),
         "max_cuts"),
    ]
    q = quadratic()
    out.append(("regression", CPALRegressor(budget=6, n_patterns=20, eps=0.01, random_state=0)
                .fit(q.X_train, q.y_train), "budget_spent"))
    # two copies of one point with opposite labels: no interior is left (tests/test_cpal.py)
    rng = np.random.default_rng(0)
    Xe = np.vstack([rng.normal(size=(10, 2)), [[0.3, 0.4], [0.3, 0.4]]])
    label = {10: 1.0, 11: -1.0}
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        empty = CPALClassifier(budget=12, n_patterns=20, bound="box", query="random", random_state=0).fit(
            Xe, oracle=lambda i: label.get(i, 1.0 if Xe[i, 0] > 0 else -1.0))
    out.append(("empty_version_space", empty, "empty_version_space"))
    return out


@pytest.fixture(scope="module")
def fits():
    return _small_fits()


def test_every_status_set_by_the_learners_is_a_fit_status(fits):
    from relulp.cpal import FitStatus
    from relulp.records import jsonable

    for name, clf, expected in fits:
        assert isinstance(clf.status_, FitStatus), (name, clf.status_)
        assert clf.status_ is FitStatus(expected), (name, clf.status_)
        # the value string everywhere a person or a JSON file sees it
        assert clf.status_ == clf.status_.value and str(clf.status_) == clf.status_.value
        assert f"{clf.status_}" == clf.status_.value
        summ = clf.summary()
        assert type(summ["status"]) is str and summ["status"] == clf.status_.value
        rec = json.loads(json.dumps(jsonable({"status": clf.status_, "summary": summ})))
        assert rec["status"] == rec["summary"]["status"] == clf.status_.value
        assert type(jsonable(clf.status_)) is str


def test_a_learner_interrupted_by_its_oracle_is_running_and_resumes_to_a_fit_status():
    from relulp.cpal import CPALClassifier, FitStatus, OracleError
    from relulp.datasets import spiral

    ds = spiral()
    calls = {"n": 0}

    def flaky(i):
        calls["n"] += 1
        return "banana" if calls["n"] == 3 else ds.y_train[i]

    clf = CPALClassifier(budget=6, n_patterns=10, random_state=0)
    with pytest.raises(OracleError):
        clf.fit(ds.X_train, oracle=flaky)
    assert clf.status_ is FitStatus.RUNNING
    clf.resume(oracle=lambda i: ds.y_train[i])
    assert clf.status_ is FitStatus.BUDGET_SPENT


def test_fit_status_is_one_documented_enum():
    import relulp.cpal
    from relulp.cpal import FitStatus
    from relulp.cpal.status import FitStatus as Same

    assert Same is FitStatus and "FitStatus" in relulp.cpal.__all__
    values = {m.value for m in FitStatus}
    assert values == {"running", "converged", "stalled", "max_cuts", "max_iter", "max_time", "budget_spent",
                      "pool_exhausted", "empty_version_space", "stopped", "volume_shrunk"}
    for m in FitStatus:  # every member is explained in the class docstring
        assert m.name in FitStatus.__doc__, m


# ------------------------------------------------------------------------------------------ analysis LPs
def _lp(c, A, row_lower, row_upper, col_lower, col_upper, solver="simplex"):
    from relulp.analysis._lp import HighsLP

    return HighsLP(np.asarray(c, float), np.asarray(A, float), row_lower, row_upper, col_lower, col_upper,
                   maximize=True, solver=solver).solve()


@pytest.mark.parametrize("solver", ["simplex", "ipm"])
def test_lp_solution_status_is_a_solvers_status(solver):
    inf = np.inf
    opt = _lp([1.0], [[1.0]], [-inf], [1.0], [-inf], [inf], solver)  # max x, x <= 1
    assert opt.status is solvers.Status.OPTIMAL and opt.native_status == "Optimal"
    assert opt.value == pytest.approx(1.0) and opt.x is not None and opt.row_dual is not None
    infeasible = _lp([1.0], [[1.0]], [2.0], [1.0], [-inf], [inf], solver)  # 2 <= x <= 1
    assert infeasible.status is solvers.Status.INFEASIBLE and infeasible.native_status == "Infeasible"
    assert infeasible.x is None and np.isnan(infeasible.value)
    unbounded = _lp([1.0, 0.0], [[1.0, -1.0]], [-inf], [1.0], [-inf, -inf], [inf, inf], solver)
    assert unbounded.status in (solvers.Status.UNBOUNDED, solvers.Status.INFEASIBLE_OR_UNBOUNDED)
    assert unbounded.native_status in ("Unbounded", "Primal infeasible or unbounded") and unbounded.x is None


def test_highs_words_are_mapped_by_the_backends_one_table():
    from relulp.analysis._lp import map_status
    from relulp.solvers.backends.highs import STATUS_MAP

    for word, status in STATUS_MAP.items():
        assert map_status(word) is status
    assert map_status("a word HiGHS never says") is solvers.Status.OTHER


def test_clarkson_dual_model_reports_a_solvers_status():
    from relulp.analysis.clarkson import DualModel

    model = DualModel(2, np.inf)
    model.add_facet(0, np.array([1.0, 0.0]), 1.0)  # theta_1 <= 1
    status, value, _, _ = model.solve(np.array([1.0, 0.0]))
    assert status is solvers.Status.OPTIMAL and value == pytest.approx(1.0)
    status, value, _, _ = model.solve(np.array([0.0, 1.0]))  # theta_2 is free: max theta_2 is unbounded
    assert status is solvers.Status.UNBOUNDED and value == np.inf
