"""What every request of the desk shares: the ledger, the clock, the
files folder and the signed-in account.

The server opens the ledger once at start (:class:`Database` migrates it
and checks its integrity); each worker thread then keeps one connection
of its own (:meth:`Database.reopen`: no migration, no integrity check),
dropped when the ledger failed under it, so the next request reconnects.
Write transactions stay exclusive across threads and processes (the
ledger's lock), so the desk and ``cosen batch`` may work at once.
"""

from __future__ import annotations

import sqlite3
import threading
from collections.abc import Callable
from contextlib import suppress
from dataclasses import dataclass, field
from datetime import datetime
from pathlib import Path

from flask import current_app, g

from cosen.clock import PARIS
from cosen.ledger import Database
from cosen.ledger.accounts import Account

__all__ = ["Desk", "account", "desk", "ledger", "now"]


@dataclass
class Desk:
    """A running desk's settings and shared state.

    Attributes
    ----------
    target
        The ledger (SQLite file or URL).
    files
        Where runs' files are written and centre lists prepared.
    wait
        Seconds a request waits for the ledger held by another writer.
    allocating
        Held while an allocation runs from this desk: a second one is told
        at once rather than queued.
    clock
        The current time (tests move it).
    """

    target: str | Path
    files: Path
    wait: float
    clock: Callable[[], datetime] = field(default=lambda: datetime.now(PARIS))
    allocating: threading.Lock = field(default_factory=threading.Lock)
    local: threading.local = field(default_factory=threading.local)
    opened: list[Database] = field(default_factory=list)
    writers: threading.Lock = field(default_factory=threading.Lock)

    def close(self) -> None:
        """Close every thread's connection (the server stops)."""
        while self.opened:
            connection = self.opened.pop()
            # SQLite lets only its own thread close a connection; those of
            # finished threads go with them.
            with suppress(sqlite3.ProgrammingError):
                connection.close()


def desk() -> Desk:
    """The running desk."""
    found: Desk = current_app.extensions["cosen"]
    return found


def ledger() -> Database:
    """This thread's connection to the ledger."""
    state = desk()
    connection: Database | None = getattr(state.local, "ledger", None)
    if connection is None:
        connection = Database.reopen(state.target, state.wait, state.writers)
        state.local.ledger = connection
        state.opened.append(connection)
    return connection


def drop_ledger() -> None:
    """Forget this thread's connection (after the ledger failed)."""
    state = desk()
    connection: Database | None = getattr(state.local, "ledger", None)
    if connection is not None:
        connection.close()
        state.local.ledger = None
        if connection in state.opened:
            state.opened.remove(connection)


def now() -> datetime:
    """The current time in Paris (to the second)."""
    return desk().clock().replace(microsecond=0)


def account() -> Account | None:
    """The signed-in account, if any."""
    found: Account | None = g.get("account")
    return found
