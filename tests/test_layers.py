"""The package's layers point one way: the solver layer (solvers/, installed as relulp.solvers) imports
nothing of relulp above it, nothing imports a top-level ``solvers`` module, and the wheel has one
top-level package."""

from __future__ import annotations

import ast
import json
import subprocess
import sys
import zipfile
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent
SOLVERS = ROOT / "solvers"


def _imports(path: Path):
    """(module, level) of every import statement in ``path``."""
    tree = ast.parse(path.read_text(), str(path))
    for node in ast.walk(tree):
        if isinstance(node, ast.Import):
            for a in node.names:
                yield a.name, 0
        elif isinstance(node, ast.ImportFrom):
            yield node.module or "", node.level


def test_the_solver_layer_imports_nothing_above_it():
    bad = []
    for path in sorted(SOLVERS.rglob("*.py")):
        depth = len(path.relative_to(SOLVERS).parts) - 1  # 0 for solvers/x.py, 1 for solvers/backends/x.py
        for module, level in _imports(path):
            if level == 0 and (module == "relulp" or module.startswith("relulp.")):
                bad.append(f"{path.relative_to(ROOT)}: import {module}")
            if level > depth + 1:  # a relative import that leaves relulp.solvers
                bad.append(f"{path.relative_to(ROOT)}: from {'.' * level}{module} import ...")
    assert not bad, "the solver layer must not import relulp:\n" + "\n".join(bad)


def test_nothing_imports_a_top_level_solvers_module():
    bad = []
    for top in ("relulp", "tests", "benchmarks"):
        for path in sorted((ROOT / top).rglob("*.py")):
            for module, level in _imports(path):
                if level == 0 and (module == "solvers" or module.startswith("solvers.")):
                    bad.append(f"{path.relative_to(ROOT)}: {module}")
    assert not bad, "use `from relulp import solvers`:\n" + "\n".join(bad)


def test_a_solvers_module_in_the_working_folder_does_not_shadow_relulp_solvers(tmp_path):
    (tmp_path / "solvers.py").write_text("raise RuntimeError('a user file named solvers.py was imported')\n")
    (tmp_path / "solvers").mkdir()
    out = subprocess.run([sys.executable, "-m", "relulp.cli", "solve", "--patterns", "10", "--json", "-"],
                         capture_output=True, text=True, timeout=300, cwd=tmp_path)
    assert out.returncode == 0, out.stderr
    assert json.loads(out.stdout)["status"] == "optimal"
    help_text = subprocess.run([sys.executable, "-m", "relulp.cli", "--help"], capture_output=True, text=True,
                               timeout=120, cwd=tmp_path).stdout
    assert "bench" in help_text


@pytest.mark.slow
def test_the_wheel_has_one_top_level_package(tmp_path):
    out = subprocess.run([sys.executable, "-m", "pip", "wheel", "--no-deps", "-q", "-w", str(tmp_path), str(ROOT)],
                         capture_output=True, text=True, timeout=600)
    if out.returncode != 0 and "No matching distribution" in out.stderr:
        pytest.skip("no build backend can be fetched here")
    assert out.returncode == 0, out.stderr
    wheel = next(tmp_path.glob("relulp-*.whl"))
    names = zipfile.ZipFile(wheel).namelist()
    tops = {n.split("/")[0] for n in names if not n.split("/")[0].endswith((".dist-info", ".data"))}
    assert tops == {"relulp"}
    assert "relulp/solvers/api.py" in names and "relulp/solvers/backends/highs.py" in names
    assert "relulp/bench/run.py" in names
