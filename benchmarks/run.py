"""Allocation benchmark: time, memory and quality at N = 200 ... 20000.

Each size runs in its own process so that its peak memory is its own.
Prints, per size: wall time of the solve, peak memory of the process,
status, tiers 1-3 of the optimizer and of first come first served, the
gap to the bound, and the share of referrals seen within their target.

    python benchmarks/run.py [--sizes 200,1000,5000,20000] [--seed 1]
"""

from __future__ import annotations

import argparse
import json
import resource
import subprocess
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent


def measure(size: int, seed: int) -> dict[str, object]:
    """Solve one instance in this process and report its figures."""
    from benchmarks.instances import instance
    from cosen.optimizer import evaluate, first_come_first_served, solve

    problem = instance(size, seed)
    started = time.perf_counter()
    solution = solve(problem)
    seconds = time.perf_counter() - started
    greedy = evaluate(problem, first_come_first_served(problem))
    requests = len(problem.requests)
    return {
        "size": size,
        "requests": requests,
        "slots": len(problem.slots),
        "seconds": round(seconds, 2),
        "peak_mb": round(
            resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
        ),
        "status": solution.status.value,
        "methods": solution.methods,
        "tiers": vars(solution.tiers),
        "gap": vars(solution.gap),
        "greedy": vars(greedy),
        "within": round(
            100 * (solution.tiers.booked - solution.tiers.late) / requests, 1
        ),
        "greedy_within": round(
            100 * (greedy.booked - greedy.late) / requests, 1
        ),
    }


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--sizes", default="200,1000,5000,20000")
    parser.add_argument("--seed", type=int, default=1)
    parser.add_argument("--one", type=int, help=argparse.SUPPRESS)
    arguments = parser.parse_args()
    if arguments.one:
        print(json.dumps(measure(arguments.one, arguments.seed)))
        return
    header = (
        f"{'N':>6} {'slots':>6} {'solve s':>8} {'peak MB':>8} {'status':>9} "
        f"{'booked':>7} {'late':>6} {'late min':>10} {'gap':>9} "
        f"{'FCFS bkd':>8} {'FCFS late':>9} {'FCFS min':>10} "
        f"{'in time %':>9} {'FCFS %':>7}"
    )
    print(header)
    for size in (int(s) for s in arguments.sizes.split(",")):
        output = subprocess.run(
            [sys.executable, __file__, "--one", str(size),
             "--seed", str(arguments.seed)],
            check=True, capture_output=True, text=True, cwd=ROOT,
        ).stdout  # fmt: skip
        row = json.loads(output.strip().splitlines()[-1])
        tiers, greedy, gap = row["tiers"], row["greedy"], row["gap"]
        print(
            f"{row['requests']:>6} {row['slots']:>6} {row['seconds']:>8} "
            f"{row['peak_mb']:>8} {row['status']:>9} {tiers['booked']:>7} "
            f"{tiers['late']:>6} {tiers['late_minutes']:>10} "
            f"{gap['booked']}/{gap['late']}/{gap['late_minutes']:>5} "
            f"{greedy['booked']:>8} {greedy['late']:>9} "
            f"{greedy['late_minutes']:>10} {row['within']:>9} "
            f"{row['greedy_within']:>7}",
            flush=True,
        )


if __name__ == "__main__":
    sys.path.insert(0, str(ROOT))
    main()
