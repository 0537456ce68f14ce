"""Intake benchmark: rows read and checked per second, and peak memory.

Each file is read by ``cosen.io.readers.read_referrals`` in a process of
its own, so that its peak memory is its own (the workbook parser's child
process is counted apart). The files are generated first with
``cosen.domain.samples`` (a few rows of each rejection kind included) and
kept in a temporary folder.

    python benchmarks/intake.py [--sizes 50000,200000] [--formats xlsx,csv]
"""

from __future__ import annotations

import argparse
import csv
import json
import resource
import subprocess
import sys
import tempfile
import time
from datetime import date, datetime
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent


def write_files(folder: Path, size: int, formats: list[str]) -> list[Path]:
    """Sample referrals of ``size`` rows in each format."""
    from cosen.clock import PARIS
    from cosen.domain import REFERRAL_COLUMNS
    from cosen.domain.samples import SampleSpec, sample_referrals
    from cosen.io.templates import write_referral_sheet

    spec = SampleSpec(
        now=datetime(2026, 11, 26, 9, 30, tzinfo=PARIS),
        referrals=size,
        bad_rows=max(1, size // 1000),
    )
    rows = sample_referrals(spec)
    paths = []
    if "xlsx" in formats:
        paths.append(folder / f"demandes-{size}.xlsx")
        write_referral_sheet(paths[-1], rows)
    if "csv" in formats:
        paths.append(folder / f"demandes-{size}.csv")
        with paths[-1].open("w", encoding="utf-8", newline="") as out:
            writer = csv.writer(out, delimiter=";")
            writer.writerow([c.french for c in REFERRAL_COLUMNS])
            writer.writerows(
                [_text(row.get(c.field, "")) for c in REFERRAL_COLUMNS]
                for row in rows
            )
    return paths


def _text(value: object) -> str:
    if isinstance(value, bool):
        return "oui" if value else "non"
    if isinstance(value, datetime):
        return value.strftime("%d/%m/%Y %H:%M")
    if isinstance(value, date):
        return value.strftime("%d/%m/%Y")
    return str(value)


def measure(path: Path) -> dict[str, object]:
    """Read one file in this process and report its figures."""
    from cosen.io.readers import read_referrals

    started = time.perf_counter()
    cpu = time.process_time()
    intake = read_referrals(path)
    seconds = time.perf_counter() - started
    cpu = time.process_time() - cpu
    rows = len(intake.accepted) + len(intake.rejections)
    return {
        "file": path.name,
        "rows": rows,
        "accepted": len(intake.accepted),
        "seconds": round(seconds, 2),
        "cpu_seconds": round(cpu, 2),
        "rows_per_s": round(rows / seconds),
        "peak_mb": round(_peak_kb() / 1024),
        "parser_peak_mb": round(
            resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss / 1024
        ),
    }


def _peak_kb() -> int:
    """This process's peak resident memory. Not ``ru_maxrss``: on Linux it
    keeps the peak of the parent a process was forked from (here, the one
    that generated the files)."""
    with open("/proc/self/status", encoding="ascii") as status:
        return next(
            int(line.split()[1])
            for line in status
            if line.startswith("VmHWM:")
        )


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--sizes", default="50000,200000")
    parser.add_argument("--formats", default="xlsx,csv")
    parser.add_argument("--one", help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.one:
        print(json.dumps(measure(Path(args.one))))
        return
    formats = args.formats.split(",")
    print(
        "| file | rows | seconds | CPU s | rows/s | peak RSS (MB) | "
        "parser child peak (MB) |"
    )
    print("| --- | --- | --- | --- | --- | --- | --- |")
    with tempfile.TemporaryDirectory() as folder:
        for size in map(int, args.sizes.split(",")):
            for path in write_files(Path(folder), size, formats):
                found = json.loads(
                    subprocess.run(
                        [sys.executable, __file__, "--one", str(path)],
                        check=True,
                        capture_output=True,
                        text=True,
                        cwd=ROOT,
                    ).stdout
                )
                print(
                    f"| {found['file']} | {found['rows']} | "
                    f"{found['seconds']} | {found['cpu_seconds']} | "
                    f"{found['rows_per_s']} | {found['peak_mb']} | "
                    f"{found['parser_peak_mb']} |",
                    flush=True,
                )


if __name__ == "__main__":
    sys.path.insert(0, str(ROOT))
    main()
