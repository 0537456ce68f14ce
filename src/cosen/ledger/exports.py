"""A run's files, rebuilt from the ledger.

Exports are written after a run commits, from what the ledger holds, by
:func:`export_run`: the code behind ``cosen batch export`` too, so a run's
files can be re-created exactly, for instance after a crash between the
commit and the export. Everything an export reads comes from one snapshot
of the ledger, so a run committing meanwhile never mixes into it.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from datetime import datetime
from pathlib import Path
from typing import Final

from cosen.allocation import AllocationSettings, Booked, Unbooked
from cosen.domain import (
    Directory,
    Preparations,
    Referral,
    Rejection,
    Slot,
)
from cosen.errors import CosenError
from cosen.io import notices
from cosen.io.calendars import (
    CalendarEntry,
    add_centre_calendars,
    centre_calendar,
)
from cosen.io.exports import (
    AppointmentStatus,
    add_centre_lists,
    add_exports,
)
from cosen.io.outputs import output_set
from cosen.ledger.database import BookingRecord, Database, SolverReport
from cosen.ledger.messages import Audience, Channel, OutboxMessage
from cosen.ledger.runs import WITHDRAWN
from cosen.ledger.states import AnswerKind, State
from cosen.parsing import national_phone

__all__ = [
    "FULL_LISTS",
    "RELEASED_LISTS",
    "StoredRun",
    "current_calendar",
    "deliver",
    "deliver_waiting",
    "export_run",
    "stored_run",
]

FULL_LISTS: Final = "liste-complete"
RELEASED_LISTS: Final = "liberes"


@dataclass(frozen=True)
class StoredRun:
    """A recorded run, as its exports read it (an
    :class:`~cosen.allocation.Outcome`).

    Attributes
    ----------
    run_id
        The run's number.
    settings, solution, baseline_lateness
        What it ran with and what the solve reached.
    booked, unbooked
        What it booked and left waiting, with the referrals' data.
    rejections
        Rejected rows of its referral file.
    received
        Rows of its referral file.
    """

    run_id: int
    settings: AllocationSettings
    solution: SolverReport
    baseline_lateness: tuple[int, ...]
    booked: list[Booked]
    unbooked: list[Unbooked]
    rejections: list[Rejection]
    received: int


@dataclass(frozen=True)
class _Snapshot:
    """What one read of the ledger gives an export: the run, the visits
    held now, those released since the previous run, those released still
    ahead (with their records), the statuses of the held ones, the
    directory, the preparations, the run's notices, the ledger's stamp."""

    run: StoredRun
    current: list[tuple[Booked, BookingRecord]]
    released: list[tuple[Booked, BookingRecord]]
    cancelled: list[tuple[Booked, BookingRecord]]
    statuses: dict[str, AppointmentStatus]
    directory: Directory
    preparations: Preparations
    messages: list[notices.Message]
    namespace: str


def export_run(
    ledger: Database, folder: Path, run_id: int | None = None
) -> int:
    """Write a run's exports (the latest run by default), as one set;
    return its id.

    Into ``folder``: the allocation's exports for what the run booked
    (``centres/``, ``synthese.xlsx``, ``appels.xlsx``, ``notifications.csv``
    with the notices the run queued), the current list of each centre with
    its calendar (``liste-complete/``) and the appointments released since
    the previous run (``liberes/``). Every list shows each appointment's
    status.

    Raises
    ------
    CosenError
        When the ledger has no such run, or its patients' data were purged.
    """
    snapshot = _read(ledger, run_id)
    run = snapshot.run
    # A referral may be in liberes/ (its old visit) and booked again: each
    # list has its own statuses.
    released = {
        visit.referral.referral_id: _released(record)
        for visit, record in snapshot.released
    }
    with output_set(folder) as outputs:
        add_exports(
            outputs, run, run.rejections, run.received,
            directory=snapshot.directory, preparations=snapshot.preparations,
            statuses=snapshot.statuses, messages=snapshot.messages,
        )  # fmt: skip
        add_centre_lists(
            outputs, FULL_LISTS, [visit for visit, _ in snapshot.current],
            "Liste complète des rendez-vous COSEN",
            directory=snapshot.directory, statuses=snapshot.statuses,
        )  # fmt: skip
        add_centre_calendars(
            outputs,
            FULL_LISTS,
            _calendar_entries(snapshot.current, snapshot.cancelled),
            snapshot.namespace,
            run.settings.now,
            snapshot.directory,
        )
        add_centre_lists(
            outputs, RELEASED_LISTS, [v for v, _ in snapshot.released],
            "Rendez-vous COSEN libérés",
            directory=snapshot.directory, statuses=released,
        )  # fmt: skip
    return run.run_id


def deliver(
    ledger: Database, folder: Path, at: datetime, run_id: int | None = None
) -> int:
    """Write a run's files (:func:`export_run`) and record them delivered:
    no later command will say they wait. Returns the run's number."""
    number = export_run(ledger, folder, run_id)
    with ledger.write() as db:
        db.record_delivery(number, folder, at)
    return number


def deliver_waiting(
    ledger: Database, folder: Path, at: datetime
) -> list[tuple[int, Path]]:
    """Write the files of every run that never had them (a kill or a full
    disk between its commit and its export), each into
    ``folder/passage-N``; return the runs and where they went."""
    with ledger.read() as db:
        waiting = [run_id for run_id, _ in db.undelivered()]
    delivered = []
    for run_id in waiting:
        place = folder / f"passage-{run_id}"
        deliver(ledger, place, at, run_id)
        delivered.append((run_id, place))
    return delivered


def current_calendar(
    db: Database, centre: str, at: datetime
) -> tuple[bytes, list[str]]:
    """A centre's calendar at ``at``, inside the caller's transaction: the
    file a run's ``liste-complete/`` would publish now (same events, same
    UIDs, released visits still ahead cancelled), and the referrals it
    names."""
    referrals = {r.referral_id: r for r in db.referrals()}
    slots = {s.slot_id: s for s in db.slots()}
    current = _visits(db.bookings(active=True, held=True), referrals, slots)
    cancelled = _visits(_upcoming(db, referrals, slots, at), referrals, slots)
    entries = [
        entry
        for entry in _calendar_entries(current, cancelled)
        if entry.centre == centre
    ]
    data = centre_calendar(
        centre, entries, db.ledger_stamp(), at, db.directory()
    )
    return data, [e.visit.referral.referral_id for e in entries]


def _calendar_entries(
    current: Sequence[tuple[Booked, BookingRecord]],
    cancelled: Sequence[tuple[Booked, BookingRecord]],
) -> list[CalendarEntry]:
    return [
        *(CalendarEntry(r.booking_id, v) for v, r in current),
        *(
            CalendarEntry(r.booking_id, v, 1, cancelled=True)
            for v, r in cancelled
        ),
    ]


def _visits(
    records: Sequence[BookingRecord],
    referrals: Mapping[str, Referral],
    slots: Mapping[str, Slot],
) -> list[tuple[Booked, BookingRecord]]:
    return [
        (
            Booked(
                _referral(referrals, visit.referral_id),
                tuple(slots[s] for s in visit.slot_ids),
                visit.target,
                visit.late_minutes,
            ),
            visit,
        )
        for visit in records
    ]


def _upcoming(
    db: Database,
    referrals: Mapping[str, Referral],
    slots: Mapping[str, Slot],
    at: datetime,
) -> list[BookingRecord]:
    """Released visits still ahead at ``at``: published cancelled, so that
    a centre's calendar drops them."""
    return [
        record
        for record in db.bookings(active=False)
        if record.referral_id in referrals
        and slots[record.slot_ids[0]].start > at
    ]


def stored_run(ledger: Database, run_id: int | None = None) -> StoredRun:
    """A recorded run as its exports read it (the desk's and the JSON
    API's view of a past run).

    Raises
    ------
    CosenError
        When the ledger has no such run, or its patients' data were purged.
    """
    return _read(ledger, run_id).run


def _read(ledger: Database, run_id: int | None) -> _Snapshot:
    with ledger.read() as db:
        record = db.run(run_id)
        if record is None or record.solver is None:
            raise CosenError(
                "aucun passage au registre"
                if run_id is None
                else f"aucun passage n° {run_id} au registre"
            )
        referrals = {r.referral_id: r for r in db.referrals()}
        slots = {s.slot_id: s for s in db.slots()}

        def visits(
            records: Sequence[BookingRecord],
        ) -> list[tuple[Booked, BookingRecord]]:
            return _visits(records, referrals, slots)

        run = StoredRun(
            run_id=record.id,
            settings=record.settings,
            solution=record.solver,
            baseline_lateness=record.baseline_lateness,
            booked=[v for v, _ in visits(db.bookings(run_id=record.id))],
            unbooked=[
                Unbooked(
                    _referral(referrals, referral_id), reason, detail, due
                )
                for referral_id, reason, detail, due in db.unbooked(record.id)
            ],
            rejections=db.rejections(record.id, "referral"),
            received=record.counts.get("received", 0),
        )
        states = db.referral_states()
        upcoming = _upcoming(db, referrals, slots, record.now)
        return _Snapshot(
            run,
            visits(db.bookings(active=True, held=True)),
            visits(db.bookings(released_in=record.id)),
            visits(upcoming),
            {
                referral_id: _STATUS[state]
                for referral_id, state in states.items()
                if state in _STATUS
            },
            db.directory(),
            db.preparations(),
            [
                _message(m, referrals[m.referral_id])
                for m in db.run_messages(record.id)
                if m.referral_id in referrals and m.body is not None
            ],
            db.ledger_stamp(),
        )


_STATUS: Final = {
    State.BOOKED: AppointmentStatus.BOOKED,
    State.CONFIRMED: AppointmentStatus.CONFIRMED,
}
_RELEASED: Final = {
    AnswerKind.DECLINED.value: AppointmentStatus.DECLINED,
    AnswerKind.CANCELLED.value: AppointmentStatus.CANCELLED,
    WITHDRAWN: AppointmentStatus.WITHDRAWN,
}


def _released(record: BookingRecord) -> AppointmentStatus:
    return _RELEASED.get(
        record.released_reason or "", AppointmentStatus.CANCELLED
    )


def _message(message: OutboxMessage, referral: Referral) -> notices.Message:
    """An outbox message as ``notifications.csv`` lists it."""
    prescriber = message.audience is Audience.PRESCRIBER
    recipient = message.recipient or ""
    if recipient.startswith("+"):
        recipient = national_phone(recipient)
    return notices.Message(
        message.referral_id,
        notices.Audience.PRESCRIBER
        if prescriber
        else notices.Audience.PATIENT,
        referral.prescriber if prescriber else "",
        {
            Channel.EMAIL: notices.Channel.EMAIL,
            Channel.SMS: notices.Channel.SMS,
            Channel.PHONE: notices.Channel.PHONE,
        }[message.channel],
        recipient,
        message.subject or "",
        message.body or "",
        message.note,
    )


def _referral(referrals: Mapping[str, Referral], referral_id: str) -> Referral:
    try:
        return referrals[referral_id]
    except KeyError:
        raise CosenError(
            f"les données de la demande {referral_id} ont été purgées : "
            "exports de ce passage impossibles à recréer."
        ) from None
