"""``cosen allocate`` end to end: files in, every output read back."""

from __future__ import annotations

import csv
import io
import json
from pathlib import Path

from click.testing import CliRunner, Result
from openpyxl import load_workbook

from cosen.cli import cli
from tests.factories import referral_file, referral_row, slot_file, slot_row


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
            "detail": "aucun créneau n'accepte SCANNER",
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
    assert f"Fichiers écrits dans {out}/ : 4." in result.stdout
    simse = load_workbook(out / "centres" / "SIMSE-1.xlsx")["Rendez-vous"]
    ids = [row[-1] for row in simse.iter_rows(min_row=3, values_only=True)]
    assert ids == ["D2", "D2"]  # a two-slot visit, one row per slot
    summary = load_workbook(out / "synthese.xlsx")
    assert summary.sheetnames == [
        "Rendez-vous", "Non attribuées", "Rejetées", "Patients à appeler",
        "Indicateurs",
    ]  # fmt: skip
    text = (out / "notifications.csv").read_bytes().decode("utf-8-sig")
    rows = list(csv.DictReader(io.StringIO(text), delimiter=";"))
    assert [r["Demande"] for r in rows] == ["D1", "D2"]


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
