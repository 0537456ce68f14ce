"""The sending loop behind ``cosen notify send``: every due message, once.

Each message goes through three steps, the first and last each one
exclusive write transaction of the ledger:

1. *claim*: the next due message of the channels that may send now is
   marked ``sending`` under this process's claim, one attempt more, and
   committed, so no other sender takes it;
2. *send*: the server is asked, outside any transaction (the ledger is
   not held while a server thinks);
3. *record*: ``sent`` once the server accepted it; else back to
   ``pending`` until its retry time, or ``failed`` with the reason.

A kill between 1 and 3 leaves the message ``sending``; the next run takes
it again once its claim is known abandoned (:mod:`cosen.notify.claims`)
and sends it again under the same Message-ID or reference: the message in
flight is the only one that can go twice. A sender whose "send" is a local
file (:attr:`~cosen.notify.senders.Sender.in_transaction`) does 2 inside
3's transaction: the file and the ledger then change together.

Logs name messages by their ids only, never a recipient or a text.
"""

from __future__ import annotations

import logging
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from datetime import datetime

from cosen.clock import PARIS
from cosen.ledger import Database
from cosen.ledger.messages import Channel, OutboxMessage, OutboxState
from cosen.notify.claims import abandoned, process_claimer
from cosen.notify.config import NotifyConfig
from cosen.notify.policy import next_sms_window, retry_time, sms_allowed
from cosen.notify.senders import Attempt, Sender
from cosen.notify.sms import CsvSender, GatewaySender
from cosen.notify.smtp import SmtpSender

__all__ = ["Retry", "SendReport", "build_senders", "send_due"]

_log = logging.getLogger("cosen.notify")

Clock = Callable[[], datetime]


def _current_time() -> datetime:
    return datetime.now(PARIS)


@dataclass(frozen=True)
class Retry:
    """A message that will be tried again: when, and why it failed."""

    message_id: str
    channel: Channel
    at: datetime
    reason: str


@dataclass
class SendReport:
    """What one sending run did (ids only).

    Attributes
    ----------
    sent
        Messages the servers accepted, in order.
    retrying
        Messages that failed this time and will be tried again.
    failed
        Messages that failed for good: (id, channel, reason).
    taken_back
        Messages left ``sending`` by a dead sender, released to be sent
        again.
    manual
        Phone messages set aside for the telesecretariat.
    stopped
        Channels stopped for the rest of the run, with the reason.
    sms_wait_until
        When SMS may go again, if the run fell in their quiet hours.
    waiting
        Messages still pending after the run, by channel (due later, in
        quiet hours, or of a channel the configuration lacks).
    """

    sent: list[tuple[str, Channel]] = field(default_factory=list)
    retrying: list[Retry] = field(default_factory=list)
    failed: list[tuple[str, Channel, str]] = field(default_factory=list)
    taken_back: list[str] = field(default_factory=list)
    manual: int = 0
    stopped: dict[Channel, str] = field(default_factory=dict)
    sms_wait_until: datetime | None = None
    waiting: dict[Channel, int] = field(default_factory=dict)

    @property
    def complete(self) -> bool:
        """Whether everything attempted went and no channel stopped."""
        return not (self.retrying or self.failed or self.stopped)


def build_senders(
    config: NotifyConfig, namespace: str, clock: Clock = _current_time
) -> dict[Channel, Sender]:
    """The senders a configuration sets up, by channel."""
    senders: dict[Channel, Sender] = {}
    if config.smtp is not None:
        senders[Channel.EMAIL] = SmtpSender(config.smtp, namespace, clock)
    if config.sms is not None:
        senders[Channel.SMS] = (
            CsvSender(config.sms.csv)
            if config.sms.csv is not None
            else GatewaySender(config.sms)
        )
    return senders


def send_due(
    ledger: Database,
    config: NotifyConfig | None = None,
    clock: Clock = _current_time,
    claimer: str | None = None,
    senders: Mapping[Channel, Sender] | None = None,
) -> SendReport:
    """Send every message due now, each at most once unless a kill cut
    its sending; record each outcome in the ledger.

    Parameters
    ----------
    ledger
        The ledger whose outbox is sent.
    config
        Where messages go (ignored when ``senders`` are given).
    clock
        The current time (a fixed one for tests and ``--now``).
    claimer
        Who claims the messages (default: this process,
        :func:`~cosen.notify.claims.process_claimer`).
    senders
        Senders by channel, instead of those ``config`` sets up.

    Raises
    ------
    LedgerError
        When the ledger cannot be written; a message being sent then
        stays claimed and is sent again by a later run.
    """
    claimer = claimer or process_claimer()
    report = SendReport()
    with ledger.write() as db:
        report.taken_back = _release_abandoned(db, clock())
        report.manual = db.hold_for_phone(Channel.PHONE)
        namespace = db.ledger_stamp()
    if senders is None:
        if config is None:
            raise ValueError("send_due needs a configuration or senders")
        senders = build_senders(config, namespace, clock)
    try:
        _loop(ledger, senders, clock, claimer, report)
    finally:
        for sender in senders.values():
            sender.close()
    with ledger.read() as db:
        counts = db.count_messages()
    report.waiting = {
        channel: count
        for (channel, state), count in counts.items()
        if state is OutboxState.PENDING and channel is not Channel.PHONE
    }
    return report


def _release_abandoned(db: Database, now: datetime) -> list[str]:
    released = [
        message_id
        for message_id, claimer, claimed_at in db.claims()
        if abandoned(claimer, claimed_at, now)
    ]
    db.release_claims(released)
    for message_id in released:
        _log.warning("message %s repris d'un envoi interrompu", message_id)
    return released


def _loop(
    ledger: Database,
    senders: Mapping[Channel, Sender],
    clock: Clock,
    claimer: str,
    report: SendReport,
) -> None:
    while True:
        now = clock()
        channels = [
            channel
            for channel in senders
            if channel not in report.stopped
            and (channel is not Channel.SMS or sms_allowed(now))
        ]
        if Channel.SMS in senders and not sms_allowed(now):
            report.sms_wait_until = next_sms_window(now)
        if not channels:
            return
        with ledger.write() as db:
            message = db.claim_message(now, channels, claimer)
        if message is None:
            return
        sender = senders[message.channel]
        if sender.in_transaction:
            with ledger.write() as db:
                attempt = sender.send(message)
                _record(db, message, attempt, clock(), claimer, report)
        else:
            attempt = sender.send(message)
            with ledger.write() as db:
                _record(db, message, attempt, clock(), claimer, report)
        if attempt.channel_down:
            report.stopped[message.channel] = attempt.reason
            _log.warning(
                "envoi par %s arrêté pour ce passage : %s",
                message.channel.value,
                attempt.reason,
            )


def _record(
    db: Database,
    message: OutboxMessage,
    attempt: Attempt,
    at: datetime,
    claimer: str,
    report: SendReport,
) -> None:
    """Record one attempt's outcome, if the claim is still ours."""
    retry = None
    if attempt.accepted:
        state, error = OutboxState.SENT, None
    else:
        retry = None if attempt.final else retry_time(message.attempts, at)
        state = OutboxState.FAILED if retry is None else OutboxState.PENDING
        error = attempt.reason
        if state is OutboxState.FAILED and not attempt.final:
            error = f"{attempt.reason} ; abandon après {message.attempts} "
            error += "tentatives"
    if not db.finish_message(message.id, state, at, error, retry, claimer):
        # Our claim outlived its lease and another sender took the
        # message over: what it records stands.
        _log.warning("message %s repris par un autre envoi", message.id)
        return
    channel = message.channel
    if state is OutboxState.SENT:
        report.sent.append((message.id, channel))
        _log.info("message %s envoyé (%s)", message.id, channel.value)
    elif retry is not None:
        report.retrying.append(
            Retry(message.id, channel, retry, attempt.reason)
        )
        _log.info(
            "message %s : échec, nouvel essai le %s : %s",
            message.id,
            retry.isoformat(timespec="minutes"),
            attempt.reason,
        )
    else:
        assert error is not None
        report.failed.append((message.id, channel, error))
        _log.warning("message %s en échec : %s", message.id, error)
