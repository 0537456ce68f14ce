"""``cosen allocate`` and ``cosen demo``: one allocation from two files."""

from __future__ import annotations

import json
from pathlib import Path
from typing import TYPE_CHECKING, Any

import click

from cosen.cli.core import (
    Number,
    allocation_inputs,
    allocation_options,
    command,
    echo_lines,
    option,
    settings_from_options,
)

if TYPE_CHECKING:
    from cosen.allocation import AllocationSettings

__all__ = ["allocate", "demo"]


def _run_allocation(
    referrals: Path,
    slots: Path,
    out: Path,
    settings: AllocationSettings,
    as_json: bool,
) -> None:
    from cosen.allocation import allocate
    from cosen.allocation.summary import allocation_json, summary_lines
    from cosen.io.exports import write_exports
    from cosen.io.readers import read_referrals, read_slots

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


@command()
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


@command()
@click.argument(
    "folder",
    metavar="[DOSSIER]",
    required=False,
    default="demo-cosen",
    type=click.Path(path_type=Path, file_okay=False),
)
@option(
    "--referrals",
    "count",
    type=Number(12, 100_000, "N", integer=True),
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
    from cosen.domain.samples import SampleSpec, sample_referrals, sample_slots
    from cosen.io.templates import write_referral_sheet, write_slot_sheet

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
