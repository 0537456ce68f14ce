"""The time-limit path and determinism."""

from __future__ import annotations

from collections.abc import Callable

import pytest
from benchmarks.instances import instance

from cosen.optimizer import (
    Problem,
    SolverSettings,
    Status,
    evaluate,
    first_come_first_served,
    solve,
)
from cosen.optimizer.result import verify


def test_time_limit_returns_a_valid_solution_with_its_gap(
    sample_problem: Callable[..., Problem],
) -> None:
    """With 50 ms for 1000 referrals there is only time for first come,
    first served: the answer is FEASIBLE, valid, no better than the
    optimum, and its bound is strictly better than what it found."""
    problem = sample_problem(1000)
    solution = solve(problem, SolverSettings(time_limit=0.05, workers=1))
    verify(problem, solution.bookings)
    assert solution.status is Status.FEASIBLE
    assert solution.tiers == evaluate(problem, solution.bookings)
    optimum = solve(problem).tiers
    assert solution.bound.key() <= optimum.key() <= solution.tiers.key()
    assert solution.bound.key() < solution.tiers.key()


def test_a_large_instance_stops_with_a_verified_solution() -> None:
    """3000 referrals, a quarter of them two- or three-exam visits, one
    slot per referral, one second: the solver stops with a valid
    solution, its bound, and nothing worse than first come, first served
    (how close to the limit it stops is measured by ``make bench``)."""
    problem = instance(3000, kind="visits")
    solution = solve(problem, SolverSettings(time_limit=1.0))
    verify(problem, solution.bookings)
    assert solution.tiers == evaluate(problem, solution.bookings)
    assert solution.bound.key() <= solution.tiers.key()
    greedy = evaluate(problem, first_come_first_served(problem))
    assert solution.tiers.key() <= greedy.key()


@pytest.mark.parametrize("kind", ["light", "visits"])
def test_same_input_same_bookings(kind: str) -> None:
    problem = instance(1000, seed=3, kind=kind)
    first, second = solve(problem), solve(problem)
    assert first.status is second.status is Status.OPTIMAL
    assert {k: [s.id for s in v] for k, v in first.bookings.items()} == {
        k: [s.id for s in v] for k, v in second.bookings.items()
    }
