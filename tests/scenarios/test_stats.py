"""Confidence intervals across replications, without scipy in cosen."""

from __future__ import annotations

import math

import pytest
from scipy import stats

from cosen.scenarios.stats import Estimate, estimate, t_critical


@pytest.mark.parametrize("df", [*range(1, 61), 75, 99, 120, 200, 1000, 10**6])
def test_t_table_matches_scipy(df: int) -> None:
    assert t_critical(df) == pytest.approx(stats.t.ppf(0.975, df), abs=2e-3)


def test_interval_of_known_values() -> None:
    values = [10.0, 12.0, 11.0, 13.0, 9.0]
    found = estimate(values)
    half = stats.t.ppf(0.975, 4) * stats.tstd(values) / math.sqrt(5)
    assert found.mean == 11.0 and found.count == 5
    assert found.low == pytest.approx(11.0 - half, abs=1e-3)
    assert found.high == pytest.approx(11.0 + half, abs=1e-3)
    assert found.contains(11.0) and not found.contains(14.0)


def test_undefined_values_are_left_out() -> None:
    assert estimate([1.0, math.nan, 3.0]).count == 2
    single = estimate([5.0, math.nan])
    assert single.mean == 5.0 and math.isnan(single.low)
    assert single.as_json() == {"mean": 5.0, "low": None, "high": None}
    empty = estimate([math.nan])
    assert empty.count == 0 and empty.as_json()["mean"] is None
    assert estimate([2.0, 2.0]) == Estimate(2.0, 2.0, 2.0, 2)
    with pytest.raises(ValueError):
        t_critical(0)
