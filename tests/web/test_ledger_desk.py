"""The desk's ledger side: its migration, cheap reopening, purge."""

from __future__ import annotations

from pathlib import Path

import pytest

from cosen.domain import check_referral, check_slot_rows
from cosen.ledger import LATEST_VERSION, Database, LedgerError
from cosen.ledger.database import content_of
from cosen.ledger.desk import record_entry
from cosen.ledger.states import State
from tests.factories import NOW, referral_row, slot_row


def test_an_older_ledger_gains_the_desk_and_keeps_its_data(
    ledger_target: str | Path, tmp_path: Path
) -> None:
    with Database(ledger_target, version=3) as old:
        _booked_as_of_version_3(old)
        assert "accounts" not in old.backend.tables()
    with Database(ledger_target) as ledger:
        assert ledger.version == LATEST_VERSION
        with ledger.read() as db:
            assert db.referral_state("D1") is State.BOOKED
        # A referral typed at the desk has no run.
        entry = record_entry(
            ledger,
            referral_row(referral_id="G1", birth_name="Autre"),
            "marie",
            NOW,
        )
        assert entry.referral is not None
        with ledger.read() as db:
            assert db.referral_state("G1") is State.PENDING
        if ledger.backend.name == "sqlite":
            assert ledger.backend.execute("PRAGMA integrity_check") == [
                ("ok",)
            ]


def _booked_as_of_version_3(ledger: Database) -> None:
    """A run that booked D1 into S1, written as a version-3 ledger holds
    it (today's code writes tables that did not exist then)."""
    referral, _, _ = check_referral(referral_row())
    slot = check_slot_rows([(2, slot_row())]).accepted[0]
    assert referral is not None
    run = ledger.backend.execute
    with ledger.write():
        run(
            "INSERT INTO runs (id, started_at, now, referrals_file, "
            "referrals_sha256, slots_file, slots_sha256, settings, counts, "
            "status, solution, baseline) VALUES (1, 'x', ?, 'd', 'h', 'c', "
            "'h', '{}', '{}', 'OPTIMAL', '{}', '[]')",
            (NOW.isoformat(),),
        )
        ledger.add_referral(referral, content_of(referral), 1)
        ledger.add_slot(slot, content_of(slot), 1)
        run(
            "INSERT INTO bookings (referral_id, slot_id, position, run_id, "
            "target, late_minutes) VALUES ('D1', 'S1', 0, 1, ?, 0)",
            (NOW.isoformat(),),
        )
        ledger.set_state("D1", State.BOOKED)


def test_reopen_checks_the_schema_only(
    ledger_target: str | Path,
) -> None:
    Database(ledger_target).close()
    again = Database.reopen(ledger_target)
    again.close()
    with Database(ledger_target) as ledger:
        ledger.backend.execute(
            "INSERT INTO schema_migrations VALUES (99, 'future', 'x')"
        )
    with pytest.raises(LedgerError, match="redémarrer le guichet"):
        Database.reopen(ledger_target)


def test_the_duplicate_rule_reads_only_same_birth_date(
    ledger_target: str | Path,
) -> None:
    with Database(ledger_target) as ledger:
        first = record_entry(ledger, referral_row(), "marie", NOW)
        assert first.referral is not None
        other_day = record_entry(
            ledger,
            referral_row(referral_id="D2", birth_date="04/04/1970"),
            "marie",
            NOW,
        )
        assert other_day.referral is not None  # another patient
        twin = record_entry(
            ledger, referral_row(referral_id="D3"), "marie", NOW
        )
        assert twin.referral is None and twin.twin == "D1"
        referral, _, _ = check_referral(referral_row(referral_id="D4"))
        assert referral is not None
        with ledger.read() as db:
            found = db.open_referrals_of(referral)
        assert [r.referral_id for r in found] == ["D1"]
        assert content_of(found[0]).data == content_of(first.referral).data
        # The same matricule INS is the same patient, whatever the birth
        # date typed (a typo in the date is what the matricule catches).
        ins = "270049935001233"
        record_entry(
            ledger,
            referral_row(referral_id="D5", birth_name="Autre", ins_number=ins),
            "marie",
            NOW,
        )
        again = record_entry(
            ledger,
            referral_row(
                referral_id="D6", birth_name="Autre", ins_number=ins,
                birth_date="05/04/1970",
            ),
            "marie",
            NOW,
        )  # fmt: skip
        assert again.referral is None and again.twin == "D5"
