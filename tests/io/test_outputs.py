"""Output sets: all of a run's files or all of the previous run's, never
a mix; only cosen's own files removed; no link followed out of the folder.
"""

from __future__ import annotations

import errno
import json
import multiprocessing
import os
import time
from pathlib import Path
from typing import IO

import pytest

from cosen.errors import CosenError
from cosen.io.excel import write_atomic
from cosen.io.outputs import MANIFEST, output_set


def write(path: Path, text: str) -> None:
    def put(stream: IO[bytes]) -> None:
        stream.write(text.encode())

    write_atomic(path, put)


def publish(folder: Path, files: dict[str, str]) -> list[Path]:
    with output_set(folder) as outputs:
        for name, text in files.items():
            write(outputs.path(name), text)
    return outputs.files


def contents(folder: Path) -> dict[str, str]:
    return {
        p.relative_to(folder).as_posix(): p.read_text()
        for p in folder.rglob("*")
        if p.is_file() and p.name != MANIFEST
    }


RUN_1 = {"synthese.xlsx": "1", "centres/A.xlsx": "1", "centres/B.xlsx": "1"}
RUN_2 = {"synthese.xlsx": "2", "centres/A.xlsx": "2"}


def test_a_set_replaces_the_previous_one(tmp_path: Path) -> None:
    paths = publish(tmp_path, RUN_1)
    assert paths == [tmp_path / name for name in RUN_1]
    assert contents(tmp_path) == RUN_1
    publish(tmp_path, RUN_2)
    # B was cosen's: it goes with the run that no longer has it.
    assert contents(tmp_path) == RUN_2
    manifest = json.loads((tmp_path / MANIFEST).read_text())
    assert manifest == {"files": ["centres/A.xlsx", "synthese.xlsx"]}
    assert sorted(p.name for p in tmp_path.iterdir()) == [
        MANIFEST, "centres", "synthese.xlsx",
    ]  # fmt: skip


def test_a_failure_while_writing_leaves_the_previous_set(
    tmp_path: Path,
) -> None:
    publish(tmp_path, RUN_1)
    with pytest.raises(CosenError) as raised, output_set(tmp_path) as outputs:
        write(outputs.path("synthese.xlsx"), "2")
        raise OSError(errno.ENOSPC, "No space left on device")
    assert str(raised.value) == (
        f"Impossible d'écrire dans « {tmp_path} » (disque plein) : rien "
        "n'est remplacé, les fichiers déjà présents restent tels quels."
    )
    assert contents(tmp_path) == RUN_1
    assert [p.name for p in tmp_path.glob(".cosen-*.tmp")] == []


def test_a_full_disk_names_the_file_not_the_staging_folder(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    publish(tmp_path, RUN_1)

    def full(handle: int) -> None:
        raise OSError(errno.ENOSPC, "No space left on device")

    with pytest.raises(CosenError) as raised, output_set(tmp_path) as outputs:
        write(outputs.path("centres/A.xlsx"), "2")
        monkeypatch.setattr(os, "fsync", full)
        write(outputs.path("synthese.xlsx"), "2")
    monkeypatch.undo()
    assert str(raised.value) == (
        f"Impossible d'écrire « {tmp_path / 'synthese.xlsx'} » (disque "
        "plein) : rien n'est remplacé, les fichiers déjà présents restent "
        "tels quels."
    )
    assert contents(tmp_path) == RUN_1


def test_only_files_cosen_wrote_are_removed(tmp_path: Path) -> None:
    publish(tmp_path, RUN_1)
    mine = tmp_path / "centres" / "annuaire.xlsx"
    mine.write_text("à moi")
    (tmp_path / "notes.txt").write_text("à moi aussi")
    publish(tmp_path, {"synthese.xlsx": "2"})
    assert contents(tmp_path) == {
        "synthese.xlsx": "2",
        "centres/annuaire.xlsx": "à moi",
        "notes.txt": "à moi aussi",
    }


def test_a_folder_emptied_of_cosen_files_goes(tmp_path: Path) -> None:
    publish(tmp_path, RUN_1)
    publish(tmp_path, {"synthese.xlsx": "2"})
    assert not (tmp_path / "centres").exists()


def test_a_link_out_of_the_folder_is_never_followed(tmp_path: Path) -> None:
    out, elsewhere = tmp_path / "sortie", tmp_path / "ailleurs"
    publish(out, RUN_1)
    elsewhere.mkdir()
    (elsewhere / "A.xlsx").write_text("ailleurs")
    (elsewhere / "B.xlsx").write_text("ailleurs")
    for name in ("A.xlsx", "B.xlsx"):
        (out / "centres" / name).unlink()
    (out / "centres").rmdir()
    (out / "centres").symlink_to(elsewhere)
    with pytest.raises(CosenError, match="hors du dossier de sortie"):
        publish(out, RUN_2)
    assert contents(elsewhere) == {"A.xlsx": "ailleurs", "B.xlsx": "ailleurs"}
    assert (out / "synthese.xlsx").read_text() == "1"
    # Removing the previous set's files does not go through the link
    # either.
    publish(out, {"synthese.xlsx": "3"})
    assert contents(elsewhere) == {"A.xlsx": "ailleurs", "B.xlsx": "ailleurs"}


def test_a_target_that_is_not_a_regular_file_is_refused(
    tmp_path: Path,
) -> None:
    os.mkfifo(tmp_path / "synthese.xlsx")
    with pytest.raises(CosenError, match="pas un fichier ordinaire"):
        publish(tmp_path, RUN_1)
    assert (tmp_path / "synthese.xlsx").is_fifo()
    assert not (tmp_path / "centres").exists()


def test_a_killed_switch_is_finished_by_the_next_write(
    tmp_path: Path,
) -> None:
    publish(tmp_path, RUN_1)
    # What a kill between two renames leaves: a complete staging folder,
    # one file already moved into place.
    staging = tmp_path / ".cosen-abcd1234.tmp"
    (staging / "centres").mkdir(parents=True)
    (staging / "centres" / "A.xlsx").write_text("2")
    (tmp_path / "synthese.xlsx").write_text("2")
    (staging / MANIFEST).write_text(
        json.dumps({"files": ["centres/A.xlsx", "synthese.xlsx"]})
    )
    with output_set(tmp_path) as outputs:
        # The interrupted set is whole before this one starts.
        assert contents(tmp_path) == RUN_2
        write(outputs.path("synthese.xlsx"), "3")
    assert contents(tmp_path) == {"synthese.xlsx": "3"}
    assert not staging.exists()


def test_leftovers_of_a_killed_write_are_removed(tmp_path: Path) -> None:
    publish(tmp_path, RUN_1)
    stale = [
        tmp_path / ".synthese.xlsx.k3y_9zq1.tmp",
        tmp_path / "centres" / ".A.xlsx.abcdefgh.tmp",
    ]
    for path in stale:
        path.write_text("half")
    incomplete = tmp_path / ".cosen-x1y2z3w4.tmp"
    incomplete.mkdir()
    (incomplete / "synthese.xlsx").write_text("half")
    kept = tmp_path / ".mine.tmp"  # not a name cosen makes
    kept.write_text("à moi")
    publish(tmp_path, RUN_1)
    assert not [p for p in stale if p.exists()]
    assert not incomplete.exists()
    assert kept.read_text() == "à moi"


def test_paths_must_stay_inside_the_set(tmp_path: Path) -> None:
    with output_set(tmp_path) as outputs:
        for name in ("../x.xlsx", "/etc/x", "a/../../x", MANIFEST, ""):
            with pytest.raises(ValueError):
                outputs.path(name)
    assert not (tmp_path.parent / "x.xlsx").exists()


def _slow_writer(folder: str, text: str, started: str) -> None:
    with output_set(Path(folder)) as outputs:
        Path(started).touch()
        for name in RUN_1:
            write(outputs.path(name), text)
            time.sleep(0.2)


def test_two_writers_take_turns(tmp_path: Path) -> None:
    """A second process waits for the first: it never removes the first
    one's staging folder as a leftover, and the result is one whole set."""
    out = tmp_path / "sortie"
    out.mkdir()
    started = tmp_path / "started"
    context = multiprocessing.get_context("spawn")
    first = context.Process(
        target=_slow_writer, args=(str(out), "1", str(started))
    )
    first.start()
    deadline = time.monotonic() + 30
    while not started.exists() and time.monotonic() < deadline:
        time.sleep(0.02)
    publish(out, {name: "2" for name in RUN_1})
    first.join(30)
    assert first.exitcode == 0
    assert contents(out) == {name: "2" for name in RUN_1}
