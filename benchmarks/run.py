"""Allocation benchmark: time, memory and quality at N = 200 ... 20000.

Each instance runs in its own process so that its peak memory is its own.
Prints, per instance: its kind (``light``: the samples' mix, 8 % two-exam
visits, 1.2 slots per referral; ``visits``: 25 % two- or three-exam
visits, one slot per referral; ``unavailable``: ``light`` with 30 % of the
patients unable to come at some times), the time limit, wall time of the solve,
peak memory of the process, status, tiers 1-3 of the optimizer and of
first come first served, the gap to the bound, and the share of referrals
seen within their target. The last rows solve the largest instance under
a short limit, to show where the solver stops and with what gap.

    python benchmarks/run.py [--sizes 200,1000,5000,20000]
        [--kinds light,visits,unavailable] [--time-limit 60] [--short 15]
        [--seed 1]
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


def measure(
    size: int, seed: int, kind: str, limit: float
) -> dict[str, object]:
    """Solve one instance in this process and report its figures."""
    from benchmarks.instances import instance
    from cosen.optimizer import (
        SolverSettings,
        evaluate,
        first_come_first_served,
        solve,
    )

    problem = instance(size, seed, kind)
    started = time.perf_counter()
    solution = solve(problem, SolverSettings(time_limit=limit))
    seconds = time.perf_counter() - started
    greedy = evaluate(problem, first_come_first_served(problem))
    requests = len(problem.requests)
    return {
        "kind": kind,
        "limit": limit,
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
    parser.add_argument("--kinds", default="light,visits,unavailable")
    parser.add_argument("--time-limit", type=float, default=60.0)
    parser.add_argument("--short", type=float, default=15.0)
    parser.add_argument("--seed", type=int, default=1)
    parser.add_argument("--one", help=argparse.SUPPRESS)
    arguments = parser.parse_args()
    if arguments.one:
        kind, size, limit = arguments.one.split(":")
        row = measure(int(size), arguments.seed, kind, float(limit))
        print(json.dumps(row))
        return
    header = (
        f"{'kind':>6} {'N':>6} {'slots':>6} {'limit':>5} {'solve s':>8} "
        f"{'peak MB':>8} {'status':>9} {'booked':>7} {'late':>6} "
        f"{'late min':>10} {'gap':>14} {'FCFS bkd':>8} {'FCFS late':>9} "
        f"{'FCFS min':>10} {'in time %':>9} {'FCFS %':>7}"
    )
    print(header)
    sizes = [int(s) for s in arguments.sizes.split(",")]
    runs = [
        (kind, size, arguments.time_limit)
        for kind in arguments.kinds.split(",")
        for size in sizes
    ]
    if arguments.short:
        runs += [
            (kind, max(sizes), arguments.short)
            for kind in arguments.kinds.split(",")
        ]
    for kind, size, limit in runs:
        output = subprocess.run(
            [sys.executable, __file__, "--one", f"{kind}:{size}:{limit}",
             "--seed", str(arguments.seed)],
            check=True, capture_output=True, text=True, cwd=ROOT,
        ).stdout  # fmt: skip
        row = json.loads(output.strip().splitlines()[-1])
        tiers, greedy, gap = row["tiers"], row["greedy"], row["gap"]
        gaps = f"{gap['booked']}/{gap['late']}/{gap['late_minutes']}"
        print(
            f"{row['kind']:>6} {row['requests']:>6} {row['slots']:>6} "
            f"{row['limit']:>5g} {row['seconds']:>8} {row['peak_mb']:>8} "
            f"{row['status']:>9} {tiers['booked']:>7} {tiers['late']:>6} "
            f"{tiers['late_minutes']:>10} {gaps:>14} "
            f"{greedy['booked']:>8} {greedy['late']:>9} "
            f"{greedy['late_minutes']:>10} {row['within']:>9} "
            f"{row['greedy_within']:>7}",
            flush=True,
        )


if __name__ == "__main__":
    sys.path.insert(0, str(ROOT))
    main()
