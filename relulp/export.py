"""Write relulp's LPs to ``.lp`` / ``.mps`` files with symbolic names, and summarise their size and scaling.

Two writers, chosen by the type of the argument; both give every row and column a readable name:

* **Pyomo model** (from :func:`relulp.build_model`): Pyomo's own writers,
  ``model.write(path, format=..., io_options={'symbolic_solver_labels': True})``. Pyomo maps the component
  name ``u['p3_m1', 2]`` to ``u(p3_m1_2)`` and prefixes row names with the bound they carry:
  ``c_l_cone1(p3_m1_7)_`` (lower bound), ``c_u_...`` (upper), ``c_e_...`` (equality), and splits a
  two-sided row into ``r_l_...`` / ``r_u_...``. Pyomo orders the columns itself (sorted by name).
* **SparseLP** (from :func:`relulp.build_lp`): HiGHS writes the file (``highspy.Highs.passModel`` with the
  names of :meth:`SparseLP.col_names` / :meth:`SparseLP.row_names`, then ``writeModel``). Names are
  sanitised with the same character map as Pyomo's (``[``->``(``, ``]``->``)``, ``,`` and other symbols ->
  ``_``), so the columns carry exactly the names of the Pyomo path (``u(p3_m1_2)``) and the rows the
  Pyomo names without the bound prefix (``cone1(p3_m1_7)``; HiGHS keeps two-sided rows as one ranged
  row). Rows and columns stay in the matrix order. This path is ~10x faster than Pyomo's writer.

The file format follows the suffix of ``path`` for :func:`write_model`; :func:`write_lp` and
:func:`write_mps` force it. MPS files are free MPS (names may be long but contain no spaces) without an
``OBJSENSE`` section (GLPK 5.0 rejects it; the Pyomo writer's is removed, see :func:`_portable_mps`), so
HiGHS (``readModel``) and GLPK (``glpsol --freemps FILE``) read the files of both writers; the tests
read them back with both and check the optimum.

:func:`lp_statistics` reports rows, columns, nonzeros, coefficient and bound ranges, and the same per
row/column family (``margin``, ``cone1``, ``cone2``, ``link2``, ``abs_pos``, ``u``, ``z2``, ``t``, ...),
with a text table (:meth:`LPStatistics.table`).
"""

from __future__ import annotations

import os
import re
from dataclasses import asdict, dataclass, field
from typing import Any

import numpy as np

from .exceptions import UnknownOptionError
from .solvers.api import is_pyomo_model
from .lp import SparseLP

__all__ = ["write_lp", "write_mps", "write_model", "sanitize_name", "lp_statistics", "LPStatistics",
           "FamilyStatistics"]

_FORMATS = {".lp": "lp", ".mps": "mps"}

# The character map of Pyomo's ``cpxlp_label_from_name`` (letters, digits, ( ) _ kept; [ ] { } -> ( ) ( );
# everything else -> _), so both writers give a column the same name.
_KEEP = "abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789()_"
_TABLE = "".join(
    c if c in _KEEP else {"[": "(", "]": ")", "{": "(", "}": ")"}.get(c, "_") for c in map(chr, range(256))
)


def sanitize_name(name: str) -> str:
    """An LP/MPS-safe name, as Pyomo's symbolic labels spell it: ``u[p3_m1,2]`` -> ``u(p3_m1_2)``."""
    out = name.translate(_TABLE)  # characters past U+00FF are not in the table: map them too
    if not out.isascii():
        out = "".join(c if c.isascii() else "_" for c in out)
    if out and (out[0].isdigit() or out[0] in "(."):
        out = "_" + out
    return out or "_"


def _format_of(path, fmt: str | None) -> str:
    if fmt is not None:
        if fmt not in ("lp", "mps"):
            raise UnknownOptionError(f"unknown file format {fmt!r}; choose 'lp' or 'mps'")
        return fmt
    ext = os.path.splitext(os.fspath(path))[1].lower()
    if ext not in _FORMATS:
        raise UnknownOptionError(f"cannot tell the file format of {os.fspath(path)!r}: use a .lp or .mps suffix")
    return _FORMATS[ext]


def write_model(model_or_lp, path, fmt: str | None = None) -> str:
    """Write a Pyomo model or a :class:`SparseLP` to ``path`` (format from the suffix, or ``fmt``).

    Returns the path written. See the module docstring for the names each path gives.
    """
    path = os.fspath(path)
    fmt = _format_of(path, fmt)
    if fmt == "lp" and not path.lower().endswith(".lp"):
        raise UnknownOptionError(f"an LP file must end in .lp (HiGHS picks the format from it): {path!r}")
    if fmt == "mps" and not path.lower().endswith(".mps"):
        raise UnknownOptionError(f"an MPS file must end in .mps (HiGHS picks the format from it): {path!r}")
    if isinstance(model_or_lp, SparseLP):
        _write_highs(model_or_lp, path)
    elif is_pyomo_model(model_or_lp):
        from pyomo.common.gc_manager import PauseGC

        with PauseGC():
            # the suffix (checked above) tells Pyomo the format; passing format= as well only makes it warn
            model_or_lp.write(path, io_options={"symbolic_solver_labels": True})
        if fmt == "mps":
            _portable_mps(path)
    else:
        raise TypeError(f"write_model takes a relulp SparseLP or a Pyomo model, got {type(model_or_lp).__name__}")
    return path


def _portable_mps(path: str) -> None:
    """Make a Pyomo-written MPS file of a minimisation readable by every MPS reader (GLPK's included).

    Pyomo writes an ``OBJSENSE`` section (``OBJSENSE`` then `` MIN``) after ``NAME``. GLPK 5.0
    (``glpsol --mps`` / ``--freemps``) does not know that section and stops with "invalid indicator
    record". Minimisation is the default of the format, so a ``MIN`` section is removed (the rest of the
    file is copied unchanged). A maximisation keeps its ``OBJSENSE MAX`` (HiGHS, CPLEX and Gurobi read it;
    GLPK cannot); relulp's models always minimise.
    """
    with open(path, "r") as fh:
        head = [fh.readline() for _ in range(64)]
    idx = next((i for i, line in enumerate(head) if line.split()[:1] == ["OBJSENSE"]), None)
    if idx is None:
        return
    parts = head[idx].split()
    if len(parts) > 1:  # "OBJSENSE MIN" on one line
        sense, drop = parts[1].upper(), 1
    else:
        sense, drop = (head[idx + 1].split() or ["MIN"])[0].upper(), 2
    if sense not in ("MIN", "MINIMIZE"):
        return
    tmp = path + ".tmp"
    with open(path, "r") as src, open(tmp, "w") as dst:
        for i, line in enumerate(src):
            if idx <= i < idx + drop:
                continue
            dst.write(line)
    os.replace(tmp, path)


def write_lp(model_or_lp, path) -> str:
    """Write a CPLEX-format ``.lp`` file with symbolic names (Pyomo model or :class:`SparseLP`)."""
    return write_model(model_or_lp, path, "lp")


def write_mps(model_or_lp, path) -> str:
    """Write a free-format ``.mps`` file with symbolic names (Pyomo model or :class:`SparseLP`)."""
    return write_model(model_or_lp, path, "mps")


def highs_lp(lp: SparseLP, *, names: bool = True):
    """A ``highspy.HighsLp`` of ``lp`` (row-wise matrix), with sanitised names unless ``names=False``."""
    from relulp.solvers.highs_adapter import to_highs_lp

    h = to_highs_lp(lp)
    if names:
        h.col_names_ = [sanitize_name(s) for s in _names_or_default(lp, "col")]
        h.row_names_ = [sanitize_name(s) for s in _names_or_default(lp, "row")]
    return h


def _names_or_default(lp: SparseLP, what: str) -> list[str]:
    blocks = lp.col_blocks if what == "col" else lp.row_blocks
    total = lp.num_cols if what == "col" else lp.num_rows
    if blocks and sum(b.size for b in blocks) == total:
        return lp.col_names() if what == "col" else lp.row_names()
    return [f"{'x' if what == 'col' else 'r'}{i}" for i in range(total)]


def _write_highs(lp: SparseLP, path: str) -> None:
    import highspy

    from relulp.solvers.highs_adapter import new_highs

    h = new_highs()  # the construction banner goes to stderr, not stdout
    if h.passModel(highs_lp(lp)) == highspy.HighsStatus.kError:
        raise RuntimeError("HiGHS rejected the model (passModel returned kError)")
    if h.writeModel(path) == highspy.HighsStatus.kError:
        raise OSError(f"HiGHS could not write {path!r}")


# ------------------------------------------------------------------------------------------------
# statistics
# ------------------------------------------------------------------------------------------------

@dataclass
class FamilyStatistics:
    """One named block of rows (``kind='row'``) or columns (``kind='col'``)."""

    name: str
    kind: str
    level: int | None
    count: int
    nnz: int
    abs_min: float | None  # smallest / largest |a_ij| over the block's nonzeros (None if it has none)
    abs_max: float | None


@dataclass
class LPStatistics:
    """Size and scaling of one LP (see :func:`lp_statistics`)."""

    rows: int
    cols: int
    nnz: int
    density: float
    coef_abs_min: float | None
    coef_abs_max: float | None
    rhs_abs_min: float | None  # finite, nonzero |row bounds|
    rhs_abs_max: float | None
    bound_abs_min: float | None  # finite, nonzero |column bounds|
    bound_abs_max: float | None
    cost_abs_min: float | None  # nonzero |c_j|
    cost_abs_max: float | None
    equality_rows: int
    free_cols: int
    row_families: list[FamilyStatistics] = field(default_factory=list)
    col_families: list[FamilyStatistics] = field(default_factory=list)
    meta: dict[str, Any] = field(default_factory=dict)

    def as_dict(self) -> dict[str, Any]:
        """Plain dict (JSON-ready), with the per-level totals of :meth:`by_level` under ``levels``."""
        d = asdict(self)
        d["levels"] = {str(k): v for k, v in self.by_level().items()}
        return d

    def by_level(self) -> dict[int | None, dict[str, int]]:
        """Rows, columns and nonzeros (row-wise) per tree level; ``None`` collects the families that belong
        to no level (fit rows, per-point columns)."""
        out: dict[int | None, dict[str, int]] = {}
        for f in self.row_families + self.col_families:
            e = out.setdefault(f.level, {"rows": 0, "cols": 0, "nnz": 0})
            if f.kind == "row":
                e["rows"] += f.count
                e["nnz"] += f.nnz
            else:
                e["cols"] += f.count
        return dict(sorted(out.items(), key=lambda kv: (kv[0] is None, kv[0] or 0)))

    def table(self) -> str:
        """A text table: totals and ranges, then one line per row and column family."""
        def rng(lo, hi):
            return "-" if lo is None else f"[{lo:.3g}, {hi:.3g}]"

        head = []
        desc = ", ".join(f"{k}={self.meta[k]}" for k in ("objective", "formulation", "depth", "patterns")
                         if k in self.meta)
        if desc:
            head.append(f"LP: {desc}")
        head += [
            f"rows {self.rows:,}   cols {self.cols:,}   nonzeros {self.nnz:,}   density {self.density:.2e}",
            f"|A| range {rng(self.coef_abs_min, self.coef_abs_max)}   |rhs| {rng(self.rhs_abs_min, self.rhs_abs_max)}"
            f"   |bounds| {rng(self.bound_abs_min, self.bound_abs_max)}   |c| {rng(self.cost_abs_min, self.cost_abs_max)}",
            f"equality rows {self.equality_rows:,}   free columns {self.free_cols:,}",
            "",
            f"{'family':<10}{'kind':>5}{'level':>6}{'count':>13}{'nnz':>14}{'nnz/each':>10}  |a| range",
        ]
        for f in self.row_families + self.col_families:
            lvl = "" if f.level is None else str(f.level)
            per = f"{f.nnz / f.count:.1f}" if f.count else "-"
            head.append(f"{f.name:<10}{f.kind:>5}{lvl:>6}{f.count:>13,}{f.nnz:>14,}{per:>10}  {rng(f.abs_min, f.abs_max)}")
        levels = self.by_level()
        if any(k is not None for k in levels):
            head.append("")
            head.append("per tree level: " + "; ".join(
                f"{'no level' if k is None else f'level {k}'}: {v['rows']:,} rows, {v['cols']:,} cols, {v['nnz']:,} nnz"
                for k, v in levels.items()))
        return "\n".join(head)

    def __str__(self) -> str:
        return self.table()


def _level(name: str) -> int | None:
    m = re.fullmatch(r"[a-z_]+?(\d+)", name)
    if m:
        return int(m.group(1))
    return 1 if name in ("u", "t", "abs_pos", "abs_neg") else None


def _absrange(v: np.ndarray) -> tuple[float | None, float | None]:
    v = np.abs(v[np.isfinite(v)])
    v = v[v > 0]
    if v.size == 0:
        return None, None
    return float(v.min()), float(v.max())


def lp_statistics(lp) -> LPStatistics:
    """Rows, columns, nonzeros, coefficient/bound ranges and per-family counts of an LP.

    ``lp`` is a :class:`SparseLP` (families from its ``row_blocks`` / ``col_blocks``; the level of a family
    is the digit in its name, ``cone2`` -> 2, and 1 for the leaf families ``u``, ``t``, ``abs_*``), or a
    linear Pyomo model (converted with :func:`solvers.from_pyomo`; families then come from that conversion).
    """
    if not isinstance(lp, SparseLP):
        if is_pyomo_model(lp):
            from relulp import solvers

            g = solvers.from_pyomo(lp)[0]  # a plain LinearProgram: no named blocks, no families
            lp = SparseLP(g.c, g.A, g.row_lower, g.row_upper, g.col_lower, g.col_upper, g.objective_constant,
                          meta=g.meta)
        else:
            raise TypeError(f"lp_statistics takes a SparseLP or a Pyomo model, got {type(lp).__name__}")
    A = lp.A.tocsr()
    m, n = A.shape
    data = np.abs(A.data)
    nzmask = data > 0
    amin, amax = _absrange(A.data)
    rows_f: list[FamilyStatistics] = []
    for b in lp.row_blocks:
        s, e = int(A.indptr[b.start]), int(A.indptr[b.stop])
        lo, hi = _absrange(A.data[s:e])
        rows_f.append(FamilyStatistics(b.name, "row", _level(b.name), b.size, int(np.count_nonzero(nzmask[s:e])), lo, hi))
    cols_f: list[FamilyStatistics] = []
    if lp.col_blocks:
        col_nnz = np.bincount(A.indices[nzmask], minlength=n)
        # per-column |a| min / max over the nonzeros of that column
        idx = A.indices[nzmask]
        vals = data[nzmask]
        cmax = np.zeros(n)
        np.maximum.at(cmax, idx, vals)
        cmin = np.full(n, np.inf)
        np.minimum.at(cmin, idx, vals)
        for b in lp.col_blocks:
            sl = b.slice
            cnt = int(col_nnz[sl].sum())
            lo = float(cmin[sl].min()) if cnt else None
            hi = float(cmax[sl].max()) if cnt else None
            cols_f.append(FamilyStatistics(b.name, "col", _level(b.name), b.size, cnt, lo, hi))
    rlo, rhi = _absrange(np.concatenate([lp.row_lower, lp.row_upper]))
    blo, bhi = _absrange(np.concatenate([lp.col_lower, lp.col_upper]))
    clo, chi = _absrange(lp.c)
    meta = {k: lp.meta[k] for k in ("objective", "formulation", "depth", "patterns", "n", "d") if k in lp.meta}
    return LPStatistics(
        rows=m, cols=n, nnz=int(np.count_nonzero(nzmask)),
        density=float(np.count_nonzero(nzmask)) / max(1, m * n) if m * n else 0.0,
        coef_abs_min=amin, coef_abs_max=amax, rhs_abs_min=rlo, rhs_abs_max=rhi,
        bound_abs_min=blo, bound_abs_max=bhi, cost_abs_min=clo, cost_abs_max=chi,
        equality_rows=int(np.count_nonzero(lp.row_lower == lp.row_upper)),
        free_cols=int(np.count_nonzero(np.isneginf(lp.col_lower) & np.isposinf(lp.col_upper))),
        row_families=rows_f, col_families=cols_f, meta=meta,
    )
