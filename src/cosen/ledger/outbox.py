"""What the ledger announces, and when: the producers of the outbox.

Every notice is queued in the transaction that books or releases the
visit it is about (:mod:`cosen.ledger.runs`, :mod:`cosen.ledger.answers`),
with its words from :mod:`cosen.io.notices`:

- a booked visit: the prescriber's notice and the patient's confirmation,
  both saying which appointment they replace when the prescriber had been
  told of an earlier one (``changed``), and the patient's reminder, due at
  9:00 the working day before (none when that moment is already past);
- a released visit: its messages not sent yet never will be (``replaced``);
  a cancelled one that was announced gets a cancellation to whoever was
  told.

Sending is :mod:`cosen.notify`'s; a phone message is ``manual`` at once:
the telesecretariat says it.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from datetime import date, datetime, time, timedelta
from typing import Final

from cosen.allocation import Booked
from cosen.clock import is_working_day, localize
from cosen.domain import Directory, Referral
from cosen.io import notices
from cosen.ledger.database import Database
from cosen.ledger.messages import (
    Audience,
    Channel,
    MessageKind,
    OutboxMessage,
    OutboxState,
)

__all__ = ["REMINDER_TIME", "queue_bookings", "queue_release"]

REMINDER_TIME: Final = time(9, 0)
_CHANNELS: Final = {
    notices.Channel.EMAIL: Channel.EMAIL,
    notices.Channel.SMS: Channel.SMS,
    notices.Channel.PHONE: Channel.PHONE,
}
_AUDIENCES: Final = {
    notices.Audience.PRESCRIBER: Audience.PRESCRIBER,
    notices.Audience.PATIENT: Audience.PATIENT,
}


def queue_bookings(
    db: Database,
    run_id: int,
    booked: Iterable[Booked],
    at: datetime,
    directory: Directory | None = None,
) -> None:
    """Queue the notices of the visits a run booked (inside its write)."""
    directory = directory if directory is not None else db.directory()
    visit_ids = db.visit_ids(run_id)
    queued: list[OutboxMessage] = []
    for visit in booked:
        booking_id = visit_ids[visit.referral.referral_id]
        earlier = db.announced_visit_id(visit.referral.referral_id)
        replaces = db.booked_visit(earlier) if earlier is not None else None
        kind = MessageKind.BOOKED if replaces is None else MessageKind.CHANGED
        queued += _rows(
            notices.booking_messages(visit, directory, replaces),
            visit.referral, booking_id, run_id, kind, at, at,
        )  # fmt: skip
        due = reminder_time(visit.start.date())
        if due > at:
            queued += _rows(
                notices.reminder_messages(visit, directory),
                visit.referral, booking_id, run_id, MessageKind.REMINDER,
                due, at,
            )  # fmt: skip
    db.add_messages(queued)


def queue_release(
    db: Database,
    booking_id: int,
    at: datetime,
    cancelled: bool,
    run_id: int | None = None,
    directory: Directory | None = None,
) -> None:
    """A visit is released: its unsent messages never go; if it is
    ``cancelled`` (not only moved), whoever was told of it is told it is
    cancelled. Inside the write that releases it."""
    told = {
        m.audience
        for m in db.messages_of_visit(booking_id)
        if m.state is OutboxState.SENT
        and m.kind in (MessageKind.BOOKED, MessageKind.CHANGED)
    }
    db.replace_unsent(booking_id)
    if not (cancelled and told):
        return
    visit = db.booked_visit(booking_id)
    if visit is None:
        return
    directory = directory if directory is not None else db.directory()
    messages = [
        m
        for m in notices.cancellation_messages(visit, directory)
        if _AUDIENCES[m.audience] in told
    ]
    cancellations = _rows(
        messages, visit.referral, booking_id, run_id,
        MessageKind.CANCELLED, at, at,
    )  # fmt: skip
    db.add_messages(cancellations)


def reminder_time(day: date) -> datetime:
    """When a reminder of an appointment on ``day`` is due: 9:00 on the
    working day before it."""
    before = day - timedelta(days=1)
    while not is_working_day(before):
        before -= timedelta(days=1)
    return localize(datetime.combine(before, REMINDER_TIME))


def _rows(
    messages: Sequence[notices.Message],
    referral: Referral,
    booking_id: int,
    run_id: int | None,
    kind: MessageKind,
    due: datetime,
    at: datetime,
) -> list[OutboxMessage]:
    rows = []
    for message in messages:
        audience = _AUDIENCES[message.audience]
        channel = _CHANNELS[message.channel]
        rows.append(
            OutboxMessage(
                id=f"B{booking_id}-{kind.value}-{audience.value}",
                referral_id=referral.referral_id,
                booking_id=booking_id,
                run_id=run_id,
                kind=kind,
                audience=audience,
                channel=channel,
                recipient=_recipient(message, referral, audience, channel),
                subject=message.subject or None,
                body=message.text,
                note=message.note,
                state=(
                    OutboxState.MANUAL
                    if channel is Channel.PHONE
                    else OutboxState.PENDING
                ),
                due_at=due,
                next_attempt_at=due,
                attempts=0,
                last_error=None,
                created_at=at,
            )
        )
    return rows


def _recipient(
    message: notices.Message,
    referral: Referral,
    audience: Audience,
    channel: Channel,
) -> str | None:
    """The address a sender uses: an email as given, a number in E.164
    (the referral's, validated at intake), a phone number as people write
    it for the telesecretariat to dial; ``None`` when there is none."""
    if channel is Channel.SMS:
        return (
            referral.prescriber_contact
            if audience is Audience.PRESCRIBER
            else referral.phone
        )
    return message.recipient or None
