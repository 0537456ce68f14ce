"""The planner's page: a scenario checked, run in the background, its
results shown; one run at a time per user; another's run does not
exist."""

from __future__ import annotations

import io
import re
import time
from pathlib import Path

import pytest
from openpyxl import load_workbook
from werkzeug.test import TestResponse

from cosen.scenarios.loader import example_text
from cosen.scenarios.runner import Progress
from cosen.web.planner import (
    MAX_REPLICATIONS,
    MAX_RUNNING,
    PlanRun,
    plans,
)
from tests.web.conftest import Seeded


def tiny(replications: int = 1, days: int = 35) -> str:
    """The template, with few replications of a short horizon."""
    text = example_text()
    for key, value in (("replications", replications), ("days", days)):
        text, count = re.subn(
            rf"^{key} = \d+", f"{key} = {value}", text, flags=re.M
        )
        assert count == 1, key
    return text


def _text(response: TestResponse) -> str:
    return response.get_data(as_text=True)


def _problem(response: TestResponse) -> str:
    found = re.search(r'class="erreur-champ"[^>]*>([^<]+)<', _text(response))
    assert found is not None, "no problem shown beside the field"
    return found.group(1)


def _running(seeded: Seeded, login: str, tmp_path: Path) -> PlanRun:
    """A run of ``login`` recorded as still simulating."""
    plan = PlanRun(
        id=f"en-cours-{login}",
        login=login,
        name="scenario.toml",
        folder=tmp_path,
        progress=Progress(4, "Réplications", io.StringIO()),
        started=seeded.clock.now,
    )
    plan.progress.advance()
    with seeded.app.app_context():
        assert plans().start(plan) is None
    return plan


def test_the_form_starts_from_the_template(seeded: Seeded) -> None:
    page = _text(seeded.client("plan").get("/planification"))
    assert "[simulation]" in page
    assert "replications = 10" in page
    assert 'name="fichier"' in page


def test_a_scenario_error_is_shown_beside_the_field(seeded: Seeded) -> None:
    user = seeded.client("plan")
    text = tiny().replace("per_day = 6 ", "per_day = -1 ", 1)
    response = user.post("/planification", {"texte": text})
    assert response.status_code == 400
    problem = _problem(response)
    assert "clé « demand.1.per_day »" in problem
    assert re.search(r"ligne \d+", problem)
    # The text typed stays in the field, to be corrected.
    assert "per_day = -1" in _text(response)
    broken = user.post("/planification", {"texte": "[simulation\n"})
    assert broken.status_code == 400
    assert "scenario.toml" in _problem(broken)


def test_the_desk_caps_replications(seeded: Seeded) -> None:
    user = seeded.client("admin")
    response = user.post(
        "/planification", {"texte": tiny(MAX_REPLICATIONS + 1)}
    )
    assert response.status_code == 400
    problem = _problem(response)
    assert "simulation.replications" in problem
    assert f"{MAX_REPLICATIONS} au plus" in problem
    assert not plans_of(seeded, "admin")


def plans_of(seeded: Seeded, login: str) -> list[PlanRun]:
    with seeded.app.app_context():
        return plans().of(login)


def test_one_run_at_a_time_per_user(seeded: Seeded, tmp_path: Path) -> None:
    running = _running(seeded, "plan", tmp_path)
    user = seeded.client("plan")
    refused = user.post("/planification", {"texte": tiny()})
    assert refused.status_code == 409
    assert "déjà en cours" in _text(refused)
    assert plans_of(seeded, "plan") == [running]
    # Its page refreshes itself, without a script, and shows progress.
    page = _text(user.get(f"/planification/{running.id}"))
    assert '<meta http-equiv="refresh" content="2">' in page
    assert "<script" not in page
    assert 'value="1"' in page and "1 sur 4" in page


def test_the_desk_runs_few_simulations_at_once(
    seeded: Seeded, tmp_path: Path
) -> None:
    for number in range(MAX_RUNNING):
        _running(seeded, f"autre-{number}", tmp_path)
    refused = seeded.client("plan").post("/planification", {"texte": tiny()})
    assert refused.status_code == 409
    assert f"{MAX_RUNNING} simulations sont déjà en cours" in _text(refused)


def test_another_users_run_does_not_exist(
    seeded: Seeded, tmp_path: Path
) -> None:
    (tmp_path / "indicateurs.xlsx").write_bytes(b"")
    plan = _running(seeded, "plan", tmp_path)
    plan.files = ["indicateurs.xlsx"]
    admin = seeded.client("admin")
    assert admin.get(f"/planification/{plan.id}").status_code == 404
    path = f"/planification/{plan.id}/indicateurs.xlsx"
    assert admin.get(path).status_code == 404
    owner = seeded.client("plan")
    assert owner.get(path).status_code == 200
    # Only the run's own files are served.
    assert owner.get(f"/planification/{plan.id}/autre.xlsx").status_code == (
        404
    )


@pytest.mark.slow
def test_a_tiny_scenario_runs_to_its_results(seeded: Seeded) -> None:
    user = seeded.client("plan")
    upload = io.BytesIO(tiny(replications=2).encode())
    started = user.post(
        "/planification",
        {"texte": "", "fichier": (upload, "essai.toml")},
        content_type="multipart/form-data",
    )
    assert started.status_code == 302
    address = started.location
    deadline = time.monotonic() + 120
    while True:
        page = _text(user.get(address))
        if 'http-equiv="refresh"' not in page:
            break
        assert time.monotonic() < deadline, "simulation trop longue"
        time.sleep(0.2)
    assert "Simulation « essai.toml »" in page
    assert "2 réplications" in page
    assert "Rendez-vous dans le délai (%)" in page
    charts = re.findall(r'<img src="([^"]+\.png)"', page)
    assert len(charts) >= 3
    for chart in charts:
        image = user.get(chart)
        assert image.status_code == 200
        assert image.mimetype == "image/png"
        assert image.data.startswith(b"\x89PNG")
    link = re.search(r'href="([^"]+indicateurs\.xlsx)"', page)
    assert link is not None
    workbook = load_workbook(io.BytesIO(user.get(link.group(1)).data))
    assert "Synthèse" in workbook.sheetnames
    (plan,) = plans_of(seeded, "plan")
    assert plan.folder.stat().st_mode & 0o777 == 0o700
    assert plan.folder.is_relative_to(seeded.app.extensions["cosen"].files)
