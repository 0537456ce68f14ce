"""The ledger's database: migrations, refusals, waiting, privacy."""

from __future__ import annotations

import sqlite3
import stat
import threading
from pathlib import Path

import pytest

from cosen.ledger import (
    LATEST_VERSION,
    Database,
    LedgerBusyError,
    LedgerError,
    ledger_target,
)
from cosen.ledger.backends import open_backend
from cosen.ledger.schema import MIGRATIONS

# A run as the first schema holds it.
RUN = (
    "INSERT INTO runs (id, started_at, now, referrals_file, "
    "referrals_sha256, slots_file, slots_sha256, settings, counts, status, "
    "solution, baseline) VALUES (1, 'x', 'x', 'd', 'h', 'c', 'h', '{}', "
    "'{}', 'OPTIMAL', '{}', '[]')"
)


def mode(path: Path) -> int:
    return stat.S_IMODE(path.stat().st_mode)


def test_migrations_are_recorded_one_by_one(ledger: Database) -> None:
    assert ledger.version == LATEST_VERSION
    assert ledger.migrations() == [(v, d) for v, d, _ in MIGRATIONS]


def test_older_ledger_is_upgraded_keeping_its_data(
    ledger_target: str | Path,
) -> None:
    with Database(ledger_target, version=1) as old:
        assert old.version == 1
        with old.write():
            old.backend.execute(RUN)
        assert "declines" not in old.backend.tables()
    with Database(ledger_target) as new:
        assert new.version == LATEST_VERSION
        assert new.backend.execute("SELECT id FROM runs") == [(1,)]
        assert new.backend.execute("SELECT count(*) FROM declines") == [(0,)]
        # Runs from before deliveries were recorded count as delivered.
        assert new.undelivered() == []


def test_ledger_from_a_newer_cosen_is_refused(
    ledger_target: str | Path,
) -> None:
    with Database(ledger_target) as ledger, ledger.write():
        ledger.backend.execute(
            "INSERT INTO schema_migrations VALUES (?, 'futur', 'x')",
            (LATEST_VERSION + 1,),
        )
    with pytest.raises(LedgerError, match="version plus récente"):
        Database(ledger_target)


def test_another_applications_database_is_refused(
    ledger_target: str | Path,
) -> None:
    """Tables that are not a cosen ledger: refused, left untouched."""
    other = open_backend(ledger_target, 1.0, create=True)
    other.execute("CREATE TABLE clients (id INTEGER, nom TEXT)")
    other.close()
    with pytest.raises(LedgerError, match="pas un registre cosen"):
        Database(ledger_target)
    raw = open_backend(ledger_target, 1.0, create=False)
    try:
        assert raw.tables() == {"clients"}
        if isinstance(ledger_target, Path):  # nor switched to WAL
            assert raw.execute("PRAGMA journal_mode") == [("delete",)]
    finally:
        raw.close()


def test_a_missing_ledger_is_not_created_by_readers(tmp_path: Path) -> None:
    path = tmp_path / "absent.db"
    with pytest.raises(LedgerError, match="registre introuvable"):
        Database(path, create=False)
    assert not path.exists()


def test_writers_wait_then_stop_in_french(ledger_target: str | Path) -> None:
    """A second writer waits ``wait`` seconds for the first, then stops
    with a French message; the first is unaffected."""
    holding, release = threading.Event(), threading.Event()

    def hold() -> None:
        with Database(ledger_target) as first, first.write():
            holding.set()
            release.wait(10)

    holder = threading.Thread(target=hold)
    holder.start()
    try:
        assert holding.wait(10)
        with (
            Database(ledger_target, wait=0.2) as second,
            pytest.raises(
                LedgerBusyError, match="utilisé par un autre traitement"
            ),
            second.write(),
        ):
            pass
    finally:
        release.set()
        holder.join()


def test_one_active_booking_per_slot_is_held_by_the_database(
    ledger: Database,
) -> None:
    with ledger.write():
        ledger.backend.execute(RUN)
        for referral in ("D1", "D2"):
            ledger.backend.execute(
                "INSERT INTO referrals (referral_id, received_at, exams, "
                "state, first_run) VALUES (?, 'x', 'RADIO', 'booked', 1)",
                (referral,),
            )
        ledger.backend.execute(
            "INSERT INTO slots VALUES ('S1', 'h', '{}', 'MIM-1', 'x', 1)"
        )
    insert = (
        "INSERT INTO bookings (referral_id, slot_id, position, run_id, "
        "target, late_minutes) VALUES (?, 'S1', 0, 1, 'x', 0)"
    )
    with ledger.write():
        ledger.backend.execute(insert, ("D1",))
    with pytest.raises(LedgerError), ledger.write():
        ledger.backend.execute(insert, ("D2",))
    assert ledger.booked_slot_ids() == {"S1"}


# --------------------------------------------------------------------------
# SQLite only: the file on the workstation


def test_new_ledger_and_wal_files_are_private(tmp_path: Path) -> None:
    path = tmp_path / "registre" / "cosen.db"
    with Database(path) as ledger, ledger.write():
        ledger.backend.execute("SELECT count(*) FROM referrals")
        companions = [Path(f"{path}-wal"), Path(f"{path}-shm")]
        assert all(p.exists() for p in companions)
        assert [mode(p) for p in [path, *companions]] == [0o600] * 3
    assert mode(path.parent) == 0o700


def test_a_file_that_is_no_ledger_is_refused(tmp_path: Path) -> None:
    path = tmp_path / "demandes.xlsx"
    path.write_bytes(b"PK\x03\x04 not a database at all" * 100)
    with pytest.raises(LedgerError, match="n'est pas un registre"):
        Database(path)


def test_sqlite_writer_held_elsewhere(tmp_path: Path) -> None:
    """Another program's write lock on the file counts as a writer."""
    path = tmp_path / "l.db"
    Database(path).close()
    holder = sqlite3.connect(path, isolation_level=None)
    holder.execute("BEGIN IMMEDIATE")
    try:
        with (
            Database(path, wait=0.2) as ledger,
            pytest.raises(LedgerBusyError),
            ledger.write(),
        ):
            pass
    finally:
        holder.execute("ROLLBACK")
        holder.close()


def test_ledger_option_then_environment(
    monkeypatch: pytest.MonkeyPatch, tmp_path: Path
) -> None:
    monkeypatch.delenv("COSEN_DB", raising=False)
    assert ledger_target(None) == Path("cosen.db")
    monkeypatch.setenv("COSEN_DB", str(tmp_path / "env.db"))
    assert ledger_target(None) == tmp_path / "env.db"
    assert ledger_target(str(tmp_path / "opt.db")) == tmp_path / "opt.db"
    url = "postgresql://cosen@db.example/cosen"
    monkeypatch.setenv("COSEN_DB", url)
    assert ledger_target(None) == url
