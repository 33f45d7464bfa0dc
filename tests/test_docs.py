"""Every example of the documentation runs, and what it prints is what the page says it prints.

Pages: README.md and every docs/*.md, found by glob (a new page is tested without registering it).

Conventions for the code blocks of those pages
----------------------------------------------
* Every fenced ```python block runs, in page order, in one namespace per page, in a scratch folder (files
  the examples write do not land in the repository). An exception in any block fails that page's test.
* **Expected output.** A ```text block that directly follows a ```python block (nothing but blank lines
  between them) is what that python block prints. The test captures the block's ``print`` output
  (``sys.stdout``) and compares it with the text block, line by line:

  - runs of spaces are one space, leading and trailing spaces and blank lines are ignored;
  - ``...`` inside a line matches any text within that line (a timing, an address, a version);
  - a line that is only ``...`` matches any number of lines, none included;
  - a number matches a printed number that agrees to the digits written: the expected ``0.65`` accepts
    any printed value in [0.645, 0.655], ``623`` only 623, ``2.4e-07`` [2.35e-07, 2.45e-07]. Digits
    inside a word (``p0``, ``cone1``) are text.

  A python block that prints anything must be followed by such a text block: every printed claim is
  checked. Blocks that only compute, or check themselves with ``assert``, need none.
* **Not run.** A block tagged ```python no-run: <reason> is shown to readers but not executed (it needs
  something the tests do not have, e.g. a GPU). The reason is required, and every such block must be listed
  in :data:`NOT_RUN` below, so they stay rare and visible.

Other fences (```bash, ```text not after a python block, plain ```) are prose and are not run.
"""

from __future__ import annotations

import contextlib
import io
import re
from dataclasses import dataclass
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent
DOCS = ROOT / "docs"


def doc_pages() -> list[str]:
    """README.md and docs/*.md, as paths relative to the repository root."""
    return ["README.md"] + sorted(f"docs/{p.name}" for p in DOCS.glob("*.md"))


PAGES = doc_pages()

#: (page, block number) of every ```python no-run block, with the reason the page gives. Keep it short.
NOT_RUN: dict[tuple[str, int], str] = {}

_FENCE = re.compile(r"^```([^\n]*)\n(.*?)^```[ \t]*$", re.S | re.M)


@dataclass
class Block:
    """One ```python block: its code, its expected output (None: no text block follows), its tag line."""

    code: str
    expected: str | None
    info: str
    line: int

    @property
    def no_run(self) -> str | None:
        """The reason after ``no-run`` in the fence tag, or None for a block that runs."""
        m = re.match(r"python\s+no-run\b:?\s*(.*)$", self.info.strip())
        return m.group(1).strip() if m else None


def page_blocks(text: str) -> list[Block]:
    """The python blocks of a page, each with the ```text block that directly follows it, if any."""
    fences = list(_FENCE.finditer(text))
    blocks = []
    for k, m in enumerate(fences):
        info = m.group(1).strip()
        if not re.match(r"python(\s|$)", info):
            continue
        expected = None
        if k + 1 < len(fences):
            nxt = fences[k + 1]
            if nxt.group(1).strip() == "text" and not text[m.end():nxt.start()].strip():
                expected = nxt.group(2)
        blocks.append(Block(m.group(2), expected, info, text.count("\n", 0, m.start()) + 1))
    return blocks


def python_blocks(text: str) -> list[str]:
    """The code of the python blocks that run (no-run blocks left out)."""
    return [b.code for b in page_blocks(text) if b.no_run is None]


# ---------------------------------------------------------------------------------------------------------
# expected-output matching
# ---------------------------------------------------------------------------------------------------------

_NUM = r"[-+]?(?:\d+\.?\d*|\.\d+)(?:[eE][-+]?\d+)?"
_NUM_TOKEN = re.compile(rf"(?<![\w.]){_NUM}(?![\w])")


def _norm(line: str) -> str:
    return " ".join(line.split())


def _lines(text: str) -> list[str]:
    return [s for s in (_norm(x) for x in text.splitlines()) if s]


def _half_unit(token: str) -> float:
    """Half a unit of the last digit written: the tolerance of an expected number."""
    mant, _, exp = token.lower().partition("e")
    decimals = len(mant.partition(".")[2])
    return 0.5 * 10.0 ** (int(exp or 0) - decimals)


def _line_pattern(expected: str) -> tuple[re.Pattern, list[str]]:
    """Regex for one expected line (numbers captured) and the expected number tokens, in order."""
    parts, numbers, pos = [], [], 0
    for chunk in re.split(r"(\.\.\.)", expected):
        if chunk == "...":
            parts.append(".*?")
            continue
        pos = 0
        for m in _NUM_TOKEN.finditer(chunk):
            parts.append(re.escape(chunk[pos:m.start()]))
            parts.append(rf"(?<![\d.])({_NUM})(?![\d])")
            numbers.append(m.group(0))
            pos = m.end()
        parts.append(re.escape(chunk[pos:]))
    return re.compile("".join(parts)), numbers


def line_matches(expected: str, actual: str) -> bool:
    """One expected line against one printed line (both normalised), with the rules above."""
    pattern, numbers = _line_pattern(expected)
    m = pattern.fullmatch(actual)
    if m is None:
        return False
    for want, got in zip(numbers, m.groups()):
        if abs(float(got) - float(want)) > _half_unit(want) * (1 + 1e-9):
            return False
    return True


def output_matches(expected: str, actual: str) -> bool:
    """The whole expected text against the printed text; a line ``...`` matches any number of lines."""
    exp, act = _lines(expected), _lines(actual)

    def match(i: int, j: int) -> bool:
        if i == len(exp):
            return j == len(act)
        if exp[i] == "...":
            return any(match(i + 1, jj) for jj in range(j, len(act) + 1))
        return j < len(act) and line_matches(exp[i], act[j]) and match(i + 1, j + 1)

    return match(0, 0)


# ---------------------------------------------------------------------------------------------------------
# the runner
# ---------------------------------------------------------------------------------------------------------

def run_page(page: str) -> dict:
    """Run a page's python blocks in the current folder; raise AssertionError naming the failing block."""
    blocks = page_blocks((ROOT / page).read_text())
    ns: dict = {"__name__": "docs_" + re.sub(r"\W", "_", page)}
    for k, block in enumerate(blocks, 1):
        where = f"{page} python block {k} (line {block.line})"
        if block.no_run is not None:
            assert block.no_run, f"{where}: a no-run block must give its reason (```python no-run: why)"
            assert (page, k) in NOT_RUN, f"{where} is no-run but not listed in tests/test_docs.py NOT_RUN"
            continue
        out = io.StringIO()
        try:
            with contextlib.redirect_stdout(out):
                exec(compile(block.code, where, "exec"), ns)
        except Exception as e:  # pragma: no cover - the message says which block failed
            raise AssertionError(f"{where} failed: {type(e).__name__}: {e}") from e
        printed = out.getvalue()
        if block.expected is None:
            assert not printed.strip(), (
                f"{where} prints but no ```text block follows it with the expected output:\n{printed}")
        else:
            assert output_matches(block.expected, printed), (
                f"{where}: printed output differs from the page's ```text block\n"
                f"--- expected\n{block.expected}--- printed\n{printed}")
    return ns


@pytest.mark.slow
@pytest.mark.parametrize("page", PAGES)
def test_page_examples_run(page, tmp_path, monkeypatch):
    monkeypatch.chdir(tmp_path)
    run_page(page)


def test_pages_are_discovered():
    assert "README.md" in PAGES and "docs/lp.md" in PAGES and "docs/math.md" in PAGES
    with_code = [p for p in PAGES if page_blocks((ROOT / p).read_text())]
    for page in ("README.md", "docs/lp.md", "docs/solvers.md", "docs/analysis.md", "docs/cpal.md"):
        assert page in with_code, f"{page} has no python example"


def test_no_run_blocks_are_listed():
    found = {}
    for page in PAGES:
        for k, b in enumerate(page_blocks((ROOT / page).read_text()), 1):
            if b.no_run is not None:
                found[(page, k)] = b.no_run
    assert set(found) == set(NOT_RUN), f"no-run blocks on the pages: {found}; listed: {NOT_RUN}"
    assert all(found.values()), "every no-run block gives its reason"


# ---------------------------------------------------------------------------------------------------------
# the conventions themselves
# ---------------------------------------------------------------------------------------------------------

def test_block_extraction():
    text = ("intro\n```python\nx = 1\n```\ntext\n```bash\nls\n```\n```python\ny = x + 1\nprint(y)\n```\n\n"
            "```text\n2\n```\n```python no-run: needs a GPU\nz = 3\n```\n```text\nnot expected output\n```\n")
    blocks = page_blocks(text)
    assert [b.code for b in blocks] == ["x = 1\n", "y = x + 1\nprint(y)\n", "z = 3\n"]
    assert [b.expected for b in blocks] == [None, "2\n", "not expected output\n"]
    assert [b.no_run for b in blocks] == [None, None, "needs a GPU"]
    assert python_blocks(text) == ["x = 1\n", "y = x + 1\nprint(y)\n"]


def test_output_matching_rules():
    assert output_matches("optimal 1.0 0.65\n", "optimal   1.0 0.6500000001\n")
    assert output_matches("0.65", "0.654") and not output_matches("0.65", "0.656")
    assert output_matches("623 patterns", "623 patterns") and not output_matches("623 patterns", "624 patterns")
    assert output_matches("2.4e-07", "2.449e-07") and not output_matches("2.4e-07", "2.6e-07")
    assert output_matches("took ... s, x = 3", "took 12.5 s, x = 3")
    assert not output_matches("took ... s, x = 3", "took 12.5 s, x = 4")
    assert output_matches("u[p0,0] cone1[p0,5]", "u[p0,0] cone1[p0,5]")
    assert not output_matches("u[p0,0]", "u[p1,0]")
    assert output_matches("a\n...\nz\n", "a\nb\nc\nz\n") and output_matches("a\n...\nz\n", "a\nz\n")
    assert not output_matches("a\nz\n", "a\nb\nz\n")
    assert output_matches("x\n\n  y  \n", "x\ny\n")


# ---------------------------------------------------------------------------------------------------------
# links, images, citations
# ---------------------------------------------------------------------------------------------------------

@pytest.mark.parametrize("page", PAGES)
def test_page_links_exist(page):
    path = ROOT / page
    text = path.read_text()
    base = path.parent
    for target in re.findall(r"\]\(([^)#\s]+)", text):
        if "://" in target:
            continue
        assert (base / target).exists(), f"{page} links to missing {target}"
    for img in re.findall(r"!\[[^\]]*\]\(([^)]+)\)", text):
        assert (base / img).exists(), f"{page} shows missing image {img}"


@pytest.mark.parametrize("page", PAGES)
def test_pages_stand_alone(page):
    """No page cites files outside the repository (the mathematics is docs/math.md)."""
    text = (ROOT / page).read_text()
    assert "shared/" not in text, f"{page} cites a file outside the repository"
    assert not re.search(r"field[ -]notes", text, re.I), f"{page} cites field notes: state the measurement"


def _math_sections() -> tuple[set[int], set[str]]:
    text = (DOCS / "math.md").read_text()
    sections = {int(n) for n in re.findall(r"^## (\d+)\.", text, re.M)}
    tags = set(re.findall(r"\(([A-Za-z]\w*)\)", text))
    return sections, tags


def test_math_page_has_the_cited_sections():
    sections, tags = _math_sections()
    assert sections == set(range(1, 12))
    assert {"LP2", "LPL", "NC2", "margin", "cone", "cut"} <= tags
    cited = set()
    for path in [*ROOT.glob("README.md"), *DOCS.glob("*.md"), *(ROOT / "relulp").rglob("*.py"),
                 *(ROOT / "solvers").rglob("*.py"), *(ROOT / "benchmarks").glob("*.py")]:
        for m in re.finditer(r"math\.md[^.\n]{0,3}((?:§\d+(?:-\d+)?(?:,\s*)?)+)", path.read_text()):
            for a, b in re.findall(r"§(\d+)(?:-(\d+))?", m.group(1)):
                cited |= set(range(int(a), int(b or a) + 1))
    assert cited and cited <= sections, f"cited sections missing from docs/math.md: {cited - sections}"


# ---------------------------------------------------------------------------------------------------------
# the README's commands
# ---------------------------------------------------------------------------------------------------------

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
