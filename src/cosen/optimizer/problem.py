"""The allocation problem as plain data: requests, slots, visit rules.

The optimizer sees no spreadsheets, no pydantic models and no dates: times
are whole minutes since the Unix epoch, days are integers, exams are codes.
Whatever builds a :class:`Problem` (the allocate command, the batch ledger,
the simulator) has already applied the scheme's eligibility rules and turned
the booking rules that depend on the allocation time (notice, transport lead
time, arrival) into each request's :attr:`Request.earliest`.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Iterator, Sequence
from dataclasses import dataclass, field
from typing import Final

__all__ = [
    "DEFAULT_MAX_GAP",
    "ONE_TRIP",
    "SLOT_RULES",
    "Problem",
    "Request",
    "SlotData",
    "SlotRule",
    "blocking_rule",
    "compatible",
    "compatible_slots",
    "visit_options",
]

DEFAULT_MAX_GAP: Final = 90
"""Minutes allowed between the end of a visit's slot and the next one."""


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
    SlotRule(
        "unavailable",
        lambda r, s: not any(a <= s.start < b for a, b in r.unavailable),
    ),
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
    if visit_options(request, slots, max_gap):
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
            tuple(sorted(requests, key=lambda r: (r.rank, r.id))),
            tuple(sorted(slots, key=lambda s: (s.start, s.center, s.id))),
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
    most ``max_gap`` minutes later, each doing at least one exam not done
    before. Options are listed by start, then by slots.

    Parameters
    ----------
    request
        The request.
    slots
        Candidate slots, sorted by start.
    max_gap
        Longest wait between two slots of a visit, in minutes.
    """
    usable = compatible_slots(request, slots)
    options: list[tuple[SlotData, ...]] = [
        (s,) for s in usable if request.exams <= s.exams
    ]
    if len(request.exams) < 2:
        return options
    by_place: dict[tuple[str, int], list[SlotData]] = {}
    for slot in usable:
        by_place.setdefault((slot.center, slot.day), []).append(slot)
    for place in by_place.values():
        for position, first in enumerate(place):
            _extend(
                (first,), first.exams & request.exams, request.exams,
                place[position + 1:], max_gap, options,
            )  # fmt: skip
    options.sort(key=lambda o: (o[0].start, [s.id for s in o]))
    return options


def _extend(
    chain: tuple[SlotData, ...],
    done: frozenset[str],
    wanted: frozenset[str],
    later: Sequence[SlotData],
    max_gap: int,
    found: list[tuple[SlotData, ...]],
) -> None:
    if done == wanted:
        if len(chain) > 1:
            found.append(chain)
        return
    last = chain[-1]
    for position, slot in enumerate(later):
        if slot.start > last.end + max_gap:
            break
        new = (slot.exams & wanted) - done
        if slot.start >= last.end and new:
            _extend(
                (*chain, slot), done | new, wanted, later[position + 1:],
                max_gap, found,
            )  # fmt: skip
