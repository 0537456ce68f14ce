"""French words for dates, times and people, as outputs print them.

No locale is involved: a workstation's locale must not change what a
centre or a patient reads.
"""

from __future__ import annotations

from datetime import date, datetime
from functools import lru_cache
from typing import Final

from cosen.clock import PARIS
from cosen.domain import Referral
from cosen.parsing import national_phone, parse_phone

__all__ = [
    "clock_time",
    "is_mobile",
    "long_date",
    "numeric_date",
    "patient_name",
    "phone_text",
    "short_date",
]

_WEEKDAYS: Final = (
    "lundi", "mardi", "mercredi", "jeudi", "vendredi", "samedi", "dimanche",
)  # fmt: skip
_MONTHS: Final = (
    "janvier", "février", "mars", "avril", "mai", "juin", "juillet",
    "août", "septembre", "octobre", "novembre", "décembre",
)  # fmt: skip


def _day(moment: date) -> date:
    if isinstance(moment, datetime):
        return moment.astimezone(PARIS).date()
    return moment


def long_date(moment: date) -> str:
    """``vendredi 27 novembre 2026`` (``1er`` on the first of a month)."""
    day = _day(moment)
    number = "1er" if day.day == 1 else str(day.day)
    return (
        f"{_WEEKDAYS[day.weekday()]} {number} {_MONTHS[day.month - 1]} "
        f"{day.year}"
    )


def numeric_date(moment: date) -> str:
    """``27/11/2026``."""
    return f"{_day(moment):%d/%m/%Y}"


def short_date(moment: date) -> str:
    """``27/11``."""
    return f"{_day(moment):%d/%m}"


def clock_time(moment: datetime) -> str:
    """``9h05``, Paris time."""
    local = moment.astimezone(PARIS)
    return f"{local.hour}h{local.minute:02d}"


def patient_name(referral: Referral) -> str:
    """Birth name in capitals, first name, used name if any:
    ``LŒWENBRÜCK Zoé (nom d'usage : MARTIN)``."""
    name = f"{referral.birth_name.upper()} {referral.first_name}"
    if referral.used_name:
        name += f" (nom d'usage : {referral.used_name.upper()})"
    return name


# A patient's number is written on several files: parse it once.
@lru_cache(maxsize=1 << 16)
def phone_text(e164: str) -> str:
    """A stored (E.164) number as people write it: ``06 12 34 56 78``."""
    return national_phone(e164)


@lru_cache(maxsize=1 << 16)
def is_mobile(e164: str) -> bool:
    """Whether a stored number takes SMS."""
    return parse_phone(e164)[1]
