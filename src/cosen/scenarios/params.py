"""Scenario parameters: frozen dataclasses that check themselves.

A scenario is a ``[simulation]`` table, ``[[demand]]`` and ``[[capacity]]``
blocks and an optional ``[behaviour]`` table (``example.toml`` shows them
all). Each dataclass checks its values when built and raises
:class:`ScenarioError` naming the key at fault; the loader
(:mod:`cosen.scenarios.loader`) adds the file and the line.

Keys are named by dotted paths, the ones ``cosen scenario sweep --vary``
takes: ``simulation.days``, ``demand.2.per_day`` (blocks are numbered from
1 in file order), ``capacity.1.times``, ``behaviour.decline_share``.
"""

from __future__ import annotations

import math
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from datetime import date, datetime, time, timedelta
from typing import Final

from pydantic import ValidationError

from cosen.allocation import AllocationSettings, Policy
from cosen.clock import TargetClock, localize
from cosen.domain import Exam, Group, Slot
from cosen.tomlfiles import SettingError

__all__ = [
    "WEEKDAY_NAMES",
    "WORKWEEK",
    "Behaviour",
    "Candidate",
    "Capacity",
    "Cost",
    "Demand",
    "Scenario",
    "ScenarioError",
    "Simulation",
    "exam_label",
]

WEEKDAY_NAMES: Final = (
    "lundi", "mardi", "mercredi", "jeudi", "vendredi", "samedi", "dimanche",
)  # fmt: skip
WORKWEEK: Final = (0, 1, 2, 3, 4)
"""Monday to Friday, as ``date.weekday()`` numbers them."""


class ScenarioError(SettingError):
    """A scenario that cannot be run, as one French line naming the
    scenario file, the dotted key (``demand.2.per_day``) and its line."""

    document = "Scénario"


def _check(ok: bool, key: str, problem: str) -> None:
    if not ok:
        raise ScenarioError(key, problem)


def _finite(value: float, low: float, key: str, strict: bool = False) -> None:
    above = value > low if strict else value >= low
    sign = ">" if strict else "≥"
    _check(
        math.isfinite(value) and above, key, f"nombre {sign} {low:g} attendu"
    )


def _share(value: float, key: str, below_one: bool = False) -> None:
    inside = 0 <= value < 1 if below_one else 0 <= value <= 1
    upper = "1 exclu" if below_one else "1"
    _check(inside, key, f"proportion de 0 à {upper} attendue")


def _weekdays(days: Sequence[int], allowed: Iterable[int], key: str) -> None:
    allowed = tuple(allowed)
    names = ", ".join(WEEKDAY_NAMES[d] for d in allowed)
    _check(bool(days), key, "au moins un jour")
    _check(len(set(days)) == len(days), key, "jour en double")
    _check(set(days) <= set(allowed), key, f"jours possibles : {names}")


def exam_label(exams: Iterable[Exam]) -> str:
    """Exam codes joined by ``+``, in the scheme's order (one trip)."""
    return "+".join(e.value for e in sorted(exams, key=list(Exam).index))


@dataclass(frozen=True)
class Simulation:
    """How the simulation runs (table ``[simulation]``).

    Attributes
    ----------
    start
        First simulated day.
    days
        Simulated days, warm-up included.
    warmup_days
        First days left out of every statistic (the queue starts empty).
    replications
        Independent runs; the confidence intervals are taken across them.
    seed
        Base seed: replication ``i`` uses the ``i``-th child of
        ``numpy.random.SeedSequence(seed)``.
    allocation_times
        Times of day the allocation runs, on working days, ascending.
    policy
        ``optimizer`` or ``fcfs`` (first come, first served).
    target_clock
        ``calendar`` (real hours) or ``working-days`` (48 h counted on
        working days only).
    notice_hours, transport_hours, max_gap_minutes
        The booking rules' parameters (as for ``cosen allocate``).
    horizon_days
        Only free slots starting within this many days are offered.
    time_limit
        Solver seconds per allocation.
    opening_hours
        When the telesecretariat receives referrals (Monday to Friday,
        working days).
    demand_scale, capacity_scale
        Multipliers of every demand rate and of every block's slots.
    """

    start: date
    days: int = 365
    warmup_days: int = 28
    replications: int = 10
    seed: int = 1
    allocation_times: tuple[time, ...] = (time(8), time(13))
    policy: Policy = Policy.OPTIMIZER
    target_clock: TargetClock = TargetClock.CALENDAR
    notice_hours: float = 2.0
    transport_hours: float = 24.0
    max_gap_minutes: int = 90
    horizon_days: int = 14
    time_limit: float = 10.0
    opening_hours: tuple[time, time] = (time(8), time(18))
    demand_scale: float = 1.0
    capacity_scale: float = 1.0

    def __post_init__(self) -> None:
        _check(1 <= self.days <= 3660, "days", "de 1 à 3660 jours")
        _check(
            0 <= self.warmup_days < self.days,
            "warmup_days",
            "de 0 jusqu'au nombre de jours (days) exclu",
        )
        _check(
            1 <= self.replications <= 1000,
            "replications",
            "de 1 à 1000 réplications",
        )
        _check(self.seed >= 0, "seed", "entier positif ou nul attendu")
        times = self.allocation_times
        _check(
            bool(times) and list(times) == sorted(set(times)),
            "allocation_times",
            "au moins une heure, croissantes et sans doublon",
        )
        _finite(self.notice_hours, 0, "notice_hours")
        _finite(self.transport_hours, 0, "transport_hours")
        _check(self.max_gap_minutes >= 0, "max_gap_minutes", "minutes ≥ 0")
        _check(
            1 <= self.horizon_days <= 366, "horizon_days", "de 1 à 366 jours"
        )
        _finite(self.time_limit, 0, "time_limit", strict=True)
        _check(
            len(self.opening_hours) == 2
            and self.opening_hours[0] < self.opening_hours[1],
            "opening_hours",
            "[ouverture, fermeture] attendu, l'ouverture avant la fermeture",
        )
        _finite(self.demand_scale, 0, "demand_scale", strict=True)
        _finite(self.capacity_scale, 0, "capacity_scale", strict=True)

    @property
    def counted_from(self) -> date:
        """First day of the statistics window (after the warm-up)."""
        return self.start + timedelta(days=self.warmup_days)

    @property
    def end(self) -> date:
        """Day after the statistics window."""
        return self.start + timedelta(days=self.days)

    @property
    def run_out(self) -> date:
        """Day the run stops: arrivals and allocations go on for a horizon
        past the window, so that every counted referral meets the
        competition it would meet in a longer run and gets its booking."""
        return self.end + timedelta(days=self.horizon_days)

    def settings(self, now: datetime) -> AllocationSettings:
        """The allocation settings at ``now``.

        One solver worker: each replication has its own process, and a
        single CP-SAT worker with a fixed seed is deterministic.
        """
        return AllocationSettings(
            now=now,
            notice_hours=self.notice_hours,
            transport_hours=self.transport_hours,
            max_gap_minutes=self.max_gap_minutes,
            target_clock=self.target_clock,
            time_limit=self.time_limit,
            seed=self.seed,
            workers=1,
        )


@dataclass(frozen=True)
class Demand:
    """A stream of referrals (a ``[[demand]]`` block).

    Each working day of ``weekdays``, a Poisson number of referrals of mean
    ``per_day`` arrives, spread uniformly over the opening hours. A referral
    asks for all of ``exams`` in one trip with probability
    ``multi_exam_share``, else for one of them chosen uniformly. A child
    (aged 6 to 17) asks only for exams the scheme covers for children.

    Attributes
    ----------
    exams
        Exams of the stream.
    per_day
        Mean referrals per working day.
    weekdays
        Days the stream arrives (Monday to Friday only).
    children_share, reduced_mobility_share, delay_24h_share,
    multi_exam_share
        Shares of children, of patients with reduced mobility (who have a
        medical transport), of 24 h targets (else 48 h), and of multi-exam
        visits.
    """

    exams: tuple[Exam, ...]
    per_day: float
    weekdays: tuple[int, ...] = WORKWEEK
    children_share: float = 0.0
    reduced_mobility_share: float = 0.0
    delay_24h_share: float = 0.0
    multi_exam_share: float = 0.0

    def __post_init__(self) -> None:
        _check(bool(self.exams), "exams", "au moins un examen")
        _check(
            len(set(self.exams)) == len(self.exams),
            "exams",
            "examen en double",
        )
        _finite(self.per_day, 0, "per_day")
        _weekdays(self.weekdays, WORKWEEK, "weekdays")
        for name in (
            "children_share",
            "reduced_mobility_share",
            "delay_24h_share",
            "multi_exam_share",
        ):
            _share(getattr(self, name), name)
        _check(
            self.multi_exam_share == 0 or len(self.exams) > 1,
            "multi_exam_share",
            "un déplacement pour plusieurs examens demande au moins deux "
            "examens dans le bloc",
        )
        _check(
            self.children_share == 0 or bool(self.child_exams),
            "children_share",
            "aucun examen du bloc n'est couvert pour les enfants "
            "(échographies hors sein, radiographie)",
        )

    @property
    def child_exams(self) -> tuple[Exam, ...]:
        """The block's exams a child may have in the scheme."""
        return tuple(e for e in self.exams if e.for_children)

    def kinds(self, child: bool) -> tuple[tuple[Exam, ...], ...]:
        """The exam sets a patient of this stream may ask for."""
        exams = self.child_exams if child else self.exams
        singles = tuple((e,) for e in exams)
        if self.multi_exam_share and exams == self.exams:
            return (*singles, self.exams)
        return singles


@dataclass(frozen=True)
class Capacity:
    """Slots a centre reserves (a ``[[capacity]]`` block).

    On each day of ``weekdays`` (public holidays on working weekdays
    excepted), one slot starts at each of ``times``; a time given twice is
    two slots at once (two machines). A time that does not exist that day
    (clocks going forward) gives no slot.
    """

    center: str
    group: Group
    exams: tuple[Exam, ...]
    times: tuple[time, ...]
    weekdays: tuple[int, ...] = WORKWEEK
    duration_min: int = 15
    children: bool = False
    accessible: bool = False

    def __post_init__(self) -> None:
        _check(bool(self.times), "times", "au moins une heure de début")
        _check(
            list(self.times) == sorted(self.times),
            "times",
            "heures de début croissantes attendues",
        )
        _weekdays(self.weekdays, range(7), "weekdays")
        # The domain model checks typed values no further than their type
        # (its range checks parse text): check what it would let through.
        _check(bool(self.exams), "exams", "au moins un examen attendu")
        _check(
            1 <= self.duration_min <= 9999,
            "duration_min",
            "durée de 1 à 9999 minutes attendue",
        )
        try:
            slot = self.slot(
                "essai", localize(datetime.combine(date(2027, 1, 4), time(12)))
            )
        except ValidationError as error:
            location = error.errors()[0]["loc"]
            key = str(location[0]) if location else "center"
            problem = "valeur invalide"
            if key == "center":
                problem = (
                    "code attendu : lettres, chiffres, - ou _ (ex. MIM-1)"
                )
            raise ScenarioError(key, problem) from None
        # The domain model writes centre codes in upper case: keep its form
        # so that results name centres as the slots do.
        object.__setattr__(self, "center", slot.center)

    def slot(self, slot_id: str, start: datetime) -> Slot:
        """One of the block's slots, checked by the domain model."""
        return Slot.model_validate(
            {
                "slot_id": slot_id,
                "center": self.center,
                "group": self.group,
                "start": start,
                "duration_min": self.duration_min,
                "exams": self.exams,
                "children": self.children,
                "accessible": self.accessible,
            }
        )

    @property
    def label(self) -> str:
        """The block's exams, as the slots sheet writes them."""
        return ",".join(e.value for e in self.exams)


@dataclass(frozen=True)
class Candidate(Capacity):
    """Slots a centre could add (a ``[[candidate]]`` block), for
    ``cosen scenario recommend``.

    The keys of a ``[[capacity]]`` block, read as possibilities: each day
    of ``weekdays`` and each start of ``times`` is one choice, which may be
    taken up to ``max_count`` times (that many slots at once, every such
    weekday). A time given twice is one choice.

    Attributes
    ----------
    max_count
        Most slots that may start at once at one of the times.
    """

    max_count: int = 1

    def __post_init__(self) -> None:
        super().__post_init__()
        _check(
            1 <= self.max_count <= 50,
            "max_count",
            "de 1 à 50 créneaux à la fois",
        )

    def block(self, weekday: int, start: time, count: int) -> Capacity:
        """The capacity block of ``count`` slots at ``start`` on
        ``weekday``."""
        return Capacity(
            center=self.center,
            group=self.group,
            exams=self.exams,
            times=(start,) * count,
            weekdays=(weekday,),
            duration_min=self.duration_min,
            children=self.children,
            accessible=self.accessible,
        )


@dataclass(frozen=True)
class Behaviour:
    """What patients do (table ``[behaviour]``).

    Attributes
    ----------
    decline_share
        Share of offered appointments the patient declines: the referral
        goes back to the pending ones and is never offered that slot
        again; the slot is free for others.
    no_show_share
        Share of booked patients who do not come (the slot is used all the
        same: it is counted, not reused).
    """

    decline_share: float = 0.0
    no_show_share: float = 0.0

    def __post_init__(self) -> None:
        # Everyone declining would keep referrals pending for ever.
        _share(self.decline_share, "decline_share", below_one=True)
        _share(self.no_show_share, "no_show_share")


@dataclass(frozen=True)
class Cost:
    """What capacity and lateness cost (table ``[cost]``, optional), in
    any one currency: sweeps weigh them against each other.

    Attributes
    ----------
    reserved_slot
        Cost of one slot reserved for the scheme, used or not.
    late_referral
        Cost of one referral not seen within its target (late or never
        booked).
    """

    reserved_slot: float = 0.0
    late_referral: float = 0.0

    def __post_init__(self) -> None:
        _finite(self.reserved_slot, 0, "reserved_slot")
        _finite(self.late_referral, 0, "late_referral")

    @property
    def given(self) -> bool:
        """Whether the scenario gives any cost."""
        return bool(self.reserved_slot or self.late_referral)


@dataclass(frozen=True)
class Scenario:
    """A whole scenario: how to run it, demand, capacity, behaviour.

    Besides each part's checks, a centre stays in one group, and every
    kind of referral the demand can produce (its exams, a child, reduced
    mobility) has some capacity block able to take it: otherwise it would
    wait for ever.
    """

    simulation: Simulation
    demand: tuple[Demand, ...]
    capacity: tuple[Capacity, ...]
    behaviour: Behaviour = field(default_factory=Behaviour)
    cost: Cost = field(default_factory=Cost)
    name: str = "scénario"
    candidates: tuple[Candidate, ...] = ()

    def __post_init__(self) -> None:
        _check(bool(self.demand), "demand", "au moins un bloc [[demand]]")
        _check(
            bool(self.capacity), "capacity", "au moins un bloc [[capacity]]"
        )
        group_of: dict[str, Group] = {}
        for number, block in enumerate(self.capacity, start=1):
            first = group_of.setdefault(block.center, block.group)
            _check(
                first == block.group,
                f"capacity.{number}.group",
                f"le centre {block.center} est déjà dans le groupe {first}",
            )
        for number, candidate in enumerate(self.candidates, start=1):
            first = group_of.setdefault(candidate.center, candidate.group)
            _check(
                first == candidate.group,
                f"candidate.{number}.group",
                f"le centre {candidate.center} est déjà dans le groupe "
                f"{first}",
            )
        for number, demand in enumerate(self.demand, start=1):
            self._check_served(number, demand)

    def _check_served(self, number: int, demand: Demand) -> None:
        needs = [(False, False)]
        if demand.children_share:
            needs.append((True, False))
        if demand.reduced_mobility_share:
            needs.extend((child, True) for child, _ in list(needs))
        for child, accessible in needs:
            blocks = [
                b
                for b in self.capacity
                if (b.children or not child)
                and (b.accessible or not accessible)
            ]
            who = " pour un enfant" if child else ""
            who += " accessible PMR" if accessible else ""
            for kind in demand.kinds(child):
                _check(
                    _servable(kind, blocks),
                    f"demand.{number}.exams",
                    f"aucun bloc [[capacity]] ne prend {exam_label(kind)}"
                    + who,
                )

    @property
    def centers(self) -> tuple[str, ...]:
        """Centre codes, sorted."""
        return tuple(sorted({b.center for b in self.capacity}))

    @property
    def kinds(self) -> tuple[str, ...]:
        """Labels of every exam set a referral may ask for, sorted."""
        return tuple(
            sorted(
                {
                    exam_label(kind)
                    for demand in self.demand
                    for child in (False, True)
                    for kind in demand.kinds(child)
                }
            )
        )


def _servable(kind: tuple[Exam, ...], blocks: Sequence[Capacity]) -> bool:
    """Whether the blocks of one centre together take every exam of
    ``kind`` (a visit is one trip: one centre)."""
    by_center: dict[str, set[Exam]] = {}
    for block in blocks:
        by_center.setdefault(block.center, set()).update(block.exams)
    return any(set(kind) <= exams for exams in by_center.values())
