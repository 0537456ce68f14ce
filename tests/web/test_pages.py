"""The desk's pages do what the batch commands do, through the browser."""

from __future__ import annotations

import io
import re
from datetime import timedelta
from pathlib import Path

from openpyxl import load_workbook
from werkzeug.test import TestResponse

from cosen.domain.samples import sample_referrals
from cosen.ledger.accounts import AccountStore
from cosen.ledger.reports import purge
from cosen.ledger.states import State
from tests.factories import referral_row
from tests.web.conftest import Seeded, held_by_centre, sample_files


def _form(seeded: Seeded, **changes: str) -> dict[str, object]:
    """An eligible referral as the form posts it (received now)."""
    values = {
        "referral_id": "G1",
        "received_at": seeded.clock.now.strftime("%d/%m/%Y %H:%M"),
        **changes,
    }
    row = referral_row(**values)
    form: dict[str, object] = {
        k: v
        for k, v in row.items()
        if k not in ("reduced_mobility", "medical_transport",
                     "suspected_emergency", "exams")
    }  # fmt: skip
    form["exams"] = row["exams"].split("+")
    for flag in ("reduced_mobility", "medical_transport",
                 "suspected_emergency"):  # fmt: skip
        if row[flag] == "oui":
            form[flag] = "oui"
    return form


def _text(response: TestResponse) -> str:
    return response.get_data(as_text=True)


def _state(seeded: Seeded, referral_id: str) -> State | None:
    with seeded.ledger() as ledger, ledger.read() as db:
        return db.referral_state(referral_id)


def test_an_eligible_referral_is_recorded_pending(seeded: Seeded) -> None:
    user = seeded.client("coord")
    page = _text(user.post("/demande", _form(seeded)))
    assert "Demande G1 éligible : enregistrée" in page
    assert _state(seeded, "G1") is State.PENDING
    # The next allocation books it, and it is to be called.
    user.get("/attribuer")
    user.post("/attribuer", {"temps": "10"})
    assert _state(seeded, "G1") is State.BOOKED
    assert "G1" in _text(user.get("/appeler"))


def test_an_emergency_is_excluded_with_where_to_send_the_patient(
    seeded: Seeded,
) -> None:
    user = seeded.client("coord")
    page = _text(
        user.post("/demande", _form(seeded, suspected_emergency="oui"))
    )
    assert "Hors dispositif" in page
    assert re.search(r'class="grand">Urgence suspectée', page)
    assert re.search(r'class="grand orientation">Gestion habituelle de '
                     r"l&#39;urgence : 15", page)  # fmt: skip
    assert _state(seeded, "G1") is None


def test_missing_fields_are_each_marked(seeded: Seeded) -> None:
    user = seeded.client("coord")
    form = _form(seeded, phone="", prescriber="")
    del form["consent"]
    page = _text(user.post("/demande", form))
    assert "Demande incomplète" in page
    for field in ("phone", "prescriber", "consent"):
        assert f'id="f-{field}" name="{field}"' in page
        assert re.search(
            rf'<div class="champ fautif">\s*<label for="f-{field}"', page
        ), field
    assert page.count('class="champ fautif"') == 3
    # What was typed stays in the form.
    assert 'value="Lœwenbrück"' in page
    assert _state(seeded, "G1") is None


def test_a_duplicate_names_the_earlier_referral(seeded: Seeded) -> None:
    user = seeded.client("coord")
    user.post("/demande", _form(seeded))
    user.get("/demande")
    page = _text(user.post("/demande", _form(seeded, referral_id="G2")))
    assert "Demande en double" in page
    assert '<a href="/demandes/G1">G1</a>' in page
    assert _state(seeded, "G2") is None
    # The same id again is a duplicate too.
    user.get("/demande")
    again = _text(user.post("/demande", _form(seeded, exams="SCANNER")))
    assert "identifiant déjà au registre" in again


def test_import_reports_rows_and_a_dry_run_records_nothing(
    seeded: Seeded, tmp_path: Path
) -> None:
    user = seeded.client("plan")
    referrals, slots = sample_files(
        tmp_path, seeded.clock.now + timedelta(hours=1)
    )
    # Other ids than the seeded run's (the samples reuse D00001...).
    user.get("/importer")
    with referrals.open("rb") as file:
        dry = _text(
            user.post(
                "/importer",
                {"demandes": (file, "demandes.xlsx"), "verifier": "1"},
                content_type="multipart/form-data",
            )
        )
    assert "Vérification (rien n'est enregistré)" in dry
    rows = len(sample_referrals_spec(seeded))
    assert f"{rows} ligne(s) lue(s)" in dry
    assert "rejetées, ligne par ligne" in dry
    assert re.search(r"<tr><td>\d+</td><td>[^<]*</td>\s*<td>", dry)
    user.get("/importer")
    with slots.open("rb") as file:
        done = _text(
            user.post(
                "/importer",
                {"creneaux": (file, "creneaux.csv.xlsx")},
                content_type="multipart/form-data",
            )
        )
    assert "Import enregistré" in done


def sample_referrals_spec(seeded: Seeded) -> list[dict[str, object]]:
    from cosen.domain.samples import SampleSpec

    return sample_referrals(SampleSpec(now=seeded.clock.now))


def test_a_file_of_another_kind_is_refused_in_french(seeded: Seeded) -> None:
    user = seeded.client("coord")
    user.get("/importer")
    page = user.post(
        "/importer",
        {"demandes": (io.BytesIO(b"x"), "notes.txt")},
        content_type="multipart/form-data",
    )
    assert page.status_code == 400
    assert "format non pris en charge" in _text(page)


def test_allocation_shows_the_baseline_the_unbooked_and_files(
    seeded: Seeded,
) -> None:
    user = seeded.client("coord")
    user.post("/demande", _form(seeded, exams="ECHO_THYRO"))
    user.get("/attribuer")
    page = _text(user.post("/attribuer", {"temps": "10"}))
    assert "Passage n° 2" in page
    assert "Premier arrivé, premier servi" in page
    files = re.findall(r'href="(/passages/2/fichiers/[^"]+)"', page)
    assert any(f.endswith("synthese.xlsx") for f in files)
    download = user.get(files[0])
    assert download.status_code == 200
    assert download.data[:2] == b"PK"
    # Options outside their bounds are refused in French.
    user.get("/attribuer")
    bad = user.post("/attribuer", {"preavis": "1000"})
    assert bad.status_code == 400
    assert "preavis : de 0 à 168 attendu" in _text(bad)


def test_answers_are_the_batch_transitions_with_the_users_name(
    seeded: Seeded,
) -> None:
    user = seeded.client("coord")
    page = _text(user.get("/appeler"))
    first, second = re.findall(r'/demandes/([^/"]+)/reponse', page)[:2]
    assert 'href="tel:+33' in page
    user.post(f"/demandes/{first}/reponse", {"reponse": "confirme"})
    user.get("/appeler")
    user.post(f"/demandes/{second}/reponse", {"reponse": "refuse"})
    assert _state(seeded, first) is State.CONFIRMED
    assert _state(seeded, second) is State.PENDING
    with seeded.ledger() as ledger, ledger.read() as db:
        assert db.declines()[second]
        answers = db.backend.execute(
            "SELECT referral_id, answer, login FROM answers ORDER BY id"
        )
    assert [tuple(a) for a in answers] == [
        (first, "confirme", "coord"),
        (second, "refuse", "coord"),
    ]
    # Absent before the appointment: refused, as batch answers refuses.
    user.get("/appeler")
    response = user.post(f"/demandes/{first}/reponse", {"reponse": "absent"})
    assert _state(seeded, first) is State.CONFIRMED
    message = _text(user.get(response.location))
    assert "n&#39;a pas encore eu lieu" in message
    # Once it started, the centre records it done.
    seeded.clock.advance(days=30)
    centre = _centre_of(seeded, first)
    staff = seeded.client(_centre_login(centre))
    staff.get(f"/centres/{centre}")
    staff.post(f"/demandes/{first}/reponse", {"reponse": "realise"})
    assert _state(seeded, first) is State.CLOSED


def _centre_of(seeded: Seeded, referral_id: str) -> str:
    return next(
        c for c, ids in held_by_centre(seeded).items() if referral_id in ids
    )


def _centre_login(centre: str) -> str:
    return {"MIM-1": "mim1", "SIMSE-1": "simse1"}.get(centre, "coord")


def test_a_centre_confirms_nothing_and_sees_its_own_list_only(
    seeded: Seeded,
) -> None:
    held = held_by_centre(seeded)
    user = seeded.client("mim1")
    landing = user.get("/")
    assert landing.location == "/centres/MIM-1"
    page = _text(user.get("/centres/MIM-1"))
    assert all(r in page for r in held["MIM-1"])
    assert not any(r in page for r in held["SIMSE-1"])
    assert 'value="confirme"' not in page
    refused = user.post(
        f"/demandes/{held['MIM-1'][0]}/reponse", {"reponse": "confirme"}
    )
    assert refused.status_code == 403
    workbook = load_workbook(
        io.BytesIO(user.get("/centres/MIM-1/liste.xlsx").data)
    )
    cells = {
        str(c.value)
        for sheet in workbook.worksheets
        for row in sheet.iter_rows()
        for c in row
    }
    assert set(held["MIM-1"]) <= cells
    assert not set(held["SIMSE-1"]) & cells
    printed = _text(user.get("/centres/MIM-1?impression=1"))
    assert 'class="impression"' in printed
    assert 'class="reponses"' not in printed


def test_follow_up_and_the_json_api(seeded: Seeded) -> None:
    user = seeded.client("plan")
    page = _text(user.get("/suivi"))
    assert "En attente d'un créneau" in page
    assert "Derniers passages" in page
    status = user.get("/api/etat").json
    assert status is not None
    assert set(status["states"]) == {"pending", "booked", "confirmed",
                                     "closed"}  # fmt: skip
    run = user.get("/api/passages/1").json
    assert run is not None
    assert set(run) >= {"status", "booked", "unbooked", "rejected", "kpi"}
    assert set(run["booked"][0]) == {"referral_id", "slot_id", "center",
                                     "start", "late_minutes"}  # fmt: skip
    assert user.get("/api/passages/99").status_code == 404
    # Scripts authenticate with HTTP Basic, without a CSRF token.
    script = seeded.app.test_client()
    headers = {"Authorization": _basic("plan", "mot-de-passe-du-test")}
    allocated = script.post("/api/attribuer", headers=headers)
    assert allocated.status_code == 200
    assert allocated.json is not None and allocated.json["run"] == 2
    wrong = {"Authorization": _basic("plan", "faux")}
    assert script.get("/api/etat", headers=wrong).status_code == 401


def _basic(login: str, password: str) -> str:
    import base64

    return "Basic " + base64.b64encode(f"{login}:{password}".encode()).decode()


def test_the_access_log_records_displays_and_is_purged_with_the_data(
    seeded: Seeded,
) -> None:
    user = seeded.client("coord")
    referral_id = re.findall(
        r'/demandes/([^/"]+)/reponse', _text(user.get("/appeler"))
    )[0]
    user.get(f"/demandes/{referral_id}")
    user.post(f"/demandes/{referral_id}/reponse", {"reponse": "annule"})
    admin = seeded.client("admin")
    page = _text(admin.get(f"/journal?demande={referral_id}"))
    for action in ("liste", "fiche", "réponse annule"):
        assert re.search(
            rf"<td>coord</td><td>{referral_id}</td><td>{action}</td>", page
        ), action
    with seeded.ledger() as ledger:
        purge(ledger, seeded.clock.now.date() + timedelta(days=1),
              seeded.clock.now + timedelta(days=1))  # fmt: skip
        with ledger.read() as db:
            store = AccountStore(db)
            assert store.access_log(referral_id) == []
            assert store.access_log()  # others' entries stay


def test_nothing_personal_in_the_urls_of_any_page(seeded: Seeded) -> None:
    user = seeded.client("admin")
    with seeded.ledger() as ledger, ledger.read() as db:
        names = {
            value
            for r in db.referrals()
            for value in (r.birth_name, r.first_name, r.city)
        }
    pages = ["/appeler", "/centres/MIM-1", "/suivi", "/journal", "/demande"]
    for path in pages:
        links = re.findall(r'(?:href|action)="([^"]+)"', _text(user.get(path)))
        assert links
        for link in links:
            assert not link.startswith("tel:") or link[4:].startswith("+")
            if link.startswith("tel:"):
                continue
            assert not any(name in link for name in names), link
