"""Read referral and slot spreadsheets into validated records.

A reader never stops at a bad row: it returns an :class:`~cosen.domain.Intake`
with every valid record, every rejected row with its reasons, and the
warnings. Only a file that cannot be used at all raises
:class:`~cosen.errors.UnusableFileError`.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Iterator, Mapping, Sequence
from pathlib import Path
from typing import Final, TypeVar

from pydantic import BaseModel

from cosen.domain import (
    REFERRAL_COLUMNS,
    SLOT_COLUMNS,
    Column,
    Intake,
    Notice,
    Referral,
    RowCells,
    Slot,
    check_referral_rows,
    check_slot_rows,
)
from cosen.errors import UnusableFileError
from cosen.io.tables import Table, read_table
from cosen.parsing import normalize_key, printable

__all__ = [
    "REFERRAL_SHEET",
    "SLOT_SHEET",
    "read_records",
    "read_referrals",
    "read_slots",
]

REFERRAL_SHEET: Final = "Demandes"
SLOT_SHEET: Final = "Creneaux"

Record = TypeVar("Record", bound=BaseModel)


def read_referrals(path: Path) -> Intake[Referral]:
    """Read and check the referrals of sheet ``Demandes`` (or a CSV file)."""
    return read_records(
        path,
        (REFERRAL_SHEET, "Referrals"),
        Referral,
        REFERRAL_COLUMNS,
        check_referral_rows,
    )


def read_slots(path: Path) -> Intake[Slot]:
    """Read and check the slots of sheet ``Creneaux`` (or a CSV file)."""
    return read_records(
        path, (SLOT_SHEET, "Slots"), Slot, SLOT_COLUMNS, check_slot_rows
    )


def read_records(
    path: Path,
    sheet_names: Sequence[str],
    model: type[Record],
    columns: Sequence[Column],
    check: Callable[[Iterable[tuple[int, Mapping[str, str]]]], Intake[Record]],
) -> Intake[Record]:
    """Read a sheet's rows into ``model`` records with ``check``.

    Headers are matched loosely against ``columns`` (French names and
    English aliases); unknown columns are listed once as a notice. Each
    row reaches ``check`` as :class:`~cosen.domain.RowCells`, with the
    cells that could not be read.
    """
    table = read_table(path, sheet_names)
    fields, unknown = _match_header(table, model, columns)
    intake = check(_records(table, fields))
    notes = [Notice(None, "", note) for note in table.notes]
    if unknown:
        notes.append(
            Notice(
                None,
                "",
                "colonnes inconnues ignorées : "
                + ", ".join(map(_flat, unknown)),
            )
        )
    intake.notices[:0] = notes
    return intake


def _match_header(
    table: Table, model: type[Record], columns: Sequence[Column]
) -> tuple[dict[int, str], list[str]]:
    """Map column positions to fields; list the headers nobody reads.

    Raises
    ------
    UnusableFileError
        When a required column is missing or two columns fill one field.
    """
    by_key = {normalize_key(c.french): c for c in columns} | {
        normalize_key(c.alias): c for c in columns
    }
    fields: dict[int, str] = {}
    unknown: list[str] = []
    seen: dict[str, str] = {}
    for position, title in enumerate(table.header):
        if not title:
            continue
        match = by_key.get(normalize_key(title))
        if match is None:
            unknown.append(title)
            continue
        if match.field in seen:
            raise UnusableFileError(
                table.path,
                f"colonnes « {_flat(seen[match.field])} » et "
                f"« {_flat(title)} » en double (une seule colonne "
                f"{match.french} attendue)",
                table.sheet,
            )
        seen[match.field] = title
        fields[position] = match.field
    missing = [
        c.french
        for c in columns
        if c.field not in seen and model.model_fields[c.field].is_required()
    ]
    if missing:
        raise UnusableFileError(
            table.path,
            "colonne(s) obligatoire(s) absente(s) : " + ", ".join(missing),
            table.sheet,
        )
    return fields, unknown


def _flat(text: str) -> str:
    """A header as one short printable line, for a one-line message."""
    text = " ".join(printable(text).split())
    return text if len(text) <= 60 else text[:59] + "…"


def _records(
    table: Table, fields: Mapping[int, str]
) -> Iterator[tuple[int, RowCells]]:
    positions = sorted(fields.items())
    for number, cells, unreadable in table.rows:
        width = len(cells)
        yield (
            number,
            RowCells(
                {f: cells[i] for i, f in positions if i < width},
                {
                    fields[i]: why
                    for i, why in unreadable.items()
                    if i in fields
                },
            ),
        )
