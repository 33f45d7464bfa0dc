"""Process-wide settings. Change them with :func:`set_memory_limit` or per call with ``memory_limit=``."""

from __future__ import annotations

import os

#: Default cap on the memory an LP build may allocate (bytes). Overridable by the environment
#: variable ``RELULP_MEMORY_LIMIT`` (bytes, or with a suffix K/M/G) and per call.
DEFAULT_MEMORY_LIMIT = 8 * 2**30


def _parse_bytes(text: str) -> int:
    text = text.strip().upper()
    scale = {"K": 2**10, "M": 2**20, "G": 2**30, "T": 2**40}
    if text and text[-1] in scale:
        return int(float(text[:-1]) * scale[text[-1]])
    return int(float(text))


_memory_limit = _parse_bytes(os.environ["RELULP_MEMORY_LIMIT"]) if "RELULP_MEMORY_LIMIT" in os.environ else DEFAULT_MEMORY_LIMIT


def get_memory_limit() -> int:
    """The current default memory cap in bytes."""
    return _memory_limit


def set_memory_limit(nbytes: int) -> None:
    """Set the default memory cap (bytes) used by the LP builders."""
    global _memory_limit
    if nbytes <= 0:
        raise ValueError("memory limit must be positive")
    _memory_limit = int(nbytes)
