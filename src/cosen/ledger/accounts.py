"""The desk's tables: accounts, sessions, failed logins, the access log.

:class:`AccountStore` is to these tables what
:class:`~cosen.ledger.database.Database` is to the booking tables: every
statement on them lives here, behind typed methods, run inside the
transactions of the :class:`Database` it wraps. The rules (hashing,
lockout, idle expiry) are in :mod:`cosen.ledger.users`.
"""

from __future__ import annotations

import enum
from collections.abc import Iterable
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from cosen.ledger.database import Database

__all__ = ["AccessEntry", "Account", "AccountStore", "Role", "StoredSession"]


class Role(enum.StrEnum):
    """What a desk user may do (French words: what users type)."""

    COORDINATOR = "coordinateur"
    CENTRE = "centre"
    PLANNER = "planificateur"
    ADMIN = "admin"


@dataclass(frozen=True)
class Account:
    """A desk user (no password: its hash stays in the store)."""

    login: str
    role: Role
    centre: str | None
    active: bool
    created_at: datetime

    def __post_init__(self) -> None:
        if (self.role is Role.CENTRE) != (self.centre is not None):
            raise ValueError("a centre account, and only it, has a centre")


@dataclass(frozen=True)
class StoredSession:
    """A server-side session as stored (keyed by its token's digest)."""

    login: str | None
    created_at: datetime
    seen_at: datetime
    data: str


@dataclass(frozen=True)
class AccessEntry:
    """One display or change of a patient's data."""

    at: datetime
    login: str
    referral_id: str
    action: str


def _text(moment: datetime) -> str:
    return moment.isoformat(timespec="seconds")


class AccountStore:
    """Typed statements on the desk's tables of an open ledger."""

    def __init__(self, ledger: Database) -> None:
        self._execute = ledger.backend.execute
        self._execute_many = ledger.backend.execute_many

    # ----------------------------------------------------------------------
    # Accounts

    def add_account(self, account: Account, password_hash: str) -> bool:
        """A new account; ``False`` if the login is taken."""
        rows = self._execute(
            "INSERT INTO accounts (login, role, centre, password_hash, "
            "active, created_at) VALUES (?, ?, ?, ?, ?, ?) "
            "ON CONFLICT (login) DO NOTHING RETURNING login",
            (
                account.login,
                account.role.value,
                account.centre,
                password_hash,
                int(account.active),
                _text(account.created_at),
            ),
        )
        return bool(rows)

    def account(self, login: str) -> tuple[Account, str] | None:
        """An account and its password hash."""
        rows = self._execute(
            f"SELECT {_ACCOUNT_COLUMNS}, password_hash FROM accounts "
            "WHERE login = ?",
            (login,),
        )
        if not rows:
            return None
        return _account(rows[0][:5]), str(rows[0][5])

    def accounts(self) -> list[Account]:
        """Every account, by login."""
        return [
            _account(row)
            for row in self._execute(
                f"SELECT {_ACCOUNT_COLUMNS} FROM accounts ORDER BY login"
            )
        ]

    def set_active(self, login: str, active: bool) -> bool:
        """Enable or disable an account; ``False`` if unknown."""
        rows = self._execute(
            "UPDATE accounts SET active = ? WHERE login = ? RETURNING login",
            (int(active), login),
        )
        return bool(rows)

    def set_password_hash(self, login: str, password_hash: str) -> None:
        """A new hash for the same password (the hasher's parameters
        changed)."""
        self._execute(
            "UPDATE accounts SET password_hash = ? WHERE login = ?",
            (password_hash, login),
        )

    # ----------------------------------------------------------------------
    # Failed logins

    def add_failure(self, login: str, at: datetime) -> None:
        """A failed login for ``login`` (known or not)."""
        self._execute(
            "INSERT INTO login_failures (login, failed_at) VALUES (?, ?)",
            (login, _text(at)),
        )

    def failures_since(self, login: str, since: datetime) -> list[datetime]:
        """Failed logins for ``login`` at or after ``since``, oldest
        first."""
        return [
            datetime.fromisoformat(at)
            for (at,) in self._execute(
                "SELECT failed_at FROM login_failures WHERE login = ? "
                "AND failed_at >= ? ORDER BY failed_at",
                (login, _text(since)),
            )
        ]

    def clear_failures(self, login: str, before: datetime | None) -> None:
        """Forget ``login``'s failures (all, or those before ``before``:
        too old to count)."""
        if before is None:
            self._execute(
                "DELETE FROM login_failures WHERE login = ?", (login,)
            )
        else:
            self._execute(
                "DELETE FROM login_failures WHERE failed_at < ?",
                (_text(before),),
            )

    # ----------------------------------------------------------------------
    # Sessions

    def add_session(
        self, digest: str, login: str | None, at: datetime, data: str
    ) -> None:
        """A new session."""
        self._execute(
            "INSERT INTO web_sessions VALUES (?, ?, ?, ?, ?)",
            (digest, login, _text(at), _text(at), data),
        )

    def session(self, digest: str) -> StoredSession | None:
        """A session by its token's digest."""
        rows = self._execute(
            "SELECT login, created_at, seen_at, data FROM web_sessions "
            "WHERE token_sha256 = ?",
            (digest,),
        )
        if not rows:
            return None
        login, created, seen, data = rows[0]
        return StoredSession(
            login,
            datetime.fromisoformat(created),
            datetime.fromisoformat(seen),
            str(data),
        )

    def touch_session(
        self, digest: str, at: datetime, data: str | None
    ) -> None:
        """The session was used at ``at`` (and its data changed)."""
        if data is None:
            self._execute(
                "UPDATE web_sessions SET seen_at = ? WHERE token_sha256 = ?",
                (_text(at), digest),
            )
        else:
            self._execute(
                "UPDATE web_sessions SET seen_at = ?, data = ? "
                "WHERE token_sha256 = ?",
                (_text(at), data, digest),
            )

    def delete_session(self, digest: str) -> None:
        """End one session."""
        self._execute(
            "DELETE FROM web_sessions WHERE token_sha256 = ?", (digest,)
        )

    def delete_sessions(
        self, login: str | None = None, idle_before: datetime | None = None
    ) -> None:
        """End every session of ``login``, or those idle since before
        ``idle_before``."""
        if login is not None:
            self._execute("DELETE FROM web_sessions WHERE login = ?", (login,))
        if idle_before is not None:
            self._execute(
                "DELETE FROM web_sessions WHERE seen_at < ?",
                (_text(idle_before),),
            )

    # ----------------------------------------------------------------------
    # Access log

    def log_access(self, entries: Iterable[AccessEntry]) -> None:
        """Record displays or changes of patients' data."""
        self._execute_many(
            "INSERT INTO access_log (at, login, referral_id, action) "
            "VALUES (?, ?, ?, ?)",
            [(_text(e.at), e.login, e.referral_id, e.action) for e in entries],
        )

    def access_log(
        self, referral_id: str | None = None, limit: int = 500
    ) -> list[AccessEntry]:
        """The latest entries (of one referral if given), newest first."""
        where, parameters = "", []
        if referral_id is not None:
            where, parameters = "WHERE referral_id = ? ", [referral_id]
        rows: list[Any] = self._execute(
            "SELECT at, login, referral_id, action FROM access_log "
            f"{where}ORDER BY id DESC LIMIT ?",
            [*parameters, limit],
        )
        return [
            AccessEntry(datetime.fromisoformat(at), login, ref, action)
            for at, login, ref, action in rows
        ]


_ACCOUNT_COLUMNS = "login, role, centre, active, created_at"


def _account(row: Any) -> Account:
    login, role, centre, active, created = row
    return Account(
        str(login),
        Role(role),
        centre,
        bool(active),
        datetime.fromisoformat(created),
    )
