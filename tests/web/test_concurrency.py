"""The desk and ``cosen batch run`` on one ledger at once."""

from __future__ import annotations

import subprocess
import sys
import threading
from collections import Counter
from datetime import timedelta
from pathlib import Path

import pytest

from cosen.ledger import is_url
from tests.web.conftest import Seeded, sample_files


@pytest.mark.slow
def test_desk_and_batch_run_book_nothing_twice_and_lose_nothing(
    seeded: Seeded, tmp_path: Path
) -> None:
    later = seeded.clock.now + timedelta(minutes=5)
    batch_folder = tmp_path / "batch"
    batch_folder.mkdir()
    referrals, slots = sample_files(batch_folder, later, count=120)
    command = [
        sys.executable, "-m", "cosen", "batch", "run", str(referrals),
        str(slots), "--out", str(tmp_path / "out"), "--db",
        str(seeded.target), "--wait", "60", "--time-limit", "20",
    ]  # fmt: skip
    batch = subprocess.Popen(
        command, stdout=subprocess.PIPE, stderr=subprocess.PIPE
    )
    entered: list[str] = []
    statuses: list[int] = []

    def desk_work() -> None:
        user = seeded.client("coord")
        for number in range(6):
            from tests.web.test_pages import _form

            referral_id = f"W{number}"
            user.get("/demande")
            form = _form(
                seeded,
                referral_id=referral_id,
                birth_name=f"Patient{number}",
                exams="ECHO_ABDO",
            )
            page = user.post("/demande", form).get_data(as_text=True)
            if "éligible" in page:
                entered.append(referral_id)
            user.get("/attribuer")
            statuses.append(
                user.post("/attribuer", {"temps": "5"}).status_code
            )

    worker = threading.Thread(target=desk_work)
    worker.start()
    worker.join(timeout=240)
    _, errors = batch.communicate(timeout=240)
    assert batch.returncode == 0, errors.decode()
    assert not worker.is_alive()
    assert sorted(entered) == [f"W{n}" for n in range(6)]
    assert set(statuses) <= {200, 503}
    with seeded.ledger() as ledger, ledger.read() as db:
        active = db.backend.execute(
            "SELECT slot_id FROM bookings WHERE active = 1"
        )
        counts = Counter(slot for (slot,) in active)
        assert max(counts.values()) == 1
        known = db.referral_versions()
    # Every referral typed at the desk is in the ledger, and the run's.
    assert {f"W{n}" for n in range(6)} <= set(known)
    assert len(known) >= 40 + 6


def test_two_allocations_pressed_at_once_the_second_is_told(
    seeded: Seeded,
) -> None:
    state = seeded.app.extensions["cosen"]
    user = seeded.client("coord")
    user.get("/attribuer")
    with state.allocating:  # another user's allocation is running
        response = user.post("/attribuer", {"temps": "5"})
    assert response.status_code == 409
    assert "déjà en cours" in response.get_data(as_text=True)
    assert user.post("/attribuer", {"temps": "5"}).status_code == 200
    assert is_url(seeded.target) or Path(seeded.target).exists()
