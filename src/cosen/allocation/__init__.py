"""From validated referrals and slots to bookings, reasons and indicators.

- :mod:`~cosen.allocation.settings`: the rules' parameters, checked;
- :mod:`~cosen.allocation.problem`: referrals and slots as plain data;
- :mod:`~cosen.allocation.booking`: :func:`allocate`, the one code path
  that the command line, the ledger and the simulator share;
- :mod:`~cosen.allocation.explain`: why a referral was not booked;
- :mod:`~cosen.allocation.indicators`: indicators recomputed from
  bookings;
- :mod:`~cosen.allocation.summary`: the terminal summary and the JSON.
"""

from cosen.allocation.booking import (
    Allocation,
    Booked,
    Outcome,
    SolverOutcome,
    Unbooked,
    allocate,
    allocate_in_turn,
    arrived_after,
    solve_problem,
)
from cosen.allocation.indicators import (
    Indicators,
    allocation_indicators,
    baseline_indicators,
    breakdown,
    indicators,
)
from cosen.allocation.problem import (
    build_problem,
    earliest_start,
    problem_from_data,
    slot_data,
    target,
)
from cosen.allocation.settings import AllocationSettings, Policy

__all__ = [
    "Allocation",
    "AllocationSettings",
    "Booked",
    "Indicators",
    "Outcome",
    "Policy",
    "SolverOutcome",
    "Unbooked",
    "allocate",
    "allocate_in_turn",
    "allocation_indicators",
    "arrived_after",
    "baseline_indicators",
    "breakdown",
    "build_problem",
    "earliest_start",
    "indicators",
    "problem_from_data",
    "slot_data",
    "solve_problem",
    "target",
]
