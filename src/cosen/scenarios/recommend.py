"""Recommending capacity: the fewest weekly slots, among the scenario's
``[[candidate]]`` blocks, that bring every exam to a goal.

A *choice* is one weekday and start time of a candidate block; it may be
taken up to the block's ``max_count`` times, each time one more slot every
such weekday. A *plan* says how many times each choice is taken. A plan
reaches the goal when every exam's mean % of referrals seen within target
(``by_exam`` of :func:`~cosen.scenarios.indicators.summarize`) is at least
the goal.

The search (:func:`recommend`) runs in rounds, each round one batch of
variants through :func:`~cosen.scenarios.runner.run_replications`:

1. The scenario as it is, and with every choice at its maximum. If the
   latter misses the goal, no plan reaches it (more slots never book a
   referral later, up to noise): what stands in the way is read from that
   run (:func:`blockers`).
2. Greedy: from the plan so far, every choice one more time; keep the one
   that most reduces the *shortfall* (referrals missing to the goal,
   summed over exams), until the goal is reached. This ends: the full plan
   reaches it.
3. Pruning: while taking one slot out of the plan still reaches the goal,
   take out the one that keeps the shortfall lowest. The answer is then
   irreducible: no single slot of it can go.

Every variant uses the scenario's seed and replication numbers, so all
meet the same referrals (common random numbers): the differences that
choose between choices are paired, not noise of independent draws. A plan
already simulated is never run again, and a budget bounds the number of
simulated replications.

Finally, the reserved slots (weekday and start of a block) that were
booked in at most :data:`GIVE_BACK_PCT` % of the weeks are listed as could
be given back, and one more run without them checks the goal still holds.
"""

from __future__ import annotations

import math
from bisect import bisect_right
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, replace
from datetime import datetime, time
from itertools import pairwise
from pathlib import Path
from typing import Any, Final

import numpy as np
from matplotlib.ticker import MaxNLocator
from openpyxl import Workbook

from cosen.clock import TargetClock, from_minutes
from cosen.domain import PROMISE_HOURS
from cosen.io.excel import add_table, printable, save_workbook
from cosen.parsing import french_number
from cosen.scenarios.charts import new_figure, save_figure
from cosen.scenarios.indicators import Summary, Window, summarize
from cosen.scenarios.params import (
    WEEKDAY_NAMES,
    WORKWEEK,
    Capacity,
    Scenario,
    ScenarioError,
    Simulation,
)
from cosen.scenarios.report import estimate_cells, interval_text
from cosen.scenarios.runner import Progress, run_replications
from cosen.scenarios.simulate import NEVER, Replication
from cosen.scenarios.stats import Estimate
from cosen.scenarios.sweep import GOAL_KEY

__all__ = [
    "DEFAULT_BUDGET",
    "GIVE_BACK_PCT",
    "Choice",
    "Point",
    "Recommendation",
    "blockers",
    "choices",
    "recommend",
    "recommend_lines",
    "write_recommend_report",
]

DEFAULT_BUDGET: Final = 2000
"""Simulated replications a search may run, by default."""
GIVE_BACK_PCT: Final = 5.0
"""A reserved slot booked in at most this % of its weeks could go."""
_SHOWN_BLOCKERS: Final = 3
"""Worst groups of referrals named, per exam below the goal."""
_NO_ALLOCATION: Final = "aucune attribution avant leur échéance"
_MIN_GROUP_SHARE: Final = 0.01
"""Groups of fewer referrals than this share of the exam's are noise."""


@dataclass(frozen=True, order=True)
class Choice:
    """One weekday and start time of a candidate block.

    Attributes
    ----------
    candidate
        The block's index in :attr:`Scenario.candidates`.
    weekday
        ``date.weekday()`` number.
    start
        Start time of the slots.
    """

    candidate: int
    weekday: int
    start: time


Plan = tuple[tuple[Choice, int], ...]
"""Choices taken and how many times, sorted, counts positive."""


def _with(plan: Plan, choice: Choice, change: int) -> Plan:
    counts = dict(plan)
    counts[choice] = counts.get(choice, 0) + change
    return tuple(sorted((c, n) for c, n in counts.items() if n > 0))


def variant(scenario: Scenario, plan: Plan) -> Scenario:
    """``scenario`` with the slots of ``plan`` added, without candidates."""
    added = tuple(
        scenario.candidates[choice.candidate].block(
            choice.weekday, choice.start, count
        )
        for choice, count in plan
    )
    return replace(scenario, capacity=scenario.capacity + added, candidates=())


@dataclass(frozen=True, eq=False)
class Point:
    """A plan and what its scenario gives.

    Attributes
    ----------
    plan
        The choices taken.
    summary
        Its indicators.
    replications
        Its replications (for the breakdowns).
    """

    plan: Plan
    summary: Summary
    replications: tuple[Replication, ...]

    @property
    def slots(self) -> int:
        """Slots added per week."""
        return sum(count for _, count in self.plan)

    @property
    def within_target(self) -> Estimate:
        """% of all referrals seen within target."""
        return self.summary.overall[GOAL_KEY]

    def worst(self) -> tuple[str, Estimate]:
        """The exam furthest from any goal, and its % within target."""
        return min(
            ((k, v[GOAL_KEY]) for k, v in self.summary.by_exam.items()),
            key=lambda item: item[1].mean,
        )

    def shortfall(self, goal: float) -> float:
        """Referrals missing for every exam to reach ``goal``."""
        return sum(
            v["received"].mean * max(0.0, goal - v[GOAL_KEY].mean) / 100
            for v in self.summary.by_exam.values()
        )

    def reaches(self, goal: float) -> bool:
        """Whether every exam's mean % within target is at least ``goal``."""
        return all(
            v[GOAL_KEY].mean >= goal for v in self.summary.by_exam.values()
        )


@dataclass(frozen=True)
class Unused:
    """Slots of one block at one weekday and start, rarely booked.

    Attributes
    ----------
    block
        Index in the scenario's capacity (added blocks follow the file's).
    center, exams, weekday, start
        Where and when.
    reserved, used
        Slots in the statistics window, over every replication; booked.
    """

    block: int
    center: str
    exams: str
    weekday: int
    start: time
    reserved: int
    used: int

    @property
    def utilization(self) -> float:
        """% of those slots booked."""
        return 100 * self.used / self.reserved


@dataclass(frozen=True, eq=False)
class Recommendation:
    """What :func:`recommend` found.

    Attributes
    ----------
    scenario
        The scenario searched.
    goal
        % of referrals to see within target, for every exam.
    reached
        Whether :attr:`best` reaches the goal.
    best
        The recommended plan; when the goal is out of reach, every choice
        at its maximum (the most the candidates give); when the budget ran
        out, the plan so far.
    path
        The plan after each greedy step (first: nothing added), then after
        each pruning step.
    blockers
        What stands in the way, one French sentence each (empty when
        reached).
    unused
        Reserved slots of :attr:`best` that could be given back.
    without_unused
        The run of :attr:`best` without them (``None`` when none, or no
        budget left).
    simulations
        Replications simulated.
    """

    scenario: Scenario
    goal: float
    reached: bool
    best: Point
    path: tuple[Point, ...]
    blockers: tuple[str, ...]
    unused: tuple[Unused, ...]
    without_unused: Point | None
    simulations: int

    def added(self) -> list[dict[str, Any]]:
        """The added slots as ``--json`` lists them (choices of several
        candidate blocks at the same place and time summed)."""
        counts: dict[tuple[str, str, int, time], int] = {}
        for choice, count in self.best.plan:
            candidate = self.scenario.candidates[choice.candidate]
            key = (candidate.center, candidate.label, choice.weekday,
                   choice.start)  # fmt: skip
            counts[key] = counts.get(key, 0) + count
        return [
            {
                "centre": center,
                "exams": exams,
                "weekday": WEEKDAY_NAMES[day],
                "start": start.strftime("%H:%M"),
                "count": count,
            }
            for (center, exams, day, start), count in sorted(
                counts.items(), key=lambda item: (item[0][2], item[0][3])
            )
        ]

    def as_json(self) -> dict[str, Any]:
        """``{"goal", "reached", "added", "within_target"}`` as the contract
        says, and ``slots_added`` (per week), ``by_exam`` (exams to
        ``{"mean", "low", "high"}``), ``blockers``, ``unused`` (``centre``,
        ``exams``, ``weekday``, ``start``, ``reserved``, ``used``),
        ``goal_without_unused`` (``null`` when not checked), ``path``
        (``slots_added``, ``within_target``) and ``simulations``."""
        check = self.without_unused
        return {
            "scenario": self.scenario.name,
            "goal": self.goal,
            "reached": self.reached,
            "added": self.added(),
            "within_target": self.best.within_target.as_json(),
            "slots_added": self.best.slots,
            "by_exam": {
                k: v[GOAL_KEY].as_json()
                for k, v in self.best.summary.by_exam.items()
            },
            "blockers": list(self.blockers),
            "unused": [
                {
                    "centre": u.center,
                    "exams": u.exams,
                    "weekday": WEEKDAY_NAMES[u.weekday],
                    "start": u.start.strftime("%H:%M"),
                    "reserved": u.reserved,
                    "used": u.used,
                }
                for u in self.unused
            ],
            "goal_without_unused": (
                None if check is None else check.reaches(self.goal)
            ),
            "path": [
                {
                    "slots_added": p.slots,
                    "within_target": p.within_target.as_json(),
                }
                for p in self.path
            ],
            "simulations": self.simulations,
        }


class _Runs:
    """Plans simulated so far, within a budget of replications."""

    def __init__(
        self,
        scenario: Scenario,
        budget: int,
        workers: int | None,
        dask_address: str | None,
        progress: bool,
    ) -> None:
        self.scenario = scenario
        self.budget = budget
        self.workers = workers
        self.dask_address = dask_address
        self.progress = progress
        self.done: dict[Plan, Point] = {}
        self.simulations = 0
        self.rounds = 0

    def points(self, plans: Sequence[Plan]) -> list[Point] | None:
        """The points of ``plans``; ``None`` when over budget."""
        new = [p for p in dict.fromkeys(plans) if p not in self.done]
        found = self.run([variant(self.scenario, p) for p in new])
        if found is None:
            return None
        self.done.update(
            (plan, Point(plan, *result))
            for plan, result in zip(new, found, strict=True)
        )
        return [self.done[plan] for plan in plans]

    def run(
        self, scenarios: Sequence[Scenario]
    ) -> list[tuple[Summary, tuple[Replication, ...]]] | None:
        """Simulate ``scenarios`` in one batch; ``None`` when over
        budget."""
        cost = sum(s.simulation.replications for s in scenarios)
        if self.simulations + cost > self.budget:
            return None
        if not scenarios:
            return []
        self.rounds += 1
        results = run_replications(
            scenarios,
            self.workers,
            self.dask_address,
            Progress(cost, f"Recherche, étape {self.rounds}")
            if self.progress
            else None,
        )
        self.simulations += cost
        return [
            (summarize(s, replications), tuple(replications))
            for s, replications in zip(scenarios, results, strict=True)
        ]


def choices(scenario: Scenario) -> dict[Choice, int]:
    """Every choice of the scenario's candidates, and the most times it
    may be taken.

    Raises
    ------
    ScenarioError
        When the scenario has no candidate (checked before a search
        starts, so that a form can say it at once).
    """
    if not scenario.candidates:
        raise ScenarioError(
            "candidate",
            "aucun bloc [[candidate]] : rien à ajouter (exemple dans "
            "« cosen scenario template »)",
            scenario.name,
        )
    return {
        Choice(number, day, start): candidate.max_count
        for number, candidate in enumerate(scenario.candidates)
        for day in candidate.weekdays
        for start in candidate.times
    }


def recommend(
    scenario: Scenario,
    goal: float,
    budget: int = DEFAULT_BUDGET,
    workers: int | None = None,
    dask_address: str | None = None,
    progress: bool = True,
) -> Recommendation:
    """Search the fewest candidate slots bringing every exam to ``goal``.

    Parameters
    ----------
    scenario
        With at least one ``[[candidate]]`` block.
    goal
        % of referrals to see within target, for every exam.
    budget
        Most replications to simulate (each plan costs the scenario's
        ``replications``).
    workers, dask_address
        As for :func:`~cosen.scenarios.runner.run_replications`.
    progress
        Whether to draw a progress bar per round on stderr.

    Raises
    ------
    ScenarioError
        When the scenario has no candidate, or the budget does not cover
        the first round.
    """
    limits = choices(scenario)
    runs = _Runs(scenario, budget, workers, dask_address, progress)
    full: Plan = tuple(sorted(limits.items()))
    first = runs.points([(), full])
    if first is None:
        raise ScenarioError(
            "candidate",
            f"le budget de {budget} simulations ne couvre pas le premier "
            f"tour ({2 * scenario.simulation.replications}) : option "
            "--budget",
            scenario.name,
        )
    current, everything = first
    path = [current]
    problems: list[str] = []
    if not everything.reaches(goal):
        current = everything
        path.append(everything)
        problems = blockers(everything, goal)
    else:
        current, stopped = _greedy(runs, current, limits, goal, path)
        if stopped:
            problems = [
                f"Budget de {budget} simulations épuisé avant d'atteindre "
                "l'objectif : relancer avec un --budget plus grand."
            ]
        else:
            current = _prune(runs, current, goal, path)
    reached = current.reaches(goal)
    kept = current if reached else path[0]
    unused = _unused(kept)
    check = None
    if unused:
        lighter = _without(variant(scenario, kept.plan), unused)
        found = runs.run([lighter]) if lighter is not None else None
        check = Point(kept.plan, *found[0]) if found else None
    return Recommendation(
        scenario=scenario,
        goal=goal,
        reached=reached,
        best=current,
        path=tuple(path),
        blockers=tuple(problems),
        unused=unused,
        without_unused=check,
        simulations=runs.simulations,
    )


def _rank(point: Point, goal: float) -> tuple[float, float]:
    # Least shortfall, then most referrals within target overall.
    return point.shortfall(goal), -point.within_target.mean


def _greedy(
    runs: _Runs,
    current: Point,
    limits: dict[Choice, int],
    goal: float,
    path: list[Point],
) -> tuple[Point, bool]:
    """Add the best slot until the goal; whether the budget stopped it."""
    while not current.reaches(goal):
        counts = dict(current.plan)
        options = [
            _with(current.plan, choice, 1)
            for choice, most in limits.items()
            if counts.get(choice, 0) < most
        ]
        found = runs.points(options)
        if found is None:
            return current, True
        # min keeps the first of equals: the file's order breaks ties.
        current = min(found, key=lambda p: _rank(p, goal))
        path.append(current)
    return current, False


def _prune(
    runs: _Runs, current: Point, goal: float, path: list[Point]
) -> Point:
    """Take slots out while the goal still holds."""
    while current.plan:
        options = [_with(current.plan, c, -1) for c, _ in current.plan]
        found = runs.points(options)
        if found is None:
            break
        reaching = [p for p in found if p.reaches(goal)]
        if not reaching:
            break
        current = min(reaching, key=lambda p: _rank(p, goal))
        path.append(current)
    return current


# --------------------------------------------------------------------------
# What stands in the way


def _hour(moment: time) -> str:
    return f"{moment.hour} h" + (
        f" {moment.minute:02d}" if moment.minute else ""
    )


def _bands(times: Sequence[time]) -> list[str]:
    """Reception periods between allocation times, in French."""
    labels = [f"avant {_hour(times[0])}"]
    labels.extend(f"de {_hour(a)} à {_hour(b)}" for a, b in pairwise(times))
    labels.append(f"après {_hour(times[-1])}")
    return labels


def _next_allocation(
    times: Sequence[time], weekday: int, band: int
) -> tuple[int, time, float]:
    """Weekday, time and hours after the band's start of the first
    allocation a referral of that band meets (public holidays aside)."""
    if band < len(times):
        start = times[band - 1] if band else time()
        wait = _hours(times[band]) - _hours(start)
        return weekday, times[band], wait
    days = 1
    while (weekday + days) % 7 not in WORKWEEK:
        days += 1
    wait = 24 * days + _hours(times[0]) - _hours(times[-1])
    return (weekday + days) % 7, times[0], wait


def _hours(moment: time) -> float:
    return moment.hour + moment.minute / 60


def blockers(point: Point, goal: float) -> list[str]:
    """Why ``point`` (every candidate added) misses ``goal``: for each exam
    below it, the reception weekdays and periods (between allocation
    times) where the fewest referrals are seen within target."""
    scenario = point.summary.scenario
    simulation = scenario.simulation
    times = simulation.allocation_times
    labels = _bands(times)
    window = Window.of(simulation)
    counts: dict[tuple[int, int, int], list[int]] = {}
    for replication in point.replications:
        counted = window.holds(replication.received)
        within = (replication.appointment != NEVER) & (
            replication.late_minutes == 0
        )
        for received, kind, seen in zip(
            replication.received[counted],
            replication.kind[counted],
            within[counted],
            strict=True,
        ):
            moment = from_minutes(int(received))
            band = bisect_right(times, moment.time().replace(tzinfo=None))
            tally = counts.setdefault(
                (int(kind), moment.weekday(), band), [0, 0]
            )
            tally[0] += 1
            tally[1] += int(seen)
    found = []
    for exams, values in point.summary.by_exam.items():
        share = values[GOAL_KEY]
        if share.mean >= goal:
            continue
        kind = scenario.kinds.index(exams)
        total = sum(n for (k, _, _), (n, _) in counts.items() if k == kind)
        found.append(
            f"{exams} : au mieux {interval_text(share)} % dans le délai avec "
            f"tous les créneaux candidats, pour un objectif de "
            f"{french_number(goal, None)} %."
        )
        texts = [
            (
                _why(
                    f"les demandes {exams} du {WEEKDAY_NAMES[day]} "
                    f"{labels[band]}",
                    seen / n,
                    day,
                    band,
                    simulation,
                ),
                seen / n,
            )
            for (k, day, band), (n, seen) in sorted(counts.items())
            if k == kind
            and n >= _MIN_GROUP_SHARE * total
            and 100 * seen < goal * n
        ]
        # What no slot can fix first, then the worst served.
        texts.sort(key=lambda item: (_NO_ALLOCATION not in item[0], item[1]))
        found.extend(text for text, _ in texts[:_SHOWN_BLOCKERS])
    return found


def _why(
    who: str, ratio: float, day: int, band: int, simulation: Simulation
) -> str:
    times = simulation.allocation_times
    next_day, next_time, wait = _next_allocation(times, day, band)
    if (
        simulation.target_clock is TargetClock.CALENDAR
        and wait + simulation.notice_hours >= PROMISE_HOURS
    ):
        return (
            f"{who[0].upper()}{who[1:]} n'ont aucun créneau dans les "
            f"{PROMISE_HOURS} h : {_NO_ALLOCATION} "
            f"(la suivante : {WEEKDAY_NAMES[next_day]} à {_hour(next_time)})."
        )
    if ratio == 0:
        return (
            f"{who[0].upper()}{who[1:]} n'ont aucun rendez-vous dans le "
            "délai, même avec tous les créneaux candidats : il faut des "
            "créneaux avant leur échéance."
        )
    return (
        f"{who[0].upper()}{who[1:]} : {french_number(100 * ratio)} % dans "
        "le délai seulement, même avec tous les créneaux candidats."
    )


# --------------------------------------------------------------------------
# Slots that could be given back


def _unused(point: Point) -> tuple[Unused, ...]:
    """Weekly slots (block, weekday, start) booked at most
    :data:`GIVE_BACK_PCT` % of the time, over every replication."""
    scenario = point.summary.scenario
    window = Window.of(scenario.simulation)
    tally: dict[tuple[int, int, time], list[int]] = {}
    for replication in point.replications:
        counted = window.holds(replication.slot_start)
        for start, block, used in zip(
            replication.slot_start[counted],
            replication.slot_block[counted],
            replication.slot_used[counted],
            strict=True,
        ):
            moment = from_minutes(int(start))
            key = (int(block), moment.weekday(), _wall(moment))
            counts = tally.setdefault(key, [0, 0])
            counts[0] += 1
            counts[1] += int(used)
    found = []
    for (block, day, start), (reserved, used) in sorted(tally.items()):
        if 100 * used <= GIVE_BACK_PCT * reserved:
            capacity = scenario.capacity[block]
            found.append(
                Unused(
                    block,
                    capacity.center,
                    capacity.label,
                    day,
                    start,
                    reserved,
                    used,
                )
            )
    return tuple(found)


def _wall(moment: datetime) -> time:
    return moment.time().replace(tzinfo=None)


def _without(scenario: Scenario, unused: Iterable[Unused]) -> Scenario | None:
    """``scenario`` without the slots of ``unused``; ``None`` when some
    referrals would then have no slot at all."""
    gone: dict[int, set[tuple[int, time]]] = {}
    for u in unused:
        gone.setdefault(u.block, set()).add((u.weekday, u.start))
    blocks: list[Capacity] = []
    for number, block in enumerate(scenario.capacity):
        if number not in gone:
            blocks.append(block)
            continue
        by_times: dict[tuple[time, ...], list[int]] = {}
        for day in block.weekdays:
            kept = tuple(
                t for t in block.times if (day, t) not in gone[number]
            )
            if kept:
                by_times.setdefault(kept, []).append(day)
        blocks.extend(
            replace(block, times=kept, weekdays=tuple(days))
            for kept, days in by_times.items()
        )
    try:
        return replace(scenario, capacity=tuple(blocks))
    except ScenarioError:
        return None


# --------------------------------------------------------------------------
# What ``cosen scenario recommend`` prints and writes


def _added_rows(recommendation: Recommendation) -> list[list[Any]]:
    return [
        [r["centre"], r["exams"], r["weekday"], r["start"], r["count"]]
        for r in recommendation.added()
    ]


def recommend_lines(recommendation: Recommendation) -> list[str]:
    """The recommendation in French, for the terminal."""
    r = recommendation
    goal = french_number(r.goal, None)
    lines = [
        f"Recommandation pour « {r.scenario.name} » : objectif {goal} % des "
        f"demandes vues dans le délai pour chaque examen "
        f"({r.simulations} simulations).",
        "",
    ]
    if r.reached and not r.best.plan:
        lines.append("L'objectif est déjà atteint sans créneau de plus.")
    elif r.reached:
        lines.append(
            f"Objectif atteint en ajoutant {r.best.slots} créneau(x) par "
            "semaine :"
        )
    else:
        lines.append(
            "Objectif hors d'atteinte avec les créneaux candidats"
            + (" (tous ajoutés ci-dessous) :" if r.best.plan else ".")
        )
    lines.extend(
        f"  - {centre} ({exams}) : {count} le {day} à {start}"
        for centre, exams, day, start, count in _added_rows(r)
    )
    lines.append(
        "Dans le délai, toutes demandes : "
        f"{interval_text(r.best.within_target)} % (IC à 95 %) ; par examen :"
    )
    lines.extend(
        f"  - {exams} : {interval_text(v[GOAL_KEY])} %"
        for exams, v in r.best.summary.by_exam.items()
    )
    if r.blockers:
        lines.extend(["", "Ce qui empêche d'atteindre l'objectif :"])
        lines.extend(f"  - {text}" for text in r.blockers)
    if r.unused:
        lines.extend(
            [
                "",
                f"Créneaux réservés attribués au plus {GIVE_BACK_PCT:g} % "
                "des semaines (pourraient être rendus) :",
            ]
        )
        lines.extend(
            f"  - {u.center} ({u.exams}) le {WEEKDAY_NAMES[u.weekday]} à "
            f"{u.start:%H:%M} : {u.used} sur {u.reserved}"
            for u in r.unused
        )
        check = r.without_unused
        if check is not None:
            kept = r.best if r.reached else r.path[0]
            verdict = "atteint" if check.reaches(r.goal) else "non atteint"
            lines.append(
                f"Sans eux : {interval_text(check.within_target)} % dans le "
                f"délai (avec eux : {interval_text(kept.within_target)} %), "
                f"objectif {verdict}."
            )
    return lines


def write_recommend_report(
    folder: Path, recommendation: Recommendation
) -> list[Path]:
    """Write ``recommandation.xlsx`` and ``recommandation.png``."""
    r = recommendation
    title = f"Recommandation de capacité — objectif {r.goal:g} %"
    workbook = Workbook()
    sheet = workbook.active
    assert sheet is not None  # a new workbook has one sheet
    sheet.title = "Créneaux à ajouter"
    add_table(
        sheet,
        ("Centre", "Examens", "Jour", "Heure de début",
         "Créneaux par semaine"),
        _added_rows(r),
        widths=(14, 30, 12, 14, 14),
    )  # fmt: skip
    printable(sheet, title)
    tables: list[tuple[str, Sequence[str], list[list[Any]], Sequence[int]]]
    tables = [
        (
            "Par examen",
            ("Examens", "Dans le délai (%) — moyenne", "IC 95 % bas",
             "IC 95 % haut", "Objectif atteint"),
            [
                [exams, *estimate_cells(v[GOAL_KEY], 2),
                 "oui" if v[GOAL_KEY].mean >= r.goal else "non"]
                for exams, v in r.best.summary.by_exam.items()
            ],
            (30, 18, 14, 14, 12),
        ),
        (
            "Parcours",
            ("Étape", "Créneaux ajoutés par semaine",
             "Dans le délai (%) — moyenne", "IC 95 % bas", "IC 95 % haut",
             "Examen le plus loin de l'objectif", "Son délai tenu (%)"),
            [
                [n, p.slots, *estimate_cells(p.within_target, 2), p.worst()[0],
                 estimate_cells(p.worst()[1], 2)[0]]
                for n, p in enumerate(r.path)
            ],
            (8, 14, 18, 14, 14, 30, 14),
        ),
        (
            "Créneaux peu utilisés",
            ("Centre", "Examens", "Jour", "Heure de début",
             "Créneaux réservés", "Créneaux attribués", "Utilisation (%)"),
            [
                [u.center, u.exams, WEEKDAY_NAMES[u.weekday],
                 u.start.strftime("%H:%M"), u.reserved, u.used,
                 round(u.utilization, 1)]
                for u in r.unused
            ],
            (14, 30, 12, 14, 14, 14, 14),
        ),
        (
            "Obstacles",
            ("Ce qui empêche d'atteindre l'objectif",),
            [[text] for text in r.blockers],
            (100,),
        ),
    ]  # fmt: skip
    for name, header, rows, widths in tables:
        page = workbook.create_sheet(name)
        add_table(page, header, rows, widths=widths)
        printable(page, f"{title} — {name.lower()}")
    paths = [folder / "recommandation.xlsx", folder / "recommandation.png"]
    save_workbook(workbook, paths[0])
    recommend_chart(r, paths[1])
    return paths


def recommend_chart(recommendation: Recommendation, path: Path) -> None:
    """% within target against slots added, along the search."""
    r = recommendation
    figure, axes = new_figure()
    slots = [p.slots for p in r.path]
    overall = [p.within_target for p in r.path]
    # A t interval of a share may overshoot 0 or 100 %: drawn clipped.
    means = np.array([e.mean for e in overall])
    bounds = np.clip(
        [[e.low, e.high] if math.isfinite(e.low) else [e.mean] * 2
         for e in overall],
        0,
        100,
    )  # fmt: skip
    axes.errorbar(
        slots,
        means,
        yerr=np.clip([means - bounds[:, 0], bounds[:, 1] - means], 0, None),
        marker="o",
        capsize=3,
        color="#2f6690",
        label="Toutes demandes (IC à 95 %)",
    )
    if len(r.best.summary.by_exam) > 1:
        axes.plot(
            slots,
            [p.worst()[1].mean for p in r.path],
            marker=".",
            linestyle=":",
            color="#7f8c8d",
            label="Examen le plus loin de l'objectif",
        )
    axes.plot(
        r.best.slots,
        r.best.within_target.mean,
        marker="*",
        markersize=18,
        color="#2e8b57" if r.reached else "#c0392b",
        zorder=5,
        label="Recommandation" if r.reached else "Tous les candidats",
    )
    axes.axhline(
        r.goal,
        color="#c0392b",
        linestyle="--",
        label=f"Objectif : {french_number(r.goal, None)} %",
    )
    axes.set_ylim(0, 105)
    axes.xaxis.set_major_locator(MaxNLocator(integer=True))
    axes.set_xlabel("Créneaux ajoutés par semaine")
    axes.set_ylabel("Rendez-vous dans le délai (%)")
    axes.set_title(
        f"Demandes vues dans le délai selon les créneaux ajoutés — "
        f"{r.scenario.name}",
        fontsize=10,
    )
    axes.legend(loc="best")
    save_figure(figure, path)
