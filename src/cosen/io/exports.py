"""What one allocation sends out: centre lists, summary, prescriber notices.

Three audiences read the outcome of an allocation, each in its own file:

- each imaging centre gets ``centres/<centre>.xlsx``, the appointments in
  its own slots only, ready to print;
- the coordinator gets ``synthese.xlsx``: every booking, every referral
  left unbooked or rejected and why, the patients to call, and the
  indicators beside those of first come, first served;
- the telesecretariat sends ``notifications.csv`` to prescribers: one
  message per booked referral, by secure email, SMS or phone.

Every file goes through :mod:`cosen.io.excel` (atomic, mode 0600, no
formula from user text). Notices name neither the patient nor, by SMS or
phone, the exam: the referral id lets the prescriber match them.
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from datetime import datetime
from pathlib import Path
from typing import Any, Final

from openpyxl import Workbook
from openpyxl.cell.cell import ILLEGAL_CHARACTERS_RE
from openpyxl.styles import Font
from openpyxl.worksheet.worksheet import Worksheet

from cosen.allocation import Booked, Outcome, Unbooked
from cosen.allocation.indicators import (
    Indicators,
    allocation_indicators,
    baseline_indicators,
    breakdown,
)
from cosen.clock import PARIS, TargetClock
from cosen.domain import Exam, Rejection, Slot
from cosen.io.excel import add_table, printable, save_workbook, write_csv
from cosen.io.report import rejection_cells
from cosen.optimizer import Status
from cosen.parsing import national_phone, parse_phone

__all__ = ["write_centre_lists", "write_exports"]

CENTRES_FOLDER: Final = "centres"
SUMMARY_FILE: Final = "synthese.xlsx"
NOTIFICATIONS_FILE: Final = "notifications.csv"
SMS_MAX_CHARS: Final = 160

EMAIL: Final = "email"
SMS: Final = "sms"
TELEPHONE: Final = "telephone"

_SIGNATURE: Final = "Le télésecrétariat COSEN."
_CENTRE_SHEET: Final = "Rendez-vous"
_CENTRE_HEADER: Final = (
    "Date", "Heure", "Durée (min)", "Examen(s)", "Nom de naissance",
    "Nom d'usage", "Prénom", "Date de naissance", "Téléphone",
    "Mobilité réduite", "Transport médicalisé", "Prescripteur",
    "Ordonnance", "Demande",
)  # fmt: skip
_CENTRE_WIDTHS: Final = (
    11, 7, 9, 28, 20, 18, 16, 12, 17, 10, 11, 20, 20, 14,
)  # fmt: skip
_INDICATOR_WIDTHS: Final = (46, 18, 18, 18, 14, 12, 14, 14)
_STATUS_TEXT: Final = {
    Status.OPTIMAL: "optimum prouvé (critères 1 à 3)",
    Status.FEASIBLE: "solution valide, optimum non prouvé (limite de temps)",
}
_CLOCK_TEXT: Final = {
    TargetClock.CALENDAR: "heures réelles écoulées",
    TargetClock.WORKING_DAYS: "jours ouvrés (calendrier d'Alsace-Moselle)",
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
) -> list[Path]:
    """Write every party's files for one allocation into folder; return the
    paths written.

    Parameters
    ----------
    folder
        Output folder, created if needed.
    allocation
        The allocation to publish.
    rejections
        The referral file's rejected rows.
    received
        Rows read in the referral file, accepted and rejected.

    Returns
    -------
    list of Path
        One workbook per centre with a booking (in centre order), then
        ``synthese.xlsx`` and ``notifications.csv``.

    Raises
    ------
    CosenError
        When a file cannot be written.
    """
    written = write_centre_lists(folder / CENTRES_FOLDER, allocation.booked)
    lines = _lines(allocation.booked)
    summary = folder / SUMMARY_FILE
    _write_summary(summary, allocation, lines, rejections, received)
    notifications = folder / NOTIFICATIONS_FILE
    write_csv(
        notifications,
        ["Demande", "Prescripteur", "Canal", "Destinataire", "Message"],
        (_notification(booked) for booked in allocation.booked),
    )
    return [*written, summary, notifications]


def write_centre_lists(
    folder: Path, booked: Sequence[Booked], heading: str = "Rendez-vous COSEN"
) -> list[Path]:
    """One printable workbook per centre in ``folder``, its patients only.

    A workbook left in ``folder`` by an earlier run for a centre absent
    from ``booked`` is removed: a centre must not read stale appointments.
    Returns the paths written, in centre order.
    """
    by_centre: dict[str, list[_Line]] = {}
    for line in _lines(booked):
        by_centre.setdefault(line.slot.center, []).append(line)
    written = [
        _write_centre(folder, centre, by_centre[centre], heading)
        for centre in sorted(by_centre)
    ]
    for stale in folder.glob("*.xlsx"):
        if stale not in written:
            stale.unlink()
    return written


# --------------------------------------------------------------------------
# Shared pieces


def _lines(booked: Iterable[Booked]) -> list[_Line]:
    """Every booked slot, by start, with the exams it does.

    A slot of a visit does the asked exams it takes that no earlier slot of
    the visit did, the way the optimizer's check assigns them.
    """
    lines = []
    for visit in booked:
        done: set[Exam] = set()
        for slot in visit.slots:
            exams = tuple(
                e
                for e in visit.referral.exams
                if e in slot.exams and e not in done
            )
            done.update(exams)
            lines.append(_Line(visit, slot, exams))
    lines.sort(key=lambda x: (x.slot.start, x.booked.referral.referral_id))
    return lines


def _labels(exams: Iterable[Exam]) -> str:
    return " + ".join(exam.label for exam in exams)


def _yes_no(value: bool) -> str:
    return "oui" if value else "non"


def _day(moment: datetime) -> str:
    return f"{moment.astimezone(PARIS):%d/%m/%Y}"


def _clock(moment: datetime) -> str:
    local = moment.astimezone(PARIS)
    return f"{local.hour}h{local.minute:02d}"


def _prescriber_channel(contact: str | None) -> tuple[str, str]:
    """How to reach a prescriber, and the address or number to use.

    Contacts were validated at intake: an email address, or a phone number
    in E.164 form. Without one, the telesecretariat has to find a number.
    """
    if not contact:
        return TELEPHONE, ""
    if "@" in contact:
        return EMAIL, contact
    channel = SMS if parse_phone(contact)[1] else TELEPHONE
    return channel, national_phone(contact)


def _centre_file_name(centre: str) -> str:
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
    # Centre codes come from the slot file: the title must stay text, and
    # characters XML cannot hold would corrupt the workbook.
    cell = sheet.cell(row, 1, ILLEGAL_CHARACTERS_RE.sub("", text))
    cell.data_type = "s"
    cell.font = Font(bold=True, size=size)


# --------------------------------------------------------------------------
# Centre workbooks


def _write_centre(
    folder: Path, centre: str, lines: Sequence[_Line], heading: str
) -> Path:
    """One centre's appointments, one row per slot, ready to print."""
    group = lines[0].slot.group.value
    first, last = _day(lines[0].start), _day(lines[-1].start)
    period = f"le {first}" if first == last else f"du {first} au {last}"
    title = f"{heading} — centre {centre} (groupe {group}) — {period}"
    workbook = Workbook()
    sheet = _first_sheet(workbook, _CENTRE_SHEET)
    _title_cell(sheet, 1, title, 13)
    rows = []
    for line in lines:
        referral = line.booked.referral
        rows.append(
            (
                line.start.date(),
                line.start.time(),
                line.slot.duration_min,
                _labels(line.exams),
                referral.birth_name,
                referral.used_name,
                referral.first_name,
                referral.birth_date,
                national_phone(referral.phone),
                _yes_no(referral.reduced_mobility),
                _yes_no(referral.medical_transport),
                referral.prescriber,
                referral.prescription,
                referral.referral_id,
            )
        )
    add_table(sheet, _CENTRE_HEADER, rows, _CENTRE_WIDTHS, first_row=2)
    printable(sheet, title, header_row=2)
    path = folder / _centre_file_name(centre)
    save_workbook(workbook, path)
    return path


# --------------------------------------------------------------------------
# Coordinator summary


def _write_summary(
    path: Path,
    allocation: Outcome,
    lines: Sequence[_Line],
    rejections: Sequence[Rejection],
    received: int,
) -> None:
    workbook = Workbook()
    _bookings_sheet(_first_sheet(workbook, "Rendez-vous"), lines)
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
    _calls_sheet(
        workbook.create_sheet("Patients à appeler"), allocation.booked
    )
    _indicators_sheet(
        workbook.create_sheet("Indicateurs"), allocation, received
    )
    save_workbook(workbook, path)


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
                _labels(line.exams),
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
                _labels(item.referral.exams),
                item.reason.orientation,
            )
            for item in unbooked
        ],
        widths=[14, 20, 45, 45, 17, 28, 50],
    )  # fmt: skip
    printable(sheet, "Demandes recevables non attribuées")


def _calls_sheet(sheet: Worksheet, booked: Sequence[Booked]) -> None:
    """Patients to call, soonest appointment first, with the prescriber's
    contact for the confirmation."""
    rows = []
    for visit in sorted(booked, key=lambda b: b.start):
        referral = visit.referral
        start = visit.start.astimezone(PARIS)
        rows.append(
            (
                referral.referral_id,
                referral.birth_name,
                referral.used_name,
                referral.first_name,
                national_phone(referral.phone),
                referral.email,
                start.date(),
                start.time(),
                visit.slots[0].center,
                referral.prescriber,
                _prescriber_channel(referral.prescriber_contact)[1] or None,
            )
        )
    add_table(
        sheet,
        [
            "Demande", "Nom de naissance", "Nom d'usage", "Prénom",
            "Téléphone", "E-mail", "Date", "Heure", "Centre",
            "Prescripteur", "Contact prescripteur",
        ],
        rows,
        widths=[14, 20, 18, 16, 17, 28, 11, 7, 14, 20, 30],
    )  # fmt: skip
    printable(sheet, "Patients à appeler")


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
        f"Indicateurs de l'attribution du {_day(settings.now)} à "
        f"{_clock(settings.now)}"
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
                    f"{method} : {count}"
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
    # Row 1 holds the title: repeating it on each page is harmless, and
    # no section header is meant to repeat.
    printable(sheet, title, header_row=1, landscape=False)


# --------------------------------------------------------------------------
# Prescriber notices


def _notification(booked: Booked) -> tuple[str, str, str, str, str]:
    """Referral id, prescriber, channel, recipient and French message."""
    referral = booked.referral
    channel, recipient = _prescriber_channel(referral.prescriber_contact)
    return (
        referral.referral_id,
        referral.prescriber,
        channel,
        recipient,
        _message(booked, channel),
    )


def _message(booked: Booked, channel: str) -> str:
    """The notice: no message names the patient, and only the secure
    email names the exam (an SMS or a voicemail can be read by anyone)."""
    referral = booked.referral
    asked, reference = _day(referral.received_at), referral.referral_id
    day, hour = _day(booked.start), _clock(booked.start)
    centre = booked.slots[0].center
    if channel == SMS:
        text = (
            f"Bonjour, le RDV d'imagerie de votre patient(e) demandé le "
            f"{asked} (réf. {reference}) est fixé le {day} à {hour} au "
            f"centre {centre}. Télésecrétariat COSEN."
        )
        if len(text) <= SMS_MAX_CHARS:
            return text
        # Ids (64 characters) and centre codes (32) at their longest still
        # fit in one SMS this way.
        return (
            f"RDV imagerie réf. {reference} : {day} {hour}, centre {centre} "
            "(COSEN)"
        )
    exams = f" ({_labels(referral.exams)})" if channel == EMAIL else ""
    return (
        f"Bonjour, le rendez-vous d'imagerie{exams} de votre patient(e) "
        f"demandé le {asked} (réf. {reference}) est fixé le {day} à {hour} "
        f"au centre {centre}. {_SIGNATURE}"
    )
