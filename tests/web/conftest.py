"""A desk on a seeded ledger (both backends), and users who sign in."""

from __future__ import annotations

import re
from collections.abc import Iterator
from dataclasses import dataclass
from datetime import datetime, timedelta
from pathlib import Path
from typing import Any

import pytest
from flask import Flask
from flask.testing import FlaskClient
from werkzeug.test import TestResponse

from cosen.allocation import AllocationSettings
from cosen.clock import PARIS
from cosen.domain.samples import (
    SampleSpec,
    sample_centres,
    sample_referrals,
    sample_slots,
)
from cosen.io.templates import write_referral_sheet, write_slot_sheet
from cosen.ledger import Database
from cosen.ledger.accounts import Role
from cosen.ledger.runs import run_batch
from cosen.ledger.users import add_user
from cosen.web import create_app

PASSWORD = "mot-de-passe-du-test"
# Accounts of the seeded desk: login -> (role, centre).
ACCOUNTS = {
    "coord": (Role.COORDINATOR, None),
    "plan": (Role.PLANNER, None),
    "admin": (Role.ADMIN, None),
    "mim1": (Role.CENTRE, "MIM-1"),
    "simse1": (Role.CENTRE, "SIMSE-1"),
}
_TOKEN = re.compile(r'name="csrf_token" value="([^"]+)"')


def sample_files(
    folder: Path, now: datetime, count: int = 40
) -> tuple[Path, Path]:
    """The demo's referral and slot workbooks for ``now`` (the slots' with
    the centre directory)."""
    spec = SampleSpec(now=now, referrals=count, slots_per_referral=2.0)
    referrals, slots = folder / "demandes.xlsx", folder / "creneaux.xlsx"
    write_referral_sheet(referrals, sample_referrals(spec))
    write_slot_sheet(slots, sample_slots(spec), sample_centres())
    return referrals, slots


class Clock:
    """The desk's clock, which tests move."""

    def __init__(self) -> None:
        self.now = datetime.now(PARIS).replace(second=0, microsecond=0)

    def __call__(self) -> datetime:
        return self.now

    def advance(self, **delta: float) -> None:
        self.now += timedelta(**delta)


@dataclass
class Seeded:
    """A desk on a ledger holding the demo's run."""

    app: Flask
    target: str | Path
    clock: Clock
    folder: Path

    def client(self, login: str | None = None) -> User:
        user = User(self.app.test_client())
        if login is not None:
            user.login(login)
        return user

    def ledger(self) -> Database:
        return Database(self.target)


class User:
    """A browser-like client: sends the page's CSRF token with forms."""

    def __init__(self, client: FlaskClient) -> None:
        self.client = client
        self.token = ""

    def get(self, path: str, **kwargs: Any) -> TestResponse:
        response = self.client.get(path, **kwargs)
        if response.mimetype == "text/html":
            found = _TOKEN.search(response.get_data(as_text=True))
            if found:
                self.token = found.group(1)
        return response

    def post(
        self, path: str, data: dict[str, Any] | None = None, **kwargs: Any
    ) -> TestResponse:
        if not self.token:
            self.get("/connexion")
        fields = {"csrf_token": self.token, **(data or {})}
        return self.client.post(path, data=fields, **kwargs)

    def login(self, login: str, password: str = PASSWORD) -> TestResponse:
        self.get("/connexion")
        response = self.post(
            "/connexion", {"identifiant": login, "mot_de_passe": password}
        )
        self.get("/", follow_redirects=True)
        return response


def seed(target: str | Path, folder: Path, clock: Clock) -> None:
    """Accounts, and the demo's files run once through the ledger."""
    with Database(target) as ledger:
        for login, (role, centre) in ACCOUNTS.items():
            add_user(ledger, login, role, centre, PASSWORD, clock.now)
        referrals, slots = sample_files(folder, clock.now)
        run_batch(ledger, referrals, slots, AllocationSettings(now=clock.now))


@pytest.fixture(autouse=True)
def cheap_hashes(monkeypatch: pytest.MonkeyPatch) -> None:
    """Argon2id with its smallest cost: the tests log in hundreds of
    times (production keeps argon2-cffi's defaults)."""
    from argon2 import PasswordHasher

    from cosen.ledger import users

    monkeypatch.setattr(
        users, "_HASHER", PasswordHasher(time_cost=1, memory_cost=64)
    )


@pytest.fixture
def seeded(ledger_target: str | Path, tmp_path: Path) -> Iterator[Seeded]:
    clock = Clock()
    seed(ledger_target, tmp_path, clock)
    app = create_app(ledger_target, tmp_path / "files")
    app.extensions["cosen"].clock = clock
    yield Seeded(app, ledger_target, clock, tmp_path)
    app.extensions["cosen"].close()


def held_by_centre(seeded: Seeded) -> dict[str, list[str]]:
    """Referral ids held now, by centre."""
    with seeded.ledger() as ledger, ledger.read() as db:
        visits = db.held_visits([i for i, _, _ in db.held_starts()])
    found: dict[str, list[str]] = {}
    for visit in visits:
        found.setdefault(visit.centre, []).append(visit.referral.referral_id)
    return found
