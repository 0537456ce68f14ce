"""What the ledger tells without personal data: status, history; and the
retention purge that removes personal data for good."""

from __future__ import annotations

from datetime import date, datetime
from typing import Any

from cosen.allocation import indicators
from cosen.errors import OptionError
from cosen.ledger.database import Database, RunRecord

__all__ = [
    "delivery_warnings",
    "history",
    "indicators_since",
    "ledger_status",
    "purge",
]


def ledger_status(
    ledger: Database, since: date | None = None
) -> dict[str, Any]:
    """Referrals by state, by centre and by exam; indicators of the
    bookings made since ``since`` (all if ``None``); the referrals waiting
    for a slot, with why the last run left them. No personal data: ids,
    times, reasons."""
    with ledger.read() as db:
        lateness = db.lateness_since(since)
        eligible = db.count_received_since(since)
        return {
            "states": {k.value: v for k, v in db.count_states().items()},
            "closed": {k.value: v for k, v in db.count_outcomes().items()},
            "by_centre": _by_state(db.count_held_by_centre()),
            "by_exam": _by_state(db.count_by_exams()),
            "since": since.isoformat() if since else None,
            "kpi": indicators(
                max(eligible, len(lateness)), lateness
            ).as_dict(),
            "runs": db.count_runs(),
            "waiting": [
                {
                    "referral_id": referral_id,
                    "received_at": received.isoformat(),
                    "reason": reason.value if reason else None,
                    "detail": detail,
                }
                for referral_id, received, reason, detail in db.waiting()
            ],
        }


def indicators_since(ledger: Database, since: date) -> dict[str, Any]:
    """The indicators of the bookings made since ``since`` alone (the
    ``kpi`` of :func:`ledger_status`)."""
    with ledger.read() as db:
        lateness = db.lateness_since(since)
        eligible = db.count_received_since(since)
    return indicators(max(eligible, len(lateness)), lateness).as_dict()


def _by_state(counts: dict[str, dict[Any, int]]) -> dict[str, dict[str, int]]:
    return {
        name: {state.value: count for state, count in states.items()}
        for name, states in counts.items()
    }


def history(ledger: Database) -> list[RunRecord]:
    """The runs, oldest first."""
    with ledger.read() as db:
        return db.runs()


def purge(
    ledger: Database, before: date, at: datetime, dry_run: bool = False
) -> tuple[int, int]:
    """Delete the personal data of referrals closed before ``before``, and
    the rejected rows of the runs before it.

    What stays is anonymous: ids, exams, states, outcomes, dates and the
    bookings' slots and lateness, for statistics. The tables are then
    rewritten so the data leave the disk. Returns how many referrals and
    rejected rows were purged (or would be, with ``dry_run``).

    Raises
    ------
    OptionError
        When ``before`` is after ``at``'s day: a purge of the future is a
        typo.
    """
    if before > at.date():
        raise OptionError(
            "option --before : date dans le futur (une purge porte sur le "
            "passé)."
        )
    if dry_run:
        with ledger.read() as db:
            return db.purgeable(before)
    with ledger.write() as db:
        counts = db.purge_before(before, at)
    ledger.compact()
    return counts


def delivery_warnings(ledger: Database) -> list[str]:
    """French lines naming the runs whose files were never written."""
    with ledger.read() as db:
        waiting = db.undelivered()
    return [
        f"Attention : les fichiers du passage n° {run_id} n'ont pas été "
        "écrits ; « cosen batch run » les écrit d'abord, ou « cosen batch "
        f"export DOSSIER --run {run_id} »."
        for run_id, _ in waiting
    ]
