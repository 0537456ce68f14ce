"""One-trip visits: the enumeration, the sharing of exams among a visit's
slots and the check of bookings, against a brute force that gives the
exams to the slots freely (``reference.py``)."""

from __future__ import annotations

import itertools
import random

import pytest

from cosen.optimizer import (
    Problem,
    Request,
    SlotData,
    Status,
    blocking_rule,
    solve,
    visit_exams,
    visit_options,
)
from cosen.optimizer.result import InvalidSolution, verify
from tests.conftest import ProblemBuilder
from tests.optimizer.reference import legal, minimal, shares_out, visits

EXAMS = ("A", "B", "C")


def centre_days(rng: random.Random) -> tuple[Request, list[SlotData], int]:
    """A request for two or three exams and a few slots of one or two
    centres on one or two days, 15 minutes apart or so."""
    slots = []
    for number in range(rng.randint(2, 7)):
        start = 8 * 60 + 15 * rng.randrange(12) + 1440 * rng.randrange(2)
        slots.append(
            SlotData(
                id=f"S{number}",
                center=rng.choice("XXY"),
                group="G",
                start=start,
                end=start + rng.choice((15, 15, 30)),
                day=start // 1440,
                exams=frozenset(rng.sample(EXAMS, rng.choice((1, 1, 2, 3)))),
            )
        )
    slots.sort(key=lambda s: (s.start, s.id))
    request = Request(
        "R", frozenset(rng.sample(EXAMS, rng.choice((2, 3, 3)))), 0, 9999
    )
    return request, slots, rng.choice((0, 15, 30, 90))


def ids(chain: tuple[SlotData, ...]) -> tuple[str, ...]:
    return tuple(slot.id for slot in chain)


@pytest.mark.parametrize("seed", range(400))
def test_options_are_the_minimal_legal_trips(seed: int) -> None:
    """Every option is legal, and the options are exactly the legal trips
    from which no slot but the first can be dropped; every other legal
    trip keeps the first slot and some option's slots."""
    request, slots, gap = centre_days(random.Random(seed))
    trips = visits(request, slots, gap)
    options = visit_options(request, slots, gap)
    assert len(set(map(ids, options))) == len(options)
    assert {ids(o) for o in options} == {
        ids(t) for t in trips if minimal(request, t, gap)
    }
    for trip in trips:
        assert any(o[0] == trip[0] and set(o) <= set(trip) for o in options)
    assert (blocking_rule(request, slots, gap) is None) == bool(trips)


@pytest.mark.parametrize("seed", range(200))
def test_sharing_and_verify_accept_exactly_the_legal_trips(
    seed: int,
) -> None:
    """For every sequence of up to three slots: ``visit_exams`` shares the
    exams out (each slot a non-empty part it takes, all done, the
    greedy sharing when it works) exactly when the brute force finds the
    trip legal, and ``verify`` accepts exactly those bookings."""
    request, slots, gap = centre_days(random.Random(10_000 + seed))
    problem = Problem.build([request], slots, gap)
    for size in range(1, 4):
        for chain in itertools.permutations(slots, size):
            shares = visit_exams(request.exams, [s.exams for s in chain])
            is_legal = legal(request, chain, gap)
            if is_legal:
                assert shares is not None
                verify(problem, {"R": chain})
            else:
                with pytest.raises(InvalidSolution):
                    verify(problem, {"R": chain})
            assert (shares is not None) == shares_out(request.exams, chain)
            if shares is None:
                continue
            assert frozenset().union(*shares) == request.exams
            assert sum(map(len, shares)) == len(request.exams)
            assert all(
                part and part <= slot.exams
                for part, slot in zip(shares, chain, strict=True)
            )
            greedy = _greedy(request.exams, chain)
            if greedy is not None:
                assert shares == greedy


def _greedy(
    exams: frozenset[str], chain: tuple[SlotData, ...]
) -> tuple[frozenset[str], ...] | None:
    """Each slot does every asked exam it takes not done before (what the
    exports print), if that gives every slot something."""
    done: frozenset[str] = frozenset()
    shares = []
    for slot in chain:
        new = (slot.exams & exams) - done
        if not new:
            return None
        shares.append(new)
        done |= new
    return tuple(shares) if done == exams else None


def test_a_slot_may_do_only_part_of_what_it_takes(
    problem_builder: ProblemBuilder,
) -> None:
    """The issue's case: MAMMO+ECHO_SEIN+ECHO_THYRO, slots at 9:00
    (ECHO_SEIN, ECHO_THYRO), 9:15 (ECHO_SEIN) and 11:00 (MAMMO), 15 min
    each, gap 90: thyroid at 9:00, breast at 9:15, mammography at 11:00
    (waits 0 and 90 min) is the one trip, and it is booked."""
    both = problem_builder.slot("ECHO_SEIN,ECHO_THYRO", start=9 * 60)
    breast = problem_builder.slot("ECHO_SEIN", start=9 * 60 + 15)
    mammo = problem_builder.slot("MAMMO", start=11 * 60)
    wanted = problem_builder.request("MAMMO+ECHO_SEIN+ECHO_THYRO")
    problem = problem_builder.problem(max_gap=90)
    assert visit_options(wanted, problem.slots, 90) == [(both, breast, mammo)]
    assert visit_exams(
        wanted.exams, [both.exams, breast.exams, mammo.exams]
    ) == (
        frozenset({"ECHO_THYRO"}),
        frozenset({"ECHO_SEIN"}),
        frozenset({"MAMMO"}),
    )
    assert blocking_rule(wanted, problem.slots, 90) is None
    solution = solve(problem)
    assert solution.status is Status.OPTIMAL
    assert solution.bookings == {wanted.id: (both, breast, mammo)}
    assert blocking_rule(wanted, problem.slots, 89) == "one_trip"
