"""``cosen batch``: allocation runs that remember, through the ledger."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import click

from cosen.cli.core import (
    CONTEXT,
    EXIT_REJECTED,
    FrenchGroup,
    Number,
    allocation_inputs,
    echo_lines,
    option,
    parse_now,
    parse_option,
    settings_from_options,
)
from cosen.parsing import parse_date

_DB = option(
    "--db",
    metavar="FICHIER",
    type=click.Path(path_type=Path, dir_okay=False),
    help="Registre SQLite (par défaut : $COSEN_DB, sinon ./cosen.db).",
)
_WAIT = option(
    "--wait",
    type=Number(0, 3600, "SECONDES"),
    default=10.0,
    show_default=True,
    help="Attente maximale si un autre traitement utilise le registre.",
)


def _open(db: Path | None, wait: float) -> Any:
    from cosen.ledger.store import Ledger, ledger_path

    return Ledger(ledger_path(db), wait)


@click.group(cls=FrenchGroup, context_settings=CONTEXT)
def batch() -> None:
    """Passages successifs : un registre garde ce qui est attribué,
    confirmé, refusé, d'un passage à l'autre."""


@batch.command("run", context_settings=CONTEXT)
@allocation_inputs
@_DB
@_WAIT
def run(
    referrals: Path,
    slots: Path,
    out: Path,
    as_json: bool,
    db: Path | None,
    wait: float,
    **options: Any,
) -> None:
    """Importe les demandes et créneaux, attribue les demandes en attente.

    Les rendez-vous déjà attribués restent où ils sont ; les demandes non
    attribuées lors des passages précédents sont reprises. Écrit dans
    DOSSIER les nouveaux rendez-vous par centre, la synthèse, les avis aux
    prescripteurs, la liste complète par centre (liste-complete/) et les
    rendez-vous libérés depuis le passage précédent (liberes/).
    """
    from cosen.allocation.summary import allocation_json, summary_lines
    from cosen.ledger.batch import export_run, run_batch

    settings = settings_from_options(**options)
    with _open(db, wait) as ledger:
        report = run_batch(ledger, referrals, slots, settings)
        export_run(ledger, out, report.run_id)
    counts = report.counts
    if as_json:
        payload = allocation_json(
            report.allocation, report.rejections, counts["received"]
        )
        payload["run"] = report.run_id
        payload["counts"] = counts
        payload["notes"] = [
            {"kind": k, "id": i, "note": n} for k, i, n in report.notes
        ]
        click.echo(json.dumps(payload, ensure_ascii=False))
        return
    click.echo(
        f"Passage n° {report.run_id} : demandes nouvelles "
        f"{counts.get('referrals_new', 0)}, modifiées "
        f"{counts.get('referrals_updated', 0)}, inchangées "
        f"{counts.get('referrals_unchanged', 0)}, en conflit "
        f"{counts.get('referrals_conflict', 0)}, rejetées "
        f"{counts.get('rejected', 0)} ; créneaux nouveaux "
        f"{counts.get('slots_new', 0)}."
    )
    echo_lines(
        [f"  ! {record_id} : {note}" for _, record_id, note in report.notes]
    )
    echo_lines(
        summary_lines(report.allocation, report.rejections, counts["received"])
    )
    click.echo(f"Fichiers écrits dans {out}/.")


@batch.command("answers", context_settings=CONTEXT)
@click.argument("path", metavar="FICHIER", type=click.Path(path_type=Path))
@option("--now", metavar="DATE_HEURE", help="Heure de l'import.")
@_DB
@_WAIT
def answers(path: Path, now: str | None, db: Path | None, wait: float) -> int:
    """Importe les réponses : confirme, refuse, annule, absent, realise.

    Une ligne par demande (colonnes id_demande et reponse). Les lignes
    impossibles (demande inconnue, jamais attribuée, déjà close) sont
    signalées ; les autres sont appliquées. Code de sortie 1 si des lignes
    sont rejetées.
    """
    from cosen.io.report import rejection_cells
    from cosen.ledger.batch import apply_answers

    moment = parse_now(now)
    with _open(db, wait) as ledger:
        report = apply_answers(ledger, path, moment)
    applied = ", ".join(f"{k} {v}" for k, v in sorted(report.applied.items()))
    click.echo(f"Réponses appliquées : {applied or 'aucune'}.")
    for rejection in report.rejections:
        row, record_id, _, reasons, _ = rejection_cells(rejection)
        echo_lines([f"  ! ligne {row} ({record_id}) : {reasons}"])
    return EXIT_REJECTED if report.rejections else 0


@batch.command("status", context_settings=CONTEXT)
@option("--since", metavar="DATE", help="Indicateurs depuis cette date.")
@option("--json", "as_json", is_flag=True, help="Sortie JSON.")
@_DB
@_WAIT
def status(
    since: str | None, as_json: bool, db: Path | None, wait: float
) -> None:
    """Demandes en attente, attribuées, confirmées, closes ; indicateurs."""
    from cosen.ledger.batch import ledger_status

    day = parse_option(parse_date, since, "--since") if since else None
    with _open(db, wait) as ledger:
        found = ledger_status(ledger, day)
    if as_json:
        click.echo(json.dumps(found, ensure_ascii=False))
        return
    states = found["states"]
    click.echo(
        f"Demandes : en attente {states['pending']}, attribuées "
        f"{states['booked']}, confirmées {states['confirmed']}, closes "
        f"{states['closed']} ({_closed(found['closed'])})."
    )
    for centre, counts in sorted(found["by_centre"].items()):
        click.echo(
            f"  {centre} : attribuées {counts.get('booked', 0)}, "
            f"confirmées {counts.get('confirmed', 0)}"
        )
    kpi = found["kpi"]
    when = f" depuis le {found['since']}" if found["since"] else ""
    click.echo(
        f"Rendez-vous attribués{when} : {kpi['booked']}, dont "
        f"{kpi['within_target']} dans le délai et {kpi['late']} en retard."
    )


def _closed(outcomes: dict[str, int]) -> str:
    names = {
        "cancelled": "annulées",
        "no_show": "absents",
        "done": "réalisées",
    }
    return (
        ", ".join(
            f"{names.get(k, k)} {v}" for k, v in sorted(outcomes.items())
        )
        or "aucune"
    )


@batch.command("history", context_settings=CONTEXT)
@option("--json", "as_json", is_flag=True, help="Sortie JSON.")
@_DB
@_WAIT
def history_command(as_json: bool, db: Path | None, wait: float) -> None:
    """Les passages : date, fichiers, décomptes, statut."""
    from cosen.ledger.batch import history

    with _open(db, wait) as ledger:
        runs = history(ledger)
    if as_json:
        click.echo(json.dumps(runs, ensure_ascii=False))
        return
    if not runs:
        click.echo("Aucun passage au registre.")
    for run_ in runs:
        counts = run_["counts"]
        click.echo(
            f"n° {run_['run']} — {run_['now']} — {run_['referrals_file']} "
            f"({run_['referrals_sha256'][:8]}), {run_['slots_file']} "
            f"({run_['slots_sha256'][:8]}) — attribuées "
            f"{counts.get('booked', 0)}, sans créneau "
            f"{counts.get('unbooked', 0)} — {run_['status']}"
        )


@batch.command("purge", context_settings=CONTEXT)
@option("--before", required=True, metavar="DATE",
              help="Purge les demandes closes avant cette date.")  # fmt: skip
@_DB
@_WAIT
def purge_command(before: str, db: Path | None, wait: float) -> None:
    """Efface les données personnelles des demandes closes (RGPD).

    Restent des données anonymes pour les statistiques : identifiants,
    examens, états, dates, créneaux et retards.
    """
    from cosen.ledger.batch import purge

    day = parse_option(parse_date, before, "--before")
    with _open(db, wait) as ledger:
        count = purge(ledger, day, parse_now(None))
    click.echo(f"Données personnelles effacées pour {count} demande(s).")


@batch.command("export", context_settings=CONTEXT)
@click.argument(
    "folder",
    metavar="DOSSIER",
    type=click.Path(path_type=Path, file_okay=False),
)
@option(
    "--run",
    "run_id",
    type=Number(1, 2**63 - 1, "N", integer=True),
    help="Passage (défaut : le dernier).",
)
@_DB
@_WAIT
def export(
    folder: Path, run_id: int | None, db: Path | None, wait: float
) -> None:
    """Réécrit les fichiers d'un passage à partir du registre."""
    from cosen.ledger.batch import export_run

    with _open(db, wait) as ledger:
        number = export_run(ledger, folder, run_id)
    click.echo(f"Fichiers du passage n° {number} écrits dans {folder}/.")
