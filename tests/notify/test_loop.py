"""The sending loop on a fixed clock: SMS hours, phone messages, claims
of dead senders, two senders at once, logs without personal data."""

from __future__ import annotations

import logging
import socket
import threading
from datetime import datetime
from pathlib import Path

import pytest

from cosen.clock import PARIS, after
from cosen.ledger import Database
from cosen.ledger.messages import Channel, OutboxState
from cosen.notify.claims import LEASE, process_claimer
from cosen.notify.config import NotifyConfig, SmsConfig
from cosen.notify.loop import send_due
from tests.factories import NOW
from tests.notify.conftest import Outbox, at, message, smtp_config
from tests.notify.servers import Gateway, Mailbox


def both(port: int, state: Gateway) -> NotifyConfig:
    return NotifyConfig(
        smtp_config(port),
        SmsConfig(url=state.url, token=state.token, timeout=2),
    )


@pytest.mark.parametrize(
    ("moment", "window"),
    [
        (datetime(2026, 11, 29, 10, 0), datetime(2026, 11, 30, 8, 0)),
        (datetime(2026, 11, 28, 20, 0), datetime(2026, 11, 30, 8, 0)),
        (datetime(2026, 11, 27, 7, 59), datetime(2026, 11, 27, 8, 0)),
    ],
    ids=["sunday", "saturday-20h", "friday-7h59"],
)
def test_sms_wait_for_their_hours_and_emails_do_not(
    outbox: Outbox,
    mailbox: tuple[Mailbox, int],
    sms_gateway: Gateway,
    moment: datetime,
    window: datetime,
) -> None:
    box, port = mailbox
    now = moment.replace(tzinfo=PARIS)
    opens = window.replace(tzinfo=PARIS)
    outbox.queue(
        message("e1", due=after(now, hours=-1)),
        message("s1", Channel.SMS, due=after(now, hours=-1)),
    )
    report = send_due(outbox.ledger, both(port, sms_gateway), at(now))
    assert report.sent == [("e1", Channel.EMAIL)]
    assert report.sms_wait_until == opens
    assert report.waiting == {Channel.SMS: 1}
    assert sms_gateway.requests == []
    assert outbox.get("s1").attempts == 0  # waiting uses no attempt
    just_before = after(opens, minutes=-1)
    assert (
        send_due(outbox.ledger, both(port, sms_gateway), at(just_before)).sent
        == []
    )
    report = send_due(outbox.ledger, both(port, sms_gateway), at(opens))
    assert report.sent == [("s1", Channel.SMS)]
    assert report.sms_wait_until is None
    assert len(box.received) == 1 and len(sms_gateway.requests) == 1


def test_phone_messages_are_never_sent(
    outbox: Outbox, mailbox: tuple[Mailbox, int], sms_gateway: Gateway
) -> None:
    box, port = mailbox
    outbox.queue(message("p1", Channel.PHONE), message("e1"))
    report = send_due(outbox.ledger, both(port, sms_gateway), at(NOW))
    assert report.manual == 1
    assert report.sent == [("e1", Channel.EMAIL)]
    assert outbox.get("p1").state is OutboxState.MANUAL
    assert sms_gateway.requests == [] and len(box.received) == 1


def test_a_channel_without_configuration_waits(
    outbox: Outbox, sms_gateway: Gateway
) -> None:
    outbox.queue(message("e1"), message("s1", Channel.SMS))
    config = NotifyConfig(
        sms=SmsConfig(url=sms_gateway.url, token="jeton-de-test")
    )
    report = send_due(outbox.ledger, config, at(NOW))
    assert report.sent == [("s1", Channel.SMS)]
    assert report.waiting == {Channel.EMAIL: 1}
    assert outbox.get("e1").attempts == 0


def test_a_dead_sender_s_message_is_taken_again_once(
    outbox: Outbox, mailbox: tuple[Mailbox, int]
) -> None:
    box, port = mailbox
    outbox.queue(message("m1"), message("m2", referral_id="D2"))
    dead = f"{socket.gethostname()}:4999999:1"  # beyond any pid
    with outbox.ledger.write() as db:
        db.claim_message(NOW, [Channel.EMAIL], dead)
    report = send_due(outbox.ledger, NotifyConfig(smtp_config(port)), at(NOW))
    assert report.taken_back == ["m1"]
    assert sorted(m for m, _ in report.sent) == ["m1", "m2"]
    assert outbox.get("m1").attempts == 2
    assert sorted(box.message_ids().values()) == [1, 1]


def test_a_live_sender_s_message_is_left_to_it_until_its_lease_ends(
    outbox: Outbox, mailbox: tuple[Mailbox, int]
) -> None:
    box, port = mailbox
    outbox.queue(message("m1"))
    with outbox.ledger.write() as db:
        db.claim_message(NOW, [Channel.EMAIL], process_claimer())
    config = NotifyConfig(smtp_config(port))
    report = send_due(outbox.ledger, config, at(NOW), claimer="autre")
    assert report.taken_back == [] and report.sent == []
    assert outbox.get("m1").state is OutboxState.SENDING
    later = after(NOW, minutes=LEASE.total_seconds() / 60)
    report = send_due(outbox.ledger, config, at(later), claimer="autre")
    assert report.taken_back == ["m1"]
    assert report.sent == [("m1", Channel.EMAIL)]
    assert len(box.received) == 1


def test_two_senders_at_once_send_each_message_once(
    outbox: Outbox, mailbox: tuple[Mailbox, int]
) -> None:
    box, port = mailbox
    outbox.queue(
        *(message(f"m{i:02d}", referral_id=f"D{i % 5 + 1}") for i in range(40))
    )
    box.delay = 0.01
    config = NotifyConfig(smtp_config(port))
    sent: dict[str, list[str]] = {}

    def run(name: str) -> None:
        with Database(outbox.ledger.target) as ledger:
            report = send_due(ledger, config, at(NOW), claimer=name)
        sent[name] = [m for m, _ in report.sent]

    threads = [threading.Thread(target=run, args=(n,)) for n in ("a", "b")]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert sorted(sent["a"] + sent["b"]) == [f"m{i:02d}" for i in range(40)]
    assert sent["a"] and sent["b"]  # both took part
    ids = box.message_ids()
    assert len(ids) == 40 and set(ids.values()) == {1}
    assert set(outbox.states().values()) == {"sent"}


def test_logs_name_ids_only(
    outbox: Outbox,
    mailbox: tuple[Mailbox, int],
    sms_gateway: Gateway,
    caplog: pytest.LogCaptureFixture,
    tmp_path: Path,
) -> None:
    box, port = mailbox
    outbox.queue(
        message("e1"),
        message("e2", referral_id="D2"),
        message("e3", referral_id="D3"),
        message("s1", Channel.SMS),
        message("s2", Channel.SMS, "D2"),
    )
    box.rcpt_replies = [
        "450 4.2.1 <dr.kuntz@medecin.mssante.fr> busy",
        "550 5.1.1 <dr.kuntz@medecin.mssante.fr> unknown",
    ]
    sms_gateway.statuses = [422]
    with caplog.at_level(logging.DEBUG):
        send_due(outbox.ledger, both(port, sms_gateway), at(NOW))
        dead = f"{socket.gethostname()}:4999999:1"
        with outbox.ledger.write() as db:
            db.claim_message(after(NOW, hours=1), [Channel.EMAIL], dead)
        send_due(
            outbox.ledger, both(port, sms_gateway), at(after(NOW, hours=1))
        )
    # Everything logged on the sending side (the test server logs what
    # it receives under mail.log).
    text = "\n".join(
        record.getMessage()
        for record in caplog.records
        if record.name != "mail.log"
    )
    for message_id in ("e1", "e2", "e3", "s1", "s2"):
        assert message_id in text
    for personal in (
        "kuntz",
        "mssante",
        "612345678",
        "Bonjour",
        "Échographie",
        "Rendez-vous COSEN : demande",
    ):
        assert personal not in text
