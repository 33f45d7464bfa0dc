"""Run small dense kernels on one BLAS thread.

Multi-threaded OpenBLAS makes many tiny products (20 x 4000 x 20) 5-10x slower on a busy 2-core
machine (threads spin-wait for a core). The Woodbury Newton steps and the hit-and-run sweeps are
such sequences, so they run under ``single_blas_thread()``. Uses ``threadpoolctl`` when it is
installed (it comes with scikit-learn); without it this is a no-op.
"""

from __future__ import annotations

import contextlib

try:  # optional
    from threadpoolctl import threadpool_limits as _limits
except ImportError:  # pragma: no cover - depends on the environment
    _limits = None


def single_blas_thread(enabled: bool = True):
    if not enabled or _limits is None:
        return contextlib.nullcontext()
    return _limits(limits=1, user_api="blas")
