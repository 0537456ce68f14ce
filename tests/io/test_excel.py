"""Low-level writing: atomic private files, rows fitted to their text."""

from __future__ import annotations

import os
import stat
from pathlib import Path
from typing import IO

import pytest
from hypothesis import given
from hypothesis import strategies as st

from cosen.errors import CosenError
from cosen.io.excel import check_replaceable, wrapped_lines, write_atomic


def test_short_text_takes_one_line() -> None:
    assert wrapped_lines("ORD-1", 10) == 1
    assert wrapped_lines("", 10) == 1


def test_words_wrap_and_line_breaks_count() -> None:
    text = "Échographie abdominale"  # 22 characters
    assert wrapped_lines(text, 30) == 1
    assert wrapped_lines(text, 14) == 2
    assert wrapped_lines("a\nb\nc", 30) == 3
    # A word longer than the column is broken where it overflows.
    assert wrapped_lines("X" * 40, 11) >= 4


def test_capitals_and_bold_take_more_room() -> None:
    assert wrapped_lines("LŒWENBRÜCK " * 4, 24) > wrapped_lines(
        "lœwenbrück " * 4, 24
    )
    title = "Date de naissance"
    assert wrapped_lines(title, 12, bold=True) >= wrapped_lines(title, 12)


@given(st.text(alphabet="abcdefgh ABC'-é", max_size=300), st.integers(6, 90))
def test_wrapping_never_needs_fewer_lines_than_the_width(
    text: str, width: int
) -> None:
    lines = wrapped_lines(text, width)
    assert lines >= 1
    # Every character is at least half a digit wide.
    assert lines >= (0.5 * len(text.replace(" ", ""))) / width
    assert wrapped_lines(text, width + 20) <= lines


def write(path: Path, data: bytes = b"new") -> None:
    def put(stream: IO[bytes]) -> None:
        stream.write(data)

    write_atomic(path, put)


def test_writes_are_private_and_leave_no_temporary(tmp_path: Path) -> None:
    target = tmp_path / "a" / "b.xlsx"
    write(target)
    assert target.read_bytes() == b"new"
    assert stat.S_IMODE(target.stat().st_mode) == 0o600
    assert stat.S_IMODE(target.parent.stat().st_mode) == 0o700
    assert [p.name for p in target.parent.iterdir()] == ["b.xlsx"]


def test_a_killed_write_leaves_a_temporary_the_next_one_removes(
    tmp_path: Path,
) -> None:
    stale = tmp_path / ".b.xlsx.abcd_123.tmp"
    stale.write_bytes(b"half")
    other = tmp_path / ".c.xlsx.abcd_123.tmp"  # another target's
    other.write_bytes(b"half")
    write(tmp_path / "b.xlsx")
    assert not stale.exists()
    assert other.exists()


@pytest.mark.parametrize("kind", ["fifo", "socket", "device", "folder"])
def test_only_a_regular_file_is_replaced(tmp_path: Path, kind: str) -> None:
    if kind == "device":
        target = Path("/dev/null")
    elif kind == "folder":
        target = tmp_path / "dossier"
        target.mkdir()
    else:
        target = tmp_path / kind
        if kind == "fifo":
            os.mkfifo(target)
        else:
            import socket

            server = socket.socket(socket.AF_UNIX)
            server.bind(str(target))
            server.close()
    mode = target.lstat().st_mode
    with pytest.raises(CosenError, match=r"pas un fichier ordinaire|dossier"):
        write(target)
    assert target.lstat().st_mode == mode
    assert stat.S_ISCHR(Path("/dev/null").stat().st_mode)


def test_a_link_is_not_replaced_nor_followed(tmp_path: Path) -> None:
    outside = tmp_path / "ailleurs.xlsx"
    outside.write_bytes(b"keep")
    link = tmp_path / "lien.xlsx"
    link.symlink_to(outside)
    with pytest.raises(CosenError, match="est un lien"):
        check_replaceable(link)
    with pytest.raises(CosenError):
        write(link)
    assert link.is_symlink() and outside.read_bytes() == b"keep"


def test_an_unwritable_folder_is_said_in_french(tmp_path: Path) -> None:
    if os.geteuid() == 0:
        pytest.skip("root writes anywhere: a read-only folder cannot be made")
    folder = tmp_path / "lecture-seule"
    folder.mkdir()
    folder.chmod(0o500)
    with pytest.raises(CosenError, match=r"\(accès refusé\)"):
        write(folder / "x.xlsx")
