"""Fuzzing the intake: any file gives an Intake or a CosenError, nothing else.

The examples at the end of this module are the bugs fuzzing found.
"""

from __future__ import annotations

import csv
import io
import zipfile
from collections.abc import Callable, Mapping
from datetime import timedelta
from functools import cache
from pathlib import Path
from typing import Any

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from openpyxl import Workbook
from openpyxl.cell.cell import ILLEGAL_CHARACTERS_RE

import cosen.clock
import cosen.domain
import cosen.parsing
from cosen.domain import (
    REFERRAL_COLUMNS,
    SLOT_COLUMNS,
    Intake,
    Reason,
    Referral,
    Slot,
    check_referral,
)
from cosen.errors import CosenError
from cosen.io.readers import read_referrals, read_slots
from cosen.parsing import normalize_key
from tests.factories import referral_row, slot_row

FUZZ = settings(
    max_examples=120,
    deadline=None,
    database=None,
    suppress_health_check=[HealthCheck.too_slow],
)

Reader = Callable[[Path], Intake[Referral] | Intake[Slot]]
READERS: dict[str, Reader] = {
    "referrals": read_referrals,
    "slots": read_slots,
}
COLUMNS = {"referrals": REFERRAL_COLUMNS, "slots": SLOT_COLUMNS}
FACTORIES: dict[str, Callable[..., dict[str, str]]] = {
    "referrals": referral_row,
    "slots": slot_row,
}
ALL_NAMES = sorted(
    {c.french for c in (*REFERRAL_COLUMNS, *SLOT_COLUMNS)}
    | {c.alias for c in (*REFERRAL_COLUMNS, *SLOT_COLUMNS)}
)
KNOWN_KEYS = frozenset(normalize_key(name) for name in ALL_NAMES)
# Cell texts that reach the deeper parsers.
REALISTIC = (
    "", " ", "oui", "non", "x", "O", "faux", "1", "0", "08000", "8000",
    "67000", "06 12 34 56 78", "+41 21 123 45 67", "0033612345678", "12",
    "26/11/2026 09:30", "26/11/2026 9h", "2026-11-26T09:30+01:00",
    "2026-11-26T08:30Z", "46352.5", "46352,3958", "03/04/1970", "04/13/1970",
    "29/02/2023", "29/03/2026 02:30", "25/10/2026 02:30", "31/12/9999 23:59",
    "RADIO", "MAMMO+ECHO_SEIN", "IRM", "Échographie", "TEP + radio", "48h",
    "72h", "2 jours", "0h", "MIM", "SIMSE", "MIM-1", "15", "15.0", "9999",
    "zoe@example.fr", "a@b", "dr@medecin.mssante.fr", "Lœw", "N'Diaye",
    "=1+1", "\u00a0", "é" * 250,
)  # fmt: skip


@pytest.fixture(scope="module")
def workdir(tmp_path_factory: pytest.TempPathFactory) -> Path:
    return tmp_path_factory.mktemp("fuzz")


def intake_or_cosen_error(reader: Reader, path: Path) -> None:
    try:
        intake = reader(path)
    except CosenError as error:
        # One French line naming the file.
        assert "\n" not in str(error)
        assert f"« {path.name} »" in str(error)
        return
    assert isinstance(intake, Intake)
    rows = [*intake.rows.values(), *(r.row for r in intake.rejections)]
    assert len(rows) == len(set(rows))
    assert all(row >= 2 for row in rows)


# --------------------------------------------------------------------------
# Arbitrary bytes


@cache
def valid_workbook(suffix: str) -> bytes:
    """A small valid referrals workbook, as bytes."""
    buffer = io.BytesIO()
    if suffix == ".xlsx":
        workbook = Workbook()
        sheet = workbook.active
        assert sheet is not None
        sheet.title = "Demandes"
        sheet.append([c.french for c in REFERRAL_COLUMNS])
        sheet.append([referral_row()[c.field] for c in REFERRAL_COLUMNS])
        workbook.save(buffer)
    else:
        import pandas as pd

        frame = pd.DataFrame(
            [[referral_row()[c.field] for c in REFERRAL_COLUMNS]],
            columns=[c.french for c in REFERRAL_COLUMNS],
        )
        with pd.ExcelWriter(buffer, engine="odf") as writer:
            frame.to_excel(writer, sheet_name="Demandes", index=False)
    return buffer.getvalue()


def rezip(original: bytes, mutate: Callable[[str, bytes], bytes]) -> bytes:
    """The same zip archive with each member's bytes passed to ``mutate``."""
    out = io.BytesIO()
    with (
        zipfile.ZipFile(io.BytesIO(original)) as source,
        zipfile.ZipFile(out, "w") as target,
    ):
        for info in source.infolist():
            target.writestr(info, mutate(info.filename, source.read(info)))
    return out.getvalue()


@FUZZ
@given(
    kind=st.sampled_from(sorted(READERS)),
    suffix=st.sampled_from([".csv", ".xlsx", ".ods", ".txt"]),
    data=st.one_of(
        st.binary(max_size=3000),
        st.binary(max_size=500).map(lambda b: b"PK\x03\x04" + b),
        st.binary(max_size=500).map(lambda b: b"\xef\xbb\xbf" + b),
        st.binary(max_size=500).map(lambda b: b"sep=;\r\n" + b),
    ),
)
def test_arbitrary_bytes(
    workdir: Path, kind: str, suffix: str, data: bytes
) -> None:
    path = workdir / f"octets{suffix}"
    path.write_bytes(data)
    intake_or_cosen_error(READERS[kind], path)


@FUZZ
@given(
    suffix=st.sampled_from([".xlsx", ".ods"]),
    position=st.floats(min_value=0, max_value=1),
    length=st.integers(min_value=0, max_value=40),
    junk=st.binary(max_size=40),
    member=st.integers(min_value=0, max_value=20),
)
def test_workbook_with_mangled_xml(
    workdir: Path,
    suffix: str,
    position: float,
    length: int,
    junk: bytes,
    member: int,
) -> None:
    """A well-formed archive whose XML parts are damaged."""
    original = valid_workbook(suffix)
    with zipfile.ZipFile(io.BytesIO(original)) as archive:
        names = archive.namelist()
    target = names[member % len(names)]

    def mutate(name: str, content: bytes) -> bytes:
        if name != target:
            return content
        start = int(position * len(content))
        return content[:start] + junk + content[start + length :]

    path = workdir / f"abime{suffix}"
    path.write_bytes(rezip(original, mutate))
    intake_or_cosen_error(read_referrals, path)


# --------------------------------------------------------------------------
# Arbitrary CSV text

header_cells = st.one_of(
    st.sampled_from(ALL_NAMES),
    st.sampled_from(ALL_NAMES).map(lambda h: h.upper().replace("_", " ")),
    st.text(max_size=12),
)
text_cells = st.one_of(st.sampled_from(REALISTIC), st.text(max_size=30))
# A NUL character rightly makes a file "not a CSV": left out where a file
# must be usable.
printable_cells = st.one_of(
    st.sampled_from(REALISTIC),
    st.text(st.characters(blacklist_characters="\x00"), max_size=30),
)


def raw_line(cells: list[str], separator: str, quoted: list[bool]) -> str:
    """Cells joined by hand: quoted or not, whatever they contain."""
    parts = [
        '"' + c.replace('"', '""') + '"' if q else c
        for c, q in zip(cells, quoted, strict=False)
    ]
    return separator.join(parts)


@FUZZ
@given(
    kind=st.sampled_from(sorted(READERS)),
    separator=st.sampled_from([";", ",", "\t", "|", " "]),
    newline=st.sampled_from(["\n", "\r\n"]),
    encoding=st.sampled_from(["utf-8", "utf-8-sig", "cp1252"]),
    sep_line=st.sampled_from(["", "sep=;", "sep=,", "sep=", "SEP=|"]),
    header=st.lists(header_cells, max_size=25),
    rows=st.lists(st.lists(text_cells, max_size=25), max_size=6),
    quoting=st.lists(st.booleans(), min_size=25, max_size=25),
)
def test_arbitrary_csv_text(
    workdir: Path,
    kind: str,
    separator: str,
    newline: str,
    encoding: str,
    sep_line: str,
    header: list[str],
    rows: list[list[str]],
    quoting: list[bool],
) -> None:
    lines = [sep_line] if sep_line else []
    lines += [raw_line(r, separator, quoting) for r in [header, *rows]]
    data = newline.join(lines).encode(encoding, errors="replace")
    path = workdir / "texte.csv"
    path.write_bytes(data)
    intake_or_cosen_error(READERS[kind], path)


def loose(name: str, style: int) -> str:
    """One of the spellings the contract accepts for a header."""
    return [
        name,
        name.upper(),
        name.replace("_", " ").title(),
        name.replace("_", "-"),
        f" {name} ",
    ][style % 5]


@FUZZ
@given(
    kind=st.sampled_from(sorted(READERS)),
    data=st.data(),
    separator=st.sampled_from([";", ","]),
    encoding=st.sampled_from(["utf-8", "utf-8-sig", "cp1252"]),
    sep_line=st.booleans(),
)
def test_well_formed_csv_accounts_for_every_row(
    workdir: Path,
    kind: str,
    data: st.DataObject,
    separator: str,
    encoding: str,
    sep_line: bool,
) -> None:
    """With a usable header, reading never fails, and every row is either
    accepted or rejected, under the line number it starts on."""
    columns = COLUMNS[kind]
    chosen = data.draw(st.permutations(columns))
    styles = data.draw(st.lists(st.integers(0, 4), min_size=len(chosen),
                                max_size=len(chosen)))  # fmt: skip
    junk = data.draw(
        st.lists(
            st.text(st.characters(blacklist_characters="\r\n\x00"), max_size=8)
            .filter(lambda t: t.strip() != "")
            .filter(lambda t: normalize_key(t) not in KNOWN_KEYS),
            max_size=2,
        )
    )
    header = [loose(c.french if s < 3 else c.alias, s)
              for c, s in zip(chosen, styles, strict=True)] + junk  # fmt: skip
    count = data.draw(st.integers(min_value=1, max_value=5))
    records: list[list[str]] = []
    for number in range(count):
        base = FACTORIES[kind]()
        changes = data.draw(
            st.dictionaries(
                st.sampled_from([c.field for c in columns[1:]]),
                printable_cells,
            )
        )
        row = base | changes
        cells = [row[c.field] for c in chosen] + ["?"] * len(junk)
        cells[chosen.index(columns[0])] = f"R{number}"  # the id: known
        records.append(cells)

    def serialize(cells: list[str]) -> str:
        buffer = io.StringIO(newline="")
        writer = csv.writer(buffer, delimiter=separator, lineterminator="\r\n")
        writer.writerow(cells)
        return buffer.getvalue()

    def line_count(text: str) -> int:
        return len(io.StringIO(text, newline="").readlines())

    text = ("sep=" + separator + "\r\n" if sep_line else "") + "".join(
        serialize(r) for r in [header, *records]
    )
    path = workdir / "propre.csv"
    path.write_bytes(text.encode(encoding, errors="replace"))

    intake = READERS[kind](path)

    expected: dict[str, int] = {}
    line = 1 + sep_line + line_count(serialize(header))
    for number, record in enumerate(records):
        expected[f"R{number}"] = line
        line += line_count(serialize(record))
    found = dict(intake.rows)
    found.update({r.record_id: r.row for r in intake.rejections})
    assert found == expected
    assert len(intake.accepted) + len(intake.rejections) == count


# --------------------------------------------------------------------------
# Arbitrary cell values in a real-headed sheet

cell_values: st.SearchStrategy[Any] = st.one_of(
    st.none(),
    st.sampled_from(REALISTIC),
    st.text(max_size=40).map(lambda t: ILLEGAL_CHARACTERS_RE.sub("", t)),
    st.integers(min_value=-(10**18), max_value=10**18),
    st.floats(),
    st.booleans(),
    st.datetimes(),
    st.dates(),
    st.times(),
    st.timedeltas(min_value=timedelta(days=-9999),
                  max_value=timedelta(days=9999)),
)  # fmt: skip


@FUZZ
@given(
    kind=st.sampled_from(sorted(READERS)),
    rows=st.lists(
        st.dictionaries(st.integers(min_value=1, max_value=20), cell_values),
        min_size=1,
        max_size=4,
    ),
)
def test_arbitrary_cell_values(
    workdir: Path, kind: str, rows: list[dict[int, Any]]
) -> None:
    columns = COLUMNS[kind]
    workbook = Workbook()
    sheet = workbook.active
    assert sheet is not None
    sheet.title = "Demandes" if kind == "referrals" else "Creneaux"
    sheet.append([c.french for c in columns])
    for number, changes in enumerate(rows, start=2):
        base = FACTORIES[kind]()
        values: list[Any] = [base[c.field] for c in columns]
        for position, value in changes.items():
            if position < len(values):  # column 0, the id, stays known
                values[position] = value
        values[0] = f"R{number}"
        for column, value in enumerate(values, start=1):
            sheet.cell(number, column, value)
    path = workdir / "cellules.xlsx"
    workbook.save(path)

    intake = READERS[kind](path)

    found = dict(intake.rows)
    found.update({r.record_id: r.row for r in intake.rejections})
    assert found == {f"R{n}": n for n in range(2, len(rows) + 2)}


# --------------------------------------------------------------------------
# check_referral on arbitrary text

FIELDS = [c.field for c in REFERRAL_COLUMNS]
# Echoed on purpose: exam labels (not patient data), the delay in hours and
# an unavailability item that cannot be read (the contract names the item).
ECHO_ALLOWED = {"exams", "desired_delay", "unavailable"}


@cache
def fixed_wording() -> str:
    """Everything a message may say whatever the input: the source text of
    the parsers and rules, and each sentence with each column name.
    Hypothesis draws strings from that source (``teleph``): such a string
    is found in a message without having been echoed."""
    sources = [
        Path(module.__file__ or "").read_text(encoding="utf-8")
        for module in (cosen.domain, cosen.parsing, cosen.clock)
    ]
    sentences = [
        f"{reason.sentence} : {column.french} — "
        for reason in Reason
        for column in REFERRAL_COLUMNS
    ]
    return "\n".join(sources + sentences)


@settings(max_examples=200, deadline=None, database=None)
@given(
    start_complete=st.booleans(),
    changes=st.dictionaries(
        st.sampled_from([*FIELDS, "inconnu"]),
        st.one_of(st.sampled_from(REALISTIC), st.text(max_size=40)),
    ),
)
def test_check_referral_never_raises_nor_echoes(
    start_complete: bool, changes: Mapping[str, str]
) -> None:
    raw = (referral_row() if start_complete else {}) | dict(changes)
    referral, issues, warnings = check_referral(raw)
    assert (referral is None) == bool(issues)
    assert all(isinstance(i.reason, Reason) for i in issues)
    said = [i.message for i in issues] + list(warnings)
    echoed = [raw[f] for f in ECHO_ALLOWED if f in raw]
    for field, value in raw.items():
        secret = value.strip()
        if field in ECHO_ALLOWED or len(secret) < 6:
            continue
        if any(secret in text for text in echoed):
            continue  # the same text also typed where echoing is allowed
        if secret in fixed_wording():
            continue
        assert not [s for s in said if secret in s], (field, secret)


# --------------------------------------------------------------------------
# Bugs fuzzing found, kept as examples


@pytest.mark.parametrize(
    "text",
    ["01/01/0001 00:05", "0001-01-01T00:00+01:00", "9999-12-31T23:59-05:00"],
)
def test_check_referral_with_out_of_range_datetime(text: str) -> None:
    _, issues, _ = check_referral(referral_row(received_at=text))
    assert [(i.reason, i.column) for i in issues] == [
        (Reason.INVALID_FIELD, "recue_le")
    ]


def test_reader_rejects_out_of_range_datetime_row(tmp_path: Path) -> None:
    fields = [c.field for c in REFERRAL_COLUMNS]
    lines = [
        ";".join(c.french for c in REFERRAL_COLUMNS),
        ";".join(referral_row()[f] for f in fields),
        ";".join(
            referral_row(referral_id="D2", received_at="01/01/0001 00:05")[f]
            for f in fields
        ),
    ]
    path = tmp_path / "d.csv"
    path.write_text("\n".join(lines), encoding="utf-8")
    intake = read_referrals(path)
    assert [r.referral_id for r in intake.accepted] == ["D1"]
    assert [(r.row, r.record_id) for r in intake.rejections] == [(3, "D2")]


def test_csv_with_huge_header_field(tmp_path: Path) -> None:
    path = tmp_path / "enorme.csv"
    path.write_bytes(b"a" * 200_000 + b"\nb\n")
    with pytest.raises(CosenError):
        read_referrals(path)


# --------------------------------------------------------------------------
# Lines in mixed encodings, over-long cells, hidden sheets

names = st.text(
    st.sampled_from("abcdefghijklmnopqrstuvwxyzéèêëàâçîïôöûüÿœæÉÈÀÇŒ'- "),
    min_size=1,
    max_size=12,
).filter(lambda t: t.strip(" '-") != "")


@FUZZ
@given(
    rows=st.lists(
        st.tuples(
            names,
            st.sampled_from(["utf-8", "cp1252"]),
            st.booleans(),
        ),
        min_size=1,
        max_size=8,
    ),
    bom=st.booleans(),
)
def test_mixed_encodings_never_garble(
    workdir: Path, rows: list[tuple[str, str, bool]], bom: bool
) -> None:
    """Whatever the lines' encodings, every row is accepted with the name as
    typed, or rejected by its row number: never accepted garbled."""
    fields = [c.field for c in REFERRAL_COLUMNS]
    data = ("\ufeff" if bom else "").encode() + (
        ";".join(c.french for c in REFERRAL_COLUMNS) + "\r\n"
    ).encode()
    for number, (name, encoding, long_cell) in enumerate(rows):
        row = referral_row(
            referral_id=f"R{number}",
            birth_name=name,
            address="x" * 40_000 if long_cell else "1 rue Haute",
        )
        data += (";".join(row[f] for f in fields) + "\r\n").encode(encoding)
    path = workdir / "encodages.csv"
    path.write_bytes(data)
    intake = read_referrals(path)
    typed = {f"R{n}": " ".join(name.split()) for n, (name, *_) in
             enumerate(rows)}  # fmt: skip
    for referral in intake.accepted:
        assert referral.birth_name == typed[referral.referral_id]
    found = dict(intake.rows)
    found.update({r.record_id: r.row for r in intake.rejections})
    assert found == {f"R{n}": n + 2 for n in range(len(rows))}
    for number, (_, _, long_cell) in enumerate(rows):
        if long_cell:
            assert f"R{number}" not in intake.rows


@settings(max_examples=25, deadline=None, database=None)
@given(
    states=st.lists(
        st.sampled_from(["visible", "hidden", "veryHidden"]),
        min_size=1,
        max_size=3,
    )
)
def test_only_visible_sheets_are_read(
    workdir: Path, states: list[str]
) -> None:
    workbook = Workbook()
    first = workbook.active
    assert first is not None
    workbook.remove(first)
    for index, state in enumerate(states):
        sheet = workbook.create_sheet("Demandes" + "_" * index)
        sheet.sheet_state = state
        sheet.append([c.french for c in REFERRAL_COLUMNS])
        row = referral_row(referral_id=f"S{index}")
        sheet.append([row[c.field] for c in REFERRAL_COLUMNS])
    if "visible" not in states:
        workbook.create_sheet("Instructions")
    path = workdir / "feuilles.xlsx"
    workbook.save(path)
    visible = [i for i, state in enumerate(states) if state == "visible"]
    if len(visible) != 1:
        with pytest.raises(CosenError):
            read_referrals(path)
        return
    intake = read_referrals(path)
    assert [r.referral_id for r in intake.accepted] == [f"S{visible[0]}"]
