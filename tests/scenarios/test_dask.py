"""Replications on a Dask cluster: the numbers of a local run, and one
French line (exit 2) whatever the cluster does wrong."""

from __future__ import annotations

import ctypes
import http.server
import importlib.metadata
import json
import os
import socketserver
import threading
import time
from collections.abc import Callable, Iterator
from contextlib import suppress
from pathlib import Path
from typing import Any

import pytest
from click.testing import CliRunner, Result

from cosen.cli.scenario import scenario as scenario_group
from cosen.errors import OptionError
from cosen.scenarios import runner
from cosen.scenarios.indicators import summarize
from cosen.scenarios.params import Scenario
from cosen.scenarios.runner import (
    WAIT_VARIABLE,
    dask_wait,
    run_replications,
)
from cosen.scenarios.simulate import Replication
from tests.scenarios.builders import SMALL, small
from tests.scenarios.test_simulate import assert_same

distributed = pytest.importorskip("distributed")
dask = pytest.importorskip("dask")


def _local_cluster() -> Any:
    """A one-worker cluster in this process, on loopback."""
    return distributed.LocalCluster(
        n_workers=1,
        threads_per_worker=1,
        processes=False,
        dashboard_address=None,
    )


@pytest.fixture(scope="module")
def address() -> Iterator[str]:
    cluster = _local_cluster()
    try:
        yield cluster.scheduler_address
    finally:
        cluster.close()


@pytest.fixture
def plan(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    """A small scenario file; cosen waits 1 s for a cluster."""
    monkeypatch.setenv(WAIT_VARIABLE, "1")
    path = tmp_path / "plan.toml"
    path.write_text(SMALL.replace("days = 42", "days = 21"), encoding="utf-8")
    return path


def run_on(plan: Path, address: str) -> Result:
    return CliRunner().invoke(
        scenario_group, ["run", str(plan), "--json", "--dask", address]
    )


def error_line(result: Result, capfd: pytest.CaptureFixture[str]) -> str:
    """The one error line of a failed run (after any progress line),
    having checked that nothing else reached the terminal."""
    assert result.exit_code == 2, result.output
    assert result.stdout == ""
    *progress, line = result.stderr.splitlines()
    assert all("…" in text for text in progress)
    assert line.startswith("Erreur : option --dask : ")
    printed = capfd.readouterr()
    assert "Traceback" not in printed.err + printed.out
    assert "distributed" not in printed.err
    return line.removeprefix("Erreur : ")


@pytest.mark.slow
def test_dask_replications_equal_local_ones(address: str) -> None:
    scenarios = [
        small(simulation__days=21, simulation__replications=2),
        small(simulation__days=21, capacity__scale=0.5),
    ]
    local = run_replications(scenarios, workers=1)
    remote = run_replications(scenarios, dask_address=address)
    assert [len(r) for r in remote] == [2, 3]
    for mine, theirs in zip(local, remote, strict=True):
        for one, two in zip(mine, theirs, strict=True):
            assert_same(one, two)
    assert summarize(scenarios[1], local[1]).as_json() == (
        summarize(scenarios[1], remote[1]).as_json()
    )


@pytest.mark.slow
def test_run_with_dask_option(address: str, plan: Path) -> None:
    runner_ = CliRunner()
    local = runner_.invoke(scenario_group, ["run", str(plan), "--json"])
    remote = run_on(plan, address)
    assert local.exit_code == remote.exit_code == 0, remote.output
    assert json.loads(local.stdout) == json.loads(remote.stdout)


# Reaching the scheduler


def test_refused_connection(
    plan: Path,
    capfd: pytest.CaptureFixture[str],
) -> None:
    assert error_line(run_on(plan, "tcp://127.0.0.1:9"), capfd) == (
        "option --dask : impossible de joindre le cluster Dask à l'adresse "
        "« tcp://127.0.0.1:9 » (connexion refusée) : vérifier l'adresse et "
        "que le scheduler est lancé."
    )


@pytest.mark.parametrize(
    "address", ["127.0.0.1", "tcp://host:99999", "ftp://host:21"]
)
def test_invalid_address(
    plan: Path, capfd: pytest.CaptureFixture[str], address: str
) -> None:
    assert error_line(run_on(plan, address), capfd) == (
        f"option --dask : adresse « {address} » invalide : donner celle du "
        "scheduler Dask, sous la forme tcp://MACHINE:PORT (ex. "
        "tcp://10.0.0.5:8786)."
    )


class _Silent(socketserver.BaseRequestHandler):
    """Accepts and never says a word (until the server stops)."""

    stop = threading.Event()

    def handle(self) -> None:
        self.stop.wait(30)


def _serve(server: socketserver.TCPServer) -> Iterator[str]:
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    host, port = server.socket.getsockname()[:2]
    try:
        yield f"tcp://{host!s}:{port}"
    finally:
        _Silent.stop.set()
        server.shutdown()
        server.server_close()
        thread.join(5)


@pytest.fixture
def silent_server() -> Iterator[str]:
    _Silent.stop.clear()
    server = socketserver.ThreadingTCPServer(("127.0.0.1", 0), _Silent)
    server.daemon_threads = True
    yield from _serve(server)


class _Quiet(http.server.BaseHTTPRequestHandler):
    def log_message(self, format: str, *args: Any) -> None:
        pass


@pytest.fixture
def http_server() -> Iterator[str]:
    server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), _Quiet)
    server.daemon_threads = True
    yield from _serve(server)


NOT_DASK = (
    "option --dask : le service à l'adresse « {} » ne répond pas comme un "
    "scheduler Dask (attendu 1 s) : vérifier le port (celui du scheduler, "
    "8786 par défaut, pas celui du tableau de bord)."
)


def test_silent_tcp_server(
    plan: Path, capfd: pytest.CaptureFixture[str], silent_server: str
) -> None:
    result = run_on(plan, silent_server)
    assert error_line(result, capfd) == NOT_DASK.format(silent_server)
    assert result.stderr.startswith(
        f"Connexion au scheduler Dask « {silent_server} »…\n"
    )


def test_http_server(
    plan: Path, capfd: pytest.CaptureFixture[str], http_server: str
) -> None:
    result = run_on(plan, http_server)
    assert error_line(result, capfd) == NOT_DASK.format(http_server)


# The wait setting


@pytest.mark.parametrize("text", ["0", "nan", "inf", "1e9", "trente"])
def test_wait_setting_out_of_range(
    monkeypatch: pytest.MonkeyPatch, text: str
) -> None:
    monkeypatch.setenv(WAIT_VARIABLE, text)
    with pytest.raises(OptionError) as caught:
        dask_wait()
    assert str(caught.value) == (
        f"variable d'environnement {WAIT_VARIABLE} : nombre de secondes de "
        "1 à 3600 attendu."
    )


def test_wait_setting(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.delenv(WAIT_VARIABLE, raising=False)
    assert dask_wait() == 30
    monkeypatch.setenv(WAIT_VARIABLE, "2,5")
    assert dask_wait() == 2.5


# A cluster that cannot compute


def test_scheduler_without_workers(
    plan: Path, capfd: pytest.CaptureFixture[str]
) -> None:
    with distributed.LocalCluster(
        n_workers=0, processes=False, dashboard_address=None
    ) as cluster:
        result = run_on(plan, cluster.scheduler_address)
        assert cluster.scheduler.tasks == {}  # nothing was sent
    assert result.stderr.startswith(
        "En attente des workers Dask… (au plus 1 s)\n"
    )
    assert error_line(result, capfd) == (
        "option --dask : aucun worker Dask connecté au scheduler "
        f"« {cluster.scheduler_address} » après 1 s : lancer des workers "
        f"(dask worker ADRESSE) ou attendre plus longtemps "
        f"({WAIT_VARIABLE}=SECONDES)."
    )


# Workers without this cosen


def test_workers_without_cosen(
    address: str,
    plan: Path,
    capfd: pytest.CaptureFixture[str],
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    version = importlib.metadata.version("cosen")
    real = importlib.metadata.version

    def absent(name: str) -> str:
        if name == "cosen":
            raise importlib.metadata.PackageNotFoundError(name)
        return real(name)

    # The worker runs in this process: what it finds is patched, what this
    # side knows is not.
    monkeypatch.setattr(runner, "_version", lambda: version)
    monkeypatch.setattr(importlib.metadata, "version", absent)
    assert error_line(run_on(plan, address), capfd) == (
        f"option --dask : les workers Dask du scheduler « {address} » n'ont "
        f"pas le module « cosen » : y installer cosen {version} et ses "
        "dépendances, puis relancer."
    )


def test_workers_with_another_cosen(
    address: str,
    plan: Path,
    capfd: pytest.CaptureFixture[str],
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    theirs = importlib.metadata.version("cosen")
    monkeypatch.setattr(runner, "_version", lambda: "0.0.1")
    assert error_line(run_on(plan, address), capfd) == (
        f"option --dask : les workers Dask du scheduler « {address} » ont "
        f"cosen {theirs}, ce poste cosen 0.0.1 : installer la même version "
        "partout (les résultats en dépendent)."
    )


def _cannot_load(scenario: Scenario, index: int) -> Replication:
    raise ModuleNotFoundError("No module named 'ortools'", name="ortools")


def test_a_worker_missing_a_module_cosen_needs(
    address: str,
    plan: Path,
    capfd: pytest.CaptureFixture[str],
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    monkeypatch.setattr(runner, "simulate", _cannot_load)
    line = error_line(run_on(plan, address), capfd)
    assert line.startswith(
        f"option --dask : les workers Dask du scheduler « {address} » n'ont "
        "pas le module « ortools » : y installer cosen"
    )


def _die(scenario: Scenario, index: int) -> Replication:
    """A replication that kills its worker's process."""
    os._exit(1)


@pytest.mark.slow
def test_worker_killed_by_a_replication(
    plan: Path,
    capfd: pytest.CaptureFixture[str],
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    monkeypatch.setattr(runner, "simulate", _die)
    # A restarting worker is not "no worker left".
    monkeypatch.setenv(WAIT_VARIABLE, "20")
    with (
        dask.config.set({"distributed.scheduler.allowed-failures": 0}),
        distributed.LocalCluster(
            n_workers=1,
            threads_per_worker=1,
            processes=True,
            dashboard_address=None,
        ) as cluster,
    ):
        result = run_on(plan, cluster.scheduler_address)
    assert error_line(result, capfd) == (
        "option --dask : une réplication a fait tomber chaque worker Dask "
        "qui la calculait (1 fois de suite : mémoire insuffisante ou arrêt "
        "brutal) : vérifier la mémoire et les journaux des workers, ou "
        "calculer sans "
        "--dask."
    )


_STARTED = threading.Event()
_RELEASE = threading.Event()


def _hold(scenario: Scenario, index: int) -> Replication:
    """A replication that runs until the test lets it go."""
    _STARTED.set()
    _RELEASE.wait(30)
    raise AssertionError("released")


@pytest.fixture
def holding(monkeypatch: pytest.MonkeyPatch) -> Iterator[Any]:
    """An in-process cluster whose replications hang (see :func:`_hold`)."""
    monkeypatch.setattr(runner, "simulate", _hold)
    _STARTED.clear()
    _RELEASE.clear()
    cluster = _local_cluster()
    try:
        yield cluster
    finally:
        _RELEASE.set()
        with suppress(Exception):
            cluster.close(timeout=1)


def _once_started(action: Callable[[], object]) -> threading.Thread:
    def act() -> None:
        if _STARTED.wait(10):
            action()

    thread = threading.Thread(target=act, daemon=True)
    thread.start()
    return thread


def test_scheduler_lost_during_the_run(
    plan: Path, capfd: pytest.CaptureFixture[str], holding: Any
) -> None:
    address = holding.scheduler_address
    _once_started(lambda: holding.sync(holding.scheduler.close))
    assert error_line(run_on(plan, address), capfd) == (
        f"option --dask : connexion au scheduler Dask « {address} » perdue "
        "pendant le calcul : vérifier le scheduler puis relancer."
    )


def test_ctrl_c_during_the_run(
    plan: Path, holding: Any, monkeypatch: pytest.MonkeyPatch
) -> None:
    # A loaded machine must not end the run early (a late worker).
    monkeypatch.setenv(WAIT_VARIABLE, "30")
    # Ctrl-C raises KeyboardInterrupt in the thread running the command.
    # A real SIGINT would reach the main thread, which under pytest-xdist
    # is the worker's, not the test's, and end the worker.
    command = threading.get_ident()
    running = threading.Event()

    def interrupt() -> None:
        if running.is_set():
            ctypes.pythonapi.PyThreadState_SetAsyncExc(
                ctypes.c_ulong(command), ctypes.py_object(KeyboardInterrupt)
            )

    _once_started(interrupt)
    running.set()
    try:
        result = run_on(plan, holding.scheduler_address)
    finally:
        running.clear()
    assert result.exit_code == 2
    assert result.stderr.splitlines()[-1] == "Erreur : Interrompu."
    # The client closed: the scheduler forgot the replications (it hears
    # of the closing a moment later, on its own event loop).
    scheduler = holding.scheduler
    deadline = time.monotonic() + 30
    while (
        scheduler.clients.keys() - {"fire-and-forget"} or scheduler.tasks
    ) and time.monotonic() < deadline:
        time.sleep(0.1)
    assert not scheduler.clients.keys() - {"fire-and-forget"}
    assert scheduler.tasks == {}


@pytest.mark.slow
def test_every_worker_gone_during_the_run(
    plan: Path, capfd: pytest.CaptureFixture[str], holding: Any
) -> None:
    address = holding.scheduler_address
    (worker,) = holding.workers.values()
    _once_started(lambda: holding.sync(worker.close, executor_wait=False))
    assert error_line(run_on(plan, address), capfd) == (
        "option --dask : plus aucun worker Dask connecté au scheduler "
        f"« {address} » depuis 1 s : relancer des workers puis le calcul."
    )
