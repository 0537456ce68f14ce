"""First come, first served: what a telesecretariat does by hand.

Requests in order of arrival each take the earliest option (a slot, or a
one-trip visit) whose slots are all still free. It is the baseline shown to
users beside the optimizer, and a starting solution for CP-SAT.
"""

from __future__ import annotations

from cosen.optimizer.network import Catalog
from cosen.optimizer.problem import Problem
from cosen.optimizer.result import Booking

__all__ = ["first_come_first_served"]


def first_come_first_served(
    problem: Problem, catalog: Catalog | None = None
) -> dict[str, Booking]:
    """Book requests by rank, each into its earliest free option.

    Options are in the catalogue's order: by start, then slot node, a
    single slot before the visits that begin with it. A class's options
    are scanned from a pointer that only moves forward: an option with a
    full slot node never becomes free again. A patient of a relaxed
    catalogue skips, beyond it, the options they cannot come to.
    """
    catalog = catalog or Catalog.build(problem)
    pools = [list(reversed(node.slots)) for node in catalog.nodes]
    class_of = {
        request.id: number
        for number, klass in enumerate(catalog.classes)
        for request in klass.requests
    }
    pointers = [0] * len(catalog.classes)
    bookings: dict[str, Booking] = {}
    for request in problem.requests:  # by rank: Problem.build sorts them
        number = class_of[request.id]
        options = catalog.classes[number].options
        position = pointers[number]
        while position < len(options) and not all(
            pools[node] for node in options[position]
        ):
            position += 1
        pointers[number] = position
        while position < len(options) and not (
            catalog.allows(request, options[position])
            and all(pools[node] for node in options[position])
        ):
            position += 1
        if position < len(options):
            bookings[request.id] = tuple(
                pools[node].pop() for node in options[position]
            )
    return bookings
