"""A throwaway PostgreSQL cluster for the ledger tests.

``COSEN_TEST_POSTGRES`` may name an existing server (a ``postgresql://``
URL on which the tests may create schemas); otherwise, where the
distribution's PostgreSQL is installed, a cluster is made with ``initdb``
in a temporary folder, listening on loopback only, run by an unprivileged
user (``postgres`` when the tests run as root), and stopped at the end.
Where neither is possible, :func:`start` says why, and the PostgreSQL
tests skip with that reason.
"""

from __future__ import annotations

import glob
import os
import pwd
import shutil
import socket
import subprocess
import tempfile
import uuid
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path

import psycopg

VARIABLE = "COSEN_TEST_POSTGRES"


@dataclass(frozen=True)
class Server:
    """A PostgreSQL server the tests may use."""

    url: str
    data: Path | None
    """The cluster's data folder, when the tests made it."""

    def schema_url(self) -> str:
        """A new empty schema, as a URL whose connections use it."""
        name = f"t_{uuid.uuid4().hex[:12]}"
        with psycopg.connect(self.url, autocommit=True) as connection:
            connection.execute(f"CREATE SCHEMA {name}")
        separator = "&" if "?" in self.url else "?"
        return f"{self.url}{separator}options=-csearch_path%3D{name}"


def _binary(name: str) -> str | None:
    found = shutil.which(name)
    if found:
        return found
    candidates = sorted(glob.glob(f"/usr/lib/postgresql/*/bin/{name}"))
    return candidates[-1] if candidates else None


def _free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return int(probe.getsockname()[1])


@contextmanager
def start() -> Iterator[Server | str]:
    """A server, or the reason there is none."""
    if os.environ.get(VARIABLE):
        yield Server(os.environ[VARIABLE], None)
        return
    initdb, pg_ctl = _binary("initdb"), _binary("pg_ctl")
    if not (initdb and pg_ctl):
        yield "PostgreSQL n'est pas installé (initdb introuvable)"
        return
    # PostgreSQL refuses to run as root: the cluster belongs to the
    # "postgres" user, in a folder of its own under /tmp (pytest's are
    # private to root).
    folder = Path(tempfile.mkdtemp(prefix="cosen-pg-"))
    try:
        with _cluster(folder, initdb, pg_ctl) as server:
            yield server
    finally:
        shutil.rmtree(folder, ignore_errors=True)


@contextmanager
def _cluster(folder: Path, initdb: str, pg_ctl: str) -> Iterator[Server | str]:
    prefix: list[str] = []
    if os.geteuid() == 0:
        try:
            owner = pwd.getpwnam("postgres")
        except KeyError:
            yield "pas d'utilisateur « postgres » pour lancer le serveur"
            return
        prefix = ["runuser", "-u", "postgres", "--"]
        os.chown(folder, owner.pw_uid, owner.pw_gid)
    data, port = folder / "data", _free_port()
    try:
        subprocess.run(
            [*prefix, initdb, "-D", str(data), "-A", "trust", "-U", "cosen",
             "-E", "UTF8", "--no-sync"],
            check=True, capture_output=True, timeout=120,
        )  # fmt: skip
        subprocess.run(
            [*prefix, pg_ctl, "-D", str(data), "-w", "-l",
             str(folder / "server.log"), "-o",
             f"-c listen_addresses=127.0.0.1 -p {port} -k {folder} "
             "-c fsync=off -c max_connections=200", "start"],
            check=True, capture_output=True, timeout=120,
        )  # fmt: skip
    except (OSError, subprocess.SubprocessError) as error:
        yield f"le serveur PostgreSQL de test n'a pas démarré ({error})"
        return
    try:
        yield Server(f"postgresql://cosen@127.0.0.1:{port}/postgres", data)
    finally:
        subprocess.run(
            [*prefix, pg_ctl, "-D", str(data), "-m", "immediate", "stop"],
            check=False, capture_output=True, timeout=60,
        )  # fmt: skip
