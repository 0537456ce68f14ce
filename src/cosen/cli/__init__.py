"""The ``cosen`` command line: a thin layer over the library.

Each command parses its options, calls library functions and prints French
text. A :class:`~cosen.errors.CosenError` becomes one French line on stderr
and exit code 2; so do click's usage errors. Exit codes: 0 done, 1 done but
rows were rejected (``validate``), 2 unusable input or usage, 3 internal
error (a bug: its type is shown, never its message, which could quote
data; set ``COSEN_DEBUG=1`` for the traceback).
"""

from __future__ import annotations

from typing import NoReturn

import click

from cosen.cli.allocate import allocate, demo
from cosen.cli.batch import batch
from cosen.cli.core import CONTEXT, FrenchGroup
from cosen.cli.intake import template, validate
from cosen.cli.notify import notify
from cosen.cli.scenario import scenario
from cosen.cli.serve import serve
from cosen.cli.users import users

__all__ = ["cli", "main"]


def main() -> NoReturn:
    """Entry point of the ``cosen`` script."""
    cli.main()


@click.group(cls=FrenchGroup, context_settings=CONTEXT)
@click.version_option(
    package_name="cosen",
    message="cosen %(version)s",
    help="Affiche la version.",
)
def cli() -> None:
    """cosen : attribution des créneaux d'imagerie du dispositif COSEN.

    Lit les demandes et les créneaux (xlsx, ods, csv), applique les règles
    du dispositif, attribue les créneaux et écrit les listes pour les
    centres, la synthèse et les avis aux prescripteurs.
    """


for command in (
    template,
    validate,
    allocate,
    demo,
    batch,
    scenario,
    notify,
    serve,
    users,
):
    cli.add_command(command)
