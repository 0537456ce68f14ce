"""The slot rules and the walk that names the one blocking a request."""

from __future__ import annotations

import pytest

from cosen.optimizer import (
    ONE_TRIP,
    SLOT_RULES,
    blocking_rule,
    compatible,
    compatible_slots,
)
from tests.conftest import DAY, ProblemBuilder


def test_rules_are_named_once() -> None:
    names = [rule.name for rule in SLOT_RULES]
    assert len(set(names)) == len(names) == 6


@pytest.mark.parametrize(
    ("slot", "asked", "rule"),
    [
        ({"exams": "B"}, {}, "exams"),
        ({}, {"accessible": True}, "accessible"),
        ({}, {"child_until": DAY}, "children"),
        ({"id": "X"}, {"forbidden": frozenset({"X"})}, "declined"),
        ({"start": 60}, {"earliest": 61}, "earliest"),
        ({"start": 60}, {"unavailable": ((0, 61),)}, "unavailable"),
    ],
)
def test_each_rule_blocks_alone(
    problem_builder: ProblemBuilder,
    slot: dict[str, object],
    asked: dict[str, object],
    rule: str,
) -> None:
    """One slot, one request that breaks exactly one rule: that rule is
    named, and only it fails among the slot rules."""
    taken = problem_builder.slot(**{"start": 60, **slot})  # type: ignore[arg-type]
    wanted = problem_builder.request(**asked)  # type: ignore[arg-type]
    failing = [r.name for r in SLOT_RULES if not r.holds(wanted, taken)]
    assert failing == [rule]
    assert not compatible(wanted, taken)
    assert compatible_slots(wanted, [taken]) == []
    assert blocking_rule(wanted, [taken], 90) == rule


def test_first_rule_that_empties_coverage_is_named(
    problem_builder: ProblemBuilder,
) -> None:
    """An accessible slot that is too early and an inaccessible one in
    time: accessibility already leaves nothing in time, but it is the
    notice that empties the accessible slots."""
    early = problem_builder.slot(start=0, accessible=True)
    late = problem_builder.slot(start=600)
    wanted = problem_builder.request(earliest=300, accessible=True)
    assert blocking_rule(wanted, [early, late], 90) == "earliest"


def test_one_trip_when_every_rule_passes_alone(
    problem_builder: ProblemBuilder,
) -> None:
    """A and B taken by two slots too far apart for one trip."""
    first = problem_builder.slot("A", start=0)
    second = problem_builder.slot("B", start=15 + 91)
    wanted = problem_builder.request("A+B")
    assert blocking_rule(wanted, [first, second], 90) == ONE_TRIP
    assert blocking_rule(wanted, [first, second], 91) is None


def test_unavailable_periods_exclude_their_end(
    problem_builder: ProblemBuilder,
) -> None:
    """A period is [first minute, minute after): a slot starting at its
    end is offered."""
    at_start = problem_builder.slot(start=600)
    at_end = problem_builder.slot(start=660)
    wanted = problem_builder.request(unavailable=((600, 660),))
    assert compatible_slots(wanted, [at_start, at_end]) == [at_end]
