"""The fast paths of intake give exactly what the reference paths give.

``check_row`` validates a whole row at once and falls back to checking each
field alone (the reference) only when something is wrong; French phone
numbers skip phonenumbers' general parser; plain e-mail addresses check
their domain once. Each is compared with its reference on fuzzed input.
"""

from __future__ import annotations

import string

from hypothesis import given, settings
from hypothesis import strategies as st

from cosen.domain import REFERRAL_COLUMNS, SLOT_COLUMNS, Referral, Slot
from cosen.domain.fields import _any_email, _email
from cosen.domain.intake import _field_by_field, check_row
from cosen.domain.rules import scheme_issues
from cosen.parsing import CellError, _parse_any_phone, parse_phone, printable
from tests.factories import referral_row, slot_row
from tests.io.test_fuzz import REALISTIC

FAST = settings(max_examples=300, deadline=None, database=None)


def outcome(parse: object, text: str) -> object:
    try:
        return parse(text)  # type: ignore[operator]
    except CellError as error:
        return ("error", str(error))


cells = st.one_of(st.sampled_from(REALISTIC), st.text(max_size=30))


@FAST
@given(
    changes=st.dictionaries(
        st.sampled_from([c.field for c in REFERRAL_COLUMNS]), cells
    ),
    blank=st.booleans(),
)
def test_referral_rows_fast_equals_field_by_field(
    changes: dict[str, str], blank: bool
) -> None:
    raw = ({} if blank else referral_row()) | changes
    fast = check_row(Referral, REFERRAL_COLUMNS, raw, scheme_issues)
    reference = _field_by_field(
        Referral, REFERRAL_COLUMNS, raw, {}, scheme_issues
    )
    assert fast == reference


@FAST
@given(
    changes=st.dictionaries(
        st.sampled_from([c.field for c in SLOT_COLUMNS]), cells
    )
)
def test_slot_rows_fast_equals_field_by_field(changes: dict[str, str]) -> None:
    raw = slot_row() | changes
    assert check_row(Slot, SLOT_COLUMNS, raw) == _field_by_field(
        Slot, SLOT_COLUMNS, raw, {}, None
    )


separators = st.sampled_from(["", " ", ".", "-", "  ", "/"])


@settings(max_examples=2000, deadline=None, database=None)
@given(
    digits=st.text(string.digits, min_size=9, max_size=9),
    gaps=st.lists(separators, min_size=4, max_size=4),
    prefix=st.sampled_from(["0", "", "+33", "0033", "+33 ", "00"]),
    pad=st.sampled_from(["", " "]),
)
def test_french_phone_fast_equals_phonenumbers(
    digits: str, gaps: list[str], prefix: str, pad: str
) -> None:
    pairs = [digits[1:3], digits[3:5], digits[5:7], digits[7:9]]
    text = (
        pad
        + prefix
        + digits[0]
        + "".join(g + p for g, p in zip(gaps, pairs, strict=True))
    )
    assert outcome(parse_phone, text) == outcome(
        _parse_any_phone, text.strip()
    )


local_parts = st.one_of(
    st.text(string.ascii_letters + string.digits + "._+-", max_size=70),
    st.sampled_from(["Postmaster", "ABUSE", "a..b", ".a", "zoé", '"a b"']),
)
domains = st.one_of(
    st.sampled_from(
        [
            "exemple.fr",
            "EXEMPLE.FR",
            "medecin.mssante.fr",
            "localhost",
            "a.test",
            "xn--bcher-kva.de",
            "bücher.de",
            "1.2.3.4",
            "[1.2.3.4]",
            "a-.fr",
            "-a.fr",
            "a..fr",
            "fr",
            "a" * 64 + ".fr",
            ("a" * 60 + ".") * 4 + "fr",
        ]
    ),
    st.text(string.ascii_letters + string.digits + ".-", max_size=30),
)


@settings(max_examples=1500, deadline=None, database=None)
@given(local=local_parts, domain=domains, at=st.sampled_from(["@", "@@", ""]))
def test_email_fast_equals_email_validator(
    local: str, domain: str, at: str
) -> None:
    text = local + at + domain
    assert outcome(_email, text) == outcome(_any_email, text)


def test_printable_removes_every_escape_and_control() -> None:
    text = (
        "D1\x1b]0;titre\x07\x1b[2J\x1b[31mX\x9b1m\x9d8;;http://x\x9c"
        "\u202eY\x00\x7f\u2028Z\udcff\u00a0fin"
    )
    assert printable(text) == "D1XY Z\ufffd\u00a0fin"
    assert printable("Zoé Lœw « 4\u202f689,7 »") == "Zoé Lœw « 4\u202f689,7 »"
