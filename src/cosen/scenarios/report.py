"""What ``cosen scenario`` prints: French text (files are
:mod:`~cosen.scenarios.outputs`).

Nothing here names a patient: simulated referrals are counted, never
listed.
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from typing import Final

from cosen.parsing import french_number
from cosen.scenarios.indicators import LABELS, Estimates, Summary
from cosen.scenarios.stats import Estimate
from cosen.scenarios.sweep import GOAL_KEY, Sweep, display

__all__ = [
    "estimate_cells",
    "heading",
    "interval_text",
    "run_lines",
    "sweep_cells",
    "sweep_lines",
]


def interval_text(found: Estimate, digits: int = 1) -> str:
    """``mean [low ; high]`` the French way (the mean alone if no bounds)."""
    if not math.isfinite(found.low):
        return french_number(found.mean, digits)
    return (
        f"{french_number(found.mean, digits)} "
        f"[{french_number(found.low, digits)} ; "
        f"{french_number(found.high, digits)}]"
    )


def estimate_cells(found: Estimate, digits: int = 4) -> list[float | None]:
    """Mean, low and high bounds as workbook cells (empty if undefined)."""
    return [
        round(v, digits) if math.isfinite(v) else None
        for v in (found.mean, found.low, found.high)
    ]


def _aligned(rows: Sequence[Sequence[str]]) -> list[str]:
    widths = [max(len(row[c]) for row in rows) for c in range(len(rows[0]))]
    return [
        "  ".join(
            cell.ljust(width) if column == 0 else cell.rjust(width)
            for column, (cell, width) in enumerate(
                zip(row, widths, strict=True)
            )
        ).rstrip()
        for row in rows
    ]


# --------------------------------------------------------------------------
# cosen scenario run


def heading(summary: Summary) -> str:
    """What a run's figures are: scenario, replications, window, policy."""
    simulation = summary.scenario.simulation
    return (
        f"Scénario « {summary.scenario.name} » : "
        f"{summary.replications} réplication(s), statistiques du "
        f"{simulation.counted_from:%d/%m/%Y} au {simulation.end:%d/%m/%Y} "
        f"exclu (après {simulation.warmup_days} jours de mise en route), "
        f"attribution {simulation.policy.value}, délai "
        f"{simulation.target_clock.value}."
    )


def run_lines(summary: Summary) -> list[str]:
    """French summary: every indicator with its 95 % interval, then the
    main ones by exam and by centre."""
    rows = [("Indicateur", "moyenne [IC à 95 %]")]
    rows.extend(
        (LABELS[key], interval_text(found))
        for key, found in summary.overall.items()
    )
    lines = [heading(summary), "", *_aligned(rows), "", "Par examen :"]
    exam_rows = [
        ("examens", "reçues", "dans le délai (%)", "attente moy. (h)",
         "attente p95 (h)"),
    ]  # fmt: skip
    exam_rows.extend(
        (
            exams,
            french_number(v["received"].mean),
            interval_text(v[GOAL_KEY]),
            french_number(v["wait_hours_mean"].mean),
            french_number(v["wait_hours_p95"].mean),
        )
        for exams, v in summary.by_exam.items()
    )
    lines.extend(_aligned(exam_rows))
    lines.extend(["", "Par centre :"])
    center_rows = [
        ("centre", "rendez-vous", "dans le délai (%)", "attente moy. (h)",
         "utilisation (%)"),
    ]  # fmt: skip
    center_rows.extend(
        (
            center,
            french_number(v["booked"].mean),
            french_number(v[GOAL_KEY].mean),
            french_number(v["wait_hours_mean"].mean),
            interval_text(v["utilization_pct"]),
        )
        for center, v in summary.by_center.items()
    )
    lines.extend(_aligned(center_rows))
    lines.extend(["", "Par jour de réception :"])
    day_rows = [
        ("jour", "reçues", "dans le délai (%)", "attente méd. (h)"),
    ]
    day_rows.extend(
        (
            weekday,
            french_number(v["received"].mean),
            interval_text(v[GOAL_KEY]),
            french_number(v["wait_hours_median"].mean),
        )
        for weekday, v in summary.by_weekday.items()
    )
    lines.extend(_aligned(day_rows))
    return lines


# --------------------------------------------------------------------------
# cosen scenario sweep

_SWEEP_HEADER: Final = (
    "créneaux/semaine", "dans le délai (%) [IC à 95 %]", "attente moy. (h)",
    "attente p95 (h)", "utilisation (%)", "en attente à la fin",
)  # fmt: skip


def sweep_cells(point_summary: Estimates) -> list[Estimate]:
    """A sweep point's figures, in the order of the sweep's columns."""
    return [
        point_summary[key]
        for key in (
            GOAL_KEY, "wait_hours_mean", "wait_hours_p95",
            "utilization_pct", "backlog_end",
        )
    ]  # fmt: skip


def sweep_lines(sweep: Sweep) -> list[str]:
    """The sweep's table, and the least capacity meeting the goal."""
    smallest = set(sweep.smallest())
    priced = any(p.summary.scenario.cost.given for p in sweep.points)
    rows = [(*sweep.keys, *_SWEEP_HEADER, *(("coût",) if priced else ()), "")]
    for index, point in enumerate(sweep.points):
        within, wait, p95, used, backlog = sweep_cells(point.summary.overall)
        mark = "objectif atteint" if sweep.meets(point) else ""
        if index in smallest:
            mark = "← plus petite capacité atteignant l'objectif"
        rows.append(
            (
                *(display(point.changes[k]) for k in sweep.keys),
                french_number(point.slots_per_week),
                interval_text(within),
                french_number(wait.mean),
                french_number(p95.mean),
                french_number(used.mean),
                french_number(backlog.mean),
                *((french_number(point.cost, 0),) if priced else ()),
                mark,
            )
        )
    goal = french_number(sweep.goal, 0)
    lines = [
        f"Balayage de « {sweep.name} » : {len(sweep.points)} variante(s), "
        f"objectif {goal} % des demandes vues dans le délai.",
        "",
        *_aligned(rows),
        "",
    ]
    if not smallest:
        lines.append(f"Aucune variante n'atteint l'objectif de {goal} %.")
        blocker = sweep.blocker()
        if blocker:
            lines.append(blocker[0].upper() + blocker[1:])
    for index in sorted(smallest):
        point = sweep.points[index]
        where = ", ".join(
            f"{k} = {display(v)}" for k, v in point.changes.items()
        )
        lines.append(
            f"Plus petite capacité atteignant {goal} % : {where} "
            f"({french_number(point.slots_per_week)} créneaux par semaine, "
            f"{french_number(point.within_target)} % dans le délai)."
        )
    return lines
