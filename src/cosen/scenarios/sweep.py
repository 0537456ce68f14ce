"""Sweeps: a scenario run for each combination of values of some keys.

``--vary KEY=V1,V2,...`` names a key by its dotted path (as in error
messages: ``simulation.allocation_times``, ``demand.1.per_day``,
``capacity.2.times``) or a multiplier (``capacity.scale``,
``demand.scale``). Each value is read as TOML when it can be (``0.8``,
``["09:00", "14:00"]``, ``true``), else as text (``fcfs``); commas inside
brackets or quotes do not split values.

Every variant uses the same seed: they meet the same referrals (common
random numbers), so differences between them are not noise.
"""

from __future__ import annotations

import itertools
import math
import tomllib
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import date, time
from typing import Any

from cosen.errors import OptionError
from cosen.parsing import french_number
from cosen.scenarios.indicators import Summary, summarize
from cosen.scenarios.loader import ALIASES, ScenarioFile
from cosen.scenarios.runner import Progress, run_replications

__all__ = [
    "Sweep",
    "SweepPoint",
    "Variation",
    "display",
    "is_capacity_key",
    "parse_variation",
    "run_sweep",
]

GOAL_KEY = "within_target_pct"


@dataclass(frozen=True)
class Variation:
    """A key and the values it takes."""

    key: str
    values: tuple[Any, ...]


def parse_variation(text: str) -> Variation:
    """Read ``KEY=V1,V2,...``.

    Raises
    ------
    OptionError
        When the text has no key or no value.
    """
    key, equals, rest = text.partition("=")
    values = [_value(item) for item in _split(rest)]
    if not equals or not key.strip() or not values:
        raise OptionError(
            "option --vary : CLÉ=V1,V2,… attendu (ex. "
            "capacity.scale=0.8,1.0,1.2)."
        )
    return Variation(key.strip(), tuple(values))


def _split(text: str) -> list[str]:
    """Split on commas outside brackets and quotes."""
    items: list[str] = []
    depth = 0
    quote = ""
    current = ""
    for char in text:
        if quote:
            quote = "" if char == quote else quote
        elif char in "\"'":
            quote = char
        elif char in "[{":
            depth += 1
        elif char in "]}":
            depth -= 1
        elif char == "," and depth == 0:
            items.append(current)
            current = ""
            continue
        current += char
    items.append(current)
    return [item.strip() for item in items if item.strip()]


def _value(text: str) -> Any:
    try:
        return tomllib.loads(f"value = {text}")["value"]
    except tomllib.TOMLDecodeError:
        return text


def display(value: Any) -> str:
    """A varied value as planners write it."""
    if isinstance(value, list):
        return " ".join(display(item) for item in value)
    if isinstance(value, float):
        return french_number(value, None)
    if isinstance(value, time):
        return value.strftime("%H:%M")
    if isinstance(value, date):
        return value.strftime("%d/%m/%Y")
    return str(value)


def _plain(value: Any) -> Any:
    """A varied value for JSON."""
    if isinstance(value, list):
        return [_plain(item) for item in value]
    if isinstance(value, time):
        return value.strftime("%H:%M")
    if isinstance(value, date):
        return value.isoformat()
    return value


def is_capacity_key(key: str) -> bool:
    """Whether varying ``key`` changes the reserved slots."""
    return ALIASES.get(key, key).startswith(
        ("capacity.", "simulation.capacity_scale")
    )


@dataclass(frozen=True, eq=False)
class SweepPoint:
    """One combination of values and what its scenario gives.

    Attributes
    ----------
    changes
        Value of each varied key.
    summary
        Its indicators.
    slots_per_week
        Slots reserved per week in the statistics window.
    """

    changes: dict[str, Any]
    summary: Summary
    slots_per_week: float

    @property
    def within_target(self) -> float:
        """Mean % of referrals seen within target."""
        return self.summary.overall[GOAL_KEY].mean

    @property
    def cost(self) -> float:
        """The scenario's cost over the statistics window (``[cost]``):
        its reserved slots and its referrals not seen within target, on
        average over replications (0 without costs)."""
        overall = self.summary.overall
        prices = self.summary.scenario.cost
        missed = overall["received"].mean * (1 - self.within_target / 100)
        return (
            prices.reserved_slot * overall["reserved_slots"].mean
            + prices.late_referral * missed
        )


@dataclass(frozen=True, eq=False)
class Sweep:
    """A sweep's points and the goal on % within target.

    Attributes
    ----------
    name
        The scenario file's name.
    keys
        The varied keys, in order.
    points
        One per combination, the last key varying fastest.
    goal
        % of referrals to see within target.
    """

    name: str
    keys: tuple[str, ...]
    points: tuple[SweepPoint, ...]
    goal: float

    def meets(self, point: SweepPoint) -> bool:
        """Whether the point's mean % within target reaches the goal."""
        return point.within_target >= self.goal

    def series(self) -> dict[tuple[str, ...], list[int]]:
        """Points by values of the keys that leave capacity alone: within
        a series, only capacity changes."""
        groups: dict[tuple[str, ...], list[int]] = {}
        for number, point in enumerate(self.points):
            label = tuple(
                f"{key}={display(point.changes[key])}"
                for key in self.keys
                if not is_capacity_key(key)
            )
            groups.setdefault(label, []).append(number)
        return groups

    def smallest(self) -> list[int]:
        """In each series, the point of least capacity meeting the goal
        (the first such point when capacities are equal)."""
        found = []
        for members in self.series().values():
            meeting = [n for n in members if self.meets(self.points[n])]
            if meeting:
                found.append(
                    min(meeting, key=lambda n: self.points[n].slots_per_week)
                )
        return found

    def blocker(self) -> str | None:
        """When no point meets the goal, what holds the best one back, in
        French: its reception weekday furthest from the goal, and the hour
        from which every later hour of that day misses it."""
        if not self.points or self.smallest():
            return None
        best = max(self.points, key=lambda p: p.within_target)
        days = {
            day: values[GOAL_KEY].mean
            for day, values in best.summary.by_weekday.items()
            if math.isfinite(values[GOAL_KEY].mean)
        }
        if not days:
            return None
        worst = min(days, key=lambda day: days[day])
        hours = sorted(
            (hour, values[GOAL_KEY].mean)
            for (day, hour), values in best.summary.by_weekday_hour.items()
            if day == worst
        )
        start = len(hours)
        while start and hours[start - 1][1] < self.goal:
            start -= 1
        text = (
            f"au mieux, les demandes du {worst} ne sont vues dans le délai "
            f"qu'à {french_number(days[worst])} %"
        )
        if start == 0:
            text += ", à toute heure de réception"
        elif start < len(hours):
            text += (
                f", aucune heure n'atteint l'objectif dès {hours[start][0]} h"
            )
        return text + "."

    def as_json(self) -> dict[str, Any]:
        """``{"scenario", "goal", "keys", "points"}``; each point has
        ``changes`` (key to value), ``slots_per_week``, ``cost`` (0
        without a ``[cost]`` table), ``meets_goal``,
        ``smallest`` (least capacity meeting the goal in its series) and
        ``overall`` (the indicators of ``cosen scenario run --json``)."""
        smallest = set(self.smallest())
        return {
            "scenario": self.name,
            "goal": self.goal,
            "keys": list(self.keys),
            "points": [
                {
                    "changes": {
                        k: _plain(v) for k, v in point.changes.items()
                    },
                    "slots_per_week": round(point.slots_per_week, 3),
                    "cost": round(point.cost, 2),
                    "meets_goal": self.meets(point),
                    "smallest": number in smallest,
                    "overall": point.summary.as_json()["overall"],
                }
                for number, point in enumerate(self.points)
            ],
        }


def run_sweep(
    source: ScenarioFile,
    variations: Sequence[Variation],
    goal: float,
    workers: int | None = None,
    dask_address: str | None = None,
    progress: bool = True,
) -> Sweep:
    """Run the scenario of ``source`` for every combination of values.

    Raises
    ------
    OptionError
        When a key is varied twice.
    ScenarioError
        When a combination makes an invalid scenario (checked before any
        run).
    """
    keys = tuple(v.key for v in variations)
    if len({ALIASES.get(k, k) for k in keys}) != len(keys):
        raise OptionError("option --vary : une même clé est variée deux fois.")
    combinations = [
        dict(zip(keys, values, strict=True))
        for values in itertools.product(*(v.values for v in variations))
    ]
    scenarios = [source.scenario(changes) for changes in combinations]
    total = sum(s.simulation.replications for s in scenarios)
    results = run_replications(
        scenarios,
        workers,
        dask_address,
        Progress(total, "Simulations") if progress else None,
    )
    points = []
    for changes, scenario, replications in zip(
        combinations, scenarios, results, strict=True
    ):
        summary = summarize(scenario, replications)
        simulation = scenario.simulation
        weeks = (simulation.days - simulation.warmup_days) / 7
        reserved = summary.overall["reserved_slots"].mean
        points.append(SweepPoint(changes, summary, reserved / weeks))
    return Sweep(source.name, keys, tuple(points), goal)
