"""What ``cosen allocate`` prints: a French summary or the contract's JSON.

Neither holds personal data: referral and slot ids, centres, counts.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from cosen.allocation import Allocation
from cosen.domain import Reason, Rejection
from cosen.kpi import allocation_indicators, baseline_indicators
from cosen.parsing import french_number

__all__ = ["allocation_json", "summary_lines"]


def _kpi(allocation: Allocation, received: int) -> dict[str, Any]:
    found = allocation_indicators(allocation)
    return {
        "received": received,
        "eligible": found.eligible,
        "booked": found.booked,
        "within_target": found.within_target,
        "late": found.late,
        "total_late_minutes": found.total_late_minutes,
    }


def allocation_json(
    allocation: Allocation, rejections: Sequence[Rejection], received: int
) -> dict[str, Any]:
    """The contract's JSON object, with a few extra keys.

    A visit of several slots is listed once per slot, in order, with the
    same ``referral_id``. Beyond the contract: ``detail`` on unbooked
    referrals, ``row`` on rejected ones, and ``solver`` and ``baseline``.
    """
    solution = allocation.solution
    baseline = baseline_indicators(allocation)
    return {
        "status": solution.status.value,
        "booked": [
            {
                "referral_id": booked.referral.referral_id,
                "slot_id": slot.slot_id,
                "center": slot.center,
                "start": slot.start.isoformat(),
                "late_minutes": booked.late_minutes,
            }
            for booked in allocation.booked
            for slot in booked.slots
        ],
        "unbooked": [
            {
                "referral_id": unbooked.referral.referral_id,
                "reason": unbooked.reason.value,
                "detail": unbooked.detail,
            }
            for unbooked in allocation.unbooked
        ],
        "rejected": [
            {
                "referral_id": rejection.record_id,
                "row": rejection.row,
                "reasons": list(
                    dict.fromkeys(i.reason.value for i in rejection.issues)
                ),
            }
            for rejection in rejections
        ],
        "kpi": _kpi(allocation, received),
        "solver": {
            "seconds": round(solution.seconds, 3),
            "bound": vars(solution.bound),
            "gap": vars(solution.gap),
            "methods": solution.methods,
        },
        "baseline": {
            "method": "first_come_first_served",
            "booked": baseline.booked,
            "within_target": baseline.within_target,
            "late": baseline.late,
            "total_late_minutes": baseline.total_late_minutes,
        },
    }


def summary_lines(
    allocation: Allocation, rejections: Sequence[Rejection], received: int
) -> list[str]:
    """A short French summary for the coordinator's terminal."""
    found = allocation_indicators(allocation)
    baseline = baseline_indicators(allocation)
    solution = allocation.solution
    status = {
        "OPTIMAL": "optimale (prouvée)",
        "FEASIBLE": "réalisable, non prouvée optimale (limite de temps)",
    }[solution.status.value]
    lines = [
        f"Demandes reçues : {received} ; recevables : {found.eligible} ; "
        f"rejetées : {len(rejections)}.",
        f"Rendez-vous attribués : {found.booked} dont {found.within_target} "
        f"dans le délai souhaité et {found.late} en retard "
        f"(retard moyen {french_number(found.mean_late_hours)} h, "
        f"maximal {french_number(found.max_late_hours)} h).",
        f"Premier arrivé, premier servi aurait donné : {baseline.booked} "
        f"rendez-vous dont {baseline.within_target} dans le délai.",
        f"Solution {status}, calculée en {french_number(solution.seconds)} s.",
    ]
    counts: dict[Reason, int] = {}
    for unbooked in allocation.unbooked:
        counts[unbooked.reason] = counts.get(unbooked.reason, 0) + 1
    lines.extend(
        f"  - sans créneau, {reason.value} ({reason.sentence}) : {count}"
        for reason, count in counts.items()
    )
    return lines
