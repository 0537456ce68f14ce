"""The fourth tier: preferred centres, then earlier appointments.

Tiers 1 to 3 are optimised exactly; the fourth is improved afterwards by
moving bookings to free options of the same class, in order of arrival,
when the move honours the referral's preference or brings the appointment
earlier. A move never worsens tiers 1 to 3: the new option starts no later
than the old one, or, for a booking on time, still by its target.

This is a local search, not a proof: the fourth tier is not proven
optimal (the contract asks exactness of tiers 1 to 3 only).
"""

from __future__ import annotations

import time
from collections.abc import Mapping
from typing import Final

from cosen.optimizer.network import Catalog, Option
from cosen.optimizer.problem import Request, SlotData
from cosen.optimizer.result import Booking

__all__ = ["polish"]

# Options looked at per booking: keeps the pass linear on large instances.
_SCAN: Final = 400
_CHECK_EVERY: Final = 256


def polish(
    catalog: Catalog,
    bookings: Mapping[str, Booking],
    deadline: float | None = None,
) -> dict[str, Booking]:
    """Bookings with preferences honoured and appointments earlier where a
    free option allows, tiers 1 to 3 unchanged; the requests not reached
    by ``deadline`` (``time.monotonic()`` seconds) keep their bookings."""
    result = dict(bookings)
    nodes = catalog.nodes
    node_of = {
        slot.id: number
        for number, node in enumerate(nodes)
        for slot in node.slots
    }
    used = {slot.id for visit in result.values() for slot in visit}
    free = [[s for s in node.slots if s.id not in used] for node in nodes]
    class_of = {
        request.id: klass
        for klass in catalog.classes
        for request in klass.requests
    }
    pointers = {id(klass): 0 for klass in catalog.classes}
    for number, request in enumerate(catalog.problem.requests):
        if (
            deadline is not None
            and number % _CHECK_EVERY == 0
            and time.monotonic() > deadline
        ):
            break
        visit = result.get(request.id)
        if not visit:
            continue
        klass = class_of[request.id]
        options = klass.options
        start = pointers[id(klass)]
        while start < len(options) and not all(
            free[n] for n in options[start]
        ):
            start += 1
        pointers[id(klass)] = start
        current = tuple(node_of[s.id] for s in visit)
        best = _best_move(catalog, request, current, options[start:], free)
        if best is None:
            continue
        for slot in visit:
            free[node_of[slot.id]].append(slot)
        result[request.id] = tuple(free[n].pop() for n in best)
    return result


def _best_move(
    catalog: Catalog,
    request: Request,
    current: Option,
    options: list[Option],
    free: list[list[SlotData]],
) -> Option | None:
    """The free option that improves the fourth tier most, if any."""

    def score(option: Option) -> tuple[bool, int]:
        first = catalog.nodes[option[0]].first
        return (first.center not in request.preferred, first.start)

    now = catalog.start(current)
    # On time, any start up to the target keeps tiers 1-3; late, only an
    # earlier start does (and would not exist at the optimum).
    limit = max(now, request.target) if now <= request.target else now
    best, best_score = None, score(current)
    for option in options[:_SCAN]:
        if catalog.start(option) > limit:
            break
        if (
            option != current
            and all(free[n] for n in option)
            and catalog.allows(request, option)
        ):
            candidate = score(option)
            if candidate < best_score:
                best, best_score = option, candidate
    return best
