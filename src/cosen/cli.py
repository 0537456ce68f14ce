"""The ``cosen`` command line: a thin layer over the library.

Each command parses its options, calls library functions and prints French
text. A :class:`~cosen.errors.CosenError` becomes one French line on stderr
and exit code 2; so do click's usage errors. Exit codes: 0 done, 1 done but
rows were rejected (``validate``), 2 unusable input or usage, 3 internal
error (a bug: its type is shown, never its message, which could quote
data; set ``COSEN_DEBUG=1`` for the traceback).
"""

from __future__ import annotations

import os
import sys
from collections.abc import Sequence
from datetime import datetime
from pathlib import Path
from typing import Any, ClassVar, NoReturn

import click

from cosen.clock import PARIS
from cosen.errors import CosenError, OptionError
from cosen.parsing import CellError, parse_datetime

EXIT_REJECTED = 1
EXIT_USAGE = 2
EXIT_INTERNAL = 3

_CONTEXT = {"help_option_names": ["-h", "--help"], "max_content_width": 88}


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


class _FrenchCommand(_FrenchHelp, click.Command):
    context_class = _FrenchContext


class FrenchGroup(_FrenchHelp, click.Group):
    """A click group that reports every failure as one French line.

    Overriding :meth:`main` (rather than wrapping the entry point) means
    click's test runner sees exactly what a user sees.
    """

    context_class = _FrenchContext
    command_class = _FrenchCommand

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
            _fail(str(error), error.exit_code)
        except click.exceptions.Abort:
            _fail("Interrompu.", EXIT_USAGE)
        except click.exceptions.ClickException as error:
            _fail(_french_usage(error), EXIT_USAGE)
        except Exception as error:
            if os.environ.get("COSEN_DEBUG"):
                raise
            _fail(
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


def main() -> NoReturn:
    """Entry point of the ``cosen`` script."""
    cli.main()


def _fail(message: str, code: int) -> NoReturn:
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
        what = error.param.human_readable_name if error.param else ""
        return f"paramètre obligatoire manquant : {what}. {hint}"
    if isinstance(error, click.exceptions.BadParameter):
        what = error.param.opts[0] if error.param else "paramètre"
        return f"valeur invalide pour {what}. {hint}"
    if isinstance(error, click.exceptions.UsageError):
        return f"commande incorrecte ({error.format_message()}). {hint}"
    return error.format_message()


def parse_now(text: str | None) -> datetime:
    """The allocation time: ``--now`` (Paris time) or the current minute."""
    if text is None:
        return datetime.now(PARIS).replace(second=0, microsecond=0)
    try:
        return parse_datetime(text)
    except CellError as error:
        raise OptionError(f"option --now : {error}.") from None


@click.group(cls=FrenchGroup, context_settings=_CONTEXT)
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


@cli.command(context_settings=_CONTEXT)
@click.argument("folder", metavar="DOSSIER", type=click.Path(path_type=Path))
def template(folder: Path) -> None:
    """Écrit les modèles vierges demandes.xlsx et creneaux.xlsx."""
    from cosen.io.templates import write_templates

    for path in write_templates(folder):
        click.echo(f"Modèle écrit : {path}")


@cli.command(context_settings=_CONTEXT)
@click.argument(
    "referrals", metavar="DEMANDES", type=click.Path(path_type=Path)
)
@click.option(
    "--slots",
    metavar="CRENEAUX",
    type=click.Path(path_type=Path),
    help="Fichier des créneaux à vérifier aussi.",
)
@click.option(
    "--out",
    "report",
    metavar="RAPPORT.xlsx",
    type=click.Path(path_type=Path),
    help="Écrit le rapport détaillé (une ligne par demande rejetée).",
)
def validate(referrals: Path, slots: Path | None, report: Path | None) -> int:
    """Vérifie les demandes (et les créneaux) sans rien attribuer.

    Code de sortie 0 si tout est recevable, 1 si des lignes sont rejetées.
    """
    from cosen.domain import preference_notices
    from cosen.io.readers import read_referrals, read_slots
    from cosen.io.report import intake_lines, write_validation_report

    referral_intake = read_referrals(referrals)
    slot_intake = read_slots(slots) if slots else None
    if slot_intake is not None:
        referral_intake.notices.extend(
            preference_notices(referral_intake, slot_intake.accepted)
        )
    _echo_lines(intake_lines(referrals.name, referral_intake))
    if slot_intake is not None and slots is not None:
        _echo_lines(intake_lines(slots.name, slot_intake))
    if report is not None:
        write_validation_report(report, referral_intake, slot_intake)
        click.echo(f"Rapport écrit : {report}")
    rejected = referral_intake.rejections or (
        slot_intake is not None and slot_intake.rejections
    )
    return EXIT_REJECTED if rejected else 0


@cli.command(context_settings=_CONTEXT)
@click.argument(
    "folder",
    metavar="[DOSSIER]",
    required=False,
    default="demo-cosen",
    type=click.Path(path_type=Path),
)
@click.option("--now", metavar="DATE_HEURE", help="Heure d'attribution.")
@click.option("--seed", default=1, show_default=True, help="Graine.")
def demo(folder: Path, now: str | None, seed: int) -> None:
    """Génère des données réalistes et les traite de bout en bout."""
    from cosen.io.readers import read_referrals
    from cosen.io.report import intake_lines
    from cosen.io.templates import write_referral_sheet, write_slot_sheet
    from cosen.samples import SampleSpec, sample_referrals, sample_slots

    spec = SampleSpec(now=parse_now(now), seed=seed)
    referrals = folder / "demandes.xlsx"
    slots = folder / "creneaux.xlsx"
    write_referral_sheet(referrals, sample_referrals(spec))
    write_slot_sheet(slots, sample_slots(spec))
    click.echo(f"Données d'exemple écrites dans {folder}/")
    _echo_lines(intake_lines(referrals.name, read_referrals(referrals)))


def _echo_lines(lines: Sequence[str]) -> None:
    for line in lines:
        click.echo(line)
