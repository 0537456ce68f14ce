"""Exact reference solvers for small instances, independent of cosen's.

The brute force enumerates every visit from first principles (it does not
call ``visit_options``): every sequence of slots, and every way to give
the exams to its slots, each slot doing at least one. Then every
combination of visits, so a shared bug is unlikely. Exponential: keep
instances tiny.
"""

from __future__ import annotations

import itertools
import random
from collections.abc import Sequence

import numpy as np
from scipy.optimize import linear_sum_assignment

from cosen.optimizer import Problem, Request, SlotData, Tiers

EXAMS = ("A", "B", "C")


def fits(request: Request, slot: SlotData) -> bool:
    """Every single-slot rule, written out again."""
    if slot.start < request.earliest or slot.id in request.forbidden:
        return False
    for start, end in request.unavailable:
        if start <= slot.start < end:
            return False
    if request.accessible and not slot.accessible:
        return False
    child = (
        request.child_until is not None and slot.start < request.child_until
    )
    return slot.children or not child


def one_trip(chain: Sequence[SlotData], max_gap: int) -> bool:
    """Slots of one centre and day, each starting when the previous one
    ends or at most ``max_gap`` minutes later."""
    return all(
        after.center == before.center
        and after.day == before.day
        and before.end <= after.start <= before.end + max_gap
        for before, after in itertools.pairwise(chain)
    )


def shares_out(exams: frozenset[str], chain: Sequence[SlotData]) -> bool:
    """Whether the exams can be given to the slots, each exam to one slot
    that takes it, so that every slot does at least one: tried for every
    assignment of exams to slots."""
    ordered = sorted(exams)
    for owners in itertools.product(range(len(chain)), repeat=len(ordered)):
        if set(owners) == set(range(len(chain))) and all(
            exam in chain[owner].exams
            for exam, owner in zip(ordered, owners, strict=True)
        ):
            return True
    return False


def legal(request: Request, chain: Sequence[SlotData], max_gap: int) -> bool:
    """Whether ``chain`` is a legal trip for ``request`` (the contract)."""
    return (
        bool(chain)
        and all(fits(request, slot) for slot in chain)
        and all(not slot.exams.isdisjoint(request.exams) for slot in chain)
        and one_trip(chain, max_gap)
        and shares_out(request.exams, chain)
    )


def visits(
    request: Request, slots: Sequence[SlotData], max_gap: int
) -> list[tuple[SlotData, ...]]:
    """Every legal trip of a request, by brute force over sequences of
    slots and assignments of exams to them (a slot does at least one)."""
    usable = [s for s in slots if fits(request, s)]
    return [
        chain
        for size in range(1, len(request.exams) + 1)
        for chain in itertools.permutations(usable, size)
        if legal(request, chain, max_gap)
    ]


def minimal(request: Request, chain: Sequence[SlotData], max_gap: int) -> bool:
    """No slot but the first can be dropped leaving a legal trip."""
    return not any(
        legal(request, [*chain[:i], *chain[i + 1 :]], max_gap)
        for i in range(1, len(chain))
    )


def brute_force(problem: Problem) -> Tiers:
    """The lexicographic optimum of tiers 1-3, by exhaustive search."""
    options = [
        visits(r, problem.slots, problem.max_gap) for r in problem.requests
    ]
    best = Tiers(0, 0, 0)

    def search(index: int, used: frozenset[str], tiers: Tiers) -> None:
        nonlocal best
        if index == len(problem.requests):
            if tiers.key() < best.key():
                best = tiers
            return
        search(index + 1, used, tiers)
        request = problem.requests[index]
        for chain in options[index]:
            ids = {s.id for s in chain}
            if ids & used:
                continue
            delay = chain[0].start - request.target
            search(
                index + 1,
                used | ids,
                tiers + Tiers(1, int(delay > 0), max(0, delay)),
            )

    search(0, frozenset(), Tiers())
    return best


def assignment(problem: Problem) -> Tiers:
    """Optimum of single-exam instances by scipy's assignment solver.

    Booking a pair costs ``-W1 + W2 * late + minutes`` with weights large
    enough that the tiers stay lexicographic; not booking costs 0.
    """
    requests, slots = problem.requests, problem.slots
    horizon = max((s.start for s in slots), default=0)
    w2 = 1 + sum(max(0, horizon - r.target) for r in requests)
    w1 = (len(requests) + 1) * w2
    forbidden = 10 * w1 * (len(requests) + 1)
    cost = np.zeros((len(requests), len(slots) + len(requests)))
    for i, request in enumerate(requests):
        for j, slot in enumerate(slots):
            if request.exams <= slot.exams and fits(request, slot):
                delay = slot.start - request.target
                cost[i, j] = -w1 + (w2 + delay if delay > 0 else 0)
            else:
                cost[i, j] = forbidden
    rows, cols = linear_sum_assignment(cost)
    booked = late = minutes = 0
    for i, j in zip(rows, cols, strict=True):
        if j < len(slots) and cost[i, j] < forbidden:
            booked += 1
            delay = slots[j].start - requests[i].target
            late += delay > 0
            minutes += max(0, delay)
    return Tiers(booked, late, minutes)


def random_problem(
    rng: random.Random,
    requests: int,
    slots: int,
    visit_share: float = 0.5,
    dense: bool = True,
    sizes: tuple[int, ...] = (2, 2, 3),
    unavailable_share: float = 0.0,
) -> Problem:
    """A small random instance; ``dense`` packs slots into two mornings so
    that multi-slot visits are plentiful; a visit asks for a number of
    exams drawn from ``sizes``; a share of the requests cannot come during
    one or two random periods."""
    slot_list = []
    for number in range(slots):
        if dense:
            start = 8 * 60 + 15 * rng.randrange(8) + 1440 * rng.randrange(2)
        else:
            start = 15 * rng.randrange(3 * 96)
        slot_list.append(
            SlotData(
                id=f"S{number}",
                center=rng.choice("XY"),
                group="G",
                start=start,
                end=start + rng.choice((15, 30)),
                day=start // 1440,
                exams=frozenset(rng.sample(EXAMS, rng.choice((1, 1, 2)))),
                children=rng.random() < 0.6,
                accessible=rng.random() < 0.6,
            )
        )
    request_list = []
    for number in range(requests):
        size = 1 if rng.random() > visit_share else rng.choice(sizes)
        earliest = 15 * rng.randrange(40)
        request_list.append(
            Request(
                id=f"R{number}",
                exams=frozenset(rng.sample(EXAMS, size)),
                earliest=earliest,
                target=earliest + 15 * rng.randrange(150),
                accessible=rng.random() < 0.25,
                child_until=rng.choice((None, None, 1440 + 8 * 60)),
                preferred=frozenset(rng.sample("XY", rng.choice((0, 1)))),
                rank=number,
                forbidden=frozenset(
                    rng.sample(
                        [s.id for s in slot_list], rng.choice((0, 0, 1))
                    )
                ),
                unavailable=(
                    _periods(rng)
                    if unavailable_share and rng.random() < unavailable_share
                    else ()
                ),
            )
        )
    return Problem.build(request_list, slot_list, rng.choice((0, 15, 90)))


def _periods(rng: random.Random) -> tuple[tuple[int, int], ...]:
    """One or two periods over the instances' two days."""
    periods = []
    for _ in range(rng.choice((1, 2))):
        start = 15 * rng.randrange(2 * 96)
        periods.append((start, start + 15 * rng.randrange(1, 24)))
    return tuple(periods)
