"""``cosen template`` and ``cosen validate``: blank files, and checking
filled ones without allocating anything."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import click

from cosen.cli.core import EXIT_REJECTED, command, echo_lines, option

__all__ = ["CENTRES_OPTION", "template", "validate"]


@command()
@click.argument("folder", metavar="DOSSIER", type=click.Path(path_type=Path))
@option(
    "--force",
    is_flag=True,
    help="Remplace des modèles déjà présents (ils peuvent être remplis).",
)
def template(folder: Path, force: bool) -> None:
    """Écrit les modèles vierges demandes.xlsx et creneaux.xlsx.

    creneaux.xlsx contient aussi l'annuaire des centres (feuille Centres)
    et les consignes de préparation par examen (feuille Preparations), à
    faire valider par les radiologues des centres. Un modèle déjà présent
    n'est jamais remplacé sans --force.
    """
    from cosen.io.templates import write_templates

    for path in write_templates(folder, replace=force):
        click.echo(f"Modèle écrit : {path}")


CENTRES_OPTION = option(
    "--centres",
    metavar="FICHIER",
    type=click.Path(path_type=Path),
    help="Annuaire des centres (feuilles Centres et Preparations, ou CSV "
    "des centres). Par défaut : ces feuilles du fichier des créneaux.",
)


@command()
@click.argument(
    "referrals", metavar="DEMANDES", type=click.Path(path_type=Path)
)
@option(
    "--slots",
    metavar="CRENEAUX",
    type=click.Path(path_type=Path),
    help="Fichier des créneaux à vérifier aussi (et son annuaire).",
)
@CENTRES_OPTION
@option(
    "--out",
    "report",
    metavar="RAPPORT.xlsx",
    type=click.Path(path_type=Path),
    help="Écrit le rapport détaillé (une ligne par ligne rejetée).",
)
def validate(
    referrals: Path,
    slots: Path | None,
    centres: Path | None,
    report: Path | None,
) -> int:
    """Vérifie les demandes (et les créneaux, l'annuaire) sans rien
    attribuer.

    Affiche les 20 premières lignes rejetées (ligne, identifiant, motifs) ;
    le rapport (--out) les donne toutes. Code de sortie 0 si tout est
    recevable, 1 si des lignes sont rejetées.
    """
    from cosen.domain import Intake, preference_notices
    from cosen.io.directory import read_directory
    from cosen.io.readers import read_referrals, read_slots
    from cosen.io.report import (
        intake_lines,
        rejection_lines,
        write_validation_report,
    )

    referral_intake = read_referrals(referrals)
    slot_intake = read_slots(slots) if slots else None
    intakes: list[tuple[str, Intake[Any]]] = [
        (referrals.name, referral_intake)
    ]
    directory: tuple[Intake[Any], Intake[Any]] | None = None
    if slot_intake is not None and slots is not None:
        referral_intake.notices.extend(
            preference_notices(referral_intake, slot_intake.accepted)
        )
        intakes.append((slots.name, slot_intake))
    source = centres or slots
    if source is not None:
        directory = read_directory(
            source, centres is not None, slot_intake or Intake()
        )
        intakes += [
            (f"{source.name}, feuille Centres", directory[0]),
            (f"{source.name}, feuille Preparations", directory[1]),
        ]
    for name, intake in intakes:
        echo_lines(intake_lines(name, intake))
        echo_lines(rejection_lines(intake.rejections))
    if report is not None:
        write_validation_report(
            report, referral_intake, slot_intake,
            *(directory or (None, None)),
        )  # fmt: skip
        click.echo(f"Rapport écrit : {report}")
    rejected = any(intake.rejections for _, intake in intakes)
    return EXIT_REJECTED if rejected else 0
