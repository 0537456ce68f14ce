"""The outbox's vocabulary: what a queued message is and where it stands.

Every notice the ledger produces (to prescribers: booked, changed,
cancelled; to patients: confirmation, reminder) is an :class:`OutboxMessage`
row with a stable id, queued in the same transaction as the booking it
announces. Its life::

    pending -> sending -> sent
                       -> pending (retried later) -> ... -> failed
    pending | failed | manual -> replaced (its visit changed before it went)
    manual: to be said by phone by the telesecretariat, never sent here
"""

from __future__ import annotations

import enum
from dataclasses import dataclass
from datetime import datetime

__all__ = [
    "Audience",
    "Channel",
    "MessageKind",
    "OutboxMessage",
    "OutboxState",
]


class MessageKind(enum.StrEnum):
    """What a message announces."""

    BOOKED = "booked"
    CHANGED = "changed"
    """A new appointment that replaces one the recipient was told of."""
    CANCELLED = "cancelled"
    REMINDER = "reminder"


class Audience(enum.StrEnum):
    """Who a message is for."""

    PRESCRIBER = "prescriber"
    PATIENT = "patient"


class Channel(enum.StrEnum):
    """How a message goes."""

    EMAIL = "email"
    SMS = "sms"
    PHONE = "phone"


class OutboxState(enum.StrEnum):
    """Where a message stands."""

    PENDING = "pending"
    SENDING = "sending"
    SENT = "sent"
    FAILED = "failed"
    REPLACED = "replaced"
    MANUAL = "manual"


@dataclass(frozen=True)
class OutboxMessage:
    """One message of the outbox.

    Attributes
    ----------
    id
        Stable id (``B12-booked-prescriber``): the email's ``Message-ID``
        is derived from it, so a message sent twice can be recognised.
    referral_id, booking_id, run_id
        What it is about: the referral, the booking row of the visit's
        first slot, the run that queued it (``None`` for an answer's).
    kind, audience, channel
        What it says, to whom, how.
    recipient, subject, body
        Address or number, email subject, words; ``None`` once purged.
    note
        For the telesecretariat (never sent).
    state
        Where it stands (:class:`OutboxState`).
    due_at
        Not before this moment (a reminder: the working day before).
    next_attempt_at
        When it may be tried (again).
    attempts
        Sending attempts so far.
    last_error
        Why the last attempt failed, in French.
    created_at, claimed_at, claimed_by, sent_at
        When it was queued; who is sending it since when; when the server
        accepted it.
    """

    id: str
    referral_id: str
    booking_id: int | None
    run_id: int | None
    kind: MessageKind
    audience: Audience
    channel: Channel
    recipient: str | None
    subject: str | None
    body: str | None
    note: str
    state: OutboxState
    due_at: datetime
    next_attempt_at: datetime
    attempts: int
    last_error: str | None
    created_at: datetime
    claimed_at: datetime | None = None
    claimed_by: str | None = None
    sent_at: datetime | None = None
