"""Files an allocation sends out, read back exactly as their readers would."""

from __future__ import annotations

import csv
import stat
import zipfile
from dataclasses import dataclass
from datetime import datetime, time
from pathlib import Path
from typing import Any

import pytest
from openpyxl import load_workbook
from openpyxl.worksheet.worksheet import Worksheet

from cosen.allocation import Allocation, AllocationSettings, allocate
from cosen.allocation.indicators import indicators
from cosen.domain import (
    DEFAULT_PREPARATIONS,
    Directory,
    Exam,
    Intake,
    Reason,
    Referral,
    check_centre_rows,
    check_referral_rows,
    check_slot_rows,
)
from cosen.io.exports import (
    AppointmentStatus,
    write_call_list,
    write_exports,
)
from cosen.io.notices import sms_length
from cosen.io.outputs import MANIFEST
from cosen.io.report import rejection_cells
from cosen.io.wording import clock_time, numeric_date
from tests.factories import NOW, centre_row, referral_row, slot_row

FORMULA_NAME = '=HYPERLINK("http://evil.example","clic")'
FORMULA_ID = "=D6+1"
FORMULA_PRESCRIBER = "@Dr Arobase"
LONG_ID = "D2-" + "X" * 61  # the longest id a referral may have
KIDS = "MIM-PEDIATRIE-STRASBOURG-NORD-01"  # the longest centre code
ODD = "Simse 3"  # read as the code "SIMSE3"
MOBILE, FIXED = "06 11 22 33 44", "03 88 12 34 56"

# Patients' names: none may reach an SMS or a phone message.
NAMES = {
    "D7": ("Quarteroni", "", "Eudoxie"),
    "D1": (FORMULA_NAME, "+Vandermeersch", "Adélaïde"),
    "D5": ("Engoulevent", "", "Perpétue"),
    LONG_ID: ("Bouvreuil", "", "Timothée"),
    "D3": ("Courlis", "Pélican", "Hermeline"),
    "D9": ("Rejeton", "", "Sidonie"),
    "D4": ("Dromadaire", "", "Anatole"),
    "D11": ("Irmine", "", "Clodomir"),
    "D8": ("Flamant", "", "Gontran"),
    "D10": ("Gypaète", "", "Ludovic"),
    FORMULA_ID: ("Harfang", "", "Ermengarde"),
}


def referral(rid: str, received: str, **changes: Any) -> dict[str, str]:
    birth, used, first = NAMES[rid]
    return referral_row(
        referral_id=rid,
        received_at=received,
        birth_name=birth,
        used_name=used,
        first_name=first,
        **changes,
    )


# In order of arrival, as allocate() expects.
REFERRAL_ROWS = [
    # Received long ago, due before the allocation: booked late.
    referral("D7", "25/11/2026 09:00", desired_delay="24h",
             birth_date="01/01/1950", exams="ECHO_THYRO"),
    # A name a spreadsheet would run as a formula.
    referral("D1", "26/11/2026 09:30", exams="RADIO"),
    # Loses the only ECHO_ABDO slot to FORMULA_ID: CAPACITY.
    referral("D5", "26/11/2026 09:30", birth_date="07/07/1980",
             exams="ECHO_ABDO"),
    # A child, only the children's slot fits; prescriber on a mobile.
    referral(LONG_ID, "26/11/2026 10:00", birth_date="10/05/2015",
             exams="RADIO", prescriber_contact=MOBILE),
    # Two exams in one trip, over two consecutive slots; landline.
    referral("D3", "26/11/2026 11:00", birth_date="02/02/1965",
             exams="MAMMO+ECHO_SEIN", prescriber_contact=FIXED),
    referral("D9", "26/11/2026 11:30", consent="non"),
    # Reduced mobility with transport; no prescriber contact.
    referral("D4", "26/11/2026 12:00", birth_date="05/06/1940",
             exams="SCANNER", reduced_mobility="oui",
             medical_transport="oui", prescriber_contact=""),
    referral("D11", "26/11/2026 13:00", exams="IRM du genou"),
    # No slot takes this exam: NO_COMPATIBLE_SLOT.
    referral("D8", "26/11/2026 14:00", birth_date="08/08/1975",
             exams="ECHO_MSK"),
    referral("D10", "26/11/2026 15:00", birth_date="09/09/1985",
             exams="SCANNER", prescriber_contact="06 98 76 54 32"),
    referral(FORMULA_ID, "27/11/2026 08:00", birth_date="10/10/1990",
             exams="ECHO_ABDO", prescriber=FORMULA_PRESCRIBER),
]  # fmt: skip

SLOT_ROWS = [
    slot_row(slot_id="S1", center=KIDS, start="27/11/2026 14:00",
             exams="RADIO", children="oui"),
    slot_row(slot_id="S2", start="27/11/2026 14:30", exams="MAMMO"),
    slot_row(slot_id="S3", start="27/11/2026 14:45", exams="ECHO_SEIN"),
    slot_row(slot_id="S5", start="27/11/2026 16:00", exams="RADIO"),
    slot_row(slot_id="S4", center="SIMSE-2", group="SIMSE",
             start="28/11/2026 11:00", duration_min="30", exams="SCANNER",
             accessible="oui"),
    # After D5's target, before FORMULA_ID's: the optimizer books the
    # later referral on time rather than D5 late.
    slot_row(slot_id="S6", center="SIMSE-2", group="SIMSE",
             start="28/11/2026 12:00", exams="ECHO_ABDO"),
    slot_row(slot_id="S7", center="SIMSE-2", group="SIMSE",
             start="27/11/2026 17:00", exams="ECHO_THYRO"),
    slot_row(slot_id="S8", center=ODD, group="SIMSE",
             start="28/11/2026 09:00", exams="SCANNER"),
]  # fmt: skip


# The directory knows three centres; SIMSE3 is missing (shown by code).
CENTRE_ROWS = [
    centre_row(),
    centre_row(center="SIMSE-2", group="SIMSE",
               name="Radiologie de l'Ill", address="5 quai de l'Ill",
               postcode="68100", city="Mulhouse", phone="03 53 48 10 02",
               access=""),
    centre_row(center=KIDS, name="Imagerie pédiatrique Nord",
               address="1 allée des Enfants", phone="03 53 48 10 03",
               access="Accès poussettes par la rampe."),
]  # fmt: skip


@dataclass(frozen=True)
class Case:
    folder: Path
    paths: list[Path]
    allocation: Allocation
    referrals: Intake[Referral]

    def path(self, name: str) -> Path:
        return self.folder / name


def build_allocation() -> tuple[Allocation, Intake[Referral]]:
    referrals = check_referral_rows(enumerate(REFERRAL_ROWS, start=2))
    slots = check_slot_rows(enumerate(SLOT_ROWS, start=2))
    assert not slots.rejections
    allocation = allocate(
        referrals.accepted, slots.accepted, AllocationSettings(now=NOW)
    )
    return allocation, referrals


def directory() -> Directory:
    centres = check_centre_rows(enumerate(CENTRE_ROWS, start=2))
    assert not centres.rejections
    return Directory(centres.accepted)


def export(folder: Path) -> Case:
    allocation, referrals = build_allocation()
    received = len(referrals.accepted) + len(referrals.rejections)
    paths = write_exports(
        folder, allocation, referrals.rejections, received,
        directory=directory(),
        statuses={"D1": AppointmentStatus.CONFIRMED},
    )  # fmt: skip
    return Case(folder, paths, allocation, referrals)


@pytest.fixture(scope="module")
def case(tmp_path_factory: pytest.TempPathFactory) -> Case:
    return export(tmp_path_factory.mktemp("sorties"))


def sheet_of(path: Path, name: str) -> Worksheet:
    sheet = load_workbook(path)[name]
    assert isinstance(sheet, Worksheet)
    return sheet


def page_header(sheet: Worksheet) -> str:
    """The text at the centre of a sheet's printed page header."""
    assert sheet.oddHeader is not None
    return str(sheet.oddHeader.center.text)


def page_footer(sheet: Worksheet) -> str:
    """The text at the left of a sheet's printed page footer."""
    assert sheet.oddFooter is not None
    return str(sheet.oddFooter.left.text)


def fits_page(sheet: Worksheet) -> bool:
    properties = sheet.sheet_properties.pageSetUpPr
    return properties is not None and bool(properties.fitToPage)


def values(sheet: Worksheet, first: int = 1) -> list[tuple[Any, ...]]:
    return list(sheet.iter_rows(min_row=first, values_only=True))


def column(sheet: Worksheet, title: str, header_row: int) -> list[Any]:
    header = [c.value for c in sheet[header_row]]
    index = header.index(title)
    return [row[index] for row in values(sheet, header_row + 1)]


def notifications(case: Case) -> list[dict[str, str]]:
    text = case.path("notifications.csv").read_text(encoding="utf-8-sig")
    return list(csv.DictReader(text.splitlines(keepends=True), delimiter=";"))


def messages(case: Case, audience: str) -> dict[str, dict[str, str]]:
    return {
        row["Demande"]: row
        for row in notifications(case)
        if row["Pour"] == audience
    }


def test_the_scenario_is_what_the_tests_assume(case: Case) -> None:
    allocation = case.allocation
    visits = {
        b.referral.referral_id: [s.slot_id for s in b.slots]
        for b in allocation.booked
    }
    assert visits == {
        "D7": ["S7"], "D1": ["S5"], LONG_ID: ["S1"], "D3": ["S2", "S3"],
        "D4": ["S4"], "D10": ["S8"], FORMULA_ID: ["S6"],
    }  # fmt: skip
    assert [
        (u.referral.referral_id, u.reason) for u in allocation.unbooked
    ] == [
        ("D5", Reason.CAPACITY),
        ("D8", Reason.NO_COMPATIBLE_SLOT),
    ]
    assert [r.record_id for r in case.referrals.rejections] == ["D9", "D11"]


def test_every_file_is_returned_private_and_complete(case: Case) -> None:
    centres = case.folder / "centres"
    assert case.paths == [
        centres / "MIM-1.xlsx",
        centres / "MIM-PEDIATRIE-STRASBOURG-NORD-01.xlsx",
        centres / "SIMSE-2.xlsx",
        centres / "SIMSE3.xlsx",
        case.path("synthese.xlsx"),
        case.path("appels.xlsx"),
        case.path("notifications.csv"),
    ]
    written = {p for p in case.folder.rglob("*") if p.is_file()}
    # No temporary file or staging folder left behind; cosen's manifest.
    assert written == {*case.paths, case.path(MANIFEST)}
    assert {p.name for p in case.folder.iterdir()} == {
        "centres", "synthese.xlsx", "appels.xlsx", "notifications.csv",
        MANIFEST,
    }  # fmt: skip
    for path in written:
        assert stat.S_IMODE(path.stat().st_mode) == 0o600, path


# --------------------------------------------------------------------------
# Centre lists

CENTRE_HEADER = (
    "Heure", "Créneau", "Examen(s)", "Nom de naissance", "Nom d'usage",
    "Prénom", "Date de naissance", "Téléphone", "Enfant",
    "Mobilité et transport", "Prescripteur", "Ordonnance", "Statut",
    "Présent", "Demande",
)  # fmt: skip


def centre_sheet(case: Case, name: str) -> Worksheet:
    return sheet_of(case.path(f"centres/{name}.xlsx"), "Rendez-vous")


def test_centre_list_is_a_block_per_day(case: Case) -> None:
    sheet = centre_sheet(case, "SIMSE-2")
    rows = values(sheet)
    assert rows[0] == CENTRE_HEADER
    assert rows[1][0] == "Vendredi 27 novembre 2026 — 1 patient"
    assert rows[2][1] == "S7"
    assert rows[3][0] == "Samedi 28 novembre 2026 — 2 patients"
    assert [r[1] for r in rows[4:]] == ["S4", "S6"]
    assert {str(m) for m in sheet.merged_cells.ranges} == {"A2:O2", "A4:O4"}


def test_centre_codes_name_the_files_and_unknown_centres_show_codes(
    case: Case,
) -> None:
    sheet = centre_sheet(case, "SIMSE3")
    assert page_header(sheet) == (
        "Rendez-vous COSEN — SIMSE3, groupe SIMSE — le 28/11/2026"
    )
    assert column(sheet, "Demande", 1) == [None, "D10"]


def test_each_centre_gets_only_its_patients_by_visit(case: Case) -> None:
    expected = {
        "MIM-1": [None, "D3", None, "D1"],
        KIDS: [None, LONG_ID],
        "SIMSE-2": [None, "D7", None, "D4", FORMULA_ID],
    }
    for name, ids in expected.items():
        assert column(centre_sheet(case, name), "Demande", 1) == ids, name


def test_centre_rows_hold_what_the_centre_needs(case: Case) -> None:
    sheet = centre_sheet(case, "MIM-1")
    assert values(sheet, 3) == [
        # One trip, two slots: the patient's cells span both rows.
        (
            time(14, 30), "S2", "Mammographie", "Courlis", "Pélican",
            "Hermeline", datetime(1965, 2, 2), "06 12 34 56 78", "non",
            "non", "Dr Kuntz", "ORD-1", "attribué", None, "D3",
        ),
        (time(14, 45), "S3", "Échographie mammaire", *[None] * 12),
        (
            time(16, 0), "S5", "Radiographie", FORMULA_NAME,
            "+Vandermeersch", "Adélaïde", datetime(1970, 4, 3),
            "06 12 34 56 78", "non", "non", "Dr Kuntz", "ORD-1", "confirmé",
            None, "D1",
        ),
    ]  # fmt: skip
    merged = {str(m) for m in sheet.merged_cells.ranges}
    assert {f"{c}3:{c}4" for c in "DEFGHIJKLMNO"} <= merged
    assert not {m for m in merged if m.startswith(("A3", "B3", "C3"))}


def test_children_mobility_and_transport_are_shown(case: Case) -> None:
    kids = values(centre_sheet(case, KIDS), 3)
    assert kids[0][8] == "oui (11 ans)"
    rows = {row[-1]: row for row in values(centre_sheet(case, "SIMSE-2"), 3)}
    assert rows["D4"][2] == "Scanner"
    assert rows["D4"][9] == "mobilité réduite, transport médicalisé"
    assert rows["D7"][8:10] == ("non", "non")


def test_centre_dates_and_times_are_real_cells(case: Case) -> None:
    sheet = centre_sheet(case, "MIM-1")
    hour, birth = sheet["A3"], sheet["G3"]
    assert isinstance(hour.value, time) and hour.number_format == "HH:MM"
    assert birth.is_date and birth.value == datetime(1965, 2, 2)
    assert birth.number_format == "DD/MM/YYYY"


def test_centre_workbooks_print_well(case: Case) -> None:
    for path in case.paths[:4]:
        sheet = sheet_of(path, "Rendez-vous")
        setup = sheet.page_setup
        assert setup.orientation == "landscape"
        assert str(setup.paperSize) == sheet.PAPERSIZE_A4
        assert (setup.fitToWidth, setup.fitToHeight) == (1, 0)
        assert fits_page(sheet)
        assert sheet.print_title_rows == "$1:$1"
        assert sheet.freeze_panes == "A2"
        # The title once: in the page header, not in a cell as well.
        assert sheet["A1"].value == "Heure"
        assert page_header(sheet).startswith("Rendez-vous COSEN — ")
        assert page_footer(sheet) == "Attribution du 27/11/2026 à 10h00"
    mim = centre_sheet(case, "MIM-1")
    assert page_header(mim) == (
        "Rendez-vous COSEN — Centre d'imagerie du Parc (MIM-1), groupe MIM "
        "— le 27/11/2026"
    )


def test_text_from_users_is_never_a_formula(case: Case) -> None:
    centre = centre_sheet(case, "MIM-1")
    assert centre["D5"].value == FORMULA_NAME
    assert centre["D5"].data_type == "s"
    assert centre["E5"].value == "+Vandermeersch"
    calls = sheet_of(case.path("appels.xlsx"), "Réponses")
    cells = [c for row in calls.iter_rows() for c in row]
    assert FORMULA_ID in {c.value for c in cells if c.data_type == "s"}
    assert not [c for c in cells if c.data_type == "f"]
    for path in case.paths[:-1]:
        with zipfile.ZipFile(path) as archive:
            for name in archive.namelist():
                if name.startswith("xl/worksheets/"):
                    assert b"<f>" not in archive.read(name), (path, name)


def test_wrapped_text_makes_rows_taller(tmp_path: Path) -> None:
    allocation, referrals = build_allocation()
    long = ("Échographie de contrôle, " * 8).strip()  # 199 characters
    booked = allocation.booked[1]  # D1
    referral = booked.referral.model_copy(update={"prescription": long})
    allocation.booked[1] = type(booked)(
        referral, booked.slots, booked.target, booked.late_minutes
    )
    write_exports(tmp_path, allocation, referrals.rejections, 11)
    sheet = sheet_of(tmp_path / "centres" / "MIM-1.xlsx", "Rendez-vous")
    d1 = next(r for r in range(3, 8) if sheet.cell(r, 15).value == "D1")
    assert sheet.cell(d1, 12).value == long
    assert sheet.cell(d1, 12).alignment.wrap_text
    # 200 characters in a 26-wide column: 8 lines or more.
    assert sheet.row_dimensions[d1].height >= 8 * 15


# --------------------------------------------------------------------------
# The coordinator's summary


def test_summary_lists_every_booked_slot(case: Case) -> None:
    book = load_workbook(case.path("synthese.xlsx"))
    assert book.sheetnames == [
        "Rendez-vous", "Non attribuées", "Rejetées", "Indicateurs",
    ]  # fmt: skip
    sheet = sheet_of(case.path("synthese.xlsx"), "Rendez-vous")
    rows = values(sheet)
    assert rows[0] == (
        "Demande", "Créneau", "Centre", "Groupe", "Date", "Heure",
        "Examen(s)", "Retard (min)", "Cible (date et heure)",
    )  # fmt: skip
    assert [(r[0], r[1]) for r in rows[1:]] == [
        (LONG_ID, "S1"), ("D3", "S2"), ("D3", "S3"), ("D1", "S5"),
        ("D7", "S7"), ("D10", "S8"), ("D4", "S4"), (FORMULA_ID, "S6"),
    ]  # fmt: skip
    assert rows[5] == (
        "D7", "S7", "SIMSE-2", "SIMSE", datetime(2026, 11, 27), time(17),
        "Échographie thyroïdienne", 32 * 60, datetime(2026, 11, 26, 9),
    )  # fmt: skip
    assert rows[6][2] == "SIMSE3"
    assert sheet["I2"].number_format == "DD/MM/YYYY HH:MM"


def test_summary_explains_unbooked_and_rejected(case: Case) -> None:
    unbooked = values(sheet_of(case.path("synthese.xlsx"), "Non attribuées"))
    assert unbooked == [
        (
            "Demande", "Code motif", "Motif", "Précision",
            "Cible (date et heure)", "Examen(s)", "Suite à donner",
        ),
        (
            "D5", "CAPACITY", Reason.CAPACITY.sentence, None,
            datetime(2026, 11, 28, 9, 30), "Échographie abdominale",
            Reason.CAPACITY.orientation,
        ),
        (
            "D8", "NO_COMPATIBLE_SLOT", Reason.NO_COMPATIBLE_SLOT.sentence,
            "aucun créneau n'accepte Échographie musculosquelettique",
            datetime(2026, 11, 28, 14),
            "Échographie musculosquelettique",
            Reason.NO_COMPATIBLE_SLOT.orientation,
        ),
    ]  # fmt: skip
    rejected_sheet = sheet_of(case.path("synthese.xlsx"), "Rejetées")
    rejected = values(rejected_sheet)
    assert rejected == [
        ("Ligne", "Identifiant", "Codes", "Motifs", "Orientation du patient"),
        *(rejection_cells(r) for r in case.referrals.rejections),
    ]
    assert [r[:3] for r in rejected[1:]] == [
        (7, "D9", "NO_CONSENT"),
        (9, "D11", "COMPLEX_IMAGING"),
    ]
    # A reason that wraps gets the lines it needs, not one line's height.
    assert rejected_sheet.row_dimensions[3].height >= 2 * 15


def sections(sheet: Worksheet) -> dict[str, list[tuple[Any, ...]]]:
    """Blocks between blank rows: title -> [header, rows...], trimmed."""
    blocks: list[list[tuple[Any, ...]]] = [[]]
    for row in values(sheet):
        cells = list(row)
        while cells and cells[-1] is None:
            cells.pop()
        if cells:
            blocks[-1].append(tuple(cells))
        elif blocks[-1]:
            blocks.append([])
    return {b[0][0]: b[1:] for b in blocks if b}


@pytest.fixture(scope="module")
def indicator_sections(case: Case) -> dict[str, list[tuple[Any, ...]]]:
    return sections(sheet_of(case.path("synthese.xlsx"), "Indicateurs"))


def test_indicators_beside_first_come_first_served(
    case: Case, indicator_sections: dict[str, list[tuple[Any, ...]]]
) -> None:
    [title] = [t for t in indicator_sections if t.startswith("Indicateurs")]
    assert title == "Indicateurs de l'attribution du 27/11/2026 à 10h00"
    overall = indicator_sections[
        "Ensemble : attribution optimisée et premier arrivé, premier servi"
    ]
    assert overall == [
        (
            "Indicateur", "Attribution optimisée",
            "Premier arrivé, premier servi",
            "Écart (optimisée moins premier arrivé)",
        ),
        ("Demandes reçues", 11, 11, 0),
        ("Demandes recevables", 9, 9, 0),
        ("Demandes attribuées", 7, 6, 1),
        ("Attribuées dans le délai", 6, 4, 2),
        ("Attribuées en retard", 1, 2, -1),
        ("Retard cumulé (h)", 32, 34.5, -2.5),
        ("Retard moyen des demandes en retard (h)", 32, 17.25, 14.75),
        ("Retard maximal (h)", 32, 32, 0),
    ]  # fmt: skip
    # The baseline column is kpi's own view of the baseline bookings.
    baseline = indicators(9, case.allocation.baseline_lateness)
    assert [row[2] for row in overall[2:6]] == [
        baseline.eligible,
        baseline.booked,
        baseline.within_target,
        baseline.late,
    ]
    assert overall[8][2] == baseline.max_late_hours


def test_indicators_by_group_centre_and_exam(
    indicator_sections: dict[str, list[tuple[Any, ...]]],
) -> None:
    header = (
        "Recevables", "Attribuées", "Dans le délai", "En retard",
        "Retard cumulé (h)", "Retard moyen (h)", "Retard maximal (h)",
    )  # fmt: skip
    assert indicator_sections["Par groupe (demandes attribuées)"] == [
        ("Groupe", *header),
        ("MIM", 3, 3, 3, 0, 0, 0, 0),
        ("SIMSE", 4, 4, 3, 1, 32, 32, 32),
    ]
    assert indicator_sections["Par centre (demandes attribuées)"] == [
        ("Centre", *header),
        ("MIM-1", 2, 2, 2, 0, 0, 0, 0),
        (KIDS, 1, 1, 1, 0, 0, 0, 0),
        ("SIMSE-2", 3, 3, 2, 1, 32, 32, 32),
        ("SIMSE3", 1, 1, 1, 0, 0, 0, 0),
    ]
    by_exam = indicator_sections["Par examen (toutes les demandes recevables)"]
    assert by_exam == [
        ("Examen(s)", *header),
        ("ECHO_ABDO", 2, 1, 1, 0, 0, 0, 0),
        ("ECHO_MSK", 1, 0, 0, 0, 0, 0, 0),
        ("ECHO_THYRO", 1, 1, 0, 1, 32, 32, 32),
        ("MAMMO+ECHO_SEIN", 1, 1, 1, 0, 0, 0, 0),
        ("RADIO", 2, 2, 2, 0, 0, 0, 0),
        ("SCANNER", 2, 2, 2, 0, 0, 0, 0),
    ]


def test_indicators_report_the_solver_and_the_settings(
    case: Case, indicator_sections: dict[str, list[tuple[Any, ...]]]
) -> None:
    solver = indicator_sections["Optimisation"]
    assert solver[0] == ("Critère", "Solution", "Borne prouvée", "Écart")
    assert solver[1] == (
        "Statut",
        "OPTIMAL : optimum prouvé (critères 1 à 3)",
    )
    assert solver[2:5] == [
        ("Demandes attribuées", 7, 7, 0),
        ("Attribuées en retard", 1, 1, 0),
        ("Minutes de retard cumulées", 1920, 1920, 0),
    ]
    assert solver[5][0] == "Durée du calcul (s)"
    assert 0 <= solver[5][1] <= case.allocation.solution.seconds + 0.01
    # The methods in French words, never the code's names.
    assert solver[6][0] == "Méthodes (composantes résolues)"
    assert "flot de coût minimal : " in solver[6][1]
    assert "flow" not in solver[6][1]
    assert indicator_sections["Paramètres"] == [
        ("Paramètre", "Valeur"),
        ("Heure d'attribution", datetime(2026, 11, 27, 10)),
        ("Délai pour prévenir le patient (h)", 2),
        ("Délai du transport médicalisé (h)", 24),
        (
            "Attente maximale entre deux examens d'un même déplacement (min)",
            90,
        ),
        ("Décompte du délai souhaité", "heures réelles écoulées"),
        ("Limite de temps du calcul (s)", 30),
    ]


def test_indicators_sheet_prints_its_title_once(case: Case) -> None:
    sheet = sheet_of(case.path("synthese.xlsx"), "Indicateurs")
    assert sheet.freeze_panes is None
    assert sheet.auto_filter.ref is None
    assert sheet.page_setup.orientation == "portrait"
    assert sheet.page_setup.fitToWidth == 1
    assert sheet.print_title_rows is None
    assert page_header(sheet) == "Synthèse COSEN"
    assert sheet["A1"].value.startswith("Indicateurs de l'attribution")


# --------------------------------------------------------------------------
# The call list


def test_call_list_says_what_to_tell_each_patient(case: Case) -> None:
    book = load_workbook(case.path("appels.xlsx"))
    assert book.sheetnames == ["Réponses", "À rappeler"]
    rows = values(sheet_of(case.path("appels.xlsx"), "Réponses"))
    assert rows[0] == (
        "Id demande", "Patient", "Téléphone", "Examen(s)", "Date", "Heure",
        "Centre",
        "Préparation (à faire valider par les radiologues des centres)",
        "Transport médicalisé", "Réponse", "Notes",
    )  # fmt: skip
    # Soonest appointment first.
    assert [r[0] for r in rows[1:]] == [
        LONG_ID, "D3", "D1", "D7", "D10", "D4", FORMULA_ID,
    ]  # fmt: skip
    by_id = {r[0]: r for r in rows[1:]}
    assert by_id["D3"] == (
        "D3", "COURLIS Hermeline (nom d'usage : PÉLICAN)\nné(e) le 02/02/1965",
        "06 12 34 56 78\nzoe@example.fr",
        "Un seul déplacement : Mammographie à 14h30, puis Échographie "
        "mammaire à 14h45.",
        datetime(2026, 11, 27), time(14, 30),
        "Centre d'imagerie du Parc\n12 rue du Parc, 67000 Strasbourg\n"
        "tél. 03 53 48 10 01\naccès : Entrée par la cour, ascenseur.",
        "Mammographie : " + DEFAULT_PREPARATIONS[Exam.MAMMO] + "\n"
        "Échographie mammaire : " + DEFAULT_PREPARATIONS[Exam.ECHO_SEIN],
        None, None, None,
    )  # fmt: skip
    assert by_id["D4"][8] == (
        "transport médicalisé à réserver pour le 28/11 à 11:00"
    )
    assert by_id["D10"][6] == "SIMSE3 (centre absent de l'annuaire)"


def test_call_list_answers_have_a_dropdown(case: Case) -> None:
    sheet = sheet_of(case.path("appels.xlsx"), "Réponses")
    (validation,) = sheet.data_validations.dataValidation
    assert validation.formula1 == '"confirme,refuse,annule"'
    assert str(validation.sqref) == "J2:J8"


def test_unbooked_referrals_are_on_the_call_list(case: Case) -> None:
    rows = values(sheet_of(case.path("appels.xlsx"), "À rappeler"))
    assert [r[0] for r in rows[1:]] == ["D5", "D8"]
    d5 = rows[1]
    assert d5[1] == "ENGOULEVENT Perpétue\nné(e) le 07/07/1980"
    assert d5[2] == "06 12 34 56 78\nzoe@example.fr"
    assert d5[5] == Reason.CAPACITY.sentence
    assert d5[6] == Reason.CAPACITY.orientation
    assert d5[7] == "Dr Kuntz\ndr.kuntz@medecin.mssante.fr"


def test_a_call_list_alone_is_the_runs_call_list(
    case: Case, tmp_path: Path
) -> None:
    """The desk's download is ``appels.xlsx``'s workbook, rows for rows."""
    path = write_call_list(
        tmp_path / "appels.xlsx",
        case.allocation.booked,
        case.allocation.unbooked,
        directory=directory(),
        footer=f"Attribution du {numeric_date(NOW)} à {clock_time(NOW)}",
    )
    for name in ("Réponses", "À rappeler"):
        alone, in_run = (
            sheet_of(path, name),
            sheet_of(case.path("appels.xlsx"), name),
        )
        assert values(alone) == values(in_run)
        assert page_header(alone) == page_header(in_run)


# --------------------------------------------------------------------------
# Notices


def test_notifications_csv_is_french_and_readable(case: Case) -> None:
    raw = case.path("notifications.csv").read_bytes()
    assert raw.startswith(b"\xef\xbb\xbf")
    lines = raw.decode("utf-8-sig").split("\r\n")
    assert lines[0] == (
        "Demande;Pour;Nom;Canal;Coordonnées;Objet;Message;Remarque"
    )
    rows = notifications(case)
    # Prescriber then patient, by arrival (the two-slot visit once).
    assert [(r["Demande"], r["Pour"]) for r in rows] == [
        (rid, who)
        for rid in ("D7", "D1", LONG_ID, "D3", "D4", "D10", f"'{FORMULA_ID}")
        for who in ("prescripteur", "patient")
    ]
    # Text a spreadsheet would evaluate is made inert.
    assert rows[-2]["Nom"] == f"'{FORMULA_PRESCRIBER}"


def test_prescriber_channels(case: Case) -> None:
    rows = messages(case, "prescripteur")
    channels = {rid: (r["Canal"], r["Coordonnées"]) for rid, r in rows.items()}
    assert channels == {
        "D7": ("messagerie", "dr.kuntz@medecin.mssante.fr"),
        "D1": ("messagerie", "dr.kuntz@medecin.mssante.fr"),
        LONG_ID: ("sms", MOBILE),
        "D3": ("téléphone", FIXED),  # a landline takes no SMS
        "D4": ("téléphone", ""),  # no contact: a number to find
        "D10": ("sms", "06 98 76 54 32"),
        f"'{FORMULA_ID}": ("messagerie", "dr.kuntz@medecin.mssante.fr"),
    }
    assert rows["D4"]["Remarque"].startswith(
        "Aucun contact du prescripteur dans la demande : numéro du cabinet à "
        "rechercher."
    )


def test_secure_email_names_patient_exam_centre_and_time(case: Case) -> None:
    d7 = messages(case, "prescripteur")["D7"]
    assert d7["Objet"] == (
        "COSEN : rendez-vous d'imagerie de QUARTERONI Eudoxie le "
        "27/11/2026 à 17h00"
    )
    assert d7["Message"] == (
        "Bonjour,\n\n"
        "Le rendez-vous d'imagerie demandé le 25/11/2026 pour votre "
        "patient(e) QUARTERONI Eudoxie, né(e) le 01/01/1950, est fixé :\n"
        "- examen : Échographie thyroïdienne ;\n"
        "- le vendredi 27 novembre 2026 à 17h00 ;\n"
        "- au centre Radiologie de l'Ill (SIMSE-2) :\n"
        "  5 quai de l'Ill, 68100 Mulhouse\n"
        "  tél. 03 53 48 10 02\n\n"
        "Le compte rendu du radiologue vous sera adressé par messagerie "
        "sécurisée.\n\n"
        "Le télésecrétariat COSEN (demande D7)"
    )


def test_sms_and_calls_name_neither_patient_nor_exam(case: Case) -> None:
    rows = notifications(case)
    plain = [r for r in rows if r["Canal"] != "messagerie"]
    assert len(plain) == 7 + 4  # every patient, four prescribers
    exam_words = [e.value for e in Exam] + [e.label for e in Exam]
    names = [n.upper() for names in NAMES.values() for n in names if n]
    names += [n for names in NAMES.values() for n in names if n]
    for row in plain:
        text = row["Message"]
        assert not [w for w in exam_words if w in text], text
        assert not [n for n in names if n in text], text
        assert "1970" not in text and "1950" not in text  # birth dates
        if row["Canal"] == "sms":
            assert sms_length(text) <= 160, text


def test_prescriber_sms_gives_date_time_centre_and_reference(
    case: Case,
) -> None:
    rows = messages(case, "prescripteur")
    assert rows["D10"]["Message"] == (
        "COSEN : RDV d'imagerie demandé le 26/11 pour votre patient(e) fixé "
        "le 28/11/2026 à 9h00, SIMSE3. Réf. D10"
    )
    # The longest id at the longest centre code still fits one SMS.
    assert rows[LONG_ID]["Message"] == (
        "COSEN : RDV imagerie fixé le 27/11/2026 à 14h00, centre "
        f"{KIDS}. Réf. {LONG_ID}"
    )
    assert rows["D3"]["Message"].startswith(
        "Bonjour, ici le télésecrétariat COSEN. Le rendez-vous d'imagerie "
        "demandé le 26/11/2026 pour votre patient(e) est fixé le vendredi 27 "
        "novembre 2026 à 14h30 : Centre d'imagerie du Parc, 12 rue du Parc, "
        "67000 Strasbourg, tél. 03 53 48 10 01."
    )


def test_patients_get_a_confirmation_text(case: Case) -> None:
    rows = messages(case, "patient")
    assert set(rows) == {
        "D7", "D1", LONG_ID, "D3", "D4", "D10", f"'{FORMULA_ID}",
    }  # fmt: skip
    d1 = rows["D1"]
    assert (d1["Canal"], d1["Coordonnées"]) == ("sms", "06 12 34 56 78")
    assert d1["Message"] == (
        "COSEN : votre RDV est fixé le 27/11/2026 à 16h00, Centre d'imagerie "
        "du Parc, 12 rue du Parc, 67000 Strasbourg. Tél. 03 53 48 10 01. "
        "Réf. D1"
    )
    assert rows["D10"]["Message"] == (
        "COSEN : votre RDV est fixé le 28/11/2026 à 9h00, SIMSE3. Réf. D10"
    )


def test_nothing_booked_still_writes_the_summary(tmp_path: Path) -> None:
    allocation = allocate([], [], AllocationSettings(now=NOW))
    referrals = check_referral_rows([(2, referral_row(consent="non"))])
    paths = write_exports(tmp_path, allocation, referrals.rejections, 1)
    assert paths == [
        tmp_path / "synthese.xlsx",
        tmp_path / "appels.xlsx",
        tmp_path / "notifications.csv",
    ]
    assert not (tmp_path / "centres").exists()
    rejected = values(sheet_of(paths[0], "Rejetées"))
    assert [r[:3] for r in rejected[1:]] == [(2, "D1", "NO_CONSENT")]
    assert values(sheet_of(paths[1], "Réponses"), 2) == []
    assert values(sheet_of(paths[1], "À rappeler"), 2)[0][0] == (
        "Aucune demande sans créneau."
    )
    lines = paths[2].read_text(encoding="utf-8-sig").splitlines()
    assert lines == [
        "Demande;Pour;Nom;Canal;Coordonnées;Objet;Message;Remarque"
    ]
    overall = sections(sheet_of(paths[0], "Indicateurs"))[
        "Ensemble : attribution optimisée et premier arrivé, premier servi"
    ]
    assert overall[1:4] == [
        ("Demandes reçues", 1, 1, 0),
        ("Demandes recevables", 0, 0, 0),
        ("Demandes attribuées", 0, 0, 0),
    ]


def test_exports_replace_an_earlier_run(tmp_path: Path) -> None:
    first = export(tmp_path)
    second = export(tmp_path)
    assert first.paths == second.paths
    files = {p for p in tmp_path.rglob("*") if p.is_file()}
    assert files == {*second.paths, tmp_path / MANIFEST}


def test_a_centre_without_bookings_loses_its_stale_list(
    tmp_path: Path,
) -> None:
    export(tmp_path)
    allocation, referrals = build_allocation()
    allocation.booked[:] = [
        b for b in allocation.booked if b.slots[0].center != "SIMSE3"
    ]
    user_file = tmp_path / "centres" / "annuaire.xlsx"
    user_file.write_bytes(b"a user's own file")
    paths = write_exports(tmp_path, allocation, referrals.rejections, 11)
    assert not (tmp_path / "centres" / "SIMSE3.xlsx").exists()
    assert tmp_path / "centres" / "MIM-1.xlsx" in paths
    # cosen removes only what it wrote.
    assert user_file.read_bytes() == b"a user's own file"
