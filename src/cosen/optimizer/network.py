"""A compact flow network that holds every booking rule.

Why a network and not one variable per (request, slot) pair: compatible
pairs grow like the square of the instance (0.15 N² measured), which CP-SAT
cannot hold at N = 5000. Three aggregations keep the network small:

- *slot nodes*: identical slots (same centre, times, exams and flags) form
  one node whose capacity is their number;
- *classes*: requests that the rules treat alike (same exams, same
  accessibility need, same child status over the horizon, same earliest
  start, same declined slots, same unavailability) share their compatible
  *options* (a slot
  node, or the slot nodes of a multi-slot one-trip visit), sorted by start
  time; each distinct start time is a *point*;
- *chains*: each class has two chains over its points.

  - The on-time chain ``A``: a request enters at the last point not after
    its target and flows back in time at no cost, so it can take any option
    between its earliest start and its target.
  - The late chain ``B``: a request enters at the first point after its
    target at the cost of one late booking plus the minutes between target
    and that point, then flows forward paying each minute.

  Both chains leave at each point into a node ``P`` that feeds the options
  starting then: a slot node, or a *split* node for a visit, whose one unit
  of inflow occupies one slot of every node of the visit.

Without split nodes this is a plain min-cost flow problem; with them, a
network with side constraints (``formulation.py``). Any integral flow
decomposes into bookings whose lateness costs exactly what the flow costs,
so the network is exact. Arcs carry two costs, kept apart for the
lexicographic objective: ``late`` (1 on a request's entry into a late chain)
and ``minutes`` (lateness).
"""

from __future__ import annotations

import bisect
import enum
from collections.abc import Sequence
from dataclasses import dataclass, field
from typing import Final

from cosen.optimizer.problem import Problem, Request, SlotData, visit_options

__all__ = [
    "ArcKind",
    "Catalog",
    "Network",
    "RequestClass",
    "SlotNode",
    "components",
]

SOURCE: Final = 0
SINK: Final = 1


class ArcKind(enum.IntEnum):
    """What an arc means (for solvers, decomposition and debugging)."""

    BOOK = 0  # source -> request
    ON_TIME = 1  # request -> A_i
    LATE = 2  # request -> B_j
    EARLIER = 3  # A_i -> A_{i-1}
    LATER = 4  # B_i -> B_{i+1}
    EXIT_ON_TIME = 5  # A_i -> P_i
    EXIT_LATE = 6  # B_i -> P_i
    OPTION = 7  # P_i -> slot node, or P_i -> split node of a visit
    VISIT_SLOT = 8  # split node -> each slot node of the visit
    SLOT = 9  # slot node -> sink


@dataclass
class SlotNode:
    """Identical slots, interchangeable for every rule and every tier."""

    slots: list[SlotData]

    @property
    def first(self) -> SlotData:
        """The slot that stands for all (same times, centre, exams)."""
        return self.slots[0]

    @property
    def capacity(self) -> int:
        return len(self.slots)


Option = tuple[int, ...]
"""Slot node indices of an option, in visit order."""


@dataclass
class RequestClass:
    """Requests the booking rules treat alike, and their options.

    Attributes
    ----------
    requests
        Members, by rank.
    options
        Compatible options, by start time.
    times
        Distinct option start times (the points), increasing.
    """

    requests: list[Request]
    options: list[Option]
    times: list[int]

    def on_time_point(self, request: Request) -> int | None:
        """Index of the last point not after the request's target."""
        index = bisect.bisect_right(self.times, request.target) - 1
        return index if index >= 0 else None

    def late_point(self, request: Request) -> int | None:
        """Index of the first point after the request's target."""
        index = bisect.bisect_right(self.times, request.target)
        return index if index < len(self.times) else None


@dataclass
class Catalog:
    """Slot nodes and request classes of a problem, with their options."""

    problem: Problem
    nodes: list[SlotNode]
    classes: list[RequestClass]

    @classmethod
    def build(cls, problem: Problem) -> Catalog:
        declined = frozenset().union(*(r.forbidden for r in problem.requests))
        groups: dict[tuple[object, ...], list[SlotData]] = {}
        for slot in problem.slots:
            # A slot some patient declined stays alone, so the decline
            # does not spread to its twins.
            key: tuple[object, ...] = (
                (slot.id,)
                if slot.id in declined
                else (slot.center, slot.start, slot.end, slot.day,
                      slot.exams, slot.children, slot.accessible)
            )  # fmt: skip
            groups.setdefault(key, []).append(slot)
        nodes = [
            SlotNode(sorted(g, key=lambda s: s.id)) for g in groups.values()
        ]
        nodes.sort(key=lambda n: (n.first.start, n.first.center, n.first.id))
        index = {node.first.id: number for number, node in enumerate(nodes)}
        firsts = [node.first for node in nodes]
        starts = [slot.start for slot in firsts]
        slot_ids = frozenset(problem.slot_index)
        members: dict[tuple[object, ...], list[Request]] = {}
        for request in problem.requests:
            key = class_key(request, starts, slot_ids)
            members.setdefault(key, []).append(request)
        classes = []
        for group in members.values():
            options = [
                tuple(index[s.id] for s in option)
                for option in visit_options(group[0], firsts, problem.max_gap)
            ]
            times = sorted({nodes[o[0]].first.start for o in options})
            classes.append(RequestClass(group, options, times))
        return cls(problem, nodes, classes)

    def start(self, option: Option) -> int:
        return self.nodes[option[0]].first.start


def class_key(
    request: Request, starts: Sequence[int], slot_ids: frozenset[str]
) -> tuple[object, ...]:
    """What decides a request's compatible options among these slots.

    Times are rounded up to the next slot start, so requests whose earliest
    start or 18th birthday fall between the same two slots share a class.
    """
    earliest = bisect.bisect_left(starts, request.earliest)
    child: int | None = None
    if request.child_until is not None:
        child = bisect.bisect_left(starts, request.child_until)
        if child == 0:
            child = None  # adult on every slot's day
    return (
        request.exams,
        request.accessible,
        earliest,
        child,
        request.forbidden & slot_ids,
        request.unavailable,
    )


def components(problem: Problem) -> list[Problem]:
    """Split a problem into independent parts.

    Exams that a slot or a request joins together belong to one family; no
    slot or request spans two families, so each family is solved alone
    without losing optimality.
    """
    parent: dict[str, str] = {}

    def root(exam: str) -> str:
        while parent.setdefault(exam, exam) != exam:
            parent[exam] = parent[parent[exam]]
            exam = parent[exam]
        return exam

    for group in [*(s.exams for s in problem.slots),
                  *(r.exams for r in problem.requests)]:  # fmt: skip
        first, *others = sorted(group)
        for exam in others:
            parent[root(exam)] = root(first)
    requests: dict[str, list[Request]] = {}
    slots: dict[str, list[SlotData]] = {}
    for request in problem.requests:
        requests.setdefault(root(min(request.exams)), []).append(request)
    for slot in problem.slots:
        slots.setdefault(root(min(slot.exams)), []).append(slot)
    families = sorted(requests.keys() | slots.keys())
    return [
        Problem(
            tuple(requests.get(family, ())),
            tuple(slots.get(family, ())),
            problem.max_gap,
        )
        for family in families
    ]


@dataclass
class Network:
    """The flow network of one problem (see the module docstring).

    Arcs are stored column-wise; arc ``k`` goes from ``tails[k]`` to
    ``heads[k]`` with capacity ``caps[k]``. Chains are trimmed: the on-time
    chain stops at the class's latest target, the late chain starts after
    its earliest target.
    """

    catalog: Catalog
    tails: list[int] = field(default_factory=list)
    heads: list[int] = field(default_factory=list)
    caps: list[int] = field(default_factory=list)
    kinds: list[ArcKind] = field(default_factory=list)
    late: list[int] = field(default_factory=list)
    minutes: list[int] = field(default_factory=list)
    names: list[str] = field(default_factory=list)
    node_count: int = 2
    entry_arcs: dict[str, list[int]] = field(default_factory=dict)
    """Request id -> its ON_TIME and LATE arcs."""
    book_arcs: dict[str, int] = field(default_factory=dict)
    """Request id -> its BOOK arc."""
    exit_arcs: list[list[tuple[int | None, int | None]]] = field(
        default_factory=list
    )
    """Class -> point -> (EXIT_ON_TIME arc, EXIT_LATE arc)."""
    chain_arcs: list[tuple[list[int | None], list[int | None]]] = field(
        default_factory=list
    )
    """Class -> (EARLIER arc leaving A_i, LATER arc leaving B_i) by i."""
    option_arcs: list[list[int]] = field(default_factory=list)
    """Class -> option -> its OPTION arc."""
    visit_slot_arcs: dict[int, list[int]] = field(default_factory=dict)
    """OPTION arc of a visit -> its VISIT_SLOT arcs."""
    slot_arcs: list[int] = field(default_factory=list)
    """Slot node -> its SLOT arc."""

    @classmethod
    def build(cls, problem: Problem) -> Network:
        """Build the network of ``problem`` (one component, ideally)."""
        network = cls(Catalog.build(problem))
        nodes = network.catalog.nodes
        slot_nodes = [network._node() for _ in nodes]
        for node, vertex in zip(nodes, slot_nodes, strict=True):
            network.slot_arcs.append(
                network._arc(vertex, SINK, node.capacity, ArcKind.SLOT,
                             name=f"slot[{node.first.id}]")
            )  # fmt: skip
        for number, klass in enumerate(network.classes):
            network._add_class(number, klass, slot_nodes)
        return network

    @property
    def problem(self) -> Problem:
        return self.catalog.problem

    @property
    def classes(self) -> list[RequestClass]:
        return self.catalog.classes

    @property
    def has_visits(self) -> bool:
        """Whether some option spans several slots (not a plain flow)."""
        return bool(self.visit_slot_arcs)

    @property
    def arc_count(self) -> int:
        return len(self.tails)

    def _node(self) -> int:
        self.node_count += 1
        return self.node_count - 1

    def _arc(
        self,
        tail: int,
        head: int,
        cap: int,
        kind: ArcKind,
        late: int = 0,
        minutes: int = 0,
        name: str = "",
    ) -> int:
        self.tails.append(tail)
        self.heads.append(head)
        self.caps.append(cap)
        self.kinds.append(kind)
        self.late.append(late)
        self.minutes.append(minutes)
        self.names.append(name)
        return len(self.tails) - 1

    def _add_class(
        self, number: int, klass: RequestClass, slot_nodes: Sequence[int]
    ) -> None:
        size = len(klass.requests)
        count = len(klass.times)
        targets = [r.target for r in klass.requests]
        # A_i exists up to the latest target, B_i from the earliest one.
        last_on_time = bisect.bisect_right(klass.times, max(targets)) - 1
        first_late = bisect.bisect_right(klass.times, min(targets))
        on_time = [self._node() if i <= last_on_time else -1
                   for i in range(count)]  # fmt: skip
        late = [self._node() if i >= first_late else -1 for i in range(count)]
        points = [self._node() for _ in range(count)]
        exits: list[tuple[int | None, int | None]] = []
        earlier: list[int | None] = [None] * count
        later: list[int | None] = [None] * count
        for i, moment in enumerate(klass.times):
            label = f"c{number}@{moment}"
            if 0 < i <= last_on_time:
                earlier[i] = self._arc(
                    on_time[i], on_time[i - 1], size, ArcKind.EARLIER,
                    name=f"earlier[{label}]")  # fmt: skip
            if i > first_late:
                later[i - 1] = self._arc(
                    late[i - 1], late[i], size, ArcKind.LATER,
                    minutes=moment - klass.times[i - 1],
                    name=f"later[{label}]")  # fmt: skip
            exits.append((
                self._arc(on_time[i], points[i], size, ArcKind.EXIT_ON_TIME,
                          name=f"exitA[{label}]")
                if i <= last_on_time else None,
                self._arc(late[i], points[i], size, ArcKind.EXIT_LATE,
                          name=f"exitB[{label}]")
                if i >= first_late else None,
            ))  # fmt: skip
        self.exit_arcs.append(exits)
        self.chain_arcs.append((earlier, later))
        nodes = self.catalog.nodes
        option_arcs = []
        for option in klass.options:
            i = bisect.bisect_left(klass.times, nodes[option[0]].first.start)
            label = f"c{number}:" + "+".join(nodes[n].first.id for n in option)
            cap = min(size, *(nodes[n].capacity for n in option))
            if len(option) == 1:
                option_arcs.append(self._arc(
                    points[i], slot_nodes[option[0]], cap, ArcKind.OPTION,
                    name=f"take[{label}]"))  # fmt: skip
                continue
            split = self._node()
            arc = self._arc(points[i], split, cap, ArcKind.OPTION,
                            name=f"visit[{label}]")  # fmt: skip
            option_arcs.append(arc)
            self.visit_slot_arcs[arc] = [
                self._arc(split, slot_nodes[n], cap, ArcKind.VISIT_SLOT,
                          name=f"visit[{label}]>{nodes[n].first.id}")
                for n in option
            ]  # fmt: skip
        self.option_arcs.append(option_arcs)
        for request in klass.requests:
            vertex = self._node()
            self.book_arcs[request.id] = self._arc(
                SOURCE, vertex, 1, ArcKind.BOOK, name=f"book[{request.id}]"
            )
            entries = []
            first = klass.on_time_point(request)
            if first is not None:
                entries.append(self._arc(
                    vertex, on_time[first], 1, ArcKind.ON_TIME,
                    name=f"on_time[{request.id}]"))  # fmt: skip
            j = klass.late_point(request)
            if j is not None:
                entries.append(self._arc(
                    vertex, late[j], 1, ArcKind.LATE, late=1,
                    minutes=klass.times[j] - request.target,
                    name=f"late[{request.id}]"))  # fmt: skip
            self.entry_arcs[request.id] = entries

    def lateness_weight(self) -> int:
        """A weight for one late booking that outweighs any total of
        minutes: one more than the largest possible total lateness."""
        total = 0
        for klass in self.classes:
            if klass.times:
                last = klass.times[-1]
                total += sum(max(0, last - r.target) for r in klass.requests)
        return total + 1
