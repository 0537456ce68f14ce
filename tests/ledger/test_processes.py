"""Real processes on one ledger, on every backend: killed at random, two
at once, one that cannot wait.

The kill loop runs ``COSEN_TEST_KILLS`` kills (4 by default, so that
``make test`` stays quick; ``.ci/run`` runs the full loop).
"""

from __future__ import annotations

import os
import random
import signal
import subprocess
import sys
import threading
import time
from pathlib import Path

import pytest

from cosen.ledger import Database
from tests.factories import referral_file, referral_row, slot_file, slot_row
from tests.ledger.helpers import dump
from tests.postgres import Server

pytestmark = pytest.mark.slow

NOW = "27/11/2026 10:00"
KILLS = int(os.environ.get("COSEN_TEST_KILLS", "4"))


def command(
    db: str | Path, referrals: Path, slots: Path, out: Path, wait: float = 10
) -> list[str]:
    return [
        sys.executable, "-m", "cosen", "batch", "run", str(referrals),
        str(slots), "--out", str(out), "--db", str(db), "--now", NOW,
        "--wait", str(wait),
    ]  # fmt: skip


def inputs(folder: Path, step: int) -> tuple[Path, Path]:
    """Run ``step``'s files: three new referrals, two new slots each time,
    and the earlier rows again (unchanged)."""
    referrals = [
        referral_row(referral_id=f"D{i}", birth_name=f"Patient{i}",
                     exams=("RADIO", "SCANNER")[i % 2])
        for i in range(3 * step + 3)
    ]  # fmt: skip
    slots = [
        slot_row(slot_id=f"S{i}", exams=("RADIO", "SCANNER")[i % 2],
                 start=f"{28 + i // 10}/11/2026 {8 + i % 10}:00")
        for i in range(2 * step + 2)
    ]  # fmt: skip
    return (
        referral_file(folder / f"d{step}.xlsx", referrals),
        slot_file(folder / f"c{step}.xlsx", slots),
    )


def state(target: str | Path) -> dict[str, list[tuple[object, ...]]]:
    """The ledger's content once no writer is in flight: a killed client's
    PostgreSQL session may still be committing (its COMMIT was sent) or
    rolling back, and holds the writers' lock until it has done so."""
    with Database(target) as ledger:
        with ledger.backend.write():
            pass
        return dump(ledger)


def check_invariants(target: str | Path) -> None:
    with Database(target) as ledger:
        run = ledger.backend.execute
        if isinstance(target, Path):
            assert run("PRAGMA integrity_check") == [("ok",)]
        assert run("SELECT count(*) FROM runs WHERE status = 'RUNNING'") == [
            (0,)
        ]
        assert (
            run(
                "SELECT slot_id FROM bookings WHERE active = 1 "
                "GROUP BY slot_id HAVING count(*) > 1"
            )
            == []
        )
        assert (
            run(
                "SELECT referral_id FROM referrals WHERE state IN "
                "('booked', 'confirmed') AND referral_id NOT IN "
                "(SELECT referral_id FROM bookings WHERE active = 1)"
            )
            == []
        )


def shadow_of(
    ledger_target: str | Path, postgres_server: Server | str
) -> str | Path:
    """A second, empty ledger on the same backend."""
    if isinstance(ledger_target, Path):
        return ledger_target.with_name("reference.db")
    assert isinstance(postgres_server, Server)
    return postgres_server.schema_url()


def test_killed_runs_leave_the_ledger_before_or_after(
    tmp_path: Path, ledger_target: str | Path, postgres_server: Server | str
) -> None:
    """Runs killed at random moments: the ledger is then exactly as
    before the run or as a complete run leaves it (a reference ledger,
    given the same runs uninterrupted, says which), and the next run
    completes. A run killed after its commit but before its files were
    written is delivered by the next run: no committed run ends without
    its files (its notices)."""
    rng = random.Random(20261127)
    db, reference = ledger_target, shadow_of(ledger_target, postgres_server)
    first = inputs(tmp_path, 0)
    started = time.monotonic()
    subprocess.run(command(db, *first, tmp_path / "o0"), check=True)
    duration = time.monotonic() - started
    subprocess.run(command(reference, *first, tmp_path / "r0"), check=True)
    outcomes = {"before": 0, "after": 0}
    for step in range(1, KILLS + 1):
        referrals, slots = inputs(tmp_path, step)
        before = state(db)
        assert state(reference) == before
        subprocess.run(
            command(reference, referrals, slots, tmp_path / "ref"), check=True
        )
        after = state(reference)
        process = subprocess.Popen(
            command(db, referrals, slots, tmp_path / f"o{step}"),
            stdout=subprocess.DEVNULL,
            stderr=subprocess.DEVNULL,
        )
        time.sleep(rng.uniform(0.3, 1.1) * duration)
        process.send_signal(signal.SIGKILL)
        process.wait()
        found = state(db)
        assert found in (before, after), (
            f"run {step}: neither before nor after"
        )
        outcomes["before" if found == before else "after"] += 1
        check_invariants(db)
        if found == before:  # the next run completes what was cut
            subprocess.run(
                command(db, referrals, slots, tmp_path / f"o{step}"),
                check=True,
            )
            assert state(db) == after
    if KILLS >= 10:  # the random moments hit both sides of the commit
        assert outcomes["before"] > 0 and outcomes["after"] > 0, outcomes
    last = inputs(tmp_path, KILLS)
    subprocess.run(command(db, *last, tmp_path / "final"), check=True)
    with Database(db) as ledger:
        assert ledger.undelivered() == []
        runs = ledger.runs()
    for record in runs:
        with Database(db) as ledger:
            delivered = ledger.backend.execute(
                "SELECT folder FROM deliveries WHERE run_id = ?", (record.id,)
            )
        ((folder,),) = delivered
        assert (Path(str(folder)) / "notifications.csv").is_file()


def test_two_runs_at_once_never_double_book(
    tmp_path: Path, ledger_target: str | Path
) -> None:
    """Both processes compete for the same slots: one runs after the
    other, each books what is left, no slot twice."""
    first = inputs(tmp_path, 4)
    second_referrals = referral_file(
        tmp_path / "autres.xlsx",
        [referral_row(referral_id=f"E{i}", birth_name=f"Autre{i}",
                      exams=("RADIO", "SCANNER")[i % 2]) for i in range(15)],
    )  # fmt: skip
    # The schema exists before the race, as a ledger in use would.
    Database(ledger_target).close()
    processes = [
        subprocess.Popen(
            command(ledger_target, *first, tmp_path / "oa"),
            stderr=subprocess.PIPE,
        ),
        subprocess.Popen(
            command(
                ledger_target, second_referrals, first[1], tmp_path / "ob"
            ),
            stderr=subprocess.PIPE,
        ),
    ]
    codes = [p.wait(timeout=120) for p in processes]
    assert codes == [0, 0]
    check_invariants(ledger_target)
    with Database(ledger_target) as ledger:
        run = ledger.backend.execute
        assert run("SELECT count(*) FROM runs") == [(2,)]
        booked = run("SELECT count(*) FROM bookings WHERE active = 1")
        slots = run("SELECT count(*) FROM slots")
    assert booked == slots == [(10,)]  # every slot booked once, none twice


def test_a_run_that_cannot_wait_stops_in_french(
    tmp_path: Path, ledger_target: str | Path
) -> None:
    referrals, slots = inputs(tmp_path, 0)
    subprocess.run(
        command(ledger_target, referrals, slots, tmp_path / "o"), check=True
    )
    holding, release = threading.Event(), threading.Event()

    def hold() -> None:
        with Database(ledger_target) as holder, holder.write():
            holding.set()
            release.wait(60)

    thread = threading.Thread(target=hold)
    thread.start()
    try:
        assert holding.wait(10)
        result = subprocess.run(
            command(
                ledger_target, referrals, slots, tmp_path / "o2", wait=0.5
            ),
            capture_output=True,
            text=True,
            env={**os.environ, "COSEN_DEBUG": ""},
        )
    finally:
        release.set()
        thread.join()
    assert result.returncode == 2
    (line,) = result.stderr.splitlines()
    assert line.startswith("Erreur : le registre ")
    assert line.endswith(
        " est utilisé par un autre traitement depuis plus de 0,5 s : "
        "réessayer plus tard."
    )
