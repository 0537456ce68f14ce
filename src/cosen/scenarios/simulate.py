"""One replication: referrals arrive, allocations book them, day by day.

A replication is a pure function of the scenario and its index
(:func:`simulate`). Its random numbers come from the ``index``-th child of
``numpy.random.SeedSequence(seed)``, split again into one stream for the
patients' behaviour and one per demand block. So results do not depend on
how replications are spread over processes, and a block's arrivals do not
depend on the other blocks or on the capacity: the variants of a sweep
meet the same referrals.

Referrals are built through the domain model and the scheme's rules
(:func:`cosen.domain.scheme_issues`), slots through the domain model. Each
working day, at each allocation time, the referrals received and not yet
booked go to :func:`cosen.allocation.allocate`, the engine of
``cosen allocate``, with the free slots that start between the notice and
the horizon (and, as a batch run, the slots already booked there). A
booked slot is taken for good. A declined offer puts the
referral back among the pending ones, that slot forbidden to it, and frees
the slot. A referral left unbooked waits for the next allocation.
"""

from __future__ import annotations

import heapq
import math
import time
from bisect import bisect_left
from collections.abc import Iterator, Sequence
from dataclasses import dataclass
from datetime import date, datetime, timedelta
from datetime import time as clock_time
from functools import cache, lru_cache
from typing import Any, Final

import numpy as np
from numpy.typing import NDArray

from cosen.allocation import (
    problem_from_data,
    slot_data,
    solve_problem,
)
from cosen.clock import after, is_working_day, localize, minutes
from cosen.domain import (
    ADULT_AGE,
    CHILD_MIN_AGE,
    PROMISE_HOURS,
    Referral,
    Slot,
    scheme_issues,
)
from cosen.domain.samples import SampleSpec, sample_referrals
from cosen.optimizer import Booking, SlotData
from cosen.scenarios.params import (
    Capacity,
    Demand,
    Scenario,
    Simulation,
    exam_label,
)

__all__ = ["Replication", "reserved_slots", "simulate"]

IntArray = NDArray[np.int64]
BoolArray = NDArray[np.bool_]

NEVER: Final = -1
"""Minute recorded for what did not happen (a booking, an appointment)."""

_URGENT_HOURS: Final = 24
_OLDEST: Final = 91
_IDENTITY_FIELDS: Final = (
    "birth_name", "first_name", "used_name", "address", "postcode", "city",
    "phone", "email", "prescriber", "prescriber_contact", "prescription",
)  # fmt: skip
# What each synthetic referral sets (besides its id): all but these are
# its own in every copy of the template.
_COPIED_FIELDS: Final = (
    "referral_id", "received_at", "birth_date", "exams", "desired_delay",
    "consent",
)  # fmt: skip


@dataclass(frozen=True, eq=False)
class Replication:
    """What one replication records; times in minutes since the epoch.

    Attributes
    ----------
    index
        The replication's number.
    received, delay, booked_at, appointment, late_minutes, kind, center,
    declines, no_show
        One entry per eligible referral, in order of arrival: when it was
        received; its desired delay (hours); the allocation that booked
        it and the start of its appointment (first slot), :data:`NEVER`
        if never booked; minutes
        past its target; its exams (index in :attr:`Scenario.kinds`); the
        centre (index in :attr:`Scenario.centers`, ``-1`` if unbooked);
        offers declined; whether the patient did not come.
    rejected
        Reception minute of each drawn referral that the scheme's rules
        refused (none unless the scenario draws ineligible patients).
    slot_start, slot_block, slot_used
        One entry per reserved slot, by start: its start, its capacity
        block (index), whether it was booked.
    allocation_at, pending, waiting
        One entry per allocation time: referrals waiting for a slot, and
        referrals received whose appointment has not started, just before
        it.
    allocations, allocation_seconds, seconds
        Calls to the allocation engine, the time spent in them, and the
        replication's whole time (the only figures that vary between
        identical runs).
    """

    index: int
    received: IntArray
    delay: IntArray
    booked_at: IntArray
    appointment: IntArray
    late_minutes: IntArray
    kind: IntArray
    center: IntArray
    declines: IntArray
    no_show: BoolArray
    rejected: IntArray
    slot_start: IntArray
    slot_block: IntArray
    slot_used: BoolArray
    allocation_at: IntArray
    pending: IntArray
    waiting: IntArray
    allocations: int
    allocation_seconds: float
    seconds: float


def simulate(scenario: Scenario, index: int) -> Replication:
    """Run replication ``index`` of ``scenario``.

    The same scenario and index always give the same records (the solver
    runs with one worker and a fixed seed), whichever process runs it.
    """
    started = time.perf_counter()
    simulation = scenario.simulation
    family = np.random.SeedSequence(simulation.seed).spawn(index + 1)[index]
    behaviour_stream, *demand_streams = (
        np.random.default_rng(seed)
        for seed in family.spawn(1 + len(scenario.demand))
    )
    referrals, rejected = _referrals(scenario, demand_streams)
    _, blocks, slots = _slots(
        simulation.start,
        simulation.run_out,
        simulation.capacity_scale,
        scenario.capacity,
    )
    run = _Run(scenario, referrals, slots, behaviour_stream)
    for moment in _allocation_times(simulation):
        run.step(moment)
    labels = {label: n for n, label in enumerate(scenario.kinds)}
    return Replication(
        index=index,
        received=np.array(
            [minutes(r.received_at) for r in referrals], dtype=np.int64
        ),
        delay=np.array([r.desired_delay for r in referrals], dtype=np.int64),
        booked_at=run.booked_at,
        appointment=run.appointment,
        late_minutes=run.late_minutes,
        kind=np.array(
            [labels[exam_label(r.exams)] for r in referrals], dtype=np.int64
        ),
        center=run.center,
        declines=run.declines,
        no_show=run.no_show,
        rejected=np.array(rejected, dtype=np.int64),
        slot_start=np.array(run.starts, dtype=np.int64),
        slot_block=np.array(blocks, dtype=np.int64),
        slot_used=np.array(run.taken, dtype=np.bool_),
        allocation_at=np.array(run.samples[0], dtype=np.int64),
        pending=np.array(run.samples[1], dtype=np.int64),
        waiting=np.array(run.samples[2], dtype=np.int64),
        allocations=run.allocations,
        allocation_seconds=run.allocation_seconds,
        seconds=time.perf_counter() - started,
    )


class _Run:
    """The state of a replication between allocations."""

    def __init__(
        self,
        scenario: Scenario,
        referrals: Sequence[Referral],
        slots: Sequence[SlotData],
        rng: np.random.Generator,
    ) -> None:
        self.simulation = scenario.simulation
        self.behaviour = scenario.behaviour
        self.referrals = referrals
        self.slots = slots
        self.rng = rng
        self.center_number = {c: n for n, c in enumerate(scenario.centers)}
        self.number = {r.referral_id: n for n, r in enumerate(referrals)}
        self.slot_number = {s.id: n for n, s in enumerate(slots)}
        self.starts = [s.start for s in slots]
        self.taken = [False] * len(slots)
        self.arrived = 0
        self.pending: dict[str, Referral] = {}
        self.declined: dict[str, set[str]] = {}
        self.upcoming: list[int] = []
        count = len(referrals)
        self.booked_at = np.full(count, NEVER, dtype=np.int64)
        self.appointment = np.full(count, NEVER, dtype=np.int64)
        self.late_minutes = np.zeros(count, dtype=np.int64)
        self.center = np.full(count, -1, dtype=np.int64)
        self.declines = np.zeros(count, dtype=np.int64)
        self.no_show = np.zeros(count, dtype=np.bool_)
        self.samples: tuple[list[int], list[int], list[int]] = ([], [], [])
        self.allocations = 0
        self.allocation_seconds = 0.0

    def step(self, moment: datetime) -> None:
        """Admit what arrived by ``moment``, record the queue, allocate."""
        now = minutes(moment)
        while (
            self.arrived < len(self.referrals)
            and self.referrals[self.arrived].received_at <= moment
        ):
            referral = self.referrals[self.arrived]
            self.pending[referral.referral_id] = referral
            self.arrived += 1
        while self.upcoming and self.upcoming[0] <= now:
            heapq.heappop(self.upcoming)
        for series, value in zip(
            self.samples,
            (now, len(self.pending), len(self.pending) + len(self.upcoming)),
            strict=True,
        ):
            series.append(value)
        if self.pending:
            self._allocate(moment, now)

    def _allocate(self, moment: datetime, now: int) -> None:
        simulation = self.simulation
        first = bisect_left(
            self.starts, minutes(after(moment, hours=simulation.notice_hours))
        )
        last = bisect_left(
            self.starts,
            minutes(after(moment, hours=24 * simulation.horizon_days)),
        )
        started = time.perf_counter()
        # The slots are converted once per process (:func:`_slots`) and
        # the unbooked's reasons, which nothing here reads, are skipped:
        # the bookings are those :func:`cosen.allocation.allocate` makes.
        pending = list(self.pending.values())
        settings = simulation.settings(moment)
        problem = problem_from_data(
            pending,
            [self.slots[n] for n in range(first, last) if not self.taken[n]],
            settings,
            self.declined,
        )
        solution = solve_problem(problem, settings, simulation.policy)
        self.allocation_seconds += time.perf_counter() - started
        self.allocations += 1
        targets = {r.id: r.target for r in problem.requests}
        for referral in pending:
            visit = solution.bookings.get(referral.referral_id)
            if visit:
                late = max(0, visit[0].start - targets[referral.referral_id])
                self._answer(referral.referral_id, visit, late, now)

    def _answer(
        self, referral_id: str, visit: Booking, late: int, now: int
    ) -> None:
        """The patient accepts (the slots are taken) or declines."""
        number = self.number[referral_id]
        slot_ids = [slot.id for slot in visit]
        decline = self.behaviour.decline_share
        if decline and self.rng.random() < decline:
            self.declined.setdefault(referral_id, set()).update(slot_ids)
            self.declines[number] += 1
            return
        del self.pending[referral_id]
        self.declined.pop(referral_id, None)
        for slot_id in slot_ids:
            self.taken[self.slot_number[slot_id]] = True
        start = visit[0].start
        self.booked_at[number] = now
        self.appointment[number] = start
        self.late_minutes[number] = late
        self.center[number] = self.center_number[visit[0].center]
        no_show = self.behaviour.no_show_share
        self.no_show[number] = bool(no_show and self.rng.random() < no_show)
        heapq.heappush(self.upcoming, start)


def _days(first: date, stop: date) -> Iterator[date]:
    day = first
    while day < stop:
        yield day
        day += timedelta(days=1)


def _moment(day: date, wall_clock: clock_time) -> datetime | None:
    """That time of that day, ``None`` when clocks going forward skip it
    (nothing happens then: no allocation, referral or slot)."""
    try:
        return localize(datetime.combine(day, wall_clock))
    except ValueError:
        return None


def _allocation_times(simulation: Simulation) -> Iterator[datetime]:
    for day in _days(simulation.start, simulation.run_out):
        if is_working_day(day):
            for wall_clock in simulation.allocation_times:
                moment = _moment(day, wall_clock)
                if moment is not None:
                    yield moment


# --------------------------------------------------------------------------
# Demand


def _referrals(
    scenario: Scenario, streams: Sequence[np.random.Generator]
) -> tuple[list[Referral], list[int]]:
    """Every referral of the run, by arrival, and the refused ones'
    reception minutes."""
    drawn: list[tuple[datetime, int, dict[str, Any]]] = []
    for number, (demand, rng) in enumerate(
        zip(scenario.demand, streams, strict=True)
    ):
        drawn.extend(
            (values["received_at"], number, values)
            for values in _draw(demand, scenario.simulation, rng)
        )
    # Same moment: by block, then in each block's own order (stable sort).
    drawn.sort(key=lambda item: (item[0], item[1]))
    referrals: list[Referral] = []
    rejected: list[int] = []
    for number, (moment, _, values) in enumerate(drawn, start=1):
        values["referral_id"] = f"D{number:06d}"
        if scheme_issues(values):
            rejected.append(minutes(moment))
            continue
        referrals.append(_template().model_copy(update=values))
    return referrals, rejected


def _draw(
    demand: Demand, simulation: Simulation, rng: np.random.Generator
) -> Iterator[dict[str, Any]]:
    """Referral values of one block: a Poisson number each working day of
    its weekdays, at uniform minutes of the opening hours."""
    opening, closing = (
        moment.hour * 60 + moment.minute for moment in simulation.opening_hours
    )
    rate = demand.per_day * simulation.demand_scale
    for day in _days(simulation.start, simulation.run_out):
        if not (is_working_day(day) and day.weekday() in demand.weekdays):
            continue
        count = int(rng.poisson(rate))
        for minute in np.sort(rng.integers(opening, closing, count)):
            moment = _moment(day, clock_time(minute // 60, minute % 60))
            if moment is not None:
                yield _patient(demand, moment, rng)


def _patient(
    demand: Demand, moment: datetime, rng: np.random.Generator
) -> dict[str, Any]:
    """A referral's own fields, received at ``moment`` (its id comes
    later): the rest is :func:`_template`'s."""
    child = bool(rng.random() < demand.children_share)
    exams = demand.child_exams if child else demand.exams
    several = demand.multi_exam_share and exams == demand.exams
    if several and rng.random() < demand.multi_exam_share:
        chosen = exams
    else:
        chosen = (exams[int(rng.integers(len(exams)))],)
    years = int(
        rng.integers(CHILD_MIN_AGE, ADULT_AGE)
        if child
        else rng.integers(ADULT_AGE, _OLDEST)
    )
    # Days since the birthday stay clear of leap-year edges: the age on
    # reception is ``years``.
    birth = moment.date() - timedelta(
        days=int(365.25 * years) + 3 + int(rng.integers(355))
    )
    mobility = bool(rng.random() < demand.reduced_mobility_share)
    urgent = bool(rng.random() < demand.delay_24h_share)
    return {
        "received_at": moment,
        "birth_date": birth,
        "exams": chosen,
        "desired_delay": _URGENT_HOURS if urgent else PROMISE_HOURS,
        "consent": True,
        "reduced_mobility": mobility,
        "medical_transport": mobility,
        "suspected_emergency": False,
    }


@cache
def _template() -> Referral:
    """A complete referral whose identity every synthetic one shares.

    Nothing here reads a patient's identity (names, address, phone,
    prescriber), so it is validated once, from :mod:`cosen.domain.samples`;
    each referral copies it with its own fields, drawn already typed and
    checked by the scheme's rules.
    """
    spec = SampleSpec(
        now=localize(datetime(2027, 1, 4, 12)), referrals=1, bad_rows=0
    )
    (row,) = sample_referrals(spec)
    return Referral.model_validate(
        {
            name: row[name] or None
            for name in (*_IDENTITY_FIELDS, *_COPIED_FIELDS)
        }
    )


# --------------------------------------------------------------------------
# Capacity


def reserved_slots(
    simulation: Simulation, capacity: tuple[Capacity, ...]
) -> tuple[tuple[Slot, ...], tuple[int, ...]]:
    """Every slot reserved from the first day to the run-out, by start,
    and the capacity block of each."""
    slots, blocks, _ = _slots(
        simulation.start,
        simulation.run_out,
        simulation.capacity_scale,
        capacity,
    )
    return slots, blocks


@lru_cache(maxsize=8)
def _slots(
    first: date, stop: date, scale: float, capacity: tuple[Capacity, ...]
) -> tuple[tuple[Slot, ...], tuple[int, ...], tuple[SlotData, ...]]:
    """The slots, their capacity blocks and the optimizer's view of them,
    built once per process for all replications alike.

    With ``scale``, a block offers ``scale`` times its slots on average:
    each day takes the whole slots its running total has reached, so the
    mean is exact; each time is taken as many whole times as fit, the rest
    evenly spread over the day.
    """
    found: list[tuple[datetime, int]] = []
    for number, block in enumerate(capacity):
        per_day = len(block.times) * scale
        active = [
            day
            for day in _days(first, stop)
            if day.weekday() in block.weekdays
            and (day.weekday() >= 5 or is_working_day(day))
        ]
        for position, day in enumerate(active):
            count = _whole(per_day * (position + 1)) - _whole(
                per_day * position
            )
            for wall_clock in _spread(block.times, count):
                moment = _moment(day, wall_clock)
                if moment is not None:
                    found.append((moment, number))
    found.sort(key=lambda item: (item[0], item[1]))
    # The domain model checks each block's first slot; the others copy it
    # with their own id and start, which are made here.
    checked: dict[int, Slot] = {}
    slots: list[Slot] = []
    for serial, (start, number) in enumerate(found, start=1):
        slot_id = f"C{serial:06d}"
        if number in checked:
            slots.append(
                checked[number].model_copy(
                    update={"slot_id": slot_id, "start": start}
                )
            )
        else:
            checked[number] = capacity[number].slot(slot_id, start)
            slots.append(checked[number])
    return (
        tuple(slots),
        tuple(number for _, number in found),
        tuple(map(slot_data, slots)),
    )


def _whole(value: float) -> int:
    # Products like 0.8 * 5 * 3 land a hair below the whole number.
    return math.floor(value + 1e-9)


def _spread(times: tuple[clock_time, ...], count: int) -> list[clock_time]:
    rounds, rest = divmod(count, len(times))
    size = len(times)
    extra = [times[(2 * i + 1) * size // (2 * rest)] for i in range(rest)]
    return sorted([*times * rounds, *extra])
