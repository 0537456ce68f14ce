"""PDFs of the workbooks, as LibreOffice prints them, where it is installed.

A centre or a telesecretary who opens the PDF sees exactly what the
workbook prints on A4. LibreOffice runs headless with a profile of its
own (a first start takes a few seconds), so that it never touches the
user's settings nor waits for another LibreOffice window.
"""

from __future__ import annotations

import os
import shutil
import subprocess
import tempfile
from collections.abc import Sequence
from pathlib import Path, PurePosixPath
from typing import Final

from cosen.errors import CosenError
from cosen.io.outputs import OutputSet

__all__ = ["add_pdfs", "soffice"]

_TIMEOUT_SECONDS: Final = 300


def soffice() -> str | None:
    """LibreOffice's command, if installed."""
    return shutil.which("soffice") or shutil.which("libreoffice")


def add_pdfs(outputs: OutputSet, names: Sequence[str]) -> list[Path]:
    """Add to an output set the PDF of each of its workbooks ``names``
    (``centres/MIM-1.xlsx`` gives ``centres/MIM-1.pdf``); return their
    final paths.

    Raises
    ------
    CosenError
        When LibreOffice is not installed or fails.
    """
    command = soffice()
    if command is None:
        raise CosenError("LibreOffice (soffice) n'est pas installé.")
    if not names:
        return []
    with tempfile.TemporaryDirectory(prefix="cosen-pdf-") as work:
        folder = Path(work)
        # One LibreOffice start for every file: each under a name of its
        # own (two folders may hold a MIM-1.xlsx).
        sources = []
        for number, name in enumerate(names):
            source = folder / f"f{number}.xlsx"
            shutil.copyfile(outputs.path(name), source)
            sources.append(source)
        _convert(command, sources, folder)
        written = []
        for number, name in enumerate(names):
            pdf = PurePosixPath(name).with_suffix(".pdf").as_posix()
            made = folder / f"f{number}.pdf"
            if not made.is_file():
                raise CosenError(
                    f"LibreOffice n'a pas produit le PDF de « {name} »."
                )
            target = outputs.path(pdf)
            shutil.copyfile(made, target)
            target.chmod(0o600)
            written.append(outputs.final(pdf))
    return written


def _convert(command: str, sources: Sequence[Path], folder: Path) -> None:
    environment = {**os.environ, "HOME": str(folder)}
    try:
        done = subprocess.run(
            [
                command,
                f"-env:UserInstallation={(folder / 'profil').as_uri()}",
                "--headless",
                "--norestore",
                "--convert-to",
                "pdf",
                "--outdir",
                str(folder),
                *map(str, sources),
            ],
            env=environment,
            capture_output=True,
            timeout=_TIMEOUT_SECONDS,
            check=False,
        )
    except (OSError, subprocess.TimeoutExpired):
        raise CosenError(
            "LibreOffice n'a pas pu convertir les classeurs en PDF "
            f"(arrêté ou plus de {_TIMEOUT_SECONDS} s)."
        ) from None
    if done.returncode != 0:
        raise CosenError(
            "LibreOffice n'a pas pu convertir les classeurs en PDF "
            f"(code {done.returncode})."
        )
