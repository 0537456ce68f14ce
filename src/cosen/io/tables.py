"""Spreadsheets as rows of text: xlsx, ods and the CSV that French office
software writes.

Every cell becomes text here, before any parsing: integers lose no leading
zeros they still have, dates become ISO text, and the domain's parsers decide
what the text means. Row numbers are the ones the user sees in the sheet.
"""

from __future__ import annotations

import csv
import io
import math
from collections.abc import Iterator, Sequence
from dataclasses import dataclass
from datetime import date, datetime, time, timedelta
from pathlib import Path
from typing import Any, Final

import pandas as pd

from cosen.errors import UnusableFileError
from cosen.parsing import normalize_key

__all__ = ["Table", "cell_text", "read_table"]

WORKBOOK_SUFFIXES: Final = frozenset({".xlsx", ".xlsm", ".xls", ".ods"})
CSV_SUFFIXES: Final = frozenset({".csv", ".txt"})
# Sheets that templates add for people and that never hold data.
_NOTE_SHEETS: Final = frozenset({"instructions", "listes", "aide"})


@dataclass(frozen=True)
class Table:
    """The cells of one sheet, as text.

    Attributes
    ----------
    path
        The file read.
    sheet
        The sheet read, ``None`` for a CSV file.
    header
        First row's cells.
    rows
        Each following non-blank row with its row number in the sheet (or
        line number in the CSV file).
    notes
        French remarks about how the file was read.
    """

    path: Path
    sheet: str | None
    header: list[str]
    rows: list[tuple[int, list[str]]]
    notes: tuple[str, ...] = ()


def cell_text(value: Any) -> str:
    """Text of one cell as a spreadsheet library returns it."""
    if value is None or (isinstance(value, float) and math.isnan(value)):
        return ""
    if isinstance(value, bool):
        return "vrai" if value else "faux"
    if isinstance(value, int):
        return str(value)
    if isinstance(value, float):
        if value.is_integer() and abs(value) < 1e15:
            return str(int(value))
        return (
            format(value, ".10f").rstrip("0") if math.isfinite(value) else ""
        )
    if isinstance(value, datetime):
        return value.isoformat(sep=" ")
    if isinstance(value, date):
        return value.isoformat()
    if isinstance(value, time):
        return value.strftime("%H:%M:%S")
    if isinstance(value, timedelta):
        return str(round(value.total_seconds() / 60))
    return str(value).strip()


def read_table(path: Path, sheet_names: Sequence[str]) -> Table:
    """Read the sheet of ``path`` meant to hold the data.

    Parameters
    ----------
    path
        A ``.xlsx``, ``.xlsm``, ``.xls``, ``.ods`` or ``.csv`` file.
    sheet_names
        Accepted names of the data sheet, French first (matched loosely).
        A workbook without such a sheet but with a single data sheet is read
        from that sheet, with a note.

    Raises
    ------
    UnusableFileError
        Missing file, unknown format, unreadable content, no such sheet,
        empty sheet.
    """
    if not path.exists():
        raise UnusableFileError(path, "fichier introuvable")
    if not path.is_file():
        raise UnusableFileError(path, "ce n'est pas un fichier")
    suffix = path.suffix.lower()
    if suffix in WORKBOOK_SUFFIXES:
        table = _read_workbook(path, sheet_names)
    elif suffix in CSV_SUFFIXES:
        table = _read_csv(path)
    else:
        raise UnusableFileError(
            path, "format non pris en charge (xlsx, ods ou csv attendu)"
        )
    if not any(table.header):
        raise UnusableFileError(
            path,
            "feuille vide (ligne d'en-têtes attendue en ligne 1)",
            table.sheet,
        )
    return table


def _read_workbook(path: Path, sheet_names: Sequence[str]) -> Table:
    try:
        sheets = pd.read_excel(
            path,
            sheet_name=None,
            engine="calamine",
            dtype=object,
            header=None,
        )
    except Exception:
        # Any failure of the parser on arbitrary bytes means the same thing
        # to the user; the parser's own text may quote cell content.
        raise UnusableFileError(
            path, f"classeur illisible ({path.suffix.lower()} attendu)"
        ) from None
    wanted = {normalize_key(name) for name in sheet_names}
    chosen = [name for name in sheets if normalize_key(str(name)) in wanted]
    notes: tuple[str, ...] = ()
    if not chosen:
        data_sheets = [
            name
            for name in sheets
            if normalize_key(str(name)) not in _NOTE_SHEETS
        ]
        if len(data_sheets) != 1:
            raise UnusableFileError(
                path,
                f"feuille « {sheet_names[0]} » introuvable (feuilles "
                f"présentes : {', '.join(map(str, sheets)) or 'aucune'})",
            )
        chosen = data_sheets
        notes = (
            f"feuille « {sheet_names[0]} » absente : lecture de la feuille "
            f"« {chosen[0]} »",
        )
    name = str(chosen[0])
    frame = sheets[chosen[0]]
    cells = [[cell_text(v) for v in row] for row in frame.itertuples(False)]
    if not cells:
        return Table(path, name, [], [], notes)
    rows = [
        (number, row)
        for number, row in enumerate(cells[1:], start=2)
        if any(row)
    ]
    return Table(path, name, cells[0], rows, notes)


def _decode(path: Path, data: bytes) -> str:
    """UTF-8 with or without BOM, else Windows-1252, as French tools write."""
    if data.startswith(b"\xef\xbb\xbf"):
        encoding = "utf-8-sig"
    else:
        try:
            return data.decode("utf-8")
        except UnicodeDecodeError:
            encoding = "cp1252"
    try:
        return data.decode(encoding)
    except UnicodeDecodeError:
        raise UnusableFileError(
            path, "encodage non reconnu (UTF-8 ou Windows-1252 attendu)"
        ) from None


def _separator(first_line: str) -> str:
    """``;`` or ``,``, whichever splits the header line into more cells."""
    counts = {
        sep: len(next(csv.reader([first_line], delimiter=sep), []))
        for sep in (";", ",")
    }
    return ";" if counts[";"] >= counts[","] else ","


def _read_csv(path: Path) -> Table:
    try:
        data = path.read_bytes()
    except OSError:
        raise UnusableFileError(path, "fichier illisible") from None
    if b"\x00" in data:
        raise UnusableFileError(path, "ce n'est pas un fichier CSV (texte)")
    text = _decode(path, data)
    lines = text.splitlines(keepends=True)
    first = 0
    separator = None
    # Excel writes a "sep=;" line to announce the separator.
    if lines and lines[0].strip().lower().startswith("sep="):
        separator = lines[0].strip()[4:5] or ";"
        first = 1
    body = "".join(lines[first:])
    try:
        first_line = lines[first] if first < len(lines) else ""
        separator = separator or _separator(first_line.rstrip("\r\n"))
        records = list(_numbered(body, separator, first))
    except csv.Error:
        raise UnusableFileError(path, "CSV mal formé") from None
    if not records:
        return Table(path, None, [], [])
    header = records[0][1]
    rows = [(n, cells) for n, cells in records[1:] if any(cells)]
    return Table(path, None, header, rows)


def _numbered(
    body: str, separator: str, offset: int
) -> Iterator[tuple[int, list[str]]]:
    reader = csv.reader(io.StringIO(body, newline=""), delimiter=separator)
    start = 1
    for record in reader:
        yield start + offset, [cell.strip() for cell in record]
        start = reader.line_num + 1
