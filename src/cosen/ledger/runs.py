"""A batch run: import the files, keep every booking, book the pending.

A run imports the new referrals and slots, keeps every booking where it
is, books the pending referrals into the free slots with the very same
:func:`~cosen.allocation.allocate` as ``cosen allocate``, and records
itself; all of it in one transaction, so a run killed at any point leaves
the ledger as before it. Exports are written after the commit, from what
the ledger holds (:mod:`cosen.ledger.exports`).
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Iterable
from dataclasses import dataclass, field
from datetime import datetime
from pathlib import Path

from cosen.allocation import (
    Allocation,
    AllocationSettings,
    allocate_in_turn,
    arrived_after,
)
from cosen.domain import (
    Centre,
    Intake,
    PatientRegister,
    Preparation,
    Referral,
    Rejection,
    Slot,
)
from cosen.io.directory import read_directory
from cosen.io.readers import read_referrals, read_slots
from cosen.ledger.database import (
    Database,
    SolverReport,
    content_of,
    file_digest,
)
from cosen.ledger.outbox import queue_bookings, queue_release
from cosen.ledger.states import STATE_TEXT, State

__all__ = [
    "DESK_SOURCE",
    "WITHDRAWN",
    "ImportReport",
    "RunReport",
    "SlotFile",
    "allocate_pending",
    "import_referrals",
    "import_slot_file",
    "import_slots",
    "read_slot_file",
    "run_batch",
]

DESK_SOURCE = "guichet"
"""The file name a run or an answer made at the desk records."""

WITHDRAWN = "retire"
"""Why a booking was released when its centre withdrew its slot."""


@dataclass
class ImportReport:
    """What a run did with the rows of its two files.

    Attributes
    ----------
    referrals, slots
        Rows by what happened to them: ``new``, ``updated``,
        ``unchanged``, ``conflict``, ``rejected`` (their sum is the rows
        read).
    notes
        (kind, id, French note) for updates and conflicts; no personal
        data.
    rejections
        The referral file's rejected rows, duplicates of referrals open in
        the ledger included, by row.
    slot_rejections
        The slot file's rejected rows.
    arrived_after_now
        Pending referrals received after the allocation time (``--now``
        in the past?): they could not be booked before their reception.
    withdrawn
        (referral id, slot id) of the bookings released because their
        centre withdrew a slot of the visit.
    displaced
        The booking row of each visit so released, by referral: these
        referrals are first in line at the run's allocation.
    warnings
        French warnings about the directory and preparations.
    directory_rejections
        Rejected rows of the ``Centres`` and ``Preparations`` sheets.
    """

    referrals: Counter[str] = field(default_factory=Counter)
    slots: Counter[str] = field(default_factory=Counter)
    notes: list[tuple[str, str, str]] = field(default_factory=list)
    rejections: list[Rejection] = field(default_factory=list)
    slot_rejections: list[Rejection] = field(default_factory=list)
    arrived_after_now: int = 0
    withdrawn: list[tuple[str, str]] = field(default_factory=list)
    displaced: dict[str, int] = field(default_factory=dict)
    warnings: list[str] = field(default_factory=list)
    directory_rejections: int = 0

    @property
    def received(self) -> int:
        """Referral rows read."""
        return sum(self.referrals.values())

    def counts(self) -> dict[str, int]:
        """Flat counts, as the ledger records a run's: ``referrals_new``,
        ``slots_conflict``...; ``received`` and ``slots_received`` are the
        rows read."""
        flat = {f"referrals_{k}": v for k, v in self.referrals.items()}
        flat |= {f"slots_{k}": v for k, v in self.slots.items()}
        flat["received"] = self.received
        flat["slots_received"] = sum(self.slots.values())
        flat["rejected"] = self.referrals["rejected"]
        flat["slots_rejected"] = self.slots["rejected"]
        return flat


@dataclass(frozen=True)
class SlotFile:
    """What a slot file gives: its slots, and the directory and
    preparations of its sheets (or of a file of their own)."""

    slots: Intake[Slot]
    centres: Intake[Centre]
    preparations: Intake[Preparation]


def read_slot_file(path: Path, centres: Path | None = None) -> SlotFile:
    """Read a slot file, and the directory from ``centres`` if given,
    else from the slot file's own sheets."""
    slots = read_slots(path)
    directory, preparations = read_directory(
        centres or path, centres is not None, slots
    )
    return SlotFile(slots, directory, preparations)


@dataclass(frozen=True)
class RunReport:
    """What a run did: its number, its import, its allocation."""

    run_id: int
    imported: ImportReport
    allocation: Allocation

    def counts(self) -> dict[str, int]:
        """The import's counts with the allocation's (``booked``,
        ``unbooked``), as recorded."""
        return {
            **self.imported.counts(),
            "booked": len(self.allocation.booked),
            "unbooked": len(self.allocation.unbooked),
        }


def run_batch(
    ledger: Database,
    referrals_path: Path,
    slots_path: Path,
    settings: AllocationSettings,
    out_folder: Path | None = None,
    centres: Path | None = None,
) -> RunReport:
    """Import the files, book the pending referrals, record the run.

    Everything happens in one transaction. Exports are not written here
    (see :func:`cosen.ledger.exports.deliver`, to call after, into
    ``out_folder``: until then, the run counts as waiting for its files).
    The directory comes from ``centres``, else from the slot file's
    sheets; a file without one leaves the ledger's as it was.
    """
    referral_intake = read_referrals(referrals_path)
    slot_file = read_slot_file(slots_path, centres)
    with ledger.write() as db:
        run_id = db.add_run(
            datetime.now(settings.now.tzinfo),
            settings,
            [
                (path.name, file_digest(path))
                for path in (referrals_path, slots_path)
            ],
            out_folder,
        )
        imported = ImportReport()
        import_referrals(db, run_id, referral_intake, imported)
        import_slot_file(db, run_id, slot_file, imported, settings.now)
        return _allocate(db, run_id, imported, settings)


def allocate_pending(
    ledger: Database,
    settings: AllocationSettings,
    out_folder: Path | None = None,
) -> RunReport:
    """A run without files (the desk's): book the pending referrals into
    the free slots the ledger holds, in one transaction, as
    :func:`run_batch` does after its import."""
    with ledger.write() as db:
        run_id = db.add_run(
            datetime.now(settings.now.tzinfo),
            settings,
            [(DESK_SOURCE, ""), (DESK_SOURCE, "")],
            out_folder,
        )
        return _allocate(db, run_id, ImportReport(), settings)


def _allocate(
    db: Database,
    run_id: int,
    imported: ImportReport,
    settings: AllocationSettings,
) -> RunReport:
    """Book the pending referrals and record the run (inside its
    transaction): those a withdrawn slot displaced first, then the
    others."""
    booked = db.booked_slot_ids()
    slots = db.slots()
    pending = db.referrals(State.PENDING)
    imported.arrived_after_now = arrived_after(pending, settings.now)
    displaced = set(imported.displaced)
    groups = [
        [r for r in pending if r.referral_id in displaced],
        [r for r in pending if r.referral_id not in displaced],
    ]
    allocation = allocate_in_turn(
        [group for group in groups if group] or [[]],
        [
            s
            for s in slots
            if s.slot_id not in booked and s.start > settings.now
        ],
        settings,
        db.declines(),
        taken=[s for s in slots if s.slot_id in booked],
    )
    db.add_bookings(run_id, allocation.booked)
    directory = db.directory()
    queue_bookings(
        db, run_id, allocation.booked, settings.now, directory=directory
    )
    # A displaced patient left without a new appointment: whoever was
    # told of the old one is told it is cancelled.
    rebooked = {visit.referral.referral_id for visit in allocation.booked}
    for referral_id, visit_id in imported.displaced.items():
        if referral_id not in rebooked:
            queue_release(db, visit_id, settings.now, True, run_id, directory)
    db.add_unbooked(run_id, allocation.unbooked)
    db.add_rejections(run_id, "referral", imported.rejections)
    db.add_rejections(run_id, "slot", imported.slot_rejections)
    db.add_notes(run_id, imported.notes)
    db.report_releases(run_id)
    report = RunReport(run_id, imported, allocation)
    solution = allocation.solution
    db.finish_run(
        run_id,
        report.counts(),
        SolverReport(
            solution.status,
            solution.tiers,
            solution.bound,
            solution.seconds,
            solution.methods,
        ),
        allocation.baseline_lateness,
    )
    return report


def import_referrals(
    db: Database,
    run_id: int | None,
    intake: Intake[Referral],
    report: ImportReport,
) -> None:
    """New referrals are added, unchanged ones skipped; a changed one is
    updated while pending, else reported as a conflict and left alone. The
    same patient asking again for an exam still open in the ledger is a
    duplicate, as within one file."""
    known = db.referral_versions()
    patients = PatientRegister(
        db.referrals(State.PENDING, State.BOOKED, State.CONFIRMED),
        where="au registre",
    )
    rejections = list(intake.rejections)
    for referral in intake.accepted:
        content = content_of(referral)
        referral_id = referral.referral_id
        if referral_id not in known:
            duplicate = patients.issue(referral)
            if duplicate is not None:
                rejections.append(
                    Rejection(
                        intake.rows[referral_id], referral_id, (duplicate,)
                    )
                )
                continue
            db.add_referral(referral, content, run_id)
            report.referrals["new"] += 1
            continue
        old_digest, state = known[referral_id]
        if old_digest == content.digest:
            report.referrals["unchanged"] += 1
        elif state is State.PENDING and old_digest is not None:
            db.update_referral(referral, content)
            report.referrals["updated"] += 1
            report.notes.append(
                ("referral", referral_id, "demande modifiée : mise à jour")
            )
        else:
            report.referrals["conflict"] += 1
            why = STATE_TEXT[state] if old_digest else "purgée"
            report.notes.append(
                (
                    "referral",
                    referral_id,
                    f"demande modifiée alors qu'elle est {why} : conflit, "
                    "registre inchangé",
                )
            )
    report.rejections = sorted(rejections, key=lambda r: r.row)
    report.referrals["rejected"] = len(report.rejections)


def import_slot_file(
    db: Database,
    run_id: int | None,
    slot_file: SlotFile,
    report: ImportReport,
    at: datetime,
) -> None:
    """Import a slot file's slots (:func:`import_slots`), and its
    directory and preparations when it has them."""
    import_slots(db, run_id, slot_file.slots, report, at)
    if slot_file.centres.accepted:
        db.update_directory(slot_file.centres.accepted)
    if slot_file.preparations.accepted:
        db.replace_preparations(slot_file.preparations.accepted)
    report.warnings += [
        notice.text
        for notice in (
            *slot_file.centres.notices,
            *slot_file.preparations.notices,
        )
    ]
    report.directory_rejections = len(slot_file.centres.rejections) + len(
        slot_file.preparations.rejections
    )


def import_slots(
    db: Database,
    run_id: int | None,
    intake: Intake[Slot],
    report: ImportReport,
    at: datetime,
) -> None:
    """The same for slots: a changed slot is updated unless booked (a
    conflict), except that a centre may withdraw a slot (``statut``
    ``annule``): a booked visit using it is released, its patient first in
    line at this run's allocation. A withdrawn slot may open again while no
    other open slot of its centre took its time."""
    known = db.slot_versions()
    holders = db.slot_holders()
    stored = {slot.slot_id: slot for slot in db.slots()}
    for slot in intake.accepted:
        content = content_of(slot)
        old = stored.get(slot.slot_id)
        if old is None:
            db.add_slot(slot, content, run_id)
            report.slots["new"] += 1
        elif known[slot.slot_id] == content.digest:
            report.slots["unchanged"] += 1
        elif slot.withdrawn and slot.slot_id in holders:
            holder = holders[slot.slot_id]
            # The whole visit goes: its other slots are free from now on.
            holders = {k: v for k, v in holders.items() if v != holder}
            report.displaced[holder] = _withdraw(db, holder, at)
            db.update_slot(slot, content)
            report.slots["withdrawn"] += 1
            report.withdrawn.append((holder, slot.slot_id))
            report.notes.append(
                (
                    "slot",
                    slot.slot_id,
                    "créneau retiré par le centre : rendez-vous de la "
                    f"demande {holder} libéré, la demande passe en premier",
                )
            )
        elif slot.slot_id in holders:
            report.slots["conflict"] += 1
            report.notes.append(
                (
                    "slot",
                    slot.slot_id,
                    "créneau modifié alors qu'il est attribué : conflit, "
                    "registre inchangé",
                )
            )
        elif (
            old.withdrawn
            and not slot.withdrawn
            and _taken_over(slot, [*stored.values(), *intake.accepted])
        ):
            report.slots["conflict"] += 1
            report.notes.append(
                (
                    "slot",
                    slot.slot_id,
                    "créneau rouvert alors qu'un autre créneau du centre a "
                    "pris sa place : conflit, registre inchangé",
                )
            )
        else:
            db.update_slot(slot, content)
            stored[slot.slot_id] = slot
            report.slots["updated"] += 1
            report.notes.append(
                (
                    "slot",
                    slot.slot_id,
                    "créneau retiré par le centre"
                    if slot.withdrawn
                    else "créneau modifié : mis à jour",
                )
            )
    report.slot_rejections = list(intake.rejections)
    report.slots["rejected"] = len(intake.rejections)


def _withdraw(db: Database, referral_id: str, at: datetime) -> int:
    """Release the visit of ``referral_id`` that uses a withdrawn slot;
    return its booking row. Its unsent messages never go (the next
    booking says it replaces the one announced); the referral waits
    again, with its original target."""
    visit = db.active_visit_id(referral_id)
    assert visit is not None, "a slot holder holds a visit"
    queue_release(db, visit, at, cancelled=False)
    db.release(referral_id, at, WITHDRAWN)
    db.set_state(referral_id, State.PENDING)
    return visit


def _taken_over(slot: Slot, others: Iterable[Slot]) -> bool:
    """Whether another open slot of the centre overlaps ``slot``'s time."""
    return any(
        other.slot_id != slot.slot_id
        and other.center == slot.center
        and not other.withdrawn
        and other.start < slot.end
        and slot.start < other.end
        for other in others
    )
