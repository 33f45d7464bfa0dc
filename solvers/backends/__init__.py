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
}

PYOMO_PREFIX = "pyomo:"


def get(name: str) -> Backend:
    """The backend instance for ``name`` (``highs``, ``glpk``, ``mpax``, ``cupdlpx``, ``pyomo:<solver>``)."""
    if not isinstance(name, str):
        raise UnknownBackendError(f"backend must be a string, got {name!r}")
    key = name.strip().lower()
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
