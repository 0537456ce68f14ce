"""Emails through a real SMTP server on loopback (aiosmtpd): sent once,
in French and UTF-8, under a stable Message-ID; refused, delayed, cut,
unreachable; STARTTLS, SSL and login."""

from __future__ import annotations

from dataclasses import replace

import pytest

from cosen.clock import after
from cosen.ledger.messages import OutboxState
from cosen.notify.config import NotifyConfig, Security
from cosen.notify.loop import send_due
from cosen.notify.smtp import SmtpSender, message_id
from tests.factories import NOW
from tests.notify.conftest import (
    Authority,
    Outbox,
    at,
    config,
    message,
    smtp_config,
)
from tests.notify.servers import Mailbox, free_port, smtp_server


def stamp(outbox: Outbox) -> str:
    return outbox.ledger.ledger_stamp()


def test_an_email_is_sent_once_in_french_utf8(
    outbox: Outbox, mailbox: tuple[Mailbox, int]
) -> None:
    box, port = mailbox
    queued = message("B1-booked-prescriber")
    outbox.queue(queued)
    report = send_due(outbox.ledger, config(port), at(NOW))
    assert [m for m, _ in report.sent] == ["B1-booked-prescriber"]
    assert report.complete
    (email,) = box.received
    assert email["From"] == "COSEN <telesecretariat@cosen.example.fr>"
    assert email["To"] == "dr.kuntz@medecin.mssante.fr"
    assert email["Subject"] == "Rendez-vous COSEN : demande D1"
    assert email["Message-ID"] == message_id(
        "B1-booked-prescriber", stamp(outbox), "cosen.example.fr"
    )
    assert email["Message-ID"].startswith("<cosen.")
    assert email["Auto-Submitted"] == "auto-generated"
    assert email["Content-Language"] == "fr"
    assert email.get_content_type() == "text/plain"
    assert email.get_content_charset() == "utf-8"
    assert email["Content-Transfer-Encoding"] == "quoted-printable"
    assert email.get_content().replace("\r\n", "\n").rstrip("\n") == (
        queued.body
    )
    assert box.envelopes == [
        ("telesecretariat@cosen.example.fr", ["dr.kuntz@medecin.mssante.fr"])
    ]
    found = outbox.get("B1-booked-prescriber")
    assert (found.state, found.attempts, found.sent_at) == (
        OutboxState.SENT,
        1,
        NOW,
    )
    # Sent is sent: another run sends nothing.
    again = send_due(outbox.ledger, config(port), at(after(NOW, hours=3)))
    assert again.sent == [] and len(box.received) == 1


def test_message_ids_are_stable_valid_and_proper_to_the_ledger() -> None:
    first = message_id("B12-booked-prescriber", "ab12", "example.fr")
    assert first == message_id("B12-booked-prescriber", "ab12", "example.fr")
    assert first == "<cosen.ab12.B12-booked-prescriber@example.fr>"
    assert first != message_id("B12-booked-prescriber", "cd34", "example.fr")
    # Characters an id-left cannot hold are written =XX, distinctly.
    odd = message_id("D 1/é", "ab12", "example.fr")
    assert odd == "<cosen.ab12.D=201=2F=C3=A9@example.fr>"
    assert odd != message_id("D_1/é", "ab12", "example.fr")


def test_a_reply_that_does_not_come_is_retried_under_the_same_message_id(
    outbox: Outbox, mailbox: tuple[Mailbox, int]
) -> None:
    """The server accepts the message after the client stopped waiting:
    the retry sends it again, and both copies carry one Message-ID."""
    box, port = mailbox
    outbox.queue(message("m1"))
    box.delay = 1.5
    impatient = NotifyConfig(smtp_config(port, timeout=1.0))
    report = send_due(outbox.ledger, impatient, at(NOW))
    assert report.sent == []
    (retry,) = report.retrying
    assert retry.at == after(NOW, minutes=1)
    assert retry.reason == "pas de réponse du serveur en 1 s"
    box.delay = 0
    report = send_due(outbox.ledger, config(port), at(retry.at))
    assert [m for m, _ in report.sent] == ["m1"]
    assert list(box.message_ids().values()) == [2]  # one Message-ID, twice
    assert outbox.get("m1").attempts == 2


def test_a_temporary_refusal_is_retried_with_backoff(
    outbox: Outbox, mailbox: tuple[Mailbox, int]
) -> None:
    box, port = mailbox
    outbox.queue(message("m1"), message("m2", referral_id="D2"))
    box.rcpt_replies = ["450 4.2.1 <dr.kuntz@medecin.mssante.fr> busy"]
    report = send_due(outbox.ledger, config(port), at(NOW))
    assert [m for m, _ in report.sent] == ["m2"]  # the next one goes
    (retry,) = report.retrying
    assert retry.reason == (
        "serveur SMTP : destinataire refusé (code 450 4.2.1) — boîte aux "
        "lettres momentanément indisponible"
    )
    assert "kuntz" not in retry.reason  # the server's words are not kept
    found = outbox.get("m1")
    assert (found.state, found.next_attempt_at, found.last_error) == (
        OutboxState.PENDING,
        after(NOW, minutes=1),
        retry.reason,
    )
    # Not before its time.
    assert send_due(outbox.ledger, config(port), at(NOW)).sent == []
    later = send_due(outbox.ledger, config(port), at(after(NOW, minutes=1)))
    assert [m for m, _ in later.sent] == ["m1"]
    assert box.message_ids().total() == 2


def test_temporary_refusals_end_as_failed_after_five_attempts(
    outbox: Outbox, mailbox: tuple[Mailbox, int]
) -> None:
    box, port = mailbox
    outbox.queue(message("m1"))
    box.data_replies = ["451 4.3.0 try later"] * 5
    moment, waits = NOW, []
    for _ in range(5):
        report = send_due(outbox.ledger, config(port), at(moment))
        if report.retrying:
            waits.append(report.retrying[0].at - moment)
            moment = report.retrying[0].at
    assert [w.total_seconds() / 60 for w in waits] == [1, 5, 30, 120]
    (failed,) = report.failed
    assert failed[0] == "m1"
    found = outbox.get("m1")
    assert (found.state, found.attempts) == (OutboxState.FAILED, 5)
    assert found.last_error == (
        "serveur SMTP : message refusé (code 451 4.3.0) — erreur passagère du "
        "serveur ; abandon après 5 tentatives"
    )
    assert box.received == []
    # A failed message is never tried again.
    assert (
        send_due(outbox.ledger, config(port), at(after(NOW, hours=24))).sent
        == []
    )


def test_a_permanent_refusal_fails_at_once(
    outbox: Outbox, mailbox: tuple[Mailbox, int]
) -> None:
    box, port = mailbox
    outbox.queue(message("m1"))
    box.rcpt_replies = ["550 5.1.1 <dr.kuntz@medecin.mssante.fr> unknown"]
    report = send_due(outbox.ledger, config(port), at(NOW))
    assert report.failed == [
        (
            "m1",
            message("m1").channel,
            "serveur SMTP : destinataire refusé (code 550 5.1.1) — boîte aux "
            "lettres inexistante ou refusée",
        )
    ]
    assert outbox.get("m1").state is OutboxState.FAILED
    assert not report.complete


def test_a_cut_connection_is_retried(
    outbox: Outbox, mailbox: tuple[Mailbox, int]
) -> None:
    box, port = mailbox
    outbox.queue(message("m1"), message("m2", referral_id="D2"))
    box.drop = 1
    report = send_due(outbox.ledger, config(port), at(NOW))
    # The connection is opened again for the next message.
    assert [m for m, _ in report.sent] == ["m2"]
    assert [r.reason for r in report.retrying] == [
        "connexion coupée par le serveur"
    ]
    later = send_due(outbox.ledger, config(port), at(after(NOW, minutes=1)))
    assert [m for m, _ in later.sent] == ["m1"]
    assert sorted(box.message_ids().values()) == [1, 1]


def test_an_unreachable_server_stops_the_channel_for_the_run(
    outbox: Outbox,
) -> None:
    """One attempt is used; the other messages wait untouched."""
    outbox.queue(message("m1"), message("m2", referral_id="D2"))
    report = send_due(outbox.ledger, config(free_port()), at(NOW))
    reason = "connexion refusée (serveur arrêté ou port fermé)"
    assert report.stopped == {message("m1").channel: reason}
    assert [r.message_id for r in report.retrying] == ["m1"]
    assert outbox.get("m2").attempts == 0
    assert report.waiting == {message("m1").channel: 2}


def test_purged_and_malformed_messages_fail_without_a_connection(
    outbox: Outbox, mailbox: tuple[Mailbox, int]
) -> None:
    box, port = mailbox
    outbox.queue(
        message("m1", body=None, recipient=None),
        message("m2", recipient="pas-une-adresse"),
    )
    report = send_due(outbox.ledger, config(port), at(NOW))
    assert [(m, r) for m, _, r in report.failed] == [
        ("m1", "destinataire ou texte effacé (purge des données)"),
        ("m2", "adresse du destinataire invalide"),
    ]
    assert box.received == []


def test_a_subject_keeps_to_one_line(mailbox: tuple[Mailbox, int]) -> None:
    box, port = mailbox
    sender = SmtpSender(smtp_config(port), "ab12", at(NOW))
    sent = message("m1", subject="Rendez-vous\r\nBcc: autre@example.fr")
    assert sender.send(sent).accepted
    sender.close()
    (email,) = box.received
    assert email["Subject"] == "Rendez-vous Bcc: autre@example.fr"
    assert email["Bcc"] is None
    assert box.envelopes[0][1] == ["dr.kuntz@medecin.mssante.fr"]


# Over implicit TLS aiosmtpd warns that it does not itself require TLS.
@pytest.mark.filterwarnings("ignore:Requiring AUTH while not requiring TLS")
@pytest.mark.parametrize("implicit", [False, True], ids=["starttls", "ssl"])
def test_tls_and_login(authority: Authority, implicit: bool) -> None:
    box = Mailbox(password="s3cr3t")
    security = Security.SSL if implicit else Security.STARTTLS
    with smtp_server(
        box, authority.server, implicit_tls=implicit, login=True
    ) as port:
        settings = smtp_config(
            port,
            security=security,
            user="cosen",
            password="s3cr3t",
            ca_file=authority.ca_file,
        )
        sender = SmtpSender(settings, "ab12", at(NOW))
        assert sender.send(message("m1")).accepted
        assert sender.send(message("m2")).accepted  # one session
        sender.close()
        wrong = replace(settings, password="faux")
        refused = SmtpSender(wrong, "ab12", at(NOW))
        attempt = refused.send(message("m3"))
        untrusted = replace(settings, ca_file=None)
        stranger = SmtpSender(untrusted, "ab12", at(NOW))
        unverified = stranger.send(message("m4"))
    assert len(box.received) == 2
    # smtplib tries each mechanism the server offers with the wrong one.
    assert box.logins[0] == ("cosen", "s3cr3t")
    assert {login for login in box.logins[1:]} == {("cosen", "faux")}
    assert attempt.channel_down and not attempt.final
    assert attempt.reason == (
        "serveur SMTP : ouverture de session refusée (code 535 5.7.8) — "
        "identifiant ou mot de passe refusé"
    )
    assert unverified.channel_down
    assert unverified.reason == "certificat du serveur non reconnu (TLS)"


def test_starttls_asked_of_a_server_without_it(
    mailbox: tuple[Mailbox, int],
) -> None:
    _, port = mailbox
    settings = smtp_config(port, security=Security.STARTTLS)
    attempt = SmtpSender(settings, "ab12", at(NOW)).send(message("m1"))
    assert attempt.channel_down
    assert "STARTTLS" in attempt.reason
