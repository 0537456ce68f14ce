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
"""

from __future__ import annotations

from typing import Final

__all__ = ["MIGRATIONS"]

MIGRATIONS: Final[tuple[tuple[int, str, tuple[str, ...]], ...]] = (
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
)
