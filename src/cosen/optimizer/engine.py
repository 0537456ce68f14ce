"""Solve a problem: split, pick the right method per part, assemble.

1. Split the problem into independent exam families (``components``) and
   catalogue each: slot nodes, request classes, their options
   (``network.py``).
2. A family without multi-slot visits is a plain network: the min-cost
   flow solves it exactly.
3. A family with visits starts from first come, first served and tightens
   a solution and a bound, cheapest first, until they meet or time is up:

   a. the restricted flow (no visits, see ``flow.py``): a solution;
   b. the booking LP (``lp.py``): a bound on tier 1, whose visits, forced
      into a flow, give a solution;
   c. the lexicographic LP: an integral optimum is proven, a fractional
      one is rounded (its visits) and repaired by a flow. When tier 1 is
      proven but the LP cannot finish in time, the relaxed flow that books
      exactly the optimum of tier 1 bounds tiers 2 and 3 instead;
   d. CP-SAT (``model.py``) from the best solution and bound known, when
      the part is small enough to give it every option.

   A large part's network holds every single slot but only one visit per
   class and first slot (enough for the relaxed flow, which books only a
   visit's first slot); the LPs add the visits they price as improving.
4. The fourth tier (preferred centres, earlier appointments) is improved
   by local moves that keep tiers 1 to 3 (``polish.py``).
5. The bookings are checked against every rule, their tiers recomputed.

A part where patients have unavailability is first solved with it
relaxed (``network.py``): its bound holds, its bookings honour it; when
they fall short of the bound because of it, the patients it cost are
given classes of their own and the part is solved again on the refined
network, from the best solution and bound so far.

Every step runs within the time limit: enumeration, the LPs, CP-SAT and
polish stop at the deadline; a flow, which cannot be interrupted, and the
building of the lexicographic LP only start when their size says they end
in time. The answer is the best solution found (never worse than first
come, first served), with the tightest bound proven.
"""

from __future__ import annotations

import time
from collections import Counter
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from typing import Final

from cosen.optimizer.decompose import bookings_from_flows, flows_from_bookings
from cosen.optimizer.flow import FlowMode, flow_tiers, solve_flow
from cosen.optimizer.formulation import Formulation
from cosen.optimizer.greedy import first_come_first_served
from cosen.optimizer.lp import (
    OptionPool,
    rounded_visits,
    solve_booking_lp,
    solve_lp,
)
from cosen.optimizer.network import (
    Catalog,
    Network,
    Option,
    RequestClass,
    components,
)
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

# A part with more options than this gets a working set of columns, and
# no CP-SAT (which needs every option to prove anything).
_ALL_OPTIONS: Final = 25_000
# Seconds a min-cost flow takes per arc that can carry flow, generously
# (measured up to 3.7e-5 on 2 shared cores at N = 20,000).
_FLOW_SECONDS_PER_ARC: Final = 4e-5
# Seconds it takes to build an LP or CP-SAT model, per network arc,
# generously (measured 5e-6 to 1.2e-5).
_BUILD_SECONDS_PER_ARC: Final = 2e-5


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
    catalogs = [
        Catalog.build(part, {r.id for r in part.requests if r.unavailable})
        for part in components(problem)
        if part.requests and part.slots
    ]
    # Plain parts first: they are quick, and what is left of the time
    # goes to the parts with visits.
    catalogs.sort(key=lambda c: (_has_visits(c), _option_count(c)))
    bookings: dict[str, Booking] = {}
    bound = Tiers()
    methods: Counter[str] = Counter()
    optimal = True
    for number, catalog in enumerate(catalogs):
        remaining = max(0.0, deadline - time.monotonic())
        share = time.monotonic() + remaining / (len(catalogs) - number)
        part, network = _solve_part(catalog, share, settings)
        while catalog.relaxed and not part.optimal:
            # Keep the unavailability of the requests that cost something
            # (of every one when none did: the catalogue is then exact).
            kept = catalog.conflicts or catalog.relaxed
            catalog = catalog.tightened(kept)
            part, network = _solve_part(
                catalog, share, settings, part, network
            )
        if part.method == "greedy" and not _prefers(catalog):
            # First come, first served leaves no option free that starts
            # before a booking of its class: only a preference could gain.
            bookings |= part.bookings
        else:
            bookings |= polish(catalog, part.bookings, deadline)
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


def _prefers(catalog: Catalog) -> bool:
    """Whether some request of the part has a preferred centre."""
    return any(request.preferred for request in catalog.problem.requests)


def _has_visits(catalog: Catalog) -> bool:
    return any(len(o) > 1 for k in catalog.classes for o in k.options)


def _option_count(catalog: Catalog) -> int:
    return sum(len(k.options) for k in catalog.classes)


class _Search:
    """The best solution and the tightest bound of one part so far."""

    def __init__(
        self, catalog: Catalog, deadline: float, known: _Part | None = None
    ) -> None:
        self.catalog = catalog
        self.deadline = deadline
        self.bound = _trivial_bound(catalog)
        if known is None:
            self.bookings = first_come_first_served(catalog.problem, catalog)
            self.method = "greedy"
        else:
            # Never worse than first come, first served, which began it.
            self.bookings, self.method = known.bookings, known.method
            self.tighten(known.bound)
        self.tiers = evaluate(catalog.problem, self.bookings)

    @property
    def closed(self) -> bool:
        return self.tiers == self.bound

    def offer(self, bookings: Mapping[str, Booking], method: str) -> None:
        """Keep ``bookings`` if better than the best so far."""
        tiers = evaluate(self.catalog.problem, bookings)
        if tiers.key() < self.tiers.key():
            self.bookings, self.tiers, self.method = (
                dict(bookings), tiers, method
            )  # fmt: skip

    def tighten(self, bound: Tiers) -> None:
        """Keep the tighter of two valid lexicographic bounds."""
        if bound.key() > self.bound.key():
            self.bound = bound

    def part(self) -> _Part:
        closed = self.closed
        return _Part(
            self.bookings, self.tiers if closed else self.bound,
            self.method, closed,
        )  # fmt: skip

    def affords(self, seconds: float) -> bool:
        """Whether ``seconds`` of work end before the deadline."""
        return time.monotonic() + seconds < self.deadline

    def fits(self, network: Network, mode: FlowMode) -> bool:
        """Whether a flow on ``network`` surely ends before the deadline."""
        return self.affords(_flow_seconds(network, mode))

    def left(self) -> bool:
        return time.monotonic() < self.deadline


def _flow_seconds(network: Network, mode: FlowMode) -> float:
    """A generous estimate of a flow's duration on ``network``."""
    visits = network.visit_slot_arcs
    idle = (
        sum(1 + len(arcs) for arcs in visits.values())
        if mode is FlowMode.RESTRICTED
        else sum(len(arcs) - 1 for arcs in visits.values())
    )
    return (network.arc_count - idle) * _FLOW_SECONDS_PER_ARC


def _building(network: Network, options_only: bool = False) -> float:
    """A generous estimate of the time to build an LP or CP-SAT model of
    ``network`` (which cannot be interrupted), or the booking LP, which
    only has the options."""
    arcs = (
        sum(map(len, network.option_arcs))
        if options_only
        else network.arc_count
    )
    return arcs * _BUILD_SECONDS_PER_ARC


def _trivial_bound(catalog: Catalog) -> Tiers:
    """Every request that has an option booked, each no later than the
    first option of its class (or every slot used, if fewer)."""
    reachable = [
        (request, klass.times[0])
        for klass in catalog.classes
        if klass.options
        for request in klass.requests
    ]
    slots = sum(node.capacity for node in catalog.nodes)
    if len(reachable) > slots:
        return Tiers(slots, 0, 0)
    # Booking every reachable request books each of them: none can be
    # less late than its first option makes it.
    delays = [
        first - request.target
        for request, first in reachable
        if first > request.target
    ]
    return Tiers(len(reachable), len(delays), sum(delays))


def _solve_part(
    catalog: Catalog,
    deadline: float,
    settings: SolverSettings,
    known: _Part | None = None,
    network: Network | None = None,
) -> tuple[_Part, Network | None]:
    """The best solution and bound of one part by ``deadline``, from what
    is ``known`` (a solution and a bound) if anything, with its network:
    ``network`` refined if given (the network of the catalogue that
    ``catalog`` tightens)."""
    search = _Search(catalog, deadline, known)
    if search.closed:
        # First come, first served (or what was known) meets the trivial
        # bound: every reachable request booked, each at its first option
        # or on time. No network needed.
        return search.part(), network
    visits = _has_visits(catalog)
    # A tightened catalogue only has more options: a network that held
    # them all may now hold a working set too, never the reverse.
    everything = _option_count(catalog) <= _ALL_OPTIONS
    chooser = None if everything or not visits else _working_set
    if network is None:
        network = Network.build(catalog, chooser)
    else:
        network.refine(catalog, chooser)
    return _search(search, network, settings, everything), network


def _search(
    search: _Search,
    network: Network,
    settings: SolverSettings,
    everything: bool,
) -> _Part:
    """Tighten the solution and bound of one part on its network."""
    catalog = network.catalog
    visits = _has_visits(catalog)
    if not visits:
        if search.fits(network, FlowMode.EXACT):
            flows = solve_flow(network)
            search.offer(bookings_from_flows(network, flows), "flow")
            search.tighten(flow_tiers(network, flows))
        return search.part()
    pool = None if everything else OptionPool(network)
    for step in (_flows, _booking, _lexicographic):
        step(search, network, pool)
        # On a relaxed catalogue, a conflict says the relaxation is what
        # keeps solution and bound apart: a tighter one does better than
        # more search.
        if search.closed or not search.left() or catalog.conflicts:
            return search.part()
    if everything and search.affords(_building(network)):
        _cp_sat(search, network, settings)
    return search.part()


def _working_set(number: int, klass: RequestClass) -> Iterable[Option]:
    """Every single slot, and the first visit from each first slot."""
    firsts: set[int] = set()
    for option in klass.options:
        if len(option) == 1:
            yield option
        elif option[0] not in firsts:
            firsts.add(option[0])
            yield option


def _flows(search: _Search, network: Network, pool: OptionPool | None) -> None:
    """The restricted flow: a solution without visits."""
    if search.fits(network, FlowMode.RESTRICTED):
        restricted = solve_flow(network, FlowMode.RESTRICTED)
        search.offer(bookings_from_flows(network, restricted), "flow")


def _booking(
    search: _Search, network: Network, pool: OptionPool | None
) -> None:
    """Tier 1 bound from the booking LP, its visits repaired by a flow."""
    if not search.affords(_building(network, options_only=True)):
        return
    lp = solve_booking_lp(network, search.deadline, pool)
    if lp.booked is not None:
        search.tighten(search.bound.tightened(0, lp.booked))
        _repair(search, network, lp.values)


def _repair(
    search: _Search, network: Network, values: dict[int, float]
) -> None:
    if search.fits(network, FlowMode.RESTRICTED):
        flows = solve_flow(
            network, FlowMode.RESTRICTED, rounded_visits(network, values)
        )
        search.offer(bookings_from_flows(network, flows), "lp")


def _lexicographic(
    search: _Search, network: Network, pool: OptionPool | None
) -> None:
    """The lexicographic LP, leaving time for the relaxed flow that books
    exactly the proven optimum of tier 1 (a bound on tiers 2 and 3).

    Building the LP cannot be interrupted: it only starts if it ends in
    time.
    """
    relaxed = search.tiers.booked == search.bound.booked
    reserve = _flow_seconds(network, FlowMode.RELAXED) if relaxed else 0.0
    solved = 0
    if search.affords(reserve + _building(network)):
        form = Formulation(network, every_capacity=pool is not None)
        lp = solve_lp(form, search.bound, search.deadline - reserve, pool)
        search.tighten(lp.bound)
        solved = lp.solved
        if lp.flows is not None:
            search.offer(bookings_from_flows(network, lp.flows), "lp")
        elif lp.values is not None:
            _repair(search, network, lp.values)
    # The LP is the tighter relaxation: the flow can only help with the
    # stages it did not finish. Its time was kept (the estimate is twice
    # the measured duration, so half of it is enough if the LP overran).
    if (
        relaxed
        and solved < 3
        and not search.closed
        and search.affords(reserve / 2)
    ):
        flows = solve_flow(
            network, FlowMode.RELAXED, units=search.bound.booked
        )
        search.tighten(flow_tiers(network, flows))


def _cp_sat(
    search: _Search, network: Network, settings: SolverSettings
) -> None:
    """CP-SAT over every option, from the best solution and bound."""
    # Imported on first use: CP-SAT loads pandas (a third of a second),
    # which most allocations, and the simulator's workers, never need.
    from cosen.optimizer.model import CpSatModel

    start = flows_from_bookings(network, search.bookings)
    result = CpSatModel(Formulation(network)).solve(
        max(0.01, search.deadline - time.monotonic()),
        start,
        search.bound,
        settings.seed,
        settings.workers,
    )
    search.offer(bookings_from_flows(network, result.flows), "cp-sat")
    # What CP-SAT proves is its flow's tiers (on a relaxed catalogue its
    # bookings may be worse): its bound holds them when it is optimal.
    search.tighten(result.bound)


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
