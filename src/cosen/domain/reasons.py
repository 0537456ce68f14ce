"""Stable reason codes, their French sentences, and where patients go.

A reason is what a coordinator reads beside a rejected row or an unbooked
referral; its orientation says what to do with the patient. Both live here
only: intake, the allocation's explanations, exports, the ledger and the
desk all read them from :class:`Reason`.
"""

from __future__ import annotations

import enum
from collections.abc import Iterable
from dataclasses import dataclass
from typing import Final

__all__ = ["Issue", "Reason", "count_reasons"]


class Reason(enum.StrEnum):
    """Stable reason codes, shown with a French sentence (CONTRACT.md)."""

    MISSING_FIELD = "MISSING_FIELD"
    INVALID_FIELD = "INVALID_FIELD"
    NO_CONSENT = "NO_CONSENT"
    SUSPECTED_EMERGENCY = "SUSPECTED_EMERGENCY"
    NOT_URGENT = "NOT_URGENT"
    COMPLEX_IMAGING = "COMPLEX_IMAGING"
    UNKNOWN_EXAM = "UNKNOWN_EXAM"
    CHILD_UNDER_6 = "CHILD_UNDER_6"
    EXAM_NOT_COVERED_FOR_CHILD = "EXAM_NOT_COVERED_FOR_CHILD"
    MOBILITY_WITHOUT_TRANSPORT = "MOBILITY_WITHOUT_TRANSPORT"
    DUPLICATE_REFERRAL = "DUPLICATE_REFERRAL"
    DUPLICATE_SLOT = "DUPLICATE_SLOT"
    NO_COMPATIBLE_SLOT = "NO_COMPATIBLE_SLOT"
    CAPACITY = "CAPACITY"

    @property
    def sentence(self) -> str:
        """The French sentence that explains the code."""
        return _REASON_SENTENCES[self]

    @property
    def orientation(self) -> str:
        """Where to send the patient (French), for rejections."""
        return _ORIENTATIONS.get(self, _COMPLETE_AND_RESUBMIT)


_REASON_SENTENCES: Final = {
    Reason.MISSING_FIELD: "Information obligatoire manquante",
    Reason.INVALID_FIELD: "Information illisible ou invalide",
    Reason.NO_CONSENT: (
        "Le patient n'a pas donné son consentement au dispositif (RGPD, "
        "transmission de données de santé)"
    ),
    Reason.SUSPECTED_EMERGENCY: "Urgence suspectée : hors dispositif",
    Reason.NOT_URGENT: (
        "Délai souhaité de plus de 48 h : examen hors dispositif"
    ),
    Reason.COMPLEX_IMAGING: (
        "Imagerie complexe (IRM, TEP, scintigraphie, radiologie "
        "interventionnelle…) non prise en charge par le dispositif"
    ),
    Reason.UNKNOWN_EXAM: "Examen non reconnu",
    Reason.CHILD_UNDER_6: (
        "Enfant de moins de 6 ans : non pris en charge par le dispositif"
    ),
    Reason.EXAM_NOT_COVERED_FOR_CHILD: (
        "Examen non couvert pour un enfant de 6 à 17 ans (couverts : "
        "échographie hors sein, radiographie)"
    ),
    Reason.MOBILITY_WITHOUT_TRANSPORT: (
        "Patient à mobilité réduite sans prescription de transport médicalisé"
    ),
    Reason.DUPLICATE_REFERRAL: "Demande en double",
    Reason.DUPLICATE_SLOT: "Créneau en double",
    Reason.NO_COMPATIBLE_SLOT: (
        "Aucun créneau proposé ne peut accueillir cette demande"
    ),
    Reason.CAPACITY: (
        "Les créneaux compatibles ont tous été attribués à d'autres demandes"
    ),
}
_USUAL_IMAGING_PATH: Final = (
    "Parcours habituel : le patient ou ses aidants prennent rendez-vous "
    "directement auprès d'un cabinet d'imagerie."
)
_COMPLETE_AND_RESUBMIT: Final = (
    "Compléter ou corriger la demande auprès du prescripteur, puis la "
    "transmettre à nouveau."
)
_ORIENTATIONS: Final = {
    Reason.SUSPECTED_EMERGENCY: (
        "Gestion habituelle de l'urgence : 15, 116 117 ou urgences "
        "hospitalières."
    ),
    Reason.NOT_URGENT: _USUAL_IMAGING_PATH,
    Reason.COMPLEX_IMAGING: _USUAL_IMAGING_PATH,
    Reason.CHILD_UNDER_6: _USUAL_IMAGING_PATH,
    Reason.EXAM_NOT_COVERED_FOR_CHILD: _USUAL_IMAGING_PATH,
    Reason.MOBILITY_WITHOUT_TRANSPORT: (
        "Demander au prescripteur une prescription de transport médicalisé "
        "(accès sous sa responsabilité), puis transmettre à nouveau."
    ),
    Reason.DUPLICATE_REFERRAL: (
        "Vérifier avec la demande déjà reçue ; aucune nouvelle démarche "
        "si c'est la même."
    ),
    Reason.NO_COMPATIBLE_SLOT: (
        "Demander aux centres un créneau adapté, ou orienter vers le "
        "parcours habituel."
    ),
    Reason.CAPACITY: "Reprise automatique au prochain passage.",
}


@dataclass(frozen=True)
class Issue:
    """One reason a row is rejected (or a referral left unbooked).

    Attributes
    ----------
    reason
        The stable code.
    column
        The French column name concerned, if any.
    detail
        French precision (what is expected, which earlier row); never a
        copy of personal data.
    """

    reason: Reason
    column: str | None = None
    detail: str | None = None

    @property
    def message(self) -> str:
        """The full French sentence."""
        text = self.reason.sentence
        if self.column:
            text += f" : {self.column}"
        if self.detail:
            text += f" — {self.detail}"
        return text + "."


def count_reasons(reasons: Iterable[Iterable[Reason]]) -> dict[Reason, int]:
    """How many items carry each reason, in the order of :class:`Reason`.

    ``reasons`` gives each item's reasons (a rejected row's, or an unbooked
    referral's single one); an item carrying a reason twice counts once.
    """
    counts = dict.fromkeys(Reason, 0)
    for item in reasons:
        for reason in set(item):
            counts[reason] += 1
    return {reason: count for reason, count in counts.items() if count}
