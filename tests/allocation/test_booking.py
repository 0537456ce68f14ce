"""Each booking rule and each objective tier on a tiny instance.

Instances go through the real path (spreadsheet-like rows, the scheme's
rules, ``allocate``) with the allocation time Friday 27/11/2026 10:00,
notice 2 h, transport lead time 24 h, gap 90 min, unless said otherwise.
"""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime
from typing import Any

from cosen.allocation import Allocation, AllocationSettings, allocate
from cosen.clock import PARIS, TargetClock
from cosen.domain import Reason, check_referral_rows, check_slot_rows
from cosen.optimizer import Status
from tests.factories import NOW, referral_row, slot_row


def run(
    referrals: Sequence[dict[str, str]],
    slots: Sequence[dict[str, str]],
    **settings: Any,
) -> Allocation:
    referral_intake = check_referral_rows(enumerate(referrals, start=2))
    slot_intake = check_slot_rows(enumerate(slots, start=2))
    assert not referral_intake.rejections, referral_intake.rejections
    assert not slot_intake.rejections, slot_intake.rejections
    result = allocate(
        referral_intake.accepted,
        slot_intake.accepted,
        AllocationSettings(now=settings.pop("now", NOW), **settings),
    )
    assert result.solution.status is Status.OPTIMAL
    return result


def booked(result: Allocation) -> dict[str, list[str]]:
    return {
        b.referral.referral_id: [s.slot_id for s in b.slots]
        for b in result.booked
    }


def unbooked(result: Allocation) -> dict[str, Reason]:
    return {u.referral.referral_id: u.reason for u in result.unbooked}


def test_slot_must_take_the_exam() -> None:
    """The only slot does ultrasound: the radiography cannot go there."""
    result = run([referral_row()], [slot_row(exams="ECHO_ABDO")])
    assert unbooked(result) == {"D1": Reason.NO_COMPATIBLE_SLOT}
    assert result.unbooked[0].detail == "aucun créneau n'accepte Radiographie"


def test_notice_before_the_slot() -> None:
    """At 10:00 with 2 h notice, 11:45 is too soon and 12:00 is fine."""
    result = run(
        [referral_row()],
        [slot_row(slot_id="S1", start="27/11/2026 11:45"),
         slot_row(slot_id="S2", start="27/11/2026 12:00")],
    )  # fmt: skip
    assert booked(result) == {"D1": ["S2"]}


def test_notice_is_named_when_it_blocks() -> None:
    result = run([referral_row()], [slot_row(start="27/11/2026 11:00")])
    assert unbooked(result) == {"D1": Reason.NO_COMPATIBLE_SLOT}
    assert "2 h" in result.unbooked[0].detail


def test_not_before_the_referral_arrived() -> None:
    """Received at 13:00 (after the allocation time): the 12:30 slot is
    before it arrived, the 13:30 one is not."""
    result = run(
        [referral_row(received_at="27/11/2026 13:00")],
        [slot_row(slot_id="S1", start="27/11/2026 12:30"),
         slot_row(slot_id="S2", start="27/11/2026 13:30")],
    )  # fmt: skip
    assert booked(result) == {"D1": ["S2"]}


def test_reduced_mobility_needs_access_and_transport_time() -> None:
    """S1 is not accessible, S2 is but only 4 h ahead; S3 is accessible
    and 24 h ahead, the transport lead time."""
    patient = referral_row(reduced_mobility="oui", medical_transport="oui")
    result = run(
        [patient],
        [slot_row(slot_id="S1", start="28/11/2026 11:00"),
         slot_row(slot_id="S2", start="27/11/2026 14:00", accessible="oui"),
         slot_row(slot_id="S3", start="28/11/2026 10:00", accessible="oui")],
    )  # fmt: skip
    assert booked(result) == {"D1": ["S3"]}


def test_transport_is_named_when_it_blocks() -> None:
    patient = referral_row(reduced_mobility="oui", medical_transport="oui")
    result = run([patient], [slot_row(accessible="oui")])
    assert "24 h" in result.unbooked[0].detail


def test_child_needs_a_child_slot() -> None:
    """A 10-year-old cannot take the adult-only S1."""
    result = run(
        [referral_row(birth_date="01/01/2016")],
        [slot_row(slot_id="S1"),
         slot_row(slot_id="S2", start="27/11/2026 15:00", children="oui")],
    )  # fmt: skip
    assert booked(result) == {"D1": ["S2"]}


def test_age_on_the_exam_date() -> None:
    """Seventeen on reception, eighteen on Saturday 28/11: the adult slot
    of Saturday fits, the one of Friday does not."""
    teen = referral_row(birth_date="28/11/2008")
    result = run(
        [teen],
        [slot_row(slot_id="S1", start="27/11/2026 15:00"),
         slot_row(slot_id="S2", start="28/11/2026 09:00")],
    )  # fmt: skip
    assert booked(result) == {"D1": ["S2"]}


def test_one_referral_per_slot() -> None:
    """Two referrals, one slot: one is booked, the other waits (CAPACITY),
    and first come is first served when nothing else differs."""
    result = run(
        [referral_row(referral_id="D1", received_at="26/11/2026 09:00"),
         referral_row(referral_id="D2", birth_name="Autre",
                      received_at="26/11/2026 09:00")],
        [slot_row()],
    )  # fmt: skip
    assert len(result.booked) == 1
    assert list(unbooked(result).values()) == [Reason.CAPACITY]


def test_visit_in_one_slot_that_takes_both_exams() -> None:
    visit = referral_row(exams="MAMMO+ECHO_SEIN")
    result = run([visit], [slot_row(exams="MAMMO,ECHO_SEIN")])
    assert booked(result) == {"D1": ["S1"]}


def test_visit_in_consecutive_slots_of_one_centre() -> None:
    """MAMMO at 14:00-14:20 then ECHO_SEIN at 15:30 at the same centre is
    one trip (70 min wait); ECHO_SEIN at another centre is not."""
    visit = referral_row(exams="MAMMO+ECHO_SEIN")
    result = run(
        [visit],
        [slot_row(slot_id="M", exams="MAMMO", duration_min="20"),
         slot_row(slot_id="E2", exams="ECHO_SEIN", center="MIM-2",
                  start="27/11/2026 14:20"),
         slot_row(slot_id="E1", exams="ECHO_SEIN", start="27/11/2026 15:30")],
    )  # fmt: skip
    assert booked(result) == {"D1": ["M", "E1"]}
    assert result.booked[0].start == datetime(2026, 11, 27, 14, tzinfo=PARIS)


def test_visit_gap_is_bounded() -> None:
    """A 100-minute wait exceeds 90 minutes; with --max-gap 120 it fits."""
    visit = referral_row(exams="MAMMO+ECHO_SEIN")
    slots = [
        slot_row(slot_id="M", exams="MAMMO", duration_min="20"),
        slot_row(slot_id="E", exams="ECHO_SEIN", start="27/11/2026 16:00"),
    ]
    assert unbooked(run([visit], slots)) == {"D1": Reason.NO_COMPATIBLE_SLOT}
    assert booked(run([visit], slots, max_gap_minutes=120)) == {
        "D1": ["M", "E"]
    }


def test_visit_never_overlaps_or_spans_two_days() -> None:
    """ECHO_SEIN starting before MAMMO ends, or the next day, is no trip."""
    visit = referral_row(exams="MAMMO+ECHO_SEIN")
    result = run(
        [visit],
        [slot_row(slot_id="M", exams="MAMMO", duration_min="30"),
         slot_row(slot_id="E1", exams="ECHO_SEIN", start="27/11/2026 14:15"),
         slot_row(slot_id="E2", exams="ECHO_SEIN", start="28/11/2026 09:00")],
    )  # fmt: skip
    assert unbooked(result) == {"D1": Reason.NO_COMPATIBLE_SLOT}
    assert "déplacement" in result.unbooked[0].detail


def test_tier_1_books_more_even_if_late() -> None:
    """S1 (27/11 14:00) takes children, S2 (30/11 10:00) does not. The
    adult D1 is due 27/11 18:00, the child D2 can only take S1. D1 in S1
    is one on-time booking; D2 in S1 and D1 late in S2 are two bookings,
    and booking more comes first."""
    result = run(
        [referral_row(referral_id="D1", received_at="27/11/2026 08:00",
                      desired_delay="10h"),
         referral_row(referral_id="D2", birth_name="Enfant",
                      birth_date="01/01/2016",
                      received_at="27/11/2026 08:30")],
        [slot_row(slot_id="S1", start="27/11/2026 14:00", children="oui"),
         slot_row(slot_id="S2", start="30/11/2026 10:00")],
    )  # fmt: skip
    assert booked(result) == {"D1": ["S2"], "D2": ["S1"]}
    assert result.solution.tiers.late == 1


def test_tier_2_fewer_late_before_fewer_minutes() -> None:
    """Slots at 12:00 and 13:40; D1 due 11:59, D2 due 13:39. D1 at 12:00 and
    D2 at 13:40 are both late by a minute (2 late, 2 min); D2 at 12:00 and
    D1 at 13:40 make one late booking of 101 minutes: fewer late wins."""
    result = run(
        [referral_row(referral_id="D1", received_at="27/11/2026 07:59",
                      desired_delay="4h"),
         referral_row(referral_id="D2", birth_name="Autre",
                      received_at="27/11/2026 09:39", desired_delay="4h")],
        [slot_row(slot_id="S1", start="27/11/2026 12:00"),
         slot_row(slot_id="S2", start="27/11/2026 13:40")],
    )  # fmt: skip
    assert booked(result) == {"D1": ["S2"], "D2": ["S1"]}
    assert result.solution.tiers.late == 1
    assert result.solution.tiers.late_minutes == 101


def test_tier_3_least_total_lateness() -> None:
    """D1 (due 12:00) and D2 (due 12:30) are late whatever happens: the free
    slots are at 13:00, 14:00 and 16:00. Taking 13:00 and 14:00 costs
    60 + 90 = 150 minutes (or 120 + 30, the same); using 16:00 costs more.
    The earlier slot goes to the most overdue, D1."""
    result = run(
        [referral_row(referral_id="D1", received_at="27/11/2026 08:00",
                      desired_delay="4h"),
         referral_row(referral_id="D2", birth_name="Autre",
                      received_at="27/11/2026 08:30", desired_delay="4h")],
        [slot_row(slot_id="S3", start="27/11/2026 16:00"),
         slot_row(slot_id="S1", start="27/11/2026 13:00"),
         slot_row(slot_id="S2", start="27/11/2026 14:00")],
    )  # fmt: skip
    assert booked(result) == {"D1": ["S1"], "D2": ["S2"]}
    assert result.solution.tiers.late_minutes == 150


def test_preferred_centre_among_equals() -> None:
    """Two slots at 14:00, at MIM-1 and SIMSE-1: the preferred group wins."""
    result = run(
        [referral_row(preferred_center="SIMSE")],
        [slot_row(slot_id="S1"),
         slot_row(slot_id="S2", center="SIMSE-1", group="SIMSE")],
    )  # fmt: skip
    assert booked(result) == {"D1": ["S2"]}


def test_working_days_target_across_weekend_and_good_friday() -> None:
    """Received Thursday 02/04/2026 12:00 with 48 h: in real time the
    target is Saturday 12:00, so a Tuesday slot is late; counted in
    Alsace-Moselle working days (Good Friday and Easter Monday off) the
    target is Wednesday 08/04 12:00 and the Tuesday slot is on time."""
    referral = referral_row(received_at="02/04/2026 12:00")
    slots = [slot_row(start="07/04/2026 10:00")]
    now = datetime(2026, 4, 2, 14, tzinfo=PARIS)
    calendar = run([referral], slots, now=now)
    working = run(
        [referral], slots, now=now, target_clock=TargetClock.WORKING_DAYS
    )
    assert calendar.booked[0].late_minutes == (3 * 24 - 2) * 60
    assert working.booked[0].late_minutes == 0
    assert working.booked[0].target == datetime(2026, 4, 8, 12, tzinfo=PARIS)


def test_working_days_skip_saint_stephen() -> None:
    """Thursday 24/12 17:00 + 24 h: 25 and 26/12 are holidays, then the
    weekend: due Monday 28/12 17:00."""
    referral = referral_row(
        received_at="24/12/2026 17:00", desired_delay="24h"
    )
    result = run(
        [referral],
        [slot_row(start="28/12/2026 16:00")],
        now=datetime(2026, 12, 24, 17, 30, tzinfo=PARIS),
        target_clock=TargetClock.WORKING_DAYS,
    )
    assert result.booked[0].late_minutes == 0


def test_dst_change_inside_the_48_hours() -> None:
    """Received Saturday 24/10/2026 10:00; clocks go back on Sunday: 48 real
    hours end on Monday 09:00 wall-clock. A Monday 09:30 slot is 30 minutes
    late, not 30 minutes early."""
    result = run(
        [referral_row(received_at="24/10/2026 10:00")],
        [slot_row(start="26/10/2026 09:30")],
        now=datetime(2026, 10, 24, 11, tzinfo=PARIS),
    )
    assert result.booked[0].late_minutes == 30
    assert result.booked[0].target == datetime(2026, 10, 26, 9, tzinfo=PARIS)


def test_declined_slot_is_never_offered_again() -> None:
    referral_intake = check_referral_rows([(2, referral_row())])
    slot_intake = check_slot_rows(
        [(2, slot_row(slot_id="S1")),
         (3, slot_row(slot_id="S2", start="28/11/2026 10:00"))]
    )  # fmt: skip
    result = allocate(
        referral_intake.accepted,
        slot_intake.accepted,
        AllocationSettings(now=NOW),
        declined={"D1": ["S1"]},
    )
    assert booked(result) == {"D1": ["S2"]}


def details(result: Allocation) -> dict[str, str]:
    return {u.referral.referral_id: u.detail for u in result.unbooked}


def test_unavailable_weekday_morning_is_never_offered() -> None:
    """Monday 30/11: the patient cannot come in the morning; the morning
    slot is earlier and on time, yet the afternoon one is taken."""
    result = run(
        [referral_row(unavailable="lundi matin")],
        [slot_row(slot_id="AM", start="30/11/2026 09:00"),
         slot_row(slot_id="PM", start="30/11/2026 13:00")],
    )  # fmt: skip
    assert booked(result) == {"D1": ["PM"]}


def test_unavailable_date_and_period() -> None:
    result = run(
        [referral_row(referral_id="D1", unavailable="30/11/2026"),
         referral_row(referral_id="D2", birth_name="Autre",
                      unavailable="du 30/11/2026 au 01/12/2026")],
        [slot_row(slot_id="S30", start="30/11/2026 09:00"),
         slot_row(slot_id="S01", start="01/12/2026 09:00"),
         slot_row(slot_id="S02", start="02/12/2026 09:00")],
    )  # fmt: skip
    assert booked(result) == {"D1": ["S01"], "D2": ["S02"]}


def test_every_slot_of_a_visit_counts() -> None:
    """A mammography at 12:45 and the breast ultrasound at 13:00: the
    second slot starts in the unavailable afternoon, so the visit is not
    offered; the unbooked referral says why."""
    result = run(
        [referral_row(exams="MAMMO+ECHO_SEIN",
                      unavailable="lundi après-midi")],
        [slot_row(slot_id="M", start="30/11/2026 12:45", exams="MAMMO"),
         slot_row(slot_id="E", start="30/11/2026 13:00", exams="ECHO_SEIN")],
    )  # fmt: skip
    assert booked(result) == {}
    assert unbooked(result) == {"D1": Reason.NO_COMPATIBLE_SLOT}
    assert details(result)["D1"] == (
        "aucun créneau en dehors des indisponibilités du patient pour "
        "Mammographie + Échographie mammaire"
    )


def test_a_withdrawn_slot_is_never_offered() -> None:
    result = run(
        [referral_row(referral_id="D1"),
         referral_row(referral_id="D2", birth_name="Autre", exams="SCANNER")],
        [slot_row(slot_id="S1", status="annule"),
         slot_row(slot_id="S2", start="27/11/2026 15:00"),
         slot_row(slot_id="S3", exams="SCANNER", status="annulé")],
    )  # fmt: skip
    assert booked(result) == {"D1": ["S2"]}
    assert unbooked(result) == {"D2": Reason.NO_COMPATIBLE_SLOT}
    assert details(result)["D2"] == (
        "les seuls créneaux possibles ont été retirés par les centres"
    )


def test_a_three_exam_trip_shares_the_exams_out() -> None:
    """The issue's chain: 09:00 (breast or thyroid ultrasound), 09:15
    (breast ultrasound), 11:00 (mammography). One trip exists: thyroid at
    9:00, breast at 9:15, mammography at 11:00; it is booked, and the
    centre list and notices say which exam each slot does."""
    from cosen.io.notices import visit_exams

    result = run(
        [referral_row(exams="MAMMO+ECHO_SEIN+ECHO_THYRO")],
        [slot_row(slot_id="A", start="30/11/2026 09:00",
                  exams="ECHO_SEIN,ECHO_THYRO"),
         slot_row(slot_id="B", start="30/11/2026 09:15", exams="ECHO_SEIN"),
         slot_row(slot_id="C", start="30/11/2026 11:00", exams="MAMMO")],
    )  # fmt: skip
    assert booked(result) == {"D1": ["A", "B", "C"]}
    (visit,) = result.booked
    assert [(s.slot_id, [e.value for e in exams])
            for s, exams in visit_exams(visit)] == [
        ("A", ["ECHO_THYRO"]), ("B", ["ECHO_SEIN"]), ("C", ["MAMMO"]),
    ]  # fmt: skip
