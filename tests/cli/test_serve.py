"""``cosen serve``: the desk behind waitress, as a real process."""

from __future__ import annotations

import os
import signal
import socket
import subprocess
import sys
import time
import urllib.request
from pathlib import Path

import pytest
from click.testing import CliRunner

from cosen.cli import cli


def _free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return int(probe.getsockname()[1])


@pytest.mark.slow
def test_serve_answers_on_loopback_and_stops(tmp_path: Path) -> None:
    port = _free_port()
    server = subprocess.Popen(
        [
            sys.executable,
            "-m",
            "cosen",
            "serve",
            "--db",
            str(tmp_path / "cosen.db"),
            "--port",
            str(port),
            "--files",
            str(tmp_path / "fichiers"),
        ],
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        cwd=tmp_path,
    )
    try:
        page = ""
        for _ in range(100):
            try:
                with urllib.request.urlopen(
                    f"http://127.0.0.1:{port}/connexion", timeout=2
                ) as response:
                    page = response.read().decode()
                    server_header = response.headers["Server"]
                break
            except OSError:
                time.sleep(0.1)
        assert "Connexion au guichet COSEN" in page
        assert server_header == "cosen"
        assert (tmp_path / "cosen.db").stat().st_mode & 0o777 == 0o600
        assert (tmp_path / "fichiers").stat().st_mode & 0o077 == 0
    finally:
        server.send_signal(signal.SIGINT)
        out, _ = server.communicate(timeout=20)
    assert f"http://127.0.0.1:{port}/" in out.decode()


def test_serve_refuses_a_foreign_database_in_french(tmp_path: Path) -> None:
    foreign = tmp_path / "autre.db"
    import sqlite3

    with sqlite3.connect(foreign) as connection:
        connection.execute("CREATE TABLE clients (nom TEXT)")
    result = CliRunner().invoke(cli, ["serve", "--db", str(foreign)])
    assert result.exit_code == 2
    assert "n'est pas un registre cosen" in result.stderr or (
        "contient déjà des données" in result.stderr
    )
    assert os.path.getsize(foreign) > 0
