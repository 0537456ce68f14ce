"""Estimates and 95 % confidence intervals across replications (Student t).

Replications are independent, so the mean of an indicator over them has a
Student t interval (:func:`estimate`). A mean per booked or per late
referral, or a share of the referrals, is a ratio of totals over every
replication (:func:`ratio`, interval by the delta method), and a quantile
is that of every replication's values pooled (:func:`pooled_quantile`,
interval by sectioning: each replication a batch). Averaging each
replication's own ratio or quantile instead is biased when the counts vary
between replications, as under heavy load.

The critical values come from a small table (scipy is not a dependency
of cosen): exact to three decimals up to 30 degrees of freedom,
interpolated in ``1/df`` beyond, which is within 0.001 of the
true value.
"""

from __future__ import annotations

import math
import statistics
from bisect import bisect_left
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from typing import Final

import numpy as np
from numpy.typing import NDArray

__all__ = [
    "Estimate",
    "estimate",
    "pooled_quantile",
    "ratio",
    "t_critical",
]

# Two-sided 95 % critical values of Student's t, df = 1 to 30.
_T95: Final = (
    12.706, 4.303, 3.182, 2.776, 2.571, 2.447, 2.365, 2.306, 2.262, 2.228,
    2.201, 2.179, 2.160, 2.145, 2.131, 2.120, 2.110, 2.101, 2.093, 2.086,
    2.080, 2.074, 2.069, 2.064, 2.060, 2.056, 2.052, 2.048, 2.045, 2.042,
)  # fmt: skip
# Beyond 30, by degrees of freedom; the last is the normal quantile.
_T95_FAR: Final = ((30, 2.042), (40, 2.021), (60, 2.000), (120, 1.980))
_Z95: Final = 1.960


def t_critical(df: int) -> float:
    """Two-sided 95 % critical value of Student's t with ``df`` degrees."""
    if df < 1:
        raise ValueError("at least one degree of freedom")
    if df <= len(_T95):
        return _T95[df - 1]
    points = [*_T95_FAR, (math.inf, _Z95)]
    upper = bisect_left([d for d, _ in points], df)
    (d0, t0), (d1, t1) = points[upper - 1], points[upper]
    # Linear in 1/df, the usual interpolation of t tables.
    weight = (1 / d0 - 1 / df) / (1 / d0 - 1 / d1)
    return t0 + weight * (t1 - t0)


@dataclass(frozen=True)
class Estimate:
    """The mean of an indicator over replications and its 95 % interval.

    Attributes
    ----------
    mean
        Mean over the replications where the indicator is defined (NaN if
        none).
    low, high
        Bounds of the 95 % confidence interval (NaN with fewer than two
        values).
    count
        Replications that defined the indicator.
    """

    mean: float
    low: float
    high: float
    count: int

    def as_json(self) -> dict[str, float | None]:
        """``{"mean", "low", "high"}``, ``null`` where undefined."""
        return {
            "mean": _number(self.mean),
            "low": _number(self.low),
            "high": _number(self.high),
        }

    def contains(self, value: float) -> bool:
        """Whether ``value`` lies in the interval."""
        return self.low <= value <= self.high


def estimate(values: Iterable[float]) -> Estimate:
    """Mean and 95 % Student t interval of per-replication ``values``
    (NaN values, an indicator a replication could not define, are left
    out)."""
    kept = [float(v) for v in values if math.isfinite(v)]
    if not kept:
        return Estimate(math.nan, math.nan, math.nan, 0)
    mean = statistics.fmean(kept)
    if len(kept) < 2:
        return Estimate(mean, math.nan, math.nan, 1)
    half = t_critical(len(kept) - 1) * _stdev(kept) / math.sqrt(len(kept))
    return Estimate(mean, mean - half, mean + half, len(kept))


def ratio(
    totals: Sequence[float], counts: Sequence[float], scale: float = 1.0
) -> Estimate:
    """``scale`` times the sum of ``totals`` over the sum of ``counts``
    (one pair per replication), with its 95 % delta-method interval.

    ``count`` is the number of replications with a positive count; the
    estimate is NaN when no replication counted anything.
    """
    y = np.asarray(totals, dtype=np.float64)
    x = np.asarray(counts, dtype=np.float64)
    defined = int((x > 0).sum())
    if not x.sum() > 0:
        return Estimate(math.nan, math.nan, math.nan, 0)
    value = float(y.sum() / x.sum())
    if len(x) < 2:
        return Estimate(scale * value, math.nan, math.nan, defined)
    residuals = y - value * x
    spread = math.sqrt(float((residuals**2).sum()) / (len(x) - 1))
    half = (
        t_critical(len(x) - 1) * spread / (math.sqrt(len(x)) * float(x.mean()))
    )
    return Estimate(
        scale * value, scale * (value - half), scale * (value + half), defined
    )


def pooled_quantile(
    samples: Sequence[NDArray[np.float64]], share: float
) -> Estimate:
    """The ``share`` quantile (0 to 1) of every replication's ``samples``
    pooled, with a 95 % sectioning interval: the pooled value plus or
    minus Student's t times the spread of the replications' own
    quantiles over the root of their number. ``count``: replications
    with values."""
    kept = [s for s in samples if s.size]
    if not kept:
        return Estimate(math.nan, math.nan, math.nan, 0)
    value = float(np.quantile(np.concatenate(kept), share))
    if len(kept) < 2:
        return Estimate(value, math.nan, math.nan, 1)
    own = _quantiles(kept, share).tolist()
    half = t_critical(len(kept) - 1) * _stdev(own) / math.sqrt(len(kept))
    return Estimate(value, value - half, value + half, len(kept))


def _stdev(values: Sequence[float]) -> float:
    """Sample standard deviation, in floats (``statistics.stdev`` works in
    exact fractions, a hundred times slower, for digits nobody reads)."""
    mean = math.fsum(values) / len(values)
    squares = math.fsum((value - mean) ** 2 for value in values)
    return math.sqrt(squares / (len(values) - 1))


def _quantiles(
    samples: Sequence[NDArray[np.float64]], share: float
) -> NDArray[np.float64]:
    """The ``share`` quantile of each of ``samples`` (none empty), as
    ``np.quantile`` computes it (its default, linear method, to the last
    bit), in one pass over them all: a summary takes thousands, and
    ``np.quantile``'s cost is mostly its own overhead on small arrays."""
    sizes = np.array([sample.size for sample in samples])
    ordered = np.concatenate([np.sort(sample) for sample in samples])
    offsets = np.cumsum(sizes) - sizes
    position = share * (sizes - 1)
    low = np.floor(position).astype(np.int64)
    high = np.minimum(low + 1, sizes - 1)
    weight = position - low
    below = ordered[offsets + low]
    above = ordered[offsets + high]
    step = above - below
    # numpy's interpolation, from the nearer end for accuracy.
    found: NDArray[np.float64] = np.where(
        weight >= 0.5, above - step * (1 - weight), below + step * weight
    )
    return found


def _number(value: float) -> float | None:
    return round(value, 6) if math.isfinite(value) else None
