"""The simulator: what it hands the real allocation engine at each step,
what it records, and that it is a pure function of scenario and index."""

from __future__ import annotations

import threading
from collections import Counter
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, fields
from datetime import date, datetime, timedelta

import numpy as np
import pytest

import cosen.scenarios.simulate as simulate_module
from cosen.allocation import (
    AllocationSettings,
    Policy,
    allocate,
    problem_from_data,
    solve_problem,
)
from cosen.clock import after, from_minutes, is_working_day, localize, minutes
from cosen.domain import Referral, scheme_issues
from cosen.optimizer import Problem, SlotData, Solution
from cosen.scenarios import runner
from cosen.scenarios.indicators import Window, summarize
from cosen.scenarios.runner import run_replications
from cosen.scenarios.simulate import (
    NEVER,
    Replication,
    reserved_slots,
    simulate,
)
from tests.scenarios.builders import small


@dataclass
class Call:
    """One call of the allocation engine, as the simulator made it."""

    now: datetime
    pending: list[Referral]
    offered: list[SlotData]
    declined: dict[str, set[str]]
    policy: Policy
    settings: AllocationSettings
    bookings: dict[str, tuple[str, ...]]


@pytest.fixture
def calls(monkeypatch: pytest.MonkeyPatch) -> list[Call]:
    """Every problem the simulator builds and what the real engine
    (:func:`cosen.allocation.solve_problem`) books in it."""
    recorded: list[Call] = []
    built: list[tuple[list[Referral], list[SlotData], dict[str, set[str]]]]
    built = []

    def building(
        referrals: Sequence[Referral],
        slots: Sequence[SlotData],
        settings: AllocationSettings,
        declined: Mapping[str, Iterable[str]] | None = None,
    ) -> Problem:
        built.append(
            (
                list(referrals),
                list(slots),
                {k: set(v) for k, v in (declined or {}).items()},
            )
        )
        return problem_from_data(referrals, slots, settings, declined)

    def solving(
        problem: Problem,
        settings: AllocationSettings,
        policy: Policy = Policy.OPTIMIZER,
    ) -> Solution:
        assert settings.workers == 1  # deterministic solver
        solution = solve_problem(problem, settings, policy)
        referrals, slots, declined = built.pop()
        recorded.append(
            Call(
                settings.now,
                referrals,
                slots,
                declined,
                policy,
                settings,
                {
                    request_id: tuple(s.id for s in visit)
                    for request_id, visit in solution.bookings.items()
                },
            )
        )
        return solution

    monkeypatch.setattr(simulate_module, "problem_from_data", building)
    monkeypatch.setattr(simulate_module, "solve_problem", solving)
    return recorded


def assert_same(first: Replication, second: Replication) -> None:
    """Equal records (times spent aside)."""
    for item in fields(Replication):
        if item.name in {"seconds", "allocation_seconds"}:
            continue
        a, b = getattr(first, item.name), getattr(second, item.name)
        if isinstance(a, np.ndarray):
            np.testing.assert_array_equal(a, b, err_msg=item.name)
        else:
            assert a == b, item.name


def test_each_allocation_gets_what_the_rules_say(calls: list[Call]) -> None:
    scenario = small(simulation__days=21, simulation__warmup_days=0)
    simulation = scenario.simulation
    replication = simulate(scenario, 0)
    assert calls, "the engine was called"
    assert len(replication.rejected) == 0  # ids D000001… are by position
    taken: set[str] = set()
    accepted: set[str] = set()
    refused: dict[str, set[str]] = {}
    declines = 0
    left: set[str] = set()
    for call in calls:
        assert call.policy is Policy.OPTIMIZER
        assert call.now.date().weekday() < 5 and is_working_day(call.now)
        assert call.now.time() in simulation.allocation_times
        pending = {r.referral_id for r in call.pending}
        # Unbooked and declining referrals come back; booked ones do not.
        assert left <= pending
        assert not pending & accepted
        assert all(r.received_at <= call.now for r in call.pending)
        # Only free slots, from the notice to the horizon.
        offered = {s.id for s in call.offered}
        assert not offered & taken
        notice = minutes(after(call.now, hours=simulation.notice_hours))
        horizon = minutes(after(call.now, hours=24 * simulation.horizon_days))
        assert all(notice <= s.start < horizon for s in call.offered)
        # A declined slot stays forbidden to that patient.
        for referral_id, slots in refused.items():
            if referral_id in pending:
                assert slots <= call.declined[referral_id]
        # Referrals are built and checked like a coordinator's rows.
        assert all(not scheme_issues(dict(r)) for r in call.pending)
        left = pending - set(call.bookings)
        for referral_id, visit in call.bookings.items():
            number = int(referral_id[1:]) - 1
            if replication.booked_at[number] == minutes(call.now):
                taken |= set(visit)
                accepted.add(referral_id)
            else:  # declined: back to pending, that slot forbidden
                refused.setdefault(referral_id, set()).update(visit)
                left.add(referral_id)
                declines += 1
    assert declines > 0, "some offers were declined (10 %)"
    assert int(replication.declines.sum()) == declines


@pytest.mark.parametrize("policy", ["optimizer", "fcfs"])
def test_bookings_are_those_allocate_makes(
    calls: list[Call], policy: str
) -> None:
    # The simulator builds the problem from converted slots and skips the
    # reasons: on the same input, allocate() books exactly the same.
    scenario = small(
        simulation__days=21,
        simulation__warmup_days=0,
        simulation__policy=policy,
    )
    simulate(scenario, 0)
    by_id = {
        s.slot_id: s
        for s in reserved_slots(scenario.simulation, scenario.capacity)[0]
    }
    assert sum(len(call.bookings) for call in calls) > 50
    for call in calls:
        allocation = allocate(
            call.pending,
            [by_id[s.id] for s in call.offered],
            call.settings,
            call.declined,
            call.policy,
            baseline=False,
        )
        assert {
            b.referral.referral_id: tuple(s.slot_id for s in b.slots)
            for b in allocation.booked
        } == call.bookings


def test_records_are_consistent() -> None:
    scenario = small()
    simulation = scenario.simulation
    r = simulate(scenario, 1)
    booked = r.appointment != NEVER
    assert booked.mean() > 0.95
    # Every booking happened at an allocation, after arrival, at least the
    # notice before the appointment, within the horizon.
    assert set(r.booked_at[booked]) <= set(r.allocation_at)
    assert (r.booked_at[booked] >= r.received[booked]).all()
    wait = r.appointment[booked] - r.booked_at[booked]
    assert (wait >= 60 * simulation.notice_hours).all()
    assert (wait < 24 * 60 * simulation.horizon_days).all()
    assert (r.late_minutes[~booked] == 0).all()
    assert (r.center[~booked] == -1).all()
    assert not r.no_show[~booked].any()
    # No slot is used twice: bookings at a (centre, start) never outnumber
    # the slots there.
    capacity = scenario.capacity
    slots = Counter(
        (capacity[b].center, s)
        for b, s in zip(r.slot_block, r.slot_start, strict=True)
    )
    visits = Counter(
        (scenario.centers[c], s)
        for c, s in zip(r.center[booked], r.appointment[booked], strict=True)
    )
    assert all(count <= slots[key] for key, count in visits.items())
    assert int(r.slot_used.sum()) >= int(booked.sum())
    # The queue is sampled at every allocation time of every working day.
    assert len(r.allocation_at) == 2 * sum(
        is_working_day(simulation.start + timedelta(days=n))
        for n in range((simulation.run_out - simulation.start).days)
    )
    assert (r.waiting >= r.pending).all()
    assert r.allocations <= len(r.allocation_at)


def test_demand_is_drawn_as_the_scenario_says() -> None:
    scenario = small(simulation__days=120, simulation__warmup_days=0)
    r = simulate(scenario, 0)
    days = [from_minutes(int(m)) for m in r.received]
    assert all(is_working_day(d.date()) for d in days)
    assert all(8 <= d.hour < 18 for d in days)
    assert list(r.received) == sorted(r.received)
    assert len(r.rejected) == 0
    working = sum(
        is_working_day(scenario.simulation.start + timedelta(days=n))
        for n in range(
            (scenario.simulation.run_out - scenario.simulation.start).days
        )
    )
    # 5 referrals a working day: Poisson, so within a few sigmas.
    assert abs(len(r.received) - 5 * working) < 4 * np.sqrt(5 * working)
    kinds = Counter(scenario.kinds[k] for k in r.kind)
    # Half the breast stream asks for both exams in one trip.
    breast = kinds["MAMMO"] + kinds["ECHO_SEIN"] + kinds["MAMMO+ECHO_SEIN"]
    assert 0.4 < kinds["MAMMO+ECHO_SEIN"] / breast < 0.6


def test_slots_follow_capacity_blocks_and_scale() -> None:
    scenario = small()
    simulation = scenario.simulation
    slots, blocks = reserved_slots(simulation, scenario.capacity)
    starts = [s.start for s in slots]
    assert starts == sorted(starts)
    # Good Friday and Easter Monday (Alsace-Moselle): centres closed.
    closed = {date(2027, 3, 26), date(2027, 3, 29)}
    assert not {s.start.date() for s in slots} & closed
    assert all(s.start.weekday() < 5 for s in slots)
    per_block = Counter(blocks)
    days = sum(
        is_working_day(simulation.start + timedelta(days=n))
        for n in range((simulation.run_out - simulation.start).days)
    )
    for number, block in enumerate(scenario.capacity):
        assert per_block[number] == days * len(block.times)
    for scale in (0.5, 0.8, 1.3, 2.0):
        scaled = small(capacity__scale=scale).simulation
        counts = Counter(reserved_slots(scaled, scenario.capacity)[1])
        for number, block in enumerate(scenario.capacity):
            assert abs(counts[number] - scale * days * len(block.times)) < 1


def test_statistics_leave_the_warm_up_out() -> None:
    scenario = small()
    replications = [simulate(scenario, n) for n in range(2)]
    summary = summarize(scenario, replications)
    window = Window.of(scenario.simulation)
    counted = [int(window.holds(r.received).sum()) for r in replications]
    assert summary.overall["received"].mean == np.mean(counted)
    assert all(
        n < len(r.received) for n, r in zip(counted, replications, strict=True)
    )
    assert window.start == minutes(localize(datetime(2027, 3, 8)))
    assert summary.daily[0][0] == date(2027, 3, 8)


def test_a_replication_is_a_pure_function_of_scenario_and_index() -> None:
    scenario = small()
    first = simulate(scenario, 2)
    assert_same(first, simulate(scenario, 2))
    other = simulate(scenario, 1)
    assert not np.array_equal(first.received, other.received)
    # A sweep's variants meet the same referrals (common random numbers).
    fewer_slots = simulate(small(capacity__scale=0.7), 2)
    np.testing.assert_array_equal(first.received, fewer_slots.received)
    np.testing.assert_array_equal(first.kind, fewer_slots.kind)


def test_same_numbers_whatever_the_number_of_processes() -> None:
    scenario = small(simulation__replications=4)
    (alone,) = run_replications([scenario], workers=1)
    (shared,) = run_replications([scenario], workers=2)
    assert [r.index for r in shared] == [0, 1, 2, 3]
    for one, two in zip(alone, shared, strict=True):
        assert_same(one, two)
    assert summarize(scenario, alone).as_json() == (
        summarize(scenario, shared).as_json()
    )


def test_workers_fork_only_from_a_process_with_one_thread(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    """A single-threaded command forks its workers (nothing to import
    again); beside other threads (the desk's), they come from the fork
    server. The numbers are the same either way."""
    scenario = small(simulation__replications=2)
    (alone,) = run_replications([scenario], workers=1)
    ready = threading.Event()
    other = threading.Thread(target=ready.wait, daemon=True)
    other.start()
    try:
        assert runner._context().get_start_method() == "forkserver"
    finally:
        ready.set()
        other.join()
    monkeypatch.setattr(threading, "active_count", lambda: 1)
    assert runner._context().get_start_method() == "fork"
    (forked,) = run_replications([scenario], workers=2)
    for one, two in zip(alone, forked, strict=True):
        assert_same(one, two)


def test_run_replications_keeps_scenarios_apart() -> None:
    scenarios = [small(simulation__replications=2), small(demand__scale=2)]
    results = run_replications(scenarios, workers=1)
    assert [len(r) for r in results] == [2, 3]
    assert len(results[1][0].received) > 1.5 * len(results[0][0].received)


def test_a_time_clocks_skip_gives_no_slot() -> None:
    # Clocks go forward on Sunday 28 March 2027 at 2:00.
    scenario = small(
        capacity__1__weekdays=["dimanche"],
        capacity__1__times=["02:30", "10:00"],
        demand__1__children_share=0,
        demand__1__reduced_mobility_share=0,
    )
    slots, blocks = reserved_slots(scenario.simulation, scenario.capacity)
    sundays = Counter(
        s.start.date() for s, b in zip(slots, blocks, strict=True) if b == 0
    )
    assert sundays[date(2027, 3, 21)] == 2
    assert sundays[date(2027, 3, 28)] == 1
    assert all(day.weekday() == 6 for day in sundays)
