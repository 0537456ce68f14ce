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
from cosen.scenarios.report import interval_text
from cosen.scenarios.runner import Progress
from cosen.scenarios.stats import Estimate
from cosen.web.planner import (
    MAX_BUDGET,
    MAX_REPLICATIONS,
    MAX_RUNNING,
    PlanRun,
    plans,
)
from tests.web.conftest import Seeded, User


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


def _finished(user: User, address: str) -> str:
    """The run's page once it no longer refreshes itself."""
    deadline = time.monotonic() + 120
    while True:
        page = _text(user.get(address))
        if 'http-equiv="refresh"' not in page:
            return page
        assert time.monotonic() < deadline, "calcul trop long"
        time.sleep(0.05)


def _running(seeded: Seeded, login: str, tmp_path: Path) -> PlanRun:
    """A run of ``login`` recorded as still simulating."""
    progress = Progress(4, "Réplications", io.StringIO())
    progress.advance()
    plan = PlanRun(
        id=f"en-cours-{login}",
        login=login,
        name="scenario.toml",
        folder=tmp_path,
        progress=progress,
        started=seeded.clock.now,
    )
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
def test_estimates_read_as_the_command_line_prints_them(
    seeded: Seeded,
) -> None:
    render = seeded.app.jinja_env.from_string("{{ x|estimation }}").render
    nan = float("nan")
    for found, text in [
        (Estimate(84.0, 81.04, 87.36, 3), "84,0 [81,0 ; 87,4]"),
        (Estimate(12.25, nan, nan, 1), "12,2"),
        (Estimate(nan, nan, nan, 0), "—"),
        (None, "—"),
    ]:
        assert render(x=found) == text
        if found is not None:
            assert interval_text(found) == text


def test_a_tiny_scenario_runs_to_its_results(seeded: Seeded) -> None:
    user = seeded.client("plan")
    upload = io.BytesIO(tiny(replications=2).encode())
    started = user.post(
        "/planification",
        {"texte": "", "fichier": (upload, "essai.toml")},
        content_type="multipart/form-data",
    )
    assert started.status_code == 302
    page = _finished(user, started.location)
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


# One exam, two slots a working day for 1.5 referrals a day, a candidate
# on Thursday afternoons: over three weeks (one replication), the first
# Thursday slot brings RADIO from 44 % to 63 % within target, the second
# to 70 %, the third adds nothing; Friday afternoon's referrals meet no
# allocation before their 48 h, whatever is added.
CANDIDATES = """\
[simulation]
start = 2027-01-04
days = 21
warmup_days = 0
replications = 1
seed = 1

[[demand]]
exams = ["RADIO"]
per_day = {per_day}
delay_24h_share = 0

[[capacity]]
center = "MIM-1"
group = "MIM"
exams = ["RADIO"]
times = ["09:00", "14:00"]
{candidate}"""
CANDIDATE = """
[[candidate]]
center = "SIMSE-1"
group = "SIMSE"
exams = ["RADIO"]
weekdays = ["lundi", "jeudi"]
times = ["15:00"]
max_count = 3
"""


def _candidates(per_day: float = 1.5, candidate: str = CANDIDATE) -> str:
    return CANDIDATES.format(per_day=per_day, candidate=candidate)


@pytest.fixture
def one_process(monkeypatch: pytest.MonkeyPatch) -> None:
    """Searches in the server's thread: a tiny one takes a tenth of a
    second, starting worker processes takes seconds."""
    monkeypatch.setattr("cosen.web.planner._WORKERS", 1)


def _search(
    user: User, goal: str, text: str | None = None, **more: str
) -> TestResponse:
    return user.post(
        "/planification",
        {
            "texte": _candidates() if text is None else text,
            "objectif": goal,
            "action": "recommander",
            **more,
        },
    )


def test_the_form_asks_for_a_goal_and_a_budget(seeded: Seeded) -> None:
    page = _text(seeded.client("plan").get("/planification"))
    assert 'name="objectif"' in page and 'value="95"' in page
    assert f'name="budget" inputmode="numeric" size="6" value="{MAX_BUDGET}"'\
        in page  # fmt: skip
    assert 'name="action" value="recommander"' in page
    # A simulation is still the form's main button.
    assert 'class="principal" name="action" value="simuler"' in page


def test_a_search_needs_candidates(seeded: Seeded, one_process: None) -> None:
    user = seeded.client("plan")
    response = _search(user, "70", _candidates(candidate=""))
    assert response.status_code == 400
    problem = _problem(response)
    assert "aucun bloc [[candidate]]" in problem
    assert "cosen scenario template" in problem
    assert not plans_of(seeded, "plan")
    # The same scenario is simulated: candidates are for searches only.
    simulated = user.post(
        "/planification",
        {"texte": _candidates(candidate=""), "action": "simuler"},
    )
    assert simulated.status_code == 302
    assert "Rendez-vous dans le délai (%)" in _finished(
        user, simulated.location
    )


@pytest.mark.parametrize(
    ("field", "typed", "said"),
    [
        ("objectif", "beaucoup", "objectif : nombre attendu."),
        ("objectif", "100,5", "objectif : de 0 à 100 attendu."),
        ("budget", str(MAX_BUDGET + 1), f"budget : de 1 à {MAX_BUDGET}"),
        ("budget", "12,5", "budget : nombre entier attendu."),
    ],
)
def test_a_wrong_goal_or_budget_is_shown_beside_its_field(
    seeded: Seeded, field: str, typed: str, said: str
) -> None:
    user = seeded.client("plan")
    settings = {"objectif": "70", "budget": "20", field: typed}
    response = _search(user, settings["objectif"], budget=settings["budget"])
    assert response.status_code == 400
    page = _text(response)
    found = re.search(rf'id="e-{field}" role="alert">([^<]+)<', page)
    assert found is not None and found.group(1).startswith(said)
    assert f'value="{typed}" aria-invalid="true"' in page
    assert not plans_of(seeded, "plan")


def test_a_recommendation_names_the_slots_to_add(
    seeded: Seeded, one_process: None
) -> None:
    user = seeded.client("plan")
    started = _search(user, "69,5", budget="40")
    assert started.status_code == 302
    page = _finished(user, started.location)
    assert "Recommandation « scenario.toml » : objectif 69,5 %" in page
    assert "Objectif atteint en ajoutant 2 créneaux par semaine" in page
    rows = re.findall(
        r"<tr><td>(\w+)</td><td>([\d:]+)</td><td>([\w-]+)</td>"
        r"<td>(\w+)</td><td>(\d+)</td></tr>",
        page,
    )
    assert rows == [("jeudi", "15:00", "SIMSE-1", "RADIO", "2")]
    assert "Ce qui empêche" not in page
    (chart,) = re.findall(r'<img src="([^"]+\.png)"', page)
    image = user.get(chart)
    assert image.mimetype == "image/png"
    assert image.data.startswith(b"\x89PNG")
    link = re.search(r'href="([^"]+recommandation\.xlsx)"', page)
    assert link is not None
    download = user.get(link.group(1))
    assert "attachment" in download.headers["Content-Disposition"]
    workbook = load_workbook(io.BytesIO(download.data))
    added = workbook["Créneaux à ajouter"]
    assert [c.value for c in added[2]] == [
        "SIMSE-1", "RADIO", "jeudi", "15:00", 2,
    ]  # fmt: skip
    # The list of runs says what each one was.
    listed = _text(user.get("/planification"))
    assert "recommandation (objectif 69,5 %)" in listed


def test_an_unreachable_goal_says_what_blocks_it(
    seeded: Seeded, one_process: None
) -> None:
    user = seeded.client("plan")
    page = _finished(user, _search(user, "90").location)
    assert "Objectif hors d'atteinte avec les créneaux candidats" in page
    assert "Tous les créneaux candidats" in page
    assert "<td>lundi</td><td>15:00</td>" in page
    assert "<td>jeudi</td><td>15:00</td>" in page
    blockers = re.search(r'<ul id="obstacles">(.+?)</ul>', page)
    assert blockers is not None
    assert (
        "Les demandes RADIO du vendredi après 13 h n&#39;ont aucun créneau "
        "dans les 48 h" in blockers.group(1)
    )


def test_slots_to_give_back(seeded: Seeded, one_process: None) -> None:
    user = seeded.client("plan")
    page = _finished(user, _search(user, "50", _candidates(1)).location)
    assert "Objectif déjà atteint sans créneau de plus" in page
    assert 'id="creneaux-ajoutes"' not in page
    unused = re.search(
        r'<table class="liste" id="creneaux-inutilises">(.+?)</table>',
        page,
        flags=re.S,
    )
    assert unused is not None
    assert re.search(
        r"<td>\w+</td><td>\d\d:\d\d</td><td>MIM-1</td><td>RADIO</td>"
        r"<td>0 sur \d+</td>",
        unused.group(1),
    )
    assert "Sans eux :" in page


def test_a_budget_too_small_fails_in_french(
    seeded: Seeded, one_process: None
) -> None:
    user = seeded.client("plan")
    page = _finished(user, _search(user, "70", budget="1").location)
    assert "ne couvre pas le premier tour" in page
    assert 'class="message erreur"' in page


def test_another_users_recommendation_does_not_exist(
    seeded: Seeded, one_process: None
) -> None:
    owner = seeded.client("plan")
    address = _search(owner, "69,5").location
    _finished(owner, address)
    download = f"{address}/recommandation.xlsx"
    assert owner.get(download).status_code == 200
    admin = seeded.client("admin")
    assert admin.get(address).status_code == 404
    assert admin.get(download).status_code == 404
    for login in ("coord", "mim1"):
        other = seeded.client(login)
        assert _search(other, "70").status_code == 403
        assert other.get(address).status_code == 403
        assert other.get(download).status_code == 403
    assert [p.login for p in plans_of(seeded, "plan")] == ["plan"]
    assert not plans_of(seeded, "coord")
