"""The call list, filled in by the telesecretariat, is an answers file."""

from __future__ import annotations

from datetime import datetime
from pathlib import Path

from openpyxl import load_workbook

from cosen.allocation import AllocationSettings
from cosen.clock import PARIS
from cosen.ledger.batch import apply_answers, export_run, run_batch
from cosen.ledger.store import Ledger
from tests.factories import NOW, referral_file, referral_row, slot_file
from tests.factories import slot_row as slot

LATER = datetime(2026, 11, 27, 16, 0, tzinfo=PARIS)


def test_a_filled_call_list_is_a_batch_answers_file(tmp_path: Path) -> None:
    referrals = referral_file(
        tmp_path / "demandes.xlsx",
        [
            referral_row(referral_id="D1"),
            referral_row(referral_id="D2", birth_name="Klein"),
            referral_row(referral_id="D3", birth_name="Roth",
                         exams="SCANNER"),  # no slot: to call back
        ],
    )  # fmt: skip
    slots = slot_file(
        tmp_path / "creneaux.xlsx",
        [slot(slot_id="S1"), slot(slot_id="S2", start="27/11/2026 15:00")],
    )
    with Ledger(tmp_path / "cosen.db") as ledger:
        report = run_batch(
            ledger, referrals, slots, AllocationSettings(now=NOW)
        )
        export_run(ledger, tmp_path / "sortie", report.run_id)
        calls = tmp_path / "sortie" / "appels.xlsx"
        workbook = load_workbook(calls)
        sheet = workbook["Réponses"]
        assert sheet["A1"].value == "Id demande"
        answers = {"D1": "confirme", "D2": "refuse"}
        for row in range(2, sheet.max_row + 1):
            referral_id = str(sheet.cell(row, 1).value)
            sheet.cell(row, 10, answers[referral_id])
            sheet.cell(row, 11, "rappelée à 11h")  # the notes are ignored
        workbook.save(calls)
        applied = apply_answers(ledger, calls, LATER)
        states = dict(
            ledger.connection.execute(
                "SELECT referral_id, state FROM referrals"
            )
        )
    assert applied.rejections == []
    assert applied.applied == {"confirme": 1, "refuse": 1}
    assert states == {"D1": "confirmed", "D2": "pending", "D3": "pending"}
    callbacks = load_workbook(calls)["À rappeler"]
    assert [r[0] for r in callbacks.iter_rows(2, values_only=True)] == ["D3"]
