"""Command-line plumbing shared by every ``cosen`` command group.

French help and errors (:class:`FrenchGroup`), exit codes, and the options
and parsing that several commands share. Heavy modules (solver,
spreadsheets) are imported by the commands when they run, so that
``cosen --help`` starts fast.
"""

from __future__ import annotations

import os
import sys
from collections.abc import Callable, Mapping, Sequence
from datetime import datetime
from decimal import Decimal
from pathlib import Path
from typing import TYPE_CHECKING, Any, ClassVar, Final, NoReturn, TypeVar

import click

from cosen.clock import PARIS, TargetClock
from cosen.errors import CosenError, OptionError
from cosen.limits import LIMITS
from cosen.parsing import (
    CellError,
    french_number,
    parse_datetime,
    parse_number,
    printable,
    range_text,
)

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
    # French typography: a space before the colon click adds.
    _HEADINGS: ClassVar = {"Options": "Options ", "Commands": "Commandes "}

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

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        kwargs.setdefault("subcommand_metavar", "COMMANDE [ARGUMENTS]...")
        super().__init__(*args, **kwargs)

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


class FrenchBadParameter(click.BadParameter):
    """A bad option value, explained in French by cosen's own types."""


class Number(click.ParamType[float, Any]):
    """A number between two bounds, typed as
    :func:`~cosen.parsing.parse_number` reads it (``2,5`` or ``2.5``).

    Click's own number types accept ``nan``, ``inf`` and ``1e3``, read
    whole numbers past 2**53 as floats, and explain their ranges in
    English (``x>=0``); this one refuses the first, reads whole numbers
    exactly and says the range in French, in the help and in the error.
    """

    name = "nombre"

    def __init__(
        self,
        low: float,
        high: float,
        metavar: str = "NOMBRE",
        integer: bool = False,
    ) -> None:
        self.low, self.high = low, high
        self.metavar = metavar
        self.integer = integer

    def get_metavar(
        self, param: click.Parameter, ctx: click.Context
    ) -> str | None:
        return self.metavar

    def describe(self) -> str:
        """The accepted range, in French (for the help)."""
        return range_text(self.low, self.high)

    def convert(
        self,
        value: Any,
        param: click.Parameter | None,
        ctx: click.Context | None,
    ) -> Any:
        if isinstance(value, (int, float)) and not isinstance(value, bool):
            value = format(Decimal(value), "f")  # a default, read as text
        try:
            return parse_number(str(value), self.low, self.high, self.integer)
        except CellError as error:
            raise FrenchBadParameter(str(error), ctx, param) from None


class Choice(click.ParamType[str, Any]):
    """One of a few words, shown in French; English aliases accepted.

    Parameters
    ----------
    words
        French word shown to users -> value the library takes.
    aliases
        Other accepted words (English names) -> value.
    """

    name = "choix"

    def __init__(
        self, words: Mapping[str, str], aliases: Mapping[str, str] = {}
    ) -> None:
        self.words = dict(words)
        self.accepted = {**self.words, **aliases}

    def get_metavar(
        self, param: click.Parameter, ctx: click.Context
    ) -> str | None:
        return "[" + "|".join(self.words) + "]"

    def word(self, value: str) -> str:
        """The French word of a value (for the help's default)."""
        return next((w for w, v in self.words.items() if v == value), value)

    def convert(
        self,
        value: Any,
        param: click.Parameter | None,
        ctx: click.Context | None,
    ) -> Any:
        if value in self.accepted.values():
            return value
        found = self.accepted.get(str(value).strip().lower())
        if found is None:
            raise FrenchBadParameter(
                "valeur attendue : " + ", ".join(self.words), ctx, param
            )
        return found


class FrenchOption(click.Option):
    """An option whose help says its default and range in French."""

    def get_help_record(self, ctx: click.Context) -> tuple[str, str] | None:
        if self.hidden:
            return None
        extra = self.get_help_extra(ctx)
        items = []
        if "default" in extra:
            items.append(f"défaut : {self._default_text()}")
        if isinstance(self.type, Number):
            items.append(self.type.describe())
        if "required" in extra:
            items.append("obligatoire")
        text = self.help or ""
        if items:
            text = f"{text}  [{' ; '.join(items)}]".strip()
        return self.get_help_spec(ctx), text

    def _default_text(self) -> str:
        value = self.default
        if isinstance(value, bool):
            return "oui" if value else "non"
        if isinstance(value, (int, float)):
            return french_number(value, None)
        if isinstance(self.type, Choice):
            return self.type.word(str(value))
        return str(value)


def option(*declarations: str, **attributes: Any) -> Callable[[Any], Any]:
    """``click.option`` with French help (:class:`FrenchOption`)."""
    return click.option(*declarations, cls=FrenchOption, **attributes)


def fail(message: str, code: int) -> NoReturn:
    """Print one French error line (made printable) and exit."""
    click.echo(f"Erreur : {printable(message)}", err=True)
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
        what = "paramètre"
        if isinstance(error.param, click.Option):
            what = error.param.opts[0]
        elif error.param is not None:
            what = error.param.human_readable_name
        why = (
            f" ({error.message})"
            if isinstance(error, FrenchBadParameter)
            else ""
        )
        return f"valeur invalide pour {what}{why}. {hint}"
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

_CLOCKS: Final = {"calendrier": "calendar", "jours-ouvres": "working-days"}
_CLOCK_ALIASES: Final = {value: value for value in _CLOCKS.values()}


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
        option(
            "--out",
            required=True,
            metavar="DOSSIER",
            type=click.Path(path_type=Path, file_okay=False),
            help="Dossier des fichiers produits.",
        ),
        option(
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
        option("--now", metavar="DATE_HEURE",
               help="Heure d'attribution (JJ/MM/AAAA HH:MM, heure de "
               "Paris). Par défaut : maintenant."),
        option("--time-limit", type=Number(*LIMITS["time_limit"], "SECONDES"),
               default=30.0, show_default=True,
               help="Temps de calcul maximal."),
        option("--target", "clock", type=Choice(_CLOCKS, _CLOCK_ALIASES),
               default="calendar", show_default=True,
               help="Décompte du délai : heures réelles (calendrier) ou "
               "jours ouvrés d'Alsace-Moselle (jours-ouvres)."),
        option("--notice-hours",
               type=Number(*LIMITS["notice_hours"], "HEURES"),
               default=2.0, show_default=True,
               help="Préavis minimal avant le rendez-vous."),
        option("--transport-hours",
               type=Number(*LIMITS["transport_hours"], "HEURES"),
               default=24.0, show_default=True,
               help="Délai d'organisation du transport médicalisé."),
        option("--max-gap",
               type=Number(*LIMITS["max_gap_minutes"], "MINUTES",
                           integer=True),
               default=90, show_default=True,
               help="Attente maximale entre deux créneaux d'un même "
               "déplacement."),
        option("--seed",
               type=Number(*LIMITS["seed"], "ENTIER", integer=True),
               default=0, show_default=True,
               help="Graine du solveur (résultats reproductibles)."),
    ]  # fmt: skip
    for decorator in reversed(options):
        function = decorator(function)
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
        target_clock=TargetClock(clock),
        time_limit=time_limit,
        seed=seed,
    )


def echo_lines(lines: Sequence[str]) -> None:
    """Print lines that may quote a user's file (ids, headers, sheet
    names), each made :func:`~cosen.parsing.printable`."""
    for line in lines:
        click.echo(printable(line))
