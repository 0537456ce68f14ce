"""JSON for scripts, with the contract's objects.

Authenticated by the desk's session or, for scripts, by HTTP Basic with a
desk account (the same login rules, failures counted): ``curl -u
login:password``. Personal data never appear: ids, times, centres, counts.

- ``GET /api/etat``: ``batch status --json``;
- ``GET /api/passages``: ``batch history --json``;
- ``GET /api/passages/N``: run N as ``cosen allocate --json`` prints it;
- ``GET /api/centres/CODE``: a centre's held visits (ids, slots, starts);
- ``POST /api/attribuer``: an allocation now, as ``batch run --json``.
"""

from __future__ import annotations

from typing import Any

from flask import Blueprint, abort, request

from cosen.allocation.summary import allocation_json
from cosen.errors import CosenError
from cosen.ledger.accounts import Role
from cosen.ledger.exports import deliver, stored_run
from cosen.ledger.reports import history, ledger_status
from cosen.ledger.runs import allocate_pending
from cosen.web.auth import own_centre, roles, user
from cosen.web.context import desk, ledger, now
from cosen.web.views import allocation_settings

__all__ = ["blueprint"]

blueprint = Blueprint("api", __name__, url_prefix="/api")
_PLAN = (Role.COORDINATOR, Role.PLANNER, Role.ADMIN)


@blueprint.errorhandler(CosenError)
def _refused(error: CosenError) -> Any:
    return {"error": str(error)}, 400


@blueprint.route("/etat")
@roles(*_PLAN, api=True)
def status() -> Any:
    """The ledger's status (no personal data)."""
    return ledger_status(ledger())


@blueprint.route("/passages")
@roles(*_PLAN, api=True)
def runs() -> Any:
    """Every run, oldest first."""
    return [r.as_dict() for r in history(ledger())]


@blueprint.route("/passages/<int:run_id>")
@roles(*_PLAN, api=True)
def run(run_id: int) -> Any:
    """One run in the contract's JSON."""
    try:
        stored = stored_run(ledger(), run_id)
    except CosenError:
        abort(404)
    payload = allocation_json(stored, stored.rejections, stored.received)
    payload["run"] = run_id
    return payload


@blueprint.route("/centres/<code>")
@roles(*tuple(Role), api=True)
def centre(code: str) -> Any:
    """A centre's held visits: ids, slots, starts (no names)."""
    own_centre(code)
    from cosen.ledger.desk import centre_visits

    visits, _ = centre_visits(ledger(), code, user().login, now())
    return {
        "center": code,
        "booked": [
            {
                "referral_id": v.referral.referral_id,
                "slot_id": slot.slot_id,
                "center": slot.center,
                "start": slot.start.isoformat(),
                "late_minutes": v.late_minutes,
                "state": v.state.value,
            }
            for v in visits
            for slot in v.slots
        ],
    }


@blueprint.route("/attribuer", methods=["POST"])
@roles(*_PLAN, api=True)
def allocate() -> Any:
    """An allocation now; the contract's JSON with the run's number."""
    settings = allocation_settings(request.form)
    state = desk()
    if not state.allocating.acquire(blocking=False):
        return {"error": "une attribution est déjà en cours"}, 409
    try:
        folder = state.files / "passages"
        report = allocate_pending(ledger(), settings, folder)
        deliver(ledger(), folder / f"passage-{report.run_id}", now(),
                report.run_id)  # fmt: skip
    finally:
        state.allocating.release()
    payload = allocation_json(report.allocation, report.imported.rejections, 0)
    payload["run"] = report.run_id
    return payload
