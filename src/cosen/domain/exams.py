"""The scheme's catalogue: the exams it covers and the groups of centres.

Exam labels are read loosely (codes, French names, common abbreviations);
a label naming imaging the scheme excludes ("imagerie complexe") is told
apart from one that names nothing known, because the two are different
reasons for the coordinator.
"""

from __future__ import annotations

import enum
from typing import Final

from cosen.parsing import CellError, words

__all__ = [
    "Exam",
    "ExamLabelError",
    "Group",
    "exam_from_label",
    "is_complex_label",
    "parse_exams",
]


class Exam(enum.StrEnum):
    """Exam codes covered by the scheme."""

    SCANNER = "SCANNER"
    RADIO = "RADIO"
    ECHO_ABDO = "ECHO_ABDO"
    ECHO_MSK = "ECHO_MSK"
    ECHO_THYRO = "ECHO_THYRO"
    MAMMO = "MAMMO"
    ECHO_SEIN = "ECHO_SEIN"

    @property
    def label(self) -> str:
        """French label, as shown to patients and centres."""
        return _EXAM_LABELS[self]

    @property
    def for_children(self) -> bool:
        """Whether children aged 6 to 17 may have this exam in the scheme."""
        return self in _CHILD_EXAMS


_EXAM_LABELS: Final = {
    Exam.SCANNER: "Scanner",
    Exam.RADIO: "Radiographie",
    Exam.ECHO_ABDO: "Échographie abdominale",
    Exam.ECHO_MSK: "Échographie musculosquelettique",
    Exam.ECHO_THYRO: "Échographie thyroïdienne",
    Exam.MAMMO: "Mammographie",
    Exam.ECHO_SEIN: "Échographie mammaire",
}
_CHILD_EXAMS: Final = frozenset(
    {Exam.RADIO, Exam.ECHO_ABDO, Exam.ECHO_MSK, Exam.ECHO_THYRO}
)

# Words that name imaging the scheme does not cover ("imagerie complexe").
_COMPLEX_WORDS: Final = frozenset(
    {
        "irm", "irmn", "tep", "pet", "petscan", "tepscan", "scintigraphie",
        "scinti", "scintigraphique", "interventionnelle", "interventionnel",
        "angiographie", "arteriographie", "phlebographie", "arthrographie",
        "arthroscanner", "arthroirm", "coroscanner", "coloscanner",
        "biopsie", "ponction", "infiltration", "embolisation", "mri",
    }
)  # fmt: skip
_SCANNER_WORDS: Final = frozenset(
    {"scanner", "tdm", "tomodensitometrie", "ct", "scan", "scannographie"}
)
_RADIO_WORDS: Final = frozenset(
    {"radio", "radiographie", "radiographies", "rx", "radiologie"}
)
_MAMMO_WORDS: Final = frozenset({"mammo", "mammographie"})
_ECHO_WORDS: Final = frozenset({"echo", "echographie", "echographies", "us"})
# For an ultrasound, the first of these words that appears names the kind.
_ECHO_KINDS: Final = (
    (frozenset({"sein", "seins", "mammaire", "mammaires"}), Exam.ECHO_SEIN),
    (
        frozenset({"thyro", "thyroide", "thyroidienne", "cervicale", "cou"}),
        Exam.ECHO_THYRO,
    ),
    (
        frozenset(
            {
                "abdo", "abdominale", "abdomen", "abdominopelvienne",
                "pelvienne", "pelvis", "renale", "reins", "hepatique",
                "vesicale", "abdomino",
            }
        ),
        Exam.ECHO_ABDO,
    ),
    (
        frozenset(
            {
                "msk", "musculosquelettique", "musculo", "osteo",
                "osteoarticulaire", "articulaire", "tendineuse", "epaule",
                "genou", "cheville", "poignet", "coude", "hanche",
                "musculaire", "parties", "molles",
            }
        ),
        Exam.ECHO_MSK,
    ),
)  # fmt: skip


class ExamLabelError(CellError):
    """Exam text naming something complex or unknown.

    Attributes
    ----------
    complex, unknown
        The labels (exam names, not patient data) at fault.
    """

    def __init__(self, complex_: list[str], unknown: list[str]) -> None:
        self.complex = complex_
        self.unknown = unknown
        super().__init__(", ".join([*complex_, *unknown]))


def exam_from_label(label: str) -> Exam | None:
    """The exam a single label names, ``None`` when it names none.

    Codes (``ECHO_ABDO``) and French labels (``Échographie abdominale``,
    ``TDM thoracique``) are accepted. Complex imaging is tested first by
    :func:`is_complex_label`.
    """
    tokens = words(label)
    if not tokens:
        return None
    head = tokens[0]
    if head in _SCANNER_WORDS:
        return Exam.SCANNER
    if head in _RADIO_WORDS:
        return Exam.RADIO
    if head in _MAMMO_WORDS:
        return Exam.MAMMO
    if head in _ECHO_WORDS:
        rest = set(tokens[1:])
        for kind_words, exam in _ECHO_KINDS:
            if rest & kind_words:
                return exam
    return None


def is_complex_label(label: str) -> bool:
    """Whether a label names imaging the scheme excludes (MRI, PET, …)."""
    tokens = words(label)
    return any(t in _COMPLEX_WORDS for t in tokens) or "pet scan" in " ".join(
        tokens
    )


def parse_exams(text: str, separator: str) -> tuple[Exam, ...]:
    """Read exam labels joined by ``separator`` into sorted unique codes.

    Raises
    ------
    ExamLabelError
        When a label names complex imaging or nothing known.
    """
    complex_: list[str] = []
    unknown: list[str] = []
    found: set[Exam] = set()
    for raw in text.split(separator):
        label = raw.strip()
        if not label:
            continue
        if is_complex_label(label):
            complex_.append(label)
        elif (exam := exam_from_label(label)) is None:
            unknown.append(label)
        else:
            found.add(exam)
    if complex_ or unknown:
        raise ExamLabelError(complex_, unknown)
    if not found:
        raise CellError("aucun examen indiqué")
    return tuple(sorted(found, key=list(Exam).index))


class Group(enum.StrEnum):
    """The two groups of imaging centres that reserve slots."""

    MIM = "MIM"
    SIMSE = "SIMSE"
