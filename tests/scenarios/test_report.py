"""What planners read: indicators, the run report and its charts."""

from __future__ import annotations

import math
import stat
from pathlib import Path

import numpy as np
import pytest
from openpyxl import load_workbook

from cosen.cli.scenario import run as run_command
from cosen.parsing import french_number
from cosen.scenarios.indicators import (
    LABELS,
    REFERRAL_KEYS,
    SLOT_KEYS,
    Summary,
    summarize,
)
from cosen.scenarios.outputs import write_run_report
from cosen.scenarios.report import run_lines
from cosen.scenarios.simulate import simulate
from cosen.scenarios.sweep import GOAL_KEY
from tests.scenarios.builders import small

PNG = b"\x89PNG\r\n\x1a\n"


@pytest.fixture(scope="module")
def summary() -> Summary:
    scenario = small()
    return summarize(scenario, [simulate(scenario, n) for n in range(3)])


def test_indicators_hold_together(summary: Summary) -> None:
    overall = summary.overall
    assert set(overall) == set(LABELS)
    assert overall["booked"].mean + overall["unbooked"].mean == (
        overall["received"].mean
    )
    assert overall["within_target_pct"].mean + overall["late_pct"].mean == (
        pytest.approx(
            100 * overall["booked"].mean / overall["received"].mean, abs=1e-6
        )
    )
    assert overall["used_slots"].mean + overall["unused_slots"].mean == (
        overall["reserved_slots"].mean
    )
    waits = [overall[f"wait_hours_{k}"].mean for k in ("median", "p90", "p95")]
    assert waits == sorted(waits)
    assert overall["declines"].mean > 0 and overall["no_shows"].mean > 0
    # Intervals: around the mean, across the three replications.
    found = overall["within_target_pct"]
    assert found.low <= found.mean <= found.high and found.count == 3
    # By exam and by centre, the counts add up to the whole.
    assert sum(v["received"].mean for v in summary.by_exam.values()) == (
        pytest.approx(overall["received"].mean)
    )
    assert sum(v["booked"].mean for v in summary.by_center.values()) == (
        pytest.approx(overall["booked"].mean)
    )
    assert sum(
        v["reserved_slots"].mean for v in summary.by_slot_kind.values()
    ) == pytest.approx(overall["reserved_slots"].mean)
    assert set(summary.by_center["MIM-1"]) == {*REFERRAL_KEYS, *SLOT_KEYS}
    assert summary.waits.size == pytest.approx(
        3 * overall["booked"].mean, abs=0.5
    )
    assert all(0 <= e.mean <= 100 for _, e in summary.daily)


def test_json_is_what_the_help_documents(summary: Summary) -> None:
    found = summary.as_json()
    assert set(found) == {
        "scenario", "replications", "seed", "policy", "target_clock",
        "window", "overall", "by_exam", "by_center", "by_slot_kind",
        "by_weekday", "by_weekday_hour", "by_target", "by_slot_time",
        "daily_within_target_pct",
    }  # fmt: skip
    assert found["window"] == {"from": "2027-03-08", "to": "2027-04-12",
                               "days": 35}  # fmt: skip
    assert set(found["overall"]["received"]) == {"mean", "low", "high"}
    assert found["by_slot_kind"][0]["center"] == "MIM-1"
    assert found["by_exam"]["MAMMO+ECHO_SEIN"]["received"]["mean"] > 0
    help_text = " ".join((run_command.help or "").split())
    for key in (*found, *found["overall"], *found["window"]):
        assert key in help_text, key


def test_french_summary(summary: Summary) -> None:
    lines = run_lines(summary)
    assert lines[0].startswith("Scénario « petit » : 3 réplication(s)")
    assert "du 08/03/2027 au 12/04/2027 exclu" in lines[0]
    text = "\n".join(lines)
    for label in ("Rendez-vous dans le délai (%)", "Par examen :",
                  "Par centre :", "MAMMO+ECHO_SEIN", "SIMSE-2",
                  "Par jour de réception :", "vendredi"):  # fmt: skip
        assert label in text
    assert french_number(1234.56) == "1\u202f234,6"
    assert french_number(math.nan) == "—"


def test_run_report_writes_workbook_and_charts(
    summary: Summary, tmp_path: Path
) -> None:
    folder = tmp_path / "resultats"
    paths = write_run_report(folder, summary)
    assert [p.name for p in paths] == [
        "indicateurs.xlsx", "attente.png", "delai_par_jour.png",
        "utilisation.png", "delai_par_heure.png", "utilisation_par_jour.png",
    ]  # fmt: skip
    for path in paths:
        assert stat.S_IMODE(path.stat().st_mode) == 0o600
    for chart in paths[1:]:
        data = chart.read_bytes()
        assert data.startswith(PNG) and len(data) > 10_000
    workbook = load_workbook(paths[0])
    assert workbook.sheetnames == [
        "Synthèse", "Par examen", "Par centre", "Par type de créneau",
        "Par jour de réception", "Par jour et heure", "Par délai souhaité",
        "Par horaire de créneau", "Par jour", "Scénario",
    ]  # fmt: skip
    rows = list(workbook["Synthèse"].iter_rows(min_row=3, values_only=True))
    assert rows[0] == (
        "Indicateur", "Clé", "Moyenne", "IC 95 % bas", "IC 95 % haut",
    )  # fmt: skip
    within = next(r for r in rows if r[1] == "within_target_pct")
    expected = summary.overall["within_target_pct"]
    assert within[2:] == pytest.approx(
        (expected.mean, expected.low, expected.high), abs=1e-3
    )
    by_exam = list(workbook["Par examen"].iter_rows(values_only=True))
    assert by_exam[0][:3] == ("Examens", "Indicateur", "Clé")
    assert len(by_exam) == 1 + len(summary.by_exam) * len(REFERRAL_KEYS)
    weekdays = list(
        workbook["Par jour de réception"].iter_rows(
            min_row=2, values_only=True
        )
    )
    friday = next(
        r for r in weekdays if r[0] == "vendredi" and r[2] == GOAL_KEY
    )
    assert friday[3] == pytest.approx(
        summary.by_weekday["vendredi"][GOAL_KEY].mean, abs=1e-3
    )
    daily = list(workbook["Par jour"].iter_rows(min_row=2, values_only=True))
    assert len(daily) == len(summary.daily)
    parameters = {
        key: value
        for key, value in workbook["Scénario"].iter_rows(values_only=True)
    }
    assert parameters["simulation.days"] == "42"
    assert str(parameters["capacity.1.weekdays"]).startswith("lundi, mardi")
    assert parameters["demand.2.exams"] == "MAMMO, ECHO_SEIN"


def test_charts_cope_with_a_single_replication(tmp_path: Path) -> None:
    scenario = small(simulation__days=14, simulation__warmup_days=0)
    summary = summarize(scenario, [simulate(scenario, 0)])
    assert math.isnan(summary.overall["within_target_pct"].low)
    paths = write_run_report(tmp_path, summary)
    assert all(p.read_bytes().startswith(PNG) for p in paths[1:])
    assert np.isfinite(summary.waits).all()
