"""``cosen scenario``: what users type and see, exit codes, one-line
errors."""

from __future__ import annotations

import io
import json
import subprocess
import sys
from pathlib import Path

import click
import pytest
from click.testing import CliRunner, Result

from cosen.cli.core import FrenchGroup
from cosen.cli.scenario import scenario
from cosen.scenarios.loader import load_scenario
from cosen.scenarios.runner import Progress
from tests.factories import one_line_error
from tests.scenarios.builders import SMALL


@click.group(cls=FrenchGroup)
def root() -> None:
    """As ``cosen`` will hold the group."""


root.add_command(scenario)


def run(*args: str | Path) -> Result:
    return CliRunner().invoke(
        root, ["scenario", *map(str, args)], prog_name="cosen"
    )


@pytest.fixture
def plan(tmp_path: Path) -> Path:
    path = tmp_path / "plan.toml"
    path.write_text(
        SMALL.replace("days = 42", "days = 21").replace(
            "replications = 3", "replications = 2"
        ),
        encoding="utf-8",
    )
    return path


def test_help_is_french() -> None:
    result = run("--help")
    assert result.exit_code == 0
    assert "Utilisation : cosen scenario" in result.output
    assert "Commandes" in result.output
    for command in ("run", "sweep", "template"):
        assert command in result.output
    assert "Affiche cette aide." in run("run", "--help").output


def test_template_writes_the_example_once(tmp_path: Path) -> None:
    path = tmp_path / "scenario.toml"
    result = run("template", path)
    assert result.exit_code == 0, result.output
    assert "Scénario d'exemple écrit" in result.output
    assert load_scenario(path).simulation.replications == 10
    assert "existe déjà" in one_line_error(run("template", path))


def test_run_prints_indicators(plan: Path, tmp_path: Path) -> None:
    out = tmp_path / "resultats"
    result = run("run", plan, "--out", out, "--workers", "1")
    assert result.exit_code == 0, result.output
    assert result.stdout.startswith("Scénario « plan » : 2 réplication(s)")
    assert "Rendez-vous dans le délai (%)" in result.stdout
    assert "Fichiers écrits dans" in result.stdout
    assert sorted(p.name for p in out.iterdir()) == [
        "attente.png", "delai_par_heure.png", "delai_par_jour.png",
        "indicateurs.xlsx", "utilisation.png", "utilisation_par_jour.png",
    ]  # fmt: skip
    assert result.stderr == ""  # no progress bar outside a terminal


def test_a_run_writing_no_file_loads_no_chart_or_workbook_library(
    plan: Path,
) -> None:
    # A third of a second of start-up saved on every text or JSON run.
    code = (
        "import sys; from cosen.cli import cli\n"
        "try:\n"
        f"    cli.main(['scenario', 'run', {str(plan)!r}, '--workers', '1'])\n"
        "except SystemExit as stop:\n"
        "    assert stop.code == 0, stop.code\n"
        "print(sorted({'matplotlib', 'openpyxl'} & set(sys.modules)))"
    )
    found = subprocess.run(
        [sys.executable, "-c", code], capture_output=True, text=True
    )
    assert found.returncode == 0, found.stderr
    assert found.stdout.splitlines()[-1] == "[]"


def test_json_is_the_same_whatever_the_number_of_processes(
    plan: Path,
) -> None:
    alone = run("run", plan, "--json", "--workers", "1")
    shared = run("run", plan, "--json", "--workers", "2")
    assert alone.exit_code == shared.exit_code == 0, alone.output
    assert alone.stdout == shared.stdout
    found = json.loads(alone.stdout)
    assert found["replications"] == 2
    assert found["overall"]["received"]["mean"] > 0


@pytest.mark.parametrize(
    ("change", "expected"),
    [
        (("per_day = 2", 'per_day = "deux"'),
         "Scénario « plan.toml », ligne 24, clé « demand.2.per_day » : "
         "nombre attendu."),
        (("days = 21", "dyas = 21"),
         "Scénario « plan.toml », ligne 3, clé « simulation.dyas » : "
         "clé inconnue (vouliez-vous dire « days » ?)."),
        (("[[demand]]", "[[demande]]"),
         "Scénario « plan.toml », ligne 15, clé « demande » : table "
         "inconnue (tables possibles : simulation, behaviour, cost, "
         "demand, capacity, candidate)."),
    ],
)  # fmt: skip
def test_bad_scenario_is_one_french_line(
    plan: Path, change: tuple[str, str], expected: str
) -> None:
    plan.write_text(plan.read_text().replace(*change, 1))
    assert one_line_error(run("run", plan)) == f"Erreur : {expected}"


def test_missing_file_and_option_mistakes(plan: Path, tmp_path: Path) -> None:
    message = one_line_error(run("run", tmp_path / "absent.toml"))
    assert "« absent.toml »" in message and "introuvable" in message
    message = one_line_error(
        run("run", plan, "--workers", "2", "--dask", "tcp://x:1")
    )
    assert "--workers et --dask" in message
    message = one_line_error(run("sweep", plan, "--vary", "capacity.scale"))
    assert "CLÉ=V1,V2" in message
    message = one_line_error(run("sweep", plan))
    assert "paramètre obligatoire manquant : --vary" in message
    message = one_line_error(
        run("sweep", plan, "--vary", "capacity.7.times=['09:00']")
    )
    assert "pas de bloc [[capacity]] n° 7" in message


def test_dask_missing_is_explained(
    plan: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setitem(sys.modules, "distributed", None)
    message = one_line_error(run("run", plan, "--dask", "tcp://x:8786"))
    assert "Dask n'est pas installé" in message
    assert "cosen[dask]" in message


def test_sweep_table_json_and_files(plan: Path, tmp_path: Path) -> None:
    result = run(
        "sweep", plan, "--vary", "capacity.scale=0.5,1.5", "--goal", "50",
        "--workers", "1", "--out", tmp_path / "balayage",
    )  # fmt: skip
    assert result.exit_code == 0, result.output
    assert "objectif 50 % des demandes vues dans le délai" in result.stdout
    assert "Plus petite capacité atteignant 50 %" in result.stdout
    assert (tmp_path / "balayage" / "balayage.png").stat().st_size > 10_000
    result = run(
        "sweep", plan, "--vary", "capacity.scale=0.5,1.5", "--vary",
        "simulation.policy=fcfs,optimizer", "--json", "--workers", "1",
    )  # fmt: skip
    found = json.loads(result.stdout)
    assert found["keys"] == ["capacity.scale", "simulation.policy"]
    assert [p["changes"] for p in found["points"]] == [
        {"capacity.scale": 0.5, "simulation.policy": "fcfs"},
        {"capacity.scale": 0.5, "simulation.policy": "optimizer"},
        {"capacity.scale": 1.5, "simulation.policy": "fcfs"},
        {"capacity.scale": 1.5, "simulation.policy": "optimizer"},
    ]


class Terminal(io.StringIO):
    def isatty(self) -> bool:
        return True


def test_progress_bar_only_on_a_terminal() -> None:
    terminal = Terminal()
    progress = Progress(4, "Réplications", terminal)
    for _ in range(4):
        progress.advance()
    shown = terminal.getvalue()
    assert shown.count("\r") == 4 and shown.endswith("4/4\n")
    assert "Réplications [" in shown
    quiet = io.StringIO()
    Progress(2, "Réplications", quiet).advance()
    assert quiet.getvalue() == ""
