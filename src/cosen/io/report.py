"""The validation report: what was read, what was rejected and why.

No personal data: row numbers, ids, reason codes and their sentences. The
same words reach the terminal (:func:`intake_lines`,
:func:`rejection_lines`) and the workbook (:func:`write_validation_report`,
whose summary prints on one page).
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from pathlib import Path
from typing import Any, Final

from openpyxl import Workbook

from cosen.domain import Intake, Issue, Reason, Rejection
from cosen.io.excel import add_table, printable, save_workbook
from cosen.parsing import printable as terminal_text

__all__ = [
    "intake_lines",
    "rejection_cells",
    "rejection_lines",
    "write_validation_report",
]

_MAX_LISTED_NOTICES: Final = 20
MAX_LISTED_REJECTIONS: Final = 20
_REJECTION_HEADER: Final = (
    "Ligne", "Identifiant", "Codes", "Motifs", "Orientation du patient",
)  # fmt: skip
_REJECTION_WIDTHS: Final = (8, 16, 28, 70, 60)


def rejection_cells(rejection: Rejection) -> tuple[int, str, str, str, str]:
    """Row number, id, codes, French reasons, orientations of a rejection."""
    codes = "\n".join(dict.fromkeys(i.reason.value for i in rejection.issues))
    reasons = "\n".join(issue.message for issue in rejection.issues)
    orientations = "\n".join(
        dict.fromkeys(i.reason.orientation for i in rejection.issues)
    )
    return rejection.row, rejection.record_id, codes, reasons, orientations


def intake_lines(name: str, intake: Intake[Any]) -> list[str]:
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


def _issue_words(issue: Issue) -> str:
    """``INVALID_FIELD code_postal — 5 chiffres attendus``."""
    text = issue.reason.value
    if issue.column:
        text += f" {issue.column}"
    if issue.detail:
        text += f" — {issue.detail}"
    return text


def rejection_lines(
    rejections: Sequence[Rejection], limit: int = MAX_LISTED_REJECTIONS
) -> list[str]:
    """The first ``limit`` rejected rows, one line each (row, id, reasons),
    then how many more the report holds."""
    lines = [
        f"  ligne {r.row} ({r.record_id or 'sans identifiant'}) : "
        + " ; ".join(_issue_words(i) for i in r.issues)
        for r in rejections[:limit]
    ]
    if len(rejections) > limit:
        hidden = len(rejections) - limit
        lines.append(
            f"  … et {hidden} autre{'s' if hidden > 1 else ''} (voir --out)"
        )
    return lines


def write_validation_report(
    path: Path,
    referrals: Intake[Any],
    slots: Intake[Any] | None = None,
    centres: Intake[Any] | None = None,
    preparations: Intake[Any] | None = None,
) -> None:
    """Write the report workbook: a one-page summary, each sheet's rejected
    rows, the warnings.

    Parameters
    ----------
    referrals
        The referral sheet's intake.
    slots, centres, preparations
        The other sheets' intakes, when they were checked.
    """
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
    # Each sheet's name, with its "read" and "rejected" agreeing with it.
    others = [
        (name, read, rejected, intake)
        for name, read, rejected, intake in (
            ("Créneaux", "lus", "rejetés", slots),
            ("Centres", "lus", "rejetés", centres),
            ("Préparations", "lues", "rejetées", preparations),
        )
        if intake is not None
    ]
    for name, read, rejected, intake in others:
        rows += [
            (f"{name} {read}", len(intake.accepted) + len(intake.rejections)),
            (f"{name} valides", len(intake.accepted)),
            (f"{name} {rejected}", len(intake.rejections)),
        ]
    add_table(summary, ["Indicateur", "Nombre"], rows, widths=[70, 10])
    printable(
        summary, "Rapport de vérification — synthèse", one_page=True,
        landscape=False,
    )  # fmt: skip
    _rejections(workbook, "Demandes rejetées", referrals.rejections)
    notices = [("Demandes", n) for n in referrals.notices]
    for name, _, rejected, intake in others:
        _rejections(workbook, f"{name} {rejected}", intake.rejections)
        notices += [(name, n) for n in intake.notices]
    sheet = workbook.create_sheet("Avertissements")
    add_table(
        sheet,
        ["Fichier", "Ligne", "Identifiant", "Avertissement"],
        [(f, n.row, n.record_id, n.text) for f, n in notices],
        widths=[13, 8, 16, 90],
    )
    printable(sheet, "Avertissements")
    save_workbook(workbook, path)


def _rejections(
    workbook: Workbook, title: str, rejections: Iterable[Rejection]
) -> None:
    sheet = workbook.create_sheet(title)
    add_table(
        sheet,
        _REJECTION_HEADER,
        [rejection_cells(r) for r in rejections],
        widths=_REJECTION_WIDTHS,
    )
    printable(sheet, title)
