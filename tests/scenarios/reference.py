"""Reference results of queueing theory, computed numerically."""

from __future__ import annotations

import math
from collections.abc import Sequence
from datetime import date, datetime, timedelta
from datetime import time as clock_time

import numpy as np
from numpy.typing import NDArray

from cosen.clock import is_working_day, localize, minutes

LARGEST_BATCH = 40  # P(A > 40) < 1e-11 for Poisson means up to 10
BACKLOG_SIZE = 400


def lindley_waits(rate: float, slots: int) -> NDArray[np.float64]:
    """P(W = w), w = 0, 1, …: working days from arrival to appointment.

    Arrivals of a day (Poisson, mean ``rate``) are booked at the next
    working day's allocation into the first free of ``slots`` daily slots,
    in order: ``B`` booked slots ahead give the ``j``-th arrival the day
    ``1 + (B + j - 1) // slots``, and ``B`` follows the Lindley recursion
    ``B' = max(0, B + A - slots)``, iterated to its stationary law.
    """
    batch = np.array(
        [
            math.exp(-rate) * rate**a / math.factorial(a)
            for a in range(LARGEST_BATCH + 1)
        ]
    )
    backlog = np.zeros(BACKLOG_SIZE)
    backlog[0] = 1.0
    for _ in range(100_000):
        total = np.convolve(backlog, batch)  # B + A
        following = np.zeros(BACKLOG_SIZE)
        following[0] = total[: slots + 1].sum()
        rest = total[slots + 1 : slots + BACKLOG_SIZE]
        following[1 : 1 + rest.size] = rest
        converged = np.abs(following - backlog).sum() < 1e-15
        backlog = following
        if converged:
            break
    # A referral picked at random is the j-th of its day with probability
    # P(A >= j) / E[A] (its day's batch is size-biased).
    position = np.array(
        [batch[j:].sum() / rate for j in range(1, LARGEST_BATCH + 1)]
    )
    waits = np.zeros(BACKLOG_SIZE // slots + LARGEST_BATCH)
    for queued, chance in enumerate(backlog):
        for j, share in enumerate(position, start=1):
            waits[1 + (queued + j - 1) // slots] += chance * share
    return waits


def lindley_wait_hours(
    rate: float,
    times: Sequence[clock_time],
    first: date,
    days: int,
    seed: int,
) -> NDArray[np.float64]:
    """Hours from reception to appointment of every referral of a long
    run of the bulk-service queue of :func:`lindley_waits`, through the
    real calendar, skipping its first ``days // 10`` (the warm-up).

    Each working day, a Poisson number of referrals (mean ``rate``)
    arrives at uniform minutes from 8:00 to 18:00; at 7:00 on the next
    working day they take, in order, the first free of the day's slots
    at ``times`` and the following days'.
    """
    rng = np.random.default_rng(seed)
    open_days = [
        day
        for day in (first + timedelta(days=n) for n in range(days))
        if is_working_day(day)
    ]
    midnights = [
        minutes(localize(datetime.combine(day, clock_time())))
        for day in open_days
    ]
    offsets = [t.hour * 60 + t.minute for t in times]
    slots = len(times)
    booked = 0  # slots booked from the current working day on
    pending: list[int] = []
    waits: list[float] = []
    warm_up = (
        minutes(localize(datetime.combine(first, clock_time())))
        + (days // 10) * 24 * 60
    )
    for number, midnight in enumerate(midnights):
        for position, received in enumerate(pending, start=booked):
            day = number + position // slots
            if day < len(midnights) and received >= warm_up:
                seen = midnights[day] + offsets[position % slots]
                waits.append((seen - received) / 60)
        booked = max(0, booked + len(pending) - slots)
        arrivals = np.sort(rng.integers(8 * 60, 18 * 60, rng.poisson(rate)))
        pending = [midnight + int(m) for m in arrivals]
    return np.array(waits)
