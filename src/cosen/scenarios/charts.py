"""Charts for planners: PNG files with French labels.

Figures are drawn on matplotlib's Agg canvas, named explicitly: no display
is needed and pyplot's global state is never touched. Files are written
like every other output (:func:`cosen.io.excel.write_atomic`).
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from pathlib import Path
from typing import Final

import numpy as np
from matplotlib.axes import Axes
from matplotlib.backends.backend_agg import FigureCanvasAgg
from matplotlib.dates import DateFormatter
from matplotlib.figure import Figure

from cosen.domain import PROMISE_HOURS
from cosen.io.excel import write_atomic
from cosen.parsing import french_number
from cosen.scenarios.indicators import Summary
from cosen.scenarios.params import WEEKDAY_NAMES
from cosen.scenarios.stats import Estimate
from cosen.scenarios.sweep import GOAL_KEY, Sweep, display

__all__ = [
    "daily_chart",
    "front_chart",
    "heat_chart",
    "sweep_chart",
    "utilization_chart",
    "wait_chart",
    "weekday_utilization_chart",
]

_BLUE: Final = "#2f6690"
_RED: Final = "#c0392b"
_GREEN: Final = "#2e8b57"
_BIN_HOURS: Final = 4


def new_figure(width: float = 8.0, height: float = 4.5) -> tuple[Figure, Axes]:
    """A figure of the reports' size and resolution, and its axes."""
    figure = Figure(figsize=(width, height), dpi=110)
    FigureCanvasAgg(figure)
    return figure, figure.add_subplot()


def save_figure(figure: Figure, path: Path) -> None:
    """Write ``figure`` as a PNG, atomically."""
    figure.tight_layout()
    write_atomic(path, lambda stream: figure.savefig(stream, format="png"))


def _errors(estimates: Sequence[Estimate]) -> list[list[float]]:
    """Distances from each mean to its bounds (none when undefined)."""
    return [
        [e.mean - e.low if math.isfinite(e.low) else 0 for e in estimates],
        [e.high - e.mean if math.isfinite(e.high) else 0 for e in estimates],
    ]


def wait_chart(summary: Summary, path: Path) -> None:
    """Distribution of waiting times, against the 48 h promise."""
    figure, axes = new_figure()
    waits = summary.waits
    if waits.size:
        top = max(PROMISE_HOURS * 2, math.ceil(float(waits.max())))
        bins = [float(h) for h in range(0, top + _BIN_HOURS, _BIN_HOURS)]
        axes.hist(
            waits,
            bins=bins,
            weights=np.full(waits.size, 100 / waits.size),
            color=_BLUE,
        )
        within = 100 * float((waits <= PROMISE_HOURS).mean())
        axes.axvline(PROMISE_HOURS, color=_RED, linewidth=2)
        axes.text(
            PROMISE_HOURS,
            axes.get_ylim()[1] * 0.95,
            f" 48 h : {french_number(within)} % en deçà",
            color=_RED,
            va="top",
        )
    axes.set_xlabel("Attente entre la demande et le rendez-vous (heures)")
    axes.set_ylabel("Part des rendez-vous (%)")
    axes.set_title(
        f"Attente — {summary.scenario.name}, "
        f"{summary.replications} réplication(s)"
    )
    save_figure(figure, path)


def daily_chart(summary: Summary, path: Path) -> None:
    """% within target by reception day, with its 95 % interval."""
    figure, axes = new_figure(10, 4.5)
    days = np.array([day for day, _ in summary.daily], dtype="datetime64[D]")
    means = np.array([e.mean for _, e in summary.daily])
    # A t interval of a share may overshoot 0 or 100 %: draw it clipped.
    axes.fill_between(
        days,
        np.clip([e.low for _, e in summary.daily], 0, 100),
        np.clip([e.high for _, e in summary.daily], 0, 100),
        color=_BLUE,
        alpha=0.2,
        linewidth=0,
        label="IC à 95 %",
    )
    axes.plot(days, means, color=_BLUE, linewidth=1, label="Moyenne")
    overall = summary.overall[GOAL_KEY].mean
    if math.isfinite(overall):
        axes.axhline(
            overall,
            color=_RED,
            linestyle="--",
            label=f"Sur la période : {french_number(overall)} %",
        )
    axes.set_ylim(0, 105)
    # matplotlib.dates has no type hints.
    formatter = DateFormatter("%d/%m/%y")  # type: ignore[no-untyped-call]
    axes.xaxis.set_major_formatter(formatter)
    axes.set_xlabel("Jour de réception de la demande")
    axes.set_ylabel("Rendez-vous dans le délai (%)")
    axes.set_title("Demandes vues dans le délai, par jour de réception")
    axes.legend(loc="lower left")
    save_figure(figure, path)


def heat_chart(summary: Summary, path: Path) -> None:
    """% within target by weekday and hour of reception: where the
    capacity is missing, at a glance."""
    cells = summary.by_weekday_hour
    weekdays = [d for d in WEEKDAY_NAMES if any(w == d for w, _ in cells)]
    hours = sorted({h for _, h in cells})
    figure, axes = new_figure(8, 1.5 + 0.5 * max(1, len(weekdays)))
    shares = np.full((len(weekdays), len(hours)), math.nan)
    for (weekday, hour), values in cells.items():
        shares[weekdays.index(weekday), hours.index(hour)] = values[
            GOAL_KEY
        ].mean
    image = axes.imshow(shares, cmap="RdYlGn", vmin=0, vmax=100, aspect="auto")
    for (row, column), share in np.ndenumerate(shares):
        if math.isfinite(share):
            axes.text(column, row, f"{share:.0f}", ha="center", va="center")
    axes.set_xticks(range(len(hours)), [f"{h} h" for h in hours])
    axes.set_yticks(range(len(weekdays)), weekdays)
    axes.set_xlabel("Heure de réception de la demande")
    axes.set_title("Rendez-vous dans le délai (%), par jour et heure")
    figure.colorbar(image, ax=axes, label="dans le délai (%)")
    save_figure(figure, path)


def weekday_utilization_chart(summary: Summary, path: Path) -> None:
    """Utilization of each centre's slots by weekday (grouped bars)."""
    used: dict[tuple[str, str], list[float]] = {}
    for (center, weekday, _), values in summary.by_slot_time.items():
        found = values["used_slots"].mean, values["reserved_slots"].mean
        total = used.setdefault((center, weekday), [0.0, 0.0])
        total[0] += found[0]
        total[1] += found[1]
    centers = sorted({c for c, _ in used})
    weekdays = [d for d in WEEKDAY_NAMES if any(w == d for _, w in used)]
    figure, axes = new_figure(9, 4.5)
    width = 0.8 / max(1, len(weekdays))
    for number, weekday in enumerate(weekdays):
        shares = [
            100 * used[c, weekday][0] / used[c, weekday][1]
            if used.get((c, weekday), [0, 0])[1]
            else math.nan
            for c in centers
        ]
        axes.bar(
            np.arange(len(centers)) + number * width,
            shares,
            width,
            label=weekday,
        )
    axes.set_xticks(
        np.arange(len(centers)) + width * (len(weekdays) - 1) / 2, centers
    )
    axes.set_ylim(0, 100)
    axes.set_ylabel("Créneaux réservés attribués (%)")
    axes.set_title("Utilisation des créneaux par centre et jour")
    axes.legend(
        loc="lower center", fontsize="small", ncols=max(1, len(weekdays))
    )
    save_figure(figure, path)


def utilization_chart(summary: Summary, path: Path) -> None:
    """Utilization of reserved slots by centre and exams."""
    kinds = list(summary.by_slot_kind.items())
    figure, axes = new_figure(8, 1.5 + 0.45 * len(kinds))
    estimates = [values["utilization_pct"] for _, values in kinds]
    positions = np.arange(len(kinds))
    axes.barh(
        positions,
        [e.mean for e in estimates],
        xerr=_errors(estimates),
        color=_BLUE,
        capsize=3,
    )
    axes.set_yticks(
        positions, [f"{center} · {exams}" for (center, exams), _ in kinds]
    )
    axes.invert_yaxis()
    axes.set_xlim(0, 100)
    axes.set_xlabel("Créneaux réservés attribués (%)")
    axes.set_title("Utilisation des créneaux par centre et examens")
    save_figure(figure, path)


def sweep_chart(sweep: Sweep, path: Path) -> None:
    """% within target against capacity; the least capacity meeting the
    goal marked in each series."""
    figure, axes = new_figure()
    smallest = set(sweep.smallest())
    for label, members in sweep.series().items():
        members = sorted(members, key=lambda n: sweep.points[n].slots_per_week)
        points = [sweep.points[n] for n in members]
        estimates = [p.summary.overall[GOAL_KEY] for p in points]
        axes.errorbar(
            [p.slots_per_week for p in points],
            [e.mean for e in estimates],
            yerr=_errors(estimates),
            marker="o",
            capsize=3,
            label=", ".join(label) or None,
        )
        for number in smallest.intersection(members):
            point = sweep.points[number]
            axes.plot(
                point.slots_per_week,
                point.within_target,
                marker="*",
                markersize=18,
                color=_GREEN,
                zorder=5,
            )
            axes.annotate(
                f"{point.slots_per_week:.0f} créneaux/semaine",
                (point.slots_per_week, point.within_target),
                textcoords="offset points",
                xytext=(8, -16),
                color=_GREEN,
            )
    axes.axhline(
        sweep.goal,
        color=_RED,
        linestyle="--",
        label=f"Objectif : {french_number(sweep.goal, None)} %",
    )
    axes.set_ylim(0, 105)
    axes.set_xlabel("Créneaux réservés par semaine")
    axes.set_ylabel("Rendez-vous dans le délai (%)")
    axes.set_title(
        "Demandes vues dans le délai selon la capacité (★ : plus petite "
        "capacité atteignant l'objectif)",
        fontsize=10,
    )
    axes.legend(loc="lower right")
    save_figure(figure, path)


def front_chart(sweep: Sweep, path: Path) -> None:
    """Unused slots against % within target, one point per variant (with
    its total cost when the scenario gives costs): the front a planner
    chooses on."""
    figure, axes = new_figure()
    points = sweep.points
    unused = [p.summary.overall["unused_slots"].mean for p in points]
    within = [p.within_target for p in points]
    axes.scatter(unused, within, color=_BLUE, zorder=3)
    priced = any(p.summary.scenario.cost.given for p in points)
    for point, x, y in zip(points, unused, within, strict=True):
        label = ", ".join(display(v) for v in point.changes.values())
        if priced:
            label += f" — coût {french_number(point.cost, 0)}"
        axes.annotate(
            label, (x, y), textcoords="offset points", xytext=(5, 5),
            fontsize="small",
        )  # fmt: skip
    axes.axhline(
        sweep.goal,
        color=_RED,
        linestyle="--",
        label=f"Objectif : {french_number(sweep.goal, 0)} %",
    )
    axes.set_xlabel("Créneaux réservés inutilisés (sur la période)")
    axes.set_ylabel("Rendez-vous dans le délai (%)")
    axes.set_title("Créneaux inutilisés et délai tenu, par variante")
    axes.legend(loc="lower right")
    save_figure(figure, path)
