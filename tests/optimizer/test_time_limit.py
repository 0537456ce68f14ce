"""The time-limit path and determinism."""

from __future__ import annotations

from collections.abc import Callable

import pytest

from cosen.optimizer import (
    Problem,
    SolverSettings,
    Status,
    evaluate,
    solve,
)
from cosen.optimizer.lp import LpResult
from cosen.optimizer.network import Network, components
from cosen.optimizer.result import verify


def test_time_limit_returns_a_valid_solution_with_its_gap(
    monkeypatch: pytest.MonkeyPatch,
    sample_problem: Callable[..., Problem],
) -> None:
    """Without the LP proof and with 50 ms for CP-SAT, the part with
    visits of a 1000-referral instance is not proven: the answer is
    FEASIBLE, valid, no better than the optimum, and its bound is strictly
    better than what it found."""
    monkeypatch.setattr(
        "cosen.optimizer.engine.solve_lp",
        lambda form, bound, limit: LpResult(None, None, bound),
    )
    problem = sample_problem(1000)
    assert any(Network.build(p).has_visits for p in components(problem))
    solution = solve(problem, SolverSettings(time_limit=0.05, workers=1))
    verify(problem, solution.bookings)
    assert solution.status is Status.FEASIBLE
    assert solution.tiers == evaluate(problem, solution.bookings)
    optimum = solve(problem).tiers
    assert solution.bound.key() <= optimum.key() <= solution.tiers.key()
    assert solution.bound.key() < solution.tiers.key()


def test_same_input_same_bookings(
    sample_problem: Callable[..., Problem],
) -> None:
    problem = sample_problem(1000, seed=3)
    first, second = solve(problem), solve(problem)
    assert first.status is second.status is Status.OPTIMAL
    assert {k: [s.id for s in v] for k, v in first.bookings.items()} == {
        k: [s.id for s in v] for k, v in second.bookings.items()
    }
