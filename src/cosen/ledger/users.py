"""Desk users: accounts, logins, sessions and the access log's rules.

Passwords are hashed with Argon2id (argon2-cffi's defaults, RFC 9106's
low-memory profile). Failed logins are counted per login typed (known or
not, so that an answer never tells whether a login exists): from the
:data:`SLOW_AFTER`-th failure within :data:`FAILURE_WINDOW`, the next try
must wait (5 s, doubling, at most a minute); at :data:`LOCK_AFTER`
failures the login is locked for :data:`LOCK_TIME`, right password or not.
A session is a random token whose digest the ledger keeps; it ends after
:data:`IDLE` without a request, at logout, or when its account is
disabled.
"""

from __future__ import annotations

import hashlib
import re
import secrets
from collections.abc import Iterable
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Final

from argon2 import PasswordHasher
from argon2.exceptions import InvalidHashError, VerificationError

from cosen.errors import CosenError
from cosen.ledger.accounts import (
    AccessEntry,
    Account,
    AccountStore,
    Role,
    StoredSession,
)
from cosen.ledger.database import Database
from cosen.parsing import french_duration

__all__ = [
    "FAILURE_WINDOW",
    "IDLE",
    "LOCK_AFTER",
    "LOCK_TIME",
    "MIN_PASSWORD",
    "SLOW_AFTER",
    "LoginResult",
    "access_log",
    "add_user",
    "authenticate",
    "disable_user",
    "end_session",
    "list_users",
    "load_session",
    "log_access",
    "new_session",
    "save_session",
]

IDLE: Final = timedelta(minutes=30)
FAILURE_WINDOW: Final = timedelta(minutes=15)
SLOW_AFTER: Final = 3
LOCK_AFTER: Final = 10
LOCK_TIME: Final = timedelta(minutes=30)
MIN_PASSWORD: Final = 10
# Seconds to wait before a new try after SLOW_AFTER failures, doubling.
_FIRST_DELAY: Final = 5
_MAX_DELAY: Final = 60
_LOGIN: Final = re.compile(r"[a-z0-9][a-z0-9._-]{1,39}")
_CENTRE: Final = re.compile(r"[A-Za-z0-9_-]{1,40}")
_HASHER: Final = PasswordHasher()
# Verified against when the login is unknown: the same time either way.
_DUMMY_HASH: Final = _HASHER.hash(secrets.token_hex(16))
_WRONG: Final = "identifiant ou mot de passe incorrect."


def add_user(
    ledger: Database,
    login: str,
    role: Role,
    centre: str | None,
    password: str,
    at: datetime,
) -> Account:
    """Create an account.

    Raises
    ------
    CosenError
        When the login, centre or password is unusable, or the login is
        taken.
    """
    if not _LOGIN.fullmatch(login):
        raise CosenError(
            "identifiant invalide : 2 à 40 caractères, minuscules, chiffres, "
            "« . », « _ » ou « - »."
        )
    if role is Role.CENTRE:
        if not centre or not _CENTRE.fullmatch(centre):
            raise CosenError(
                "un compte centre indique son centre : --centre CODE "
                "(lettres, chiffres, « - », « _ »)."
            )
    elif centre is not None:
        raise CosenError("--centre ne s'emploie qu'avec le rôle centre.")
    if len(password) < MIN_PASSWORD:
        raise CosenError(
            f"mot de passe trop court : au moins {MIN_PASSWORD} caractères."
        )
    account = Account(login, role, centre, True, at)
    password_hash = _HASHER.hash(password)
    with ledger.write() as db:
        if not AccountStore(db).add_account(account, password_hash):
            raise CosenError(f"le compte « {login} » existe déjà.")
    return account


def list_users(ledger: Database) -> list[Account]:
    """Every account, by login."""
    with ledger.read() as db:
        return AccountStore(db).accounts()


def disable_user(ledger: Database, login: str) -> None:
    """Disable an account and end its sessions at once.

    Raises
    ------
    CosenError
        When no such account exists.
    """
    with ledger.write() as db:
        store = AccountStore(db)
        if not store.set_active(login, False):
            raise CosenError(f"aucun compte « {login} ».")
        store.delete_sessions(login=login)


@dataclass(frozen=True)
class LoginResult:
    """A login attempt: the account, or why not (French)."""

    account: Account | None
    refusal: str = ""


def authenticate(
    ledger: Database, login: str, password: str, at: datetime
) -> LoginResult:
    """Check a login and password, counting failures (see the module)."""
    login = login.strip().lower()[:64]
    with ledger.read() as db:
        store = AccountStore(db)
        failures = store.failures_since(login, at - FAILURE_WINDOW)
        found = store.account(login)
    wait = _wait(failures, at)
    if wait is not None:
        return LoginResult(None, wait)
    account, password_hash = found if found else (None, _DUMMY_HASH)
    try:
        _HASHER.verify(password_hash, password)
        verified = account is not None and account.active
    except (VerificationError, InvalidHashError):
        verified = False
    with ledger.write() as db:
        store = AccountStore(db)
        if not verified or account is None:
            store.add_failure(login, at)
            store.clear_failures(login, at - FAILURE_WINDOW)
            return LoginResult(None, _WRONG)
        store.clear_failures(login, None)
        if _HASHER.check_needs_rehash(password_hash):
            store.set_password_hash(login, _HASHER.hash(password))
    return LoginResult(account)


def _wait(failures: list[datetime], at: datetime) -> str | None:
    """Why a new try must wait, if it must."""
    if len(failures) >= LOCK_AFTER:
        until = failures[-1] + LOCK_TIME
        if at < until:
            minutes = (until - at).total_seconds() / 60
            return (
                "trop d'essais : connexion bloquée pour cet identifiant "
                f"pendant encore {french_duration(max(1, minutes))}."
            )
        return None
    if len(failures) >= SLOW_AFTER:
        delay = min(
            _FIRST_DELAY * 2 ** (len(failures) - SLOW_AFTER), _MAX_DELAY
        )
        left = (failures[-1] + timedelta(seconds=delay) - at).total_seconds()
        if left > 0:
            return (
                f"trop d'essais : attendre {int(left) + 1} s avant de "
                "réessayer."
            )
    return None


# --------------------------------------------------------------------------
# Sessions


def _digest(token: str) -> str:
    return hashlib.sha256(token.encode()).hexdigest()


def new_session(
    ledger: Database, login: str | None, data: str, at: datetime
) -> str:
    """Start a session (``login`` ``None`` before logging in); return its
    token. Sessions idle too long are deleted on the way."""
    token = secrets.token_urlsafe(32)
    with ledger.write() as db:
        store = AccountStore(db)
        store.delete_sessions(idle_before=at - IDLE)
        store.add_session(_digest(token), login, at, data)
    return token


def load_session(
    ledger: Database, token: str, at: datetime
) -> tuple[StoredSession, Account | None] | None:
    """A live session and its account, or ``None``: unknown, idle for
    :data:`IDLE`, or its account disabled since."""
    with ledger.read() as db:
        store = AccountStore(db)
        stored = store.session(_digest(token))
        found = (
            store.account(stored.login)
            if stored is not None and stored.login is not None
            else None
        )
    if stored is None:
        return None
    account = found[0] if found else None
    gone = stored.login is not None and (account is None or not account.active)
    if gone or at - stored.seen_at >= IDLE:
        end_session(ledger, token)
        return None
    return stored, account


def save_session(
    ledger: Database,
    token: str,
    stored: StoredSession,
    data: str | None,
    at: datetime,
) -> None:
    """Record a request on a session: new ``data`` if it changed, and the
    time, at most once a minute when nothing changed (idle expiry needs
    no finer clock, and each write waits for the ledger)."""
    if data is None and at - stored.seen_at < timedelta(minutes=1):
        return
    with ledger.write() as db:
        AccountStore(db).touch_session(_digest(token), at, data)


def end_session(ledger: Database, token: str) -> None:
    """End a session (logout)."""
    with ledger.write() as db:
        AccountStore(db).delete_session(_digest(token))


# --------------------------------------------------------------------------
# Access log


def log_access(
    db: Database, login: str, at: datetime, entries: Iterable[tuple[str, str]]
) -> None:
    """Record, inside the caller's write transaction, that ``login``
    displayed or changed these referrals' data: (referral id, action)."""
    AccountStore(db).log_access(
        AccessEntry(at, login, referral_id, action)
        for referral_id, action in entries
    )


def access_log(
    ledger: Database, referral_id: str | None = None, limit: int = 500
) -> list[AccessEntry]:
    """The access log, newest first (of one referral if given)."""
    with ledger.read() as db:
        return AccountStore(db).access_log(referral_id, limit)
