"""Min-cost flow over the network: exact without visits, bounds with them.

A maximum flow of minimum cost books the most requests (tier 1) and, among
those, minimises ``W * late + minutes`` where ``W`` outweighs any total of
minutes (tiers 2 and 3), so the flow's optimum is the lexicographic optimum.

When some options are multi-slot visits the network is no longer a plain
flow network, and the flow gives two bounds that sandwich the optimum:

- *relaxed*: a visit occupies only its first slot. Every true solution is
  feasible here, so its tiers are at least as good as the optimum's; so are
  those of the relaxed flow that books exactly the optimum of tier 1, among
  the solutions that book that many (a bound on tiers 2 and 3).
- *restricted*: visits are not offered, or only those forced in (rounded
  from an LP). Its solution is a true solution.

A relaxed flow is a relaxation even if the network holds only one visit
per class and first slot (the others occupy the same first slot).
"""

from __future__ import annotations

import enum
from collections.abc import Mapping

import numpy as np
from ortools.graph.python import min_cost_flow

from cosen.optimizer.network import SINK, SOURCE, ArcKind, Network
from cosen.optimizer.result import Tiers

__all__ = ["FlowMode", "flow_tiers", "solve_flow"]


class FlowMode(enum.Enum):
    """Which flow problem to solve on a network."""

    EXACT = "exact"
    """All arcs as built: exact when the network has no visits."""
    RELAXED = "relaxed"
    """A visit occupies only its first slot: an optimistic bound."""
    RESTRICTED = "restricted"
    """No visits: a feasible solution."""


def solve_flow(
    network: Network,
    mode: FlowMode = FlowMode.EXACT,
    visits: Mapping[int, int] | None = None,
    units: int | None = None,
) -> list[int]:
    """Solve the max-flow min-cost problem; return each arc's flow.

    Parameters
    ----------
    network
        The network.
    mode
        Which problem (see :class:`FlowMode`).
    visits
        With :attr:`FlowMode.RESTRICTED`, visits to book anyway: units on
        visit option arcs (e.g. rounded from the LP). Their slots are taken
        out of the slot nodes and an arc from their point to the sink,
        paid four times a late booking and a request's lateness, carries
        them (as many as the chains bring there: the flow stays a valid
        solution either way). A weight that no rerouting could ever
        outweigh would overflow the solver's costs at N = 20,000.
    units
        Book exactly this many requests (at most the maximum flow) at
        least cost, instead of as many as possible: with
        :attr:`FlowMode.RELAXED` and the proven optimum of tier 1, a bound
        on tiers 2 and 3.

    Raises
    ------
    RuntimeError
        If OR-Tools does not report an optimal flow (a bug: the empty flow
        is always feasible and costs are bounded).
    """
    if mode is FlowMode.EXACT and network.has_visits:
        raise ValueError("a network with visits needs CP-SAT to be exact")
    visits = {arc: count for arc, count in (visits or {}).items() if count}
    caps = np.array(network.caps, dtype=np.int64)
    if mode is FlowMode.RESTRICTED:
        caps[list(network.visit_slot_arcs)] = 0
        caps[[a for arcs in network.visit_slot_arcs.values()
              for a in arcs]] = 0  # fmt: skip
    elif mode is FlowMode.RELAXED:
        extra = [arc for arcs in network.visit_slot_arcs.values()
                 for arc in arcs[1:]]  # fmt: skip
        caps[extra] = 0
    weight = network.lateness_weight()
    costs = np.array(network.late, dtype=np.int64) * weight + np.array(
        network.minutes, dtype=np.int64
    )
    tails = np.array(network.tails, dtype=np.int32)
    heads = np.array(network.heads, dtype=np.int32)
    demand = len(network.problem.requests) if units is None else units
    forced = list(visits)
    if forced:
        slot_arc = {network.tails[a]: a for a in network.slot_arcs}
        for arc, count in visits.items():
            for used in network.visit_slot_arcs[arc]:
                caps[slot_arc[network.heads[used]]] -= count
        bonus = 4 * (weight + max(network.minutes, default=0) + 1)
        tails = np.append(tails, [network.tails[a] for a in forced])
        heads = np.append(heads, [SINK] * len(forced))
        caps = np.append(caps, [visits[a] for a in forced])
        costs = np.append(costs, [network.minutes[a] - bonus for a in forced])
    # Arcs that can carry nothing only slow the solver down.
    kept = np.flatnonzero(caps > 0)
    solver = min_cost_flow.SimpleMinCostFlow()
    solver.add_arcs_with_capacity_and_unit_cost(
        tails[kept], heads[kept], caps[kept], costs[kept]
    )
    solver.set_nodes_supplies(
        np.array([SOURCE, SINK], dtype=np.int32),
        np.array([demand, -demand], dtype=np.int64),
    )
    status = (
        solver.solve_max_flow_with_min_cost()
        if units is None
        else solver.solve()
    )
    if status != solver.OPTIMAL:
        raise RuntimeError(f"min-cost flow failed with status {status}")
    values = np.zeros(len(caps), dtype=np.int64)
    values[kept] = solver.flows(np.arange(len(kept)))
    flows = [int(v) for v in values[: network.arc_count]]
    for position, arc in enumerate(forced, start=network.arc_count):
        flows[arc] = int(values[position])
        for used in network.visit_slot_arcs[arc]:
            flows[used] = int(values[position])
    return flows


def flow_tiers(network: Network, flows: list[int]) -> Tiers:
    """Tiers of a flow, read from its arcs (for bounds only)."""
    booked = late = minutes = 0
    for arc, value in enumerate(flows):
        if not value:
            continue
        kind = network.kinds[arc]
        if kind is ArcKind.BOOK:
            booked += value
        late += value * network.late[arc]
        minutes += value * network.minutes[arc]
    return Tiers(booked, late, minutes)
