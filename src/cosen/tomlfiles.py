"""Settings files in TOML: reading them and locating a mistake.

Scenario files and the sending configuration are both TOML documents a
coordinator or a planner writes by hand. Both report every mistake as one
French line naming the file, the dotted key and its line. A parsed TOML
document keeps no positions, so a key's line is looked up in the text
(:class:`Locator`).
"""

from __future__ import annotations

import re
import tomllib
from pathlib import Path
from typing import Any, ClassVar, Final, Self

from cosen.errors import OptionError, UnusableFileError

__all__ = ["Locator", "SettingError", "parse_toml", "read_text"]


class SettingError(OptionError):
    """A key of a settings file with an unusable value, as one French line.

    Subclasses name the kind of document (``document``), which opens the
    message.

    Parameters
    ----------
    key
        Dotted key at fault (``demand.2.per_day``, ``smtp.port``).
    problem
        What is wrong, in French (never a secret's value).
    source
        The file's name, when known.
    line
        The key's line in that file, when known.
    """

    document: ClassVar[str] = "Fichier"

    def __init__(
        self,
        key: str,
        problem: str,
        source: str | None = None,
        line: int | None = None,
    ) -> None:
        self.key = key
        self.problem = problem
        where = self.document + (f" « {source} »" if source else "")
        if line is not None:
            where += f", ligne {line}"
        end = "" if problem.endswith(".") else "."
        super().__init__(f"{where}, clé « {key} » : {problem}{end}")

    def inside(self, prefix: str) -> Self:
        """The same error for a key of the table at ``prefix``."""
        return type(self)(f"{prefix}.{self.key}", self.problem)

    def located(self, source: str, text: str) -> Self:
        """The same error, naming the file and the key's line in ``text``."""
        line = Locator(text).line(self.key)
        return type(self)(self.key, self.problem, source, line)


def read_text(path: Path) -> str:
    """The UTF-8 text of a settings file.

    Raises
    ------
    UnusableFileError
        When the file is missing, a folder, or not UTF-8 text.
    """
    try:
        return path.read_text(encoding="utf-8")
    except FileNotFoundError:
        raise UnusableFileError(path, "fichier introuvable.") from None
    except IsADirectoryError:
        raise UnusableFileError(
            path, "c'est un dossier, pas un fichier."
        ) from None
    except (OSError, UnicodeDecodeError):
        raise UnusableFileError(
            path, "illisible (fichier texte UTF-8 attendu)."
        ) from None


def parse_toml(text: str, name: str) -> dict[str, Any]:
    """The document in ``text`` (``name`` is what messages call it).

    Raises
    ------
    UnusableFileError
        When the text is not TOML: the message gives the line and, where
        the line holds one, its key.
    """
    try:
        return tomllib.loads(text)
    except tomllib.TOMLDecodeError as error:
        found = re.search(r"line (\d+)", str(error))
        lines = text.splitlines()
        number = int(found[1]) if found else max(1, len(lines))
        problem = f"syntaxe TOML invalide à la ligne {number}"
        key = Locator.KEY.match(lines[number - 1]) if lines else None
        if key:
            problem += f" (clé « {key[1]} »)"
        raise UnusableFileError(
            name, problem + " : vérifier guillemets, crochets et signes « = »."
        ) from None


class Locator:
    """Where keys are in a TOML text: line of ``table.key`` or
    ``block.N.key``, falling back to the closest enclosing table's header
    line."""

    HEADER: Final = re.compile(
        r"\s*(\[\[?)\s*([A-Za-z0-9_.\"' -]+?)\s*\]\]?\s*(?:#.*)?"
    )
    KEY: Final = re.compile(r"\s*[\"']?([A-Za-z0-9_-]+)[\"']?\s*[=.]")

    def __init__(self, text: str) -> None:
        self._lines: dict[tuple[str, ...], int] = {}
        table: tuple[str, ...] = ()
        counts: dict[str, int] = {}
        for number, line in enumerate(text.splitlines(), start=1):
            header = self.HEADER.fullmatch(line)
            if header:
                name = header[2].strip("\"' ")
                if header[1] == "[[":
                    counts[name] = counts.get(name, 0) + 1
                    table = (name, str(counts[name]))
                    self._lines.setdefault((name,), number)
                else:
                    table = (name,)
                self._lines.setdefault(table, number)
                continue
            key = self.KEY.match(line)
            if key:
                self._lines.setdefault((*table, key[1]), number)

    def line(self, key: str) -> int | None:
        """Line of ``key`` (dotted), else of its closest enclosing table."""
        path = tuple(key.split("."))
        while path:
            if path in self._lines:
                return self._lines[path]
            path = path[:-1]
        return None
