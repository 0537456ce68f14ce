"""Turn network flows into bookings, and bookings into flows.

Any integral flow decomposes into bookings of the same total cost (tiers 1
to 3 do not depend on which request takes which unit). The choices left
free serve the fourth tier, as a telesecretariat would:

- on-time requests: walking each class's points from the latest down, the
  requests with the latest targets leave first, so the most urgent get the
  earliest slots (earlier arrivals first among equal targets);
- late requests: walking up, the most overdue leave first, which spreads
  lateness rather than piling it on one patient;
- at a point, requests with a preferred centre get an option there when
  one is used.
"""

from __future__ import annotations

import heapq
from collections.abc import Mapping, Sequence

from cosen.optimizer.network import Network, Option, RequestClass
from cosen.optimizer.problem import Request, SlotData
from cosen.optimizer.result import Booking

__all__ = ["bookings_from_flows", "flows_from_bookings"]


def bookings_from_flows(
    network: Network, flows: Sequence[int]
) -> dict[str, Booking]:
    """Bookings carried by an integral flow (or a CP-SAT solution)."""
    catalog = network.catalog
    pools = [list(reversed(node.slots)) for node in catalog.nodes]
    bookings: dict[str, Booking] = {}
    for number, klass in enumerate(network.classes):
        leaving = _leaving(network, number, klass, flows)
        used: list[list[Option]] = [[] for _ in klass.times]
        for option, arc in sorted(network.option_arcs[number].items()):
            if flows[arc]:
                point = klass.point(catalog.start(option))
                used[point].extend([option] * flows[arc])
        for requests, options in zip(leaving, used, strict=True):
            for request_id, option in _match(network, requests, options):
                bookings[request_id] = tuple(pools[n].pop() for n in option)
    return bookings


def _leaving(
    network: Network,
    number: int,
    klass: RequestClass,
    flows: Sequence[int],
) -> list[list[Request]]:
    """Which requests leave each point of a class's chains."""
    count = len(klass.times)
    on_time: list[list[Request]] = [[] for _ in range(count)]
    late: list[list[Request]] = [[] for _ in range(count)]
    for group in network.groups[number]:
        # Members are alike but for their targets: a late arc's units go
        # to the requests of its target, the on-time units to the first
        # arrived among the others.
        left = {target: flows[arc] for target, arc in group.late.items()}
        others = []
        for request in group.requests:
            if left.get(request.target, 0) > 0:
                left[request.target] -= 1
                late[_index(klass.late_point(request))].append(request)
            else:
                others.append(request)
        if group.on_time is not None:
            for request in others[: flows[group.on_time]]:
                on_time[_index(klass.on_time_point(request))].append(request)
    leaving: list[list[Request]] = [[] for _ in range(count)]
    units = network.leaving(number, flows)
    pool: list[tuple[int, int, str, Request]] = []
    for i in reversed(range(count)):
        for r in on_time[i]:
            heapq.heappush(pool, (-r.target, -r.rank, r.id, r))
        leaving[i] += [heapq.heappop(pool)[-1] for _ in range(units[i][0])]
    pool = []
    for i in range(count):
        for r in late[i]:
            heapq.heappush(pool, (r.target, r.rank, r.id, r))
        leaving[i] += [heapq.heappop(pool)[-1] for _ in range(units[i][1])]
    return leaving


def _index(point: int | None) -> int:
    if point is None:
        raise RuntimeError("flow enters a chain where it has no point")
    return point


def _match(
    network: Network, requests: list[Request], options: list[Option]
) -> list[tuple[str, Option]]:
    """Pair requests with options at one point, honouring preferences."""
    if len(requests) != len(options):
        raise RuntimeError("flow is not conserved at a point")
    nodes = network.catalog.nodes
    free = list(options)
    matched = []
    for request in sorted(requests, key=lambda r: (not r.preferred, r.rank)):
        choice = next(
            (o for o in free if nodes[o[0]].first.center in request.preferred),
            free[0],
        )
        free.remove(choice)
        matched.append((request.id, choice))
    return matched


def flows_from_bookings(
    network: Network, bookings: Mapping[str, Booking]
) -> list[int]:
    """Encode bookings of the network's requests as arc flows (a hint).

    Each booked request enters its class's on-time chain if its visit
    starts by its target, else the late chain, then runs along the chain to
    the visit's point and leaves through the visit's option arc, which is
    added to the network if missing.
    """
    node_of = {
        slot.id: number
        for number, node in enumerate(network.catalog.nodes)
        for slot in node.slots
    }
    arcs: list[int] = []
    for number, klass in enumerate(network.classes):
        for request in klass.requests:
            visit: Sequence[SlotData] = bookings.get(request.id, ())
            if not visit:
                continue
            point = klass.point(visit[0].start)
            late = visit[0].start > request.target
            option = tuple(node_of[s.id] for s in visit)
            arc = network.add_option(number, option)
            arcs += network.route(number, request, point, late)
            arcs += [arc, *network.visit_slot_arcs.get(arc, [])]
    flows = [0] * network.arc_count
    for arc in arcs:
        flows[arc] += 1
    return flows
