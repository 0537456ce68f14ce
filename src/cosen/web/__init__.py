"""The telesecretariat's desk: ``cosen serve``, a web application on the
ledger for coordinators, centres, planners and administrators.

Flask with Flask-Login (accounts) and Flask-WTF (CSRF), sessions kept in
the ledger, served by waitress. Server-rendered French pages, no script,
nothing loaded from outside.
"""

from cosen.web.app import create_app

__all__ = ["create_app"]
