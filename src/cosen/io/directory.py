"""Read the centre directory and the preparations, like any other sheet.

Both live in the slot workbook (sheets ``Centres`` and ``Preparations``,
which ``cosen template`` writes) or in a file of their own
(``--centres FICHIER``: a workbook with those sheets, or a CSV of centres).
A slot workbook without them is not an error: centres are then shown by
their code and the default preparations are used, with a warning.
"""

from __future__ import annotations

from collections.abc import Sequence
from pathlib import Path
from typing import Final

from cosen.domain import (
    CENTRE_COLUMNS,
    PREPARATION_COLUMNS,
    Centre,
    Directory,
    Intake,
    Preparation,
    Preparations,
    Slot,
    check_centre_rows,
    check_preparation_rows,
    directory_notices,
    preparation_notices,
)
from cosen.errors import UnusableFileError
from cosen.io.readers import read_records
from cosen.io.tables import visible_sheets
from cosen.parsing import normalize_key

__all__ = [
    "CENTRE_SHEET",
    "PREPARATION_SHEET",
    "read_centres",
    "read_directory",
    "read_preparations",
]

CENTRE_SHEET: Final = "Centres"
PREPARATION_SHEET: Final = "Preparations"
_CENTRE_SHEETS: Final = (CENTRE_SHEET, "Centers")
_PREPARATION_SHEETS: Final = (PREPARATION_SHEET, "Preparation")


def read_centres(path: Path, own_file: bool = False) -> Intake[Centre]:
    """The centres of ``path``'s ``Centres`` sheet.

    Parameters
    ----------
    path
        The slot workbook, or (``own_file``) a directory file: a workbook
        or a CSV file of centres.
    own_file
        Whether ``path`` is the directory's own file: then it must hold the
        centres (a workbook's single data sheet is read, as for any sheet).
        A slot workbook without the sheet gives an empty directory.

    Raises
    ------
    UnusableFileError
        When the file or its sheet cannot be used.
    """
    if not own_file and not _has_sheet(path, _CENTRE_SHEETS):
        return Intake()
    return read_records(
        path, _CENTRE_SHEETS, Centre, CENTRE_COLUMNS, check_centre_rows
    )


def read_preparations(path: Path) -> Intake[Preparation]:
    """The rows of ``path``'s ``Preparations`` sheet; none when the file
    has no such sheet (a CSV file never has)."""
    if not _has_sheet(path, _PREPARATION_SHEETS):
        return Intake()
    return read_records(
        path,
        _PREPARATION_SHEETS,
        Preparation,
        PREPARATION_COLUMNS,
        check_preparation_rows,
    )


def _has_sheet(path: Path, names: Sequence[str]) -> bool:
    """Whether a workbook has a visible sheet of one of these names.

    Only the workbook's list of sheets is read, by the same bounded child
    process as its sheets (a hostile file never reaches cosen itself). A
    file that cannot be listed has none: reading its other sheets reports
    what is wrong.
    """
    if not path.is_file():
        return False
    wanted = {normalize_key(name) for name in names}
    try:
        sheets = visible_sheets(path)
    except UnusableFileError:
        return False
    return any(normalize_key(sheet) in wanted for sheet in sheets)


def read_directory(
    source: Path, own_file: bool, slots: Intake[Slot]
) -> tuple[Intake[Centre], Intake[Preparation]]:
    """The centres and preparations of ``source`` (the ``--centres`` file,
    or the slot workbook), with warnings about the slots' centres and the
    preparations still to validate."""
    centres = read_centres(source, own_file=own_file)
    preparations = read_preparations(source)
    centres.notices.extend(
        directory_notices(Directory(centres.accepted), slots.accepted)
    )
    preparations.notices.extend(
        preparation_notices(Preparations(preparations.accepted))
    )
    return centres, preparations
