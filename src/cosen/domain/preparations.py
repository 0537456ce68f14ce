"""What a patient must do before each exam, for the call list.

cosen ships French defaults (:data:`DEFAULT_PREPARATIONS`), marked as not
validated: they are to be checked by the centres' radiologists
(« à faire valider par les radiologues des centres »). The ``Preparations``
sheet (in the slot workbook or the directory file; ``cosen template``
writes it filled with the defaults) overrides them exam by exam, and says
which texts the radiologists have validated.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping, Sequence
from typing import Annotated, Final

from pydantic import AfterValidator, BaseModel, ConfigDict
from pydantic_core import PydanticCustomError

from cosen.domain.columns import Column
from cosen.domain.exams import Exam
from cosen.domain.fields import SlotExams, YesNo, clean_text
from cosen.domain.intake import Intake, Notice, Rejection, check_row
from cosen.domain.reasons import Issue, Reason

__all__ = [
    "ALWAYS_BRING",
    "DEFAULT_PREPARATIONS",
    "PREPARATION_COLUMNS",
    "TO_VALIDATE",
    "Preparation",
    "Preparations",
    "check_preparation_rows",
    "preparation_notices",
]

TO_VALIDATE: Final = "à faire valider par les radiologues des centres"
_NOTHING: Final = "Aucune préparation particulière."
_MAX_CHARS: Final = 600

# Defaults to be validated by the centres' radiologists (TO_VALIDATE).
DEFAULT_PREPARATIONS: Final[Mapping[Exam, str]] = {
    Exam.SCANNER: (
        "Signaler une allergie (produit de contraste iodé), un diabète "
        "traité par metformine, une insuffisance rénale ou une grossesse "
        "possible. Si une injection est prévue : à jeun depuis 3 heures et "
        "apporter un dosage récent de la créatinine."
    ),
    Exam.RADIO: (
        "Pas de préparation particulière. Signaler une grossesse possible ; "
        "éviter bijoux et vêtements à pièces métalliques sur la zone "
        "examinée."
    ),
    Exam.ECHO_ABDO: (
        "Être à jeun depuis 6 heures (ne pas manger, ne pas fumer, boire "
        "seulement de l'eau plate). Pour le pelvis ou la vessie : vessie "
        "pleine (boire 1 litre d'eau dans l'heure avant, ne pas uriner)."
    ),
    Exam.ECHO_MSK: (
        "Pas de préparation particulière. Porter une tenue qui dégage "
        "facilement la zone à examiner."
    ),
    Exam.ECHO_THYRO: (
        "Pas de préparation particulière. Apporter les derniers bilans "
        "sanguins thyroïdiens."
    ),
    Exam.MAMMO: (
        "Ne mettre ni déodorant, ni talc, ni crème sur la poitrine et sous "
        "les bras le jour de l'examen. Apporter les mammographies et "
        "échographies antérieures. Signaler une grossesse possible ou des "
        "prothèses."
    ),
    Exam.ECHO_SEIN: (
        "Ne pas mettre de crème sur la poitrine le jour de l'examen. "
        "Apporter les mammographies et échographies antérieures."
    ),
}
# Said to every patient, whatever the exam.
ALWAYS_BRING: Final = (
    "Apporter l'ordonnance, la carte Vitale, une pièce d'identité et les "
    "examens antérieurs."
)


def _long_text(value: str) -> str:
    if len(value) > _MAX_CHARS:
        raise PydanticCustomError("cell", f"{_MAX_CHARS} caractères au plus")
    return value


class Preparation(BaseModel):
    """One row of the ``Preparations`` sheet: a text for some exams."""

    model_config = ConfigDict(
        frozen=True, hide_input_in_errors=True, extra="forbid"
    )

    exams: SlotExams
    text: (
        Annotated[str, AfterValidator(clean_text), AfterValidator(_long_text)]
        | None
    ) = None
    validated: YesNo = False


PREPARATION_COLUMNS: Final = (
    Column("exams", "examen", "exam",
           "Code de l'examen (ou plusieurs, séparés par des virgules)"),
    Column("text", "preparation", "preparation",
           "Consignes dites au patient (vide : aucune préparation)"),
    Column("validated", "validee", "validated",
           "oui une fois le texte validé par les radiologues des centres"),
)  # fmt: skip


class Preparations:
    """The preparation of each exam: the defaults, overridden by rows.

    Parameters
    ----------
    rows
        The ``Preparations`` sheet's accepted rows (each exam once).
    """

    def __init__(self, rows: Iterable[Preparation] = ()) -> None:
        self._texts: dict[Exam, tuple[str, bool]] = {
            exam: (text, False) for exam, text in DEFAULT_PREPARATIONS.items()
        }
        for row in rows:
            for exam in row.exams:
                self._texts[exam] = (row.text or "", row.validated)

    def text(self, exams: Sequence[Exam]) -> str:
        """What the patient must do for these exams, or ``Aucune
        préparation particulière.``; for several exams, a line each, after
        the exam's name."""
        texts = {exam: self._texts[exam][0] for exam in exams}
        if len(set(texts.values())) < 2:
            return next(iter(texts.values()), "") or _NOTHING
        return "\n".join(
            f"{exam.label} : {text or _NOTHING}"
            for exam, text in texts.items()
        )

    def validated(self, exams: Iterable[Exam]) -> bool:
        """Whether the radiologists validated every text of these exams."""
        return all(self._texts[exam][1] for exam in exams)

    def rows(self) -> list[tuple[Exam, str, bool]]:
        """Every exam's text and whether it is validated, in exam order."""
        return [(exam, *self._texts[exam]) for exam in Exam]


def check_preparation_rows(
    rows: Iterable[tuple[int, Mapping[str, str]]],
) -> Intake[Preparation]:
    """Check the ``Preparations`` sheet; an exam given twice is rejected on
    its second row (which names the first)."""
    intake: Intake[Preparation] = Intake()
    seen: dict[Exam, int] = {}
    for row, raw in rows:
        found, issues, _ = check_row(Preparation, PREPARATION_COLUMNS, raw)
        record_id = clean_text(raw.get("exams") or "")
        if found is not None:
            issues.extend(
                Issue(
                    Reason.INVALID_FIELD,
                    "examen",
                    f"{exam} déjà décrit ligne {seen[exam]}",
                )
                for exam in found.exams
                if exam in seen
            )
        if found is None or issues:
            intake.rejections.append(Rejection(row, record_id, tuple(issues)))
            continue
        seen.update(dict.fromkeys(found.exams, row))
        intake.accepted.append(found)
    return intake


def preparation_notices(preparations: Preparations) -> list[Notice]:
    """One warning when some texts are still the unvalidated defaults."""
    waiting = [exam for exam, _, ok in preparations.rows() if not ok]
    if not waiting:
        return []
    return [
        Notice(
            None,
            "",
            "consignes de préparation "
            + TO_VALIDATE
            + " : "
            + ", ".join(waiting),
        )
    ]
