"""The desk's pages. Thin, as the command line is: each view reads the
form, calls one library function of :mod:`cosen.ledger` and renders the
result; no booking rule and no SQL here."""

from __future__ import annotations

import secrets
import tempfile
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from datetime import date, datetime, timedelta
from functools import lru_cache
from itertools import groupby
from pathlib import Path
from typing import Any, Final

from flask import (
    Blueprint,
    Response,
    abort,
    g,
    redirect,
    render_template,
    request,
    send_file,
    send_from_directory,
    url_for,
)
from werkzeug.datastructures import FileStorage
from werkzeug.utils import secure_filename

from cosen.allocation import AllocationSettings
from cosen.allocation.indicators import (
    allocation_indicators,
    baseline_indicators,
)
from cosen.clock import TargetClock
from cosen.domain import (
    REFERRAL_COLUMNS,
    Directory,
    Exam,
    Group,
    Reason,
    Referral,
)
from cosen.errors import CosenError
from cosen.io.outputs import set_files
from cosen.ledger.accounts import Role
from cosen.ledger.answers import answer_one
from cosen.ledger.desk import (
    call_list,
    call_list_file,
    centre_calendar_file,
    centre_directory,
    centre_list_file,
    centre_visits,
    import_files,
    log_run_file,
    record_entry,
    referral_card,
)
from cosen.ledger.exports import deliver
from cosen.ledger.messages import OutboxState
from cosen.ledger.reports import (
    delivery_warnings,
    history,
    indicators_since,
    ledger_status,
)
from cosen.ledger.runs import allocate_pending
from cosen.ledger.states import STATE_TEXT, TRANSITIONS, AnswerKind, State
from cosen.ledger.users import access_log
from cosen.limits import LIMITS
from cosen.notify.status import CHANNEL_TEXT, outbox_status
from cosen.notify.status import STATE_TEXT as OUTBOX_TEXT
from cosen.parsing import (
    CellError,
    french_datetime,
    french_duration,
    french_number,
    national_phone,
    parse_number,
)
from cosen.web.auth import home_for, own_centre, roles, user
from cosen.web.context import desk, ledger, now

__all__ = ["blueprint"]

blueprint = Blueprint("desk", __name__)

_DESK = (Role.COORDINATOR, Role.ADMIN)
_PLAN = (Role.COORDINATOR, Role.PLANNER, Role.ADMIN)
_EVERYONE = tuple(Role)
_RUNS_FOLDER: Final = "passages"
# Visits a centre's page lists on screen (its print view and its
# workbook list them all).
_SHOWN: Final = 100
_UPLOADS = (".xlsx", ".ods", ".csv")
# Answers a centre may give: whether the patient came.
_CENTRE_ANSWERS: Final = frozenset({AnswerKind.NO_SHOW, AnswerKind.DONE})
_KIND_TEXT: Final = {
    "booked": "rendez-vous",
    "changed": "changement de rendez-vous",
    "cancelled": "annulation",
    "reminder": "rappel",
}
_AUDIENCE_TEXT: Final = {"prescriber": "prescripteur", "patient": "patient"}
ANSWER_LABELS: Final = {
    AnswerKind.CONFIRMED: "Confirme",
    AnswerKind.DECLINED: "Refuse",
    AnswerKind.CANCELLED: "Annule",
    AnswerKind.NO_SHOW: "Absent",
    AnswerKind.DONE: "Réalisé",
}


@blueprint.app_template_filter("quand")
def _when(moment: datetime) -> str:
    return french_datetime(moment)


@blueprint.app_template_filter("heure")
def _hour(moment: datetime) -> str:
    return moment.strftime("%Hh%M")


_WEEKDAYS: Final = ("lundi", "mardi", "mercredi", "jeudi", "vendredi",
                     "samedi", "dimanche")  # fmt: skip


@blueprint.app_template_filter("jour")
def _day(day: date) -> str:
    return f"{_WEEKDAYS[day.weekday()]} {day:%d/%m/%Y}"


@blueprint.app_template_filter("telephone")
@lru_cache(maxsize=4096)
def _phone(number: str) -> str:
    return national_phone(number)


@blueprint.app_template_filter("duree")
def _duration(minutes: float) -> str:
    return french_duration(minutes)


@blueprint.app_template_filter("nombre")
def _number(value: float) -> str:
    return french_number(value, None)


def directory() -> Directory:
    """The centre directory, read once per request."""
    found: Directory | None = g.get("directory")
    if found is None:
        found = g.directory = centre_directory(ledger())
    return found


@blueprint.app_template_filter("centre")
def _centre(code: str) -> str:
    """A centre by its name (its code when the directory lacks it)."""
    return directory().name(code)


@blueprint.app_context_processor
def _everywhere() -> dict[str, Any]:
    from flask_login import current_user

    return {
        "me": user() if current_user.is_authenticated else None,
        "Role": Role,
        "STATE_TEXT": STATE_TEXT,
        "directory": directory,
    }


@blueprint.route("/")
@roles(*_EVERYONE)
def home() -> Any:
    """Each role's first page."""
    return redirect(home_for(user()))


# --------------------------------------------------------------------------
# Nouvelle demande


@dataclass(frozen=True)
class _Field:
    name: str
    label: str
    kind: str  # text, tel, yesno, check, exams, delay, centre
    required: bool
    help: str


# Labels for a form (the columns' help speaks of spreadsheets).
_LABELS: Final = {
    "referral_id": "Identifiant de la demande",
    "received_at": "Reçue le (JJ/MM/AAAA HH:MM)",
    "birth_name": "Nom de naissance",
    "first_name": "Prénom",
    "used_name": "Nom d'usage (facultatif)",
    "birth_date": "Date de naissance (JJ/MM/AAAA)",
    "address": "Adresse",
    "postcode": "Code postal",
    "city": "Commune",
    "phone": "Téléphone du patient",
    "email": "E-mail du patient (facultatif)",
    "prescriber": "Médecin prescripteur",
    "prescriber_contact": "Contact du prescripteur (facultatif)",
    "prescription": "Ordonnance (référence ou résumé)",
    "desired_delay": "Délai souhaité",
    "consent": "Consentement du patient",
    "preferred_center": "Centre préféré (facultatif)",
    "reduced_mobility": "Mobilité réduite",
    "medical_transport": "Transport médicalisé prescrit",
    "suspected_emergency": "Urgence suspectée",
}
_KINDS: Final = {
    "phone": "tel",
    "consent": "yesno",
    "reduced_mobility": "check",
    "medical_transport": "check",
    "suspected_emergency": "check",
    "exams": "exams",
    "desired_delay": "delay",
    "preferred_center": "centre",
}


def _fields() -> list[_Field]:
    """The contract's referral columns as form fields (columns added to
    the contract appear here by themselves, as text)."""
    model = Referral.model_fields
    return [
        _Field(
            column.field,
            column.french,
            _KINDS.get(column.field, "text"),
            column.field in model and model[column.field].is_required(),
            _LABELS.get(column.field, column.help),
        )
        for column in REFERRAL_COLUMNS
    ]


def _entry_values(
    form: Mapping[str, str], exams: Sequence[str]
) -> dict[str, str]:
    """The form as a spreadsheet row: field -> text."""
    values = {f.name: form.get(f.name, "").strip() for f in _fields()}
    for name in (
        "reduced_mobility",
        "medical_transport",
        "suspected_emergency",
    ):
        values[name] = "oui" if form.get(name) else "non"
    values["exams"] = "+".join(e for e in exams if e)
    return values


def _fresh_entry() -> dict[str, str]:
    moment = now()
    return {
        "referral_id": f"G{moment:%y%m%d}-{secrets.token_hex(2).upper()}",
        "received_at": moment.strftime("%d/%m/%Y %H:%M"),
    }


@blueprint.route("/demande", methods=["GET", "POST"])
@roles(*_DESK)
def entry() -> Any:
    """Nouvelle demande: the form, checked on submit by the spreadsheet
    rules, recorded pending when eligible."""
    values: dict[str, str] = _fresh_entry()
    result = None
    if request.method == "POST":
        values = _entry_values(request.form, request.form.getlist("exams"))
        result = record_entry(ledger(), values, user().login, now())
        if result.referral is not None:
            values = _fresh_entry()
    excluded = [
        issue
        for issue in (result.issues if result else ())
        if issue.reason
        not in (
            Reason.MISSING_FIELD,
            Reason.INVALID_FIELD,
            Reason.DUPLICATE_REFERRAL,
        )
    ]
    with ledger().read() as db:
        centres = db.centres()
    return render_template(
        "entry.html",
        fields=_fields(),
        values=values,
        result=result,
        excluded=excluded,
        exams=list(Exam),
        centres=[*centres, *(g.value for g in Group)],
        issues_by_field=_issues_by_field(result),
        problems=_problems(result),
    )


def _issues_by_field(result: Any) -> dict[str, list[str]]:
    """Each field's problems, in words for a form (no column codes)."""
    found: dict[str, list[str]] = {}
    if result is None:
        return found
    names = {f.label: f.name for f in _fields()}
    for issue in result.issues:
        if issue.column in names:
            found.setdefault(names[issue.column], []).append(
                _field_text(issue)
            )
    return found


def _field_text(issue: Any) -> str:
    if issue.reason is Reason.MISSING_FIELD:
        return "à remplir"
    return (
        f"{issue.reason.sentence} : {issue.detail}"
        if issue.detail
        else (issue.reason.sentence)
    )


def _problems(result: Any) -> list[str]:
    """The form's problems, each naming its field as the form does."""
    if result is None:
        return []
    labels = {f.label: f.help for f in _fields()}
    return [
        f"{labels[i.column]} : {_field_text(i)}"
        if i.column in labels
        else i.message
        for i in result.issues
        if i.reason in (Reason.MISSING_FIELD, Reason.INVALID_FIELD)
    ]


# --------------------------------------------------------------------------
# Importer


@blueprint.route("/importer", methods=["GET", "POST"])
@roles(*_PLAN)
def upload() -> Any:
    """Importer: referral and/or slot files into the ledger, by the import
    of ``batch run``; row-by-row results."""
    if request.method == "GET":
        return render_template("upload.html", result=None)
    dry_run = bool(request.form.get("verifier"))
    with tempfile.TemporaryDirectory(prefix="cosen-import-") as folder:
        paths = {
            name: _saved(request.files.get(name), Path(folder), name)
            for name in ("demandes", "creneaux")
        }
        if not any(paths.values()):
            raise CosenError(
                "choisir un fichier de demandes ou de créneaux (xlsx, ods, "
                "csv)."
            )
        result = import_files(
            ledger(),
            paths["demandes"],
            paths["creneaux"],
            user().login,
            now(),
            dry_run,
        )
    names = {
        k: request.files[k].filename for k in paths if paths[k] is not None
    }
    return render_template("upload.html", result=result, names=names)


def _saved(file: FileStorage | None, folder: Path, stem: str) -> Path | None:
    if file is None or not file.filename:
        return None
    suffix = Path(secure_filename(file.filename)).suffix.lower()
    if suffix not in _UPLOADS:
        raise CosenError(
            f"« {secure_filename(file.filename)} » : format non pris en "
            "charge (xlsx, ods ou csv)."
        )
    path = folder / f"{stem}{suffix}"
    file.save(path)
    return path


# --------------------------------------------------------------------------
# Attribuer


def form_number(
    form: Mapping[str, str],
    name: str,
    bounds: tuple[float, float],
    default: float,
    integer: bool = False,
) -> float:
    """The number typed in the field ``name`` (``2,5`` or ``2.5``),
    ``default`` when empty.

    Raises
    ------
    CosenError
        Not a number, not a whole one when ``integer``, or outside
        ``bounds``; in French, naming the field.
    """
    text = (form.get(name) or "").strip()
    if not text:
        return default
    try:
        return parse_number(text, *bounds, integer)
    except CellError as error:
        raise CosenError(f"{name} : {error}.") from None


def allocation_settings(form: Mapping[str, str]) -> AllocationSettings:
    """The usual options, from the form, within :data:`LIMITS`."""

    def number(name: str, key: str, default: float) -> float:
        return form_number(form, name, LIMITS[key], default)

    clock = (
        TargetClock.WORKING_DAYS
        if form.get("decompte") == "jours-ouvres"
        else TargetClock.CALENDAR
    )
    return AllocationSettings(
        now=now().replace(second=0),
        notice_hours=number("preavis", "notice_hours", 2.0),
        transport_hours=number("transport", "transport_hours", 24.0),
        max_gap_minutes=int(number("ecart", "max_gap_minutes", 90)),
        target_clock=clock,
        time_limit=number("temps", "time_limit", 30.0),
    )


@blueprint.route("/attribuer", methods=["GET", "POST"])
@roles(*_PLAN)
def allocation() -> Any:
    """Attribuer: run an allocation now; its result beside first come,
    first served; its files."""
    if request.method == "GET":
        return render_template("allocate.html", report=None)
    settings = allocation_settings(request.form)
    state = desk()
    if not state.allocating.acquire(blocking=False):
        return render_template(
            "allocate.html",
            report=None,
            busy=(
                "Une attribution est déjà en cours sur le guichet : attendre "
                "qu'elle se termine, puis consulter son résultat dans Suivi."
            ),
        ), 409
    try:
        folder = state.files / _RUNS_FOLDER
        report = allocate_pending(ledger(), settings, folder)
        deliver(ledger(), folder / f"passage-{report.run_id}", now(),
                report.run_id)  # fmt: skip
    finally:
        state.allocating.release()
    result = report.allocation
    return render_template(
        "allocate.html",
        report=report,
        mine=allocation_indicators(result),
        baseline=baseline_indicators(result),
        files=_run_files(report.run_id),
    )


def _run_files(run_id: int) -> list[str]:
    """The files of a run's set (never the manifest, nor anything else a
    user left in the folder)."""
    folder = _run_folder(run_id)
    return [] if folder is None else sorted(set_files(folder))


def _run_folder(run_id: int) -> Path | None:
    with ledger().read() as db:
        found = db.deliveries().get(run_id)
    if found is None or not found[0]:
        return None
    folder = Path(found[0])
    return folder if folder.is_dir() else None


@blueprint.route("/passages/<int:run_id>/fichiers/<path:name>")
@roles(*_PLAN)
def run_file(run_id: int, name: str) -> Any:
    """One of a run's files."""
    folder = _run_folder(run_id)
    if folder is None or name not in set_files(folder):
        abort(404)
    log_run_file(ledger(), run_id, name, user().login, now())
    return send_from_directory(folder, name, as_attachment=True)


# --------------------------------------------------------------------------
# À appeler


@blueprint.route("/appeler")
@roles(*_DESK)
def calls() -> Any:
    """À appeler: booked patients to call, and appointments that started
    (absent or réalisé)."""
    moment = now()
    printing = bool(request.args.get("impression"))
    found = call_list(
        ledger(), user().login, moment, limit=None if printing else 50
    )
    return render_template(
        "calls.html",
        calls=found,
        moment=moment,
        answers=_answers_for,
        labels=ANSWER_LABELS,
        printing=printing,
    )


@blueprint.route("/appeler/appels.xlsx")
@roles(*_DESK)
def calls_file() -> Any:
    """The call list as ``appels.xlsx`` lays it out: its answer column
    makes the filled file a ``batch answers`` file."""
    folder = Path(tempfile.mkdtemp(prefix="cosen-appels-", dir=_scratch()))
    moment = now()
    path = call_list_file(ledger(), folder / "appels.xlsx", user().login,
                          moment)  # fmt: skip
    return _sent(path, folder, f"appels-{moment:%Y%m%d-%H%M}.xlsx")


def _answers_for(
    state: State, started: bool, centre: bool
) -> list[AnswerKind]:
    """The answers a visit in ``state`` can take now (the transitions
    table decides; the page only hides buttons that would be refused)."""
    return [
        kind
        for kind, transition in TRANSITIONS.items()
        if state in transition.allowed
        and (started or not transition.needs_start)
        and (not centre or kind in _CENTRE_ANSWERS)
    ]


@blueprint.route("/demandes/<referral_id>")
@roles(Role.COORDINATOR, Role.ADMIN, Role.CENTRE)
def card(referral_id: str) -> Any:
    """One referral: its data, state and visit."""
    me = user()
    found = referral_card(ledger(), referral_id, me.login, now(), me.centre)
    if found is None:
        abort(404)
    started = found.visit is not None and found.visit.start <= now()
    return render_template(
        "card.html",
        card=found,
        answers=_answers_for(found.state, started, me.role is Role.CENTRE),
        labels=ANSWER_LABELS,
    )


@blueprint.route("/demandes/<referral_id>/reponse", methods=["POST"])
@roles(Role.COORDINATOR, Role.ADMIN, Role.CENTRE)
def answer(referral_id: str) -> Any:
    """Record a patient's or centre's answer: the transition of
    ``batch answers``, with the user's name."""
    me = user()
    try:
        kind = AnswerKind(request.form.get("reponse", ""))
    except ValueError:
        abort(400)
    if me.role is Role.CENTRE:
        # Another centre's referral does not exist for this user.
        if (
            referral_card(ledger(), referral_id, me.login, now(), me.centre)
            is None
        ):
            abort(404)
        if kind not in _CENTRE_ANSWERS:
            abort(403)
    problem = answer_one(ledger(), referral_id, kind, now(), me.login)
    if problem == "demande inconnue du registre":
        abort(404)
    message = (
        f"{referral_id} : {problem}."
        if problem
        else f"{referral_id} : « {ANSWER_LABELS[kind]} » enregistré."
    )
    back = request.form.get("retour", "")
    if me.role is Role.CENTRE or back == "centre":
        target = url_for(
            "desk.centre", code=me.centre or request.form.get("centre", "")
        )
    elif back == "fiche":
        target = url_for("desk.card", referral_id=referral_id)
    else:
        target = url_for("desk.calls")
    from flask import flash

    flash(message, "erreur" if problem else "ok")
    return redirect(target)


# --------------------------------------------------------------------------
# Centres


@blueprint.route("/centres")
@roles(*_EVERYONE)
def centres() -> Any:
    """The centres the ledger knows (a centre user goes to its own)."""
    me = user()
    if me.role is Role.CENTRE:
        return redirect(url_for("desk.centre", code=me.centre))
    return render_template("centres.html", codes=_known_centres())


@blueprint.route("/centres/<code>")
@roles(*_EVERYONE)
def centre(code: str) -> Any:
    """A centre's current bookings by day (``?impression=1``: the print
    view)."""
    own_centre(code)
    me = user()
    moment = now()
    limit = None if request.args.get("impression") else _SHOWN
    visits, count = centre_visits(ledger(), code, me.login, moment, limit)
    days = [
        (day, list(items))
        for day, items in groupby(visits, key=lambda v: v.start.date())
    ]
    return render_template(
        "centre.html",
        code=code,
        days=days,
        count=count,
        shown=len(visits),
        moment=moment,
        printing=bool(request.args.get("impression")),
        answers=_answers_for,
        labels=ANSWER_LABELS,
        is_centre=me.role is Role.CENTRE,
    )


@blueprint.route("/centres/<code>/liste.xlsx")
@roles(*_EVERYONE)
def centre_file(code: str) -> Any:
    """A centre's current list, the printable workbook."""
    own_centre(code)
    folder = Path(tempfile.mkdtemp(prefix="cosen-centre-", dir=_scratch()))
    path = centre_list_file(ledger(), code, folder, user().login, now())
    if path is None:
        _remove(folder)
        abort(404)
    return _sent(path, folder, f"{code}-{now():%Y%m%d-%H%M}.xlsx")


@blueprint.route("/centres/<code>/calendrier.ics")
@roles(*_EVERYONE)
def centre_calendar(code: str) -> Any:
    """A centre's calendar file (iCalendar): the events of its held
    visits, as a run's full list publishes them, so that importing it
    again updates rather than doubles them."""
    own_centre(code)
    if code not in _known_centres():
        abort(404)
    data = centre_calendar_file(ledger(), code, user().login, now())
    return Response(
        data,
        mimetype="text/calendar",
        headers={
            "Content-Disposition": (
                f'attachment; filename="{secure_filename(code)}.ics"'
            )
        },
    )


def _known_centres() -> list[str]:
    with ledger().read() as db:
        return db.centres()


def _sent(path: Path, folder: Path, name: str) -> Any:
    """A file prepared in a scratch folder, removed once sent."""
    response = send_file(path, as_attachment=True, download_name=name)
    response.call_on_close(lambda: _remove(folder))
    return response


def _scratch() -> Path:
    folder = desk().files / "tmp"
    folder.mkdir(parents=True, exist_ok=True, mode=0o700)
    return folder


def _remove(folder: Path) -> None:
    for path in folder.glob("*"):
        path.unlink(missing_ok=True)
    folder.rmdir()


# --------------------------------------------------------------------------
# Suivi and the access log


@blueprint.route("/suivi")
@roles(*_PLAN)
def follow_up() -> Any:
    """Suivi: who waits and for how long, the day's and the week's
    figures, the runs with their files and deliveries, the outbox's state
    (what failed and why)."""
    moment = now()
    today = moment.date()
    week = today - timedelta(days=today.weekday())
    status = ledger_status(ledger(), today)
    weekly = indicators_since(ledger(), week)
    waiting = [
        {
            **item,
            "waited": french_duration(
                (moment - datetime.fromisoformat(item["received_at"]))
                .total_seconds() / 60
            ),
            "received": datetime.fromisoformat(item["received_at"]),
            "why": Reason(item["reason"]).sentence if item["reason"] else
            "pas encore passée dans une attribution",
        }
        for item in status["waiting"]
    ]  # fmt: skip
    runs = list(reversed(history(ledger())))[:20]
    with ledger().read() as db:
        delivered = db.deliveries()
    outbox = outbox_status(ledger(), moment)
    return render_template(
        "follow_up.html",
        status=status,
        weekly=weekly,
        waiting=waiting,
        runs=runs,
        files={r.id: _run_files(r.id) for r in runs},
        delivered={k: at for k, (_, at) in delivered.items()},
        undelivered=delivery_warnings(ledger()),
        outbox=outbox,
        failed=[
            {**m, "next": datetime.fromisoformat(m["next_attempt_at"])}
            for m in outbox["messages"]
            if m["state"] == OutboxState.FAILED.value or m["reason"]
        ],
        channels={c.value: t for c, t in CHANNEL_TEXT.items()},
        kinds=_KIND_TEXT,
        audiences=_AUDIENCE_TEXT,
        outbox_states=[(s.value, t) for s, t in OUTBOX_TEXT.items()],
        today=today,
        week=week,
    )


@blueprint.route("/journal")
@roles(Role.ADMIN)
def journal() -> Any:
    """The access log (admin only), of one referral with ``?demande=``."""
    referral_id = request.args.get("demande") or None
    entries = access_log(ledger(), referral_id)
    return render_template(
        "journal.html", entries=entries, referral_id=referral_id
    )
