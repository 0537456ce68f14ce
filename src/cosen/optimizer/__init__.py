"""Booking requests into slots: problem data, network, solvers, results.

Works on plain data only (no spreadsheets, no pydantic, no dates), so the
allocate command, the batch ledger and the simulator share it unchanged.
"""

from cosen.optimizer.engine import SolverSettings, solve
from cosen.optimizer.greedy import first_come_first_served
from cosen.optimizer.problem import (
    DEFAULT_MAX_GAP,
    ONE_TRIP,
    SLOT_RULES,
    Problem,
    Request,
    SlotData,
    SlotRule,
    blocking_rule,
    compatible,
    compatible_slots,
    visit_exams,
    visit_options,
)
from cosen.optimizer.result import Booking, Solution, Status, Tiers, evaluate

__all__ = [
    "DEFAULT_MAX_GAP",
    "ONE_TRIP",
    "SLOT_RULES",
    "Booking",
    "Problem",
    "Request",
    "SlotData",
    "SlotRule",
    "Solution",
    "SolverSettings",
    "Status",
    "Tiers",
    "blocking_rule",
    "compatible",
    "compatible_slots",
    "evaluate",
    "first_come_first_served",
    "solve",
    "visit_exams",
    "visit_options",
]
