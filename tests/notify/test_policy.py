"""Retries, SMS hours and dead senders, on fixed clocks."""

from __future__ import annotations

import os
import socket
import subprocess
import sys
import time
from datetime import UTC, datetime

import pytest

from cosen.clock import PARIS, after
from cosen.notify.claims import LEASE, abandoned, process_claimer
from cosen.notify.policy import (
    MAX_ATTEMPTS,
    next_sms_window,
    retry_time,
    sms_allowed,
)


def paris(day: int, hour: int, minute: int = 0, month: int = 11) -> datetime:
    return datetime(2026, month, day, hour, minute, tzinfo=PARIS)


def test_retries_back_off_then_stop() -> None:
    failed = paris(27, 10)
    waits = [
        (retry_time(attempt, failed) - failed).total_seconds() / 60  # type: ignore[operator]
        for attempt in range(1, MAX_ATTEMPTS)
    ]
    assert waits == [1, 5, 30, 120]
    assert retry_time(MAX_ATTEMPTS, failed) is None


def test_a_retry_across_the_clock_change_is_elapsed_time() -> None:
    # 25/10/2026: clocks go back at 3:00. Two hours after 1:30 CEST is
    # 2:30 CET.
    failed = paris(25, 1, 30, month=10)
    retry = retry_time(4, failed)
    assert retry is not None
    # Subtraction in one zone is wall-clock time: compare in UTC.
    elapsed = retry.astimezone(UTC) - failed.astimezone(UTC)
    assert elapsed.total_seconds() == 7200
    assert (retry.hour, retry.minute, retry.fold) == (2, 30, 1)


@pytest.mark.parametrize(
    ("moment", "allowed"),
    [
        (paris(27, 7, 59), False),  # Friday before 8:00
        (paris(27, 8, 0), True),
        (paris(27, 19, 59), True),
        (paris(27, 20, 0), False),  # 20:00 is after the window
        (paris(28, 12, 0), True),  # Saturday
        (paris(29, 12, 0), False),  # Sunday
        (paris(30, 8, 0), True),  # Monday
    ],
)
def test_sms_hours(moment: datetime, allowed: bool) -> None:
    assert sms_allowed(moment) is allowed
    # Whatever the zone a moment is written in, Paris time decides.
    assert sms_allowed(moment.astimezone(UTC)) is allowed


@pytest.mark.parametrize(
    ("moment", "window"),
    [
        (paris(27, 7, 0), paris(27, 8)),
        (paris(27, 10, 0), paris(27, 10)),
        (paris(27, 20, 30), paris(28, 8)),  # Friday night: Saturday
        (paris(28, 21, 0), paris(30, 8)),  # Saturday night: Monday
        (paris(29, 9, 0), paris(30, 8)),  # Sunday: Monday
    ],
)
def test_next_sms_window(moment: datetime, window: datetime) -> None:
    assert next_sms_window(moment) == window


def test_a_claim_of_a_live_process_is_kept() -> None:
    now = paris(27, 10)
    assert not abandoned(process_claimer(), now, now)


def test_a_claim_of_a_killed_process_is_released() -> None:
    """Released as soon as the process is gone, even before its parent
    reaped it (a zombie sends nothing); a live process with the same pid
    but another start time is another process."""
    child = subprocess.Popen(
        [sys.executable, "-c", CHILD], stdout=subprocess.PIPE, text=True
    )
    assert child.stdout is not None
    claimer = child.stdout.readline().strip()
    now = paris(27, 10)
    try:
        assert claimer.startswith(f"{socket.gethostname()}:{child.pid}:")
        assert not abandoned(claimer, now, now)
        child.kill()
        deadline = time.monotonic() + 10
        while not abandoned(claimer, now, now):
            assert time.monotonic() < deadline, "zombie taken for alive"
            time.sleep(0.05)
    finally:
        child.kill()
        child.wait()
    assert abandoned(claimer, now, now)
    host = socket.gethostname()
    assert abandoned(f"{host}:{os.getpid()}:1", now, now)


CHILD = """
import time
from cosen.notify.claims import process_claimer
print(process_claimer(), flush=True)
time.sleep(60)
"""


def test_a_claim_from_another_host_waits_for_its_lease() -> None:
    now = paris(27, 10)
    claimer = "autre-serveur:1234:5678"
    assert not abandoned(claimer, now, now)
    assert not abandoned(claimer, after(now, minutes=-14), now)
    lease = LEASE.total_seconds() / 60
    assert abandoned(claimer, after(now, minutes=-lease), now)
    # Even a live process of this host loses a claim held that long.
    assert abandoned(process_claimer(), after(now, minutes=-lease), now)
