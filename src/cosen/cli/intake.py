"""``cosen template`` and ``cosen validate``: blank files, and checking
filled ones without allocating anything."""

from __future__ import annotations

from pathlib import Path

import click

from cosen.cli.core import EXIT_REJECTED, command, echo_lines, option

__all__ = ["template", "validate"]


@command()
@click.argument("folder", metavar="DOSSIER", type=click.Path(path_type=Path))
def template(folder: Path) -> None:
    """Écrit les modèles vierges demandes.xlsx et creneaux.xlsx."""
    from cosen.io.templates import write_templates

    for path in write_templates(folder):
        click.echo(f"Modèle écrit : {path}")


@command()
@click.argument(
    "referrals", metavar="DEMANDES", type=click.Path(path_type=Path)
)
@option(
    "--slots",
    metavar="CRENEAUX",
    type=click.Path(path_type=Path),
    help="Fichier des créneaux à vérifier aussi.",
)
@option(
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
