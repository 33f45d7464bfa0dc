"""The record of a cutting-plane run: one :class:`Step` per centre used (math.md §5).

A step of the active learner (Algorithm 4) is one *round*: a centre theta_c (recomputed only if the
previous round cut), the picks of the query rule, the labels they got and the cuts they triggered. A
step of the trainer (Algorithm 1) is one centre and the batch of violated points it cut.
"""

from __future__ import annotations

from dataclasses import asdict, dataclass, field
from typing import Any

import numpy as np

from relulp.records import jsonable


@dataclass
class Step:
    """One centre and what happened at it.

    Attributes
    ----------
    step : index of the step (0-based)
    space : which version space (class of a one-vs-rest problem; 0 for binary and regression)
    labels_used : labels looked at so far, this step included (each one counts toward the budget)
    cuts : cuts made so far (a cut = one labelled point's rows added to one version space)
    rows : rows of this step's version space after the step
    center_seconds : time spent on this step's centre (0 when the previous centre was reused)
    center_recomputed : whether the centre was recomputed for this step (only after a cut)
    queried, labels : the points asked at this step and their labels
    cut_points : the points of this step that triggered a cut
    violated : (training) number of training points the centre violates
    cut_ratios : per cut, the estimated vol(T_new) / vol(T) with its confidence interval (if tracked)
    test_score : accuracy (classification) or RMSE (regression) of the centre's network on the
        evaluation set, if one was given
    center_info : what the analysis module reported about the centre (Newton steps, decrement, ...)
    seconds : wall-clock seconds since the run started, at the end of the step
    """

    step: int
    space: int = 0
    labels_used: int = 0
    cuts: int = 0
    rows: int = 0
    center_seconds: float = 0.0
    center_recomputed: bool = False
    queried: list = field(default_factory=list)
    labels: list = field(default_factory=list)
    cut_points: list = field(default_factory=list)
    violated: int | None = None
    cut_ratios: list | None = None
    test_score: float | None = None
    center_info: dict = field(default_factory=dict)
    seconds: float = 0.0

    def to_record(self) -> dict[str, Any]:
        """The step as a JSON-ready dict (:func:`relulp.records.jsonable`: enums, e.g. a centre's status in
        ``center_info``, become their value strings)."""
        return jsonable(asdict(self))


class History:
    """The list of :class:`Step` of one run, with column access for plots and JSON export."""

    def __init__(self, steps: list[Step] | None = None):
        self.steps: list[Step] = list(steps or [])

    def append(self, step: Step) -> None:
        self.steps.append(step)

    def __len__(self) -> int:
        return len(self.steps)

    def __iter__(self):
        return iter(self.steps)

    def __getitem__(self, k):
        return self.steps[k]

    @property
    def last(self) -> Step | None:
        return self.steps[-1] if self.steps else None

    def column(self, name: str) -> np.ndarray:
        """One attribute over the steps as an array (None becomes NaN for numeric columns)."""
        vals = [getattr(s, name) for s in self.steps]
        if all(isinstance(v, (int, float, bool, np.number)) or v is None for v in vals):
            return np.array([np.nan if v is None else v for v in vals], dtype=np.float64)
        return np.array(vals, dtype=object)

    def cut_ratios(self) -> list[dict]:
        """Every tracked cut ratio in order, each with the step and the cut number it belongs to."""
        out = []
        for s in self.steps:
            for r in s.cut_ratios or []:
                out.append(dict(r, step=s.step))
        return out

    @property
    def total_center_seconds(self) -> float:
        return float(sum(s.center_seconds for s in self.steps))

    def to_records(self) -> list[dict[str, Any]]:
        return [s.to_record() for s in self.steps]

    def __repr__(self) -> str:
        last = self.last
        tail = "" if last is None else f", labels_used={last.labels_used}, cuts={last.cuts}, rows={last.rows}"
        return f"History(steps={len(self.steps)}{tail})"
