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
from cosen.domain import Referral, Rejection
from cosen.errors import CosenError
from cosen.io.exports import write_centre_lists, write_exports
from cosen.ledger.database import BookingRecord, Database, SolverReport

__all__ = [
    "FULL_LISTS",
    "RELEASED_LISTS",
    "StoredRun",
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
    """What one read of the ledger gives an export."""

    run: StoredRun
    current: list[Booked]
    released: list[Booked]


def export_run(
    ledger: Database, folder: Path, run_id: int | None = None
) -> int:
    """Write a run's exports (the latest run by default); return its id.

    Into ``folder``: the allocation's exports for what the run booked
    (``centres/``, ``synthese.xlsx``, ``notifications.csv``), the full
    current list per centre (``liste-complete/``) and the appointments
    released since the previous run (``liberes/``).

    Raises
    ------
    CosenError
        When the ledger has no such run, or its patients' data were purged.
    """
    snapshot = _read(ledger, run_id)
    run = snapshot.run
    write_exports(folder, run, run.rejections, run.received)
    write_centre_lists(
        folder / FULL_LISTS,
        snapshot.current,
        "Liste complète des rendez-vous COSEN",
    )
    write_centre_lists(
        folder / RELEASED_LISTS, snapshot.released, "Rendez-vous COSEN libérés"
    )
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

        def visits(records: Sequence[BookingRecord]) -> list[Booked]:
            return [
                Booked(
                    _referral(referrals, visit.referral_id),
                    tuple(slots[s] for s in visit.slot_ids),
                    visit.target,
                    visit.late_minutes,
                )
                for visit in records
            ]

        run = StoredRun(
            run_id=record.id,
            settings=record.settings,
            solution=record.solver,
            baseline_lateness=record.baseline_lateness,
            booked=visits(db.bookings(run_id=record.id)),
            unbooked=[
                Unbooked(
                    _referral(referrals, referral_id), reason, detail, due
                )
                for referral_id, reason, detail, due in db.unbooked(record.id)
            ],
            rejections=db.rejections(record.id, "referral"),
            received=record.counts.get("received", 0),
        )
        return _Snapshot(
            run,
            visits(db.bookings(active=True)),
            visits(db.bookings(released_in=record.id)),
        )


def _referral(referrals: Mapping[str, Referral], referral_id: str) -> Referral:
    try:
        return referrals[referral_id]
    except KeyError:
        raise CosenError(
            f"les données de la demande {referral_id} ont été purgées : "
            "exports de ce passage impossibles à recréer."
        ) from None
