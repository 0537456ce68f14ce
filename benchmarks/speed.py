"""Planning speed, before and after: the two commands of issue 14's targets.

Times, as a planner runs them, ``cosen scenario run`` on the example
scenario (``cosen scenario template``: one year, 20 referrals a working
day, 2 allocations a day, 10 replications) and a 5-level sweep
``cosen scenario sweep --vary capacity.scale=0.8,0.9,1.0,1.1,1.2``, each
in a fresh interpreter (imports and process start-up counted), with as many
worker processes as CPUs. Then the same two commands at the revision
before the work on speed (:data:`BEFORE`), its ``src/`` taken from git
into a temporary folder, each revision on its own template. Both are
measured here, one after the other, so the ratio holds on any machine;
the targets are absolute (2 cores).

    python benchmarks/speed.py [--before REV] [--repeat 1] [--now-only]
"""

from __future__ import annotations

import argparse
import os
import subprocess
import sys
import tarfile
import tempfile
import time
from collections.abc import Sequence
from io import BytesIO
from pathlib import Path
from typing import Final

ROOT = Path(__file__).resolve().parent.parent
BEFORE: Final = "aae2242"
"""The last commit before the work on simulation speed (issue 14)."""
TARGETS: Final = {"run": 5.0, "sweep": 30.0}
"""Issue 14's targets on 2 cores, in seconds."""
COMMANDS: Final = {
    "run": ["run", "ex.toml", "--json"],
    "sweep": [
        "sweep", "ex.toml", "--json",
        "--vary", "capacity.scale=0.8,0.9,1.0,1.1,1.2",
    ],
}  # fmt: skip
LABELS: Final = {
    "run": "one year, 10 replications",
    "sweep": "5-level sweep (50 replications)",
}


def source_of(revision: str, into: Path) -> Path:
    """The ``src/`` folder of ``revision``, extracted under ``into``."""
    archive = subprocess.run(
        ["git", "-C", str(ROOT), "archive", "--format=tar", revision, "src"],
        check=True,
        capture_output=True,
    ).stdout
    with tarfile.open(fileobj=BytesIO(archive)) as tar:
        tar.extractall(into, filter="data")
    return into / "src"


def timings(source: Path, repeat: int) -> dict[str, float]:
    """Best wall time of each command with the package at ``source``."""
    environment = {**os.environ, "PYTHONPATH": str(source)}
    with tempfile.TemporaryDirectory() as folder:
        cosen = [sys.executable, "-m", "cosen", "scenario"]
        subprocess.run(
            [*cosen, "template", "ex.toml"],
            cwd=folder,
            env=environment,
            check=True,
            capture_output=True,
        )
        found = {}
        for name, arguments in COMMANDS.items():
            runs = []
            for _ in range(repeat):
                started = time.perf_counter()
                subprocess.run(
                    [*cosen, *arguments],
                    cwd=folder,
                    env=environment,
                    check=True,
                    capture_output=True,
                )
                runs.append(time.perf_counter() - started)
            found[name] = min(runs)
        return found


def table(now: dict[str, float], before: dict[str, float] | None) -> str:
    lines = [f"{'':34} {'now':>8} {'before':>8} {'ratio':>6} {'target':>7}"]
    for name, label in LABELS.items():
        compared = (
            f"{before[name]:7.1f}s {before[name] / now[name]:5.1f}x"
            if before
            else f"{'-':>8} {'-':>6}"
        )
        lines.append(
            f"{label:34} {now[name]:7.1f}s {compared} {TARGETS[name]:6.0f}s"
        )
    return "\n".join(lines)


def main(argv: Sequence[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--before", default=BEFORE)
    parser.add_argument("--repeat", type=int, default=1)
    parser.add_argument("--now-only", action="store_true")
    arguments = parser.parse_args(argv)
    print(
        f"wall times of `cosen scenario`, {os.cpu_count()} CPUs, best of "
        f"{arguments.repeat}"
    )
    now = timings(ROOT / "src", arguments.repeat)
    before = None
    if not arguments.now_only:
        with tempfile.TemporaryDirectory() as folder:
            try:
                source = source_of(arguments.before, Path(folder))
            except (OSError, subprocess.CalledProcessError):
                print(f"(no git history here: {arguments.before} not timed)")
            else:
                before = timings(source, arguments.repeat)
    print(table(now, before))


if __name__ == "__main__":
    main()
