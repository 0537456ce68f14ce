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
        point = 0
        for option, arc in zip(
            klass.options, network.option_arcs[number], strict=True
        ):
            if flows[arc]:
                while klass.times[point] < catalog.start(option):
                    point += 1
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
    for request in klass.requests:
        for arc in network.entry_arcs[request.id]:
            if not flows[arc]:
                continue
            if network.late[arc]:
                late[_index(klass.late_point(request))].append(request)
            else:
                on_time[_index(klass.on_time_point(request))].append(request)
    leaving: list[list[Request]] = [[] for _ in range(count)]
    exits = network.exit_arcs[number]
    pool: list[tuple[int, int, str, Request]] = []
    for i in reversed(range(count)):
        for r in on_time[i]:
            heapq.heappush(pool, (-r.target, -r.rank, r.id, r))
        leaving[i] += [
            heapq.heappop(pool)[-1] for _ in _units(flows, exits[i][0])
        ]
    pool = []
    for i in range(count):
        for r in late[i]:
            heapq.heappush(pool, (r.target, r.rank, r.id, r))
        leaving[i] += [
            heapq.heappop(pool)[-1] for _ in _units(flows, exits[i][1])
        ]
    return leaving


def _units(flows: Sequence[int], arc: int | None) -> range:
    return range(flows[arc] if arc is not None else 0)


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
    the visit's point and leaves through the visit's option arc.
    """
    node_of = {
        slot.id: number
        for number, node in enumerate(network.catalog.nodes)
        for slot in node.slots
    }
    flows = [0] * network.arc_count
    for number, klass in enumerate(network.classes):
        option_arc = dict(
            zip(klass.options, network.option_arcs[number], strict=True)
        )
        for request in klass.requests:
            visit: Sequence[SlotData] = bookings.get(request.id, ())
            if not visit:
                continue
            point = klass.times.index(visit[0].start)
            late = int(visit[0].start > request.target)
            entry = next(
                a for a in network.entry_arcs[request.id]
                if network.late[a] == late
            )  # fmt: skip
            flows[entry] += 1
            flows[network.book_arcs[request.id]] += 1
            arc = option_arc[tuple(node_of[s.id] for s in visit)]
            flows[arc] += 1
            for slot_arc in network.visit_slot_arcs.get(arc, []):
                flows[slot_arc] += 1
            chain = network.chain_arcs[number][late]
            if late:
                steps = range(_index(klass.late_point(request)), point)
            else:
                steps = range(_index(klass.on_time_point(request)), point, -1)
            for i in steps:
                flows[_index(chain[i])] += 1
            flows[_index(network.exit_arcs[number][point][late])] += 1
    return flows
