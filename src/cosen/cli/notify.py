"""``cosen notify``: send the ledger's notices, and say where they stand."""

from __future__ import annotations

import json
from collections.abc import Callable
from datetime import datetime
from pathlib import Path
from typing import TYPE_CHECKING, Any, Final

import click

from cosen.cli.batch import DB_OPTION, WAIT_OPTION
from cosen.cli.core import CONTEXT, EXIT_REJECTED, FrenchGroup, option
from cosen.cli.core import parse_now as _parse_now
from cosen.parsing import french_datetime

if TYPE_CHECKING:
    from cosen.ledger import Database
    from cosen.ledger.messages import Channel
    from cosen.notify import NotifyConfig, SendReport

_NOW = option(
    "--now",
    metavar="DATE_HEURE",
    help="Heure à prendre pour maintenant (par défaut l'heure actuelle).",
)
_LISTED: Final = 20


def _open(db: str | None, wait: float) -> Database:
    from cosen.ledger import Database, ledger_target

    return Database(ledger_target(db), wait, create=False)


def _clock(now: str | None) -> Callable[[], datetime]:
    """A fixed clock with ``--now``, else the real one."""
    from cosen.clock import PARIS

    if now is None:
        return lambda: datetime.now(PARIS)
    fixed = _parse_now(now)
    return lambda: fixed


@click.group(cls=FrenchGroup, context_settings=CONTEXT)
def notify() -> None:
    """Avis aux prescripteurs et aux patients : envoi par courriel et SMS,
    état de la file d'envoi."""


@notify.command("send", context_settings=CONTEXT)
@option(
    "--config",
    "config_path",
    required=True,
    metavar="FICHIER",
    type=click.Path(path_type=Path),
    help="Configuration d'envoi (TOML : [smtp], [sms]).",
)
@_NOW
@DB_OPTION
@WAIT_OPTION
def send(
    config_path: Path, now: str | None, db: str | None, wait: float
) -> int:
    """Envoie les messages dus : courriels par SMTP, SMS par la passerelle
    ou dans le fichier à déposer chez le prestataire.

    Un message n'est noté envoyé qu'une fois accepté par le serveur ; un
    échec est réessayé (1 min, 5 min, 30 min, 2 h) puis noté en échec avec
    sa raison. Pas de SMS avant 8 h, après 20 h ni le dimanche. Les
    messages par téléphone restent au télésecrétariat. Code de sortie 1 si
    un message n'est pas parti.
    """
    from cosen.notify import load_config, send_due

    config = load_config(config_path)
    clock = _clock(now)
    with _open(db, wait) as ledger:
        report = send_due(ledger, config, clock)
    for line in _send_lines(report, configured={*_channels(config)}):
        click.echo(line)
    return 0 if report.complete else EXIT_REJECTED


def _channels(config: NotifyConfig) -> list[Channel]:
    from cosen.ledger.messages import Channel

    tables = ((Channel.EMAIL, config.smtp), (Channel.SMS, config.sms))
    return [channel for channel, table in tables if table is not None]


def _send_lines(report: SendReport, configured: set[Channel]) -> list[str]:
    from cosen.ledger.messages import Channel
    from cosen.notify.status import CHANNEL_TEXT

    by_channel = {
        channel: sum(1 for _, c in report.sent if c is channel)
        for channel in (Channel.EMAIL, Channel.SMS)
    }
    detail = ", ".join(
        f"{CHANNEL_TEXT[c]} {n}" for c, n in by_channel.items() if n
    )
    lines = [f"Messages envoyés : {len(report.sent)}"
             + (f" ({detail})." if detail else ".")]  # fmt: skip
    if report.taken_back:
        lines.append(
            f"Repris d'un envoi interrompu : {len(report.taken_back)} "
            "(envoyés à nouveau sous le même identifiant)."
        )
    for retry in report.retrying:
        lines.append(
            f"  ! {retry.message_id} ({CHANNEL_TEXT[retry.channel]}) : "
            f"{retry.reason} ; nouvel essai le {french_datetime(retry.at)}."
        )
    for message_id, channel, reason in report.failed:
        lines.append(
            f"  ! {message_id} ({CHANNEL_TEXT[channel]}) en échec : {reason}."
        )
    for channel, reason in report.stopped.items():
        lines.append(
            f"Envoi par {CHANNEL_TEXT[channel]} arrêté pour ce passage : "
            f"{reason}."
        )
    waiting_sms = report.waiting.get(Channel.SMS, 0)
    if report.sms_wait_until is not None and waiting_sms:
        lines.append(
            f"{waiting_sms} SMS attendent le "
            f"{french_datetime(report.sms_wait_until)} (pas de SMS avant "
            "8 h, après 20 h ni le dimanche)."
        )
    for channel, count in sorted(report.waiting.items()):
        if count and channel not in configured:
            table = "[smtp]" if channel is Channel.EMAIL else "[sms]"
            lines.append(
                f"{count} message(s) par {CHANNEL_TEXT[channel]} en attente "
                f": pas de table {table} dans la configuration."
            )
    if report.manual:
        lines.append(
            f"À téléphoner : {report.manual} message(s) mis de côté pour le "
            "télésecrétariat (voir « cosen notify status »)."
        )
    return lines


@notify.command("status", context_settings=CONTEXT)
@option("--json", "as_json", is_flag=True, help="Sortie JSON.")
@_NOW
@DB_OPTION
@WAIT_OPTION
def status(
    as_json: bool, now: str | None, db: str | None, wait: float
) -> None:
    """Messages à envoyer, envoyés, en échec, par canal ; la liste de ceux
    qui attendent ou ont échoué (identifiants, jamais les textes ni les
    destinataires)."""
    from cosen.notify import outbox_status

    moment = _clock(now)()
    with _open(db, wait) as ledger:
        found = outbox_status(ledger, moment)
    if as_json:
        click.echo(json.dumps(found, ensure_ascii=False))
        return
    for line in status_lines(found):
        click.echo(line)


def status_lines(found: dict[str, Any]) -> list[str]:
    """``notify status`` in French."""
    from cosen.ledger.messages import Channel, OutboxState
    from cosen.notify.status import CHANNEL_TEXT, STATE_TEXT

    lines = [counts_line(found["totals"])]
    for channel in Channel:
        counts = found["counts"].get(channel.value)
        if counts:
            shown = ", ".join(
                f"{STATE_TEXT[OutboxState(s)]} {n}"
                for s, n in counts.items()
                if n
            )
            lines.append(f"  {CHANNEL_TEXT[channel]} : {shown}")
    messages = found["messages"]
    if not messages:
        lines.append("Aucun message à envoyer ni en échec.")
        return lines
    lines.append(f"À envoyer, en cours ou en échec ({len(messages)}) :")
    for item in messages[:_LISTED]:
        parts = [
            item["id"],
            CHANNEL_TEXT[Channel(item["channel"])],
            _SINGULAR[item["state"]],
            f"{item['attempts']} tentative(s)",
            _timing(item),
            item["reason"] or "",
        ]
        lines.append("  " + " — ".join(part for part in parts if part))
    if len(messages) > _LISTED:
        lines.append(
            f"  … et {len(messages) - _LISTED} autre(s) (voir --json)"
        )
    return lines


def _timing(item: dict[str, Any]) -> str:
    if item["state"] == "pending":
        when = datetime.fromisoformat(item["next_attempt_at"])
        return f"essai le {french_datetime(when)}"
    if item["state"] == "sending" and item["claimed_at"]:
        since = datetime.fromisoformat(item["claimed_at"])
        return f"depuis le {french_datetime(since)}"
    return ""


def counts_line(totals: dict[str, int]) -> str:
    """One French line of message counts by state (``batch status`` too)."""
    from cosen.ledger.messages import OutboxState
    from cosen.notify.status import STATE_TEXT

    if not any(totals.values()):
        return "Messages : aucun."
    return (
        "Messages : "
        + ", ".join(
            f"{STATE_TEXT[state]} {totals.get(state.value, 0)}"
            for state in OutboxState
        )
        + "."
    )


_SINGULAR: Final = {
    "pending": "à envoyer",
    "sending": "en cours d'envoi",
    "failed": "en échec",
}
