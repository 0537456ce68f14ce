"""The patient's national health identity (INS): matricule and traits.

French identity-vigilance rules ask exchanged documents to carry the INS
when it is known: the matricule (the NIR, or a temporary NIA) and the
traits it goes with (sex, first names at birth, birth place). The
matricule is checked here on its own (15 characters, its key) and against
the referral's other traits by :func:`ins_issues`.

A matricule is 13 characters and a 2-digit key: sex (1), year (2), month
(2), department (2: ``2A`` and ``2B`` for Corsica), commune (3), order (3);
the key is 97 minus the 13-digit number modulo 97, Corsica's ``2A`` and
``2B`` counting as 19 and 18.
"""

from __future__ import annotations

import enum
import re
from datetime import date
from typing import Final

from cosen.domain.reasons import Issue, Reason
from cosen.parsing import CellError

__all__ = [
    "Sex",
    "ins_issues",
    "ins_key",
    "parse_birth_place",
    "parse_ins_number",
    "parse_sex",
]

_MATRICULE: Final = re.compile(r"[1-478]\d{4}(?:\d\d|2A|2B)\d{6}\d{2}")
_CORSICA: Final = {"2A": "19", "2B": "18"}
_MALE_DIGITS: Final = frozenset("137")
# Months 20 to 42 and 50 to 99 stand for a birth month that is unknown.
_UNKNOWN_MONTHS: Final = frozenset(range(20, 43)) | frozenset(range(50, 100))


class Sex(enum.StrEnum):
    """The INS trait « sexe »."""

    FEMALE = "F"
    MALE = "M"
    UNDETERMINED = "I"


def parse_sex(text: str) -> Sex:
    """``F``, ``M`` or ``I`` (any case)."""
    try:
        return Sex(text.strip().upper())
    except ValueError:
        raise CellError("F, M ou I attendu") from None


def ins_key(number: str) -> int:
    """The key of a matricule's first 13 characters."""
    digits = number[:5] + _CORSICA.get(number[5:7], number[5:7]) + number[7:]
    return 97 - int(digits[:13]) % 97


def parse_ins_number(text: str) -> str:
    """A matricule INS: 15 characters, spaces ignored, its key right.

    Raises
    ------
    CellError
        When it is not 13 characters and a key, or the key is wrong.
    """
    number = "".join(text.split()).upper()
    if not _MATRICULE.fullmatch(number):
        raise CellError(
            "15 caractères attendus : 13 chiffres (2A ou 2B pour la Corse) "
            "et une clé de 2 chiffres"
        )
    if ins_key(number) != int(number[13:]):
        raise CellError("clé du matricule INS incorrecte (faute de frappe ?)")
    return number


def parse_birth_place(text: str) -> str:
    """The INSEE code of the birth commune: 5 characters (``2A004``,
    ``99135`` abroad)."""
    code = "".join(text.split()).upper()
    if not re.fullmatch(r"(?:\d\d|2A|2B)\d{3}", code):
        raise CellError(
            "code INSEE de la commune de naissance attendu (5 caractères, "
            "99xxx à l'étranger)"
        )
    return code


def ins_issues(
    ins_number: str | None, sex: Sex | None, birth_date: date
) -> list[Issue]:
    """What the matricule says that the referral contradicts: its sex
    digit against ``sexe`` (``I`` agrees with any), its year and month
    against the birth date."""
    if ins_number is None:
        return []
    disagreements = []
    if sex in (Sex.FEMALE, Sex.MALE) and (
        (ins_number[0] in _MALE_DIGITS) != (sex is Sex.MALE)
    ):
        disagreements.append("le sexe ne correspond pas à la colonne sexe")
    if int(ins_number[1:3]) != birth_date.year % 100:
        disagreements.append(
            "l'année de naissance ne correspond pas à date_naissance"
        )
    month = int(ins_number[3:5])
    if month not in _UNKNOWN_MONTHS and month != birth_date.month:
        disagreements.append(
            "le mois de naissance ne correspond pas à date_naissance"
        )
    return [
        Issue(Reason.INVALID_FIELD, "matricule_ins", what)
        for what in disagreements
    ]
