"""One workbook sheet as rows of text, parsed in a child process.

The spreadsheet parser (calamine) lays a sheet out as a dense grid spanning
its outermost cells, and expands repeated rows and cells: a few kilobytes
that put one cell at XFD1048576 ask for 550 GB, and the process aborts (an
allocation failure is not an exception). So the parser runs in a child
process whose address space is capped in proportion to the bytes the file
really holds: a file that claims more than it holds ends the child, never
cosen. The parent (:mod:`cosen.io.tables`) reads the child's rows as they
come, so it never holds the grid either.

This module imports nothing heavy: it starts the child fast.

The child speaks JSON lines on its standard output: ``{"sheets": [[name,
visible, worksheet], ...]}``; it then reads the chosen sheet's name (a JSON
string line) on its standard input and answers ``{"size": [rows, columns,
last_row, last_column]}``, then ``{"rows": [[number, [cell, ...]], ...]}``
batches and ``{"end": true}``; or ``{"error": "unreadable"}`` or
``{"error": "limits", ...}``.
"""

from __future__ import annotations

import io
import json
import math
import resource
import sys
from datetime import date, datetime, time, timedelta
from typing import Any, Final

__all__ = ["cell_text"]

_BATCH: Final = 2000


def cell_text(value: Any) -> str:
    """Text of one cell as a spreadsheet library returns it."""
    if value is None or (isinstance(value, float) and math.isnan(value)):
        return ""
    if isinstance(value, bool):
        return "vrai" if value else "faux"
    if isinstance(value, int):
        return str(value)
    if isinstance(value, float):
        if value.is_integer() and abs(value) < 1e15:
            return str(int(value))
        return (
            format(value, ".10f").rstrip("0") if math.isfinite(value) else ""
        )
    if isinstance(value, datetime):
        return value.isoformat(sep=" ")
    if isinstance(value, date):
        return value.isoformat()
    if isinstance(value, time):
        return value.strftime("%H:%M:%S")
    if isinstance(value, timedelta):
        return str(round(value.total_seconds() / 60))
    return str(value).strip()


def _sheet_text(value: Any) -> str:
    """Text of a cell as calamine returns it, as pandas gave it to cosen
    before (a whole float is an integer, a date is a datetime at
    midnight): the same sheet reads the same."""
    if type(value) is str:
        return value.strip()
    if isinstance(value, float) and value.is_integer():
        return str(int(value))
    if isinstance(value, date) and not isinstance(value, datetime):
        value = datetime.combine(value, time())
    return cell_text(value)


def _send(message: dict[str, Any]) -> None:
    sys.stdout.write(json.dumps(message, ensure_ascii=False) + "\n")
    sys.stdout.flush()


def _cap_memory(headroom: int) -> None:
    """Cap this process's address space at what it uses now plus
    ``headroom`` bytes, and write no core file when it ends on the cap."""
    resource.setrlimit(resource.RLIMIT_CORE, (0, 0))
    try:
        with open("/proc/self/status", encoding="ascii") as status:
            used = next(
                int(line.split()[1]) * 1024
                for line in status
                if line.startswith("VmSize:")
            )
    except (OSError, StopIteration):
        return  # not Linux: the parser runs uncapped, as it did in-process
    limit = used + headroom
    resource.setrlimit(resource.RLIMIT_AS, (limit, limit))


def _main(path: str, headroom: int, max_rows: int, max_columns: int) -> None:
    _cap_memory(headroom)
    from python_calamine import (
        CalamineWorkbook,
        SheetTypeEnum,
        SheetVisibleEnum,
    )

    try:
        workbook = CalamineWorkbook.from_path(path)
        sheets = [
            [
                m.name,
                m.visible == SheetVisibleEnum.Visible,
                m.typ == SheetTypeEnum.WorkSheet,
            ]
            for m in workbook.sheets_metadata
        ]
    except Exception:
        _send({"error": "unreadable"})
        return
    _send({"sheets": sheets})
    name = json.loads(sys.stdin.readline())
    try:
        sheet = workbook.get_sheet_by_name(name)
    except Exception:
        _send({"error": "unreadable"})
        return
    first_row, first_column = sheet.start or (0, 0)
    last_row, last_column = sheet.end or (0, 0)
    rows, columns = last_row + 1, last_column + 1
    _send({"size": [rows, columns]})
    if rows > max_rows + 1 or columns > max_columns:
        return
    pad = [""] * first_column
    batch: list[Any] = []
    for number, values in enumerate(sheet.iter_rows(), start=first_row + 1):
        cells = pad + [_sheet_text(value) for value in values]
        if any(cells):
            batch.append([number, cells])
        if len(batch) == _BATCH:
            _send({"rows": batch})
            batch = []
    _send({"rows": batch})
    _send({"end": True})


if __name__ == "__main__":
    for stream in (sys.stdin, sys.stdout):
        if isinstance(stream, io.TextIOWrapper):
            stream.reconfigure(encoding="utf-8")
    _main(sys.argv[1], *map(int, sys.argv[2:5]))
