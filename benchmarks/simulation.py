"""Simulation benchmark: a year of a territory at 20 referrals a day.

Runs the example scenario (``cosen scenario template``): six centres of
MIM and SIMSE, 20 referrals a working day, two allocations a day, 365
days, 10 replications, in as many processes as CPUs. Target (issue 14):
under 5 s on 2 cores. Prints the wall time, the CPU time of one
replication, the peak memory, where the time goes (the allocation engine
or the rest of the simulator) and the main indicators. Wall times depend
on what else the machine runs; the CPU time of one replication much less.
``benchmarks/speed.py`` times the commands a planner types, before and
after, on this machine.

    python benchmarks/simulation.py [--workers N] [--replications 10]
        [--days 365] [--policy optimizer|fcfs] [--profile]

``--profile`` runs one replication in this process under cProfile and
prints the functions that take the most time.
"""

from __future__ import annotations

import argparse
import cProfile
import pstats
import resource
import time
from concurrent.futures import ProcessPoolExecutor
from multiprocessing import get_context
from typing import Any

from cosen.parsing import french_number
from cosen.scenarios.indicators import summarize
from cosen.scenarios.loader import ScenarioFile, example_text
from cosen.scenarios.params import Scenario
from cosen.scenarios.runner import available_cpus, run_replications
from cosen.scenarios.simulate import simulate

MAIN_INDICATORS = (
    "received", "within_target_pct", "wait_hours_mean", "wait_hours_p95",
    "utilization_pct", "unused_slots", "backlog_end",
)  # fmt: skip


def example(changes: dict[str, Any]) -> Scenario:
    return ScenarioFile.parse(example_text(), "example.toml").scenario(changes)


def peak_mb() -> float:
    """Peak resident memory of this process, in MB (Linux: kB units)."""
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024


def replication_peak_mb(scenario: Scenario) -> float:
    """Peak memory of a fresh process running one replication: what each
    worker needs (forkserver workers are not this process's children, so
    RUSAGE_CHILDREN does not see them)."""
    simulate(scenario, 0)
    return peak_mb()


def replication_cpu_seconds(scenario: Scenario) -> float:
    """CPU seconds of one replication in this process (slots built)."""
    simulate(scenario, 0)
    started = time.process_time()
    simulate(scenario, 1)
    return time.process_time() - started


def profile(scenario: Scenario) -> None:
    profiler = cProfile.Profile()
    profiler.runcall(simulate, scenario, 0)
    stats = pstats.Stats(profiler)
    stats.sort_stats("cumulative").print_stats(25)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--workers", type=int, default=available_cpus())
    parser.add_argument("--replications", type=int, default=10)
    parser.add_argument("--days", type=int, default=365)
    parser.add_argument("--policy", default="optimizer")
    parser.add_argument("--profile", action="store_true")
    arguments = parser.parse_args()
    scenario = example(
        {
            "simulation.replications": arguments.replications,
            "simulation.days": arguments.days,
            "simulation.policy": arguments.policy,
        }
    )
    if arguments.profile:
        profile(scenario)
        return
    started = time.perf_counter()
    (replications,) = run_replications([scenario], arguments.workers)
    wall = time.perf_counter() - started
    summary = summarize(scenario, replications)
    busy = sum(r.seconds for r in replications)
    engine = sum(r.allocation_seconds for r in replications)
    calls = sum(r.allocations for r in replications)
    print(
        f"{arguments.replications} replications of {arguments.days} days, "
        f"policy {arguments.policy}, {arguments.workers} processes "
        f"({available_cpus()} CPUs)"
    )
    print(f"wall time          {wall:8.1f} s   (target: < 5 s on 2 cores)")
    cpu = replication_cpu_seconds(scenario)
    print(f"one replication    {cpu:8.2f} s   CPU, in one process")
    print(
        f"replication time   {busy:8.1f} s   in all, "
        f"{busy / len(replications):.1f} s each"
    )
    print(
        f"allocation engine  {engine:8.1f} s   ({100 * engine / busy:.0f} %),"
        f" {calls} calls, {1000 * engine / calls:.1f} ms each"
    )
    print(
        f"rest of simulator  {busy - engine:8.1f} s   (drawing referrals and "
        "slots, bookkeeping)"
    )
    with ProcessPoolExecutor(1, mp_context=get_context("forkserver")) as pool:
        worker = pool.submit(replication_peak_mb, scenario).result()
    print(
        f"peak memory        {worker:8.0f} MB per worker process, "
        f"{peak_mb():.0f} MB parent"
    )
    for key in MAIN_INDICATORS:
        found = summary.overall[key]
        print(
            f"{key:<18} {french_number(found.mean):>8}     "
            f"[{french_number(found.low)} ; {french_number(found.high)}]"
        )


if __name__ == "__main__":
    main()
