"""Blank templates: their layout, and a coordinator's filled copy read back."""

from __future__ import annotations

import stat
from datetime import date, datetime
from pathlib import Path

import pytest
from openpyxl import load_workbook
from openpyxl.worksheet.datavalidation import DataValidation
from openpyxl.worksheet.worksheet import Worksheet

from cosen.clock import PARIS
from cosen.domain import (
    DEFAULT_PREPARATIONS,
    TO_VALIDATE,
    Exam,
    Group,
    Preparations,
    Reason,
)
from cosen.errors import CosenError
from cosen.io.directory import read_centres, read_preparations
from cosen.io.excel import wrapped_lines
from cosen.io.readers import read_referrals, read_slots
from cosen.io.templates import write_templates
from tests.io.test_exports import fits_page

# The contract's French headers, in order.
REFERRAL_HEADERS = [
    "id_demande", "recue_le", "nom_naissance", "prenom", "nom_usage",
    "date_naissance", "adresse", "code_postal", "ville", "telephone",
    "email", "prescripteur", "contact_prescripteur", "ordonnance",
    "examen", "delai_souhaite", "consentement", "mobilite_reduite",
    "transport_medicalise", "urgence_suspectee", "centre_prefere",
    "indisponibilites", "matricule_ins", "sexe", "prenoms_naissance",
    "lieu_naissance",
]  # fmt: skip
SLOT_HEADERS = [
    "id_creneau", "centre", "groupe", "debut", "duree_min", "examens",
    "enfants", "accessible_pmr", "statut",
]  # fmt: skip
CENTRE_HEADERS = [
    "centre", "nom", "groupe", "adresse", "code_postal", "ville",
    "telephone", "email", "acces",
]  # fmt: skip
PREPARATION_HEADERS = ["examen", "preparation", "validee"]
REFERRAL_YES_NO = [
    "consentement", "mobilite_reduite", "transport_medicalise",
    "urgence_suspectee",
]  # fmt: skip
SLOT_YES_NO = ["enfants", "accessible_pmr"]


Value = str | int | date | datetime


@pytest.fixture(scope="module")
def templates(tmp_path_factory: pytest.TempPathFactory) -> tuple[Path, Path]:
    """Templates only looked at (written once for the module)."""
    referrals, slots = write_templates(tmp_path_factory.mktemp("modeles"))
    return referrals, slots


@pytest.fixture
def fresh(tmp_path: Path) -> tuple[Path, Path]:
    """Templates to fill in."""
    referrals, slots = write_templates(tmp_path / "modeles")
    return referrals, slots


def sheet_of(path: Path, name: str) -> Worksheet:
    sheet = load_workbook(path)[name]
    assert isinstance(sheet, Worksheet)
    return sheet


def column_of(sheet: Worksheet, header: str) -> int:
    titles = [cell.value for cell in sheet[1]]
    return titles.index(header) + 1


def validation_of(sheet: Worksheet, column: int) -> DataValidation:
    """The data validation over ``column``'s data rows (exactly one)."""
    found = [
        (validation, cells)
        for validation in sheet.data_validations.dataValidation
        for cells in validation.sqref.ranges
        if cells.min_col == column == cells.max_col
    ]
    assert len(found) == 1, f"one validation expected on column {column}"
    validation, cells = found[0]
    assert cells.min_row == 2 and cells.max_row >= 500
    assert isinstance(validation, DataValidation)
    return validation


def fill(sheet: Worksheet, rows: list[dict[str, Value]]) -> None:
    """Type rows into a template sheet, by header, from row 2."""
    for number, row in enumerate(rows, start=2):
        for header, value in row.items():
            sheet.cell(number, column_of(sheet, header), value)


def test_templates_are_written_private(tmp_path: Path) -> None:
    folder = tmp_path / "nouveau" / "dossier"
    templates = write_templates(folder)
    referrals, slots = templates
    assert templates == [folder / "demandes.xlsx", folder / "creneaux.xlsx"]
    assert (referrals.name, slots.name) == ("demandes.xlsx", "creneaux.xlsx")
    for path in templates:
        assert path.is_file()
        assert stat.S_IMODE(path.stat().st_mode) == 0o600


def test_templates_carry_the_contract_headers_in_order(
    templates: tuple[Path, Path],
) -> None:
    referrals, slots = templates
    assert load_workbook(referrals).sheetnames == ["Demandes", "Instructions"]
    assert load_workbook(slots).sheetnames == [
        "Creneaux", "Centres", "Preparations", "Instructions",
    ]  # fmt: skip
    demandes = sheet_of(referrals, "Demandes")
    creneaux = sheet_of(slots, "Creneaux")
    assert [c.value for c in demandes[1]] == REFERRAL_HEADERS
    assert [c.value for c in creneaux[1]] == SLOT_HEADERS
    assert demandes.freeze_panes == "A2"


def test_blank_templates_read_as_empty_intakes(
    templates: tuple[Path, Path],
) -> None:
    referrals, slots = templates
    for intake in (read_referrals(referrals), read_slots(slots)):
        assert intake.accepted == []
        assert intake.rejections == []
        assert intake.notices == []


@pytest.mark.parametrize("header", REFERRAL_YES_NO)
def test_referral_yes_no_columns_have_strict_dropdowns(
    templates: tuple[Path, Path], header: str
) -> None:
    sheet = sheet_of(templates[0], "Demandes")
    validation = validation_of(sheet, column_of(sheet, header))
    assert validation.type == "list"
    assert validation.formula1 == '"oui,non"'
    assert validation.showInputMessage and validation.showErrorMessage
    assert validation.errorStyle == "stop"
    assert validation.prompt and validation.error
    assert validation.promptTitle == header
    # OOXML's showDropDown is inverted: False shows the arrow.
    assert not validation.showDropDown


def test_exam_column_offers_every_exam_code(
    templates: tuple[Path, Path],
) -> None:
    sheet = sheet_of(templates[0], "Demandes")
    validation = validation_of(sheet, column_of(sheet, "examen"))
    assert validation.type == "list"
    offered = (validation.formula1 or "").strip('"').split(",")
    assert set(offered) >= {e.value for e in Exam} | {"MAMMO+ECHO_SEIN"}
    assert validation.showInputMessage and validation.showErrorMessage
    assert validation.prompt and validation.error
    # Several exams may be typed by hand: a warning, not a refusal.
    assert validation.errorStyle == "warning"


def test_slot_template_dropdowns(templates: tuple[Path, Path]) -> None:
    sheet = sheet_of(templates[1], "Creneaux")
    for header in SLOT_YES_NO:
        validation = validation_of(sheet, column_of(sheet, header))
        assert validation.formula1 == '"oui,non"'
        assert validation.showInputMessage and validation.showErrorMessage
    group = validation_of(sheet, column_of(sheet, "groupe"))
    assert group.formula1 == '"MIM,SIMSE"'
    exams = validation_of(sheet, column_of(sheet, "examens"))
    offered = (exams.formula1 or "").strip('"').split(",")
    assert set(offered) == {e.value for e in Exam}


def test_free_text_columns_have_no_dropdown(
    templates: tuple[Path, Path],
) -> None:
    sheet = sheet_of(templates[0], "Demandes")
    covered = {
        cells.min_col
        for validation in sheet.data_validations.dataValidation
        for cells in validation.sqref.ranges
    }
    assert covered == {
        column_of(sheet, h) for h in [*REFERRAL_YES_NO, "examen"]
    }


@pytest.mark.parametrize(
    "header, number_format",
    [
        ("telephone", "@"),
        ("code_postal", "@"),
        ("contact_prescripteur", "@"),
        ("id_demande", "@"),
        ("date_naissance", "DD/MM/YYYY"),
        ("recue_le", "DD/MM/YYYY HH:MM"),
    ],
)
def test_referral_column_formats(
    templates: tuple[Path, Path], header: str, number_format: str
) -> None:
    sheet = sheet_of(templates[0], "Demandes")
    column = column_of(sheet, header)
    for row in (2, 3, 250, 501):
        assert sheet.cell(row, column).number_format == number_format


def test_slot_start_has_a_date_time_format(
    templates: tuple[Path, Path],
) -> None:
    sheet = sheet_of(templates[1], "Creneaux")
    column = column_of(sheet, "debut")
    assert sheet.cell(2, column).number_format == "DD/MM/YYYY HH:MM"
    assert sheet.cell(2, column_of(sheet, "id_creneau")).number_format == "@"


def _instruction_texts(path: Path) -> list[str]:
    sheet = sheet_of(path, "Instructions")
    return [
        str(value)
        for row in sheet.iter_rows(values_only=True)
        for value in row
        if value is not None
    ]


def test_referral_instructions_list_every_column_and_emergencies(
    templates: tuple[Path, Path],
) -> None:
    sheet = sheet_of(templates[0], "Instructions")
    texts = _instruction_texts(templates[0])
    listed = [
        row[0]
        for row in sheet.iter_rows(values_only=True)
        if row[0] in REFERRAL_HEADERS
    ]
    assert listed == REFERRAL_HEADERS
    # Each listed column says whether it is required.
    required = {
        row[0]: row[1]
        for row in sheet.iter_rows(values_only=True)
        if row[0] in REFERRAL_HEADERS
    }
    assert required["telephone"] == "oui"
    assert required["email"] == "non"
    assert required["consentement"] == "oui"
    assert required["nom_usage"] == "non"
    emergency = [t for t in texts if "116 117" in t]
    assert emergency, "the emergency numbers must be given"
    assert any("15, 116 117" in t for t in emergency)
    assert any("Mode d'emploi" in t for t in texts)


def test_slot_instructions_list_every_column_of_every_sheet(
    templates: tuple[Path, Path],
) -> None:
    sheet = sheet_of(templates[1], "Instructions")
    rows = list(sheet.iter_rows(values_only=True))
    titles = [i for i, row in enumerate(rows) if row[0] == "Colonne"]
    assert len(titles) == 3
    listed = [
        [row[0] for row in rows[start + 1 :] if row[0]][: len(headers)]
        for start, headers in zip(
            titles, [SLOT_HEADERS, CENTRE_HEADERS, PREPARATION_HEADERS],
            strict=True,
        )
    ]  # fmt: skip
    assert listed == [SLOT_HEADERS, CENTRE_HEADERS, PREPARATION_HEADERS]
    texts = _instruction_texts(templates[1])
    assert "Feuille « Centres »" in texts
    assert any(TO_VALIDATE in t for t in texts)


def test_centre_sheet_is_ready_to_fill(templates: tuple[Path, Path]) -> None:
    sheet = sheet_of(templates[1], "Centres")
    assert [c.value for c in sheet[1]] == CENTRE_HEADERS
    group = validation_of(sheet, column_of(sheet, "groupe"))
    assert group.formula1 == '"MIM,SIMSE"'
    for header in ("telephone", "code_postal"):
        assert sheet.cell(2, column_of(sheet, header)).number_format == "@"
    assert read_centres(templates[1]).accepted == []


def test_preparations_sheet_holds_the_defaults_to_validate(
    templates: tuple[Path, Path],
) -> None:
    sheet = sheet_of(templates[1], "Preparations")
    rows = list(sheet.iter_rows(values_only=True))
    assert rows[0] == tuple(PREPARATION_HEADERS)
    assert rows[1:] == [
        (exam.value, DEFAULT_PREPARATIONS[exam], "non") for exam in Exam
    ]
    validated = validation_of(sheet, column_of(sheet, "validee"))
    assert validated.formula1 == '"oui,non"'
    intake = read_preparations(templates[1])
    assert intake.rejections == []
    preparations = Preparations(intake.accepted)
    assert not preparations.validated([Exam.MAMMO])
    assert preparations.text([Exam.MAMMO]) == DEFAULT_PREPARATIONS[Exam.MAMMO]


def test_templates_print_on_a4_landscape_fitted_to_width(
    templates: tuple[Path, Path],
) -> None:
    for path in templates:
        for sheet in load_workbook(path).worksheets:
            setup = sheet.page_setup
            assert str(setup.paperSize) == sheet.PAPERSIZE_A4
            assert setup.fitToWidth == 1 and setup.fitToHeight == 0
            assert fits_page(sheet)
            if sheet.title != "Instructions":
                assert setup.orientation == "landscape", sheet.title
                assert sheet.print_title_rows == "$1:$1"


def test_instruction_notes_are_as_tall_as_their_text(
    templates: tuple[Path, Path],
) -> None:
    sheet = sheet_of(templates[0], "Instructions")
    width = sum(sheet.column_dimensions[c].width for c in ("A", "B", "C"))
    heights = []
    for row in range(2, 7):
        text = str(sheet.cell(row, 1).value)
        assert f"A{row}:C{row}" in {str(m) for m in sheet.merged_cells}
        heights.append(sheet.row_dimensions[row].height)
        assert heights[-1] == 15 * wrapped_lines(text, width)
    assert max(heights) >= 3 * 15  # the exclusions take three lines


def test_templates_never_replace_a_filled_file(tmp_path: Path) -> None:
    referrals, slots = write_templates(tmp_path)
    workbook = load_workbook(referrals)
    workbook["Demandes"]["A2"] = "D1"
    workbook.save(referrals)
    filled = referrals.read_bytes()
    slots.unlink()
    with pytest.raises(CosenError, match=r"demandes\.xlsx existe"):
        write_templates(tmp_path)
    assert referrals.read_bytes() == filled
    assert not slots.exists()  # nothing written at all
    write_templates(tmp_path, replace=True)
    assert read_referrals(referrals).accepted == []


# --------------------------------------------------------------------------
# A coordinator fills the templates; cosen reads them back.


def test_filled_referral_template_round_trip(
    fresh: tuple[Path, Path],
) -> None:
    path = fresh[0]
    workbook = load_workbook(path)
    sheet = workbook["Demandes"]
    base: dict[str, Value] = {
        "recue_le": datetime(2026, 11, 26, 9, 30),  # a real date cell
        "nom_naissance": "Bœuf-Lœwenbrück",
        "prenom": "Anaïs",
        "date_naissance": date(1970, 4, 3),
        "adresse": "3 rue de l'Œuvre",
        "code_postal": "08000",  # text cell
        "ville": "Charleville-Mézières",
        "telephone": "06 12 34 56 78",  # text cell
        "prescripteur": "Dr Kuntz",
        "ordonnance": "ORD-1",
        "examen": "MAMMO+ECHO_SEIN",
        "delai_souhaite": "48h",
        "consentement": "oui",
    }
    fill(
        sheet,
        [
            base | {"id_demande": "D1", "urgence_suspectee": "non"},
            base | {
                "id_demande": "D2",
                "nom_naissance": "N'Diaye",
                "recue_le": "26/11/2026 14:05",  # typed as text
                "date_naissance": "29/02/1960",
                "telephone": "+41 21 123 45 67",
                "contact_prescripteur": "06 45 12 78 90",
                "examen": "RADIO",
                "delai_souhaite": "24h",
                "mobilite_reduite": "oui",
                "transport_medicalise": "oui",
                "centre_prefere": "MIM-2",
                "nom_usage": "Hélias",
            },
            base | {"id_demande": "D3", "nom_naissance": "Roth",
                    "consentement": "non"},
        ],
    )  # fmt: skip
    workbook.save(path)

    intake = read_referrals(path)
    assert intake.notices == []
    assert intake.rows == {"D1": 2, "D2": 3}
    first, second = intake.accepted
    assert first.referral_id == "D1"
    assert first.received_at == datetime(2026, 11, 26, 9, 30, tzinfo=PARIS)
    assert first.birth_name == "Bœuf-Lœwenbrück"
    assert first.first_name == "Anaïs"
    assert first.birth_date == date(1970, 4, 3)
    assert first.address == "3 rue de l'Œuvre"
    assert first.postcode == "08000"
    assert first.phone == "+33612345678" and first.phone_is_mobile
    assert first.exams == (Exam.MAMMO, Exam.ECHO_SEIN)
    assert first.desired_delay == 48
    assert first.consent and not first.suspected_emergency
    assert first.used_name is None and first.preferred_center is None

    assert second.birth_name == "N'Diaye"
    assert second.used_name == "Hélias"
    assert second.received_at == datetime(2026, 11, 26, 14, 5, tzinfo=PARIS)
    assert second.birth_date == date(1960, 2, 29)
    assert second.phone == "+41211234567"
    assert second.prescriber_contact == "+33645127890"
    assert second.exams == (Exam.RADIO,)
    assert second.desired_delay == 24
    assert second.reduced_mobility and second.medical_transport
    assert second.preferred_center == "MIM-2"

    (rejection,) = intake.rejections
    assert (rejection.row, rejection.record_id) == (4, "D3")
    assert [i.reason for i in rejection.issues] == [Reason.NO_CONSENT]


def test_filled_slot_template_round_trip(
    fresh: tuple[Path, Path],
) -> None:
    path = fresh[1]
    workbook = load_workbook(path)
    fill(
        workbook["Creneaux"],
        [
            {"id_creneau": "C1", "centre": "MIM-1", "groupe": "MIM",
             "debut": datetime(2026, 11, 30, 8, 15), "duree_min": 20,
             "examens": "RADIO,ECHO_ABDO", "enfants": "oui",
             "accessible_pmr": "non"},
            {"id_creneau": "C2", "centre": "SIMSE-2", "groupe": "SIMSE",
             "debut": "30/11/2026 16:40", "examens": "MAMMO",
             "accessible_pmr": "oui"},
            {"id_creneau": "C3", "centre": "MIM-1", "groupe": "MIM",
             "debut": datetime(2026, 11, 30, 9, 0), "examens": "IRM"},
        ],
    )  # fmt: skip
    workbook.save(path)

    intake = read_slots(path)
    assert intake.rows == {"C1": 2, "C2": 3}
    first, second = intake.accepted
    assert first.center == "MIM-1" and first.group is Group.MIM
    assert first.start == datetime(2026, 11, 30, 8, 15, tzinfo=PARIS)
    assert first.duration_min == 20
    assert first.exams == (Exam.RADIO, Exam.ECHO_ABDO)
    assert first.children and not first.accessible
    assert second.group is Group.SIMSE
    assert second.start == datetime(2026, 11, 30, 16, 40, tzinfo=PARIS)
    assert second.duration_min == 15
    assert not second.children and second.accessible
    (rejection,) = intake.rejections
    assert (rejection.row, rejection.record_id) == (4, "C3")
    assert [(i.reason, i.column) for i in rejection.issues] == [
        (Reason.INVALID_FIELD, "examens")
    ]
