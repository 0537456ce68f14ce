"""Realistic allocation instances of any size, for the benchmarks.

Six centres in MIM and SIMSE, a skewed exam mix, children, reduced
mobility, 24 h and 48 h targets and multi-exam visits
(``cosen.domain.samples``), 14 days of slots at 1.2 slots per referral.
Rows go through the scheme's rules like a coordinator's spreadsheet, so
the instance is what ``cosen allocate`` would solve.
"""

from __future__ import annotations

from datetime import datetime

from cosen.allocation import AllocationSettings, build_problem
from cosen.clock import PARIS
from cosen.domain.samples import SampleSpec, sample_records
from cosen.optimizer import Problem

NOW = datetime(2026, 11, 27, 10, 0, tzinfo=PARIS)


def instance(size: int, seed: int = 1) -> Problem:
    """The optimizer's problem for an instance of ``size`` referrals."""
    spec = SampleSpec(now=NOW, referrals=size, bad_rows=0, seed=seed)
    return build_problem(*sample_records(spec), AllocationSettings(now=NOW))
