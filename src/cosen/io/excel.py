"""Writing files that hold health data: atomically, privately, inertly.

Every output goes to a temporary file beside the target, created with
mode 0600, then is renamed over the target, so a reader never sees half a
file and nobody else on the workstation can read it. Only a regular file
is ever replaced (never a device, a pipe, a socket or a link). Text from
users never becomes a formula: string cells are stored as strings in xlsx,
and CSV cells that a spreadsheet would evaluate are prefixed with an
apostrophe.

openpyxl does not fit rows to their text: :func:`add_table` computes each
row's height from its wrapped cells (:func:`wrapped_lines`), so that a
printed row never overprints the next one.
"""

from __future__ import annotations

import csv
import io
import os
import re
import stat
import tempfile
import unicodedata
from collections.abc import Callable, Iterable, Sequence
from contextlib import suppress
from datetime import date, datetime, time
from functools import cache
from pathlib import Path
from typing import IO, Any, Final

from openpyxl import Workbook
from openpyxl.cell.cell import ILLEGAL_CHARACTERS_RE, Cell
from openpyxl.styles import Alignment, Font, PatternFill
from openpyxl.utils import get_column_letter
from openpyxl.worksheet.header_footer import HeaderFooterItem
from openpyxl.worksheet.header_footer import _HeaderFooterPart as _HeaderPart
from openpyxl.worksheet.properties import PageSetupProperties
from openpyxl.worksheet.worksheet import Worksheet

from cosen.errors import CosenError, system_reason

__all__ = [
    "DATETIME_FORMAT",
    "DATE_FORMAT",
    "LINE_HEIGHT",
    "TIME_FORMAT",
    "add_table",
    "check_replaceable",
    "neutralize",
    "printable",
    "private_folder",
    "put_cell",
    "remove_stale_temporaries",
    "row_height",
    "save_workbook",
    "wrapped_lines",
    "write_atomic",
    "write_csv",
]

DATE_FORMAT: Final = "DD/MM/YYYY"
DATETIME_FORMAT: Final = "DD/MM/YYYY HH:MM"
TIME_FORMAT: Final = "HH:MM"
HEADER_FILL: Final = PatternFill("solid", fgColor="DDE7F0")
# Points per line of 11-point text, as Excel spaces wrapped Calibri.
LINE_HEIGHT: Final = 15.0
# Excel's tallest row.
_MAX_ROW_HEIGHT: Final = 409.0
_FORMULA_TRIGGERS: Final = ("=", "+", "-", "@", "\t", "\r")
# mkstemp's names: a dot, the target's name, eight characters, ".tmp".
_TEMPORARY: Final = re.compile(r"\.(?P<target>.+)\.[a-z0-9_]{8}\.tmp")
_TOP_WRAPPED: Final = Alignment(wrap_text=True, vertical="top")
_TOP: Final = Alignment(vertical="top")

# Width of characters in units of a digit, the unit of column widths: the
# larger of Calibri's (what Excel shows) and DejaVu Sans' (what LibreOffice
# falls back to), so that an estimate errs on the side of one line more.
_NARROW: Final = frozenset(" .,;:!'|\u2019ilj")
_SLIM: Final = frozenset("ftrIJ()[]-/")
_WIDE: Final = frozenset("mwMW@%&+—…ŒœÆæ")
_WIDEST: Final = 1.75


@cache
def _char_units(char: str) -> float:
    base = unicodedata.normalize("NFKD", char)[:1] or char
    if base in _NARROW:
        return 0.5
    if base in _SLIM:
        return 0.7
    if char in _WIDE or base in _WIDE:
        return _WIDEST
    if base.isupper():
        return 1.2
    if base.isdigit():
        return 1.0
    return 0.95


def _text_units(text: str) -> float:
    return sum(_char_units(c) for c in text)


def wrapped_lines(
    text: str, width: float, bold: bool = False, size: float = 11
) -> int:
    """Lines a wrapped cell ``width`` wide (Excel units) needs for ``text``.

    Words go on a line while they fit, as spreadsheets wrap (breaking a word
    longer than the line); explicit line breaks are kept.
    """
    scale = size / 11 * (1.1 if bold else 1.0)
    room = max(width - 1.0, 1.0)
    if "\n" not in text and len(text) * _WIDEST * scale <= room:
        return 1
    lines = 0
    for paragraph in text.split("\n"):
        lines += 1
        used = 0.0
        for word in paragraph.split():
            units = _text_units(word) * scale
            if used and used + 0.5 * scale + units <= room:
                used += 0.5 * scale + units
                continue
            if used:
                lines += 1
            # A word longer than the line is broken where it overflows.
            while units > room:
                lines += 1
                units -= room
            used = units
    return lines


def row_height(lines: int, size: float = 11) -> float:
    """Row height (points) for ``lines`` lines of ``size``-point text."""
    return min(_MAX_ROW_HEIGHT, LINE_HEIGHT * max(lines, 1) * size / 11)


def private_folder(folder: Path) -> None:
    """Create ``folder`` and missing parents, each readable by the user
    only: they hold health data, like the files in them."""
    missing = []
    while not folder.exists():
        missing.append(folder)
        folder = folder.parent
    for created in reversed(missing):
        created.mkdir(mode=0o700)


def check_replaceable(path: Path) -> None:
    """Refuse a target that is not a regular file (or absent).

    A device, a pipe, a socket or a link is never replaced: as root,
    ``--out /dev/null`` would otherwise put patients' data in place of the
    system's null device.

    Raises
    ------
    CosenError
        When ``path`` exists and is not a regular file.
    """
    try:
        mode = path.lstat().st_mode
    except FileNotFoundError:
        return
    except OSError as error:
        raise CosenError(
            f"Impossible d'écrire « {path} » ({system_reason(error)})."
        ) from None
    if stat.S_ISREG(mode):
        return
    if stat.S_ISDIR(mode):
        raise CosenError(
            f"« {path} » est un dossier : indiquer un nom de fichier."
        )
    kind = "un lien" if stat.S_ISLNK(mode) else "un périphérique ou un tube"
    raise CosenError(
        f"« {path} » est {kind}, pas un fichier ordinaire : cosen ne le "
        "remplace pas (indiquer un autre nom de fichier)."
    )


def remove_stale_temporaries(folder: Path, target: str | None = None) -> None:
    """Remove the temporary files a killed write left in ``folder`` (those
    of ``target`` only, if given). Links and folders are left alone."""
    try:
        entries = list(os.scandir(folder))
    except OSError:
        return
    for entry in entries:
        found = _TEMPORARY.fullmatch(entry.name)
        if found is None or (target and found["target"] != target):
            continue
        if entry.is_file(follow_symlinks=False):
            # Best effort: a leftover that cannot go does no harm.
            with suppress(OSError):
                Path(entry.path).unlink(missing_ok=True)


def write_atomic(path: Path, write: Callable[[IO[bytes]], None]) -> None:
    """Write ``path`` through ``write`` as a new 0600 file, atomically.

    A temporary file that an earlier, killed write of ``path`` left is
    removed first.

    Raises
    ------
    CosenError
        When ``path`` is not a regular file, or cannot be written.
    """
    folder = path.parent
    check_replaceable(path)
    try:
        private_folder(folder)
        remove_stale_temporaries(folder, path.name)
        # mkstemp creates the file 0600 whatever the umask.
        handle, temporary = tempfile.mkstemp(
            prefix=f".{path.name}.", suffix=".tmp", dir=folder
        )
    except OSError as error:
        raise CosenError(
            f"Impossible d'écrire dans le dossier « {folder} » "
            f"({system_reason(error)})."
        ) from None
    try:
        with os.fdopen(handle, "wb") as stream:
            write(stream)
            stream.flush()
            os.fsync(stream.fileno())
        # Checked again: the target may have been replaced meanwhile.
        check_replaceable(path)
        os.replace(temporary, path)
    except OSError as error:
        Path(temporary).unlink(missing_ok=True)
        raise CosenError(
            f"Impossible d'écrire « {path} » ({system_reason(error)})."
        ) from None
    except BaseException:
        Path(temporary).unlink(missing_ok=True)
        raise


def save_workbook(workbook: Workbook, path: Path) -> None:
    """Save an openpyxl workbook atomically with mode 0600."""
    write_atomic(path, workbook.save)


def _cell_value(value: Any) -> Any:
    if isinstance(value, datetime) and value.tzinfo is not None:
        # Excel has no time zones: write the Paris wall-clock time.
        return value.replace(tzinfo=None)
    if isinstance(value, str):
        return ILLEGAL_CHARACTERS_RE.sub("", value)
    return value


def put_cell(
    sheet: Worksheet, row: int, column: int, value: Any, tall: bool = True
) -> Cell:
    """Write one value: a string as a string cell (never a formula); a date
    or time with its French format. In a ``tall`` row (of several lines),
    strings wrap and every cell is aligned to the top; a row of one line
    needs neither (styles cost time on large sheets)."""
    cell: Cell = sheet.cell(row, column, _cell_value(value))
    if isinstance(value, str):
        cell.data_type = "s"
        if tall:
            cell.alignment = _TOP_WRAPPED
        return cell
    if tall:
        cell.alignment = _TOP
    if isinstance(value, datetime):
        cell.number_format = DATETIME_FORMAT
    elif isinstance(value, date):
        cell.number_format = DATE_FORMAT
    elif isinstance(value, time):
        cell.number_format = TIME_FORMAT
    return cell


def add_table(
    sheet: Worksheet,
    header: Sequence[str],
    rows: Iterable[Sequence[Any]],
    widths: Sequence[float] | None = None,
    first_row: int = 1,
    filters: bool = True,
) -> int:
    """Write a header and rows; return the number of data rows.

    Cells are written by :func:`put_cell`, each row as tall as its longest
    wrapped text; the header is bold, shaded, frozen and (with
    ``filters``) filterable.
    """
    column_widths = [
        widths[i] if widths else max(10, len(title) + 2)
        for i, title in enumerate(header)
    ]
    for column, width in enumerate(column_widths, start=1):
        sheet.column_dimensions[get_column_letter(column)].width = width
    lines = 1
    for column, title in enumerate(header, start=1):
        cell = sheet.cell(first_row, column, title)
        cell.font = Font(bold=True)
        cell.fill = HEADER_FILL
        cell.alignment = _TOP_WRAPPED
        lines = max(
            lines, wrapped_lines(title, column_widths[column - 1], bold=True)
        )
    sheet.row_dimensions[first_row].height = row_height(lines)
    count = 0
    last_width = len(column_widths) - 1
    for count, values in enumerate(rows, start=1):
        row = first_row + count
        lines = max(
            (
                wrapped_lines(value, column_widths[min(i, last_width)])
                for i, value in enumerate(values)
                if isinstance(value, str)
            ),
            default=1,
        )
        for column, value in enumerate(values, start=1):
            put_cell(sheet, row, column, value, tall=lines > 1)
        if lines > 1:
            sheet.row_dimensions[row].height = row_height(lines)
    sheet.freeze_panes = f"A{first_row + 1}"
    if filters:
        last = get_column_letter(max(len(header), 1))
        sheet.auto_filter.ref = (
            f"A{first_row}:{last}{first_row + max(count, 1)}"
        )
    return count


def _header_text(text: str) -> _HeaderPart:
    # "&" starts a formatting code in a print header: double it. Text from
    # users (centre names) must not hold characters XML cannot carry.
    return _HeaderPart(ILLEGAL_CHARACTERS_RE.sub("", text.replace("&", "&&")))


def printable(
    sheet: Worksheet,
    title: str,
    header_row: int | None = 1,
    landscape: bool = True,
    one_page: bool = False,
    footer: str = "",
) -> None:
    """Set up a sheet to print on A4: title in the page header, header row
    repeated, fitted to the page width (and height, with ``one_page``),
    grid lines; ``footer`` on the left of each page's foot."""
    if header_row is not None:
        sheet.print_title_rows = f"{header_row}:{header_row}"
    sheet.page_setup.orientation = "landscape" if landscape else "portrait"
    sheet.page_setup.paperSize = sheet.PAPERSIZE_A4
    sheet.page_setup.fitToWidth = 1
    sheet.page_setup.fitToHeight = 1 if one_page else 0
    sheet.sheet_properties.pageSetUpPr = PageSetupProperties(fitToPage=True)
    sheet.print_options.gridLines = True
    sheet.oddHeader = HeaderFooterItem(center=_header_text(title))
    sheet.oddFooter = HeaderFooterItem(
        left=_header_text(footer) if footer else None,
        right=_HeaderPart("Page &P / &N"),
    )
    sheet.page_margins.left = sheet.page_margins.right = 0.4


def neutralize(text: str) -> str:
    """Make a CSV cell inert: a leading ``= + - @`` would start a formula."""
    return "'" + text if text.startswith(_FORMULA_TRIGGERS) else text


def write_csv(
    path: Path, header: Sequence[str], rows: Iterable[Sequence[Any]]
) -> None:
    """Write a French CSV (UTF-8 with BOM, ``;``) atomically, mode 0600."""
    buffer = io.StringIO(newline="")
    writer = csv.writer(buffer, delimiter=";", lineterminator="\r\n")
    writer.writerow(header)
    for values in rows:
        writer.writerow(
            neutralize(v) if isinstance(v, str) else v for v in values
        )
    data = buffer.getvalue().encode("utf-8-sig")

    def write(stream: IO[bytes]) -> None:
        stream.write(data)

    write_atomic(path, write)


def check_writable(folder: Path) -> None:
    """Make sure files can be written into ``folder`` (created, private,
    if missing), before anything is committed that they must announce.

    Raises
    ------
    CosenError
        When the folder cannot be created or written to.
    """
    try:
        private_folder(folder)
        with tempfile.NamedTemporaryFile(dir=folder, prefix=".cosen-"):
            pass
    except OSError as exc:
        raise CosenError(
            f"Impossible d'écrire dans le dossier « {folder} » "
            f"({exc.strerror or 'accès refusé'})."
        ) from None
