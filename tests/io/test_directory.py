"""Reading the directory and the preparations from the slot workbook or
a file of their own."""

from __future__ import annotations

from pathlib import Path

import pytest
from openpyxl import load_workbook

from cosen.domain import CENTRE_COLUMNS, Exam, Preparations
from cosen.errors import UnusableFileError
from cosen.io.directory import read_centres, read_preparations
from tests.factories import centre_row, raw_workbook, slot_file, slot_row


def test_the_slot_workbook_holds_the_directory(tmp_path: Path) -> None:
    path = slot_file(
        tmp_path / "creneaux.xlsx",
        [slot_row()],
        [centre_row(), centre_row(center="SIMSE-1", group="SIMSE")],
    )
    centres = read_centres(path)
    assert [c.center for c in centres.accepted] == ["MIM-1", "SIMSE-1"]
    assert centres.rows == {"MIM-1": 2, "SIMSE-1": 3}
    preparations = read_preparations(path)
    assert len(preparations.accepted) == len(Exam)


def test_a_slot_workbook_without_directory_gives_none(tmp_path: Path) -> None:
    path = raw_workbook(tmp_path / "c.xlsx", ["id_creneau"], [], "Creneaux")
    assert read_centres(path).accepted == []
    assert read_preparations(path).accepted == []
    csv = tmp_path / "c.csv"
    csv.write_text("id_creneau\nS1\n", encoding="utf-8")
    assert read_centres(csv).accepted == []


def test_a_hidden_centres_sheet_is_not_data(tmp_path: Path) -> None:
    path = slot_file(tmp_path / "creneaux.xlsx", [slot_row()], [centre_row()])
    workbook = load_workbook(path)
    workbook["Centres"].sheet_state = "hidden"
    workbook.save(path)
    assert read_centres(path).accepted == []


def test_a_directory_file_of_its_own(tmp_path: Path) -> None:
    fields = [c.field for c in CENTRE_COLUMNS]
    path = tmp_path / "annuaire.csv"
    path.write_text(
        "center;name;group;address;postcode;city;phone;email;access\n"
        + ";".join(centre_row()[f] for f in fields)
        + "\n",
        encoding="utf-8",
    )
    (centre,) = read_centres(path, own_file=True).accepted
    assert centre.name == "Centre d'imagerie du Parc"
    with pytest.raises(UnusableFileError, match="introuvable"):
        read_centres(tmp_path / "absent.xlsx", own_file=True)


def test_validated_preparations_are_read(tmp_path: Path) -> None:
    path = slot_file(tmp_path / "creneaux.xlsx", [slot_row()])
    workbook = load_workbook(path)
    sheet = workbook["Preparations"]
    sheet["B7"] = "À jeun, sans déodorant."  # MAMMO
    sheet["C7"] = "oui"
    workbook.save(path)
    preparations = Preparations(read_preparations(path).accepted)
    assert preparations.text([Exam.MAMMO]) == "À jeun, sans déodorant."
    assert preparations.validated([Exam.MAMMO])
    assert not preparations.validated([Exam.RADIO])
