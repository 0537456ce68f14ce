"""What the web desk does with the ledger, without SQL and without HTTP.

- one referral typed in a form, checked by the rules a spreadsheet row
  meets (:func:`cosen.domain.check_referral`, a repeated id, the
  duplicate-patient rule against the referrals open in the ledger, as
  :mod:`cosen.ledger.runs` imports a file), then recorded pending;
- a referral or slot file imported without allocating, by the import code
  of ``batch run``;
- the lists of held visits (to call, per centre), their workbooks, a
  centre's calendar and one referral's card, each display recorded in the
  access log, as is each download of a run's files.

A centre user passes its centre: a referral whose visit is elsewhere is
not found, exactly like an unknown one.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from datetime import datetime
from pathlib import Path

from cosen.allocation import Booked, Unbooked
from cosen.domain import (
    Directory,
    Issue,
    PatientRegister,
    Reason,
    Referral,
    check_referral,
)
from cosen.domain.fields import clean_text
from cosen.io.exports import (
    centre_file_name,
    write_call_list,
    write_centre_lists,
)
from cosen.io.readers import read_referrals
from cosen.io.wording import clock_time, numeric_date
from cosen.ledger.database import Database, HeldVisit, content_of
from cosen.ledger.exports import current_calendar
from cosen.ledger.runs import (
    ImportReport,
    import_referrals,
    import_slot_file,
    read_slot_file,
)
from cosen.ledger.states import State
from cosen.ledger.users import log_access

__all__ = [
    "CallList",
    "Entry",
    "Imported",
    "ReferralCard",
    "call_list",
    "call_list_file",
    "centre_calendar_file",
    "centre_directory",
    "centre_list_file",
    "centre_visits",
    "import_files",
    "log_run_file",
    "record_entry",
    "referral_card",
]


@dataclass(frozen=True)
class Entry:
    """A referral typed at the desk, as checked (and recorded if good).

    Attributes
    ----------
    referral
        The referral recorded pending, ``None`` when rejected.
    issues
        Every reason it was rejected.
    warnings
        Values dropped with a warning (an invalid e-mail).
    twin
        The earlier referral it duplicates, if it does.
    """

    referral: Referral | None
    issues: tuple[Issue, ...]
    warnings: tuple[str, ...]
    twin: str | None = None

    @property
    def missing(self) -> frozenset[str]:
        """French names of the required fields left blank."""
        return frozenset(
            i.column
            for i in self.issues
            if i.reason is Reason.MISSING_FIELD and i.column
        )

    @property
    def invalid(self) -> frozenset[str]:
        """French names of the fields that could not be read."""
        return frozenset(
            i.column
            for i in self.issues
            if i.reason is Reason.INVALID_FIELD and i.column
        )


def record_entry(
    ledger: Database, raw: Mapping[str, str], login: str, at: datetime
) -> Entry:
    """Check a referral typed at the desk (field name -> text, as a
    spreadsheet row) and record it pending if it is eligible and new, in
    one transaction."""
    with ledger.write() as db:
        entry = _check(db, raw)
        if entry.referral is not None:
            referral = entry.referral
            db.add_referral(referral, content_of(referral), None)
            log_access(db, login, at, [(referral.referral_id, "saisie")])
    return entry


def _check(db: Database, raw: Mapping[str, str]) -> Entry:
    referral, issues, warnings = check_referral(raw)
    record_id = clean_text(raw.get("referral_id") or "")
    twin = None
    if record_id and db.referral_state(record_id) is not None:
        issues.append(
            Issue(
                Reason.DUPLICATE_REFERRAL,
                "id_demande",
                "identifiant déjà au registre",
            )
        )
    elif referral is not None:
        patients = PatientRegister(
            db.open_referrals_of(referral), where="au registre"
        )
        found = patients.twin(referral)
        duplicate = patients.issue(referral)
        if found is not None and duplicate is not None:
            twin = found.referral_id
            issues.append(duplicate)
    if issues:
        return Entry(None, tuple(issues), tuple(warnings), twin)
    return Entry(referral, (), tuple(warnings))


@dataclass
class Imported:
    """A file imported at the desk: what became of its rows."""

    report: ImportReport = field(default_factory=ImportReport)
    referral_rows: int = 0
    slot_rows: int = 0
    recorded: bool = False


def import_files(
    ledger: Database,
    referrals: Path | None,
    slots: Path | None,
    login: str,
    at: datetime,
    dry_run: bool = False,
) -> Imported:
    """Import a referral file and/or a slot file into the ledger without
    allocating, by ``batch run``'s import (new, unchanged, updated,
    conflicting and rejected rows, duplicates of open referrals
    included); with ``dry_run``, in a transaction rolled back."""
    referral_intake = read_referrals(referrals) if referrals else None
    slot_file = read_slot_file(slots) if slots else None
    imported = Imported()
    report = imported.report
    try:
        with ledger.write() as db:
            if referral_intake is not None:
                known = set(db.referral_versions())
                import_referrals(db, None, referral_intake, report)
                imported.referral_rows = report.received
                log_access(
                    db,
                    login,
                    at,
                    (
                        (r.referral_id, "import")
                        for r in referral_intake.accepted
                        if r.referral_id not in known
                    ),
                )
            if slot_file is not None:
                import_slot_file(db, None, slot_file, report, at)
                imported.slot_rows = sum(report.slots.values())
            if dry_run:
                raise _RollBack
    except _RollBack:
        return imported
    imported.recorded = True
    return imported


class _RollBack(Exception):
    """Leave a dry run's transaction without committing it."""


@dataclass(frozen=True)
class CallList:
    """Held visits for the telesecretariat, by start, at most ``limit``
    of each kind (``counts``: how many there are).

    Attributes
    ----------
    to_call
        Booked, not confirmed yet: call the patient.
    started
        Appointments that started: absent or done.
    confirmed
        Confirmed, to come.
    """

    to_call: list[HeldVisit]
    started: list[HeldVisit]
    confirmed: list[HeldVisit]
    counts: tuple[int, int, int]


def call_list(
    ledger: Database, login: str, at: datetime, limit: int | None = 50
) -> CallList:
    """The call list at ``at`` (all of it when ``limit`` is ``None``);
    only the visits shown are logged."""
    with ledger.write() as db:
        held = db.held_starts()
        kinds = (
            [i for i, state, start in held
             if state is State.BOOKED and start > at],
            [i for i, _, start in held if start <= at],
            [i for i, state, start in held
             if state is State.CONFIRMED and start > at],
        )  # fmt: skip
        shown = [db.held_visits(kind[:limit]) for kind in kinds]
        log_access(
            db,
            login,
            at,
            ((v.referral.referral_id, "liste") for k in shown for v in k),
        )
    to_call, started, confirmed = shown
    return CallList(
        to_call, started, confirmed, (len(kinds[0]), len(kinds[1]),
                                      len(kinds[2]))
    )  # fmt: skip


def centre_visits(
    ledger: Database,
    centre: str,
    login: str,
    at: datetime,
    limit: int | None = None,
) -> tuple[list[HeldVisit], int]:
    """A centre's held visits, by start (the first ``limit``), and how
    many it holds."""
    with ledger.write() as db:
        held = [i for i, _, _ in db.held_starts(centre)]
        visits = db.held_visits(held[:limit])
        log_access(
            db,
            login,
            at,
            ((v.referral.referral_id, f"liste {centre}") for v in visits),
        )
    return visits, len(held)


def centre_list_file(
    ledger: Database, centre: str, folder: Path, login: str, at: datetime
) -> Path | None:
    """Write a centre's current list (the printable workbook of
    ``batch run``'s full lists) into ``folder``; ``None`` when the centre
    holds no visit."""
    with ledger.write() as db:
        visits = db.held_visits([i for i, _, _ in db.held_starts(centre)])
        log_access(
            db,
            login,
            at,
            ((v.referral.referral_id, f"export {centre}") for v in visits),
        )
    written = write_centre_lists(
        folder,
        [
            Booked(v.referral, v.slots, v.target, v.late_minutes)
            for v in visits
        ],
        "Liste complète des rendez-vous COSEN",
    )
    return written[0] if written else None


def centre_calendar_file(
    ledger: Database, centre: str, login: str, at: datetime
) -> bytes:
    """A centre's calendar now (:func:`cosen.ledger.exports.
    current_calendar`: the events of its held visits, and of released ones
    still ahead as cancelled), its display logged."""
    with ledger.write() as db:
        data, shown = current_calendar(db, centre, at)
        log_access(db, login, at, ((i, f"calendrier {centre}") for i in shown))
    return data


def call_list_file(
    ledger: Database, path: Path, login: str, at: datetime
) -> Path:
    """Write the call list at ``at`` to ``path``, as ``appels.xlsx`` lays
    it out: every held visit by start (its answer column makes the filled
    file a ``batch answers`` file), then the referrals the latest run left
    without a slot that still wait, to call back."""
    with ledger.write() as db:
        held = db.held_visits([i for i, _, _ in db.held_starts()])
        latest = db.run()
        waiting = []
        for referral_id, reason, detail, target in (
            db.unbooked(latest.id) if latest is not None else []
        ):
            referral, state = db.referral(referral_id)
            if referral is not None and state is State.PENDING:
                waiting.append(Unbooked(referral, reason, detail, target))
        directory, preparations = db.directory(), db.preparations()
        log_access(
            db,
            login,
            at,
            (
                *((v.referral.referral_id, "export appels") for v in held),
                *((u.referral.referral_id, "export appels") for u in waiting),
            ),
        )
    return write_call_list(
        path,
        [Booked(v.referral, v.slots, v.target, v.late_minutes) for v in held],
        waiting,
        directory=directory,
        preparations=preparations,
        footer=f"Liste du {numeric_date(at)} à {clock_time(at)}",
    )


def log_run_file(
    ledger: Database, run_id: int, name: str, login: str, at: datetime
) -> None:
    """Record that ``login`` downloaded file ``name`` of run ``run_id``:
    for a centre's file (in a folder of the set), the referrals of that
    centre the run booked or released and those it holds now (its full
    list); for the others, those the run booked or left unbooked."""
    with ledger.write() as db:
        booked = db.bookings(run_id=run_id)
        released = db.bookings(released_in=run_id)
        if "/" not in name:
            ids = [b.referral_id for b in booked] + [
                u[0] for u in db.unbooked(run_id)
            ]
        else:
            stem = Path(name).stem
            codes = [c for c in db.centres()
                     if Path(centre_file_name(c)).stem == stem]  # fmt: skip
            first = {s.slot_id: s.center for s in db.slots()}
            held = [i for c in codes for i, _, _ in db.held_starts(c)]
            ids = [
                *(b.referral_id for b in (*booked, *released)
                  if first.get(b.slot_ids[0]) in codes),
                *held,
            ]  # fmt: skip
        log_access(
            db,
            login,
            at,
            ((i, f"fichier du passage {run_id} : {name}")
             for i in dict.fromkeys(ids)),
        )  # fmt: skip


def centre_directory(ledger: Database) -> Directory:
    """The centres' names and addresses, as last imported."""
    with ledger.read() as db:
        return db.directory()


@dataclass(frozen=True)
class ReferralCard:
    """One referral as the desk shows it."""

    referral: Referral
    state: State
    visit: HeldVisit | None


def referral_card(
    ledger: Database,
    referral_id: str,
    login: str,
    at: datetime,
    centre: str | None = None,
) -> ReferralCard | None:
    """A referral with its state and held visit; ``None`` when unknown,
    purged, or (for ``centre``) not held in that centre."""
    with ledger.write() as db:
        try:
            referral, state = db.referral(referral_id)
        except KeyError:
            return None
        visits = db.held_visits([referral_id])
        visit = visits[0] if visits else None
        if referral is None or (
            centre is not None and (visit is None or visit.centre != centre)
        ):
            return None
        log_access(db, login, at, [(referral_id, "fiche")])
    return ReferralCard(referral, state, visit)
