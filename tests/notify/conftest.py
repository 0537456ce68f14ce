"""Fixtures of the sending tests: an outbox on each backend, loopback
servers, a TLS authority."""

from __future__ import annotations

import ssl
from collections.abc import Callable, Iterator
from dataclasses import dataclass, replace
from datetime import datetime
from pathlib import Path
from typing import Any

import pytest
import trustme

from cosen.allocation import AllocationSettings
from cosen.domain import Referral
from cosen.ledger import Database
from cosen.ledger.database import content_of
from cosen.ledger.messages import (
    Audience,
    Channel,
    MessageKind,
    OutboxMessage,
    OutboxState,
)
from cosen.notify.config import (
    NotifyConfig,
    Security,
    SmsConfig,
    SmtpConfig,
)
from tests.factories import NOW, referral_row
from tests.notify.servers import Gateway, Mailbox, gateway, smtp_server

SENDER = "COSEN <telesecretariat@cosen.example.fr>"
REFERRALS = 5


def at(moment: datetime) -> Callable[[], datetime]:
    """A clock stopped at ``moment``."""
    return lambda: moment


def make_referral(referral_id: str) -> Referral:
    row = referral_row(referral_id=referral_id)
    return Referral.model_validate({k: v for k, v in row.items() if v})


def message(
    message_id: str,
    channel: Channel = Channel.EMAIL,
    referral_id: str = "D1",
    due: datetime = NOW,
    **changes: Any,
) -> OutboxMessage:
    """A queued message, as a producer would queue it."""
    recipient = {
        Channel.EMAIL: "dr.kuntz@medecin.mssante.fr",
        Channel.SMS: "+33612345678",
        Channel.PHONE: "+33312345678",
    }[channel]
    made = OutboxMessage(
        id=message_id,
        referral_id=referral_id,
        booking_id=None,
        run_id=None,
        kind=MessageKind.BOOKED,
        audience=Audience.PRESCRIBER,
        channel=channel,
        recipient=recipient,
        subject="Rendez-vous COSEN : demande " + referral_id,
        body=(
            f"Bonjour,\nLa demande {referral_id} a un rendez-vous le "
            "28/11/2026 à 9h00 (Échographie).\nLe télésecrétariat COSEN."
        ),
        note="",
        state=OutboxState.PENDING,
        due_at=due,
        next_attempt_at=due,
        attempts=0,
        last_error=None,
        created_at=NOW,
    )
    return replace(made, **changes)


@dataclass
class Outbox:
    """A ledger with referrals ``D1``.. ``D5`` to queue messages about."""

    ledger: Database

    def queue(self, *messages: OutboxMessage) -> None:
        with self.ledger.write() as db:
            db.add_messages(messages)

    def get(self, message_id: str) -> OutboxMessage:
        with self.ledger.read() as db:
            (found,) = [m for m in db.messages() if m.id == message_id]
        return found

    def states(self) -> dict[str, str]:
        with self.ledger.read() as db:
            return {m.id: m.state.value for m in db.messages()}


def seed(ledger: Database) -> None:
    """The referrals messages are about (the outbox refers to them)."""
    with ledger.write() as db:
        run_id = db.add_run(
            NOW, AllocationSettings(now=NOW), [("d.xlsx", ""), ("c.xlsx", "")]
        )
        for number in range(1, REFERRALS + 1):
            referral = make_referral(f"D{number}")
            db.add_referral(referral, content_of(referral), run_id)


@pytest.fixture
def outbox(ledger: Database) -> Outbox:
    seed(ledger)
    return Outbox(ledger)


@pytest.fixture
def mailbox() -> Iterator[tuple[Mailbox, int]]:
    box = Mailbox()
    with smtp_server(box) as port:
        yield box, port


@pytest.fixture
def sms_gateway() -> Iterator[Gateway]:
    with gateway(Gateway()) as state:
        yield state


def smtp_config(port: int, **changes: Any) -> SmtpConfig:
    values: dict[str, Any] = {
        "host": "127.0.0.1",
        "port": port,
        "security": Security.NONE,
        "sender": SENDER,
        "timeout": 2.0,
        **changes,
    }
    return SmtpConfig(**values)


def config(
    port: int | None = None, sms: SmsConfig | None = None
) -> NotifyConfig:
    return NotifyConfig(
        smtp_config(port) if port is not None else None, sms, "envoi.toml"
    )


@dataclass(frozen=True)
class Authority:
    """A throwaway TLS authority: the server's context, the file a
    client trusts."""

    server: ssl.SSLContext
    ca_file: Path


@pytest.fixture(scope="session")
def authority(tmp_path_factory: pytest.TempPathFactory) -> Authority:
    ca = trustme.CA()
    server = ssl.create_default_context(ssl.Purpose.CLIENT_AUTH)
    ca.issue_cert("127.0.0.1", "localhost").configure_cert(server)
    path = tmp_path_factory.mktemp("tls") / "ca.pem"
    ca.cert_pem.write_to_path(str(path))
    return Authority(server, path)
