"""Breakdowns of the indicators, against hand counts."""

from __future__ import annotations

from datetime import datetime

import numpy as np
import pytest

from cosen.clock import from_minutes, localize, minutes
from cosen.scenarios.indicators import _weekday_hour, summarize
from cosen.scenarios.simulate import NEVER, Replication
from tests.scenarios.builders import small


def at(day: int, hour: int, minute: int = 0) -> int:
    """Minutes since the epoch of that time, March 2027."""
    return minutes(localize(datetime(2027, 3, day, hour, minute)))


def replication(
    index: int,
    referrals: list[tuple[int, int, int]],
    used: list[bool],
) -> Replication:
    """``referrals``: (received, desired delay, appointment or NEVER),
    late minutes counted on the real clock; slots: Monday 8 March 9:00
    and Tuesday 9 March 10:00 of block 0 (MIM-1)."""
    received = np.array([r for r, _, _ in referrals], dtype=np.int64)
    delay = np.array([d for _, d, _ in referrals], dtype=np.int64)
    appointment = np.array([a for _, _, a in referrals], dtype=np.int64)
    booked = appointment != NEVER
    late = np.where(
        booked, np.maximum(0, appointment - received - 60 * delay), 0
    )
    count = len(referrals)
    return Replication(
        index=index,
        received=received,
        delay=delay,
        booked_at=np.where(booked, received + 60, NEVER),
        appointment=appointment,
        late_minutes=late,
        kind=np.zeros(count, dtype=np.int64),
        center=np.where(booked, 0, -1),
        declines=np.zeros(count, dtype=np.int64),
        no_show=np.zeros(count, dtype=np.bool_),
        rejected=np.array([], dtype=np.int64),
        slot_start=np.array([at(8, 9), at(9, 10)], dtype=np.int64),
        slot_block=np.zeros(2, dtype=np.int64),
        slot_used=np.array(used, dtype=np.bool_),
        allocation_at=np.array([at(8, 8)], dtype=np.int64),
        pending=np.zeros(1, dtype=np.int64),
        waiting=np.zeros(1, dtype=np.int64),
        allocations=1,
        allocation_seconds=0.0,
        seconds=0.0,
    )


def test_breakdown_by_weekday_agrees_with_a_hand_count() -> None:
    first = replication(
        0,
        [
            (at(8, 9, 10), 48, at(9, 10)),  # Monday, within
            (at(8, 14), 24, at(10, 9)),  # Monday, 19 h late
            (at(12, 15), 48, at(15, 9)),  # Friday, 18 h late
            (at(12, 16, 30), 48, NEVER),  # Friday, never booked
        ],
        [False, True],
    )
    second = replication(
        1,
        [
            (at(16, 9), 24, at(16, 15)),  # Tuesday, within
            (at(19, 10), 48, at(22, 11)),  # Friday, 25 h late
        ],
        [False, False],
    )
    summary = summarize(small(), [first, second])
    days = summary.by_weekday
    assert list(days) == ["lundi", "mardi", "vendredi"]
    assert days["lundi"]["received"].mean == 1  # 2 and 0
    assert days["lundi"]["within_target_pct"].mean == 50  # 1 of 2
    assert days["mardi"]["within_target_pct"].mean == 100
    assert days["vendredi"]["within_target_pct"].mean == 0
    assert days["vendredi"]["unbooked"].mean == 0.5
    # Late hours per late referral, all replications' totals: 18 + 25 over
    # 2 (not the mean of the replications' means, which is the same here).
    assert days["vendredi"]["late_hours_mean"].mean == pytest.approx(21.5)
    # Waits of Friday's booked referrals, pooled: 66 h and 73 h.
    assert days["vendredi"]["wait_hours_median"].mean == pytest.approx(69.5)
    cells = summary.by_weekday_hour
    assert set(cells) == {
        ("lundi", 9), ("lundi", 14), ("mardi", 9), ("vendredi", 10),
        ("vendredi", 15), ("vendredi", 16),
    }  # fmt: skip
    assert cells[("lundi", 14)]["late_pct"].mean == 100
    targets = summary.by_target
    assert targets["24 h"]["within_target_pct"].mean == 50  # 1 of 2
    assert targets["48 h"]["within_target_pct"].mean == 25  # 1 of 4
    slots = summary.by_slot_time
    assert slots[("MIM-1", "mardi", 10)]["utilization_pct"].mean == 50
    assert slots[("MIM-1", "lundi", 9)]["utilization_pct"].mean == 0


@pytest.mark.parametrize(
    "day",
    [datetime(2027, 3, 28), datetime(2027, 10, 31), datetime(2027, 6, 4)],
)
def test_weekday_and_hour_of_every_minute_around_a_clock_change(
    day: datetime,
) -> None:
    """Converted an hour at a time, every minute of the 30 hours around a
    change of clocks (and of an ordinary day) has its own weekday and
    local hour."""
    start = minutes(localize(day)) - 600
    moments = np.arange(start, start + 1800, dtype=np.int64)
    weekdays, hours = _weekday_hour(moments)
    expected = [from_minutes(int(m)) for m in moments]
    assert weekdays.tolist() == [m.weekday() for m in expected]
    assert hours.tolist() == [m.hour for m in expected]
