"""The python examples of docs/analysis.md run, and its images exist."""

import re
from pathlib import Path

import pytest

DOC = Path(__file__).resolve().parent.parent / "docs" / "analysis.md"
_BLOCK = re.compile(r"^```python[ \t]*\n(.*?)^```[ \t]*$", re.S | re.M)


def test_analysis_page_examples_run(tmp_path, monkeypatch):
    blocks = [m.group(1) for m in _BLOCK.finditer(DOC.read_text())]
    assert len(blocks) >= 2
    monkeypatch.chdir(tmp_path)
    ns: dict = {"__name__": "docs_analysis"}
    for k, code in enumerate(blocks, 1):
        try:
            exec(compile(code, f"docs/analysis.md [python block {k}]", "exec"), ns)
        except Exception as e:  # pragma: no cover - the message names the block
            raise AssertionError(f"docs/analysis.md block {k} failed: {type(e).__name__}: {e}") from e
    assert ns["pr"].verify() == [] and ns["res"].verify() == []


def test_analysis_page_images_exist():
    text = DOC.read_text()
    imgs = re.findall(r"!\[[^\]]*\]\(([^)]+)\)", text)
    assert len(imgs) >= 3
    for img in imgs:
        assert (DOC.parent / img).exists(), img


@pytest.mark.slow
def test_plotting_draws_a_body(tmp_path):
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    from relulp.analysis import bodies
    from relulp.analysis.plotting import plot_body_2d

    P = bodies.redundant_polytope(2, 12, 0.5, seed=0, R=2.0)
    res = P.prune()
    ax = plot_body_2d(P, dropped=res.dropped, samples=P.sample(50, seed=0).points)
    assert len(ax.lines) >= len(res.kept)
    plt.close("all")
