"""The ``cosen`` command line: a thin layer over the library.

Each command parses its options, calls library functions and prints French
text. A :class:`~cosen.errors.CosenError` becomes one French line on stderr
and exit code 2; so do click's usage errors. Exit codes: 0 done, 1 done but
rows were rejected (``validate``), 2 unusable input or usage, 3 internal
error (a bug: its type is shown, never its message, which could quote
data; set ``COSEN_DEBUG=1`` for the traceback).
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import TYPE_CHECKING, Any, NoReturn

import click

from cosen.clicore import (
    CONTEXT,
    EXIT_REJECTED,
    FrenchGroup,
    allocation_inputs,
    allocation_options,
    echo_lines,
    settings_from_options,
)
from cosen.ledger.cli import batch
from cosen.scenarios.cli import scenario

if TYPE_CHECKING:
    from cosen.allocation import AllocationSettings


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


@cli.command(context_settings=CONTEXT)
@click.argument("folder", metavar="DOSSIER", type=click.Path(path_type=Path))
def template(folder: Path) -> None:
    """Écrit les modèles vierges demandes.xlsx et creneaux.xlsx."""
    from cosen.io.templates import write_templates

    for path in write_templates(folder):
        click.echo(f"Modèle écrit : {path}")


@cli.command(context_settings=CONTEXT)
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
    echo_lines(intake_lines(referrals.name, referral_intake))
    if slot_intake is not None and slots is not None:
        echo_lines(intake_lines(slots.name, slot_intake))
    if report is not None:
        write_validation_report(report, referral_intake, slot_intake)
        click.echo(f"Rapport écrit : {report}")
    rejected = referral_intake.rejections or (
        slot_intake is not None and slot_intake.rejections
    )
    return EXIT_REJECTED if rejected else 0


def _run_allocation(
    referrals: Path,
    slots: Path,
    out: Path,
    settings: AllocationSettings,
    as_json: bool,
) -> None:
    from cosen.allocation import allocate
    from cosen.io.exports import write_exports
    from cosen.io.readers import read_referrals, read_slots
    from cosen.summary import allocation_json, summary_lines

    referral_intake = read_referrals(referrals)
    slot_intake = read_slots(slots)
    allocation = allocate(
        referral_intake.accepted, slot_intake.accepted, settings
    )
    received = len(referral_intake.accepted) + len(referral_intake.rejections)
    paths = write_exports(
        out, allocation, referral_intake.rejections, received
    )
    if as_json:
        report = allocation_json(
            allocation, referral_intake.rejections, received
        )
        click.echo(json.dumps(report, ensure_ascii=False))
        return
    echo_lines(summary_lines(allocation, referral_intake.rejections, received))
    if slot_intake.rejections:
        click.echo(
            f"Créneaux rejetés : {len(slot_intake.rejections)} (voir "
            f"« cosen validate {referrals.name} --slots {slots.name} »)."
        )
    click.echo(f"Fichiers écrits dans {out}/ : {len(paths)}.")


@cli.command(context_settings=CONTEXT)
@allocation_inputs
def allocate(
    referrals: Path, slots: Path, out: Path, as_json: bool, **options: Any
) -> None:
    """Attribue les créneaux aux demandes recevables.

    Écrit dans DOSSIER une liste par centre (centres/), la synthèse du
    coordinateur (synthese.xlsx) et les avis aux prescripteurs
    (notifications.csv).
    """
    _run_allocation(
        referrals, slots, out, settings_from_options(**options), as_json
    )


@cli.command(context_settings=CONTEXT)
@click.argument(
    "folder",
    metavar="[DOSSIER]",
    required=False,
    default="demo-cosen",
    type=click.Path(path_type=Path, file_okay=False),
)
@click.option(
    "--referrals",
    "count",
    type=click.IntRange(min=12),
    default=40,
    show_default=True,
    help="Nombre de demandes à générer.",
)
@allocation_options
def demo(folder: Path, count: int, **options: Any) -> None:
    """Génère des données réalistes et les traite de bout en bout.

    Écrit demandes.xlsx et creneaux.xlsx (quelques lignes de chaque motif
    de rejet parmi des demandes correctes, deux semaines de créneaux MIM et
    SIMSE) dans DOSSIER, puis les résultats dans DOSSIER/resultats.
    """
    from cosen.io.templates import write_referral_sheet, write_slot_sheet
    from cosen.samples import SampleSpec, sample_referrals, sample_slots

    settings = settings_from_options(**options)
    spec = SampleSpec(
        now=settings.now, referrals=count, seed=settings.seed,
        slots_per_referral=DEMO_SLOTS_PER_REFERRAL,
    )  # fmt: skip
    referrals = folder / "demandes.xlsx"
    slots = folder / "creneaux.xlsx"
    write_referral_sheet(referrals, sample_referrals(spec))
    write_slot_sheet(slots, sample_slots(spec))
    click.echo(f"Données d'exemple écrites : {referrals}, {slots}")
    _run_allocation(referrals, slots, folder / "resultats", settings, False)


# Enough slots over two weeks that most demo referrals are seen in time.
DEMO_SLOTS_PER_REFERRAL = 4.0


cli.add_command(batch)
cli.add_command(scenario)
