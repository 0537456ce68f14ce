"""Indicators of an allocation, recomputed from its bookings."""

from __future__ import annotations

from collections.abc import Callable, Iterable
from dataclasses import dataclass
from typing import Any

from cosen.allocation.booking import Booked, Outcome, Unbooked

__all__ = [
    "Indicators",
    "allocation_indicators",
    "baseline_indicators",
    "breakdown",
    "indicators",
]


@dataclass(frozen=True)
class Indicators:
    """What coordinators and planners watch.

    Attributes
    ----------
    eligible
        Referrals that could be booked.
    booked
        Referrals booked (a visit of several slots counts once).
    within_target
        Booked no later than their target.
    late
        Booked after their target.
    total_late_minutes, max_late_minutes
        Lateness past the targets.
    """

    eligible: int
    booked: int
    within_target: int
    late: int
    total_late_minutes: int
    max_late_minutes: int

    @property
    def mean_late_hours(self) -> float:
        """Mean lateness of the late bookings, in hours."""
        return self.total_late_minutes / self.late / 60 if self.late else 0.0

    @property
    def max_late_hours(self) -> float:
        """The longest lateness, in hours."""
        return self.max_late_minutes / 60

    def as_dict(self) -> dict[str, Any]:
        """The indicators as the contract's JSON names them (``kpi``):
        the one mapping that exports, the ledger and scripts read."""
        return {
            "eligible": self.eligible,
            "booked": self.booked,
            "within_target": self.within_target,
            "late": self.late,
            "total_late_minutes": self.total_late_minutes,
        }


def indicators(eligible: int, lateness: Iterable[int]) -> Indicators:
    """Indicators from each booking's minutes past target (0 if on time)."""
    minutes = list(lateness)
    late = [m for m in minutes if m > 0]
    return Indicators(
        eligible=eligible,
        booked=len(minutes),
        within_target=len(minutes) - len(late),
        late=len(late),
        total_late_minutes=sum(late),
        max_late_minutes=max(late, default=0),
    )


def allocation_indicators(allocation: Outcome) -> Indicators:
    """Indicators of the optimizer's bookings."""
    return indicators(
        len(allocation.booked) + len(allocation.unbooked),
        (booked.late_minutes for booked in allocation.booked),
    )


def baseline_indicators(allocation: Outcome) -> Indicators:
    """Indicators first come, first served reaches on the same input."""
    return indicators(
        len(allocation.booked) + len(allocation.unbooked),
        allocation.baseline_lateness,
    )


def breakdown(
    allocation: Outcome, key: Callable[[Booked | Unbooked], str | None]
) -> dict[str, Indicators]:
    """Indicators per value of ``key`` (``None``: not counted).

    Unbooked referrals count as eligible where ``key`` places them (by
    exam, say); by centre or group they have no place.
    """
    eligible: dict[str, int] = {}
    lateness: dict[str, list[int]] = {}
    items: list[Booked | Unbooked] = [*allocation.booked, *allocation.unbooked]
    for item in items:
        name = key(item)
        if name is None:
            continue
        eligible[name] = eligible.get(name, 0) + 1
        if isinstance(item, Booked):
            lateness.setdefault(name, []).append(item.late_minutes)
    return {
        name: indicators(eligible[name], lateness.get(name, []))
        for name in sorted(eligible)
    }
