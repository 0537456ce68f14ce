"""Patients' and centres' answers: one row moves one referral.

Each row is checked like a spreadsheet row (row number, French reasons),
then applied as the transition :data:`cosen.ledger.states.TRANSITIONS`
gives for its answer; a row that cannot be applied (unknown referral,
impossible transition) is rejected with its row number and the others
are applied, all in one transaction.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from datetime import datetime
from pathlib import Path
from typing import Annotated, Final

from pydantic import BaseModel, BeforeValidator, ConfigDict

from cosen.domain import (
    Column,
    Identifier,
    Intake,
    Issue,
    Notice,
    Reason,
    Rejection,
    check_row,
    from_text,
)
from cosen.io.readers import read_records
from cosen.ledger.database import Database, file_digest
from cosen.ledger.outbox import queue_release
from cosen.ledger.runs import DESK_SOURCE
from cosen.ledger.states import (
    STATE_TEXT,
    TRANSITIONS,
    AnswerKind,
    State,
    answer_kind,
)
from cosen.ledger.users import log_access
from cosen.parsing import french_datetime

__all__ = [
    "ANSWER_COLUMNS",
    "ANSWER_SHEETS",
    "AnswerReport",
    "AnswerRow",
    "answer_one",
    "apply_answers",
]

ANSWER_SHEETS: Final = ("Reponses", "Réponses", "Answers")


class AnswerRow(BaseModel):
    """One row of an answers file, with its row number in the sheet."""

    model_config = ConfigDict(frozen=True, hide_input_in_errors=True)

    row: int = 0
    referral_id: Identifier
    answer: Annotated[AnswerKind, BeforeValidator(from_text(answer_kind))]


ANSWER_COLUMNS: Final = (
    Column("referral_id", "id_demande", "referral_id", "Identifiant"),
    Column(
        "answer",
        "reponse",
        "answer",
        "confirme, refuse, annule, absent ou realise",
    ),
)


@dataclass
class AnswerReport:
    """What an answers file did: counts by answer, rejected rows."""

    applied: Counter[AnswerKind]
    rejections: list[Rejection]
    notices: list[Notice] = field(default_factory=list)


def apply_answers(ledger: Database, path: Path, at: datetime) -> AnswerReport:
    """Apply patients' and centres' answers, row by row, in one
    transaction; rows that cannot be applied are rejected with their row
    number.

    Rows of one file that give one referral different answers contradict
    each other: all of them are rejected, naming the others (the same
    answer twice counts once). ``absent`` and ``realise`` need the
    appointment to have started by ``at``.
    """
    intake = read_records(
        path, ANSWER_SHEETS, AnswerRow, ANSWER_COLUMNS, _check_answers
    )
    report = AnswerReport(Counter(), list(intake.rejections), intake.notices)
    file = (path.name, file_digest(path))
    with ledger.write() as db:
        for answer in intake.accepted:
            problem = _apply(db, answer, at, file)
            if problem is None:
                report.applied[answer.answer] += 1
                continue
            report.rejections.append(
                Rejection(
                    answer.row,
                    answer.referral_id,
                    (Issue(Reason.INVALID_FIELD, "reponse", problem),),
                )
            )
    report.rejections.sort(key=lambda r: r.row)
    return report


def answer_one(
    ledger: Database,
    referral_id: str,
    answer: AnswerKind,
    at: datetime,
    login: str,
) -> str | None:
    """Apply one answer recorded at the desk by ``login``: the same
    transition, the same checks as a row of an answers file, and an entry
    in the access log. Returns why it cannot be applied, if so (French)."""
    row = AnswerRow(referral_id=referral_id, answer=answer)
    with ledger.write() as db:
        problem = _apply(db, row, at, (DESK_SOURCE, ""), login)
        if problem is None:
            log_access(db, login, at, [(referral_id, f"réponse {answer}")])
    return problem


def _check_answers(
    rows: Iterable[tuple[int, Mapping[str, str]]],
) -> Intake[AnswerRow]:
    intake: Intake[AnswerRow] = Intake()
    valid: list[AnswerRow] = []
    for row, raw in rows:
        if not (raw.get("answer") or "").strip():
            # A call list's patient not reached yet: nothing to apply.
            intake.notices.append(
                Notice(
                    row,
                    (raw.get("referral_id") or "").strip(),
                    "sans réponse : ligne ignorée",
                )
            )
            continue
        record, issues, _ = check_row(AnswerRow, ANSWER_COLUMNS, raw)
        if record is None:
            referral_id = (raw.get("referral_id") or "").strip()
            intake.rejections.append(
                Rejection(row, referral_id, tuple(issues))
            )
        else:
            valid.append(record.model_copy(update={"row": row}))
    by_referral: dict[str, list[AnswerRow]] = {}
    for answer in valid:
        by_referral.setdefault(answer.referral_id, []).append(answer)
    for answers in by_referral.values():
        if len({a.answer for a in answers}) == 1:
            intake.accepted.append(answers[0])
            continue
        for answer in answers:
            others = ", ".join(str(a.row) for a in answers if a is not answer)
            intake.rejections.append(
                Rejection(
                    answer.row,
                    answer.referral_id,
                    (
                        Issue(
                            Reason.INVALID_FIELD,
                            "reponse",
                            "réponses contradictoires pour cette demande "
                            f"dans ce fichier (ligne(s) {others}) : aucune "
                            "n'est appliquée",
                        ),
                    ),
                )
            )
    intake.accepted.sort(key=lambda a: a.row)
    return intake


def _apply(
    db: Database,
    answer: AnswerRow,
    at: datetime,
    file: tuple[str, str],
    login: str | None = None,
) -> str | None:
    """Apply one answer; return why it cannot be applied, if so."""
    state = db.referral_state(answer.referral_id)
    if state is None:
        return "demande inconnue du registre"
    transition = TRANSITIONS[answer.answer]
    if state not in transition.allowed:
        if state is State.PENDING:
            return "demande sans rendez-vous attribué"
        return f"réponse impossible pour une demande {STATE_TEXT[state]}"
    if transition.needs_start:
        start = db.visit_start(answer.referral_id)
        if start is not None and start > at:
            return (
                f"le rendez-vous du {french_datetime(start)} n'a pas encore "
                "eu lieu : absent ou réalisé seulement après son début"
            )
    if answer.answer is AnswerKind.DECLINED:
        db.decline_booked(answer.referral_id)
    visit = db.active_visit_id(answer.referral_id)
    if transition.releases and visit is not None:
        # Declined, the visit is replaced by the next booking, whose
        # notices say so; cancelled, whoever was told is told.
        queue_release(
            db, visit, at, cancelled=answer.answer is AnswerKind.CANCELLED
        )
        db.release(answer.referral_id, at, answer.answer.value)
    db.set_state(
        answer.referral_id,
        transition.to,
        transition.outcome,
        at if transition.to is State.CLOSED else None,
    )
    db.add_answer(
        at, file, answer.referral_id, answer.answer.value, state, login
    )
    return None
