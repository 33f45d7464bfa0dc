"""Fuzz harness for relulp's LPs: random (and degenerate) instances and cross-checks, shared by
``tests/test_fuzz.py`` (a CI-sized hypothesis campaign) and ``benchmarks/fuzz_campaign.py`` (1,000+
instances with a summary table).

Only the public API is used: ``relulp.sample_patterns / sample_deep_patterns / enumerate_patterns``,
``relulp.PatternTree``, ``relulp.build_lp``, ``relulp.build_model``, ``relulp.recover_network``,
``relulp.export.write_lp / write_mps``, ``solvers.solve`` and ``solvers.io.read_lp_file``.

Instances (:func:`make_instance`, fully determined by an integer seed and optional overrides): n in
2..30 points, d in 1..5 features, 1-3 hidden layers with small pattern sets (each LP kept under
:data:`MAX_NNZ` nonzeros with ``PatternTree.size``), every objective, both formulations, intercept on
and off, and degenerate data (:data:`DEGENERACIES`): duplicate points, collinear points, one-class
labels / constant targets, zero rows, a point active in no pattern of the last layer, feature scales
1e-6..1e6, a zero-width eps tube, and a few genuinely bad inputs that must raise a typed error.

Checks (:func:`run_instance`), each returning :class:`Outcome` objects and never raising:

``build``     build_lp accepts good input, and bad input raises a ``relulp.RelulpError``;
``backends``  (a) HiGHS ipm, HiGHS simplex and GLPK simplex agree on the status, and on the objective
              within a relative :data:`OBJ_RTOL` when all are optimal;
``network``   (b) every optimum is re-verified by the recovered network's numpy forward pass: f on the
              training data equals the f of the LP's fit rows, the objective's own rows hold at the
              network's f (margins y f >= 1, hinge, l1 residuals, eps tube), and the objective recomputed
              from the network (sum of hinge/abs residuals + lam sum |u|) equals the LP's objective;
``pyomo``     (c) ``build_model`` solved through ``solvers.solve`` gives build_lp's status and objective;
``export``    (d) ``write_lp`` / ``write_mps`` of the SparseLP and of the Pyomo model, read back by HiGHS
              (``solvers.io.read_lp_file``) and solved, give the same status and objective;
``quiet``     ``solvers.solve`` writes nothing to stdout/stderr (file-descriptor level).

Outcome kinds: ``ok``, ``disagreement``, ``crash`` (an exception that is not a ``RelulpError``),
``unverified`` (an optimum that the forward pass or the residuals do not confirm), ``clear_error`` (a
typed ``RelulpError`` on all paths, for genuinely bad input), ``noise`` (output on stdout/stderr; not a
failure), ``skipped``. :data:`FAILURE_KINDS` are the ones the test and the campaign refuse.
"""

from __future__ import annotations

import contextlib
import logging
import math
import os
import tempfile
import time
import traceback
from dataclasses import dataclass, field
from typing import Any, Callable

import numpy as np

import relulp
import relulp.export
from relulp import solvers
import relulp.solvers.io
# ----------------------------------------------------------------------------------------------------
# configuration
# ----------------------------------------------------------------------------------------------------

OBJECTIVES_CLS = ("feasibility", "min_l1", "hinge")
OBJECTIVES_REG = ("l1", "eps")
OBJECTIVES = OBJECTIVES_CLS + OBJECTIVES_REG
FORMULATIONS = ("nested", "auxiliary")
DEGENERACIES = (
    "none", "duplicates", "collinear", "one_class", "zero_rows", "inactive_point", "tiny_scale",
    "huge_scale", "mixed_scale", "near_duplicates", "extreme_params", "zero_tube", "bad_input",
)
#: weights of :data:`DEGENERACIES` when drawn at random (most instances are ordinary).
DEGENERACY_WEIGHTS = (0.34, 0.06, 0.06, 0.06, 0.06, 0.06, 0.06, 0.06, 0.06, 0.05, 0.05, 0.04, 0.04)
#: degeneracies whose data may be refused with a typed error (``relulp.lp.ScaleError``, a DataError):
#: data no scaling makes solvable. Any other typed refusal of good input is a disagreement.
SCALE_KINDS = ("tiny_scale", "huge_scale", "mixed_scale", "near_duplicates", "extreme_params")
BAD_INPUTS = ("empty_layer", "nan_feature", "bad_label", "row_mismatch")

MAX_NNZ = 20_000
OBJ_RTOL = 1e-6          # backends / paths: |a - b| <= OBJ_RTOL * max(1, |a|, |b|)
FIT_RTOL = 1e-6          # forward pass vs LP fit rows, relative to the row's magnitude sum |a_ij x_j|
ROW_TOL = 1e-6           # objective rows at the network's f (absolute, plus FIT_RTOL of the magnitude)
RESID_TOL = 1e-6         # rel_primal_residual of a reported optimum
TIME_LIMIT = 60.0
BACKENDS = (("highs", "ipm"), ("highs", "simplex"), ("glpk", "simplex"))

OK, DISAGREEMENT, CRASH, UNVERIFIED, CLEAR_ERROR, NOISE, SKIPPED, FLAGGED = (
    "ok", "disagreement", "crash", "unverified", "clear_error", "noise", "skipped", "flagged")
# FLAGGED: some backends gave no answer -- relulp's residual check refused a solver's "optimal"
# (Status.OPTIMAL_INACCURATE, success False), or the solver itself gave up (numerical error, other) -- while
# the backends that did answer agree with each other (or none answered): nothing wrong was passed on as an
# answer. UNVERIFIED is kept for an answer that is claimed but fails an independent check.
KINDS = (OK, FLAGGED, CLEAR_ERROR, NOISE, SKIPPED, UNVERIFIED, DISAGREEMENT, CRASH)
FAILURE_KINDS = (CRASH, DISAGREEMENT, UNVERIFIED)
_SEVERITY = {SKIPPED: 0, OK: 1, FLAGGED: 2, NOISE: 2, CLEAR_ERROR: 3, UNVERIFIED: 4, DISAGREEMENT: 5, CRASH: 6}

DECISIVE = {"optimal", "infeasible", "unbounded", "infeasible_or_unbounded"}


# ----------------------------------------------------------------------------------------------------
# instances
# ----------------------------------------------------------------------------------------------------

@dataclass
class Instance:
    """One fuzz instance: data, patterns and the LP options, plus how it was made."""

    seed: int
    objective: str
    formulation: str
    fit_intercept: bool
    degeneracy: str
    X: np.ndarray
    y: np.ndarray
    patterns: list          # list of (n, P_k) bool arrays, or what a bad input made of them
    lam: float | None = None
    eps: float | None = None
    scale: float = 1.0
    pattern_source: str = ""
    bad_input: str | None = None   # set when the input is deliberately invalid

    @property
    def n(self) -> int:
        return int(np.shape(self.X)[0])

    @property
    def d(self) -> int:
        return int(np.shape(self.X)[1])

    @property
    def depth(self) -> int:
        return len(self.patterns)

    @property
    def sizes(self) -> tuple:
        return tuple(int(np.shape(D)[1]) for D in self.patterns)

    def lp_kwargs(self) -> dict:
        kw: dict[str, Any] = {"objective": self.objective, "formulation": self.formulation,
                              "fit_intercept": self.fit_intercept}
        if self.lam is not None:
            kw["lam"] = self.lam
        if self.eps is not None:
            kw["eps"] = self.eps
        return kw

    def describe(self) -> str:
        extra = f" lam={self.lam}" if self.lam is not None else ""
        extra += f" eps={self.eps}" if self.eps is not None else ""
        extra += f" bad={self.bad_input}" if self.bad_input else ""
        return (f"seed={self.seed} {self.objective}/{self.formulation} intercept={self.fit_intercept} "
                f"n={self.n} d={self.d} depth={self.depth} P={list(self.sizes)} {self.degeneracy} "
                f"scale={self.scale:g} patterns={self.pattern_source}{extra}")

    def reproducer(self) -> str:
        """Self-contained Python (public API only) that rebuilds this instance's LP."""
        np.set_printoptions(threshold=100_000, linewidth=200, precision=17)
        try:
            pats = "[" + ", ".join(f"np.array({np.asarray(D).astype(int).tolist()}, dtype=bool)"
                                   for D in self.patterns) + "]"
            return (
                "import numpy as np, relulp\nfrom relulp import solvers\n"
                f"X = np.array({np.asarray(self.X).tolist()!r})\n"
                f"y = np.array({np.asarray(self.y).tolist()!r})\n"
                f"D = {pats}\n"
                "tree = relulp.PatternTree(D)\n"
                f"lp = relulp.build_lp(tree, X, y, **{self.lp_kwargs()!r})\n"
                "print(solvers.solve(lp, backend='highs').status)\n"
            )
        finally:
            np.set_printoptions()


def _teacher(rng, Xa, width):
    """A random one-hidden-layer network on Xa: (first-layer weights, output weights, f)."""
    W = rng.normal(size=(Xa.shape[1], width))
    v = rng.choice([-1.0, 1.0], size=width) * rng.uniform(0.5, 1.5, size=width)
    return W, v, np.maximum(Xa @ W, 0.0) @ v


def _distinct_cols(D):
    _, idx = np.unique(D, axis=1, return_index=True)
    return D[:, np.sort(idx)]


def _pick(rng, options, weights=None):
    if weights is not None:
        w = np.asarray(weights, dtype=float)
        return options[int(rng.choice(len(options), p=w / w.sum()))]
    return options[int(rng.integers(len(options)))]


def _with_intercept(X, fit_intercept):
    return np.c_[X, np.ones(len(X))] if fit_intercept else np.asarray(X, dtype=float)


def _shrink(patterns, Xa, formulation, objective, lam, max_nnz):
    """Drop pattern columns (widest layer first) until the LP has at most max_nnz nonzeros."""
    patterns = [np.asarray(D) for D in patterns]
    while True:
        tree = relulp.PatternTree(patterns)
        nnz = tree.size(X=Xa, formulation=formulation, objective=objective, lam=lam).nnz
        if nnz <= max_nnz:
            return patterns
        k = int(np.argmax([D.shape[1] for D in patterns]))
        if patterns[k].shape[1] <= 1:
            return patterns
        patterns[k] = patterns[k][:, :-1]


def make_instance(seed: int, *, n: int | None = None, d: int | None = None, depth: int | None = None,
                  objective: str | None = None, formulation: str | None = None,
                  fit_intercept: bool | None = None, degeneracy: str | None = None,
                  max_nnz: int = MAX_NNZ) -> Instance:
    """A random instance, fully determined by ``seed`` and the overrides (None = drawn from the seed)."""
    rng = np.random.default_rng([20250713, int(seed)])
    degeneracy = degeneracy if degeneracy is not None else _pick(rng, DEGENERACIES, DEGENERACY_WEIGHTS)
    objective = objective if objective is not None else _pick(rng, OBJECTIVES)
    if degeneracy == "zero_tube":
        objective = "eps"
    formulation = formulation if formulation is not None else _pick(rng, FORMULATIONS)
    fit_intercept = bool(rng.integers(2)) if fit_intercept is None else bool(fit_intercept)
    depth = depth if depth is not None else int(_pick(rng, (1, 1, 2, 2, 3)))
    n = n if n is not None else int(rng.integers(2, 31))
    d = d if d is not None else int(rng.integers(1, 6))

    # data -------------------------------------------------------------------------------------
    X = rng.normal(size=(n, d))
    scale = 1.0
    if degeneracy == "duplicates" and n >= 2:
        k = int(rng.integers(1, n // 2 + 1))
        src = rng.integers(0, n - k, size=k)
        X[n - k:] = X[src]
    elif degeneracy == "collinear":
        direction = rng.normal(size=d)
        offset = rng.normal(size=d) * float(rng.integers(2))   # through the origin half of the time
        X = np.outer(rng.normal(size=n), direction) + offset
    elif degeneracy == "zero_rows":
        k = int(rng.integers(1, max(2, n // 3) + 1))
        X[rng.choice(n, size=min(k, n), replace=False)] = 0.0
    elif degeneracy in ("tiny_scale", "huge_scale"):
        exp = int(rng.integers(3, 7))
        scale = 10.0 ** (-exp if degeneracy == "tiny_scale" else exp)
    Xs = X * scale
    if degeneracy == "mixed_scale":
        # per-feature scales 1e-6..1e6, and one column whose entries spread over up to 1e9
        Xs = X * 10.0 ** rng.integers(-6, 7, size=d)[None, :]
        j = int(rng.integers(d))
        Xs[:, j] *= 10.0 ** rng.integers(-9, 1, size=n)
    elif degeneracy == "near_duplicates":
        k = int(rng.integers(1, n // 2 + 1))
        src = rng.integers(0, n - k, size=k) if n > k else np.zeros(k, dtype=int)
        Xs = X.copy()
        Xs[n - k:] = X[src] * (1.0 + 10.0 ** -float(rng.integers(6, 13)) * rng.normal(size=(k, d)))
    if degeneracy in ("mixed_scale", "near_duplicates"):
        X = Xs        # patterns and teacher on the data the LP sees
    Xa = _with_intercept(X, fit_intercept)   # patterns and teacher on the unscaled data (same signs
    Xa_s = _with_intercept(Xs, fit_intercept)  # up to the intercept's relative weight)

    # labels ------------------------------------------------------------------------------------
    teacher_width = int(rng.integers(1, 4))
    Wt, vt, ft = _teacher(rng, Xa, teacher_width)
    use_teacher = bool(rng.random() < 0.6)
    if objective in OBJECTIVES_CLS:
        if degeneracy == "one_class":
            y = np.full(n, _pick(rng, (-1.0, 1.0)))
        elif use_teacher:
            y = np.where(ft >= 0, 1.0, -1.0)
        else:
            y = rng.choice([-1.0, 1.0], size=n)
    else:
        if degeneracy == "one_class":
            y = np.full(n, float(rng.normal()))
        elif use_teacher:
            y = ft + 0.01 * rng.normal(size=n) * float(rng.integers(2))
        else:
            y = rng.normal(size=n)
        y = np.round(y, 6)

    lam = eps = None
    if objective in ("hinge", "l1") and rng.random() < 0.6:
        lam = float(_pick(rng, (0.0, 1e-3, 0.1, 1.0)))
    if objective == "eps":
        eps = 0.0 if degeneracy == "zero_tube" else (float(_pick(rng, (0.01, 0.1, 1.0))) if rng.random() < 0.7 else None)
    if degeneracy == "extreme_params":
        # huge/tiny regularisation weights and tube widths, targets far from the data's scale
        if objective in ("hinge", "l1"):
            lam = float(_pick(rng, (1e-9, 1e-6, 1e3, 1e6)))
        if objective == "eps":
            eps = float(_pick(rng, (1e-9, 1e-6, 1e3)))
        if objective in OBJECTIVES_REG:
            y = np.round(y * 10.0 ** float(rng.integers(-6, 7)), 12)

    # patterns ----------------------------------------------------------------------------------
    pseed = int(rng.integers(2**31))
    if depth == 1:
        src = _pick(rng, ("sample", "sample", "enumerate")) if n <= 14 and d <= 3 else "sample"
        if src == "enumerate":
            D1 = relulp.enumerate_patterns(X, fit_intercept=fit_intercept)
            if D1.shape[1] > 24:
                D1 = D1[:, np.sort(rng.choice(D1.shape[1], size=24, replace=False))]
            patterns = [D1]
        else:
            patterns = [relulp.sample_patterns(X, int(rng.integers(1, 21)), seed=pseed, fit_intercept=fit_intercept)]
    else:
        src = "deep"
        widths = [int(rng.integers(1, 5 if depth == 2 else 3)) for _ in range(depth)]
        patterns = relulp.sample_deep_patterns(X, widths, seed=pseed, fit_intercept=fit_intercept)
    if use_teacher and objective in OBJECTIVES_CLS + OBJECTIVES_REG:
        # the teacher's patterns in layer 1 and an all-ones pattern above: often a feasible LP
        patterns[0] = _distinct_cols(np.c_[Xa @ Wt >= 0, patterns[0]])
        for k in range(1, len(patterns)):
            patterns[k] = _distinct_cols(np.c_[np.ones(n, dtype=bool), patterns[k]])
        src += "+teacher"
    if degeneracy == "inactive_point":
        i = int(rng.integers(n))
        patterns[-1] = patterns[-1].copy()
        patterns[-1][i, :] = False
        src += f"+inactive[{i}]"
    Xa_s = _with_intercept(Xs, fit_intercept)
    patterns = _shrink(patterns, Xa_s, formulation, objective, lam, max_nnz)

    inst = Instance(seed=int(seed), objective=objective, formulation=formulation, fit_intercept=fit_intercept,
                    degeneracy=degeneracy, X=Xs, y=y, patterns=patterns, lam=lam, eps=eps, scale=scale,
                    pattern_source=src)
    if degeneracy == "bad_input":
        kind = _pick(rng, BAD_INPUTS)
        inst.bad_input = kind
        if kind == "empty_layer":
            k = int(rng.integers(len(patterns)))
            inst.patterns = [D if j != k else D[:, :0] for j, D in enumerate(patterns)]
        elif kind == "nan_feature":
            inst.X = Xs.copy()
            inst.X[int(rng.integers(n)), int(rng.integers(d))] = np.nan
        elif kind == "bad_label":
            inst.y = y.copy()
            inst.y[int(rng.integers(n))] = np.nan if objective in OBJECTIVES_REG else 0.5
        else:  # row_mismatch: one more data row than pattern rows
            inst.X = np.r_[Xs, Xs[:1]]
            inst.y = np.r_[y, y[:1]]
    return inst


# ----------------------------------------------------------------------------------------------------
# outcomes
# ----------------------------------------------------------------------------------------------------

@dataclass
class Outcome:
    """The result of one check on one instance."""

    check: str
    kind: str
    detail: str = ""
    error_type: str | None = None

    @property
    def failed(self) -> bool:
        return self.kind in FAILURE_KINDS


@dataclass
class Report:
    """All outcomes of one instance."""

    instance: Instance
    outcomes: list[Outcome] = field(default_factory=list)
    seconds: float = 0.0
    statuses: dict = field(default_factory=dict)

    @property
    def kind(self) -> str:
        """The worst outcome kind of the instance."""
        kinds = [o.kind for o in self.outcomes] or [SKIPPED]
        return max(kinds, key=_SEVERITY.__getitem__)

    @property
    def failures(self) -> list[Outcome]:
        return [o for o in self.outcomes if o.failed]

    def summary(self) -> str:
        lines = [self.instance.describe()]
        for o in self.outcomes:
            if o.kind not in (OK, SKIPPED):
                lines.append(f"  [{o.check}] {o.kind}{' ' + o.error_type if o.error_type else ''}: {o.detail}")
        return "\n".join(lines)


@dataclass
class _Call:
    value: Any = None
    error: BaseException | None = None
    tb: str = ""
    output: str = ""

    @property
    def typed(self) -> bool:
        return isinstance(self.error, relulp.RelulpError)

    @property
    def error_type(self) -> str | None:
        return None if self.error is None else type(self.error).__name__

    def short(self) -> str:
        return f"{type(self.error).__name__}: {str(self.error)[:200]}"


@contextlib.contextmanager
def _capture_fds():
    """Capture what is written to file descriptors 1 and 2 (C libraries included)."""
    box = {"text": ""}
    saved = []
    try:
        tmp = tempfile.TemporaryFile(mode="w+b")
        for fd in (1, 2):
            try:
                os.fsync(fd)
            except OSError:
                pass
            saved.append((fd, os.dup(fd)))
            os.dup2(tmp.fileno(), fd)
    except OSError:  # no real file descriptors: capture nothing
        for fd, old in saved:
            os.dup2(old, fd)
            os.close(old)
        yield box
        return
    try:
        yield box
    finally:
        import sys

        for stream in (sys.stdout, sys.stderr):
            with contextlib.suppress(Exception):
                stream.flush()
        for fd, old in saved:
            os.dup2(old, fd)
            os.close(old)
        tmp.seek(0)
        box["text"] = tmp.read().decode("utf-8", "replace")
        tmp.close()


def _call(fn: Callable, *args, capture: bool = False, **kwargs) -> _Call:
    out = _Call()
    try:
        if capture:
            with _capture_fds() as box:
                try:
                    out.value = fn(*args, **kwargs)
                finally:
                    pass
            out.output = box["text"]
        else:
            out.value = fn(*args, **kwargs)
    except Exception as e:  # noqa: BLE001 - the harness must never raise through
        out.error = e
        out.tb = traceback.format_exc(limit=6)
    return out


def _status(res) -> str:
    return getattr(res.status, "value", str(res.status)).lower() if res is not None else "none"


def _status_name(res) -> str:
    s = res.status
    return str(getattr(s, "name", s)).lower()


def _compatible(a: str, b: str) -> bool:
    if a == b:
        return True
    iu = {"infeasible", "unbounded"}
    return (a == "infeasible_or_unbounded" and b in iu) or (b == "infeasible_or_unbounded" and a in iu)


def _obj_close(a, b, rtol=OBJ_RTOL) -> bool:
    if a is None or b is None or not (math.isfinite(a) and math.isfinite(b)):
        return False
    return abs(a - b) <= rtol * max(1.0, abs(a), abs(b))


def _c_l1(res) -> float:
    """sum |c| of the LP a Result solved, when the Result carries it (else 0: no slack)."""
    c = getattr(res, "c_l1", None)
    return float(c) if c is not None else 0.0


def _compare(check: str, answers: dict[str, _Call]) -> Outcome:
    """Compare several solve calls (name -> _Call holding a Result) on status and objective."""
    errs = {k: c for k, c in answers.items() if c.error is not None}
    untyped = {k: c for k, c in errs.items() if not c.typed}
    if untyped:
        k, c = next(iter(untyped.items()))
        return Outcome(check, CRASH, f"{k}: {c.short()}", c.error_type)
    if errs and len(errs) == len(answers):
        types = sorted({c.error_type for c in errs.values()})
        return Outcome(check, CLEAR_ERROR, "; ".join(f"{k}: {c.short()}" for k, c in errs.items()), ",".join(types))
    if errs:
        k, c = next(iter(errs.items()))
        others = ", ".join(f"{n}={_status_name(a.value)}" for n, a in answers.items() if a.error is None)
        return Outcome(check, DISAGREEMENT, f"{k} raised {c.short()} while {others}", c.error_type)
    names = list(answers)
    st = {k: _status_name(answers[k].value) for k in names}
    decided = [k for k in names if st[k] in DECISIVE]
    for a in decided:
        for b in decided:
            if not _compatible(st[a], st[b]):
                return Outcome(check, DISAGREEMENT, "statuses " + ", ".join(f"{n}={s}" for n, s in st.items()))
    flagged = [k for k in names if st[k] not in DECISIVE]
    if not decided:  # no backend claims an answer: nothing to compare, nothing wrong passed on
        return Outcome(check, FLAGGED, "no answer: " + ", ".join(f"{n}={s}" for n, s in st.items()))
    if flagged:
        names = decided  # compare the verified answers among themselves below
    ref = names[0]
    if all(st[k] == "optimal" for k in names):
        objs = {k: answers[k].value.objective for k in names}
        for k in names[1:]:
            # relative OBJ_RTOL, plus what the two points' own row violations can explain
            # (sum |c| * primal residual: e.g. n slacks each off by the solver's feasibility tolerance)
            ra, rb = answers[ref].value, answers[k].value
            slack = max(_c_l1(ra) * (ra.primal_residual or 0.0), _c_l1(rb) * (rb.primal_residual or 0.0))
            if not _obj_close(objs[ref], objs[k]) and not (
                    objs[ref] is not None and objs[k] is not None and abs(objs[ref] - objs[k]) <= slack
                    + OBJ_RTOL * max(1.0, abs(objs[ref]), abs(objs[k]))):
                return Outcome(check, DISAGREEMENT, "objectives " + ", ".join(f"{n}={o!r}" for n, o in objs.items()))
    return Outcome(check, FLAGGED if flagged else OK, ", ".join(f"{n}={s}" for n, s in st.items()))


# ----------------------------------------------------------------------------------------------------
# check (b): the recovered network's forward pass
# ----------------------------------------------------------------------------------------------------

def verify_optimum(lp, res, X, y) -> tuple[str, str]:
    """(kind, detail): re-verify one optimal Result of a build_lp LP with the recovered network."""
    x = np.asarray(res.x, dtype=np.float64)
    rel_res = res.rel_primal_residual
    if rel_res is None or not math.isfinite(rel_res) or rel_res > RESID_TOL:
        return UNVERIFIED, f"rel_primal_residual={rel_res!r} > {RESID_TOL}"
    net = relulp.recover_network(lp, x)
    f_net = np.asarray(net.decision_function(X), dtype=np.float64)
    meta = lp.meta
    obj = meta["objective"]
    lam = float(meta.get("lam", 0.0) or 0.0)
    y = np.asarray(y, dtype=np.float64)
    # An LP may be scaled internally (SparseLP.col_scale / objective_scale): read u and the objective in
    # original units through the LP's own methods when it has them.
    x_orig = lp.unscale(x) if hasattr(lp, "unscale") else x
    lp_value = float(lp.original_objective(x)) if hasattr(lp, "original_objective") else float(res.objective)
    u = x_orig[lp.col_block("u").slice]
    aux = None
    for name in ("xi", "e"):
        try:
            aux = x[lp.col_block(name).slice]
        except Exception:  # noqa: BLE001 - the block does not exist for this objective
            continue
    # the LP's own f from its fit rows (docs/lp.md): margin_i = y_i f_i (+ xi_i), resid_pos_i = f_i - e_i,
    # resid_neg_i = f_i + e_i, tube_i = f_i
    A = lp.A
    absA = abs(A)
    fit = {"feasibility": ("margin", y, 0.0), "min_l1": ("margin", y, 0.0), "hinge": ("margin", y, 1.0),
           "l1": ("resid_pos", 1.0, -1.0), "eps": ("tube", 1.0, 0.0)}[obj]
    blk = lp.row_block(fit[0]).slice
    act = (A[blk] @ x)
    mag = (absA[blk] @ np.abs(x)) + 1.0
    coef = fit[2]
    f_lp = (act - (coef * aux if coef else 0.0)) / fit[1]
    err = np.abs(f_net - f_lp) / mag
    if not np.all(np.isfinite(f_net)):
        return UNVERIFIED, "network output is not finite"
    if err.max() > FIT_RTOL:
        i = int(np.argmax(err))
        return UNVERIFIED, (f"forward pass f={f_net[i]!r} but the LP's fit row gives f={f_lp[i]!r} at point {i} "
                            f"(relative {err.max():.2e}); cone rows not honoured")
    tol = ROW_TOL + FIT_RTOL * mag
    l1u = float(np.abs(u).sum())
    if obj in ("feasibility", "min_l1"):
        viol = (1.0 - y * f_net) - tol
        if viol.max() > 0:
            i = int(np.argmax(viol))
            return UNVERIFIED, f"margin y f = {y[i] * f_net[i]!r} < 1 at point {i}"
        value = l1u if obj == "min_l1" else 0.0
    elif obj == "hinge":
        value = float(np.maximum(0.0, 1.0 - y * f_net).sum()) + lam * l1u
    elif obj == "l1":
        value = float(np.abs(f_net - y).sum()) + lam * l1u
    else:
        eps = float(meta.get("eps", 0.0))
        viol = np.abs(f_net - y) - eps - tol
        if viol.max() > 0:
            i = int(np.argmax(viol))
            return UNVERIFIED, f"|f - y| = {abs(f_net[i] - y[i])!r} > eps={eps} at point {i}"
        value = lam * l1u if lam > 0 else 0.0
    otol = OBJ_RTOL * max(1.0, abs(value), abs(lp_value)) + float(tol.sum()) * (obj in ("hinge", "l1"))
    if abs(value - lp_value) > otol:
        return UNVERIFIED, (f"objective from the network {value!r} != LP objective {lp_value!r} "
                            f"(solver's c@x {res.objective!r})")
    return OK, f"max fit error {err.max():.1e}"


# ----------------------------------------------------------------------------------------------------
# the checks of one instance
# ----------------------------------------------------------------------------------------------------

def _solve(problem, backend, method):
    res = solvers.solve(problem, backend=backend, method=method, time_limit=TIME_LIMIT)
    c = getattr(problem, "c", None)
    res.c_l1 = float(np.abs(c).sum()) if isinstance(c, np.ndarray) else None
    return res


def _roundtrip(writer, problem, path):
    writer(problem, path)
    lp2 = solvers.io.read_lp_file(path)
    res = solvers.solve(lp2, backend="highs", method="ipm", time_limit=TIME_LIMIT)
    res.c_l1 = float(np.abs(lp2.c).sum())
    return res


@contextlib.contextmanager
def _quiet_pyomo():
    log = logging.getLogger("pyomo")
    old = log.level
    log.setLevel(logging.ERROR)
    try:
        yield
    finally:
        log.setLevel(old)


def run_instance(inst: Instance, *, checks=("backends", "network", "pyomo", "export", "quiet"),
                 tmpdir: str | None = None) -> Report:
    """Run every check on one instance; never raises."""
    t0 = time.perf_counter()
    rep = Report(inst)
    try:
        _run(inst, rep, set(checks), tmpdir)
    except Exception as e:  # noqa: BLE001 - a bug in the harness itself must still be counted
        rep.outcomes.append(Outcome("harness", CRASH, f"{type(e).__name__}: {e}\n{traceback.format_exc(limit=4)}",
                                    type(e).__name__))
    rep.seconds = time.perf_counter() - t0
    return rep


def _run(inst: Instance, rep: Report, checks: set, tmpdir: str | None) -> None:
    out = rep.outcomes
    kw = inst.lp_kwargs()

    # build ---------------------------------------------------------------------------------------
    built = _call(lambda: relulp.build_lp(relulp.PatternTree(inst.patterns), inst.X, inst.y, **kw))
    if inst.bad_input:
        if built.error is None:
            out.append(Outcome("build", DISAGREEMENT, f"bad input ({inst.bad_input}) accepted by build_lp"))
        elif built.typed:
            out.append(Outcome("build", CLEAR_ERROR, built.short(), built.error_type))
        else:
            out.append(Outcome("build", CRASH, built.short() + "\n" + built.tb, built.error_type))
        if "pyomo" in checks:
            m = _call(lambda: relulp.build_model(relulp.PatternTree(inst.patterns), inst.X, inst.y, **kw))
            if m.error is None:
                out.append(Outcome("pyomo", DISAGREEMENT, f"bad input ({inst.bad_input}) accepted by build_model"))
            elif m.typed:
                out.append(Outcome("pyomo", CLEAR_ERROR, m.short(), m.error_type))
            else:
                out.append(Outcome("pyomo", CRASH, m.short() + "\n" + m.tb, m.error_type))
        return
    if built.error is not None:
        # good input must build; a typed refusal of good input is a defect of the library, except a
        # DataError for data at the extreme scales (documented: relulp.lp.ScaleError)
        if built.typed and inst.degeneracy in SCALE_KINDS and isinstance(built.error, relulp.DataError):
            out.append(Outcome("build", CLEAR_ERROR, built.short(), built.error_type))
            if "pyomo" in checks:   # build_model must refuse it the same way
                m = _call(lambda: relulp.build_model(relulp.PatternTree(inst.patterns), inst.X, inst.y, **kw))
                if m.error is None:
                    out.append(Outcome("pyomo", DISAGREEMENT, f"build_model accepts what build_lp refused ({built.short()})"))
                elif not m.typed:
                    out.append(Outcome("pyomo", CRASH, m.short() + "\n" + m.tb, m.error_type))
                else:
                    out.append(Outcome("pyomo", CLEAR_ERROR, m.short(), m.error_type))
            return
        out.append(Outcome("build", DISAGREEMENT if built.typed else CRASH, built.short(), built.error_type))
        return
    lp = built.value
    out.append(Outcome("build", OK, f"{lp.num_rows}x{lp.num_cols} nnz={lp.nnz}"))

    # (a) backends -----------------------------------------------------------------------------------
    answers = {f"{b}:{m}": _call(_solve, lp, b, m, capture="quiet" in checks) for b, m in BACKENDS}
    rep.statuses = {k: (_status_name(c.value) if c.error is None else c.error_type) for k, c in answers.items()}
    out.append(_compare("backends", answers))
    noisy = {k: c.output for k, c in answers.items() if c.output.strip()}
    if "quiet" in checks:
        if noisy:
            k, text = next(iter(noisy.items()))
            out.append(Outcome("quiet", NOISE, f"{k} printed {text.strip()[:120]!r}"))
        else:
            out.append(Outcome("quiet", OK))
    ref = answers["highs:ipm"]

    # (b) forward pass of every optimum --------------------------------------------------------------
    if "network" in checks:
        verified = []
        for k, c in answers.items():
            if c.error is None and _status_name(c.value) == "optimal":
                v = _call(verify_optimum, lp, c.value, inst.X, inst.y)
                if v.error is not None:
                    verified.append(Outcome("network", CRASH if not v.typed else DISAGREEMENT,
                                            f"{k}: verifying raised {v.short()}", v.error_type))
                else:
                    kind, detail = v.value
                    verified.append(Outcome("network", kind, f"{k}: {detail}"))
        if verified:
            out.append(max(verified, key=lambda o: _SEVERITY[o.kind]))
        else:
            out.append(Outcome("network", SKIPPED, "no optimum"))

    # (c) build_model through solvers.solve ----------------------------------------------------------
    model = None
    if "pyomo" in checks or "export" in checks:
        with _quiet_pyomo():
            mb = _call(lambda: relulp.build_model(relulp.PatternTree(inst.patterns), inst.X, inst.y, **kw))
        if mb.error is not None:
            out.append(Outcome("pyomo", CRASH if not mb.typed else DISAGREEMENT,
                               f"build_model raised {mb.short()} where build_lp built the LP", mb.error_type))
        else:
            model = mb.value
            if "pyomo" in checks:
                with _quiet_pyomo():
                    ms = _call(_solve, model, "highs", "ipm")
                out.append(_compare("pyomo", {"build_lp": ref, "build_model": ms}))

    # (d) export round trips -------------------------------------------------------------------------
    if "export" in checks:
        own = tmpdir is None
        d = tempfile.mkdtemp(prefix="relulp-fuzz-") if own else tmpdir
        try:
            trips = {}
            sources = [("lp", lp)] + ([("model", model)] if model is not None else [])
            for sname, src in sources:
                for fmt, writer in (("lp", relulp.export.write_lp), ("mps", relulp.export.write_mps)):
                    path = os.path.join(d, f"fuzz_{inst.seed}_{sname}.{fmt}")
                    with _quiet_pyomo():
                        trips[f"{sname}->.{fmt}"] = _call(_roundtrip, writer, src, path)
            out.append(_compare("export", {"build_lp": ref, **trips}))
        finally:
            if own:
                import shutil

                shutil.rmtree(d, ignore_errors=True)


# ----------------------------------------------------------------------------------------------------
# campaigns
# ----------------------------------------------------------------------------------------------------

def campaign(seeds, *, progress: Callable[[Report], None] | None = None, **make_kwargs) -> list[Report]:
    """Run :func:`run_instance` on ``make_instance(seed)`` for each seed (generation errors included)."""
    reports = []
    with tempfile.TemporaryDirectory(prefix="relulp-fuzz-") as tmp:
        for s in seeds:
            t0 = time.perf_counter()
            g = _call(make_instance, s, **make_kwargs)
            if g.error is not None:
                dummy = Instance(seed=int(s), objective="?", formulation="?", fit_intercept=False, degeneracy="?",
                                 X=np.zeros((0, 0)), y=np.zeros(0), patterns=[])
                rep = Report(dummy, [Outcome("generate", CRASH if not g.typed else DISAGREEMENT,
                                             g.short() + "\n" + g.tb, g.error_type)])
                rep.seconds = time.perf_counter() - t0
            else:
                rep = run_instance(g.value, tmpdir=tmp)
            reports.append(rep)
            if progress is not None:
                progress(rep)
    return reports


def count(reports) -> dict:
    """Counts per instance kind, per check and kind, and per (objective, depth) and kind."""
    per_instance: dict[str, int] = {k: 0 for k in KINDS}
    per_check: dict[tuple, int] = {}
    per_group: dict[tuple, dict[str, int]] = {}
    for r in reports:
        per_instance[r.kind] = per_instance.get(r.kind, 0) + 1
        for o in r.outcomes:
            per_check[(o.check, o.kind)] = per_check.get((o.check, o.kind), 0) + 1
        g = per_group.setdefault((r.instance.objective, r.instance.depth), {k: 0 for k in KINDS})
        g[r.kind] += 1
    return {"instances": per_instance, "checks": per_check, "groups": per_group}


def failure_counts(reports) -> dict[str, int]:
    """Number of failing outcomes per failure kind (crash, disagreement, unverified)."""
    c = {k: 0 for k in FAILURE_KINDS}
    for r in reports:
        for o in r.failures:
            c[o.kind] += 1
    return c


# ----------------------------------------------------------------------------------------------------
# shrinking a failing instance to a small reproducer
# ----------------------------------------------------------------------------------------------------

def _subset(inst: Instance, rows=None, layer=None, cols=None) -> Instance:
    import copy

    new = copy.copy(inst)
    if rows is not None:
        new.X, new.y = np.asarray(inst.X)[rows], np.asarray(inst.y)[rows]
        new.patterns = [np.asarray(D)[rows] for D in inst.patterns]
    if layer is not None:
        new.patterns = [np.asarray(D)[:, cols] if k == layer else D for k, D in enumerate(new.patterns)]
    return new


def minimize(inst: Instance, checks=("backends",), kinds=FAILURE_KINDS, max_rounds: int = 3) -> Instance:
    """Greedily drop data points and pattern columns while ``run_instance(..., checks)`` still has a
    failing outcome of the same check and kind (a small reproducer for a report)."""
    def signature(i):
        rep = run_instance(i, checks=checks)
        return {(o.check, o.kind) for o in rep.outcomes if o.kind in kinds}

    target = signature(inst)
    if not target:
        return inst
    cur = inst
    for _ in range(max_rounds):
        changed = False
        i = 0
        while i < cur.n and cur.n > 1:
            cand = _subset(cur, rows=[r for r in range(cur.n) if r != i])
            if signature(cand) & target:
                cur, changed = cand, True
            else:
                i += 1
        for k in range(cur.depth):
            j = 0
            while j < cur.sizes[k] and cur.sizes[k] > 1:
                cand = _subset(cur, layer=k, cols=[c for c in range(cur.sizes[k]) if c != j])
                if signature(cand) & target:
                    cur, changed = cand, True
                else:
                    j += 1
        if not changed:
            break
    return cur
