"""``cosen notify`` through click, as the telesecretariat runs it."""

from __future__ import annotations

import json
from collections.abc import Iterator
from pathlib import Path

import pytest
from click.testing import CliRunner, Result

from cosen.cli import cli
from cosen.ledger import Database
from cosen.ledger.messages import Channel
from tests.notify.conftest import message, seed
from tests.notify.servers import Gateway, Mailbox, gateway, smtp_server

NOW = "27/11/2026 10:00"
TOKEN = "jeton-de-test"


def run(*args: object, env: dict[str, str] | None = None) -> Result:
    return CliRunner(env=env).invoke(cli, [str(a) for a in args])


@pytest.fixture
def servers() -> Iterator[tuple[Mailbox, int, Gateway]]:
    box = Mailbox()
    with smtp_server(box) as port, gateway(Gateway(token=TOKEN)) as state:
        yield box, port, state


def write_config(folder: Path, port: int, url: str) -> Path:
    path = folder / "envoi.toml"
    path.write_text(
        f'[smtp]\nhost = "127.0.0.1"\nport = {port}\nsecurity = "none"\n'
        'from = "COSEN <telesecretariat@cosen.example.fr>"\ntimeout = 2\n\n'
        f'[sms]\nurl = "{url}"\ntoken_env = "COSEN_SMS_TOKEN"\n',
        encoding="utf-8",
    )
    return path


def queue(target: str | Path, *messages: object) -> None:
    with Database(target) as ledger:
        seed(ledger)
        with ledger.write() as db:
            db.add_messages(messages)  # type: ignore[arg-type]


def test_send_then_status(
    tmp_path: Path,
    ledger_target: str | Path,
    servers: tuple[Mailbox, int, Gateway],
) -> None:
    box, port, sms = servers
    queue(
        ledger_target,
        message("e1"),
        message("s1", Channel.SMS),
        message("p1", Channel.PHONE),
    )
    config = write_config(tmp_path, port, sms.url)
    env = {"COSEN_SMS_TOKEN": TOKEN}
    sent = run("notify", "send", "--config", config, "--db", ledger_target,
               "--now", NOW, env=env)  # fmt: skip
    assert sent.exit_code == 0, sent.output
    assert sent.stdout == (
        "Messages envoyés : 2 (courriel 1, SMS 1).\n"
        "À téléphoner : 1 message(s) mis de côté pour le télésecrétariat "
        "(voir « cosen notify status »).\n"
    )
    assert len(box.received) == 1 and len(sms.requests) == 1
    status = run("notify", "status", "--db", ledger_target, "--now", NOW)
    assert status.exit_code == 0, status.output
    assert status.stdout == (
        "Messages : à envoyer 0, en cours d'envoi 0, envoyés 2, en échec 0, "
        "remplacés 0, à téléphoner 1.\n"
        "  courriel : envoyés 1\n"
        "  SMS : envoyés 1\n"
        "  téléphone : à téléphoner 1\n"
        "Aucun message à envoyer ni en échec.\n"
    )


def test_failures_and_retries_are_listed_without_personal_data(
    tmp_path: Path, servers: tuple[Mailbox, int, Gateway]
) -> None:
    box, port, sms = servers
    db = tmp_path / "cosen.db"
    queue(db, message("e1"), message("e2", referral_id="D2"),
          message("s1", Channel.SMS))  # fmt: skip
    box.rcpt_replies = ["450 4.2.1 busy", "550 5.1.1 unknown"]
    config = write_config(tmp_path, port, sms.url)
    env = {"COSEN_SMS_TOKEN": TOKEN}
    sent = run("notify", "send", "--config", config, "--db", db,
               "--now", NOW, env=env)  # fmt: skip
    assert sent.exit_code == 1  # done, but not everything went
    assert sent.stdout.splitlines() == [
        "Messages envoyés : 1 (SMS 1).",
        "  ! e1 (courriel) : serveur SMTP : destinataire refusé (code 450 "
        "4.2.1) — boîte aux lettres momentanément indisponible ; nouvel "
        "essai le 27/11/2026 à 10h01.",
        "  ! e2 (courriel) en échec : serveur SMTP : destinataire refusé "
        "(code 550 5.1.1) — boîte aux lettres inexistante ou refusée.",
    ]
    status = run("notify", "status", "--db", db, "--now", NOW)
    lines = status.stdout.splitlines()
    assert lines[-3:] == [
        "À envoyer, en cours ou en échec (2) :",
        "  e2 — courriel — en échec — 1 tentative(s) — serveur SMTP : "
        "destinataire refusé (code 550 5.1.1) — boîte aux lettres "
        "inexistante ou refusée",
        "  e1 — courriel — à envoyer — 1 tentative(s) — essai le 27/11/2026 "
        "à 10h01 — serveur SMTP : destinataire refusé (code 450 4.2.1) — "
        "boîte aux lettres momentanément indisponible",
    ]
    found = json.loads(
        run("notify", "status", "--db", db, "--now", NOW, "--json").stdout
    )
    assert found["totals"]["failed"] == 1 and found["totals"]["sent"] == 1
    assert found["counts"]["email"]["pending"] == 1
    first = found["messages"][1]
    assert first == {
        "id": "e1",
        "referral_id": "D1",
        "kind": "booked",
        "audience": "prescriber",
        "channel": "email",
        "state": "pending",
        "attempts": 1,
        "due_at": "2026-11-27T10:00:00+01:00",
        "next_attempt_at": "2026-11-27T10:01:00+01:00",
        "claimed_at": "2026-11-27T10:00:00+01:00",
        "reason": first["reason"],
    }
    for output in (status.stdout, json.dumps(found, ensure_ascii=False)):
        for personal in ("kuntz", "612345678", "Bonjour", "Rendez-vous COSEN"):
            assert personal not in output


def test_sms_wait_on_sunday(
    tmp_path: Path, servers: tuple[Mailbox, int, Gateway]
) -> None:
    _, port, sms = servers
    db = tmp_path / "cosen.db"
    queue(db, message("s1", Channel.SMS))
    config = write_config(tmp_path, port, sms.url)
    sent = run("notify", "send", "--config", config, "--db", db,
               "--now", "29/11/2026 11:00",
               env={"COSEN_SMS_TOKEN": TOKEN})  # fmt: skip
    assert sent.exit_code == 0
    assert sent.stdout.splitlines() == [
        "Messages envoyés : 0.",
        "1 SMS attendent le 30/11/2026 à 8h00 (pas de SMS avant 8 h, après "
        "20 h ni le dimanche).",
    ]
    status = run("notify", "status", "--db", db, "--now", "29/11/2026 11:00")
    assert (
        "s1 — SMS — à envoyer — 0 tentative(s) — essai le 30/11/2026 à "
        "8h00" in status.stdout
    )
    assert sms.requests == []


def test_a_channel_missing_from_the_configuration(
    tmp_path: Path, servers: tuple[Mailbox, int, Gateway]
) -> None:
    _, port, _ = servers
    db = tmp_path / "cosen.db"
    queue(db, message("s1", Channel.SMS))
    config = tmp_path / "courriel.toml"
    config.write_text(
        f'[smtp]\nhost = "127.0.0.1"\nport = {port}\nsecurity = "none"\n'
        'from = "telesecretariat@cosen.example.fr"\n'
    )
    sent = run("notify", "send", "--config", config, "--db", db, "--now", NOW)
    assert sent.exit_code == 0
    assert sent.stdout.splitlines()[-1] == (
        "1 message(s) par SMS en attente : pas de table [sms] dans la "
        "configuration."
    )


@pytest.mark.parametrize(
    ("text", "env", "error"),
    [
        (
            '[smtp]\nhost = "h"\nfrom = "a@example.fr"\nport = "25"\n',
            {},
            "Configuration « envoi.toml », ligne 4, clé « smtp.port » : "
            "nombre entier attendu.",
        ),
        (
            '[sms]\nurl = "https://sms.example.fr"\n'
            'token_env = "COSEN_SMS_TOKEN"\n',
            {"COSEN_SMS_TOKEN": ""},
            "Configuration « envoi.toml », ligne 3, clé « sms.token_env » : "
            "la variable d'environnement COSEN_SMS_TOKEN est absente ou vide.",
        ),
        (
            '[smtp\nhost = "h"\n',
            {},
            "Fichier « envoi.toml » : syntaxe TOML invalide à la ligne 1 : "
            "vérifier guillemets, crochets et signes « = ».",
        ),
    ],
)
def test_an_unusable_configuration_is_one_french_line(
    tmp_path: Path, text: str, env: dict[str, str], error: str
) -> None:
    db = tmp_path / "cosen.db"
    queue(db, message("e1"))
    config = tmp_path / "envoi.toml"
    config.write_text(text)
    result = run("notify", "send", "--config", config, "--db", db, env=env)
    assert result.exit_code == 2
    assert result.stderr == f"Erreur : {error}\n"
    assert result.stdout == ""


def test_a_missing_ledger_or_option(tmp_path: Path) -> None:
    result = run("notify", "status", "--db", tmp_path / "absent.db")
    assert result.exit_code == 2
    assert result.stderr.startswith("Erreur : registre introuvable")
    result = run("notify", "send", "--db", tmp_path / "absent.db")
    assert result.exit_code == 2
    assert "paramètre obligatoire manquant : --config" in result.stderr


def test_batch_status_counts_the_outbox(tmp_path: Path) -> None:
    db = tmp_path / "cosen.db"
    queue(db, message("e1"), message("s1", Channel.SMS))
    text = run("batch", "status", "--db", db)
    assert text.exit_code == 0, text.output
    assert text.stdout.splitlines()[-1] == (
        "Messages : à envoyer 2, en cours d'envoi 0, envoyés 0, en échec 0, "
        "remplacés 0, à téléphoner 0."
    )
    found = json.loads(run("batch", "status", "--db", db, "--json").stdout)
    assert found["outbox"]["email"]["pending"] == 1
    assert found["outbox"]["sms"]["pending"] == 1
