"""SMS through a real HTTP gateway on loopback, and into the CSV file for
a provider's upload."""

from __future__ import annotations

import csv
import io
import stat
from pathlib import Path

import pytest

from cosen.clock import after
from cosen.ledger.messages import Channel, OutboxState
from cosen.notify.config import NotifyConfig, SmsConfig
from cosen.notify.loop import send_due
from cosen.notify.senders import Sender
from cosen.notify.sms import CsvSender, GatewaySender
from tests.factories import NOW
from tests.notify.conftest import Outbox, at, message
from tests.notify.servers import Gateway, free_port


def gateway_config(state: Gateway, timeout: float = 2.0) -> NotifyConfig:
    return NotifyConfig(
        sms=SmsConfig(url=state.url, token=state.token, timeout=timeout)
    )


def csv_config(path: Path) -> NotifyConfig:
    return NotifyConfig(sms=SmsConfig(csv=path))


def test_an_sms_is_posted_once_with_the_token(
    outbox: Outbox, sms_gateway: Gateway
) -> None:
    queued = message("B1-booked-patient", Channel.SMS)
    outbox.queue(queued)
    report = send_due(outbox.ledger, gateway_config(sms_gateway), at(NOW))
    assert report.sent == [("B1-booked-patient", Channel.SMS)]
    assert sms_gateway.requests == [
        {
            "to": "+33612345678",
            "text": queued.body,
            "reference": "B1-booked-patient",
        }
    ]
    (headers,) = sms_gateway.headers
    assert headers["Authorization"] == "Bearer jeton-de-test"
    assert headers["Content-Type"] == "application/json; charset=utf-8"
    assert headers["Idempotency-Key"] == "B1-booked-patient"
    assert outbox.get("B1-booked-patient").state is OutboxState.SENT
    send_due(outbox.ledger, gateway_config(sms_gateway), at(NOW))
    assert len(sms_gateway.requests) == 1


@pytest.mark.parametrize(
    ("status", "state", "down", "reason"),
    [
        (500, OutboxState.PENDING, False, "erreur interne de la passerelle"),
        (503, OutboxState.PENDING, True, "passerelle momentanément"),
        (429, OutboxState.PENDING, True, "trop de requêtes"),
        (422, OutboxState.FAILED, False, "message refusé par la passerelle"),
        (400, OutboxState.FAILED, False, "requête refusée"),
        (404, OutboxState.PENDING, True, "vérifier url"),
        (301, OutboxState.PENDING, True, "redirection refusée"),
    ],
)
def test_gateway_statuses(
    outbox: Outbox,
    sms_gateway: Gateway,
    status: int,
    state: OutboxState,
    down: bool,
    reason: str,
) -> None:
    outbox.queue(message("s1", Channel.SMS), message("s2", Channel.SMS, "D2"))
    sms_gateway.statuses = [status]
    report = send_due(outbox.ledger, gateway_config(sms_gateway), at(NOW))
    found = outbox.get("s1")
    assert found.state is state
    assert found.last_error is not None
    assert found.last_error.startswith(f"passerelle SMS : HTTP {status} — ")
    assert reason in found.last_error
    # A gateway that takes nothing now is not asked again in this run.
    assert (Channel.SMS in report.stopped) is down
    assert outbox.get("s2").state is (
        OutboxState.PENDING if down else OutboxState.SENT
    )


def test_a_refused_token_stops_the_channel(
    outbox: Outbox, sms_gateway: Gateway
) -> None:
    outbox.queue(message("s1", Channel.SMS), message("s2", Channel.SMS))
    wrong = NotifyConfig(sms=SmsConfig(url=sms_gateway.url, token="faux"))
    report = send_due(outbox.ledger, wrong, at(NOW))
    assert report.stopped == {
        Channel.SMS: "passerelle SMS : HTTP 401 — jeton refusé par la "
        "passerelle : vérifier token_env"
    }
    assert len(sms_gateway.requests) == 1
    assert outbox.get("s2").attempts == 0


def test_a_gateway_that_does_not_answer_in_time(
    outbox: Outbox, sms_gateway: Gateway
) -> None:
    outbox.queue(message("s1", Channel.SMS))
    sms_gateway.delay = 1.5
    report = send_due(outbox.ledger, gateway_config(sms_gateway, 1), at(NOW))
    (retry,) = report.retrying
    assert retry.reason == "pas de réponse du serveur en 1 s"
    sms_gateway.delay = 0
    send_due(
        outbox.ledger, gateway_config(sms_gateway), at(after(NOW, minutes=1))
    )
    # Twice, with one reference: the gateway can tell.
    assert [r["reference"] for r in sms_gateway.requests] == ["s1", "s1"]
    assert outbox.get("s1").state is OutboxState.SENT


def test_a_gateway_that_is_down(outbox: Outbox) -> None:
    outbox.queue(message("s1", Channel.SMS))
    config = NotifyConfig(
        sms=SmsConfig(url=f"http://127.0.0.1:{free_port()}/", token="t")
    )
    report = send_due(outbox.ledger, config, at(NOW))
    assert report.stopped == {
        Channel.SMS: "connexion refusée (serveur arrêté ou port fermé)"
    }


def test_numbers_that_are_not_international_are_refused(
    sms_gateway: Gateway, tmp_path: Path
) -> None:
    senders: list[Sender] = [
        GatewaySender(SmsConfig(url=sms_gateway.url, token="t")),
        CsvSender(tmp_path / "sms.csv"),
    ]
    for sender in senders:
        attempt = sender.send(message("s1", Channel.SMS, recipient="0612"))
        assert attempt.final
        assert attempt.reason == (
            "numéro du destinataire invalide (format international)"
        )
    assert sms_gateway.requests == []


def read_csv(path: Path) -> list[list[str]]:
    text = path.read_bytes().decode("utf-8-sig")
    return list(csv.reader(io.StringIO(text, newline=""), delimiter=";"))


def test_sms_are_appended_to_the_csv_file(
    outbox: Outbox, tmp_path: Path
) -> None:
    path = tmp_path / "depot" / "sms.csv"
    outbox.queue(
        message("s1", Channel.SMS),
        message("s2", Channel.SMS, "D2", body='=HYPERLINK("x") ; ligne\n2'),
        message("-s3", Channel.SMS, "D3"),
    )
    report = send_due(outbox.ledger, csv_config(path), at(NOW))
    assert [m for m, _ in report.sent] == ["-s3", "s1", "s2"]
    rows = read_csv(path)
    assert rows[0] == ["telephone", "message", "reference"]
    assert rows[1:] == [
        ["33612345678", message("-s3", Channel.SMS, "D3").body, "'-s3"],
        ["33612345678", message("s1", Channel.SMS).body, "s1"],
        ["33612345678", '\'=HYPERLINK("x") ; ligne\n2', "s2"],
    ]
    assert stat.S_IMODE(path.stat().st_mode) == 0o600
    assert path.read_bytes().startswith(b"\xef\xbb\xbf")
    # A later run appends, and keeps what is there.
    outbox.queue(message("s4", Channel.SMS, "D4"))
    send_due(outbox.ledger, csv_config(path), at(after(NOW, hours=1)))
    assert [row[2] for row in read_csv(path)[1:]] == ["'-s3", "s1", "s2", "s4"]


def test_a_message_the_file_holds_already_is_not_written_again(
    tmp_path: Path,
) -> None:
    """A sender killed between the file and the ledger: the message is
    taken again, and found in the file."""
    path = tmp_path / "sms.csv"
    sender = CsvSender(path)
    first = message("-s1", Channel.SMS)
    assert sender.send(first).accepted
    assert sender.send(first).accepted
    assert [row[2] for row in read_csv(path)[1:]] == ["'-s1"]


def test_a_file_that_is_not_cosen_s_is_left_alone(
    outbox: Outbox, tmp_path: Path
) -> None:
    path = tmp_path / "sms.csv"
    path.write_text("numero,texte\n0612345678,bonjour\n")
    outbox.queue(message("s1", Channel.SMS))
    report = send_due(outbox.ledger, csv_config(path), at(NOW))
    assert "ce n'est pas un fichier de cosen" in report.stopped[Channel.SMS]
    assert path.read_text() == "numero,texte\n0612345678,bonjour\n"
    assert outbox.get("s1").state is OutboxState.PENDING
