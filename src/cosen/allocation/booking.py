"""From validated referrals and slots to bookings, with reasons.

This is the one allocation code path: ``cosen allocate``, the batch ledger
and the simulator all call :func:`allocate`. It builds the optimizer's
problem (:mod:`cosen.allocation.problem`), solves it, and gives every
eligible referral that is not booked its reason
(:mod:`cosen.allocation.explain`).
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Mapping, Sequence
from dataclasses import dataclass
from datetime import datetime
from functools import cache
from typing import Protocol

from cosen.allocation.explain import unbooked_reason
from cosen.allocation.problem import build_problem, slot_data, target
from cosen.allocation.settings import AllocationSettings, Policy
from cosen.domain import Reason, Referral, Slot
from cosen.optimizer import (
    Booking,
    Problem,
    SlotData,
    Solution,
    Status,
    Tiers,
    first_come_first_served,
    solve,
)
from cosen.optimizer.engine import fcfs_solution

__all__ = [
    "Allocation",
    "Booked",
    "Outcome",
    "SolverOutcome",
    "Unbooked",
    "allocate",
    "allocate_in_turn",
    "arrived_after",
    "solve_problem",
]


@dataclass(frozen=True)
class Booked:
    """A booked referral: its visit's slots, target and lateness."""

    referral: Referral
    slots: tuple[Slot, ...]
    target: datetime
    late_minutes: int

    @property
    def start(self) -> datetime:
        """When the visit starts (its first slot)."""
        return self.slots[0].start


@dataclass(frozen=True)
class Unbooked:
    """An eligible referral left without a slot, and why."""

    referral: Referral
    reason: Reason
    detail: str
    target: datetime


@dataclass
class Allocation:
    """The outcome of one allocation.

    Attributes
    ----------
    settings
        What it was run with.
    booked, unbooked
        Every eligible referral is in exactly one of them, by arrival.
    solution
        The optimizer's solution (status, tiers, bound, time).
    baseline_lateness
        Minutes late (0 when on time) of each referral first come, first
        served books on the same input: the comparison shown to users.
        Empty when not computed.
    """

    settings: AllocationSettings
    booked: list[Booked]
    unbooked: list[Unbooked]
    solution: Solution
    baseline_lateness: tuple[int, ...] = ()


class SolverOutcome(Protocol):
    """What a solve reached, as exports and summaries read it: a fresh
    :class:`~cosen.optimizer.Solution` or a run the ledger recorded."""

    @property
    def status(self) -> Status: ...
    @property
    def tiers(self) -> Tiers: ...
    @property
    def bound(self) -> Tiers: ...
    @property
    def gap(self) -> Tiers: ...
    @property
    def seconds(self) -> float: ...
    @property
    def methods(self) -> dict[str, int]: ...


class Outcome(Protocol):
    """An allocation's outcome, as exports and indicators read it: a fresh
    :class:`Allocation` or a run the ledger recorded."""

    @property
    def settings(self) -> AllocationSettings: ...
    @property
    def booked(self) -> Sequence[Booked]: ...
    @property
    def unbooked(self) -> Sequence[Unbooked]: ...
    @property
    def solution(self) -> SolverOutcome: ...
    @property
    def baseline_lateness(self) -> Sequence[int]: ...


def _joined(
    slots: Sequence[SlotData], others: Sequence[Slot]
) -> Callable[[], tuple[SlotData, ...]]:
    """``slots`` and ``others``, by start, computed once when first asked."""

    @cache
    def joined() -> tuple[SlotData, ...]:
        return tuple(
            sorted((*slots, *map(slot_data, others)), key=lambda s: s.start)
        )

    return joined


def arrived_after(referrals: Iterable[Referral], now: datetime) -> int:
    """How many referrals were received after the allocation time: a
    ``--now`` in the past, most likely, worth a warning."""
    return sum(referral.received_at > now for referral in referrals)


def allocate(
    referrals: Sequence[Referral],
    slots: Sequence[Slot],
    settings: AllocationSettings,
    declined: Mapping[str, Iterable[str]] | None = None,
    policy: Policy = Policy.OPTIMIZER,
    baseline: bool = True,
    taken: Sequence[Slot] = (),
) -> Allocation:
    """Book eligible referrals into free slots.

    Parameters
    ----------
    referrals
        Eligible referrals (checked by the scheme's rules). First come,
        first served takes them by reception time, in the given order when
        equal.
    slots
        Free slots; those the centres withdrew are never offered (a
        referral only they could have taken is told so).
    settings
        Allocation time, rules' parameters, solver budget.
    declined
        Slot ids each referral's patient declined (never offered again).
    policy
        :attr:`Policy.OPTIMIZER` (the lexicographic optimum) or
        :attr:`Policy.FCFS` (first come, first served, as by hand).
    baseline
        Also compute first come, first served for comparison (the
        simulator, which compares whole runs, skips it).
    taken
        Slots booked earlier (batch runs, simulation): never offered, but a
        referral that could have used one is left unbooked for CAPACITY,
        not for want of a compatible slot.
    """
    referrals = sorted(referrals, key=lambda r: r.received_at)
    withdrawn = [s for s in slots if s.withdrawn]
    slots = [s for s in slots if not s.withdrawn]
    problem = build_problem(referrals, slots, settings, declined)
    greedy = first_come_first_served(problem) if baseline else None
    solution = solve_problem(problem, settings, policy, greedy)
    slot_by_id = {s.slot_id: s for s in slots}
    request_by_id = {r.id: r for r in problem.requests}

    # Only unbooked referrals with no visit among the free slots look at
    # the others: build those lists once, and only if one does.
    with_taken = _joined(problem.slots, taken) if taken else None
    with_withdrawn = _joined(problem.slots, withdrawn) if withdrawn else None

    booked: list[Booked] = []
    unbooked: list[Unbooked] = []
    for referral in referrals:
        request = request_by_id[referral.referral_id]
        due = target(referral, settings)
        visit = solution.bookings.get(referral.referral_id)
        if visit:
            booked.append(
                Booked(
                    referral,
                    tuple(slot_by_id[s.id] for s in visit),
                    due,
                    max(0, visit[0].start - request.target),
                )
            )
            continue
        reason, detail = unbooked_reason(
            request,
            referral,
            problem,
            settings,
            with_taken,
            with_withdrawn,
        )
        unbooked.append(Unbooked(referral, reason, detail, due))
    lateness = (
        tuple(
            max(0, visit[0].start - request_by_id[request_id].target)
            for request_id, visit in greedy.items()
        )
        if greedy is not None
        else ()
    )
    return Allocation(settings, booked, unbooked, solution, lateness)


def solve_problem(
    problem: Problem,
    settings: AllocationSettings,
    policy: Policy = Policy.OPTIMIZER,
    greedy: dict[str, Booking] | None = None,
) -> Solution:
    """Solve a built problem as :func:`allocate` does: the solver's
    bookings, without reasons for the unbooked.

    For callers that build the problem themselves
    (:func:`~cosen.allocation.problem.problem_from_data`) and only read
    the bookings, such as the simulator; ``greedy`` is first come, first
    served on ``problem`` when already computed.
    """
    if policy is Policy.FCFS:
        if greedy is None:
            greedy = first_come_first_served(problem)
        return fcfs_solution(problem, greedy)
    return solve(problem, settings.solver())


def allocate_in_turn(
    groups: Sequence[Sequence[Referral]],
    slots: Sequence[Slot],
    settings: AllocationSettings,
    declined: Mapping[str, Iterable[str]] | None = None,
    taken: Sequence[Slot] = (),
) -> Allocation:
    """Allocate ``groups`` of referrals one after the other, each into
    the slots the earlier groups left: the first group comes first in
    line, whatever the later ones would gain (patients whose appointment
    a centre withdrew, before new referrals). One group is :func:`allocate`.

    The outcome is one allocation: every group's bookings and unbooked
    referrals; its solution is OPTIMAL when every group's is (for this
    order of priority), its tiers and bounds the sums of the groups'.
    """
    parts = []
    free, held = list(slots), list(taken)
    for group in groups:
        part = allocate(group, free, settings, declined, taken=held)
        used = {s.slot_id for visit in part.booked for s in visit.slots}
        held += [s for s in free if s.slot_id in used]
        free = [s for s in free if s.slot_id not in used]
        parts.append(part)
    if len(parts) == 1:
        return parts[0]
    solutions = [part.solution for part in parts]
    methods: dict[str, int] = {}
    for solution in solutions:
        for method, count in solution.methods.items():
            methods[method] = methods.get(method, 0) + count
    solution = Solution(
        Status.OPTIMAL
        if all(s.status is Status.OPTIMAL for s in solutions)
        else Status.FEASIBLE,
        {k: v for s in solutions for k, v in s.bookings.items()},
        sum((s.tiers for s in solutions), Tiers()),
        sum((s.bound for s in solutions), Tiers()),
        sum(s.seconds for s in solutions),
        methods,
    )
    return Allocation(
        settings,
        [visit for part in parts for visit in part.booked],
        [item for part in parts for item in part.unbooked],
        solution,
        tuple(late for part in parts for late in part.baseline_lateness),
    )
