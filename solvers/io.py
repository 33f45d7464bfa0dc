"""Reading LP files (``.mps``, ``.lp``, compressed variants HiGHS understands) into a LinearProgram."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import scipy.sparse as sp

from .lp import LinearProgram

from .errors import BackendFailure, ProblemDataError
from .highs_adapter import new_highs


def read_lp_file(path: str | Path, relax_integers: bool = False) -> LinearProgram:
    """Read an LP with highspy's ``readModel`` and take the ``HighsLp`` out as a LinearProgram.

    A maximisation is turned into ``min -c@x - offset`` (``meta["sense"] = "max"``: objective values of
    this LinearProgram are then the negated file objective). Integer columns raise
    :class:`ProblemDataError` unless ``relax_integers`` (then ``meta["relaxed_integers"]`` counts them).
    """
    import highspy

    path = Path(path)
    if not path.exists():
        raise ProblemDataError(f"no such file: {path}")
    h = new_highs()
    if h.readModel(str(path)) == highspy.HighsStatus.kError:
        raise BackendFailure(f"HiGHS could not read {path}")
    lp = h.getLp()
    n, m = lp.num_col_, lp.num_row_
    a = lp.a_matrix_
    start, index, value = (np.asarray(a.start_), np.asarray(a.index_), np.asarray(a.value_, dtype=np.float64))
    if a.format_ == highspy.MatrixFormat.kRowwise:
        A = sp.csr_array((value, index, start), shape=(m, n))
    else:
        A = sp.csc_array((value, index, start), shape=(m, n)).tocsr()
    c = np.asarray(lp.col_cost_, dtype=np.float64)
    offset = float(lp.offset_)
    sense = "min"
    if lp.sense_ == highspy.ObjSense.kMaximize:
        c, offset, sense = -c, -offset, "max"
    integrality = np.asarray([int(v) for v in lp.integrality_]) if len(lp.integrality_) else np.zeros(0)
    n_int = int(np.count_nonzero(integrality))
    if n_int and not relax_integers:
        raise ProblemDataError(f"{path.name} has {n_int} integer columns; pass relax_integers=True for its LP relaxation")
    meta = {"name": path.name.split(".")[0], "source": str(path), "sense": sense}
    if n_int:
        meta["relaxed_integers"] = n_int
    return LinearProgram(
        c, A,
        np.asarray(lp.row_lower_, dtype=np.float64), np.asarray(lp.row_upper_, dtype=np.float64),
        np.asarray(lp.col_lower_, dtype=np.float64), np.asarray(lp.col_upper_, dtype=np.float64),
        objective_constant=offset, meta=meta,
    )
