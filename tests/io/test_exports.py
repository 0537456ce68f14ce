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
    Exam,
    Intake,
    Reason,
    Referral,
    check_referral_rows,
    check_slot_rows,
)
from cosen.io.exports import write_exports
from cosen.io.report import rejection_cells
from tests.factories import NOW, referral_row, slot_row

FORMULA_NAME = '=HYPERLINK("http://evil.example","clic")'
FORMULA_ID = "=D6+1"
FORMULA_PRESCRIBER = "@Dr Arobase"
LONG_ID = "D2-" + "X" * 61  # the longest id a referral may have
KIDS = "MIM-PEDIATRIE-STRASBOURG-NORD-01"  # the longest centre code
ODD = "Simse 3"  # read as the code "SIMSE3"
MOBILE, FIXED = "06 11 22 33 44", "03 88 12 34 56"

# Patients' names: none may reach a prescriber's notice.
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


def export(folder: Path) -> Case:
    allocation, referrals = build_allocation()
    received = len(referrals.accepted) + len(referrals.rejections)
    paths = write_exports(folder, allocation, referrals.rejections, received)
    return Case(folder, paths, allocation, referrals)


@pytest.fixture(scope="module")
def case(tmp_path_factory: pytest.TempPathFactory) -> Case:
    return export(tmp_path_factory.mktemp("sorties"))


def sheet_of(path: Path, name: str) -> Worksheet:
    sheet = load_workbook(path)[name]
    assert isinstance(sheet, Worksheet)
    return sheet


def values(sheet: Worksheet, first: int = 1) -> list[tuple[Any, ...]]:
    return list(sheet.iter_rows(min_row=first, values_only=True))


def column(sheet: Worksheet, title: str, header_row: int) -> list[Any]:
    header = [c.value for c in sheet[header_row]]
    index = header.index(title)
    return [row[index] for row in values(sheet, header_row + 1)]


def notifications(case: Case) -> list[dict[str, str]]:
    text = case.path("notifications.csv").read_text(encoding="utf-8-sig")
    return list(csv.DictReader(text.splitlines(), delimiter=";"))


def by_id(case: Case) -> dict[str, dict[str, str]]:
    return {row["Demande"]: row for row in notifications(case)}


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
        case.path("notifications.csv"),
    ]
    assert len(case.paths) == 6
    written = {p for p in case.folder.rglob("*") if p.is_file()}
    assert written == set(case.paths)  # no temporary file left behind
    for path in case.paths:
        assert stat.S_IMODE(path.stat().st_mode) == 0o600, path


def test_centre_codes_name_the_files(case: Case) -> None:
    odd = case.folder / "centres" / "SIMSE3.xlsx"
    title = sheet_of(odd, "Rendez-vous")["A1"].value
    assert title == (
        "Rendez-vous COSEN — centre SIMSE3 (groupe SIMSE) — le 28/11/2026"
    )
    assert column(sheet_of(odd, "Rendez-vous"), "Demande", 2) == ["D10"]


def test_each_centre_gets_only_its_patients_in_time_order(case: Case) -> None:
    friday, saturday = datetime(2026, 11, 27), datetime(2026, 11, 28)
    expected = {
        "MIM-1.xlsx": [
            (friday, time(14, 30), "D3"), (friday, time(14, 45), "D3"),
            (friday, time(16, 0), "D1"),
        ],
        f"{KIDS}.xlsx": [(friday, time(14, 0), LONG_ID)],
        "SIMSE-2.xlsx": [
            (friday, time(17, 0), "D7"), (saturday, time(11, 0), "D4"),
            (saturday, time(12, 0), FORMULA_ID),
        ],
    }  # fmt: skip
    for name, rows in expected.items():
        sheet = sheet_of(case.path(f"centres/{name}"), "Rendez-vous")
        found = list(
            zip(
                column(sheet, "Date", 2),
                column(sheet, "Heure", 2),
                column(sheet, "Demande", 2),
                strict=True,
            )
        )
        assert found == rows, name


def test_centre_rows_hold_what_the_centre_needs(case: Case) -> None:
    sheet = sheet_of(case.path("centres/MIM-1.xlsx"), "Rendez-vous")
    assert sheet.title == "Rendez-vous"
    assert values(sheet) == [
        (
            "Rendez-vous COSEN — centre MIM-1 (groupe MIM) — le 27/11/2026",
            *[None] * 13,
        ),
        (
            "Date", "Heure", "Durée (min)", "Examen(s)", "Nom de naissance",
            "Nom d'usage", "Prénom", "Date de naissance", "Téléphone",
            "Mobilité réduite", "Transport médicalisé", "Prescripteur",
            "Ordonnance", "Demande",
        ),
        # One trip, two slots: one row per slot, each with its own exam.
        (
            datetime(2026, 11, 27), time(14, 30), 15, "Mammographie",
            "Courlis", "Pélican", "Hermeline", datetime(1965, 2, 2),
            "06 12 34 56 78", "non", "non", "Dr Kuntz", "ORD-1", "D3",
        ),
        (
            datetime(2026, 11, 27), time(14, 45), 15, "Échographie mammaire",
            "Courlis", "Pélican", "Hermeline", datetime(1965, 2, 2),
            "06 12 34 56 78", "non", "non", "Dr Kuntz", "ORD-1", "D3",
        ),
        (
            datetime(2026, 11, 27), time(16, 0), 15, "Radiographie",
            FORMULA_NAME, "+Vandermeersch", "Adélaïde", datetime(1970, 4, 3),
            "06 12 34 56 78", "non", "non", "Dr Kuntz", "ORD-1", "D1",
        ),
    ]  # fmt: skip


def test_reduced_mobility_and_transport_are_shown(case: Case) -> None:
    sheet = sheet_of(case.path("centres/SIMSE-2.xlsx"), "Rendez-vous")
    rows = {row[-1]: row for row in values(sheet, 3)}
    assert rows["D4"][2:4] == (30, "Scanner")
    assert rows["D4"][9:11] == ("oui", "oui")
    assert rows["D7"][9:11] == ("non", "non")
    assert sheet["A1"].value == (
        "Rendez-vous COSEN — centre SIMSE-2 (groupe SIMSE) — du 27/11/2026 "
        "au 28/11/2026"
    )


def test_centre_dates_and_times_are_real_cells(case: Case) -> None:
    sheet = sheet_of(case.path("centres/MIM-1.xlsx"), "Rendez-vous")
    day, hour, birth = sheet["A3"], sheet["B3"], sheet["H3"]
    assert day.is_date and day.number_format == "DD/MM/YYYY"
    assert isinstance(hour.value, time) and hour.number_format == "HH:MM"
    assert birth.is_date and birth.value == datetime(1965, 2, 2)
    assert sheet["C3"].data_type == "n"


def test_centre_workbooks_print_well(case: Case) -> None:
    for path in case.paths[:4]:
        sheet = sheet_of(path, "Rendez-vous")
        setup = sheet.page_setup
        assert setup.orientation == "landscape"
        assert setup.fitToWidth == 1
        assert setup.fitToHeight == 0
        assert sheet.sheet_properties.pageSetUpPr is not None
        assert sheet.sheet_properties.pageSetUpPr.fitToPage
        assert sheet.print_title_rows == "$2:$2"
        assert sheet.freeze_panes == "A3"
        assert sheet.oddHeader is not None
        assert sheet.oddHeader.center.text == sheet["A1"].value
        assert sheet.column_dimensions["D"].width >= 20  # exam labels


def test_text_from_users_is_never_a_formula(case: Case) -> None:
    centre = sheet_of(case.path("centres/MIM-1.xlsx"), "Rendez-vous")
    assert centre["E5"].value == FORMULA_NAME
    assert centre["E5"].data_type == "s"
    assert centre["F5"].value == "+Vandermeersch"
    calls = sheet_of(case.path("synthese.xlsx"), "Patients à appeler")
    cells = [c for row in calls.iter_rows() for c in row]
    assert {c.value for c in cells if c.data_type == "s"} >= {
        FORMULA_NAME,
        FORMULA_ID,
    }
    assert not [c for c in cells if c.data_type == "f"]
    for path in case.paths[:-1]:
        with zipfile.ZipFile(path) as archive:
            for name in archive.namelist():
                if name.startswith("xl/worksheets/"):
                    assert b"<f>" not in archive.read(name), (path, name)


def test_summary_lists_every_booked_slot(case: Case) -> None:
    book = load_workbook(case.path("synthese.xlsx"))
    assert book.sheetnames == [
        "Rendez-vous", "Non attribuées", "Rejetées", "Patients à appeler",
        "Indicateurs",
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
            "aucun créneau n'accepte ECHO_MSK", datetime(2026, 11, 28, 14),
            "Échographie musculosquelettique",
            Reason.NO_COMPATIBLE_SLOT.orientation,
        ),
    ]  # fmt: skip
    rejected = values(sheet_of(case.path("synthese.xlsx"), "Rejetées"))
    assert rejected == [
        ("Ligne", "Identifiant", "Codes", "Motifs", "Orientation du patient"),
        *(rejection_cells(r) for r in case.referrals.rejections),
    ]
    assert [r[:3] for r in rejected[1:]] == [
        (7, "D9", "NO_CONSENT"),
        (9, "D11", "COMPLEX_IMAGING"),
    ]


def test_patients_to_call_once_each_with_prescriber_contact(
    case: Case,
) -> None:
    rows = values(sheet_of(case.path("synthese.xlsx"), "Patients à appeler"))
    assert rows[0] == (
        "Demande", "Nom de naissance", "Nom d'usage", "Prénom", "Téléphone",
        "E-mail", "Date", "Heure", "Centre", "Prescripteur",
        "Contact prescripteur",
    )  # fmt: skip
    assert [r[0] for r in rows[1:]] == [
        LONG_ID, "D3", "D1", "D7", "D10", "D4", FORMULA_ID,
    ]  # fmt: skip
    by_referral = {r[0]: r for r in rows[1:]}
    assert by_referral["D3"] == (
        "D3", "Courlis", "Pélican", "Hermeline", "06 12 34 56 78",
        "zoe@example.fr", datetime(2026, 11, 27), time(14, 30), "MIM-1",
        "Dr Kuntz", FIXED,
    )  # fmt: skip
    assert by_referral[LONG_ID][-1] == MOBILE
    assert by_referral["D1"][-1] == "dr.kuntz@medecin.mssante.fr"
    assert by_referral["D4"][-1] is None
    assert by_referral["D10"][8] == "SIMSE3"


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
    methods = case.allocation.solution.methods
    assert solver[6] == (
        "Méthodes (composantes résolues)",
        ", ".join(f"{m} : {n}" for m, n in sorted(methods.items())),
    )
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


def test_indicators_sheet_prints_without_a_misleading_freeze(
    case: Case,
) -> None:
    sheet = sheet_of(case.path("synthese.xlsx"), "Indicateurs")
    assert sheet.freeze_panes is None
    assert sheet.auto_filter.ref is None
    assert sheet.page_setup.orientation == "portrait"
    assert sheet.page_setup.fitToWidth == 1


def test_notifications_csv_is_french_and_readable(case: Case) -> None:
    raw = case.path("notifications.csv").read_bytes()
    assert raw.startswith(b"\xef\xbb\xbf")
    lines = raw.decode("utf-8-sig").split("\r\n")
    assert lines[0] == "Demande;Prescripteur;Canal;Destinataire;Message"
    rows = notifications(case)
    # One per booked referral (the two-slot visit once), by arrival.
    assert [r["Demande"] for r in rows] == [
        "D7", "D1", LONG_ID, "D3", "D4", "D10", f"'{FORMULA_ID}",
    ]  # fmt: skip
    # Text a spreadsheet would evaluate is made inert.
    assert rows[-1]["Prescripteur"] == f"'{FORMULA_PRESCRIBER}"


def test_notification_channels(case: Case) -> None:
    rows = by_id(case)
    channels = {
        rid: (r["Canal"], r["Destinataire"]) for rid, r in rows.items()
    }
    assert channels == {
        "D7": ("email", "dr.kuntz@medecin.mssante.fr"),
        "D1": ("email", "dr.kuntz@medecin.mssante.fr"),
        LONG_ID: ("sms", MOBILE),
        "D3": ("telephone", FIXED),  # a landline takes no SMS
        "D4": ("telephone", ""),  # no contact: find a number
        "D10": ("sms", "06 98 76 54 32"),
        f"'{FORMULA_ID}": ("email", "dr.kuntz@medecin.mssante.fr"),
    }


def test_notification_messages(case: Case) -> None:
    rows = by_id(case)
    assert rows["D3"]["Message"] == (
        "Bonjour, le rendez-vous d'imagerie de votre patient(e) demandé le "
        "26/11/2026 (réf. D3) est fixé le 27/11/2026 à 14h30 au centre "
        "MIM-1. Le télésecrétariat COSEN."
    )
    assert rows["D7"]["Message"] == (
        "Bonjour, le rendez-vous d'imagerie (Échographie thyroïdienne) de "
        "votre patient(e) demandé le 25/11/2026 (réf. D7) est fixé le "
        "27/11/2026 à 17h00 au centre SIMSE-2. Le télésecrétariat COSEN."
    )
    assert rows["D10"]["Message"] == (
        "Bonjour, le RDV d'imagerie de votre patient(e) demandé le "
        "26/11/2026 (réf. D10) est fixé le 28/11/2026 à 9h00 au centre "
        "SIMSE3. Télésecrétariat COSEN."
    )
    # The longest id at the longest centre code still fits one SMS.
    assert rows[LONG_ID]["Message"] == (
        f"RDV imagerie réf. {LONG_ID} : 27/11/2026 14h00, centre {KIDS} "
        "(COSEN)"
    )


def test_sms_are_short_and_name_no_exam(case: Case) -> None:
    rows = notifications(case)
    texts = [r["Message"] for r in rows if r["Canal"] != "email"]
    assert len(texts) == 4
    exam_words = [e.value for e in Exam] + [e.label for e in Exam]
    for row in rows:
        if row["Canal"] == "sms":
            assert len(row["Message"]) <= 160
        if row["Canal"] != "email":
            assert not [w for w in exam_words if w in row["Message"]]


def test_no_patient_name_in_any_notification(case: Case) -> None:
    text = case.path("notifications.csv").read_text(encoding="utf-8-sig")
    for names in NAMES.values():
        for name in filter(None, names):
            assert name not in text
    assert "HYPERLINK" not in text
    assert "1970" not in text  # nor a birth date


def test_nothing_booked_still_writes_the_summary(tmp_path: Path) -> None:
    allocation = allocate([], [], AllocationSettings(now=NOW))
    referrals = check_referral_rows([(2, referral_row(consent="non"))])
    paths = write_exports(tmp_path, allocation, referrals.rejections, 1)
    assert paths == [
        tmp_path / "synthese.xlsx",
        tmp_path / "notifications.csv",
    ]
    assert not (tmp_path / "centres").exists()
    rejected = values(sheet_of(paths[0], "Rejetées"))
    assert [r[:3] for r in rejected[1:]] == [(2, "D1", "NO_CONSENT")]
    lines = paths[1].read_text(encoding="utf-8-sig").splitlines()
    assert lines == ["Demande;Prescripteur;Canal;Destinataire;Message"]
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
    assert {p for p in tmp_path.rglob("*") if p.is_file()} == set(second.paths)


def test_indicators_sheet_prints_its_own_title(case: Case) -> None:
    sheet = sheet_of(case.path("synthese.xlsx"), "Indicateurs")
    header = sheet.oddHeader
    assert header is not None and header.center is not None
    assert header.center.text == sheet["A1"].value
