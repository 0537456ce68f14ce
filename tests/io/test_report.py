"""The validation report: rejected rows, reasons, warnings, no names."""

from __future__ import annotations

import stat
from collections.abc import Sequence
from pathlib import Path

import pytest
from openpyxl import Workbook, load_workbook
from openpyxl.worksheet.worksheet import Worksheet

from cosen.domain import (
    REFERRAL_COLUMNS,
    SLOT_COLUMNS,
    Intake,
    Reason,
    Referral,
    Slot,
)
from cosen.io.readers import read_referrals, read_slots
from cosen.io.report import write_validation_report
from tests.factories import referral_row, slot_row
from tests.io.test_exports import fits_page

# Personal data that must never reach the report.
SECRET_BIRTH_NAME = "Zorglubowski"
SECRET_FIRST_NAME = "Philomène"
SECRET_ADDRESS = "77 impasse Quetzalcoatl"
SECRET_PHONE = "06 98 76 54 32"
ACCEPTED_NAME = "Wutheringhaus"


def write_sheet(
    path: Path, sheet: str, header: Sequence[str], rows: list[list[str]]
) -> Path:
    workbook = Workbook()
    worksheet = workbook.active
    assert worksheet is not None
    worksheet.title = sheet
    for number, row in enumerate([list(header), *rows], start=1):
        for column, value in enumerate(row, start=1):
            # A string cell, even when it starts with "=".
            worksheet.cell(number, column, value).data_type = "s"
    workbook.save(path)
    return path


def referrals_file(path: Path) -> Path:
    fields = [c.field for c in REFERRAL_COLUMNS]
    secret = {
        "birth_name": SECRET_BIRTH_NAME,
        "first_name": SECRET_FIRST_NAME,
        "address": SECRET_ADDRESS,
        "phone": SECRET_PHONE,
        "email": f"{SECRET_BIRTH_NAME.lower()}@",  # invalid: a warning
    }
    rows = [
        # 2: accepted, with an invalid email (warning).
        referral_row(referral_id="D1", birth_name=ACCEPTED_NAME,
                     email=f"{ACCEPTED_NAME}@@x"),
        # 3: the secret patient, three reasons at once.
        referral_row(referral_id="D2", **secret, consent="non",
                     suspected_emergency="oui", postcode="6700"),
        # 4: complex imaging.
        referral_row(referral_id="D3", birth_name="Roth",
                     exams="IRM du genou"),
        # 5: accepted.
        referral_row(referral_id="D4", birth_name="Meyer", exams="SCANNER"),
        # 6: the secret patient again, same exam as an accepted row? No:
        # D2 was rejected, so this is a valid resubmission.
        referral_row(referral_id="D5", **secret),
        # 7: same patient, same exam as D5: a duplicate.
        referral_row(referral_id="D6", **secret, exams="RADIO"),
        # 8: an id that a spreadsheet would evaluate.
        referral_row(referral_id="=1+1", birth_name="Klein",
                     reduced_mobility="oui"),
    ]  # fmt: skip
    return write_sheet(
        path,
        "Demandes",
        [c.french for c in REFERRAL_COLUMNS] + ["Commentaire"],
        [[row[f] for f in fields] + ["rappeler"] for row in rows],
    )


def slots_file(path: Path) -> Path:
    fields = [c.field for c in SLOT_COLUMNS]
    rows = [
        slot_row(slot_id="S1"),
        slot_row(slot_id="S2", group="AUTRE"),
        slot_row(slot_id="S1"),
    ]
    return write_sheet(
        path,
        "Creneaux",
        [c.french for c in SLOT_COLUMNS],
        [[row[f] for f in fields] for row in rows],
    )


@pytest.fixture
def intakes(tmp_path: Path) -> tuple[Intake[Referral], Intake[Slot]]:
    referrals = read_referrals(referrals_file(tmp_path / "demandes.xlsx"))
    slots = read_slots(slots_file(tmp_path / "creneaux.xlsx"))
    return referrals, slots


def rows_of(sheet: Worksheet) -> list[tuple[object, ...]]:
    return [
        tuple(None if v == "" else v for v in row)
        for row in sheet.iter_rows(values_only=True)
    ]


def summary_of(sheet: Worksheet) -> dict[object, object]:
    return {row[0]: row[1] for row in rows_of(sheet)[1:]}


def test_intake_is_what_the_report_describes(
    intakes: tuple[Intake[Referral], Intake[Slot]],
) -> None:
    referrals, slots = intakes
    assert [r.referral_id for r in referrals.accepted] == ["D1", "D4", "D5"]
    assert [(r.row, r.record_id) for r in referrals.rejections] == [
        (3, "D2"),
        (4, "D3"),
        (7, "D6"),
        (8, "=1+1"),
    ]
    assert [s.slot_id for s in slots.accepted] == ["S1"]


def test_report_lists_each_rejected_referral_with_every_reason(
    tmp_path: Path, intakes: tuple[Intake[Referral], Intake[Slot]]
) -> None:
    report = tmp_path / "rapport.xlsx"
    write_validation_report(report, intakes[0])
    workbook = load_workbook(report)
    assert workbook.sheetnames == [
        "Synthèse",
        "Demandes rejetées",
        "Avertissements",
    ]
    rows = rows_of(workbook["Demandes rejetées"])
    assert rows[0] == (
        "Ligne", "Identifiant", "Codes", "Motifs", "Orientation du patient"
    )  # fmt: skip
    assert [(r[0], r[1]) for r in rows[1:]] == [
        (3, "D2"),
        (4, "D3"),
        (7, "D6"),
        (8, "=1+1"),
    ]
    codes = {r[1]: str(r[2]).split("\n") for r in rows[1:]}
    assert codes == {
        "D2": ["INVALID_FIELD", "NO_CONSENT", "SUSPECTED_EMERGENCY"],
        "D3": ["COMPLEX_IMAGING"],
        "D6": ["DUPLICATE_REFERRAL"],
        "=1+1": ["MOBILITY_WITHOUT_TRANSPORT"],
    }
    d2 = rows[1]
    reasons = str(d2[3]).split("\n")
    assert len(reasons) == 3
    assert reasons[0].startswith(
        "Information illisible ou invalide : code_postal — "
    )
    assert reasons[1] == (
        "Le patient n'a pas donné son consentement au dispositif (RGPD, "
        "transmission de données de santé)."
    )
    assert reasons[2] == "Urgence suspectée : hors dispositif."
    orientations = str(d2[4]).split("\n")
    # Same orientation for the first two reasons: given once.
    assert orientations == [
        Reason.INVALID_FIELD.orientation,
        Reason.SUSPECTED_EMERGENCY.orientation,
    ]
    assert "15, 116 117" in orientations[1]
    d3 = rows[2]
    assert str(d3[3]).startswith(Reason.COMPLEX_IMAGING.sentence)
    assert d3[4] == Reason.COMPLEX_IMAGING.orientation
    d6 = rows[3]
    assert d6[3] == (
        "Demande en double — même patient et même examen que la demande D5."
    )


def test_report_summary_counts(
    tmp_path: Path, intakes: tuple[Intake[Referral], Intake[Slot]]
) -> None:
    report = tmp_path / "rapport.xlsx"
    write_validation_report(report, *intakes)
    summary = summary_of(load_workbook(report)["Synthèse"])
    assert summary["Demandes lues"] == 7
    assert summary["Demandes recevables"] == 3
    assert summary["Demandes rejetées"] == 4
    motifs = {
        str(k).split(" ")[1]: v
        for k, v in summary.items()
        if str(k).startswith("Motif ")
    }
    assert motifs == {
        "INVALID_FIELD": 1,
        "NO_CONSENT": 1,
        "SUSPECTED_EMERGENCY": 1,
        "COMPLEX_IMAGING": 1,
        "DUPLICATE_REFERRAL": 1,
        "MOBILITY_WITHOUT_TRANSPORT": 1,
    }
    assert summary["Créneaux lus"] == 3
    assert summary["Créneaux valides"] == 1
    assert summary["Créneaux rejetés"] == 2


def test_report_warnings_and_slots_sheets(
    tmp_path: Path, intakes: tuple[Intake[Referral], Intake[Slot]]
) -> None:
    report = tmp_path / "rapport.xlsx"
    write_validation_report(report, *intakes)
    workbook = load_workbook(report)
    assert workbook.sheetnames == [
        "Synthèse",
        "Demandes rejetées",
        "Créneaux rejetés",
        "Avertissements",
    ]
    slots = rows_of(workbook["Créneaux rejetés"])
    assert [(r[0], r[1], r[2]) for r in slots[1:]] == [
        (3, "S2", "INVALID_FIELD"),
        (4, "S1", "DUPLICATE_SLOT"),
    ]
    warnings = rows_of(workbook["Avertissements"])
    assert warnings[0] == ("Fichier", "Ligne", "Identifiant", "Avertissement")
    assert warnings[1:] == [
        (
            "Demandes",
            None,
            None,
            "colonnes inconnues ignorées : Commentaire",
        ),
        ("Demandes", 2, "D1", "email ignoré : adresse e-mail invalide"),
        ("Demandes", 3, "D2", "email ignoré : adresse e-mail invalide"),
        ("Demandes", 6, "D5", "email ignoré : adresse e-mail invalide"),
        ("Demandes", 7, "D6", "email ignoré : adresse e-mail invalide"),
    ]


def test_report_contains_no_patient_data(
    tmp_path: Path, intakes: tuple[Intake[Referral], Intake[Slot]]
) -> None:
    report = tmp_path / "rapport.xlsx"
    write_validation_report(report, *intakes)
    texts = [
        str(value).casefold()
        for sheet in load_workbook(report).worksheets
        for row in sheet.iter_rows(values_only=True)
        for value in row
        if value is not None
    ]
    assert any(t == "d2" for t in texts)  # the report was read at all
    for secret in (
        SECRET_BIRTH_NAME,
        SECRET_FIRST_NAME,
        SECRET_ADDRESS,
        "quetzalcoatl",
        "98 76 54 32",
        "+33698765432",
        ACCEPTED_NAME,
    ):
        assert not [t for t in texts if secret.casefold() in t], secret


def test_report_ids_are_text_never_formulas(
    tmp_path: Path, intakes: tuple[Intake[Referral], Intake[Slot]]
) -> None:
    report = tmp_path / "rapport.xlsx"
    write_validation_report(report, intakes[0])
    sheet = load_workbook(report)["Demandes rejetées"]
    cell = sheet.cell(5, 2)
    assert cell.value == "=1+1"
    assert cell.data_type == "s"


def test_report_is_private_and_replaces_an_old_one(
    tmp_path: Path, intakes: tuple[Intake[Referral], Intake[Slot]]
) -> None:
    report = tmp_path / "sortie" / "rapport.xlsx"
    report.parent.mkdir()
    report.write_bytes(b"ancien")
    report.chmod(0o644)
    write_validation_report(report, intakes[0])
    assert stat.S_IMODE(report.stat().st_mode) == 0o600
    assert load_workbook(report).sheetnames[0] == "Synthèse"
    assert [p.name for p in report.parent.iterdir()] == ["rapport.xlsx"]


def test_report_with_nothing_rejected(tmp_path: Path) -> None:
    path = write_sheet(
        tmp_path / "d.xlsx",
        "Demandes",
        [c.french for c in REFERRAL_COLUMNS],
        [[referral_row()[c.field] for c in REFERRAL_COLUMNS]],
    )
    report = tmp_path / "rapport.xlsx"
    write_validation_report(report, read_referrals(path))
    workbook = load_workbook(report)
    assert rows_of(workbook["Demandes rejetées"])[1:] == []
    summary = summary_of(workbook["Synthèse"])
    assert summary == {
        "Demandes lues": 1,
        "Demandes recevables": 1,
        "Demandes rejetées": 0,
    }


def test_report_summary_prints_on_one_page(
    tmp_path: Path, intakes: tuple[Intake[Referral], Intake[Slot]]
) -> None:
    report = tmp_path / "rapport.xlsx"
    write_validation_report(report, *intakes)
    summary = load_workbook(report)["Synthèse"]
    setup = summary.page_setup
    assert (setup.fitToWidth, setup.fitToHeight) == (1, 1)
    assert fits_page(summary)
    assert setup.orientation == "portrait"


def test_rows_with_several_reasons_are_as_tall_as_their_text(
    tmp_path: Path, intakes: tuple[Intake[Referral], Intake[Slot]]
) -> None:
    report = tmp_path / "rapport.xlsx"
    write_validation_report(report, intakes[0])
    sheet = load_workbook(report)["Demandes rejetées"]
    # D2 (row 2 of the sheet) has three reasons, one per line.
    assert str(sheet["D2"].value).count("\n") == 2
    assert sheet["D2"].alignment.wrap_text
    assert sheet.row_dimensions[2].height >= 3 * 15
    for title in ("Demandes rejetées", "Avertissements"):
        assert load_workbook(report)[title].page_setup.fitToWidth == 1
