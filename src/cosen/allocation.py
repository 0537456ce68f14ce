"""From validated referrals and slots to bookings, with reasons and KPIs.

This is the one allocation code path: ``cosen allocate``, the batch ledger
and the simulator all call :func:`allocate`. It turns the booking rules
that depend on the allocation time into plain numbers (each request's
earliest start and target, in minutes), calls the optimizer, and gives
every eligible referral that is not booked its reason.
"""

from __future__ import annotations

import enum
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, fields, replace
from datetime import date, datetime
from functools import cache
from typing import Any

from cosen.clock import (
    PARIS,
    TargetClock,
    after,
    age_on,
    localize,
    minutes,
    target_time,
)
from cosen.domain import ADULT_AGE, Reason, Referral, Slot
from cosen.errors import OptionError
from cosen.optimizer import (
    Problem,
    Request,
    SlotData,
    Solution,
    SolverSettings,
    first_come_first_served,
    solve,
)
from cosen.optimizer.engine import fcfs_solution
from cosen.optimizer.problem import compatible, visit_options

__all__ = [
    "Allocation",
    "AllocationSettings",
    "Booked",
    "Policy",
    "Unbooked",
    "allocate",
    "build_problem",
    "earliest_start",
    "slot_data",
]


@dataclass(frozen=True)
class AllocationSettings:
    """The booking rules' parameters and the solver's budget.

    Attributes
    ----------
    now
        Allocation time (aware).
    notice_hours
        Least time between allocation and appointment, to reach the patient.
    transport_hours
        Least time for a reduced-mobility patient's medical transport.
    max_gap_minutes
        Longest wait between two slots of one visit.
    target_clock
        How the desired delay is counted.
    time_limit, seed, workers
        Solver budget and determinism.
    """

    now: datetime
    notice_hours: float = 2.0
    transport_hours: float = 24.0
    max_gap_minutes: int = 90
    target_clock: TargetClock = TargetClock.CALENDAR
    time_limit: float = 30.0
    seed: int = 0
    workers: int = 2

    def __post_init__(self) -> None:
        if self.now.tzinfo is None:
            raise OptionError("heure d'attribution sans fuseau horaire")
        for name in ("notice_hours", "transport_hours", "max_gap_minutes"):
            if getattr(self, name) < 0:
                raise OptionError(f"paramètre {name} négatif")
        if self.time_limit <= 0:
            raise OptionError("la limite de temps doit être positive")
        if self.workers < 1:
            raise OptionError("au moins un processus de recherche (workers)")

    @classmethod
    def from_mapping(
        cls, values: Mapping[str, Any], now: datetime
    ) -> AllocationSettings:
        """Settings from plain values (TOML, JSON), checked."""
        known = {f.name for f in fields(cls)} - {"now"}
        unknown = set(values) - known
        if unknown:
            raise OptionError(
                "paramètre(s) inconnu(s) : " + ", ".join(sorted(unknown))
            )
        settings = cls(now=now)
        typed: dict[str, Any] = {}
        try:
            for key, value in values.items():
                kind = (
                    TargetClock
                    if key == "target_clock"
                    else type(getattr(settings, key))
                )
                typed[key] = kind(value)
        except (TypeError, ValueError):
            raise OptionError(f"paramètre {key} : valeur invalide") from None
        return replace(settings, **typed)

    def solver(self) -> SolverSettings:
        return SolverSettings(self.time_limit, self.seed, self.workers)


class Policy(enum.StrEnum):
    """How an allocation books."""

    OPTIMIZER = "optimizer"
    FCFS = "fcfs"


@dataclass(frozen=True)
class Booked:
    """A booked referral: its visit's slots, target and lateness."""

    referral: Referral
    slots: tuple[Slot, ...]
    target: datetime
    late_minutes: int

    @property
    def start(self) -> datetime:
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


def _ceil_minutes(moment: datetime) -> int:
    return -(-int(moment.timestamp()) // 60)


def _birthday(birth: date, years: int) -> datetime:
    """Local midnight of the day the patient turns ``years``."""
    try:
        day = birth.replace(year=birth.year + years)
    except ValueError:  # born on 29 February: a year older on 1 March
        day = date(birth.year + years, 3, 1)
    return localize(datetime(day.year, day.month, day.day))


def earliest_start(
    referral: Referral, settings: AllocationSettings
) -> datetime:
    """First moment a slot may start for ``referral``."""
    moments = [
        referral.received_at,
        after(settings.now, hours=settings.notice_hours),
    ]
    if referral.reduced_mobility:
        moments.append(after(settings.now, hours=settings.transport_hours))
    return max(moments)


def build_problem(
    referrals: Sequence[Referral],
    slots: Sequence[Slot],
    settings: AllocationSettings,
    declined: Mapping[str, Iterable[str]] | None = None,
) -> Problem:
    """The optimizer's view of an allocation.

    Parameters
    ----------
    referrals
        Eligible referrals, in arrival order (ties keep this order).
    slots
        Free slots.
    settings
        Allocation time and rules.
    declined
        Slot ids each referral's patient declined (never offered again).
    """
    declined = declined or {}
    centers_of: dict[str, set[str]] = {}
    for slot in slots:
        centers_of.setdefault(slot.group.value, set()).add(slot.center)
    requests = []
    for rank, referral in enumerate(referrals):
        preferred = referral.preferred_center
        child_until = None
        if (
            age_on(referral.birth_date, referral.received_at.date())
            < ADULT_AGE
        ):
            child_until = minutes(_birthday(referral.birth_date, ADULT_AGE))
        requests.append(
            Request(
                id=referral.referral_id,
                exams=frozenset(referral.exams),
                earliest=_ceil_minutes(earliest_start(referral, settings)),
                target=minutes(_target(referral, settings)),
                accessible=referral.reduced_mobility,
                child_until=child_until,
                preferred=frozenset(
                    centers_of.get(preferred, {preferred}) if preferred else ()
                ),
                rank=rank,
                forbidden=frozenset(declined.get(referral.referral_id, ())),
            )
        )
    return Problem.build(
        requests, (slot_data(s) for s in slots), settings.max_gap_minutes
    )


def _target(referral: Referral, settings: AllocationSettings) -> datetime:
    return target_time(
        referral.received_at, referral.desired_delay, settings.target_clock
    )


def slot_data(slot: Slot) -> SlotData:
    """The optimizer's view of a slot."""
    return SlotData(
        id=slot.slot_id,
        center=slot.center,
        group=slot.group.value,
        start=minutes(slot.start),
        end=minutes(slot.end),
        day=slot.start.astimezone(PARIS).date().toordinal(),
        exams=frozenset(slot.exams),
        children=slot.children,
        accessible=slot.accessible,
    )


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
        Free slots.
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
    problem = build_problem(referrals, slots, settings, declined)
    greedy = (
        first_come_first_served(problem)
        if baseline or (policy is Policy.FCFS)
        else {}
    )
    if policy is Policy.FCFS:
        solution = fcfs_solution(problem, greedy)
    else:
        solution = solve(problem, settings.solver())
    slot_by_id = {s.slot_id: s for s in slots}
    request_by_id = {r.id: r for r in problem.requests}

    @cache
    def every_slot() -> tuple[SlotData, ...]:
        return tuple(
            sorted(
                (*problem.slots, *map(slot_data, taken)),
                key=lambda s: s.start,
            )
        )

    booked: list[Booked] = []
    unbooked: list[Unbooked] = []
    for referral in referrals:
        request = request_by_id[referral.referral_id]
        target = _target(referral, settings)
        visit = solution.bookings.get(referral.referral_id)
        if visit:
            booked.append(
                Booked(
                    referral,
                    tuple(slot_by_id[s.id] for s in visit),
                    target,
                    max(0, visit[0].start - request.target),
                )
            )
            continue
        why = _blocking_rule(request, problem, referral, settings)
        if (
            why
            and taken
            and visit_options(request, every_slot(), problem.max_gap)
        ):
            why = None
        reason = Reason.NO_COMPATIBLE_SLOT if why else Reason.CAPACITY
        unbooked.append(Unbooked(referral, reason, why or "", target))
    lateness = (
        tuple(
            max(0, visit[0].start - request_by_id[request_id].target)
            for request_id, visit in greedy.items()
        )
        if baseline
        else ()
    )
    return Allocation(settings, booked, unbooked, solution, lateness)


class _Rule(enum.Enum):
    EXAM = "aucun créneau n'accepte {exams}"
    ACCESSIBLE = "aucun créneau accessible PMR pour {exams}"
    CHILDREN = "aucun créneau accueillant les enfants pour {exams}"
    DECLINED = "le patient a refusé les seuls créneaux possibles"
    NOTICE = "aucun créneau au moins {notice} après l'attribution"
    TRANSPORT = (
        "aucun créneau au moins {transport} après l'attribution (délai du "
        "transport médicalisé)"
    )
    ARRIVAL = "aucun créneau après l'arrivée de la demande"
    ONE_TRIP = (
        "pas de créneaux du même centre, le même jour, pour faire tous les "
        "examens en un seul déplacement"
    )


def _blocking_rule(
    request: Request,
    problem: Problem,
    referral: Referral,
    settings: AllocationSettings,
) -> str | None:
    """Why no slot could ever take the request, or ``None`` if one could.

    The rules are applied one after the other to the slots taking some of
    its exams; the first that leaves nothing is named.
    """
    if visit_options(request, problem.slots, problem.max_gap):
        return None
    candidates = [s for s in problem.slots if s.exams & request.exams]
    covered = frozenset().union(*(s.exams for s in candidates))
    steps: list[tuple[_Rule, Any]] = [
        (_Rule.EXAM, lambda s: True),
        (_Rule.ACCESSIBLE, lambda s: s.accessible or not request.accessible),
        (
            _Rule.CHILDREN,
            lambda s: compatible(
                replace(request, earliest=0, forbidden=frozenset()), s
            ),
        ),
        (_Rule.DECLINED, lambda s: s.id not in request.forbidden),
    ]
    if not request.exams <= covered:
        return _phrase(_Rule.EXAM, request, settings)
    for rule, keep in steps:
        candidates = [s for s in candidates if keep(s)]
        if not request.exams <= frozenset().union(
            *(s.exams for s in candidates)
        ):
            return _phrase(rule, request, settings)
    if not [s for s in candidates if s.start >= request.earliest]:
        notice = after(settings.now, hours=settings.notice_hours)
        if referral.received_at > notice:
            rule = _Rule.ARRIVAL
        elif referral.reduced_mobility and settings.transport_hours > (
            settings.notice_hours
        ):
            rule = _Rule.TRANSPORT
        else:
            rule = _Rule.NOTICE
        return _phrase(rule, request, settings)
    return _phrase(_Rule.ONE_TRIP, request, settings)


def _phrase(
    rule: _Rule, request: Request, settings: AllocationSettings
) -> str:
    return rule.value.format(
        exams=" + ".join(sorted(request.exams)),
        notice=_hours(settings.notice_hours),
        transport=_hours(settings.transport_hours),
    )


def _hours(value: float) -> str:
    return f"{value:g} h"
