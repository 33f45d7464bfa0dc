"""The GPU path on a CPU: cuPDLPx's tables against the package's own sources, the ``gpu`` alias, MPAX's reused
compilation and settings, and polishing first-order answers to vertices with HiGHS.

cuPDLPx cannot run without an NVIDIA GPU, so its checks read cupdlpx 0.3.0's Python sources (``model.py``,
``PDLP.py``) out of the build kept for the lent GPU machine (``../shared/gpu/``, next to the checkout;
skipped when absent): the status codes, status names, parameter names and aliases are parsed with ``ast``
(the compiled extension is never imported) and must equal relulp's tables exactly; the real ``Model`` class
(with a stub in place of its compiled core) must accept the parameters relulp sends.
"""

from __future__ import annotations

import ast
import dataclasses
import importlib
import sys
import tarfile
from pathlib import Path

import numpy as np
import pytest

from relulp import solvers
from relulp.solvers import Status, backends, instances
from relulp.solvers.backends import cupdlpx as cx

ROOT = Path(__file__).resolve().parent.parent
TARBALL = "gpu/cupdlpx-0.3.0-cp312-h100-site.tgz"
SOURCES = ("cupdlpx/model.py", "cupdlpx/PDLP.py", "cupdlpx/__init__.py")


def _tarball() -> Path | None:
    for shared in (ROOT.parent / "shared", ROOT / "shared", Path("/work/shared")):
        if (shared / TARBALL).is_file():
            return shared / TARBALL
    return None


@pytest.fixture(scope="module")
def cupdlpx_src(tmp_path_factory) -> Path:
    """A folder holding cupdlpx 0.3.0's Python files (no compiled extension), extracted from the tarball."""
    tgz = _tarball()
    if tgz is None:
        pytest.skip(f"cupdlpx 0.3.0 build not found ({TARBALL} under ../shared, next to the checkout)")
    out = tmp_path_factory.mktemp("cupdlpx-0.3.0")
    with tarfile.open(tgz) as tar:
        for member in tar.getmembers():
            name = member.name.removeprefix("./")
            if name in SOURCES:
                target = out / name
                target.parent.mkdir(parents=True, exist_ok=True)
                target.write_bytes(tar.extractfile(member).read())
    assert all((out / name).is_file() for name in SOURCES), "the tarball lacks cupdlpx's Python sources"
    return out / "cupdlpx"


def _module_assigns(path: Path) -> dict[str, ast.expr]:
    """Top-level ``NAME = <expr>`` of a module, by name."""
    out = {}
    for node in ast.parse(path.read_text()).body:
        if isinstance(node, ast.Assign) and len(node.targets) == 1 and isinstance(node.targets[0], ast.Name):
            out[node.targets[0].id] = node.value
    return out


def _frozenset_literal(node: ast.expr) -> set[str]:
    assert isinstance(node, ast.Call) and node.func.id == "frozenset", ast.dump(node)
    return set(ast.literal_eval(node.args[0]))


def _status_constants(src: Path) -> dict[int, str]:
    """PDLP.py's termination-status constants (all module-level int constants but the objective senses)."""
    out = {}
    for name, value in _module_assigns(src / "PDLP.py").items():
        if name.isupper() and not name.startswith("_") and name not in ("MINIMIZE", "MAXIMIZE"):
            code = ast.literal_eval(value)
            assert isinstance(code, int), (name, code)
            out[code] = name
    return out


# --- cuPDLPx 0.3.0: relulp's tables are the package's own -----------------------------------------------
def test_status_codes_and_names_are_cupdlpx_030s(cupdlpx_src):
    codes = _status_constants(cupdlpx_src)
    assert cx.STATUS_CODES == codes
    assert set(cx.STATUS_MAP) == set(codes.values())
    # what each word means to relulp (a certificate of dual infeasibility proves no more than this)
    assert cx.STATUS_MAP["OPTIMAL"] is Status.OPTIMAL and codes[0] == "OPTIMAL"
    assert cx.STATUS_MAP["PRIMAL_INFEASIBLE"] is Status.INFEASIBLE
    assert cx.STATUS_MAP["DUAL_INFEASIBLE"] is Status.INFEASIBLE_OR_UNBOUNDED
    assert cx.STATUS_MAP["TIME_LIMIT"] is Status.TIME_LIMIT
    assert cx.STATUS_MAP["ITERATION_LIMIT"] is Status.ITERATION_LIMIT
    assert cx.STATUS_MAP["FEAS_POLISH_SUCCESS"] is Status.OTHER


def test_parameter_names_and_aliases_are_cupdlpx_030s(cupdlpx_src):
    model = _module_assigns(cupdlpx_src / "model.py")
    typed = set().union(*(_frozenset_literal(model[k]) for k in
                          ("_BOOL_PARAMS", "_INT_PARAMS", "_FLOAT_PARAMS", "_STRING_PARAMS")))
    assert cx.PARAMS == typed
    aliases = ast.literal_eval(_module_assigns(cupdlpx_src / "PDLP.py")["_PARAM_ALIAS"])
    assert cx.PARAM_ALIASES == aliases
    assert set(aliases.values()) <= typed


def test_the_model_attributes_relulp_reads_exist(cupdlpx_src):
    cls = next(n for n in ast.parse((cupdlpx_src / "model.py").read_text()).body
               if isinstance(n, ast.ClassDef) and n.name == "Model")
    members = {n.name for n in cls.body if isinstance(n, ast.FunctionDef)}
    assert {"Status", "StatusName", "X", "Pi", "ObjVal", "IterCount", "setParams", "getParam",
            "optimize"} <= members
    init = next(n for n in cls.body if isinstance(n, ast.FunctionDef) and n.name == "__init__")
    assert [a.arg for a in init.args.args[1:]] == [
        "objective_vector", "constraint_matrix", "constraint_lower_bound", "constraint_upper_bound",
        "variable_lower_bound", "variable_upper_bound", "objective_constant"]


@pytest.fixture(scope="module")
def real_model(cupdlpx_src):
    """cupdlpx 0.3.0's own model.py and PDLP.py, imported as a package whose compiled core is a stub
    (default parameters only; solving raises): its Model validates parameters exactly as on the GPU."""
    pkg = cupdlpx_src.parent / "cupdlpx_cpu"
    pkg.mkdir(exist_ok=True)
    for name in ("model.py", "PDLP.py"):
        (pkg / name).write_text((cupdlpx_src / name).read_text())
    typed = {"bool": False, "int": 10, "float": 1.0, "str": "l2"}
    model = _module_assigns(cupdlpx_src / "model.py")
    defaults = {k: typed[t] for t, set_name in (("bool", "_BOOL_PARAMS"), ("int", "_INT_PARAMS"),
                                                ("float", "_FLOAT_PARAMS"), ("str", "_STRING_PARAMS"))
                for k in _frozenset_literal(model[set_name])}
    (pkg / "_core.py").write_text(
        f"DEFAULTS = {defaults!r}\n"
        "def get_default_params():\n    return dict(DEFAULTS)\n"
        "def solve_once(*a, **k):\n    raise RuntimeError('stub: cuPDLPx needs a GPU')\n"
        "def read_mps(*a, **k):\n    raise RuntimeError('stub')\n")
    (pkg / "__init__.py").write_text("from .model import Model\nfrom . import PDLP\n")
    sys.path.insert(0, str(pkg.parent))
    try:
        mod = importlib.import_module("cupdlpx_cpu")
        yield mod
    finally:
        sys.path.remove(str(pkg.parent))
        for name in [m for m in sys.modules if m == "cupdlpx_cpu" or m.startswith("cupdlpx_cpu.")]:
            del sys.modules[name]


def _textbook_model(mod):
    lp = instances.textbook()[0].lp
    return mod.Model(objective_vector=lp.c, constraint_matrix=lp.A.tocsr(), constraint_lower_bound=lp.row_lower,
                     constraint_upper_bound=lp.row_upper, variable_lower_bound=lp.col_lower,
                     variable_upper_bound=lp.col_upper, objective_constant=lp.objective_constant)


def test_the_real_model_accepts_relulps_parameters(real_model):
    model = _textbook_model(real_model)
    params = cx.model_params(1e-6, 30.0, {"FeasibilityPolishing": True, "presolve": False, "IterationLimit": 5000,
                                          "OptimalityNorm": "linf"})
    model.setParams(**params)
    assert model.getParam("OptimalityTol") == model.getParam("FeasibilityTol") == 1e-6
    assert model.getParam("TimeLimit") == 30.0 and model.getParam("iteration_limit") == 5000
    assert model.getParam("feasibility_polishing") is True and model.getParam("Presolve") is False
    model.setParams(**cx.model_params(None, None, {}))
    assert model.getParam("eps_optimal_relative") == cx.DEFAULT_TOLERANCE
    with pytest.raises(KeyError):  # cuPDLPx 0.3.0 itself refuses unknown names: relulp refuses them first
        model.setParams(bogus=1)


def test_status_words_read_through_the_real_model(real_model):
    """Model.Status / StatusName as optimize() leaves them, for every code PDLP.py defines."""
    model = _textbook_model(real_model)
    engine = backends.get("cupdlpx")
    for code, name in cx.STATUS_CODES.items():
        assert getattr(real_model.PDLP, name) == code
        model._status_code, model._status_name = code, name  # what optimize() stores from the core's dict
        assert cx.status_word(model) == name
        model._status_name = None  # an answer without the word: the integer code decides (0 is OPTIMAL)
        assert cx.status_word(model) == name
        assert engine.map_status(cx.status_word(model)) is cx.STATUS_MAP[name]


def test_the_backend_builds_the_real_model_up_to_the_gpu_call(real_model, monkeypatch):
    """CupdlpxBackend.solve against cupdlpx 0.3.0's own Model class: the constructor's arguments, the matrix
    type and every parameter pass its checks; the stub core stops it where the GPU solve would begin."""
    monkeypatch.setitem(sys.modules, "cupdlpx", real_model)
    monkeypatch.setitem(sys.modules, "cupdlpx._core", sys.modules["cupdlpx_cpu._core"])
    monkeypatch.setitem(sys.modules, "cupdlpx.PDLP", real_model.PDLP)
    lp = _relulp_lp(n=12, d=2, widths=(4,), objective="hinge", seed=0)  # free, ranged and one-sided rows
    with pytest.raises(RuntimeError, match="stub: cuPDLPx needs a GPU"):
        backends.get("cupdlpx").solve(lp, "pdhg", 30.0, 1e-6, {"Presolve": False, "RuizIters": 4})
    with pytest.raises(solvers.SolverOptionError, match="bogus"):
        backends.get("cupdlpx").solve(lp, "pdhg", None, None, {"bogus": 1})


def test_option_names_are_checked_before_the_gpu():
    assert cx.model_params(None, None, {"RuizIters": 5}) == {
        "eps_optimal_relative": 1e-4, "eps_feasible_relative": 1e-4, "l_inf_ruiz_iterations": 5}
    with pytest.raises(solvers.SolverOptionError, match="does not accept option 'bogus'"):
        cx.model_params(None, None, {"bogus": 1})
    with pytest.raises(solvers.SolverOptionError, match="given twice"):
        cx.model_params(None, None, {"RuizIters": 5, "l_inf_ruiz_iterations": 6})
    with pytest.raises(solvers.SolverOptionError, match="either tolerance"):
        cx.model_params(1e-6, None, {"OptimalityTol": 1e-6})
    with pytest.raises(solvers.SolverOptionError, match="either time_limit"):
        cx.model_params(None, 10, {"time_sec_limit": 5})


def test_install_hint_says_it_builds_with_the_cuda_toolkit():
    hint = backends.get("cupdlpx").install_hint
    assert "pip install cupdlpx" in hint and "CUDA toolkit" in hint and "NVIDIA GPU" in hint


def test_a_flipped_dual_sign_is_caught_by_relulps_dual_residual():
    """How the sign of cuPDLPx's Pi is decided: relulp's dual residual. The LP has binding one-sided rows;
    the optimum's true duals verify, the negated ones leave y with signs no row bound allows."""
    from relulp.solvers.api import finish

    known = next(k for k in instances.textbook() if k.name == "two_le")
    lp = known.lp
    assert np.any(known.row_duals != 0)
    for sign, expected in ((1.0, Status.OPTIMAL), (-1.0, Status.OPTIMAL_INACCURATE)):
        res = solvers.Result(status=Status.OPTIMAL, x=known.x.copy(), row_duals=sign * known.row_duals,
                             tolerance=1e-4, backend="cupdlpx", method="pdhg")
        finish(res, lp)
        assert res.status is expected, res.message
    assert res.rel_dual_residual > 0.1 and "relative dual residual" in res.message


# --- backend="gpu" ---------------------------------------------------------------------------------------
def test_gpu_alias_without_a_gpu_says_why():
    try:
        engine = backends.get("gpu")
    except solvers.BackendNotInstalledError as e:
        msg = str(e)
        assert "no GPU backend is usable here" in msg and "cupdlpx:" in msg and "mpax:" in msg
        assert "pip install cupdlpx" in msg
        with pytest.raises(solvers.BackendNotInstalledError, match="no GPU backend"):
            solvers.solve(instances.textbook()[0].lp, backend="gpu")
    else:  # a GPU machine: the alias is one of the GPU backends
        assert engine.name in backends.GPU_BACKENDS


def test_gpu_alias_prefers_cupdlpx_then_mpax(monkeypatch):
    from relulp.solvers.backends.cupdlpx import CupdlpxBackend
    from relulp.solvers.backends.mpax import MpaxBackend

    monkeypatch.setattr(CupdlpxBackend, "gpu_unusable_reason", lambda self: "")
    monkeypatch.setattr(MpaxBackend, "gpu_unusable_reason", lambda self: "")
    assert backends.get("gpu").name == "cupdlpx" and backends.get(" GPU ").name == "cupdlpx"
    monkeypatch.setattr(CupdlpxBackend, "gpu_unusable_reason", lambda self: "no NVIDIA GPU")
    assert backends.get("gpu").name == "mpax"
    monkeypatch.setattr(MpaxBackend, "gpu_unusable_reason", lambda self: "JAX sees no GPU")
    with pytest.raises(solvers.BackendNotInstalledError, match="cupdlpx: no NVIDIA GPU .*mpax: JAX sees no GPU"):
        backends.get("gpu")


# --- MPAX: compiled once per shape, settings by MPAX's names ---------------------------------------------
mpax_installed = backends.get("mpax").is_installed()
needs_mpax = pytest.mark.skipif(not mpax_installed, reason="mpax/jax not installed (pip install mpax jax)")


@needs_mpax
def test_mpax_reuses_its_compilation_for_the_same_shape():
    lp = instances.textbook()[1].lp
    other = dataclasses.replace(lp, c=lp.c * 2.0)  # same shape, other values
    opts = dict(tolerance=1e-7, l_inf_ruiz_iterations=7)  # options no other test uses: a fresh cache entry
    first = solvers.solve(lp, backend="mpax", **opts)
    second = solvers.solve(other, backend="mpax", **opts)
    assert "compiled in" in first.message and "compiled code reused" in second.message
    assert first.status is Status.OPTIMAL and second.status is Status.OPTIMAL, (first.message, second.message)
    assert second.setup_seconds < first.setup_seconds
    assert second.objective == pytest.approx(2.0 * first.objective, rel=1e-5, abs=1e-6)


@needs_mpax
def test_mpax_precision_and_restart_settings():
    from mpax.utils import QuadraticProgrammingProblem, RestartScheme

    lp = instances.textbook()[0].lp
    res = solvers.solve(lp, backend="mpax", tolerance=1e-4, jax_enable_x64=False,
                        restart_scheme="fixed_frequency", restart_frequency_if_fixed=64)
    assert res.status is Status.OPTIMAL, res.message
    assert "float32" in res.message and res.options["restart_scheme"] == "fixed_frequency"
    assert int(RestartScheme.FIXED_FREQUENCY) == 2
    with pytest.raises(solvers.SolverOptionError, match="NO_RESTARTS"):
        solvers.solve(lp, backend="mpax", restart_scheme="sometimes")
    if not hasattr(QuadraticProgrammingProblem, "replace"):  # mpax 0.2.4's polishing cannot run
        with pytest.raises(solvers.SolverOptionError, match="feasibility_polishing"):
            solvers.solve(lp, backend="mpax", feasibility_polishing=True)


# --- polish: first-order answers to verified vertices ----------------------------------------------------
def _relulp_lp(**kw):
    from relulp.bench.instances import relulp_lp

    return relulp_lp(**kw)


def _is_vertex(lp, x, tol=1e-7) -> bool:
    """x is a vertex iff the constraints active at x have rank N: the columns strictly inside their bounds,
    restricted to the active rows, are linearly independent."""
    def at(v, lo, hi):
        return (np.isfinite(lo) & (np.abs(v - lo) <= tol * (1 + np.abs(lo)))) | \
               (np.isfinite(hi) & (np.abs(hi - v) <= tol * (1 + np.abs(hi))))

    inside = ~at(x, lp.col_lower, lp.col_upper)
    active = at(lp.A @ x, lp.row_lower, lp.row_upper)
    B = lp.A[active][:, inside].toarray()
    return inside.sum() <= lp.num_rows and np.linalg.matrix_rank(B) == inside.sum()


def _polished_matches_simplex(lp, res):
    ref = solvers.solve(lp, backend="highs", method="simplex")
    assert res.status is Status.OPTIMAL, res.message
    assert abs(res.objective - ref.objective) <= 1e-9 * (1.0 + abs(ref.objective))
    assert _is_vertex(lp, res.x)
    assert res.polish_seconds > 0 and "polished by HiGHS simplex" in res.message
    assert res.to_record()["polish_seconds"] == res.polish_seconds
    assert res.verify_tolerance == pytest.approx(1e-6)


@pytest.fixture(scope="module")
def rough():
    """A relulp LP (942 x 192) and HiGHS PDLP's answer at relative 1e-4: near the optimum, not a vertex."""
    lp = _relulp_lp(n=30, d=3, widths=(12,), objective="min_l1", seed=0)
    return lp, solvers.solve(lp, backend="highs", method="pdlp", tolerance=1e-4)


def test_polish_highs_pdlp_to_the_simplex_vertex(rough):
    lp, first = rough
    assert not _is_vertex(lp, first.x)
    res = solvers.solve(lp, backend="highs", method="pdlp", tolerance=1e-4, polish=True)
    _polished_matches_simplex(lp, res)
    assert (res.backend, res.method) == ("highs", "pdlp") and res.tolerance == pytest.approx(1e-7)
    assert res.solve_seconds >= res.polish_seconds


@needs_mpax
def test_polish_mpax_on_cpu_to_the_simplex_vertex():
    lp = _relulp_lp(n=20, d=2, widths=(8,), objective="hinge", seed=0)
    res = solvers.solve(lp, backend="mpax", tolerance=1e-4, polish=True)
    _polished_matches_simplex(lp, res)
    assert res.backend == "mpax" and "MPAX r2hpdhg" in res.message


def test_polish_function_and_refusals(rough):
    from relulp.solvers.polish import check_polish, polish

    lp, first = rough
    res = polish(lp, first, time_limit=60)
    assert res.status is Status.OPTIMAL and _is_vertex(lp, res.x)
    assert res is not first and first.polish_seconds is None  # the input is left alone
    # a simplex that cannot finish keeps the first-order answer
    kept = polish(lp, first, simplex_iteration_limit=1)
    assert kept.status is first.status and kept.objective == first.objective
    assert "unpolished answer is kept" in kept.message and kept.polish_seconds >= 0
    with pytest.raises(solvers.ProblemDataError, match="finite point"):
        polish(lp, solvers.Result(status=Status.INFEASIBLE))
    with pytest.raises(solvers.SolverOptionError, match="PDLP-family"):
        solvers.solve(lp, backend="highs", method="ipm", polish=True)
    with pytest.raises(solvers.SolverOptionError, match="ConicProgram"):
        check_polish(backends.get("highs"), "pdlp", conic=True)
