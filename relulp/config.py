"""Process-wide settings. Change them with :func:`set_memory_limit` or per call with ``memory_limit=``.

Memory cap
----------
Every LP build (and every pattern draw) is sized first and refused with :class:`~relulp.ModelSizeError`
when it would need more than the cap. The cap is, in order of precedence: the ``memory_limit=`` argument
of a call, the last :func:`set_memory_limit`, the environment variable ``RELULP_MEMORY_LIMIT``, and
:data:`DEFAULT_MEMORY_LIMIT` (8 GiB).

Accepted forms (:func:`parse_memory_limit`): a positive integer number of bytes (``1073741824``), or a
positive number with one of the binary suffixes K, M, G, T (powers of 1024), optionally followed by ``B``
or ``iB``, case-insensitive: ``512M``, ``1G``, ``1.5GiB``, ``2gb``. Zero, negative, non-finite and
unparsable values are refused with :class:`ConfigError` (a :class:`~relulp.UnknownOptionError`).

A bad ``RELULP_MEMORY_LIMIT`` does not break ``import relulp``: the first call that needs the cap
(:func:`get_memory_limit`, hence every build) raises :class:`ConfigError` naming the variable, until
:func:`set_memory_limit` sets a valid cap.
"""

from __future__ import annotations

import math
import os
import re
from numbers import Integral, Real

from .exceptions import UnknownOptionError

#: Default cap on the memory an LP build may allocate (bytes). Overridable by the environment
#: variable ``RELULP_MEMORY_LIMIT`` (bytes, or with a suffix K/M/G/T) and per call.
DEFAULT_MEMORY_LIMIT = 8 * 2**30

#: The environment variable read at import.
ENV_VAR = "RELULP_MEMORY_LIMIT"

ACCEPTED_FORMS = ("a positive number of bytes (e.g. 1073741824) or a positive number with a suffix K, M, G or T "
                  "(powers of 1024, optionally followed by B or iB; e.g. 512M, 1G, 1.5GiB)")

_SCALE = {"": 1, "K": 2**10, "M": 2**20, "G": 2**30, "T": 2**40}
_PATTERN = re.compile(r"^\s*([0-9]*\.?[0-9]+(?:[eE][+-]?[0-9]+)?)\s*([KMGT]?)(?:I?B)?\s*$", re.IGNORECASE)


class ConfigError(UnknownOptionError):
    """A bad setting value (e.g. a memory cap of ``'lots'`` or ``-1``). A ValueError and a RelulpError."""


def parse_memory_limit(value, *, source: str = "memory_limit") -> int:
    """A memory cap in bytes from an int/float (bytes) or a string such as ``'512M'`` / ``'1G'``.

    ``source`` names the setting in the error message. Raises :class:`ConfigError` for anything that is not
    a positive, finite size (see the module docstring for the accepted forms).
    """
    if isinstance(value, bool) or value is None:
        raise ConfigError(f"{source} must be {ACCEPTED_FORMS}; got {value!r}")
    if isinstance(value, Integral):
        nbytes = int(value)
    elif isinstance(value, Real):
        if not math.isfinite(float(value)):
            raise ConfigError(f"{source} must be {ACCEPTED_FORMS}; got {value!r}")
        nbytes = int(float(value))
    elif isinstance(value, str):
        m = _PATTERN.match(value)
        if m is None:
            raise ConfigError(f"{source} must be {ACCEPTED_FORMS}; got {value!r}")
        nbytes = int(float(m.group(1)) * _SCALE[m.group(2).upper()])
    else:
        raise ConfigError(f"{source} must be {ACCEPTED_FORMS}; got {type(value).__name__} {value!r}")
    if nbytes <= 0:
        raise ConfigError(f"{source} must be positive (a cap <= 0 would refuse every build); got {value!r}. "
                          f"Accepted: {ACCEPTED_FORMS}")
    return nbytes


# Backwards-compatible name.
def _parse_bytes(text: str) -> int:
    return parse_memory_limit(text)


def _from_environment() -> tuple[int, ConfigError | None]:
    text = os.environ.get(ENV_VAR)
    if text is None:
        return DEFAULT_MEMORY_LIMIT, None
    try:
        return parse_memory_limit(text, source=f"the environment variable {ENV_VAR}"), None
    except ConfigError as exc:
        return DEFAULT_MEMORY_LIMIT, ConfigError(
            f"{exc} (unset {ENV_VAR}, fix it, or call relulp.set_memory_limit)")


_memory_limit, _env_error = _from_environment()


def get_memory_limit() -> int:
    """The current default memory cap in bytes.

    Raises :class:`ConfigError` when ``RELULP_MEMORY_LIMIT`` holds a bad value and no valid cap was set
    with :func:`set_memory_limit` since.
    """
    if _env_error is not None:
        raise _env_error
    return _memory_limit


def set_memory_limit(nbytes) -> None:
    """Set the default memory cap used by the LP builders: bytes, or a string such as ``'1G'``
    (see :func:`parse_memory_limit`). Raises :class:`ConfigError` for a value <= 0 or an unknown form."""
    global _memory_limit, _env_error
    _memory_limit = parse_memory_limit(nbytes)
    _env_error = None


def resolve_memory_limit(memory_limit=None) -> int:
    """The cap a call should use: ``memory_limit`` parsed (int bytes or e.g. ``'1G'``), or the default
    (:func:`get_memory_limit`) when it is None."""
    if memory_limit is None:
        return get_memory_limit()
    return parse_memory_limit(memory_limit)
