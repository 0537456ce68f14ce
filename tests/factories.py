"""Shared factories: valid rows as text, the way a spreadsheet gives them."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime
from pathlib import Path
from typing import Any

from click.testing import Result
from openpyxl import Workbook

from cosen.clock import PARIS
from cosen.io.templates import write_referral_sheet, write_slot_sheet

NOW = datetime(2026, 11, 27, 10, 0, tzinfo=PARIS)  # a Friday


def referral_row(**changes: Any) -> dict[str, str]:
    """A complete, eligible adult referral row; ``changes`` override it."""
    row = {
        "referral_id": "D1",
        "received_at": "26/11/2026 09:30",
        "birth_name": "Lœwenbrück",
        "first_name": "Zoé",
        "used_name": "",
        "birth_date": "03/04/1970",
        "address": "12 rue de l'Église",
        "postcode": "08000",
        "city": "Charleville-Mézières",
        "phone": "06 12 34 56 78",
        "email": "zoe@example.fr",
        "prescriber": "Dr Kuntz",
        "prescriber_contact": "dr.kuntz@medecin.mssante.fr",
        "prescription": "ORD-1",
        "exams": "RADIO",
        "desired_delay": "48h",
        "consent": "oui",
        "reduced_mobility": "",
        "medical_transport": "",
        "suspected_emergency": "non",
        "preferred_center": "",
        "unavailable": "",
        "ins_number": "",
        "sex": "",
        "birth_first_names": "",
        "birth_place": "",
    }
    row.update({k: str(v) for k, v in changes.items()})
    return row


def slot_row(**changes: Any) -> dict[str, str]:
    """A valid adult slot row; ``changes`` override it."""
    row = {
        "slot_id": "S1",
        "center": "MIM-1",
        "group": "MIM",
        "start": "27/11/2026 14:00",
        "duration_min": "15",
        "exams": "RADIO",
        "children": "non",
        "accessible": "non",
        "status": "",
    }
    row.update({k: str(v) for k, v in changes.items()})
    return row


def centre_row(**changes: Any) -> dict[str, str]:
    """A valid centre of the directory; ``changes`` override it."""
    row = {
        "center": "MIM-1",
        "name": "Centre d'imagerie du Parc",
        "group": "MIM",
        "address": "12 rue du Parc",
        "postcode": "67000",
        "city": "Strasbourg",
        "phone": "03 53 48 10 01",
        "email": "accueil@parc.example",
        "access": "Entrée par la cour, ascenseur.",
    }
    row.update({k: str(v) for k, v in changes.items()})
    return row


def referral_file(path: Path, rows: Sequence[dict[str, str]]) -> Path:
    """A referral workbook laid out like the template."""
    write_referral_sheet(path, rows)
    return path


def slot_file(
    path: Path,
    rows: Sequence[dict[str, str]],
    centres: Sequence[dict[str, str]] = (),
) -> Path:
    """A slot workbook laid out like the template (with its directory)."""
    write_slot_sheet(path, rows, centres)
    return path


def raw_workbook(
    path: Path,
    header: Sequence[str],
    rows: Sequence[Sequence[object] | None],
    sheet: str = "Demandes",
) -> Path:
    """A bare workbook, as a coordinator might make one by hand (``None``
    rows are blank lines)."""
    workbook = Workbook()
    worksheet = workbook.active
    assert worksheet is not None
    worksheet.title = sheet
    worksheet.append(list(header))
    for row in rows:
        worksheet.append(list(row) if row is not None else [])
    workbook.save(path)
    return path


def one_line_error(result: Result) -> str:
    """The one French error line of a command that stopped with exit 2,
    having checked that no traceback was printed."""
    assert result.exit_code == 2, result.output
    assert isinstance(result.exception, SystemExit)
    lines = result.stderr.splitlines()
    assert len(lines) == 1 and lines[0].startswith("Erreur : "), lines
    assert "Traceback" not in result.output
    return lines[0]
