"""The centre directory and the preparations: rows, checks, warnings."""

from __future__ import annotations

import pytest

from cosen.domain import (
    DEFAULT_PREPARATIONS,
    Directory,
    Exam,
    Preparations,
    Reason,
    check_centre_rows,
    check_preparation_rows,
    check_slot_rows,
    directory_notices,
)
from tests.factories import centre_row, slot_row


def test_a_centre_row_reads_like_the_contract_says() -> None:
    intake = check_centre_rows(
        [(2, centre_row(center="mim 1", postcode="08000", email="faux@"))]
    )
    (centre,) = intake.accepted
    assert centre.center == "MIM1"
    assert centre.postcode == "08000"
    assert centre.phone == "+33353481001"
    assert centre.email is None  # an invalid email is only a warning
    assert [n.text for n in intake.notices] == [
        "email ignoré : adresse e-mail invalide"
    ]
    assert centre.place == "12 rue du Parc, 08000 Strasbourg"


def test_bad_centre_rows_are_rejected_with_their_reasons() -> None:
    intake = check_centre_rows(
        [
            (2, centre_row()),
            (3, centre_row(name="Un autre nom")),  # same code
            (4, centre_row(center="SIMSE-1", group="AUTRE", phone="")),
        ]
    )
    assert [c.center for c in intake.accepted] == ["MIM-1"]
    found = {
        r.row: [(i.reason, i.column) for i in r.issues]
        for r in intake.rejections
    }
    assert found == {
        3: [(Reason.INVALID_FIELD, "centre")],
        4: [
            (Reason.INVALID_FIELD, "groupe"),
            (Reason.MISSING_FIELD, "telephone"),
        ],
    }


def test_a_directory_shows_unknown_centres_by_code() -> None:
    directory = Directory(check_centre_rows([(2, centre_row())]).accepted)
    assert directory.label("MIM-1") == "Centre d'imagerie du Parc (MIM-1)"
    assert directory.label("MIM-9") == "MIM-9"
    assert directory.name("MIM-9") == "MIM-9"
    assert directory.card("MIM-1") == [
        "Centre d'imagerie du Parc",
        "12 rue du Parc, 67000 Strasbourg",
        "tél. 03 53 48 10 01",
        "accès : Entrée par la cour, ascenseur.",
    ]
    assert directory.card("MIM-9") == ["MIM-9 (centre absent de l'annuaire)"]
    with pytest.raises(ValueError, match="twice"):
        Directory([*directory.values(), *directory.values()])


def test_slots_whose_centre_is_missing_are_named_once() -> None:
    directory = Directory(
        check_centre_rows(
            [(2, centre_row()), (3, centre_row(center="SIMSE-1"))]
        ).accepted
    )
    slots = check_slot_rows(
        [
            (2, slot_row(slot_id="S1")),
            (3, slot_row(slot_id="S2", center="MIM-9")),
            (4, slot_row(slot_id="S3", center="MIM-9")),
            (5, slot_row(slot_id="S4", center="SIMSE-1", group="SIMSE")),
        ]
    ).accepted
    assert [n.text for n in directory_notices(directory, slots)] == [
        "centre MIM-9 absent de l'annuaire : désigné par son code sur les "
        "listes et les avis",
        "centre SIMSE-1 : groupe MIM dans l'annuaire mais SIMSE dans les "
        "créneaux",
    ]
    (notice,) = directory_notices(Directory(), slots)
    assert notice.text.startswith("aucun annuaire des centres")
    assert directory_notices(Directory(), []) == []


def test_preparations_override_the_defaults_exam_by_exam() -> None:
    intake = check_preparation_rows(
        [
            (2, {"exams": "MAMMO, ECHO_SEIN", "text": "Sans déodorant.",
                 "validated": "oui"}),
            (3, {"exams": "Radiographie", "text": "", "validated": "oui"}),
            (4, {"exams": "MAMMO", "text": "Encore."}),
            (5, {"exams": "IRM", "text": "Non."}),
        ]
    )  # fmt: skip
    assert [r.row for r in intake.rejections] == [4, 5]
    preparations = Preparations(intake.accepted)
    assert preparations.text([Exam.MAMMO, Exam.ECHO_SEIN]) == (
        "Sans déodorant."
    )
    assert preparations.validated([Exam.MAMMO, Exam.ECHO_SEIN])
    assert preparations.text([Exam.RADIO]) == (
        "Aucune préparation particulière."
    )
    assert (
        preparations.text([Exam.SCANNER])
        == (DEFAULT_PREPARATIONS[Exam.SCANNER])
    )
    assert not preparations.validated([Exam.MAMMO, Exam.SCANNER])


def test_every_exam_has_a_default_preparation() -> None:
    assert set(DEFAULT_PREPARATIONS) == set(Exam)
    assert "jeun" in DEFAULT_PREPARATIONS[Exam.ECHO_ABDO]
    assert "déodorant" in DEFAULT_PREPARATIONS[Exam.MAMMO]
    assert "talc" in DEFAULT_PREPARATIONS[Exam.MAMMO]
