"""Planners' indicators: per replication, then across replications.

Each indicator is computed on each replication's statistics window, from
the end of the warm-up to the end of the simulated days: referrals
received, slots starting and allocations run in it. It is then summarized
over the replications with its 95 % confidence interval
(:class:`~cosen.scenarios.stats.Estimate`): counts as the mean over
replications; shares, means per booked or late referral and utilisation
as ratios of totals over all replications; wait quantiles as those of all
replications' waits pooled (:mod:`cosen.scenarios.stats`).

Indicators
----------
``received``
    Eligible referrals received.
``booked``, ``unbooked``
    Of them, booked by the end of the run, and never booked.
``within_target_pct``
    % of the referrals received whose appointment starts no later than
    their target (reception + 24 h or 48 h; unbooked ones are not).
``late_pct``, ``late_hours_mean``
    % booked after their target; mean lateness of those, in hours.
``wait_hours_mean``, ``wait_hours_median``, ``wait_hours_p90``,
``wait_hours_p95``
    Reception to appointment start, in real hours, of booked referrals.
``declines``, ``no_shows``
    Offers declined; patients who did not come.
``reserved_slots``, ``used_slots``, ``unused_slots``, ``utilization_pct``
    Slots starting in the window; booked; left unused; % booked.
``backlog_end``
    Referrals without a booking at the end of the window (whenever
    received).
``pending_mean``
    Referrals waiting for a slot, on average, at allocation times.
``rejected``
    Drawn referrals that the scheme's rules refused.

JSON (``cosen scenario run --json``)
------------------------------------
One object: ``scenario`` (name), ``replications``, ``seed``, ``policy``,
``target_clock``; ``window`` ``{"from", "to", "days"}`` (ISO dates, ``to``
excluded); ``overall``: every indicator above; ``by_exam``: exams asked
(``MAMMO+ECHO_SEIN`` for a one-trip visit) to the referral indicators
(``received`` to ``no_shows``); ``by_center``: centre to the referral
indicators of the referrals booked there and the slot indicators of its
slots; ``by_slot_kind``: list of ``{"center", "exams", ...slot
indicators}``; ``by_weekday``: French weekday of reception to the
referral indicators; ``by_weekday_hour``: list of ``{"weekday",
"hour", ...referral indicators}`` by weekday and hour of reception;
``by_target``: desired delay (``"24 h"``, ``"48 h"``) to the referral
indicators;
``by_slot_time``: list of ``{"center", "weekday", "hour", ...slot
indicators}`` by centre, weekday and hour a slot starts;
``daily_within_target_pct``: list of ``{"date", "mean",
"low", "high"}`` by reception day. Each indicator is ``{"mean", "low",
"high"}``: the mean over replications and the bounds of its 95 % interval
(``null`` when undefined, e.g. with one replication).
"""

from __future__ import annotations

import math
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from datetime import date, datetime, time
from functools import partial
from typing import Any, Final

import numpy as np
from numpy.typing import NDArray

from cosen.allocation.indicators import indicators
from cosen.clock import from_minutes, localize, minutes
from cosen.scenarios.params import WEEKDAY_NAMES, Scenario, Simulation
from cosen.scenarios.simulate import NEVER, Replication
from cosen.scenarios.stats import (
    Estimate,
    estimate,
    pooled_quantile,
    ratio,
)

__all__ = [
    "LABELS",
    "REFERRAL_KEYS",
    "SLOT_KEYS",
    "Summary",
    "Window",
    "summarize",
]

REFERRAL_KEYS: Final = (
    "received", "booked", "unbooked", "within_target_pct", "late_pct",
    "late_hours_mean", "wait_hours_mean", "wait_hours_median",
    "wait_hours_p90", "wait_hours_p95", "declines", "no_shows",
)  # fmt: skip
SLOT_KEYS: Final = (
    "reserved_slots", "used_slots", "unused_slots", "utilization_pct",
)  # fmt: skip
QUEUE_KEYS: Final = ("backlog_end", "pending_mean", "rejected")

LABELS: Final = {
    "received": "Demandes reçues",
    "booked": "Demandes avec rendez-vous",
    "unbooked": "Demandes restées sans rendez-vous",
    "within_target_pct": "Rendez-vous dans le délai (%)",
    "late_pct": "Rendez-vous en retard (%)",
    "late_hours_mean": "Retard moyen des rendez-vous en retard (h)",
    "wait_hours_mean": "Attente moyenne (h)",
    "wait_hours_median": "Attente médiane (h)",
    "wait_hours_p90": "Attente, 90e centile (h)",
    "wait_hours_p95": "Attente, 95e centile (h)",
    "declines": "Propositions refusées par le patient",
    "no_shows": "Patients absents au rendez-vous",
    "reserved_slots": "Créneaux réservés",
    "used_slots": "Créneaux attribués",
    "unused_slots": "Créneaux inutilisés",
    "utilization_pct": "Utilisation des créneaux (%)",
    "backlog_end": "Demandes en attente à la fin",
    "pending_mean": "Demandes en attente d'un créneau (moyenne)",
    "rejected": "Demandes non recevables",
}
"""French label of each indicator, for reports."""

Estimates = dict[str, Estimate]
Mask = NDArray[np.bool_]


@dataclass(frozen=True)
class Window:
    """The statistics window, in minutes since the epoch (end excluded),
    and the midnight starting each of its days."""

    start: int
    end: int
    days: tuple[date, ...]
    midnights: NDArray[np.int64]

    @classmethod
    def of(cls, simulation: Simulation) -> Window:
        first = simulation.counted_from.toordinal()
        days = tuple(
            date.fromordinal(n)
            for n in range(first, simulation.end.toordinal() + 1)
        )
        midnights = np.array(
            [minutes(localize(datetime.combine(d, time()))) for d in days],
            dtype=np.int64,
        )
        return cls(int(midnights[0]), int(midnights[-1]), days[:-1], midnights)

    def holds(self, moments: NDArray[np.int64]) -> Mask:
        return (moments >= self.start) & (moments < self.end)


@dataclass(frozen=True, eq=False)
class Summary:
    """Indicators of a scenario over its replications.

    Attributes
    ----------
    scenario
        What was simulated.
    replications
        How many replications.
    overall
        Every indicator (see the module's documentation).
    by_exam
        Referral indicators by exams asked.
    by_center
        Referral indicators of the referrals booked at each centre, and
        slot indicators of its slots.
    by_slot_kind
        Slot indicators by centre and exams the slots take.
    by_weekday, by_weekday_hour
        Referral indicators by French weekday of reception, and by it and
        the hour (0-23) of reception.
    by_target
        Referral indicators by desired delay (``"24 h"``, ``"48 h"``).
    by_slot_time
        Slot indicators by centre, French weekday and hour a slot starts.
    daily
        % of the referrals received each day that were seen within their
        target (days without referrals left out).
    waits
        Waiting hours of every booked referral of every replication (for
        the distribution chart).
    """

    scenario: Scenario
    replications: int
    overall: Estimates
    by_exam: dict[str, Estimates]
    by_center: dict[str, Estimates]
    by_slot_kind: dict[tuple[str, str], Estimates]
    by_weekday: dict[str, Estimates]
    by_weekday_hour: dict[tuple[str, int], Estimates]
    by_target: dict[str, Estimates]
    by_slot_time: dict[tuple[str, str, int], Estimates]
    daily: tuple[tuple[date, Estimate], ...]
    waits: NDArray[np.float64]

    def as_json(self) -> dict[str, Any]:
        """The JSON object documented in this module."""
        simulation = self.scenario.simulation

        def table(estimates: Estimates) -> dict[str, Any]:
            return {key: e.as_json() for key, e in estimates.items()}

        return {
            "scenario": self.scenario.name,
            "replications": self.replications,
            "seed": simulation.seed,
            "policy": simulation.policy.value,
            "target_clock": simulation.target_clock.value,
            "window": {
                "from": simulation.counted_from.isoformat(),
                "to": simulation.end.isoformat(),
                "days": simulation.days - simulation.warmup_days,
            },
            "overall": table(self.overall),
            "by_exam": {k: table(v) for k, v in self.by_exam.items()},
            "by_center": {k: table(v) for k, v in self.by_center.items()},
            "by_slot_kind": [
                {"center": center, "exams": exams, **table(values)}
                for (center, exams), values in self.by_slot_kind.items()
            ],
            "by_weekday": {k: table(v) for k, v in self.by_weekday.items()},
            "by_weekday_hour": [
                {"weekday": weekday, "hour": hour, **table(values)}
                for (weekday, hour), values in self.by_weekday_hour.items()
            ],
            "by_target": {k: table(v) for k, v in self.by_target.items()},
            "by_slot_time": [
                {"center": c, "weekday": w, "hour": h, **table(values)}
                for (c, w, h), values in self.by_slot_time.items()
            ],
            "daily_within_target_pct": [
                {"date": day.isoformat(), **found.as_json()}
                for day, found in self.daily
            ],
        }


def summarize(
    scenario: Scenario, replications: Sequence[Replication]
) -> Summary:
    """Indicators of ``scenario`` over its ``replications``."""
    window = Window.of(scenario.simulation)
    centers = scenario.centers
    block_center = np.array(
        [centers.index(b.center) for b in scenario.capacity], dtype=np.int64
    )
    kinds = dict.fromkeys((b.center, b.label) for b in scenario.capacity)
    by_slot_kind = {
        kind: _across(
            replications,
            partial(
                _block_values,
                window=window,
                blocks=[
                    n
                    for n, b in enumerate(scenario.capacity)
                    if (b.center, b.label) == kind
                ],
            ),
        )
        for kind in kinds
    }
    by_exam = {
        label: _across(
            replications, partial(_exam_values, window=window, number=number)
        )
        for number, label in enumerate(scenario.kinds)
    }
    by_center = {
        center: _across(
            replications,
            partial(
                _center_values,
                window=window,
                number=number,
                block_center=block_center,
            ),
        )
        for number, center in enumerate(centers)
    }
    booked = [
        window.holds(r.received) & (r.appointment != NEVER)
        for r in replications
    ]
    received = [_weekday_hour(r.received) for r in replications]
    weekdays = sorted({int(d) for w, _ in received for d in np.unique(w)})
    cells = sorted(
        {
            (int(d), int(h))
            for w, h in received
            for d, h in set(zip(w.tolist(), h.tolist(), strict=True))
        }
    )

    def referrals_where(masks: Sequence[Mask]) -> Estimates:
        """Referral indicators of the referrals each replication's mask
        picks."""
        return _estimates(
            [
                _referral_values(r, window, mask)
                for r, mask in zip(replications, masks, strict=True)
            ]
        )

    by_weekday = {
        WEEKDAY_NAMES[day]: referrals_where([w == day for w, _ in received])
        for day in weekdays
    }
    by_weekday_hour = {
        (WEEKDAY_NAMES[day], hour): referrals_where(
            [(w == day) & (h == hour) for w, h in received]
        )
        for day, hour in cells
    }
    delays = sorted({int(d) for r in replications for d in np.unique(r.delay)})
    by_target = {
        f"{delay} h": referrals_where([r.delay == delay for r in replications])
        for delay in delays
    }
    # Every replication reserves the same slots.
    slot_day, slot_hour = _weekday_hour(replications[0].slot_start)
    slot_center = block_center[replications[0].slot_block]
    counted = window.holds(replications[0].slot_start)
    slot_cells = sorted(
        set(
            zip(
                slot_center[counted].tolist(),
                slot_day[counted].tolist(),
                slot_hour[counted].tolist(),
                strict=True,
            )
        )
    )
    by_slot_time = {
        (centers[c], WEEKDAY_NAMES[d], h): _across(
            replications,
            partial(
                _slot_values,
                window=window,
                select=(slot_center == c) & (slot_day == d) & (slot_hour == h),
            ),
        )
        for c, d, h in slot_cells
    }
    return Summary(
        scenario=scenario,
        replications=len(replications),
        overall=_across(replications, partial(_overall, window=window)),
        by_exam={k: v for k, v in by_exam.items() if v["received"].mean},
        by_center=by_center,
        by_slot_kind=by_slot_kind,
        by_weekday=by_weekday,
        by_weekday_hour=by_weekday_hour,
        by_target=by_target,
        by_slot_time=by_slot_time,
        daily=_daily(replications, window),
        waits=np.concatenate(
            [
                (r.appointment[b] - r.received[b]) / 60
                for r, b in zip(replications, booked, strict=True)
            ]
        ),
    )


def _weekday_hour(
    moments: NDArray[np.int64],
) -> tuple[NDArray[np.int64], NDArray[np.int64]]:
    """Local weekday (0 is Monday) and hour of each minute since the
    epoch."""
    # Paris is a whole number of hours from UTC and changes offset on the
    # hour: a minute has the weekday and hour of its UTC hour's start, so
    # each distinct hour is converted once, not each minute.
    unique, inverse = np.unique(moments // 60, return_inverse=True)
    local = [from_minutes(int(hour) * 60) for hour in unique]
    days = np.array([m.weekday() for m in local], dtype=np.int64)
    hours = np.array([m.hour for m in local], dtype=np.int64)
    return days[inverse], hours[inverse]


def _overall(replication: Replication, window: Window) -> Parts:
    return (
        _referral_values(replication, window)
        | _slot_values(replication, window)
        | _queue_values(replication, window)
    )


def _exam_values(
    replication: Replication, window: Window, number: int
) -> Parts:
    return _referral_values(replication, window, replication.kind == number)


def _center_values(
    replication: Replication,
    window: Window,
    number: int,
    block_center: NDArray[np.int64],
) -> Parts:
    r = replication
    return _referral_values(r, window, r.center == number) | _slot_values(
        r, window, block_center[r.slot_block] == number
    )


def _block_values(
    replication: Replication, window: Window, blocks: list[int]
) -> Parts:
    return _slot_values(
        replication, window, np.isin(replication.slot_block, blocks)
    )


@dataclass(frozen=True)
class _Ratio:
    """A replication's total and count, for a ratio across replications."""

    total: float
    count: float
    scale: float = 1.0


@dataclass(frozen=True)
class _Pooled:
    """A replication's observations, for a pooled quantile."""

    sample: NDArray[np.float64]
    share: float


Part = float | _Ratio | _Pooled
Parts = dict[str, Part]


def _combined(parts: Sequence[Part]) -> Estimate:
    """The estimate of one indicator from every replication's part."""
    first = parts[0]
    if isinstance(first, _Ratio):
        ratios = [p for p in parts if isinstance(p, _Ratio)]
        return ratio(
            [p.total for p in ratios], [p.count for p in ratios], first.scale
        )
    if isinstance(first, _Pooled):
        pooled = [p for p in parts if isinstance(p, _Pooled)]
        return pooled_quantile([p.sample for p in pooled], first.share)
    return estimate(float(p) for p in parts if isinstance(p, float | int))


def _across(
    replications: Sequence[Replication],
    values: Callable[[Replication], Parts],
) -> Estimates:
    return _estimates([values(r) for r in replications])


def _estimates(rows: Sequence[Parts]) -> Estimates:
    """Each indicator's estimate from every replication's parts."""
    return {key: _combined([row[key] for row in rows]) for key in rows[0]}


def _referral_values(
    replication: Replication, window: Window, select: Mask | None = None
) -> Parts:
    r = replication
    counted = window.holds(r.received)
    if select is not None:
        counted &= select
    booked = counted & (r.appointment != NEVER)
    found = indicators(int(counted.sum()), r.late_minutes[booked].tolist())
    waits = (r.appointment[booked] - r.received[booked]) / 60
    late = r.late_minutes[booked]
    return {
        "received": found.eligible,
        "booked": found.booked,
        "unbooked": found.eligible - found.booked,
        "within_target_pct": _Ratio(found.within_target, found.eligible, 100),
        "late_pct": _Ratio(found.late, found.eligible, 100),
        "late_hours_mean": _Ratio(
            float(late.sum()) / 60, int((late > 0).sum())
        ),
        "wait_hours_mean": _Ratio(float(waits.sum()), waits.size),
        "wait_hours_median": _Pooled(waits, 0.5),
        "wait_hours_p90": _Pooled(waits, 0.9),
        "wait_hours_p95": _Pooled(waits, 0.95),
        "declines": int(r.declines[counted].sum()),
        "no_shows": int(r.no_show[counted].sum()),
    }


def _slot_values(
    replication: Replication, window: Window, select: Mask | None = None
) -> Parts:
    reserved = window.holds(replication.slot_start)
    if select is not None:
        reserved &= select
    count = int(reserved.sum())
    used = int((reserved & replication.slot_used).sum())
    return {
        "reserved_slots": count,
        "used_slots": used,
        "unused_slots": count - used,
        "utilization_pct": _Ratio(used, count, 100),
    }


def _queue_values(replication: Replication, window: Window) -> Parts:
    r = replication
    sampled = window.holds(r.allocation_at)
    unbooked_at_end = (r.received < window.end) & (
        (r.booked_at == NEVER) | (r.booked_at >= window.end)
    )
    return {
        "backlog_end": int(unbooked_at_end.sum()),
        "pending_mean": (
            float(r.pending[sampled].mean()) if sampled.any() else math.nan
        ),
        "rejected": int(window.holds(r.rejected).sum()),
    }


def _daily(
    replications: Sequence[Replication], window: Window
) -> tuple[tuple[date, Estimate], ...]:
    """% within target by reception day, across replications."""
    shares = np.full((len(replications), len(window.days)), math.nan)
    for row, r in enumerate(replications):
        counted = window.holds(r.received)
        day = np.searchsorted(window.midnights, r.received[counted], "right")
        within = (r.appointment[counted] != NEVER) & (
            r.late_minutes[counted] == 0
        )
        received = np.bincount(day - 1, minlength=len(window.days))
        seen = np.bincount(day - 1, weights=within, minlength=len(window.days))
        with np.errstate(invalid="ignore", divide="ignore"):
            shares[row] = np.where(received > 0, 100 * seen / received, np.nan)
    return tuple(
        (day, estimate(shares[:, n]))
        for n, day in enumerate(window.days)
        if np.isfinite(shares[:, n]).any()
    )
