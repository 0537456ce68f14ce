"""``cosen allocate`` end to end: files in, every output read back."""

from __future__ import annotations

import csv
import io
import json
from pathlib import Path

from click.testing import CliRunner, Result
from openpyxl import load_workbook

from cosen.cli import cli
from tests.factories import (
    centre_row,
    referral_file,
    referral_row,
    slot_file,
    slot_row,
)
from tests.io.test_exports import page_header


def run(*args: object) -> Result:
    return CliRunner().invoke(cli, [str(a) for a in args])


def inputs(tmp_path: Path) -> tuple[Path, Path]:
    referrals = referral_file(
        tmp_path / "demandes.xlsx",
        [
            referral_row(referral_id="D1"),
            referral_row(referral_id="D2", birth_name="Klein",
                         exams="MAMMO+ECHO_SEIN"),
            referral_row(referral_id="D3", birth_name="Roth",
                         exams="SCANNER"),
            referral_row(referral_id="D4", consent="non"),
        ],
    )  # fmt: skip
    slots = slot_file(
        tmp_path / "creneaux.xlsx",
        [
            slot_row(slot_id="S1"),
            slot_row(slot_id="M", exams="MAMMO", center="SIMSE-1",
                     group="SIMSE", duration_min="20"),
            slot_row(slot_id="E", exams="ECHO_SEIN", center="SIMSE-1",
                     group="SIMSE", start="27/11/2026 14:30"),
        ],
    )  # fmt: skip
    return referrals, slots


def test_json_follows_the_contract(tmp_path: Path) -> None:
    referrals, slots = inputs(tmp_path)
    result = run("allocate", referrals, slots, "--out", tmp_path / "out",
                 "--now", "27/11/2026 10:00", "--json")  # fmt: skip
    assert result.exit_code == 0, result.output
    payload = json.loads(result.stdout)
    assert payload["status"] == "OPTIMAL"
    assert payload["booked"] == [
        {"referral_id": "D1", "slot_id": "S1", "center": "MIM-1",
         "start": "2026-11-27T14:00:00+01:00", "late_minutes": 0},
        {"referral_id": "D2", "slot_id": "M", "center": "SIMSE-1",
         "start": "2026-11-27T14:00:00+01:00", "late_minutes": 0},
        {"referral_id": "D2", "slot_id": "E", "center": "SIMSE-1",
         "start": "2026-11-27T14:30:00+01:00", "late_minutes": 0},
    ]  # fmt: skip
    assert payload["unbooked"] == [
        {
            "referral_id": "D3",
            "reason": "NO_COMPATIBLE_SLOT",
            "detail": "aucun créneau n'accepte Scanner",
        }
    ]
    assert payload["rejected"] == [
        {"referral_id": "D4", "row": 5, "reasons": ["NO_CONSENT"]}
    ]
    assert payload["kpi"] == {
        "received": 4, "eligible": 3, "booked": 2, "within_target": 2,
        "late": 0, "total_late_minutes": 0,
    }  # fmt: skip


def test_files_for_every_party(tmp_path: Path) -> None:
    referrals, slots = inputs(tmp_path)
    out = tmp_path / "sortie"
    result = run("allocate", referrals, slots, "--out", out,
                 "--now", "27/11/2026 10:00")  # fmt: skip
    assert result.exit_code == 0
    assert result.stdout.startswith(
        "Demandes reçues : 4 ; recevables : 3 ; rejetées : 1.\n"
    )
    assert f"Fichiers écrits dans {out}/ : 5." in result.stdout
    simse = load_workbook(out / "centres" / "SIMSE-1.xlsx")["Rendez-vous"]
    slots_ids = [
        (row[1], row[-1])
        for row in simse.iter_rows(min_row=3, values_only=True)
    ]
    # A two-slot visit: a row per slot, the patient's cells span both.
    assert slots_ids == [("M", "D2"), ("E", None)]
    summary = load_workbook(out / "synthese.xlsx")
    assert summary.sheetnames == [
        "Rendez-vous", "Non attribuées", "Rejetées", "Indicateurs",
    ]  # fmt: skip
    calls = load_workbook(out / "appels.xlsx")
    assert calls.sheetnames == ["Réponses", "À rappeler"]
    text = (out / "notifications.csv").read_bytes().decode("utf-8-sig")
    rows = list(csv.DictReader(io.StringIO(text), delimiter=";"))
    assert [(r["Demande"], r["Pour"]) for r in rows] == [
        ("D1", "prescripteur"), ("D1", "patient"),
        ("D2", "prescripteur"), ("D2", "patient"),
    ]  # fmt: skip


def test_allocate_errors(tmp_path: Path) -> None:
    referrals, slots = inputs(tmp_path)
    for args in [
        ("allocate", referrals, tmp_path / "absent.xlsx", "--out", tmp_path),
        ("allocate", referrals, slots),
        ("allocate", referrals, slots, "--out", tmp_path, "--now", "hier"),
        ("allocate", referrals, slots, "--out", tmp_path, "--time-limit", "0"),
        ("allocate", referrals, slots, "--out", tmp_path, "--target", "lune"),
    ]:
        result = run(*args)
        assert result.exit_code == 2, args
        (line,) = result.stderr.splitlines()
        assert line.startswith("Erreur : ")


def test_working_days_option(tmp_path: Path) -> None:
    referrals, slots = inputs(tmp_path)
    result = run("allocate", referrals, slots, "--out", tmp_path / "o",
                 "--now", "27/11/2026 10:00", "--target", "jours-ouvres",
                 "--json")  # fmt: skip
    assert json.loads(result.stdout)["status"] == "OPTIMAL"


def test_the_directory_names_the_centres(tmp_path: Path) -> None:
    referrals, _ = inputs(tmp_path)
    slots = slot_file(
        tmp_path / "avec-annuaire.xlsx",
        [slot_row(slot_id="S1"), slot_row(slot_id="S2", center="SIMSE-9",
                                          group="SIMSE", exams="SCANNER")],
        [centre_row()],
    )  # fmt: skip
    out = tmp_path / "sortie"
    result = run("allocate", referrals, slots, "--out", out,
                 "--now", "27/11/2026 10:00")  # fmt: skip
    assert result.exit_code == 0, result.output
    # A slot whose centre is missing is still used, with a warning.
    assert (
        "  ! centre SIMSE-9 absent de l'annuaire : désigné par son code sur "
        "les listes et les avis"
    ) in result.stdout.splitlines()
    calls = load_workbook(out / "appels.xlsx")["Réponses"]
    centres = {
        row[0]: str(row[6]) for row in calls.iter_rows(2, values_only=True)
    }
    assert centres["D1"].startswith("Centre d'imagerie du Parc\n12 rue")
    assert centres["D3"] == "SIMSE-9 (centre absent de l'annuaire)"


def test_a_directory_file_of_its_own(tmp_path: Path) -> None:
    referrals, slots = inputs(tmp_path)
    directory = slot_file(
        tmp_path / "annuaire.xlsx",
        [],
        [centre_row(), centre_row(center="SIMSE-1", group="SIMSE",
                                  name="Imagerie du Rhin")],
    )  # fmt: skip
    out = tmp_path / "sortie"
    result = run("allocate", referrals, slots, "--out", out, "--centres",
                 directory, "--now", "27/11/2026 10:00", "--json")  # fmt: skip
    assert result.exit_code == 0, result.output
    warnings = json.loads(result.stdout)["warnings"]
    assert not [w for w in warnings if "annuaire" in w]
    sheet = load_workbook(out / "centres" / "SIMSE-1.xlsx")["Rendez-vous"]
    assert "Imagerie du Rhin (SIMSE-1)" in page_header(sheet)


def test_a_missing_directory_file_is_an_error(tmp_path: Path) -> None:
    referrals, slots = inputs(tmp_path)
    result = run("allocate", referrals, slots, "--out", tmp_path / "o",
                 "--centres", tmp_path / "absent.xlsx")  # fmt: skip
    assert result.exit_code == 2
    assert result.stderr == (
        "Erreur : Fichier « absent.xlsx » : fichier introuvable\n"
    )
    assert not (tmp_path / "o").exists()


def test_outputs_that_cannot_be_written_leave_the_last_ones(
    tmp_path: Path,
) -> None:
    referrals, slots = inputs(tmp_path)
    out = tmp_path / "sortie"
    args = ("allocate", referrals, slots, "--out", out,
            "--now", "27/11/2026 10:00")  # fmt: skip
    assert run(*args).exit_code == 0
    before = {p: p.read_bytes() for p in out.rglob("*") if p.is_file()}
    (out / "centres").rename(tmp_path / "ailleurs")
    (out / "centres").symlink_to(tmp_path / "ailleurs")
    result = run(*args)
    assert result.exit_code == 2
    assert "cosen n'écrit pas hors du dossier de sortie" in result.stderr
    (out / "centres").unlink()
    (tmp_path / "ailleurs").rename(out / "centres")
    after = {p: p.read_bytes() for p in out.rglob("*") if p.is_file()}
    assert after == before  # the previous run's files, whole


def test_lateness_is_said_in_minutes_and_hours(tmp_path: Path) -> None:
    referrals = referral_file(
        tmp_path / "d.xlsx",
        [referral_row(received_at="26/11/2026 14:00", desired_delay="24h")],
    )
    slots = slot_file(
        tmp_path / "c.xlsx", [slot_row(start="27/11/2026 14:15")]
    )
    result = run("allocate", referrals, slots, "--out", tmp_path / "o",
                 "--now", "27/11/2026 10:00")  # fmt: skip
    assert result.exit_code == 0, result.output
    assert "(retard moyen 15 min, maximal 15 min)" in result.stdout
