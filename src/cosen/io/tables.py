"""Spreadsheets as rows of text: xlsx, ods and the CSV that French office
software writes.

Every cell becomes text here, before any parsing: integers lose no leading
zeros they still have, dates become ISO text, and the domain's parsers decide
what the text means. Row numbers are the ones the user sees in the sheet.

A file is hostile until read: its size is checked against
:data:`~cosen.limits.SHEET_LIMITS` before anything is laid out, workbooks
are parsed in a child process bounded in memory (:mod:`cosen.io.workbook`),
and rows come one at a time, so memory follows the rows the file holds, not
what it claims. A cell that cannot be read (too long, not in the file's
encoding) rejects its row, not the file.
"""

from __future__ import annotations

import csv
import io
import json
import subprocess
import sys
import zipfile
from collections.abc import Iterator, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import IO, Final, NamedTuple

from cosen.errors import UnusableFileError
from cosen.io.workbook import cell_text
from cosen.limits import SHEET_LIMITS
from cosen.parsing import french_number, normalize_key, printable

__all__ = ["SheetRow", "Table", "cell_text", "read_table", "visible_sheets"]

WORKBOOK_SUFFIXES: Final = frozenset({".xlsx", ".xlsm", ".xls", ".ods"})
CSV_SUFFIXES: Final = frozenset({".csv", ".txt"})
# Sheets that templates add for people and that never hold data.
_NOTE_SHEETS: Final = frozenset({"instructions", "listes", "aide"})
_CHUNK: Final = 1 << 20
# XML text this long without a tag is no spreadsheet's: the parser would
# hold all of it at once (a few kilobytes zipped can hold gigabytes of
# blanks).
_MAX_TEXT_RUN: Final = 8 << 20
# The child's memory beyond what it starts with: a floor, plus so many
# times the bytes the file holds (a sheet's grid and strings take about
# twice its XML).
_CHILD_FLOOR: Final = 96 << 20
_CHILD_PER_BYTE: Final = 8

_TOO_LONG: Final = (
    f"texte de plus de {french_number(SHEET_LIMITS['cell_chars'], 0)} "
    "caractères"
)
# csv refuses fields over 128 KiB and stops the whole file; a long cell
# must reject its row only, so the bound is the file's own.
csv.field_size_limit(max(csv.field_size_limit(), SHEET_LIMITS["bytes"]))


class SheetRow(NamedTuple):
    """A non-blank row: its number in the sheet (or first line in the CSV
    file), its cells as text, and the cells that could not be read
    (position -> French reason; such a cell's text is empty)."""

    number: int
    cells: list[str]
    unreadable: dict[int, str]


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
        Each following non-blank row, read as it is consumed (once).
    notes
        French remarks about how the file was read.
    """

    path: Path
    sheet: str | None
    header: list[str]
    rows: Iterator[SheetRow] = field(default_factory=lambda: iter(()))
    notes: tuple[str, ...] = ()


def read_table(path: Path, sheet_names: Sequence[str]) -> Table:
    """Read the sheet of ``path`` meant to hold the data.

    Parameters
    ----------
    path
        A ``.xlsx``, ``.xlsm``, ``.xls``, ``.ods`` or ``.csv`` file.
    sheet_names
        Accepted names of the data sheet, French first (matched loosely).
        Hidden sheets are never data. A workbook without such a sheet but
        with a single visible data sheet is read from that sheet, with a
        note.

    Raises
    ------
    UnusableFileError
        Missing file, unknown format, unreadable content, past the limits,
        no such sheet or two of them, empty sheet.
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


def _limit(name: str) -> str:
    return french_number(SHEET_LIMITS[name], 0)


def _too_large(path: Path) -> UnusableFileError:
    return UnusableFileError(
        path,
        f"fichier trop volumineux (au plus {_limit('bytes')} octets de "
        "contenu)",
    )


# --------------------------------------------------------------------------
# Workbooks


def _read_workbook(path: Path, sheet_names: Sequence[str]) -> Table:
    content = _check_archive(path)
    child = _WorkbookChild(path, content)
    try:
        name, notes = _choose_sheet(path, child.sheets(), sheet_names)
        rows = child.open_sheet(name)
        first = next(rows, None)
    except BaseException:
        child.close()
        raise
    if first is None or first.number != 1:
        # No header in row 1: an empty sheet, whatever follows.
        child.close()
        return Table(path, name, [], notes=notes)
    return Table(path, name, first.cells, rows, notes)


def visible_sheets(path: Path) -> list[str]:
    """The names of a workbook's visible worksheets, listed by the same
    bounded child that reads them (an empty list for a CSV file).

    Raises
    ------
    UnusableFileError
        When the file cannot be used as a workbook.
    """
    if path.suffix.lower() not in WORKBOOK_SUFFIXES:
        return []
    child = _WorkbookChild(path, _check_archive(path))
    try:
        return [name for name, shown in child.sheets() if shown]
    finally:
        child.close()


def _check_archive(path: Path) -> int:
    """Bytes a workbook holds, read without keeping them; refuse one past
    the bytes limit or holding a text run no spreadsheet writes.

    A ``.xls`` file (not an archive) counts its own size.
    """
    if not zipfile.is_zipfile(path):
        size = path.stat().st_size
        if size > SHEET_LIMITS["bytes"]:
            raise _too_large(path)
        return size
    total = 0
    try:
        with zipfile.ZipFile(path) as archive:
            for info in archive.infolist():
                with archive.open(info) as member:
                    total = _scan_member(path, member, total)
    except UnusableFileError:
        raise
    except Exception:
        raise UnusableFileError(
            path, f"classeur illisible ({path.suffix.lower()} attendu)"
        ) from None
    return total


def _scan_member(path: Path, member: IO[bytes], total: int) -> int:
    run = 0
    while chunk := member.read(_CHUNK):
        total += len(chunk)
        if total > SHEET_LIMITS["bytes"]:
            raise _too_large(path)
        first = chunk.find(b"<")
        run += len(chunk) if first < 0 else first
        if run > _MAX_TEXT_RUN:
            raise UnusableFileError(
                path,
                "contenu anormal (plus de "
                f"{french_number(_MAX_TEXT_RUN, 0)} octets de texte d'un "
                "seul tenant)",
            )
        if first >= 0:
            run = len(chunk) - chunk.rfind(b"<") - 1
    return total


def _choose_sheet(
    path: Path, sheets: list[tuple[str, bool]], sheet_names: Sequence[str]
) -> tuple[str, tuple[str, ...]]:
    """The data sheet among ``(name, visible)`` sheets, and its note."""
    wanted = {normalize_key(name) for name in sheet_names}
    visible = [name for name, shown in sheets if shown]
    chosen = [name for name in visible if normalize_key(name) in wanted]
    if len(chosen) > 1:
        raise UnusableFileError(
            path,
            f"plusieurs feuilles « {sheet_names[0]} » ("
            + ", ".join(f"« {_flat(name)} »" for name in chosen)
            + ") : une seule attendue",
        )
    if chosen:
        return chosen[0], ()
    data_sheets = [n for n in visible if normalize_key(n) not in _NOTE_SHEETS]
    if len(data_sheets) != 1:
        present = [
            _flat(name) + ("" if shown else " (masquée)")
            for name, shown in sheets
        ]
        raise UnusableFileError(
            path,
            f"feuille « {sheet_names[0]} » introuvable (feuilles "
            f"présentes : {', '.join(present) or 'aucune'})",
        )
    note = (
        f"feuille « {sheet_names[0]} » absente : lecture de la feuille "
        f"« {_flat(data_sheets[0])} »"
    )
    return data_sheets[0], (note,)


def _flat(text: str) -> str:
    """A name from the file, on one short printable line."""
    text = " ".join(printable(text).split())
    return text if len(text) <= 60 else text[:59] + "…"


class _WorkbookChild:
    """The child process that parses one workbook (:mod:`.workbook`)."""

    def __init__(self, path: Path, content: int) -> None:
        self.path = path
        headroom = _CHILD_FLOOR + _CHILD_PER_BYTE * content
        self.process = subprocess.Popen(
            [
                sys.executable, "-m", "cosen.io.workbook", str(path),
                str(headroom), str(SHEET_LIMITS["rows"]),
                str(SHEET_LIMITS["columns"]),
            ],
            stdin=subprocess.PIPE,
            stdout=subprocess.PIPE,
            stderr=subprocess.DEVNULL,
            text=True,
            encoding="utf-8",
        )  # fmt: skip

    def _receive(self) -> dict[str, object]:
        assert self.process.stdout is not None
        line = self.process.stdout.readline()
        message = json.loads(line) if line else {"error": "ended"}
        if not isinstance(message, dict):
            message = {"error": "unreadable"}
        error = message.get("error")
        if error is not None:
            self.close()
            raise UnusableFileError(
                self.path,
                f"classeur illisible ({self.path.suffix.lower()} attendu)"
                if error == "unreadable"
                else "classeur illisible ou démesuré (cellules ou lignes "
                "annoncées bien au-delà de ce qu'il contient)",
            )
        return message

    def sheets(self) -> list[tuple[str, bool]]:
        """Each worksheet's name and whether it is visible."""
        found = self._receive()["sheets"]
        assert isinstance(found, list)
        return [
            (str(name), visible is True)
            for name, visible, worksheet in found
            if worksheet is True
        ]

    def open_sheet(self, name: str) -> Iterator[SheetRow]:
        """Ask for sheet ``name``; its rows, once its size is checked."""
        assert self.process.stdin is not None
        self.process.stdin.write(json.dumps(name) + "\n")
        self.process.stdin.flush()
        size = self._receive()["size"]
        assert isinstance(size, list)
        rows, columns = int(size[0]), int(size[1])
        past = []
        if rows - 1 > SHEET_LIMITS["rows"]:
            past.append(f"{_limit('rows')} lignes de données")
        if columns > SHEET_LIMITS["columns"]:
            past.append(f"{_limit('columns')} colonnes")
        if not past and rows * columns > SHEET_LIMITS["cells"]:
            past.append(f"{_limit('cells')} cellules (lignes fois colonnes)")
        if past:
            self.close()
            raise UnusableFileError(
                self.path,
                f"feuille trop étendue ({french_number(rows, 0)} lignes, "
                f"{french_number(columns, 0)} colonnes ; au plus "
                + " et ".join(past)
                + ") : supprimer les cellules isolées loin des données",
                _flat(name),
            )
        return self._rows()

    def _rows(self) -> Iterator[SheetRow]:
        try:
            while True:
                message = self._receive()
                if message.get("end"):
                    return
                batch = message["rows"]
                assert isinstance(batch, list)
                for number, cells in batch:
                    yield _bounded(number, cells)
        finally:
            self.close()

    def close(self) -> None:
        """End the child, whatever it was doing."""
        if self.process.poll() is None:
            self.process.kill()
        self.process.wait()
        for stream in (self.process.stdin, self.process.stdout):
            if stream is not None:
                stream.close()

    def __del__(self) -> None:
        self.close()


def _bounded(number: int, cells: list[str]) -> SheetRow:
    """A row whose over-long cells are emptied and marked unreadable."""
    limit = SHEET_LIMITS["cell_chars"]
    unreadable: dict[int, str] = {}
    for position, text in enumerate(cells):
        if len(text) > limit:
            cells[position] = ""
            unreadable[position] = _TOO_LONG
    return SheetRow(number, cells, unreadable)


# --------------------------------------------------------------------------
# CSV


class _Decoded(NamedTuple):
    text: str
    encoding: str
    # Physical line numbers (from 1) not in the file's encoding.
    foreign: frozenset[int]


def _decode(data: bytes) -> _Decoded:
    """UTF-8 with or without BOM, else Windows-1252, as French tools write.

    A file is in one encoding. When its lines disagree (rows pasted from
    another file), the encoding is the one most non-ASCII lines are in
    (UTF-8 with a BOM, or on a tie), and the other lines are *foreign*:
    decoded as best can be, and reported, never read as if they were in
    the file's encoding.
    """
    if data.startswith(b"\xef\xbb\xbf"):
        data = data[3:]
        bom = True
    else:
        bom = False
    try:
        return _Decoded(data.decode("utf-8"), "UTF-8", frozenset())
    except UnicodeDecodeError:
        pass
    lines = data.splitlines(keepends=True)
    in_utf8 = [_utf8(line) for line in lines]
    utf8_lines = sum(1 for kind in in_utf8 if kind is True)
    other_lines = sum(1 for kind in in_utf8 if kind is False)
    encoding = (
        "UTF-8" if bom or (utf8_lines and utf8_lines >= other_lines) else
        "Windows-1252"
    )  # fmt: skip
    codec = "utf-8" if encoding == "UTF-8" else "cp1252"
    parts: list[str] = []
    foreign: set[int] = set()
    for number, (line, kind) in enumerate(zip(lines, in_utf8, strict=True)):
        if kind is None:
            parts.append(line.decode("ascii"))
            continue
        try:
            if (codec == "utf-8") != kind:
                raise UnicodeDecodeError(codec, line, 0, 1, "foreign")
            parts.append(line.decode(codec))
        except UnicodeDecodeError:
            parts.append(line.decode(codec, errors="replace"))
            foreign.add(number + 1)
    return _Decoded("".join(parts), encoding, frozenset(foreign))


def _utf8(line: bytes) -> bool | None:
    """``None`` for an ASCII line, else whether it is valid UTF-8."""
    if line.isascii():
        return None
    try:
        line.decode("utf-8")
    except UnicodeDecodeError:
        return False
    return True


def _separator(first_line: str) -> str:
    """``;`` or ``,``, whichever splits the header line into more cells."""
    counts = {
        sep: len(next(csv.reader([first_line], delimiter=sep), []))
        for sep in (";", ",")
    }
    return ";" if counts[";"] >= counts[","] else ","


def _read_csv(path: Path) -> Table:
    try:
        if path.stat().st_size > SHEET_LIMITS["bytes"]:
            raise _too_large(path)
        data = path.read_bytes()
    except OSError:
        raise UnusableFileError(path, "fichier illisible") from None
    if b"\x00" in data:
        raise UnusableFileError(path, "ce n'est pas un fichier CSV (texte)")
    decoded = _decode(data)
    del data
    text = decoded.text
    first = 0
    separator = None
    # Excel writes a "sep=;" line to announce the separator.
    head = text[: text.find("\n") + 1 or len(text)]
    head_lines = head.splitlines(keepends=True)
    if head_lines and head_lines[0].strip().lower().startswith("sep="):
        separator = head_lines[0].strip()[4:5] or ";"
        first = 1
        text = text[len(head_lines[0]) :]
    records = _numbered(text, first, separator)
    try:
        header_record = next(records, None)
    except csv.Error:
        raise UnusableFileError(path, "CSV mal formé") from None
    if header_record is None:
        return Table(path, None, [])
    number, end, header = header_record
    if any(n in decoded.foreign for n in range(number, end + 1)):
        raise UnusableFileError(
            path,
            "ligne d'en-têtes illisible (encodage différent du reste du "
            f"fichier, {decoded.encoding})",
        )
    return Table(path, None, header, _csv_rows(path, records, decoded))


def _numbered(
    body: str, offset: int, separator: str | None
) -> Iterator[tuple[int, int, list[str]]]:
    """Records with the file lines they start and end on."""
    stream = io.StringIO(body, newline="")
    if separator is None:
        separator = _separator(stream.readline().rstrip("\r\n"))
        stream.seek(0)
    reader = csv.reader(stream, delimiter=separator)
    start = 1
    for record in reader:
        yield (
            start + offset,
            reader.line_num + offset,
            [cell.strip() for cell in record],
        )
        start = reader.line_num + 1


def _csv_rows(
    path: Path,
    records: Iterator[tuple[int, int, list[str]]],
    decoded: _Decoded,
) -> Iterator[SheetRow]:
    foreign_reason = (
        "caractères illisibles (encodage différent du reste du fichier, "
        f"{decoded.encoding})"
    )
    while True:
        try:
            record = next(records, None)
        except csv.Error:
            raise UnusableFileError(path, "CSV mal formé") from None
        if record is None:
            return
        number, end, cells = record
        if not any(cells):
            continue
        row = _bounded(number, cells)
        if decoded.foreign and any(
            n in decoded.foreign for n in range(number, end + 1)
        ):
            for position, text in enumerate(cells):
                if not text.isascii():
                    cells[position] = ""
                    row.unreadable[position] = foreign_reason
        yield row
