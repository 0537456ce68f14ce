"""Realistic allocation instances of any size, for the benchmarks.

Six centres in MIM and SIMSE, a skewed exam mix, children, reduced
mobility, 24 h and 48 h targets and multi-exam visits
(``cosen.domain.samples``), over 14 days. Rows go through the scheme's
rules like a coordinator's spreadsheet, so the instance is what ``cosen
allocate`` would solve. Two kinds:

- ``light``: the samples' mix (8 % two-exam visits), 1.2 slots per
  referral;
- ``visits``: a quarter of the referrals are two- or three-exam visits,
  as many slots as referrals (what the one-trip rule finds hardest);
- ``unavailable``: ``light`` with 30 % of the patients unable to come at
  some times (a weekday morning or afternoon, a day, a few days).
"""

from __future__ import annotations

from datetime import datetime
from typing import Final

from cosen.allocation import AllocationSettings, build_problem
from cosen.clock import PARIS
from cosen.domain.samples import SampleSpec, sample_records
from cosen.optimizer import Problem

NOW = datetime(2026, 11, 27, 10, 0, tzinfo=PARIS)

VISIT_MIX: Final = (
    ("RADIO", 0.24),
    ("SCANNER", 0.16),
    ("ECHO_ABDO", 0.12),
    ("ECHO_MSK", 0.08),
    ("ECHO_THYRO", 0.05),
    ("MAMMO", 0.07),
    ("ECHO_SEIN", 0.03),
    ("MAMMO+ECHO_SEIN", 0.09),
    ("MAMMO+ECHO_SEIN+ECHO_THYRO", 0.04),
    ("RADIO+ECHO_MSK", 0.04),
    ("RADIO+SCANNER", 0.02),
    ("ECHO_ABDO+ECHO_THYRO", 0.03),
    ("ECHO_ABDO+ECHO_MSK+ECHO_THYRO", 0.03),
)
"""Exams asked in ``visits`` instances: 25 % visits, 7 % of three exams."""

KINDS: Final = ("light", "visits", "unavailable")


def instance(size: int, seed: int = 1, kind: str = "light") -> Problem:
    """The optimizer's problem for an instance of ``size`` referrals."""
    if kind == "light":
        spec = SampleSpec(now=NOW, referrals=size, bad_rows=0, seed=seed)
    elif kind == "unavailable":
        spec = SampleSpec(
            now=NOW, referrals=size, bad_rows=0, seed=seed,
            unavailable_share=0.3,
        )  # fmt: skip
    elif kind == "visits":
        spec = SampleSpec(
            now=NOW, referrals=size, bad_rows=0, seed=seed,
            slots_per_referral=1.0, demand_mix=VISIT_MIX,
        )  # fmt: skip
    else:
        raise ValueError(f"unknown instance kind {kind}")
    return build_problem(*sample_records(spec), AllocationSettings(now=NOW))
