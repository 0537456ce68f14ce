"""Batch runs on every backend: imports, bookings kept, duplicates."""

from __future__ import annotations

from datetime import datetime

from cosen.clock import PARIS
from cosen.domain import Reason
from cosen.ledger.reports import history
from tests.factories import referral_row, slot_row
from tests.ledger.helpers import Desk

D1 = referral_row(referral_id="D1")
D2 = referral_row(referral_id="D2", birth_name="Klein", first_name="Léa")
S1 = slot_row(slot_id="S1")
S2 = slot_row(slot_id="S2", start="27/11/2026 15:00")


def test_same_run_twice_books_nothing_new(desk: Desk) -> None:
    first = desk.run([D1, D2], [S1])
    second = desk.run([D1, D2], [S1])
    assert first.counts()["booked"] == 1 and second.counts()["booked"] == 0
    assert second.counts()["referrals_unchanged"] == 2
    assert second.counts()["slots_unchanged"] == 1
    assert desk.bookings() == {"D1": ["S1"]}
    assert [r.counts["booked"] for r in history(desk.ledger)] == [1, 0]


def test_pending_referrals_wait_for_the_next_run(desk: Desk) -> None:
    """D2 gets no slot in run 1 (CAPACITY); run 2 brings S2 and books it,
    lateness still counted from its reception."""
    first = desk.run([D1, D2], [S1])
    assert [u.reason for u in first.allocation.unbooked] == [Reason.CAPACITY]
    second = desk.run([], [S2])
    assert desk.bookings() == {"D1": ["S1"], "D2": ["S2"]}
    (booked,) = second.allocation.booked
    assert booked.target == datetime(2026, 11, 28, 9, 30, tzinfo=PARIS)


def test_a_booked_slot_is_never_given_to_someone_else(desk: Desk) -> None:
    desk.run([D1], [S1])
    later = desk.run([D2], [S1])
    assert desk.bookings() == {"D1": ["S1"]}
    assert [u.reason for u in later.allocation.unbooked] == [Reason.CAPACITY]


def test_changed_rows_are_updated_or_reported_as_conflicts(desk: Desk) -> None:
    desk.run([D1, D2], [S1, slot_row(slot_id="S9", exams="SCANNER")])
    report = desk.run(
        [
            D1 | {"prescription": "ORD-2"},  # booked: conflict
            D2 | {"prescription": "ORD-3"},  # pending: updated
        ],
        [
            S1 | {"duration_min": "30"},  # booked: conflict
            slot_row(slot_id="S9", exams="SCANNER", duration_min="20"),
        ],
    )
    counts = report.counts()
    assert counts["referrals_conflict"] == 1
    assert counts["referrals_updated"] == 1
    assert counts["slots_conflict"] == 1
    assert counts["slots_updated"] == 1
    notes = {
        (kind, record): note for kind, record, note in report.imported.notes
    }
    assert "conflit" in notes[("referral", "D1")]
    assert "mise à jour" in notes[("referral", "D2")]
    assert "conflit" in notes[("slot", "S1")]
    ((data,),) = desk.query(
        "SELECT data FROM referrals WHERE referral_id = ?", "D1"
    )
    assert "ORD-1" in str(data)  # left alone


def test_same_patient_same_exam_across_runs_is_a_duplicate(
    desk: Desk,
) -> None:
    desk.run([D1], [S1])
    report = desk.run([D1 | {"referral_id": "D7"}], [])
    (rejection,) = report.imported.rejections
    assert rejection.record_id == "D7"
    assert rejection.issues[0].reason is Reason.DUPLICATE_REFERRAL
    assert "D1" in (rejection.issues[0].detail or "")


def test_declined_slot_is_never_offered_again_to_that_patient(
    desk: Desk,
) -> None:
    desk.run([D1], [S1, S2])
    assert desk.bookings() == {"D1": ["S1"]}
    desk.answer(("D1", "refuse"))
    desk.run([D2], [])
    # D1 (earlier, more urgent) cannot have S1 back: it takes S2, and D2
    # gets the released S1.
    assert desk.bookings() == {"D1": ["S2"], "D2": ["S1"]}
