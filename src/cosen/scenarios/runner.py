"""Running replications: in local processes or on a Dask cluster.

Replications are independent and each one is a pure function of its
scenario and index (:func:`~cosen.scenarios.simulate.simulate`), so they
can go to any process in any order: results are put back in order and are
the same whatever the number of processes. A sweep's variants run in one
pool, so that short and long variants share the processes.
"""

from __future__ import annotations

import importlib
import os
import sys
from collections.abc import Iterator, Sequence
from concurrent.futures import Future, ProcessPoolExecutor, as_completed
from contextlib import contextmanager
from multiprocessing import get_all_start_methods, get_context
from typing import IO, Any

from cosen.errors import OptionError
from cosen.scenarios.params import Scenario
from cosen.scenarios.simulate import Replication, simulate

__all__ = ["Progress", "available_cpus", "run_replications"]


class Progress:
    """A progress bar on stderr, silent when stderr is not a terminal.

    Parameters
    ----------
    total
        Steps to make.
    label
        What is counted, in French.
    stream
        Where to draw (stderr by default).
    """

    WIDTH = 30

    def __init__(
        self, total: int, label: str, stream: IO[str] | None = None
    ) -> None:
        self.total = total
        self.label = label
        self.done = 0
        self.stream = stream or sys.stderr
        self.shown = self.stream.isatty()

    def advance(self) -> None:
        """One more step done."""
        self.done += 1
        if self.shown:
            filled = self.WIDTH * self.done // max(1, self.total)
            bar = "█" * filled + "·" * (self.WIDTH - filled)
            end = "\n" if self.done >= self.total else ""
            self.stream.write(
                f"\r{self.label} [{bar}] {self.done}/{self.total}{end}"
            )
            self.stream.flush()


def available_cpus() -> int:
    """CPUs this process may run on."""
    try:
        return len(os.sched_getaffinity(0))
    except AttributeError:  # not on Linux
        return os.cpu_count() or 1


def run_replications(
    scenarios: Sequence[Scenario],
    workers: int | None = None,
    dask_address: str | None = None,
    progress: Progress | None = None,
) -> list[list[Replication]]:
    """Every replication of every scenario, in order.

    Parameters
    ----------
    scenarios
        What to run; each runs its ``simulation.replications``.
    workers
        Local processes (default: as many as CPUs, at most one per
        replication). One runs everything in this process.
    dask_address
        Address of a Dask distributed scheduler: replications run on its
        workers instead of local processes.
    progress
        Advanced once per replication done.
    """
    tasks = [
        (number, index)
        for number, scenario in enumerate(scenarios)
        for index in range(scenario.simulation.replications)
    ]
    results: list[list[Replication | None]] = [
        [None] * s.simulation.replications for s in scenarios
    ]

    done = (
        _on_dask(dask_address, scenarios, tasks)
        if dask_address is not None
        else _locally(
            min(workers or available_cpus(), len(tasks)), scenarios, tasks
        )
    )
    for replication, number in done:
        results[number][replication.index] = replication
        if progress is not None:
            progress.advance()
    return [[r for r in row if r is not None] for row in results]


def _locally(
    workers: int,
    scenarios: Sequence[Scenario],
    tasks: Sequence[tuple[int, int]],
) -> Iterator[tuple[Replication, int]]:
    if workers <= 1:
        for number, index in tasks:
            yield simulate(scenarios[number], index), number
        return
    # Not fork: workers must not inherit the parent's threads (a solver's,
    # a test runner's), which fork could leave deadlocked. forkserver is
    # quicker than spawn where it exists (not on Windows).
    method = "forkserver"
    if method not in get_all_start_methods():
        method = "spawn"
    with ProcessPoolExecutor(
        max_workers=workers, mp_context=get_context(method)
    ) as pool:
        futures: dict[Future[Replication], int] = {
            pool.submit(simulate, scenarios[number], index): number
            for number, index in tasks
        }
        try:
            for future in as_completed(futures):
                yield future.result(), futures[future]
        except BaseException:
            pool.shutdown(cancel_futures=True)
            raise


def _on_dask(
    address: str,
    scenarios: Sequence[Scenario],
    tasks: Sequence[tuple[int, int]],
) -> Iterator[tuple[Replication, int]]:
    with _dask_client(address) as (distributed, client):
        futures = client.map(
            simulate,
            [scenarios[number] for number, _ in tasks],
            [index for _, index in tasks],
            pure=False,
        )
        number_of = {
            future.key: number
            for future, (number, _) in zip(futures, tasks, strict=True)
        }
        for future in distributed.as_completed(futures):
            yield future.result(), number_of[future.key]


@contextmanager
def _dask_client(address: str) -> Iterator[tuple[Any, Any]]:
    """The ``distributed`` module and a client of the cluster at
    ``address`` (the cluster stays up when the client closes)."""
    try:
        # Optional and only partly typed: used as Any.
        distributed: Any = importlib.import_module("distributed")
    except ImportError:
        raise OptionError(
            "option --dask : Dask n'est pas installé (pip install "
            "'cosen[dask]')."
        ) from None
    try:
        client = distributed.Client(address, timeout="10s")
    except (OSError, TimeoutError, ValueError):
        raise OptionError(
            f"option --dask : impossible de joindre le cluster Dask à "
            f"l'adresse « {address} »."
        ) from None
    try:
        yield distributed, client
    finally:
        client.close()
