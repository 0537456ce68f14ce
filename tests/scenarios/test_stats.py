"""Confidence intervals across replications, without scipy in cosen."""

from __future__ import annotations

import math

import numpy as np
import pytest
from scipy import stats

from cosen.scenarios.stats import (
    Estimate,
    _quantiles,
    estimate,
    pooled_quantile,
    ratio,
    t_critical,
)


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


def test_ratio_of_totals_and_its_interval() -> None:
    # Per-late means: 15 h over 3 late, 10 h over 1, 20 h over 2 give
    # 45 / 6 = 7.5 h, not the mean of 5, 10 and 10 h (8.3 h).
    found = ratio([15.0, 10.0, 20.0], [3.0, 1.0, 2.0])
    assert found.mean == pytest.approx(45 / 6)
    residuals = [15 - 7.5 * 3, 10 - 7.5, 20 - 7.5 * 2]
    spread = math.sqrt(sum(d * d for d in residuals) / 2)
    half = stats.t.ppf(0.975, 2) * spread / (math.sqrt(3) * 2)
    assert found.high == pytest.approx(7.5 + half, abs=1e-2)
    assert ratio([1.0, 2.0], [0.0, 0.0]).count == 0
    assert ratio([50.0, 30.0], [100.0, 100.0], 100).mean == 40.0


def test_pooled_quantile_and_sectioning_interval() -> None:
    first = np.array([1.0, 2.0, 3.0])
    second = np.array([4.0, 5.0, 6.0, 7.0, 8.0])
    found = pooled_quantile([first, second], 0.5)
    assert found.mean == 4.5  # median of 1..8, not (2 + 6) / 2
    half = stats.t.ppf(0.975, 1) * stats.tstd([2.0, 6.0]) / math.sqrt(2)
    assert found.low == pytest.approx(4.5 - half, abs=1e-2)
    assert pooled_quantile([np.array([])], 0.5).count == 0


@pytest.mark.parametrize("seed", range(30))
def test_each_replications_quantile_is_numpys_to_the_last_bit(
    seed: int,
) -> None:
    """The sectioning interval's quantiles, computed for all replications
    at once, are those ``np.quantile`` gives each one."""
    rng = np.random.default_rng(seed)
    samples = [
        rng.exponential(30, int(rng.integers(1, 60))).round(
            int(rng.integers(0, 3))
        )
        for _ in range(int(rng.integers(1, 12)))
    ]
    for share in (0.0, 0.05, 0.5, 0.95, 1.0, float(rng.random())):
        assert _quantiles(samples, share).tolist() == [
            float(np.quantile(sample, share)) for sample in samples
        ]
