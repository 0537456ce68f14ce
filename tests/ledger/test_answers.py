"""Answers on every backend: each row one transition, or its reason."""

from __future__ import annotations

from tests.factories import referral_row, slot_row
from tests.ledger.helpers import Desk

D1 = referral_row(referral_id="D1")
D2 = referral_row(referral_id="D2", birth_name="Klein", first_name="Léa")
S1 = slot_row(slot_id="S1")
S2 = slot_row(slot_id="S2", start="27/11/2026 15:00")


def test_answers_move_referrals_through_their_states(desk: Desk) -> None:
    rows = [referral_row(referral_id=f"D{i}", birth_name=f"Nom{i}")
            for i in range(1, 6)]  # fmt: skip
    slots = [slot_row(slot_id=f"S{i}", start=f"27/11/2026 1{i}:00")
             for i in range(3, 8)]  # fmt: skip
    desk.run(rows, slots)
    report = desk.answer(
        ("D1", "confirmé"),
        ("D2", "refuse"),
        ("D3", "Annulé"),
        ("D4", "absent"),
        ("D5", "réalisé"),
    )
    assert report.rejections == []
    assert {k.value: v for k, v in report.applied.items()} == {
        "confirme": 1, "refuse": 1, "annule": 1, "absent": 1, "realise": 1,
    }  # fmt: skip
    assert desk.states() == {
        "D1": ("confirmed", None),
        "D2": ("pending", None),
        "D3": ("closed", "cancelled"),
        "D4": ("closed", "no_show"),
        "D5": ("closed", "done"),
    }
    # Declined and cancelled slots are free again; no-shows and done keep
    # theirs (the appointment took place or was wasted).
    assert set(desk.bookings()) == {"D1", "D4", "D5"}


def test_impossible_answers_are_rejected_row_by_row(desk: Desk) -> None:
    desk.run([D1, D2], [S1])  # D1 booked, D2 pending
    desk.answer(("D1", "realise"))
    report = desk.answer(
        ("D9", "confirme"),  # unknown
        ("D2", "confirme"),  # never booked
        ("D1", "confirme"),  # closed
        ("D2", "peut-être"),  # not an answer
        ("D2", "annule"),  # fine: a pending referral may be withdrawn
    )
    found = [
        (r.row, r.record_id, r.issues[0].detail) for r in report.rejections
    ]
    assert found == [
        (2, "D9", "demande inconnue du registre"),
        (3, "D2", "demande sans rendez-vous attribué"),
        (4, "D1", "réponse impossible pour une demande close"),
        (5, "D2", "réponse attendue : confirme, refuse, annule, absent ou "
                  "realise"),
    ]  # fmt: skip
    assert {k.value: v for k, v in report.applied.items()} == {"annule": 1}
    assert desk.states()["D2"] == ("closed", "cancelled")
