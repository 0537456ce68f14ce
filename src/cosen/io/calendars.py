"""Each centre's COSEN appointments as an iCalendar file (RFC 5545).

``<centre>.ics`` beside the centre's Excel list, one event per visit (a
visit over several slots is one event, from its first slot's start to its
last slot's end). An event's ``UID`` is derived from the booking and the
ledger, so a calendar that imports a later file updates its events rather
than adding them again: a visit cancelled is published under the same UID
with ``STATUS:CANCELLED`` and a higher ``SEQUENCE``, a changed one with a
higher ``SEQUENCE``.

What an event shows: the exams, the referral id, reduced mobility and
medical transport (what the centre prepares), the centre's name and
address from the directory as its place, never the patient's name,
birth date or phone. A centre's calendar is its own schedule, but
calendars are synchronised to phones and to calendar services outside the
health data host, and event titles show on locked screens and in shared
free/busy views: the identity stays in the Excel list, which the referral
id points to.

Times carry the ``Europe/Paris`` zone with its ``VTIMEZONE``; files are
written atomically, mode 0600 (:func:`cosen.io.excel.write_atomic`), and
are byte-for-byte the same for the same input, so a run's files can be
re-created exactly.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime
from pathlib import Path
from typing import IO, Final

import icalendar

from cosen.allocation import Booked
from cosen.clock import PARIS
from cosen.domain import Directory
from cosen.io.excel import write_atomic
from cosen.io.exports import centre_file_name
from cosen.io.outputs import OutputSet

__all__ = [
    "CalendarEntry",
    "add_centre_calendars",
    "calendar_uid",
    "centre_calendar",
]

_PRODID: Final = "-//COSEN//cosen//FR"


@dataclass(frozen=True)
class CalendarEntry:
    """One visit as a centre's calendar publishes it.

    Attributes
    ----------
    booking_id
        The stable id of the booking (the booking row of the visit's first
        slot): the event's UID.
    visit
        The visit: referral, slots (all at one centre).
    sequence
        0 when the visit is first published, one more at each change
        (a cancellation is a change).
    cancelled
        The visit no longer holds: published as ``STATUS:CANCELLED``.
    """

    booking_id: int
    visit: Booked
    sequence: int = 0
    cancelled: bool = False

    def __post_init__(self) -> None:
        if self.sequence < 0:
            raise ValueError("an event's sequence is 0 or more")
        if len({slot.center for slot in self.visit.slots}) != 1:
            raise ValueError("a visit takes place at one centre")

    @property
    def centre(self) -> str:
        """The centre whose calendar shows it."""
        return self.visit.slots[0].center


def calendar_uid(namespace: str, booking_id: int) -> str:
    """The UID of a booking's event: stable for the booking, proper to its
    ledger (``namespace``: a new ledger numbers bookings from 1 again)."""
    return f"cosen-{namespace}-booking-{booking_id}"


def centre_calendar(
    centre: str,
    entries: Sequence[CalendarEntry],
    namespace: str,
    stamp: datetime,
    directory: Directory | None = None,
) -> bytes:
    """One centre's calendar: its entries, by start.

    Parameters
    ----------
    centre
        The centre's code (its entries only are published).
    entries
        Visits, with their booking ids, sequences and whether cancelled.
    namespace
        The ledger's stamp (:meth:`cosen.ledger.Database.ledger_stamp`).
    stamp
        When the file is made (``DTSTAMP``).
    directory
        Names the calendar and places its events (the code alone for a
        centre it lacks).
    """
    directory = directory if directory is not None else Directory()
    calendar = icalendar.Calendar()
    calendar.add("prodid", _PRODID)
    calendar.add("version", "2.0")
    calendar.add("calscale", "GREGORIAN")
    calendar.add("method", "PUBLISH")
    name = (
        f"COSEN — {directory.label(centre)}"
        if centre in directory
        else f"COSEN — centre {centre}"
    )
    calendar.add("name", name)
    calendar.add("x-wr-calname", name)
    calendar.add("x-wr-timezone", "Europe/Paris")
    mine = sorted(
        (entry for entry in entries if entry.centre == centre),
        key=lambda entry: (entry.visit.start, entry.booking_id),
    )
    place = _place(directory, centre)
    for entry in mine:
        calendar.add_component(_event(entry, namespace, stamp, place))
    calendar.add_missing_timezones()
    return bytes(calendar.to_ical())


def add_centre_calendars(
    outputs: OutputSet,
    subfolder: str,
    entries: Sequence[CalendarEntry],
    namespace: str,
    stamp: datetime,
    directory: Directory | None = None,
) -> list[Path]:
    """Add one ``<centre>.ics`` per centre with an entry to an output set,
    in ``subfolder`` (beside ``<centre>.xlsx``); return their final paths,
    in centre order. A centre's calendar that the set no longer holds is
    removed with the previous set, as its other files are."""
    written = []
    for centre in sorted({entry.centre for entry in entries}):
        data = centre_calendar(centre, entries, namespace, stamp, directory)
        stem = Path(centre_file_name(centre)).with_suffix(".ics").name
        name = f"{subfolder}/{stem}".lstrip("/")

        def write(stream: IO[bytes], data: bytes = data) -> None:
            stream.write(data)

        write_atomic(outputs.path(name), write)
        written.append(outputs.final(name))
    return written


def _place(directory: Directory, centre: str) -> str:
    """Where the centre's events take place: its name and address."""
    known = directory.get(centre)
    if known is None:
        return f"Centre {centre}"
    return f"{known.name}, {known.place}"


def _event(
    entry: CalendarEntry, namespace: str, stamp: datetime, place: str
) -> icalendar.Event:
    visit = entry.visit
    referral = visit.referral
    exams = " + ".join(exam.label for exam in referral.exams)
    summary = f"COSEN — {exams} — demande {referral.referral_id}"
    if entry.cancelled:
        summary = f"Annulé — {summary}"
    lines = [f"Demande {referral.referral_id} (dispositif COSEN)."]
    for slot in visit.slots:
        start = slot.start.astimezone(PARIS)
        lines.append(
            f"Créneau {slot.slot_id} : {start.hour}h{start.minute:02d}, "
            f"{slot.duration_min} min."
        )
    if referral.reduced_mobility:
        lines.append("Mobilité réduite : oui.")
    if referral.medical_transport:
        lines.append("Transport médicalisé : oui.")
    lines.append(
        "Identité et coordonnées du patient : voir la liste du centre."
    )
    if entry.cancelled:
        lines.append("Rendez-vous annulé : le créneau est libéré.")
    event = icalendar.Event()
    event.add("uid", calendar_uid(namespace, entry.booking_id))
    event.add("dtstamp", stamp.astimezone(PARIS))
    event.add("sequence", entry.sequence)
    event.add("dtstart", visit.start.astimezone(PARIS))
    event.add("dtend", visit.slots[-1].end.astimezone(PARIS))
    event.add("summary", summary)
    event.add("description", "\n".join(lines))
    event.add("location", place)
    event.add("status", "CANCELLED" if entry.cancelled else "CONFIRMED")
    event.add("transp", "TRANSPARENT" if entry.cancelled else "OPAQUE")
    event.add("class", "PRIVATE")
    event.add("categories", ["COSEN"])
    return event
