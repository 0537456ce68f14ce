"""Optimality against exact references on small random instances."""

from __future__ import annotations

import random
import time

import pytest

from cosen.optimizer import (
    Booking,
    SolverSettings,
    Status,
    evaluate,
    first_come_first_served,
    solve,
)
from cosen.optimizer.decompose import bookings_from_flows
from cosen.optimizer.engine import _working_set
from cosen.optimizer.flow import FlowMode, flow_tiers, solve_flow
from cosen.optimizer.formulation import Formulation
from cosen.optimizer.lp import OptionPool, solve_booking_lp, solve_lp
from cosen.optimizer.model import CpSatModel
from cosen.optimizer.network import Network, components
from cosen.optimizer.result import Tiers, verify
from tests.optimizer.reference import assignment, brute_force, random_problem

SETTINGS = SolverSettings(time_limit=20, workers=1)


@pytest.mark.parametrize("seed", range(150))
def test_solve_matches_brute_force_with_visits(seed: int) -> None:
    rng = random.Random(seed)
    problem = random_problem(rng, rng.randint(1, 6), rng.randint(1, 9))
    solution = solve(problem, SETTINGS)
    verify(problem, solution.bookings)
    assert solution.status is Status.OPTIMAL
    assert solution.tiers == evaluate(problem, solution.bookings)
    assert solution.tiers == brute_force(problem)


@pytest.mark.parametrize("seed", range(120))
def test_three_exam_visits_match_brute_force(seed: int) -> None:
    """Dense visits, most of three exams, on two busy mornings: trips
    where a slot does only part of what it takes are common."""
    rng = random.Random(3000 + seed)
    problem = random_problem(
        rng, rng.randint(2, 5), rng.randint(4, 9), visit_share=0.8,
        sizes=(3, 3, 2),
    )  # fmt: skip
    solution = solve(problem, SETTINGS)
    verify(problem, solution.bookings)
    assert solution.status is Status.OPTIMAL
    assert solution.tiers == brute_force(problem)


@pytest.mark.parametrize("seed", range(100))
def test_generated_columns_match_brute_force(
    seed: int, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Every part gets a working set of columns (as large parts do): the
    LPs price the missing visits, and the answer is still the optimum."""
    monkeypatch.setattr("cosen.optimizer.engine._ALL_OPTIONS", 0)
    rng = random.Random(4000 + seed)
    problem = random_problem(
        rng, rng.randint(2, 6), rng.randint(3, 9), visit_share=0.7
    )
    solution = solve(problem, SETTINGS)
    verify(problem, solution.bookings)
    assert solution.status is Status.OPTIMAL
    assert solution.tiers == brute_force(problem)


@pytest.mark.parametrize("seed", range(40))
def test_generated_columns_match_every_option(
    seed: int, monkeypatch: pytest.MonkeyPatch
) -> None:
    """On instances too large for the brute force, with many visits per
    first slot: the same optimum with a working set as with every option
    (LP, repair and CP-SAT)."""
    rng = random.Random(6000 + seed)
    problem = random_problem(
        rng, rng.randint(8, 16), rng.randint(12, 24), visit_share=0.8,
        sizes=(2, 3, 3),
    )  # fmt: skip
    everything = solve(problem, SETTINGS)
    monkeypatch.setattr("cosen.optimizer.engine._ALL_OPTIONS", 0)
    generated = solve(problem, SETTINGS)
    assert everything.status is generated.status is Status.OPTIMAL
    assert generated.tiers == everything.tiers


@pytest.mark.parametrize("seed", range(100))
def test_pricing_reaches_the_lp_over_every_option(seed: int) -> None:
    """From one visit per class and first slot, column generation ends at
    the optimum of the LPs that hold every option from the start."""
    rng = random.Random(5000 + seed)
    problem = random_problem(
        rng, rng.randint(8, 16), rng.randint(12, 24), visit_share=0.8,
        sizes=(2, 3, 3),
    )  # fmt: skip
    deadline = time.monotonic() + 20
    for part in components(problem):
        if not part.requests or not part.slots:
            continue
        full = Network.build(part)
        working = Network.build(full.catalog, _working_set)
        assert (
            solve_booking_lp(working, deadline, OptionPool(working)).booked
            == solve_booking_lp(full, deadline).booked
        )
        generated = solve_lp(
            Formulation(working, every_capacity=True), Tiers(), deadline,
            OptionPool(working),
        )  # fmt: skip
        everything = solve_lp(Formulation(full), Tiers(), deadline)
        assert generated.bound == everything.bound
        assert generated.solved == everything.solved


@pytest.mark.parametrize("seed", range(60))
def test_solve_matches_brute_force_with_unavailability(seed: int) -> None:
    """Patients who cannot come at some times: every method honours it
    (the pipeline, first come first served through the same options), and
    OPTIMAL stays exact."""
    rng = random.Random(3000 + seed)
    problem = random_problem(
        rng, rng.randint(1, 6), rng.randint(1, 9), unavailable_share=0.5
    )
    solution = solve(problem, SETTINGS)
    verify(problem, solution.bookings)
    assert solution.status is Status.OPTIMAL
    assert solution.tiers == brute_force(problem)
    verify(problem, first_come_first_served(problem))


@pytest.mark.parametrize("seed", range(60))
def test_cp_sat_alone_matches_brute_force(seed: int) -> None:
    """The CP-SAT path, run on every part with visits from the restricted
    flow and the relaxed bound (the solve pipeline rarely needs it)."""
    rng = random.Random(1000 + seed)
    problem = random_problem(rng, rng.randint(2, 6), rng.randint(2, 9))
    bookings: dict[str, Booking] = {}
    for part in components(problem):
        if not part.requests or not part.slots:
            continue
        network = Network.build(part)
        start = solve_flow(network, FlowMode.RESTRICTED)
        bound = flow_tiers(network, solve_flow(network, FlowMode.RELAXED))
        result = CpSatModel(Formulation(network)).solve(10, start, bound, 0, 1)
        assert result.status is Status.OPTIMAL
        bookings |= bookings_from_flows(network, result.flows)
    verify(problem, bookings)
    assert evaluate(problem, bookings) == brute_force(problem)


@pytest.mark.parametrize("seed", range(60))
def test_single_exam_instances_match_assignment(seed: int) -> None:
    rng = random.Random(2000 + seed)
    problem = random_problem(
        rng, rng.randint(1, 25), rng.randint(1, 30), visit_share=0.0,
        dense=False,
    )  # fmt: skip
    solution = solve(problem, SETTINGS)
    assert solution.status is Status.OPTIMAL
    assert solution.tiers == assignment(problem)


@pytest.mark.parametrize("seed", range(80))
def test_few_requests_among_many_slots_match_brute_force(seed: int) -> None:
    """Slots far outnumber the exams asked, as in a simulated day: the
    catalogue's single-exam classes keep only their earliest slots, which
    must never lose the optimum."""
    rng = random.Random(7000 + seed)
    problem = random_problem(
        rng, rng.randint(1, 4), rng.randint(10, 22), visit_share=0.3,
        dense=rng.random() < 0.5, unavailable_share=0.3,
    )  # fmt: skip
    solution = solve(problem, SETTINGS)
    assert solution.status is Status.OPTIMAL
    assert solution.tiers == brute_force(problem)
