"""Running replications: in local processes or on a Dask cluster.

Replications are independent and each one is a pure function of its
scenario and index (:func:`~cosen.scenarios.simulate.simulate`), so they
can go to any process in any order: results are put back in order and are
the same whatever the number of processes. A sweep's variants run in one
pool, so that short and long variants share the processes.
"""

from __future__ import annotations

import importlib
import importlib.metadata
import logging
import os
import queue
import socket
import sys
import threading
import time
from collections.abc import Iterator, Sequence
from concurrent.futures import Future, ProcessPoolExecutor, as_completed
from contextlib import contextmanager, suppress
from multiprocessing import get_all_start_methods, get_context
from multiprocessing.context import BaseContext
from typing import IO, Any, Final

from cosen.errors import OptionError, system_reason
from cosen.limits import DASK_LIMITS
from cosen.parsing import CellError, parse_number, printable
from cosen.scenarios.params import Scenario
from cosen.scenarios.simulate import Replication, simulate

__all__ = [
    "WAIT_VARIABLE",
    "ClusterError",
    "Progress",
    "available_cpus",
    "dask_wait",
    "run_replications",
]


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
    with ProcessPoolExecutor(
        max_workers=workers, mp_context=_context()
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


def _context() -> BaseContext:
    """How to start local workers: the quickest way that is safe here.

    A fork starts at once with everything imported, but a child of a
    process with other threads (the desk's, a test runner's, a solver's)
    may inherit a lock one of them held, and deadlock: fork only from a
    process with one thread. Else a fork server (it imports the simulator
    once; each worker is a fork of it), or spawn where there is none (not
    on Windows).
    """
    methods = get_all_start_methods()
    if "fork" in methods and threading.active_count() == 1:
        return get_context("fork")
    if "forkserver" in methods:
        context = get_context("forkserver")
        context.set_forkserver_preload([simulate.__module__])
        return context
    return get_context("spawn")


def _on_dask(
    address: str,
    scenarios: Sequence[Scenario],
    tasks: Sequence[tuple[int, int]],
) -> Iterator[tuple[Replication, int]]:
    wait = dask_wait()
    with _dask_client(address, wait) as (distributed, client):
        _wait_for_a_worker(client, address, wait)
        _check_workers(client, address)
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
        # Done callbacks feed a queue read with a timeout, rather than
        # distributed.as_completed: between results the cluster is checked
        # (a lost scheduler, no worker left) and Ctrl-C is heard at once.
        done: queue.Queue[Any] = queue.Queue()
        for future in futures:
            future.add_done_callback(done.put)
        without_workers: float | None = None
        for _ in futures:
            while True:
                try:
                    future = done.get(timeout=_TICK)
                    break
                except queue.Empty:
                    pass
                if client.status != "running":
                    raise _lost(address)
                if _workers(client, address) > 0:
                    without_workers = None
                elif without_workers is None:
                    without_workers = time.monotonic()
                elif time.monotonic() - without_workers > wait:
                    raise ClusterError(
                        f"option --dask : plus aucun worker Dask connecté au "
                        f"scheduler « {printable(address)} » depuis "
                        f"{wait:.0f} s : relancer des workers puis le calcul."
                    )
            yield _result(distributed, future, address), number_of[future.key]


_TICK = 1.0
"""Seconds between two checks of the cluster while no result comes."""

WAIT_VARIABLE: Final = "COSEN_DASK_WAIT"
"""Environment variable: seconds cosen waits for a Dask cluster to be
ready (its scheduler to answer, then a first worker), 30 by default."""

_DEFAULT_WAIT = 30.0


class ClusterError(OptionError):
    """The Dask cluster named by ``--dask`` cannot run the replications:
    unreachable, not a Dask scheduler, without workers, lost, or losing
    its workers to a replication."""


def dask_wait() -> float:
    """Seconds to wait for a Dask cluster to be ready.

    Read from :data:`WAIT_VARIABLE`, 30 by default, within
    :data:`~cosen.limits.DASK_LIMITS`.
    """
    text = os.environ.get(WAIT_VARIABLE, "").strip()
    if not text:
        return _DEFAULT_WAIT
    low, high = DASK_LIMITS["wait"]
    try:
        return parse_number(text, low, high)
    except CellError:
        raise OptionError(
            f"variable d'environnement {WAIT_VARIABLE} : nombre de secondes "
            f"de {low:.0f} à {high:.0f} attendu."
        ) from None


@contextmanager
def _dask_client(address: str, wait: float) -> Iterator[tuple[Any, Any]]:
    """The ``distributed`` module and a client of the cluster at
    ``address`` (the cluster stays up when the client closes).

    distributed's own log lines (tracebacks of a lost connection, of
    dying workers) are silenced while the client is open: what went wrong
    reaches the user as one :class:`ClusterError`.
    """
    try:
        # Optional and only partly typed: used as Any.
        distributed: Any = importlib.import_module("distributed")
    except ImportError:
        raise OptionError(
            "option --dask : Dask n'est pas installé (pip install "
            "'cosen[dask]')."
        ) from None
    # distributed sets levels on its modules' loggers (distributed.client
    # among them): each one is silenced, not only their parent.
    loggers = [logging.getLogger("distributed")] + [
        logging.getLogger(name)
        for name in list(logging.root.manager.loggerDict)
        if name.startswith("distributed.")
    ]
    levels = [log.level for log in loggers]
    for log in loggers:
        log.setLevel(logging.CRITICAL + 1)
    try:
        client = _connect(distributed, address, wait)
        try:
            yield distributed, client
        finally:
            # Bounded, and never hiding why the run stopped (a Ctrl-C, a
            # lost scheduler): closing is only courtesy to the scheduler,
            # which forgets a closed client's tasks.
            with suppress(Exception):
                client.close(timeout=_CLOSE_TIMEOUT)
    finally:
        for log, level in zip(loggers, levels, strict=True):
            log.setLevel(level)


_CLOSE_TIMEOUT = 2.0


def _connect(distributed: Any, address: str, wait: float) -> Any:
    """A client of the scheduler at ``address``, in at most about
    ``wait`` seconds whatever answers there.

    distributed bounds the TCP connection but not the handshake after it:
    a silent peer or an HTTP server makes ``Client()`` hang for minutes.
    It runs in a thread that is given up at the deadline (a client it
    makes after that is closed at once).
    """
    _check_address(distributed, address)
    outcome: dict[str, Any] = {}
    lock = threading.Lock()

    def attempt() -> None:
        try:
            client = distributed.Client(
                address, timeout=wait, set_as_default=False
            )
        except Exception as error:  # handed to the caller's thread
            with lock:
                outcome["error"] = error
            return
        with lock:
            if "abandoned" not in outcome:
                outcome["client"] = client
                return
        client.close(timeout=_CLOSE_TIMEOUT)

    thread = threading.Thread(
        target=attempt, name="cosen-dask-connect", daemon=True
    )
    thread.start()
    # distributed gives up on a refused or unknown address at ``wait``: a
    # little longer lets its own error (and reason) through.
    deadline = time.monotonic() + wait + _GRACE
    try:
        thread.join(min(_QUIET, wait))
        if thread.is_alive():
            _say(f"Connexion au scheduler Dask « {printable(address)} »…")
            thread.join(max(0.0, deadline - time.monotonic()))
    finally:
        with lock:
            outcome["abandoned"] = True
            client = outcome.get("client")
            error = outcome.get("error")
    if client is not None:
        return client
    raise _connection_error(distributed, address, wait, error)


_QUIET = 1.0
"""Seconds a step may take before the user is told what cosen waits for."""

_GRACE = 0.5


def _check_address(distributed: Any, address: str) -> None:
    """Refuse an address distributed cannot even try (it would leave a
    half-made client behind)."""
    comm = distributed.comm
    try:
        scheme, _ = comm.parse_address(address)
        comm.registry.get_backend(scheme)
        if scheme != "inproc":  # in-process addresses have no port
            _, port = comm.get_address_host_port(address)
            if not 0 < port < 65536:
                raise ValueError(port)
    except ValueError:
        raise ClusterError(
            f"option --dask : adresse « {printable(address)} » invalide : "
            "donner celle du scheduler Dask, sous la forme "
            "tcp://MACHINE:PORT (ex. tcp://10.0.0.5:8786)."
        ) from None


def _connection_error(
    distributed: Any, address: str, wait: float, error: Exception | None
) -> ClusterError:
    """Why ``address`` gave no client, as one French line."""
    shown = printable(address)
    closed = isinstance(error, distributed.comm.CommClosedError)
    if error is None or closed or not isinstance(error, OSError):
        # Something answered, but not as a Dask scheduler: silence, an
        # HTTP page (the dashboard's port), a closed connection.
        return ClusterError(
            f"option --dask : le service à l'adresse « {shown} » ne répond "
            f"pas comme un scheduler Dask (attendu {wait:.0f} s) : vérifier "
            "le port (celui du scheduler, 8786 par défaut, pas celui du "
            "tableau de bord)."
        )
    return ClusterError(
        f"option --dask : impossible de joindre le cluster Dask à l'adresse "
        f"« {shown} » ({_reason(distributed, address, error, wait)}) : "
        "vérifier l'adresse et que le scheduler est lancé."
    )


def _reason(
    distributed: Any, address: str, error: BaseException, wait: float
) -> str:
    """The system's reason at the root of a failed connection, in French.

    distributed retries until its timeout and then raises its own
    ``OSError`` with the last attempt's error in its chain of causes; when
    that attempt was cut short by the timeout, the chain says nothing, so
    one plain TCP connection asks the system why.
    """
    return (
        _root_reason(error)
        or _root_reason(_probe(distributed, address))
        or f"pas de réponse en {wait:.0f} s"
    )


def _root_reason(error: BaseException | None) -> str | None:
    """The system's reason in ``error``'s chain of causes, if any."""
    cause = error
    while cause is not None:
        if isinstance(cause, socket.gaierror):
            return "machine inconnue"
        if isinstance(cause, OSError) and cause.errno is not None:
            return system_reason(cause)
        cause = cause.__cause__ or cause.__context__
    return None


def _probe(distributed: Any, address: str) -> OSError | None:
    """Why a TCP connection to ``address`` fails now (none if it opens,
    or if the address is not TCP)."""
    if distributed.comm.parse_address(address)[0] not in ("tcp", "tls"):
        return None
    host, port = distributed.comm.get_address_host_port(address)
    try:
        with socket.create_connection((host, port), timeout=_QUIET):
            return None
    except OSError as error:
        return error


def _wait_for_a_worker(client: Any, address: str, wait: float) -> None:
    """Return once the scheduler has a worker, within ``wait`` seconds."""
    deadline = time.monotonic() + wait
    told = False
    while _workers(client, address) == 0:
        if time.monotonic() > deadline:
            raise ClusterError(
                f"option --dask : aucun worker Dask connecté au scheduler "
                f"« {printable(address)} » après {wait:.0f} s : lancer des "
                f"workers (dask worker ADRESSE) ou attendre plus longtemps "
                f"({WAIT_VARIABLE}=SECONDES)."
            )
        if not told:
            _say(f"En attente des workers Dask… (au plus {wait:.0f} s)")
            told = True
        time.sleep(_POLL)


_POLL = 0.2


def _check_workers(client: Any, address: str) -> None:
    """Refuse workers without this version of cosen, before any task:
    without it every replication fails to load; with another, the figures
    would not be those of this version."""
    mine = _version()
    if mine is None:  # run from the sources, not installed: no version
        return
    try:
        # A function of the standard library: it loads on any worker.
        found = client.run(importlib.metadata.version, "cosen")
    except importlib.metadata.PackageNotFoundError:
        raise _missing(address, "cosen") from None
    others = sorted(set(found.values()) - {mine})
    if others:
        raise ClusterError(
            f"option --dask : les workers Dask du scheduler "
            f"« {printable(address)} » ont cosen {', '.join(others)}, ce "
            f"poste cosen {mine} : installer la même version partout (les "
            "résultats en dépendent)."
        )


def _version() -> str | None:
    """This cosen's installed version."""
    try:
        return importlib.metadata.version("cosen")
    except importlib.metadata.PackageNotFoundError:
        return None


def _missing(address: str, module: str | None) -> ClusterError:
    """Workers that cannot load ``module`` (cosen or one it needs)."""
    version = _version()
    wanted = f"cosen {version}" if version else "cosen"
    return ClusterError(
        f"option --dask : les workers Dask du scheduler "
        f"« {printable(address)} » n'ont pas le module "
        f"« {printable(module or '?')} » : y installer {wanted} et ses "
        "dépendances, puis relancer."
    )


def _workers(client: Any, address: str) -> int:
    """Workers the scheduler has now (a lost scheduler is a
    :class:`ClusterError`)."""
    try:
        identity = client.sync(
            client.scheduler.identity,
            n_workers=0,
            callback_timeout=_CLOSE_TIMEOUT,
        )
    except (OSError, TimeoutError):
        raise _lost(address) from None
    return int(identity["n_workers"])


def _lost(address: str) -> ClusterError:
    return ClusterError(
        f"option --dask : connexion au scheduler Dask « {printable(address)} "
        "» perdue pendant le calcul : vérifier le scheduler puis relancer."
    )


def _result(distributed: Any, future: Any, address: str) -> Replication:
    """The replication ``future`` computed, or why the cluster could not
    compute it."""
    if future.cancelled():
        raise _lost(address)
    error = future.exception() if future.status == "error" else None
    if isinstance(error, distributed.KilledWorker):
        raise ClusterError(
            "option --dask : une réplication a fait tomber chaque worker "
            f"Dask qui la calculait ({error.allowed_failures + 1} fois de "
            "suite : mémoire insuffisante ou arrêt brutal) : vérifier la "
            "mémoire et "
            "les journaux des workers, ou calculer sans --dask."
        )
    if isinstance(error, ImportError):
        # A worker that joined after the check, without what cosen needs.
        raise _missing(address, error.name)
    replication: Replication = future.result()
    return replication


def _say(line: str) -> None:
    sys.stderr.write(line + "\n")
    sys.stderr.flush()
