"""``cosen users``: accounts from the command line."""

from __future__ import annotations

from pathlib import Path

from click.testing import CliRunner

from cosen.cli import cli
from cosen.ledger import Database
from cosen.ledger.users import authenticate
from tests.factories import NOW


def _run(*args: str, stdin: str | None = None) -> tuple[int, str, str]:
    result = CliRunner().invoke(cli, list(args), input=stdin)
    return result.exit_code, result.stdout, result.stderr


def test_add_list_disable(tmp_path: Path) -> None:
    db = str(tmp_path / "cosen.db")
    code, out, _ = _run("users", "add", "marie", "--role", "coordinateur",
                        "--password-stdin", "--db", db,
                        stdin="un-long-mot-de-passe\n")  # fmt: skip
    assert code == 0 and "« marie » créé (coordinateur)" in out
    code, out, _ = _run("users", "add", "irm1", "--role", "centre",
                        "--centre", "MIM-1", "--db", db,
                        stdin="encore-un-mot-de-passe\n"
                        "encore-un-mot-de-passe\n")  # fmt: skip
    assert code == 0, out
    assert out.count("Mot de passe") == 2  # asked twice
    code, out, _ = _run("users", "list", "--db", db)
    assert "irm1 — centre MIM-1 — actif" in out
    assert "marie — coordinateur — actif" in out
    with Database(db) as ledger:
        assert authenticate(ledger, "marie", "un-long-mot-de-passe",
                            NOW).account  # fmt: skip
    code, out, _ = _run("users", "disable", "marie", "--db", db)
    assert code == 0 and "désactivé" in out
    assert (
        "marie — coordinateur — désactivé"
        in _run("users", "list", "--db", db)[1]
    )
    with Database(db) as ledger:
        assert authenticate(ledger, "marie", "un-long-mot-de-passe",
                            NOW).account is None  # fmt: skip


def test_mistakes_are_one_french_line(tmp_path: Path) -> None:
    db = str(tmp_path / "cosen.db")
    cases = [
        (["--role", "centre"], "un compte centre indique son centre"),
        (["--role", "admin", "--centre", "X"], "--centre ne s'emploie"),
        (["--role", "chef"], "valeur invalide pour --role"),
    ]
    for options, message in cases:
        code, _, err = _run("users", "add", "paul", *options,
                            "--password-stdin", "--db", db,
                            stdin="un-long-mot-de-passe\n")  # fmt: skip
        assert code == 2 and message in err, err
        assert "Traceback" not in err
    code, _, err = _run("users", "add", "paul", "--role", "admin",
                        "--password-stdin", "--db", db,
                        stdin="court\n")  # fmt: skip
    assert code == 2 and "trop court" in err
    _run("users", "add", "paul", "--role", "admin", "--password-stdin",
         "--db", db, stdin="un-long-mot-de-passe\n")  # fmt: skip
    code, _, err = _run("users", "add", "paul", "--role", "admin",
                        "--password-stdin", "--db", db,
                        stdin="un-long-mot-de-passe\n")  # fmt: skip
    assert code == 2 and "existe déjà" in err
    code, _, err = _run("users", "disable", "personne", "--db", db)
    assert code == 2 and "aucun compte « personne »" in err
    code, _, err = _run("users", "add", "Paul Dupont", "--role", "admin",
                        "--password-stdin", "--db", db,
                        stdin="un-long-mot-de-passe\n")  # fmt: skip
    assert code == 2 and "identifiant invalide" in err
