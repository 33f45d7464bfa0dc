"""Run independent tasks serially or on Dask: the one place relulp uses a distributed engine.

:func:`map_tasks` maps a function over a list of tasks and returns the results **in task order**, whatever
order they finish in; each task must be self-contained (its own seeds), so the results are those of the
serial run. ``relulp bench`` maps over instances and ``relulp cpal --compare`` over (seed, strategy)
pairs with it.

* ``workers=1`` and no ``scheduler``: a plain loop in this process (no Dask needed; what relulp always did).
* ``workers=N > 1``: a Dask ``LocalCluster`` of N single-threaded worker **processes** (processes, not
  threads: HiGHS runs one solve at a time per process), started for the call and closed after it.
* ``scheduler="tcp://host:8786"``: an existing Dask cluster; its workers need relulp (and the solvers
  the tasks use) installed, and any file a task reads.

Dask is optional: ``pip install "relulp[distributed]"`` (or ``pip install "dask[distributed]"``). Asking for
more than one worker or a scheduler without it raises :class:`DistributedUnavailableError`, naming that
command. A task's exception is re-raised here, and the remaining tasks are cancelled.
"""

from __future__ import annotations

import contextlib
import logging
from typing import Any, Callable, Iterable, Iterator, Sequence

from .exceptions import RelulpError

INSTALL = 'pip install "relulp[distributed]"   (or: pip install "dask[distributed]")'


class DistributedUnavailableError(RelulpError, ImportError):
    """Dask is needed (``workers > 1`` or a scheduler address) but ``dask.distributed`` is not installed."""


def available() -> bool:
    """Whether ``dask.distributed`` can be imported."""
    try:
        import distributed  # noqa: F401
    except ImportError:
        return False
    return True


def uses_dask(workers: int = 1, scheduler: str | None = None) -> bool:
    """Whether these settings run on Dask (more than one worker, or a scheduler address)."""
    return bool(scheduler) or int(workers) > 1


def check(workers: int = 1, scheduler: str | None = None) -> None:
    """Raise ValueError for ``workers < 1`` and :class:`DistributedUnavailableError` when Dask is needed
    but missing (call it before any work starts)."""
    if int(workers) != workers or int(workers) < 1:
        raise ValueError(f"workers must be an integer >= 1, got {workers!r}")
    if uses_dask(workers, scheduler) and not available():
        what = f"--scheduler {scheduler}" if scheduler else f"{int(workers)} workers"
        raise DistributedUnavailableError(
            f"{what} needs Dask, which is not installed: {INSTALL}; or run serially with --workers 1")


def add_arguments(group) -> None:
    """Add ``--workers`` and ``--scheduler`` to an argparse parser or argument group."""
    group.add_argument("--workers", type=int, default=1, metavar="N",
                       help="run the independent tasks on a Dask LocalCluster of N worker processes "
                            f"(default 1: serially, no Dask needed; N > 1 needs {INSTALL.split('   ')[0]})")
    group.add_argument("--scheduler", default=None, metavar="ADDRESS",
                       help="run the tasks on an existing Dask cluster, e.g. tcp://host:8786 (its workers "
                            "need relulp installed); overrides --workers")


@contextlib.contextmanager
def client(workers: int = 2, scheduler: str | None = None, processes: bool = True) -> Iterator[Any]:
    """A ``distributed.Client`` on ``scheduler``, or on a fresh LocalCluster of ``workers`` single-threaded
    workers (``processes=False``: threads of this process), closed on exit."""
    check(workers, scheduler)
    from distributed import Client, LocalCluster

    if scheduler:
        with Client(scheduler) as c:
            yield c
        return
    with LocalCluster(n_workers=int(workers), threads_per_worker=1, processes=processes,
                      dashboard_address=None, silence_logs=logging.ERROR) as cluster, Client(cluster) as c:
        yield c


def map_tasks(fn: Callable[[Any], Any], tasks: Iterable[Any], *, workers: int = 1, scheduler: str | None = None,
              progress: bool = False, desc: str | None = None,
              on_result: Callable[[int, Any], None] | None = None, processes: bool = True) -> list[Any]:
    """``[fn(t) for t in tasks]``, serially or on Dask (see the module docstring), in task order.

    ``on_result(i, result)`` is called in this process as each task finishes (in finishing order under
    Dask), e.g. to print or save partial results; ``progress`` shows a tqdm bar. ``fn`` and the tasks
    must be picklable for Dask (module-level functions; cloudpickle also takes lambdas and closures).
    """
    tasks: Sequence[Any] = list(tasks)
    check(workers, scheduler)
    from tqdm.auto import tqdm

    results: list[Any] = [None] * len(tasks)
    with tqdm(total=len(tasks), disable=not progress, desc=desc, leave=False) as bar:
        if not uses_dask(workers, scheduler):
            for i, task in enumerate(tasks):
                results[i] = fn(task)
                if on_result is not None:
                    on_result(i, results[i])
                bar.update(1)
            return results
        from distributed import as_completed

        with client(workers, scheduler, processes=processes) as c:
            futures = c.map(fn, tasks, pure=False)
            index = {f.key: i for i, f in enumerate(futures)}
            try:
                for future in as_completed(futures):
                    i = index[future.key]
                    results[i] = future.result()  # re-raises a task's exception here
                    if on_result is not None:
                        on_result(i, results[i])
                    bar.update(1)
            except BaseException:
                c.cancel(futures)
                raise
    return results


__all__ = ["map_tasks", "client", "check", "available", "uses_dask", "add_arguments", "INSTALL",
           "DistributedUnavailableError"]
