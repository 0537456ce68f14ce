"""What a solver returns: bookings, their objective tiers, a status.

The tiers are always recomputed from the bookings themselves (never read
back from a solver's objective), and :func:`verify` re-checks every booking
rule on them, so a modelling error cannot silently reach a patient.
"""

from __future__ import annotations

import enum
from collections.abc import Mapping
from dataclasses import dataclass, field

from cosen.optimizer.problem import (
    Problem,
    SlotData,
    compatible,
    visit_exams,
)

__all__ = [
    "Booking",
    "InvalidSolution",
    "Solution",
    "Status",
    "Tiers",
    "evaluate",
    "verify",
]

Booking = tuple[SlotData, ...]
"""The slots of one request's visit, in order (usually just one)."""


class Status(enum.StrEnum):
    """How good a solution is known to be."""

    OPTIMAL = "OPTIMAL"
    """Optimal for tiers 1 to 3 of the objective, proven."""

    FEASIBLE = "FEASIBLE"
    """Valid, but not proven optimal (time limit)."""


@dataclass(frozen=True)
class Tiers:
    """The lexicographic objective's first three tiers.

    Attributes
    ----------
    booked
        Requests booked (more is better).
    late
        Booked requests whose visit starts after their target (fewer).
    late_minutes
        Total minutes past the targets (fewer).
    """

    booked: int = 0
    late: int = 0
    late_minutes: int = 0

    def key(self) -> tuple[int, int, int]:
        """Sort key: smaller is better."""
        return (-self.booked, self.late, self.late_minutes)

    def tightened(self, stage: int, value: int) -> Tiers:
        """This bound with tier ``stage`` (0-2) tightened to ``value``.

        A tier's bound holds only among solutions equal to the bound on
        the earlier tiers, so tightening a tier resets the later ones to
        the trivial bound (no late booking, no late minute).
        """
        values = [self.booked, self.late, self.late_minutes]
        current = values[stage]
        tighter = min(current, value) if stage == 0 else max(current, value)
        if tighter == current:
            return self
        values[stage] = tighter
        values[stage + 1 :] = [0] * (2 - stage)
        return Tiers(*values)

    def __add__(self, other: Tiers) -> Tiers:
        return Tiers(
            self.booked + other.booked,
            self.late + other.late,
            self.late_minutes + other.late_minutes,
        )


def evaluate(problem: Problem, bookings: Mapping[str, Booking]) -> Tiers:
    """Tiers of ``bookings``, recomputed from the requests' targets."""
    booked = late = minutes = 0
    for request in problem.requests:
        visit = bookings.get(request.id)
        if not visit:
            continue
        booked += 1
        delay = visit[0].start - request.target
        if delay > 0:
            late += 1
            minutes += delay
    return Tiers(booked, late, minutes)


class InvalidSolution(RuntimeError):
    """A solver produced bookings that break a rule (a bug)."""


def verify(problem: Problem, bookings: Mapping[str, Booking]) -> None:
    """Check every booking rule; raise :class:`InvalidSolution` if broken.

    Rules: known requests and slots; each slot used once; every slot
    compatible with its request (arrival, notice, mobility, age); several
    slots are of one centre and one day, each starting when the previous
    ends and at most ``max_gap`` minutes later; the exams can be shared
    out among the slots, each doing a non-empty part that it takes, all
    done (:func:`~cosen.optimizer.problem.visit_exams`).
    """
    requests = {r.id: r for r in problem.requests}
    used: set[str] = set()
    for request_id, visit in bookings.items():
        request = requests.get(request_id)
        if request is None or not visit:
            raise InvalidSolution(f"unknown or empty booking {request_id}")
        for position, slot in enumerate(visit):
            known = problem.slot_index.get(slot.id)
            if known is not slot and known != slot:
                raise InvalidSolution(f"unknown slot {slot.id}")
            if slot.id in used:
                raise InvalidSolution(f"slot {slot.id} booked twice")
            used.add(slot.id)
            if not compatible(request, slot):
                raise InvalidSolution(f"{request_id} cannot take {slot.id}")
            if position:
                previous = visit[position - 1]
                if (
                    slot.center != previous.center
                    or slot.day != previous.day
                    or not previous.end
                    <= slot.start
                    <= previous.end + problem.max_gap
                ):
                    raise InvalidSolution(f"{request_id}: not one trip")
        if visit_exams(request.exams, [slot.exams for slot in visit]) is None:
            raise InvalidSolution(
                f"{request_id}: no slot-by-slot sharing does every exam"
            )


@dataclass
class Solution:
    """Bookings of a problem with their tiers, bound and status.

    Attributes
    ----------
    status
        :attr:`Status.OPTIMAL` when tiers 1-3 are proven optimal.
    bookings
        Request id -> visit slots.
    tiers
        Recomputed from the bookings.
    bound
        Best tiers any solution could reach, as far as proven (equal to
        ``tiers`` when optimal).
    seconds
        Wall time spent solving.
    methods
        How each component's answer was found (``flow``, ``lp``,
        ``cp-sat``, ``greedy``).
    """

    status: Status
    bookings: dict[str, Booking]
    tiers: Tiers
    bound: Tiers
    seconds: float = 0.0
    methods: dict[str, int] = field(default_factory=dict)

    @property
    def gap(self) -> Tiers:
        """How far from the bound each tier is (all zero when optimal)."""
        return Tiers(
            self.bound.booked - self.tiers.booked,
            self.tiers.late - self.bound.late,
            self.tiers.late_minutes - self.bound.late_minutes,
        )

    def summary(self) -> str:
        """One line for developers and logs (ids only, no personal data)."""
        t, g = self.tiers, self.gap
        methods = ", ".join(
            f"{k} {v}" for k, v in sorted(self.methods.items())
        )
        return (
            f"{self.status}: booked {t.booked}, late {t.late}, "
            f"{t.late_minutes} late minutes; gap {g.booked}/{g.late}/"
            f"{g.late_minutes}; {self.seconds:.2f}s "
            f"({methods})"
        )
