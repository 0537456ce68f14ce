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
from cosen.cli.intake import CENTRES_OPTION
from cosen.parsing import french_datetime, french_duration, parse_date

DB_OPTION = option(
    "--db",
    metavar="REGISTRE",
    help="Registre : fichier SQLite ou adresse postgresql://… (par défaut "
    ": $COSEN_DB, sinon ./cosen.db).",
)
WAIT_OPTION = option(
    "--wait",
    type=Number(0, 3600, "SECONDES"),
    default=10.0,
    show_default=True,
    help="Attente maximale si un autre traitement utilise le registre.",
)


def _open(db: str | None, wait: float, create: bool = False) -> Any:
    """The ledger; only ``batch run`` creates a missing one. Runs whose
    files were never written are named on every command but ``run``,
    which writes them."""
    from cosen.ledger import Database, ledger_target
    from cosen.ledger.reports import delivery_warnings

    ledger = Database(ledger_target(db), wait, create=create)
    if not create:
        for line in delivery_warnings(ledger):
            click.echo(line, err=True)
    return ledger


@click.group(cls=FrenchGroup, context_settings=CONTEXT)
def batch() -> None:
    """Passages successifs : un registre garde ce qui est attribué,
    confirmé, refusé, d'un passage à l'autre."""


@batch.command("run", context_settings=CONTEXT)
@allocation_inputs
@CENTRES_OPTION
@DB_OPTION
@WAIT_OPTION
def run(
    referrals: Path,
    slots: Path,
    out: Path,
    as_json: bool,
    centres: Path | None,
    db: str | None,
    wait: float,
    **options: Any,
) -> None:
    """Importe les demandes et créneaux, attribue les demandes en attente.

    Les rendez-vous déjà attribués restent où ils sont, sauf ceux dont le
    centre retire un créneau (statut annule) : ces patients passent en
    premier, leur nouveau rendez-vous remplace l'ancien. Les demandes non
    attribuées lors des passages précédents sont reprises. Écrit dans
    DOSSIER les nouveaux rendez-vous par centre, la synthèse, la liste
    d'appels, les avis (aussi mis en file d'envoi pour « cosen notify »),
    la liste complète et l'agenda (.ics) de chaque centre
    (liste-complete/) et les rendez-vous libérés depuis le passage
    précédent (liberes/).
    """
    from cosen.allocation.summary import allocation_json, allocation_lines
    from cosen.io.excel import check_writable
    from cosen.ledger.exports import deliver, deliver_waiting
    from cosen.ledger.runs import run_batch

    settings = settings_from_options(**options)
    # A run whose files cannot be written must not commit: its patients'
    # notices would exist only in the ledger.
    check_writable(out)
    with _open(db, wait, create=True) as ledger:
        earlier = deliver_waiting(ledger, out, parse_now(None))
        report = run_batch(ledger, referrals, slots, settings, out, centres)
        deliver(ledger, out, parse_now(None), report.run_id)
    imported = report.imported
    for run_id, place in earlier:
        click.echo(
            f"Fichiers du passage n° {run_id}, restés non écrits, écrits "
            f"dans {place}/.",
            err=True,
        )
    if imported.arrived_after_now:
        click.echo(
            f"Attention : {imported.arrived_after_now} demande(s) reçue(s) "
            "après l'heure d'attribution (--now) : pas de rendez-vous "
            "avant leur réception.",
            err=True,
        )
    if as_json:
        payload = allocation_json(
            report.allocation, imported.rejections, imported.received
        )
        payload["run"] = report.run_id
        payload["counts"] = report.counts()
        payload["notes"] = [
            {"kind": k, "id": i, "note": n} for k, i, n in imported.notes
        ]
        click.echo(json.dumps(payload, ensure_ascii=False))
        return
    rows, slot_rows = imported.referrals, imported.slots
    click.echo(
        f"Passage n° {report.run_id} — demandes lues : {imported.received} "
        f"(nouvelles {rows['new']}, déjà au registre {rows['unchanged']}, "
        f"modifiées {rows['updated']}, en conflit {rows['conflict']}, "
        f"rejetées {rows['rejected']}) ; créneaux lus : "
        f"{sum(slot_rows.values())} (nouveaux {slot_rows['new']}, "
        f"rejetés {slot_rows['rejected']})."
    )
    echo_lines(
        [f"  ! {record_id} : {note}" for _, record_id, note in imported.notes]
        + [f"  ! {text}" for text in imported.warnings]
    )
    if imported.withdrawn:
        rebooked = {b.referral.referral_id for b in report.allocation.booked}
        click.echo(
            f"Rendez-vous libérés par un créneau retiré : "
            f"{len(imported.displaced)}, dont "
            f"{len(rebooked & set(imported.displaced))} attribués à nouveau "
            "(voir liberes/)."
        )
    waiting = len(report.allocation.booked) + len(report.allocation.unbooked)
    click.echo(f"Demandes en attente d'un créneau : {waiting}.")
    echo_lines(allocation_lines(report.allocation))
    click.echo(f"Fichiers écrits dans {out}/.")


@batch.command("answers", context_settings=CONTEXT)
@click.argument("path", metavar="FICHIER", type=click.Path(path_type=Path))
@option("--now", metavar="DATE_HEURE", help="Heure de l'import.")
@DB_OPTION
@WAIT_OPTION
def answers(path: Path, now: str | None, db: str | None, wait: float) -> int:
    """Importe les réponses : confirme, refuse, annule, absent, realise.

    Une ligne par demande (colonnes id_demande et reponse). Les lignes
    impossibles (demande inconnue, jamais attribuée, déjà close) sont
    signalées ; les autres sont appliquées. Code de sortie 1 si des lignes
    sont rejetées.
    """
    from cosen.io.report import rejection_cells
    from cosen.ledger.answers import apply_answers

    moment = parse_now(now)
    with _open(db, wait) as ledger:
        report = apply_answers(ledger, path, moment)
    applied = ", ".join(
        f"{kind.value} {count}"
        for kind, count in sorted(report.applied.items())
    )
    click.echo(f"Réponses appliquées : {applied or 'aucune'}.")
    unanswered = sum(n.row is not None for n in report.notices)
    if unanswered:
        click.echo(f"Lignes sans réponse, ignorées : {unanswered}.")
    for rejection in report.rejections:
        row, record_id, _, reasons, _ = rejection_cells(rejection)
        echo_lines([f"  ! ligne {row} ({record_id}) : {reasons}"])
    return EXIT_REJECTED if report.rejections else 0


@batch.command("status", context_settings=CONTEXT)
@option("--since", metavar="DATE", help="Indicateurs depuis cette date.")
@option("--json", "as_json", is_flag=True, help="Sortie JSON.")
@DB_OPTION
@WAIT_OPTION
def status(
    since: str | None, as_json: bool, db: str | None, wait: float
) -> None:
    """Demandes en attente, attribuées, confirmées, closes ; indicateurs ;
    qui attend un créneau, depuis quand et pourquoi."""
    from cosen.cli.notify import counts_line
    from cosen.ledger.reports import ledger_status
    from cosen.notify.status import outbox_counts, outbox_totals

    day = parse_option(parse_date, since, "--since") if since else None
    with _open(db, wait) as ledger:
        found = ledger_status(ledger, day)
        found["outbox"] = outbox_counts(ledger)
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
    echo_lines(_waiting_lines(found["waiting"], parse_now(None)))
    click.echo(counts_line(outbox_totals(found["outbox"])))


def _waiting_lines(waiting: list[dict[str, Any]], now: Any) -> list[str]:
    """Who waits for a slot: id, reception, how long, why (French)."""
    from datetime import datetime

    from cosen.domain import Reason

    if not waiting:
        return ["Aucune demande en attente d'un créneau."]
    lines = [f"En attente d'un créneau ({len(waiting)}) :"]
    for item in waiting[:_LISTED]:
        received = datetime.fromisoformat(item["received_at"])
        why = (
            Reason(item["reason"]).sentence
            if item["reason"]
            else "pas encore passée dans une attribution"
        )
        if item["detail"]:
            why += f" ({item['detail']})"
        waited = french_duration((now - received).total_seconds() / 60)
        lines.append(
            f"  {item['referral_id']} — reçue le {french_datetime(received)}, "
            f"attend depuis {waited} — {why}"
        )
    if len(waiting) > _LISTED:
        lines.append(f"  … et {len(waiting) - _LISTED} autre(s) (voir --json)")
    return lines


_LISTED = 20


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
@DB_OPTION
@WAIT_OPTION
def history_command(as_json: bool, db: str | None, wait: float) -> None:
    """Les passages : date, fichiers, décomptes, statut."""
    from cosen.ledger.reports import history

    with _open(db, wait) as ledger:
        runs = history(ledger)
    if as_json:
        click.echo(json.dumps([r.as_dict() for r in runs], ensure_ascii=False))
        return
    if not runs:
        click.echo("Aucun passage au registre.")
    status_text = {
        "OPTIMAL": "optimale",
        "FEASIBLE": "non prouvée optimale",
        "RUNNING": "interrompu",
    }
    for record in runs:
        counts = record.counts
        click.echo(
            f"n° {record.id} — attribution du "
            f"{french_datetime(record.now)} — {record.referrals_file}, "
            f"{record.slots_file} — lues {counts.get('received', 0)}, "
            f"attribuées {counts.get('booked', 0)}, sans créneau "
            f"{counts.get('unbooked', 0)} — solution "
            f"{status_text.get(record.status, record.status)}"
        )


@batch.command("purge", context_settings=CONTEXT)
@option("--before", required=True, metavar="DATE",
        help="Purge les demandes closes avant cette date.")  # fmt: skip
@option("--dry-run", is_flag=True,
        help="Dit ce qui serait effacé, sans rien effacer.")  # fmt: skip
@DB_OPTION
@WAIT_OPTION
def purge_command(
    before: str, dry_run: bool, db: str | None, wait: float
) -> None:
    """Efface les données personnelles des demandes closes (RGPD).

    Efface aussi les lignes rejetées des passages d'avant cette date.
    Restent des données anonymes pour les statistiques : identifiants,
    examens, états, dates, créneaux et retards.
    """
    from cosen.ledger.reports import purge

    day = parse_option(parse_date, before, "--before")
    with _open(db, wait) as ledger:
        referrals, rejected = purge(ledger, day, parse_now(None), dry_run)
    verb = "seraient effacées" if dry_run else "effacées"
    click.echo(
        f"Données personnelles {verb} pour {referrals} demande(s) close(s) "
        f"et {rejected} ligne(s) rejetée(s)."
    )


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
@DB_OPTION
@WAIT_OPTION
def export(
    folder: Path, run_id: int | None, db: str | None, wait: float
) -> None:
    """Réécrit les fichiers d'un passage à partir du registre."""
    from cosen.ledger.exports import deliver

    with _open(db, wait) as ledger:
        number = deliver(ledger, folder, parse_now(None), run_id)
    click.echo(f"Fichiers du passage n° {number} écrits dans {folder}/.")
