"""What ``cosen allocate`` prints: a French summary or the contract's JSON.

Neither holds personal data: referral and slot ids, centres, counts.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from cosen.allocation.booking import Allocation
from cosen.allocation.indicators import (
    allocation_indicators,
    baseline_indicators,
)
from cosen.domain import Rejection, count_reasons
from cosen.parsing import french_duration, french_number

__all__ = ["allocation_json", "summary_lines"]


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
        "kpi": {
            "received": received,
            **allocation_indicators(allocation).as_dict(),
        },
        "solver": {
            "seconds": round(solution.seconds, 3),
            "bound": vars(solution.bound),
            "gap": vars(solution.gap),
            "methods": solution.methods,
        },
        "baseline": {
            "method": "first_come_first_served",
            **baseline.as_dict(),
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
        f"(retard moyen {french_duration(found.mean_late_hours * 60)}, "
        f"maximal {french_duration(found.max_late_hours * 60)}).",
        f"Premier arrivé, premier servi aurait donné : {baseline.booked} "
        f"rendez-vous dont {baseline.within_target} dans le délai.",
        f"Solution {status}, calculée en {french_number(solution.seconds)} s.",
    ]
    counts = count_reasons((u.reason,) for u in allocation.unbooked)
    lines.extend(
        f"  - sans créneau, {reason.value} ({reason.sentence}) : {count}"
        for reason, count in counts.items()
    )
    return lines
