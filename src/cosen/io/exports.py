"""What one allocation sends out: centre lists, summary, call list, notices.

Four audiences read the outcome of an allocation, each in its own file:

- each imaging centre gets ``centres/<centre>.xlsx``, the appointments in
  its own slots only, a block per day, ready to print and to tick;
- the coordinator gets ``synthese.xlsx``: every booking, every referral
  left unbooked or rejected and why, and the indicators beside those of
  first come, first served;
- the telesecretariat calls patients from ``appels.xlsx``: what to tell
  each booked patient (centre, address, preparation, transport) and a
  column for the answer, so that the filled-in file is a ``cosen batch
  answers`` file; then the referrals left without a slot, to call back;
- messages to prescribers and patients go to ``notifications.csv``
  (:mod:`cosen.io.notices`).

The files are one set (:func:`cosen.io.outputs.output_set`): a reader
never sees two runs' files mixed. Every file goes through
:mod:`cosen.io.excel` (mode 0600, no formula from user text, rows as tall
as their text).
"""

from __future__ import annotations

import enum
import re
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from datetime import date, datetime
from pathlib import Path
from typing import Any, Final

from openpyxl import Workbook
from openpyxl.cell.cell import ILLEGAL_CHARACTERS_RE
from openpyxl.styles import Font, PatternFill
from openpyxl.worksheet.datavalidation import DataValidation
from openpyxl.worksheet.worksheet import Worksheet

from cosen.allocation import Booked, Outcome, Unbooked
from cosen.allocation.indicators import (
    Indicators,
    allocation_indicators,
    baseline_indicators,
    breakdown,
)
from cosen.clock import PARIS, TargetClock, age_on
from cosen.domain import (
    ADULT_AGE,
    ALWAYS_BRING,
    TO_VALIDATE,
    Directory,
    Exam,
    Preparations,
    Rejection,
    Slot,
)
from cosen.io.excel import (
    add_table,
    printable,
    put_cell,
    row_height,
    save_workbook,
    wrapped_lines,
    write_csv,
)
from cosen.io.notices import (
    MESSAGE_HEADER,
    Message,
    booking_messages,
    exam_labels,
    transport_note,
    visit_exams,
    visit_summary,
)
from cosen.io.outputs import OutputSet, output_set
from cosen.io.report import rejection_cells
from cosen.io.wording import (
    clock_time,
    long_date,
    numeric_date,
    patient_name,
    phone_text,
)
from cosen.optimizer import Status

__all__ = [
    "ANSWER_SHEET",
    "CALLS_FILE",
    "CENTRES_FOLDER",
    "NOTIFICATIONS_FILE",
    "SUMMARY_FILE",
    "AppointmentStatus",
    "add_centre_lists",
    "add_exports",
    "write_call_list",
    "write_centre_lists",
    "write_exports",
]

CENTRES_FOLDER: Final = "centres"
SUMMARY_FILE: Final = "synthese.xlsx"
CALLS_FILE: Final = "appels.xlsx"
NOTIFICATIONS_FILE: Final = "notifications.csv"
# The call list's first sheet: ``cosen batch answers`` reads it by name.
ANSWER_SHEET: Final = "Réponses"
CALLBACK_SHEET: Final = "À rappeler"
CALL_ANSWERS: Final = ("confirme", "refuse", "annule")


class AppointmentStatus(enum.StrEnum):
    """Where an appointment stands, as a centre list shows it."""

    BOOKED = "attribué"
    CONFIRMED = "confirmé"
    DECLINED = "refusé, créneau libéré"
    CANCELLED = "annulé, créneau libéré"
    WITHDRAWN = "créneau retiré par le centre"


_CENTRE_SHEET: Final = "Rendez-vous"
# Title and width of each column of a centre list: the patient's columns
# (from "Nom de naissance") span every slot of a visit; the referral id
# stays last.
_CENTRE_COLUMNS: Final = (
    ("Heure", 7), ("Créneau", 9), ("Examen(s)", 20),
    ("Nom de naissance", 16), ("Nom d'usage", 12), ("Prénom", 12),
    ("Date de naissance", 11), ("Téléphone", 14), ("Enfant", 8),
    ("Mobilité et transport", 13), ("Prescripteur", 14), ("Ordonnance", 24),
    ("Statut", 10), ("Présent", 8), ("Demande", 9),
)  # fmt: skip
_PER_SLOT: Final = 3
_DAY_FILL: Final = PatternFill("solid", fgColor="EEEEEE")
_INDICATOR_WIDTHS: Final = (46, 18, 18, 18, 14, 12, 14, 14)
_STATUS_TEXT: Final = {
    Status.OPTIMAL: "optimum prouvé (critères 1 à 3)",
    Status.FEASIBLE: "solution valide, optimum non prouvé (limite de temps)",
}
_CLOCK_TEXT: Final = {
    TargetClock.CALENDAR: "heures réelles écoulées",
    TargetClock.WORKING_DAYS: "jours ouvrés (calendrier d'Alsace-Moselle)",
}
_METHOD_TEXT: Final = {
    "flow": "flot de coût minimal",
    "lp": "programmation linéaire",
    "cp-sat": "programmation par contraintes (CP-SAT)",
    "fcfs": "premier arrivé, premier servi",
}
# Stems a Windows share would refuse, whatever the extension.
_RESERVED_STEM: Final = re.compile(r"CON|PRN|AUX|NUL|COM\d|LPT\d", re.I)


@dataclass(frozen=True)
class _Line:
    """One slot of a booked visit, with the exams done in it."""

    booked: Booked
    slot: Slot
    exams: tuple[Exam, ...]

    @property
    def start(self) -> datetime:
        return self.slot.start.astimezone(PARIS)


def write_exports(
    folder: Path,
    allocation: Outcome,
    rejections: Sequence[Rejection],
    received: int,
    *,
    directory: Directory | None = None,
    preparations: Preparations | None = None,
    statuses: Mapping[str, AppointmentStatus] | None = None,
    replaces: Mapping[str, Booked] | None = None,
) -> list[Path]:
    """Write every party's files for one allocation into ``folder``, as
    one set (:func:`add_exports`); return the paths written.

    Raises
    ------
    CosenError
        When a file cannot be written (the previous files stay whole).
    """
    with output_set(folder) as outputs:
        add_exports(
            outputs, allocation, rejections, received,
            directory=directory, preparations=preparations,
            statuses=statuses, replaces=replaces,
        )  # fmt: skip
    return outputs.files


def add_exports(
    outputs: OutputSet,
    allocation: Outcome,
    rejections: Sequence[Rejection],
    received: int,
    *,
    directory: Directory | None = None,
    preparations: Preparations | None = None,
    statuses: Mapping[str, AppointmentStatus] | None = None,
    replaces: Mapping[str, Booked] | None = None,
    messages: Sequence[Message] | None = None,
) -> list[Path]:
    """Add an allocation's files to an output set; return their paths.

    Parameters
    ----------
    outputs
        The set being written.
    allocation
        The allocation to publish.
    rejections
        The referral file's rejected rows.
    received
        Rows read in the referral file, accepted and rejected.
    directory
        Centres' names and addresses (codes only without it).
    preparations
        What patients do before each exam (the defaults without it).
    statuses
        Each booked referral's status, by id (``attribué`` if absent).
    replaces
        By referral id, the appointment a booking replaces: its notices
        say so.
    messages
        The notices to list in ``notifications.csv`` (the ledger's outbox
        gives those it queued); by default, each booking's.

    Returns
    -------
    list of Path
        One workbook per centre with a booking (in centre order), then
        ``synthese.xlsx``, ``appels.xlsx`` and ``notifications.csv``.
    """
    directory = directory if directory is not None else Directory()
    preparations = preparations or Preparations()
    footer = (
        f"Attribution du {numeric_date(allocation.settings.now)} à "
        f"{clock_time(allocation.settings.now)}"
    )
    written = add_centre_lists(
        outputs,
        CENTRES_FOLDER,
        allocation.booked,
        directory=directory,
        statuses=statuses,
        footer=footer,
    )
    save_workbook(
        _summary(allocation, rejections, received), outputs.path(SUMMARY_FILE)
    )
    save_workbook(
        _call_list(
            allocation.booked, allocation.unbooked, directory, preparations,
            footer,
        ),
        outputs.path(CALLS_FILE),
    )  # fmt: skip
    replaced = replaces or {}
    if messages is None:
        messages = [
            message
            for booked in allocation.booked
            for message in booking_messages(
                booked, directory, replaced.get(booked.referral.referral_id)
            )
        ]
    write_csv(
        outputs.path(NOTIFICATIONS_FILE),
        MESSAGE_HEADER,
        (message.cells() for message in messages),
    )
    return [
        *written,
        *(outputs.final(n) for n in (SUMMARY_FILE, CALLS_FILE)),
        outputs.final(NOTIFICATIONS_FILE),
    ]


def write_centre_lists(
    folder: Path,
    booked: Sequence[Booked],
    heading: str = "Rendez-vous COSEN",
    *,
    directory: Directory | None = None,
    statuses: Mapping[str, AppointmentStatus] | None = None,
    footer: str = "",
) -> list[Path]:
    """One printable workbook per centre in ``folder``, its patients only,
    written as one set: the lists of centres absent from ``booked`` that an
    earlier call wrote are removed. Returns the paths written, in centre
    order."""
    with output_set(folder) as outputs:
        return add_centre_lists(
            outputs, "", booked, heading,
            directory=directory, statuses=statuses, footer=footer,
        )  # fmt: skip


def add_centre_lists(
    outputs: OutputSet,
    subfolder: str,
    booked: Sequence[Booked],
    heading: str = "Rendez-vous COSEN",
    *,
    directory: Directory | None = None,
    statuses: Mapping[str, AppointmentStatus] | None = None,
    footer: str = "",
) -> list[Path]:
    """Add one workbook per centre to an output set, in ``subfolder`` of
    it (``""`` for its top); return their final paths, in centre order.

    Parameters
    ----------
    heading
        What the lists are (``Rendez-vous COSEN``, ``Liste complète...``).
    statuses
        Each referral's status, by id (``attribué`` if absent).
    footer
        Printed at the foot of each page (when the lists were made).
    """
    directory = directory if directory is not None else Directory()
    by_centre: dict[str, list[Booked]] = {}
    for visit in booked:
        by_centre.setdefault(visit.slots[0].center, []).append(visit)
    written = []
    for centre in sorted(by_centre):
        name = f"{subfolder}/{centre_file_name(centre)}".lstrip("/")
        workbook = _centre_workbook(
            centre, by_centre[centre], heading, directory, statuses or {},
            footer,
        )  # fmt: skip
        save_workbook(workbook, outputs.path(name))
        written.append(outputs.final(name))
    return written


# --------------------------------------------------------------------------
# Shared pieces


def _visit_lines(visit: Booked) -> list[_Line]:
    """A visit's slots in order, each with the exams it does."""
    return [_Line(visit, slot, exams) for slot, exams in visit_exams(visit)]


def _lines(booked: Iterable[Booked]) -> list[_Line]:
    """Every booked slot, by start."""
    lines = [line for visit in booked for line in _visit_lines(visit)]
    lines.sort(key=lambda x: (x.slot.start, x.booked.referral.referral_id))
    return lines


def _yes_no(value: bool) -> str:
    return "oui" if value else "non"


def centre_file_name(centre: str) -> str:
    """A centre's file name. Codes hold only letters, digits, ``-`` and
    ``_`` (checked at intake); a name Windows reserves gets a suffix."""
    suffix = "_" if _RESERVED_STEM.fullmatch(centre) else ""
    return f"{centre}{suffix}.xlsx"


def _first_sheet(workbook: Workbook, title: str) -> Worksheet:
    sheet = workbook.active
    assert isinstance(sheet, Worksheet)
    sheet.title = title
    return sheet


def _title_cell(sheet: Worksheet, row: int, text: str, size: int) -> None:
    # The title must stay text, and characters XML cannot hold would
    # corrupt the workbook.
    cell = sheet.cell(row, 1, ILLEGAL_CHARACTERS_RE.sub("", text))
    cell.data_type = "s"
    cell.font = Font(bold=True, size=size)
    sheet.row_dimensions[row].height = row_height(1, size + 2)


# --------------------------------------------------------------------------
# Centre workbooks


def _centre_workbook(
    centre: str,
    visits: Sequence[Booked],
    heading: str,
    directory: Directory,
    statuses: Mapping[str, AppointmentStatus],
    footer: str,
) -> Workbook:
    """One centre's appointments: a block per day under its heading, a row
    per slot, a visit's patient cells spanning its slots (one trip)."""
    visits = sorted(visits, key=lambda v: (v.start, v.referral.referral_id))
    first, last = numeric_date(visits[0].start), numeric_date(visits[-1].start)
    period = f"le {first}" if first == last else f"du {first} au {last}"
    group = visits[0].slots[0].group.value
    title = f"{heading} — {directory.label(centre)}, groupe {group} — {period}"
    workbook = Workbook()
    sheet = _first_sheet(workbook, _CENTRE_SHEET)
    widths = [width for _, width in _CENTRE_COLUMNS]
    add_table(
        sheet, [t for t, _ in _CENTRE_COLUMNS], [], widths, filters=False
    )
    row = 2
    days: dict[str, list[Booked]] = {}
    for visit in visits:
        days.setdefault(long_date(visit.start), []).append(visit)
    for day, day_visits in days.items():
        count = len(day_visits)
        _day_heading(
            sheet, row, f"{day[0].upper()}{day[1:]} — {count} patient"
            + ("s" if count > 1 else ""),
        )  # fmt: skip
        row += 1
        for visit in day_visits:
            row = _visit_rows(sheet, row, visit, widths, statuses)
    printable(sheet, title, header_row=1, footer=footer)
    sheet.page_margins.left = sheet.page_margins.right = 0.3
    return workbook


def _day_heading(sheet: Worksheet, row: int, text: str) -> None:
    cell = put_cell(sheet, row, 1, text)
    cell.font = Font(bold=True, size=12)
    for column in range(1, len(_CENTRE_COLUMNS) + 1):
        sheet.cell(row, column).fill = _DAY_FILL
    sheet.merge_cells(
        start_row=row,
        end_row=row,
        start_column=1,
        end_column=len(_CENTRE_COLUMNS),
    )
    sheet.row_dimensions[row].height = row_height(1, 13)


def _visit_rows(
    sheet: Worksheet,
    row: int,
    visit: Booked,
    widths: Sequence[float],
    statuses: Mapping[str, AppointmentStatus],
) -> int:
    """Write a visit from ``row``; return the next free row."""
    referral = visit.referral
    lines = _visit_lines(visit)
    heights = []
    for offset, line in enumerate(lines):
        cells = (line.start.time(), line.slot.slot_id, exam_labels(line.exams))
        needed = 1
        for column, value in enumerate(cells, start=1):
            put_cell(sheet, row + offset, column, value)
            if isinstance(value, str):
                needed = max(needed, wrapped_lines(value, widths[column - 1]))
        heights.append(row_height(needed))
    start = lines[0].start
    age = age_on(referral.birth_date, start.date())
    child = f"oui ({age} ans)" if age < ADULT_AGE else "non"
    mobility = [
        text
        for flag, text in (
            (referral.reduced_mobility, "mobilité réduite"),
            (referral.medical_transport, "transport médicalisé"),
        )
        if flag
    ]
    status = statuses.get(referral.referral_id, AppointmentStatus.BOOKED)
    patient = (
        referral.birth_name,
        referral.used_name,
        referral.first_name,
        referral.birth_date,
        phone_text(referral.phone),
        child,
        ", ".join(mobility) or "non",
        referral.prescriber,
        referral.prescription,
        status.value,
        None,
        referral.referral_id,
    )
    needed = 1
    for column, value in enumerate(patient, start=_PER_SLOT + 1):
        put_cell(sheet, row, column, value)
        if isinstance(value, str):
            needed = max(needed, wrapped_lines(value, widths[column - 1]))
        if len(lines) > 1:
            sheet.merge_cells(
                start_row=row,
                end_row=row + len(lines) - 1,
                start_column=column,
                end_column=column,
            )
    # The patient's cells span the visit's rows: share out what they need
    # beyond what the slots' own cells take.
    missing = max(0.0, row_height(needed) - sum(heights))
    for offset, height in enumerate(heights):
        sheet.row_dimensions[row + offset].height = height + missing / len(
            heights
        )
    return row + len(lines)


# --------------------------------------------------------------------------
# Call list


def write_call_list(
    path: Path,
    booked: Sequence[Booked],
    unbooked: Sequence[Unbooked],
    *,
    directory: Directory | None = None,
    preparations: Preparations | None = None,
    footer: str = "",
) -> Path:
    """Write a call list (the workbook of ``appels.xlsx``) for these
    visits and referrals left without a slot; return its path.

    Parameters
    ----------
    footer
        When the list was made, as its pages' titles say it (« Liste du
        07/12/2026 à 9h30 »).
    """
    save_workbook(
        _call_list(
            booked, unbooked, directory if directory is not None else
            Directory(), preparations or Preparations(), footer,
        ),
        path,
    )  # fmt: skip
    return path


def _call_list(
    booked: Sequence[Booked],
    unbooked: Sequence[Unbooked],
    directory: Directory,
    preparations: Preparations,
    footer: str,
) -> Workbook:
    """The telesecretariat's calls: booked patients (with a column for the
    answer: the filled-in file is a ``cosen batch answers`` file), then the
    referrals left without a slot, to call back."""
    workbook = Workbook()
    sheet = _first_sheet(workbook, ANSWER_SHEET)
    visits = sorted(booked, key=lambda b: (b.start, b.referral.referral_id))
    validated = all(preparations.validated(v.referral.exams) for v in visits)
    preparation = (
        "Préparation" if validated else f"Préparation ({TO_VALIDATE})"
    )
    rows = []
    for visit in visits:
        referral = visit.referral
        start = visit.start.astimezone(PARIS)
        rows.append(
            (
                referral.referral_id,
                _patient_cell(referral.birth_date, patient_name(referral)),
                _phone_cell(referral.phone, referral.email),
                visit_summary(visit) or exam_labels(referral.exams),
                start.date(),
                start.time(),
                "\n".join(directory.card(visit.slots[0].center)),
                preparations.text(referral.exams),
                transport_note(visit) or None,
                None,
                None,
            )
        )
    header = [
        "Id demande", "Patient", "Téléphone", "Examen(s)", "Date", "Heure",
        "Centre", preparation, "Transport médicalisé", "Réponse", "Notes",
    ]  # fmt: skip
    add_table(sheet, header, rows, [10, 22, 15, 20, 11, 7, 28, 38, 17, 11, 14])
    answers = DataValidation(
        type="list",
        formula1='"' + ",".join(CALL_ANSWERS) + '"',
        allow_blank=True,
        showErrorMessage=True,
        errorStyle="warning",
        errorTitle="Réponse inattendue",
        error=(
            "Réponses : confirme, refuse ou annule (absent et realise après "
            "le rendez-vous)."
        ),
    )
    answers.add(f"J2:J{max(len(rows), 1) + 1}")
    sheet.add_data_validation(answers)
    printable(
        sheet, f"Appels aux patients — {footer.lower()}", footer=ALWAYS_BRING
    )
    _callbacks(workbook.create_sheet(CALLBACK_SHEET), unbooked, footer)
    return workbook


def _patient_cell(birth_date: date, name: str) -> str:
    return f"{name}\nné(e) le {numeric_date(birth_date)}"


def _phone_cell(phone: str, email: str | None) -> str:
    return phone_text(phone) + (f"\n{email}" if email else "")


def _callbacks(
    sheet: Worksheet, unbooked: Sequence[Unbooked], footer: str
) -> None:
    rows = []
    for item in sorted(
        unbooked,
        key=lambda u: (u.target, u.referral.referral_id),
    ):
        referral = item.referral
        contact = referral.prescriber_contact
        if contact and "@" not in contact:
            contact = phone_text(contact)
        reason = item.reason.sentence + (
            f" ({item.detail})" if item.detail else ""
        )
        rows.append(
            (
                referral.referral_id,
                _patient_cell(referral.birth_date, patient_name(referral)),
                _phone_cell(referral.phone, referral.email),
                exam_labels(referral.exams),
                item.target,
                reason,
                item.reason.orientation,
                referral.prescriber + (f"\n{contact}" if contact else ""),
            )
        )
    add_table(
        sheet,
        [
            "Id demande", "Patient", "Téléphone", "Examen(s)",
            "Délai souhaité (date et heure)", "Sans créneau : motif",
            "Suite à donner", "Prescripteur",
        ],
        rows,
        [10, 22, 15, 20, 16, 32, 28, 28],
    )  # fmt: skip
    if not rows:
        put_cell(sheet, 2, 1, "Aucune demande sans créneau.")
        sheet.merge_cells("A2:H2")
    printable(sheet, f"Demandes sans créneau, à rappeler — {footer.lower()}")


# --------------------------------------------------------------------------
# Coordinator summary


def _summary(
    allocation: Outcome, rejections: Sequence[Rejection], received: int
) -> Workbook:
    workbook = Workbook()
    _bookings_sheet(
        _first_sheet(workbook, "Rendez-vous"), _lines(allocation.booked)
    )
    _unbooked_sheet(
        workbook.create_sheet("Non attribuées"), allocation.unbooked
    )
    sheet = workbook.create_sheet("Rejetées")
    add_table(
        sheet,
        ["Ligne", "Identifiant", "Codes", "Motifs", "Orientation du patient"],
        [rejection_cells(r) for r in rejections],
        widths=[8, 16, 28, 70, 60],
    )
    printable(sheet, "Demandes rejetées")
    _indicators_sheet(
        workbook.create_sheet("Indicateurs"), allocation, received
    )
    return workbook


def _bookings_sheet(sheet: Worksheet, lines: Sequence[_Line]) -> None:
    """Every booked slot; a visit's lateness counts from its first slot,
    so each of its rows shows the visit's lateness."""
    add_table(
        sheet,
        [
            "Demande", "Créneau", "Centre", "Groupe", "Date", "Heure",
            "Examen(s)", "Retard (min)", "Cible (date et heure)",
        ],
        [
            (
                line.booked.referral.referral_id,
                line.slot.slot_id,
                line.slot.center,
                line.slot.group.value,
                line.start.date(),
                line.start.time(),
                exam_labels(line.exams),
                line.booked.late_minutes,
                line.booked.target,
            )
            for line in lines
        ],
        widths=[14, 14, 14, 9, 11, 7, 30, 10, 17],
    )  # fmt: skip
    printable(sheet, "Rendez-vous attribués")


def _unbooked_sheet(sheet: Worksheet, unbooked: Sequence[Unbooked]) -> None:
    add_table(
        sheet,
        [
            "Demande", "Code motif", "Motif", "Précision",
            "Cible (date et heure)", "Examen(s)", "Suite à donner",
        ],
        [
            (
                item.referral.referral_id,
                item.reason.value,
                item.reason.sentence,
                item.detail or None,
                item.target,
                exam_labels(item.referral.exams),
                item.reason.orientation,
            )
            for item in unbooked
        ],
        widths=[14, 20, 45, 45, 17, 28, 50],
    )  # fmt: skip
    printable(sheet, "Demandes recevables non attribuées")


def _indicator_values(item: Indicators) -> list[Any]:
    return [
        item.eligible,
        item.booked,
        item.within_target,
        item.late,
        round(item.total_late_minutes / 60, 2),
        round(item.mean_late_hours, 2),
        round(item.max_late_hours, 2),
    ]


def _section(
    sheet: Worksheet,
    row: int,
    title: str,
    header: Sequence[str],
    rows: Sequence[Sequence[Any]],
) -> int:
    """A titled table from ``row``; return the row after it and a gap."""
    _title_cell(sheet, row, title, 12)
    count = add_table(
        sheet,
        header,
        rows,
        _INDICATOR_WIDTHS[: len(header)],
        first_row=row + 1,
    )
    return row + count + 3


def _indicators_sheet(
    sheet: Worksheet, allocation: Outcome, received: int
) -> None:
    """Indicators overall beside first come, first served, then by group,
    centre and exam, the solver's report and the run's settings."""
    settings = allocation.settings
    ours = allocation_indicators(allocation)
    theirs = baseline_indicators(allocation)
    title = (
        f"Indicateurs de l'attribution du {numeric_date(settings.now)} à "
        f"{clock_time(settings.now)}"
    )
    _title_cell(sheet, 1, title, 13)

    def compare(label: str, mine: float, baseline: float) -> list[Any]:
        return [label, mine, baseline, round(mine - baseline, 2)]

    overall = [
        compare("Demandes reçues", received, received),
        *(
            compare(label, mine, baseline)
            for label, mine, baseline in zip(
                [
                    "Demandes recevables", "Demandes attribuées",
                    "Attribuées dans le délai", "Attribuées en retard",
                    "Retard cumulé (h)",
                    "Retard moyen des demandes en retard (h)",
                    "Retard maximal (h)",
                ],
                _indicator_values(ours),
                _indicator_values(theirs),
                strict=True,
            )
        ),
    ]  # fmt: skip
    row = _section(
        sheet,
        3,
        "Ensemble : attribution optimisée et premier arrivé, premier servi",
        [
            "Indicateur", "Attribution optimisée",
            "Premier arrivé, premier servi",
            "Écart (optimisée moins premier arrivé)",
        ],
        overall,
    )  # fmt: skip
    header = [
        "Recevables", "Attribuées", "Dans le délai", "En retard",
        "Retard cumulé (h)", "Retard moyen (h)", "Retard maximal (h)",
    ]  # fmt: skip

    def group(item: Booked | Unbooked) -> str | None:
        return item.slots[0].group.value if isinstance(item, Booked) else None

    def centre(item: Booked | Unbooked) -> str | None:
        return item.slots[0].center if isinstance(item, Booked) else None

    for section, name, key in (
        ("Par groupe (demandes attribuées)", "Groupe", group),
        ("Par centre (demandes attribuées)", "Centre", centre),
        (
            "Par examen (toutes les demandes recevables)",
            "Examen(s)",
            lambda item: "+".join(item.referral.exams),
        ),
    ):
        row = _section(
            sheet,
            row,
            section,
            [name, *header],
            [
                [value, *_indicator_values(found)]
                for value, found in breakdown(allocation, key).items()
            ],
        )
    solution = allocation.solution
    tiers, bound, gap = solution.tiers, solution.bound, solution.gap
    row = _section(
        sheet,
        row,
        "Optimisation",
        ["Critère", "Solution", "Borne prouvée", "Écart"],
        [
            [
                "Statut",
                f"{solution.status.value} : {_STATUS_TEXT[solution.status]}",
                None,
                None,
            ],
            ["Demandes attribuées", tiers.booked, bound.booked, gap.booked],
            ["Attribuées en retard", tiers.late, bound.late, gap.late],
            [
                "Minutes de retard cumulées",
                tiers.late_minutes,
                bound.late_minutes,
                gap.late_minutes,
            ],
            ["Durée du calcul (s)", round(solution.seconds, 2), None, None],
            [
                "Méthodes (composantes résolues)",
                ", ".join(
                    f"{_METHOD_TEXT.get(method, method)} : {count}"
                    for method, count in sorted(solution.methods.items())
                )
                or None,
                None,
                None,
            ],
        ],
    )
    _section(
        sheet,
        row,
        "Paramètres",
        ["Paramètre", "Valeur"],
        [
            ["Heure d'attribution", settings.now],
            ["Délai pour prévenir le patient (h)", settings.notice_hours],
            [
                "Délai du transport médicalisé (h)",
                settings.transport_hours,
            ],
            [
                "Attente maximale entre deux examens d'un même déplacement "
                "(min)",
                settings.max_gap_minutes,
            ],
            [
                "Décompte du délai souhaité",
                _CLOCK_TEXT[settings.target_clock],
            ],
            ["Limite de temps du calcul (s)", settings.time_limit],
        ],
    )
    # The sections stack several tables: a frozen pane or a filter would
    # fit only the last one.
    sheet.freeze_panes = None
    sheet.auto_filter.ref = None
    # Row 1 holds the title: the page header only names the file, and no
    # section header is meant to repeat.
    printable(sheet, "Synthèse COSEN", header_row=None, landscape=False)
