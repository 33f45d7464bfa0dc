"""JSON-ready records: the one conversion every relulp record (CLI output, CPAL histories) goes through."""

from __future__ import annotations

import enum
import math
from typing import Any

import numpy as np


def jsonable(v: Any) -> Any:
    """``v`` with numpy scalars and arrays turned into Python scalars and lists, dict keys into strings,
    enums (:class:`relulp.solvers.Status`, :class:`relulp.cpal.FitStatus`, the analysis statuses) into their
    value, non-finite floats into None (JSON has no NaN/inf), and anything else that JSON cannot hold into
    ``str(v)``."""
    if isinstance(v, enum.Enum):  # before str: a str-enum such as FitStatus becomes its plain value
        return jsonable(v.value)
    if isinstance(v, dict):
        return {str(k): jsonable(x) for k, x in v.items()}
    if isinstance(v, (list, tuple)):
        return [jsonable(x) for x in v]
    if isinstance(v, np.ndarray):
        return jsonable(v.tolist())
    if isinstance(v, (np.bool_, bool)):
        return bool(v)
    if isinstance(v, np.integer):
        return int(v)
    if isinstance(v, (float, np.floating)):
        v = float(v)
        return v if math.isfinite(v) else None
    if v is None or isinstance(v, (int, str)):
        return v
    return str(v)
