"""Text-to-value parsers for spreadsheet cells, in the contract's formats.

Every cell reaches these functions as text (readers never let a spreadsheet
tool guess types), and each function either returns a typed value or raises
:class:`CellError` with a short French explanation that quotes no input, so
that it can be shown next to a row number without leaking personal data.

Nothing here guesses: a day-first date is never read month-first, a
four-digit postcode is not padded, a date without a time is not midnight.
"""

from __future__ import annotations

import functools
import math
import re
import unicodedata
from datetime import date, datetime, time, timedelta
from decimal import Decimal

import phonenumbers

from cosen.clock import PARIS, localize

__all__ = [
    "CellError",
    "french_datetime",
    "french_duration",
    "french_number",
    "normalize_key",
    "parse_date",
    "parse_datetime",
    "parse_delay_hours",
    "parse_number",
    "parse_phone",
    "parse_positive_int",
    "parse_postcode",
    "parse_yes_no",
    "printable",
    "range_text",
]

# Excel's day zero (the 1900 leap-year bug is absorbed by starting on the
# 30th) and the last day it can show (31/12/9999).
_EXCEL_EPOCH = datetime(1899, 12, 30)
_EXCEL_MAX_SERIAL = 2_958_465
# Dates of the scheme (births, referrals, slots): anything else is a typo,
# and the extremes of ``datetime`` overflow when converted between zones.
_FIRST_YEAR = 1900
_LAST_YEAR = 2199


class CellError(ValueError):
    """A cell holds text that does not fit its column; message in French."""


def normalize_key(text: str) -> str:
    """Fold text for loose matching: no case, accents, spaces, ``_``, ``-``.

    >>> normalize_key(" Délai_Souhaité ")
    'delaisouhaite'
    """
    return re.sub(r"[\s_\-]+", "", strip_accents(text).casefold())


# Terminal escape sequences: CSI (ESC [ or 0x9B ... final byte), OSC, DCS,
# SOS, PM, APC (ESC ] P X ^ _ or their C1 forms, up to BEL or ST), and the
# two-character ESC forms.
_ESCAPES = re.compile(
    r"(?:\x1b\[|\x9b)[0-?]*[ -/]*[@-~]?"
    r"|(?:\x1b[\]PX^_]|[\x90\x98\x9d\x9e\x9f])[^\x07\x1b\x9c]*"
    r"(?:\x07|\x1b\\|\x9c)?"
    r"|\x1b[ -~]?"
)


def printable(text: str) -> str:
    """``text`` made safe to show on a terminal, on one line.

    Escape sequences are removed whole; other control and format
    characters (C0, DEL, C1, bidirectional overrides, zero-width) are
    removed, line and tab characters become spaces, and a character that
    cannot be written (a lone surrogate) becomes U+FFFD. Text read from a
    user's file goes through here before it is echoed: an id holding
    escape sequences could retitle the window or print fake lines.
    """
    if text.isprintable():
        return text
    text = _ESCAPES.sub("", text)
    kept = []
    for char in text:
        if char.isprintable() or char == " ":
            kept.append(char)
            continue
        category = unicodedata.category(char)
        if char in "\t\n\r\x0b\x0c\x85" or category in ("Zl", "Zp"):
            kept.append(" ")
        elif category == "Cs":
            kept.append("\ufffd")
        elif category.startswith("Z") or category in ("Co", "Cn"):
            kept.append(char)
    return "".join(kept)


def strip_accents(text: str) -> str:
    """Remove diacritics and expand ligatures (``Œ`` becomes ``OE``)."""
    decomposed = unicodedata.normalize("NFKD", text)
    plain = "".join(c for c in decomposed if not unicodedata.combining(c))
    return plain.replace("œ", "oe").replace("Œ", "OE").replace("æ", "ae")


def words(text: str) -> list[str]:
    """Lower-case, accent-free alphanumeric words of ``text``."""
    return re.findall(r"[a-z0-9]+", strip_accents(text).casefold())


_YES = frozenset({"oui", "o", "yes", "y", "vrai", "true", "x", "1"})
_NO = frozenset({"non", "n", "no", "faux", "false", "0"})


def parse_yes_no(text: str) -> bool | None:
    """Read a yes/no cell; ``None`` for an empty cell.

    Accepts ``oui/non``, ``o/n``, ``yes/no``, ``vrai/faux``, ``x``/empty
    and ``1/0``, without regard to case or accents.
    """
    key = normalize_key(text)
    if not key:
        return None
    if key in _YES:
        return True
    if key in _NO:
        return False
    raise CellError("réponse oui/non attendue (oui, non, x, 1, 0…)")


_ISO = re.compile(
    r"(?P<y>\d{4})-(?P<m>\d{1,2})-(?P<d>\d{1,2})"
    r"(?:[T ](?P<H>\d{1,2}):(?P<M>\d{2})(?::(?P<S>\d{2})(?:\.\d+)?)?"
    r"(?P<tz>Z|[+-]\d{2}:?\d{2})?)?"
)
_FRENCH = re.compile(
    r"(?P<d>\d{1,2})[/.-](?P<m>\d{1,2})[/.-](?P<y>\d+)"
    r"(?:(?:\s+|\s*[aà]\s*|T)(?P<H>\d{1,2})"
    r"(?:\s*[hH]\s*(?P<Mh>\d{2})?|:(?P<M>\d{2})(?::(?P<S>\d{2}))?))?"
)
_SERIAL = re.compile(r"\d+(?:[.,]\d+)?")


def _match(text: str) -> tuple[datetime, bool, str | None]:
    """Split a date or date-time cell into (naive value, has time, offset)."""
    text = text.strip()
    if not text:
        raise CellError("valeur vide")
    if _SERIAL.fullmatch(text):
        serial = float(text.replace(",", "."))
        if not 1 <= serial <= _EXCEL_MAX_SERIAL:
            raise CellError("numéro de date de tableur hors limites")
        seconds = round(serial * 86_400)
        value = _EXCEL_EPOCH + timedelta(seconds=seconds)
        if not _FIRST_YEAR <= value.year <= _LAST_YEAR:
            raise CellError(
                f"année attendue entre {_FIRST_YEAR} et {_LAST_YEAR}"
            )
        return value, seconds % 86_400 != 0, None
    found = _ISO.fullmatch(text)
    if found is None:
        found = _FRENCH.fullmatch(text)
        if found is None:
            raise CellError("date attendue au format JJ/MM/AAAA")
        if len(found["y"]) != 4:
            raise CellError("année sur 4 chiffres attendue (JJ/MM/AAAA)")
    parts = found.groupdict()
    if not _FIRST_YEAR <= int(parts["y"]) <= _LAST_YEAR:
        raise CellError(f"année attendue entre {_FIRST_YEAR} et {_LAST_YEAR}")
    try:
        day = date(int(parts["y"]), int(parts["m"]), int(parts["d"]))
    except ValueError:
        raise CellError(
            "date inexistante (format JJ/MM/AAAA attendu, jour en premier)"
        ) from None
    if parts["H"] is None:
        return datetime.combine(day, time()), False, None
    try:
        clock = time(
            int(parts["H"]),
            int(parts["M"] or parts.get("Mh") or 0),
            int(parts["S"] or 0),
        )
    except ValueError:
        raise CellError("heure invalide (HH:MM attendu)") from None
    return datetime.combine(day, clock), True, parts.get("tz")


def parse_date(text: str) -> date:
    """Read a date: ``JJ/MM/AAAA``, ISO ``AAAA-MM-JJ`` or a tableur serial.

    A real spreadsheet date cell arrives as ISO text at midnight and is
    accepted; any other time of day is refused rather than dropped.
    """
    value, has_time, _ = _match(text)
    if has_time and value.time() != time():
        raise CellError("date sans heure attendue")
    return value.date()


def parse_datetime(text: str) -> datetime:
    """Read a date and time as an aware Europe/Paris datetime.

    Accepts what :func:`parse_date` accepts followed by ``HH:MM``,
    ``HHhMM`` or ``HHh``; ISO text may carry an offset, converted to Paris
    time. A date alone is refused: midnight would be a guess.
    """
    value, has_time, offset = _match(text)
    if not has_time:
        raise CellError("heure manquante (JJ/MM/AAAA HH:MM attendu)")
    if offset is None:
        try:
            return localize(value)
        except ValueError as exc:
            raise CellError(str(exc)) from None
    if offset == "Z":
        offset = "+00:00"
    try:
        aware = datetime.fromisoformat(value.isoformat() + _colon(offset))
    except ValueError:
        raise CellError("décalage horaire invalide") from None
    return aware.astimezone(PARIS)


def _colon(offset: str) -> str:
    return offset if ":" in offset else f"{offset[:3]}:{offset[3:]}"


_DELAY = re.compile(
    r"(?P<n>\d{1,4}(?:[.,]\d{1,4})?)\s*(?P<unit>h|hr?s?|heures?|hours?|j|jours?|"
    r"days?)?"
)


def parse_delay_hours(text: str) -> int:
    """Read a desired delay as whole hours: ``24h``, ``48``, ``2 jours``."""
    found = _DELAY.fullmatch(strip_accents(text).strip().casefold())
    if found is None:
        raise CellError("délai attendu en heures (24h, 48h)")
    amount = float(found["n"].replace(",", "."))
    unit = found["unit"] or "h"
    hours = amount * 24 if unit[0] in "jd" else amount
    if hours != int(hours) or hours <= 0:
        raise CellError("délai attendu en heures entières, supérieur à 0")
    return int(hours)


def parse_positive_int(text: str) -> int:
    """Read a whole number from 1 to 9999 (``15`` or ``15.0``)."""
    found = re.fullmatch(r"0*(\d{1,4})(?:[.,]0*)?", text.strip())
    if found is None or int(found[1]) == 0:
        raise CellError("nombre entier de 1 à 9999 attendu")
    return int(found[1])


_NUMBER = re.compile(
    r"[+-]?(?:\d{1,3}(?:[ \u00a0\u202f]\d{3})+|\d+)(?:[.,]\d*)?|[+-]?[.,]\d+"
)


def parse_number(
    text: str, low: float, high: float, integer: bool = False
) -> float:
    """Read a number typed by hand, ``2,5`` or ``2.5``, from ``low`` to
    ``high``; thousands may be spaced (``2 000``).

    Read exactly: with ``integer``, an ``int``, however large. Nothing else
    is a number (``nan``, ``inf``, ``1e3``, ``1_000``).

    Raises
    ------
    CellError
        Not a number, not a whole one when ``integer``, or out of range.
    """
    cleaned = text.strip()
    if not _NUMBER.fullmatch(cleaned):
        raise CellError("nombre attendu")
    exact = Decimal(re.sub(r"[ \u00a0\u202f]", "", cleaned).replace(",", "."))
    if integer and exact != exact.to_integral_value():
        raise CellError("nombre entier attendu")
    if not low <= exact <= high:
        raise CellError(f"{range_text(low, high)} attendu")
    return int(exact) if integer else float(exact)


def range_text(low: float, high: float) -> str:
    """A range as messages say it: ``de 1 à 3 600``."""
    return f"de {french_number(low, None)} à {french_number(high, None)}"


def parse_postcode(text: str) -> str:
    """Read a French postcode: exactly five digits, never padded."""
    code = re.sub(r"\s+", "", text)
    if re.fullmatch(r"\d{4}", code):
        raise CellError(
            "5 chiffres attendus (zéro initial perdu ? saisir la colonne "
            "au format texte)"
        )
    if not re.fullmatch(r"\d{5}", code) or code.startswith("00"):
        raise CellError("code postal à 5 chiffres attendu")
    return code


# A French number written nationally, in pairs or not, with at most one
# space, dot or dash between pairs: read without phonenumbers' general
# parser (the same result, ten times faster; tested against it).
_NATIONAL = re.compile(
    r"0([1-9])[ .\-]?(\d\d)[ .\-]?(\d\d)[ .\-]?(\d\d)[ .\-]?(\d\d)"
)
_MOBILE_KINDS = frozenset(
    {
        phonenumbers.PhoneNumberType.MOBILE,
        phonenumbers.PhoneNumberType.FIXED_LINE_OR_MOBILE,
    }
)


def parse_phone(text: str) -> tuple[str, bool]:
    """Read a phone number; return its E.164 form and whether it is mobile.

    French numbers may be written nationally (``06 12 34 56 78``), other
    countries need their ``+`` or ``00`` prefix.
    """
    cleaned = text.strip()
    national = _NATIONAL.fullmatch(cleaned)
    if national is not None:
        digits = "".join(national.groups())
        kind = _french_type(digits)
        if kind == phonenumbers.PhoneNumberType.UNKNOWN:
            raise CellError("numéro de téléphone invalide")
        return "+33" + digits, kind in _MOBILE_KINDS
    return _parse_any_phone(cleaned)


@functools.cache
def _french_descriptions() -> tuple[tuple[re.Pattern[str], int], ...]:
    """France's number types from phonenumbers' metadata, in the order of
    its own type lookup (``_number_type_helper``): (pattern, type), the
    general description first. Only 9-digit types are kept: a national
    number read by ``_NATIONAL`` has 9 digits."""
    kinds = phonenumbers.PhoneNumberType
    metadata = phonenumbers.PhoneMetadata.metadata_for_region("FR")
    assert metadata is not None and not (
        metadata.same_mobile_and_fixed_line_pattern
    )
    order = [
        (metadata.general_desc, kinds.UNKNOWN),
        (metadata.premium_rate, kinds.PREMIUM_RATE),
        (metadata.toll_free, kinds.TOLL_FREE),
        (metadata.shared_cost, kinds.SHARED_COST),
        (metadata.voip, kinds.VOIP),
        (metadata.personal_number, kinds.PERSONAL_NUMBER),
        (metadata.pager, kinds.PAGER),
        (metadata.uan, kinds.UAN),
        (metadata.voicemail, kinds.VOICEMAIL),
        (metadata.fixed_line, kinds.FIXED_LINE),
        (metadata.mobile, kinds.MOBILE),
    ]
    return tuple(
        (re.compile(desc.national_number_pattern), kind)
        for desc, kind in order
        if desc is not None
        and desc.national_number_pattern
        and (not desc.possible_length or 9 in desc.possible_length)
    )


def _french_type(digits: str) -> int:
    """The type of a 9-digit French national number, as
    ``phonenumbers.number_type`` gives it (UNKNOWN: invalid)."""
    kinds = phonenumbers.PhoneNumberType
    general, *typed = _french_descriptions()
    if general[1] != kinds.UNKNOWN or not general[0].fullmatch(digits):
        return kinds.UNKNOWN
    for pattern, kind in typed:
        if pattern.fullmatch(digits):
            if kind == kinds.FIXED_LINE and any(
                k == kinds.MOBILE and p.fullmatch(digits) for p, k in typed
            ):
                return kinds.FIXED_LINE_OR_MOBILE
            return kind
    return kinds.UNKNOWN


def _parse_any_phone(cleaned: str) -> tuple[str, bool]:
    """:func:`parse_phone` through phonenumbers' general parser."""
    if cleaned.startswith("00"):
        cleaned = "+" + cleaned[2:]
    try:
        number = phonenumbers.parse(cleaned, "FR")
    except phonenumbers.NumberParseException:
        raise CellError("numéro de téléphone illisible") from None
    # A valid number is one of a known type: one lookup, not two.
    kind = phonenumbers.number_type(number)
    if kind == phonenumbers.PhoneNumberType.UNKNOWN:
        raise CellError("numéro de téléphone invalide")
    e164 = phonenumbers.format_number(
        number, phonenumbers.PhoneNumberFormat.E164
    )
    return e164, kind in _MOBILE_KINDS


def french_number(value: float, digits: int | None = 1) -> str:
    """A number written the French way: ``4 689,7``; a dash if undefined.

    ``digits`` decimals, or ``None`` for as few as needed (``0,5``, ``10``).
    """
    if not math.isfinite(value):
        return "—"
    if digits is not None:
        text = f"{value:,.{digits}f}"
    elif float(value).is_integer():
        text = f"{int(value):,}"
    else:
        text = f"{value:,g}"
    return text.replace(",", "\u202f").replace(".", ",")


def french_duration(minutes: float) -> str:
    """A duration as people say it: ``15 min``, ``2 h``, ``2 h 30``,
    ``3 j 4 h`` (whole minutes, rounded)."""
    total = round(minutes)
    if total < 60:
        return f"{total} min"
    if total >= 72 * 60:
        days, rest = divmod(total, 24 * 60)
        return f"{days} j {rest // 60} h" if rest >= 60 else f"{days} j"
    hours, rest = divmod(total, 60)
    return f"{hours} h {rest:02d}" if rest else f"{hours} h"


def french_datetime(moment: datetime) -> str:
    """A moment as French people write it, in Paris time:
    ``27/11/2026 à 10h05``."""
    local = moment.astimezone(PARIS)
    return f"{local:%d/%m/%Y} à {local.hour}h{local.minute:02d}"


def national_phone(e164: str) -> str:
    """Format an E.164 number as its owner would write it (``06 12…``)."""
    number = phonenumbers.parse(e164, None)
    fmt = (
        phonenumbers.PhoneNumberFormat.NATIONAL
        if number.country_code == 33
        else phonenumbers.PhoneNumberFormat.INTERNATIONAL
    )
    return str(phonenumbers.format_number(number, fmt))
