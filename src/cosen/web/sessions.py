"""Server-side sessions kept in the ledger (Flask's session interface).

The cookie holds a random token only; the ledger keeps its digest, the
account and the session's data (Flask-Login's user id, Flask-WTF's CSRF
secret, flashed messages). A session idle for 30 minutes, ended at logout
or whose account is disabled is gone on the next request. Logging in
issues a new token (no session fixation). The cookie is HttpOnly,
SameSite=Lax, and Secure whenever the request came over TLS.
"""

from __future__ import annotations

import json
from typing import Any

from flask import Flask, Request, Response, g
from flask.sessions import SessionInterface, SessionMixin
from werkzeug.datastructures import CallbackDict

from cosen.ledger.accounts import StoredSession
from cosen.ledger.users import (
    end_session,
    load_session,
    new_session,
    save_session,
)
from cosen.web.context import ledger, now

__all__ = ["LedgerSession", "LedgerSessionInterface"]

_USER_KEY = "_user_id"


class LedgerSession(CallbackDict[str, Any], SessionMixin):
    """A session's data, with its token and stored row."""

    def __init__(
        self,
        initial: dict[str, Any],
        token: str | None,
        stored: StoredSession | None,
    ) -> None:
        def changed(_: Any) -> None:
            self.modified = True

        super().__init__(initial, changed)
        self.token = token
        self.stored = stored
        self.modified = False
        self.ended = False

    def end(self) -> None:
        """Logout: the session is deleted, its cookie too."""
        self.clear()
        self.ended = True


class LedgerSessionInterface(SessionInterface):
    """Flask sessions stored in the ledger's ``web_sessions`` table."""

    def open_session(self, app: Flask, request: Request) -> LedgerSession:
        token = request.cookies.get(self.get_cookie_name(app))
        if token:
            found = load_session(ledger(), token[:100], now())
            if found is not None:
                stored, account = found
                g.account = account
                try:
                    data = json.loads(stored.data)
                except ValueError:
                    data = {}
                return LedgerSession(data, token, stored)
        return LedgerSession({}, None, None)

    def save_session(
        self, app: Flask, session: SessionMixin, response: Response
    ) -> None:
        assert isinstance(session, LedgerSession)
        name = self.get_cookie_name(app)
        domain = self.get_cookie_domain(app)
        path = self.get_cookie_path(app)
        at = now()
        if session.ended:
            if session.token:
                end_session(ledger(), session.token)
            response.delete_cookie(name, path=path, domain=domain)
            return
        if session.token is None and not session:
            return
        data = json.dumps(dict(session))
        login = session.get(_USER_KEY)
        stored = session.stored
        if stored is None or session.token is None or login != stored.login:
            if session.token is not None:
                end_session(ledger(), session.token)
            token = new_session(ledger(), login, data, at)
            response.set_cookie(
                name,
                token,
                httponly=True,
                secure=self.get_cookie_secure(app),
                samesite="Lax",
                path=path,
                domain=domain,
            )
            return
        save_session(
            ledger(),
            session.token,
            stored,
            data if session.modified else None,
            at,
        )

    def get_cookie_secure(self, app: Flask) -> bool:
        from flask import request

        return bool(request.is_secure)
