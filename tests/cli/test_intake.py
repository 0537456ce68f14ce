"""The intake commands: template, validate, demo; exit codes and messages."""

from __future__ import annotations

import os
import stat
from pathlib import Path

import pytest
from click.testing import CliRunner, Result
from openpyxl import load_workbook

from cosen.cli import cli
from cosen.domain import CENTRE_COLUMNS, REFERRAL_COLUMNS, SLOT_COLUMNS, Reason
from cosen.io.readers import read_referrals, read_slots
from tests.factories import (
    NOW,
    centre_row,
    raw_workbook,
    referral_row,
    slot_row,
)

SECRET_NAME = "Zorglubowski"


def run(*args: str | Path) -> Result:
    return CliRunner().invoke(cli, [str(a) for a in args], prog_name="cosen")


def referrals_file(path: Path, rows: list[dict[str, str]]) -> Path:
    return raw_workbook(
        path,
        [c.french for c in REFERRAL_COLUMNS],
        [[row[c.field] for c in REFERRAL_COLUMNS] for row in rows],
        "Demandes",
    )


def slots_file(path: Path, rows: list[dict[str, str]]) -> Path:
    return raw_workbook(
        path,
        [c.french for c in SLOT_COLUMNS],
        [[row[c.field] for c in SLOT_COLUMNS] for row in rows],
        "Creneaux",
    )


GOOD = [
    referral_row(referral_id="D1"),
    referral_row(referral_id="D2", birth_name="Meyer", exams="SCANNER",
                 preferred_center="MIM-1"),
]  # fmt: skip
MIXED = [
    *GOOD,
    referral_row(referral_id="D3", birth_name=SECRET_NAME, consent="non"),
    referral_row(referral_id="D4", birth_name="Roth", postcode="6700"),
    referral_row(referral_id="D5", birth_name="Klein", consent="non",
                 exams="IRM"),
]  # fmt: skip


def assert_one_line_error(result: Result, *expected: str) -> str:
    """Exit 2, one French line on stderr, no traceback anywhere."""
    assert result.exit_code == 2, result.output
    assert isinstance(result.exception, SystemExit)
    lines = result.stderr.splitlines()
    assert len(lines) == 1, result.stderr
    assert lines[0].startswith("Erreur : ")
    assert "Traceback" not in result.output
    for text in expected:
        assert text in lines[0]
    return lines[0]


# --------------------------------------------------------------------------
# Help


def test_help_is_in_french() -> None:
    result = run("--help")
    assert result.exit_code == 0
    assert result.stdout.startswith("Utilisation : cosen [OPTIONS]")
    assert "Commandes" in result.stdout
    for command in ("template", "validate", "demo"):
        assert f"  {command} " in result.stdout
    assert "Affiche cette aide." in result.stdout


def test_command_help_is_in_french() -> None:
    result = run("validate", "-h")
    assert result.exit_code == 0
    assert result.stdout.startswith("Utilisation : cosen validate")
    assert "DEMANDES" in result.stdout
    assert "--slots CRENEAUX" in result.stdout
    assert "--out RAPPORT.xlsx" in result.stdout
    assert "Fichier des créneaux à vérifier aussi" in result.stdout
    assert "--centres FICHIER" in result.stdout


def test_version() -> None:
    result = run("--version")
    assert result.exit_code == 0
    assert result.stdout == "cosen 0.1.0\n"


def test_no_command_shows_the_help() -> None:
    """``cosen`` alone is a request for help, as with ``--help``."""
    result = run()
    assert result.exit_code == 0, result.output
    assert result.stdout == run("--help").stdout


# --------------------------------------------------------------------------
# template


def test_template_writes_both_files(tmp_path: Path) -> None:
    folder = tmp_path / "modeles"
    result = run("template", folder)
    assert result.exit_code == 0, result.output
    assert result.stdout.splitlines() == [
        f"Modèle écrit : {folder / 'demandes.xlsx'}",
        f"Modèle écrit : {folder / 'creneaux.xlsx'}",
    ]
    assert sorted(p.name for p in folder.iterdir()) == [
        "creneaux.xlsx",
        "demandes.xlsx",
    ]
    for path in folder.iterdir():
        assert stat.S_IMODE(path.stat().st_mode) == 0o600
    assert load_workbook(folder / "demandes.xlsx").sheetnames == [
        "Demandes",
        "Instructions",
    ]
    assert read_referrals(folder / "demandes.xlsx").accepted == []
    assert read_slots(folder / "creneaux.xlsx").accepted == []


def test_template_never_overwrites_without_force(tmp_path: Path) -> None:
    assert run("template", tmp_path).exit_code == 0
    filled = tmp_path / "demandes.xlsx"
    referrals_file(filled, GOOD)
    before = filled.read_bytes()
    line = assert_one_line_error(run("template", tmp_path))
    assert "demandes.xlsx et creneaux.xlsx existe(nt) déjà" in line
    assert "--force" in line
    assert filled.read_bytes() == before
    result = run("template", tmp_path, "--force")
    assert result.exit_code == 0, result.output
    assert read_referrals(filled).accepted == []


def test_template_into_a_file_is_a_usage_error(tmp_path: Path) -> None:
    blocker = tmp_path / "fichier"
    blocker.write_text("x")
    result = run("template", blocker)
    assert_one_line_error(result, "Impossible d'écrire", "fichier")


# --------------------------------------------------------------------------
# validate


def test_validate_all_good(tmp_path: Path) -> None:
    path = referrals_file(tmp_path / "demandes.xlsx", GOOD)
    result = run("validate", path)
    assert result.exit_code == 0, result.output
    assert result.stdout.splitlines() == [
        "demandes.xlsx : lignes lues 2, acceptées 2, rejetées 0."
    ]
    assert result.stderr == ""


def test_validate_some_rejected(tmp_path: Path) -> None:
    path = referrals_file(tmp_path / "demandes.xlsx", MIXED)
    result = run("validate", path)
    assert result.exit_code == 1, result.output
    lines = result.stdout.splitlines()
    assert (
        lines[0] == "demandes.xlsx : lignes lues 5, acceptées 2, rejetées 3."
    )
    codes = {
        line.split(" ")[3]: line.rsplit(" : ", 1)[1]
        for line in lines[1:]
        if line.startswith("  - ")
    }
    assert codes == {
        "INVALID_FIELD": "1",
        "NO_CONSENT": "2",
        "COMPLEX_IMAGING": "1",
    }
    assert f"  - NO_CONSENT ({Reason.NO_CONSENT.sentence}) : 2" in lines
    assert SECRET_NAME not in result.output
    assert result.stderr == ""


def test_validate_writes_the_report(tmp_path: Path) -> None:
    path = referrals_file(tmp_path / "demandes.xlsx", MIXED)
    report = tmp_path / "sortie" / "rapport.xlsx"
    result = run("validate", path, "--out", report)
    assert result.exit_code == 1, result.output
    assert result.stdout.splitlines()[-1] == f"Rapport écrit : {report}"
    assert stat.S_IMODE(report.stat().st_mode) == 0o600
    sheet = load_workbook(report)["Demandes rejetées"]
    rejected = [
        (row[0], row[1])
        for row in sheet.iter_rows(min_row=2, values_only=True)
    ]
    assert rejected == [(4, "D3"), (5, "D4"), (6, "D5")]


def test_validate_checks_the_slots_too(tmp_path: Path) -> None:
    referrals = referrals_file(
        tmp_path / "demandes.xlsx",
        [*GOOD, referral_row(referral_id="D3", birth_name="Haag",
                             preferred_center="SIMSE-9")],
    )  # fmt: skip
    slots = slots_file(
        tmp_path / "creneaux.xlsx",
        [slot_row(slot_id="S1"), slot_row(slot_id="S2", center="SIMSE-1",
                                          group="SIMSE"),
         slot_row(slot_id="S1")],
    )  # fmt: skip
    result = run("validate", referrals, "--slots", slots)
    assert result.exit_code == 1, result.output
    lines = result.stdout.splitlines()
    assert "demandes.xlsx : lignes lues 3, acceptées 3, rejetées 0." in lines
    assert "creneaux.xlsx : lignes lues 3, acceptées 2, rejetées 1." in lines
    assert any(line.startswith("  - DUPLICATE_SLOT (") for line in lines)
    assert (
        "  ! ligne 4 : centre préféré SIMSE-9 inconnu des créneaux : "
        "préférence ignorée"
    ) in lines
    # MIM-1 (D2's preference) is a centre of the slots: no warning.
    assert not [line for line in lines if "MIM-1 inconnu" in line]


def test_validate_with_good_slots_is_exit_zero(tmp_path: Path) -> None:
    referrals = referrals_file(tmp_path / "demandes.xlsx", GOOD)
    slots = slots_file(tmp_path / "creneaux.xlsx", [slot_row()])
    result = run("validate", referrals, "--slots", slots)
    assert result.exit_code == 0, result.output
    assert result.stdout.splitlines() == [
        "demandes.xlsx : lignes lues 2, acceptées 2, rejetées 0.",
        "creneaux.xlsx : lignes lues 1, acceptées 1, rejetées 0.",
        # No directory, no preparations: said, not an error.
        "creneaux.xlsx, feuille Centres : lignes lues 0, acceptées 0, "
        "rejetées 0.",
        "  ! fichier : aucun annuaire des centres (feuille Centres) : "
        "centres désignés par leur code sur les listes et les avis",
        "creneaux.xlsx, feuille Preparations : lignes lues 0, acceptées 0, "
        "rejetées 0.",
        "  ! fichier : consignes de préparation à faire valider par les "
        "radiologues des centres : SCANNER, RADIO, ECHO_ABDO, ECHO_MSK, "
        "ECHO_THYRO, MAMMO, ECHO_SEIN",
    ]


def test_validate_lists_the_rejected_rows(tmp_path: Path) -> None:
    path = referrals_file(tmp_path / "demandes.xlsx", MIXED)
    lines = run("validate", path).stdout.splitlines()
    listed = [line for line in lines if line.startswith("  ligne ")]
    assert listed == [
        "  ligne 4 (D3) : NO_CONSENT",
        "  ligne 5 (D4) : INVALID_FIELD code_postal — 5 chiffres attendus "
        "(zéro initial perdu ? saisir la colonne au format texte)",
        "  ligne 6 (D5) : COMPLEX_IMAGING examen — IRM ; NO_CONSENT",
    ]


def test_validate_lists_twenty_rows_then_counts(tmp_path: Path) -> None:
    rows = [
        referral_row(referral_id=f"D{n}", birth_name=f"Nom{n}",
                     consent="non")
        for n in range(1, 26)
    ]  # fmt: skip
    path = referrals_file(tmp_path / "demandes.xlsx", rows)
    result = run("validate", path)
    assert result.exit_code == 1
    lines = result.stdout.splitlines()
    listed = [line for line in lines if line.startswith("  ligne ")]
    assert len(listed) == 20
    assert listed[-1] == "  ligne 21 (D20) : NO_CONSENT"
    assert lines[-1] == "  … et 5 autres (voir --out)"


def test_validate_checks_the_directory(tmp_path: Path) -> None:
    referrals = referrals_file(tmp_path / "demandes.xlsx", GOOD)
    slots = slots_file(tmp_path / "creneaux.xlsx", [slot_row()])
    centres = tmp_path / "centres.csv"
    rows = [centre_row(), centre_row(center="MIM-1"),
            centre_row(center="SIMSE-1", postcode="6800")]  # fmt: skip
    fields = [c.field for c in CENTRE_COLUMNS]
    centres.write_text(
        "\n".join(
            ";".join(line)
            for line in [
                [c.french for c in CENTRE_COLUMNS],
                *([row[f] for f in fields] for row in rows),
            ]
        ),
        encoding="utf-8",
    )
    report = tmp_path / "rapport.xlsx"
    result = run("validate", referrals, "--slots", slots,
                 "--centres", centres, "--out", report)  # fmt: skip
    assert result.exit_code == 1, result.output
    lines = result.stdout.splitlines()
    assert (
        "centres.csv, feuille Centres : lignes lues 3, acceptées 1, "
        "rejetées 2."
    ) in lines
    assert (
        "  ligne 3 (MIM-1) : INVALID_FIELD centre — centre déjà décrit ligne 2"
    ) in lines
    assert load_workbook(report).sheetnames == [
        "Synthèse", "Demandes rejetées", "Créneaux rejetés",
        "Centres rejetés", "Préparations rejetées", "Avertissements",
    ]  # fmt: skip


@pytest.mark.parametrize("kind", ["fifo", "device", "link"])
def test_validate_out_replaces_only_a_regular_file(
    tmp_path: Path, kind: str
) -> None:
    path = referrals_file(tmp_path / "demandes.xlsx", MIXED)
    if kind == "fifo":
        target = tmp_path / "tube.xlsx"
        os.mkfifo(target)
    elif kind == "device":
        target = Path("/dev/null")
    else:
        target = tmp_path / "lien.xlsx"
        outside = tmp_path / "ailleurs.xlsx"
        outside.write_bytes(b"keep")
        target.symlink_to(outside)
    before = target.lstat()
    line = assert_one_line_error(run("validate", path, "--out", target))
    assert "pas un fichier ordinaire" in line
    after = target.lstat()
    assert (after.st_mode, after.st_ino) == (before.st_mode, before.st_ino)
    if kind == "link":
        assert outside.read_bytes() == b"keep"
    assert not list(tmp_path.glob(".*.tmp"))


def test_validate_missing_file(tmp_path: Path) -> None:
    result = run("validate", tmp_path / "absent.xlsx")
    line = assert_one_line_error(result)
    assert line == "Erreur : Fichier « absent.xlsx » : fichier introuvable"
    assert result.stdout == ""


def test_validate_missing_slot_file(tmp_path: Path) -> None:
    referrals = referrals_file(tmp_path / "demandes.xlsx", GOOD)
    result = run("validate", referrals, "--slots", tmp_path / "c.xlsx")
    assert_one_line_error(result, "« c.xlsx »", "fichier introuvable")


def test_validate_missing_required_column(tmp_path: Path) -> None:
    columns = [c for c in REFERRAL_COLUMNS if c.french != "telephone"]
    path = raw_workbook(
        tmp_path / "demandes.xlsx",
        [c.french for c in columns],
        [[referral_row()[c.field] for c in columns]],
        "Demandes",
    )
    line = assert_one_line_error(run("validate", path))
    assert line == (
        "Erreur : Fichier « demandes.xlsx », feuille « Demandes » : "
        "colonne(s) obligatoire(s) absente(s) : telephone"
    )


def test_validate_corrupt_file(tmp_path: Path) -> None:
    path = tmp_path / "abime.xlsx"
    path.write_bytes(b"PK\x03\x04 pas un classeur")
    assert_one_line_error(run("validate", path), "« abime.xlsx »", "illisible")


def test_unknown_option(tmp_path: Path) -> None:
    path = referrals_file(tmp_path / "demandes.xlsx", GOOD)
    line = assert_one_line_error(run("validate", path, "--sortie", "x"))
    assert line.startswith("Erreur : option inconnue : --sortie.")
    assert "cosen validate --help" in line


def test_missing_argument() -> None:
    line = assert_one_line_error(run("validate"))
    assert line.startswith(
        "Erreur : paramètre obligatoire manquant : DEMANDES."
    )


def test_unknown_command() -> None:
    assert_one_line_error(run("allouer"), "allouer", "cosen --help")


def test_unknown_command_message_is_french() -> None:
    line = assert_one_line_error(run("allouer"), "allouer")
    assert "No such command" not in line


def test_validate_out_is_a_directory(tmp_path: Path) -> None:
    path = referrals_file(tmp_path / "demandes.xlsx", GOOD)
    folder = tmp_path / "rapports"
    folder.mkdir()
    assert_one_line_error(run("validate", path, "--out", folder), "rapports")


# --------------------------------------------------------------------------
# demo


def test_demo_writes_realistic_files(tmp_path: Path) -> None:
    folder = tmp_path / "demo"
    result = run("demo", folder, "--now", "27/11/2026 10:00", "--sans-pdf")
    assert result.exit_code == 0, result.output
    assert result.stderr == ""
    lines = result.stdout.splitlines()
    assert lines[0].startswith("Données d'exemple écrites : ")
    assert lines[1].startswith("Demandes reçues : 40 ; ")
    assert "Solution optimale (prouvée)" in result.stdout
    assert sorted(p.name for p in folder.iterdir()) == [
        "creneaux.xlsx",
        "demandes.xlsx",
        "resultats",
    ]
    results = folder / "resultats"
    assert (results / "synthese.xlsx").is_file()
    assert (results / "notifications.csv").is_file()
    assert list((results / "centres").glob("*.xlsx"))
    referrals = read_referrals(folder / "demandes.xlsx")
    assert len(referrals.accepted) + len(referrals.rejections) == 40
    # One rejected row of each kind a telesecretariat meets.
    assert set(referrals.reason_counts()) == {
        Reason.MISSING_FIELD, Reason.INVALID_FIELD, Reason.NO_CONSENT,
        Reason.SUSPECTED_EMERGENCY, Reason.NOT_URGENT,
        Reason.COMPLEX_IMAGING, Reason.UNKNOWN_EXAM, Reason.CHILD_UNDER_6,
        Reason.EXAM_NOT_COVERED_FOR_CHILD,
        Reason.MOBILITY_WITHOUT_TRANSPORT, Reason.DUPLICATE_REFERRAL,
    }  # fmt: skip
    assert all(r.received_at <= NOW for r in referrals.accepted)
    slots = read_slots(folder / "creneaux.xlsx")
    assert slots.rejections == [] and len(slots.accepted) > 0
    assert all(s.start > NOW for s in slots.accepted)


def test_demo_without_libreoffice_says_it_writes_no_pdf(
    tmp_path: Path,
) -> None:
    folder = tmp_path / "demo"
    result = CliRunner().invoke(
        cli,
        ["demo", str(folder), "--now", "27/11/2026 10:00"],
        env={"PATH": str(tmp_path)},  # no soffice there
    )
    assert result.exit_code == 0, result.output
    assert (
        "  ! PDF non écrits : LibreOffice (soffice) n'est pas installé."
    ) in result.stdout.splitlines()
    assert not list(folder.rglob("*.pdf"))


def test_demo_is_reproducible(tmp_path: Path) -> None:
    for name in ("a", "b"):
        result = run(
            "demo", tmp_path / name, "--now", "27/11/2026 10:00", "--sans-pdf"
        )
        assert result.exit_code == 0, result.output
    first = read_referrals(tmp_path / "a" / "demandes.xlsx")
    second = read_referrals(tmp_path / "b" / "demandes.xlsx")
    assert first.accepted == second.accepted
    assert first.rejections == second.rejections


def test_demo_bad_seed_names_the_option(tmp_path: Path) -> None:
    result = run("demo", tmp_path / "demo", "--seed", "abc")
    assert_one_line_error(result, "valeur invalide pour --seed")


@pytest.mark.parametrize(
    "value", ["demain", "27/11/2026", "2026-13-01 10:00", "29/03/2026 02:30"]
)
def test_demo_bad_now_names_the_option(tmp_path: Path, value: str) -> None:
    result = run("demo", tmp_path / "demo", "--now", value)
    line = assert_one_line_error(result, "--now")
    assert line.startswith("Erreur : option --now : ")
    assert value not in line
    assert not (tmp_path / "demo").exists()
