"""A coordinator's desk over a ledger, answer files and ledger dumps."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime
from pathlib import Path

from cosen.allocation import AllocationSettings
from cosen.clock import PARIS
from cosen.io.excel import write_csv
from cosen.ledger import Database
from cosen.ledger.answers import AnswerReport, apply_answers
from cosen.ledger.runs import RunReport, run_batch
from tests.factories import NOW, referral_file, slot_file

__all__ = ["LATER", "SETTINGS", "Desk", "answer_file", "dump"]

SETTINGS = AllocationSettings(now=NOW)
LATER = datetime(2026, 11, 27, 16, 0, tzinfo=PARIS)


def answer_file(path: Path, answers: Sequence[tuple[str, str]]) -> Path:
    write_csv(path, ["id_demande", "reponse"], answers)
    return path


class Desk:
    """A coordinator's folder: files in, one ledger."""

    def __init__(self, folder: Path, ledger: Database) -> None:
        self.folder = folder
        self.ledger = ledger
        self.count = 0

    def run(
        self,
        referrals: list[dict[str, str]],
        slots: list[dict[str, str]],
        settings: AllocationSettings = SETTINGS,
    ) -> RunReport:
        self.count += 1
        return run_batch(
            self.ledger,
            referral_file(self.folder / f"d{self.count}.xlsx", referrals),
            slot_file(self.folder / f"c{self.count}.xlsx", slots),
            settings,
        )

    def answer(
        self, *answers: tuple[str, str], at: datetime = LATER
    ) -> AnswerReport:
        self.count += 1
        path = answer_file(self.folder / f"r{self.count}.csv", answers)
        return apply_answers(self.ledger, path, at)

    def query(self, sql: str, *parameters: object) -> list[tuple[object, ...]]:
        return self.ledger.backend.execute(sql, parameters)

    def bookings(self) -> dict[str, list[str]]:
        found: dict[str, list[str]] = {}
        for referral_id, slot_id in self.query(
            "SELECT referral_id, slot_id FROM bookings WHERE active = 1 "
            "ORDER BY referral_id, position"
        ):
            found.setdefault(str(referral_id), []).append(str(slot_id))
        return found

    def states(self) -> dict[str, tuple[object, object]]:
        return {
            str(r): (s, o)
            for r, s, o in self.query(
                "SELECT referral_id, state, outcome FROM referrals"
            )
        }


def dump(ledger: Database) -> dict[str, list[tuple[object, ...]]]:
    """The ledger's logical content, without what varies between two
    executions of the same run (wall-clock time, solve time, where and
    when its files were written)."""
    content = {}
    skipped = {"schema_migrations", "deliveries"}
    for table in sorted(ledger.backend.tables() - skipped):
        query = f"SELECT * FROM {table}"
        if table == "runs":
            query = (
                "SELECT id, now, referrals_file, referrals_sha256, "
                "slots_file, slots_sha256, settings, counts, status "
                "FROM runs"
            )
        content[table] = sorted(ledger.backend.execute(query), key=repr)
    return content
