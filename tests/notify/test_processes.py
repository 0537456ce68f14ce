"""Real ``python -m cosen notify send`` processes on every backend, against
a real SMTP server: killed with SIGKILL at random moments, two at once.

The kill loop runs ``COSEN_TEST_KILLS`` kills (4 by default; ``.ci/run``
runs 20). No message may be lost, and none sent twice but the one in
flight at each kill, counted by Message-ID at the server.
"""

from __future__ import annotations

import os
import random
import signal
import subprocess
import sys
import time
from pathlib import Path

import pytest

from cosen.ledger import Database
from cosen.ledger.messages import OutboxState
from tests.notify.conftest import message, seed
from tests.notify.servers import Mailbox, smtp_server

pytestmark = pytest.mark.slow

KILLS = int(os.environ.get("COSEN_TEST_KILLS", "4"))
NOW = "27/11/2026 10:00"


def write_config(folder: Path, port: int) -> Path:
    path = folder / "envoi.toml"
    path.write_text(
        "[smtp]\n"
        'host = "127.0.0.1"\n'
        f"port = {port}\n"
        'security = "none"\n'
        'from = "COSEN <telesecretariat@cosen.example.fr>"\n'
        "timeout = 5\n",
        encoding="utf-8",
    )
    return path


def sender(db: str | Path, config: Path) -> list[str]:
    return [
        sys.executable, "-m", "cosen", "notify", "send", "--db", str(db),
        "--config", str(config), "--now", NOW,
    ]  # fmt: skip


def queue(target: str | Path, count: int) -> list[str]:
    with Database(target) as ledger:
        seed(ledger)
        ids = [f"B{i:03d}-booked-prescriber" for i in range(count)]
        with ledger.write() as db:
            db.add_messages(
                message(i, referral_id=f"D{n % 5 + 1}")
                for n, i in enumerate(ids)
            )
    return ids


def backend(target: str | Path) -> str:
    return "sqlite" if isinstance(target, Path) else "postgresql"


def states(target: str | Path) -> dict[str, tuple[OutboxState, int]]:
    with Database(target) as ledger, ledger.read() as db:
        return {m.id: (m.state, m.attempts) for m in db.messages()}


def test_killed_senders_lose_nothing_and_double_only_what_was_in_flight(
    tmp_path: Path, ledger_target: str | Path
) -> None:
    rng = random.Random(20261127 + KILLS)
    ids = queue(ledger_target, 12 * KILLS + 20)
    box = Mailbox(delay=0.03)  # a message takes a while: kills land in it
    with smtp_server(box) as port:
        config = write_config(tmp_path, port)
        kills = 0
        for _ in range(KILLS):
            before = box.message_ids().total()
            process = subprocess.Popen(
                sender(ledger_target, config),
                stdout=subprocess.DEVNULL,
                stderr=subprocess.DEVNULL,
            )
            if rng.random() < 0.25:  # anywhere, start-up and claims too
                time.sleep(rng.uniform(0, 2.0))
            else:  # while it sends
                deadline = time.monotonic() + 60
                while box.message_ids().total() == before:
                    assert process.poll() is None, "sender ended early"
                    assert time.monotonic() < deadline
                    time.sleep(0.005)
                time.sleep(rng.uniform(0, 0.3))
            assert process.poll() is None, "nothing left to send: add more"
            process.send_signal(signal.SIGKILL)
            process.wait()
            kills += 1
        final = subprocess.run(
            sender(ledger_target, config), capture_output=True, text=True
        )
        received = box.message_ids()
    assert final.returncode == 0, final.stderr
    found = states(ledger_target)
    lost = [i for i in ids if found[i][0] is not OutboxState.SENT]
    unreceived = [i for i in ids if not any(i in key for key in received)]
    doubled = sum(count - 1 for count in received.values())
    taken_again = sum(1 for _, attempts in found.values() if attempts > 1)
    print(
        f"\nkill loop ({backend(ledger_target)}): {kills} kills, "
        f"{len(ids)} messages, sent {len(ids) - len(lost)}, lost "
        f"{len(lost)}, doubled {doubled}, taken again {taken_again}"
    )
    assert lost == [] and unreceived == []
    assert len(received) == len(ids)
    assert doubled <= kills
    assert taken_again <= kills
    # A message received twice is one a kill cut while it was sent.
    for key, count in received.items():
        outbox_id = key.split(".", 2)[2].rsplit("@", 1)[0]
        assert count == 1 or found[outbox_id][1] >= count, key
    if KILLS >= 10:  # the kills did cut sendings
        assert taken_again > 0


def test_two_senders_at_once_never_send_one_message_twice(
    tmp_path: Path, ledger_target: str | Path
) -> None:
    ids = queue(ledger_target, 60)
    box = Mailbox(delay=0.01)
    with smtp_server(box) as port:
        config = write_config(tmp_path, port)
        processes = [
            subprocess.Popen(
                sender(ledger_target, config),
                stdout=subprocess.PIPE,
                stderr=subprocess.PIPE,
                text=True,
            )
            for _ in range(2)
        ]
        outputs = [p.communicate(timeout=120) for p in processes]
        received = box.message_ids()
    assert [p.returncode for p in processes] == [0, 0], outputs
    assert len(received) == len(ids) and set(received.values()) == {1}
    assert {state for state, _ in states(ledger_target).values()} == {
        OutboxState.SENT
    }
    # Each says how many it sent: together, each message once.
    counts = [int(out.split(":")[1].split()[0]) for out, _ in outputs]
    assert sum(counts) == len(ids)
