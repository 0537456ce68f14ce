"""The desk's Flask application: security set-up, errors, blueprints.

- sessions: server-side, in the ledger (:mod:`cosen.web.sessions`);
- accounts: Flask-Login over the ledger's accounts; roles checked by
  :func:`cosen.web.auth.roles`;
- CSRF: Flask-WTF's :class:`CSRFProtect` on every POST (the JSON API's
  POST authenticated by an ``Authorization`` header is exempt: no browser
  sends that header by itself);
- headers: a Content-Security-Policy allowing only the desk's own style
  sheet (no script at all), no framing, no caching of pages (they hold
  patients' data), no referrer;
- errors: French pages that name no data; the log gets an exception's
  type only, never its message (which could quote a cell).
"""

from __future__ import annotations

import secrets
from pathlib import Path
from typing import Any

from flask import Flask, Response, render_template, request
from flask_login import LoginManager
from flask_wtf.csrf import CSRFError, CSRFProtect
from werkzeug.exceptions import HTTPException

from cosen.errors import CosenError
from cosen.ledger import Database, LedgerBusyError, LedgerError
from cosen.ledger.users import authenticate
from cosen.web.context import Desk, account, drop_ledger, ledger, now
from cosen.web.sessions import LedgerSessionInterface

__all__ = ["MAX_UPLOAD", "create_app"]

MAX_UPLOAD = 20 * 1024 * 1024
_CSP = (
    "default-src 'none'; style-src 'self'; img-src 'self'; "
    "form-action 'self'; frame-ancestors 'none'; base-uri 'none'"
)
csrf = CSRFProtect()


def create_app(target: str | Path, files: Path, wait: float = 10.0) -> Flask:
    """The desk on ledger ``target``; runs' files go under ``files``.

    The ledger is opened once here (created if missing, migrated, its
    integrity checked); requests then use per-thread connections.

    Raises
    ------
    LedgerError
        When the ledger cannot be used.
    """
    Database(target, wait).close()
    app = Flask(__name__)
    app.extensions["cosen"] = Desk(target, files.resolve(), wait)
    app.config.update(
        SECRET_KEY=secrets.token_bytes(32),
        SESSION_COOKIE_NAME="cosen_session",
        SESSION_COOKIE_HTTPONLY=True,
        SESSION_COOKIE_SAMESITE="Lax",
        MAX_CONTENT_LENGTH=MAX_UPLOAD,
        # The token lives as long as its server-side session.
        WTF_CSRF_TIME_LIMIT=None,
        # Checked in before_request, so that scripts' Basic requests to
        # the API can be told apart from a browser's.
        WTF_CSRF_CHECK_DEFAULT=False,
        TEMPLATES_AUTO_RELOAD=False,
    )
    app.session_interface = LedgerSessionInterface()
    csrf.init_app(app)

    from cosen.web.auth import User
    from cosen.web.auth import blueprint as auth_blueprint

    manager = LoginManager(app)
    manager.login_view = "auth.login"
    manager.login_message = "Se connecter pour continuer."
    manager.session_protection = None  # tokens rotate at login instead

    @manager.user_loader  # type: ignore[untyped-decorator]
    def load_user(login: str) -> User | None:
        found = account()
        return User(found) if found and found.login == login else None

    @manager.request_loader  # type: ignore[untyped-decorator]
    def load_script(_: Any) -> User | None:
        credentials = request.authorization
        if not request.path.startswith("/api/") or credentials is None:
            return None
        result = authenticate(
            ledger(),
            credentials.username or "",
            credentials.password or "",
            now(),
        )
        return User(result.account) if result.account else None

    @app.before_request
    def check_csrf() -> None:
        scripted = request.path.startswith("/api/") and (
            request.authorization is not None
        )
        if not scripted:
            csrf.protect()

    from cosen.web.api import blueprint as api_blueprint
    from cosen.web.planner import blueprint as planner_blueprint
    from cosen.web.views import blueprint as views_blueprint

    app.register_blueprint(auth_blueprint)
    app.register_blueprint(views_blueprint)
    app.register_blueprint(api_blueprint)
    app.register_blueprint(planner_blueprint)
    _install_errors(app)

    @app.after_request
    def secure_headers(response: Response) -> Response:
        headers = response.headers
        headers["Content-Security-Policy"] = _CSP
        headers["X-Frame-Options"] = "DENY"
        headers["X-Content-Type-Options"] = "nosniff"
        headers["Referrer-Policy"] = "no-referrer"
        headers["Cross-Origin-Opener-Policy"] = "same-origin"
        headers["Permissions-Policy"] = "camera=(), microphone=()"
        if request.is_secure:
            headers["Strict-Transport-Security"] = "max-age=31536000"
        if request.endpoint != "static":
            headers["Cache-Control"] = "no-store"
        return response

    return app


def _install_errors(app: Flask) -> None:
    def page(status: int, title: str, text: str) -> tuple[str, int]:
        return (
            render_template("error.html", title=title, text=text),
            status,
        )

    @app.errorhandler(CSRFError)
    def csrf_refused(_: CSRFError) -> Any:
        return page(
            400,
            "Formulaire refusé",
            "Ce formulaire a expiré ou ne vient pas du guichet : recharger "
            "la page et recommencer.",
        )

    @app.errorhandler(LedgerBusyError)
    def busy(_: LedgerBusyError) -> Any:
        return page(
            503,
            "Registre occupé",
            "Le registre est occupé par un autre traitement (une "
            "attribution ?) : réessayer dans un instant.",
        )

    @app.errorhandler(LedgerError)
    def unusable(error: LedgerError) -> Any:
        drop_ledger()
        return page(503, "Registre indisponible", str(error))

    @app.errorhandler(CosenError)
    def refused(error: CosenError) -> Any:
        return page(400, "Demande impossible", str(error))

    @app.errorhandler(HTTPException)
    def http(error: HTTPException) -> Any:
        texts = {
            403: ("Accès refusé", "Votre rôle ne donne pas accès à cette "
                  "page."),
            404: ("Page introuvable", "Cette page n'existe pas, ou n'est "
                  "pas accessible avec ce compte."),
            405: ("Action impossible", "Cette page ne s'utilise pas ainsi."),
            413: ("Fichier trop gros", "Le fichier dépasse 20 Mo."),
        }  # fmt: skip
        status = error.code or 500
        title, text = texts.get(status, ("Erreur", "Requête refusée."))
        return page(status, title, text)

    # The message or the traceback could quote a patient's data: the
    # type and the route are enough to find the bug.
    @app.errorhandler(Exception)
    def internal(error: Exception) -> Any:
        app.logger.error(
            "erreur interne %s sur %s %s",
            type(error).__name__,
            request.method,
            request.url_rule,
        )
        return page(
            500,
            "Erreur interne",
            "Erreur interne du guichet (à signaler à l'équipe, avec la page "
            "et l'heure).",
        )
