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

On a relaxed catalogue (classes that ignore unavailability) a member may
have been given an option they cannot come to: each such booking is
swapped with the member (booked or not) whose exchange costs least, as
long as both may take what they get; a booking no exchange can save is
dropped. Tiers can only get worse than the flow's, so the flow's remain
a bound and the solution a true one.
"""

from __future__ import annotations

import heapq
from collections.abc import Mapping, Sequence

import numpy as np

from cosen.optimizer.network import Catalog, Network, Option, RequestClass
from cosen.optimizer.problem import Request, SlotData, available_at
from cosen.optimizer.result import Booking

__all__ = ["bookings_from_flows", "flows_from_bookings"]


def bookings_from_flows(
    network: Network, flows: Sequence[int]
) -> dict[str, Booking]:
    """Bookings carried by an integral flow (or a CP-SAT solution)."""
    catalog = network.catalog
    pools = [list(reversed(node.slots)) for node in catalog.nodes]
    bookings: dict[str, Booking] = {}
    weight = network.lateness_weight() if catalog.relaxed else 0
    for number, klass in enumerate(network.classes):
        leaving = _leaving(network, number, klass, flows)
        used: list[list[Option]] = [[] for _ in klass.times]
        for option, arc in sorted(network.option_arcs[number].items()):
            if flows[arc]:
                point = klass.point(catalog.start(option))
                used[point].extend([option] * flows[arc])
        pairs = {
            request_id: option
            for requests, options in zip(leaving, used, strict=True)
            for request_id, option in _match(network, requests, options)
        }
        if catalog.relaxed:
            pairs = _honour_unavailability(catalog, klass, pairs, weight)
        for request_id, option in pairs.items():
            bookings[request_id] = tuple(pools[n].pop() for n in option)
    return bookings


def _honour_unavailability(
    catalog: Catalog,
    klass: RequestClass,
    pairs: dict[str, Option],
    weight: int,
) -> dict[str, Option]:
    """The class's bookings with every member able to come to theirs.

    A member given an option they cannot come to exchanges it with the
    member whose exchange costs least (``weight`` per late booking plus
    the minutes), among those who may take it and whose option (or none)
    they may take; without such a member, the booking is dropped. Either
    way, a member whose exchange cost something is a conflict of the
    catalogue.
    """
    members = klass.requests
    held: list[Option | None] = [pairs.get(r.id) for r in members]
    restricted = [i for i, r in enumerate(members) if r.unavailable]
    wrong = [
        i
        for i in restricted
        if (option := held[i]) is not None
        and not catalog.allows(members[i], option)
    ]
    if not wrong:
        return pairs
    # Each member's option as the starts of its slots (padded with the
    # first; -1 without a booking, which no unavailability holds).
    width = max(len(o) for o in klass.options)
    slots = np.full((len(members), width), -1, dtype=np.int64)
    for i, option in enumerate(held):
        if option is not None:
            slots[i] = _starts(catalog, option, width)
    targets = np.array([r.target for r in members], dtype=np.int64)
    owners = np.array(
        [i for i in restricted for _ in members[i].unavailable],
        dtype=np.int64,
    )
    periods = np.array(
        [p for i in restricted for p in members[i].unavailable],
        dtype=np.int64,
    ).reshape(-1, 2)
    for i in wrong:
        option = held[i]
        if option is None or catalog.allows(members[i], option):
            continue  # put right by an earlier exchange
        starts = slots[:, 0]
        booked = starts >= 0
        mine = _costs(np.int64(catalog.start(option)), targets, weight)
        theirs = np.where(booked, _costs(starts, targets, weight), 0)
        swapped = np.where(
            booked, _costs(starts, np.int64(members[i].target), weight), 0
        )
        delta = mine + swapped - mine[i] - theirs
        able = np.ones(len(members), dtype=bool)
        for first, end in members[i].unavailable:
            able &= ~((slots >= first) & (slots < end)).any(axis=1)
        ours = _starts(catalog, option, width)
        hit = (
            (ours[None, :] >= periods[:, :1])
            & (ours[None, :] < periods[:, 1:])
        ).any(axis=1)
        able[owners[hit]] = False
        able[i] = False
        if not able.any():
            catalog.conflicts.add(members[i].id)
            held[i] = None
            slots[i] = -1
            continue
        j = int(np.flatnonzero(able)[np.argmin(delta[able])])
        if delta[j] > 0:
            catalog.conflicts.add(members[i].id)
        held[i], held[j] = held[j], option
        slots[[i, j]] = slots[[j, i]]
    return {
        r.id: option
        for r, option in zip(members, held, strict=True)
        if option is not None
    }


def _starts(catalog: Catalog, option: Option, width: int) -> np.ndarray:
    """Starts of an option's slots, padded with the first to ``width``."""
    starts = [catalog.nodes[n].first.start for n in option]
    return np.array(starts + starts[:1] * (width - len(starts)))


def _costs(
    starts: np.ndarray | np.int64,
    targets: np.ndarray | np.int64,
    weight: int,
) -> np.ndarray:
    """Cost of starting at ``starts`` for these targets: ``weight`` if
    late, plus the minutes late."""
    late = np.maximum(starts - targets, 0)
    return np.asarray(late + weight * (late > 0), dtype=np.int64)


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
    relaxed = network.catalog.relaxed
    pool: list[tuple[int, int, str, Request]] = []
    for i in reversed(range(count)):
        for r in on_time[i]:
            heapq.heappush(pool, (-r.target, -r.rank, r.id, r))
        leaving[i] += _take(pool, units[i][0], klass.times[i], relaxed)
    pool = []
    for i in range(count):
        for r in late[i]:
            heapq.heappush(pool, (r.target, r.rank, r.id, r))
        leaving[i] += _take(pool, units[i][1], klass.times[i], relaxed)
    return leaving


def _take(
    pool: list[tuple[int, int, str, Request]],
    count: int,
    moment: int,
    relaxed: frozenset[str],
) -> list[Request]:
    """The first ``count`` requests of ``pool`` (a heap), passing over the
    relaxed ones who cannot come at ``moment`` while others can.

    Which requests of the pool leave costs the same: all are on time
    there (on-time chain), or all late and their minutes add up to the
    same (late chain). So passing over costs nothing.
    """
    taken: list[Request] = []
    passed: list[tuple[int, int, str, Request]] = []
    while len(taken) < count and pool:
        entry = heapq.heappop(pool)
        request = entry[-1]
        if request.id in relaxed and not available_at(request, moment):
            passed.append(entry)
        else:
            taken.append(request)
    for entry in passed:
        if len(taken) < count:
            taken.append(entry[-1])
        else:
            heapq.heappush(pool, entry)
    if len(taken) < count:
        raise RuntimeError("flow is not conserved along a chain")
    return taken


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
    catalog = network.catalog
    nodes = catalog.nodes
    free = list(options)
    matched = []
    for request in sorted(requests, key=lambda r: (not r.preferred, r.rank)):
        # A visit of a relaxed catalogue may have a later slot the patient
        # cannot come to: another one, if any, else the exchange's turn.
        able = (
            [o for o in free if catalog.allows(request, o)] or free
            if request.id in catalog.relaxed
            else free
        )
        choice = next(
            (o for o in able if nodes[o[0]].first.center in request.preferred),
            able[0],
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
