"""The ledger's one repository: every SQL statement cosen runs lives here.

As sqlite-utils keeps SQL behind ``Database`` and ``Table``, the use cases
(``runs``, ``answers``, ``exports``, ``reports``) call typed methods of
:class:`Database` and never write SQL. Domain objects go in and come out:
a referral is stored as the JSON of its validated model and read back
through the same model, settings and solver reports as JSON, times as ISO
text.

The same statements run on SQLite and PostgreSQL
(:mod:`cosen.ledger.backends`). Every change happens inside
:meth:`Database.write` (one exclusive transaction), every consistent read
inside :meth:`Database.read` (one snapshot).
"""

from __future__ import annotations

import enum
import hashlib
import json
from collections.abc import Iterable, Iterator, Mapping, Sequence
from contextlib import AbstractContextManager, contextmanager
from dataclasses import asdict, dataclass, replace
from datetime import UTC, date, datetime
from functools import lru_cache
from pathlib import Path
from typing import Any, Final, TypeVar, cast

from pydantic import BaseModel, ValidationError

from cosen.allocation import AllocationSettings, Booked, Unbooked
from cosen.clock import PARIS
from cosen.domain import (
    Centre,
    Directory,
    Issue,
    Preparation,
    Preparations,
    Reason,
    Referral,
    Rejection,
    Slot,
)
from cosen.ledger.backends import (
    Backend,
    LedgerError,
    describe,
    open_backend,
)
from cosen.ledger.messages import (
    Audience,
    Channel,
    MessageKind,
    OutboxMessage,
    OutboxState,
)
from cosen.ledger.schema import MIGRATIONS, Dialects
from cosen.ledger.states import Outcome, State
from cosen.optimizer import Status, Tiers

__all__ = [
    "DEFAULT_WAIT",
    "LATEST_VERSION",
    "BookingRecord",
    "Content",
    "Database",
    "HeldVisit",
    "RunRecord",
    "SolverReport",
    "content_of",
    "file_digest",
]

LATEST_VERSION: Final = MIGRATIONS[-1][0]
DEFAULT_WAIT: Final = 10.0
# Tables holding personal data (referrals' JSON, rejected rows' ids):
# what a purge rewrites so that nothing lingers on disk.
_PERSONAL_TABLES: Final = (
    "referrals",
    "run_rejections",
    "outbox",
    "access_log",
)


@dataclass(frozen=True)
class Content:
    """A record as stored: its JSON and that JSON's SHA-256, which tells
    an unchanged row from a changed one between runs."""

    data: str
    digest: str


def content_of(record: BaseModel) -> Content:
    """How the ledger stores a validated referral or slot."""
    data = record.model_dump_json()
    return Content(data, hashlib.sha256(data.encode()).hexdigest())


def file_digest(path: Path) -> str:
    """SHA-256 of a file read by a run, empty if it cannot be read."""
    try:
        return hashlib.sha256(path.read_bytes()).hexdigest()
    except OSError:
        return ""


@dataclass(frozen=True)
class SolverReport:
    """What a run's solve reached, as the ledger keeps it.

    The same attributes as :class:`cosen.optimizer.Solution` minus the
    bookings (kept in their own table), so exports read either.
    """

    status: Status
    tiers: Tiers
    bound: Tiers
    seconds: float
    methods: dict[str, int]

    @property
    def gap(self) -> Tiers:
        """How far from the bound each tier is (all zero when optimal)."""
        return Tiers(
            self.bound.booked - self.tiers.booked,
            self.tiers.late - self.bound.late,
            self.tiers.late_minutes - self.bound.late_minutes,
        )


@dataclass(frozen=True)
class RunRecord:
    """One run as recorded (no personal data).

    Attributes
    ----------
    id
        The run's number.
    started_at, now
        When it ran, and the allocation time it used.
    referrals_file, referrals_sha256, slots_file, slots_sha256
        The files it read (name and digest).
    settings
        The settings it used (``None`` while it runs).
    counts
        What it imported and booked, by kind.
    status
        ``RUNNING``, ``OPTIMAL`` or ``FEASIBLE``.
    solver
        The solve's report (``None`` while it runs).
    baseline_lateness
        First come, first served's minutes late on the same input.
    """

    id: int
    started_at: datetime
    now: datetime
    referrals_file: str
    referrals_sha256: str
    slots_file: str
    slots_sha256: str
    settings: AllocationSettings
    counts: dict[str, int]
    status: str
    solver: SolverReport | None
    baseline_lateness: tuple[int, ...]

    def as_dict(self) -> dict[str, Any]:
        """The run for scripts (``batch history --json``)."""
        return {
            "run": self.id,
            "started_at": self.started_at.isoformat(),
            "now": self.now.isoformat(),
            "referrals_file": self.referrals_file,
            "referrals_sha256": self.referrals_sha256,
            "slots_file": self.slots_file,
            "slots_sha256": self.slots_sha256,
            "status": self.status,
            "counts": self.counts,
        }


@dataclass(frozen=True)
class HeldVisit:
    """A visit held now, with its referral's data (the desk's lists)."""

    referral: Referral
    state: State
    slots: tuple[Slot, ...]
    target: datetime
    late_minutes: int
    run_id: int

    @property
    def start(self) -> datetime:
        """When the visit starts."""
        return self.slots[0].start

    @property
    def centre(self) -> str:
        """The visit's centre."""
        return self.slots[0].center


@dataclass(frozen=True)
class BookingRecord:
    """A visit as booked: its slots in order, target and lateness; the
    booking row of its first slot (what its messages and calendar event
    are about) and why it was released, if it was."""

    run_id: int
    referral_id: str
    slot_ids: tuple[str, ...]
    target: datetime
    late_minutes: int
    booking_id: int = 0
    released_reason: str | None = None


# The next key of a table written only under the writers' lock (as
# :meth:`Database.add_run` explains).
_NEXT_ID: Final = "(SELECT coalesce(max(id), 0) + 1 FROM {table})"


class Database:
    """An open ledger, migrated to the latest schema.

    Parameters
    ----------
    target
        An SQLite file (created if missing) or a ``postgresql://`` URL.
    wait
        Seconds to wait for another process holding the ledger.
    version
        Migrate only up to this version (tests of upgrades).
    create
        Create the ledger if it does not exist; else a missing ledger is
        an error (commands that read, answer or export).

    Raises
    ------
    LedgerError
        Missing, not a ledger, written by a newer cosen, unreachable or
        unwritable.
    """

    def __init__(
        self,
        target: str | Path,
        wait: float = DEFAULT_WAIT,
        version: int = LATEST_VERSION,
        create: bool = True,
    ) -> None:
        self.target = target
        self.backend: Backend = open_backend(target, wait, create)
        try:
            if not create and "schema_migrations" not in self.backend.tables():
                raise LedgerError(f"registre introuvable : {self.name}")
            self._migrate(version)
        except BaseException:
            self.close()
            raise

    _writers: AbstractContextManager[Any] | None = None

    @classmethod
    def reopen(
        cls,
        target: str | Path,
        wait: float = DEFAULT_WAIT,
        writers: AbstractContextManager[Any] | None = None,
    ) -> Database:
        """Another connection to a ledger this process already opened
        with :class:`Database` (which migrated and checked it): no
        migration and no integrity check, for a server that connects per
        thread. Only the schema's version is checked.

        ``writers`` (a lock shared by the process's connections) queues
        their write transactions in the process before the database's own
        lock: SQLite makes waiting writers sleep and poll, which a busy
        server would spend its time doing.

        Raises
        ------
        LedgerError
            When the ledger is gone, unreachable, or its schema changed.
        """
        ledger = cls.__new__(cls)
        ledger.target = target
        ledger._writers = writers
        ledger.backend = open_backend(target, wait, create=False)
        try:
            if ledger.version != LATEST_VERSION:
                raise LedgerError(
                    f"le schéma du registre {ledger.name} a changé depuis "
                    "le démarrage : redémarrer le guichet."
                )
        except BaseException:
            ledger.close()
            raise
        return ledger

    @property
    def name(self) -> str:
        """The ledger as messages name it (never a password)."""
        return describe(self.target)

    # ----------------------------------------------------------------------
    # Transactions and schema

    @contextmanager
    def write(self) -> Iterator[Database]:
        """One exclusive transaction: all of it is committed, or nothing.

        Raises
        ------
        LedgerBusyError
            When another process holds the ledger longer than ``wait``.
        """
        if self._writers is None:
            with self.backend.write():
                yield self
            return
        with self._writers, self.backend.write():
            yield self

    @contextmanager
    def read(self) -> Iterator[Database]:
        """One snapshot: every read inside sees the same ledger."""
        with self.backend.read():
            yield self

    @property
    def version(self) -> int:
        """Schema version of the ledger (0: empty)."""
        rows = self.backend.execute(
            "SELECT max(version) FROM schema_migrations"
        )
        return int(rows[0][0] or 0)

    def _migrate(self, target: int) -> None:
        tables = self.backend.tables()
        if tables and "schema_migrations" not in tables:
            raise LedgerError(
                f"{self.name} contient déjà des données qui ne sont pas un "
                "registre cosen : indiquer un autre registre."
            )
        self.backend.prepare()
        self.backend.execute(
            "CREATE TABLE IF NOT EXISTS schema_migrations ("
            "version INTEGER PRIMARY KEY, description TEXT NOT NULL, "
            "applied_at TEXT NOT NULL)"
        )
        first = self.backend.execute(
            "SELECT description FROM schema_migrations WHERE version = 1"
        )
        if first and first[0][0] != MIGRATIONS[0][1]:
            raise LedgerError(
                f"{self.name} n'est pas un registre cosen : indiquer un "
                "autre registre."
            )
        if self.version > LATEST_VERSION:
            raise LedgerError(
                f"le registre {self.name} vient d'une version plus récente "
                f"de cosen (schéma {self.version}, cette version connaît le "
                f"{LATEST_VERSION}) : mettre cosen à jour."
            )
        for version, description, statements in MIGRATIONS:
            if version > target:
                break
            if self.version >= version:
                continue
            # Each migration in its own transaction, re-checked inside it:
            # two processes opening an old ledger at once apply it once.
            with self.write():
                if self.version >= version:
                    continue
                for statement in statements:
                    for text in self._dialect(statement):
                        self.backend.execute(
                            text.format(serial=self.backend.serial)
                        )
                self.backend.execute(
                    "INSERT INTO schema_migrations VALUES (?, ?, ?)",
                    (version, description, _now_text()),
                )

    def _dialect(self, statement: str | Dialects) -> tuple[str, ...]:
        if isinstance(statement, str):
            return (statement,)
        if self.backend.name == "sqlite":
            return statement.sqlite
        return statement.postgresql

    def migrations(self) -> list[tuple[int, str]]:
        """The migrations applied, in order (version, description)."""
        return [
            (int(version), str(description))
            for version, description in self.backend.execute(
                "SELECT version, description FROM schema_migrations "
                "ORDER BY version"
            )
        ]

    def compact(self) -> None:
        """Rewrite what holds personal data, so deleted data leave the
        disk (outside any transaction)."""
        self.backend.compact(_PERSONAL_TABLES)

    def close(self) -> None:
        self.backend.close()

    def __enter__(self) -> Database:
        return self

    def __exit__(self, *_: object) -> None:
        self.close()

    # ----------------------------------------------------------------------
    # Runs

    def add_run(
        self,
        started_at: datetime,
        settings: AllocationSettings,
        files: Sequence[tuple[str, str]],
        out_folder: Path | None = None,
    ) -> int:
        """Record a run that starts; return its number.

        ``files`` are the referral and slot files (name, SHA-256);
        ``out_folder`` is where its files are to be delivered.
        """
        (referrals_file, referrals_sha), (slots_file, slots_sha) = files
        # The number is taken under the writers' lock, not from a
        # PostgreSQL sequence: a run rolled back leaves no gap in the
        # numbers users see, on either backend.
        rows = self.backend.execute(
            "INSERT INTO runs (id, started_at, now, referrals_file, "
            "referrals_sha256, slots_file, slots_sha256, settings, counts, "
            "status, solution, baseline, out_folder) VALUES ("
            f"{_NEXT_ID.format(table='runs')}, ?, ?, ?, ?, "
            "?, ?, ?, '{}', 'RUNNING', '{}', '[]', ?) RETURNING id",
            (
                started_at.isoformat(timespec="seconds"),
                settings.now.isoformat(),
                referrals_file,
                referrals_sha,
                slots_file,
                slots_sha,
                _settings_text(settings),
                str(out_folder) if out_folder else None,
            ),
        )
        return int(rows[0][0])

    def record_delivery(self, run_id: int, folder: Path, at: datetime) -> None:
        """A run's files were written to ``folder``."""
        self.backend.execute(
            "INSERT INTO deliveries VALUES (?, ?, ?) ON CONFLICT (run_id) "
            "DO UPDATE SET folder = excluded.folder, "
            "delivered_at = excluded.delivered_at",
            (run_id, str(folder), at.isoformat(timespec="seconds")),
        )

    def undelivered(self) -> list[tuple[int, str | None]]:
        """Runs committed whose files were never written: (run, folder
        they were meant for), oldest first."""
        return [
            (int(run_id), folder)
            for run_id, folder in self.backend.execute(
                "SELECT id, out_folder FROM runs WHERE status != 'RUNNING' "
                "AND id NOT IN (SELECT run_id FROM deliveries) ORDER BY id"
            )
        ]

    def finish_run(
        self,
        run_id: int,
        counts: Mapping[str, int],
        solver: SolverReport,
        baseline_lateness: Sequence[int],
    ) -> None:
        """Record what a run did."""
        self.backend.execute(
            "UPDATE runs SET counts = ?, status = ?, solution = ?, "
            "baseline = ? WHERE id = ?",
            (
                json.dumps(dict(counts)),
                solver.status.value,
                _solver_text(solver),
                json.dumps(list(baseline_lateness)),
                run_id,
            ),
        )

    def run(self, run_id: int | None = None) -> RunRecord | None:
        """A run (the latest if ``run_id`` is ``None``), if any."""
        rows = self.backend.execute(
            f"SELECT {_RUN_COLUMNS} FROM runs "
            "WHERE id = coalesce(?, (SELECT max(id) FROM runs))",
            (run_id,),
        )
        return _run_record(rows[0]) if rows else None

    def count_runs(self) -> int:
        """How many runs the ledger recorded."""
        return int(self.backend.execute("SELECT count(*) FROM runs")[0][0])

    def runs(self) -> list[RunRecord]:
        """Every run, oldest first."""
        return [
            _run_record(row)
            for row in self.backend.execute(
                f"SELECT {_RUN_COLUMNS} FROM runs ORDER BY id"
            )
        ]

    def add_notes(
        self, run_id: int, notes: Iterable[tuple[str, str, str]]
    ) -> None:
        """Notes of a run: (kind, record id, French note)."""
        self.backend.execute_many(
            "INSERT INTO run_notes VALUES (?, ?, ?, ?)",
            [(run_id, *note) for note in notes],
        )

    def add_rejections(
        self, run_id: int, kind: str, rejections: Iterable[Rejection]
    ) -> None:
        """Rejected rows of a run's ``referral`` or ``slot`` file."""
        self.backend.execute_many(
            "INSERT INTO run_rejections VALUES (?, ?, ?, ?, ?)",
            [
                (run_id, kind, r.row, r.record_id, _issues_text(r.issues))
                for r in rejections
            ],
        )

    def rejections(self, run_id: int, kind: str) -> list[Rejection]:
        """A run's rejected rows of one kind, by row number."""
        return [
            Rejection(int(row), str(record_id), _issues_from(issues))
            for row, record_id, issues in self.backend.execute(
                "SELECT row, record_id, issues FROM run_rejections "
                "WHERE run_id = ? AND kind = ? ORDER BY row",
                (run_id, kind),
            )
        ]

    def add_unbooked(self, run_id: int, unbooked: Iterable[Unbooked]) -> None:
        """The referrals a run left without a slot, with their reason."""
        self.backend.execute_many(
            "INSERT INTO run_unbooked VALUES (?, ?, ?, ?, ?)",
            [
                (
                    run_id,
                    item.referral.referral_id,
                    item.reason.value,
                    item.detail,
                    item.target.isoformat(),
                )
                for item in unbooked
            ],
        )

    def unbooked(self, run_id: int) -> list[tuple[str, Reason, str, datetime]]:
        """A run's unbooked referrals: (id, reason, detail, target)."""
        return [
            (
                str(referral_id),
                Reason(reason),
                str(detail),
                datetime.fromisoformat(target),
            )
            for referral_id, reason, detail, target in self.backend.execute(
                "SELECT referral_id, reason, detail, target FROM run_unbooked "
                "WHERE run_id = ?",
                (run_id,),
            )
        ]

    # ----------------------------------------------------------------------
    # Referrals

    def referral_versions(self) -> dict[str, tuple[str | None, State]]:
        """Every referral id with its content digest (``None`` once
        purged) and state."""
        return {
            str(referral_id): (digest, State(state))
            for referral_id, digest, state in self.backend.execute(
                "SELECT referral_id, content_sha256, state FROM referrals"
            )
        }

    def referrals(self, *states: State) -> list[Referral]:
        """Referrals still holding their data, in the given states (all
        if none given), by reception."""
        where = ""
        if states:
            where = " AND state IN (" + ", ".join("?" * len(states)) + ")"
        return [
            _record(Referral, data)
            for (data,) in self.backend.execute(
                "SELECT data FROM referrals WHERE data IS NOT NULL"
                f"{where} ORDER BY received_at, referral_id",
                [state.value for state in states],
            )
        ]

    def add_referral(
        self, referral: Referral, content: Content, run_id: int | None
    ) -> None:
        """A new referral, pending (``run_id``: the run that imported it;
        ``None`` when entered at the desk)."""
        self.backend.execute(
            "INSERT INTO referrals (referral_id, content_sha256, data, "
            "received_at, exams, state, first_run) "
            "VALUES (?, ?, ?, ?, ?, 'pending', ?)",
            (
                referral.referral_id,
                content.digest,
                content.data,
                referral.received_at.isoformat(),
                "+".join(referral.exams),
                run_id,
            ),
        )

    def update_referral(self, referral: Referral, content: Content) -> None:
        """New content for a known referral."""
        self.backend.execute(
            "UPDATE referrals SET content_sha256 = ?, data = ?, "
            "received_at = ?, exams = ? WHERE referral_id = ?",
            (
                content.digest,
                content.data,
                referral.received_at.isoformat(),
                "+".join(referral.exams),
                referral.referral_id,
            ),
        )

    def waiting(self) -> list[tuple[str, datetime, Reason | None, str]]:
        """Pending referrals, by reception: (id, received at, reason and
        detail of the last run that left it unbooked, if any)."""
        return [
            (
                str(referral_id),
                datetime.fromisoformat(received),
                Reason(reason) if reason else None,
                str(detail or ""),
            )
            for referral_id, received, reason, detail in self.backend.execute(
                "SELECT r.referral_id, r.received_at, u.reason, u.detail "
                "FROM referrals r LEFT JOIN run_unbooked u "
                "ON u.referral_id = r.referral_id AND u.run_id = ("
                "SELECT max(run_id) FROM run_unbooked "
                "WHERE referral_id = r.referral_id) "
                "WHERE r.state = 'pending' "
                "ORDER BY r.received_at, r.referral_id"
            )
        ]

    def visit_start(self, referral_id: str) -> datetime | None:
        """When a referral's booked visit starts, if it holds one."""
        rows = self.backend.execute(
            "SELECT s.data FROM bookings b JOIN slots s "
            "ON s.slot_id = b.slot_id WHERE b.referral_id = ? "
            "AND b.active = 1 ORDER BY b.position LIMIT 1",
            (referral_id,),
        )
        return _record(Slot, rows[0][0]).start if rows else None

    def referral_states(self) -> dict[str, State]:
        """Every referral's state, by id."""
        return {
            str(referral_id): State(state)
            for referral_id, state in self.backend.execute(
                "SELECT referral_id, state FROM referrals"
            )
        }

    def referral_state(self, referral_id: str) -> State | None:
        """A referral's state, ``None`` if the ledger does not know it."""
        rows = self.backend.execute(
            "SELECT state FROM referrals WHERE referral_id = ?",
            (referral_id,),
        )
        return State(rows[0][0]) if rows else None

    def set_state(
        self,
        referral_id: str,
        state: State,
        outcome: Outcome | None = None,
        closed_at: datetime | None = None,
    ) -> None:
        """Move a referral to ``state`` (``outcome`` and ``closed_at``
        when it closes)."""
        self.backend.execute(
            "UPDATE referrals SET state = ?, outcome = ?, closed_at = ? "
            "WHERE referral_id = ?",
            (
                state.value,
                outcome.value if outcome else None,
                closed_at.isoformat(timespec="seconds") if closed_at else None,
                referral_id,
            ),
        )

    # ----------------------------------------------------------------------
    # Slots

    def slot_versions(self) -> dict[str, str]:
        """Every slot id with its content digest."""
        return {
            str(slot_id): str(digest)
            for slot_id, digest in self.backend.execute(
                "SELECT slot_id, content_sha256 FROM slots"
            )
        }

    def slots(self) -> list[Slot]:
        """Every slot, by start."""
        return [
            _record(Slot, data)
            for (data,) in self.backend.execute(
                "SELECT data FROM slots ORDER BY start, slot_id"
            )
        ]

    def add_slot(
        self, slot: Slot, content: Content, run_id: int | None
    ) -> None:
        """A new slot (``run_id``: ``None`` when imported at the desk)."""
        self.backend.execute(
            "INSERT INTO slots VALUES (?, ?, ?, ?, ?, ?)",
            (
                slot.slot_id,
                content.digest,
                content.data,
                slot.center,
                slot.start.isoformat(),
                run_id,
            ),
        )

    def update_slot(self, slot: Slot, content: Content) -> None:
        """New content for a known slot."""
        self.backend.execute(
            "UPDATE slots SET content_sha256 = ?, data = ?, center = ?, "
            "start = ? WHERE slot_id = ?",
            (
                content.digest,
                content.data,
                slot.center,
                slot.start.isoformat(),
                slot.slot_id,
            ),
        )

    # ----------------------------------------------------------------------
    # Bookings and declines

    def booked_slot_ids(self) -> set[str]:
        """Slots held by an active booking."""
        return {
            str(slot_id)
            for (slot_id,) in self.backend.execute(
                "SELECT slot_id FROM bookings WHERE active = 1"
            )
        }

    def add_bookings(self, run_id: int, booked: Iterable[Booked]) -> None:
        """Book visits (one row per slot, in visit order) and move their
        referrals to ``booked``."""
        booked = list(booked)
        self.backend.execute_many(
            "INSERT INTO bookings (id, referral_id, slot_id, position, "
            f"run_id, target, late_minutes) VALUES "
            f"({_NEXT_ID.format(table='bookings')}, ?, ?, ?, ?, ?, ?)",
            [
                (
                    visit.referral.referral_id,
                    slot.slot_id,
                    position,
                    run_id,
                    visit.target.isoformat(),
                    visit.late_minutes,
                )
                for visit in booked
                for position, slot in enumerate(visit.slots)
            ],
        )
        self.backend.execute_many(
            "UPDATE referrals SET state = 'booked' WHERE referral_id = ?",
            [(visit.referral.referral_id,) for visit in booked],
        )

    def release(self, referral_id: str, at: datetime, reason: str) -> None:
        """Free a referral's active bookings (``reason``: the answer)."""
        self.backend.execute(
            "UPDATE bookings SET active = 0, released_at = ?, "
            "released_reason = ? WHERE referral_id = ? AND active = 1",
            (at.isoformat(timespec="seconds"), reason, referral_id),
        )

    def report_releases(self, run_id: int) -> None:
        """Bookings released since the last run are this run's news."""
        self.backend.execute(
            "UPDATE bookings SET released_reported_run = ? "
            "WHERE active = 0 AND released_reported_run IS NULL",
            (run_id,),
        )

    def bookings(
        self,
        run_id: int | None = None,
        active: bool | None = None,
        released_in: int | None = None,
        held: bool = False,
    ) -> list[BookingRecord]:
        """Visits booked by a run, active now, or whose release run
        ``released_in`` reported; ``held``: only those of referrals booked
        or confirmed (not closed). One record per visit."""
        conditions, parameters = [], []
        for column, value in (
            ("b.run_id", run_id),
            ("b.active", None if active is None else int(active)),
            ("b.released_reported_run", released_in),
        ):
            if value is not None:
                conditions.append(f"{column} = ?")
                parameters.append(value)
        if held:
            conditions.append("r.state IN ('booked', 'confirmed')")
        where = " AND ".join(conditions) or "1 = 1"
        visits: dict[tuple[int, str], list[Any]] = {}
        for (
            run,
            referral_id,
            slot_id,
            target,
            late,
            row,
            reason,
        ) in self.backend.execute(
            "SELECT b.run_id, b.referral_id, b.slot_id, b.target, "
            "b.late_minutes, b.id, b.released_reason FROM bookings b "
            "JOIN referrals r ON r.referral_id = b.referral_id "
            f"WHERE {where} ORDER BY b.run_id, b.referral_id, b.position",
            parameters,
        ):
            visit = visits.setdefault(
                (run, referral_id), [[], target, late, row, reason]
            )
            visit[0].append(slot_id)
        return [
            BookingRecord(
                int(run),
                str(referral_id),
                tuple(slot_ids),
                datetime.fromisoformat(target),
                int(late),
                int(row),
                reason,
            )
            for (run, referral_id), (slot_ids, target, late, row, reason) in (
                visits.items()
            )
        ]

    def slot_holders(self) -> dict[str, str]:
        """The referral holding each booked slot, by slot id."""
        return {
            str(slot_id): str(referral_id)
            for slot_id, referral_id in self.backend.execute(
                "SELECT slot_id, referral_id FROM bookings WHERE active = 1"
            )
        }

    def declines(self) -> dict[str, set[str]]:
        """Slots each referral's patient declined."""
        found: dict[str, set[str]] = {}
        for referral_id, slot_id in self.backend.execute(
            "SELECT referral_id, slot_id FROM declines"
        ):
            found.setdefault(str(referral_id), set()).add(str(slot_id))
        return found

    def decline_booked(self, referral_id: str) -> None:
        """The patient declined the slots they hold: never offer them
        again."""
        self.backend.execute(
            "INSERT INTO declines SELECT referral_id, slot_id FROM bookings "
            "WHERE referral_id = ? AND active = 1 ON CONFLICT DO NOTHING",
            (referral_id,),
        )

    # ----------------------------------------------------------------------
    # Answers

    def add_answer(
        self,
        at: datetime,
        file: tuple[str, str],
        referral_id: str,
        answer: str,
        previous: State,
        login: str | None = None,
    ) -> None:
        """Record an applied answer (``file``: name and SHA-256;
        ``login``: the desk user who recorded it)."""
        self.backend.execute(
            "INSERT INTO answers (imported_at, file, file_sha256, "
            "referral_id, answer, previous_state, login) "
            "VALUES (?, ?, ?, ?, ?, ?, ?)",
            (
                at.isoformat(timespec="seconds"),
                *file,
                referral_id,
                answer,
                previous.value,
                login,
            ),
        )

    # ----------------------------------------------------------------------
    # Directory and preparations

    def update_directory(self, centres: Iterable[Centre]) -> None:
        """Record centres (a centre known already takes its new details;
        the others stay)."""
        self.backend.execute_many(
            "INSERT INTO centres VALUES (?, ?) ON CONFLICT (center) "
            "DO UPDATE SET data = excluded.data",
            [(c.center, c.model_dump_json()) for c in centres],
        )

    def directory(self) -> Directory:
        """The centres as last imported."""
        return Directory(
            _record(Centre, data)
            for (data,) in self.backend.execute(
                "SELECT data FROM centres ORDER BY center"
            )
        )

    def replace_preparations(self, rows: Sequence[Preparation]) -> None:
        """The preparations sheet as last imported, whole."""
        self.backend.execute("DELETE FROM preparations")
        self.backend.execute_many(
            "INSERT INTO preparations VALUES (?, ?)",
            [(n, row.model_dump_json()) for n, row in enumerate(rows)],
        )

    def preparations(self) -> Preparations:
        """The preparations as last imported (the defaults for the rest)."""
        return Preparations(
            _record(Preparation, data)
            for (data,) in self.backend.execute(
                "SELECT data FROM preparations ORDER BY position"
            )
        )

    # ----------------------------------------------------------------------
    # Outbox

    def visit_ids(self, run_id: int) -> dict[str, int]:
        """The booking row of each visit a run booked (its first slot's),
        by referral: what a notice is about."""
        return {
            str(referral_id): int(booking_id)
            for referral_id, booking_id in self.backend.execute(
                "SELECT referral_id, id FROM bookings "
                "WHERE run_id = ? AND position = 0",
                (run_id,),
            )
        }

    def active_visit_id(self, referral_id: str) -> int | None:
        """The booking row of a referral's active visit, if any."""
        rows = self.backend.execute(
            "SELECT id FROM bookings WHERE referral_id = ? AND active = 1 "
            "AND position = 0",
            (referral_id,),
        )
        return int(rows[0][0]) if rows else None

    def booked_visit(self, booking_id: int) -> Booked | None:
        """The visit whose first slot's booking row is ``booking_id``, with
        its referral and slots (``None`` once the referral is purged)."""
        rows = self.backend.execute(
            "SELECT r.data, s.data, b.target, b.late_minutes "
            "FROM bookings f JOIN bookings b ON b.referral_id = f.referral_id "
            "AND b.run_id = f.run_id JOIN slots s ON s.slot_id = b.slot_id "
            "JOIN referrals r ON r.referral_id = b.referral_id "
            "WHERE f.id = ? ORDER BY b.position",
            (booking_id,),
        )
        if not rows or rows[0][0] is None:
            return None
        referral, _, target, late = rows[0]
        return Booked(
            _record(Referral, referral),
            tuple(_record(Slot, row[1]) for row in rows),
            datetime.fromisoformat(target),
            int(late),
        )

    def messages_of_visit(self, booking_id: int) -> list[OutboxMessage]:
        """The messages about one visit, by creation."""
        return [
            _outbox_message(row)
            for row in self.backend.execute(
                f"SELECT {_OUTBOX_COLUMNS} FROM outbox WHERE booking_id = ? "
                "ORDER BY created_at, id",
                (booking_id,),
            )
        ]

    def announced_visit_id(self, referral_id: str) -> int | None:
        """The last released visit of a referral that a message announced
        (sent): the one a new booking's notices replace."""
        rows = self.backend.execute(
            "SELECT b.id FROM bookings b WHERE b.referral_id = ? "
            "AND b.position = 0 AND b.active = 0 AND EXISTS ("
            "SELECT 1 FROM outbox o WHERE o.booking_id = b.id "
            "AND o.state = 'sent' AND o.kind IN ('booked', 'changed')) "
            "ORDER BY b.id DESC LIMIT 1",
            (referral_id,),
        )
        return int(rows[0][0]) if rows else None

    def run_messages(self, run_id: int) -> list[OutboxMessage]:
        """The messages a run queued, by referral then id."""
        return [
            _outbox_message(row)
            for row in self.backend.execute(
                f"SELECT {_OUTBOX_COLUMNS} FROM outbox WHERE run_id = ? "
                "ORDER BY referral_id, id",
                (run_id,),
            )
        ]

    def add_messages(self, messages: Iterable[OutboxMessage]) -> None:
        """Queue messages; one already queued (same id) is left alone."""
        self.backend.execute_many(
            f"INSERT INTO outbox ({_OUTBOX_COLUMNS}) VALUES "
            f"({', '.join('?' * _OUTBOX_WIDTH)}) ON CONFLICT DO NOTHING",
            [_outbox_row(m) for m in messages],
        )

    def messages(
        self,
        referral_id: str | None = None,
        states: Iterable[OutboxState] = (),
    ) -> list[OutboxMessage]:
        """Messages of a referral, or in some states (all if none), by
        creation then id."""
        conditions, parameters = [], []
        if referral_id is not None:
            conditions.append("referral_id = ?")
            parameters.append(referral_id)
        wanted = [state.value for state in states]
        if wanted:
            conditions.append(
                "state IN (" + ", ".join("?" * len(wanted)) + ")"
            )
            parameters += wanted
        where = " AND ".join(conditions) or "1 = 1"
        return [
            _outbox_message(row)
            for row in self.backend.execute(
                f"SELECT {_OUTBOX_COLUMNS} FROM outbox WHERE {where} "
                "ORDER BY created_at, id",
                parameters,
            )
        ]

    def replace_unsent(self, booking_id: int) -> None:
        """A visit released before its messages went: they never will."""
        self.backend.execute(
            "UPDATE outbox SET state = 'replaced' WHERE booking_id = ? "
            "AND state IN ('pending', 'failed', 'manual')",
            (booking_id,),
        )

    def claim_message(
        self, now: datetime, channels: Iterable[Channel], claimer: str
    ) -> OutboxMessage | None:
        """Take the next due message of ``channels`` for sending: it is
        ``sending``, claimed by ``claimer``, one attempt more. Call inside
        :meth:`write`, so two senders never take the same message."""
        names = [channel.value for channel in channels]
        if not names:
            return None
        rows = self.backend.execute(
            f"SELECT {_OUTBOX_COLUMNS} FROM outbox WHERE state = 'pending' "
            "AND next_attempt_at <= ? AND due_at <= ? AND channel IN ("
            + ", ".join("?" * len(names))
            + ") ORDER BY next_attempt_at, id LIMIT 1",
            (_instant(now), _instant(now), *names),
        )
        if not rows:
            return None
        message = _outbox_message(rows[0])
        self.backend.execute(
            "UPDATE outbox SET state = 'sending', claimed_at = ?, "
            "claimed_by = ?, attempts = attempts + 1 WHERE id = ?",
            (_instant(now), claimer, message.id),
        )
        return replace(
            message,
            state=OutboxState.SENDING,
            attempts=message.attempts + 1,
            claimed_by=claimer,
            claimed_at=now,
        )

    def finish_message(
        self,
        message_id: str,
        state: OutboxState,
        at: datetime,
        error: str | None = None,
        retry_at: datetime | None = None,
        claimer: str | None = None,
    ) -> bool:
        """After a sending attempt: ``sent`` (at ``at``), ``failed`` with
        its reason, or back to ``pending`` until ``retry_at``.

        With ``claimer``, only while the message is still ``sending`` under
        that claim: a sender that outlived its lease must not overwrite
        what the sender that took the message over recorded. Returns
        whether the message was updated.
        """
        condition = ""
        parameters: list[Any] = [
            state.value,
            error,
            _instant(retry_at) if retry_at else None,
            state.value,
            _instant(at),
            message_id,
        ]
        if claimer is not None:
            condition = " AND state = 'sending' AND claimed_by = ?"
            parameters.append(claimer)
        rows = self.backend.execute(
            "UPDATE outbox SET state = ?, last_error = ?, "
            "next_attempt_at = coalesce(?, next_attempt_at), "
            "sent_at = CASE WHEN ? = 'sent' THEN ? ELSE sent_at END, "
            f"claimed_by = NULL WHERE id = ?{condition} RETURNING id",
            parameters,
        )
        return bool(rows)

    def claims(self) -> list[tuple[str, str | None, datetime | None]]:
        """Messages being sent: (id, claimer, claimed at), oldest claim
        first; a claim whose sender died is for the caller to release."""
        return [
            (
                str(message_id),
                claimer,
                _moment(claimed_at) if claimed_at else None,
            )
            for message_id, claimer, claimed_at in self.backend.execute(
                "SELECT id, claimed_by, claimed_at FROM outbox "
                "WHERE state = 'sending' ORDER BY claimed_at, id"
            )
        ]

    def release_claims(self, message_ids: Iterable[str]) -> None:
        """Messages whose sender died or outlived its lease go back to
        ``pending``, due at once (the attempt they used stays counted)."""
        self.backend.execute_many(
            "UPDATE outbox SET state = 'pending', claimed_by = NULL "
            "WHERE id = ? AND state = 'sending'",
            [(message_id,) for message_id in message_ids],
        )

    def hold_for_phone(self, channel: Channel) -> int:
        """Pending messages of ``channel`` become ``manual``: said by the
        telesecretariat, never sent by cosen. Returns how many."""
        rows = self.backend.execute(
            "UPDATE outbox SET state = 'manual' WHERE state = 'pending' "
            "AND channel = ? RETURNING id",
            (channel.value,),
        )
        return len(rows)

    def ledger_stamp(self) -> str:
        """A short text proper to this ledger, stable for its life: what
        tells its messages and calendar events from those of another
        ledger (a new ledger numbers its bookings from 1 again)."""
        rows = self.backend.execute(
            "SELECT description, applied_at FROM schema_migrations "
            "WHERE version = 1"
        )
        seed = "|".join(str(value) for value in rows[0]) if rows else ""
        return hashlib.sha256(seed.encode()).hexdigest()[:10]

    def count_messages(self) -> dict[tuple[Channel, OutboxState], int]:
        """Messages by channel and state."""
        return {
            (Channel(channel), OutboxState(state)): int(count)
            for channel, state, count in self.backend.execute(
                "SELECT channel, state, count(*) FROM outbox "
                "GROUP BY channel, state ORDER BY channel, state"
            )
        }

    # ----------------------------------------------------------------------
    # The desk's views of held visits (personal data: callers log access)

    def held_starts(
        self, centre: str | None = None
    ) -> list[tuple[str, State, datetime]]:
        """Visits held now (active bookings of booked or confirmed
        referrals that still hold their data), of ``centre`` if given:
        (referral id, state, start), by start. Cheap: no record is parsed,
        so the desk picks the few it shows."""
        where = ""
        parameters: list[Any] = []
        if centre is not None:
            # A visit is in one centre: its first slot's.
            where = " AND s.center = ?"
            parameters.append(centre)
        found = [
            (str(referral_id), State(state), datetime.fromisoformat(start))
            for referral_id, state, start in self.backend.execute(
                "SELECT b.referral_id, r.state, s.start FROM bookings b "
                "JOIN slots s ON s.slot_id = b.slot_id "
                "JOIN referrals r ON r.referral_id = b.referral_id "
                "WHERE b.active = 1 AND b.position = 0 "
                f"AND r.data IS NOT NULL{where}",
                parameters,
            )
        ]
        # Sorted as moments: ISO text with two UTC offsets does not sort.
        return sorted(found, key=lambda item: (item[2], item[0]))

    def held_visits(self, referral_ids: Sequence[str]) -> list[HeldVisit]:
        """The held visits of these referrals, with their data, in the
        order given (ids without a held visit are left out)."""
        if not referral_ids:
            return []
        marks = ", ".join("?" * len(referral_ids))
        rows = self.backend.execute(
            "SELECT r.referral_id, r.data, r.state, s.data, b.target, "
            "b.late_minutes, b.run_id FROM bookings b "
            "JOIN slots s ON s.slot_id = b.slot_id "
            "JOIN referrals r ON r.referral_id = b.referral_id "
            "WHERE b.active = 1 AND r.data IS NOT NULL "
            f"AND b.referral_id IN ({marks}) "
            "ORDER BY b.referral_id, b.position",
            list(referral_ids),
        )
        visits: dict[str, HeldVisit] = {}
        for key, data, state, slot, target, late, run_id in rows:
            found = visits.get(key)
            if found is None:
                visits[key] = HeldVisit(
                    _record(Referral, data),
                    State(state),
                    (_record(Slot, slot),),
                    datetime.fromisoformat(target),
                    int(late),
                    int(run_id),
                )
            else:
                visits[key] = replace(
                    found, slots=(*found.slots, _record(Slot, slot))
                )
        return [visits[i] for i in referral_ids if i in visits]

    def open_referrals_of(self, referral: Referral) -> list[Referral]:
        """Referrals still open (pending, booked, confirmed) of patients
        born on the same day as ``referral``'s, or with its matricule INS:
        the only ones the duplicate rule can match, found without reading
        every open referral."""
        # The stored JSON is pydantic's compact dump of the referral.
        patterns = [f'%"birth_date":"{referral.birth_date.isoformat()}"%']
        if referral.ins_number:
            patterns.append(f'%"ins_number":"{referral.ins_number}"%')
        return [
            _record(Referral, data)
            for (data,) in self.backend.execute(
                "SELECT data FROM referrals WHERE data IS NOT NULL AND "
                "state IN ('pending', 'booked', 'confirmed') AND ("
                + " OR ".join("data LIKE ?" for _ in patterns)
                + ") ORDER BY received_at, referral_id",
                patterns,
            )
        ]

    def referral(self, referral_id: str) -> tuple[Referral | None, State]:
        """A referral known to the ledger with its state (its data
        ``None`` once purged).

        Raises
        ------
        KeyError
            When the ledger does not know it.
        """
        rows = self.backend.execute(
            "SELECT data, state FROM referrals WHERE referral_id = ?",
            (referral_id,),
        )
        if not rows:
            raise KeyError(referral_id)
        data, state = rows[0]
        return (_record(Referral, data) if data else None), State(state)

    def centres(self) -> list[str]:
        """Centre codes of the slots the ledger knows."""
        return [
            str(centre)
            for (centre,) in self.backend.execute(
                "SELECT DISTINCT center FROM slots ORDER BY center"
            )
        ]

    def deliveries(self) -> dict[int, tuple[str, datetime]]:
        """Where and when each delivered run's files were written."""
        return {
            int(run_id): (str(folder), datetime.fromisoformat(at))
            for run_id, folder, at in self.backend.execute(
                "SELECT run_id, folder, delivered_at FROM deliveries"
            )
        }

    # ----------------------------------------------------------------------
    # Counts (no personal data)

    def count_states(self) -> dict[State, int]:
        """Referrals by state, every state listed."""
        counts = dict.fromkeys(State, 0)
        for state, count in self.backend.execute(
            "SELECT state, count(*) FROM referrals GROUP BY state"
        ):
            counts[State(state)] = int(count)
        return counts

    def count_outcomes(self) -> dict[Outcome, int]:
        """Closed referrals by outcome."""
        return {
            Outcome(outcome): int(count)
            for outcome, count in self.backend.execute(
                "SELECT outcome, count(*) FROM referrals "
                "WHERE state = 'closed' AND outcome IS NOT NULL "
                "GROUP BY outcome ORDER BY outcome"
            )
        }

    def count_held_by_centre(self) -> dict[str, dict[State, int]]:
        """Booked and confirmed referrals by the centre of their visit."""
        found: dict[str, dict[State, int]] = {}
        for centre, state, count in self.backend.execute(
            "SELECT s.center, r.state, count(DISTINCT r.referral_id) "
            "FROM bookings b JOIN slots s ON s.slot_id = b.slot_id "
            "JOIN referrals r ON r.referral_id = b.referral_id "
            "WHERE b.active = 1 AND r.state IN ('booked', 'confirmed') "
            "GROUP BY s.center, r.state ORDER BY s.center, r.state"
        ):
            found.setdefault(str(centre), {})[State(state)] = int(count)
        return found

    def count_by_exams(self) -> dict[str, dict[State, int]]:
        """Referrals by exams asked (``MAMMO+ECHO_SEIN``) and state."""
        found: dict[str, dict[State, int]] = {}
        for exams, state, count in self.backend.execute(
            "SELECT exams, state, count(*) FROM referrals "
            "GROUP BY exams, state ORDER BY exams, state"
        ):
            found.setdefault(str(exams), {})[State(state)] = int(count)
        return found

    def lateness_since(self, since: date | None) -> list[int]:
        """Minutes late of each visit booked by runs at or after
        ``since``."""
        return [
            int(late)
            for (late,) in self.backend.execute(
                "SELECT b.late_minutes FROM bookings b JOIN runs r "
                "ON r.id = b.run_id WHERE b.position = 0 AND r.now >= ?",
                (since.isoformat() if since else "",),
            )
        ]

    def count_received_since(self, since: date | None) -> int:
        """Referrals received at or after ``since``."""
        rows = self.backend.execute(
            "SELECT count(*) FROM referrals WHERE received_at >= ?",
            (since.isoformat() if since else "",),
        )
        return int(rows[0][0])

    # ----------------------------------------------------------------------
    # Retention

    def purgeable(self, before: date) -> tuple[int, int]:
        """What a purge before ``before`` would remove: referrals closed
        before it that still hold personal data, and rejected rows of the
        runs before it (their reasons may quote a cell)."""
        day = before.isoformat()
        referrals = self.backend.execute(
            "SELECT count(*) FROM referrals WHERE state = 'closed' "
            "AND closed_at < ? AND data IS NOT NULL",
            (day,),
        )
        rejected = self.backend.execute(
            "SELECT count(*) FROM run_rejections WHERE run_id IN "
            "(SELECT id FROM runs WHERE now < ?)",
            (day,),
        )
        return int(referrals[0][0]), int(rejected[0][0])

    def purge_messages(self) -> None:
        """Clear the words and addresses of the messages about referrals
        whose data were purged."""
        self.backend.execute(
            "UPDATE outbox SET body = NULL, subject = NULL, recipient = NULL "
            "WHERE body IS NOT NULL AND referral_id IN "
            "(SELECT referral_id FROM referrals WHERE data IS NULL)"
        )

    def purge_before(self, before: date, at: datetime) -> tuple[int, int]:
        """Clear the personal data of referrals closed before ``before``,
        delete the rejected rows of the runs before it and the access log
        of every purged referral; record the purge; return how many
        referrals and rejected rows were purged."""
        day = before.isoformat()
        counts = self.purgeable(before)
        self.backend.execute(
            "UPDATE referrals SET data = NULL, content_sha256 = NULL "
            "WHERE state = 'closed' AND closed_at < ? AND data IS NOT NULL",
            (day,),
        )
        self.backend.execute(
            "DELETE FROM run_rejections WHERE run_id IN "
            "(SELECT id FROM runs WHERE now < ?)",
            (day,),
        )
        self.purge_messages()
        # Who looked at a purged referral is itself about that patient.
        self.backend.execute(
            "DELETE FROM access_log WHERE referral_id IN (SELECT "
            "referral_id FROM referrals WHERE data IS NULL)"
        )
        self.backend.execute(
            "INSERT INTO purges (purged_at, before, referrals) "
            "VALUES (?, ?, ?)",
            (at.isoformat(timespec="seconds"), day, counts[0]),
        )
        return counts


# --------------------------------------------------------------------------
# How values are stored

_OUTBOX_FIELDS: Final = (
    "id", "referral_id", "booking_id", "run_id", "kind", "audience",
    "channel", "recipient", "subject", "body", "note", "state", "due_at",
    "next_attempt_at", "attempts", "last_error", "created_at", "claimed_at",
    "claimed_by", "sent_at",
)  # fmt: skip
_OUTBOX_COLUMNS: Final = ", ".join(_OUTBOX_FIELDS)
_OUTBOX_WIDTH: Final = len(_OUTBOX_FIELDS)
_OUTBOX_TIMES: Final = frozenset(
    {"due_at", "next_attempt_at", "created_at", "claimed_at", "sent_at"}
)


def _instant(moment: datetime) -> str:
    """A moment as stored where it is compared as text: UTC, so that
    text order is time order whatever the offset."""
    return moment.astimezone(UTC).isoformat(timespec="seconds")


def _outbox_row(message: OutboxMessage) -> tuple[Any, ...]:
    values = []
    for name in _OUTBOX_FIELDS:
        value = getattr(message, name)
        if isinstance(value, enum.Enum):
            value = value.value
        elif isinstance(value, datetime):
            value = _instant(value)
        values.append(value)
    return tuple(values)


def _moment(text: str) -> datetime:
    """A stored UTC instant, as Paris time."""
    return datetime.fromisoformat(text).astimezone(PARIS)


def _outbox_message(row: Sequence[Any]) -> OutboxMessage:
    values = dict(zip(_OUTBOX_FIELDS, row, strict=True))
    for name in _OUTBOX_TIMES:
        if values[name] is not None:
            values[name] = _moment(values[name])
    return OutboxMessage(
        **{
            **values,
            "kind": MessageKind(values["kind"]),
            "audience": Audience(values["audience"]),
            "channel": Channel(values["channel"]),
            "state": OutboxState(values["state"]),
        }
    )


Model = TypeVar("Model", bound=BaseModel)


# Validating a referral runs its field parsers (phone numbers, e-mail...):
# about a millisecond each. The same stored text always gives the same
# frozen record, so a server showing the same patients again reuses it.
@lru_cache(maxsize=8192)
def _parsed(model: type[BaseModel], data: str) -> BaseModel:
    return model.model_validate_json(data)


def _record(model: type[Model], data: str) -> Model:
    """A stored record read back through its model; stored text that no
    longer parses means the ledger was damaged outside cosen."""
    try:
        return cast(Model, _parsed(model, data))
    except ValidationError:
        raise LedgerError(
            "registre endommagé (donnée illisible) : restaurer la dernière "
            "sauvegarde."
        ) from None


_RUN_COLUMNS: Final = (
    "id, started_at, now, referrals_file, referrals_sha256, slots_file, "
    "slots_sha256, settings, counts, status, solution, baseline"
)


def _run_record(row: Sequence[Any]) -> RunRecord:
    (run_id, started, now, referrals_file, referrals_sha, slots_file,
     slots_sha, settings, counts, status, solution,
     baseline) = row  # fmt: skip
    return RunRecord(
        id=int(run_id),
        started_at=datetime.fromisoformat(started),
        now=datetime.fromisoformat(now),
        referrals_file=referrals_file,
        referrals_sha256=referrals_sha,
        slots_file=slots_file,
        slots_sha256=slots_sha,
        settings=_settings_from(settings),
        counts=json.loads(counts),
        status=status,
        solver=None if status == "RUNNING" else _solver_from(solution),
        baseline_lateness=tuple(json.loads(baseline)),
    )


def _settings_text(settings: AllocationSettings) -> str:
    values = asdict(settings)
    values["now"] = settings.now.isoformat()
    values["target_clock"] = settings.target_clock.value
    return json.dumps(values, sort_keys=True)


def _settings_from(text: str) -> AllocationSettings:
    values = json.loads(text)
    now = datetime.fromisoformat(values.pop("now"))
    return AllocationSettings.from_mapping(values, now)


def _solver_text(solver: SolverReport) -> str:
    return json.dumps(
        {
            "status": solver.status.value,
            "tiers": asdict(solver.tiers),
            "bound": asdict(solver.bound),
            "seconds": solver.seconds,
            "methods": solver.methods,
        }
    )


def _solver_from(text: str) -> SolverReport:
    values = json.loads(text)
    return SolverReport(
        Status(values["status"]),
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


def _now_text() -> str:
    return datetime.now(PARIS).isoformat(timespec="seconds")
