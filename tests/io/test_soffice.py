"""The exported workbooks as LibreOffice Calc reads them.

Each workbook is converted to CSV by ``soffice`` (every sheet, cells as
shown), so dates must come out as a French user sees them and a name that
looks like a formula must come out as typed, not evaluated.
"""

from __future__ import annotations

import csv
import os
import shutil
import subprocess
from pathlib import Path

import pytest

from tests.io.test_exports import FORMULA_ID, FORMULA_NAME, LONG_ID, export

SOFFICE = shutil.which("soffice")
# Comma, double quote, UTF-8 (76), first line 1, no column formats,
# default language, quote only where needed, detect special numbers,
# save cell contents as shown (so DD/MM/YYYY), no formulas, keep spaces,
# every sheet to its own file (-1).
CSV_FILTER = (
    "csv:Text - txt - csv (StarCalc):"
    "44,34,76,1,,0,false,true,true,false,false,-1"
)


def convert(files: list[Path], out: Path, home: Path) -> None:
    assert SOFFICE is not None
    environment = {**os.environ, "HOME": str(home)}
    done = subprocess.run(
        [
            SOFFICE,
            f"-env:UserInstallation={(home / 'profil').as_uri()}",
            "--headless",
            "--convert-to",
            CSV_FILTER,
            "--outdir",
            str(out),
            *map(str, files),
        ],
        env=environment,
        capture_output=True,
        text=True,
        timeout=120,
        check=False,
    )
    assert done.returncode == 0, done.stderr


def read(path: Path) -> list[list[str]]:
    assert path.exists(), sorted(p.name for p in path.parent.iterdir())
    with path.open(encoding="utf-8", newline="") as stream:
        return list(csv.reader(stream))


@pytest.mark.soffice
@pytest.mark.skipif(
    SOFFICE is None, reason="LibreOffice (soffice) is not installed"
)
def test_libreoffice_reads_the_exports(tmp_path: Path) -> None:
    case = export(tmp_path / "sorties")
    centre = case.path("centres/MIM-1.xlsx")
    summary = case.path("synthese.xlsx")
    out = tmp_path / "csv"
    convert([centre, summary], out, tmp_path / "home")

    rows = read(out / "MIM-1-Rendez-vous.csv")
    assert rows[0][0] == (
        "Rendez-vous COSEN — centre MIM-1 (groupe MIM) — le 27/11/2026"
    )
    assert rows[1][:4] == ["Date", "Heure", "Durée (min)", "Examen(s)"]
    assert rows[2:] == [
        [
            "27/11/2026", "14:30", "15", "Mammographie", "Courlis",
            "Pélican", "Hermeline", "02/02/1965", "06 12 34 56 78", "non",
            "non", "Dr Kuntz", "ORD-1", "D3",
        ],
        [
            "27/11/2026", "14:45", "15", "Échographie mammaire", "Courlis",
            "Pélican", "Hermeline", "02/02/1965", "06 12 34 56 78", "non",
            "non", "Dr Kuntz", "ORD-1", "D3",
        ],
        [
            # Shown as typed: Calc did not run it as a formula.
            "27/11/2026", "16:00", "15", "Radiographie", FORMULA_NAME,
            "+Vandermeersch", "Adélaïde", "03/04/1970", "06 12 34 56 78",
            "non", "non", "Dr Kuntz", "ORD-1", "D1",
        ],
    ]  # fmt: skip

    calls = read(out / "synthese-Patients à appeler.csv")
    assert [(r[0], r[1], r[6], r[7]) for r in calls[1:]] == [
        (LONG_ID, "Bouvreuil", "27/11/2026", "14:00"),
        ("D3", "Courlis", "27/11/2026", "14:30"),
        ("D1", FORMULA_NAME, "27/11/2026", "16:00"),
        ("D7", "Quarteroni", "27/11/2026", "17:00"),
        ("D10", "Gypaète", "28/11/2026", "09:00"),
        ("D4", "Dromadaire", "28/11/2026", "11:00"),
        (FORMULA_ID, "Harfang", "28/11/2026", "12:00"),
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
