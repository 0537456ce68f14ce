"""The workbooks as LibreOffice Calc reads and prints them.

First, each export converted to CSV (every sheet, cells as shown): dates
as a French user sees them, a name that looks like a formula as typed.

Then, checked as a person would: every workbook that ``allocate`` writes
(centre lists, synthesis, call list), the validation report and the
templates are printed to PDF and read back with ``pdftotext``: every long
field (a 200-character prescription, a three-exam label, a name with Œ and
an apostrophe) appears whole, no two words overprint each other, no list's
columns spill onto extra pages, every page is A4, and the validation
report's summary fits its page.
"""

from __future__ import annotations

import csv
import os
import re
import shutil
import subprocess
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from pathlib import Path

import pytest
from click.testing import CliRunner

from cosen.cli import cli
from cosen.domain import DEFAULT_PREPARATIONS, Exam
from tests.factories import (
    centre_row,
    referral_file,
    referral_row,
    slot_file,
    slot_row,
)
from tests.io.test_exports import FORMULA_ID, FORMULA_NAME, LONG_ID, export

SOFFICE = shutil.which("soffice")
PDFTOTEXT = shutil.which("pdftotext")
# Comma, double quote, UTF-8 (76), first line 1, no column formats,
# default language, quote only where needed, detect special numbers,
# save cell contents as shown (so DD/MM/YYYY), no formulas, keep spaces,
# every sheet to its own file (-1).
CSV_FILTER = (
    "csv:Text - txt - csv (StarCalc):"
    "44,34,76,1,,0,false,true,true,false,false,-1"
)

needs_soffice = pytest.mark.skipif(
    SOFFICE is None, reason="LibreOffice (soffice) is not installed"
)
needs_poppler = pytest.mark.skipif(
    PDFTOTEXT is None, reason="poppler-utils (pdftotext) is not installed"
)


def convert(files: list[Path], out: Path, home: Path, to: str) -> None:
    assert SOFFICE is not None
    environment = {**os.environ, "HOME": str(home)}
    done = subprocess.run(
        [
            SOFFICE,
            f"-env:UserInstallation={(home / 'profil').as_uri()}",
            "--headless",
            "--convert-to",
            to,
            "--outdir",
            str(out),
            *map(str, files),
        ],
        env=environment,
        capture_output=True,
        text=True,
        timeout=300,
        check=False,
    )
    assert done.returncode == 0, done.stderr


def read(path: Path) -> list[list[str]]:
    assert path.exists(), sorted(p.name for p in path.parent.iterdir())
    with path.open(encoding="utf-8", newline="") as stream:
        return list(csv.reader(stream))


@pytest.mark.soffice
@needs_soffice
def test_libreoffice_reads_the_exports(tmp_path: Path) -> None:
    case = export(tmp_path / "sorties")
    centre = case.path("centres/MIM-1.xlsx")
    summary = case.path("synthese.xlsx")
    calls = case.path("appels.xlsx")
    out = tmp_path / "csv"
    convert([centre, summary, calls], out, tmp_path / "home", CSV_FILTER)

    rows = read(out / "MIM-1-Rendez-vous.csv")
    assert rows[0][:4] == ["Heure", "Créneau", "Examen(s)", "Nom de naissance"]
    assert rows[1][0] == "Vendredi 27 novembre 2026 — 2 patients"
    assert rows[2:] == [
        [
            "14:30", "S2", "Mammographie", "Courlis", "Pélican",
            "Hermeline", "02/02/1965", "06 12 34 56 78", "non", "non",
            "Dr Kuntz", "ORD-1", "attribué", "", "D3",
        ],
        # The second slot of the visit: the patient's cells are merged.
        ["14:45", "S3", "Échographie mammaire", *[""] * 12],
        [
            # Shown as typed: Calc did not run it as a formula.
            "16:00", "S5", "Radiographie", FORMULA_NAME, "+Vandermeersch",
            "Adélaïde", "03/04/1970", "06 12 34 56 78", "non", "non",
            "Dr Kuntz", "ORD-1", "confirmé", "", "D1",
        ],
    ]  # fmt: skip

    answers = read(out / "appels-Réponses.csv")
    assert [(r[0], r[4], r[5]) for r in answers[1:]] == [
        (LONG_ID, "27/11/2026", "14:00"),
        ("D3", "27/11/2026", "14:30"),
        ("D1", "27/11/2026", "16:00"),
        ("D7", "27/11/2026", "17:00"),
        ("D10", "28/11/2026", "09:00"),
        ("D4", "28/11/2026", "11:00"),
        (FORMULA_ID, "28/11/2026", "12:00"),
    ]

    bookings = read(out / "synthese-Rendez-vous.csv")
    assert bookings[5] == [
        "D7", "S7", "SIMSE-2", "SIMSE", "27/11/2026", "17:00",
        "Échographie thyroïdienne", "1920", "26/11/2026 09:00",
    ]  # fmt: skip
    unbooked = read(out / "synthese-Non attribuées.csv")
    assert [r[:2] for r in unbooked[1:]] == [
        ["D5", "CAPACITY"],
        ["D8", "NO_COMPATIBLE_SLOT"],
    ]
    rejected = read(out / "synthese-Rejetées.csv")
    assert [r[:3] for r in rejected[1:]] == [
        ["7", "D9", "NO_CONSENT"],
        ["9", "D11", "COMPLEX_IMAGING"],
    ]
    figures = read(out / "synthese-Indicateurs.csv")
    assert ["Demandes attribuées", "7", "6", "1"] in [r[:4] for r in figures]
    assert ["Heure d'attribution", "27/11/2026 10:00"] in [
        r[:2] for r in figures
    ]


# --------------------------------------------------------------------------
# Printed, as a person reads it

PRESCRIPTION = (
    "Échographie abdomino-pelvienne : douleurs de l'hypochondre droit, "
    "depuis trois semaines, bilan hépatique perturbé (ASAT 2N, ALAT 3N), "
    "recherche de lithiase vésiculaire ; contrôle du rein gauche opéré."
)
assert len(PRESCRIPTION) == 200
THREE_EXAMS = "ECHO_ABDO+ECHO_MSK+ECHO_THYRO"
THREE_LABELS = (
    "Échographie abdominale + Échographie musculosquelettique + "
    "Échographie thyroïdienne"
)
NAME = "D'Œillet-Lœwenbrück"
USED_NAME = "N'Guessan-Cœurderoy"
CENTRE_NAME = "Centre d'imagerie médicale Saint-Joseph-de-l'Œuvre-Notre-Dame"
ACCESS = (
    "Entrée principale rue de l'Hôpital, ascenseur B jusqu'au 2e étage, "
    "parking visiteurs gratuit 30 minutes, place PMR devant l'entrée."
)


@dataclass(frozen=True)
class Printed:
    """A PDF's pages as text and as words with their boxes."""

    pages: list[str]
    words: list[list[tuple[float, float, float, float, str]]]
    sizes: list[tuple[float, float]]

    @property
    def text(self) -> str:
        return "\n".join(self.pages)


def squeeze(text: str) -> str:
    """Text without any white space, case folded: a field wrapped over
    several lines of a cell reads as one."""
    return re.sub(r"\s+", "", text).casefold()


def printed(pdf: Path) -> Printed:
    assert PDFTOTEXT is not None
    raw = subprocess.run(
        [PDFTOTEXT, "-raw", str(pdf), "-"],
        capture_output=True, text=True, check=True,
    ).stdout  # fmt: skip
    boxes = subprocess.run(
        [PDFTOTEXT, "-bbox", str(pdf), "-"],
        capture_output=True, text=True, check=True,
    ).stdout  # fmt: skip
    pages: list[list[tuple[float, float, float, float, str]]] = []
    sizes = []
    for line in boxes.splitlines():
        page = r'<page width="([\d.]+)" height="([\d.]+)"'
        if found := re.search(page, line):
            pages.append([])
            sizes.append((float(found[1]), float(found[2])))
        elif found := re.search(
            r'xMin="([\d.]+)" yMin="([\d.]+)" xMax="([\d.]+)" '
            r'yMax="([\d.]+)">(.*)</word>',
            line,
        ):
            x0, y0, x1, y1 = (float(found[i]) for i in range(1, 5))
            pages[-1].append((x0, y0, x1, y1, found[5]))
    texts = raw.split("\f")[: len(pages)]
    return Printed(texts, pages, sizes)


def overprints(
    words: Sequence[tuple[float, float, float, float, str]],
) -> list[tuple[str, str]]:
    """Pairs of words whose boxes overlap (one printed over the other)."""
    found = []
    ordered = sorted(words, key=lambda w: w[1])
    for i, (x0, y0, x1, y1, text) in enumerate(ordered):
        for u0, v0, u1, v1, other in ordered[i + 1 :]:
            if v0 >= y1:
                break
            width = min(x1, u1) - max(x0, u0)
            height = min(y1, v1) - max(y0, v0)
            # Glyph boxes touch where lines are tight: a real overprint
            # covers a good part of the smaller word.
            smaller = min((x1 - x0) * (y1 - y0), (u1 - u0) * (v1 - v0))
            if width > 0 and height > 0 and width * height > 0.3 * smaller:
                found.append((text, other))
    return found


def assert_whole(printed_text: str, fields: Iterable[str], where: str) -> None:
    flat = squeeze(printed_text)
    for field in fields:
        assert squeeze(field) in flat, f"{field!r} cut in {where}"


@pytest.fixture(scope="module")
def pdfs(tmp_path_factory: pytest.TempPathFactory) -> dict[str, Printed]:
    """What ``allocate``, ``validate``, ``template`` and ``batch run``
    write, printed."""
    if SOFFICE is None or PDFTOTEXT is None:
        pytest.skip("LibreOffice and poppler-utils (pdftotext) are needed")
    folder = tmp_path_factory.mktemp("imprime")
    referrals = referral_file(
        folder / "demandes.xlsx",
        [
            referral_row(referral_id="D1", birth_name=NAME,
                         used_name=USED_NAME, prescription=PRESCRIPTION,
                         exams=THREE_EXAMS),
            referral_row(referral_id="D2", birth_name="Martin",
                         exams="MAMMO+ECHO_SEIN", reduced_mobility="oui",
                         medical_transport="oui"),
            referral_row(referral_id="D3", birth_name="Sans-Créneau",
                         exams="SCANNER"),
            referral_row(referral_id="D4", consent="non",
                         suspected_emergency="oui", postcode="6700",
                         birth_name="Rejeté"),
        ],
    )  # fmt: skip
    slots = slot_file(
        folder / "creneaux.xlsx",
        [
            slot_row(slot_id="S1", exams="ECHO_ABDO,ECHO_MSK,ECHO_THYRO",
                     duration_min="45"),
            slot_row(slot_id="S2", start="28/11/2026 11:00", exams="MAMMO",
                     accessible="oui"),
            slot_row(slot_id="S3", start="28/11/2026 11:15",
                     exams="ECHO_SEIN", accessible="oui"),
        ],
        [centre_row(name=CENTRE_NAME, access=ACCESS)],
    )  # fmt: skip
    runner = CliRunner()
    out = folder / "sortie"
    for args in (
        ["allocate", referrals, slots, "--out", out,
         "--now", "27/11/2026 10:00"],
        ["validate", referrals, "--slots", slots,
         "--out", out / "rapport.xlsx"],
        ["template", folder / "modeles"],
    ):  # fmt: skip
        result = runner.invoke(cli, [str(a) for a in args])
        assert result.exit_code in (0, 1), result.output
    # A ledger's lists too: the current list of a centre, and a
    # withdrawn appointment in liberes/ (as batch run writes them).
    db, ledger_out = folder / "cosen.db", folder / "registre"
    withdrawn = slot_file(
        folder / "creneaux-2.xlsx",
        [
            slot_row(slot_id="S1", exams="ECHO_ABDO,ECHO_MSK,ECHO_THYRO",
                     duration_min="45", status="annule"),
            slot_row(slot_id="S2", start="28/11/2026 11:00", exams="MAMMO",
                     accessible="oui"),
            slot_row(slot_id="S3", start="28/11/2026 11:15",
                     exams="ECHO_SEIN", accessible="oui"),
            slot_row(slot_id="S4", start="28/11/2026 14:00",
                     exams="ECHO_ABDO,ECHO_MSK,ECHO_THYRO",
                     duration_min="45"),
        ],
        [centre_row(name=CENTRE_NAME, access=ACCESS)],
    )  # fmt: skip
    for files in ((referrals, slots), (referrals, withdrawn)):
        result = runner.invoke(
            cli,
            ["batch", "run", *map(str, files), "--out", str(ledger_out),
             "--db", str(db), "--now", "27/11/2026 10:00"],
        )  # fmt: skip
        assert result.exit_code == 0, result.output
    for kind in ("liste-complete", "liberes"):
        source = ledger_out / kind / "MIM-1.xlsx"
        (folder / f"{kind}.xlsx").write_bytes(source.read_bytes())
    books = [
        out / "centres" / "MIM-1.xlsx",
        out / "synthese.xlsx",
        out / "appels.xlsx",
        out / "rapport.xlsx",
        folder / "modeles" / "demandes.xlsx",
        folder / "modeles" / "creneaux.xlsx",
        folder / "liste-complete.xlsx",
        folder / "liberes.xlsx",
    ]
    convert(books, folder / "pdf", folder / "home", "pdf")
    return {
        book.stem: printed(folder / "pdf" / f"{book.stem}.pdf")
        for book in books
    }


def test_every_page_is_a4_and_nothing_overprints(
    pdfs: dict[str, Printed],
) -> None:
    for name, pdf in pdfs.items():
        for width, height in pdf.sizes:
            assert {round(width), round(height)} == {842, 595}, name
        for number, words in enumerate(pdf.words, start=1):
            assert overprints(words) == [], f"{name}, page {number}"


def test_centre_list_prints_long_fields_whole(
    pdfs: dict[str, Printed],
) -> None:
    pdf = pdfs["MIM-1"]
    assert all(width > height for width, height in pdf.sizes)  # landscape
    assert_whole(
        pdf.text,
        [PRESCRIPTION, THREE_LABELS, NAME, USED_NAME, CENTRE_NAME,
         "mobilité réduite, transport médicalisé"],
        "the centre list",
    )  # fmt: skip
    # The title once per page, in the page header.
    assert pdf.pages[0].count(CENTRE_NAME) == 1


def test_lists_keep_every_column_on_each_page(
    pdfs: dict[str, Printed],
) -> None:
    # A sheet's pages, known by their page header: its first and last
    # columns on each (spilled columns would print on pages of their own).
    for name, title, first, last in (
        ("MIM-1", "Rendez-vous COSEN", "Heure", "Demande"),
        ("liste-complete", "Liste complète", "Heure", "Demande"),
        ("liberes", "Rendez-vous COSEN libérés", "Heure", "Demande"),
        ("appels", "Appels aux patients", "Id", "Notes"),
        ("appels", "Demandes sans créneau", "Id", "Prescripteur"),
        ("synthese", "Demandes rejetées", "Ligne", "patient"),
        ("demandes", "Demandes — modèle", "id_demande", "centre_prefere"),
        ("creneaux", "Centres — modèle", "centre", "acces"),
    ):
        pages = [p for p in pdfs[name].pages if p.startswith(title)]
        assert pages, (name, title)
        for page in pages:
            words = page.split()
            assert first in words and last in words, f"{title}: spilled"


def test_ledger_lists_print_statuses_and_long_fields(
    pdfs: dict[str, Printed],
) -> None:
    """The current list of a centre prints each appointment's status; the
    list of released ones says the centre withdrew the slot."""
    current = pdfs["liste-complete"].text
    assert_whole(current, [PRESCRIPTION, THREE_LABELS, NAME], "liste-complete")
    assert "attribué" in current
    assert_whole(
        pdfs["liberes"].text,
        [PRESCRIPTION, NAME, "créneau retiré par le centre"],
        "liberes",
    )


def test_call_list_prints_what_to_tell_the_patient(
    pdfs: dict[str, Printed],
) -> None:
    pdf = pdfs["appels"]
    assert_whole(
        pdf.text,
        [
            NAME.upper(), USED_NAME.upper(), THREE_LABELS, CENTRE_NAME,
            ACCESS, "12 rue du Parc, 67000 Strasbourg",
            DEFAULT_PREPARATIONS[Exam.ECHO_ABDO],
            DEFAULT_PREPARATIONS[Exam.MAMMO],
            "transport médicalisé à réserver pour le 28/11 à 11:00",
            "SANS-CRÉNEAU Zoé",
        ],
        "the call list",
    )  # fmt: skip


def test_synthesis_prints_reasons_whole(pdfs: dict[str, Printed]) -> None:
    assert_whole(
        pdfs["synthese"].text,
        [THREE_LABELS, "Urgence suspectée : hors dispositif.",
         "Gestion habituelle de l'urgence : 15, 116 117 ou urgences "
         "hospitalières."],
        "the synthesis",
    )  # fmt: skip


def test_validation_summary_fits_its_page(pdfs: dict[str, Printed]) -> None:
    pages = pdfs["rapport"].pages
    first = squeeze(pages[0])
    for label in ("Demandes lues", "Demandes recevables", "Créneaux lus",
                  "Centres lus", "Préparations lues"):  # fmt: skip
        assert squeeze(label) in first, label
    assert "rejetées1" in first  # the count beside its label
    # The rejected rows start on a page of their own.
    assert squeeze("Demandes rejetées") not in squeeze(pages[0]).replace(
        squeeze("Demandes rejetées1"), ""
    )
    assert "Ligne" in pages[1]


def test_template_instructions_are_not_cut(pdfs: dict[str, Printed]) -> None:
    from cosen.io.templates import _REFERRAL_NOTES, _SLOT_NOTES

    assert_whole(pdfs["demandes"].text, _REFERRAL_NOTES, "demandes.xlsx")
    assert_whole(pdfs["creneaux"].text, _SLOT_NOTES, "creneaux.xlsx")


@pytest.mark.slow
@pytest.mark.soffice
@needs_soffice
def test_demo_writes_the_pdfs_of_what_is_printed(tmp_path: Path) -> None:
    result = CliRunner().invoke(
        cli, ["demo", str(tmp_path / "demo"), "--now", "27/11/2026 10:00"]
    )
    assert result.exit_code == 0, result.output
    results = tmp_path / "demo" / "resultats"
    workbooks = sorted((results / "centres").glob("*.xlsx"))
    assert workbooks
    pdfs = [
        p.with_suffix(".pdf") for p in [*workbooks, results / "appels.xlsx"]
    ]
    for pdf in pdfs:
        assert pdf.read_bytes().startswith(b"%PDF"), pdf
        assert pdf.stat().st_mode & 0o777 == 0o600
    # The PDFs belong to the run's set: a later run replaces them.
    manifest = (results / ".cosen-manifest.json").read_text()
    assert "appels.pdf" in manifest
