"""Unavailability in the catalogue: classes keyed by what it blocks, the
relaxed catalogue that leaves it aside, and the exchanges that give a
relaxed flow's units to members who can come."""

from __future__ import annotations

from cosen.optimizer import Status, first_come_first_served, solve
from cosen.optimizer.decompose import bookings_from_flows, flows_from_bookings
from cosen.optimizer.flow import flow_tiers, solve_flow
from cosen.optimizer.network import Catalog, Network
from cosen.optimizer.result import evaluate, verify
from tests.conftest import ProblemBuilder


def test_unavailability_blocking_nothing_creates_no_class(
    problem_builder: ProblemBuilder,
) -> None:
    """No slot taking the exam starts in the period (only a slot of
    another exam does): the request shares the class of its twin."""
    problem_builder.slot("A", start=600)
    problem_builder.slot("B", start=900)
    problem_builder.request("A")
    problem_builder.request("A", unavailable=((800, 1000),))
    catalog = Catalog.build(problem_builder.problem())
    assert sorted(len(k.requests) for k in catalog.classes) == [2]


def test_unavailability_blocking_a_slot_splits_its_class(
    problem_builder: ProblemBuilder,
) -> None:
    """Two periods blocking the same slot make one class; without them,
    or relaxed, the members are one class again."""
    problem_builder.slot("A", start=600)
    problem_builder.slot("A", start=900)
    problem_builder.request("A")
    problem_builder.request("A", unavailable=((590, 610),))
    problem_builder.request("A", unavailable=((500, 700), (800, 850)))
    problem = problem_builder.problem()
    exact = Catalog.build(problem)
    assert sorted(len(k.requests) for k in exact.classes) == [1, 2]
    relaxed = Catalog.build(problem, {"R2", "R3"})
    (klass,) = relaxed.classes
    assert len(klass.options) == 2
    early = klass.options[0]
    assert relaxed.allows(problem.requests[0], early)
    assert not relaxed.allows(problem.requests[1], early)


def test_blocked_second_slot_of_a_visit(
    problem_builder: ProblemBuilder,
) -> None:
    """R1 (urgent) cannot come when the early visit's second slot starts:
    it takes the later visit, late, and R2 the early one; the relaxed
    flow gave R1 the early visit, so the exchange puts it right."""
    early = [
        problem_builder.slot("A", start=600),
        problem_builder.slot("B", start=615),
    ]
    later = [
        problem_builder.slot("A", start=900),
        problem_builder.slot("B", start=915),
    ]
    problem_builder.request("A+B", target=600, unavailable=((610, 620),))
    problem_builder.request("A+B", target=2000)
    problem = problem_builder.problem()
    solution = solve(problem)
    assert solution.status is Status.OPTIMAL
    assert solution.bookings == {"R1": tuple(later), "R2": tuple(early)}
    assert (solution.tiers.late, solution.tiers.late_minutes) == (1, 300)
    assert first_come_first_served(problem) == {
        "R1": tuple(later),
        "R2": tuple(early),
    }
    # The relaxed network lets R1 reach the early visit (as the flow
    # would: the urgent patient first); the exchange puts it right, at a
    # cost, so R1 is a conflict.
    catalog = Catalog.build(problem, {"R1"})
    network = Network.build(catalog)
    flows = flows_from_bookings(
        network, {"R1": tuple(early), "R2": tuple(later)}
    )
    bookings = bookings_from_flows(network, flows)
    verify(problem, bookings)
    assert bookings == {"R1": tuple(later), "R2": tuple(early)}
    assert catalog.conflicts == {"R1"}


def test_costly_exchange_is_a_conflict(
    problem_builder: ProblemBuilder,
) -> None:
    """Only R1 could take the early slot on time but cannot come then:
    the relaxed optimum is out of reach, the exchange costs minutes, R1
    is a conflict, and the solve still proves the true optimum."""
    problem_builder.slot("A", start=600)
    problem_builder.slot("A", start=900)
    problem_builder.request("A", target=600, unavailable=((600, 601),))
    problem_builder.request("A", target=2000)
    problem = problem_builder.problem()
    catalog = Catalog.build(problem, {"R1"})
    network = Network.build(catalog)
    bookings = bookings_from_flows(network, solve_flow(network))
    verify(problem, bookings)
    assert catalog.conflicts == {"R1"}
    solution = solve(problem)
    assert solution.status is Status.OPTIMAL
    assert solution.tiers == evaluate(problem, bookings)
    assert solution.tiers.late_minutes == 300


def test_refined_network_solves_as_a_fresh_one(
    problem_builder: ProblemBuilder,
) -> None:
    """Tightening a relaxed catalogue and refining its network gives the
    flow of the exact network built anew; a class all of whose members
    left stays, empty."""
    for start in (600, 615, 900, 1500):
        problem_builder.slot("A", start=start)
    problem_builder.request("A", target=600, unavailable=((600, 620),))
    problem_builder.request("A", target=600, unavailable=((590, 610),))
    problem = problem_builder.problem()
    relaxed = Catalog.build(problem, {"R1", "R2"})
    network = Network.build(relaxed)
    tightened = relaxed.tightened({"R1", "R2"})
    network.refine(tightened)
    assert not tightened.relaxed
    assert [len(k.requests) for k in tightened.classes] == [0, 1, 1]
    fresh = Network.build(Catalog.build(problem))
    refined = flow_tiers(network, solve_flow(network))
    assert refined == flow_tiers(fresh, solve_flow(fresh))
    bookings = bookings_from_flows(network, solve_flow(network))
    verify(problem, bookings)
    assert evaluate(problem, bookings) == refined
    assert {r: b[0].start for r, b in bookings.items()} == {
        "R1": 900,
        "R2": 615,
    }
