"""When a patient cannot come (``indisponibilites``), as the contract
writes it.

Items are separated by ``;``, each one of: a weekday (``lundi`` ...
``dimanche``), a date ``JJ/MM/AAAA``, a period ``du JJ/MM/AAAA au
JJ/MM/AAAA`` (both days included); a weekday or a date may be followed by
``matin`` (before 13:00) or ``après-midi`` (from 13:00). Case and accents
are ignored. A slot that starts inside an unavailability is never offered
to the patient (:mod:`cosen.allocation.problem` turns them into periods of
minutes for the optimizer's rule).
"""

from __future__ import annotations

import enum
import re
from collections.abc import Iterator, Sequence
from dataclasses import dataclass
from datetime import date, datetime, time, timedelta
from typing import Final

from cosen.clock import localize
from cosen.parsing import CellError, parse_date, strip_accents

__all__ = [
    "DayPart",
    "Unavailability",
    "parse_unavailability",
    "unavailable_text",
]

AFTERNOON: Final = time(13, 0)
_WEEKDAYS: Final = (
    "lundi", "mardi", "mercredi", "jeudi", "vendredi", "samedi", "dimanche",
)  # fmt: skip
_DATE: Final = r"\d{1,2}/\d{1,2}/\d{4}"
_PART: Final = r"(?:\s+(?P<part>matin|apres-midi|apresmidi|apres midi))?"
_ITEM: Final = re.compile(
    rf"(?:(?P<weekday>{'|'.join(_WEEKDAYS)})|(?P<day>{_DATE})){_PART}"
    rf"|du\s+(?P<first>{_DATE})\s+au\s+(?P<last>{_DATE})"
)


class DayPart(enum.StrEnum):
    """Which part of a day an item covers."""

    DAY = "journée"
    MORNING = "matin"
    AFTERNOON = "après-midi"

    def hours(self) -> tuple[time, time | None]:
        """Local start and end of the part (``None``: midnight after)."""
        if self is DayPart.MORNING:
            return time(0, 0), AFTERNOON
        if self is DayPart.AFTERNOON:
            return AFTERNOON, None
        return time(0, 0), None


@dataclass(frozen=True)
class Unavailability:
    """One item: every given weekday, or the days from ``first`` to
    ``last`` (one day when equal), whole or a part of them.

    Attributes
    ----------
    weekday
        0 (Monday) to 6, or ``None`` for dates.
    first, last
        The days covered, or ``None`` for a weekday.
    part
        The part of each day covered.
    """

    weekday: int | None = None
    first: date | None = None
    last: date | None = None
    part: DayPart = DayPart.DAY

    def __post_init__(self) -> None:
        dated = self.first is not None and self.last is not None
        if (self.weekday is None) == (not dated):
            raise ValueError("a weekday, or a first and last day")
        if dated and self.first > self.last:  # type: ignore[operator]
            raise ValueError("a period ends before it starts")

    def periods(
        self, first: date, last: date
    ) -> Iterator[tuple[datetime, datetime]]:
        """The moments covered between days ``first`` and ``last``, as
        aware (start, end) pairs, end excluded; DST-safe."""
        start_time, end_time = self.part.hours()
        day = first if self.first is None else max(first, self.first)
        stop = last if self.last is None else min(last, self.last)
        while day <= stop:
            if self.weekday is None or day.weekday() == self.weekday:
                start = localize(datetime.combine(day, start_time))
                end = localize(
                    datetime.combine(day, end_time)
                    if end_time is not None
                    else datetime.combine(day + timedelta(days=1), time())
                )
                yield start, end
            day += timedelta(days=1)

    def text(self) -> str:
        """The item as a coordinator writes it."""
        part = "" if self.part is DayPart.DAY else f" {self.part.value}"
        if self.weekday is not None:
            return _WEEKDAYS[self.weekday] + part
        assert self.first is not None and self.last is not None
        if self.first == self.last:
            return f"{self.first:%d/%m/%Y}{part}"
        return f"du {self.first:%d/%m/%Y} au {self.last:%d/%m/%Y}"


def parse_unavailability(text: str) -> tuple[Unavailability, ...]:
    """Read a cell of unavailabilities, in the order written.

    Raises
    ------
    CellError
        Naming the first item that cannot be read (an unavailability is a
        patient's constraint: nothing is guessed).
    """
    found = []
    for raw in text.split(";"):
        item = " ".join(raw.split())
        if not item:
            continue
        found.append(_item(item))
    return tuple(found)


def _item(item: str) -> Unavailability:
    key = strip_accents(item).casefold()
    match = _ITEM.fullmatch(key)
    if match is None:
        raise CellError(
            f"« {item} » illisible (lundi, 04/12/2026, mardi matin, du "
            "07/12/2026 au 11/12/2026…)"
        )
    part = {
        None: DayPart.DAY,
        "matin": DayPart.MORNING,
    }.get(match["part"], DayPart.AFTERNOON)
    try:
        if match["weekday"]:
            return Unavailability(_WEEKDAYS.index(match["weekday"]), part=part)
        if match["day"]:
            day = parse_date(match["day"])
            return Unavailability(first=day, last=day, part=part)
        first, last = parse_date(match["first"]), parse_date(match["last"])
    except CellError as error:
        raise CellError(f"« {item} » : {error}") from None
    if first > last:
        raise CellError(f"« {item} » : la période finit avant de commencer")
    return Unavailability(first=first, last=last)


def unavailable_text(items: Sequence[Unavailability]) -> str:
    """Items as a coordinator writes them, ``; `` between."""
    return " ; ".join(item.text() for item in items)
