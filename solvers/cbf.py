r"""Conic Benchmark Format (CBF, version 3) export and import of :class:`solvers.conic.ConicProgram`.

A CBF file states ``min/max g_obj`` over scalar variables x in cones (``VAR``) and matrix variables
(``PSDVAR``) subject to scalar constraints ``g = A x + b in K`` (``CON``, ``ACOORD``, ``BCOORD``; ``FCOORD``
adds ``<F, X>`` terms) and matrix constraints ``G = sum_j x_j H_j + D >= 0`` (``PSDCON``, ``HCOORD``,
``DCOORD``). Matrix entries are given by their LOWER triangle (``i >= j``), the rest by symmetry.

relulp <-> CBF (a ConicProgram's slack ``s = b - A x`` is CBF's ``g`` with ``ACOORD = -A``, ``BCOORD = b``):

==========================  ======================================================================
relulp cone                 CBF
==========================  ======================================================================
ZeroCone                    ``L=``
NonnegativeCone             ``L+`` (``L-`` is read as a NonnegativeCone of the negated rows)
SecondOrderCone             ``Q``  (``u_0 >= ||u_{1:}||``)
RotatedSecondOrderCone      ``QR`` (``2 u_0 u_1 >= ||u_{2:}||^2, u_0, u_1 >= 0``)
ExponentialCone             ``EXP``, REVERSED: CBF's ``u_0 >= u_1 exp(u_2 / u_1)``, so relulp's
                            (x, y, z) is CBF's (u_2, u_1, u_0)
PSDTriangleCone(k)          a ``PSDCON`` of side k: ``G = smat(s)``, i.e. ``H_j[i, l] = -A[t, j] / w_t``
                            and ``D[i, l] = b_t / w_t`` for svec entry t = (l, i), l <= i, with
                            w_t = sqrt(2) off the diagonal (1 on it)
==========================  ======================================================================

Writing: all variables free (``VAR n 1 / F n``), the scalar rows in ``CON`` in program order, the PSD
blocks as ``PSDCON`` (so reading back puts them after the scalar rows: the same program up to that row
order). CBF has no quadratic objective: a program with P is refused (:class:`ProblemDataError`) unless
``quadratic="epigraph"``, which writes ``min q'x + t + k`` with ``(t, 1, F x) in QR``, ``F^T F = P``
(from an eigendecomposition of P; eigenvalues below ``1e-12 * max`` dropped), the same optimum with one
more variable (the last). Names are not written (CBF has none).

Reading: VER <= 3 (later versions are read when they use only these keywords), MIN or MAX (a maximisation
is negated: ``meta["sense"] = "max"`` and the program minimises ``-g_obj``), variable domains of any cone
above (they become conic rows ``s = x_J``), ``PSDVAR`` matrix variables (their svec entries become
variables in a PSDTriangleCone; ``<F, X> = svec(F) @ svec(X)``), ``PSDCON``. Integer variables (``INT``),
power cones and unknown cones or keywords raise :class:`ProblemDataError`.
"""

from __future__ import annotations

import os
from pathlib import Path

import numpy as np
import scipy.sparse as sp

from .conic import (
    SQRT2,
    ConicProgram,
    ExponentialCone,
    NonnegativeCone,
    PSDTriangleCone,
    RotatedSecondOrderCone,
    SecondOrderCone,
    ZeroCone,
    svec_indices,
)
from .errors import ProblemDataError

CBF_VERSION = 3
_WRITE_NAMES = {ZeroCone: "L=", NonnegativeCone: "L+", SecondOrderCone: "Q", RotatedSecondOrderCone: "QR",
                ExponentialCone: "EXP"}


def _fmt(v: float) -> str:
    return repr(float(v))  # shortest string that reads back to the same double


def _epigraph(prog: ConicProgram) -> ConicProgram:
    """``min q'x + t + k`` s.t. the rows of prog and ``(t, 1, F x) in QR`` with ``F^T F = P``: the same optimum."""
    n = prog.num_cols
    w, U = np.linalg.eigh(prog.P.toarray())
    if w.size and w.min() < -1e-9 * max(1.0, abs(w).max()):
        raise ProblemDataError(f"P is not positive semidefinite (eigenvalue {w.min():.3g})")
    keep = w > 1e-12 * max(1.0, w.max(initial=0.0))
    F = (U[:, keep] * np.sqrt(w[keep])).T  # (r, n), F^T F = P
    r = F.shape[0]
    A_old = sp.hstack([prog.A, sp.csc_array((prog.num_rows, 1))], format="csc")
    # s = (t, 1, F x) = b - A (x, t):  t row: A = [0 | -1], b = 0; 1 row: A = 0, b = 1; F rows: A = [-F | 0]
    top = sp.csc_array(([-1.0], ([0], [n])), shape=(1, n + 1))
    one = sp.csc_array((1, n + 1))
    Fr = sp.hstack([sp.csc_array(-F), sp.csc_array((r, 1))], format="csc")
    A = sp.vstack([A_old, top, one, Fr], format="csc")
    b = np.concatenate([prog.b, [0.0, 1.0], np.zeros(r)])
    q = np.concatenate([prog.q, [1.0]])
    meta = dict(prog.meta)
    meta["cbf_epigraph"] = "the last variable t >= 1/2 x'Px (the quadratic objective through a rotated cone)"
    return ConicProgram(q=q, A=A, b=b, cones=list(prog.cones) + [RotatedSecondOrderCone(r + 2)],
                        objective_constant=prog.objective_constant, meta=meta)


def write_cbf(prog: ConicProgram, path: str | os.PathLike, quadratic: str = "error") -> None:
    """Write ``prog`` to ``path`` in CBF version 3 (see the module docstring for the mapping).

    ``quadratic``: ``"error"`` (default) refuses a program with P, ``"epigraph"`` writes the equivalent
    program with one more variable t and a rotated cone ``(t, 1, F x)``, ``F^T F = P``.
    """
    if not isinstance(prog, ConicProgram):
        raise ProblemDataError(f"write_cbf takes a ConicProgram, got {type(prog).__name__}")
    if prog.P is not None:
        if quadratic == "epigraph":
            prog = _epigraph(prog)
        elif quadratic == "error":
            raise ProblemDataError("CBF has no quadratic objective: this program has P != 0; call "
                               "write_cbf(prog, path, quadratic='epigraph') to write the equivalent program with "
                               "t >= 1/2 x'Px as a rotated second-order cone")
        else:
            raise ProblemDataError(f"quadratic must be 'error' or 'epigraph', got {quadratic!r}")
    n = prog.num_cols
    A = sp.csr_array(prog.A)
    scalar_rows, con_lines, psd = [], [], []
    for cone, sl in prog.cone_slices():
        rows = np.arange(sl.start, sl.stop)
        if isinstance(cone, PSDTriangleCone):
            psd.append((cone.k, rows))
            continue
        if not rows.size:
            continue
        if isinstance(cone, ExponentialCone):
            rows = rows[::-1]
        scalar_rows.append(rows)
        con_lines.append(f"{_WRITE_NAMES[type(cone)]} {cone.dim}")
    srows = np.concatenate(scalar_rows) if scalar_rows else np.zeros(0, dtype=np.int64)
    out = [f"# written by relulp.solvers.cbf: {prog!r}", "VER", str(CBF_VERSION), "", "OBJSENSE", "MIN", ""]
    out += ["VAR", f"{n} {1 if n else 0}"] + ([f"F {n}"] if n else []) + [""]
    if psd:
        out += ["PSDCON", str(len(psd))] + [str(k) for k, _ in psd] + [""]
    if srows.size:
        out += ["CON", f"{srows.size} {len(con_lines)}"] + con_lines + [""]
    q_nz = np.flatnonzero(prog.q)
    if q_nz.size:
        out += ["OBJACOORD", str(q_nz.size)] + [f"{j} {_fmt(prog.q[j])}" for j in q_nz] + [""]
    if prog.objective_constant:
        out += ["OBJBCOORD", _fmt(prog.objective_constant), ""]
    if srows.size:
        sub = sp.coo_array(-A[srows])
        keep = sub.data != 0
        out += ["ACOORD", str(int(keep.sum()))]
        out += [f"{i} {j} {_fmt(v)}" for i, j, v in zip(sub.row[keep], sub.col[keep], sub.data[keep])] + [""]
        bs = prog.b[srows]
        b_nz = np.flatnonzero(bs)
        if b_nz.size:
            out += ["BCOORD", str(b_nz.size)] + [f"{i} {_fmt(bs[i])}" for i in b_nz] + [""]
    if psd:
        h_lines, d_lines = [], []
        for c, (k, rows) in enumerate(psd):
            r, col = svec_indices(k)  # svec entry (r, col), r <= col -> lower entry (col, r)
            w = np.where(r == col, 1.0, SQRT2)
            sub = sp.coo_array(-A[rows])
            for t, j, v in zip(sub.row, sub.col, sub.data):
                if v != 0:
                    h_lines.append(f"{c} {j} {col[t]} {r[t]} {_fmt(v / w[t])}")
            for t in np.flatnonzero(prog.b[rows]):
                d_lines.append(f"{c} {col[t]} {r[t]} {_fmt(prog.b[rows][t] / w[t])}")
        if h_lines:
            out += ["HCOORD", str(len(h_lines))] + h_lines + [""]
        if d_lines:
            out += ["DCOORD", str(len(d_lines))] + d_lines + [""]
    Path(path).write_text("\n".join(out) + "\n")


# --- reading ---------------------------------------------------------------------------------------------
def _cone_list(lines: list[str], what: str) -> list[tuple[str, int]]:
    out = []
    for line in lines:
        parts = line.split()
        if len(parts) != 2:
            raise ProblemDataError(f"CBF {what}: bad cone line {line!r}")
        try:
            out.append((parts[0], int(parts[1])))
        except ValueError:
            raise ProblemDataError(f"CBF {what}: bad cone line {line!r}") from None
    return out


def _relulp_cone(name: str, dim: int, what: str):
    """(cone, sign, reversed) for a CBF cone name: sign -1 for L- (rows negated), reversed for EXP."""
    if name == "L=":
        return ZeroCone(dim), 1.0, False
    if name == "L+":
        return NonnegativeCone(dim), 1.0, False
    if name == "L-":
        return NonnegativeCone(dim), -1.0, False
    if name == "Q":
        return SecondOrderCone(dim), 1.0, False
    if name == "QR":
        return RotatedSecondOrderCone(dim), 1.0, False
    if name == "EXP":
        if dim != 3:
            raise ProblemDataError(f"CBF {what}: EXP cone of dimension {dim}, expected 3")
        return ExponentialCone(), 1.0, True
    raise ProblemDataError(f"CBF {what}: cone {name!r} is not supported by relulp (F, L=, L+, L-, Q, QR, EXP, "
                           "PSDCON, PSDVAR are)")


def read_cbf(path: str | os.PathLike) -> ConicProgram:
    """Read a CBF file (see the module docstring) into a ConicProgram (a minimisation)."""
    text = Path(path).read_text()
    lines = [ln.strip() for ln in text.splitlines()]
    lines = [ln for ln in lines if ln and not ln.startswith("#")]
    pos = 0

    def take(k: int = 1) -> list[str]:
        nonlocal pos
        if pos + k > len(lines):
            raise ProblemDataError(f"CBF file {path}: unexpected end of file")
        chunk = lines[pos:pos + k]
        pos += k
        return chunk

    def ints(line: str, count: int, what: str) -> list[int]:
        parts = line.split()
        if len(parts) != count:
            raise ProblemDataError(f"CBF {what}: expected {count} integers, got {line!r}")
        try:
            return [int(p) for p in parts]
        except ValueError:
            raise ProblemDataError(f"CBF {what}: expected integers, got {line!r}") from None

    def entries(what: str, nidx: int) -> list[tuple]:
        (count,) = ints(take()[0], 1, what)
        out = []
        for line in take(count):
            parts = line.split()
            if len(parts) != nidx + 1:
                raise ProblemDataError(f"CBF {what}: bad entry {line!r}")
            try:
                out.append(tuple(int(p) for p in parts[:nidx]) + (float(parts[nidx]),))
            except ValueError:
                raise ProblemDataError(f"CBF {what}: bad entry {line!r}") from None
        return out

    sense = "MIN"
    var_cones: list[tuple[str, int]] = []
    con_cones: list[tuple[str, int]] = []
    n = m = 0
    psdvar: list[int] = []
    psdcon: list[int] = []
    data: dict[str, list[tuple]] = {k: [] for k in ("OBJACOORD", "ACOORD", "BCOORD", "OBJFCOORD", "FCOORD",
                                                      "HCOORD", "DCOORD")}
    objb = 0.0
    nidx = {"OBJACOORD": 1, "ACOORD": 2, "BCOORD": 1, "OBJFCOORD": 3, "FCOORD": 4, "HCOORD": 4, "DCOORD": 3}
    seen_ver = False
    while pos < len(lines):
        (kw,) = take()
        if kw == "VER":
            (ver,) = ints(take()[0], 1, "VER")
            if ver < 1:
                raise ProblemDataError(f"CBF version {ver} is not valid")
            seen_ver = True
        elif kw == "OBJSENSE":
            sense = take()[0].upper()
            if sense not in ("MIN", "MAX"):
                raise ProblemDataError(f"CBF OBJSENSE must be MIN or MAX, got {sense!r}")
        elif kw == "VAR":
            n, k = ints(take()[0], 2, "VAR")
            var_cones = _cone_list(take(k), "VAR")
        elif kw == "CON":
            m, k = ints(take()[0], 2, "CON")
            con_cones = _cone_list(take(k), "CON")
        elif kw in ("PSDVAR", "PSDCON"):
            (k,) = ints(take()[0], 1, kw)
            sides = [ints(line, 1, kw)[0] for line in take(k)]
            (psdvar if kw == "PSDVAR" else psdcon).extend(sides)
        elif kw == "OBJBCOORD":
            try:
                objb = float(take()[0])
            except ValueError:
                raise ProblemDataError("CBF OBJBCOORD: expected a number") from None
        elif kw in data:
            data[kw] += entries(kw, nidx[kw])
        elif kw == "INT":
            raise ProblemDataError("CBF INT: integer variables are not supported (ConicProgram is continuous)")
        else:
            raise ProblemDataError(f"CBF keyword {kw!r} is not supported by relulp")
    if not seen_ver:
        raise ProblemDataError(f"CBF file {path} has no VER")
    if sum(d for _, d in var_cones) != n or sum(d for _, d in con_cones) != m:
        raise ProblemDataError("CBF VAR/CON: the cone dimensions do not sum to the declared count")

    # columns: the n scalar variables, then the svec entries of each PSDVAR
    psd_off = np.cumsum([n] + [k * (k + 1) // 2 for k in psdvar])
    N = int(psd_off[-1])

    def psd_col(v: int, i: int, j: int, what: str) -> tuple[int, float]:
        """Column of entry (i, j) (lower, i >= j) of PSDVAR v, and <E, X> weight: 1 diagonal, sqrt2 off."""
        if not 0 <= v < len(psdvar):
            raise ProblemDataError(f"CBF {what}: no PSDVAR {v}")
        k = psdvar[v]
        if not (0 <= j <= i < k):
            raise ProblemDataError(f"CBF {what}: entry ({i}, {j}) is not in the lower triangle of a {k} x {k} matrix")
        t = i * (i + 1) // 2 + j  # relulp svec index of upper entry (j, i): column i, row j
        return int(psd_off[v]) + t, (1.0 if i == j else SQRT2)

    q = np.zeros(N)
    for j, v in data["OBJACOORD"]:
        if not 0 <= j < n:
            raise ProblemDataError(f"CBF OBJACOORD: variable {j} out of range")
        q[j] += v
    for var, i, j, v in data["OBJFCOORD"]:
        col, w = psd_col(var, i, j, "OBJFCOORD")
        q[col] += v * w
    rows, cols, vals = [], [], []
    for r, j, v in data["ACOORD"]:
        if not (0 <= r < m and 0 <= j < n):
            raise ProblemDataError(f"CBF ACOORD: entry ({r}, {j}) out of range")
        rows.append(r), cols.append(j), vals.append(v)
    for r, var, i, j, v in data["FCOORD"]:
        if not 0 <= r < m:
            raise ProblemDataError(f"CBF FCOORD: row {r} out of range")
        col, w = psd_col(var, i, j, "FCOORD")
        rows.append(r), cols.append(col), vals.append(v * w)
    G = sp.csr_array((vals, (rows, cols)), shape=(m, N))  # g = G x + h
    h = np.zeros(m)
    for r, v in data["BCOORD"]:
        if not 0 <= r < m:
            raise ProblemDataError(f"CBF BCOORD: row {r} out of range")
        h[r] += v

    blocks_A, blocks_b, cones = [], [], []
    start = 0
    for name, dim in con_cones:  # s = g = G x + h  ->  A = -G, b = h
        cone, sign, rev = _relulp_cone(name, dim, "CON")
        idx = np.arange(start, start + dim)[::-1] if rev else np.arange(start, start + dim)
        blocks_A.append(-sign * G[idx]), blocks_b.append(sign * h[idx]), cones.append(cone)
        start += dim
    # PSD constraints: G_c = sum_j x_j H_cj + D_c  ->  svec rows s = svec(G_c)
    for c, k in enumerate(psdcon):
        r_, col_ = svec_indices(k)
        w = np.where(r_ == col_, 1.0, SQRT2)
        Hr, Hc, Hv = [], [], []
        for cc, j, i, l, v in data["HCOORD"]:
            if cc != c:
                continue
            if not (0 <= j < n and 0 <= l <= i < k):
                raise ProblemDataError(f"CBF HCOORD: entry ({cc}, {j}, {i}, {l}) out of range or not lower")
            t = i * (i + 1) // 2 + l
            Hr.append(t), Hc.append(j), Hv.append(-v * w[t])
        bD = np.zeros(k * (k + 1) // 2)
        for cc, i, l, v in data["DCOORD"]:
            if cc != c:
                continue
            if not 0 <= l <= i < k:
                raise ProblemDataError(f"CBF DCOORD: entry ({cc}, {i}, {l}) out of range or not lower")
            t = i * (i + 1) // 2 + l
            bD[t] += v * w[t]
        blocks_A.append(sp.csr_array((Hv, (Hr, Hc)), shape=(bD.size, N)))
        blocks_b.append(bD)
        cones.append(PSDTriangleCone(k))
    for cc, *_ in data["HCOORD"] + data["DCOORD"]:
        if not 0 <= cc < len(psdcon):
            raise ProblemDataError(f"CBF HCOORD/DCOORD: no PSDCON {cc}")
    # variable domains: s = x_J in the cone  ->  A = -I_J, b = 0
    start = 0
    for name, dim in var_cones:
        if name != "F":
            cone, sign, rev = _relulp_cone(name, dim, "VAR")
            idx = np.arange(start, start + dim)[::-1] if rev else np.arange(start, start + dim)
            blocks_A.append(sp.csr_array((np.full(dim, -sign), (np.arange(dim), idx)), shape=(dim, N)))
            blocks_b.append(np.zeros(dim))
            cones.append(cone)
        start += dim
    for v, k in enumerate(psdvar):
        d = k * (k + 1) // 2
        blocks_A.append(sp.csr_array((-np.ones(d), (np.arange(d), psd_off[v] + np.arange(d))), shape=(d, N)))
        blocks_b.append(np.zeros(d))
        cones.append(PSDTriangleCone(k))
    A = sp.vstack(blocks_A, format="csc") if blocks_A else sp.csc_array((0, N))
    b = np.concatenate(blocks_b) if blocks_b else np.zeros(0)
    meta = {"name": Path(path).stem, "source": str(path), "sense": sense.lower()}
    if sense == "MAX":
        q, objb = -q, -objb
    return ConicProgram(q=q, A=A, b=b, cones=cones, objective_constant=objb, meta=meta)


__all__ = ["write_cbf", "read_cbf", "CBF_VERSION"]
