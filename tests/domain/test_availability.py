"""Patient unavailability: the contract's items, read strictly."""

from __future__ import annotations

from datetime import date, datetime

import pytest

from cosen.clock import PARIS, minutes
from cosen.domain import Reason, check_referral
from cosen.domain.availability import (
    DayPart,
    Unavailability,
    parse_unavailability,
    unavailable_text,
)
from cosen.parsing import CellError
from tests.factories import referral_row


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("lundi", [Unavailability(0)]),
        ("Mardi matin", [Unavailability(1, part=DayPart.MORNING)]),
        ("VENDREDI après-midi", [Unavailability(4, part=DayPart.AFTERNOON)]),
        ("samedi apres-midi", [Unavailability(5, part=DayPart.AFTERNOON)]),
        (
            "04/12/2026",
            [Unavailability(first=date(2026, 12, 4), last=date(2026, 12, 4))],
        ),
        (
            "4/12/2026 matin",
            [
                Unavailability(
                    first=date(2026, 12, 4),
                    last=date(2026, 12, 4),
                    part=DayPart.MORNING,
                )
            ],
        ),
        (
            "du 07/12/2026 au 11/12/2026",
            [Unavailability(first=date(2026, 12, 7), last=date(2026, 12, 11))],
        ),
        (
            " mardi matin ;; Jeudi ; ",
            [Unavailability(1, part=DayPart.MORNING), Unavailability(3)],
        ),
    ],
)
def test_items_are_read(text: str, expected: list[Unavailability]) -> None:
    assert list(parse_unavailability(text)) == expected


@pytest.mark.parametrize(
    "text",
    ["mardi matinn", "12/04", "du 11/12/2026 au 07/12/2026", "31/02/2026",
     "lundi; demain", "du 07/12/2026"],
)  # fmt: skip
def test_unreadable_items_are_named(text: str) -> None:
    with pytest.raises(CellError):
        parse_unavailability(text)


def test_an_unreadable_item_rejects_the_referral_naming_it() -> None:
    _, issues, _ = check_referral(
        referral_row(unavailable="lundi ; mardi matinn")
    )
    (issue,) = issues
    assert issue.reason is Reason.INVALID_FIELD
    assert issue.column == "indisponibilites"
    assert "« mardi matinn »" in (issue.detail or "")


def test_periods_follow_paris_time_across_the_clock_change() -> None:
    """Sunday 25/10/2026 lasts 25 hours: the day's period too."""
    (sunday,) = parse_unavailability("dimanche")
    ((start, end),) = sunday.periods(date(2026, 10, 24), date(2026, 10, 26))
    assert start == datetime(2026, 10, 25, 0, 0, tzinfo=PARIS)
    assert minutes(end) - minutes(start) == 25 * 60
    (afternoon,) = parse_unavailability("25/10/2026 après-midi")
    ((start, end),) = afternoon.periods(date(2026, 10, 1), date(2026, 10, 31))
    assert start.hour == 13 and end == datetime(2026, 10, 26, tzinfo=PARIS)


def test_text_round_trip() -> None:
    text = "mardi matin ; 04/12/2026 après-midi ; du 07/12/2026 au 11/12/2026"
    items = parse_unavailability(text)
    assert unavailable_text(items) == text
    assert parse_unavailability(unavailable_text(items)) == items
