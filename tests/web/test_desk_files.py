"""What the desk gives to download and print: a centre's calendar, the
call list, a run's files; the directory's names; Suivi's outbox; and the
access log of each of them."""

from __future__ import annotations

import io
import re

import icalendar
from markupsafe import escape
from openpyxl import load_workbook
from werkzeug.test import TestResponse

from cosen.domain.samples import sample_centres
from cosen.io.exports import ANSWER_SHEET, CALLBACK_SHEET
from cosen.ledger.accounts import AccountStore
from cosen.ledger.exports import deliver
from cosen.ledger.messages import Channel, OutboxState
from tests.web.conftest import Seeded, held_by_centre


def _text(response: TestResponse) -> str:
    return response.get_data(as_text=True)


def _actions(seeded: Seeded, referral_id: str) -> set[tuple[str, str]]:
    with seeded.ledger() as ledger, ledger.read() as db:
        return {
            (e.login, e.action)
            for e in AccountStore(db).access_log(referral_id)
        }


def _names(seeded: Seeded) -> set[str]:
    with seeded.ledger() as ledger, ledger.read() as db:
        return {
            value
            for r in db.referrals()
            for value in (r.birth_name, r.first_name)
        }


def test_a_centres_calendar_holds_its_visits_and_no_identity(
    seeded: Seeded,
) -> None:
    held = held_by_centre(seeded)
    response = seeded.client("mim1").get("/centres/MIM-1/calendrier.ics")
    assert response.status_code == 200
    assert response.mimetype == "text/calendar"
    assert "MIM-1.ics" in response.headers["Content-Disposition"]
    calendar = icalendar.Calendar.from_ical(response.data)
    events = list(calendar.walk("VEVENT"))
    described = " ".join(str(e["SUMMARY"]) for e in events)
    # One event per held visit of this centre, none of another.
    assert len(events) == len(held["MIM-1"])
    assert all(r in described for r in held["MIM-1"])
    assert not any(r in described for r in held["SIMSE-1"])
    assert len({str(e["UID"]) for e in events}) == len(events)
    text = response.data.decode()
    assert not any(name in text for name in _names(seeded))
    assert ("mim1", "calendrier MIM-1") in _actions(seeded, held["MIM-1"][0])


def test_the_calendar_matches_the_runs_full_list_uid_for_uid(
    seeded: Seeded,
) -> None:
    folder = seeded.folder / "export"
    with seeded.ledger() as ledger:
        deliver(ledger, folder, seeded.clock.now, 1)
    published = icalendar.Calendar.from_ical(
        (folder / "liste-complete" / "MIM-1.ics").read_bytes()
    )
    desk = icalendar.Calendar.from_ical(
        seeded.client("coord").get("/centres/MIM-1/calendrier.ics").data
    )

    def uids(calendar: icalendar.Calendar) -> set[str]:
        return {str(e["UID"]) for e in calendar.walk("VEVENT")}

    assert uids(desk) == uids(published)
    assert uids(desk)
    # Both name the centre and place its visits from the directory.
    mim1 = next(c for c in sample_centres() if c["center"] == "MIM-1")
    for calendar in (published, desk):
        assert calendar["X-WR-CALNAME"] == f"COSEN — {mim1['name']} (MIM-1)"
        assert {str(e["LOCATION"]) for e in calendar.walk("VEVENT")} == {
            f"{mim1['name']}, {mim1['address']}, {mim1['postcode']} "
            f"{mim1['city']}"
        }


def test_centres_are_shown_by_name_and_address(seeded: Seeded) -> None:
    centre = {
        key: str(escape(value))
        for key, value in next(
            c for c in sample_centres() if c["center"] == "MIM-1"
        ).items()
    }
    user = seeded.client("coord")
    listing = _text(user.get("/centres"))
    assert centre["name"] in listing
    assert centre["address"] in listing
    assert "/centres/MIM-1/calendrier.ics" in listing
    page = _text(user.get("/centres/MIM-1"))
    assert f"<h1>{centre['name']}" in page
    assert centre["city"] in page
    calls = _text(user.get("/appeler"))
    assert centre["name"] in calls
    assert "<td>MIM-1</td>" not in calls
    entry = _text(user.get("/demande"))
    assert f'<option value="MIM-1">{centre["name"]} (MIM-1)' in entry


def test_an_unknown_centre_has_no_calendar(seeded: Seeded) -> None:
    user = seeded.client("coord")
    assert user.get("/centres/NUL-9/calendrier.ics").status_code == 404


def test_the_call_list_workbook_and_print_view(seeded: Seeded) -> None:
    held = [i for ids in held_by_centre(seeded).values() for i in ids]
    user = seeded.client("coord")
    response = user.get("/appeler/appels.xlsx")
    assert response.status_code == 200
    workbook = load_workbook(io.BytesIO(response.data))
    assert workbook.sheetnames == [ANSWER_SHEET, CALLBACK_SHEET]
    answers = [
        str(row[0]) for row in workbook[ANSWER_SHEET].iter_rows(
            min_row=2, values_only=True)
    ]  # fmt: skip
    assert sorted(answers) == sorted(held)
    with seeded.ledger() as ledger, ledger.read() as db:
        waiting = {i for i, _, reason, _ in db.waiting() if reason}
    callbacks = {
        row[0] for row in workbook[CALLBACK_SHEET].iter_rows(
            min_row=2, values_only=True)
    }  # fmt: skip
    assert callbacks == (waiting or {"Aucune demande sans créneau."})
    assert ("coord", "export appels") in _actions(seeded, held[0])
    printed = _text(user.get("/appeler?impression=1"))
    assert 'class="impression"' in printed
    assert 'class="reponses"' not in printed
    assert all(i in printed for i in held)


def test_a_runs_file_download_is_in_the_access_log(seeded: Seeded) -> None:
    desk = seeded.app.extensions["cosen"]
    with seeded.ledger() as ledger:
        deliver(ledger, desk.files / "passages" / "passage-1",
                seeded.clock.now, 1)  # fmt: skip
        with ledger.read() as db:
            booked = [b.referral_id for b in db.bookings(run_id=1)]
    user = seeded.client("plan")
    assert user.get("/passages/1/fichiers/appels.xlsx").status_code == 200
    assert ("plan", "fichier du passage 1 : appels.xlsx") in _actions(
        seeded, booked[0]
    )
    held = held_by_centre(seeded)
    name = "liste-complete/SIMSE-1.xlsx"
    assert user.get(f"/passages/1/fichiers/{name}").status_code == 200
    action = ("plan", f"fichier du passage 1 : {name}")
    assert action in _actions(seeded, held["SIMSE-1"][0])
    assert action not in _actions(seeded, held["MIM-1"][0])


def test_follow_up_shows_the_outbox_and_what_failed(seeded: Seeded) -> None:
    with seeded.ledger() as ledger:
        with ledger.write() as db:
            messages = db.messages(states=(OutboxState.PENDING,))
            emails = [m for m in messages if m.channel is Channel.EMAIL]
            db.finish_message(
                emails[0].id,
                OutboxState.FAILED,
                seeded.clock.now,
                "boîte aux lettres inconnue (550)",
            )
        with ledger.read() as db:
            counts = db.count_messages()
    user = seeded.client("plan")
    page = _text(user.get("/suivi"))
    assert "Avis aux patients et aux prescripteurs" in page
    assert "boîte aux lettres inconnue (550)" in page
    assert emails[0].referral_id in page
    row = re.search(r"<th scope=\"row\">courriel</th>(.*?)</tr>", page)
    assert row is not None
    cells = [int(c) for c in re.findall(r"<td>(\d+)</td>", row.group(1))]
    assert cells[3] == counts[(Channel.EMAIL, OutboxState.FAILED)] == 1
    assert "Fichiers écrits le" in page
    # Nothing personal: the outbox is named by ids and reasons only.
    assert not any(name in page for name in _names(seeded))
