"""The outbox's typed queries, on every backend: claims are exclusive,
a finish is conditional on its claim, abandoned claims are released."""

from __future__ import annotations

import threading

from cosen.clock import after
from cosen.ledger import Database
from cosen.ledger.messages import Channel, OutboxState
from tests.factories import NOW
from tests.notify.conftest import Outbox, message


def test_claim_takes_due_messages_in_order_once(outbox: Outbox) -> None:
    later = after(NOW, hours=1)
    outbox.queue(
        message("m2", due=NOW),
        message("m1", due=NOW),
        message("m3", due=later),
        message("s1", Channel.SMS),
    )
    with outbox.ledger.write() as db:
        first = db.claim_message(NOW, [Channel.EMAIL], "me")
        second = db.claim_message(NOW, [Channel.EMAIL], "me")
        third = db.claim_message(NOW, [Channel.EMAIL], "me")
    assert first is not None and second is not None
    assert (first.id, second.id, third) == ("m1", "m2", None)
    assert (first.state, first.attempts, first.claimed_by) == (
        OutboxState.SENDING,
        1,
        "me",
    )
    assert outbox.get("m1").state is OutboxState.SENDING
    assert outbox.get("s1").state is OutboxState.PENDING  # not its channel


def test_a_message_is_not_claimed_before_it_is_due(outbox: Outbox) -> None:
    """A reminder queued for tomorrow waits even if a producer set its
    first attempt earlier."""
    tomorrow = after(NOW, hours=24)
    outbox.queue(message("r1", due=tomorrow, next_attempt_at=NOW))
    with outbox.ledger.write() as db:
        assert db.claim_message(NOW, [Channel.EMAIL], "me") is None
        assert db.claim_message(tomorrow, [Channel.EMAIL], "me") is not None


def test_two_claimers_at_once_never_share_a_message(
    outbox: Outbox, ledger_target: object
) -> None:
    outbox.queue(*(message(f"m{i:02d}") for i in range(30)))
    taken: dict[str, list[str]] = {"a": [], "b": []}

    def claim(name: str) -> None:
        with Database(outbox.ledger.target) as ledger:
            while True:
                with ledger.write() as db:
                    found = db.claim_message(NOW, [Channel.EMAIL], name)
                if found is None:
                    return
                taken[name].append(found.id)

    threads = [threading.Thread(target=claim, args=(n,)) for n in taken]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    everything = taken["a"] + taken["b"]
    assert sorted(everything) == [f"m{i:02d}" for i in range(30)]
    assert len(set(everything)) == 30


def test_finish_is_conditional_on_the_claim(outbox: Outbox) -> None:
    outbox.queue(message("m1"))
    with outbox.ledger.write() as db:
        db.claim_message(NOW, [Channel.EMAIL], "old")
        db.release_claims(["m1"])
        db.claim_message(NOW, [Channel.EMAIL], "new")
        # The first sender comes back late: its outcome is not recorded.
        assert not db.finish_message(
            "m1", OutboxState.FAILED, NOW, "raison", claimer="old"
        )
        assert db.finish_message("m1", OutboxState.SENT, NOW, claimer="new")
    found = outbox.get("m1")
    assert (found.state, found.attempts, found.last_error) == (
        OutboxState.SENT,
        2,
        None,
    )
    assert found.sent_at == NOW and found.claimed_by is None


def test_retry_puts_a_message_back_until_its_time(outbox: Outbox) -> None:
    outbox.queue(message("m1"))
    retry = after(NOW, minutes=5)
    with outbox.ledger.write() as db:
        db.claim_message(NOW, [Channel.EMAIL], "me")
        db.finish_message(
            "m1", OutboxState.PENDING, NOW, "refus", retry, claimer="me"
        )
        assert db.claim_message(NOW, [Channel.EMAIL], "me") is None
        again = db.claim_message(retry, [Channel.EMAIL], "me")
    assert again is not None and again.attempts == 2
    assert again.last_error == "refus"


def test_claims_are_listed_and_released(outbox: Outbox) -> None:
    outbox.queue(message("m1"), message("m2"))
    with outbox.ledger.write() as db:
        db.claim_message(NOW, [Channel.EMAIL], "host:1:2")
        assert db.claims() == [("m1", "host:1:2", NOW)]
        db.release_claims(["m1"])
        assert db.claims() == []
    found = outbox.get("m1")
    assert (found.state, found.attempts) == (OutboxState.PENDING, 1)


def test_phone_messages_are_held_for_the_telesecretariat(
    outbox: Outbox,
) -> None:
    outbox.queue(message("p1", Channel.PHONE), message("m1"))
    with outbox.ledger.write() as db:
        assert db.hold_for_phone(Channel.PHONE) == 1
        assert db.hold_for_phone(Channel.PHONE) == 0
    assert outbox.states() == {"p1": "manual", "m1": "pending"}


def test_the_ledger_stamp_is_stable_and_proper_to_the_ledger(
    outbox: Outbox,
) -> None:
    """Stable for a ledger's life; another ledger (created at another
    moment) has another."""
    with outbox.ledger.read() as db:
        stamp = db.ledger_stamp()
    with Database(outbox.ledger.target) as again:
        assert again.ledger_stamp() == stamp
    assert len(stamp) == 10 and stamp.isalnum()
    outbox.ledger.backend.execute(
        "UPDATE schema_migrations SET applied_at = ? WHERE version = 1",
        ("2027-01-04T09:00:00+01:00",),
    )
    assert outbox.ledger.ledger_stamp() != stamp
