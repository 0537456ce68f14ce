"""Every route, by who asks: anonymous -> login, wrong role -> 403,
another centre's id -> 404, a POST without CSRF token -> refused."""

from __future__ import annotations

import pytest

from cosen.ledger.accounts import Role
from tests.web.conftest import ACCOUNTS, Seeded, held_by_centre

ALL = frozenset(Role)
DESK = frozenset({Role.COORDINATOR, Role.ADMIN})
PLAN = frozenset({Role.COORDINATOR, Role.PLANNER, Role.ADMIN})
CARD = frozenset({Role.COORDINATOR, Role.ADMIN, Role.CENTRE})
PLANNERS = frozenset({Role.PLANNER, Role.ADMIN})

# (method, path, roles allowed); {centre} and {referral} are filled with
# the other centre's data for the 404 checks, {run} with the seeded run,
# {plan} with a scenario run's id.
ROUTES = [
    ("GET", "/", ALL),
    ("GET", "/demande", DESK),
    ("POST", "/demande", DESK),
    ("GET", "/importer", PLAN),
    ("POST", "/importer", PLAN),
    ("GET", "/attribuer", PLAN),
    ("POST", "/attribuer", PLAN),
    ("GET", "/appeler", DESK),
    ("GET", "/appeler/appels.xlsx", DESK),
    ("GET", "/demandes/{referral}", CARD),
    ("POST", "/demandes/{referral}/reponse", CARD),
    ("GET", "/centres", ALL),
    ("GET", "/centres/{centre}", ALL),
    ("GET", "/centres/{centre}/liste.xlsx", ALL),
    ("GET", "/centres/{centre}/calendrier.ics", ALL),
    ("GET", "/suivi", PLAN),
    ("GET", "/journal", frozenset({Role.ADMIN})),
    ("GET", "/passages/{run}/fichiers/synthese.xlsx", PLAN),
    ("GET", "/planification", PLANNERS),
    ("POST", "/planification", PLANNERS),
    ("GET", "/planification/{plan}", PLANNERS),
    ("GET", "/planification/{plan}/indicateurs.xlsx", PLANNERS),
    ("GET", "/api/etat", PLAN),
    ("GET", "/api/passages", PLAN),
    ("GET", "/api/passages/{run}", PLAN),
    ("GET", "/api/centres/{centre}", ALL),
    ("POST", "/api/attribuer", PLAN),
]
OPEN = {"/connexion", "/deconnexion", "/static/<path:filename>"}


def _path(template: str, seeded: Seeded) -> str:
    other = held_by_centre(seeded)["SIMSE-1"][0]
    return template.format(
        centre="SIMSE-1", referral=other, run=1, plan="inconnue"
    )


def test_every_route_is_in_the_table(seeded: Seeded) -> None:
    rules = {
        rule.rule
        for rule in seeded.app.url_map.iter_rules()
        if rule.rule not in OPEN
    }
    table = {
        path.replace("{referral}", "<referral_id>")
        .replace("{centre}", "<code>")
        .replace("{run}", "<int:run_id>")
        .replace("synthese.xlsx", "<path:name>")
        .replace("{plan}/indicateurs.xlsx", "<run_id>/<name>")
        .replace("{plan}", "<run_id>")
        for _, path, _ in ROUTES
    }
    assert rules == table


def test_anonymous_users_are_sent_to_the_login_page(seeded: Seeded) -> None:
    user = seeded.client()
    user.get("/connexion")  # an anonymous session and its CSRF token
    for method, template, _ in ROUTES:
        path = _path(template, seeded)
        response = user.get(path) if method == "GET" else user.post(path, {})
        if path.startswith("/api/"):
            assert response.status_code == 401, path
        else:
            assert response.status_code == 302, path
            assert response.location.startswith("/connexion"), path


@pytest.mark.parametrize("login", sorted(ACCOUNTS))
def test_wrong_roles_get_403(seeded: Seeded, login: str) -> None:
    role = ACCOUNTS[login][0]
    user = seeded.client(login)
    refused = [(m, t) for m, t, allowed in ROUTES if role not in allowed]
    assert refused or role is Role.ADMIN
    for method, template in refused:
        path = _path(template, seeded)
        response = user.get(path) if method == "GET" else user.post(path, {})
        assert response.status_code == 403, (login, path)


def test_a_centre_gets_404_for_another_centres_data(seeded: Seeded) -> None:
    user = seeded.client("mim1")
    scoped = [
        (m, t)
        for m, t, allowed in ROUTES
        if Role.CENTRE in allowed and ("{" in t)
    ]
    assert len(scoped) == 6
    for method, template in scoped:
        path = _path(template, seeded)
        data = {"reponse": "realise"}
        response = user.get(path) if method == "GET" else user.post(path, data)
        assert response.status_code == 404, path
    # The same routes on its own centre's data answer.
    own = held_by_centre(seeded)["MIM-1"][0]
    assert user.get(f"/demandes/{own}").status_code == 200
    assert user.get("/centres/MIM-1").status_code == 200
    assert user.get("/api/centres/MIM-1").status_code == 200
    assert user.get("/centres/MIM-1/liste.xlsx").status_code == 200
    assert user.get("/centres/MIM-1/calendrier.ics").status_code == 200


def test_posts_without_csrf_token_are_refused(seeded: Seeded) -> None:
    user = seeded.client("admin")
    for method, template, _ in ROUTES:
        if method != "POST" or template.startswith("/api/"):
            continue
        path = _path(template, seeded)
        response = user.client.post(path, data={"reponse": "confirme"})
        assert response.status_code == 400, path
        assert "Formulaire refusé" in response.get_data(as_text=True)
        forged = user.client.post(
            path, data={"csrf_token": "forged", "reponse": "confirme"}
        )
        assert forged.status_code == 400, path
    # Logout too: a forged page cannot sign a user out.
    assert user.client.post("/deconnexion").status_code == 400
    # The API's POST is CSRF-exempt only with an Authorization header:
    # with the browser's session cookie alone, it is refused.
    assert user.client.post("/api/attribuer").status_code == 400
