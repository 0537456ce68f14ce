"""Blank spreadsheets for the telesecretariat and the centres.

Each data sheet has the contract's French headers, dropdowns where the
answer is a choice, text-formatted phone and postcode columns (a
spreadsheet would otherwise drop their leading zeros), date formats on date
columns; each workbook has an ``Instructions`` sheet in French. The slot
workbook also holds the centre directory (``Centres``) and the
preparations (``Preparations``, filled with cosen's defaults, to be
validated by the centres' radiologists). Everything prints on A4,
landscape, fitted to the page width.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Final

from openpyxl import Workbook
from openpyxl.styles import Font
from openpyxl.utils import get_column_letter
from openpyxl.worksheet.datavalidation import DataValidation
from openpyxl.worksheet.worksheet import Worksheet
from pydantic import BaseModel

from cosen.domain import (
    CENTRE_COLUMNS,
    PREPARATION_COLUMNS,
    REFERRAL_COLUMNS,
    SLOT_COLUMNS,
    TO_VALIDATE,
    Centre,
    Column,
    Exam,
    Group,
    Preparation,
    Preparations,
    Reason,
    Referral,
    Slot,
)
from cosen.errors import CosenError
from cosen.io.directory import CENTRE_SHEET, PREPARATION_SHEET
from cosen.io.excel import (
    DATE_FORMAT,
    DATETIME_FORMAT,
    add_table,
    printable,
    put_cell,
    row_height,
    save_workbook,
    wrapped_lines,
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
        "validated",
    }
)
_COMMON_VISITS: Final = ("MAMMO+ECHO_SEIN",)
# Columns whose text is long: wider than their header.
_WIDE_FIELDS: Final = {"text": 90, "access": 40, "name": 30, "address": 30}
_INSTRUCTION_WIDTHS: Final = (26, 12, 90)


@dataclass(frozen=True)
class _Sheet:
    """A data sheet of a template and how to explain it."""

    name: str
    columns: Sequence[Column]
    model: type[BaseModel]
    choices: Mapping[str, Sequence[str]]
    notes: Sequence[str]


def write_templates(folder: Path, replace: bool = False) -> list[Path]:
    """Write blank ``demandes.xlsx`` and ``creneaux.xlsx`` into ``folder``.

    Raises
    ------
    CosenError
        When one of them exists and ``replace`` is false (a filled
        template would be lost), before anything is written.
    """
    paths = [folder / REFERRAL_TEMPLATE, folder / SLOT_TEMPLATE]
    existing = [p.name for p in paths if p.exists() or p.is_symlink()]
    if existing and not replace:
        raise CosenError(
            f"{' et '.join(existing)} existe(nt) déjà dans « {folder} » : "
            "rien n'est écrit (pour remplacer un modèle, peut-être rempli, "
            "ajouter --force)."
        )
    write_referral_sheet(paths[0], [])
    write_slot_sheet(paths[1], [])
    return paths


def write_referral_sheet(
    path: Path, rows: Sequence[Mapping[str, object]]
) -> None:
    """Write referrals (values by field name) in the template's layout."""
    sheet = _Sheet(
        REFERRAL_SHEET,
        REFERRAL_COLUMNS,
        Referral,
        {"exams": [*Exam, *_COMMON_VISITS]},
        _REFERRAL_NOTES,
    )
    workbook = Workbook()
    _data_sheet(workbook, sheet, rows, first=True)
    _instructions(workbook, [sheet])
    save_workbook(workbook, path)


def write_slot_sheet(
    path: Path,
    rows: Sequence[Mapping[str, object]],
    centres: Sequence[Mapping[str, object]] = (),
) -> None:
    """Write slots (values by field name) in the template's layout, with
    the centre directory (``centres``, values by field name) and the
    preparations (cosen's defaults, to be validated)."""
    slots = _Sheet(
        SLOT_SHEET,
        SLOT_COLUMNS,
        Slot,
        {"group": list(Group), "exams": list(Exam)},
        _SLOT_NOTES,
    )
    directory = _Sheet(
        CENTRE_SHEET, CENTRE_COLUMNS, Centre, {"group": list(Group)},
        _CENTRE_NOTES,
    )  # fmt: skip
    preparations = _Sheet(
        PREPARATION_SHEET, PREPARATION_COLUMNS, Preparation,
        {"exams": list(Exam)}, _PREPARATION_NOTES,
    )  # fmt: skip
    defaults = [
        {"exams": exam.value, "text": text, "validated": validated}
        for exam, text, validated in Preparations().rows()
    ]
    workbook = Workbook()
    _data_sheet(workbook, slots, rows, first=True)
    _data_sheet(workbook, directory, centres)
    _data_sheet(workbook, preparations, defaults)
    _instructions(workbook, [slots, directory, preparations])
    save_workbook(workbook, path)


def _data_sheet(
    workbook: Workbook,
    spec: _Sheet,
    rows: Sequence[Mapping[str, object]],
    first: bool = False,
) -> None:
    if first:
        sheet = workbook.active
        assert isinstance(sheet, Worksheet)
        sheet.title = spec.name
    else:
        sheet = workbook.create_sheet(spec.name)
    columns = spec.columns
    add_table(
        sheet,
        [c.french for c in columns],
        ([_cell(row.get(c.field)) for c in columns] for row in rows),
        widths=[
            _WIDE_FIELDS.get(c.field, max(14, len(c.french) + 4))
            for c in columns
        ],
    )
    prepared = max(_PREPARED_ROWS, len(rows)) + 1
    for position, column in enumerate(columns, start=1):
        letter = get_column_letter(position)
        cells = f"{letter}2:{letter}{prepared}"
        _format_column(sheet, position, column.field, prepared)
        if column.field in _YES_NO_FIELDS:
            _dropdown(sheet, cells, ["oui", "non"], column, strict=True)
        elif column.field in spec.choices:
            values = [str(v) for v in spec.choices[column.field]]
            # Several exams may be typed by hand: warn, do not forbid.
            _dropdown(sheet, cells, values, column, strict=False)
    title = f"{spec.name} — modèle COSEN"
    if spec.model is Preparation:
        title += f" — consignes {TO_VALIDATE}"
    printable(sheet, title)


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


def _instructions(workbook: Workbook, sheets: Sequence[_Sheet]) -> None:
    """The ``Instructions`` sheet: each data sheet's notes, then its
    columns (required or not, what they take)."""
    sheet = workbook.create_sheet("Instructions")
    sheet.cell(1, 1, "Mode d'emploi").font = Font(bold=True, size=14)
    sheet.row_dimensions[1].height = row_height(1, 16)
    width = sum(_INSTRUCTION_WIDTHS)
    row = 2
    for spec in sheets:
        if len(sheets) > 1:
            cell = put_cell(sheet, row, 1, f"Feuille « {spec.name} »")
            cell.font = Font(bold=True, size=12)
            sheet.row_dimensions[row].height = row_height(1, 14)
            row += 1
        for note in spec.notes:
            put_cell(sheet, row, 1, note)
            sheet.merge_cells(
                start_row=row, end_row=row, start_column=1, end_column=3
            )
            sheet.row_dimensions[row].height = row_height(
                wrapped_lines(note, width)
            )
            row += 1
        required = {
            name
            for name, info in spec.model.model_fields.items()
            if info.is_required()
        }
        count = add_table(
            sheet,
            ["Colonne", "Obligatoire", "Contenu"],
            [
                (c.french, "oui" if c.field in required else "non", c.help)
                for c in spec.columns
            ],
            widths=_INSTRUCTION_WIDTHS,
            first_row=row + 1,
            filters=False,
        )
        row += count + 3
    sheet.freeze_panes = None
    printable(sheet, "Modèle COSEN", None, landscape=False)


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
_CENTRE_NOTES: Final = (
    "L'annuaire des centres : une ligne par centre des créneaux. Son nom, "
    "son adresse et son téléphone figurent sur les listes, la liste "
    "d'appels et les avis aux patients et aux prescripteurs. Un centre "
    "absent de l'annuaire y est désigné par son code.",
)
_PREPARATION_NOTES: Final = (
    "Les consignes de préparation dites au patient pour chaque examen, sur "
    "la liste d'appels. Les textes fournis sont des propositions, "
    f"{TO_VALIDATE} : les corriger au besoin, puis mettre « oui » dans la "
    "colonne validee. Un examen absent de la feuille garde la proposition.",
)
