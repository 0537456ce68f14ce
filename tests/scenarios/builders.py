"""Small scenarios for the tests, built from TOML like users write them."""

from __future__ import annotations

from typing import Any

from cosen.scenarios.loader import ScenarioFile
from cosen.scenarios.params import Scenario

SMALL = """\
[simulation]
start = 2027-03-01
days = 42
warmup_days = 7
replications = 3
seed = 7
allocation_times = ["08:00", "13:00"]
policy = "optimizer"
horizon_days = 7

[behaviour]
decline_share = 0.1
no_show_share = 0.05

[[demand]]
exams = ["RADIO"]
per_day = 3
children_share = 0.2
reduced_mobility_share = 0.1
delay_24h_share = 0.3

[[demand]]
exams = ["MAMMO", "ECHO_SEIN"]
per_day = 2
multi_exam_share = 0.5

[[capacity]]
center = "MIM-1"
group = "MIM"
exams = ["RADIO"]
times = ["09:00", "11:00", "15:00", "16:00"]
children = true
accessible = true

[[capacity]]
center = "SIMSE-2"
group = "SIMSE"
exams = ["MAMMO", "ECHO_SEIN"]
times = ["10:00", "14:00"]
duration_min = 30

[[capacity]]
center = "SIMSE-2"
group = "SIMSE"
exams = ["MAMMO"]
times = ["11:00"]
duration_min = 20

[[capacity]]
center = "SIMSE-2"
group = "SIMSE"
exams = ["ECHO_SEIN"]
times = ["11:20"]
duration_min = 20
"""
"""Two streams, children, reduced mobility, one-trip visits that one slot
or two consecutive slots can take, declines and no-shows."""

QUEUE = """\
[simulation]
start = 2027-01-04
days = 364
warmup_days = 21
replications = 12
seed = 2030
allocation_times = ["07:00"]
policy = "fcfs"
notice_hours = 2
horizon_days = 14

[[demand]]
exams = ["RADIO"]
per_day = 4

[[capacity]]
center = "MIM-1"
group = "MIM"
exams = ["RADIO"]
times = ["09:00", "09:15", "09:30", "09:45", "10:00"]
"""
"""One exam, Poisson arrivals of 4 a working day, 5 slots a working day,
first come first served, one allocation before the day's first arrival
and slot: a discrete-time queue (utilization 0.8)."""


def small(**changes: Any) -> Scenario:
    """The small scenario; ``changes`` by dotted key with ``__`` for
    ``.`` (``simulation__days=10``)."""
    return ScenarioFile.parse(SMALL, "petit.toml").scenario(
        {key.replace("__", "."): value for key, value in changes.items()}
    )


THRESHOLD = """\
[simulation]
start = 2027-01-04
days = 175
warmup_days = 21
replications = 4
seed = 11
allocation_times = ["07:00"]
policy = "fcfs"
target_clock = "working-days"
notice_hours = 0.5
horizon_days = 14

[[demand]]
exams = ["RADIO"]
per_day = 4
delay_24h_share = 0

[[capacity]]
center = "MIM-1"
group = "MIM"
exams = ["RADIO"]
times = ["07:30", "07:30", "07:30", "07:30", "07:30"]
"""
"""The queue of ``QUEUE`` with every slot at 7:30, before any referral
arrives, and 48 h counted on working days: a referral is within target
exactly when seen at most two working days after the day it arrived, so
the share within target is ``P(W <= 2)`` of the Lindley queue. With
``capacity.scale`` 0.6, 0.8, 1.0, 1.2 the centre offers 3, 4, 5, 6 slots
a day."""
