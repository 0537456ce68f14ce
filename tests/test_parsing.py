"""Cell parsers: the contract's formats, and no guessing."""

from __future__ import annotations

from datetime import date, datetime, timedelta
from decimal import Decimal

import pytest
from hypothesis import given
from hypothesis import strategies as st

from cosen.clock import PARIS
from cosen.parsing import (
    CellError,
    french_number,
    national_phone,
    normalize_key,
    parse_date,
    parse_datetime,
    parse_delay_hours,
    parse_number,
    parse_phone,
    parse_positive_int,
    parse_postcode,
    parse_yes_no,
)


def test_normalize_key_ignores_case_accents_spaces_dashes() -> None:
    assert normalize_key(" Délai-Souhaité ") == normalize_key("delai_souhaite")
    assert normalize_key("Mobilité réduite") == "mobilitereduite"


@pytest.mark.parametrize(
    "text, expected",
    [
        ("03/04/2026", date(2026, 4, 3)),  # day first, always
        ("3/4/2026", date(2026, 4, 3)),
        ("03.04.2026", date(2026, 4, 3)),
        ("2026-04-03", date(2026, 4, 3)),
        ("2026-04-03 00:00:00", date(2026, 4, 3)),  # a real date cell
        ("46115", date(2026, 4, 3)),  # tableur serial
    ],
)
def test_dates(text: str, expected: date) -> None:
    assert parse_date(text) == expected


@pytest.mark.parametrize(
    "text",
    ["04/13/2026", "3/4/26", "2026-02-30", "demain", "0", "2026-04-03 10:00"],
)
def test_bad_dates_are_refused(text: str) -> None:
    with pytest.raises(CellError):
        parse_date(text)


@pytest.mark.parametrize(
    "text",
    [
        "27/11/2026 09:30",
        "27/11/2026 9h30",
        "27/11/2026 à 09h30",
        "2026-11-27 09:30:00",
        "2026-11-27T09:30",
        "2026-11-27T08:30:00Z",
        "2026-11-27T09:30:00+01:00",
        "46353.3958333333",
    ],
)
def test_datetimes_are_paris_aware(text: str) -> None:
    assert parse_datetime(text) == datetime(2026, 11, 27, 9, 30, tzinfo=PARIS)


def test_hour_only() -> None:
    assert parse_datetime("27/11/2026 9h").hour == 9


def test_datetime_needs_a_time() -> None:
    with pytest.raises(CellError, match="heure manquante"):
        parse_datetime("27/11/2026")


def test_skipped_hour_on_spring_forward_is_refused() -> None:
    with pytest.raises(CellError, match="inexistante"):
        parse_datetime("29/03/2026 02:30")


def test_repeated_hour_on_fall_back_reads_as_first() -> None:
    moment = parse_datetime("25/10/2026 02:30")
    assert moment.utcoffset() == timedelta(hours=2)


@pytest.mark.parametrize(
    "text, expected",
    [("oui", True), ("NON", False), ("o", True), ("n", False), ("Yes", True),
     ("no", False), ("vrai", True), ("Faux", False), ("x", True), ("X", True),
     ("1", True), ("0", False), ("", None), ("  ", None)],
)  # fmt: skip
def test_yes_no(text: str, expected: bool | None) -> None:
    assert parse_yes_no(text) is expected


def test_yes_no_refuses_other_words() -> None:
    with pytest.raises(CellError):
        parse_yes_no("peut-être")


@pytest.mark.parametrize(
    "text, hours",
    [("24h", 24), ("48 h", 48), ("48", 48), ("24 heures", 24), ("2 jours", 48),
     ("1j", 24), ("72H", 72)],
)  # fmt: skip
def test_delay(text: str, hours: int) -> None:
    assert parse_delay_hours(text) == hours


@pytest.mark.parametrize("text", ["0h", "1.5h", "-24h", "vite", "99999999h"])
def test_bad_delay(text: str) -> None:
    with pytest.raises(CellError):
        parse_delay_hours(text)


def test_postcode_keeps_and_requires_five_digits() -> None:
    assert parse_postcode("08000") == "08000"
    assert parse_postcode("67 000") == "67000"
    with pytest.raises(CellError, match="zéro initial"):
        parse_postcode("8000")
    with pytest.raises(CellError):
        parse_postcode("00100")


@pytest.mark.parametrize(
    "text, e164, mobile",
    [
        ("06 12 34 56 78", "+33612345678", True),
        ("0612345678", "+33612345678", True),
        ("+33 6 12 34 56 78", "+33612345678", True),
        ("0033612345678", "+33612345678", True),
        ("03 88 12 34 56", "+33388123456", False),
        ("+49 30 1234567", "+49301234567", False),
    ],
)
def test_phone(text: str, e164: str, mobile: bool) -> None:
    assert parse_phone(text) == (e164, mobile)


def test_phone_national_format() -> None:
    assert national_phone("+33612345678") == "06 12 34 56 78"
    assert national_phone("+49301234567").startswith("+49")


@pytest.mark.parametrize("text", ["12", "abc", "+33 1"])
def test_bad_phone(text: str) -> None:
    with pytest.raises(CellError):
        parse_phone(text)


def test_positive_int() -> None:
    assert parse_positive_int("15") == 15
    assert parse_positive_int("30.0") == 30
    for text in ("0", "-5", "1e400", "nan", "12.5"):
        with pytest.raises(CellError):
            parse_positive_int(text)


def test_french_number() -> None:
    assert french_number(1234.56) == "1\u202f234,6"
    assert french_number(0.5, None) == "0,5"
    assert french_number(10.0, None) == "10"
    assert french_number(float("nan")) == "—"


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("2,5", 2.5), ("2.5", 2.5), (" 15 ", 15), ("-3", -3), ("+4", 4),
        (",5", 0.5), ("2,", 2), ("2 000", 2000), ("2\u202f000,5", 2000.5),
        ("1\u00a0000", 1000),
    ],
)  # fmt: skip
def test_numbers_as_people_type_them(text: str, expected: float) -> None:
    assert parse_number(text, -10, 10_000) == expected


@pytest.mark.parametrize(
    "text",
    ["", "nan", "inf", "-inf", "1e3", "1_000", "12 34", "1.234,5", "2,5,1",
     "deux", "0x10"],
)  # fmt: skip
def test_what_is_not_a_number(text: str) -> None:
    with pytest.raises(CellError) as caught:
        parse_number(text, -10, 10_000)
    assert str(caught.value) == "nombre attendu"


def test_number_range_and_whole_numbers() -> None:
    with pytest.raises(CellError) as caught:
        parse_number("0,5", 1, 3600)
    assert str(caught.value) == "de 1 à 3\u202f600 attendu"
    with pytest.raises(CellError) as caught:
        parse_number("12,5", 1, 100, integer=True)
    assert str(caught.value) == "nombre entier attendu"
    assert parse_number("12,0", 1, 100, integer=True) == 12
    assert type(parse_number("12", 1, 100, integer=True)) is int
    assert type(parse_number("12", 1, 100)) is float


def test_large_whole_numbers_are_read_exactly() -> None:
    # A float would read a run number past 2**53 as its neighbour.
    top = 2**63 - 1
    assert parse_number("9007199254740993", 1, top, True) == 2**53 + 1
    assert parse_number(str(top), 1, top, True) == top
    with pytest.raises(CellError):
        parse_number(str(top + 1), 1, top, True)


@given(st.integers(-(10**12), 10**12))
def test_whole_numbers_round_trip_as_french_writes_them(value: int) -> None:
    bounds = (-(10**12), 10**12)
    assert parse_number(str(value), *bounds, True) == value
    assert parse_number(french_number(value, None), *bounds, True) == value


@given(st.decimals(-1000, 1000, places=3, allow_nan=False))
def test_decimals_round_trip_with_either_separator(value: Decimal) -> None:
    text = f"{value:f}"
    assert parse_number(text, -1000, 1000) == float(text)
    assert parse_number(text.replace(".", ","), -1000, 1000) == float(text)
