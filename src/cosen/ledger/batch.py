"""Batch operations on the ledger: runs, answers, status, purge, exports.

A run imports the new referrals and slots, keeps every booking where it
is, books the pending referrals into the free slots with the very same
``allocate`` as ``cosen allocate``, and records itself; all of it in one
transaction. Exports are written after the commit, from what the ledger
holds (:func:`export_run`), so ``cosen batch export`` re-creates them
exactly, for instance after a crash between commit and export.

Referral states: ``pending`` -> ``booked`` (run) -> ``confirmed``
(answer); ``refuse`` puts a booked referral back to ``pending`` and never
offers it that slot again; ``annule`` (withdrawn), ``absent`` (no-show)
and ``realise`` (done) close it. Closed is final.
"""

from __future__ import annotations

import enum
import hashlib
import json
import sqlite3
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import asdict, dataclass, field
from datetime import date, datetime
from pathlib import Path
from typing import Annotated, Any, Final

from pydantic import BaseModel, BeforeValidator, ConfigDict

from cosen.allocation import (
    Allocation,
    AllocationSettings,
    Booked,
    Unbooked,
    allocate,
)
from cosen.allocation.indicators import indicators
from cosen.domain import (
    Column,
    Identifier,
    Intake,
    Issue,
    Notice,
    PatientRegister,
    Reason,
    Referral,
    Rejection,
    Slot,
    check_row,
    from_text,
)
from cosen.errors import CosenError
from cosen.io.exports import write_centre_lists, write_exports
from cosen.io.readers import read_records, read_referrals, read_slots
from cosen.ledger.store import Ledger
from cosen.optimizer import Solution, Status, Tiers
from cosen.parsing import CellError, normalize_key

__all__ = [
    "AnswerKind",
    "AnswerReport",
    "AnswerRow",
    "RunReport",
    "State",
    "apply_answers",
    "export_run",
    "history",
    "ledger_status",
    "purge",
    "run_batch",
]

FULL_LISTS: Final = "liste-complete"
RELEASED_LISTS: Final = "liberes"


class State(enum.StrEnum):
    PENDING = "pending"
    BOOKED = "booked"
    CONFIRMED = "confirmed"
    CLOSED = "closed"


class AnswerKind(enum.StrEnum):
    """What a patient or centre said about a booked referral."""

    CONFIRMED = "confirme"
    DECLINED = "refuse"
    CANCELLED = "annule"
    NO_SHOW = "absent"
    DONE = "realise"


_ANSWER_WORDS: Final = {
    **{kind.value: kind for kind in AnswerKind},
    "confirmed": AnswerKind.CONFIRMED,
    "declined": AnswerKind.DECLINED,
    "refused": AnswerKind.DECLINED,
    "cancelled": AnswerKind.CANCELLED,
    "noshow": AnswerKind.NO_SHOW,
    "done": AnswerKind.DONE,
}
# What each answer needs and does: allowed states, new state, outcome,
# and whether the booked slots are released.
_TRANSITIONS: Final = {
    AnswerKind.CONFIRMED: ({State.BOOKED}, State.CONFIRMED, None, False),
    AnswerKind.DECLINED: (
        {State.BOOKED, State.CONFIRMED}, State.PENDING, None, True,
    ),
    AnswerKind.CANCELLED: (
        {State.PENDING, State.BOOKED, State.CONFIRMED},
        State.CLOSED, "cancelled", True,
    ),
    AnswerKind.NO_SHOW: (
        {State.BOOKED, State.CONFIRMED}, State.CLOSED, "no_show", False,
    ),
    AnswerKind.DONE: (
        {State.BOOKED, State.CONFIRMED}, State.CLOSED, "done", False,
    ),
}  # fmt: skip
_STATE_TEXT: Final = {
    State.PENDING: "en attente d'un créneau",
    State.BOOKED: "attribuée, non confirmée",
    State.CONFIRMED: "confirmée",
    State.CLOSED: "close",
}


def _answer(text: str) -> AnswerKind:
    kind = _ANSWER_WORDS.get(normalize_key(text))
    if kind is None:
        raise CellError(
            "réponse attendue : confirme, refuse, annule, absent ou realise"
        )
    return kind


class AnswerRow(BaseModel):
    """One row of an answers file, with its row number in the sheet."""

    model_config = ConfigDict(frozen=True, hide_input_in_errors=True)

    row: int = 0
    referral_id: Identifier
    answer: Annotated[AnswerKind, BeforeValidator(from_text(_answer))]


ANSWER_COLUMNS: Final = (
    Column("referral_id", "id_demande", "referral_id", "Identifiant"),
    Column(
        "answer",
        "reponse",
        "answer",
        "confirme, refuse, annule, absent ou realise",
    ),
)


# --------------------------------------------------------------------------
# Serialisation


def _sha256(data: bytes) -> str:
    return hashlib.sha256(data).hexdigest()


def _file_sha256(path: Path) -> str:
    try:
        return _sha256(path.read_bytes())
    except OSError:
        return ""


def _settings_text(settings: AllocationSettings) -> str:
    values = asdict(settings)
    values["now"] = settings.now.isoformat()
    values["target_clock"] = settings.target_clock.value
    return json.dumps(values, sort_keys=True)


def _settings_from(text: str) -> AllocationSettings:
    values = json.loads(text)
    now = datetime.fromisoformat(values.pop("now"))
    return AllocationSettings.from_mapping(values, now)


def _solution_text(solution: Solution) -> str:
    return json.dumps(
        {
            "status": solution.status.value,
            "tiers": asdict(solution.tiers),
            "bound": asdict(solution.bound),
            "seconds": solution.seconds,
            "methods": solution.methods,
        }
    )


def _solution_from(text: str) -> Solution:
    values = json.loads(text)
    return Solution(
        Status(values["status"]),
        {},
        Tiers(**values["tiers"]),
        Tiers(**values["bound"]),
        values["seconds"],
        values["methods"],
    )


def _issues_text(issues: Iterable[Issue]) -> str:
    return json.dumps(
        [[i.reason.value, i.column, i.detail] for i in issues],
        ensure_ascii=False,
    )


def _issues_from(text: str) -> tuple[Issue, ...]:
    return tuple(
        Issue(Reason(reason), column, detail)
        for reason, column, detail in json.loads(text)
    )


# --------------------------------------------------------------------------
# Runs


@dataclass
class RunReport:
    """What a run did.

    Attributes
    ----------
    run_id
        The run's number in the ledger.
    counts
        Rows and records by what happened to them (``referrals_new``,
        ``referrals_updated``, ``referrals_unchanged``,
        ``referrals_conflict``, the same for slots, ``booked``, ...).
    notes
        (kind, id, French note) for updates and conflicts, no personal
        data.
    allocation
        The allocation of the pending referrals.
    rejections
        Rejected rows of the referral file (duplicates of referrals open
        in the ledger included).
    """

    run_id: int
    counts: dict[str, int]
    notes: list[tuple[str, str, str]]
    allocation: Allocation
    rejections: list[Rejection]


def run_batch(
    ledger: Ledger,
    referrals_path: Path,
    slots_path: Path,
    settings: AllocationSettings,
) -> RunReport:
    """Import the files, book the pending referrals, record the run.

    Everything happens in one transaction: a run killed at any point
    leaves the ledger as before it. Exports are not written here (see
    :func:`export_run`, to call after this returns).
    """
    referral_intake = read_referrals(referrals_path)
    slot_intake = read_slots(slots_path)
    counts: dict[str, int] = {
        "received": len(referral_intake.accepted)
        + len(referral_intake.rejections),
        "slots_received": len(slot_intake.accepted)
        + len(slot_intake.rejections),
    }
    notes: list[tuple[str, str, str]] = []
    with ledger.transaction() as db:
        run_id = _insert_run(db, referrals_path, slots_path, settings)
        _import_referrals(db, run_id, referral_intake, counts, notes)
        _import_slots(db, run_id, slot_intake.accepted, counts, notes)
        pending = _referrals(db, "state = 'pending'")
        booked = _booked_slot_ids(db)
        slots = _slots(db, "1")
        free = [
            s
            for s in slots
            if s.slot_id not in booked and s.start > settings.now
        ]
        taken = [s for s in slots if s.slot_id in booked]
        declined: dict[str, set[str]] = {}
        for referral_id, slot_id in db.execute(
            "SELECT referral_id, slot_id FROM declines"
        ):
            declined.setdefault(referral_id, set()).add(slot_id)
        allocation = allocate(pending, free, settings, declined, taken=taken)
        _record_allocation(db, run_id, allocation)
        _record_rejections(db, run_id, "referral", referral_intake.rejections)
        _record_rejections(db, run_id, "slot", slot_intake.rejections)
        db.executemany(
            "INSERT INTO run_notes VALUES (?, ?, ?, ?)",
            [(run_id, *note) for note in notes],
        )
        # Slots released by answers since the last run are this run's news.
        db.execute(
            "UPDATE bookings SET released_reported_run = ? "
            "WHERE active = 0 AND released_reported_run IS NULL",
            (run_id,),
        )
        counts["booked"] = len(allocation.booked)
        counts["unbooked"] = len(allocation.unbooked)
        counts["rejected"] = len(referral_intake.rejections)
        counts["slots_rejected"] = len(slot_intake.rejections)
        db.execute(
            "UPDATE runs SET counts = ?, status = ?, solution = ?, "
            "baseline = ? WHERE id = ?",
            (
                json.dumps(counts),
                allocation.solution.status.value,
                _solution_text(allocation.solution),
                json.dumps(allocation.baseline_lateness),
                run_id,
            ),
        )
    return RunReport(
        run_id, counts, notes, allocation, referral_intake.rejections
    )


def _booked_slot_ids(db: sqlite3.Connection) -> set[str]:
    """Slots held by an active booking."""
    return {
        row[0]
        for row in db.execute("SELECT slot_id FROM bookings WHERE active = 1")
    }


def _insert_run(
    db: sqlite3.Connection,
    referrals_path: Path,
    slots_path: Path,
    settings: AllocationSettings,
) -> int:
    cursor = db.execute(
        "INSERT INTO runs (started_at, now, referrals_file, "
        "referrals_sha256, slots_file, slots_sha256, settings, counts, "
        "status, solution, baseline) VALUES (?, ?, ?, ?, ?, ?, ?, '{}', "
        "'RUNNING', '{}', '[]')",
        (
            datetime.now(settings.now.tzinfo).isoformat(timespec="seconds"),
            settings.now.isoformat(),
            referrals_path.name,
            _file_sha256(referrals_path),
            slots_path.name,
            _file_sha256(slots_path),
            _settings_text(settings),
        ),
    )
    return int(cursor.lastrowid or 0)


def _count(counts: dict[str, int], key: str) -> None:
    counts[key] = counts.get(key, 0) + 1


def _import_referrals(
    db: sqlite3.Connection,
    run_id: int,
    intake: Intake[Referral],
    counts: dict[str, int],
    notes: list[tuple[str, str, str]],
) -> None:
    """New referrals are added, unchanged ones skipped; a changed one is
    updated while pending, else reported as a conflict and left alone. The
    same patient asking again for an exam still open in the ledger is a
    duplicate, as within one file."""
    known = {
        row[0]: (row[1], State(row[2]))
        for row in db.execute(
            "SELECT referral_id, content_sha256, state FROM referrals"
        )
    }
    patients = PatientRegister(
        _referrals(db, "state != 'closed'"), where="au registre"
    )
    for referral in list(intake.accepted):
        data = referral.model_dump_json()
        digest = _sha256(data.encode())
        referral_id = referral.referral_id
        if referral_id not in known:
            duplicate = patients.issue(referral)
            if duplicate is not None:
                intake.accepted.remove(referral)
                intake.rejections.append(
                    Rejection(
                        intake.rows[referral_id], referral_id, (duplicate,)
                    )
                )
                continue
            db.execute(
                "INSERT INTO referrals (referral_id, content_sha256, data, "
                "received_at, exams, state, first_run) "
                "VALUES (?, ?, ?, ?, ?, 'pending', ?)",
                (
                    referral_id,
                    digest,
                    data,
                    referral.received_at.isoformat(),
                    "+".join(referral.exams),
                    run_id,
                ),
            )
            _count(counts, "referrals_new")
            continue
        old_digest, state = known[referral_id]
        if old_digest == digest:
            _count(counts, "referrals_unchanged")
        elif state is State.PENDING and old_digest is not None:
            db.execute(
                "UPDATE referrals SET content_sha256 = ?, data = ?, "
                "received_at = ?, exams = ? WHERE referral_id = ?",
                (
                    digest,
                    data,
                    referral.received_at.isoformat(),
                    "+".join(referral.exams),
                    referral_id,
                ),
            )
            _count(counts, "referrals_updated")
            notes.append(
                ("referral", referral_id, "demande modifiée : mise à jour")
            )
        else:
            _count(counts, "referrals_conflict")
            why = _STATE_TEXT[state] if old_digest else "purgée"
            notes.append(
                (
                    "referral",
                    referral_id,
                    f"demande modifiée alors qu'elle est {why} : conflit, "
                    "registre inchangé",
                )
            )


def _import_slots(
    db: sqlite3.Connection,
    run_id: int,
    slots: Sequence[Slot],
    counts: dict[str, int],
    notes: list[tuple[str, str, str]],
) -> None:
    """The same for slots: a changed slot is updated unless booked."""
    known = dict(db.execute("SELECT slot_id, content_sha256 FROM slots"))
    booked = _booked_slot_ids(db)
    for slot in slots:
        data = slot.model_dump_json()
        digest = _sha256(data.encode())
        if slot.slot_id not in known:
            db.execute(
                "INSERT INTO slots VALUES (?, ?, ?, ?, ?, ?)",
                (
                    slot.slot_id,
                    digest,
                    data,
                    slot.center,
                    slot.start.isoformat(),
                    run_id,
                ),
            )
            _count(counts, "slots_new")
        elif known[slot.slot_id] == digest:
            _count(counts, "slots_unchanged")
        elif slot.slot_id in booked:
            _count(counts, "slots_conflict")
            notes.append(
                (
                    "slot",
                    slot.slot_id,
                    "créneau modifié alors qu'il est attribué : conflit, "
                    "registre inchangé",
                )
            )
        else:
            db.execute(
                "UPDATE slots SET content_sha256 = ?, data = ?, center = ?, "
                "start = ? WHERE slot_id = ?",
                (
                    digest,
                    data,
                    slot.center,
                    slot.start.isoformat(),
                    slot.slot_id,
                ),
            )
            _count(counts, "slots_updated")
            notes.append(
                ("slot", slot.slot_id, "créneau modifié : mis à jour")
            )


def _referrals(db: sqlite3.Connection, where: str) -> list[Referral]:
    """Referrals still holding their data, by reception."""
    return [
        Referral.model_validate_json(row[0])
        for row in db.execute(
            f"SELECT data FROM referrals WHERE data IS NOT NULL AND {where} "
            "ORDER BY received_at, referral_id"
        )
    ]


def _slots(db: sqlite3.Connection, where: str) -> list[Slot]:
    return [
        Slot.model_validate_json(row[0])
        for row in db.execute(
            f"SELECT data FROM slots WHERE {where} ORDER BY start, slot_id"
        )
    ]


def _record_allocation(
    db: sqlite3.Connection, run_id: int, allocation: Allocation
) -> None:
    for booked in allocation.booked:
        db.executemany(
            "INSERT INTO bookings (referral_id, slot_id, position, run_id, "
            "target, late_minutes) VALUES (?, ?, ?, ?, ?, ?)",
            [
                (
                    booked.referral.referral_id,
                    slot.slot_id,
                    position,
                    run_id,
                    booked.target.isoformat(),
                    booked.late_minutes,
                )
                for position, slot in enumerate(booked.slots)
            ],
        )
        db.execute(
            "UPDATE referrals SET state = 'booked' WHERE referral_id = ?",
            (booked.referral.referral_id,),
        )
    db.executemany(
        "INSERT INTO run_unbooked VALUES (?, ?, ?, ?, ?)",
        [
            (
                run_id,
                item.referral.referral_id,
                item.reason.value,
                item.detail,
                item.target.isoformat(),
            )
            for item in allocation.unbooked
        ],
    )


def _record_rejections(
    db: sqlite3.Connection,
    run_id: int,
    kind: str,
    rejections: Iterable[Rejection],
) -> None:
    db.executemany(
        "INSERT INTO run_rejections VALUES (?, ?, ?, ?, ?)",
        [
            (run_id, kind, r.row, r.record_id, _issues_text(r.issues))
            for r in rejections
        ],
    )


# --------------------------------------------------------------------------
# Exports, from the ledger


def export_run(ledger: Ledger, folder: Path, run_id: int | None = None) -> int:
    """Write a run's exports (the latest run by default); return its id.

    Into ``folder``: the allocation's exports for what the run booked
    (``centres/``, ``synthese.xlsx``, ``notifications.csv``), the full
    current list per centre (``liste-complete/``) and the appointments
    released by answers since the previous run (``liberes/``).

    Raises
    ------
    CosenError
        When the ledger has no such run, or its patients' data were purged.
    """
    db = ledger.connection
    row = db.execute(
        "SELECT id, settings, counts, solution, baseline FROM runs "
        "WHERE id = coalesce(?, (SELECT max(id) FROM runs))",
        (run_id,),
    ).fetchone()
    if row is None:
        raise CosenError(
            "aucun passage au registre"
            if run_id is None
            else f"aucun passage n° {run_id} au registre"
        )
    run_id, settings, counts, solution, baseline = row
    referrals = {
        r.referral_id: r
        for r in (
            Referral.model_validate_json(data)
            for (data,) in db.execute(
                "SELECT data FROM referrals WHERE data IS NOT NULL"
            )
        )
    }
    slots = {s.slot_id: s for s in _slots(db, "1")}
    booked = _booked(db, referrals, slots, "run_id = ?", (run_id,))
    unbooked = []
    for referral_id, reason, detail, target in db.execute(
        "SELECT referral_id, reason, detail, target FROM run_unbooked "
        "WHERE run_id = ?",
        (run_id,),
    ):
        unbooked.append(
            Unbooked(
                _referral(referrals, referral_id),
                Reason(reason),
                detail,
                datetime.fromisoformat(target),
            )
        )
    allocation = Allocation(
        _settings_from(settings),
        booked,
        unbooked,
        _solution_from(solution),
        tuple(json.loads(baseline)),
    )
    rejections = [
        Rejection(row_number, record_id, _issues_from(issues))
        for row_number, record_id, issues in db.execute(
            "SELECT row, record_id, issues FROM run_rejections "
            "WHERE run_id = ? AND kind = 'referral' ORDER BY row",
            (run_id,),
        )
    ]
    write_exports(
        folder, allocation, rejections, json.loads(counts).get("received", 0)
    )
    write_centre_lists(
        folder / FULL_LISTS,
        _booked(db, referrals, slots, "active = 1", ()),
        "Liste complète des rendez-vous COSEN",
    )
    write_centre_lists(
        folder / RELEASED_LISTS,
        _booked(db, referrals, slots, "released_reported_run = ?", (run_id,)),
        "Rendez-vous COSEN libérés",
    )
    return int(run_id)


def _referral(referrals: Mapping[str, Referral], referral_id: str) -> Referral:
    try:
        return referrals[referral_id]
    except KeyError:
        raise CosenError(
            f"les données de la demande {referral_id} ont été purgées : "
            "exports de ce passage impossibles à recréer."
        ) from None


def _booked(
    db: sqlite3.Connection,
    referrals: Mapping[str, Referral],
    slots: Mapping[str, Slot],
    where: str,
    parameters: tuple[object, ...],
) -> list[Booked]:
    """Bookings matching ``where``, one per visit (slots in visit order)."""
    visits: dict[tuple[int, str], tuple[list[Slot], str, int]] = {}
    for run, referral_id, slot_id, target, late in db.execute(
        "SELECT run_id, referral_id, slot_id, target, late_minutes "
        f"FROM bookings WHERE {where} ORDER BY run_id, referral_id, position",
        parameters,
    ):
        visit = visits.setdefault((run, referral_id), ([], target, late))
        visit[0].append(slots[slot_id])
    return [
        Booked(
            _referral(referrals, referral_id),
            tuple(visit_slots),
            datetime.fromisoformat(target),
            late,
        )
        for (_, referral_id), (visit_slots, target, late) in visits.items()
    ]


# --------------------------------------------------------------------------
# Answers


@dataclass
class AnswerReport:
    """What an answers file did: counts by answer, rejected rows."""

    applied: dict[str, int]
    rejections: list[Rejection]
    notices: list[Notice] = field(default_factory=list)


def _check_answers(
    rows: Iterable[tuple[int, Mapping[str, str]]],
) -> Intake[AnswerRow]:
    intake: Intake[AnswerRow] = Intake()
    for row, raw in rows:
        record, issues, _ = check_row(AnswerRow, ANSWER_COLUMNS, raw)
        if record is None:
            referral_id = (raw.get("referral_id") or "").strip()
            intake.rejections.append(
                Rejection(row, referral_id, tuple(issues))
            )
        else:
            intake.accepted.append(record.model_copy(update={"row": row}))
    return intake


def apply_answers(ledger: Ledger, path: Path, at: datetime) -> AnswerReport:
    """Apply patients' and centres' answers, row by row.

    Valid rows are applied in one transaction; a row for an unknown
    referral or an impossible transition is rejected with its row number.
    """
    intake = read_records(
        path, ("Reponses", "Réponses", "Answers"), AnswerRow, ANSWER_COLUMNS,
        _check_answers,
    )  # fmt: skip
    report = AnswerReport({}, list(intake.rejections), intake.notices)
    digest = _file_sha256(path)
    with ledger.transaction() as db:
        for answer in intake.accepted:
            problem = _apply(db, answer, at, path.name, digest)
            if problem is None:
                report.applied[answer.answer.value] = (
                    report.applied.get(answer.answer.value, 0) + 1
                )
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


def _apply(
    db: sqlite3.Connection,
    answer: AnswerRow,
    at: datetime,
    file_name: str,
    digest: str,
) -> str | None:
    """Apply one answer; return why it cannot be applied, if so."""
    found = db.execute(
        "SELECT state FROM referrals WHERE referral_id = ?",
        (answer.referral_id,),
    ).fetchone()
    if found is None:
        return "demande inconnue du registre"
    state = State(found[0])
    allowed, new_state, outcome, release = _TRANSITIONS[answer.answer]
    if state not in allowed:
        if state is State.PENDING:
            return "demande sans rendez-vous attribué"
        return f"réponse impossible pour une demande {_STATE_TEXT[state]}"
    moment = at.isoformat(timespec="seconds")
    if answer.answer is AnswerKind.DECLINED:
        db.execute(
            "INSERT OR IGNORE INTO declines SELECT referral_id, slot_id "
            "FROM bookings WHERE referral_id = ? AND active = 1",
            (answer.referral_id,),
        )
    if release:
        db.execute(
            "UPDATE bookings SET active = 0, released_at = ?, "
            "released_reason = ? WHERE referral_id = ? AND active = 1",
            (moment, answer.answer.value, answer.referral_id),
        )
    db.execute(
        "UPDATE referrals SET state = ?, outcome = ?, closed_at = ? "
        "WHERE referral_id = ?",
        (
            new_state.value,
            outcome,
            moment if new_state is State.CLOSED else None,
            answer.referral_id,
        ),
    )
    db.execute(
        "INSERT INTO answers (imported_at, file, file_sha256, referral_id, "
        "answer, previous_state) VALUES (?, ?, ?, ?, ?, ?)",
        (moment, file_name, digest, answer.referral_id, answer.answer.value,
         state.value),
    )  # fmt: skip
    return None


# --------------------------------------------------------------------------
# Status, history, purge


def ledger_status(ledger: Ledger, since: date | None = None) -> dict[str, Any]:
    """Referrals by state, by centre and by exam; indicators of the
    bookings made since ``since`` (all if ``None``). No personal data."""
    db = ledger.connection
    states = dict.fromkeys((s.value for s in State), 0)
    states.update(
        db.execute("SELECT state, count(*) FROM referrals GROUP BY state")
    )
    outcomes = dict(
        db.execute(
            "SELECT outcome, count(*) FROM referrals "
            "WHERE state = 'closed' GROUP BY outcome"
        )
    )
    by_centre: dict[str, dict[str, int]] = {}
    for centre, state, count in db.execute(
        "SELECT s.center, r.state, count(DISTINCT r.referral_id) "
        "FROM bookings b JOIN slots s USING (slot_id) "
        "JOIN referrals r USING (referral_id) "
        "WHERE b.active = 1 AND r.state IN ('booked', 'confirmed') "
        "GROUP BY s.center, r.state"
    ):
        by_centre.setdefault(centre, {})[state] = count
    by_exam: dict[str, dict[str, int]] = {}
    for exams, state, count in db.execute(
        "SELECT exams, state, count(*) FROM referrals GROUP BY exams, state"
    ):
        by_exam.setdefault(exams, {})[state] = count
    since_text = since.isoformat() if since else ""
    lateness = [
        late
        for (late,) in db.execute(
            "SELECT b.late_minutes FROM bookings b JOIN runs r "
            "ON r.id = b.run_id WHERE b.position = 0 AND r.now >= ?",
            (since_text,),
        )
    ]
    eligible = db.execute(
        "SELECT count(*) FROM referrals WHERE received_at >= ?",
        (since_text,),
    ).fetchone()[0]
    found = indicators(max(eligible, len(lateness)), lateness)
    return {
        "states": states,
        "closed": outcomes,
        "by_centre": by_centre,
        "by_exam": by_exam,
        "since": since_text or None,
        "kpi": found.as_dict(),
        "runs": db.execute("SELECT count(*) FROM runs").fetchone()[0],
    }


def history(ledger: Ledger) -> list[dict[str, Any]]:
    """The runs, oldest first (files by name and digest, counts, status)."""
    return [
        {
            "run": run_id,
            "started_at": started,
            "now": now,
            "referrals_file": referrals_file,
            "referrals_sha256": referrals_sha,
            "slots_file": slots_file,
            "slots_sha256": slots_sha,
            "status": status,
            "counts": json.loads(counts),
        }
        for (run_id, started, now, referrals_file, referrals_sha, slots_file,
             slots_sha, status, counts) in ledger.connection.execute(
            "SELECT id, started_at, now, referrals_file, referrals_sha256, "
            "slots_file, slots_sha256, status, counts FROM runs ORDER BY id"
        )
    ]  # fmt: skip


def purge(ledger: Ledger, before: date, at: datetime) -> int:
    """Delete the personal data of referrals closed before ``before``.

    What stays is anonymous: ids, exams, states, outcomes, dates and the
    bookings' slots and lateness, for statistics. The file is then
    rewritten so the data leave the disk. Returns how many were purged.
    """
    with ledger.transaction() as db:
        cursor = db.execute(
            "UPDATE referrals SET data = NULL, content_sha256 = NULL "
            "WHERE state = 'closed' AND closed_at < ? AND data IS NOT NULL",
            (before.isoformat(),),
        )
        count = cursor.rowcount
        db.execute(
            "INSERT INTO purges (purged_at, before, referrals) "
            "VALUES (?, ?, ?)",
            (at.isoformat(timespec="seconds"), before.isoformat(), count),
        )
    ledger.vacuum()
    return count
