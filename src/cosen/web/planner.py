"""The planner's page: a capacity scenario run from the desk.

A planner (or an admin) uploads a scenario or edits one in the page,
starting from ``cosen scenario template``'s text; the scenario is checked
at once (:class:`~cosen.scenarios.params.ScenarioError` shown beside the
field), then simulated in a background thread of the server, in a scratch
folder of its own (mode 0700) under the desk's files. The run's page
refreshes itself (a ``<meta http-equiv="refresh">``: the CSP allows no
script) until the indicators, the charts and the workbook are there.

The same form asks for a recommendation (``cosen scenario recommend``):
the scenario must hold ``[[candidate]]`` blocks (said at once beside the
field, in the library's words), with a goal (% of referrals within
target, for every exam) and a budget of replications. The search runs in
the background like a simulation, and its page says whether the goal is
reached, the slots to add, what blocks the goal, the slots that could be
given back, with its chart and ``recommandation.xlsx``.

Bounds, for a server that also serves the telesecretariat: one run at a
time per user (a simulation or a search), :data:`MAX_RUNNING` on the whole
desk, at most :data:`MAX_REPLICATIONS` replications of :data:`MAX_DAYS`
days, and a search at most :data:`MAX_BUDGET` replications. Runs live
in the server's memory (a restart forgets them; their folders are
removed at the next run of the same user beyond :data:`KEPT`).

Only the scenarios' public functions are used: the scenario's text
through :meth:`ScenarioFile.parse`, then :func:`run_replications`,
:func:`summarize` and :func:`write_run_report`; for a search,
:func:`~cosen.scenarios.recommend.choices` (the check that there are
candidates), :func:`~cosen.scenarios.recommend.recommend` and
:func:`~cosen.scenarios.recommend.write_recommend_report`.
"""

from __future__ import annotations

import io
import secrets
import shutil
import tempfile
import threading
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import datetime
from functools import partial
from pathlib import Path
from typing import TYPE_CHECKING, Any, Final

from flask import (
    Blueprint,
    abort,
    current_app,
    redirect,
    render_template,
    request,
    send_from_directory,
    url_for,
)
from werkzeug.utils import secure_filename

from cosen.errors import CosenError
from cosen.ledger.accounts import Role
from cosen.limits import DEFAULT_GOAL, PLANNING_LIMITS
from cosen.parsing import french_number
from cosen.web.auth import roles, user
from cosen.web.context import desk, now
from cosen.web.views import form_number

if TYPE_CHECKING:
    from cosen.scenarios.indicators import Summary
    from cosen.scenarios.params import Scenario
    from cosen.scenarios.recommend import Recommendation
    from cosen.scenarios.runner import Progress

__all__ = [
    "KEPT",
    "MAX_BUDGET",
    "MAX_DAYS",
    "MAX_REPLICATIONS",
    "MAX_RUNNING",
    "Plans",
    "blueprint",
]

blueprint = Blueprint("planner", __name__, url_prefix="/planification")

MAX_REPLICATIONS: Final = 20
MAX_DAYS: Final = 730
MAX_RUNNING: Final = 2
MAX_BUDGET: Final = 10 * MAX_REPLICATIONS
"""Replications a search may simulate on the desk: ten of the largest
simulations it runs."""
KEPT: Final = 5
_FOLDER: Final = "planification"
_REFRESH: Final = 2
# Replications run in this many processes (one, in the server's thread,
# for a single replication).
_WORKERS: Final = 2
_PLANNERS = (Role.PLANNER, Role.ADMIN)


@dataclass
class PlanRun:
    """A scenario run started from the desk.

    Attributes
    ----------
    id
        Random, so that a run's address reveals nothing.
    login
        Whose run it is: no one else sees it.
    name
        The scenario's file name.
    folder
        Its scratch folder (mode 0700).
    progress
        Replications done, of how many; ``None`` for a search (it does
        not know how many it will simulate).
    goal
        A search's goal (``None`` for a simulation).
    summary, files
        The indicators, and the report's files in ``folder``, once done.
    recommendation
        What a search found, once done.
    error
        Why it failed, in French.
    """

    id: str
    login: str
    name: str
    folder: Path
    progress: Progress | None
    started: datetime
    goal: float | None = None
    finished: datetime | None = None
    summary: Summary | None = None
    recommendation: Recommendation | None = None
    files: list[str] = field(default_factory=list)
    error: str | None = None

    @property
    def running(self) -> bool:
        """Still simulating."""
        return self.finished is None


class Plans:
    """The desk's scenario runs, by id (shared by the server's threads)."""

    def __init__(self) -> None:
        self.lock = threading.Lock()
        self.runs: dict[str, PlanRun] = {}

    def of(self, login: str) -> list[PlanRun]:
        """A user's runs, newest first."""
        with self.lock:
            mine = [r for r in self.runs.values() if r.login == login]
        return sorted(mine, key=lambda r: r.started, reverse=True)

    def start(self, plan: PlanRun) -> str | None:
        """Record ``plan`` as running, or say in French why it cannot
        start; forget the user's runs beyond :data:`KEPT`."""
        with self.lock:
            running = [r for r in self.runs.values() if r.running]
            if any(r.login == plan.login for r in running):
                return (
                    "Une simulation de ce compte est déjà en cours : "
                    "attendre sa fin avant d'en lancer une autre."
                )
            if len(running) >= MAX_RUNNING:
                return (
                    f"{MAX_RUNNING} simulations sont déjà en cours sur le "
                    "guichet : réessayer dans quelques minutes."
                )
            self.runs[plan.id] = plan
            mine = sorted(
                (r for r in self.runs.values() if r.login == plan.login),
                key=lambda r: r.started,
                reverse=True,
            )
            for old in mine[KEPT:]:
                del self.runs[old.id]
                shutil.rmtree(old.folder, ignore_errors=True)
        return None


def plans() -> Plans:
    """This desk's runs."""
    found: Plans = current_app.extensions["cosen.plans"]
    return found


@blueprint.record_once
def _install(state: Any) -> None:
    state.app.extensions["cosen.plans"] = Plans()


@blueprint.app_template_filter("estimation")
def _estimate(found: Any) -> str:
    """A mean and its 95 % interval (« 84,2 [81,0 ; 87,4] »), as
    ``cosen scenario`` prints it."""
    from cosen.scenarios.report import interval_text

    return "—" if found is None else interval_text(found)


@blueprint.route("", methods=["GET", "POST"])
@roles(*_PLANNERS)
def page() -> Any:
    """The scenario's form, and this user's runs: a simulation, or a
    search for the slots to add (the button ``recommander``)."""
    from cosen.scenarios.loader import example_text

    login = user().login
    if request.method == "GET":
        return _form(example_text(), "scenario.toml", {}, login)
    text, name = _submitted()
    search = request.form.get("action") == "recommander"
    problems: dict[str, str] = {}
    try:
        scenario = _checked(text, name, search)
    except CosenError as error:
        problems["texte"] = str(error)
    goal, budget = _search_settings(problems) if search else (None, 0)
    if problems:
        return _form(text, name, problems, login), 400
    moment = now()
    base = desk().files / _FOLDER
    base.mkdir(parents=True, exist_ok=True, mode=0o700)
    from cosen.scenarios.runner import Progress

    plan = PlanRun(
        id=secrets.token_urlsafe(12),
        login=login,
        name=name,
        # mkdtemp makes the folder mode 0700.
        folder=Path(tempfile.mkdtemp(prefix="scenario-", dir=base)),
        progress=None
        if search
        else Progress(
            scenario.simulation.replications, "Réplications", io.StringIO()
        ),
        started=moment,
        goal=goal,
    )
    refusal = plans().start(plan)
    if refusal is not None:
        shutil.rmtree(plan.folder, ignore_errors=True)
        return _form(text, name, {}, login, refusal), 409
    work = (
        partial(_recommend, plan, scenario, goal, budget)
        if goal is not None
        else partial(_simulate, plan, scenario)
    )
    worker = threading.Thread(
        target=_in_background,
        args=(plan, work, desk().clock, current_app.logger),
        name=f"scenario-{plan.id}",
        daemon=True,
    )
    worker.start()
    return redirect(url_for("planner.run", run_id=plan.id))


def _default_budget() -> int:
    from cosen.scenarios.recommend import DEFAULT_BUDGET

    return min(DEFAULT_BUDGET, MAX_BUDGET)


def _form(
    text: str,
    name: str,
    problems: dict[str, str],
    login: str,
    busy: str = "",
) -> str:
    return render_template(
        "planner.html",
        text=text,
        name=name,
        problems=problems,
        busy=busy,
        goal=request.form.get("objectif") or french_number(DEFAULT_GOAL, None),
        budget=request.form.get("budget") or str(_default_budget()),
        runs=plans().of(login),
        max_replications=MAX_REPLICATIONS,
        max_days=MAX_DAYS,
        max_budget=MAX_BUDGET,
    )


def _submitted() -> tuple[str, str]:
    """The scenario's text and name: the uploaded file if one was chosen,
    else the text area."""
    upload = request.files.get("fichier")
    if upload is not None and upload.filename:
        name = secure_filename(upload.filename) or "scenario.toml"
        try:
            return upload.read().decode("utf-8"), name
        except UnicodeDecodeError:
            raise CosenError(
                f"« {name} » : illisible (fichier texte UTF-8 attendu)."
            ) from None
    return request.form.get("texte", "").replace("\r\n", "\n"), (
        "scenario.toml"
    )


def _search_settings(problems: dict[str, str]) -> tuple[float, int]:
    """A search's goal and budget, from the form; what is wrong with them
    goes to ``problems`` (by field)."""
    goal, budget = DEFAULT_GOAL, _default_budget()
    try:
        goal = form_number(
            request.form, "objectif", PLANNING_LIMITS["goal"], DEFAULT_GOAL
        )
    except CosenError as error:
        problems["objectif"] = str(error)
    low, high = PLANNING_LIMITS["budget"]
    try:
        budget = int(
            form_number(
                request.form,
                "budget",
                (low, min(high, MAX_BUDGET)),
                budget,
                integer=True,
            )
        )
    except CosenError as error:
        problems["budget"] = str(error)
    return goal, budget


def _checked(text: str, name: str, search: bool = False) -> Scenario:
    """The scenario, within the desk's bounds; with candidates to choose
    from, for a ``search``.

    Raises
    ------
    CosenError
        A syntax or scenario error (naming the key and its line), a
        scenario too large for the desk, or a search without candidates.
    """
    from cosen.scenarios.loader import ScenarioFile
    from cosen.scenarios.params import ScenarioError
    from cosen.scenarios.recommend import choices

    scenario = ScenarioFile.parse(text, name).scenario()
    simulation = scenario.simulation
    elsewhere = "au-delà, « cosen scenario run » sur un poste de calcul"
    if simulation.replications > MAX_REPLICATIONS:
        raise ScenarioError(
            "simulation.replications",
            f"{simulation.replications} réplications, le guichet en lance "
            f"{MAX_REPLICATIONS} au plus ({elsewhere})",
            name,
        )
    if simulation.days > MAX_DAYS:
        raise ScenarioError(
            "simulation.days",
            f"{simulation.days} jours simulés, le guichet en simule "
            f"{MAX_DAYS} au plus ({elsewhere})",
            name,
        )
    if search:
        choices(scenario)
    return scenario


def _simulate(plan: PlanRun, scenario: Scenario) -> list[Path]:
    """Run a scenario and write its report."""
    from cosen.scenarios.indicators import summarize
    from cosen.scenarios.outputs import write_run_report
    from cosen.scenarios.runner import run_replications

    (replications,) = run_replications(
        [scenario], _WORKERS, None, plan.progress
    )
    plan.summary = summarize(scenario, replications)
    return write_run_report(plan.folder, plan.summary)


def _recommend(
    plan: PlanRun, scenario: Scenario, goal: float, budget: int
) -> list[Path]:
    """Search the slots to add and write the recommendation's report."""
    from cosen.scenarios.recommend import recommend, write_recommend_report

    plan.recommendation = recommend(
        scenario, goal, budget, _WORKERS, None, progress=False
    )
    return write_recommend_report(plan.folder, plan.recommendation)


def _in_background(
    plan: PlanRun, work: Callable[[], list[Path]], clock: Any, log: Any
) -> None:
    """Do a run's ``work`` (in a thread of its own), keep the names of the
    files it wrote, or why it failed."""
    try:
        plan.files = [p.name for p in work()]
    except CosenError as error:
        plan.error = str(error)
    except Exception as error:  # a thread has no error page: say it here
        log.error("simulation en échec : %s", type(error).__name__)
        plan.error = (
            "La simulation a échoué (erreur interne, à signaler avec "
            "l'heure et le scénario)."
        )
    finally:
        plan.finished = clock().replace(microsecond=0)


def _own(run_id: str) -> PlanRun:
    """The signed-in user's run, else 404 (another's does not exist)."""
    with plans().lock:
        found = plans().runs.get(run_id)
    if found is None or found.login != user().login:
        abort(404)
    return found


@blueprint.route("/<run_id>")
@roles(*_PLANNERS)
def run(run_id: str) -> Any:
    """A run: its progress (the page refreshes itself), then its results."""
    plan = _own(run_id)
    from cosen.scenarios.indicators import LABELS

    found = plan.recommendation
    return render_template(
        "planner_run.html",
        plan=plan,
        refresh=_REFRESH if plan.running else None,
        labels=LABELS,
        # The contract's JSON: the added and unused slots as the
        # command line names them.
        document=found.as_json() if found is not None else None,
        charts=[n for n in plan.files if n.endswith(".png")],
        workbooks=[n for n in plan.files if not n.endswith(".png")],
    )


@blueprint.route("/<run_id>/<name>")
@roles(*_PLANNERS)
def run_file(run_id: str, name: str) -> Any:
    """One of a run's files: a chart (shown in the page) or the
    workbook."""
    plan = _own(run_id)
    if name not in plan.files:
        abort(404)
    return send_from_directory(
        plan.folder, name, as_attachment=not name.endswith(".png")
    )
