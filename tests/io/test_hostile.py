"""A hostile corpus, built here: files that crashed or misled the readers.

Each file is small; each case checks the exit code or the intake, the one
French line, and that nothing valid is lost.
"""

from __future__ import annotations

import io
import re
import zipfile
from collections.abc import Callable, Mapping
from pathlib import Path

import pandas as pd
import pytest
from click.testing import CliRunner
from openpyxl import Workbook

import cosen.limits
from cosen.cli import cli
from cosen.domain import REFERRAL_COLUMNS, Reason
from cosen.errors import UnusableFileError
from cosen.io.readers import read_referrals
from tests.factories import referral_row

HEADER = [c.french for c in REFERRAL_COLUMNS]
NAMES = ["Zoé", "Anaïs", "Noël", "Lœw", "Bœuf"]


def row(number: int, **changes: str) -> list[str]:
    values = referral_row(
        referral_id=f"D{number}",
        birth_name=f"{NAMES[number % len(NAMES)]}{number}",
        **changes,
    )
    return [values[c.field] for c in REFERRAL_COLUMNS]


def workbook(
    path: Path, sheets: dict[str, int], states: Mapping[str, str] = {}
) -> Path:
    """Sheets of ``n`` referral rows each, some hidden."""
    book = Workbook()
    first = book.active
    assert first is not None
    book.remove(first)
    start = 1
    for name, count in sheets.items():
        sheet = book.create_sheet(name)
        sheet.sheet_state = states.get(name, "visible")
        sheet.append(HEADER)
        for number in range(start, start + count):
            sheet.append(row(number))
        start += count
    book.save(path)
    return path


def rezip(path: Path, mutate: Callable[[str, bytes], bytes]) -> Path:
    """``path`` with each archive member's bytes passed to ``mutate``."""
    out = io.BytesIO()
    with (
        zipfile.ZipFile(path) as source,
        zipfile.ZipFile(out, "w", zipfile.ZIP_DEFLATED) as target,
    ):
        for info in source.infolist():
            target.writestr(
                info.filename, mutate(info.filename, source.read(info))
            )
    path.write_bytes(out.getvalue())
    return path


def validate(*args: str) -> tuple[int, str]:
    result = CliRunner().invoke(cli, ["validate", *args], prog_name="cosen")
    return result.exit_code, result.output


def one_error_line(output: str) -> str:
    lines = output.strip().splitlines()
    assert len(lines) == 1, output
    assert lines[0].startswith("Erreur : Fichier « ")
    assert "Traceback" not in output
    return lines[0]


# --------------------------------------------------------------------------
# Sheets that claim more than they hold


def test_cell_at_xfd1048576_is_refused_in_one_line(tmp_path: Path) -> None:
    path = workbook(tmp_path / "loin.xlsx", {"Demandes": 40})
    book_path = rezip(
        path,
        lambda name, data: (
            data.replace(
                b"</sheetData>",
                b'<row r="1048576"><c r="XFD1048576" t="inlineStr"><is><t>x'
                b"</t></is></c></row></sheetData>",
            )
            if name == "xl/worksheets/sheet1.xml"
            else data
        ),
    )
    assert book_path.stat().st_size < 12_000
    code, output = validate(str(book_path))
    assert code == 2
    assert "démesuré" in one_error_line(output)


def test_far_cell_on_another_sheet_does_not_matter(tmp_path: Path) -> None:
    path = workbook(tmp_path / "autre.xlsx", {"Demandes": 40, "Notes": 1})
    rezip(
        path,
        lambda name, data: (
            data.replace(
                b"</sheetData>",
                b'<row r="1048576"><c r="XFD1048576"><v>1</v></c></row>'
                b"</sheetData>",
            )
            if name == "xl/worksheets/sheet2.xml"
            else data
        ),
    )
    intake = read_referrals(path)
    assert len(intake.accepted) == 40
    assert not intake.rejections


def test_whitespace_bomb_is_refused_without_reading_it(tmp_path: Path) -> None:
    path = workbook(tmp_path / "blancs.xlsx", {"Demandes": 40})
    rezip(
        path,
        lambda name, data: (
            data.replace(b"</row>", b"</row>" + b" " * (9 << 20), 1)
            if name == "xl/worksheets/sheet1.xml"
            else data
        ),
    )
    assert path.stat().st_size < 100_000
    code, output = validate(str(path))
    assert code == 2
    assert "texte d'un seul tenant" in one_error_line(output)


def test_sheet_past_the_limits_is_refused(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    path = workbook(tmp_path / "long.xlsx", {"Demandes": 12})
    monkeypatch.setitem(cosen.limits.SHEET_LIMITS, "rows", 10)
    with pytest.raises(UnusableFileError) as caught:
        read_referrals(path)
    assert str(caught.value) == (
        "Fichier « long.xlsx », feuille « Demandes » : feuille trop étendue "
        f"(13 lignes, {len(HEADER)} colonnes ; au plus 10 lignes de "
        "données) : "
        "supprimer les cellules isolées loin des données"
    )


def test_ods_with_repeated_rows_claiming_a_million_is_refused(
    tmp_path: Path,
) -> None:
    path = tmp_path / "repete.ods"
    with pd.ExcelWriter(path, engine="odf") as writer:
        pd.DataFrame([row(1), row(2)], columns=HEADER).to_excel(
            writer, sheet_name="Demandes", index=False
        )
    rezip(
        path,
        lambda name, data: (
            data.replace(
                b"<table:table-row>",
                b'<table:table-row table:number-rows-repeated="1000000">',
            )
            if name == "content.xml"
            else data
        ),
    )
    with pytest.raises(UnusableFileError, match="démesuré"):
        read_referrals(path)


# --------------------------------------------------------------------------
# Which sheet


@pytest.mark.parametrize("state", ["hidden", "veryHidden"])
def test_hidden_sheet_is_never_data(tmp_path: Path, state: str) -> None:
    path = workbook(
        tmp_path / "cachee.xlsx",
        {"Demandes": 3, "DEMANDES ": 40},
        {"Demandes": state},
    )
    intake = read_referrals(path)
    assert len(intake.accepted) == 40
    assert intake.notices == []


def test_hidden_sheet_is_named_as_such_when_nothing_else(
    tmp_path: Path,
) -> None:
    path = workbook(
        tmp_path / "cachee.xlsx",
        {"Demandes": 3, "Instructions": 0},
        {"Demandes": "hidden"},
    )
    code, output = validate(str(path))
    assert code == 2
    assert one_error_line(output) == (
        "Erreur : Fichier « cachee.xlsx » : feuille « Demandes » introuvable "
        "(feuilles présentes : Demandes (masquée), Instructions)"
    )


def test_two_matching_sheets_are_refused_naming_both(tmp_path: Path) -> None:
    path = workbook(tmp_path / "deux.xlsx", {"Demandes": 3, "demandes_": 4})
    code, output = validate(str(path))
    assert code == 2
    assert one_error_line(output) == (
        "Erreur : Fichier « deux.xlsx » : plusieurs feuilles « Demandes » "
        "(« Demandes », « demandes_ ») : une seule attendue"
    )


# --------------------------------------------------------------------------
# CSV


def csv_bytes(lines: list[tuple[list[str], str]]) -> bytes:
    """Lines of cells, each encoded as given."""
    return b"".join(
        (";".join(cells) + "\r\n").encode(encoding)
        for cells, encoding in lines
    )


def test_utf8_csv_with_cp1252_lines_rejects_those_rows_only(
    tmp_path: Path,
) -> None:
    lines = [(HEADER, "utf-8")] + [
        (row(n), "cp1252" if n in (7, 19) else "utf-8") for n in range(1, 30)
    ]
    path = tmp_path / "melange.csv"
    path.write_bytes(csv_bytes(lines))
    intake = read_referrals(path)
    assert sorted(r.birth_name for r in intake.accepted) == sorted(
        f"{NAMES[n % len(NAMES)]}{n}" for n in range(1, 30) if n not in (7, 19)
    )
    assert [(r.row, r.record_id) for r in intake.rejections] == [
        (8, "D7"),
        (20, "D19"),
    ]
    for rejection in intake.rejections:
        issues = {(i.reason, i.column) for i in rejection.issues}
        # The cells holding letters outside ASCII: name, address, city.
        assert (Reason.INVALID_FIELD, "nom_naissance") in issues
        assert all(i.reason == Reason.INVALID_FIELD for i in rejection.issues)
        assert "encodage différent du reste du fichier, UTF-8" in (
            rejection.issues[0].message
        )


def test_cp1252_csv_with_a_utf8_line_rejects_that_row(tmp_path: Path) -> None:
    lines = [(HEADER, "cp1252")] + [
        (row(n), "utf-8" if n == 4 else "cp1252") for n in range(1, 10)
    ]
    path = tmp_path / "melange.csv"
    path.write_bytes(csv_bytes(lines))
    intake = read_referrals(path)
    assert len(intake.accepted) == 8
    assert all("Ã" not in r.birth_name for r in intake.accepted)
    assert [(r.row, r.record_id) for r in intake.rejections] == [(5, "D4")]


def test_one_megabyte_cell_rejects_its_row_and_keeps_the_others(
    tmp_path: Path,
) -> None:
    lines = [(HEADER, "utf-8")] + [
        (row(n, address="x" * 1_000_000 if n == 12 else "1 rue Haute"),
         "utf-8")
        for n in range(1, 41)
    ]  # fmt: skip
    path = tmp_path / "enorme.csv"
    path.write_bytes(csv_bytes(lines))
    intake = read_referrals(path)
    assert len(intake.accepted) == 39
    [rejection] = intake.rejections
    assert (rejection.row, rejection.record_id) == (13, "D12")
    assert [(i.reason, i.column) for i in rejection.issues] == [
        (Reason.INVALID_FIELD, "adresse")
    ]


# --------------------------------------------------------------------------
# Nothing echoed raw

ESCAPES = "\x1b]0;fenêtre piratée\x07\x1b[2J\x1b[HTout est en ordre\x9b31m"
CONTROL = re.compile(r"[\x00-\x08\x0b-\x1f\x7f-\x9f\u202e]")


def test_escape_sequences_never_reach_the_terminal(tmp_path: Path) -> None:
    header = [*HEADER, f'"note{ESCAPES}"']
    lines = [(header, "utf-8"), ([*row(1), "x"], "utf-8")]
    bad = row(2, postcode="6700")
    bad[0] = f'"D2{ESCAPES}"'
    lines.append(([*bad, "y"], "utf-8"))
    path = tmp_path / "demandes\x1b[2J.csv"
    path.write_bytes(csv_bytes(lines))
    report = tmp_path / "rapport.xlsx"
    code, output = validate(str(path), "--out", str(report))
    assert code == 1
    assert not CONTROL.search(output), repr(output)
    assert "colonnes inconnues ignorées : note" in output
    assert report.exists()
    # The id is kept as read, only its echo is cleaned.
    assert [r.record_id for r in read_referrals(path).rejections] == [
        f"D2{ESCAPES}"
    ]


def test_escape_sequences_in_a_sheet_name_are_not_echoed(
    tmp_path: Path,
) -> None:
    path = workbook(
        tmp_path / "nom.xlsx", {"Feuil\x9b2J\u202e1": 1, "Feuil2": 1}
    )
    code, output = validate(str(path))
    assert code == 2
    line = one_error_line(output)
    assert not CONTROL.search(line)
    assert "Feuil1, Feuil2" in line
