"""The scheme's rules: one test per rule and per reason code."""

from __future__ import annotations

from datetime import date, timedelta

import pytest
from pydantic import ValidationError

from cosen.domain import (
    Exam,
    Reason,
    Referral,
    Slot,
    check_referral,
    check_referral_rows,
    check_slot_rows,
)
from tests.factories import referral_row, slot_row


def reasons(**changes: str) -> list[Reason]:
    _, issues, _ = check_referral(referral_row(**changes))
    return [issue.reason for issue in issues]


def test_complete_row_is_accepted_with_typed_values() -> None:
    referral, issues, warnings = check_referral(referral_row())
    assert issues == [] and warnings == []
    assert isinstance(referral, Referral)
    assert referral.postcode == "08000"
    assert referral.phone == "+33612345678" and referral.phone_is_mobile
    assert referral.birth_date == date(1970, 4, 3)
    assert referral.received_at.utcoffset() == timedelta(hours=1)
    assert referral.exams == (Exam.RADIO,)
    assert referral.desired_delay == 48
    assert referral.consent and not referral.reduced_mobility


@pytest.mark.parametrize(
    "field, column",
    [
        ("referral_id", "id_demande"),
        ("received_at", "recue_le"),
        ("birth_name", "nom_naissance"),
        ("first_name", "prenom"),
        ("birth_date", "date_naissance"),
        ("address", "adresse"),
        ("postcode", "code_postal"),
        ("city", "ville"),
        ("phone", "telephone"),
        ("prescriber", "prescripteur"),
        ("prescription", "ordonnance"),
        ("exams", "examen"),
        ("desired_delay", "delai_souhaite"),
        ("consent", "consentement"),
    ],
)
def test_each_required_field_missing_is_named(field: str, column: str) -> None:
    _, issues, _ = check_referral(referral_row(**{field: "  "}))
    assert [(i.reason, i.column) for i in issues] == [
        (Reason.MISSING_FIELD, column)
    ]


@pytest.mark.parametrize(
    "field, value, column",
    [
        ("received_at", "26/11/2026", "recue_le"),  # no time: no guess
        ("received_at", "11/27/2026 09:00", "recue_le"),  # month-first
        ("birth_date", "31/02/1980", "date_naissance"),
        ("birth_date", "01/01/2030", "date_naissance"),  # in the future
        ("postcode", "8000", "code_postal"),  # leading zero lost
        ("postcode", "ABCDE", "code_postal"),
        ("phone", "12", "telephone"),
        ("desired_delay", "vite", "delai_souhaite"),
        ("consent", "peut-être", "consentement"),
    ],
)
def test_malformed_field_is_invalid_and_named(
    field: str, value: str, column: str
) -> None:
    _, issues, _ = check_referral(referral_row(**{field: value}))
    assert [(i.reason, i.column) for i in issues] == [
        (Reason.INVALID_FIELD, column)
    ]
    assert all(value not in (i.detail or "") for i in issues)


def test_invalid_optional_email_is_a_warning_not_a_rejection() -> None:
    referral, issues, warnings = check_referral(referral_row(email="zoe@"))
    assert issues == []
    assert referral is not None and referral.email is None
    assert warnings and "email" in warnings[0]


def test_prescriber_contact_is_email_or_phone() -> None:
    referral, _, _ = check_referral(
        referral_row(prescriber_contact="06 45 12 78 90")
    )
    assert referral is not None
    assert referral.prescriber_contact == "+33645127890"


def test_no_consent() -> None:
    assert reasons(consent="non") == [Reason.NO_CONSENT]


def test_suspected_emergency() -> None:
    assert reasons(suspected_emergency="x") == [Reason.SUSPECTED_EMERGENCY]


def test_not_urgent_over_48_hours_only() -> None:
    assert reasons(desired_delay="72h") == [Reason.NOT_URGENT]
    assert reasons(desired_delay="3 jours") == [Reason.NOT_URGENT]
    assert reasons(desired_delay="48") == []
    assert reasons(desired_delay="24 h") == []


def test_complex_imaging_and_unknown_exam_are_both_reported() -> None:
    assert reasons(exams="IRM lombaire + Échographie cardiaque") == [
        Reason.COMPLEX_IMAGING,
        Reason.UNKNOWN_EXAM,
    ]


def test_child_under_six_on_reception_day() -> None:
    # Born 27/11/2020: five on 26/11/2026, six the next day.
    assert reasons(birth_date="27/11/2020") == [Reason.CHILD_UNDER_6]
    assert reasons(birth_date="26/11/2020") == []


def test_exam_not_covered_for_child() -> None:
    assert reasons(birth_date="01/01/2015", exams="SCANNER") == [
        Reason.EXAM_NOT_COVERED_FOR_CHILD
    ]
    assert reasons(birth_date="01/01/2015", exams="ECHO_ABDO") == []
    # Eighteen on the day of reception: an adult.
    assert reasons(birth_date="26/11/2008", exams="MAMMO") == []


def test_mobility_without_transport() -> None:
    assert reasons(reduced_mobility="oui") == [
        Reason.MOBILITY_WITHOUT_TRANSPORT
    ]
    assert reasons(reduced_mobility="oui", medical_transport="oui") == []


def test_row_reports_every_reason_at_once() -> None:
    found = reasons(
        phone="", consent="non", exams="IRM", birth_date="01/01/2023"
    )
    assert set(found) == {
        Reason.MISSING_FIELD,
        Reason.NO_CONSENT,
        Reason.COMPLEX_IMAGING,
        Reason.CHILD_UNDER_6,
    }


def test_duplicate_id_rejects_the_later_row() -> None:
    intake = check_referral_rows(
        [(2, referral_row()), (3, referral_row(birth_name="Autre"))]
    )
    assert [r.referral_id for r in intake.accepted] == ["D1"]
    (rejection,) = intake.rejections
    assert rejection.row == 3
    assert rejection.issues[0].reason is Reason.DUPLICATE_REFERRAL
    assert "ligne 2" in (rejection.issues[0].detail or "")


def test_same_patient_same_exam_is_a_duplicate_naming_the_first() -> None:
    rows = [
        (2, referral_row(referral_id="D1", exams="MAMMO")),
        # Same patient, other case and accents, overlapping exams.
        (3, referral_row(referral_id="D2", birth_name="LOEWENBRUCK",
                         first_name="zoe", exams="MAMMO+ECHO_SEIN")),
        (4, referral_row(referral_id="D3", exams="RADIO")),
    ]  # fmt: skip
    intake = check_referral_rows(rows)
    assert [r.referral_id for r in intake.accepted] == ["D1", "D3"]
    (rejection,) = intake.rejections
    assert "D1" in (rejection.issues[0].detail or "")


def test_every_earlier_referral_of_the_patient_is_compared() -> None:
    """RADIO, then SCANNER, then SCANNER again: the third row duplicates
    the second, not the first (the bug of comparing with the first only)."""
    rows = [
        (2, referral_row(referral_id="D1", exams="RADIO")),
        (3, referral_row(referral_id="D2", exams="SCANNER")),
        (4, referral_row(referral_id="D3", exams="SCANNER")),
    ]
    intake = check_referral_rows(rows)
    assert [r.referral_id for r in intake.accepted] == ["D1", "D2"]
    (rejection,) = intake.rejections
    assert rejection.row == 4
    (issue,) = rejection.issues
    assert issue.reason is Reason.DUPLICATE_REFERRAL
    assert "D2" in (issue.detail or "")


def test_rejected_earlier_row_does_not_make_a_resubmission_a_duplicate() -> (
    None
):
    rows = [
        (2, referral_row(referral_id="D1", consent="non")),
        (3, referral_row(referral_id="D2")),
    ]
    intake = check_referral_rows(rows)
    assert [r.referral_id for r in intake.accepted] == ["D2"]


def test_slot_rows_checks() -> None:
    intake = check_slot_rows(
        [
            (2, slot_row()),
            (3, slot_row(slot_id="S2", exams="RADIO, IRM")),
            (4, slot_row(slot_id="S3", group="SIMSE")),  # MIM-1 is MIM
            (5, slot_row(slot_id="S1")),
            (6, slot_row(slot_id="S4", start="", group="AUTRE")),
            (7, slot_row(slot_id="S5", duration_min="", children="oui")),
        ]
    )
    assert [s.slot_id for s in intake.accepted] == ["S1", "S5"]
    assert intake.accepted[1].duration_min == 15
    assert intake.accepted[1].children
    found = {r.row: [(i.reason, i.column) for i in r.issues]
             for r in intake.rejections}  # fmt: skip
    assert found == {
        3: [(Reason.INVALID_FIELD, "examens")],
        4: [(Reason.INVALID_FIELD, "groupe")],
        5: [(Reason.DUPLICATE_SLOT, "id_creneau")],
        6: [(Reason.INVALID_FIELD, "groupe"), (Reason.MISSING_FIELD, "debut")],
    }


@pytest.mark.parametrize("code", ["../X", "MIM/1", "A\x01B", "-MIM"])
def test_centre_codes_are_plain_names(code: str) -> None:
    intake = check_slot_rows([(2, slot_row(center=code))])
    assert [(i.reason, i.column) for i in intake.rejections[0].issues] == [
        (Reason.INVALID_FIELD, "centre")
    ]


def test_centre_code_is_folded() -> None:
    (slot,) = check_slot_rows([(2, slot_row(center=" mim 1 "))]).accepted
    assert slot.center == "MIM1"


def test_every_reason_has_french_sentence_and_orientation() -> None:
    for reason in Reason:
        assert reason.sentence and reason.orientation


def test_typed_values_get_the_same_range_checks() -> None:
    """The ledger and the simulator build models from typed values, which
    skip the text parsers: the models check ranges themselves."""
    referral, _, _ = check_referral(referral_row())
    assert referral is not None
    slot = check_slot_rows([(2, slot_row())]).accepted[0]
    referral_changes: list[dict[str, object]] = [
        {"desired_delay": -5},
        {"exams": ()},
    ]
    for changes in referral_changes:
        with pytest.raises(ValidationError):
            Referral.model_validate(referral.model_dump() | changes)
    slot_changes: list[dict[str, object]] = [
        {"duration_min": 0},
        {"exams": ()},
    ]
    for changes in slot_changes:
        with pytest.raises(ValidationError):
            Slot.model_validate(slot.model_dump() | changes)
