"""Logging in and out, and who may open which page.

:func:`roles` guards a view: anonymous users go to the login page (the
JSON API answers 401), a signed-in user whose role is not listed gets 403.
Which centre a centre user sees is checked by :func:`own_centre`: any
other centre's page answers 404, as if it did not exist.
"""

from __future__ import annotations

from collections.abc import Callable
from functools import wraps
from typing import Any, TypeVar, cast
from urllib.parse import urlsplit

from flask import (
    Blueprint,
    abort,
    redirect,
    render_template,
    request,
    session,
    url_for,
)
from flask_login import UserMixin, current_user, login_user
from werkzeug.wrappers import Response

from cosen.ledger.accounts import Account, Role
from cosen.ledger.users import authenticate
from cosen.web.context import ledger, now

__all__ = ["User", "blueprint", "home_for", "own_centre", "roles", "user"]

blueprint = Blueprint("auth", __name__)

View = TypeVar("View", bound=Callable[..., Any])


class User(UserMixin):  # type: ignore[misc]
    """Flask-Login's view of an account."""

    def __init__(self, account: Account) -> None:
        self.account = account

    def get_id(self) -> str:
        return self.account.login


def user() -> Account:
    """The signed-in account (inside a view guarded by :func:`roles`)."""
    return cast(User, current_user).account


def roles(*allowed: Role, api: bool = False) -> Callable[[View], View]:
    """Only signed-in users with one of ``allowed`` roles."""

    def decorate(view: View) -> View:
        @wraps(view)
        def guarded(*args: Any, **kwargs: Any) -> Any:
            if not current_user.is_authenticated:
                if api:
                    return {"error": "authentification requise"}, 401
                return redirect(url_for("auth.login", suivant=request.path))
            if user().role not in allowed:
                abort(403)
            return view(*args, **kwargs)

        return cast(View, guarded)

    return decorate


def own_centre(code: str) -> None:
    """404 unless the signed-in user may see centre ``code``."""
    account = user()
    if account.role is Role.CENTRE and account.centre != code:
        abort(404)


def home_for(account: Account) -> str:
    """Where a user lands after logging in."""
    if account.role is Role.CENTRE:
        return url_for("desk.centre", code=account.centre)
    if account.role is Role.COORDINATOR:
        return url_for("desk.entry")
    return url_for("desk.follow_up")


def _local(target: str | None) -> str | None:
    """A redirection target only if it stays on the desk."""
    if not target:
        return None
    parts = urlsplit(target)
    if parts.scheme or parts.netloc or not target.startswith("/"):
        return None
    if target.startswith("//") or "\\" in target:
        return None
    return target


@blueprint.route("/connexion", methods=["GET", "POST"])
def login() -> Any:
    """The login page."""
    if current_user.is_authenticated:
        return redirect(home_for(user()))
    refusal = ""
    if request.method == "POST":
        result = authenticate(
            ledger(),
            request.form.get("identifiant", ""),
            request.form.get("mot_de_passe", ""),
            now(),
        )
        if result.account is not None:
            session.clear()  # a new session token is issued on save
            login_user(User(result.account))
            target = _local(request.args.get("suivant"))
            return redirect(target or home_for(result.account))
        refusal = result.refusal
    return render_template("login.html", refusal=refusal), (
        401 if refusal else 200
    )


@blueprint.route("/deconnexion", methods=["POST"])
def logout() -> Response:
    """End the session (the ledger deletes it)."""
    end = getattr(session, "end", None)
    if end is not None:
        end()
    return redirect(url_for("auth.login"))
