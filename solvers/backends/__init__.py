"""Backend registry: name -> backend class, imported lazily so that a missing solver costs nothing.

``pyomo:<solver>`` names are handled by :mod:`solvers.backends.pyomo_backend` for any solver name.
"""

from __future__ import annotations

import importlib

from ..errors import UnknownBackendError
from .base import Backend

#: backend name -> "module:Class" (modules of this package)
REGISTRY: dict[str, str] = {
    "highs": "highs:HighsBackend",
    "glpk": "glpk:GlpkBackend",
    "mpax": "mpax:MpaxBackend",
    "cupdlpx": "cupdlpx:CupdlpxBackend",
}

PYOMO_PREFIX = "pyomo:"


def get(name: str) -> type[Backend]:
    """The backend class for ``name`` (``highs``, ``glpk``, ``mpax``, ``cupdlpx``, ``pyomo:<solver>``)."""
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
    module, cls = REGISTRY[key].split(":")
    return getattr(importlib.import_module(f".{module}", __name__), cls)
