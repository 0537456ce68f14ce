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
from cosen.cli.intake import CENTRES_OPTION

if TYPE_CHECKING:
    from cosen.allocation import AllocationSettings

__all__ = ["allocate", "demo"]


def _run_allocation(
    referrals: Path,
    slots: Path,
    out: Path,
    settings: AllocationSettings,
    as_json: bool,
    centres: Path | None = None,
    pdf: bool = False,
) -> None:
    from cosen.allocation import arrived_after
    from cosen.allocation.summary import allocation_json, summary_lines
    from cosen.io.jobs import allocate_files

    done = allocate_files(referrals, slots, out, settings, centres, pdf)
    allocation = done.allocation
    early = arrived_after(
        [*(b.referral for b in allocation.booked),
         *(u.referral for u in allocation.unbooked)],
        settings.now,
    )  # fmt: skip
    warnings = list(done.warnings)
    if early:
        warnings.append(
            f"{early} demande(s) reçue(s) après l'heure d'attribution "
            "(--now) : pas de rendez-vous avant leur réception."
        )
    if as_json:
        report = allocation_json(allocation, done.rejections, done.received)
        report["warnings"] = warnings
        click.echo(json.dumps(report, ensure_ascii=False))
        return
    echo_lines(summary_lines(allocation, done.rejections, done.received))
    for name, count in done.rejected.items():
        click.echo(
            f"{name.capitalize()} rejetés : {count} (voir « cosen validate "
            f"{referrals.name} --slots {slots.name}"
            + (f" --centres {centres.name}" if centres else "")
            + " »)."
        )
    echo_lines([f"  ! {text}" for text in warnings])
    click.echo(f"Fichiers écrits dans {out}/ : {len(done.paths)}.")


@command()
@allocation_inputs
@CENTRES_OPTION
@option(
    "--pdf",
    is_flag=True,
    help="Écrit aussi le PDF des listes des centres et de la liste "
    "d'appels (LibreOffice nécessaire).",
)
def allocate(
    referrals: Path,
    slots: Path,
    out: Path,
    as_json: bool,
    centres: Path | None,
    pdf: bool,
    **options: Any,
) -> None:
    """Attribue les créneaux aux demandes recevables.

    Écrit dans DOSSIER une liste par centre (centres/), la synthèse du
    coordinateur (synthese.xlsx), la liste d'appels des patients
    (appels.xlsx, qui une fois remplie est un fichier de réponses pour
    « cosen batch answers ») et les avis aux prescripteurs et aux patients
    (notifications.csv).
    """
    _run_allocation(
        referrals, slots, out, settings_from_options(**options), as_json,
        centres, pdf,
    )  # fmt: skip


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
@option(
    "--pdf/--sans-pdf",
    default=True,
    show_default=True,
    help="PDF des listes des centres et de la liste d'appels, si "
    "LibreOffice est installé.",
)
@allocation_options
def demo(folder: Path, count: int, pdf: bool, **options: Any) -> None:
    """Génère des données réalistes et les traite de bout en bout.

    Écrit demandes.xlsx et creneaux.xlsx (quelques lignes de chaque motif
    de rejet parmi des demandes correctes, deux semaines de créneaux MIM et
    SIMSE, l'annuaire des centres) dans DOSSIER, puis les résultats dans
    DOSSIER/resultats, avec le PDF des listes à imprimer quand LibreOffice
    est installé.
    """
    from cosen.domain.samples import (
        SampleSpec,
        sample_centres,
        sample_referrals,
        sample_slots,
    )
    from cosen.io.templates import write_referral_sheet, write_slot_sheet

    settings = settings_from_options(**options)
    spec = SampleSpec(
        now=settings.now, referrals=count, seed=settings.seed,
        slots_per_referral=DEMO_SLOTS_PER_REFERRAL,
    )  # fmt: skip
    referrals = folder / "demandes.xlsx"
    slots = folder / "creneaux.xlsx"
    write_referral_sheet(referrals, sample_referrals(spec))
    write_slot_sheet(slots, sample_slots(spec), sample_centres())
    click.echo(f"Données d'exemple écrites : {referrals}, {slots}")
    _run_allocation(
        referrals, slots, folder / "resultats", settings, False,
        pdf=pdf,
    )  # fmt: skip


# Enough slots over two weeks that most demo referrals are seen in time.
DEMO_SLOTS_PER_REFERRAL = 4.0
