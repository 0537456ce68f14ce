"""The fourth tier's local search (``polish.py``), and why the engine may
skip it after first come, first served."""

from __future__ import annotations

import random
from dataclasses import replace

import pytest

from cosen.optimizer import (
    Problem,
    Tiers,
    evaluate,
    first_come_first_served,
    solve,
)
from cosen.optimizer.network import Catalog, components
from cosen.optimizer.polish import polish
from tests.conftest import ProblemBuilder
from tests.optimizer.reference import random_problem


@pytest.mark.parametrize("seed", range(60))
def test_first_come_first_served_leaves_polish_nothing_without_preference(
    seed: int,
) -> None:
    """Each request takes its class's earliest free option, and an option
    taken never frees up: no booking has a free, earlier option to move
    to, on an exact, a relaxed or a tightened catalogue. The engine keeps
    such bookings as they are."""
    rng = random.Random(8000 + seed)
    drawn = random_problem(
        rng, rng.randint(2, 12), rng.randint(3, 24),
        dense=rng.random() < 0.5, unavailable_share=0.4,
    )  # fmt: skip
    problem = Problem.build(
        [replace(r, preferred=frozenset()) for r in drawn.requests],
        drawn.slots,
        drawn.max_gap,
    )
    for part in components(problem):
        relaxed = {r.id for r in part.requests if r.unavailable}
        exact = Catalog.build(part)
        loose = Catalog.build(part, relaxed)
        for catalog in (exact, loose, loose.tightened(relaxed)):
            bookings = first_come_first_served(part, catalog)
            assert polish(catalog, bookings) == bookings


def test_polish_moves_a_booking_to_its_preferred_centre(
    problem_builder: ProblemBuilder,
) -> None:
    """First come, first served takes the earliest slot; a slot at the
    preferred centre, still on time, is better on the fourth tier."""
    problem_builder.slot(start=600, center="C1")
    problem_builder.slot(start=700, center="C2")
    problem_builder.request(target=800, preferred=frozenset({"C2"}))
    problem = problem_builder.problem()
    catalog = Catalog.build(problem)
    greedy = first_come_first_served(problem, catalog)
    assert [s.center for s in greedy["R1"]] == ["C1"]
    moved = polish(catalog, greedy)
    assert [s.center for s in moved["R1"]] == ["C2"]
    assert solve(problem).bookings == moved


def test_polish_brings_a_booking_earlier_and_keeps_tiers(
    problem_builder: ProblemBuilder,
) -> None:
    """A booking with a free, earlier slot of its class moves there, and
    tiers 1 to 3 stay what they were."""
    early = problem_builder.slot(start=600)
    late = problem_builder.slot(start=900)
    problem_builder.slot("B", start=600)
    problem_builder.request(target=800)
    # A second request's exam makes the first one's class keep both slots.
    problem_builder.request("B")
    problem = problem_builder.problem()
    catalog = Catalog.build(problem)
    moved = polish(catalog, {"R1": (late,)})
    assert moved == {"R1": (early,)}
    assert evaluate(problem, moved) == Tiers(1, 0, 0)
