"""Real processes on one ledger: killed at random, or two at once."""

from __future__ import annotations

import os
import random
import shutil
import signal
import sqlite3
import subprocess
import sys
import time
from pathlib import Path

import pytest

from tests.factories import referral_row, slot_row
from tests.ledger.helpers import dump, referral_file, slot_file

pytestmark = pytest.mark.slow

NOW = "27/11/2026 10:00"


def command(
    db: Path, referrals: Path, slots: Path, out: Path, wait: float = 10
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


def check_invariants(db: Path) -> None:
    with sqlite3.connect(db) as connection:
        assert connection.execute("PRAGMA integrity_check").fetchone() == (
            "ok",
        )
        assert connection.execute(
            "SELECT count(*) FROM runs WHERE status = 'RUNNING'"
        ).fetchone() == (0,)
        doubled = connection.execute(
            "SELECT slot_id FROM bookings WHERE active = 1 "
            "GROUP BY slot_id HAVING count(*) > 1"
        ).fetchall()
        assert doubled == []
        booked_without_slot = connection.execute(
            "SELECT referral_id FROM referrals WHERE state IN "
            "('booked', 'confirmed') AND referral_id NOT IN "
            "(SELECT referral_id FROM bookings WHERE active = 1)"
        ).fetchall()
        assert booked_without_slot == []


def test_killed_runs_leave_the_ledger_before_or_after(tmp_path: Path) -> None:
    """At least 20 runs, each killed at a random moment: the ledger is
    then exactly as before the run or as a complete run leaves it, and
    the next run completes."""
    rng = random.Random(20261127)
    db = tmp_path / "cosen.db"
    started = time.monotonic()
    subprocess.run(
        command(db, *inputs(tmp_path, 0), tmp_path / "o0"), check=True
    )
    duration = time.monotonic() - started
    outcomes = {"before": 0, "after": 0}
    for step in range(1, 21):
        referrals, slots = inputs(tmp_path, step)
        before = dump(db)
        reference = tmp_path / "reference.db"
        shutil.copy(db, reference)
        subprocess.run(
            command(reference, referrals, slots, tmp_path / "ref"), check=True
        )
        after = dump(reference)
        reference.unlink()
        process = subprocess.Popen(
            command(db, referrals, slots, tmp_path / f"o{step}"),
            stdout=subprocess.DEVNULL,
            stderr=subprocess.DEVNULL,
        )
        time.sleep(rng.uniform(0.3, 1.1) * duration)
        process.send_signal(signal.SIGKILL)
        process.wait()
        state = dump(db)
        assert state in (before, after), (
            f"run {step}: neither before nor after"
        )
        outcomes["before" if state == before else "after"] += 1
        check_invariants(db)
        if state == before:  # the next run completes what was cut
            subprocess.run(
                command(db, referrals, slots, tmp_path / f"o{step}"),
                check=True,
            )
            assert dump(db) == after
    # The random moments hit both sides of the commit.
    assert outcomes["before"] > 0 and outcomes["after"] > 0, outcomes


def test_two_runs_at_once_never_double_book(tmp_path: Path) -> None:
    """Both processes compete for the same slots: one runs after the
    other, each books what is left, no slot twice."""
    db = tmp_path / "cosen.db"
    first = inputs(tmp_path, 4)
    second_referrals = referral_file(
        tmp_path / "autres.xlsx",
        [referral_row(referral_id=f"E{i}", birth_name=f"Autre{i}",
                      exams=("RADIO", "SCANNER")[i % 2]) for i in range(15)],
    )  # fmt: skip
    processes = [
        subprocess.Popen(
            command(db, *first, tmp_path / "oa"), stderr=subprocess.PIPE
        ),
        subprocess.Popen(
            command(db, second_referrals, first[1], tmp_path / "ob"),
            stderr=subprocess.PIPE,
        ),
    ]
    codes = [p.wait(timeout=120) for p in processes]
    assert codes == [0, 0]
    check_invariants(db)
    with sqlite3.connect(db) as connection:
        assert connection.execute("SELECT count(*) FROM runs").fetchone() == (
            2,
        )
        booked = connection.execute(
            "SELECT count(*) FROM bookings WHERE active = 1"
        ).fetchone()[0]
        slots = connection.execute("SELECT count(*) FROM slots").fetchone()[0]
    assert booked == slots == 10  # every slot booked once, none twice


def test_a_run_that_cannot_wait_stops_in_french(tmp_path: Path) -> None:
    db = tmp_path / "cosen.db"
    referrals, slots = inputs(tmp_path, 0)
    subprocess.run(command(db, referrals, slots, tmp_path / "o"), check=True)
    holder = sqlite3.connect(db, isolation_level=None)
    holder.execute("BEGIN IMMEDIATE")
    try:
        result = subprocess.run(
            command(db, referrals, slots, tmp_path / "o2", wait=0.5),
            capture_output=True,
            text=True,
            env={**os.environ, "COSEN_DEBUG": ""},
        )
    finally:
        holder.execute("ROLLBACK")
        holder.close()
    assert result.returncode == 2
    assert result.stderr.strip() == (
        "Erreur : le registre « cosen.db » est utilisé par un autre "
        "traitement depuis plus de 0,5 s : réessayer plus tard."
    )
