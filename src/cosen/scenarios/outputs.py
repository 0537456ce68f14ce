"""What ``cosen scenario run`` and ``sweep`` write with ``--out``: a
workbook and charts.

Apart from :mod:`~cosen.scenarios.report` (the text), so that a run that
writes no file never loads openpyxl and matplotlib.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import fields
from pathlib import Path
from typing import Any, Final

from openpyxl import Workbook

from cosen.io.excel import add_table, printable, save_workbook
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
from cosen.scenarios.report import estimate_cells, heading, sweep_cells
from cosen.scenarios.sweep import Sweep, display

__all__ = ["write_run_report", "write_sweep_report"]

_ESTIMATE_HEADER: Final = ("Moyenne", "IC 95 % bas", "IC 95 % haut")


def write_run_report(folder: Path, summary: Summary) -> list[Path]:
    """Write ``indicateurs.xlsx`` and five charts into ``folder``."""
    workbook = Workbook()
    sheet = workbook.active
    assert sheet is not None  # a new workbook has one sheet
    sheet.title = "Synthèse"
    sheet["A1"] = heading(summary)
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
        within, wait, p95, used, backlog = sweep_cells(point.summary.overall)
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
