"""Scenario files: what they accept, and one French line for each mistake,
naming the file, the key and its line."""

from __future__ import annotations

from datetime import date, time
from pathlib import Path

import pytest

from cosen.allocation import Policy
from cosen.clock import TargetClock
from cosen.domain import Exam, Group
from cosen.errors import CosenError, UnusableFileError
from cosen.scenarios.loader import ScenarioFile, example_text, load_scenario
from cosen.scenarios.params import (
    Behaviour,
    Capacity,
    Demand,
    ScenarioError,
    Simulation,
)
from tests.scenarios.builders import SMALL, small


def line_of(text: str, fragment: str, occurrence: int = 1) -> int:
    """1-based line of the ``occurrence``-th line containing ``fragment``."""
    found = [
        number
        for number, line in enumerate(text.splitlines(), start=1)
        if fragment in line
    ]
    return found[occurrence - 1]


def block_line(text: str, name: str, number: int, field: str) -> int:
    """Line of ``field`` in the ``number``-th ``[[name]]`` block."""
    header = line_of(text, f"[[{name}]]", number)
    lines = text.splitlines()
    return next(
        n for n in range(header, len(lines) + 1)
        if lines[n - 1].startswith(f"{field} ")
    )  # fmt: skip


def refused(text: str, name: str = "plan.toml") -> str:
    """The one-line message a bad scenario text gives."""
    with pytest.raises(CosenError) as caught:
        ScenarioFile.parse(text, name).scenario()
    message = str(caught.value)
    assert "\n" not in message
    assert caught.value.exit_code == 2
    return message


def test_example_is_a_valid_year_of_twenty_referrals_a_day() -> None:
    scenario = ScenarioFile.parse(example_text(), "example.toml").scenario()
    simulation = scenario.simulation
    assert simulation.days == 365
    assert simulation.replications == 10
    assert len(simulation.allocation_times) == 2
    assert sum(d.per_day for d in scenario.demand) == 20
    assert scenario.behaviour == Behaviour(0.05, 0.03)
    assert scenario.centers == (
        "MIM-1", "MIM-2", "MIM-3", "SIMSE-1", "SIMSE-2", "SIMSE-3",
    )  # fmt: skip
    assert "MAMMO+ECHO_SEIN" in scenario.kinds


def test_values_are_read_in_every_accepted_form(tmp_path: Path) -> None:
    path = tmp_path / "plan.toml"
    path.write_text(
        SMALL.replace("start = 2027-03-01", 'start = "01/03/2027"')
        .replace('["08:00", "13:00"]', '["8h", 13:30:00]')
        .replace('policy = "optimizer"', 'policy = "FCFS"')
        .replace('exams = ["RADIO"]\nper_day',
                 'exams = "Radiographie"\nweekdays = ["lun", "Mercredi"]'
                 "\nper_day")
        .replace('exams = ["MAMMO", "ECHO_SEIN"]\nper_day',
                 'exams = "MAMMO+Échographie mammaire"\nper_day')
        .replace('center = "MIM-1"', 'center = "mim-1"'),
        encoding="utf-8",
    )  # fmt: skip
    scenario = load_scenario(path)
    simulation = scenario.simulation
    assert simulation.start == date(2027, 3, 1)
    assert simulation.allocation_times == (time(8), time(13, 30))
    assert simulation.policy is Policy.FCFS
    assert simulation.target_clock is TargetClock.CALENDAR
    assert scenario.demand[0].exams == (Exam.RADIO,)
    assert scenario.demand[0].weekdays == (0, 2)
    assert scenario.demand[1].exams == (Exam.MAMMO, Exam.ECHO_SEIN)
    # Centre codes take the domain model's form, like slot sheets.
    assert scenario.capacity[0].center == "MIM-1"
    assert scenario.name == "plan"


@pytest.mark.parametrize(
    ("change", "key", "line_fragment", "problem"),
    [
        (("days = 42", "dayz = 42"), "simulation.dayz", "dayz",
         "vouliez-vous dire « days »"),
        (("days = 42", 'days = "six semaines"'), "simulation.days", "days =",
         "nombre entier attendu"),
        (("warmup_days = 7", "warmup_days = 42"), "simulation.warmup_days",
         "warmup_days", "nombre de jours"),
        (('policy = "optimizer"', 'policy = "random"'), "simulation.policy",
         "policy", "optimizer, fcfs"),
        (('["08:00", "13:00"]', '["13:00", "08:00"]'),
         "simulation.allocation_times", "allocation_times", "croissantes"),
        (('["08:00", "13:00"]', '["25:00"]'), "simulation.allocation_times",
         "allocation_times", "HH:MM"),
        (("decline_share = 0.1", "decline_share = 1"),
         "behaviour.decline_share", "decline_share", "1 exclu"),
        (("no_show_share = 0.05", "no_show_share = true"),
         "behaviour.no_show_share", "no_show_share", "nombre attendu"),
    ],
)  # fmt: skip
def test_a_bad_simulation_or_behaviour_key_is_named_with_its_line(
    change: tuple[str, str], key: str, line_fragment: str, problem: str
) -> None:
    text = SMALL.replace(*change)
    message = refused(text)
    assert message.startswith("Scénario « plan.toml », ligne ")
    assert f"ligne {line_of(text, line_fragment)}," in message
    assert f"clé « {key} »" in message
    assert problem in message


@pytest.mark.parametrize(
    ("old", "new", "key", "problem"),
    [
        ("per_day = 2", "per_day = -2", "demand.2.per_day", "≥ 0"),
        ("per_day = 2", "per_jour = 2", "demand.2.per_jour", "clé inconnue"),
        ("multi_exam_share = 0.5", "multi_exam_share = 1.5",
         "demand.2.multi_exam_share", "proportion"),
        ('exams = ["MAMMO", "ECHO_SEIN"]', 'exams = ["MAMMO", "IRM"]',
         "demand.2.exams", "non couvert"),
        ('exams = ["MAMMO", "ECHO_SEIN"]', 'exams = ["MAMMO", "ECHO_CARDIO"]',
         "demand.2.exams", "inconnu"),
        ("multi_exam_share = 0.5",
         'multi_exam_share = 0.5\nweekdays = ["samedi"]',
         "demand.2.weekdays", "lundi, mardi"),
        ("multi_exam_share = 0.5",
         "multi_exam_share = 0.5\nchildren_share = 0.1",
         "demand.2.children_share", "couvert pour les enfants"),
    ],
)  # fmt: skip
def test_a_bad_demand_key_names_its_block(
    old: str, new: str, key: str, problem: str
) -> None:
    text = SMALL.replace(old, new)
    message = refused(text)
    # The key's line in the second [[demand]] block, not the first.
    expected = block_line(text, "demand", 2, key.rsplit(".", 1)[1])
    assert f"ligne {expected}," in message
    assert f"clé « {key} »" in message
    assert problem in message


@pytest.mark.parametrize(
    ("old", "new", "key", "problem"),
    [
        ('times = ["10:00", "14:00"]', 'times = ["14:00", "10:00"]',
         "capacity.2.times", "croissantes"),
        ('times = ["10:00", "14:00"]', "times = []", "capacity.2.times",
         "au moins une heure"),
        ('center = "SIMSE-2"', 'center = "SIMSE 2!"', "capacity.2.center",
         "code attendu"),
        ("duration_min = 30", "duration_min = 0", "capacity.2.duration_min",
         "durée"),
        ('group = "SIMSE"', 'group = "AUTRE"', "capacity.2.group",
         "MIM, SIMSE"),
        ('group = "SIMSE"', 'group = "MIM"', "capacity.3.group",
         "déjà dans le groupe MIM"),
        ('weekdays = ["lundi"]', 'weekdays = ["lundi", "lundi"]',
         "capacity.2.weekdays", "double"),
    ],
)  # fmt: skip
def test_a_bad_capacity_key_names_its_block(
    old: str, new: str, key: str, problem: str
) -> None:
    base = SMALL.replace(
        'exams = ["MAMMO", "ECHO_SEIN"]\ntimes',
        'exams = ["MAMMO", "ECHO_SEIN"]\nweekdays = ["lundi"]\ntimes',
    )
    text = base.replace(old, new, 1)
    message = refused(text)
    _, block, field = key.split(".")
    expected = block_line(text, "capacity", int(block), field)
    assert f"ligne {expected}," in message
    assert f"clé « {key} »" in message
    assert problem in message


def test_a_missing_required_key_points_at_its_block() -> None:
    text = SMALL.replace('times = ["10:00", "14:00"]\n', "")
    message = refused(text)
    assert f"ligne {line_of(text, '[[capacity]]', 2)}," in message
    assert "clé « capacity.2.times » : clé obligatoire manquante" in message


def test_demand_no_capacity_can_take_is_refused() -> None:
    # Children ask for RADIO; no RADIO slot takes children any more.
    text = SMALL.replace("children = true\n", "")
    message = refused(text)
    assert f"ligne {block_line(text, 'demand', 1, 'exams')}," in message
    assert "clé « demand.1.exams »" in message
    assert "ne prend RADIO pour un enfant" in message
    text = SMALL.replace("accessible = true\n", "")
    assert "RADIO accessible PMR" in refused(text)


@pytest.mark.parametrize(
    ("text", "problem"),
    [
        ("[simulation]\nstart = 2027-01-04\n[[demand]]\nexams = [\n",
         "syntaxe TOML invalide à la ligne"),
        ("[simulation]\ndays = = 3\n", "ligne 2 (clé « days »)"),
        ("[plan]\nx = 1\n", "clé « plan » : table inconnue"),
        ("[[demand]]\nexams = 'RADIO'\nper_day = 1\n",
         "table [simulation] manquante"),
        ("[simulation]\nstart = 2027-01-04\n", "au moins un bloc [[demand]]"),
        ("simulation = 3\n", "table [simulation] attendue"),
    ],
)  # fmt: skip
def test_whole_file_mistakes(text: str, problem: str) -> None:
    assert problem in refused(text)


def test_unreadable_files(tmp_path: Path) -> None:
    with pytest.raises(UnusableFileError, match="introuvable"):
        load_scenario(tmp_path / "absent.toml")
    with pytest.raises(UnusableFileError, match="dossier"):
        load_scenario(tmp_path)
    latin = tmp_path / "latin.toml"
    latin.write_bytes("# créneaux\n".encode("cp1252"))
    with pytest.raises(UnusableFileError, match="UTF-8"):
        load_scenario(latin)


def test_changes_apply_by_dotted_key() -> None:
    scenario = small(
        capacity__scale=0.5,
        demand__scale=2,
        demand__2__per_day=5,
        capacity__1__times=["09:00", "10:00"],
        simulation__policy="fcfs",
        behaviour__no_show_share=0,
    )
    assert scenario.simulation.capacity_scale == 0.5
    assert scenario.simulation.demand_scale == 2
    assert scenario.demand[1].per_day == 5
    assert scenario.capacity[0].times == (time(9), time(10))
    assert scenario.simulation.policy is Policy.FCFS
    assert scenario.behaviour.no_show_share == 0


@pytest.mark.parametrize(
    ("key", "value", "problem"),
    [
        ("capacity.9.times", ["09:00"], "pas de bloc [[capacity]] n° 9"),
        ("planning.days", 3, "clé inconnue"),
        ("capacity.scale", 0, "nombre > 0"),
        ("demand.1.per_jour", 3, "clé inconnue"),
        ("simulation.days", "beaucoup", "nombre entier attendu"),
    ],
)
def test_bad_changes_name_the_option(
    key: str, value: object, problem: str
) -> None:
    with pytest.raises(ScenarioError) as caught:
        ScenarioFile.parse(SMALL, "plan.toml").scenario({key: value})
    message = str(caught.value)
    assert f"clé « {key} »" in message
    assert problem in message
    assert "(option --vary)" in message
    assert "ligne" not in message


def test_parts_check_themselves_when_built_in_code() -> None:
    with pytest.raises(ScenarioError, match="clé « days »"):
        Simulation(start=date(2027, 1, 4), days=0)
    with pytest.raises(ScenarioError, match="clé « per_day »"):
        Demand(exams=(Exam.RADIO,), per_day=float("nan"))
    with pytest.raises(ScenarioError, match="clé « exams »"):
        Capacity("MIM-1", Group.MIM, (), (time(9),))
    with pytest.raises(ScenarioError, match="clé « opening_hours »"):
        Simulation(start=date(2027, 1, 4), opening_hours=(time(18), time(8)))
    assert isinstance(ScenarioError("x", "y"), CosenError)


def test_costs_are_optional_checked_and_weighed_in_sweeps() -> None:
    assert not small().cost.given
    priced = small(cost__reserved_slot=40, cost__late_referral=150)
    assert priced.cost.reserved_slot == 40.0
    assert priced.cost.late_referral == 150.0
    with pytest.raises(ScenarioError, match="nombre ≥ 0 attendu"):
        small(cost__late_referral=-1)
    with pytest.raises(ScenarioError, match="clé inconnue"):
        small(cost__per_slot=3)
