"""A run's files, rebuilt from the ledger on every backend."""

from __future__ import annotations

from pathlib import Path

import pytest
from openpyxl import load_workbook

from cosen.errors import CosenError
from cosen.ledger.exports import export_run
from tests.factories import referral_row, slot_row
from tests.ledger.helpers import Desk

D1 = referral_row(referral_id="D1")
D2 = referral_row(referral_id="D2", birth_name="Klein", first_name="Léa")
S1 = slot_row(slot_id="S1")
S2 = slot_row(slot_id="S2", start="27/11/2026 15:00")


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
