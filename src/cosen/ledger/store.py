"""The ledger file: opening, migrating, and one transaction per change.

An embedded SQLite database (standard library ``sqlite3``): nothing to
install on a coordinator's workstation, one file to back up. It is opened in
WAL mode with a busy timeout; every change runs in ``BEGIN IMMEDIATE``, so a
second process waits a bounded time for the first and then either runs
after it or stops with a French message, and a process killed at any point
leaves the ledger as it was before its transaction or as after it.

The file and its WAL companions are created with mode 0600. Deleted
content is overwritten (``secure_delete``), so purged personal data do not
linger in free pages.
"""

from __future__ import annotations

import os
import sqlite3
from collections.abc import Iterator
from contextlib import contextmanager
from datetime import datetime
from pathlib import Path
from typing import Final

from cosen.clock import PARIS
from cosen.errors import CosenError
from cosen.io.excel import private_folder
from cosen.ledger.schema import MIGRATIONS
from cosen.parsing import french_number

__all__ = [
    "DEFAULT_LEDGER",
    "LATEST_VERSION",
    "Ledger",
    "LedgerBusyError",
    "LedgerError",
    "ledger_path",
]

DEFAULT_LEDGER: Final = "cosen.db"
LEDGER_VARIABLE: Final = "COSEN_DB"
LATEST_VERSION: Final = MIGRATIONS[-1][0]
DEFAULT_WAIT: Final = 10.0


class LedgerError(CosenError):
    """The ledger cannot be used (not a ledger, too new, unwritable)."""


class LedgerBusyError(LedgerError):
    """Another process kept the ledger longer than we could wait."""


def ledger_path(option: Path | None) -> Path:
    """The ledger to use: ``--db``, else ``$COSEN_DB``, else ./cosen.db."""
    if option is not None:
        return option
    return Path(os.environ.get(LEDGER_VARIABLE) or DEFAULT_LEDGER)


class Ledger:
    """An open ledger, migrated to the latest schema.

    Parameters
    ----------
    path
        The SQLite file (created if missing).
    wait
        Seconds to wait for another process holding the ledger.
    version
        Migrate only up to this version (tests of upgrades).

    Raises
    ------
    LedgerError
        Not a ledger, written by a newer cosen, or not writable.
    """

    def __init__(
        self,
        path: Path,
        wait: float = DEFAULT_WAIT,
        version: int = LATEST_VERSION,
    ) -> None:
        self.path = path
        self.wait = wait
        _create_private(path)
        # The WAL and shared-memory files SQLite creates next to the ledger
        # take this process's umask: keep them private too.
        previous = os.umask(0o077)
        try:
            self.connection = sqlite3.connect(
                path, timeout=wait, isolation_level=None
            )
            self._configure()
            self._migrate(version)
        except sqlite3.DatabaseError as error:
            self.close()
            raise _french(error, path) from None
        finally:
            os.umask(previous)

    def _configure(self) -> None:
        db = self.connection
        db.execute("PRAGMA journal_mode = WAL")
        db.execute("PRAGMA synchronous = FULL")
        db.execute("PRAGMA foreign_keys = ON")
        db.execute("PRAGMA secure_delete = ON")

    @property
    def version(self) -> int:
        """Schema version of the ledger (0: empty)."""
        row = self.connection.execute(
            "SELECT max(version) FROM schema_migrations"
        ).fetchone()
        return int(row[0] or 0)

    def _migrate(self, target: int) -> None:
        self.connection.execute(
            "CREATE TABLE IF NOT EXISTS schema_migrations ("
            "version INTEGER PRIMARY KEY, description TEXT NOT NULL, "
            "applied_at TEXT NOT NULL)"
        )
        if self.version > LATEST_VERSION:
            raise LedgerError(
                f"le registre « {self.path.name} » vient d'une version plus "
                f"récente de cosen (schéma {self.version}, cette version "
                f"connaît le {LATEST_VERSION}) : mettre cosen à jour."
            )
        for version, description, statements in MIGRATIONS:
            if version > target:
                break
            if self.version >= version:
                continue
            # Each migration in its own transaction, re-checked inside it:
            # two processes opening an old ledger at once apply it once.
            with self.transaction() as db:
                if self.version >= version:
                    continue
                for statement in statements:
                    db.execute(statement)
                db.execute(
                    "INSERT INTO schema_migrations VALUES (?, ?, ?)",
                    (version, description, _now_text()),
                )

    @contextmanager
    def transaction(self) -> Iterator[sqlite3.Connection]:
        """``BEGIN IMMEDIATE`` ... ``COMMIT``, rolled back on any error.

        Raises
        ------
        LedgerBusyError
            When another process holds the ledger longer than ``wait``.
        """
        db = self.connection
        try:
            db.execute("BEGIN IMMEDIATE")
        except sqlite3.OperationalError as error:
            raise _french(error, self.path, self.wait) from None
        try:
            yield db
        except BaseException:
            db.execute("ROLLBACK")
            raise
        try:
            db.execute("COMMIT")
        except sqlite3.DatabaseError as error:
            db.execute("ROLLBACK")
            raise _french(error, self.path, self.wait) from None

    def vacuum(self) -> None:
        """Rewrite the file and empty the WAL: freed pages leave the disk."""
        self.connection.execute("VACUUM")
        self.connection.execute("PRAGMA wal_checkpoint(TRUNCATE)")

    def close(self) -> None:
        connection = getattr(self, "connection", None)
        if connection is not None:
            connection.close()

    def __enter__(self) -> Ledger:
        return self

    def __exit__(self, *_: object) -> None:
        self.close()


def _create_private(path: Path) -> None:
    if path.exists():
        if path.is_dir():
            raise LedgerError(f"« {path} » est un dossier, pas un registre.")
        return
    try:
        private_folder(path.parent)
        os.close(os.open(path, os.O_CREAT | os.O_WRONLY, 0o600))
    except OSError as error:
        raise LedgerError(
            f"impossible de créer le registre « {path} » "
            f"({error.strerror or 'accès refusé'})."
        ) from None


def _french(
    error: sqlite3.DatabaseError, path: Path, wait: float = 0.0
) -> LedgerError:
    text = str(error).lower()
    if "locked" in text or "busy" in text:
        return LedgerBusyError(
            f"le registre « {path.name} » est utilisé par un autre "
            f"traitement depuis plus de {french_number(wait, None)} s : "
            "réessayer plus tard."
        )
    if "not a database" in text or "malformed" in text:
        return LedgerError(
            f"« {path.name} » n'est pas un registre cosen lisible."
        )
    return LedgerError(f"registre « {path.name} » inutilisable ({error}).")


def _now_text() -> str:
    return datetime.now(PARIS).isoformat(timespec="seconds")
