"""relulp: the linear programs equivalent to training ReLU networks with fixed activation patterns.

Zhang, Zhang & Pilanci (ICML 2025), Theorem 4.2, for any depth; specification in docs/math.md.
"""

from __future__ import annotations

from importlib import import_module

from .assemble import build_lp
from .config import get_memory_limit, set_memory_limit
from .exceptions import (
    DataError,
    ModelSizeError,
    PatternError,
    RelulpError,
    SolutionError,
    UnknownOptionError,
)
from .lp import Block, SparseLP
from .objectives import OBJECTIVES
from .tree import FORMULATIONS, PatternTree

__version__ = "0.1.0"

# Names served lazily from submodules (keeps `import relulp` light; Pyomo loads on first use). A value of
# None serves the submodule itself: ``import relulp; relulp.export.write_mps(...)`` works.
_LAZY = {
    "build_model": "pyomo_model",
    "recover_network": "network",
    "ReLUNetwork": "network",
    "OneVsRestNetwork": "network",
    "one_vs_rest": "multiclass",
    "build_ovr_lps": "multiclass",
    "sample_patterns": "patterns",
    "enumerate_patterns": "patterns",
    "sample_deep_patterns": "patterns",
    "count_bound": "patterns",
    "datasets": None,
    "export": None,
    "patterns": None,
    "write_lp": "export",
    "write_mps": "export",
    "lp_statistics": "export",
    "ReLULPClassifier": "estimators",
    "ReLULPRegressor": "estimators",
    "estimators": None,
    "build_convex_program": "convex",
    "solve_convex": "convex",
    "convex": None,
    "SDPNNClassifier": "convex.sdp",
    "SDPNNRegressor": "convex.sdp",
    "build_sdp_nn": "convex.sdp",
    "solve_sdp_nn": "convex.sdp",
    "round_sdp_nn": "convex.sdp",
    "certify_lambda": "convex.sdp",
}


def __getattr__(name: str):
    if name in _LAZY:
        mod = _LAZY[name]
        if mod is None:
            return import_module(f".{name}", __name__)
        return getattr(import_module(f".{mod}", __name__), name)
    raise AttributeError(f"module 'relulp' has no attribute {name!r}")


__all__ = [
    "Block", "DataError", "FORMULATIONS", "ModelSizeError", "OBJECTIVES", "PatternError", "PatternTree",
    "RelulpError", "SolutionError", "SparseLP", "UnknownOptionError", "build_lp", "get_memory_limit",
    "set_memory_limit", *_LAZY,
]
