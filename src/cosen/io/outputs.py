"""A set of output files that readers only ever see whole.

An allocation writes several files that belong together (centre lists,
summary, call list, notices). They are first written into a staging
folder inside the output folder; when all are written, a manifest marks
the staging folder complete and the files are moved into place, each by an
atomic rename, and the files of the previous set that the new one lacks
are removed. A failure while writing (a full disk) leaves the previous set
untouched; a kill while moving leaves a complete staging folder that the
next write to the folder finishes first. Nothing is ever removed but files
cosen listed in its manifest, and no link is followed out of the folder.

Usage, for one set made of several writers::

    with output_set(folder) as outputs:
        save_workbook(workbook, outputs.path("synthese.xlsx"))
        add_centre_lists(outputs, "liste-complete", booked)
    # here every file of the set is in place, or an error was raised
"""

from __future__ import annotations

import json
import os
import re
import shutil
import stat
import sys
import tempfile
from collections.abc import Iterator
from contextlib import contextmanager, suppress
from pathlib import Path, PurePosixPath
from typing import Final

from cosen.errors import CosenError, system_reason
from cosen.io.excel import (
    check_replaceable,
    private_folder,
    remove_stale_temporaries,
)

__all__ = ["MANIFEST", "OutputSet", "output_set", "set_files"]

MANIFEST: Final = ".cosen-manifest.json"
_STAGING: Final = re.compile(r"\.cosen-[a-z0-9_]{8}\.tmp")


class OutputSet:
    """Files being written as one set into ``folder``.

    Write each file at :meth:`path` (inside the staging folder); it is
    moved to :meth:`final` when the set is complete.
    """

    def __init__(self, folder: Path, staging: Path) -> None:
        self.folder = folder
        self.staging = staging
        self._files: dict[str, None] = {}

    def path(self, relative: str | PurePosixPath) -> Path:
        """Where to write the set's file ``relative`` (``centres/X.xlsx``)
        now; its folders are created."""
        name = _relative(relative)
        target = self.staging / name
        private_folder(target.parent)
        self._files[name] = None
        return target

    def final(self, relative: str | PurePosixPath) -> Path:
        """Where the file ``relative`` will be once the set is in place."""
        return self.folder / _relative(relative)

    @property
    def files(self) -> list[Path]:
        """Final paths of the files of the set, in the order added."""
        return [self.folder / name for name in self._files]


@contextmanager
def output_set(folder: Path) -> Iterator[OutputSet]:
    """Write a set of files into ``folder``, all or nothing.

    What an earlier, interrupted write left in ``folder`` is finished (a
    complete set) or removed (temporary files) first. Two processes
    writing into one folder take turns (on systems with ``flock``).

    Raises
    ------
    CosenError
        When ``folder`` cannot be written, a target is not a regular file,
        or a folder of the set is a link; the previous set is then intact,
        unless the error says otherwise.
    """
    try:
        private_folder(folder)
    except OSError as error:
        raise CosenError(
            f"Impossible de créer le dossier « {folder} » "
            f"({system_reason(error)})."
        ) from None
    if not folder.is_dir():
        raise CosenError(f"« {folder} » n'est pas un dossier.")
    with _lock(folder):
        _recover(folder)
        try:
            staging = Path(
                tempfile.mkdtemp(prefix=".cosen-", suffix=".tmp", dir=folder)
            )
        except OSError as error:
            raise CosenError(
                f"Impossible d'écrire dans le dossier « {folder} » "
                f"({system_reason(error)})."
            ) from None
        outputs = OutputSet(folder, staging)
        try:
            yield outputs
            names = [
                name for name in outputs._files if (staging / name).is_file()
            ]
            targets = _targets(folder, names)
            _write_manifest(staging / MANIFEST, names)
        except (CosenError, OSError) as error:
            # Nothing moved: the previous set stays whole. The message
            # names the file where it would have gone, not the staging.
            shutil.rmtree(staging, ignore_errors=True)
            if isinstance(error, OSError):
                text = (
                    f"Impossible d'écrire dans « {folder} » "
                    f"({system_reason(error)})"
                )
            else:
                text = str(error).replace(str(staging), str(folder))
            raise CosenError(
                f"{text.rstrip('.')} : rien n'est remplacé, les fichiers "
                "déjà présents restent tels quels."
            ) from None
        except BaseException:
            shutil.rmtree(staging, ignore_errors=True)
            raise
        _switch(folder, staging, targets)


def _relative(relative: str | PurePosixPath) -> str:
    """A path inside the set, checked: relative, no ``..``, not ours."""
    path = PurePosixPath(relative)
    if (
        path.is_absolute()
        or not path.parts
        or any(part in ("", ".", "..") for part in path.parts)
        or path.name == MANIFEST
    ):
        raise ValueError(f"not a path inside an output set: {relative}")
    return path.as_posix()


@contextmanager
def _lock(folder: Path) -> Iterator[None]:
    """Hold an exclusive lock on ``folder`` (released if killed)."""
    if sys.platform == "win32":  # no flock: writers must not overlap
        yield
        return
    import fcntl

    try:
        handle = os.open(folder, os.O_RDONLY)
    except OSError as error:
        raise CosenError(
            f"Impossible de lire le dossier « {folder} » "
            f"({system_reason(error)})."
        ) from None
    try:
        # A share without locks: take the risk, as before.
        with suppress(OSError):
            fcntl.flock(handle, fcntl.LOCK_EX)
        yield
    finally:
        os.close(handle)


def _write_manifest(path: Path, names: list[str]) -> None:
    data = json.dumps({"files": sorted(names)}, indent=1).encode()
    handle = os.open(path, os.O_CREAT | os.O_WRONLY | os.O_TRUNC, 0o600)
    with os.fdopen(handle, "wb") as stream:
        stream.write(data)
        stream.flush()
        os.fsync(stream.fileno())
    _sync_folder(path.parent)


def _sync_folder(folder: Path) -> None:
    """Make the folder's new entries durable (POSIX; a no-op elsewhere)."""
    if sys.platform == "win32":
        return
    handle = os.open(folder, os.O_RDONLY)
    try:
        os.fsync(handle)
    finally:
        os.close(handle)


def set_files(folder: Path) -> list[str]:
    """The files of the set last written into ``folder`` (relative POSIX
    names, in the order written): what may be offered for download."""
    return _read_manifest(folder / MANIFEST)


def _read_manifest(path: Path) -> list[str]:
    """The files a manifest lists; none when it is absent or unreadable
    (then nothing is removed, which is the safe side)."""
    try:
        if not stat.S_ISREG(path.lstat().st_mode):
            return []
        files = json.loads(path.read_text(encoding="utf-8"))["files"]
    except (OSError, ValueError, KeyError, TypeError):
        return []
    names = []
    for name in files:
        try:
            names.append(_relative(str(name)))
        except ValueError:
            continue
    return names


def _inside(folder: Path, name: str) -> Path | None:
    """``folder / name`` if no folder on the way is a link or a file (a
    missing one is fine); else ``None``."""
    current = folder
    for part in PurePosixPath(name).parts[:-1]:
        current = current / part
        try:
            mode = current.lstat().st_mode
        except FileNotFoundError:
            return folder / name
        if not stat.S_ISDIR(mode):
            return None
    return folder / name


def _recover(folder: Path) -> None:
    """Finish a complete set a kill interrupted; remove what incomplete
    writes left (staging folders without manifest, temporary files)."""
    try:
        entries = list(os.scandir(folder))
    except OSError as error:
        raise CosenError(
            f"Impossible de lire le dossier « {folder} » "
            f"({system_reason(error)})."
        ) from None
    for entry in entries:
        if not (
            _STAGING.fullmatch(entry.name)
            and entry.is_dir(follow_symlinks=False)
        ):
            continue
        staging = Path(entry.path)
        if (staging / MANIFEST).is_file():
            _switch(folder, staging)
        else:
            shutil.rmtree(staging, ignore_errors=True)
    remove_stale_temporaries(folder)
    for name in _read_manifest(folder / MANIFEST):
        path = _inside(folder, name)
        if path is not None and path.parent.is_dir():
            remove_stale_temporaries(path.parent)


def _targets(folder: Path, names: list[str]) -> dict[str, Path]:
    """Where each file of a set goes, all checked before anything moves.

    Raises
    ------
    CosenError
        When a folder on the way is a link (or a file), or a target is not
        a regular file.
    """
    targets: dict[str, Path] = {}
    for name in names:
        target = _inside(folder, name)
        if target is None:
            raise CosenError(
                f"« {folder / PurePosixPath(name).parent} » est un lien ou un "
                "fichier : cosen n'écrit pas hors du dossier de sortie."
            )
        check_replaceable(target)
        targets[name] = target
    return targets


def _switch(
    folder: Path, staging: Path, targets: dict[str, Path] | None = None
) -> None:
    """Move a complete staging folder's files into place, remove the
    previous set's files that the new one lacks, then the staging folder.
    """
    names = _read_manifest(staging / MANIFEST)
    if targets is None:
        targets = _targets(folder, names)
    previous = set(_read_manifest(folder / MANIFEST))
    # Folders that a set of their own wrote before (the ledger's lists):
    # the new set owns what their manifests list.
    nested = {
        folder / PurePosixPath(name).parent / MANIFEST
        for name in names
        if PurePosixPath(name).parent != PurePosixPath(".")
    }
    for manifest in nested:
        base = PurePosixPath(manifest.parent.relative_to(folder).as_posix())
        previous.update(
            (base / name).as_posix() for name in _read_manifest(manifest)
        )
    try:
        for name, target in targets.items():
            source = staging / name
            if source.is_file():
                private_folder(target.parent)
                os.replace(source, target)
        for name in sorted(previous - set(names)):
            _remove(folder, name)
        for manifest in nested:
            if manifest.is_file() and not manifest.is_symlink():
                manifest.unlink()
        os.replace(staging / MANIFEST, folder / MANIFEST)
        _sync_folder(folder)
    except OSError as error:
        raise CosenError(
            f"Fichiers de « {folder} » mis en place en partie "
            f"({system_reason(error)}) : ils le seront en entier à la "
            "prochaine écriture dans ce dossier."
        ) from None
    shutil.rmtree(staging, ignore_errors=True)


def _remove(folder: Path, name: str) -> None:
    """Remove a file of the previous set (a regular file only, never
    through a link), then its folders left empty."""
    path = _inside(folder, name)
    if path is None:
        return
    try:
        if not stat.S_ISREG(path.lstat().st_mode):
            return
    except FileNotFoundError:
        return
    path.unlink()
    parent = path.parent
    while parent != folder:
        try:
            parent.rmdir()
        except OSError:
            return
        parent = parent.parent
