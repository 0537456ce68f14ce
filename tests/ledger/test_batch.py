"""Runs, answers, exports and purge on a real ledger file."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import date, datetime
from pathlib import Path

import pytest
from openpyxl import load_workbook

from cosen.allocation import AllocationSettings
from cosen.clock import PARIS
from cosen.domain import Reason
from cosen.errors import CosenError
from cosen.ledger.batch import (
    AnswerReport,
    RunReport,
    apply_answers,
    export_run,
    history,
    ledger_status,
    purge,
    run_batch,
)
from cosen.ledger.store import Ledger
from tests.factories import NOW, referral_row, slot_row
from tests.ledger.helpers import answer_file, referral_file, slot_file

SETTINGS = AllocationSettings(now=NOW)
LATER = datetime(2026, 11, 27, 16, 0, tzinfo=PARIS)


class Desk:
    """A coordinator's folder: files in, one ledger."""

    def __init__(self, folder: Path) -> None:
        self.folder = folder
        self.ledger = Ledger(folder / "cosen.db")
        self.count = 0

    def run(
        self,
        referrals: list[dict[str, str]],
        slots: list[dict[str, str]],
        settings: AllocationSettings = SETTINGS,
    ) -> RunReport:
        self.count += 1
        return run_batch(
            self.ledger,
            referral_file(self.folder / f"d{self.count}.xlsx", referrals),
            slot_file(self.folder / f"c{self.count}.xlsx", slots),
            settings,
        )

    def answer(self, *answers: tuple[str, str]) -> AnswerReport:
        self.count += 1
        path = answer_file(self.folder / f"r{self.count}.csv", answers)
        return apply_answers(self.ledger, path, LATER)

    def bookings(self) -> dict[str, list[str]]:
        found: dict[str, list[str]] = {}
        for referral_id, slot_id in self.ledger.connection.execute(
            "SELECT referral_id, slot_id FROM bookings WHERE active = 1 "
            "ORDER BY referral_id, position"
        ):
            found.setdefault(referral_id, []).append(slot_id)
        return found

    def states(self) -> dict[str, tuple[str, str | None]]:
        return {
            r: (s, o)
            for r, s, o in self.ledger.connection.execute(
                "SELECT referral_id, state, outcome FROM referrals"
            )
        }


@pytest.fixture
def desk(tmp_path: Path) -> Iterator[Desk]:
    desk = Desk(tmp_path)
    yield desk
    desk.ledger.close()


D1 = referral_row(referral_id="D1")
D2 = referral_row(referral_id="D2", birth_name="Klein", first_name="Léa")
S1 = slot_row(slot_id="S1")
S2 = slot_row(slot_id="S2", start="27/11/2026 15:00")


def test_same_run_twice_books_nothing_new(desk: Desk) -> None:
    first = desk.run([D1, D2], [S1])
    second = desk.run([D1, D2], [S1])
    assert first.counts["booked"] == 1 and second.counts["booked"] == 0
    assert second.counts["referrals_unchanged"] == 2
    assert second.counts["slots_unchanged"] == 1
    assert desk.bookings() == {"D1": ["S1"]}
    assert [r["counts"]["booked"] for r in history(desk.ledger)] == [1, 0]


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
    counts = report.counts
    assert counts["referrals_conflict"] == 1
    assert counts["referrals_updated"] == 1
    assert counts["slots_conflict"] == 1
    assert counts["slots_updated"] == 1
    notes = {(kind, record): note for kind, record, note in report.notes}
    assert "conflit" in notes[("referral", "D1")]
    assert "mise à jour" in notes[("referral", "D2")]
    assert "conflit" in notes[("slot", "S1")]
    data = desk.ledger.connection.execute(
        "SELECT data FROM referrals WHERE referral_id = 'D1'"
    ).fetchone()[0]
    assert "ORD-1" in data  # left alone


def test_same_patient_same_exam_across_runs_is_a_duplicate(
    desk: Desk,
) -> None:
    desk.run([D1], [S1])
    report = desk.run([D1 | {"referral_id": "D7"}], [])
    (rejection,) = report.rejections
    assert rejection.record_id == "D7"
    assert rejection.issues[0].reason is Reason.DUPLICATE_REFERRAL
    assert "D1" in (rejection.issues[0].detail or "")


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
    assert report.applied == {
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
    assert report.applied == {"annule": 1}
    assert desk.states()["D2"] == ("closed", "cancelled")


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


def test_export_recreates_the_run_files(desk: Desk, tmp_path: Path) -> None:
    desk.run([D1, D2], [S1, S2])
    desk.answer(("D2", "annule"))
    report = desk.run([], [])
    first, again = tmp_path / "premier", tmp_path / "encore"
    assert export_run(desk.ledger, first, report.run_id) == 2
    assert export_run(desk.ledger, again) == 2
    names = sorted(p.relative_to(first) for p in first.rglob("*.xlsx"))
    assert names == sorted(p.relative_to(again) for p in again.rglob("*.xlsx"))
    assert Path("liberes/MIM-1.xlsx") in names
    for name in names:
        assert cells(first / name) == cells(again / name)
    released = cells(first / "liberes" / "MIM-1.xlsx")["Rendez-vous"]
    assert released[2][-1] == "D2"
    assert (first / "notifications.csv").read_bytes() == (
        again / "notifications.csv"
    ).read_bytes()


def cells(path: Path) -> dict[str, list[tuple[object, ...]]]:
    workbook = load_workbook(path)
    return {
        sheet.title: [tuple(row) for row in sheet.iter_rows(values_only=True)]
        for sheet in workbook.worksheets
    }


def test_export_without_run_says_so(desk: Desk, tmp_path: Path) -> None:
    with pytest.raises(CosenError, match="aucun passage"):
        export_run(desk.ledger, tmp_path / "x")


def test_status_counts_states_centres_and_exams(desk: Desk) -> None:
    desk.run([D1, D2, referral_row(referral_id="D3", birth_name="Wolff",
                                    exams="SCANNER")], [S1, S2])  # fmt: skip
    desk.answer(("D1", "confirme"))
    found = ledger_status(desk.ledger)
    assert found["states"] == {
        "pending": 1, "booked": 1, "confirmed": 1, "closed": 0
    }  # fmt: skip
    assert found["by_centre"] == {"MIM-1": {"booked": 1, "confirmed": 1}}
    assert found["by_exam"]["SCANNER"] == {"pending": 1}
    assert found["kpi"]["booked"] == 2
    assert ledger_status(desk.ledger, date(2027, 1, 1))["kpi"]["booked"] == 0


def test_purge_leaves_no_personal_data_in_the_file(desk: Desk) -> None:
    secret = "Zygmuntowicz"
    kept = "Oberkircher"
    desk.run(
        [referral_row(referral_id="D1", birth_name=secret),
         referral_row(referral_id="D2", birth_name=kept)],
        [S1, S2],
    )  # fmt: skip
    desk.answer(("D1", "realise"))
    assert purge(desk.ledger, date(2026, 11, 27), LATER) == 0  # closed after
    assert purge(desk.ledger, date(2026, 11, 28), LATER) == 1
    desk.ledger.close()
    files = [p for p in desk.folder.iterdir() if p.name.startswith("cosen.db")]
    content = b"".join(p.read_bytes() for p in files)
    assert secret.encode() not in content
    assert kept.encode() in content
    with Ledger(desk.folder / "cosen.db") as ledger:
        assert ledger_status(ledger)["closed"] == {"done": 1}
        assert ledger.connection.execute(
            "SELECT count(*) FROM bookings WHERE referral_id = 'D1'"
        ).fetchone() == (1,)
