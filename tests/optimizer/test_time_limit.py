"""The time-limit path and determinism."""

from __future__ import annotations

import pytest
from benchmarks.instances import instance

from cosen.optimizer import SolverSettings, Status, evaluate, solve
from cosen.optimizer.lp import LpResult
from cosen.optimizer.network import Network, components
from cosen.optimizer.result import verify


def test_time_limit_returns_a_valid_solution_with_its_gap(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    """Without the LP proof and with 50 ms for CP-SAT, the part with
    visits of a 1000-referral instance is not proven: the answer is
    FEASIBLE, valid, at least as good as its start, with a gap to the
    bound that is not negative."""
    monkeypatch.setattr(
        "cosen.optimizer.engine.solve_lp",
        lambda form, bound, limit: LpResult(None, None, bound),
    )
    problem = instance(1000)
    assert any(Network.build(p).has_visits for p in components(problem))
    solution = solve(problem, SolverSettings(time_limit=0.05, workers=1))
    verify(problem, solution.bookings)
    assert solution.status is Status.FEASIBLE
    assert solution.tiers == evaluate(problem, solution.bookings)
    gap = solution.gap
    assert gap.booked >= 0
    assert (gap.booked, gap.late, gap.late_minutes) != (0, 0, 0)
    assert solution.tiers.key() >= solve(problem).tiers.key()


def test_same_input_same_bookings() -> None:
    problem = instance(1000, seed=3)
    first, second = solve(problem), solve(problem)
    assert first.status is second.status is Status.OPTIMAL
    assert {k: [s.id for s in v] for k, v in first.bookings.items()} == {
        k: [s.id for s in v] for k, v in second.bookings.items()
    }
