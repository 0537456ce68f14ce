"""Solve a problem: split, pick the right method per part, assemble.

1. Split the problem into independent exam families (``components``).
2. A family without multi-slot visits is a plain network: the min-cost
   flow solves it exactly.
3. A family with visits gets two flows that sandwich its optimum (relaxed
   and restricted, see ``flow.py``); first come, first served may beat the
   restricted one. If the best of them reaches the relaxed bound, it is
   optimal. Otherwise the LP relaxation (``lp.py``) usually proves an
   integral optimum; if its solution is fractional, a flow that forces its
   rounded visits often reaches its bound, which proves it optimal. If not,
   CP-SAT (``model.py``) solves the formulation from the best solution and
   the tightest bound known.
4. The fourth tier (preferred centres, earlier appointments) is improved
   by local moves that keep tiers 1 to 3 (``polish.py``).
5. The bookings are checked against every rule, their tiers recomputed.
"""

from __future__ import annotations

import time
from collections import Counter
from dataclasses import dataclass

from cosen.optimizer.decompose import bookings_from_flows, flows_from_bookings
from cosen.optimizer.flow import FlowMode, flow_tiers, solve_flow
from cosen.optimizer.formulation import Formulation
from cosen.optimizer.greedy import first_come_first_served
from cosen.optimizer.lp import rounded_visits, solve_lp
from cosen.optimizer.model import CpSatModel
from cosen.optimizer.network import Network, components
from cosen.optimizer.polish import polish
from cosen.optimizer.problem import Problem
from cosen.optimizer.result import (
    Booking,
    InvalidSolution,
    Solution,
    Status,
    Tiers,
    evaluate,
    verify,
)

__all__ = ["SolverSettings", "fcfs_solution", "solve"]


@dataclass(frozen=True)
class SolverSettings:
    """How long and how to search.

    Attributes
    ----------
    time_limit
        Wall-clock seconds for the whole solve; the best solution found by
        then is returned, with status FEASIBLE if not proven optimal.
    seed
        CP-SAT's random seed.
    workers
        CP-SAT search workers (one per core is a good default).
    """

    time_limit: float = 30.0
    seed: int = 0
    workers: int = 2

    def __post_init__(self) -> None:
        if self.time_limit <= 0:
            raise ValueError("time limit must be positive")
        if self.workers < 1:
            raise ValueError("at least one worker")


@dataclass
class _Part:
    bookings: dict[str, Booking]
    bound: Tiers
    method: str
    optimal: bool = True


def solve(
    problem: Problem, settings: SolverSettings | None = None
) -> Solution:
    """Book as many requests as possible, as early as their targets allow.

    Returns a verified solution; its status is OPTIMAL when tiers 1 to 3
    are proven optimal.
    """
    settings = settings or SolverSettings()
    started = time.monotonic()
    deadline = started + settings.time_limit
    parts = [
        Network.build(part)
        for part in components(problem)
        if part.requests and part.slots
    ]
    # Plain networks first: they are quick, and what is left of the time
    # goes to the parts with visits.
    parts.sort(key=lambda n: (n.has_visits, n.arc_count))
    bookings: dict[str, Booking] = {}
    bound = Tiers()
    methods: Counter[str] = Counter()
    optimal = True
    for number, network in enumerate(parts):
        remaining = max(0.0, deadline - time.monotonic())
        share = remaining / (len(parts) - number)
        part = _solve_part(network, share, settings)
        bookings |= polish(network.catalog, part.bookings)
        bound += part.bound
        methods[part.method] += 1
        optimal = optimal and part.optimal
    verify(problem, bookings)
    tiers = evaluate(problem, bookings)
    if optimal and tiers != bound:
        raise InvalidSolution(f"tiers {tiers} differ from the optimum {bound}")
    return Solution(
        Status.OPTIMAL if optimal else Status.FEASIBLE,
        bookings,
        tiers,
        tiers if optimal else bound,
        time.monotonic() - started,
        dict(methods),
    )


def _solve_part(
    network: Network, time_limit: float, settings: SolverSettings
) -> _Part:
    if not network.has_visits:
        flows = solve_flow(network)
        return _Part(
            bookings_from_flows(network, flows),
            flow_tiers(network, flows),
            "flow",
        )
    deadline = time.monotonic() + time_limit
    bound = flow_tiers(network, solve_flow(network, FlowMode.RELAXED))
    start = _best_start(network)
    start_tiers = flow_tiers(network, start)
    if start_tiers == bound:
        return _Part(bookings_from_flows(network, start), bound, "flow")
    form = Formulation(network)
    lp = solve_lp(form, bound, max(0.0, deadline - time.monotonic()))
    if lp.flows is not None:
        return _Part(bookings_from_flows(network, lp.flows), lp.bound, "lp")
    bound = lp.bound
    if lp.values is not None:
        repaired = solve_flow(
            network, FlowMode.RESTRICTED, rounded_visits(form, lp.values)
        )
        repaired_tiers = flow_tiers(network, repaired)
        if repaired_tiers == bound:
            return _Part(bookings_from_flows(network, repaired), bound, "lp")
        if repaired_tiers.key() < start_tiers.key():
            start = repaired
    result = CpSatModel(form).solve(
        max(0.01, deadline - time.monotonic()),
        start,
        bound,
        settings.seed,
        settings.workers,
    )
    return _Part(
        bookings_from_flows(network, result.flows),
        result.bound,
        "cp-sat",
        result.status is Status.OPTIMAL,
    )


def _best_start(network: Network) -> list[int]:
    """The restricted flow, or first come first served if it is better."""
    restricted = solve_flow(network, FlowMode.RESTRICTED)
    greedy = first_come_first_served(network.problem, network.catalog)
    if (
        evaluate(network.problem, greedy).key()
        < flow_tiers(network, restricted).key()
    ):
        return flows_from_bookings(network, greedy)
    return restricted


def fcfs_solution(problem: Problem, bookings: dict[str, Booking]) -> Solution:
    """First come, first served bookings as a solution (status FEASIBLE,
    no bound beyond its own tiers: it proves nothing)."""
    started = time.monotonic()
    verify(problem, bookings)
    tiers = evaluate(problem, bookings)
    return Solution(
        Status.FEASIBLE,
        bookings,
        tiers,
        tiers,
        time.monotonic() - started,
        {"fcfs": 1},
    )
