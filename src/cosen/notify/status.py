"""What the outbox holds, without personal data: ``cosen notify status``
and the outbox line of ``cosen batch status``.

Messages are named by their ids, channels, states, attempts, times and
reasons; never by their recipient or text.
"""

from __future__ import annotations

from datetime import datetime
from typing import Any, Final

from cosen.ledger import Database
from cosen.ledger.messages import Channel, OutboxMessage, OutboxState
from cosen.notify.policy import next_sms_window

__all__ = [
    "CHANNEL_TEXT",
    "LISTED_STATES",
    "STATE_TEXT",
    "outbox_counts",
    "outbox_status",
    "outbox_totals",
]

CHANNEL_TEXT: Final = {
    Channel.EMAIL: "courriel",
    Channel.SMS: "SMS",
    Channel.PHONE: "téléphone",
}
STATE_TEXT: Final = {
    OutboxState.PENDING: "à envoyer",
    OutboxState.SENDING: "en cours d'envoi",
    OutboxState.SENT: "envoyés",
    OutboxState.FAILED: "en échec",
    OutboxState.MANUAL: "à téléphoner",
    OutboxState.REPLACED: "remplacés",
}
"""How a state reads in a count (« envoyés 3 »)."""
LISTED_STATES: Final = (
    OutboxState.PENDING,
    OutboxState.SENDING,
    OutboxState.FAILED,
)
"""The states whose messages status lists one by one: what someone may
have to act on."""


def outbox_counts(ledger: Database) -> dict[str, dict[str, int]]:
    """Messages by channel and state, every state listed for each
    channel that has messages (``{"email": {"pending": 2, ...}}``)."""
    with ledger.read() as db:
        counts = db.count_messages()
    found: dict[str, dict[str, int]] = {}
    for (channel, state), count in counts.items():
        states = found.setdefault(
            channel.value, dict.fromkeys((s.value for s in OutboxState), 0)
        )
        states[state.value] = count
    return found


def outbox_totals(counts: dict[str, dict[str, int]]) -> dict[str, int]:
    """Messages by state, all channels together, every state listed."""
    totals = dict.fromkeys((s.value for s in OutboxState), 0)
    for states in counts.values():
        for state, count in states.items():
            totals[state] += count
    return totals


def outbox_status(ledger: Database, now: datetime) -> dict[str, Any]:
    """Counts by channel and state, totals by state, and the messages to
    send, being sent or failed, earliest first: id, referral, kind,
    audience, channel, state, attempts, when it is due and may be tried
    (an SMS in quiet hours: when they end), and the last reason."""
    with ledger.read() as db:
        listed = db.messages(states=LISTED_STATES)
    counts = outbox_counts(ledger)
    rows = sorted(
        (_row(message, now) for message in listed),
        key=lambda row: (row["next_attempt_at"], row["id"]),
    )
    return {
        "counts": counts,
        "totals": outbox_totals(counts),
        "messages": rows,
    }


def _row(message: OutboxMessage, now: datetime) -> dict[str, Any]:
    when = max(message.next_attempt_at, message.due_at)
    if message.state is OutboxState.PENDING:
        when = max(when, now)
        if message.channel is Channel.SMS:
            when = next_sms_window(when)
    return {
        "id": message.id,
        "referral_id": message.referral_id,
        "kind": message.kind.value,
        "audience": message.audience.value,
        "channel": message.channel.value,
        "state": message.state.value,
        "attempts": message.attempts,
        "due_at": message.due_at.isoformat(),
        "next_attempt_at": when.isoformat(),
        "claimed_at": (
            message.claimed_at.isoformat() if message.claimed_at else None
        ),
        "reason": message.last_error,
    }
