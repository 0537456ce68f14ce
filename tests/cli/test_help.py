"""Every command's help is French, down to click's own words."""

from __future__ import annotations

import re

import click
import pytest
from click.testing import CliRunner

from cosen.cli import cli

# What click writes itself when nobody translated it.
ENGLISH = re.compile(
    r"Usage:|Options:|Commands:|Show this message|\[default|default:|"
    r"\brequired\b|\bINTEGER\b|\bFLOAT\b|\bTEXT\b|\bPATH\b|\bFILE\b|"
    r"\bDIRECTORY\b|\bBOOLEAN\b|\bRANGE\b|\bCOMMAND\b|\[ARGS\]|x>=|x<=|"
    r"\benv var\b|\(dynamic\)|\bShow the version\b"
)


def commands(
    group: click.Group, path: tuple[str, ...] = ()
) -> list[tuple[str, ...]]:
    found = [path]
    for name, command in sorted(group.commands.items()):
        if isinstance(command, click.Group):
            found += commands(command, (*path, name))
        else:
            found.append((*path, name))
    return found


COMMANDS = commands(cli)


def test_every_command_is_listed() -> None:
    names = {" ".join(c) for c in COMMANDS}
    assert {"allocate", "batch run", "scenario sweep", "validate"} <= names


@pytest.mark.parametrize("path", COMMANDS, ids=" ".join)
def test_help_is_french(path: tuple[str, ...]) -> None:
    result = CliRunner().invoke(cli, [*path, "--help"], prog_name="cosen")
    assert result.exit_code == 0, result.output
    text = result.stdout
    assert text.startswith("Utilisation : cosen")
    assert "Affiche cette aide." in text
    assert not ENGLISH.search(text), ENGLISH.findall(text)
    command: click.Command = cli
    for name in path:
        assert isinstance(command, click.Group)
        command = command.commands[name]
    assert command.help, f"{' '.join(path)} has no help text"
