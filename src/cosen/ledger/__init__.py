"""The ledger: what is booked, confirmed, declined, between runs.

- :mod:`~cosen.ledger.backends`: SQLite (the embedded default) or
  PostgreSQL (``postgresql://`` URL), with the same guarantees;
- :mod:`~cosen.ledger.schema`: numbered migrations;
- :mod:`~cosen.ledger.database`: :class:`Database`, the one home of SQL;
- :mod:`~cosen.ledger.states`: a referral's states and answers;
- :mod:`~cosen.ledger.runs`: a batch run (import, allocate, record);
- :mod:`~cosen.ledger.answers`: the answers import;
- :mod:`~cosen.ledger.exports`: a run's files, rebuilt from the ledger;
- :mod:`~cosen.ledger.reports`: status, history and the retention purge.
"""

from __future__ import annotations

import os
from pathlib import Path
from typing import Final

from cosen.ledger.backends import LedgerBusyError, LedgerError, is_url
from cosen.ledger.database import DEFAULT_WAIT, LATEST_VERSION, Database

__all__ = [
    "DEFAULT_LEDGER",
    "DEFAULT_WAIT",
    "LATEST_VERSION",
    "LEDGER_VARIABLE",
    "Database",
    "LedgerBusyError",
    "LedgerError",
    "is_url",
    "ledger_target",
]

DEFAULT_LEDGER: Final = "cosen.db"
LEDGER_VARIABLE: Final = "COSEN_DB"


def ledger_target(option: str | None) -> str | Path:
    """The ledger to use: ``--db``, else ``$COSEN_DB``, else ./cosen.db;
    a ``postgresql://`` URL or an SQLite file."""
    value = option or os.environ.get(LEDGER_VARIABLE) or DEFAULT_LEDGER
    return value if is_url(value) else Path(value)
