"""``cosen batch`` through click, as a coordinator types it."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from click.testing import CliRunner, Result

from cosen.cli import cli
from tests.factories import referral_file, referral_row, slot_file, slot_row
from tests.ledger.helpers import answer_file

NOW = "27/11/2026 10:00"


def run(*args: object) -> Result:
    return CliRunner().invoke(cli, [str(a) for a in args])


def files(tmp_path: Path) -> tuple[Path, Path]:
    referrals = referral_file(
        tmp_path / "demandes.xlsx",
        [referral_row(referral_id="D1"),
         referral_row(referral_id="D2", birth_name="Klein"),
         referral_row(referral_id="D3", consent="non")],
    )  # fmt: skip
    slots = slot_file(tmp_path / "creneaux.xlsx", [slot_row()])
    return referrals, slots


def test_run_then_the_same_run_again(tmp_path: Path) -> None:
    referrals, slots = files(tmp_path)
    db = tmp_path / "cosen.db"
    first = run("batch", "run", referrals, slots, "--out", tmp_path / "p1",
                "--db", db, "--now", NOW)  # fmt: skip
    assert first.exit_code == 0, first.output
    assert first.stdout.startswith(
        "Passage n° 1 — demandes lues : 3 (nouvelles 2, déjà au registre 0, "
        "modifiées 0, en conflit 0, rejetées 1) ; créneaux lus : 1 "
        "(nouveaux 1, rejetés 0).\nDemandes en attente d'un créneau : 2.\n"
    )
    assert (tmp_path / "p1" / "liste-complete" / "MIM-1.xlsx").is_file()
    second = run("batch", "run", referrals, slots, "--out", tmp_path / "p2",
                 "--db", db, "--now", NOW, "--json")  # fmt: skip
    payload = json.loads(second.stdout)
    assert payload["run"] == 2 and payload["booked"] == []
    assert payload["kpi"]["received"] == 3
    assert payload["counts"]["referrals_unchanged"] == 2
    assert payload["unbooked"] == [
        {"referral_id": "D2", "reason": "CAPACITY", "detail": ""}
    ]


def test_answers_status_history_export_purge(tmp_path: Path) -> None:
    referrals, slots = files(tmp_path)
    db = tmp_path / "cosen.db"
    run("batch", "run", referrals, slots, "--out", tmp_path / "p1",
        "--db", db, "--now", NOW)  # fmt: skip
    answers = answer_file(
        tmp_path / "reponses.csv", [("D1", "realise"), ("D9", "confirme")]
    )
    result = run("batch", "answers", answers, "--db", db, "--now", NOW)
    assert result.exit_code == 1
    assert "Réponses appliquées : realise 1." in result.stdout
    assert "ligne 3 (D9)" in result.stdout
    status = run("batch", "status", "--db", db, "--json")
    found = json.loads(status.stdout)
    assert found["states"] == {
        "pending": 1, "booked": 0, "confirmed": 0, "closed": 1
    }  # fmt: skip
    assert [w["referral_id"] for w in found["waiting"]] == ["D2"]
    assert found["waiting"][0]["reason"] == "CAPACITY"
    text = run("batch", "status", "--db", db).stdout
    assert text.startswith("Demandes : en attente 1, attribuées 0, ")
    assert (
        "En attente d'un créneau (1) :\n  D2 — reçue le 26/11/2026 à 9h30"
        in text
    )
    listing = run("batch", "history", "--db", db)
    assert listing.stdout == (
        "n° 1 — attribution du 27/11/2026 à 10h00 — demandes.xlsx, "
        "creneaux.xlsx — lues 3, attribuées 1, sans créneau 1 — solution "
        "optimale\n"
    )
    again = run("batch", "export", tmp_path / "refait", "--db", db)
    assert again.exit_code == 0
    assert (tmp_path / "refait" / "synthese.xlsx").is_file()
    purged = run("batch", "purge", "--before", "01/01/2030", "--db", db)
    assert (
        purged.stdout == "Données personnelles effacées pour 1 demande(s).\n"
    )


def test_batch_errors_are_one_french_line(tmp_path: Path) -> None:
    db = tmp_path / "cosen.db"
    cases = [
        ("batch", "export", tmp_path / "x", "--db", db),
        ("batch", "purge", "--before", "demain", "--db", db),
        ("batch", "answers", tmp_path / "absent.csv", "--db", db),
        ("batch", "status", "--db", tmp_path),
        ("batch", "inconnue"),
    ]
    for args in cases:
        result = run(*args)
        assert result.exit_code == 2, (args, result.output)
        assert result.stdout == ""
        (line,) = result.stderr.splitlines()
        assert line.startswith("Erreur : ") and "Traceback" not in line


def test_environment_variable_names_the_ledger(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("COSEN_DB", str(tmp_path / "env.db"))
    referrals, slots = files(tmp_path)
    result = run("batch", "run", referrals, slots, "--out", tmp_path / "p",
                 "--now", NOW)  # fmt: skip
    assert result.exit_code == 0, result.output
    assert (tmp_path / "env.db").is_file()
    assert run("batch", "history").stdout.startswith("n° 1 — ")


@pytest.mark.parametrize("command", ["status", "history"])
def test_a_missing_ledger_is_named_and_not_created(
    tmp_path: Path, command: str
) -> None:
    db = tmp_path / "absent.db"
    result = run("batch", command, "--db", db)
    assert result.exit_code == 2
    assert result.stderr == f"Erreur : registre introuvable : {db}\n"
    assert not db.exists()


def test_a_bad_option_creates_no_ledger(tmp_path: Path) -> None:
    db = tmp_path / "cosen.db"
    result = run("batch", "purge", "--before", "demain", "--db", db)
    assert result.exit_code == 2
    assert "option --before" in result.stderr
    assert not db.exists()
