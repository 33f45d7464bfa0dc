"""relulp.export: .lp/.mps files with symbolic names (both writers) read back by HiGHS, and lp_statistics
checked against counts made independently (PatternTree.size and direct scipy/numpy counts)."""

from __future__ import annotations

import os
import re
import shutil
import subprocess
import sys

import highspy
import numpy as np
import pytest
import scipy.sparse as sp

import relulp
from relulp import solvers
from relulp import datasets, export
from relulp.exceptions import UnknownOptionError


@pytest.fixture(scope="module")
def spiral():
    return datasets.spiral()


def _tree(ds, sizes, seed=0):
    if len(sizes) == 1:
        return relulp.PatternTree(relulp.sample_patterns(ds.X_train, sizes[0], seed=seed))
    return relulp.PatternTree(relulp.sample_deep_patterns(ds.X_train, sizes, seed=seed))


def _read_solve(path):
    h = highspy.Highs()
    h.setOptionValue("output_flag", False)
    assert h.readModel(str(path)) != highspy.HighsStatus.kError
    h.run()
    assert h.getModelStatus() == highspy.HighsModelStatus.kOptimal
    lp = h.getLp()
    return h.getInfo().objective_function_value, list(lp.col_names_), list(lp.row_names_), lp


CASES = [
    # (sizes, objective, formulation, kwargs)
    ((10,), "min_l1", "nested", {}),  # seed 0 (RandomState): 8 samples are infeasible for min_l1, 10 are not
    ((8,), "hinge", "nested", {"lam": 0.1}),
    ((3, 4), "hinge", "auxiliary", {"lam": 0.05}),
]


@pytest.mark.parametrize("sizes,objective,formulation,kw", CASES)
@pytest.mark.parametrize("suffix", [".mps", ".lp"])
def test_pyomo_file_round_trip(tmp_path, spiral, sizes, objective, formulation, kw, suffix):
    tree = _tree(spiral, sizes)
    lp = relulp.build_lp(tree, spiral.X_train, spiral.y_train, objective, formulation, **kw)
    ref = solvers.solve(lp, backend="highs")
    assert ref.status == solvers.Status.OPTIMAL
    model = relulp.build_model(tree, spiral.X_train, spiral.y_train, objective, formulation, **kw)
    path = tmp_path / f"model{suffix}"
    writer = export.write_mps if suffix == ".mps" else export.write_lp
    assert writer(model, path) == str(path)
    obj, cols, rows, hlp = _read_solve(path)
    assert obj == pytest.approx(ref.objective, rel=1e-7, abs=1e-7)
    # symbolic names survive: the column u['p0', 0] is u(p0_0) (Pyomo's labels), rows carry Pyomo's prefix
    leaf = tree.leaf_labels()[0]
    assert f"u({leaf}_0)" in cols
    assert f"c_l_cone1({leaf}_0)_" in rows
    assert hlp.num_col_ == lp.num_cols
    if formulation == "auxiliary":
        assert any(r.startswith("c_e_link2(") for r in rows)


@pytest.mark.parametrize("sizes,objective,formulation,kw", CASES)
@pytest.mark.parametrize("suffix", [".mps", ".lp"])
def test_sparse_lp_file_round_trip(tmp_path, spiral, sizes, objective, formulation, kw, suffix):
    tree = _tree(spiral, sizes)
    lp = relulp.build_lp(tree, spiral.X_train, spiral.y_train, objective, formulation, **kw)
    ref = solvers.solve(lp, backend="highs")
    path = tmp_path / f"sparse{suffix}"
    export.write_model(lp, path)
    obj, cols, rows, hlp = _read_solve(path)
    assert obj == pytest.approx(ref.objective, rel=1e-7, abs=1e-7)
    want_cols = [export.sanitize_name(s) for s in lp.col_names()]
    want_rows = [export.sanitize_name(s) for s in lp.row_names()]
    assert sorted(cols) == sorted(want_cols)
    assert hlp.num_row_ == lp.num_rows  # ranged/equality rows stay single rows
    if suffix == ".mps":  # MPS keeps the matrix order of rows and columns
        assert cols == want_cols and rows == want_rows
    leaf = tree.leaf_labels()[0]
    assert f"u({leaf}_0)" in cols and f"cone1({leaf}_0)" in rows and "margin(0)" in rows


def test_both_writers_name_columns_alike(tmp_path, spiral):
    tree = _tree(spiral, (10,))
    lp = relulp.build_lp(tree, spiral.X_train, spiral.y_train, "min_l1")
    model = relulp.build_model(tree, spiral.X_train, spiral.y_train, "min_l1")
    export.write_mps(lp, tmp_path / "a.mps")
    export.write_mps(model, tmp_path / "b.mps")
    _, cols_a, _, _ = _read_solve(tmp_path / "a.mps")
    _, cols_b, _, _ = _read_solve(tmp_path / "b.mps")
    assert sorted(cols_a) == sorted(cols_b)


def test_sanitize_name():
    assert export.sanitize_name("u[p3_m1,2]") == "u(p3_m1_2)"
    assert export.sanitize_name("cone2[p0_m4,79]") == "cone2(p0_m4_79)"
    assert export.sanitize_name("a b:c.d{e}") == "a_b_c_d(e)"
    assert export.sanitize_name("3x") == "_3x"
    assert export.sanitize_name("x\u00e9\u4e2d") == "x__"


def test_write_errors(tmp_path, spiral):
    tree = _tree(spiral, (4,))
    lp = relulp.build_lp(tree, spiral.X_train, spiral.y_train, "min_l1")
    with pytest.raises(UnknownOptionError, match=r"\.lp or \.mps"):
        export.write_model(lp, tmp_path / "x.txt")
    with pytest.raises(UnknownOptionError):
        export.write_lp(lp, tmp_path / "x.mps")
    with pytest.raises(TypeError):
        export.write_lp(object(), tmp_path / "x.lp")


@pytest.mark.parametrize("sizes,objective,formulation,kw", CASES + [((2, 3, 2), "min_l1", "auxiliary", {}),
                                                                   ((2, 3, 2), "feasibility", "nested", {})])
def test_statistics_against_independent_counts(spiral, sizes, objective, formulation, kw):
    tree = _tree(spiral, sizes)
    lp = relulp.build_lp(tree, spiral.X_train, spiral.y_train, objective, formulation, **kw)
    st = export.lp_statistics(lp)
    A = lp.A.toarray()
    assert (st.rows, st.cols, st.nnz) == (A.shape[0], A.shape[1], np.count_nonzero(A))
    nz = np.abs(A[A != 0])
    assert st.coef_abs_min == nz.min() and st.coef_abs_max == nz.max()
    # families: PatternTree.size counts them arithmetically, without the matrix
    size = tree.size(X=np.c_[spiral.X_train, np.ones(spiral.n_train)], formulation=formulation,
                     objective=objective, lam=lp.meta["lam"])
    def key(f):
        return f.family + (str(f.level) if f.family in ("cone", "link", "z") else "")

    assert {f.name: (f.count, f.nnz) for f in st.row_families} == {key(f): (f.rows, f.nnz) for f in size.per_family if f.rows}
    assert {f.name: f.count for f in st.col_families} == {key(f): f.cols for f in size.per_family if f.cols}
    # per-column nonzeros and |a| ranges straight from the dense matrix
    for f in st.col_families:
        blk = lp.col_block(f.name)
        sub = A[:, blk.slice]
        assert f.nnz == np.count_nonzero(sub)
        if f.nnz:
            assert f.abs_min == np.abs(sub[sub != 0]).min() and f.abs_max == np.abs(sub[sub != 0]).max()
    for f in st.row_families:
        blk = lp.row_block(f.name)
        sub = A[blk.slice]
        assert f.nnz == np.count_nonzero(sub)
        assert f.level == (int(f.name[-1]) if f.name[-1].isdigit() else (1 if f.name.startswith("abs") else None))
    assert st.equality_rows == int(np.sum(lp.row_lower == lp.row_upper))
    assert st.free_cols == int(np.sum(np.isinf(lp.col_lower) & np.isinf(lp.col_upper)))
    table = st.table()
    for f in st.row_families + st.col_families:
        assert f.name in table
    assert f"{st.nnz:,}" in table
    d = st.as_dict()
    assert d["rows"] == st.rows and len(d["row_families"]) == len(st.row_families)
    levels = st.by_level()
    assert sum(v["rows"] for v in levels.values()) == st.rows
    assert sum(v["cols"] for v in levels.values()) == st.cols
    assert sum(v["nnz"] for v in levels.values()) == st.nnz
    for k in range(1, tree.depth + 1):  # every level has its cone rows
        assert levels[k]["rows"] >= tree.num_nodes(k) * spiral.n_train
    assert "per tree level" in table and set(d["levels"]) == {str(k) for k in levels}


def test_statistics_of_a_pyomo_model(spiral):
    tree = _tree(spiral, (5,))
    lp = relulp.build_lp(tree, spiral.X_train, spiral.y_train, "min_l1")
    model = relulp.build_model(tree, spiral.X_train, spiral.y_train, "min_l1")
    a, b = export.lp_statistics(lp), export.lp_statistics(model)
    assert (a.rows, a.cols, a.nnz) == (b.rows, b.cols, b.nnz)
    assert (a.coef_abs_min, a.coef_abs_max) == pytest.approx((b.coef_abs_min, b.coef_abs_max))


def test_statistics_without_blocks():
    A = sp.csr_array(np.array([[1.0, 0.0, -3.0], [0.0, 0.5, 0.0]]))
    lp = relulp.SparseLP(np.array([1.0, 0, 0]), A, np.array([1.0, -np.inf]), np.array([1.0, 2.0]),
                         np.zeros(3), np.full(3, np.inf))
    st = export.lp_statistics(lp)
    assert (st.rows, st.cols, st.nnz) == (2, 3, 3)
    assert (st.coef_abs_min, st.coef_abs_max) == (0.5, 3.0)
    assert (st.rhs_abs_min, st.rhs_abs_max) == (1.0, 2.0)
    assert st.bound_abs_min is None and st.equality_rows == 1 and st.free_cols == 0
    assert st.row_families == [] and st.col_families == []


# ------------------------------------------------------------------------------------------------
# MPS files are read by GLPK too (issue 13): glpsol 5.0 rejected Pyomo's OBJSENSE section
# ------------------------------------------------------------------------------------------------

GLPSOL = shutil.which("glpsol") or (os.path.join(os.path.dirname(sys.executable), "glpsol")
                                    if os.path.exists(os.path.join(os.path.dirname(sys.executable), "glpsol")) else None)


def _glpsol_optimum(path, tmp_path) -> float:
    out = tmp_path / "glpsol.txt"
    proc = subprocess.run([GLPSOL, "--freemps", str(path), "-o", str(out)], capture_output=True, text=True,
                          timeout=120)
    assert proc.returncode == 0, proc.stdout + proc.stderr
    assert "error" not in proc.stdout.lower(), proc.stdout
    text = out.read_text()
    assert re.search(r"Status:\s+OPTIMAL", text), text[:500]
    return float(re.search(r"Objective:\s+\S+ = (\S+)", text).group(1))


@pytest.mark.skipif(GLPSOL is None, reason="glpsol (GLPK) not installed")
@pytest.mark.parametrize("sizes,objective,formulation,kw", CASES + [((10,), "l1", "nested", {"lam": 0.01})])
@pytest.mark.parametrize("writer", ["pyomo", "sparse"])
def test_mps_read_by_glpsol_and_highs(tmp_path, spiral, sizes, objective, formulation, kw, writer):
    tree = _tree(spiral, sizes)
    lp = relulp.build_lp(tree, spiral.X_train, spiral.y_train, objective, formulation, **kw)
    ref = solvers.solve(lp, backend="highs")
    assert ref.status == solvers.Status.OPTIMAL
    src = lp if writer == "sparse" else relulp.build_model(tree, spiral.X_train, spiral.y_train, objective,
                                                          formulation, **kw)
    path = tmp_path / "m.mps"
    export.write_mps(src, path)
    assert "OBJSENSE" not in path.read_text()
    assert _glpsol_optimum(path, tmp_path) == pytest.approx(ref.objective, rel=1e-6, abs=1e-6)
    obj, *_ = _read_solve(path)
    assert obj == pytest.approx(ref.objective, rel=1e-7, abs=1e-7)


def test_portable_mps_removes_only_a_min_objsense(tmp_path):
    body = "ROWS\n N  obj\n G  c1\nCOLUMNS\n x obj 1 c1 1\nRHS\n RHS c1 1\nBOUNDS\n LO BND x 0\nENDATA\n"
    p = tmp_path / "a.mps"
    p.write_text("NAME m\nOBJSENSE\n MIN\n" + body)
    export._portable_mps(str(p))
    assert p.read_text() == "NAME m\n" + body
    p.write_text("NAME m\nOBJSENSE\n    MAX\n" + body)
    export._portable_mps(str(p))
    assert "MAX" in p.read_text()  # kept: dropping it would change the problem


def test_export_available_after_plain_import():
    code = "import relulp; print(relulp.export.write_mps.__name__, relulp.export.write_lp.__name__)"
    proc = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, timeout=120)
    assert proc.returncode == 0, proc.stderr
    assert proc.stdout.split() == ["write_mps", "write_lp"]


def test_write_sparse_lp_prints_nothing_on_stdout(tmp_path, spiral, capfd):
    lp = relulp.build_lp(_tree(spiral, (10,)), spiral.X_train, spiral.y_train, "min_l1")
    capfd.readouterr()
    export.write_mps(lp, tmp_path / "q.mps")
    export.write_lp(lp, tmp_path / "q.lp")
    assert capfd.readouterr().out == ""  # HiGHS's banner goes to stderr (solvers.highs_adapter.new_highs)
