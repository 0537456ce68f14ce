"""Time in the scheme: Paris local time, targets, ages.

All datetimes in cosen are timezone-aware and expressed in Europe/Paris.
Arithmetic on elapsed time goes through UTC: adding 48 h to a Paris
wall-clock time with plain ``datetime`` arithmetic would be off by one hour
across a daylight-saving change.
"""

from __future__ import annotations

import enum
from datetime import UTC, date, datetime, time, timedelta
from functools import lru_cache
from zoneinfo import ZoneInfo

import holidays

__all__ = [
    "PARIS",
    "TargetClock",
    "after",
    "age_on",
    "is_working_day",
    "localize",
    "minutes",
    "target_time",
]

PARIS = ZoneInfo("Europe/Paris")

# Alsace-Moselle: Good Friday and 26 December are public holidays there.
_HOLIDAY_COUNTRY = "FR"
_HOLIDAY_SUBDIVISION = "6AE"


class TargetClock(enum.StrEnum):
    """How the desired delay of a referral is counted."""

    CALENDAR = "calendar"
    """Real elapsed time: 48 h after reception."""

    WORKING_DAYS = "working-days"
    """Only hours of working days count (weekends, Alsace-Moselle holidays
    excluded): 24 h is one working day."""


def localize(naive: datetime) -> datetime:
    """Attach Paris time to a naive wall-clock datetime.

    Raises
    ------
    ValueError
        If the wall-clock time does not exist (skipped when clocks go
        forward). A time that occurs twice (clocks go back) is read as the
        first occurrence, which gives the earlier, stricter target.
    """
    aware = naive.replace(tzinfo=PARIS, fold=0)
    round_trip = aware.astimezone(UTC).astimezone(PARIS)
    if round_trip.replace(tzinfo=None) != naive:
        raise ValueError("heure inexistante (passage à l'heure d'été)")
    return aware


def after(
    moment: datetime, *, hours: float = 0, minutes: float = 0
) -> datetime:
    """``moment`` plus real elapsed time, in Paris time.

    Plain ``+`` on a Paris datetime adds wall-clock time, one hour off
    across a daylight-saving change.
    """
    elapsed = moment.astimezone(UTC) + timedelta(hours=hours, minutes=minutes)
    return elapsed.astimezone(PARIS)


def minutes(moment: datetime) -> int:
    """Whole minutes since the Unix epoch, the optimizer's time unit."""
    return int(moment.timestamp()) // 60


def from_minutes(value: int) -> datetime:
    """Inverse of :func:`minutes`, as a Paris datetime."""
    return datetime.fromtimestamp(value * 60, tz=PARIS)


@lru_cache(maxsize=64)
def _holidays(year: int) -> frozenset[date]:
    calendar = holidays.country_holidays(
        _HOLIDAY_COUNTRY, subdiv=_HOLIDAY_SUBDIVISION, years=year
    )
    return frozenset(calendar)


def is_working_day(day: date) -> bool:
    """Monday to Friday and not an Alsace-Moselle public holiday."""
    return day.weekday() < 5 and day not in _holidays(day.year)


def target_time(
    received_at: datetime, delay_hours: int, clock: TargetClock
) -> datetime:
    """When a referral received at ``received_at`` should be seen.

    Parameters
    ----------
    received_at
        Aware datetime the referral reached the telesecretariat.
    delay_hours
        The desired delay, in hours.
    clock
        :attr:`TargetClock.CALENDAR` adds real elapsed hours.
        :attr:`TargetClock.WORKING_DAYS` lets only wall-clock hours of
        working days elapse, so a referral received on Friday at 15:00 with
        48 h is due on Tuesday at 15:00, and one received on Saturday is due
        on Wednesday at 00:00.
    """
    if clock is TargetClock.CALENDAR:
        return after(received_at, hours=delay_hours)
    local = received_at.astimezone(PARIS).replace(tzinfo=None)
    remaining = timedelta(hours=delay_hours)
    day = local.date()
    cursor = local
    while True:
        day_end = datetime.combine(day + timedelta(days=1), time())
        if is_working_day(day):
            available = day_end - cursor
            if remaining <= available:
                return localize(cursor + remaining)
            remaining -= available
        day += timedelta(days=1)
        cursor = day_end


def age_on(birth_date: date, day: date) -> int:
    """Age in whole years on ``day``."""
    before_birthday = (day.month, day.day) < (birth_date.month, birth_date.day)
    return day.year - birth_date.year - before_birthday
