"""Fixtures shared by the whole suite.

- ``problem_builder``: optimizer problems written by hand, the way
  PyJobShop's ``Model`` builds instances, for tiny cases whose optimum one
  can reason about;
- ``sample_problem``: realistic problems of any size from
  :mod:`cosen.domain.samples`, through the scheme's rules;
- ``ledger_target``: an empty ledger on each backend, an SQLite file and a
  PostgreSQL schema (skipped, with the reason, where no PostgreSQL server
  can be started: :mod:`tests.postgres`); ``ledger`` opens it.

Rows and files as a coordinator writes them are in :mod:`tests.factories`.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Iterator
from datetime import datetime
from pathlib import Path
from typing import Any

import pytest

from cosen.allocation import AllocationSettings, build_problem
from cosen.clock import PARIS
from cosen.domain.samples import SampleSpec, sample_records
from cosen.ledger import Database
from cosen.optimizer import DEFAULT_MAX_GAP, Problem, Request, SlotData
from tests import postgres

SAMPLE_NOW = datetime(2026, 11, 27, 10, 0, tzinfo=PARIS)
DAY = 24 * 60


class ProblemBuilder:
    """An optimizer problem built slot by slot and request by request.

    Times are minutes from 0 (day 0 starts at minute 0); a slot's day is
    derived from its start unless given. Ids are numbered in order of
    creation (``S1``, ``R1``...).
    """

    def __init__(self) -> None:
        self.requests: list[Request] = []
        self.slots: list[SlotData] = []

    def slot(
        self,
        exams: str | Iterable[str] = "A",
        start: int = 0,
        minutes: int = 15,
        center: str = "C1",
        group: str = "G1",
        **attributes: Any,
    ) -> SlotData:
        """Add a slot (``exams`` as ``"A"`` or ``"A,B"``)."""
        slot = SlotData(
            id=attributes.pop("id", f"S{len(self.slots) + 1}"),
            center=center,
            group=group,
            start=start,
            end=start + minutes,
            day=attributes.pop("day", start // DAY),
            exams=_exams(exams),
            **attributes,
        )
        self.slots.append(slot)
        return slot

    def request(
        self,
        exams: str | Iterable[str] = "A",
        earliest: int = 0,
        target: int = DAY,
        **attributes: Any,
    ) -> Request:
        """Add a request (``exams`` as ``"A"`` or ``"A+B"``), ranked in
        order of creation."""
        request = Request(
            id=attributes.pop("id", f"R{len(self.requests) + 1}"),
            exams=_exams(exams),
            earliest=earliest,
            target=target,
            rank=attributes.pop("rank", len(self.requests)),
            **attributes,
        )
        self.requests.append(request)
        return request

    def problem(self, max_gap: int = DEFAULT_MAX_GAP) -> Problem:
        return Problem.build(self.requests, self.slots, max_gap)


def _exams(exams: str | Iterable[str]) -> frozenset[str]:
    if isinstance(exams, str):
        return frozenset(e.strip() for e in exams.replace("+", ",").split(","))
    return frozenset(exams)


@pytest.fixture
def problem_builder() -> ProblemBuilder:
    return ProblemBuilder()


@pytest.fixture
def sample_problem() -> Callable[..., Problem]:
    """``sample_problem(size, seed=1)``: a realistic instance (six centres,
    14 days of slots, 1.2 slots per referral, visits, children, reduced
    mobility), allocated at :data:`SAMPLE_NOW`."""

    def build(size: int, seed: int = 1) -> Problem:
        spec = SampleSpec(
            now=SAMPLE_NOW, referrals=size, bad_rows=0, seed=seed
        )
        return build_problem(
            *sample_records(spec), AllocationSettings(now=SAMPLE_NOW)
        )

    return build


@pytest.fixture(scope="session")
def postgres_server() -> Iterator[postgres.Server | str]:
    """A PostgreSQL server for the session, or why there is none."""
    with postgres.start() as server:
        yield server


@pytest.fixture(params=["sqlite", "postgresql"])
def ledger_target(
    request: pytest.FixtureRequest,
    tmp_path: Path,
    postgres_server: postgres.Server | str,
) -> str | Path:
    """An empty ledger's address: an SQLite file, or a PostgreSQL URL on a
    schema of its own."""
    if request.param == "sqlite":
        return tmp_path / "cosen.db"
    if isinstance(postgres_server, str):
        pytest.skip(postgres_server)
    return postgres_server.schema_url()


@pytest.fixture
def ledger(ledger_target: str | Path) -> Iterator[Database]:
    with Database(ledger_target) as database:
        yield database
