"""The ledger file: privacy, migrations, refusals, waiting."""

from __future__ import annotations

import sqlite3
import stat
from pathlib import Path

import pytest

from cosen.ledger.schema import MIGRATIONS
from cosen.ledger.store import (
    LATEST_VERSION,
    Ledger,
    LedgerBusyError,
    LedgerError,
    ledger_path,
)


def mode(path: Path) -> int:
    return stat.S_IMODE(path.stat().st_mode)


def test_new_ledger_and_wal_files_are_private(tmp_path: Path) -> None:
    path = tmp_path / "registre" / "cosen.db"
    with Ledger(path) as ledger, ledger.transaction() as db:
        db.execute("SELECT count(*) FROM referrals")
        companions = [Path(f"{path}-wal"), Path(f"{path}-shm")]
        assert all(p.exists() for p in companions)
        assert [mode(p) for p in [path, *companions]] == [0o600] * 3
    assert mode(path.parent) == 0o700


def test_migrations_are_recorded_one_by_one(tmp_path: Path) -> None:
    with Ledger(tmp_path / "l.db") as ledger:
        assert ledger.version == LATEST_VERSION
        rows = ledger.connection.execute(
            "SELECT version, description FROM schema_migrations"
        ).fetchall()
    assert rows == [(v, d) for v, d, _ in MIGRATIONS]


def test_older_ledger_is_upgraded_keeping_its_data(tmp_path: Path) -> None:
    path = tmp_path / "l.db"
    with Ledger(path, version=1) as old:
        assert old.version == 1
        with old.transaction() as db:
            db.execute(
                "INSERT INTO runs VALUES (1, 'x', 'x', 'd', 'h', 'c', 'h', "
                "'{}', '{}', 'OPTIMAL', '{}', '[]')"
            )
        assert not old.connection.execute(
            "SELECT name FROM sqlite_master WHERE name = 'declines'"
        ).fetchall()
    with Ledger(path) as new:
        assert new.version == LATEST_VERSION
        assert new.connection.execute("SELECT id FROM runs").fetchall() == [
            (1,)
        ]
        new.connection.execute("SELECT * FROM declines")


def test_ledger_from_a_newer_cosen_is_refused(tmp_path: Path) -> None:
    path = tmp_path / "l.db"
    Ledger(path).close()
    with sqlite3.connect(path) as db:
        db.execute(
            "INSERT INTO schema_migrations VALUES (?, 'futur', 'x')",
            (LATEST_VERSION + 1,),
        )
    with pytest.raises(LedgerError, match="version plus récente"):
        Ledger(path)


def test_a_file_that_is_no_ledger_is_refused(tmp_path: Path) -> None:
    path = tmp_path / "demandes.xlsx"
    path.write_bytes(b"PK\x03\x04 not a database at all" * 100)
    with pytest.raises(LedgerError, match="n'est pas un registre"):
        Ledger(path)


def test_busy_ledger_waits_then_stops_in_french(tmp_path: Path) -> None:
    path = tmp_path / "l.db"
    Ledger(path).close()
    holder = sqlite3.connect(path, isolation_level=None)
    holder.execute("BEGIN IMMEDIATE")
    try:
        with (
            Ledger(path, wait=0.2) as ledger,
            pytest.raises(
                LedgerBusyError, match="utilisé par un autre traitement"
            ),
            ledger.transaction(),
        ):
            pass
    finally:
        holder.execute("ROLLBACK")
        holder.close()


def test_ledger_path_option_then_environment(
    monkeypatch: pytest.MonkeyPatch, tmp_path: Path
) -> None:
    monkeypatch.delenv("COSEN_DB", raising=False)
    assert ledger_path(None) == Path("cosen.db")
    monkeypatch.setenv("COSEN_DB", str(tmp_path / "env.db"))
    assert ledger_path(None) == tmp_path / "env.db"
    assert ledger_path(tmp_path / "opt.db") == tmp_path / "opt.db"
