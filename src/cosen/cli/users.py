"""``cosen users``: the desk's accounts."""

from __future__ import annotations

import sys
from datetime import datetime

import click

from cosen.cli.batch import DB_OPTION, WAIT_OPTION
from cosen.cli.core import CONTEXT, Choice, FrenchGroup, option
from cosen.clock import PARIS

_ROLES = {
    "coordinateur": "coordinateur",
    "centre": "centre",
    "planificateur": "planificateur",
    "admin": "admin",
}
_ROLE_TEXT = {
    "coordinateur": "coordinateur",
    "centre": "centre",
    "planificateur": "planificateur",
    "admin": "administrateur",
}


@click.group(cls=FrenchGroup, context_settings=CONTEXT)
def users() -> None:
    """Comptes du guichet web : créer, lister, désactiver."""


@users.command("add", context_settings=CONTEXT)
@click.argument("login", metavar="IDENTIFIANT")
@option("--role", required=True, type=Choice(_ROLES),
        help="Rôle du compte.")  # fmt: skip
@option("--centre", metavar="CODE",
        help="Centre du compte (rôle centre seulement).")  # fmt: skip
@option("--password-stdin", is_flag=True,
        help="Lit le mot de passe sur l'entrée standard.")  # fmt: skip
@DB_OPTION
@WAIT_OPTION
def add(
    login: str,
    role: str,
    centre: str | None,
    password_stdin: bool,
    db: str | None,
    wait: float,
) -> None:
    """Crée un compte ; le mot de passe est demandé deux fois."""
    from cosen.ledger import Database, ledger_target
    from cosen.ledger.accounts import Role
    from cosen.ledger.users import add_user

    if password_stdin:
        password = sys.stdin.readline().rstrip("\r\n")
    else:
        password = click.prompt(
            "Mot de passe",
            hide_input=True,
            confirmation_prompt="Mot de passe (à nouveau)",
        )
    with Database(ledger_target(db), wait) as ledger:
        account = add_user(
            ledger, login, Role(role), centre, password, datetime.now(PARIS)
        )
    where = f", centre {account.centre}" if account.centre else ""
    click.echo(f"Compte « {account.login} » créé ({_ROLE_TEXT[role]}{where}).")


@users.command("list", context_settings=CONTEXT)
@DB_OPTION
@WAIT_OPTION
def list_command(db: str | None, wait: float) -> None:
    """Liste les comptes : identifiant, rôle, centre, état."""
    from cosen.ledger import Database, ledger_target
    from cosen.ledger.users import list_users
    from cosen.parsing import french_datetime

    with Database(ledger_target(db), wait, create=False) as ledger:
        accounts = list_users(ledger)
    if not accounts:
        click.echo("Aucun compte : « cosen users add IDENTIFIANT --role ».")
    for account in accounts:
        centre = f" {account.centre}" if account.centre else ""
        state = "actif" if account.active else "désactivé"
        click.echo(
            f"{account.login} — {_ROLE_TEXT[account.role.value]}{centre} — "
            f"{state} — créé le {french_datetime(account.created_at)}"
        )


@users.command("disable", context_settings=CONTEXT)
@click.argument("login", metavar="IDENTIFIANT")
@DB_OPTION
@WAIT_OPTION
def disable(login: str, db: str | None, wait: float) -> None:
    """Désactive un compte et ferme ses sessions ouvertes."""
    from cosen.ledger import Database, ledger_target
    from cosen.ledger.users import disable_user

    with Database(ledger_target(db), wait, create=False) as ledger:
        disable_user(ledger, login)
    click.echo(f"Compte « {login} » désactivé ; ses sessions sont fermées.")
