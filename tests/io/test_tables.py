"""Any sheet to rows of text: xlsx, ods, French CSV, and unusable files."""

from __future__ import annotations

import math
from collections.abc import Sequence
from datetime import date, datetime, time, timedelta
from pathlib import Path

import pandas as pd
import pytest
from openpyxl import Workbook

from cosen.errors import CosenError, UnusableFileError
from cosen.io.tables import Table, cell_text, read_table

SHEETS = ("Demandes", "Referrals")
NAMES = ["Bœuf-Lœwenbrück", "Anaïs", "N'Diaye", "3 rue de l\u2019Œuvre"]


def rows_of(table: Table) -> list[tuple[int, list[str]]]:
    """The rows of a table (read once), without their unreadable cells."""
    found = list(table.rows)
    assert all(not row.unreadable for row in found)
    return [(row.number, row.cells) for row in found]


def write_xlsx(
    path: Path,
    sheets: dict[str, Sequence[Sequence[object]]],
) -> Path:
    """A workbook with the given sheets, each a list of rows (None: blank)."""
    workbook = Workbook()
    first = workbook.active
    assert first is not None
    workbook.remove(first)
    for name, rows in sheets.items():
        sheet = workbook.create_sheet(name)
        for number, row in enumerate(rows, start=1):
            for column, value in enumerate(row, start=1):
                if value is not None:
                    sheet.cell(number, column, value)
    workbook.save(path)
    return path


def write_ods(
    path: Path, sheets: dict[str, Sequence[Sequence[object]]]
) -> Path:
    """An OpenDocument workbook written by pandas' odf engine."""
    with pd.ExcelWriter(path, engine="odf") as writer:
        for name, rows in sheets.items():
            frame = pd.DataFrame(list(rows[1:]), columns=list(rows[0]))
            frame.to_excel(writer, sheet_name=name, index=False)
    return path


# --------------------------------------------------------------------------
# Workbooks


def test_xlsx_cells_become_text_with_sheet_row_numbers(
    tmp_path: Path,
) -> None:
    path = write_xlsx(
        tmp_path / "demandes.xlsx",
        {
            "Demandes": [
                ["id", "recue", "naissance", "cp", "tel", "nom", "oui"],
                ["D1", datetime(2026, 11, 26, 9, 30), date(1970, 4, 3),
                 "08000", "06 12 34 56 78", NAMES[0], True],
                [],
                [None, None, None, None, None, None, None],
                ["D2", 46352.3958333333, 25661, 67000, 388123456,
                 NAMES[2], False],
            ]
        },
    )  # fmt: skip
    table = read_table(path, SHEETS)
    assert table.path == path
    assert table.sheet == "Demandes"
    assert table.header == ["id", "recue", "naissance", "cp", "tel", "nom",
                            "oui"]  # fmt: skip
    assert table.notes == ()
    assert rows_of(table) == [
        (2, ["D1", "2026-11-26 09:30:00", "1970-04-03 00:00:00", "08000",
             "06 12 34 56 78", NAMES[0], "vrai"]),
        (5, ["D2", "46352.3958333333", "25661", "67000", "388123456",
             NAMES[2], "faux"]),
    ]  # fmt: skip


def test_ods_written_by_pandas_is_read(tmp_path: Path) -> None:
    path = write_ods(
        tmp_path / "demandes.ods",
        {
            "Demandes": [
                ["id", "recue", "naissance", "cp", "nom", "adresse"],
                ["D1", datetime(2026, 11, 26, 9, 30), date(1970, 4, 3),
                 "08000", NAMES[0], NAMES[3]],
                [None] * 6,
                ["D2", "26/11/2026 09:30", "03/04/1970", 8000, NAMES[1],
                 NAMES[2]],
            ]
        },
    )  # fmt: skip
    table = read_table(path, SHEETS)
    assert table.sheet == "Demandes"
    assert table.header == ["id", "recue", "naissance", "cp", "nom",
                            "adresse"]  # fmt: skip
    assert rows_of(table) == [
        (2, ["D1", "2026-11-26 09:30:00", "1970-04-03 00:00:00", "08000",
             NAMES[0], NAMES[3]]),
        (4, ["D2", "26/11/2026 09:30", "03/04/1970", "8000", NAMES[1],
             NAMES[2]]),
    ]  # fmt: skip


def test_sheet_is_found_by_loose_name_among_others(tmp_path: Path) -> None:
    path = write_xlsx(
        tmp_path / "classeur.xlsx",
        {
            "Notes": [["autre"], ["x"]],
            "DEMANDES": [["id"], ["D1"]],
            "Instructions": [["Mode d'emploi"]],
        },
    )
    table = read_table(path, SHEETS)
    assert table.sheet == "DEMANDES"
    assert rows_of(table) == [(2, ["D1"])]
    assert table.notes == ()


def test_english_sheet_name_is_accepted(tmp_path: Path) -> None:
    path = write_xlsx(
        tmp_path / "classeur.xlsx",
        {"Other": [["a"], ["b"]], "referrals": [["id"], ["D9"]]},
    )
    assert rows_of(read_table(path, SHEETS)) == [(2, ["D9"])]


def test_single_data_sheet_is_read_with_a_note(tmp_path: Path) -> None:
    path = write_xlsx(
        tmp_path / "export.xlsx",
        {"Instructions": [["lire"]], "Feuil1": [["id"], ["D1"], ["D2"]]},
    )
    table = read_table(path, SHEETS)
    assert table.sheet == "Feuil1"
    assert rows_of(table) == [(2, ["D1"]), (3, ["D2"])]
    assert table.notes == (
        "feuille « Demandes » absente : lecture de la feuille « Feuil1 »",
    )


def test_several_data_sheets_without_the_expected_one_are_refused(
    tmp_path: Path,
) -> None:
    path = write_xlsx(
        tmp_path / "export.xlsx",
        {
            "Feuil1": [["id"], ["D1"]],
            "Feuil2": [["id"], ["D2"]],
            "Instructions": [["lire"]],
        },
    )
    with pytest.raises(UnusableFileError) as caught:
        read_table(path, SHEETS)
    message = str(caught.value)
    assert message.startswith("Fichier « export.xlsx » : ")
    assert "feuille « Demandes » introuvable" in message
    assert "feuilles présentes : Feuil1, Feuil2, Instructions" in message
    assert caught.value.exit_code == 2


def test_workbook_with_only_note_sheets_is_refused(tmp_path: Path) -> None:
    path = write_xlsx(
        tmp_path / "modele.xlsx", {"Instructions": [["Mode d'emploi"]]}
    )
    with pytest.raises(UnusableFileError, match="feuilles présentes : "):
        read_table(path, SHEETS)


@pytest.mark.parametrize("suffix", [".xlsx", ".ods"])
def test_empty_sheet_is_refused_naming_file_and_sheet(
    tmp_path: Path, suffix: str
) -> None:
    path = tmp_path / f"vide{suffix}"
    if suffix == ".xlsx":
        write_xlsx(path, {"Demandes": []})
    else:
        with pd.ExcelWriter(path, engine="odf") as writer:
            pd.DataFrame().to_excel(writer, sheet_name="Demandes")
    with pytest.raises(UnusableFileError) as caught:
        read_table(path, SHEETS)
    assert str(caught.value) == (
        f"Fichier « vide{suffix} », feuille « Demandes » : feuille vide "
        "(ligne d'en-têtes attendue en ligne 1)"
    )
    assert caught.value.sheet == "Demandes"
    assert caught.value.path == path


def test_header_not_on_first_row_is_an_empty_sheet(tmp_path: Path) -> None:
    path = write_xlsx(
        tmp_path / "decale.xlsx", {"Demandes": [[], ["id"], ["D1"]]}
    )
    with pytest.raises(UnusableFileError, match="feuille vide"):
        read_table(path, SHEETS)


@pytest.mark.parametrize(
    "name, data",
    [
        ("corrompu.xlsx", b"PK\x03\x04 ceci n'est pas un classeur"),
        ("texte.xlsx", b"id;nom\nD1;Martin\n"),
        ("vide.xlsx", b""),
        ("corrompu.ods", b"PK\x03\x04\x14\x00\x00\x00garbage"),
        ("corrompu.xls", b"\xd0\xcf\x11\xe0 not really"),
    ],
)
def test_corrupt_workbook_is_unusable_naming_the_file(
    tmp_path: Path, name: str, data: bytes
) -> None:
    path = tmp_path / name
    path.write_bytes(data)
    with pytest.raises(UnusableFileError) as caught:
        read_table(path, SHEETS)
    assert str(caught.value).startswith(f"Fichier « {name} » : ")
    assert "classeur illisible" in str(caught.value)


def test_missing_file(tmp_path: Path) -> None:
    with pytest.raises(UnusableFileError) as caught:
        read_table(tmp_path / "absent.xlsx", SHEETS)
    assert str(caught.value) == "Fichier « absent.xlsx » : fichier introuvable"
    assert isinstance(caught.value, CosenError)


def test_directory_is_not_a_file(tmp_path: Path) -> None:
    folder = tmp_path / "dossier.csv"
    folder.mkdir()
    with pytest.raises(UnusableFileError) as caught:
        read_table(folder, SHEETS)
    assert str(caught.value) == (
        "Fichier « dossier.csv » : ce n'est pas un fichier"
    )


@pytest.mark.parametrize("name", ["demandes.pdf", "demandes", "d.docx"])
def test_unknown_extension(tmp_path: Path, name: str) -> None:
    path = tmp_path / name
    path.write_text("id;nom\nD1;x\n", encoding="utf-8")
    with pytest.raises(UnusableFileError) as caught:
        read_table(path, SHEETS)
    assert str(caught.value) == (
        f"Fichier « {name} » : format non pris en charge (xlsx, ods ou csv "
        "attendu)"
    )


def test_upper_case_extension_is_accepted(tmp_path: Path) -> None:
    path = write_xlsx(tmp_path / "DEMANDES.XLSX", {"Demandes": [["id"]]})
    assert read_table(path, SHEETS).header == ["id"]


# --------------------------------------------------------------------------
# CSV as French office software writes it


def test_csv_cp1252_semicolon(tmp_path: Path) -> None:
    text = (
        "nom;prenom;usage;adresse;cp\r\n"
        f"{NAMES[0]};{NAMES[1]};{NAMES[2]};{NAMES[3]};08000\r\n"
        "ŒUVRARD;Noël;;1 place Kléber;67000\r\n"
    )
    path = tmp_path / "export.csv"
    path.write_bytes(text.encode("cp1252"))
    table = read_table(path, SHEETS)
    assert table.sheet is None
    assert table.header == ["nom", "prenom", "usage", "adresse", "cp"]
    assert rows_of(table) == [
        (2, [NAMES[0], NAMES[1], NAMES[2], NAMES[3], "08000"]),
        (3, ["ŒUVRARD", "Noël", "", "1 place Kléber", "67000"]),
    ]


def test_csv_utf8_bom_comma_with_quoted_separators(tmp_path: Path) -> None:
    text = (
        "nom,adresse,examen\n"
        f'{NAMES[0]},"12, rue de l\'Église",RADIO\n'
        f'"{NAMES[1]}","a;b","MAMMO+ECHO_SEIN"\n'
    )
    path = tmp_path / "export.csv"
    path.write_bytes(text.encode("utf-8-sig"))
    table = read_table(path, SHEETS)
    assert table.header == ["nom", "adresse", "examen"]
    assert rows_of(table) == [
        (2, [NAMES[0], "12, rue de l'Église", "RADIO"]),
        (3, [NAMES[1], "a;b", "MAMMO+ECHO_SEIN"]),
    ]


def test_csv_utf8_without_bom(tmp_path: Path) -> None:
    path = tmp_path / "export.csv"
    path.write_bytes(f"nom;ville\n{NAMES[0]};Sélestat\n".encode())
    table = read_table(path, SHEETS)
    assert table.header == ["nom", "ville"]
    assert rows_of(table) == [(2, [NAMES[0], "Sélestat"])]


def test_csv_separator_is_the_one_splitting_the_header_most(
    tmp_path: Path,
) -> None:
    path = tmp_path / "export.csv"
    # Commas inside the data must not make the sniffer pick ",".
    path.write_text(
        "nom;prenom;adresse\nDupont, dit Jean;Marie;1, rue Haute\n",
        encoding="utf-8",
    )
    table = read_table(path, SHEETS)
    assert rows_of(table) == [
        (2, ["Dupont, dit Jean", "Marie", "1, rue Haute"])
    ]


@pytest.mark.parametrize("separator", [";", ","])
def test_csv_excel_sep_line(tmp_path: Path, separator: str) -> None:
    path = tmp_path / "export.csv"
    body = f"sep={separator}\r\nid{separator}nom\r\nD1{separator}Klein\r\n"
    path.write_bytes(body.encode("utf-8-sig"))
    table = read_table(path, SHEETS)
    assert table.header == ["id", "nom"]
    # The "sep=" line counts: the data row is line 3 of the file.
    assert rows_of(table) == [(3, ["D1", "Klein"])]


def test_csv_quoted_newlines_keep_file_line_numbers(tmp_path: Path) -> None:
    text = (
        "id;adresse;ville\r\n"  # line 1
        'D1;"Bâtiment B\r\n12 rue des Hallebardes";Strasbourg\r\n'  # 2-3
        "D2;1 rue Principale;Metz\r\n"  # 4
        "\r\n"  # 5: blank
        ";;\r\n"  # 6: only separators, blank too
        'D3;"a\nb\nc";"Colmar"\r\n'  # 7-9
        "D4;x;y\r\n"  # 10
    )
    path = tmp_path / "export.csv"
    path.write_bytes(text.encode("cp1252"))
    table = read_table(path, SHEETS)
    rows = rows_of(table)
    assert [(n, cells[0]) for n, cells in rows] == [
        (2, "D1"),
        (4, "D2"),
        (7, "D3"),
        (10, "D4"),
    ]
    assert rows[0][1][1] == "Bâtiment B\r\n12 rue des Hallebardes"
    assert rows[2][1][1] == "a\nb\nc"


def test_csv_cells_are_stripped_and_never_typed(tmp_path: Path) -> None:
    path = tmp_path / "export.csv"
    path.write_text(
        "cp ; tel ; date\n 08000 ; 0612345678 ; 46352,5 \n", encoding="utf-8"
    )
    table = read_table(path, SHEETS)
    assert table.header == ["cp", "tel", "date"]
    assert rows_of(table) == [(2, ["08000", "0612345678", "46352,5"])]


def test_txt_is_read_as_csv(tmp_path: Path) -> None:
    path = tmp_path / "export.txt"
    path.write_text("id;nom\nD1;Roth\n", encoding="utf-8")
    assert rows_of(read_table(path, SHEETS)) == [(2, ["D1", "Roth"])]


@pytest.mark.parametrize(
    "data",
    [b"", b"\xef\xbb\xbf", b"\r\n\r\n", b"sep=;\r\n", b";;;\n;;\n"],
)
def test_empty_csv_is_refused(tmp_path: Path, data: bytes) -> None:
    path = tmp_path / "vide.csv"
    path.write_bytes(data)
    with pytest.raises(UnusableFileError) as caught:
        read_table(path, SHEETS)
    assert str(caught.value) == (
        "Fichier « vide.csv » : feuille vide (ligne d'en-têtes attendue en "
        "ligne 1)"
    )


def test_csv_line_in_no_known_encoding_marks_its_cells(
    tmp_path: Path,
) -> None:
    path = tmp_path / "bizarre.csv"
    # Not UTF-8, and 0x81 is not a Windows-1252 character either.
    path.write_bytes(b"id;nom\nD1;\x81\x8d\xe9\nD2;Roth\n")
    table = read_table(path, SHEETS)
    rows = list(table.rows)
    assert [(r.number, r.cells, r.unreadable) for r in rows] == [
        (2, ["D1", ""], {1: "caractères illisibles (encodage différent du "
                            "reste du fichier, Windows-1252)"}),
        (3, ["D2", "Roth"], {}),
    ]  # fmt: skip


def test_csv_header_in_another_encoding_is_refused(tmp_path: Path) -> None:
    path = tmp_path / "entete.csv"
    path.write_bytes(
        "id;prénom\n".encode("cp1252") + "D1;Zoé\nD2;Anaïs\n".encode()
    )
    with pytest.raises(UnusableFileError) as caught:
        read_table(path, SHEETS)
    assert str(caught.value) == (
        "Fichier « entete.csv » : ligne d'en-têtes illisible (encodage "
        "différent du reste du fichier, UTF-8)"
    )


def test_csv_with_a_huge_cell_rejects_that_cell_only(tmp_path: Path) -> None:
    path = tmp_path / "enorme.csv"
    path.write_bytes(b"id;nom\nD1;" + b"x" * 1_000_000 + b"\nD2;Roth\n")
    rows = list(read_table(path, SHEETS).rows)
    assert [(r.number, r.cells, r.unreadable) for r in rows] == [
        (2, ["D1", ""], {1: "texte de plus de 32\u202f767 caractères"}),
        (3, ["D2", "Roth"], {}),
    ]


def test_binary_file_named_csv_is_refused(tmp_path: Path) -> None:
    path = tmp_path / "classeur.csv"
    write_xlsx(path, {"Demandes": [["id"], ["D1"]]})
    with pytest.raises(UnusableFileError) as caught:
        read_table(path, SHEETS)
    assert str(caught.value) == (
        "Fichier « classeur.csv » : ce n'est pas un fichier CSV (texte)"
    )


def test_csv_with_carriage_return_line_endings(tmp_path: Path) -> None:
    path = tmp_path / "mac.csv"
    path.write_bytes("id;nom\rD1;Klein\rD2;Roth\r".encode("cp1252"))
    table = read_table(path, SHEETS)
    assert rows_of(table) == [(2, ["D1", "Klein"]), (3, ["D2", "Roth"])]


# --------------------------------------------------------------------------
# One cell value to text


@pytest.mark.parametrize(
    "value, text",
    [
        (None, ""),
        (math.nan, ""),
        (math.inf, ""),
        (True, "vrai"),
        (False, "faux"),
        (8000, "8000"),
        (8000.0, "8000"),
        (67000.0, "67000"),
        (0.5, "0.5"),
        (46352.3958333333, "46352.3958333333"),
        (datetime(2026, 11, 26, 9, 30), "2026-11-26 09:30:00"),
        (date(1970, 4, 3), "1970-04-03"),
        (time(9, 30), "09:30:00"),
        (timedelta(minutes=20), "20"),
        ("  08000 ", "08000"),
        ("Lœw", "Lœw"),
    ],
)
def test_cell_text(value: object, text: str) -> None:
    assert cell_text(value) == text
