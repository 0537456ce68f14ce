"""The booking rules' parameters and the solver's budget, checked once."""

from __future__ import annotations

import enum
from collections.abc import Mapping
from dataclasses import dataclass, fields, replace
from datetime import datetime
from typing import Any

from cosen.clock import TargetClock
from cosen.errors import OptionError
from cosen.limits import LIMITS
from cosen.optimizer import SolverSettings
from cosen.parsing import french_number

__all__ = ["AllocationSettings", "Policy"]


@dataclass(frozen=True)
class AllocationSettings:
    """The booking rules' parameters and the solver's budget.

    Attributes
    ----------
    now
        Allocation time (aware).
    notice_hours
        Least time between allocation and appointment, to reach the patient.
    transport_hours
        Least time for a reduced-mobility patient's medical transport.
    max_gap_minutes
        Longest wait between two slots of one visit.
    target_clock
        How the desired delay is counted.
    time_limit, seed, workers
        Solver budget and determinism.
    """

    now: datetime
    notice_hours: float = 2.0
    transport_hours: float = 24.0
    max_gap_minutes: int = 90
    target_clock: TargetClock = TargetClock.CALENDAR
    time_limit: float = 30.0
    seed: int = 0
    workers: int = 2

    def __post_init__(self) -> None:
        if self.now.tzinfo is None:
            raise OptionError("heure d'attribution sans fuseau horaire")
        for name, (low, high) in LIMITS.items():
            value = getattr(self, name)
            # NaN fails every comparison: "not low <= nan" is True.
            if not low <= value <= high:
                raise OptionError(
                    f"paramètre {name} : valeur entre "
                    f"{french_number(low, None)} et "
                    f"{french_number(high, None)} attendue"
                )

    @classmethod
    def from_mapping(
        cls, values: Mapping[str, Any], now: datetime
    ) -> AllocationSettings:
        """Settings from plain values (TOML, JSON), checked."""
        known = {f.name for f in fields(cls)} - {"now"}
        unknown = set(values) - known
        if unknown:
            raise OptionError(
                "paramètre(s) inconnu(s) : " + ", ".join(sorted(unknown))
            )
        settings = cls(now=now)
        typed: dict[str, Any] = {}
        try:
            for key, value in values.items():
                kind = (
                    TargetClock
                    if key == "target_clock"
                    else type(getattr(settings, key))
                )
                typed[key] = kind(value)
        except (TypeError, ValueError):
            raise OptionError(f"paramètre {key} : valeur invalide") from None
        return replace(settings, **typed)

    def solver(self) -> SolverSettings:
        """The optimizer's part of the settings."""
        return SolverSettings(self.time_limit, self.seed, self.workers)


class Policy(enum.StrEnum):
    """How an allocation books."""

    OPTIMIZER = "optimizer"
    FCFS = "fcfs"
