"""When a message may be tried: retries after a failure, SMS hours.

- A failed attempt is tried again after 1 min, 5 min, 30 min, then 2 h;
  the fifth failed attempt is final (``failed``, with the server's reason).
  A refusal that no retry can change (an unknown mailbox, a number the
  gateway rejects) is final at once.
- SMS go from 8:00 to 20:00, Monday to Saturday, Paris time: outside
  those hours they are not taken at all (no attempt is used) and wait for
  the next window.
"""

from __future__ import annotations

from datetime import datetime, time, timedelta
from typing import Final

from cosen.clock import PARIS, after, localize

__all__ = [
    "MAX_ATTEMPTS",
    "RETRY_MINUTES",
    "SMS_HOURS",
    "next_sms_window",
    "retry_time",
    "sms_allowed",
]

RETRY_MINUTES: Final = (1, 5, 30, 120)
"""Wait after the 1st, 2nd, ... failed attempt."""
MAX_ATTEMPTS: Final = len(RETRY_MINUTES) + 1
SMS_HOURS: Final = (time(8), time(20))
"""SMS go from the first (included) to the second (excluded)."""
_SUNDAY: Final = 6


def retry_time(attempts: int, failed_at: datetime) -> datetime | None:
    """When a message whose ``attempts``-th attempt failed at
    ``failed_at`` is tried again; ``None``: never (it has failed)."""
    if attempts >= MAX_ATTEMPTS:
        return None
    return after(failed_at, minutes=RETRY_MINUTES[max(attempts, 1) - 1])


def sms_allowed(moment: datetime) -> bool:
    """Whether an SMS may go at ``moment`` (Paris time)."""
    local = moment.astimezone(PARIS)
    start, end = SMS_HOURS
    return local.weekday() != _SUNDAY and start <= local.time() < end


def next_sms_window(moment: datetime) -> datetime:
    """The first moment from ``moment`` at which an SMS may go."""
    if sms_allowed(moment):
        return moment
    local = moment.astimezone(PARIS)
    day = local.date()
    if local.time() >= SMS_HOURS[0]:
        day += timedelta(days=1)
    while day.weekday() == _SUNDAY:
        day += timedelta(days=1)
    # 8:00 always exists in Paris: clocks change at night.
    return localize(datetime.combine(day, SMS_HOURS[0]))
