"""The one rule that turns a ``seed`` / ``random_state`` argument into a numpy random stream.

* :func:`legacy_stream` -- what relulp's samplers draw from: an int -> ``np.random.RandomState(seed)``
  (numpy's *legacy* stream, the one the reference code draws from with ``np.random.seed(s)`` + ``randn``, so
  seed 0 reproduces the paper's pattern sets); None -> a fresh ``RandomState()`` (not reproducible); a
  ``np.random.Generator`` or ``np.random.RandomState`` -> used as is.
* :func:`as_random_state` -- always a ``RandomState`` (a Generator seeds a new one from one draw).
* :func:`as_generator` -- always a ``Generator`` (a RandomState seeds a new one from one draw; an int or
  None goes to ``np.random.default_rng``).
"""

from __future__ import annotations

from numbers import Integral

import numpy as np

__all__ = ["legacy_stream", "as_random_state", "as_generator", "is_int_seed"]


def is_int_seed(seed) -> bool:
    return isinstance(seed, Integral) and not isinstance(seed, (bool, np.bool_))


def _refuse(seed, error):
    raise error(f"seed must be an int, None, a numpy Generator or a numpy RandomState, got {type(seed).__name__}")


def legacy_stream(seed, *, error: type[Exception] = ValueError):
    """An int or None -> ``RandomState(seed)``; a Generator or RandomState as is (see the module docstring).
    Anything else, or an int outside [0, 2**32), raises ``error``."""
    if isinstance(seed, (np.random.Generator, np.random.RandomState)):
        return seed
    if seed is None or is_int_seed(seed):
        try:
            return np.random.RandomState(None if seed is None else int(seed))
        except ValueError as exc:
            raise error(f"invalid seed {seed!r} (an int seed must be in [0, 2**32)): {exc}") from None
    _refuse(seed, error)


def as_random_state(seed, *, error: type[Exception] = ValueError) -> np.random.RandomState:
    """Always a ``RandomState``: a Generator seeds a new one with ``integers(2**31 - 1)``."""
    if isinstance(seed, np.random.Generator):
        return np.random.RandomState(int(seed.integers(2**31 - 1)))
    return legacy_stream(seed, error=error)


def as_generator(seed, *, error: type[Exception] = ValueError) -> np.random.Generator:
    """Always a ``Generator``: a RandomState seeds a new one with ``randint(2**31 - 1)``; an int, None or a
    SeedSequence goes to ``np.random.default_rng``."""
    if isinstance(seed, np.random.Generator):
        return seed
    if isinstance(seed, np.random.RandomState):
        return np.random.default_rng(int(seed.randint(2**31 - 1)))
    if seed is None or is_int_seed(seed) or isinstance(seed, np.random.SeedSequence):
        try:
            return np.random.default_rng(seed)
        except ValueError as exc:
            raise error(f"invalid seed {seed!r}: {exc}") from None
    _refuse(seed, error)
