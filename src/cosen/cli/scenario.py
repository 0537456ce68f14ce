"""``cosen scenario``: capacity scenarios for planners.

A click group meant to be added to the ``cosen`` command line
(``cli.add_command(scenario)``); it also runs alone. Its commands import
the simulator when they run, so that ``cosen --help`` stays fast.
"""

from __future__ import annotations

import json
import time
from collections.abc import Callable
from pathlib import Path
from typing import IO, Any, TypeVar

import click

from cosen.cli.core import CONTEXT, FrenchGroup, Number, echo_lines, option
from cosen.errors import OptionError
from cosen.limits import DEFAULT_GOAL, LIMITS, PLANNING_LIMITS

__all__ = ["scenario"]

Command = TypeVar("Command", bound=Callable[..., Any])


@click.group(cls=FrenchGroup, context_settings=CONTEXT)
def scenario() -> None:
    """Scénarios de capacité : simuler la demande face aux créneaux réservés.

    Un scénario (fichier TOML) décrit la demande du territoire, les
    créneaux que les centres réservent et le comportement des patients ;
    la simulation applique les règles du dispositif et le moteur
    d'attribution de « cosen allocate ». « cosen scenario template » écrit
    un exemple commenté.
    """


@scenario.command(context_settings=CONTEXT)
@click.argument(
    "path", metavar="FICHIER", type=click.Path(path_type=Path, dir_okay=False)
)
def template(path: Path) -> None:
    """Écrit un scénario d'exemple commenté dans FICHIER (.toml)."""
    from cosen.io.excel import write_atomic
    from cosen.scenarios.loader import example_text

    if path.exists():
        raise OptionError(
            f"« {path} » existe déjà : choisir un autre nom de fichier."
        )
    data = example_text().encode("utf-8")

    def write(stream: IO[bytes]) -> None:
        stream.write(data)

    write_atomic(path, write)
    click.echo(f"Scénario d'exemple écrit : {path}")


def _execution_options(function: Command) -> Command:
    """Options shared by ``run`` and ``sweep``."""
    options = [
        option("--out", metavar="DOSSIER",
                     type=click.Path(path_type=Path, file_okay=False),
                     help="Écrit le classeur et les graphiques dans "
                     "DOSSIER."),
        option("--json", "as_json", is_flag=True,
                     help="Affiche les indicateurs en JSON."),
        option("--workers", type=Number(*LIMITS["workers"], "N", integer=True),
                     help="Processus locaux (par défaut : un par cœur, au "
                     "plus un par réplication)."),
        option("--dask", "dask_address", metavar="ADRESSE",
                     help="Calcule les réplications sur un cluster Dask "
                     "distributed existant (ex. tcp://10.0.0.5:8786)."),
    ]  # fmt: skip
    for decorator in reversed(options):
        function = decorator(function)
    return function


def _check_execution(workers: int | None, dask_address: str | None) -> None:
    if workers is not None and dask_address is not None:
        raise OptionError(
            "options --workers et --dask : choisir l'une ou l'autre."
        )


def _report(
    document: dict[str, Any],
    lines: list[str],
    as_json: bool,
    out: Path | None,
    paths: list[Path],
    started: float | None = None,
) -> None:
    """Print a result: its JSON ``document``, or its French ``lines``
    with the computing time since ``started`` and the files written."""
    if as_json:
        click.echo(json.dumps(document, ensure_ascii=False))
        return
    echo_lines(lines)
    if started is not None:
        click.echo(f"\nCalcul : {time.monotonic() - started:.0f} s.")
    if out is not None:
        names = ", ".join(p.name for p in paths)
        click.echo(f"Fichiers écrits dans {out}/ : {names}.")


@scenario.command(context_settings=CONTEXT)
@click.argument("path", metavar="FICHIER", type=click.Path(path_type=Path))
@_execution_options
def run(
    path: Path,
    out: Path | None,
    as_json: bool,
    workers: int | None,
    dask_address: str | None,
) -> None:
    """Simule le scénario FICHIER et donne ses indicateurs.

    Les réplications tournent en parallèle (barre de progression sur la
    sortie d'erreur) ; pour une graine donnée, les résultats sont les mêmes
    quel que soit le nombre de processus. Chaque indicateur est une moyenne
    sur les réplications avec son intervalle de confiance à 95 %, calculée
    hors mise en route ; parts, moyennes par rendez-vous et utilisation
    rapportent les totaux de toutes les réplications, les centiles
    d'attente portent sur toutes leurs attentes réunies. --out écrit
    indicateurs.xlsx, attente.png, delai_par_jour.png, utilisation.png,
    delai_par_heure.png (par jour et heure de réception) et
    utilisation_par_jour.png (par centre et jour).

    \b
    --json affiche un objet :
      scenario, replications, seed, policy, target_clock ;
      window {from, to, days} : période des statistiques (to exclu) ;
      overall : chaque indicateur {mean, low, high} (IC à 95 %, null si
        indéfini) : received, booked, unbooked, within_target_pct,
        late_pct, late_hours_mean, wait_hours_mean, wait_hours_median,
        wait_hours_p90, wait_hours_p95, declines, no_shows,
        reserved_slots, used_slots, unused_slots, utilization_pct,
        backlog_end, pending_mean, rejected ;
      by_exam : examens demandés -> indicateurs received à no_shows ;
      by_center : centre -> indicateurs de ses rendez-vous et créneaux ;
      by_slot_kind : [{center, exams, indicateurs des créneaux}] ;
      by_weekday : jour de réception (lundi…) -> indicateurs received à
        no_shows ; by_weekday_hour : [{weekday, hour, mêmes indicateurs}]
        par jour et heure de réception ; by_target : délai souhaité
        (« 24 h », « 48 h ») -> mêmes indicateurs ;
      by_slot_time : [{center, weekday, hour, indicateurs des créneaux}]
        par centre, jour et heure de début du créneau ;
      daily_within_target_pct : [{date, mean, low, high}] par jour de
        réception.
    """
    from cosen.scenarios.indicators import summarize
    from cosen.scenarios.loader import load_scenario
    from cosen.scenarios.report import run_lines
    from cosen.scenarios.runner import Progress, run_replications

    _check_execution(workers, dask_address)
    loaded = load_scenario(path)
    started = time.monotonic()
    progress = Progress(loaded.simulation.replications, "Réplications")
    (replications,) = run_replications(
        [loaded], workers, dask_address, progress
    )
    summary = summarize(loaded, replications)
    paths = []
    if out is not None:  # only then load openpyxl and matplotlib
        from cosen.scenarios.outputs import write_run_report

        paths = write_run_report(out, summary)
    _report(
        summary.as_json(), run_lines(summary), as_json, out, paths, started
    )


@scenario.command(context_settings=CONTEXT)
@click.argument("path", metavar="FICHIER", type=click.Path(path_type=Path))
@option(
    "--vary",
    multiple=True,
    required=True,
    metavar="CLÉ=V1,V2,…",
    help="Clé et valeurs à essayer (option répétable : toutes les "
    "combinaisons sont simulées).",
)
@option(
    "--goal",
    type=Number(*PLANNING_LIMITS["goal"], "POURCENT"),
    default=DEFAULT_GOAL,
    show_default=True,
    help="Part des demandes à voir dans le délai.",
)
@_execution_options
def sweep(
    path: Path,
    vary: tuple[str, ...],
    goal: float,
    out: Path | None,
    as_json: bool,
    workers: int | None,
    dask_address: str | None,
) -> None:
    """Simule le scénario FICHIER pour chaque combinaison de valeurs.

    Donne, pour chaque variante, la part des demandes vues dans le délai
    (avec son IC à 95 %) face aux créneaux réservés par semaine, et la plus
    petite capacité dont la moyenne atteint l'objectif --goal. Toutes les
    variantes voient les mêmes demandes (même graine). Avec une table
    [cost] (reserved_slot : coût d'un créneau réservé, late_referral :
    coût d'une demande vue hors délai), le coût total de chaque variante.
    Si aucune variante n'atteint l'objectif, le jour de réception qui l'en
    éloigne le plus. --out écrit balayage.xlsx, balayage.png et front.png
    (créneaux inutilisés face à la part dans le délai) ; --json affiche
    {scenario, goal, keys, points : [{changes, slots_per_week, cost,
    meets_goal, smallest, overall}]}.

    \b
    Clés : celles du fichier, par leur chemin, les blocs numérotés à
    partir de 1, et deux multiplicateurs. Exemples :
      --vary capacity.scale=0.8,1.0,1.2
      --vary demand.scale=0.9,1.1
      --vary demand.2.per_day=4,6
      --vary simulation.policy=optimizer,fcfs
      --vary 'capacity.1.times=["09:00","14:00"],["09:00","11:00","14:00"]'
    """
    from cosen.scenarios.loader import ScenarioFile
    from cosen.scenarios.report import sweep_lines
    from cosen.scenarios.sweep import parse_variation, run_sweep

    _check_execution(workers, dask_address)
    result = run_sweep(
        ScenarioFile.read(path),
        [parse_variation(text) for text in vary],
        goal,
        workers,
        dask_address,
    )
    paths = []
    if out is not None:
        from cosen.scenarios.outputs import write_sweep_report

        paths = write_sweep_report(out, result)
    _report(result.as_json(), sweep_lines(result), as_json, out, paths)


@scenario.command(context_settings=CONTEXT)
@click.argument("path", metavar="FICHIER", type=click.Path(path_type=Path))
@option(
    "--goal",
    type=Number(*PLANNING_LIMITS["goal"], "POURCENT"),
    required=True,
    help="Part des demandes à voir dans le délai, pour chaque examen.",
)
@option(
    "--budget",
    type=Number(*PLANNING_LIMITS["budget"], "N", integer=True),
    default=None,
    help="Nombre maximal de réplications simulées (par défaut : 2000).",
)
@_execution_options
def recommend(
    path: Path,
    goal: float,
    budget: int | None,
    out: Path | None,
    as_json: bool,
    workers: int | None,
    dask_address: str | None,
) -> None:
    """Cherche les créneaux à ajouter pour atteindre l'objectif --goal.

    Parmi les blocs [[candidate]] du scénario FICHIER (un centre, des
    examens, des jours et des heures de début possibles, max_count
    créneaux au plus à la fois), cherche le plus petit ajout de créneaux
    par semaine qui amène chaque examen à --goal % des demandes vues dans
    le délai : ajout glouton du créneau qui rapproche le plus de
    l'objectif, puis retrait de tout créneau devenu superflu. Toutes les
    variantes voient les mêmes demandes (même graine). Si même tous les
    candidats ne suffisent pas, dit ce qui en empêche (jour et heure de
    réception des demandes hors délai). Donne aussi les créneaux réservés
    presque jamais attribués. --out écrit recommandation.xlsx et
    recommandation.png.

    \b
    --json affiche un objet :
      goal, reached ; added : [{centre, exams, weekday, start, count}] ;
      within_target {mean, low, high} (IC à 95 %) ; slots_added ;
      by_exam : examens -> {mean, low, high} ; blockers : [texte] ;
      unused : [{centre, exams, weekday, start, reserved, used}] ;
      goal_without_unused ; path : [{slots_added, within_target}] ;
      simulations.
    """
    from cosen.scenarios.loader import load_scenario
    from cosen.scenarios.recommend import (
        DEFAULT_BUDGET,
        recommend_lines,
        write_recommend_report,
    )
    from cosen.scenarios.recommend import recommend as search

    _check_execution(workers, dask_address)
    loaded = load_scenario(path)
    started = time.monotonic()
    result = search(
        loaded, goal, budget or DEFAULT_BUDGET, workers, dask_address
    )
    paths = write_recommend_report(out, result) if out is not None else []
    _report(
        result.as_json(),
        recommend_lines(result),
        as_json,
        out,
        paths,
        started,
    )
