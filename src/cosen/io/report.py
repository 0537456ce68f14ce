"""The validation report: what was read, what was rejected and why."""

from __future__ import annotations

from collections.abc import Iterable
from pathlib import Path
from typing import Final

from openpyxl import Workbook

from cosen.domain import Intake, Reason, Referral, Rejection, Slot
from cosen.io.excel import add_table, printable, save_workbook
from cosen.parsing import printable as terminal_text

__all__ = ["intake_lines", "rejection_cells", "write_validation_report"]

_MAX_LISTED_NOTICES: Final = 20


def rejection_cells(rejection: Rejection) -> tuple[int, str, str, str, str]:
    """Row number, id, codes, French reasons, orientations of a rejection."""
    codes = "\n".join(dict.fromkeys(i.reason.value for i in rejection.issues))
    reasons = "\n".join(issue.message for issue in rejection.issues)
    orientations = "\n".join(
        dict.fromkeys(i.reason.orientation for i in rejection.issues)
    )
    return rejection.row, rejection.record_id, codes, reasons, orientations


def intake_lines(
    name: str, intake: Intake[Referral] | Intake[Slot]
) -> list[str]:
    """French summary lines of one sheet's intake (no personal data).

    Notices quote headers and sheet names from the user's file: every line
    is made printable on a terminal.
    """
    total = len(intake.accepted) + len(intake.rejections)
    lines = [
        f"{name} : lignes lues {total}, acceptées {len(intake.accepted)}, "
        f"rejetées {len(intake.rejections)}."
    ]
    counts = intake.reason_counts()
    lines.extend(
        f"  - {reason.value} ({reason.sentence}) : {counts[reason]}"
        for reason in Reason
        if reason in counts
    )
    for notice in intake.notices[:_MAX_LISTED_NOTICES]:
        where = f"ligne {notice.row}" if notice.row else "fichier"
        lines.append(f"  ! {where} : {notice.text}")
    if len(intake.notices) > _MAX_LISTED_NOTICES:
        hidden = len(intake.notices) - _MAX_LISTED_NOTICES
        lines.append(f"  ! … et {hidden} autre(s) avertissement(s)")
    return [terminal_text(line) for line in lines]


def write_validation_report(
    path: Path,
    referrals: Intake[Referral],
    slots: Intake[Slot] | None = None,
) -> None:
    """Write the report workbook: summary, rejected rows, warnings."""
    workbook = Workbook()
    summary = workbook.active
    assert summary is not None
    summary.title = "Synthèse"
    rows: list[tuple[str, int]] = [
        ("Demandes lues", len(referrals.accepted) + len(referrals.rejections)),
        ("Demandes recevables", len(referrals.accepted)),
        ("Demandes rejetées", len(referrals.rejections)),
    ]
    counts = referrals.reason_counts()
    rows += [(f"Motif {r.value} — {r.sentence}", counts[r]) for r in counts]
    if slots is not None:
        rows += [
            ("Créneaux lus", len(slots.accepted) + len(slots.rejections)),
            ("Créneaux valides", len(slots.accepted)),
            ("Créneaux rejetés", len(slots.rejections)),
        ]
    add_table(summary, ["Indicateur", "Nombre"], rows, widths=[90, 12])
    _rejections(workbook, "Demandes rejetées", referrals.rejections)
    notices = [("Demandes", n) for n in referrals.notices]
    if slots is not None:
        _rejections(workbook, "Créneaux rejetés", slots.rejections)
        notices += [("Créneaux", n) for n in slots.notices]
    sheet = workbook.create_sheet("Avertissements")
    add_table(
        sheet,
        ["Fichier", "Ligne", "Identifiant", "Avertissement"],
        [(f, n.row, n.record_id, n.text) for f, n in notices],
        widths=[12, 8, 16, 90],
    )
    save_workbook(workbook, path)


def _rejections(
    workbook: Workbook, title: str, rejections: Iterable[Rejection]
) -> None:
    sheet = workbook.create_sheet(title)
    add_table(
        sheet,
        ["Ligne", "Identifiant", "Codes", "Motifs", "Orientation du patient"],
        [rejection_cells(r) for r in rejections],
        widths=[8, 16, 28, 70, 60],
    )
    printable(sheet, title)
