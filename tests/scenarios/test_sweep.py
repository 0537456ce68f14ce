"""Sweeps: reading ``--vary``, and finding a threshold known in advance."""

from __future__ import annotations

from dataclasses import replace
from datetime import date, time, timedelta
from pathlib import Path

import pytest
from openpyxl import load_workbook

from cosen.clock import is_working_day
from cosen.errors import OptionError
from cosen.parsing import french_number
from cosen.scenarios.loader import ScenarioFile
from cosen.scenarios.outputs import write_sweep_report
from cosen.scenarios.params import Cost, ScenarioError
from cosen.scenarios.report import sweep_lines
from cosen.scenarios.sweep import (
    Sweep,
    SweepPoint,
    Variation,
    display,
    is_capacity_key,
    parse_variation,
    run_sweep,
)
from tests.scenarios.builders import SMALL, THRESHOLD
from tests.scenarios.reference import lindley_waits

RATE = 4.0
DAILY_SLOTS = 5  # of the THRESHOLD scenario's block
SCALES = (0.6, 0.8, 1.0, 1.2)
# Theory puts the threshold at 5 slots a day for any goal below P(W <= 2)
# = 96.9 %; 80 % stays clear of the finite runs' noise (4 slots: 15 to 35
# %, 5 slots: 91 to 100 % over seeds 1 to 5 and 11).
GOAL = 80.0


@pytest.mark.parametrize(
    ("text", "key", "values"),
    [
        ("capacity.scale=0.8,1.0,1.2", "capacity.scale", (0.8, 1.0, 1.2)),
        ("demand.1.per_day = 4, 6", "demand.1.per_day", (4, 6)),
        ("simulation.policy=optimizer,fcfs", "simulation.policy",
         ("optimizer", "fcfs")),
        ('capacity.1.times=["09:00","14:00"],["09:00", "11:00"]',
         "capacity.1.times", (["09:00", "14:00"], ["09:00", "11:00"])),
        ("simulation.start=2027-01-04,'2027-02-01'", "simulation.start",
         (date(2027, 1, 4), "2027-02-01")),
    ],
)  # fmt: skip
def test_vary_values_are_read_as_toml(
    text: str, key: str, values: tuple[object, ...]
) -> None:
    assert parse_variation(text) == Variation(key, values)


@pytest.mark.parametrize("text", ["capacity.scale", "=1,2", "demand.scale="])
def test_vary_needs_a_key_and_values(text: str) -> None:
    with pytest.raises(OptionError, match="CLÉ=V1,V2"):
        parse_variation(text)


def test_values_are_shown_as_planners_write_them() -> None:
    assert display(0.8) == "0,8"
    assert display(["09:00", time(14)]) == "09:00 14:00"
    assert display(date(2027, 1, 4)) == "04/01/2027"
    assert is_capacity_key("capacity.scale")
    assert is_capacity_key("capacity.2.times")
    assert is_capacity_key("simulation.capacity_scale")
    assert not is_capacity_key("demand.scale")


def test_bad_combinations_are_refused_before_any_run() -> None:
    source = ScenarioFile.parse(SMALL, "petit.toml")
    with pytest.raises(ScenarioError, match="option --vary"):
        run_sweep(
            source, [Variation("demand.1.per_day", (2, -1))], 95, workers=1
        )
    with pytest.raises(OptionError, match="deux fois"):
        run_sweep(
            source,
            [
                Variation("capacity.scale", (1,)),
                Variation("simulation.capacity_scale", (2,)),
            ],
            95,
            workers=1,
        )


@pytest.fixture(scope="module")
def threshold() -> Sweep:
    return run_sweep(
        ScenarioFile.parse(THRESHOLD, "seuil.toml"),
        [Variation("capacity.scale", SCALES)],
        GOAL,
        workers=1,
        progress=False,
    )


def test_sweep_finds_the_threshold_queueing_theory_predicts(
    threshold: Sweep,
) -> None:
    # 3 and 4 slots a day cannot keep up with 4 referrals a day (the queue
    # grows without bound); from 5 on, the share within target is
    # P(W <= 2) of the Lindley queue.
    within = {
        slots: float(lindley_waits(RATE, slots)[:3].sum()) for slots in (5, 6)
    }
    expected = min(s for s, share in within.items() if 100 * share >= GOAL)
    assert expected == 5
    points = threshold.points
    simulation = points[0].summary.scenario.simulation
    open_days = sum(
        is_working_day(simulation.counted_from + timedelta(days=n))
        for n in range(simulation.days - simulation.warmup_days)
    )
    weeks = (simulation.days - simulation.warmup_days) / 7
    for point, scale in zip(points, SCALES, strict=True):
        assert point.changes == {"capacity.scale": scale}
        assert point.slots_per_week == pytest.approx(
            round(scale * DAILY_SLOTS) * open_days / weeks
        )
    (smallest,) = threshold.smallest()
    assert points[smallest].changes == {"capacity.scale": 1.0}
    assert round(points[smallest].slots_per_week * weeks / open_days) == 5
    assert [threshold.meets(p) for p in points] == [False, False, True, True]
    assert points[0].within_target < 5  # overloaded: almost all late


def test_sweep_report_and_chart(threshold: Sweep, tmp_path: Path) -> None:
    lines = sweep_lines(threshold)
    assert lines[0].startswith("Balayage de « seuil.toml » : 4 variante(s)")
    marked = [line for line in lines if "plus petite capacité" in line]
    assert len(marked) == 1 and marked[0].startswith("1 ")
    per_week = french_number(threshold.points[2].slots_per_week)
    assert lines[-1].startswith(
        f"Plus petite capacité atteignant 80 % : capacity.scale = 1 "
        f"({per_week} créneaux par semaine, "
    )
    paths = write_sweep_report(tmp_path / "balayage", threshold)
    assert [p.name for p in paths] == [
        "balayage.xlsx", "balayage.png", "front.png",
    ]  # fmt: skip
    for chart in paths[1:]:
        png = chart.read_bytes()
        assert png.startswith(b"\x89PNG\r\n\x1a\n") and len(png) > 10_000
    sheet = load_workbook(paths[0])["Balayage"]
    rows = list(sheet.iter_rows(values_only=True))
    assert rows[0][:2] == ("capacity.scale", "Créneaux par semaine")
    assert [row[-1] for row in rows[1:]] == [None, None, "oui", None]
    assert [row[-2] for row in rows[1:]] == ["non", "non", "oui", "oui"]


def test_json_of_a_sweep(threshold: Sweep) -> None:
    found = threshold.as_json()
    assert found["goal"] == GOAL and found["keys"] == ["capacity.scale"]
    assert [p["smallest"] for p in found["points"]] == [
        False, False, True, False,
    ]  # fmt: skip
    assert set(found["points"][0]["overall"]) >= {
        "within_target_pct", "wait_hours_p95", "utilization_pct",
    }  # fmt: skip


def test_series_split_on_keys_that_leave_capacity_alone() -> None:
    sweep = run_sweep(
        ScenarioFile.parse(
            THRESHOLD.replace("days = 175", "days = 42").replace(
                "replications = 4", "replications = 2"
            ),
            "seuil.toml",
        ),
        [
            Variation("demand.scale", (0.5, 1.0)),
            Variation("capacity.scale", (0.8, 1.2)),
        ],
        GOAL,
        workers=1,
        progress=False,
    )
    assert list(sweep.series()) == [
        ("demand.scale=0,5",), ("demand.scale=1",),
    ]  # fmt: skip
    assert all(len(m) == 2 for m in sweep.series().values())
    # Half the demand with 4 slots a day: the least capacity suffices.
    assert sweep.points[0].changes == {
        "demand.scale": 0.5, "capacity.scale": 0.8,
    }  # fmt: skip
    assert 0 in sweep.smallest()


def test_a_goal_no_variant_reaches_says_what_blocks_it(
    threshold: Sweep,
) -> None:
    # Up to 5 slots a day, P(W <= 2) = 96.9 % at best.
    points = threshold.points[:3]
    unreachable = Sweep(threshold.name, threshold.keys, points, 99)
    assert not unreachable.smallest()
    best = max(points, key=lambda p: p.within_target)
    shares = {
        day: values["within_target_pct"].mean
        for day, values in best.summary.by_weekday.items()
    }
    worst = min(shares, key=lambda day: shares[day])
    lines = sweep_lines(unreachable)
    assert lines[-2] == "Aucune variante n'atteint l'objectif de 99 %."
    assert lines[-1].startswith(
        f"Au mieux, les demandes du {worst} ne sont vues dans le délai "
        f"qu'à {french_number(shares[worst])} %"
    )
    assert threshold.blocker() is None  # some variant reaches 80 %


def test_cost_of_a_variant(threshold: Sweep, tmp_path: Path) -> None:
    point = threshold.points[2]
    scenario = replace(
        point.summary.scenario,
        cost=Cost(reserved_slot=40, late_referral=150),
    )
    priced = SweepPoint(
        point.changes, replace(point.summary, scenario=scenario), 0
    )
    overall = point.summary.overall
    missed = overall["received"].mean * (
        1 - overall["within_target_pct"].mean / 100
    )
    assert priced.cost == pytest.approx(
        40 * overall["reserved_slots"].mean + 150 * missed
    )
    assert point.cost == 0  # no [cost] table
    sweep = Sweep(threshold.name, threshold.keys, (priced,), GOAL)
    header, row = sweep_lines(sweep)[2:4]
    assert "coût" in header
    assert french_number(priced.cost, 0) in row
    assert sweep.as_json()["points"][0]["cost"] == round(priced.cost, 2)
