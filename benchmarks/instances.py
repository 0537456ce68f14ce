"""Realistic allocation instances of any size, for the benchmarks.

Six centres in MIM and SIMSE, a skewed exam mix, children, reduced
mobility, 24 h and 48 h targets and multi-exam visits
(``cosen.domain.samples``), 14 days of slots at 1.2 slots per referral.
Rows go through the scheme's rules like a coordinator's spreadsheet, so
the instance is what
``cosen allocate`` would solve.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from datetime import datetime
from typing import Any

from cosen.allocation import AllocationSettings, build_problem
from cosen.clock import PARIS
from cosen.domain import Referral, Slot, check_referral_rows, check_slot_rows
from cosen.domain.samples import SampleSpec, sample_referrals, sample_slots
from cosen.optimizer import Problem

NOW = datetime(2026, 11, 27, 10, 0, tzinfo=PARIS)


def _as_text(
    rows: Iterable[Mapping[str, Any]],
) -> Iterable[tuple[int, dict[str, str]]]:
    for number, row in enumerate(rows, start=2):
        yield (
            number,
            {
                key: {True: "oui", False: "non"}.get(value, str(value))
                if isinstance(value, bool)
                else str(value)
                for key, value in row.items()
            },
        )


def records(
    size: int, seed: int = 1, slots_per_referral: float = 1.2
) -> tuple[list[Referral], list[Slot]]:
    """Eligible referrals and valid slots of an instance of ``size``."""
    spec = SampleSpec(
        now=NOW,
        referrals=size,
        bad_rows=0,
        seed=seed,
        slots_per_referral=slots_per_referral,
    )
    referrals = check_referral_rows(_as_text(sample_referrals(spec))).accepted
    slots = check_slot_rows(_as_text(sample_slots(spec))).accepted
    return referrals, slots


def instance(size: int, seed: int = 1) -> Problem:
    """The optimizer's problem for an instance of ``size`` referrals."""
    referrals, slots = records(size, seed)
    return build_problem(referrals, slots, AllocationSettings(now=NOW))
