"""The call list of a run, filled in by the telesecretariat, is an answers
file: on every backend."""

from __future__ import annotations

from pathlib import Path

from openpyxl import load_workbook

from cosen.ledger.answers import apply_answers
from cosen.ledger.exports import export_run
from tests.factories import referral_row, slot_row
from tests.ledger.helpers import LATER, Desk


def test_a_filled_call_list_is_a_batch_answers_file(
    desk: Desk, tmp_path: Path
) -> None:
    report = desk.run(
        [
            referral_row(referral_id="D1"),
            referral_row(referral_id="D2", birth_name="Klein"),
            referral_row(referral_id="D3", birth_name="Roth",
                         exams="SCANNER"),  # no slot: to call back
        ],
        [slot_row(slot_id="S1"),
         slot_row(slot_id="S2", start="27/11/2026 15:00")],
    )  # fmt: skip
    export_run(desk.ledger, tmp_path / "sortie", report.run_id)
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
    applied = apply_answers(desk.ledger, calls, LATER)
    assert applied.rejections == []
    assert {k.value: v for k, v in applied.applied.items()} == {
        "confirme": 1,
        "refuse": 1,
    }
    assert desk.states() == {
        "D1": ("confirmed", None),
        "D2": ("pending", None),
        "D3": ("pending", None),
    }
    callbacks = load_workbook(calls)["À rappeler"]
    assert [r[0] for r in callbacks.iter_rows(2, values_only=True)] == ["D3"]
