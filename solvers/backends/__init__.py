"""Backend registry: one line per backend, ``name -> "module:Class"`` (modules of this package), imported
lazily so that a missing solver costs nothing.

:func:`get` returns the backend *instance* (cached). ``pyomo:<solver>`` names give an instance of
:class:`solvers.backends.pyomo_backend.PyomoBackend` configured with that solver name.

Adding a backend: write one module here with a :class:`Backend` subclass (see :mod:`.base`) and add one
line to :data:`REGISTRY`; tests/test_solvers_conformance.py then runs it on every known-answer LP.
"""

from __future__ import annotations

import importlib
from functools import lru_cache

from ..errors import UnknownBackendError
from .base import Backend, Capabilities  # noqa: F401 (the contract, re-exported)

#: backend name -> "module:Class" (modules of this package)
REGISTRY: dict[str, str] = {
    "highs": "highs:HighsBackend",
    "glpk": "glpk:GlpkBackend",
    "mpax": "mpax:MpaxBackend",
    "cupdlpx": "cupdlpx:CupdlpxBackend",
    "clarabel": "clarabel:ClarabelBackend",
    "scs": "scs:ScsBackend",
}

PYOMO_PREFIX = "pyomo:"

#: names that stand for the best installed backend of a kind, resolved by :func:`get` on every call:
#: ``"gpu"`` is cuPDLPx when usable, else MPAX when JAX sees a GPU (the order of :data:`GPU_BACKENDS`)
ALIASES: dict[str, str] = {"gpu": "the best usable GPU backend (cupdlpx, else mpax on a GPU device)"}
#: the GPU backends in the order ``"gpu"`` tries them (cuPDLPx first: on one H100 it solved the paper's
#: LPs where MPAX 0.2.4 did not converge; docs/solvers.md, GPU backends)
GPU_BACKENDS = ("cupdlpx", "mpax")


def get(name: str) -> Backend:
    """The backend instance for ``name`` (``highs``, ``glpk``, ``mpax``, ``cupdlpx``, ``pyomo:<solver>``;
    ``gpu``: the best usable GPU backend, :func:`gpu_backend`)."""
    if not isinstance(name, str):
        raise UnknownBackendError(f"backend must be a string, got {name!r}")
    key = name.strip().lower()
    if key == "gpu":
        return gpu_backend()
    if key.startswith(PYOMO_PREFIX):
        from .pyomo_backend import pyomo_backend

        return pyomo_backend(key[len(PYOMO_PREFIX):])
    if key not in REGISTRY:
        raise UnknownBackendError(
            f"unknown backend {name!r}; choose one of {sorted(REGISTRY)} or 'pyomo:<solver name>'"
        )
    return _instance(key)


@lru_cache(maxsize=None)
def _instance(key: str) -> Backend:
    module, cls = REGISTRY[key].split(":")
    backend = getattr(importlib.import_module(f".{module}", __name__), cls)()
    if backend.name != key:
        raise RuntimeError(f"REGISTRY[{key!r}] names a backend called {backend.name!r}")
    return backend


def conic_backends() -> list[str]:
    """The registered backends that solve :class:`solvers.conic.ConicProgram` (installed or not)."""
    return [name for name in REGISTRY if "conic" in _instance(name).capabilities.problem_types]


def gpu_backend() -> Backend:
    """The backend ``"gpu"`` stands for: cuPDLPx if usable here, else MPAX if JAX sees a GPU.

    Raises :class:`BackendNotInstalledError` saying, per GPU backend, why it cannot run here.
    """
    from ..errors import BackendNotInstalledError

    reasons = []
    for key in GPU_BACKENDS:
        engine = _instance(key)
        reason = engine.gpu_unusable_reason() if hasattr(engine, "gpu_unusable_reason") else \
            ("" if engine.is_installed() else "not installed")
        if not reason:
            return engine
        reasons.append(f"{key}: {reason} ({engine.install_hint})")
    raise BackendNotInstalledError("backend 'gpu': no GPU backend is usable here: " + "; ".join(reasons))
