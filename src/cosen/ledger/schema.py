"""The ledger's schema, as numbered migrations, for SQLite and PostgreSQL.

Each migration runs in its own transaction and is recorded in
``schema_migrations``; opening a ledger applies those it lacks, and a
ledger written by a newer cosen (a version this one does not know) is
refused rather than misread.

One text serves both databases: the only difference is the type of a
generated key, written ``{serial}`` and filled in by the dialect
(``INTEGER PRIMARY KEY`` in SQLite, an identity column in PostgreSQL).
Guarantees live in the schema where the database can hold them: one active
booking per slot is a partial unique index, referral states are a CHECK.
Personal data sit in ``referrals.data`` only (JSON of the validated
referral), so the retention purge has one column to clear.

Where the two databases cannot share a statement (relaxing a column's
NOT NULL), a migration holds a :class:`Dialects` pair instead of a text.
"""

from __future__ import annotations

from typing import Final, NamedTuple

__all__ = ["MIGRATIONS", "Dialects", "Statement"]


class Dialects(NamedTuple):
    """One step written for each database, statements run in order."""

    sqlite: tuple[str, ...]
    postgresql: tuple[str, ...]


Statement = str | Dialects

# SQLite cannot drop a NOT NULL: its documented way is to edit the table's
# definition in the schema table, then reload the schema (RESET); the
# CREATE TABLE that follows in the same migration changes the schema
# cookie, so every other open connection reloads it too.
_RUN_OPTIONAL = Dialects(
    sqlite=(
        "PRAGMA writable_schema = ON",
        """
        UPDATE sqlite_master SET sql = replace(sql,
            'first_run INTEGER NOT NULL REFERENCES runs (id)',
            'first_run INTEGER REFERENCES runs (id)')
        WHERE type = 'table' AND name IN ('referrals', 'slots')
        """,
        "PRAGMA writable_schema = RESET",
    ),
    postgresql=(
        "ALTER TABLE referrals ALTER COLUMN first_run DROP NOT NULL",
        "ALTER TABLE slots ALTER COLUMN first_run DROP NOT NULL",
    ),
)

MIGRATIONS: Final[tuple[tuple[int, str, tuple[Statement, ...]], ...]] = (
    (
        1,
        "referrals, slots, bookings and runs",
        (
            """
            CREATE TABLE runs (
                id {serial},
                started_at TEXT NOT NULL,
                now TEXT NOT NULL,
                referrals_file TEXT NOT NULL,
                referrals_sha256 TEXT NOT NULL,
                slots_file TEXT NOT NULL,
                slots_sha256 TEXT NOT NULL,
                settings TEXT NOT NULL,
                counts TEXT NOT NULL,
                status TEXT NOT NULL,
                solution TEXT NOT NULL,
                baseline TEXT NOT NULL
            )
            """,
            """
            CREATE TABLE referrals (
                referral_id TEXT PRIMARY KEY,
                content_sha256 TEXT,
                data TEXT,
                received_at TEXT NOT NULL,
                exams TEXT NOT NULL,
                state TEXT NOT NULL CHECK (
                    state IN ('pending', 'booked', 'confirmed', 'closed')
                ),
                outcome TEXT CHECK (
                    outcome IS NULL
                    OR outcome IN ('cancelled', 'no_show', 'done')
                ),
                first_run INTEGER NOT NULL REFERENCES runs (id),
                closed_at TEXT
            )
            """,
            """
            CREATE TABLE slots (
                slot_id TEXT PRIMARY KEY,
                content_sha256 TEXT NOT NULL,
                data TEXT NOT NULL,
                center TEXT NOT NULL,
                start TEXT NOT NULL,
                first_run INTEGER NOT NULL REFERENCES runs (id)
            )
            """,
            """
            CREATE TABLE bookings (
                id {serial},
                referral_id TEXT NOT NULL REFERENCES referrals,
                slot_id TEXT NOT NULL REFERENCES slots,
                position INTEGER NOT NULL,
                run_id INTEGER NOT NULL REFERENCES runs (id),
                target TEXT NOT NULL,
                late_minutes INTEGER NOT NULL,
                active INTEGER NOT NULL DEFAULT 1 CHECK (active IN (0, 1)),
                released_at TEXT,
                released_reason TEXT,
                released_reported_run INTEGER REFERENCES runs (id)
            )
            """,
            # The first guarantee of the ledger, held by SQLite itself.
            """
            CREATE UNIQUE INDEX one_active_booking_per_slot
                ON bookings (slot_id) WHERE active = 1
            """,
            "CREATE INDEX bookings_by_referral ON bookings (referral_id)",
            "CREATE INDEX bookings_by_run ON bookings (run_id)",
            """
            CREATE TABLE run_unbooked (
                run_id INTEGER NOT NULL REFERENCES runs (id),
                referral_id TEXT NOT NULL,
                reason TEXT NOT NULL,
                detail TEXT NOT NULL,
                target TEXT NOT NULL
            )
            """,
            """
            CREATE TABLE run_rejections (
                run_id INTEGER NOT NULL REFERENCES runs (id),
                kind TEXT NOT NULL CHECK (kind IN ('referral', 'slot')),
                row INTEGER NOT NULL,
                record_id TEXT NOT NULL,
                issues TEXT NOT NULL
            )
            """,
            """
            CREATE TABLE run_notes (
                run_id INTEGER NOT NULL REFERENCES runs (id),
                kind TEXT NOT NULL,
                record_id TEXT NOT NULL,
                note TEXT NOT NULL
            )
            """,
        ),
    ),
    (
        2,
        "patients' answers, declined slots and retention purges",
        (
            """
            CREATE TABLE declines (
                referral_id TEXT NOT NULL REFERENCES referrals,
                slot_id TEXT NOT NULL REFERENCES slots,
                PRIMARY KEY (referral_id, slot_id)
            )
            """,
            """
            CREATE TABLE answers (
                id {serial},
                imported_at TEXT NOT NULL,
                file TEXT NOT NULL,
                file_sha256 TEXT NOT NULL,
                referral_id TEXT NOT NULL,
                answer TEXT NOT NULL,
                previous_state TEXT NOT NULL
            )
            """,
            """
            CREATE TABLE purges (
                id {serial},
                purged_at TEXT NOT NULL,
                before TEXT NOT NULL,
                referrals INTEGER NOT NULL
            )
            """,
            "CREATE INDEX referrals_by_state ON referrals (state)",
        ),
    ),
    (
        3,
        "deliveries of each run's files",
        (
            # Runs of older ledgers had their files written right after
            # their commit: count them delivered.
            """
            CREATE TABLE deliveries (
                run_id INTEGER PRIMARY KEY REFERENCES runs (id),
                folder TEXT NOT NULL,
                delivered_at TEXT NOT NULL
            )
            """,
            """
            INSERT INTO deliveries
                SELECT id, '', started_at FROM runs
                WHERE status != 'RUNNING'
            """,
            "ALTER TABLE runs ADD COLUMN out_folder TEXT",
        ),
    ),
    (
        4,
        "the outbox of notices",
        (
            # A notice's text names the patient: body, subject and
            # recipient are personal data, cleared by the purge.
            """
            CREATE TABLE outbox (
                id TEXT PRIMARY KEY,
                referral_id TEXT NOT NULL REFERENCES referrals,
                booking_id INTEGER REFERENCES bookings (id),
                run_id INTEGER REFERENCES runs (id),
                kind TEXT NOT NULL CHECK (
                    kind IN ('booked', 'changed', 'cancelled', 'reminder')
                ),
                audience TEXT NOT NULL CHECK (
                    audience IN ('prescriber', 'patient')
                ),
                channel TEXT NOT NULL CHECK (
                    channel IN ('email', 'sms', 'phone')
                ),
                recipient TEXT,
                subject TEXT,
                body TEXT,
                note TEXT NOT NULL,
                state TEXT NOT NULL CHECK (
                    state IN (
                        'pending', 'sending', 'sent', 'failed', 'replaced',
                        'manual'
                    )
                ),
                due_at TEXT NOT NULL,
                next_attempt_at TEXT NOT NULL,
                attempts INTEGER NOT NULL DEFAULT 0,
                last_error TEXT,
                created_at TEXT NOT NULL,
                claimed_at TEXT,
                claimed_by TEXT,
                sent_at TEXT
            )
            """,
            "CREATE INDEX outbox_due ON outbox (state, next_attempt_at)",
            "CREATE INDEX outbox_by_referral ON outbox (referral_id)",
        ),
    ),
    (
        5,
        "the web desk: accounts, sessions, failed logins, access log",
        (
            # Referrals typed at the desk and files imported there enter
            # the ledger before any run: their first run is unknown.
            _RUN_OPTIONAL,
            """
            CREATE TABLE accounts (
                login TEXT PRIMARY KEY,
                role TEXT NOT NULL CHECK (role IN (
                    'coordinateur', 'centre', 'planificateur', 'admin'
                )),
                centre TEXT,
                password_hash TEXT NOT NULL,
                active INTEGER NOT NULL DEFAULT 1 CHECK (active IN (0, 1)),
                created_at TEXT NOT NULL,
                CHECK ((role = 'centre') = (centre IS NOT NULL))
            )
            """,
            # A session is known by its token's SHA-256: a copy of the
            # ledger does not hand out live sessions. Before login (the
            # login form's CSRF token) it has no account.
            """
            CREATE TABLE web_sessions (
                token_sha256 TEXT PRIMARY KEY,
                login TEXT REFERENCES accounts,
                created_at TEXT NOT NULL,
                seen_at TEXT NOT NULL,
                data TEXT NOT NULL
            )
            """,
            """
            CREATE TABLE login_failures (
                id {serial},
                login TEXT NOT NULL,
                failed_at TEXT NOT NULL
            )
            """,
            "CREATE INDEX login_failures_by_login ON login_failures (login)",
            """
            CREATE TABLE access_log (
                id {serial},
                at TEXT NOT NULL,
                login TEXT NOT NULL,
                referral_id TEXT NOT NULL,
                action TEXT NOT NULL
            )
            """,
            "CREATE INDEX access_log_by_referral ON access_log (referral_id)",
            "ALTER TABLE answers ADD COLUMN login TEXT",
        ),
    ),
    (
        6,
        "the centre directory and the preparations",
        (
            # The directory as last imported (a slot workbook's Centres
            # sheet or a file of its own): every list and notice reads it.
            """
            CREATE TABLE centres (
                center TEXT PRIMARY KEY,
                data TEXT NOT NULL
            )
            """,
            """
            CREATE TABLE preparations (
                position INTEGER PRIMARY KEY,
                data TEXT NOT NULL
            )
            """,
        ),
    ),
)
