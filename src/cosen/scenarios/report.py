"""What ``cosen scenario`` prints and writes: French text, xlsx, PNG.

Nothing here names a patient: simulated referrals are counted, never
listed.
"""

from __future__ import annotations

import math
from collections.abc import Iterable, Sequence
from dataclasses import fields
from pathlib import Path
from typing import Any, Final

from openpyxl import Workbook

from cosen.io.excel import add_table, printable, save_workbook
from cosen.parsing import french_number
from cosen.scenarios.charts import (
    daily_chart,
    front_chart,
    heat_chart,
    sweep_chart,
    utilization_chart,
    wait_chart,
    weekday_utilization_chart,
)
from cosen.scenarios.indicators import LABELS, Estimates, Summary
from cosen.scenarios.params import (
    WEEKDAY_NAMES,
    Behaviour,
    Capacity,
    Cost,
    Demand,
    Scenario,
    Simulation,
)
from cosen.scenarios.stats import Estimate
from cosen.scenarios.sweep import GOAL_KEY, Sweep, display

__all__ = [
    "run_lines",
    "sweep_lines",
    "write_run_report",
    "write_sweep_report",
]

_ESTIMATE_HEADER: Final = ("Moyenne", "IC 95 % bas", "IC 95 % haut")


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


def _heading(summary: Summary) -> str:
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
    lines = [_heading(summary), "", *_aligned(rows), "", "Par examen :"]
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


def write_run_report(folder: Path, summary: Summary) -> list[Path]:
    """Write ``indicateurs.xlsx`` and five charts into ``folder``."""
    workbook = Workbook()
    sheet = workbook.active
    assert sheet is not None  # a new workbook has one sheet
    sheet.title = "Synthèse"
    sheet["A1"] = _heading(summary)
    add_table(
        sheet,
        ("Indicateur", "Clé", *_ESTIMATE_HEADER),
        (
            (LABELS[key], key, *estimate_cells(found))
            for key, found in summary.overall.items()
        ),
        widths=(48, 20, 14, 14, 14),
        first_row=3,
    )
    printable(sheet, "Scénario de capacité — synthèse", header_row=3)
    _long_table(
        workbook, "Par examen", ("Examens",),
        (((exams,), v) for exams, v in summary.by_exam.items()),
    )  # fmt: skip
    _long_table(
        workbook, "Par centre", ("Centre",),
        (((center,), v) for center, v in summary.by_center.items()),
    )  # fmt: skip
    _long_table(
        workbook, "Par type de créneau", ("Centre", "Examens"),
        summary.by_slot_kind.items(),
    )  # fmt: skip
    _long_table(
        workbook, "Par jour de réception", ("Jour",),
        (((day,), v) for day, v in summary.by_weekday.items()),
    )  # fmt: skip
    _long_table(
        workbook, "Par jour et heure", ("Jour", "Heure"),
        (((day, str(hour)), v)
         for (day, hour), v in summary.by_weekday_hour.items()),
    )  # fmt: skip
    _long_table(
        workbook, "Par délai souhaité", ("Délai",),
        (((delay,), v) for delay, v in summary.by_target.items()),
    )  # fmt: skip
    _long_table(
        workbook, "Par horaire de créneau", ("Centre", "Jour", "Heure"),
        (((center, day, str(hour)), v)
         for (center, day, hour), v in summary.by_slot_time.items()),
    )  # fmt: skip
    daily = workbook.create_sheet("Par jour")
    add_table(
        daily,
        ("Jour de réception", *(f"Dans le délai (%) — {h}"
                                for h in _ESTIMATE_HEADER)),
        ((day, *estimate_cells(found)) for day, found in summary.daily),
        widths=(18, 26, 26, 26),
    )  # fmt: skip
    _scenario_sheet(workbook, summary.scenario)
    paths = [folder / "indicateurs.xlsx"]
    save_workbook(workbook, paths[0])
    for name, draw in (
        ("attente.png", wait_chart),
        ("delai_par_jour.png", daily_chart),
        ("utilisation.png", utilization_chart),
        ("delai_par_heure.png", heat_chart),
        ("utilisation_par_jour.png", weekday_utilization_chart),
    ):
        draw(summary, folder / name)
        paths.append(folder / name)
    return paths


def _long_table(
    workbook: Workbook,
    title: str,
    keys: Sequence[str],
    groups: Iterable[tuple[Sequence[str], Estimates]],
) -> None:
    """One row per group and indicator (filter on the indicator)."""
    sheet = workbook.create_sheet(title)
    add_table(
        sheet,
        (*keys, "Indicateur", "Clé", *_ESTIMATE_HEADER),
        (
            (*names, LABELS[key], key, *estimate_cells(found))
            for names, values in groups
            for key, found in values.items()
        ),
        widths=(*(22 for _ in keys), 44, 20, 14, 14, 14),
    )
    printable(sheet, f"Scénario de capacité — {title.lower()}")


def _scenario_sheet(workbook: Workbook, scenario: Scenario) -> None:
    """The parameters the figures come from."""
    rows = [
        *_parameter_rows("simulation", scenario.simulation),
        *_parameter_rows("behaviour", scenario.behaviour),
        *_parameter_rows("cost", scenario.cost),
    ]
    for number, demand in enumerate(scenario.demand, start=1):
        rows.extend(_parameter_rows(f"demand.{number}", demand))
    for number, capacity in enumerate(scenario.capacity, start=1):
        rows.extend(_parameter_rows(f"capacity.{number}", capacity))
    add_table(
        workbook.create_sheet("Scénario"),
        ("Clé", "Valeur"),
        rows,
        widths=(36, 60),
    )


def _parameter_rows(
    prefix: str, part: Simulation | Behaviour | Cost | Demand | Capacity
) -> list[tuple[str, str]]:
    return [
        (f"{prefix}.{f.name}", _parameter(f.name, getattr(part, f.name)))
        for f in fields(part)
    ]


def _parameter(name: str, value: Any) -> str:
    if name == "weekdays":
        return ", ".join(WEEKDAY_NAMES[day] for day in value)
    if isinstance(value, tuple):
        return ", ".join(display(item) for item in value)
    if isinstance(value, bool):
        return "oui" if value else "non"
    return display(value)


# --------------------------------------------------------------------------
# cosen scenario sweep

_SWEEP_HEADER: Final = (
    "créneaux/semaine", "dans le délai (%) [IC à 95 %]", "attente moy. (h)",
    "attente p95 (h)", "utilisation (%)", "en attente à la fin",
)  # fmt: skip


def _sweep_cells(point_summary: Estimates) -> list[Estimate]:
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
        within, wait, p95, used, backlog = _sweep_cells(point.summary.overall)
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


def write_sweep_report(folder: Path, sweep: Sweep) -> list[Path]:
    """Write ``balayage.xlsx``, ``balayage.png`` and ``front.png`` (unused
    slots against the share within target) into ``folder``."""
    smallest = set(sweep.smallest())
    workbook = Workbook()
    sheet = workbook.active
    assert sheet is not None  # a new workbook has one sheet
    sheet.title = "Balayage"
    header = [
        *sweep.keys, "Créneaux par semaine",
        *(f"Dans le délai (%) — {h}" for h in _ESTIMATE_HEADER),
        "Attente moyenne (h)", "Attente p95 (h)", "Utilisation (%)",
        "En attente à la fin", "Créneaux inutilisés", "Coût total",
        "Objectif atteint", "Plus petite capacité atteignant l'objectif",
    ]  # fmt: skip
    rows = []
    for index, point in enumerate(sweep.points):
        within, wait, p95, used, backlog = _sweep_cells(point.summary.overall)
        rows.append(
            [
                *(display(point.changes[k]) for k in sweep.keys),
                round(point.slots_per_week, 1),
                *estimate_cells(within),
                *(estimate_cells(e)[0] for e in (wait, p95, used, backlog)),
                estimate_cells(point.summary.overall["unused_slots"])[0],
                round(point.cost, 2),
                "oui" if sweep.meets(point) else "non",
                "oui" if index in smallest else "",
            ]
        )
    add_table(
        sheet, header, rows, widths=[max(14, len(h) + 2) for h in header]
    )
    printable(sheet, f"Balayage de capacité — objectif {sweep.goal:g} %")
    paths = [
        folder / "balayage.xlsx",
        folder / "balayage.png",
        folder / "front.png",
    ]
    save_workbook(workbook, paths[0])
    sweep_chart(sweep, paths[1])
    front_chart(sweep, paths[2])
    return paths
