"""Targets, working days, ages: the clock of the 48 h promise."""

from __future__ import annotations

from datetime import date, datetime

from cosen.clock import PARIS, TargetClock, age_on, is_working_day, target_time


def paris(year: int, month: int, day: int, hour: int, minute: int) -> datetime:
    return datetime(year, month, day, hour, minute, tzinfo=PARIS)


def test_calendar_target_is_real_elapsed_time_across_dst() -> None:
    # Clocks go back on Sunday 25/10/2026 at 03:00: 48 real hours after
    # Saturday 10:00 is Monday 09:00 on the wall clock.
    target = target_time(paris(2026, 10, 24, 10, 0), 48, TargetClock.CALENDAR)
    assert target == paris(2026, 10, 26, 9, 0)
    # Same-zone subtraction is wall-clock in Python: measure in UTC.
    start = paris(2026, 10, 24, 10, 0)
    assert target.timestamp() - start.timestamp() == 48 * 3600


def test_working_days_skip_weekend() -> None:
    friday = paris(2026, 11, 27, 15, 0)
    assert target_time(friday, 48, TargetClock.WORKING_DAYS) == paris(
        2026, 12, 1, 15, 0
    )
    assert target_time(friday, 24, TargetClock.WORKING_DAYS) == paris(
        2026, 11, 30, 15, 0
    )


def test_working_days_start_on_monday_for_weekend_referrals() -> None:
    saturday = paris(2026, 11, 28, 10, 0)
    assert target_time(saturday, 48, TargetClock.WORKING_DAYS) == paris(
        2026, 12, 2, 0, 0
    )


def test_alsace_moselle_holidays() -> None:
    assert not is_working_day(date(2026, 4, 3))  # Good Friday
    assert not is_working_day(date(2026, 12, 26))  # Saint Stephen's Day
    assert is_working_day(date(2026, 12, 24))
    # Thursday 02/04/2026 12:00 + 48 h: Friday is Good Friday, then the
    # weekend, then Easter Monday: due on Wednesday 08/04 at 12:00.
    thursday = paris(2026, 4, 2, 12, 0)
    assert target_time(thursday, 48, TargetClock.WORKING_DAYS) == paris(
        2026, 4, 8, 12, 0
    )


def test_christmas_and_saint_stephen() -> None:
    # Thursday 24/12/2026 17:00 + 24 h: 25 and 26 are holidays, then the
    # weekend: due on Monday 28/12 at 17:00.
    eve = paris(2026, 12, 24, 17, 0)
    assert target_time(eve, 24, TargetClock.WORKING_DAYS) == paris(
        2026, 12, 28, 17, 0
    )


def test_age_on() -> None:
    assert age_on(date(2008, 11, 27), date(2026, 11, 26)) == 17
    assert age_on(date(2008, 11, 27), date(2026, 11, 27)) == 18
    assert age_on(date(2008, 2, 29), date(2026, 2, 28)) == 17
    assert age_on(date(2008, 2, 29), date(2026, 3, 1)) == 18
