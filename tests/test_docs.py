"""Run the ```python blocks of the documentation pages, in order, one shared namespace per page, in a scratch
folder (so files the examples write do not land in the repository)."""

from __future__ import annotations

import re
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent
DOCS = ROOT / "docs"
#: Pages whose examples are tested here (each must have at least one python block); paths from docs/.
PAGES = ["lp.md", "../README.md"]

_BLOCK = re.compile(r"^```python[ \t]*\n(.*?)^```[ \t]*$", re.S | re.M)


def python_blocks(text: str) -> list[str]:
    return [m.group(1) for m in _BLOCK.finditer(text)]


def test_block_extraction():
    text = "intro\n```python\nx = 1\n```\ntext\n```bash\nls\n```\n```python\ny = x + 1\n```\n"
    assert python_blocks(text) == ["x = 1\n", "y = x + 1\n"]


@pytest.mark.parametrize("page", PAGES)
def test_page_examples_run(page, tmp_path, monkeypatch):
    blocks = python_blocks((DOCS / page).read_text())
    assert blocks, f"docs/{page} has no python blocks"
    monkeypatch.chdir(tmp_path)
    ns: dict = {"__name__": f"docs_{page.replace('.', '_')}"}
    for k, code in enumerate(blocks, 1):
        try:
            exec(compile(code, f"docs/{page} [python block {k}]", "exec"), ns)
        except Exception as e:  # pragma: no cover - the message says which block failed
            raise AssertionError(f"docs/{page}, python block {k} failed: {type(e).__name__}: {e}") from e


@pytest.mark.parametrize("page", PAGES)
def test_page_links_exist(page):
    path = DOCS / page
    text = path.read_text()
    base = path.parent
    for target in re.findall(r"\]\(([^)#]+)\)", text):
        if "://" in target:
            continue
        # pages other people write may not exist yet; anything else must
        assert (base / target).exists() or target.endswith(".md"), f"{page} links to missing {target}"
    for img in re.findall(r"!\[[^\]]*\]\(([^)]+)\)", text):
        assert (base / img).exists(), f"{page} shows missing image {img}"


def _readme_commands() -> list[str]:
    text = (ROOT / "README.md").read_text()
    m = re.search(r"```bash\n(.*?)```", text, re.S)
    assert m, "README.md has no bash block"
    return [line.strip() for line in m.group(1).splitlines() if line.strip()]


def test_readme_starts_with_demo_and_test_commands():
    text = (ROOT / "README.md").read_text()
    first_block = text.index("```bash")
    assert text.index("```python") > first_block  # the commands come before any example
    demo, tests = _readme_commands()
    assert demo.endswith("relulp demo") and "pip install" in demo
    assert tests.endswith("python -m pytest -q") and "glpk-utils" in tests and "apt-get update" in tests


def test_ci_runs_exactly_the_readme_test_command():
    ci = (ROOT / ".ci" / "run").read_text()
    _, tests = _readme_commands()
    m = re.search(r"^TEST_COMMAND='(.*)'$", ci, re.M)
    assert m and m.group(1) == tests
    assert "set -euo pipefail" in ci and '"$TEST_COMMAND"' not in ci.split("TEST_COMMAND=")[0]
