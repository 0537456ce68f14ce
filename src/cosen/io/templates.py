"""Blank spreadsheets for the telesecretariat and the centres.

Each template has the contract's French headers, dropdowns where the answer
is a choice, text-formatted phone and postcode columns (a spreadsheet would
otherwise drop their leading zeros), date formats on date columns, and an
``Instructions`` sheet in French.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from pathlib import Path
from typing import Final

from openpyxl import Workbook
from openpyxl.styles import Alignment, Font
from openpyxl.utils import get_column_letter
from openpyxl.worksheet.datavalidation import DataValidation
from openpyxl.worksheet.worksheet import Worksheet
from pydantic import BaseModel

from cosen.domain import (
    REFERRAL_COLUMNS,
    SLOT_COLUMNS,
    Column,
    Exam,
    Group,
    Reason,
    Referral,
    Slot,
)
from cosen.io.excel import (
    DATE_FORMAT,
    DATETIME_FORMAT,
    add_table,
    save_workbook,
)
from cosen.io.readers import REFERRAL_SHEET, SLOT_SHEET

__all__ = [
    "REFERRAL_TEMPLATE",
    "SLOT_TEMPLATE",
    "write_referral_sheet",
    "write_slot_sheet",
    "write_templates",
]

REFERRAL_TEMPLATE: Final = "demandes.xlsx"
SLOT_TEMPLATE: Final = "creneaux.xlsx"
# Rows prepared with formats and dropdowns; more can be added by copying.
_PREPARED_ROWS: Final = 500

_TEXT_FIELDS: Final = frozenset(
    {"phone", "postcode", "prescriber_contact", "referral_id", "slot_id"}
)
_DATE_FIELDS: Final = frozenset({"birth_date"})
_DATETIME_FIELDS: Final = frozenset({"received_at", "start"})
_YES_NO_FIELDS: Final = frozenset(
    {
        "consent",
        "reduced_mobility",
        "medical_transport",
        "suspected_emergency",
        "children",
        "accessible",
    }
)
_COMMON_VISITS: Final = ("MAMMO+ECHO_SEIN",)


def write_templates(folder: Path) -> list[Path]:
    """Write blank ``demandes.xlsx`` and ``creneaux.xlsx`` into ``folder``."""
    paths = [folder / REFERRAL_TEMPLATE, folder / SLOT_TEMPLATE]
    write_referral_sheet(paths[0], [])
    write_slot_sheet(paths[1], [])
    return paths


def write_referral_sheet(
    path: Path, rows: Sequence[Mapping[str, object]]
) -> None:
    """Write referrals (values by field name) in the template's layout."""
    save_workbook(
        _template(
            REFERRAL_SHEET,
            REFERRAL_COLUMNS,
            Referral,
            {"exams": [*Exam, *_COMMON_VISITS]},
            _REFERRAL_NOTES,
            rows,
        ),
        path,
    )


def write_slot_sheet(path: Path, rows: Sequence[Mapping[str, object]]) -> None:
    """Write slots (values by field name) in the template's layout."""
    save_workbook(
        _template(
            SLOT_SHEET,
            SLOT_COLUMNS,
            Slot,
            {"group": list(Group), "exams": list(Exam)},
            _SLOT_NOTES,
            rows,
        ),
        path,
    )


def _template(
    sheet_name: str,
    columns: Sequence[Column],
    model: type[BaseModel],
    choices: dict[str, list[str]],
    notes: Sequence[str],
    rows: Sequence[Mapping[str, object]],
) -> Workbook:
    workbook = Workbook()
    sheet = workbook.active
    assert sheet is not None
    sheet.title = sheet_name
    add_table(
        sheet,
        [c.french for c in columns],
        ([_cell(row.get(c.field)) for c in columns] for row in rows),
        widths=[max(14, len(c.french) + 4) for c in columns],
    )
    prepared = max(_PREPARED_ROWS, len(rows)) + 1
    for position, column in enumerate(columns, start=1):
        letter = get_column_letter(position)
        cells = f"{letter}2:{letter}{prepared}"
        _format_column(sheet, position, column.field, prepared)
        if column.field in _YES_NO_FIELDS:
            _dropdown(sheet, cells, ["oui", "non"], column, strict=True)
        elif column.field in choices:
            values = [str(v) for v in choices[column.field]]
            # Several exams may be typed by hand: warn, do not forbid.
            _dropdown(sheet, cells, values, column, strict=False)
    required = {
        name for name, info in model.model_fields.items() if info.is_required()
    }
    _instructions(workbook, columns, required, notes)
    return workbook


def _cell(value: object) -> object:
    """Spreadsheet value of a field: yes/no answers as words."""
    if isinstance(value, bool):
        return "oui" if value else "non"
    return value


def _format_column(
    sheet: Worksheet, position: int, field: str, last_row: int
) -> None:
    if field in _TEXT_FIELDS:
        number_format = "@"
    elif field in _DATE_FIELDS:
        number_format = DATE_FORMAT
    elif field in _DATETIME_FIELDS:
        number_format = DATETIME_FORMAT
    else:
        return
    for row in range(2, last_row + 1):
        sheet.cell(row, position).number_format = number_format


def _dropdown(
    sheet: Worksheet,
    cells: str,
    values: list[str],
    column: Column,
    strict: bool,
) -> None:
    validation = DataValidation(
        type="list",
        formula1='"' + ",".join(values) + '"',
        allow_blank=True,
        showDropDown=False,  # False shows the arrow (OOXML's inverted flag)
        showInputMessage=True,
        showErrorMessage=True,
        errorStyle="stop" if strict else "warning",
        promptTitle=column.french[:32],
        prompt=column.help[:255],
        errorTitle="Valeur inattendue",
        error=(
            "Choisir une valeur dans la liste."
            if strict
            else "Valeur hors liste : vérifier avant de continuer."
        ),
    )
    validation.add(cells)
    sheet.add_data_validation(validation)


def _instructions(
    workbook: Workbook,
    columns: Sequence[Column],
    required: set[str],
    notes: Sequence[str],
) -> None:
    sheet = workbook.create_sheet("Instructions")
    sheet.cell(1, 1, "Mode d'emploi").font = Font(bold=True, size=14)
    row = 2
    for note in notes:
        cell = sheet.cell(row, 1, note)
        cell.alignment = Alignment(wrap_text=True, vertical="top")
        sheet.merge_cells(
            start_row=row, end_row=row, start_column=1, end_column=3
        )
        sheet.row_dimensions[row].height = 15 * (1 + len(note) // 110)
        row += 1
    add_table(
        sheet,
        ["Colonne", "Obligatoire", "Contenu"],
        [
            (c.french, "oui" if c.field in required else "non", c.help)
            for c in columns
        ],
        widths=[26, 12, 90],
        first_row=row + 1,
    )


_REFERRAL_NOTES: Final = (
    "Une ligne par demande, à partir de la ligne 2. Ne pas modifier les "
    "en-têtes. Dates au format JJ/MM/AAAA, heures HH:MM (heure de Paris).",
    "Sans toutes les informations obligatoires, le patient ne peut pas être "
    "pris en charge par le dispositif : la ligne est rejetée avec la liste "
    "de ce qui manque. Nom de naissance, pas le nom marital.",
    "Examens couverts — adultes : scanner, radiographie standard, "
    "échographie abdominale, musculosquelettique, thyroïdienne ; sein : "
    "mammographie, échographie mammaire ; enfants de 6 à 17 ans : "
    "échographie (hors sein), radiographie.",
    "Exclusions — urgence suspectée (OAP, embolie pulmonaire, ventre "
    f"chirurgical, AVC aigu…) : {Reason.SUSPECTED_EMERGENCY.orientation} "
    "Examen pouvant attendre plus de 48 h sans conséquence : "
    f"{Reason.NOT_URGENT.orientation} Imagerie complexe (IRM, TEP, "
    "scintigraphie, radiologie interventionnelle…) : non prise en charge.",
    "Mobilité réduite : le prescripteur prescrit un transport médicalisé "
    "(sinon la demande est incomplète) ; le rendez-vous est pris dans un "
    "centre accessible, assez tôt à l'avance pour organiser le transport.",
)
_SLOT_NOTES: Final = (
    "Une ligne par créneau réservé au dispositif, à partir de la ligne 2. "
    "Ne pas modifier les en-têtes. Début au format JJ/MM/AAAA HH:MM.",
    "Examens : codes séparés par des virgules, parmi "
    + ", ".join(Exam)
    + ". Enfants : le créneau accueille les 6-17 ans. Accessible PMR : "
    "le centre accueille les personnes à mobilité réduite.",
    "Un patient qui a plusieurs examens les passe au même déplacement : "
    "soit dans un créneau qui les accepte tous, soit dans des créneaux "
    "consécutifs du même centre, le même jour.",
)
