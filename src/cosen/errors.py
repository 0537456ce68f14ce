"""Errors a user can act on.

Every :class:`CosenError` carries a one-line French message that names the
file, sheet, column or option at fault and never any personal data, so the
command line can print it as is and exit with :attr:`CosenError.exit_code`.
System errors reach users through :func:`system_reason`: the operating
system's own text is English (and may be in any language), never shown.
"""

from __future__ import annotations

import errno
from pathlib import Path
from typing import Final

__all__ = [
    "CosenError",
    "OptionError",
    "UnusableFileError",
    "system_reason",
]

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


_SYSTEM_REASONS: Final = {
    errno.EACCES: "accès refusé",
    errno.EPERM: "opération non permise",
    errno.ENOSPC: "disque plein",
    errno.EDQUOT: "quota du disque dépassé",
    errno.EFBIG: "fichier trop gros pour ce disque",
    errno.EROFS: "disque en lecture seule",
    errno.ENOENT: "introuvable",
    errno.ENOTDIR: "un élément du chemin n'est pas un dossier",
    errno.EISDIR: "c'est un dossier",
    errno.EEXIST: "existe déjà",
    errno.ENOTEMPTY: "dossier non vide",
    errno.ENAMETOOLONG: "nom trop long",
    errno.ELOOP: "trop de liens symboliques",
    errno.EBUSY: "occupé par un autre programme",
    errno.ETXTBSY: "occupé par un autre programme",
    errno.EMFILE: "trop de fichiers ouverts",
    errno.ENFILE: "trop de fichiers ouverts",
    errno.ENOMEM: "mémoire insuffisante",
    errno.EIO: "erreur de lecture ou d'écriture du disque",
    errno.ENXIO: "périphérique absent",
    errno.ENODEV: "périphérique absent",
    errno.ESTALE: "partage réseau déconnecté",
    errno.EXDEV: "déplacement impossible d'un disque à un autre",
    errno.EAGAIN: "ressource momentanément indisponible",
    errno.EINTR: "opération interrompue",
    errno.ETIMEDOUT: "délai dépassé",
    errno.ECONNREFUSED: "connexion refusée",
    errno.EHOSTUNREACH: "machine injoignable",
    errno.ENETUNREACH: "réseau injoignable",
    errno.EOPNOTSUPP: "opération non prise en charge par ce disque",
}
# Windows reports a file open in another program (Excel holds the files it
# shows) as a sharing or lock violation.
_WINDOWS_REASONS: Final = {
    32: "fichier ouvert dans un autre programme",
    33: "fichier ouvert dans un autre programme",
}


def system_reason(error: OSError) -> str:
    """What went wrong, in French words, for a message about a file.

    The operating system's text (``error.strerror``) is never used: it is
    in the system's language, and some libraries put a path or data in it.

    >>> system_reason(PermissionError(13, "Permission denied"))
    'accès refusé'
    """
    windows = getattr(error, "winerror", None)
    if windows in _WINDOWS_REASONS:
        return _WINDOWS_REASONS[windows]
    if error.errno in _SYSTEM_REASONS:
        return _SYSTEM_REASONS[error.errno]
    if error.errno is None:
        return "erreur du système"
    name = errno.errorcode.get(error.errno, str(error.errno))
    return f"erreur du système ({name})"
