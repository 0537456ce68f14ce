"""The INS matricule and traits: key, Corsica, unknown months,
disagreements, and the same matricule as the same patient."""

from __future__ import annotations

import pytest

from cosen.domain import Reason, check_referral, check_referral_rows
from cosen.domain.identity import parse_ins_number
from cosen.parsing import CellError
from tests.factories import referral_row


def with_key(first13: str) -> str:
    """A matricule with its key, computed as the NIR rules state it (not
    by cosen's code): Corsica's 2A and 2B are read as 20, then 1,000,000
    or 2,000,000 is subtracted."""
    corsica = {"2A": 1_000_000, "2B": 2_000_000}.get(first13[5:7], 0)
    number = int(first13.replace("2A", "20").replace("2B", "20")) - corsica
    return f"{first13}{97 - number % 97:02d}"


# The factory's patient was born on 03/04/1970.
WOMAN = with_key("2700499350012")  # born abroad (99), April 1970
MAN = with_key("1700467482123")


def issues_of(**changes: str) -> list[tuple[Reason, str | None, str | None]]:
    _, issues, _ = check_referral(referral_row(**changes))
    return [(i.reason, i.column, i.detail) for i in issues]


@pytest.mark.parametrize(
    "number",
    [
        WOMAN,
        MAN,
        with_key("170042A004005"),  # Corse-du-Sud
        with_key("270042B033010"),  # Haute-Corse
        with_key("1702567482123"),  # birth month unknown (25)
        with_key("2706099135003"),  # unknown month (60), born abroad
        with_key("7700499135001"),  # temporary number (NIA), a man
        with_key("8700499135001"),  # temporary number (NIA), a woman
    ],
)
def test_valid_matricules_are_accepted(number: str) -> None:
    spaced = " ".join([number[:1], number[1:3], number[3:5], number[5:]])
    assert parse_ins_number(spaced) == number
    assert issues_of(ins_number=spaced) == []


@pytest.mark.parametrize(
    "text",
    [
        WOMAN[:-2] + f"{(int(WOMAN[-2:]) % 97) + 1:02d}",  # wrong key
        WOMAN[:14],  # too short
        WOMAN + "1",  # too long
        "5" + WOMAN[1:],  # no such first digit
        WOMAN[:5] + "2C" + WOMAN[7:],  # no such department
    ],
)
def test_malformed_matricules_are_invalid(text: str) -> None:
    with pytest.raises(CellError):
        parse_ins_number(text)
    ((reason, column, _),) = issues_of(ins_number=text)
    assert (reason, column) == (Reason.INVALID_FIELD, "matricule_ins")


@pytest.mark.parametrize(
    ("changes", "what"),
    [
        ({"ins_number": WOMAN, "sex": "M"}, "le sexe"),
        ({"ins_number": MAN, "sex": "f"}, "le sexe"),
        ({"ins_number": WOMAN, "birth_date": "03/04/1971"}, "l'année"),
        ({"ins_number": WOMAN, "birth_date": "03/05/1970"}, "le mois"),
    ],
)
def test_each_disagreement_is_named(
    changes: dict[str, str], what: str
) -> None:
    ((reason, column, detail),) = issues_of(**changes)
    assert (reason, column) == (Reason.INVALID_FIELD, "matricule_ins")
    assert (detail or "").startswith(what)


@pytest.mark.parametrize("sex", ["F", "I", ""])
def test_agreeing_or_undetermined_sex(sex: str) -> None:
    assert issues_of(ins_number=WOMAN, sex=sex) == []


def test_an_unknown_month_agrees_with_any_birth_month() -> None:
    assert issues_of(ins_number=with_key("2703099350012")) == []


def test_traits_are_checked() -> None:
    assert issues_of(sex="X")[0][1] == "sexe"
    assert issues_of(birth_place="6700")[0][1] == "lieu_naissance"
    assert issues_of(birth_place="2a004", birth_first_names="Zoé Anne") == []


def test_the_same_matricule_is_the_same_patient() -> None:
    """Names spelled differently, same matricule, same exam: duplicate."""
    rows = [
        (2, referral_row(referral_id="D1", ins_number=WOMAN)),
        (3, referral_row(referral_id="D2", ins_number=WOMAN,
                         birth_name="Loewenbruck-Klein", first_name="Zoe")),
        (4, referral_row(referral_id="D3", ins_number=WOMAN,
                         birth_name="Autre", exams="SCANNER")),
    ]  # fmt: skip
    intake = check_referral_rows(rows)
    assert [r.referral_id for r in intake.accepted] == ["D1", "D3"]
    (rejection,) = intake.rejections
    assert rejection.record_id == "D2"
    assert rejection.issues[0].reason is Reason.DUPLICATE_REFERRAL
    assert "D1" in (rejection.issues[0].detail or "")
