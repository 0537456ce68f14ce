"""Settings files: one French line naming the file, the key, its line."""

from __future__ import annotations

from pathlib import Path

import pytest

from cosen.errors import UnusableFileError
from cosen.tomlfiles import Locator, SettingError, parse_toml, read_text

TEXT = """\
[simulation]
days = 30

[[demand]]
per_day = 4

[[demand]]
exams = "RADIO"
per_day = 5
"""


class _Sample(SettingError):
    document = "Essai"


@pytest.mark.parametrize(
    ("key", "line"),
    [
        ("simulation.days", 2),
        ("simulation.absent", 1),
        ("demand.1.per_day", 5),
        ("demand.2.per_day", 9),
        ("demand.2.unknown", 7),
        ("demand", 4),
        ("other.key", None),
    ],
)
def test_a_key_is_found_on_its_line_or_its_table(
    key: str, line: int | None
) -> None:
    assert Locator(TEXT).line(key) == line


def test_an_error_names_document_file_key_and_line() -> None:
    error = _Sample("per_day", "doit être positif").inside("demand.2")
    message = str(error.located("essai.toml", TEXT))
    assert message == (
        "Essai « essai.toml », ligne 9, clé « demand.2.per_day » : "
        "doit être positif."
    )


def test_a_syntax_error_gives_line_and_key() -> None:
    with pytest.raises(UnusableFileError) as caught:
        parse_toml('[simulation]\ndays = "30\n', "essai.toml")
    message = str(caught.value)
    assert "ligne 2 (clé « days »)" in message
    assert message.startswith("Fichier « essai.toml » : syntaxe TOML")


def test_unreadable_files_are_named(tmp_path: Path) -> None:
    (tmp_path / "latin.toml").write_bytes("é = 1".encode("cp1252"))
    for name, problem in [
        ("absent.toml", "introuvable"),
        ("latin.toml", "UTF-8"),
        (".", "dossier"),
    ]:
        with pytest.raises(UnusableFileError, match=problem):
            read_text(tmp_path / name)
