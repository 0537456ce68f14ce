"""Field types: each accepts spreadsheet text or an already typed value.

A referral typed in a spreadsheet, loaded from the ledger or drawn by the
simulator goes through the same types, so it is checked identically. Their
errors never echo the input: they say what is expected, in French.
"""

from __future__ import annotations

import re
from collections.abc import Callable
from datetime import date, datetime
from typing import Annotated, Any

from email_validator import EmailNotValidError, validate_email
from pydantic import AfterValidator, BeforeValidator
from pydantic_core import PydanticCustomError

from cosen.clock import PARIS
from cosen.domain.exams import Exam, ExamLabelError, Group, parse_exams
from cosen.parsing import (
    CellError,
    parse_date,
    parse_datetime,
    parse_delay_hours,
    parse_phone,
    parse_positive_int,
    parse_postcode,
    parse_yes_no,
    strip_accents,
)

__all__ = [
    "Code",
    "Contact",
    "Day",
    "Email",
    "GroupName",
    "Hours",
    "Identifier",
    "LocalDateTime",
    "Minutes",
    "Phone",
    "Postcode",
    "ReferralExams",
    "SlotExams",
    "Text",
    "YesNo",
    "clean_text",
    "from_text",
]


def from_text(
    parse: Callable[[str], Any],
) -> Callable[[Any], Any]:
    """Wrap a text parser so pydantic reports its French message."""

    def validate(value: Any) -> Any:
        if not isinstance(value, str):
            return value
        try:
            return parse(value)
        except ExamLabelError as exc:
            raise PydanticCustomError(
                "exam_labels",
                "{labels}",
                {
                    "labels": str(exc),
                    "complex": exc.complex,
                    "unknown": exc.unknown,
                },
            ) from None
        except CellError as exc:
            raise PydanticCustomError("cell", str(exc)) from None
        except ValueError:
            # A library's message may quote the input: never show it.
            raise PydanticCustomError("cell", "valeur invalide") from None

    return validate


def clean_text(value: str) -> str:
    return " ".join(value.split())


def _max_length(limit: int) -> Callable[[str], str]:
    def check(value: str) -> str:
        if not value:
            raise PydanticCustomError("cell", "valeur vide")
        if len(value) > limit:
            raise PydanticCustomError("cell", f"{limit} caractères au plus")
        return value

    return check


def _paris(value: datetime) -> datetime:
    if value.tzinfo is None:
        raise PydanticCustomError("cell", "fuseau horaire manquant")
    return value.astimezone(PARIS)


def _email(text: str) -> str:
    try:
        return str(validate_email(text, check_deliverability=False).normalized)
    except EmailNotValidError:
        raise CellError("adresse e-mail invalide") from None


def _contact(text: str) -> str:
    """A prescriber's contact: an email address or a phone number."""
    if "@" in text:
        return _email(text)
    return parse_phone(text)[0]


def _group(text: str) -> Group:
    try:
        return Group(_code(text))
    except ValueError:
        raise CellError("MIM ou SIMSE attendu") from None


def _code(value: str) -> str:
    """A centre or group code: letters, digits, ``-`` and ``_``, upper case
    (it names the centre's file and is matched against preferences)."""
    code = "".join(strip_accents(value).split()).upper()
    if not re.fullmatch(r"[A-Z0-9][A-Z0-9_-]*", code):
        raise PydanticCustomError(
            "cell", "code attendu : lettres, chiffres, - ou _ (ex. MIM-1)"
        )
    return code


Text = Annotated[
    str, AfterValidator(clean_text), AfterValidator(_max_length(200))
]
Identifier = Annotated[
    str, AfterValidator(clean_text), AfterValidator(_max_length(64))
]
Code = Annotated[str, AfterValidator(_code), AfterValidator(_max_length(32))]
LocalDateTime = Annotated[
    datetime,
    BeforeValidator(from_text(parse_datetime)),
    AfterValidator(_paris),
]
Day = Annotated[date, BeforeValidator(from_text(parse_date))]
YesNo = Annotated[bool, BeforeValidator(from_text(parse_yes_no))]
Postcode = Annotated[str, BeforeValidator(from_text(parse_postcode))]
Phone = Annotated[str, BeforeValidator(from_text(lambda t: parse_phone(t)[0]))]
Email = Annotated[str, BeforeValidator(from_text(_email))]
Contact = Annotated[str, BeforeValidator(from_text(_contact))]


def _positive(value: int) -> int:
    # Typed values (ledger, simulator) skip the text parsers' checks.
    if value <= 0:
        raise PydanticCustomError("cell", "nombre supérieur à 0 attendu")
    return value


def _some_exam(exams: tuple[Exam, ...]) -> tuple[Exam, ...]:
    if not exams:
        raise PydanticCustomError("cell", "aucun examen indiqué")
    return exams


Hours = Annotated[
    int,
    BeforeValidator(from_text(parse_delay_hours)),
    AfterValidator(_positive),
]
Minutes = Annotated[
    int,
    BeforeValidator(from_text(parse_positive_int)),
    AfterValidator(_positive),
]
ReferralExams = Annotated[
    tuple[Exam, ...],
    BeforeValidator(from_text(lambda t: parse_exams(t, "+"))),
    AfterValidator(_some_exam),
]
SlotExams = Annotated[
    tuple[Exam, ...],
    BeforeValidator(from_text(lambda t: parse_exams(t, ","))),
    AfterValidator(_some_exam),
]
GroupName = Annotated[Group, BeforeValidator(from_text(_group))]
