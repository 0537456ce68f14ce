"""Writing files that hold health data: atomically, privately, inertly.

Every output goes to a temporary file in the target folder, created with
mode 0600, then is renamed over the target, so a reader never sees half a
file and nobody else on the workstation can read it. Text from users never
becomes a formula: string cells are stored as strings in xlsx, and CSV
cells that a spreadsheet would evaluate are prefixed with an apostrophe.
"""

from __future__ import annotations

import csv
import io
import math
import os
import tempfile
from collections.abc import Callable, Iterable, Sequence
from datetime import date, datetime, time
from pathlib import Path
from typing import IO, Any, Final

from openpyxl import Workbook
from openpyxl.cell.cell import ILLEGAL_CHARACTERS_RE
from openpyxl.styles import Alignment, Font, PatternFill
from openpyxl.utils import get_column_letter
from openpyxl.worksheet.header_footer import HeaderFooterItem
from openpyxl.worksheet.header_footer import _HeaderFooterPart as _HeaderPart
from openpyxl.worksheet.properties import PageSetupProperties
from openpyxl.worksheet.worksheet import Worksheet

from cosen.errors import CosenError

__all__ = [
    "DATETIME_FORMAT",
    "DATE_FORMAT",
    "TIME_FORMAT",
    "add_table",
    "neutralize",
    "printable",
    "private_folder",
    "save_workbook",
    "write_atomic",
    "write_csv",
]

DATE_FORMAT: Final = "DD/MM/YYYY"
DATETIME_FORMAT: Final = "DD/MM/YYYY HH:MM"
TIME_FORMAT: Final = "HH:MM"
HEADER_FILL: Final = PatternFill("solid", fgColor="DDE7F0")
_FORMULA_TRIGGERS: Final = ("=", "+", "-", "@", "\t", "\r")


def private_folder(folder: Path) -> None:
    """Create ``folder`` and missing parents, each readable by the user
    only: they hold health data, like the files in them."""
    missing = []
    while not folder.exists():
        missing.append(folder)
        folder = folder.parent
    for created in reversed(missing):
        created.mkdir(mode=0o700)


def write_atomic(path: Path, write: Callable[[IO[bytes]], None]) -> None:
    """Write ``path`` through ``write`` as a new 0600 file, atomically.

    Raises
    ------
    CosenError
        When the folder cannot be written to.
    """
    folder = path.parent
    if path.is_dir():
        raise CosenError(
            f"« {path} » est un dossier : indiquer un nom de fichier."
        )
    try:
        private_folder(folder)
        # mkstemp creates the file 0600 whatever the umask.
        handle, temporary = tempfile.mkstemp(
            prefix=f".{path.name}.", suffix=".tmp", dir=folder
        )
    except OSError as exc:
        raise CosenError(
            f"Impossible d'écrire dans le dossier « {folder} » "
            f"({exc.strerror or 'accès refusé'})."
        ) from None
    try:
        with os.fdopen(handle, "wb") as stream:
            write(stream)
            stream.flush()
            os.fsync(stream.fileno())
        os.replace(temporary, path)
    except OSError as exc:
        Path(temporary).unlink(missing_ok=True)
        raise CosenError(
            f"Impossible d'écrire « {path} » ({exc.strerror or 'erreur'})."
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


def add_table(
    sheet: Worksheet,
    header: Sequence[str],
    rows: Iterable[Sequence[Any]],
    widths: Sequence[float] | None = None,
    first_row: int = 1,
) -> int:
    """Write a header and rows; return the number of data rows.

    Strings are forced to string cells (never formulas), dates and times get
    French formats, the header is bold, shaded, frozen and filterable.
    """
    for column, title in enumerate(header, start=1):
        cell = sheet.cell(first_row, column, title)
        cell.font = Font(bold=True)
        cell.fill = HEADER_FILL
        cell.alignment = Alignment(wrap_text=True, vertical="top")
    count = 0
    for count, values in enumerate(rows, start=1):
        for column, value in enumerate(values, start=1):
            cell = sheet.cell(first_row + count, column, _cell_value(value))
            if isinstance(value, str):
                cell.data_type = "s"
                if "\n" in value:
                    cell.alignment = Alignment(wrap_text=True, vertical="top")
            elif isinstance(value, datetime):
                cell.number_format = DATETIME_FORMAT
            elif isinstance(value, date):
                cell.number_format = DATE_FORMAT
            elif isinstance(value, time):
                cell.number_format = TIME_FORMAT
    sheet.freeze_panes = f"A{first_row + 1}"
    last = get_column_letter(max(len(header), 1))
    sheet.auto_filter.ref = f"A{first_row}:{last}{first_row + max(count, 1)}"
    lines = 1
    for column, title in enumerate(header, start=1):
        width = widths[column - 1] if widths else max(10, len(title) + 2)
        sheet.column_dimensions[get_column_letter(column)].width = width
        # Wrapped titles need the header row tall enough to show them.
        lines = max(lines, math.ceil(len(title) * 1.15 / max(width - 1, 1)))
    sheet.row_dimensions[first_row].height = 15 * lines
    return count


def printable(
    sheet: Worksheet, title: str, header_row: int = 1, landscape: bool = True
) -> None:
    """Set up a sheet to print: title, repeated header, fit to width."""
    sheet.print_title_rows = f"{header_row}:{header_row}"
    sheet.page_setup.orientation = "landscape" if landscape else "portrait"
    sheet.page_setup.paperSize = sheet.PAPERSIZE_A4
    sheet.page_setup.fitToWidth = 1
    sheet.page_setup.fitToHeight = 0
    sheet.sheet_properties.pageSetUpPr = PageSetupProperties(fitToPage=True)
    sheet.print_options.gridLines = True
    # "&" starts a formatting code in a print header: double it.
    header = _HeaderPart(title.replace("&", "&&"))
    sheet.oddHeader = HeaderFooterItem(center=header)
    sheet.oddFooter = HeaderFooterItem(center=_HeaderPart("Page &P / &N"))
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
