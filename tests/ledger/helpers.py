"""Answer files and ledger dumps for ledger tests."""

from __future__ import annotations

import sqlite3
from collections.abc import Sequence
from pathlib import Path

from cosen.io.excel import write_csv
from tests.factories import referral_file, slot_file

__all__ = ["answer_file", "dump", "referral_file", "slot_file"]


def answer_file(path: Path, answers: Sequence[tuple[str, str]]) -> Path:
    write_csv(path, ["id_demande", "reponse"], answers)
    return path


def dump(path: Path) -> dict[str, list[tuple[object, ...]]]:
    """The ledger's logical content, without what varies between two
    executions of the same run (wall-clock time, solve time)."""
    with sqlite3.connect(path) as db:
        tables = [
            name
            for (name,) in db.execute(
                "SELECT name FROM sqlite_master WHERE type = 'table' "
                "AND name NOT IN ('schema_migrations') ORDER BY name"
            )
        ]
        content = {}
        for table in tables:
            query = f"SELECT * FROM {table}"
            if table == "runs":
                query = (
                    "SELECT id, now, referrals_file, referrals_sha256, "
                    "slots_file, slots_sha256, settings, counts, status "
                    "FROM runs"
                )
            content[table] = sorted(db.execute(query).fetchall(), key=repr)
    return content
