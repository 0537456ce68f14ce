"""Reference results of queueing theory, computed numerically."""

from __future__ import annotations

import math

import numpy as np
from numpy.typing import NDArray

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
