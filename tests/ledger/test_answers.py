"""Answers on every backend: each row one transition, or its reason."""

from __future__ import annotations

from datetime import datetime

from cosen.clock import PARIS
from tests.factories import referral_row, slot_row
from tests.ledger.helpers import Desk

EVENING = datetime(2026, 11, 27, 19, 0, tzinfo=PARIS)

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
        at=EVENING,
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
        ("D3", "peut-être"),  # not an answer
    )
    found = [
        (r.row, r.record_id, r.issues[0].detail) for r in report.rejections
    ]
    assert found == [
        (2, "D9", "demande inconnue du registre"),
        (3, "D2", "demande sans rendez-vous attribué"),
        (4, "D1", "réponse impossible pour une demande close"),
        (5, "D3", "réponse attendue : confirme, refuse, annule, absent ou "
                  "realise"),
    ]  # fmt: skip
    assert report.applied == {}
    withdrawn = desk.answer(("D2", "annule"))  # a pending referral may go
    assert withdrawn.rejections == []
    assert desk.states()["D2"] == ("closed", "cancelled")


def test_no_show_or_done_only_once_the_appointment_started(
    desk: Desk,
) -> None:
    """An « absent » typed before the appointment would lose the slot for
    everyone else: refused until it has started."""
    desk.run([D1, D2], [S1, S2])  # S1 at 14:00, S2 at 15:00
    early = desk.answer(
        ("D1", "absent"),
        ("D2", "realise"),
        at=datetime(2026, 11, 27, 14, 30, tzinfo=PARIS),
    )
    assert [(r.record_id, r.issues[0].detail) for r in early.rejections] == [
        (
            "D2",
            "le rendez-vous du 27/11/2026 à 15h00 n'a pas encore eu lieu : "
            "absent ou réalisé seulement après son début",
        )
    ]
    assert desk.states() == {
        "D1": ("closed", "no_show"),
        "D2": ("booked", None),
    }


def test_contradictory_rows_for_one_referral_are_all_rejected(
    desk: Desk,
) -> None:
    desk.run([D1, D2], [S1, S2])
    report = desk.answer(
        ("D1", "confirme"),
        ("D2", "confirme"),
        ("D1", "refuse"),
        ("D2", "confirme"),  # the same answer again: applied once
    )
    found = [
        (r.row, r.record_id, r.issues[0].detail) for r in report.rejections
    ]
    assert found == [
        (2, "D1", "réponses contradictoires pour cette demande dans ce "
                  "fichier (ligne(s) 4) : aucune n'est appliquée"),
        (4, "D1", "réponses contradictoires pour cette demande dans ce "
                  "fichier (ligne(s) 2) : aucune n'est appliquée"),
    ]  # fmt: skip
    assert {k.value: v for k, v in report.applied.items()} == {"confirme": 1}
    assert desk.states() == {
        "D1": ("booked", None),
        "D2": ("confirmed", None),
    }
