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
from dataclasses import dataclass, field
from datetime import datetime
from pathlib import Path

from cosen.allocation import (
    Allocation,
    AllocationSettings,
    allocate,
    arrived_after,
)
from cosen.domain import (
    Intake,
    PatientRegister,
    Referral,
    Rejection,
    Slot,
)
from cosen.io.readers import read_referrals, read_slots
from cosen.ledger.database import (
    Database,
    SolverReport,
    content_of,
    file_digest,
)
from cosen.ledger.states import STATE_TEXT, State

__all__ = [
    "DESK_SOURCE",
    "ImportReport",
    "RunReport",
    "allocate_pending",
    "import_referrals",
    "import_slots",
    "run_batch",
]

DESK_SOURCE = "guichet"
"""The file name a run or an answer made at the desk records."""


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
    """

    referrals: Counter[str] = field(default_factory=Counter)
    slots: Counter[str] = field(default_factory=Counter)
    notes: list[tuple[str, str, str]] = field(default_factory=list)
    rejections: list[Rejection] = field(default_factory=list)
    slot_rejections: list[Rejection] = field(default_factory=list)
    arrived_after_now: int = 0

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
) -> RunReport:
    """Import the files, book the pending referrals, record the run.

    Everything happens in one transaction. Exports are not written here
    (see :func:`cosen.ledger.exports.deliver`, to call after, into
    ``out_folder``: until then, the run counts as waiting for its files).
    """
    referral_intake = read_referrals(referrals_path)
    slot_intake = read_slots(slots_path)
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
        import_slots(db, run_id, slot_intake, imported)
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
    transaction)."""
    booked = db.booked_slot_ids()
    slots = db.slots()
    pending = db.referrals(State.PENDING)
    imported.arrived_after_now = arrived_after(pending, settings.now)
    allocation = allocate(
        pending,
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


def import_slots(
    db: Database,
    run_id: int | None,
    intake: Intake[Slot],
    report: ImportReport,
) -> None:
    """The same for slots: a changed slot is updated unless booked."""
    known = db.slot_versions()
    booked = db.booked_slot_ids()
    for slot in intake.accepted:
        content = content_of(slot)
        if slot.slot_id not in known:
            db.add_slot(slot, content, run_id)
            report.slots["new"] += 1
        elif known[slot.slot_id] == content.digest:
            report.slots["unchanged"] += 1
        elif slot.slot_id in booked:
            report.slots["conflict"] += 1
            report.notes.append(
                (
                    "slot",
                    slot.slot_id,
                    "créneau modifié alors qu'il est attribué : conflit, "
                    "registre inchangé",
                )
            )
        else:
            db.update_slot(slot, content)
            report.slots["updated"] += 1
            report.notes.append(
                ("slot", slot.slot_id, "créneau modifié : mis à jour")
            )
    report.slot_rejections = list(intake.rejections)
    report.slots["rejected"] = len(intake.rejections)
