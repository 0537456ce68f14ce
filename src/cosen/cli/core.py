"""Command-line plumbing shared by every ``cosen`` command group.

French help and errors (:class:`FrenchGroup`), exit codes, and the options
and parsing that several commands share. Heavy modules (solver,
spreadsheets) are imported by the commands when they run, so that
``cosen --help`` starts fast.
"""

from __future__ import annotations

import os
import sys
from collections.abc import Callable, Sequence
from datetime import datetime
from pathlib import Path
from typing import TYPE_CHECKING, Any, ClassVar, Final, NoReturn, TypeVar

import click

from cosen.clock import PARIS, TargetClock
from cosen.errors import CosenError, OptionError
from cosen.parsing import CellError, parse_datetime

if TYPE_CHECKING:
    from cosen.allocation import AllocationSettings

# The few words click writes itself into help pages and messages, in
# French. click looks them up through gettext in ``click.core``: give it
# this catalogue (words it does not know stay as they are).
_CLICK_WORDS: Final = {
    "default: {default}": "défaut : {default}",
    "required": "obligatoire",
    "env var: {var}": "variable d'environnement : {var}",
    "Aborted!": "Interrompu.",
    "Missing command.": "Commande manquante.",
}


def _french_gettext(message: str) -> str:
    return _CLICK_WORDS.get(message, message)


click.core._ = _french_gettext  # type: ignore[attr-defined]

EXIT_REJECTED = 1
EXIT_USAGE = 2
EXIT_INTERNAL = 3

CONTEXT = {"help_option_names": ["-h", "--help"], "max_content_width": 88}


class _FrenchFormatter(click.HelpFormatter):
    _HEADINGS: ClassVar = {"Options": "Options", "Commands": "Commandes"}

    def write_usage(
        self, prog: str, args: str = "", prefix: str | None = None
    ) -> None:
        super().write_usage(prog, args, prefix="Utilisation : ")

    def write_heading(self, heading: str) -> None:
        super().write_heading(self._HEADINGS.get(heading, heading))


class _FrenchContext(click.Context):
    formatter_class = _FrenchFormatter


class _FrenchHelp:
    """Mixin: French help-option text."""

    def get_help_option(self, ctx: click.Context) -> click.Option | None:
        option = super().get_help_option(ctx)  # type: ignore[misc]
        if option is not None:
            option.help = "Affiche cette aide."
        return option  # type: ignore[no-any-return]


class FrenchCommand(_FrenchHelp, click.Command):
    """A click command with French help."""

    context_class = _FrenchContext


def command(name: str | None = None) -> Callable[[Any], FrenchCommand]:
    """Decorator of a top-level command, French like the group's own."""
    return click.command(name, cls=FrenchCommand, context_settings=CONTEXT)


class FrenchGroup(_FrenchHelp, click.Group):
    """A click group that reports every failure as one French line.

    Overriding :meth:`main` (rather than wrapping the entry point) means
    click's test runner sees exactly what a user sees.
    """

    context_class = _FrenchContext
    command_class = FrenchCommand

    def main(  # type: ignore[override]
        self, args: Sequence[str] | None = None, **extra: Any
    ) -> NoReturn:
        extra.pop("standalone_mode", None)
        extra.setdefault("prog_name", "cosen")
        try:
            code = super().main(args=args, standalone_mode=False, **extra)
        except click.exceptions.NoArgsIsHelpError as shown:
            # "cosen" alone: the help, as with --help.
            click.echo(shown.ctx.get_help() if shown.ctx else "")
            sys.exit(0)
        except CosenError as error:
            fail(str(error), error.exit_code)
        except click.exceptions.Abort:
            fail("Interrompu.", EXIT_USAGE)
        except click.exceptions.ClickException as error:
            fail(_french_usage(error), EXIT_USAGE)
        except Exception as error:
            if os.environ.get("COSEN_DEBUG"):
                raise
            fail(
                "Erreur interne de cosen (à signaler à l'équipe, avec la "
                f"commande lancée) : {type(error).__name__}.",
                EXIT_INTERNAL,
            )
        sys.exit(code if isinstance(code, int) else 0)

    def resolve_command(
        self, ctx: click.Context, args: list[str]
    ) -> tuple[str | None, click.Command | None, list[str]]:
        name = click.utils.make_str(args[0])
        if self.get_command(ctx, name) is None and not name.startswith("-"):
            raise click.UsageError(f"commande inconnue : « {name} »", ctx)
        return super().resolve_command(ctx, args)


def fail(message: str, code: int) -> NoReturn:
    click.echo(f"Erreur : {message}", err=True)
    sys.exit(code)


def _french_usage(error: click.exceptions.ClickException) -> str:
    """One French line for click's usage errors."""
    hint = "Voir « cosen --help »."
    if isinstance(error, click.exceptions.UsageError) and error.ctx:
        hint = f"Voir « {error.ctx.command_path} --help »."
    if isinstance(error, click.exceptions.NoSuchOption):
        return f"option inconnue : {error.option_name}. {hint}"
    if isinstance(error, click.exceptions.MissingParameter):
        param = error.param
        what = ""
        if isinstance(param, click.Option):
            what = param.opts[0]
        elif param is not None:
            what = param.human_readable_name
        return f"paramètre obligatoire manquant : {what}. {hint}"
    if isinstance(error, click.exceptions.BadParameter):
        what = error.param.opts[0] if error.param else "paramètre"
        return f"valeur invalide pour {what}. {hint}"
    if isinstance(error, click.exceptions.UsageError):
        return f"commande incorrecte ({error.format_message()}). {hint}"
    return error.format_message()


def parse_option(
    parse: Callable[[str], Parsed], text: str, option: str
) -> Parsed:
    """An option's value read by a cell parser; its error names the option."""
    try:
        return parse(text)
    except CellError as error:
        raise OptionError(f"option {option} : {error}.") from None


def parse_now(text: str | None) -> datetime:
    """The allocation time: ``--now`` (Paris time) or the current minute."""
    if text is None:
        return datetime.now(PARIS).replace(second=0, microsecond=0)
    return parse_option(parse_datetime, text, "--now")


Parsed = TypeVar("Parsed")

_CLOCKS = {"calendrier": "calendar", "jours-ouvres": "working-days"}


def allocation_inputs(function: Any) -> Any:
    """Arguments and options of a command that allocates from two files:
    DEMANDES CRENEAUX --out DOSSIER [--json]."""
    decorators = [
        click.argument(
            "referrals", metavar="DEMANDES", type=click.Path(path_type=Path)
        ),
        click.argument(
            "slots", metavar="CRENEAUX", type=click.Path(path_type=Path)
        ),
        click.option(
            "--out",
            required=True,
            metavar="DOSSIER",
            type=click.Path(path_type=Path, file_okay=False),
            help="Dossier des fichiers produits.",
        ),
        click.option(
            "--json",
            "as_json",
            is_flag=True,
            help="Affiche le résultat en JSON.",
        ),
    ]
    for decorator in reversed(decorators):
        function = decorator(function)
    return allocation_options(function)


def allocation_options(function: Any) -> Any:
    """Options shared by ``allocate`` and ``demo``."""
    options = [
        click.option("--now", metavar="DATE_HEURE",
                     help="Heure d'attribution (JJ/MM/AAAA HH:MM, heure de "
                     "Paris). Par défaut : maintenant."),
        click.option("--time-limit", type=click.FloatRange(min=0.1),
                     default=30.0, show_default=True, metavar="SECONDES",
                     help="Temps de calcul maximal."),
        click.option("--target", "clock",
                     type=click.Choice([*_CLOCKS, *_CLOCKS.values()]),
                     default="calendar", show_default=True,
                     help="Décompte du délai : heures réelles (calendar) "
                     "ou jours ouvrés d'Alsace-Moselle (working-days)."),
        click.option("--notice-hours", type=click.FloatRange(min=0),
                     default=2.0, show_default=True, metavar="HEURES",
                     help="Préavis minimal avant le rendez-vous."),
        click.option("--transport-hours", type=click.FloatRange(min=0),
                     default=24.0, show_default=True, metavar="HEURES",
                     help="Délai d'organisation du transport médicalisé."),
        click.option("--max-gap", type=click.IntRange(min=0), default=90,
                     show_default=True, metavar="MINUTES",
                     help="Attente maximale entre deux créneaux d'un même "
                     "déplacement."),
        click.option("--seed", type=int, default=0, show_default=True,
                     help="Graine du solveur (résultats reproductibles)."),
    ]  # fmt: skip
    for option in reversed(options):
        function = option(function)
    return function


def settings_from_options(
    now: str | None,
    time_limit: float,
    clock: str,
    notice_hours: float,
    transport_hours: float,
    max_gap: int,
    seed: int,
) -> AllocationSettings:
    from cosen.allocation import AllocationSettings

    return AllocationSettings(
        now=parse_now(now),
        notice_hours=notice_hours,
        transport_hours=transport_hours,
        max_gap_minutes=max_gap,
        target_clock=TargetClock(_CLOCKS.get(clock, clock)),
        time_limit=time_limit,
        seed=seed,
    )


def echo_lines(lines: Sequence[str]) -> None:
    for line in lines:
        click.echo(line)
