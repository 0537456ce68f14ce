"""Exam labels: codes, French names, complex imaging, nothing guessed."""

from __future__ import annotations

import pytest

from cosen.domain import Exam, exam_from_label, is_complex_label, parse_exams
from cosen.parsing import CellError


@pytest.mark.parametrize(
    "label, exam",
    [
        ("SCANNER", Exam.SCANNER),
        ("TDM thoracique", Exam.SCANNER),
        ("Tomodensitométrie", Exam.SCANNER),
        ("Radiographie standard", Exam.RADIO),
        ("radio du genou", Exam.RADIO),
        ("ECHO_ABDO", Exam.ECHO_ABDO),
        ("Échographie abdomino-pelvienne", Exam.ECHO_ABDO),
        ("Echographie ostéo-articulaire", Exam.ECHO_MSK),
        ("Echographie musculosquelettique", Exam.ECHO_MSK),
        ("échographie thyroïdienne", Exam.ECHO_THYRO),
        ("Echographie cervicale", Exam.ECHO_THYRO),
        ("Mammographie", Exam.MAMMO),
        ("Echographie du sein", Exam.ECHO_SEIN),
        ("ECHO_SEIN", Exam.ECHO_SEIN),
    ],
)
def test_exam_labels(label: str, exam: Exam) -> None:
    assert not is_complex_label(label)
    assert exam_from_label(label) == exam


@pytest.mark.parametrize(
    "label", ["IRM", "TEP-scan", "PET scan", "Scintigraphie osseuse",
              "Arthroscanner", "Radiologie interventionnelle"]
)  # fmt: skip
def test_complex_labels(label: str) -> None:
    assert is_complex_label(label)


def test_plain_ultrasound_is_not_guessed() -> None:
    assert exam_from_label("Échographie") is None
    with pytest.raises(CellError):
        parse_exams(" + ", "+")
