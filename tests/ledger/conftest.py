"""The ledger tests run on every backend (``ledger`` in tests/conftest)."""

from __future__ import annotations

from pathlib import Path

import pytest

from cosen.ledger import Database
from tests.ledger.helpers import Desk


@pytest.fixture
def desk(tmp_path: Path, ledger: Database) -> Desk:
    return Desk(tmp_path, ledger)
