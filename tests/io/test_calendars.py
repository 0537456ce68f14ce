"""Centre calendars (RFC 5545) read back through the icalendar parser: one
event per visit, stable UIDs, cancellations and changes as updates."""

from __future__ import annotations

import stat
from datetime import datetime
from pathlib import Path

import icalendar
import pytest

from cosen.allocation import Booked
from cosen.clock import PARIS
from cosen.domain import Centre, Directory, Referral, Slot
from cosen.io.calendars import (
    CalendarEntry,
    add_centre_calendars,
    calendar_uid,
    centre_calendar,
)
from cosen.io.outputs import output_set
from tests.factories import NOW, centre_row, referral_row, slot_row

STAMP = datetime(2026, 11, 27, 10, 5, tzinfo=PARIS)


def referral(referral_id: str = "D1", **changes: str) -> Referral:
    row = referral_row(referral_id=referral_id, **changes)
    return Referral.model_validate({k: v for k, v in row.items() if v})


def slot(slot_id: str, start: str, **changes: str) -> Slot:
    return Slot.model_validate(
        slot_row(slot_id=slot_id, start=start, **changes)
    )


def visit(
    who: Referral, *slots: Slot, booking_id: int = 1, **entry: object
) -> CalendarEntry:
    booked = Booked(who, tuple(slots), NOW, 0)
    return CalendarEntry(booking_id, booked, **entry)  # type: ignore[arg-type]


def parse(data: bytes) -> icalendar.Calendar:
    return icalendar.Calendar.from_ical(data)


def test_one_event_per_visit_in_paris_time() -> None:
    two_exams = referral("D2", exams="MAMMO+ECHO_SEIN", reduced_mobility="oui")
    entries = [
        visit(referral("D1"), slot("S1", "28/11/2026 09:00"), booking_id=7),
        visit(
            two_exams,
            slot("S2", "28/11/2026 08:00", exams="MAMMO"),
            slot(
                "S3", "28/11/2026 08:30", exams="ECHO_SEIN", duration_min="20"
            ),
            booking_id=9,
        ),
        visit(
            referral("D3"),
            slot("S4", "28/11/2026 10:00", center="SIMSE-2", group="SIMSE"),
            booking_id=11,
        ),
    ]
    calendar = parse(centre_calendar("MIM-1", entries, "ab12", STAMP))
    assert calendar["PRODID"] == "-//COSEN//cosen//FR"
    assert calendar["VERSION"] == "2.0"
    assert calendar["METHOD"] == "PUBLISH"
    assert [tz["TZID"] for tz in calendar.walk("VTIMEZONE")] == [
        "Europe/Paris"
    ]
    events = calendar.events
    assert [e["UID"] for e in events] == [
        "cosen-ab12-booking-9",  # by start: 8:00 before 9:00
        "cosen-ab12-booking-7",
    ]
    first = events[0]
    # One event for the two-slot visit: first start to last end.
    assert first.start == datetime(2026, 11, 28, 8, 0, tzinfo=PARIS)
    assert first.end == datetime(2026, 11, 28, 8, 50, tzinfo=PARIS)
    assert isinstance(first.start, datetime)
    assert str(first.start.tzinfo) == "Europe/Paris"
    assert first["SUMMARY"] == (
        "COSEN — Mammographie + Échographie mammaire — demande D2"
    )
    assert first["STATUS"] == "CONFIRMED" and first["SEQUENCE"] == 0
    assert first["CLASS"] == "PRIVATE"
    assert first.decoded("DTSTAMP") == STAMP
    description = str(first["DESCRIPTION"])
    assert "Créneau S2 : 8h00, 15 min." in description
    assert "Créneau S3 : 8h30, 20 min." in description
    assert "Mobilité réduite : oui." in description
    assert "Transport médicalisé" not in description


def test_the_directory_names_the_calendar_and_places_its_events() -> None:
    entries = [visit(referral("D1"), slot("S1", "28/11/2026 09:00"))]
    directory = Directory([Centre.model_validate(centre_row())])
    named = parse(centre_calendar("MIM-1", entries, "ab12", STAMP, directory))
    assert named["X-WR-CALNAME"] == "COSEN — Centre d'imagerie du Parc (MIM-1)"
    (event,) = named.events
    assert event["LOCATION"] == (
        "Centre d'imagerie du Parc, 12 rue du Parc, 67000 Strasbourg"
    )
    # A centre the directory lacks is shown by its code.
    plain = parse(centre_calendar("MIM-1", entries, "ab12", STAMP))
    assert plain["X-WR-CALNAME"] == "COSEN — centre MIM-1"
    assert plain.events[0]["LOCATION"] == "Centre MIM-1"


def test_no_identity_in_a_calendar() -> None:
    """Calendars go to phones and calendar services: name, birth date,
    phone, address and prescriber stay in the Excel list."""
    who = referral("D1")
    data = centre_calendar(
        "MIM-1", [visit(who, slot("S1", "28/11/2026 09:00"))], "ab12", STAMP
    )
    text = parse(data).to_ical().decode()
    unfolded = text.replace("\r\n ", "")
    for personal in (
        who.birth_name,
        who.first_name,
        who.phone,
        "06 12 34 56 78",
        "03/04/1970",
        "1970-04-03",
        who.address,
        who.city,
        who.prescriber,
        who.prescription,
        "zoe@example.fr",
    ):
        assert personal not in unfolded


def test_a_cancellation_updates_the_same_event() -> None:
    """Imported again, the later file replaces the event: same UID,
    higher SEQUENCE, STATUS:CANCELLED."""
    who = referral("D1")
    booked = slot("S1", "28/11/2026 09:00")
    before = parse(
        centre_calendar(
            "MIM-1", [visit(who, booked, booking_id=4)], "ab12", STAMP
        )
    ).events[0]
    cancelled = visit(who, booked, booking_id=4, sequence=1, cancelled=True)
    after = parse(centre_calendar("MIM-1", [cancelled], "ab12", STAMP)).events[
        0
    ]
    assert after["UID"] == before["UID"] == calendar_uid("ab12", 4)
    assert after.sequence > before.sequence
    assert after["STATUS"] == "CANCELLED"
    assert str(after["SUMMARY"]).startswith("Annulé — COSEN")
    assert after.start == before.start


def test_a_moved_visit_keeps_its_uid_with_a_higher_sequence() -> None:
    who = referral("D1")
    first = visit(who, slot("S1", "28/11/2026 09:00"), booking_id=4)
    moved = visit(
        who, slot("S5", "30/11/2026 11:00"), booking_id=4, sequence=2
    )
    one = parse(centre_calendar("MIM-1", [first], "ab12", STAMP)).events[0]
    two = parse(centre_calendar("MIM-1", [moved], "ab12", STAMP)).events[0]
    assert one["UID"] == two["UID"]
    assert (one["SEQUENCE"], two["SEQUENCE"]) == (0, 2)
    assert two.start == datetime(2026, 11, 30, 11, 0, tzinfo=PARIS)


def test_uids_are_proper_to_the_ledger() -> None:
    assert calendar_uid("ab12", 4) != calendar_uid("cd34", 4)
    assert calendar_uid("ab12", 4) != calendar_uid("ab12", 5)


def test_entries_are_checked() -> None:
    who = referral("D1")
    with pytest.raises(ValueError, match="sequence"):
        visit(who, slot("S1", "28/11/2026 09:00"), sequence=-1)
    with pytest.raises(ValueError, match="one centre"):
        visit(
            who,
            slot("S1", "28/11/2026 09:00"),
            slot("S2", "28/11/2026 09:30", center="MIM-2"),
        )


def test_files_beside_the_centre_lists(tmp_path: Path) -> None:
    folder = tmp_path / "centres"
    entries = [
        visit(referral("D1"), slot("S1", "28/11/2026 09:00"), booking_id=1),
        visit(
            referral("D2"),
            slot("S2", "28/11/2026 09:00", center="CON", group="SIMSE"),
            booking_id=2,
        ),
    ]
    written = calendars(folder, entries)
    assert [p.name for p in written] == ["CON_.ics", "MIM-1.ics"]
    for path in written:
        assert stat.S_IMODE(path.stat().st_mode) == 0o600
        assert len(parse(path.read_bytes()).events) == 1
    # The same input gives the same bytes: a run's files re-created.
    again = tmp_path / "again"
    calendars(again, entries)
    assert (again / "MIM-1.ics").read_bytes() == (
        folder / "MIM-1.ics"
    ).read_bytes()
    # A centre with nothing left loses its stale calendar.
    calendars(folder, entries[:1])
    assert sorted(p.name for p in folder.glob("*.ics")) == ["MIM-1.ics"]


def calendars(folder: Path, entries: list[CalendarEntry]) -> list[Path]:
    with output_set(folder) as outputs:
        return add_centre_calendars(outputs, "", entries, "ab12", STAMP)
