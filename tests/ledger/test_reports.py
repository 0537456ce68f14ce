"""Status, history and the retention purge on every backend."""

from __future__ import annotations

from datetime import date, timedelta
from pathlib import Path

import pytest

from cosen.errors import OptionError
from cosen.ledger.reports import ledger_status, purge
from tests.factories import referral_row, slot_row
from tests.ledger.helpers import LATER, Desk
from tests.postgres import Server

NEXT_DAY = LATER + timedelta(days=1)

D1 = referral_row(referral_id="D1")
D2 = referral_row(referral_id="D2", birth_name="Klein", first_name="Léa")
S1 = slot_row(slot_id="S1")
S2 = slot_row(slot_id="S2", start="27/11/2026 15:00")


def test_status_counts_states_centres_and_exams(desk: Desk) -> None:
    desk.run([D1, D2, referral_row(referral_id="D3", birth_name="Wolff",
                                    exams="SCANNER")], [S1, S2])  # fmt: skip
    desk.answer(("D1", "confirme"))
    found = ledger_status(desk.ledger)
    assert found["states"] == {
        "pending": 1, "booked": 1, "confirmed": 1, "closed": 0
    }  # fmt: skip
    assert found["by_centre"] == {"MIM-1": {"booked": 1, "confirmed": 1}}
    assert found["by_exam"]["SCANNER"] == {"pending": 1}
    assert found["kpi"]["booked"] == 2
    assert ledger_status(desk.ledger, date(2027, 1, 1))["kpi"]["booked"] == 0


def stored_bytes(desk: Desk, server: Server | str) -> bytes:
    """Everything the ledger's database keeps on disk for its tables: the
    SQLite file and its companions, or PostgreSQL's table files (the
    write-ahead log is the host's retention, as backups are)."""
    target = desk.ledger.target
    if isinstance(target, Path):
        return b"".join(
            p.read_bytes() for p in target.parent.glob(f"{target.name}*")
        )
    if isinstance(server, str) or server.data is None:
        pytest.skip("serveur PostgreSQL externe : fichiers inaccessibles")
    return b"".join(
        p.read_bytes()
        for p in (server.data / "base").rglob("*")
        if p.is_file()
    )


def test_purge_leaves_no_personal_data_on_disk(
    desk: Desk, postgres_server: Server | str
) -> None:
    secret = "Zygmuntowicz"
    kept = "Oberkircher"
    desk.run(
        [referral_row(referral_id="D1", birth_name=secret),
         referral_row(referral_id="D2", birth_name=kept)],
        [S1, S2],
    )  # fmt: skip
    desk.answer(("D1", "realise"))
    assert purge(desk.ledger, date(2026, 11, 27), NEXT_DAY) == (0, 0)
    assert purge(desk.ledger, date(2026, 11, 28), NEXT_DAY) == (1, 0)
    content = stored_bytes(desk, postgres_server)
    assert secret.encode() not in content
    assert kept.encode() in content
    assert ledger_status(desk.ledger)["closed"] == {"done": 1}
    assert desk.query(
        "SELECT count(*) FROM bookings WHERE referral_id = ?", "D1"
    ) == [(1,)]


def test_purge_also_removes_rejected_rows_and_can_be_tried_first(
    desk: Desk,
) -> None:
    """A rejected row's reasons may quote a cell (an exam cell holding a
    name): the purge deletes the rejected rows of the runs before its
    date; ``dry_run`` tells the counts and changes nothing."""
    leaked = "Zbigniewska"
    desk.run(
        [D1, referral_row(referral_id="D9", birth_name="X", exams=leaked)],
        [S1],
    )
    desk.answer(("D1", "realise"))
    assert purge(desk.ledger, date(2026, 11, 28), NEXT_DAY, dry_run=True) == (
        1,
        1,
    )
    assert desk.query("SELECT count(*) FROM run_rejections") == [(1,)]
    assert purge(desk.ledger, date(2026, 11, 28), NEXT_DAY) == (1, 1)
    assert desk.query("SELECT count(*) FROM run_rejections") == [(0,)]
    assert purge(desk.ledger, date(2026, 11, 28), NEXT_DAY) == (0, 0)


def test_purge_of_the_future_is_refused(desk: Desk) -> None:
    with pytest.raises(OptionError, match="date dans le futur"):
        purge(desk.ledger, date(2026, 11, 29), LATER)
