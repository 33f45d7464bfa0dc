"""The python examples of docs/analysis.md run and print what the page says (the conventions of
tests/test_docs.py), every drop they show is certified, and the page's images exist."""

import re
from pathlib import Path

import pytest
from test_docs import page_blocks, run_page

DOC = Path(__file__).resolve().parent.parent / "docs" / "analysis.md"


def test_analysis_page_examples_run(tmp_path, monkeypatch):
    blocks = page_blocks(DOC.read_text())
    assert len(blocks) >= 2 and all(b.expected is not None for b in blocks)
    monkeypatch.chdir(tmp_path)
    ns = run_page("docs/analysis.md")
    assert ns["pr"].verify() == [] and ns["res"].verify() == []
    # the random body has redundant rows (an LP per row finds 3): pruning must find them
    assert sorted(ns["pr"].dropped) == [1, 9, 11] and len(ns["res"].dropped) == 160


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
