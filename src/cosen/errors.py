"""Errors a user can act on.

Every :class:`CosenError` carries a one-line French message that names the
file, sheet, column or option at fault and never any personal data, so the
command line can print it as is and exit with :attr:`CosenError.exit_code`.
"""

from __future__ import annotations

from pathlib import Path

from cosen.parsing import printable


class CosenError(Exception):
    """Base class of the errors shown to users as one French line."""

    exit_code = 2


class UnusableFileError(CosenError):
    """A whole input file cannot be used (missing, unreadable, malformed).

    File and sheet names come from the user's disk and file: the message
    is made :func:`~cosen.parsing.printable`.

    Parameters
    ----------
    path
        The file at fault.
    problem
        What is wrong, in French, without personal data.
    sheet
        The sheet concerned, if any.
    """

    def __init__(
        self, path: Path | str, problem: str, sheet: str | None = None
    ) -> None:
        self.path = Path(path)
        self.sheet = sheet
        self.problem = problem
        where = f"« {self.path.name} »"
        if sheet:
            where += f", feuille « {sheet} »"
        super().__init__(printable(f"Fichier {where} : {problem}"))


class OptionError(CosenError):
    """A command-line option or setting has an unusable value."""
