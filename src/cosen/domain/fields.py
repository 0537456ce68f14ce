"""Field types: each accepts spreadsheet text or an already typed value.

A referral typed in a spreadsheet, loaded from the ledger or drawn by the
simulator goes through the same types, so it is checked identically. Their
errors never echo the input: they say what is expected, in French.
"""

from __future__ import annotations

import enum
import re
from collections.abc import Callable
from datetime import date, datetime
from functools import lru_cache
from typing import Annotated, Any, Final

from email_validator import EmailNotValidError, validate_email
from email_validator.rfc_constants import CASE_INSENSITIVE_MAILBOX_NAMES
from pydantic import AfterValidator, BeforeValidator
from pydantic_core import PydanticCustomError

from cosen.clock import PARIS
from cosen.domain.availability import Unavailability, parse_unavailability
from cosen.domain.exams import Exam, ExamLabelError, Group, parse_exams
from cosen.domain.identity import (
    Sex,
    parse_birth_place,
    parse_ins_number,
    parse_sex,
)
from cosen.parsing import (
    CellError,
    normalize_key,
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
    "BirthPlace",
    "Code",
    "Contact",
    "Day",
    "Email",
    "GroupName",
    "Hours",
    "Identifier",
    "InsNumber",
    "LocalDateTime",
    "Minutes",
    "Phone",
    "Postcode",
    "ReferralExams",
    "SexTrait",
    "SlotExams",
    "SlotState",
    "SlotStatus",
    "Text",
    "Unavailabilities",
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


# A local part that email_validator keeps as it is (plain ASCII words
# joined by dots): such an address is its checked domain's, so the domain
# check, the costly part, is done once per domain.
_PLAIN_LOCAL: Final = re.compile(
    r"[A-Za-z0-9_+\-]{1,64}(?:\.[A-Za-z0-9_+\-]+)*"
)
_MAX_EMAIL: Final = 254


def _email(text: str) -> str:
    local, at, domain = text.rpartition("@")
    if (
        at
        and len(local) <= 64
        and _PLAIN_LOCAL.fullmatch(local)
        and local.lower() not in CASE_INSENSITIVE_MAILBOX_NAMES
    ):
        address = f"{local}@{_email_domain(domain)}"
        if len(address) <= _MAX_EMAIL:
            return address
    return _any_email(text)


@lru_cache(maxsize=4096)
def _email_domain(domain: str) -> str:
    """The normalized form of an address's domain (it does not depend on
    the local part)."""
    return _any_email(f"a@{domain}").partition("@")[2]


def _any_email(text: str) -> str:
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


def _remembered(parse: Callable[[str], Any]) -> Callable[[str], Any]:
    """``parse`` remembering its last results: a sheet repeats its dates,
    answers, codes and prescribers (the parsers are pure and their values
    immutable)."""
    return lru_cache(maxsize=1 << 14)(parse)


Text = Annotated[
    str, AfterValidator(clean_text), AfterValidator(_max_length(200))
]
Identifier = Annotated[
    str, AfterValidator(clean_text), AfterValidator(_max_length(64))
]
Code = Annotated[
    str, AfterValidator(_remembered(_code)), AfterValidator(_max_length(32))
]
LocalDateTime = Annotated[
    datetime,
    BeforeValidator(from_text(_remembered(parse_datetime))),
    AfterValidator(_paris),
]
Day = Annotated[date, BeforeValidator(from_text(_remembered(parse_date)))]
YesNo = Annotated[bool, BeforeValidator(from_text(_remembered(parse_yes_no)))]
Postcode = Annotated[
    str, BeforeValidator(from_text(_remembered(parse_postcode)))
]
Phone = Annotated[str, BeforeValidator(from_text(lambda t: parse_phone(t)[0]))]
Email = Annotated[str, BeforeValidator(from_text(_email))]
Contact = Annotated[str, BeforeValidator(from_text(_remembered(_contact)))]


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
    BeforeValidator(from_text(_remembered(parse_delay_hours))),
    AfterValidator(_positive),
]
Minutes = Annotated[
    int,
    BeforeValidator(from_text(parse_positive_int)),
    AfterValidator(_positive),
]
ReferralExams = Annotated[
    tuple[Exam, ...],
    BeforeValidator(from_text(_remembered(lambda t: parse_exams(t, "+")))),
    AfterValidator(_some_exam),
]
SlotExams = Annotated[
    tuple[Exam, ...],
    BeforeValidator(from_text(_remembered(lambda t: parse_exams(t, ",")))),
    AfterValidator(_some_exam),
]
GroupName = Annotated[Group, BeforeValidator(from_text(_remembered(_group)))]
InsNumber = Annotated[str, BeforeValidator(from_text(parse_ins_number))]
SexTrait = Annotated[Sex, BeforeValidator(from_text(parse_sex))]
BirthPlace = Annotated[str, BeforeValidator(from_text(parse_birth_place))]
Unavailabilities = Annotated[
    tuple[Unavailability, ...],
    BeforeValidator(from_text(parse_unavailability)),
]


class SlotStatus(enum.StrEnum):
    """Whether a centre still offers a slot (column ``statut``)."""

    OPEN = "ouvert"
    WITHDRAWN = "annule"


def _slot_status(text: str) -> SlotStatus:
    key = normalize_key(text)
    if key in ("", "ouvert", "open"):
        return SlotStatus.OPEN
    if key in ("annule", "cancelled", "withdrawn"):
        return SlotStatus.WITHDRAWN
    raise CellError("vide, ouvert ou annule attendu")


SlotState = Annotated[SlotStatus, BeforeValidator(from_text(_slot_status))]
