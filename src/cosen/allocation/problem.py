"""Referrals and slots as the optimizer's plain problem.

The booking rules that depend on the allocation time (notice, transport
lead time, arrival) become each request's earliest start; the desired
delay becomes its target; ages become the minute a child turns 18. All of
it in whole minutes since the epoch, as the optimizer counts.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping, Sequence
from datetime import date, datetime

from cosen.allocation.settings import AllocationSettings
from cosen.clock import PARIS, after, age_on, localize, minutes, target_time
from cosen.domain import ADULT_AGE, Referral, Slot
from cosen.optimizer import Problem, Request, SlotData

__all__ = [
    "build_problem",
    "earliest_start",
    "problem_from_data",
    "slot_data",
    "target",
    "unavailable_minutes",
]


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


def target(referral: Referral, settings: AllocationSettings) -> datetime:
    """When ``referral`` should be seen: reception plus the desired delay,
    counted as the settings say."""
    return target_time(
        referral.received_at, referral.desired_delay, settings.target_clock
    )


def unavailable_minutes(
    referral: Referral, days: tuple[date, date] | None
) -> tuple[tuple[int, int], ...]:
    """The periods a patient cannot come, within the slots' ``days`` (first
    and last), as the optimizer's minutes."""
    if not referral.unavailable or days is None:
        return ()
    periods = sorted(
        (minutes(start), minutes(end))
        for item in referral.unavailable
        for start, end in item.periods(*days)
    )
    return tuple(periods)


def request(
    referral: Referral,
    settings: AllocationSettings,
    rank: int,
    centers_of: Mapping[str, set[str]],
    declined: Iterable[str] = (),
    days: tuple[date, date] | None = None,
) -> Request:
    """The optimizer's view of one eligible referral.

    ``centers_of`` expands a preferred group into its centres; ``days``
    are the first and last days of the slots offered (the patient's
    unavailability is laid out over them).
    """
    preferred = referral.preferred_center
    child_until = None
    if age_on(referral.birth_date, referral.received_at.date()) < ADULT_AGE:
        child_until = minutes(_birthday(referral.birth_date, ADULT_AGE))
    return Request(
        id=referral.referral_id,
        exams=frozenset(referral.exams),
        earliest=_ceil_minutes(earliest_start(referral, settings)),
        target=minutes(target(referral, settings)),
        accessible=referral.reduced_mobility,
        child_until=child_until,
        preferred=frozenset(
            centers_of.get(preferred, {preferred}) if preferred else ()
        ),
        rank=rank,
        forbidden=frozenset(declined),
        unavailable=unavailable_minutes(referral, days),
    )


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
    return problem_from_data(
        referrals, [slot_data(s) for s in slots], settings, declined
    )


def problem_from_data(
    referrals: Sequence[Referral],
    slots: Sequence[SlotData],
    settings: AllocationSettings,
    declined: Mapping[str, Iterable[str]] | None = None,
) -> Problem:
    """:func:`build_problem` from slots already converted by
    :func:`slot_data`: a caller that offers the same slots again and again
    (the simulator) converts each one once."""
    declined = declined or {}
    centers_of: dict[str, set[str]] = {}
    for group, center in {(s.group, s.center) for s in slots}:
        centers_of.setdefault(group, set()).add(center)
    ordinals = [s.day for s in slots]
    days = (
        (date.fromordinal(min(ordinals)), date.fromordinal(max(ordinals)))
        if ordinals
        else None
    )
    requests = [
        request(
            referral,
            settings,
            rank,
            centers_of,
            declined.get(referral.referral_id, ()),
            days,
        )
        for rank, referral in enumerate(referrals)
    ]
    return Problem.build(requests, slots, settings.max_gap_minutes)


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
