"""The catalogue keeps only the earliest options an optimum may need
(``network._trimmed``)."""

from __future__ import annotations

import itertools
import random
from dataclasses import replace

import pytest

from cosen.optimizer import Status, Tiers, solve
from cosen.optimizer.network import (
    Catalog,
    _NodeStream,
    _stretch_trips,
    _trips,
)
from tests.conftest import ProblemBuilder
from tests.optimizer.reference import random_problem


def _starts(catalog: Catalog, request_id: str) -> list[int]:
    klass = next(
        k
        for k in catalog.classes
        if any(r.id == request_id for r in k.requests)
    )
    return [catalog.start(option) for option in klass.options]


def test_a_single_exam_class_keeps_as_many_slots_as_exams_asked(
    problem_builder: ProblemBuilder,
) -> None:
    """Two requests of one exam each: the first two slots hold an optimum;
    slots sharing the second one's start stay (ties are the fourth
    tier's), later ones and the nodes nobody uses go."""
    for number, start in enumerate((600, 660, 660, 720, 780)):
        problem_builder.slot("A", start=start, center=f"C{number}")
    problem_builder.request("A")
    problem_builder.request("A")
    catalog = Catalog.build(problem_builder.problem())
    assert _starts(catalog, "R1") == [600, 660, 660]
    assert [node.first.start for node in catalog.nodes] == [600, 660, 660]


def test_a_visit_counts_each_of_its_exams(
    problem_builder: ProblemBuilder,
) -> None:
    """A two-exam visit may take two slots: a single-exam request beside
    it keeps three slots. The other request can keep the visit from one
    trip only: the visit keeps its trips up to the second that could be
    booked with the first (each slot does both exams: a trip alone)."""
    for start in (600, 615, 630, 645, 660):
        problem_builder.slot("A,B", start=start)
    problem_builder.request("A")
    problem_builder.request("A+B")
    catalog = Catalog.build(problem_builder.problem())
    assert _starts(catalog, "R1") == [600, 615, 630]
    klass = next(k for k in catalog.classes if k.requests[0].id == "R2")
    assert [catalog.start(option) for option in klass.options] == [600, 615]


def test_a_preference_keeps_every_slot(
    problem_builder: ProblemBuilder,
) -> None:
    """The fourth tier may want a later slot at a preferred centre."""
    problem_builder.slot("A", start=600, center="C1")
    problem_builder.slot("A", start=700, center="C2")
    problem_builder.request("A", preferred=frozenset({"C2"}))
    catalog = Catalog.build(problem_builder.problem())
    assert _starts(catalog, "R1") == [600, 700]
    solution = solve(problem_builder.problem())
    assert [s.center for s in solution.bookings["R1"]] == ["C2"]


def test_unavailability_keeps_the_earliest_slots_the_patient_can_take(
    problem_builder: ProblemBuilder,
) -> None:
    """Counted exactly (not relaxed), an unavailability skips the slots it
    blocks before the earliest ones are counted; relaxed, the class keeps
    every slot, since its members do not all have the same."""
    for start in (600, 660, 720, 780):
        problem_builder.slot("A", start=start)
    problem_builder.request("A", unavailable=((590, 700),))
    problem = problem_builder.problem()
    assert _starts(Catalog.build(problem), "R1") == [720]
    relaxed = Catalog.build(problem, {"R1"})
    assert _starts(relaxed, "R1") == [600, 660, 720, 780]


def test_a_request_late_at_its_first_option_is_proven_without_search(
    problem_builder: ProblemBuilder,
) -> None:
    """The trivial bound counts the lateness no booking can avoid: first
    come, first served meets it, so no network is built."""
    problem_builder.slot("A", start=700)
    problem_builder.slot("A", start=800)
    problem_builder.request("A", target=640)
    problem_builder.request("A", target=900)
    solution = solve(problem_builder.problem())
    assert solution.status is Status.OPTIMAL
    assert solution.tiers == Tiers(2, 1, 60)
    assert solution.methods == {"greedy": 1}


def test_a_conflict_the_trivial_bound_misses_is_searched(
    problem_builder: ProblemBuilder,
) -> None:
    """Two requests want the one early slot: first come, first served
    books the first one there and the second late, as the optimum does
    not (the second one's target is earlier)."""
    problem_builder.slot("A", start=600)
    problem_builder.slot("A", start=900)
    problem_builder.request("A", target=1000)
    problem_builder.request("A", target=650)
    solution = solve(problem_builder.problem())
    assert solution.status is Status.OPTIMAL
    assert solution.tiers == Tiers(2, 0, 0)
    assert [s.start for s in solution.bookings["R2"]] == [600]
    assert solution.methods == {"flow": 1}


def test_a_visit_keeps_trips_until_enough_could_be_booked_at_once(
    problem_builder: ProblemBuilder,
) -> None:
    """With one other request of one exam, the visit needs two trips that
    could be booked together: the two trips sharing a scanner slot at
    C1 count once, so it keeps them and the next one, at C2."""
    problem_builder.slot("A", start=590)
    problem_builder.slot("A", start=600)
    problem_builder.slot("B", start=615)
    problem_builder.slot("A", start=700, center="C2")
    problem_builder.slot("B", start=715, center="C2")
    problem_builder.slot("A", start=900)
    problem_builder.slot("B", start=915)
    problem_builder.request("A+B")
    problem_builder.request("B")
    catalog = Catalog.build(problem_builder.problem())
    klass = next(k for k in catalog.classes if k.requests[0].id == "R1")
    trips = [
        [(catalog.nodes[n].first.center, catalog.nodes[n].first.start)
         for n in option]
        for option in klass.options
    ]  # fmt: skip
    assert trips == [
        [("C1", 590), ("C1", 615)],
        [("C1", 600), ("C1", 615)],
        [("C2", 700), ("C2", 715)],
    ]


def test_the_trips_kept_suffice_when_another_request_takes_a_slot(
    problem_builder: ProblemBuilder,
) -> None:
    """The other request can only take the first trip's scanner slot (the
    one accessible): the visit needs its second trip, which the catalogue
    must keep. As tight as the count is: one trip fewer, and one patient
    would go without."""
    problem_builder.slot("A", start=600)
    problem_builder.slot("B", start=615, accessible=True)
    problem_builder.slot("A", start=900)
    problem_builder.slot("B", start=915)
    problem_builder.request("A+B")
    problem_builder.request("B", accessible=True)
    solution = solve(problem_builder.problem())
    assert solution.status is Status.OPTIMAL
    assert solution.tiers.booked == 2
    assert [s.start for s in solution.bookings["R1"]] == [900, 915]


def test_the_slots_kept_suffice_when_another_request_takes_one(
    problem_builder: ProblemBuilder,
) -> None:
    """The same for single exams: the second request can only take the
    first slot, so the first request needs its second one."""
    problem_builder.slot("A", start=600, accessible=True)
    problem_builder.slot("A", start=900)
    problem_builder.request("A")
    problem_builder.request("A", accessible=True)
    solution = solve(problem_builder.problem())
    assert solution.status is Status.OPTIMAL
    assert solution.tiers.booked == 2


@pytest.mark.parametrize("seed", range(60))
def test_trips_read_a_stretch_at_a_time_are_every_trip_by_start(
    seed: int,
) -> None:
    """Read lazily, a stretch of nodes at a time, the trips are those of
    all the nodes at once, in the same order, whatever the slots' days
    (sometimes shuffled: the stretches follow times only)."""
    rng = random.Random(7000 + seed)
    problem = random_problem(
        rng, 1, rng.randint(4, 40), dense=rng.random() < 0.5
    )
    days = [slot.day for slot in problem.slots]
    if rng.random() < 0.3:
        rng.shuffle(days)
    slots = [
        replace(slot, day=day)
        for slot, day in zip(problem.slots, days, strict=True)
    ]
    stream = _NodeStream(slots, frozenset())
    numbers = list(stream.numbers())
    gap = rng.choice((0, 15, 30, 90))
    for size in (2, 3):
        for exams in map(frozenset, itertools.combinations("ABC", size)):
            lazy = _stretch_trips(exams, iter(numbers), stream.nodes, gap)
            assert list(lazy) == sorted(
                _trips(exams, numbers, stream.nodes, gap)
            )
