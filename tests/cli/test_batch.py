"""``cosen batch`` through click, as a coordinator types it."""

from __future__ import annotations

import json
import os
import shutil
import subprocess
import sys
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
        "(nouveaux 1, rejetés 0).\n"
    )
    assert "\nDemandes en attente d'un créneau : 2.\n" in first.stdout
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
    # After the appointment (27/11 at 14:00), the centre says it was done.
    result = run(
        "batch", "answers", answers, "--db", db, "--now", "27/11/2026 18:00"
    )
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
    purged = run("batch", "purge", "--before", "28/11/2026", "--db", db)
    assert purged.stdout == (
        "Données personnelles effacées pour 1 demande(s) close(s) et 1 "
        "ligne(s) rejetée(s).\n"
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


# --------------------------------------------------------------------------
# A coordinator's mistakes and a damaged environment: one French line,
# nothing committed that cannot be delivered, nothing created by mistake.


def assert_refused(result: Result, *expected: str) -> None:
    assert result.exit_code == 2, result.output
    (line,) = result.stderr.splitlines()
    assert line.startswith("Erreur : ") and "Traceback" not in line
    for text in expected:
        assert text in line


def test_an_unwritable_out_commits_nothing(tmp_path: Path) -> None:
    referrals, slots = files(tmp_path)
    db = tmp_path / "cosen.db"
    blocked = tmp_path / "fichier"
    blocked.write_text("pas un dossier")
    result = run("batch", "run", referrals, slots, "--out", blocked / "out",
                 "--db", db, "--now", NOW)  # fmt: skip
    assert_refused(result, "Impossible d'écrire dans le dossier")
    assert not db.exists()


def test_a_run_whose_files_were_never_written_is_named_then_delivered(
    tmp_path: Path,
) -> None:
    """As after a kill or a full disk between the commit and the export:
    every later command names the run; the next run writes its files
    first, into passage-N/."""
    from cosen.ledger import Database
    from cosen.ledger.runs import run_batch
    from tests.ledger.helpers import SETTINGS

    referrals, slots = files(tmp_path)
    db = tmp_path / "cosen.db"
    with Database(db) as ledger:
        run_batch(ledger, referrals, slots, SETTINGS, tmp_path / "perdu")
    status = run("batch", "status", "--db", db)
    assert status.exit_code == 0
    assert status.stderr == (
        "Attention : les fichiers du passage n° 1 n'ont pas été écrits ; "
        "« cosen batch run » les écrit d'abord, ou « cosen batch export "
        "DOSSIER --run 1 ».\n"
    )
    again = run("batch", "run", referrals, slots, "--out", tmp_path / "p2",
                "--db", db, "--now", NOW)  # fmt: skip
    assert again.exit_code == 0, again.output
    assert (
        "Fichiers du passage n° 1, restés non écrits, écrits" in again.stderr
    )
    assert (tmp_path / "p2" / "passage-1" / "notifications.csv").is_file()
    assert (tmp_path / "p2" / "notifications.csv").is_file()
    assert run("batch", "status", "--db", db).stderr == ""


def test_a_damaged_ledger_is_refused_and_left_alone(tmp_path: Path) -> None:
    referrals, slots = files(tmp_path)
    db = tmp_path / "cosen.db"
    run("batch", "run", referrals, slots, "--out", tmp_path / "p",
        "--db", db, "--now", NOW)  # fmt: skip
    data = bytearray(db.read_bytes())
    middle = len(data) // 2
    data[middle : middle + 512] = b"\xa5" * 512
    db.write_bytes(bytes(data))
    answers = answer_file(tmp_path / "r.csv", [("D1", "confirme")])
    for args in (
        ("batch", "answers", answers),
        ("batch", "status"),
        ("batch", "run", referrals, slots, "--out", tmp_path / "q"),
        ("batch", "export", tmp_path / "e"),
        ("batch", "purge", "--before", "01/11/2026"),
    ):
        result = run(*args, "--db", db)
        assert_refused(result, "registre « cosen.db » endommagé")
    assert db.read_bytes() == bytes(data)


def read_only_command(folder: Path, command: list[str]) -> list[str]:
    """``command`` run where ``folder`` cannot be written: by mode bits for
    a user, on a read-only bind mount of a private mount namespace for root
    (who writes through mode bits)."""
    if os.geteuid() != 0:
        for path in folder.iterdir():
            path.chmod(0o444)
        folder.chmod(0o555)
        return command
    if not shutil.which("unshare"):
        pytest.skip("unshare absent : pas de montage en lecture seule")
    script = (
        'mount --bind "$1" "$1" && mount -o remount,bind,ro "$1" && '
        'shift && exec "$@"'
    )
    return ["unshare", "-m", "sh", "-c", script, "sh", str(folder), *command]


def test_a_read_only_ledger_says_so(tmp_path: Path) -> None:
    """A ledger that cannot be written (a read-only share): one French
    line, exit 2, the file unchanged."""
    referrals, slots = files(tmp_path)
    shared = tmp_path / "partage"
    db = shared / "cosen.db"
    run("batch", "run", referrals, slots, "--out", tmp_path / "p",
        "--db", db, "--now", NOW)  # fmt: skip
    answers = answer_file(tmp_path / "r.csv", [("D1", "confirme")])
    before = db.read_bytes()
    command = read_only_command(
        shared,
        [sys.executable, "-m", "cosen", "batch", "answers", str(answers),
         "--db", str(db), "--now", NOW],
    )  # fmt: skip
    try:
        result = subprocess.run(command, capture_output=True, text=True)
    finally:
        shared.chmod(0o700)
    if "mount:" in result.stderr or "unshare:" in result.stderr:
        pytest.skip(f"montage en lecture seule impossible : {result.stderr}")
    assert result.returncode == 2, result.stderr
    (line,) = result.stderr.splitlines()
    assert line.startswith("Erreur : registre « cosen.db » inutilisable")
    assert "lecture seule" in line
    assert db.read_bytes() == before


def test_a_device_is_no_ledger(tmp_path: Path) -> None:
    result = run("batch", "run", *files(tmp_path), "--out", tmp_path / "p",
                 "--db", "/dev/null", "--now", NOW)  # fmt: skip
    assert_refused(result, "« /dev/null » n'est pas un fichier ordinaire")
    assert not Path("/dev/null-journal").exists()


def test_now_before_some_referrals_arrived_is_a_warning(
    tmp_path: Path,
) -> None:
    referrals, slots = files(tmp_path)
    result = run("batch", "run", referrals, slots, "--out", tmp_path / "p",
                 "--db", tmp_path / "cosen.db", "--now",
                 "26/11/2026 08:00")  # fmt: skip
    assert result.exit_code == 0, result.output
    assert (
        "Attention : 2 demande(s) reçue(s) après l'heure d'attribution "
        "(--now) : pas de rendez-vous avant leur réception." in result.stderr
    )


def test_purge_dry_run_and_future(tmp_path: Path) -> None:
    referrals, slots = files(tmp_path)
    db = tmp_path / "cosen.db"
    run("batch", "run", referrals, slots, "--out", tmp_path / "p",
        "--db", db, "--now", NOW)  # fmt: skip
    tried = run("batch", "purge", "--before", "28/11/2026", "--dry-run",
                "--db", db)  # fmt: skip
    assert tried.stdout == (
        "Données personnelles seraient effacées pour 0 demande(s) close(s) "
        "et 1 ligne(s) rejetée(s).\n"
    )
    assert_refused(
        run("batch", "purge", "--before", "01/01/2099", "--db", db),
        "date dans le futur",
    )
