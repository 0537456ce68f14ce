"""The two databases a ledger can live in: an SQLite file or PostgreSQL.

A backend opens the connection, runs transactions with the guarantees the
ledger needs, and turns the driver's errors into French lines:

- *write* transactions are exclusive: SQLite takes its write lock at
  ``BEGIN IMMEDIATE``, PostgreSQL takes a transaction-level advisory lock
  first. A second writer waits a bounded time, then stops with a French
  message; runs, answers and purges are thus serialized on both.
- *read* transactions see one snapshot (an SQLite read transaction in WAL
  mode; ``REPEATABLE READ`` in PostgreSQL), so an export never mixes two
  runs.

Everything above this module is the same for both: SQL is written once,
with ``?`` placeholders, and the dialect adapts it. The SQL itself lives in
:class:`cosen.ledger.database.Database`.
"""

from __future__ import annotations

import os
import re
import sqlite3
from collections.abc import Iterable, Iterator, Sequence
from contextlib import AbstractContextManager, contextmanager, suppress
from pathlib import Path
from typing import Any, Final, Protocol
from urllib.parse import urlsplit

from cosen.errors import CosenError
from cosen.io.excel import private_folder
from cosen.parsing import french_number

__all__ = [
    "Backend",
    "LedgerBusyError",
    "LedgerError",
    "describe",
    "is_url",
    "open_backend",
]

# The advisory lock that serializes cosen writers on one ledger: a
# constant ("cose" in ASCII) and the ledger's schema, so that two ledgers
# in two schemas of one database never wait for each other.
_ADVISORY_LOCK: Final = 0x636F7365
_URL_SCHEMES: Final = ("postgresql://", "postgres://")


class LedgerError(CosenError):
    """The ledger cannot be used (not a ledger, too new, unwritable)."""


class LedgerBusyError(LedgerError):
    """Another process kept the ledger longer than we could wait."""


Row = tuple[Any, ...]


class Backend(Protocol):
    """What the ledger needs from a database."""

    name: str
    """``sqlite`` or ``postgresql``."""
    serial: str
    """Column type of a generated integer key."""

    def execute(self, sql: str, parameters: Sequence[Any] = ()) -> list[Row]:
        """Run one statement (``?`` placeholders); return its rows."""

    def execute_many(self, sql: str, rows: Iterable[Sequence[Any]]) -> None:
        """Run one statement for each parameter row."""

    def write(self) -> AbstractContextManager[None]:
        """An exclusive transaction, committed on success."""

    def read(self) -> AbstractContextManager[None]:
        """A transaction that sees one snapshot."""

    def tables(self) -> set[str]:
        """Names of the tables the database holds."""

    def prepare(self) -> None:
        """Set the database up to hold a ledger (once it is known to be
        one, or empty)."""

    def compact(self, tables: Sequence[str]) -> None:
        """Rewrite ``tables`` so that deleted data leave the disk."""

    def close(self) -> None:
        """Close the connection (idempotent)."""


def is_url(target: str | Path) -> bool:
    """Whether ``target`` names a PostgreSQL database rather than a file."""
    return str(target).startswith(_URL_SCHEMES)


def describe(target: str | Path) -> str:
    """How to name a ledger in a message: a file's name, or a database's
    host and name (never the password a URL may hold)."""
    if not is_url(target):
        return f"« {Path(target).name} »"
    parts = urlsplit(str(target))
    where = parts.hostname or "local"
    name = parts.path.lstrip("/") or "postgres"
    return f"PostgreSQL « {name} » sur {where}"


def open_backend(target: str | Path, wait: float, create: bool) -> Backend:
    """Connect to the ledger ``target`` (a file path or a URL).

    Without ``create``, a missing ledger file is an error rather than a
    new empty ledger (commands that only read or answer).
    """
    if is_url(target):
        return _Postgres(str(target), wait)
    path = Path(target)
    if not create and not path.exists():
        raise LedgerError(f"registre introuvable : {path}")
    return _Sqlite(path, wait)


class _Transactions:
    """One transaction at a time, committed when its block ends, rolled
    back on any error (the driver's errors in French, through
    :meth:`execute`)."""

    def execute(self, sql: str, parameters: Sequence[Any] = ()) -> list[Row]:
        raise NotImplementedError

    def _rollback(self) -> None:
        raise NotImplementedError

    @contextmanager
    def _transaction(self, begin: str) -> Iterator[None]:
        self.execute(begin)
        try:
            yield
        except BaseException:
            self._rollback()
            raise
        try:
            self.execute("COMMIT")
        except LedgerError:
            self._rollback()
            raise


# --------------------------------------------------------------------------
# SQLite


class _Sqlite(_Transactions):
    """An embedded ledger file: nothing to install, one file to back up.

    WAL mode with ``synchronous = FULL``, so a process killed at any point
    leaves the file as before its transaction or as after it. The file and
    its WAL companions are 0600, deleted content is overwritten
    (``secure_delete``).
    """

    name = "sqlite"
    serial = "INTEGER PRIMARY KEY"

    def __init__(self, path: Path, wait: float) -> None:
        self.path = path
        self.wait = wait
        _create_private(path)
        # SQLite writes beside the file (WAL, shared memory) even to read:
        # a ledger or folder that cannot be written cannot be used.
        if not (os.access(path, os.W_OK) and os.access(path.parent, os.W_OK)):
            raise LedgerError(
                f"registre {describe(path)} inutilisable : fichier ou "
                "dossier en lecture seule ; il est resté tel qu'avant la "
                "commande."
            )
        # The WAL and shared-memory files SQLite creates next to the ledger
        # take this process's umask: keep them private too.
        previous = os.umask(0o077)
        try:
            self.connection = sqlite3.connect(
                path, timeout=wait, isolation_level=None
            )
            self.connection.execute("PRAGMA synchronous = FULL")
            self.connection.execute("PRAGMA foreign_keys = ON")
            self.connection.execute("PRAGMA secure_delete = ON")
        except sqlite3.DatabaseError as error:
            self.close()
            raise self._french(error) from None
        finally:
            os.umask(previous)

    def prepare(self) -> None:
        # WAL is a property of the file: set it only on a ledger's own.
        previous = os.umask(0o077)
        try:
            self.execute("PRAGMA journal_mode = WAL")
        finally:
            os.umask(previous)
        # Damage from outside (a disk, a copy cut short, an editor) would
        # otherwise surface as a failure in the middle of some command,
        # or not at all before an answer is written next to it.
        if self.execute("PRAGMA quick_check") != [("ok",)]:
            raise LedgerError(
                f"registre {describe(self.path)} endommagé : ne plus "
                "l'utiliser, restaurer la dernière sauvegarde."
            )

    def execute(self, sql: str, parameters: Sequence[Any] = ()) -> list[Row]:
        try:
            return self.connection.execute(sql, tuple(parameters)).fetchall()
        except sqlite3.DatabaseError as error:
            raise self._french(error) from None

    def execute_many(self, sql: str, rows: Iterable[Sequence[Any]]) -> None:
        try:
            self.connection.executemany(sql, rows)
        except sqlite3.DatabaseError as error:
            raise self._french(error) from None

    @contextmanager
    def write(self) -> Iterator[None]:
        with self._transaction("BEGIN IMMEDIATE"):
            yield

    @contextmanager
    def read(self) -> Iterator[None]:
        with self._transaction("BEGIN"):
            yield

    def _rollback(self) -> None:
        self.connection.execute("ROLLBACK")

    def tables(self) -> set[str]:
        return {
            name
            for (name,) in self.execute(
                "SELECT name FROM sqlite_master WHERE type = 'table'"
            )
        }

    def compact(self, tables: Sequence[str]) -> None:
        # VACUUM rewrites the whole file; the checkpoint empties the WAL,
        # which may still hold the old pages.
        self.execute("VACUUM")
        self.execute("PRAGMA wal_checkpoint(TRUNCATE)")

    def close(self) -> None:
        connection = getattr(self, "connection", None)
        if connection is not None:
            connection.close()

    def _french(self, error: sqlite3.DatabaseError) -> LedgerError:
        text = str(error).lower()
        where = describe(self.path)
        if "locked" in text or "busy" in text:
            return LedgerBusyError(
                f"le registre {where} est utilisé par un autre traitement "
                f"depuis plus de {french_number(self.wait, None)} s : "
                "réessayer plus tard."
            )
        if "not a database" in text:
            return LedgerError(f"{where} n'est pas un registre cosen lisible.")
        if "malformed" in text or "corrupt" in text:
            return LedgerError(
                f"registre {where} endommagé : ne plus l'utiliser, "
                "restaurer la dernière sauvegarde."
            )
        for words, french in _SQLITE_PROBLEMS:
            if any(word in text for word in words):
                return LedgerError(
                    f"registre {where} inutilisable : {french} ; il est "
                    "resté tel qu'avant la commande."
                )
        return LedgerError(
            f"registre {where} inutilisable (erreur SQLite "
            f"{type(error).__name__})."
        )


# What SQLite says, and how a coordinator reads it.
_SQLITE_PROBLEMS: Final = (
    (("readonly", "read-only"), "fichier en lecture seule"),
    (("disk is full", "database or disk is full"), "disque plein"),
    (("unable to open",), "fichier impossible à ouvrir (droits ?)"),
    (("disk i/o",), "erreur de lecture ou d'écriture du disque"),
)


def _create_private(path: Path) -> None:
    if path.exists():
        if path.is_dir():
            raise LedgerError(f"« {path} » est un dossier, pas un registre.")
        if not path.is_file():  # a device, a fifo, a socket
            raise LedgerError(
                f"« {path} » n'est pas un fichier ordinaire : indiquer un "
                "fichier de registre."
            )
        return
    try:
        private_folder(path.parent)
        os.close(os.open(path, os.O_CREAT | os.O_WRONLY, 0o600))
    except OSError as error:
        raise LedgerError(
            f"impossible de créer le registre « {path} » "
            f"({error.strerror or 'accès refusé'})."
        ) from None


# --------------------------------------------------------------------------
# PostgreSQL


class _Postgres(_Transactions):
    """A ledger in a PostgreSQL database (psycopg 3).

    For a network that serves several telesecretariats or runs on a
    certified health-data host. The connection is in autocommit mode and
    every transaction is explicit; writers are serialized by an advisory
    lock taken at the start of each write transaction, waited for at most
    ``wait`` seconds (``lock_timeout``).
    """

    name = "postgresql"
    serial = "BIGINT GENERATED BY DEFAULT AS IDENTITY PRIMARY KEY"

    def __init__(self, url: str, wait: float) -> None:
        import psycopg

        self.url = url
        self.wait = wait
        self._errors = psycopg.Error
        try:
            self.connection = psycopg.connect(
                url,
                autocommit=True,
                connect_timeout=max(1, round(wait)),
                application_name="cosen",
            )
        except psycopg.Error as error:
            raise self._french(error) from None

    def execute(self, sql: str, parameters: Sequence[Any] = ()) -> list[Row]:
        try:
            cursor = self.connection.execute(
                _placeholders(sql), tuple(parameters)
            )
            return cursor.fetchall() if cursor.description else []
        except self._errors as error:
            raise self._french(error) from None

    def execute_many(self, sql: str, rows: Iterable[Sequence[Any]]) -> None:
        rows = [tuple(row) for row in rows]
        if not rows:
            return
        try:
            with self.connection.cursor() as cursor:
                cursor.executemany(_placeholders(sql), rows)
        except self._errors as error:
            raise self._french(error) from None

    @contextmanager
    def write(self) -> Iterator[None]:
        with self._transaction("BEGIN"):
            milliseconds = max(1, round(self.wait * 1000))
            self.execute(f"SET LOCAL lock_timeout = {milliseconds}")
            self.execute(
                "SELECT pg_advisory_xact_lock(?, hashtext(current_schema()))",
                (_ADVISORY_LOCK,),
            )
            yield

    @contextmanager
    def read(self) -> Iterator[None]:
        with self._transaction(
            "BEGIN ISOLATION LEVEL REPEATABLE READ READ ONLY"
        ):
            yield

    def _rollback(self) -> None:
        # If the connection is gone, the server rolled it back already.
        with suppress(self._errors):
            self.connection.execute("ROLLBACK")

    def tables(self) -> set[str]:
        return {
            name
            for (name,) in self.execute(
                "SELECT table_name FROM information_schema.tables "
                "WHERE table_schema = current_schema()"
            )
        }

    def prepare(self) -> None:
        pass  # nothing to set: the server's configuration is the host's

    def compact(self, tables: Sequence[str]) -> None:
        # VACUUM FULL writes new files for the tables and deletes the old
        # ones, dead rows included; it cannot run inside a transaction.
        self.execute("VACUUM FULL " + ", ".join(tables))

    def close(self) -> None:
        connection = getattr(self, "connection", None)
        if connection is not None:
            connection.close()

    def _french(self, error: Exception) -> LedgerError:
        where = describe(self.url)
        state = getattr(error, "sqlstate", None) or ""
        if state == "55P03":  # lock_not_available
            return LedgerBusyError(
                f"le registre {where} est utilisé par un autre traitement "
                f"depuis plus de {french_number(self.wait, None)} s : "
                "réessayer plus tard."
            )
        if state.startswith("28"):  # invalid authorization
            return LedgerError(
                f"registre {where} : connexion refusée (identifiant ou mot "
                "de passe)."
            )
        if not state or state.startswith("08"):  # connection exception
            return LedgerError(
                f"registre {where} injoignable : vérifier l'adresse et que "
                "le serveur PostgreSQL fonctionne."
            )
        # The server's message may quote data: give its class only.
        return LedgerError(
            f"registre {where} inutilisable (erreur PostgreSQL {state})."
        )


_PLACEHOLDER: Final = re.compile(r"\?")


def _placeholders(sql: str) -> str:
    """SQLite's ``?`` as psycopg's ``%s`` (no literal ``%`` or ``?`` is
    ever written in cosen's SQL)."""
    return _PLACEHOLDER.sub("%s", sql)
