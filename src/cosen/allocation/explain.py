"""Why an eligible referral was left without a slot, in French.

The optimizer names the booking rule that blocks a request
(:func:`cosen.optimizer.blocking_rule`, which walks the very rules every
solver applies); this module says it as a coordinator reads it, telling
apart the three things that make a request's earliest start: the notice to
reach the patient, the medical transport's lead time, and the referral's
arrival.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from typing import Final

from cosen.allocation.settings import AllocationSettings
from cosen.clock import after
from cosen.domain import Reason, Referral
from cosen.optimizer import (
    ONE_TRIP,
    Problem,
    Request,
    SlotData,
    blocking_rule,
    visit_options,
)
from cosen.parsing import french_duration

__all__ = ["unbooked_reason"]

_PHRASES: Final = {
    "exams": "aucun créneau n'accepte {exams}",
    "accessible": "aucun créneau accessible PMR pour {exams}",
    "children": "aucun créneau accueillant les enfants pour {exams}",
    "declined": "le patient a refusé les seuls créneaux possibles",
    "notice": "aucun créneau au moins {notice} après l'attribution",
    "transport": (
        "aucun créneau au moins {transport} après l'attribution (délai du "
        "transport médicalisé)"
    ),
    "arrival": "aucun créneau après l'arrivée de la demande",
    "unavailable": (
        "aucun créneau en dehors des indisponibilités du patient pour {exams}"
    ),
    "withdrawn": (
        "les seuls créneaux possibles ont été retirés par les centres"
    ),
    ONE_TRIP: (
        "pas de créneaux du même centre, le même jour, pour faire tous les "
        "examens en un seul déplacement"
    ),
}


def unbooked_reason(
    request: Request,
    referral: Referral,
    problem: Problem,
    settings: AllocationSettings,
    every_slot: Callable[[], Sequence[SlotData]] | None = None,
    withdrawn: Callable[[], Sequence[SlotData]] | None = None,
) -> tuple[Reason, str]:
    """The reason code and French detail of an unbooked referral.

    ``NO_COMPATIBLE_SLOT`` names the rule that no slot of ``problem`` could
    satisfy, or says that only withdrawn slots could have (``withdrawn()``:
    the free and withdrawn slots, by start); ``CAPACITY`` means a visit
    existed but others got it, among the problem's slots or among
    ``every_slot()``, the free slots and those booked earlier (batch runs,
    simulation), by start.
    """
    rule = blocking_rule(request, problem.slots, problem.max_gap)
    if rule is None or (
        every_slot is not None
        and visit_options(request, every_slot(), problem.max_gap)
    ):
        return Reason.CAPACITY, ""
    if withdrawn is not None and visit_options(
        request, withdrawn(), problem.max_gap
    ):
        rule = "withdrawn"
    if rule == "earliest":
        rule = _earliest_rule(referral, settings)
    return Reason.NO_COMPATIBLE_SLOT, _PHRASES[rule].format(
        exams=" + ".join(exam.label for exam in referral.exams),
        notice=french_duration(settings.notice_hours * 60),
        transport=french_duration(settings.transport_hours * 60),
    )


def _earliest_rule(referral: Referral, settings: AllocationSettings) -> str:
    """Which of arrival, transport and notice sets the earliest start."""
    notice = after(settings.now, hours=settings.notice_hours)
    if referral.received_at > notice:
        return "arrival"
    if referral.reduced_mobility and (
        settings.transport_hours > settings.notice_hours
    ):
        return "transport"
    return "notice"
