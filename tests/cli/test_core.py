"""cosen's own option types: French errors, exact numbers."""

from __future__ import annotations

import click
import pytest
from click.testing import CliRunner

from cosen.cli.core import FrenchGroup, Number, option


@click.group(cls=FrenchGroup)
def root() -> None:
    """A group as ``cosen`` holds its commands."""


@root.command()
@option("--run", type=Number(1, 2**63 - 1, "N", integer=True), default=7)
@option("--goal", type=Number(0, 100, "POURCENT"), default=0.05)
def show(run: int, goal: float) -> None:
    click.echo(f"{run!r} {goal!r}")


def call(*args: str) -> str:
    result = CliRunner().invoke(root, ["show", *args])
    return result.stdout if result.exit_code == 0 else result.stderr


def test_defaults_and_french_decimals() -> None:
    assert call() == "7 0.05\n"
    assert call("--goal", "85,5") == "7 85.5\n"


def test_whole_numbers_are_exact_however_large() -> None:
    # Read as a float, run 2**53 + 1 would have been run 2**53.
    assert call("--run", "9007199254740993") == "9007199254740993 0.05\n"
    assert call("--run", str(2**63 - 1)) == f"{2**63 - 1} 0.05\n"


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (("--goal", "nan"), "nombre attendu"),
        (("--goal", "1e2"), "nombre attendu"),
        (("--run", "1_000"), "nombre attendu"),
        (("--run", "2,5"), "nombre entier attendu"),
        (("--goal", "101"), "de 0 à 100 attendu"),
    ],
)
def test_refusals_are_one_french_line(
    args: tuple[str, str], message: str
) -> None:
    (line,) = call(*args).splitlines()
    option_name = args[0]
    assert line.startswith(
        f"Erreur : valeur invalide pour {option_name} ({message})."
    )
