"""Reading referral and slot sheets into checked records."""

from __future__ import annotations

import csv
import io
from collections.abc import Callable, Mapping, Sequence
from datetime import date, datetime
from pathlib import Path

import pandas as pd
import pytest
from openpyxl import Workbook

from cosen.clock import PARIS
from cosen.domain import Exam, Group, Intake, Notice, Reason, Referral, Slot
from cosen.errors import UnusableFileError
from cosen.io.readers import read_referrals, read_slots
from tests.factories import raw_workbook, referral_row, slot_row

# The contract's columns: field, French header, English alias.
REFERRAL_HEADERS = (
    ("referral_id", "id_demande", "referral_id"),
    ("received_at", "recue_le", "received_at"),
    ("birth_name", "nom_naissance", "birth_name"),
    ("first_name", "prenom", "first_name"),
    ("used_name", "nom_usage", "used_name"),
    ("birth_date", "date_naissance", "birth_date"),
    ("address", "adresse", "address"),
    ("postcode", "code_postal", "postcode"),
    ("city", "ville", "city"),
    ("phone", "telephone", "phone"),
    ("email", "email", "email"),
    ("prescriber", "prescripteur", "prescriber"),
    ("prescriber_contact", "contact_prescripteur", "prescriber_contact"),
    ("prescription", "ordonnance", "prescription"),
    ("exams", "examen", "exam"),
    ("desired_delay", "delai_souhaite", "desired_delay"),
    ("consent", "consentement", "consent"),
    ("reduced_mobility", "mobilite_reduite", "reduced_mobility"),
    ("medical_transport", "transport_medicalise", "medical_transport"),
    ("suspected_emergency", "urgence_suspectee", "suspected_emergency"),
    ("preferred_center", "centre_prefere", "preferred_center"),
)
SLOT_HEADERS = (
    ("slot_id", "id_creneau", "slot_id"),
    ("center", "centre", "center"),
    ("group", "groupe", "group"),
    ("start", "debut", "start"),
    ("duration_min", "duree_min", "duration_min"),
    ("exams", "examens", "exams"),
    ("children", "enfants", "children"),
    ("accessible", "accessible_pmr", "accessible"),
)
FIELDS = [field for field, _, _ in REFERRAL_HEADERS]
FRENCH = [french for _, french, _ in REFERRAL_HEADERS]
SLOT_FIELDS = [field for field, _, _ in SLOT_HEADERS]
SLOT_FRENCH = [french for _, french, _ in SLOT_HEADERS]

# Names that must survive every format, apostrophes and ligatures included.
BIRTH_NAME = "Bœuf-Lœwenbrück"
FIRST_NAME = "Anaïs"
USED_NAME = "N'Diaye"
ADDRESS = "3 rue de l\u2019Œuvre, bâtiment B"
CITY = "Charleville-Mézières"


def values(row: Mapping[str, object], fields: Sequence[str]) -> list[object]:
    return [row.get(field, "") for field in fields]


def write_ods(
    path: Path,
    header: Sequence[str],
    rows: Sequence[Sequence[object] | None],
    sheet: str = "Demandes",
) -> Path:
    cells = [list(r) if r is not None else [None] * len(header) for r in rows]
    frame = pd.DataFrame(cells, columns=list(header), dtype=object)
    with pd.ExcelWriter(path, engine="odf") as writer:
        frame.to_excel(writer, sheet_name=sheet, index=False)
    return path


def write_csv(
    path: Path,
    header: Sequence[str],
    rows: Sequence[Sequence[object] | None],
    separator: str = ";",
    encoding: str = "cp1252",
) -> Path:
    buffer = io.StringIO(newline="")
    writer = csv.writer(buffer, delimiter=separator, lineterminator="\r\n")
    writer.writerow(header)
    for row in rows:
        writer.writerow(row if row is not None else [])
    path.write_bytes(buffer.getvalue().encode(encoding))
    return path


Writer = Callable[
    [Path, Sequence[str], Sequence[Sequence[object] | None]], Path
]


def _csv_utf8_bom_comma(
    path: Path, header: Sequence[str], rows: Sequence[Sequence[object] | None]
) -> Path:
    return write_csv(path, header, rows, ",", "utf-8-sig")


def _csv_utf8(
    path: Path, header: Sequence[str], rows: Sequence[Sequence[object] | None]
) -> Path:
    return write_csv(path, header, rows, ";", "utf-8")


FORMATS: dict[str, tuple[str, Writer]] = {
    "xlsx": (".xlsx", raw_workbook),
    "ods": (".ods", write_ods),
    "csv-cp1252-semicolon": (".csv", write_csv),
    "csv-utf8-bom-comma": (".csv", _csv_utf8_bom_comma),
    "csv-utf8-semicolon": (".csv", _csv_utf8),
}


def person(**changes: object) -> dict[str, str]:
    return referral_row(
        birth_name=BIRTH_NAME,
        first_name=FIRST_NAME,
        used_name=USED_NAME,
        address=ADDRESS,
        city=CITY,
        phone="03 88 12 34 56",
        exams="Mammographie + Échographie du sein",
        desired_delay="24h",
        preferred_center="simse",
        **changes,
    )


def reasons_by_row(
    intake: Intake[Referral] | Intake[Slot],
) -> list[tuple[int, str, list[tuple[Reason, str | None]]]]:
    return [
        (r.row, r.record_id, [(i.reason, i.column) for i in r.issues])
        for r in intake.rejections
    ]


# --------------------------------------------------------------------------
# Typed values from each format


@pytest.mark.parametrize("kind", list(FORMATS))
def test_referral_round_trip_in_every_format(
    tmp_path: Path, kind: str
) -> None:
    suffix, write = FORMATS[kind]
    path = write(tmp_path / f"demandes{suffix}", FRENCH,
                 [values(person(), FIELDS)])  # fmt: skip
    intake = read_referrals(path)
    assert intake.rejections == [] and intake.notices == []
    assert intake.rows == {"D1": 2}
    (referral,) = intake.accepted
    assert referral.referral_id == "D1"
    assert referral.received_at == datetime(2026, 11, 26, 9, 30, tzinfo=PARIS)
    assert referral.birth_name == BIRTH_NAME
    assert referral.first_name == FIRST_NAME
    assert referral.used_name == USED_NAME
    assert referral.birth_date == date(1970, 4, 3)
    assert referral.address == ADDRESS
    assert referral.postcode == "08000"
    assert referral.city == CITY
    assert referral.phone == "+33388123456"
    assert not referral.phone_is_mobile
    assert referral.email == "zoe@example.fr"
    assert referral.prescriber_contact == "dr.kuntz@medecin.mssante.fr"
    assert referral.exams == (Exam.MAMMO, Exam.ECHO_SEIN)
    assert referral.desired_delay == 24
    assert referral.consent is True
    assert referral.reduced_mobility is False
    assert referral.medical_transport is False
    assert referral.suspected_emergency is False
    assert referral.preferred_center == "SIMSE"


@pytest.mark.parametrize(
    "received, born",
    [
        (datetime(2026, 11, 26, 9, 30), date(1970, 4, 3)),  # date cells
        (datetime(2026, 11, 26, 9, 30), datetime(1970, 4, 3)),
        (46352.3958333333, 25661),  # serials as numbers
        ("46352,3958333333", "25661"),  # serials as text, French comma
        ("26/11/2026 09h30", "03/04/1970"),
        ("26/11/2026 à 9h30", "3/4/1970"),
        ("2026-11-26T09:30", "1970-04-03"),
        ("2026-11-26T08:30:00Z", "1970-04-03"),
    ],
)
def test_xlsx_dates_as_cells_serials_or_french_text(
    tmp_path: Path, received: object, born: object
) -> None:
    row = values(referral_row(), FIELDS)
    row[FIELDS.index("received_at")] = received
    row[FIELDS.index("birth_date")] = born
    intake = read_referrals(raw_workbook(tmp_path / "d.xlsx", FRENCH, [row]))
    assert reasons_by_row(intake) == []
    (referral,) = intake.accepted
    assert referral.received_at == datetime(2026, 11, 26, 9, 30, tzinfo=PARIS)
    assert referral.received_at.utcoffset() is not None
    assert referral.birth_date == date(1970, 4, 3)


def test_ods_date_cells(tmp_path: Path) -> None:
    row = values(referral_row(), FIELDS)
    row[FIELDS.index("received_at")] = datetime(2026, 11, 26, 9, 30)
    row[FIELDS.index("birth_date")] = date(1970, 4, 3)
    intake = read_referrals(write_ods(tmp_path / "d.ods", FRENCH, [row]))
    (referral,) = intake.accepted
    assert referral.received_at == datetime(2026, 11, 26, 9, 30, tzinfo=PARIS)
    assert referral.birth_date == date(1970, 4, 3)


def test_month_first_text_date_is_never_guessed(tmp_path: Path) -> None:
    # 04/13/1970 would be 13 April month-first: refused, not swapped.
    path = write_csv(
        tmp_path / "d.csv",
        FRENCH,
        [values(referral_row(birth_date="04/13/1970"), FIELDS)],
    )
    assert reasons_by_row(read_referrals(path)) == [
        (2, "D1", [(Reason.INVALID_FIELD, "date_naissance")])
    ]


@pytest.mark.parametrize("kind", ["xlsx", "ods"])
def test_yes_no_as_boolean_and_number_cells(tmp_path: Path, kind: str) -> None:
    suffix, write = FORMATS[kind]
    row = values(referral_row(), FIELDS)
    row[FIELDS.index("consent")] = True
    row[FIELDS.index("reduced_mobility")] = 1
    row[FIELDS.index("medical_transport")] = True
    row[FIELDS.index("suspected_emergency")] = False
    intake = read_referrals(write(tmp_path / f"d{suffix}", FRENCH, [row]))
    (referral,) = intake.accepted
    assert referral.consent is True
    assert referral.reduced_mobility is True
    assert referral.medical_transport is True
    assert referral.suspected_emergency is False


# --------------------------------------------------------------------------
# Leading zeros


@pytest.mark.parametrize("kind", ["xlsx", "ods"])
def test_text_cells_keep_leading_zeros(tmp_path: Path, kind: str) -> None:
    suffix, write = FORMATS[kind]
    row = referral_row(postcode="01000", phone="0145678901")
    path = write(tmp_path / f"d{suffix}", FRENCH, [values(row, FIELDS)])
    (referral,) = read_referrals(path).accepted
    assert referral.postcode == "01000"
    assert referral.phone == "+33145678901"


@pytest.mark.parametrize("kind", ["xlsx", "ods"])
@pytest.mark.parametrize("number", [8000, 8000.0])
def test_postcode_number_cell_is_rejected_never_padded(
    tmp_path: Path, kind: str, number: float
) -> None:
    suffix, write = FORMATS[kind]
    row = values(referral_row(), FIELDS)
    row[FIELDS.index("postcode")] = number
    intake = read_referrals(write(tmp_path / f"d{suffix}", FRENCH, [row]))
    assert intake.accepted == []
    (rejection,) = intake.rejections
    assert (rejection.row, rejection.record_id) == (2, "D1")
    assert [(i.reason, i.column) for i in rejection.issues] == [
        (Reason.INVALID_FIELD, "code_postal")
    ]
    assert "zéro initial perdu" in (rejection.issues[0].detail or "")


def test_postcode_with_five_digit_number_cell_is_fine(tmp_path: Path) -> None:
    row = values(referral_row(), FIELDS)
    row[FIELDS.index("postcode")] = 67000
    intake = read_referrals(raw_workbook(tmp_path / "d.xlsx", FRENCH, [row]))
    assert [r.postcode for r in intake.accepted] == ["67000"]


def test_csv_postcode_that_lost_its_zero_is_rejected(tmp_path: Path) -> None:
    path = write_csv(
        tmp_path / "d.csv", FRENCH, [values(referral_row(postcode="8000"),
                                            FIELDS)]
    )  # fmt: skip
    assert reasons_by_row(read_referrals(path)) == [
        (2, "D1", [(Reason.INVALID_FIELD, "code_postal")])
    ]


# --------------------------------------------------------------------------
# Headers


def _spaced_accents(header: str) -> str:
    accented = {
        "recue_le": "Reçue le",
        "prenom": "Prénom",
        "telephone": "Téléphone",
        "delai_souhaite": "Délai souhaité",
        "mobilite_reduite": "Mobilité réduite",
        "transport_medicalise": "Transport médicalisé",
        "urgence_suspectee": "Urgence suspectée",
        "centre_prefere": "Centre préféré",
    }
    return accented.get(header, header.replace("_", " ").title())


HEADER_VARIANTS: dict[str, list[str]] = {
    "upper": [h.upper() for h in FRENCH],
    "accents-and-spaces": [_spaced_accents(h) for h in FRENCH],
    "dashes": [h.replace("_", "-") for h in FRENCH],
    "padded": [f"  {h} " for h in FRENCH],
    "glued": [h.replace("_", "") for h in FRENCH],
    "english": [alias for _, _, alias in REFERRAL_HEADERS],
    "english-title": [
        alias.replace("_", " ").title() for _, _, alias in REFERRAL_HEADERS
    ],
    "mixed": [
        alias if n % 2 else french
        for n, (_, french, alias) in enumerate(REFERRAL_HEADERS)
    ],
}


@pytest.mark.parametrize("variant", list(HEADER_VARIANTS))
def test_headers_are_matched_loosely(tmp_path: Path, variant: str) -> None:
    header = HEADER_VARIANTS[variant]
    row = values(
        referral_row(reduced_mobility="oui", medical_transport="x",
                     suspected_emergency="non", used_name="Meyer"),
        FIELDS,
    )  # fmt: skip
    intake = read_referrals(raw_workbook(tmp_path / "d.xlsx", header, [row]))
    assert intake.notices == []
    (referral,) = intake.accepted
    # Every column reached its field.
    assert referral.used_name == "Meyer"
    assert referral.reduced_mobility and referral.medical_transport
    assert referral.desired_delay == 48
    assert referral.prescriber_contact == "dr.kuntz@medecin.mssante.fr"
    assert referral.received_at == datetime(2026, 11, 26, 9, 30, tzinfo=PARIS)


def test_unknown_columns_are_listed_once(tmp_path: Path) -> None:
    header = ["Remarques", *FRENCH, "Col 23", ""]
    rows = [
        ["à rappeler", *values(referral_row(referral_id=f"D{n}",
                                            birth_name=f"Nom{n}"), FIELDS),
         "x", "orpheline"]
        for n in range(1, 4)
    ]  # fmt: skip
    intake = read_referrals(raw_workbook(tmp_path / "d.xlsx", header, rows))
    assert [r.referral_id for r in intake.accepted] == ["D1", "D2", "D3"]
    assert intake.notices == [
        Notice(None, "", "colonnes inconnues ignorées : Remarques, Col 23")
    ]


def test_missing_required_columns_name_file_sheet_and_columns(
    tmp_path: Path,
) -> None:
    keep = [f for f in FIELDS if f not in ("phone", "consent")]
    header = [h for f, h in zip(FIELDS, FRENCH, strict=True) if f in keep]
    path = raw_workbook(
        tmp_path / "demandes.xlsx", header, [values(referral_row(), keep)]
    )
    with pytest.raises(UnusableFileError) as caught:
        read_referrals(path)
    assert str(caught.value) == (
        "Fichier « demandes.xlsx », feuille « Demandes » : colonne(s) "
        "obligatoire(s) absente(s) : telephone, consentement"
    )
    assert caught.value.sheet == "Demandes"


def test_missing_required_column_in_csv(tmp_path: Path) -> None:
    keep = [f for f in FIELDS if f != "exams"]
    header = [h for f, h in zip(FIELDS, FRENCH, strict=True) if f in keep]
    path = write_csv(
        tmp_path / "export.csv", header, [values(referral_row(), keep)]
    )
    with pytest.raises(UnusableFileError) as caught:
        read_referrals(path)
    assert str(caught.value) == (
        "Fichier « export.csv » : colonne(s) obligatoire(s) absente(s) : "
        "examen"
    )


@pytest.mark.parametrize(
    "extra, titles",
    [
        ("Phone", "« telephone » et « Phone »"),
        ("ID-Demande", "« id_demande » et « ID-Demande »"),
    ],
)
def test_two_columns_for_one_field_are_refused(
    tmp_path: Path, extra: str, titles: str
) -> None:
    row = values(referral_row(), FIELDS)
    path = raw_workbook(
        tmp_path / "demandes.xlsx", [*FRENCH, extra], [[*row, "x"]]
    )
    with pytest.raises(UnusableFileError) as caught:
        read_referrals(path)
    message = str(caught.value)
    assert message.startswith(
        "Fichier « demandes.xlsx », feuille « Demandes » : colonnes "
    )
    assert titles in message and "en double" in message


def test_duplicate_column_error_is_one_line(tmp_path: Path) -> None:
    row = values(referral_row(), FIELDS)
    path = raw_workbook(
        tmp_path / "demandes.xlsx", [*FRENCH, "Délai\nsouhaité"], [[*row, "x"]]
    )
    with pytest.raises(UnusableFileError) as caught:
        read_referrals(path)
    assert "delai_souhaite" in str(caught.value)
    assert "\n" not in str(caught.value)


def test_optional_columns_may_be_absent(tmp_path: Path) -> None:
    optional = {
        "used_name", "email", "prescriber_contact", "reduced_mobility",
        "medical_transport", "suspected_emergency", "preferred_center",
    }  # fmt: skip
    keep = [f for f in FIELDS if f not in optional]
    header = [h for f, h in zip(FIELDS, FRENCH, strict=True) if f in keep]
    path = raw_workbook(
        tmp_path / "d.xlsx", header, [values(referral_row(), keep)]
    )
    intake = read_referrals(path)
    (referral,) = intake.accepted
    assert referral.used_name is None and referral.email is None
    assert referral.prescriber_contact is None
    assert referral.preferred_center is None
    assert not referral.reduced_mobility
    assert not referral.medical_transport
    assert not referral.suspected_emergency


def test_slot_file_given_as_referrals_is_refused(tmp_path: Path) -> None:
    path = raw_workbook(
        tmp_path / "creneaux.xlsx",
        SLOT_FRENCH,
        [values(slot_row(), SLOT_FIELDS)],
        sheet="Creneaux",
    )
    with pytest.raises(UnusableFileError) as caught:
        read_referrals(path)
    # The single data sheet is read, and lacks the referral columns.
    assert "feuille « Creneaux »" in str(caught.value)
    assert "id_demande, recue_le, nom_naissance" in str(caught.value)


def test_single_other_sheet_is_read_with_a_notice(tmp_path: Path) -> None:
    path = raw_workbook(
        tmp_path / "export.xlsx",
        FRENCH,
        [values(referral_row(), FIELDS)],
        sheet="Feuil1",
    )
    intake = read_referrals(path)
    assert [r.referral_id for r in intake.accepted] == ["D1"]
    assert intake.notices == [
        Notice(
            None,
            "",
            "feuille « Demandes » absente : lecture de la feuille « Feuil1 »",
        )
    ]


# --------------------------------------------------------------------------
# One bad row never stops the others


def _mixed_rows() -> list[list[object] | None]:
    rows: list[list[object] | None] = [
        values(referral_row(referral_id="D1"), FIELDS),
        values(referral_row(referral_id="D2", consent="non"), FIELDS),
        values(referral_row(referral_id="D3", birth_name="Roth",
                            postcode="8000"), FIELDS),
        None,
        values(referral_row(referral_id="D4", birth_name="Meyer",
                            exams="SCANNER"), FIELDS),
        values(referral_row(referral_id="D5", birth_name="Weber", phone="",
                            exams="IRM lombaire"), FIELDS),
        values(referral_row(referral_id="D1", birth_name="Autre"), FIELDS),
        values(referral_row(referral_id="D6", exams="RADIO"), FIELDS),
        values(referral_row(referral_id="D7", birth_name="Petit",
                            birth_date="01/01/2016", exams="ECHO_ABDO"),
               FIELDS),
        values(referral_row(referral_id="", birth_name="Haag"), FIELDS),
        values(referral_row(referral_id="D8", birth_name="Klein",
                            exams="MAMMO", birth_date="01/01/2014"),
               FIELDS),
    ]  # fmt: skip
    return rows


EXPECTED_MIXED = [
    (3, "D2", [(Reason.NO_CONSENT, None)]),
    (4, "D3", [(Reason.INVALID_FIELD, "code_postal")]),
    (7, "D5", [(Reason.MISSING_FIELD, "telephone"),
               (Reason.COMPLEX_IMAGING, "examen")]),
    (8, "D1", [(Reason.DUPLICATE_REFERRAL, "id_demande")]),
    (9, "D6", [(Reason.DUPLICATE_REFERRAL, None)]),
    (11, "", [(Reason.MISSING_FIELD, "id_demande")]),
    (12, "D8", [(Reason.EXAM_NOT_COVERED_FOR_CHILD, None)]),
]  # fmt: skip


@pytest.mark.parametrize("kind", list(FORMATS))
def test_bad_rows_are_rejected_and_good_rows_go_on(
    tmp_path: Path, kind: str
) -> None:
    suffix, write = FORMATS[kind]
    path = write(tmp_path / f"d{suffix}", FRENCH, _mixed_rows())
    intake = read_referrals(path)
    assert [r.referral_id for r in intake.accepted] == ["D1", "D4", "D7"]
    assert intake.rows == {"D1": 2, "D4": 6, "D7": 10}
    assert reasons_by_row(intake) == EXPECTED_MIXED
    duplicate = intake.rejections[4].issues[0]
    assert duplicate.detail == "même patient et même examen que la demande D1"
    assert intake.reason_counts() == {
        Reason.NO_CONSENT: 1,
        Reason.INVALID_FIELD: 1,
        Reason.MISSING_FIELD: 2,
        Reason.COMPLEX_IMAGING: 1,
        Reason.DUPLICATE_REFERRAL: 2,
        Reason.EXAM_NOT_COVERED_FOR_CHILD: 1,
    }


def test_csv_row_numbers_count_lines_inside_quoted_cells(
    tmp_path: Path,
) -> None:
    rows = [
        values(referral_row(referral_id="D1",
                            address="Bâtiment B\n12 rue Kléber"), FIELDS),
        values(referral_row(referral_id="D2", consent="non",
                            address="a;b\nc\nd"), FIELDS),
        None,
        values(referral_row(referral_id="D3", birth_name="Roth",
                            phone="12"), FIELDS),
    ]  # fmt: skip
    intake = read_referrals(write_csv(tmp_path / "d.csv", FRENCH, rows))
    # Header line 1; D1 lines 2-3; D2 lines 4-6; blank line 7; D3 line 8.
    assert intake.rows == {"D1": 2}
    assert intake.accepted[0].address == "Bâtiment B 12 rue Kléber"
    assert reasons_by_row(intake) == [
        (4, "D2", [(Reason.NO_CONSENT, None)]),
        (8, "D3", [(Reason.INVALID_FIELD, "telephone")]),
    ]


def test_csv_sep_line_shifts_row_numbers(tmp_path: Path) -> None:
    path = write_csv(
        tmp_path / "d.csv",
        FRENCH,
        [
            values(referral_row(referral_id="D1"), FIELDS),
            values(referral_row(referral_id="D2", consent=""), FIELDS),
        ],
        encoding="utf-8-sig",
    )
    data = path.read_bytes()
    path.write_bytes(data[:3] + b"sep=;\r\n" + data[3:])
    intake = read_referrals(path)
    assert intake.rows == {"D1": 3}
    assert reasons_by_row(intake) == [
        (4, "D2", [(Reason.MISSING_FIELD, "consentement")])
    ]


def test_invalid_email_is_a_row_notice_not_a_rejection(
    tmp_path: Path,
) -> None:
    rows = [values(referral_row(email="zoe@", birth_name="Wolff"), FIELDS)]
    intake = read_referrals(raw_workbook(tmp_path / "d.xlsx", FRENCH, rows))
    assert [r.email for r in intake.accepted] == [None]
    assert intake.notices == [
        Notice(2, "D1", "email ignoré : adresse e-mail invalide")
    ]


# --------------------------------------------------------------------------
# Slots


def test_slots_from_xlsx_with_typed_values(tmp_path: Path) -> None:
    rows = [
        values(slot_row(slot_id="S1", start=datetime(2026, 11, 30, 8, 15),
                        duration_min=20, exams="RADIO, ECHO_ABDO",
                        children="oui", accessible="x"), SLOT_FIELDS),
        values(slot_row(slot_id="S2", center="simse-1", group="simse",
                        start="30/11/2026 14h00", duration_min="",
                        exams="MAMMO,ECHO_SEIN"), SLOT_FIELDS),
        values(slot_row(slot_id="S1"), SLOT_FIELDS),
        values(slot_row(slot_id="S3", start=""), SLOT_FIELDS),
        values(slot_row(slot_id="S4", center="MIM-1", group="SIMSE"),
               SLOT_FIELDS),
        values(slot_row(slot_id="S5", exams="RADIO, IRM"), SLOT_FIELDS),
    ]  # fmt: skip
    path = raw_workbook(
        tmp_path / "creneaux.xlsx", SLOT_FRENCH, rows, sheet="Creneaux"
    )
    intake = read_slots(path)
    assert [s.slot_id for s in intake.accepted] == ["S1", "S2"]
    assert intake.rows == {"S1": 2, "S2": 3}
    first, second = intake.accepted
    assert first.center == "MIM-1" and first.group is Group.MIM
    assert first.start == datetime(2026, 11, 30, 8, 15, tzinfo=PARIS)
    assert first.duration_min == 20
    assert first.exams == (Exam.RADIO, Exam.ECHO_ABDO)
    assert first.children and first.accessible
    assert second.center == "SIMSE-1" and second.group is Group.SIMSE
    assert second.start == datetime(2026, 11, 30, 14, 0, tzinfo=PARIS)
    assert second.duration_min == 15
    assert second.exams == (Exam.MAMMO, Exam.ECHO_SEIN)
    assert not second.children and not second.accessible
    assert reasons_by_row(intake) == [
        (4, "S1", [(Reason.DUPLICATE_SLOT, "id_creneau")]),
        (5, "S3", [(Reason.MISSING_FIELD, "debut")]),
        (6, "S4", [(Reason.INVALID_FIELD, "groupe")]),
        (7, "S5", [(Reason.INVALID_FIELD, "examens")]),
    ]


@pytest.mark.parametrize("sheet", ["Créneaux", "CRENEAUX", "Slots"])
def test_slot_sheet_name_is_matched_loosely(
    tmp_path: Path, sheet: str
) -> None:
    workbook = Workbook()
    other = workbook.active
    assert other is not None
    other.title = "Autre"
    other.append(["x"])
    worksheet = workbook.create_sheet(sheet)
    worksheet.append([alias for _, _, alias in SLOT_HEADERS])
    worksheet.append(values(slot_row(), SLOT_FIELDS))
    workbook.save(tmp_path / "c.xlsx")
    intake = read_slots(tmp_path / "c.xlsx")
    assert [s.slot_id for s in intake.accepted] == ["S1"]
    assert intake.notices == []


@pytest.mark.parametrize("kind", ["ods", "csv-utf8-bom-comma"])
def test_slots_from_ods_and_csv(tmp_path: Path, kind: str) -> None:
    suffix, write = FORMATS[kind]
    rows = [
        values(slot_row(slot_id="S1", exams="RADIO,ECHO_MSK"), SLOT_FIELDS),
        values(slot_row(slot_id="S2", duration_min="0"), SLOT_FIELDS),
    ]
    intake = read_slots(write(tmp_path / f"c{suffix}", SLOT_FRENCH, rows))
    assert [s.exams for s in intake.accepted] == [(Exam.RADIO, Exam.ECHO_MSK)]
    assert reasons_by_row(intake) == [
        (3, "S2", [(Reason.INVALID_FIELD, "duree_min")])
    ]


def test_slot_file_missing_columns(tmp_path: Path) -> None:
    path = write_csv(tmp_path / "c.csv", ["id_creneau", "centre"], [])
    with pytest.raises(UnusableFileError) as caught:
        read_slots(path)
    assert str(caught.value) == (
        "Fichier « c.csv » : colonne(s) obligatoire(s) absente(s) : groupe, "
        "debut, examens"
    )
