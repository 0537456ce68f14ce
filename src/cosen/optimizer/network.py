"""A compact flow network that holds every booking rule.

Why a network and not one variable per (request, slot) pair: compatible
pairs grow like the square of the instance (0.15 N² measured), which CP-SAT
cannot hold at N = 5000. Four aggregations keep the network small:

- *slot nodes*: identical slots (same centre, times, exams and flags) form
  one node whose capacity is their number;
- *classes*: requests that the rules treat alike (same exams, same
  accessibility need, same child status over the horizon, same earliest
  start, same declined slots, same unavailability...) share their
  compatible *options* (a slot node, or the slot nodes of a multi-slot
  one-trip visit), sorted by start
  time; each distinct start time is a *point*. Classes asking for the same
  exams share one enumeration of visits (:class:`Catalog`);
- *chains*: each class has two chains over its points.

  - The on-time chain ``A``: a request enters at the last point not after
    its target and flows back in time at no cost, so it can take any option
    between its earliest start and its target.
  - The late chain ``B``: a request enters at the first point after its
    target at the cost of one late booking plus the minutes between target
    and that point, then flows forward paying each minute.

  A chain only spans the class's targets: before the earliest target every
  request reaches every point on time, after the latest every request is
  late at every point, so the options there leave the chain's end directly
  (a late one paying the minutes from that end). Where both chains reach a
  point they leave into a node ``P`` that feeds the options starting then:
  a slot node, or a *split* node for a visit, whose one unit of inflow
  occupies one slot of every node of the visit;
- *request groups*: the requests of a class whose targets lie between the
  same two points enter the chains at the same points, through shared arcs
  (:class:`RequestGroup`).

Without split nodes this is a plain min-cost flow problem; with them, a
network with side constraints (``formulation.py``). Any integral flow
decomposes into bookings whose lateness costs exactly what the flow costs,
so the network is exact. Arcs carry two costs, kept apart for the
lexicographic objective: ``late`` (1 on a request's entry into a late chain)
and ``minutes`` (lateness).

A network need not hold every option of its catalogue: the solvers that
generate columns add the options they price (:meth:`Network.add_option`).

Unavailability: a class is keyed by the slots a patient's unavailability
blocks (among those taking an exam asked), so one that blocks none splits
nothing; but most block some, and a class per pattern copies its options
(404 classes and 326,000 options instead of 20 and 16,500 at N = 5,000
with 30 % unavailable). So the engine first *relaxes* it
(:attr:`Catalog.relaxed`): patients join the class of their twin without
it, the network is a relaxation (its bounds hold), and a flow's units are
given to members who can come (``decompose.py``: free when they pass over
a point, an exchange otherwise). Where an exchange costs something, the
patient is a *conflict*: :meth:`Catalog.tightened` and
:meth:`Network.refine` give them a class of their own, and the part is
solved again, until solution and bound meet (or no request is relaxed:
the catalogue is then exact).
"""

from __future__ import annotations

import bisect
import enum
import itertools
from collections import Counter
from collections.abc import (
    Callable,
    Collection,
    Iterable,
    Iterator,
    Sequence,
)
from dataclasses import dataclass, field, fields, replace
from typing import Final

from cosen.optimizer.problem import (
    SLOT_ORDER,
    Problem,
    Request,
    SlotData,
    available,
    compatible,
    visit_chains,
)

__all__ = [
    "ArcKind",
    "Catalog",
    "ClassArcs",
    "Network",
    "RequestClass",
    "RequestGroup",
    "SlotNode",
    "components",
]

SOURCE: Final = 0
SINK: Final = 1


class ArcKind(enum.IntEnum):
    """What an arc means (for solvers, decomposition and debugging)."""

    BOOK = 0  # source -> request group
    ON_TIME = 1  # request group -> A_i
    LATE = 2  # request group -> B_j
    EARLIER = 3  # A_i -> A_{i-1}
    LATER = 4  # B_i -> B_{i+1}
    EXIT_ON_TIME = 5  # A_i -> P_i
    EXIT_LATE = 6  # B_i -> P_i
    OPTION = 7  # P_i -> slot node, or P_i -> split node of a visit
    VISIT_SLOT = 8  # split node -> each slot node of the visit
    SLOT = 9  # slot node -> sink


@dataclass
class SlotNode:
    """Identical slots, interchangeable for every rule and every tier.

    Attributes
    ----------
    slots
        The slots, by id (never changed once the node is made).
    first
        The slot that stands for all (same times, centre, exams): an
        attribute, not a property, as every scan over nodes reads it.
    capacity
        How many slots.
    """

    slots: list[SlotData]
    first: SlotData = field(init=False)
    capacity: int = field(init=False)

    def __post_init__(self) -> None:
        self.first = self.slots[0]
        self.capacity = len(self.slots)


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

    def point(self, moment: int) -> int:
        """Index of the point at ``moment`` (an option's start)."""
        return bisect.bisect_left(self.times, moment)

    def late_point(self, request: Request) -> int | None:
        """Index of the first point after the request's target."""
        index = bisect.bisect_right(self.times, request.target)
        return index if index < len(self.times) else None


@dataclass
class Catalog:
    """Slot nodes and request classes of a problem, with their options.

    Attributes
    ----------
    problem
        The problem catalogued.
    nodes
        Slot nodes, by start.
    classes
        Request classes with their options.
    relaxed
        Requests whose unavailability the classes ignore: they join the
        class of the same request without it, so they may be blocked from
        some of its options (:meth:`allows`). A network of such classes is
        a relaxation: its bounds hold, its flows need their units given to
        members who may take them (``decompose.py``).
    conflicts
        Relaxed requests for whom giving a flow's units to members who may
        take them cost something (filled by ``decompose.py``): the next,
        tighter catalogue keeps their unavailability.
    """

    problem: Problem
    nodes: list[SlotNode]
    classes: list[RequestClass]
    relaxed: frozenset[str] = frozenset()
    conflicts: set[str] = field(default_factory=set)

    @classmethod
    def build(
        cls, problem: Problem, relaxed: Collection[str] = frozenset()
    ) -> Catalog:
        """Catalogue ``problem``: every option of every class (most often,
        the earliest ones, which hold an optimum: see :func:`_trimmed`),
        the unavailability of the ``relaxed`` requests left aside.

        Never cut short, even by a time limit: first come, first served,
        the floor of every answer, needs every option (it books each
        request into its earliest free one).
        """
        relaxed = frozenset(relaxed)
        declined = frozenset().union(*(r.forbidden for r in problem.requests))
        stream = _NodeStream(problem.slots, declined)
        # Slot starts stand for node starts here: they round times alike.
        starts = [slot.start for slot in stream.slots]
        slot_ids = problem.slot_index.keys()
        taking: dict[frozenset[str], list[int]] = {}
        members: dict[tuple[object, ...], list[Request]] = {}
        for request in problem.requests:
            if request.id in relaxed or not request.unavailable:
                blocked: tuple[tuple[int, int], ...] = ()
            else:
                if request.exams not in taking:
                    taking[request.exams] = _exam_starts(
                        stream.slots, request.exams
                    )
                blocked = _blocked(request, taking[request.exams])
            key = class_key(request, starts, slot_ids, blocked)
            members.setdefault(key, []).append(request)
        # The rules pick each class's usable slot nodes. The first member
        # speaks for all: the rules but unavailability give the nodes of
        # its class without it, from which it takes those it can come to
        # when its unavailability blocks some.
        #
        # Most classes only need their earliest options (:func:`_trimmed`),
        # found reading nodes in order, a stretch of them at a time: the
        # nodes after them are never formed. The others take every option;
        # those asking for the same exams share one enumeration of trips
        # over the union of their usable nodes (worked out once for the
        # classes that differ only by unavailability), each keeping the
        # trips within its own.
        units = sum(len(r.exams) for r in problem.requests)
        nodes = stream.nodes
        options: dict[tuple[object, ...], list[Option]] = {}
        plain: dict[tuple[object, ...], list[int]] = {}
        usable: dict[tuple[object, ...], list[int]] = {}
        for key, group in members.items():
            speaker = group[0]
            if _trimmable(group, relaxed):
                candidates = _compatible_nodes(speaker, stream)
                if key[_BLOCKED]:
                    candidates = (
                        n
                        for n in candidates
                        if available(speaker, nodes[n].first)
                    )
                size = len(speaker.exams)
                options[key] = (
                    [(n,) for n in _earliest(candidates, nodes, units)]
                    if size == 1
                    else _trimmed(
                        _stretch_trips(
                            speaker.exams, candidates, nodes, problem.max_gap
                        ),
                        nodes,
                        units - size + 1,
                    )
                )
                continue
            free = (*key[:_BLOCKED], (), *key[_BLOCKED + 1 :])
            if free not in plain:
                plain[free] = list(_compatible_nodes(speaker, stream))
            usable[key] = [
                n
                for n in plain[free]
                if not key[_BLOCKED] or available(speaker, nodes[n].first)
            ]
        by_exams: dict[frozenset[str], list[tuple[object, ...]]] = {}
        for key in usable:
            by_exams.setdefault(members[key][0].exams, []).append(key)
        for exams, keys in by_exams.items():
            union = (
                usable[keys[0]]
                if len(keys) == 1
                else sorted(set().union(*(usable[k] for k in keys)))
            )
            found = sorted(_trips(exams, union, nodes, problem.max_gap))
            for key in keys:
                if len(keys) == 1:
                    options[key] = found
                    continue
                mine = frozenset(usable[key])
                options[key] = [o for o in found if all(n in mine for n in o)]
        # Nodes no option uses would only lengthen every network.
        used = sorted(
            {n for found in options.values() for o in found for n in o}
        )
        if len(used) < len(nodes):
            number_of = {old: new for new, old in enumerate(used)}
            nodes = [nodes[n] for n in used]
            options = {
                key: [tuple(number_of[n] for n in o) for o in found]
                for key, found in options.items()
            }
        classes = []
        for key, group in members.items():
            times = sorted({nodes[o[0]].first.start for o in options[key]})
            classes.append(RequestClass(group, options[key], times))
        return cls(problem, nodes, classes, relaxed)

    def start(self, option: Option) -> int:
        return self.nodes[option[0]].first.start

    def tightened(self, kept: Collection[str]) -> Catalog:
        """This catalogue with the unavailability of the relaxed requests
        ``kept`` counted: they leave their classes for classes keyed by
        what it blocks (as :meth:`build` would make them), whose options
        are those of their former class they can come to. The trips among
        a class's usable nodes are the trips that lie in them, so nothing
        is enumerated again.
        """
        kept = frozenset(kept) & self.relaxed
        firsts = [node.first for node in self.nodes]
        starts = [slot.start for slot in firsts]
        slot_ids = self.problem.slot_index.keys()
        taking: dict[frozenset[str], list[int]] = {}
        classes = []
        moved: dict[tuple[object, ...], tuple[list[Request], RequestClass]]
        moved = {}
        for klass in self.classes:
            # A class all of whose members leave stays (empty), so that
            # class numbers hold in a network refined with this catalogue.
            staying = [r for r in klass.requests if r.id not in kept]
            classes.append(RequestClass(staying, klass.options, klass.times))
            for request in klass.requests:
                if request.id not in kept:
                    continue
                if request.exams not in taking:
                    taking[request.exams] = _exam_starts(firsts, request.exams)
                blocked = _blocked(request, taking[request.exams])
                key = (
                    id(klass),
                    class_key(request, starts, slot_ids, blocked),
                )
                moved.setdefault(key, ([], klass))[0].append(request)
        for members, former in moved.values():
            options = [o for o in former.options if self.allows(members[0], o)]
            times = sorted({starts[o[0]] for o in options})
            classes.append(RequestClass(members, options, times))
        return Catalog(self.problem, self.nodes, classes, self.relaxed - kept)

    def allows(self, request: Request, option: Option) -> bool:
        """Whether the patient can come to every slot of an option of
        their class (always, unless the catalogue is :attr:`relaxed`)."""
        return not request.unavailable or all(
            available(request, self.nodes[n].first) for n in option
        )


class _NodeStream:
    """The slot nodes of some slots, formed in order as they are read.

    Attributes
    ----------
    slots
        The slots by start, centre and id: in this order, twins come out
        by id and nodes by their first slot's start, centre and id, with
        no sort of either.
    nodes
        The nodes formed so far (all of those starting before the slot
        :attr:`slots` has reached).
    """

    def __init__(
        self, slots: Iterable[SlotData], declined: frozenset[str]
    ) -> None:
        self.slots = sorted(slots, key=SLOT_ORDER)
        self.nodes: list[SlotNode] = []
        self._declined = declined
        self._read = 0

    def numbers(self) -> Iterator[int]:
        """Every node's number, in order, forming nodes as needed."""
        number = 0
        while number < len(self.nodes) or self._form():
            yield number
            number += 1

    def _form(self) -> bool:
        """Form the nodes of the next start; ``False`` if none is left."""
        slots, declined = self.slots, self._declined
        if self._read == len(slots):
            return False
        start = slots[self._read].start
        groups: dict[tuple[object, ...], list[SlotData]] = {}
        for slot in itertools.islice(slots, self._read, None):
            if slot.start != start:
                break
            # A slot some patient declined stays alone, so the decline
            # does not spread to its twins.
            key: tuple[object, ...] = (
                (slot.id,)
                if slot.id in declined
                else (slot.center, slot.end, slot.day, slot.exams,
                      slot.children, slot.accessible)
            )  # fmt: skip
            groups.setdefault(key, []).append(slot)
            self._read += 1
        self.nodes.extend(SlotNode(group) for group in groups.values())
        return True


def _compatible_nodes(request: Request, stream: _NodeStream) -> Iterator[int]:
    """Numbers of the nodes that ``request`` may use, its unavailability
    aside, lazily."""
    speaker = (
        replace(request, unavailable=()) if request.unavailable else request
    )
    nodes = stream.nodes
    return (n for n in stream.numbers() if compatible(speaker, nodes[n].first))


def _trimmable(group: Sequence[Request], relaxed: frozenset[str]) -> bool:
    """Whether a class's earliest options hold an optimum for it
    (:func:`_trimmed`).

    Not with a preference (the fourth tier may want a later preferred
    centre), nor with a relaxed unavailability (the class's options are
    not all its members').
    """
    return all(
        not r.preferred and not (r.unavailable and r.id in relaxed)
        for r in group
    )


def _trimmed(
    options: Iterable[Option], nodes: Sequence[SlotNode], needed: int
) -> list[Option]:
    """The first of a class's ``options`` (by start, read lazily) until
    ``needed`` of them could be booked at once, and those starting with
    the last.

    Say the problem's requests ask for ``units`` exams in all, and a
    request of ``m`` exams is booked after the options kept with
    ``needed = units - m + 1``. The others occupy at most ``units - m``
    slots (one per exam at most), and each occupied slot spoils at most
    one of the ``needed`` options that could be booked at once: one of
    them is free. Moving the request there starts it earlier, which
    worsens no tier of 1 to 3 (nor the fourth's "earlier" part), so an
    optimum lies among the options kept.
    """
    kept: list[Option] = []
    left: dict[int, int] = {}
    taken = 0
    cutoff: int | None = None
    for option in options:
        start = nodes[option[0]].first.start
        if cutoff is not None and start > cutoff:
            break
        kept.append(option)
        if cutoff is None and all(
            left.get(n, nodes[n].capacity) for n in option
        ):
            for n in option:
                left[n] = left.get(n, nodes[n].capacity) - 1
            taken += 1
            if taken >= needed:
                cutoff = start
    return kept


def _earliest(
    numbers: Iterable[int], nodes: Sequence[SlotNode], units: int
) -> list[int]:
    """:func:`_trimmed` for a single exam, where options are nodes, read
    lazily from ``numbers`` (node numbers by start): the first until they
    hold ``units`` slots, and those starting with the last."""
    kept: list[int] = []
    held = 0
    cutoff: int | None = None
    for number in numbers:
        start = nodes[number].first.start
        if cutoff is not None and start > cutoff:
            break
        kept.append(number)
        held += nodes[number].capacity
        if cutoff is None and held >= units:
            cutoff = start
    return kept


def _exam_starts(
    slots: Sequence[SlotData], exams: frozenset[str]
) -> list[int]:
    """Starts of the slots that take one of ``exams``."""
    return [slot.start for slot in slots if slot.exams & exams]


def _blocked(
    request: Request, starts: Sequence[int]
) -> tuple[tuple[int, int], ...]:
    """The runs of ``starts`` (sorted) that fall while the patient is
    unavailable, as merged index ranges: what an unavailability changes
    for the rules, nothing when it blocks none of these starts."""
    runs: list[tuple[int, int]] = []
    for first, end in sorted(request.unavailable):
        low = bisect.bisect_left(starts, first)
        high = bisect.bisect_left(starts, end)
        if low == high:
            continue
        if runs and low <= runs[-1][1]:
            runs[-1] = (runs[-1][0], max(runs[-1][1], high))
        else:
            runs.append((low, high))
    return tuple(runs)


def _trips(
    exams: frozenset[str],
    numbers: Sequence[int],
    nodes: Sequence[SlotNode],
    max_gap: int,
) -> list[Option]:
    """Trips for ``exams`` among the nodes ``numbers``, unsorted."""
    slots = [nodes[n].first for n in numbers]
    number_of = {id(slot): n for slot, n in zip(slots, numbers, strict=True)}
    return [
        tuple(number_of[id(slot)] for slot in trip)
        for trip in visit_chains(exams, slots, max_gap)
    ]


def _stretch_trips(
    exams: frozenset[str],
    numbers: Iterable[int],
    nodes: Sequence[SlotNode],
    max_gap: int,
) -> Iterator[Option]:
    """:func:`_trips` among ``numbers`` (by start), by start, lazily: a
    stretch of nodes at a time, a stretch ending where the next node
    starts more than ``max_gap`` after every node so far has ended (no
    trip spans that, whatever the days)."""
    stretch: list[int] = []
    reach = 0
    for number in numbers:
        slot = nodes[number].first
        if stretch and slot.start > reach:
            yield from sorted(_trips(exams, stretch, nodes, max_gap))
            stretch = []
        last = slot.end + max_gap  # the latest a trip may go on from it
        reach = max(reach, last) if stretch else last
        stretch.append(number)
    yield from sorted(_trips(exams, stretch, nodes, max_gap))


def class_key(
    request: Request,
    starts: Sequence[int],
    slot_ids: Collection[str],
    blocked: tuple[tuple[int, int], ...] = (),
) -> tuple[object, ...]:
    """What decides a request's compatible options among these slots.

    Times are rounded up to the next slot start, so requests whose earliest
    start or 18th birthday fall between the same two slots share a class;
    declined slots count only if they are among these; an unavailability
    counts as the slots it ``blocked`` (:func:`_blocked` over the starts of
    the slots taking one of the exams asked), so one that blocks none
    splits no class. Every other field a rule might read is taken as it
    is, so a field added to :class:`~cosen.optimizer.problem.Request` for a
    new rule of :data:`~cosen.optimizer.problem.SLOT_RULES` splits the
    classes without a change here.
    """
    earliest = bisect.bisect_left(starts, request.earliest)
    child: int | None = None
    if request.child_until is not None:
        child = bisect.bisect_left(starts, request.child_until)
        if child == 0:
            child = None  # adult on every slot's day
    return (
        earliest,
        child,
        frozenset(s for s in request.forbidden if s in slot_ids),
        blocked,
        *(
            getattr(request, name)
            for name in _REQUEST_FIELDS
            if name not in _KEYED and name not in _NO_RULE_READS
        ),
    )


_BLOCKED: Final = 3  # where the key holds the blocked runs
_REQUEST_FIELDS: Final = tuple(f.name for f in fields(Request))
_KEYED: Final = frozenset(
    {"earliest", "child_until", "forbidden", "unavailable"}
)
# What no booking rule reads: the objective's and the tie-breaks' fields.
_NO_RULE_READS: Final = frozenset({"id", "target", "preferred", "rank"})


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

    # Slots and requests ask for few distinct sets of exams, joined in a
    # fixed order so that each family's name is the same in every process.
    groups = {s.exams for s in problem.slots} | {
        r.exams for r in problem.requests
    }
    for first, *others in sorted(sorted(group) for group in groups):
        for exam in others:
            parent[root(exam)] = root(first)
    family = {group: root(min(group)) for group in groups}
    requests: dict[str, list[Request]] = {}
    slots: dict[str, list[SlotData]] = {}
    for request in problem.requests:
        requests.setdefault(family[request.exams], []).append(request)
    for slot in problem.slots:
        slots.setdefault(family[slot.exams], []).append(slot)
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
class RequestGroup:
    """Requests of a class whose targets lie between the same two points.

    They enter the chains at the same points, so they share their arcs:
    the group's BOOK arc carries as many units as it has requests, its
    ON_TIME arc as many, and its LATE arcs, one per target (the minutes
    differ), as many as the requests with that target.

    Attributes
    ----------
    requests
        Members, by rank.
    book
        The BOOK arc.
    on_time
        The ON_TIME arc, unless no point is before the targets.
    late
        Target -> its LATE arc (none when no point is after them).
    """

    requests: list[Request]
    book: int
    on_time: int | None = None
    late: dict[int, int] = field(default_factory=dict)

    @property
    def entries(self) -> list[int]:
        """The ON_TIME and LATE arcs."""
        on_time = [] if self.on_time is None else [self.on_time]
        return [*on_time, *self.late.values()]


@dataclass
class ClassArcs:
    """Where a class's requests enter, travel and leave its chains.

    Attributes
    ----------
    on_time, late
        Point -> its ``A`` node, its ``B`` node (where the chains exist).
    earlier, later
        Point ``i`` -> the EARLIER arc leaving ``A_i``, the LATER arc
        leaving ``B_i``.
    exits
        Point -> (EXIT_ON_TIME, EXIT_LATE) arcs into its ``P`` node, for
        the points both chains reach.
    feeds
        Point -> (node its options leave from, minutes they cost).
    low, first_late, high
        First point of the on-time chain, first and last of the late one.
    """

    on_time: dict[int, int] = field(default_factory=dict)
    late: dict[int, int] = field(default_factory=dict)
    earlier: dict[int, int] = field(default_factory=dict)
    later: dict[int, int] = field(default_factory=dict)
    exits: dict[int, tuple[int, int]] = field(default_factory=dict)
    feeds: list[tuple[int, int]] = field(default_factory=list)
    low: int = 0
    first_late: int = 0
    high: int = 0


@dataclass
class Network:
    """The flow network of one problem (see the module docstring).

    Arcs are stored column-wise; arc ``k`` goes from ``tails[k]`` to
    ``heads[k]`` with capacity ``caps[k]``. Chains are trimmed to the
    class's targets: the on-time chain runs from the point of its earliest
    target to that of its latest, the late chain from the first point
    after the earliest target to the first after the latest. Options
    outside leave the chain's end directly (the late ones paying the
    minutes from it); only points both chains reach have a ``P`` node.
    """

    catalog: Catalog
    tails: list[int] = field(default_factory=list)
    heads: list[int] = field(default_factory=list)
    caps: list[int] = field(default_factory=list)
    kinds: list[ArcKind] = field(default_factory=list)
    late: list[int] = field(default_factory=list)
    minutes: list[int] = field(default_factory=list)
    node_count: int = 2
    groups: list[list[RequestGroup]] = field(default_factory=list)
    """Class -> its request groups, by entry point."""
    group_of: dict[str, RequestGroup] = field(default_factory=dict)
    """Request id -> its group."""
    class_arcs: list[ClassArcs] = field(default_factory=list)
    """Class -> its chains."""
    option_arcs: list[dict[Option, int]] = field(default_factory=list)
    """Class -> option in the network -> its OPTION arc."""
    visit_slot_arcs: dict[int, list[int]] = field(default_factory=dict)
    """OPTION arc of a visit -> its VISIT_SLOT arcs."""
    slot_arcs: list[int] = field(default_factory=list)
    """Slot node -> its SLOT arc."""
    slot_vertices: list[int] = field(default_factory=list)
    """Slot node -> its vertex."""

    @classmethod
    def build(
        cls,
        problem: Problem | Catalog,
        options: Callable[[int, RequestClass], Iterable[Option]] | None = None,
    ) -> Network:
        """Build the network of a problem (one component, ideally).

        ``options(number, klass)`` chooses the options of each class that
        get an arc (default: all; more can be added with
        :meth:`add_option`).
        """
        catalog = (
            problem if isinstance(problem, Catalog) else Catalog.build(problem)
        )
        network = cls(catalog)
        for node in catalog.nodes:
            vertex = network._node()
            network.slot_vertices.append(vertex)
            network.slot_arcs.append(
                network._arc(vertex, SINK, node.capacity, ArcKind.SLOT)
            )
        for number, klass in enumerate(network.classes):
            network._add_class(klass)
            chosen = (
                klass.options if options is None else options(number, klass)
            )
            for option in chosen:
                network.add_option(number, option)
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

    def name(self, arc: int) -> str:
        """A short name for solver logs (kind and number, no data)."""
        return f"{self.kinds[arc].name.lower()}{arc}"

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
    ) -> int:
        self.tails.append(tail)
        self.heads.append(head)
        self.caps.append(cap)
        self.kinds.append(kind)
        self.late.append(late)
        self.minutes.append(minutes)
        return len(self.tails) - 1

    def refine(
        self,
        catalog: Catalog,
        options: Callable[[int, RequestClass], Iterable[Option]] | None = None,
    ) -> None:
        """Take in ``catalog``, made by :meth:`Catalog.tightened` from this
        network's: the requests it moved leave their groups (their arcs
        carry one unit less; the chains' and options' capacities, upper
        bounds, stay), and its new classes get their chains and options
        (``options`` as in :meth:`build`).
        """
        for request_id in self.catalog.relaxed - catalog.relaxed:
            group = self.group_of.pop(request_id)
            request = next(r for r in group.requests if r.id == request_id)
            group.requests.remove(request)
            for arc in (
                group.book,
                group.on_time,
                group.late.get(request.target),
            ):
                if arc is not None:
                    self.caps[arc] -= 1
        self.catalog = catalog
        for number in range(len(self.class_arcs), len(catalog.classes)):
            klass = catalog.classes[number]
            self._add_class(klass)
            chosen = (
                klass.options if options is None else options(number, klass)
            )
            for option in chosen:
                self.add_option(number, option)

    def add_option(self, number: int, option: Option) -> int:
        """Give an option of class ``number`` its arc (once); return it."""
        arcs = self.option_arcs[number]
        if option in arcs:
            return arcs[option]
        klass = self.classes[number]
        nodes = self.catalog.nodes
        tail, minutes = self.class_arcs[number].feeds[
            klass.point(nodes[option[0]].first.start)
        ]
        cap = min(len(klass.requests), *(nodes[n].capacity for n in option))
        if len(option) == 1:
            arc = self._arc(
                tail, self.slot_vertices[option[0]], cap, ArcKind.OPTION,
                minutes=minutes,
            )  # fmt: skip
        else:
            split = self._node()
            arc = self._arc(tail, split, cap, ArcKind.OPTION, minutes=minutes)
            self.visit_slot_arcs[arc] = [
                self._arc(split, self.slot_vertices[n], cap,
                          ArcKind.VISIT_SLOT)
                for n in option
            ]  # fmt: skip
        arcs[option] = arc
        return arc

    def _add_class(self, klass: RequestClass) -> None:
        size = len(klass.requests)
        times = klass.times
        count = len(times)
        # An empty class (see Catalog.tightened) gets chains carrying
        # nothing.
        targets = [r.target for r in klass.requests] or [0]
        # A_i from the point of the earliest target to that of the latest,
        # B_i from the first point after the earliest target to the first
        # after the latest: beyond, every request of the class reaches
        # every point the same way.
        low = max(0, bisect.bisect_right(times, min(targets)) - 1)
        last_on_time = bisect.bisect_right(times, max(targets)) - 1
        first_late = bisect.bisect_right(times, min(targets))
        high = min(last_on_time + 1, count - 1)
        chains = ClassArcs(low=low, first_late=first_late, high=high)
        for i in range(low, last_on_time + 1):
            chains.on_time[i] = self._node()
        for i in range(first_late, high + 1):
            chains.late[i] = self._node()
        for i in range(low + 1, last_on_time + 1):
            chains.earlier[i] = self._arc(
                chains.on_time[i], chains.on_time[i - 1], size,
                ArcKind.EARLIER,
            )  # fmt: skip
        for i in range(first_late, high):
            chains.later[i] = self._arc(
                chains.late[i], chains.late[i + 1], size, ArcKind.LATER,
                minutes=times[i + 1] - times[i],
            )  # fmt: skip
        for i in range(count):
            if first_late <= i <= last_on_time:
                point = self._node()
                chains.exits[i] = (
                    self._arc(chains.on_time[i], point, size,
                              ArcKind.EXIT_ON_TIME),
                    self._arc(chains.late[i], point, size, ArcKind.EXIT_LATE),
                )  # fmt: skip
                chains.feeds.append((point, 0))
            elif i <= last_on_time:
                chains.feeds.append((chains.on_time[max(i, low)], 0))
            else:
                end = min(i, high)
                chains.feeds.append((chains.late[end], times[i] - times[end]))
        self.class_arcs.append(chains)
        self.option_arcs.append({})
        members: dict[int | None, list[Request]] = {}
        for request in klass.requests:
            members.setdefault(klass.late_point(request), []).append(request)
        groups = []
        for j, requests in members.items():
            group = RequestGroup(
                requests,
                self._arc(SOURCE, self._node(), len(requests), ArcKind.BOOK),
            )
            vertex = self.heads[group.book]
            first = klass.on_time_point(requests[0])
            if first is not None:
                group.on_time = self._arc(
                    vertex, chains.on_time[first], len(requests),
                    ArcKind.ON_TIME,
                )  # fmt: skip
            if j is not None:
                counts = Counter(r.target for r in requests)
                for target in sorted(counts):
                    group.late[target] = self._arc(
                        vertex, chains.late[j], counts[target],
                        ArcKind.LATE, late=1, minutes=times[j] - target,
                    )  # fmt: skip
            groups.append(group)
            for request in requests:
                self.group_of[request.id] = group
        self.groups.append(groups)

    def route(
        self, number: int, request: Request, point: int, late: bool
    ) -> list[int]:
        """Arcs a unit of ``request`` takes from the source to the node
        that feeds the options at ``point`` (on time or late)."""
        klass = self.classes[number]
        chains = self.class_arcs[number]
        group = self.group_of[request.id]
        route = [group.book]
        if late:
            j = _index(klass.late_point(request))
            route.append(group.late[request.target])
            end = min(point, chains.high)
            route += [chains.later[i] for i in range(j, end)]
        else:
            j = _index(klass.on_time_point(request))
            route.append(_index(group.on_time))
            end = max(point, chains.low)
            route += [chains.earlier[i] for i in range(j, end, -1)]
        if point in chains.exits:
            route.append(chains.exits[point][late])
        return route

    def leaving(
        self, number: int, flows: Sequence[int]
    ) -> list[tuple[int, int]]:
        """Point -> units leaving the (on-time, late) chain there."""
        klass = self.classes[number]
        chains = self.class_arcs[number]
        total = [0] * len(klass.times)
        nodes = self.catalog.nodes
        for option, arc in self.option_arcs[number].items():
            if flows[arc]:
                total[klass.point(nodes[option[0]].first.start)] += flows[arc]
        units = []
        for i, count in enumerate(total):
            if i in chains.exits:
                on_time, late = chains.exits[i]
                units.append((flows[on_time], flows[late]))
            elif i >= chains.first_late:
                units.append((0, count))
            else:
                units.append((count, 0))
        return units

    def lateness_weight(self) -> int:
        """A weight for one late booking that outweighs any total of
        minutes: one more than the largest possible total lateness."""
        total = 0
        for klass in self.classes:
            if klass.times:
                last = klass.times[-1]
                total += sum(max(0, last - r.target) for r in klass.requests)
        return total + 1


def _index(point: int | None) -> int:
    if point is None:
        raise RuntimeError("flow enters a chain where it has no point")
    return point
