"""The allocation problem as plain data: requests, slots, visit rules.

The optimizer sees no spreadsheets, no pydantic models and no dates: times
are whole minutes since the Unix epoch, days are integers, exams are codes.
Whatever builds a :class:`Problem` (the allocate command, the batch ledger,
the simulator) has already applied the scheme's eligibility rules and turned
the booking rules that depend on the allocation time (notice, transport lead
time, arrival) into each request's :attr:`Request.earliest`.
"""

from __future__ import annotations

import bisect
from collections.abc import Callable, Collection, Iterable, Iterator, Sequence
from dataclasses import dataclass, field
from functools import cache
from operator import attrgetter
from typing import Final, TypeVar

__all__ = [
    "DEFAULT_MAX_GAP",
    "ONE_TRIP",
    "SLOT_ORDER",
    "SLOT_RULES",
    "Problem",
    "Request",
    "SlotData",
    "SlotRule",
    "available",
    "available_at",
    "blocking_rule",
    "compatible",
    "compatible_slots",
    "visit_chains",
    "visit_exams",
    "visit_options",
]

ExamCode = TypeVar("ExamCode", bound=str)

DEFAULT_MAX_GAP: Final = 90
"""Minutes allowed between the end of a visit's slot and the next one."""

SLOT_ORDER: Final = attrgetter("start", "center", "id")
"""Sort key of slots: by start, then centre, then id (a problem's order)."""


@dataclass(frozen=True)
class Request:
    """An eligible referral, as the optimizer sees it.

    Attributes
    ----------
    id
        The referral id.
    exams
        Exam codes, all done in one trip.
    earliest
        First minute a slot may start: the latest of arrival, allocation
        time plus notice, and (reduced mobility) allocation time plus the
        transport lead time.
    target
        Minute by which the appointment should start; starting later is
        late by the difference.
    accessible
        Needs slots accessible to reduced mobility.
    child_until
        Minute the patient turns 18, if a child: slots starting before it
        must take children. ``None`` for an adult.
    preferred
        Centres whose slots honour the referral's preference (a preferred
        group is expanded to its centres).
    rank
        Order of arrival (first come, first served).
    forbidden
        Slots never to offer (the patient declined them).
    unavailable
        Periods the patient cannot come, as (first minute, minute after):
        a slot starting inside one is never offered.
    """

    id: str
    exams: frozenset[str]
    earliest: int
    target: int
    accessible: bool = False
    child_until: int | None = None
    preferred: frozenset[str] = frozenset()
    rank: int = 0
    forbidden: frozenset[str] = frozenset()
    unavailable: tuple[tuple[int, int], ...] = ()

    def __post_init__(self) -> None:
        if not self.id:
            raise ValueError("request without id")
        if any(end <= start for start, end in self.unavailable):
            raise ValueError(f"request {self.id}: empty unavailable period")
        if not self.exams:
            raise ValueError(f"request {self.id} asks for no exam")


@dataclass(frozen=True)
class SlotData:
    """A reserved slot.

    Attributes
    ----------
    id, center, group
        Identity of the slot and its centre.
    start, end
        Minutes since the epoch.
    day
        Local calendar day (any integer numbering): a visit stays in one.
    exams
        Exam codes the slot can take.
    children, accessible
        Takes children aged 6 to 17; accessible to reduced mobility.
    """

    id: str
    center: str
    group: str
    start: int
    end: int
    day: int
    exams: frozenset[str]
    children: bool = False
    accessible: bool = False

    def __post_init__(self) -> None:
        if self.end <= self.start:
            raise ValueError(f"slot {self.id} ends before it starts")
        if not self.exams:
            raise ValueError(f"slot {self.id} takes no exam")


@dataclass(frozen=True)
class SlotRule:
    """One booking rule between a request and a slot.

    Attributes
    ----------
    name
        Stable name, for explanations (``accessible``, ``children``...).
    holds
        Whether the slot satisfies the rule for the request.
    """

    name: str
    holds: Callable[[Request, SlotData], bool]


def available(request: Request, slot: SlotData) -> bool:
    """Whether ``slot`` starts while the patient can come."""
    return available_at(request, slot.start)


def available_at(request: Request, minute: int) -> bool:
    """Whether the patient can come to a slot starting at ``minute``."""
    return not any(a <= minute < b for a, b in request.unavailable)


SLOT_RULES: Final = (
    SlotRule("exams", lambda r, s: not s.exams.isdisjoint(r.exams)),
    SlotRule("accessible", lambda r, s: s.accessible or not r.accessible),
    SlotRule(
        "children",
        lambda r, s: (
            s.children or r.child_until is None or s.start >= r.child_until
        ),
    ),
    SlotRule("declined", lambda r, s: s.id not in r.forbidden),
    SlotRule("earliest", lambda r, s: s.start >= r.earliest),
    SlotRule("unavailable", available),
)
"""The booking rules a single slot must satisfy, in the order an
explanation names them: the slot takes one of the exams asked, is
accessible when needed, takes children while the patient is one, was not
declined, starts no earlier than the request's earliest start, and not
while the patient is unavailable. The
one-trip rule joins slots into a visit (:func:`visit_options`).

Every solver, the verification of solutions and the explanation of an
unbooked request (:func:`blocking_rule`) read these rules, and only these.
"""

ONE_TRIP: Final = "one_trip"
"""Name of the rule that blocks a request when each slot rule leaves it
slots for every exam but no visit does them all in one trip."""


def compatible(request: Request, slot: SlotData) -> bool:
    """Whether ``slot`` may host ``request`` or part of its visit: every
    rule of :data:`SLOT_RULES` holds (a visit's slot need only take some of
    the exams asked; the visit as a whole takes them all)."""
    return all(rule.holds(request, slot) for rule in SLOT_RULES)


def compatible_slots(
    request: Request, slots: Sequence[SlotData]
) -> list[SlotData]:
    """The slots that ``request`` may use, in the given order."""
    *_, (_, kept) = _apply_rules(request, slots)
    return kept


def blocking_rule(
    request: Request, slots: Sequence[SlotData], max_gap: int
) -> str | None:
    """The rule that leaves ``request`` without any visit among ``slots``.

    The rules of :data:`SLOT_RULES` are applied one after the other; the
    first after which the remaining slots no longer take every exam asked
    is named, else :data:`ONE_TRIP`. ``None`` when some visit exists.
    """
    usable = compatible_slots(request, slots)
    if next(visit_chains(request.exams, usable, max_gap), None):
        return None
    for rule, kept in _apply_rules(request, slots):
        if not request.exams <= frozenset().union(*(s.exams for s in kept)):
            return rule.name
    return ONE_TRIP


def _apply_rules(
    request: Request, slots: Sequence[SlotData]
) -> Iterator[tuple[SlotRule, list[SlotData]]]:
    """Each rule in turn, with the slots that pass it and every rule before."""
    kept = list(slots)
    for rule in SLOT_RULES:
        holds = rule.holds
        kept = [slot for slot in kept if holds(request, slot)]
        yield rule, kept


@dataclass(frozen=True)
class Problem:
    """Requests and slots to match, and the one-trip rule's gap.

    Raises
    ------
    ValueError
        On duplicate request or slot ids, or a negative gap.
    """

    requests: tuple[Request, ...]
    slots: tuple[SlotData, ...]
    max_gap: int = DEFAULT_MAX_GAP
    slot_index: dict[str, SlotData] = field(
        init=False, repr=False, compare=False
    )

    def __post_init__(self) -> None:
        if self.max_gap < 0:
            raise ValueError("negative gap between a visit's slots")
        if len({r.id for r in self.requests}) != len(self.requests):
            raise ValueError("duplicate request id")
        index = {s.id: s for s in self.slots}
        if len(index) != len(self.slots):
            raise ValueError("duplicate slot id")
        object.__setattr__(self, "slot_index", index)

    @classmethod
    def build(
        cls,
        requests: Iterable[Request],
        slots: Iterable[SlotData],
        max_gap: int = DEFAULT_MAX_GAP,
    ) -> Problem:
        """A problem with requests by rank and slots by start time."""
        return cls(
            tuple(sorted(requests, key=attrgetter("rank", "id"))),
            tuple(sorted(slots, key=SLOT_ORDER)),
            max_gap,
        )


def visit_options(
    request: Request,
    slots: Sequence[SlotData],
    max_gap: int,
) -> list[tuple[SlotData, ...]]:
    """Every way to do all of the request's exams in one trip.

    An option is one slot that takes every exam, or consecutive slots of
    one centre on one day, each starting when the previous one ends or at
    most ``max_gap`` minutes later, such that the exams can be shared out
    among the slots with each slot doing a non-empty part of them that it
    takes (:func:`visit_exams` gives the sharing). Options are listed by
    start, then by slots.

    A trip from which a slot other than the first can be dropped, leaving
    a trip that still does every exam, is not listed: the smaller trip
    starts at the same time in the same centre (equal on every tier of the
    objective) and leaves a slot free. Every other trip is.

    Parameters
    ----------
    request
        The request.
    slots
        Candidate slots, sorted by start.
    max_gap
        Longest wait between two slots of a visit, in minutes.
    """
    options = list(
        visit_chains(request.exams, compatible_slots(request, slots), max_gap)
    )
    options.sort(key=lambda o: (o[0].start, [s.id for s in o]))
    return options


def visit_chains(
    exams: frozenset[str], usable: Sequence[SlotData], max_gap: int
) -> Iterator[tuple[SlotData, ...]]:
    """The options of :func:`visit_options` among slots already known to
    be usable (every rule of :data:`SLOT_RULES` holds), unsorted, lazily.

    Whether a trip is listed depends on its own slots only, so the trips
    among a subset of ``usable`` are those listed here that lie in it:
    requests that ask for the same exams can share one enumeration over
    the union of their usable slots.

    Depth first from each slot: a slot joins the trip if every slot so far
    can still do a distinct exam (else no sharing exists for any longer
    trip), and the trip ends as soon as its slots take every exam (a
    longer one could drop its last slot).
    """
    if len(exams) == 1:
        # A usable slot takes the one exam: each is a trip, none longer.
        yield from ((slot,) for slot in usable)
        return
    order = tuple(sorted(exams))
    full = (1 << len(order)) - 1
    by_place: dict[tuple[str, int], list[tuple[SlotData, int]]] = {}
    for slot in usable:
        mask = _mask(slot.exams, order)
        if mask == full:
            yield (slot,)
        if mask:
            by_place.setdefault((slot.center, slot.day), []).append(
                (slot, mask)
            )
    for place in by_place.values():
        place.sort(key=lambda pair: pair[0].start)
        starts = [slot.start for slot, _ in place]
        for position, (first, mask) in enumerate(place):
            if mask != full:
                yield from _extend(
                    (first,), (mask,), mask, _step(1, mask), full, place,
                    starts, position + 1, max_gap,
                )  # fmt: skip


def visit_exams(
    exams: Collection[ExamCode], slots: Sequence[Collection[ExamCode]]
) -> tuple[frozenset[ExamCode], ...] | None:
    """Which of ``exams`` each slot of a visit does, given the exams each
    slot takes, or ``None`` if no sharing has every slot do at least one
    exam it takes and the visit do them all.

    Deterministic: each slot in turn does as many of the exams left as it
    can while the later slots can still each do one and finish the visit
    (ties: the alphabetically first exams). When every slot can do all
    the exams left that it takes, that is the sharing. The booking lists
    print it, and :func:`~cosen.optimizer.result.verify` checks that it
    exists.
    """
    if len(slots) == 1:
        # One slot does every exam, or the visit cannot be.
        asked = frozenset(exams)
        return (asked,) if asked and asked.issubset(slots[0]) else None
    order = tuple(sorted(frozenset(exams)))
    masks = [_mask(taken, order) for taken in slots]
    shares: list[frozenset[ExamCode]] = []
    left = (1 << len(order)) - 1
    for position, mask in enumerate(masks):
        part = next(
            (
                part
                for part in _parts(mask & left, len(order))
                if _completes(left & ~part, tuple(masks[position + 1 :]))
            ),
            0,
        )
        if not part:
            return None
        shares.append(
            frozenset(e for i, e in enumerate(order) if part >> i & 1)
        )
        left &= ~part
    return tuple(shares) if slots and not left else None


def _mask(exams: Collection[str], order: Sequence[str]) -> int:
    """The exams of ``order`` found in ``exams``, as bits."""
    return sum(1 << i for i, exam in enumerate(order) if exam in exams)


def _parts(mask: int, width: int) -> list[int]:
    """Non-empty subsets of ``mask``, largest first, then alphabetically
    first (lowest bits) first."""
    subsets = []
    subset = mask
    while subset:
        subsets.append(subset)
        subset = (subset - 1) & mask
    return sorted(
        subsets,
        key=lambda s: (-s.bit_count(), [not s >> i & 1 for i in range(width)]),
    )


@cache
def _completes(left: int, masks: tuple[int, ...]) -> bool:
    """Whether slots of these masks can each do a non-empty part of
    ``left`` and together do all of it."""
    union = 0
    reps = 1
    for mask in masks:
        union |= mask
        reps = _step(reps, mask & left)
    return left & ~union == 0 and reps != 0


@cache
def _step(reps: int, mask: int) -> int:
    """Sets of distinct exams, one per slot so far, after one more slot.

    ``reps`` is a set of exam sets written as bits: bit ``u`` stands for
    the exam set whose bits are ``u``. Empty (0) when the slots can no
    longer each do a different exam (Hall's condition fails).
    """
    following = 0
    used = 0
    while reps >> used:
        if reps >> used & 1:
            free = mask & ~used
            while free:
                low = free & -free
                following |= 1 << (used | low)
                free ^= low
        used += 1
    return following


def _extend(
    chain: tuple[SlotData, ...],
    masks: tuple[int, ...],
    covered: int,
    reps: int,
    full: int,
    place: Sequence[tuple[SlotData, int]],
    starts: Sequence[int],
    position: int,
    max_gap: int,
) -> Iterator[tuple[SlotData, ...]]:
    if covered == full:
        if _minimal(chain, masks, full, max_gap):
            yield chain
        return
    last = chain[-1]
    index = bisect.bisect_left(starts, last.end, position)
    latest = last.end + max_gap
    while index < len(place) and starts[index] <= latest:
        slot, mask = place[index]
        following = _step(reps, mask)
        if following:
            yield from _extend(
                (*chain, slot), (*masks, mask), covered | mask, following,
                full, place, starts, index + 1, max_gap,
            )  # fmt: skip
        index += 1


def _minimal(
    chain: Sequence[SlotData],
    masks: tuple[int, ...],
    full: int,
    max_gap: int,
) -> bool:
    """Whether no slot but the first and the last can be dropped from a
    complete trip (dropping the last leaves an incomplete one, or the
    search would have stopped there)."""
    for drop in range(1, len(chain) - 1):
        if chain[drop + 1].start > chain[drop - 1].end + max_gap:
            continue
        if _completes(full, masks[:drop] + masks[drop + 1 :]):
            return False
    return True
