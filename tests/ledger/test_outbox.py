"""What a run or an answer queues in the outbox, on every backend."""

from __future__ import annotations

from datetime import datetime

from cosen.clock import PARIS
from cosen.ledger.messages import (
    Audience,
    Channel,
    MessageKind,
    OutboxMessage,
    OutboxState,
)
from cosen.ledger.outbox import reminder_time
from tests.factories import referral_row, slot_row
from tests.ledger.helpers import Desk

# Booked on Friday 27/11 at 10:00: a Monday appointment's reminder would be
# due on Friday 27/11 at 9:00, already past (none); a Tuesday one's is on
# Monday at 9:00.
MONDAY = slot_row(slot_id="S1", start="30/11/2026 09:00")
TUESDAY = slot_row(slot_id="S2", start="01/12/2026 09:00")
D1 = referral_row(referral_id="D1", prescriber_contact="dr@medecin.fr")


def messages(desk: Desk) -> dict[str, OutboxMessage]:
    return {m.id: m for m in desk.ledger.messages()}


def sent(desk: Desk, *ids: str) -> None:
    """As ``cosen notify send`` marks a message the server accepted."""
    moment = datetime(2026, 11, 27, 11, tzinfo=PARIS)
    with desk.ledger.write() as db:
        for message_id in ids:
            db.finish_message(message_id, OutboxState.SENT, moment)


def test_a_booking_queues_the_prescriber_the_patient_and_a_reminder(
    desk: Desk,
) -> None:
    desk.run([D1], [TUESDAY])
    found = messages(desk)
    visit = next(iter(found.values())).booking_id
    assert set(found) == {
        f"B{visit}-booked-prescriber",
        f"B{visit}-booked-patient",
        f"B{visit}-reminder-patient",
    }
    prescriber = found[f"B{visit}-booked-prescriber"]
    assert (prescriber.channel, prescriber.recipient) == (
        Channel.EMAIL,
        "dr@medecin.fr",
    )
    assert prescriber.state is OutboxState.PENDING
    assert "LŒWENBRÜCK Zoé" in (prescriber.body or "")  # secure: named
    patient = found[f"B{visit}-booked-patient"]
    assert (patient.channel, patient.recipient) == (
        Channel.SMS,
        "+33612345678",
    )
    assert "Lœwenbrück" not in (patient.body or "")  # an SMS names nobody
    reminder = found[f"B{visit}-reminder-patient"]
    assert reminder.due_at == datetime(2026, 11, 30, 9, tzinfo=PARIS)
    assert reminder.next_attempt_at == reminder.due_at


def test_no_reminder_when_its_moment_is_past(desk: Desk) -> None:
    desk.run([D1], [MONDAY])
    assert {m.kind for m in desk.ledger.messages()} == {MessageKind.BOOKED}


def test_reminder_is_the_working_day_before() -> None:
    """Monday's reminder goes on Friday, and holidays are skipped."""
    assert reminder_time(datetime(2026, 11, 30).date()) == datetime(
        2026, 11, 27, 9, tzinfo=PARIS
    )
    # Tuesday 07/04/2026 follows Easter Monday: the reminder is on
    # Thursday 02/04 (Good Friday is a holiday in Alsace-Moselle).
    assert reminder_time(datetime(2026, 4, 7).date()) == datetime(
        2026, 4, 2, 9, tzinfo=PARIS
    )


def test_a_phone_message_is_for_the_telesecretariat(desk: Desk) -> None:
    desk.run([referral_row(prescriber_contact="")], [TUESDAY])
    (prescriber,) = [
        m for m in desk.ledger.messages() if m.audience is Audience.PRESCRIBER
    ]
    assert prescriber.channel is Channel.PHONE
    assert prescriber.state is OutboxState.MANUAL


def test_a_declined_visit_unsent_is_replaced_and_the_next_is_plain(
    desk: Desk,
) -> None:
    desk.run([D1], [MONDAY, TUESDAY])
    first = {m.id for m in desk.ledger.messages()}
    desk.answer(("D1", "refuse"))
    desk.run([], [])
    for message in desk.ledger.messages():
        if message.id in first:
            assert message.state is OutboxState.REPLACED
        else:
            # Nobody was told of the first: the second is no change.
            assert message.kind is not MessageKind.CHANGED


def test_a_declined_visit_announced_is_replaced_by_a_change(
    desk: Desk,
) -> None:
    desk.run([D1], [MONDAY, TUESDAY])
    (visit,) = {m.booking_id for m in desk.ledger.messages()}
    sent(desk, f"B{visit}-booked-prescriber", f"B{visit}-booked-patient")
    desk.answer(("D1", "refuse"))
    desk.run([], [])
    changed = [
        m for m in desk.ledger.messages() if m.kind is MessageKind.CHANGED
    ]
    assert {m.audience for m in changed} == {
        Audience.PRESCRIBER,
        Audience.PATIENT,
    }
    email = next(m for m in changed if m.audience is Audience.PRESCRIBER)
    assert "remplace celui du lundi 30 novembre 2026 à 9h00" in (
        email.body or ""
    )


def test_a_cancellation_tells_only_whoever_was_told(desk: Desk) -> None:
    desk.run([D1], [TUESDAY])
    (visit,) = {m.booking_id for m in desk.ledger.messages()}
    sent(desk, f"B{visit}-booked-prescriber")
    desk.answer(("D1", "annule"))
    found = messages(desk)
    assert found[f"B{visit}-cancelled-prescriber"].state is (
        OutboxState.PENDING
    )
    assert f"B{visit}-cancelled-patient" not in found
    assert found[f"B{visit}-booked-patient"].state is OutboxState.REPLACED
    assert found[f"B{visit}-reminder-patient"].state is OutboxState.REPLACED
