"""System errors reach users in French words, never the system's text."""

from __future__ import annotations

import errno

import pytest

from cosen.errors import system_reason


@pytest.mark.parametrize(
    "number, words",
    [
        (errno.EACCES, "accès refusé"),
        (errno.ENOSPC, "disque plein"),
        (errno.EROFS, "disque en lecture seule"),
        (errno.ENOENT, "introuvable"),
        (errno.EDQUOT, "quota du disque dépassé"),
        (errno.ENOTDIR, "un élément du chemin n'est pas un dossier"),
    ],
)
def test_common_errors_have_french_words(number: int, words: str) -> None:
    assert system_reason(OSError(number, "English text")) == words


def test_other_errors_are_named_not_quoted() -> None:
    reason = system_reason(OSError(errno.EPROTO, "Protocol error /x/y"))
    assert reason == "erreur du système (EPROTO)"
    assert system_reason(OSError("no errno")) == "erreur du système"


def test_a_file_open_in_another_program_on_windows() -> None:
    error = PermissionError(errno.EACCES, "sharing violation")
    error.winerror = 32  # type: ignore[attr-defined]
    assert system_reason(error) == "fichier ouvert dans un autre programme"
