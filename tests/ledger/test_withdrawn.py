"""Slots a centre withdraws (``statut`` ``annule``), on every backend."""

from __future__ import annotations

from pathlib import Path

from openpyxl import load_workbook

from cosen.domain import Reason
from cosen.ledger.exports import export_run
from cosen.ledger.messages import MessageKind, OutboxState
from tests.factories import referral_row, slot_row
from tests.ledger.helpers import Desk
from tests.ledger.test_outbox import sent

REFERRALS = [
    referral_row(referral_id=f"D{i}", birth_name=f"Nom{i}",
                 received_at=f"26/11/2026 0{i}:00")
    for i in range(1, 7)
]  # fmt: skip
SLOTS = [
    slot_row(slot_id=f"S{i}", start=f"30/11/2026 {8 + i}:00")
    for i in range(1, 10)
]


def withdrawn(*ids: str) -> list[dict[str, str]]:
    return [s | {"status": "annule"} if s["slot_id"] in ids else s
            for s in SLOTS]  # fmt: skip


def test_three_withdrawn_slots_move_exactly_their_three_patients(
    desk: Desk, tmp_path: Path
) -> None:
    """Run 1 books six patients into the first six slots. The centre then
    withdraws three of them: exactly those three patients move, first in
    line (a newcomer finds no slot left), into the three free slots; the
    notices of those that had been sent say which appointment they
    replace; liberes/ lists the withdrawn appointments."""
    desk.run(REFERRALS, SLOTS)
    before = desk.bookings()
    assert sorted(before) == [f"D{i}" for i in range(1, 7)]
    moved = {before["D2"][0], before["D4"][0], before["D5"][0]}
    announced = [
        m.id
        for m in desk.ledger.messages()
        if m.kind is MessageKind.BOOKED and m.referral_id == "D2"
    ]
    sent(desk, *announced)
    newcomer = referral_row(referral_id="D7", birth_name="Nouveau",
                            received_at="26/11/2026 00:30")  # fmt: skip
    report = desk.run([*REFERRALS, newcomer], withdrawn(*moved))
    after = desk.bookings()
    assert sorted(r for r, _ in report.imported.withdrawn) == [
        "D2",
        "D4",
        "D5",
    ]
    assert {r: after[r] for r in before if r not in ("D2", "D4", "D5")} == {
        r: before[r] for r in before if r not in ("D2", "D4", "D5")
    }
    assert {after[r][0] for r in ("D2", "D4", "D5")} == {"S7", "S8", "S9"}
    assert [u.referral.referral_id for u in report.allocation.unbooked] == [
        "D7"
    ]
    assert report.allocation.unbooked[0].reason is Reason.CAPACITY
    changed = [
        m for m in desk.ledger.messages() if m.kind is MessageKind.CHANGED
    ]
    assert {m.referral_id for m in changed} == {"D2"}
    assert all("remplac" in (m.body or "") for m in changed)
    # Their unsent first notices never go.
    for message in desk.ledger.messages():
        if message.referral_id in ("D4", "D5") and message.run_id == 1:
            assert message.state is OutboxState.REPLACED
    export_run(desk.ledger, tmp_path / "sortie", report.run_id)
    released = load_workbook(tmp_path / "sortie" / "liberes" / "MIM-1.xlsx")
    text = [
        str(v)
        for row in released.active.iter_rows(values_only=True)  # type: ignore[union-attr]
        for v in row
        if v is not None
    ]
    assert sum("créneau retiré par le centre" in t for t in text) == 3
    calendar = tmp_path / "sortie" / "liste-complete" / "MIM-1.ics"
    assert calendar.read_bytes().count(b"STATUS:CANCELLED") == 3


def test_a_withdrawn_slot_not_booked_is_just_gone(desk: Desk) -> None:
    desk.run(REFERRALS[:1], SLOTS[:2])
    report = desk.run([], withdrawn("S2")[:2])
    assert report.imported.withdrawn == []
    assert report.imported.slots["updated"] == 1
    desk.answer(("D1", "refuse"))
    again = desk.run([], [])
    assert desk.bookings() == {}
    assert again.allocation.unbooked[0].reason is Reason.NO_COMPATIBLE_SLOT


def test_a_withdrawn_slot_may_open_again_while_nothing_took_its_place(
    desk: Desk,
) -> None:
    desk.run([], withdrawn("S1", "S2"))
    reopened = desk.run([], SLOTS)
    assert reopened.imported.slots["updated"] == 2
    # S1 withdrawn again, and a slot of the same centre at its time: S1
    # may not come back.
    desk.run([], withdrawn("S1"))
    replacement = slot_row(slot_id="R1", start="30/11/2026 09:05")
    report = desk.run([], [*SLOTS, replacement])
    notes = {record: note for _, record, note in report.imported.notes}
    assert "a pris sa place : conflit" in notes["S1"]
    assert report.imported.slots["conflict"] == 1
