"""The tree of activation-pattern variables behind the multi-layer LP (math.md §3, (LPL)).

Layers are numbered from the input: hidden layer 1 is the first, hidden layer L the last. Tree levels
are numbered the same way: the root is the network output (level L+1), its 2 P_L children are level-L
nodes, every level-k node (k >= 2) has 2 P_{k-1} children, and the leaves are the level-1 nodes. A node
at level k is one *digit* a_k in [0, 2 P_k): pattern index j_k = a_k // 2 and sign s_k = +1 if a_k is
even, -1 if odd (the paper's ordering (u'_1, u_1, ..., u'_P, u_P), u' carrying the + sign).

A node is identified by its path from the root (a_L, ..., a_k). Nodes of one level are numbered in
C order of that path (a_L most significant): the *prefix index* p. The leaves below prefix p of level k
are the leaf indices p * B_k + q, q in [0, B_k), with B_k = prod_{m<k} 2 P_m. Labels spell the path,
outermost first, e.g. ``p5_m3`` = (j_2 = 5, s_2 = +1) -> (j_1 = 3, s_1 = -1); they are the Pyomo index
labels of :func:`relulp.build_model` and the block labels of :func:`relulp.build_lp`.

Sizes are computed arithmetically (:meth:`PatternTree.size`), so a user sees them before anything is
allocated; the networkx graph is only built on request (:attr:`PatternTree.graph`).
"""

from __future__ import annotations

import itertools
import math
from dataclasses import dataclass, field
from functools import cached_property
from collections.abc import Sequence

import numpy as np

from .exceptions import ModelSizeError, PatternError, UnknownOptionError
from .objectives import ObjectiveSpec, objective_spec

FORMULATIONS = ("nested", "auxiliary")

#: Largest tree :attr:`PatternTree.graph` builds without ``max_nodes=`` being raised.
DEFAULT_GRAPH_NODES = 200_000


def _as_pattern_list(patterns) -> list[np.ndarray]:
    if isinstance(patterns, np.ndarray):
        patterns = [patterns]
    try:
        layers = list(patterns)
    except TypeError:
        raise PatternError("patterns must be an (n, P) array or a list of them") from None
    if len(layers) < 1:
        raise PatternError("a pattern tree needs depth >= 1 (at least one hidden layer of patterns)")
    out = []
    n = None
    for k, D in enumerate(layers, start=1):
        arr = np.asarray(D)
        if arr.ndim != 2:
            raise PatternError(f"pattern layer {k} must be a 2-D (n, P_k) array, got shape {arr.shape}")
        if arr.shape[1] == 0:
            raise PatternError(f"pattern layer {k} is empty (P_{k} = 0)")
        if arr.shape[0] == 0:
            raise PatternError(f"pattern layer {k} has no data rows")
        if arr.dtype != np.bool_:
            if not np.isin(arr, (0, 1)).all():
                raise PatternError(f"pattern layer {k} must be boolean or 0/1")
            arr = arr.astype(bool)
        if n is None:
            n = arr.shape[0]
        elif arr.shape[0] != n:
            raise PatternError(f"pattern layer {k} has {arr.shape[0]} rows, layer 1 has {n}")
        out.append(np.ascontiguousarray(arr))
    return out


def _fmt_bytes(b: float) -> str:
    for unit in ("B", "KiB", "MiB", "GiB"):
        if b < 1024 or unit == "GiB":
            return f"{b:,.0f} {unit}" if unit == "B" else f"{b:,.2f} {unit}"
        b /= 1024
    return f"{b:,.2f} TiB"


def digit_label(a: int) -> str:
    """Label of one tree digit: ``p<j>`` for sign +1, ``m<j>`` for sign -1."""
    return f"{'p' if a % 2 == 0 else 'm'}{a // 2}"


class NodeLabels(Sequence):
    """Lazy ``Sequence[str]`` of the node labels of one tree level, in prefix order."""

    def __init__(self, tree: "PatternTree", level: int):
        self._tree, self._level = tree, level
        self._len = tree.num_nodes(level)

    def __len__(self) -> int:
        return self._len

    def __getitem__(self, p):
        if isinstance(p, slice):
            return [self[i] for i in range(*p.indices(self._len))]
        if p < 0:
            p += self._len
        if not 0 <= p < self._len:
            raise IndexError(p)
        return "_".join(digit_label(a) for a in self._tree.node_path(self._level, p))

    def __iter__(self):
        return iter(self._tree.node_labels(self._level))

    def __repr__(self) -> str:
        return f"NodeLabels(level={self._level}, len={self._len})"


@dataclass
class LevelSize:
    """Size of one family of rows or columns of the LP (see :meth:`PatternTree.size`)."""

    family: str
    level: int | None
    rows: int = 0
    cols: int = 0
    nnz: int = 0


@dataclass
class TreeSize:
    """Exact LP size, computed without building anything. ``per_family`` lists each row/column family."""

    formulation: str
    objective: str
    n: int
    d: int
    leaves: int
    per_family: list[LevelSize] = field(default_factory=list)

    @property
    def rows(self) -> int:
        return sum(f.rows for f in self.per_family)

    @property
    def cols(self) -> int:
        return sum(f.cols for f in self.per_family)

    @property
    def nnz(self) -> int:
        return sum(f.nnz for f in self.per_family)

    def bytes_estimate(self) -> int:
        """Peak bytes of :func:`relulp.build_lp`: CSR data (8 B) + index (8 B) per nonzero while the
        blocks are stacked (two copies), plus per-row and per-column vectors."""
        return 2 * 16 * self.nnz + 24 * self.rows + 32 * self.cols

    def pyomo_bytes_estimate(self) -> int:
        """Bytes of the Pyomo model of :func:`relulp.build_model` (measured: ~360 B per nonzero on the spiral
        LP, 4.5 nonzeros per row): 200 B per nonzero + 800 B per row + 300 B per column."""
        return 200 * self.nnz + 800 * self.rows + 300 * self.cols

    def table(self) -> str:
        lines = [f"{'family':<12}{'level':>6}{'rows':>14}{'cols':>14}{'nnz':>16}"]
        for f in self.per_family:
            lvl = "" if f.level is None else str(f.level)
            lines.append(f"{f.family:<12}{lvl:>6}{f.rows:>14,}{f.cols:>14,}{f.nnz:>16,}")
        lines.append(f"{'total':<12}{'':>6}{self.rows:>14,}{self.cols:>14,}{self.nnz:>16,}")
        return "\n".join(lines)


def _objective_families(spec: ObjectiveSpec, n: int, f_nnz: int, num_u: int) -> list[LevelSize]:
    """Row/column families an objective adds (for :meth:`PatternTree.size`): its fit rows (f plus, where
    the point column enters, one more nonzero per row), the point column, and t with its |u| rows."""
    out = []
    for fr in spec.objective.fit_rows:
        out.append(LevelSize(fr.name, None, rows=n, nnz=f_nnz + (n if fr.point_coef else 0)))
    if spec.point_column:
        out.append(LevelSize(spec.point_column, None, cols=n))
    if spec.l1_weight > 0:
        out.append(LevelSize("t", None, cols=num_u))
        out.append(LevelSize("abs_pos", None, rows=num_u, nnz=2 * num_u))
        out.append(LevelSize("abs_neg", None, rows=num_u, nnz=2 * num_u))
    return out


class PatternTree:
    """Tree of activation-pattern variables (math.md §3).

    Parameters
    ----------
    patterns : (n, P) bool array, or list of (n, P_k) bool arrays
        Activation patterns per hidden layer, first hidden layer first. Column j of layer k is the
        pattern D^(k)_j (1 = active).
    """

    def __init__(self, patterns: np.ndarray | Sequence[np.ndarray]):
        self.patterns: list[np.ndarray] = _as_pattern_list(patterns)
        self.depth: int = len(self.patterns)
        self.n: int = self.patterns[0].shape[0]
        self.sizes: tuple[int, ...] = tuple(D.shape[1] for D in self.patterns)

    # counts ---------------------------------------------------------------------------------
    def branching(self, level: int) -> int:
        """Number of digits at a level: 2 P_level."""
        self._check_level(level)
        return 2 * self.sizes[level - 1]

    def num_nodes(self, level: int) -> int:
        """Nodes at a level (1..L): prod_{m >= level} 2 P_m; level L+1 (the root) has one."""
        if level == self.depth + 1:
            return 1
        self._check_level(level)
        return math.prod(2 * p for p in self.sizes[level - 1 :])

    def leaves_below(self, level: int) -> int:
        """B_level = prod_{m < level} 2 P_m: leaves under one node of that level (1 for a leaf)."""
        if not 1 <= level <= self.depth + 1:
            raise PatternError(f"level must be in 1..{self.depth + 1}")
        return math.prod(2 * p for p in self.sizes[: level - 1])

    @property
    def num_leaves(self) -> int:
        return self.num_nodes(1)

    def num_variables(self, d: int) -> int:
        """Leaf variables: d * prod_k 2 P_k."""
        return d * self.num_leaves

    # digits ---------------------------------------------------------------------------------
    def signs(self, level: int) -> np.ndarray:
        """s(a) for the digits a = 0..2P_level-1 of a level: +1, -1, +1, ... (float64)."""
        return np.tile([1.0, -1.0], self.sizes[level - 1])

    def pattern_index(self, level: int) -> np.ndarray:
        """j(a) = a // 2 for the digits of a level."""
        return np.repeat(np.arange(self.sizes[level - 1]), 2)

    def signed_gates(self, level: int) -> np.ndarray:
        """E_level (n, 2 P_level): entry (i, a) = s(a) * D^(level)[i, j(a)]."""
        D = self.patterns[level - 1].astype(np.float64)
        return np.repeat(D, 2, axis=1) * self.signs(level)

    def sign_matrix(self, level: int) -> np.ndarray:
        """S_level (n, P_level) = 2 D^(level) - 1: the cone-row signs."""
        return 2.0 * self.patterns[level - 1] - 1.0

    def digit_of_prefix(self, level: int) -> np.ndarray:
        """For each node of a level (prefix index p), its own digit a_level = p mod 2 P_level."""
        return np.arange(self.num_nodes(level)) % self.branching(level)

    # labels ---------------------------------------------------------------------------------
    def node_labels(self, level: int) -> list[str]:
        """Labels of the nodes of a level in prefix order, e.g. ``p5_m3`` (outermost digit first)."""
        self._check_level(level)
        per_level = [[digit_label(a) for a in range(self.branching(m))] for m in range(self.depth, level - 1, -1)]
        return ["_".join(t) for t in itertools.product(*per_level)]

    def leaf_labels(self) -> list[str]:
        return self.node_labels(1)

    def labels(self, level: int) -> "NodeLabels":
        """A lazy sequence of the node labels of a level (no strings made until asked)."""
        self._check_level(level)
        return NodeLabels(self, level)

    def node_path(self, level: int, p: int) -> tuple[int, ...]:
        """Digits (a_L, ..., a_level) of the node with prefix index p."""
        shape = tuple(self.branching(m) for m in range(self.depth, level - 1, -1))
        return tuple(int(a) for a in np.unravel_index(p, shape))

    # sizes ----------------------------------------------------------------------------------
    def size(self, d: int | None = None, *, X: np.ndarray | None = None, formulation: str = "nested",
             objective: str = "feasibility", lam: float | None = None) -> TreeSize:
        """Exact rows, columns and nonzeros of the LP per family, without building it.

        Give ``d`` (dense data assumed) or the design matrix ``X`` (n, d) (exact, zeros of X skipped;
        pass the matrix with its intercept column if the LP uses one).
        """
        if formulation not in FORMULATIONS:
            raise UnknownOptionError(f"unknown formulation {formulation!r}; choose from {FORMULATIONS}")
        spec = objective_spec(objective, lam)
        if X is not None:
            X = np.asarray(X)
            d = X.shape[1]
            nnz_x = np.count_nonzero(X, axis=1).astype(np.int64)
        elif d is None:
            raise ValueError("give d or X")
        else:
            nnz_x = np.full(self.n, d, dtype=np.int64)
        n, L = self.n, self.depth
        act = [2 * self.patterns[k].sum(axis=1, dtype=np.int64) for k in range(L)]  # act[k-1] = active digits
        h = [nnz_x]  # h[k-1] = nnz per row of H_k
        for k in range(L):
            h.append(h[-1] * act[k])
        M = self.num_leaves
        fams: list[LevelSize] = []
        fams.append(LevelSize("u", None, cols=M * d))
        aux = formulation == "auxiliary" and L >= 2
        if aux:
            f_nnz = int(act[L - 1].sum())
        else:
            f_nnz = int(h[L].sum())
        fams.extend(_objective_families(spec, n, f_nnz, M * d))
        fams.append(LevelSize("cone", 1, rows=n * self.num_nodes(1), nnz=self.num_nodes(1) * int(h[0].sum())))
        for k in range(2, L + 1):
            nodes = self.num_nodes(k)
            if aux:
                fams.append(LevelSize("cone", k, rows=n * nodes, nnz=n * nodes))
            else:
                fams.append(LevelSize("cone", k, rows=n * nodes, nnz=nodes * int(h[k - 1].sum())))
        if aux:
            for k in range(2, L + 1):
                nodes = self.num_nodes(k)
                child = int((act[0] * nnz_x).sum()) if k == 2 else int(act[k - 2].sum())
                fams.append(LevelSize("z", k, cols=n * nodes))
                fams.append(LevelSize("link", k, rows=n * nodes, nnz=nodes * (n + child)))
        return TreeSize(formulation, spec.name, n, d, M, fams)

    def check_size(self, size: TreeSize, memory_limit: int | None, *, pyomo: bool = False) -> None:
        """Raise :class:`ModelSizeError` if building ``size`` (as a matrix, or as a Pyomo model if ``pyomo``)
        would exceed ``memory_limit`` bytes (default: :func:`relulp.get_memory_limit`)."""
        from .config import resolve_memory_limit

        limit = resolve_memory_limit(memory_limit)
        need = size.pyomo_bytes_estimate() if pyomo else size.bytes_estimate()
        if need > limit:
            what = "Pyomo model" if pyomo else "LP"
            raise ModelSizeError(
                f"the {what} would need about {_fmt_bytes(need)} (rows={size.rows:,}, cols={size.cols:,}, "
                f"nnz={size.nnz:,}, leaves={size.leaves:,}, patterns per layer={list(self.sizes)}), over the "
                f"memory cap of {_fmt_bytes(limit)}. Use fewer patterns, the 'auxiliary' formulation, or "
                f"raise the cap (memory_limit=..., relulp.set_memory_limit, RELULP_MEMORY_LIMIT)."
            )

    # graph ----------------------------------------------------------------------------------
    def build_graph(self, max_nodes: int = DEFAULT_GRAPH_NODES):
        """The tree as a networkx DiGraph, edges from parent to child.

        Node keys are paths (tuples of digits from the root; the root is ``()``). Node attributes:
        ``level``, ``pattern`` (j), ``sign`` (s), ``label``; leaves also ``leaf`` (leaf index).
        Edge attribute ``sign`` = the child's sign s_c (the weight on that edge).
        """
        import networkx as nx

        total = 1 + sum(self.num_nodes(k) for k in range(1, self.depth + 1))
        if total > max_nodes:
            raise ModelSizeError(f"the tree has {total:,} nodes, over max_nodes={max_nodes:,}; "
                                 "use size() for counts, or raise max_nodes")
        g = nx.DiGraph(depth=self.depth, sizes=self.sizes)
        g.add_node((), level=self.depth + 1, label="output")
        frontier: list[tuple[int, ...]] = [()]
        for level in range(self.depth, 0, -1):
            labels = [digit_label(a) for a in range(self.branching(level))]
            nxt = []
            for parent in frontier:
                plabel = g.nodes[parent]["label"]
                for a in range(self.branching(level)):
                    node = parent + (a,)
                    s = 1 if a % 2 == 0 else -1
                    lab = labels[a] if parent == () else f"{plabel}_{labels[a]}"
                    g.add_node(node, level=level, pattern=a // 2, sign=s, label=lab)
                    g.add_edge(parent, node, sign=s)
                    nxt.append(node)
            frontier = nxt
        for i, leaf in enumerate(frontier):
            g.nodes[leaf]["leaf"] = i
        return g

    @cached_property
    def graph(self):
        """The networkx DiGraph of :meth:`build_graph` (cached)."""
        return self.build_graph()

    def draw(self, ax=None, *, max_nodes: int = 400, with_labels: bool | None = None):
        """Draw a small tree top-down with matplotlib (root at the top, edges coloured by sign)."""
        import matplotlib.pyplot as plt

        g = self.build_graph(max_nodes=max_nodes)
        if ax is None:
            _, ax = plt.subplots(figsize=(min(2 + 0.35 * self.num_leaves, 18), 1.6 * (self.depth + 1)))
        pos = {}
        leaves = [v for v in g if g.nodes[v]["level"] == 1]
        for i, v in enumerate(leaves):
            pos[v] = (float(i), 1.0)
        for level in range(2, self.depth + 2):
            for v in (u for u in g if g.nodes[u]["level"] == level):
                kids = list(g.successors(v))
                pos[v] = (float(np.mean([pos[c][0] for c in kids])), float(level))
        for u, v, s in g.edges(data="sign"):
            ax.plot([pos[u][0], pos[v][0]], [pos[u][1], pos[v][1]], color="tab:blue" if s > 0 else "tab:red", lw=0.8)
        xs, ys = zip(*pos.values())
        ax.scatter(xs, ys, s=18, color="k", zorder=3)
        if with_labels or (with_labels is None and g.number_of_nodes() <= 60):
            for v, (x0, y0) in pos.items():
                lab = g.nodes[v]["label"].split("_")[-1]
                ax.annotate(lab, (x0, y0), textcoords="offset points", xytext=(0, 5), ha="center", fontsize=7)
        ax.set_yticks(range(1, self.depth + 2), [f"level {k}" for k in range(1, self.depth + 1)] + ["output"])
        ax.set_xticks([])
        ax.set_title(f"pattern tree: P = {list(self.sizes)}, {self.num_leaves} leaves (blue +, red -)")
        return ax

    # misc -----------------------------------------------------------------------------------
    def _check_level(self, level: int) -> None:
        if not 1 <= level <= self.depth:
            raise PatternError(f"level must be in 1..{self.depth}, got {level}")

    def __repr__(self) -> str:
        return f"PatternTree(n={self.n}, sizes={list(self.sizes)}, leaves={self.num_leaves:,})"
