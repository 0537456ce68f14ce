"""Sessions, logins, headers and errors of the desk."""

from __future__ import annotations

from pathlib import Path

import pytest

from cosen.ledger.users import disable_user
from tests.web.conftest import PASSWORD, Seeded

pytestmark = pytest.mark.parametrize("ledger_target", ["sqlite"],
                                     indirect=True)  # fmt: skip


def _cookie(seeded_client: object) -> str | None:
    cookie = seeded_client.get_cookie("cosen_session")  # type: ignore[attr-defined]
    return None if cookie is None else str(cookie.value)


def test_the_cookie_is_httponly_samesite_and_secure_over_tls(
    seeded: Seeded,
) -> None:
    user = seeded.client()
    plain = user.client.get("/connexion")
    header = plain.headers["Set-Cookie"]
    assert "HttpOnly" in header and "SameSite=Lax" in header
    assert "Secure" not in header
    tls = seeded.app.test_client().get(
        "/connexion", base_url="https://localhost"
    )
    assert "Secure" in tls.headers["Set-Cookie"]
    assert tls.headers["Strict-Transport-Security"]


def test_pages_forbid_framing_scripts_and_caching(seeded: Seeded) -> None:
    user = seeded.client("coord")
    response = user.get("/appeler")
    policy = response.headers["Content-Security-Policy"]
    assert "default-src 'none'" in policy
    assert "frame-ancestors 'none'" in policy
    assert "script-src" not in policy  # no script may run at all
    assert response.headers["X-Frame-Options"] == "DENY"
    assert response.headers["Cache-Control"] == "no-store"
    assert "<script" not in response.get_data(as_text=True)


def test_login_issues_a_new_session_and_logout_revokes_it(
    seeded: Seeded,
) -> None:
    user = seeded.client()
    user.get("/connexion")
    before = _cookie(user.client)
    user.login("coord")
    after = _cookie(user.client)
    assert before and after and before != after
    user.post("/deconnexion")
    assert _cookie(user.client) is None
    # The old token, replayed, is no session any more.
    replay = seeded.app.test_client()
    replay.set_cookie("cosen_session", after)
    assert replay.get("/appeler").status_code == 302


def test_sessions_expire_after_30_idle_minutes(seeded: Seeded) -> None:
    user = seeded.client("coord")
    seeded.clock.advance(minutes=29)
    assert user.get("/appeler").status_code == 200
    seeded.clock.advance(minutes=29)  # 29 minutes after the last request
    assert user.get("/appeler").status_code == 200
    seeded.clock.advance(minutes=31)
    response = user.get("/appeler")
    assert response.status_code == 302
    assert response.location.startswith("/connexion")


def test_disabling_an_account_ends_its_sessions(seeded: Seeded) -> None:
    user = seeded.client("coord")
    with seeded.ledger() as ledger:
        disable_user(ledger, "coord")
    assert user.get("/appeler").status_code == 302
    again = seeded.client()
    page = again.login("coord").get_data(as_text=True)
    assert "identifiant ou mot de passe incorrect" in page.lower()


def test_failed_logins_are_slowed_then_locked(seeded: Seeded) -> None:
    user = seeded.client()

    def attempt(password: str) -> str:
        user.get("/connexion")
        response = user.post(
            "/connexion", {"identifiant": "coord", "mot_de_passe": password}
        )
        return response.get_data(as_text=True)

    for _ in range(3):
        assert "incorrect" in attempt("faux")
    # The fourth try comes too soon: refused without checking it.
    assert "attendre" in attempt(PASSWORD)
    for _ in range(7):
        seeded.clock.advance(minutes=1)
        assert "incorrect" in attempt("faux")
    seeded.clock.advance(minutes=1)
    locked = attempt(PASSWORD)
    assert "connexion bloquée" in locked
    seeded.clock.advance(minutes=31)
    assert user.login("coord").status_code == 302
    # An unknown login is answered exactly like a wrong password.
    assert "incorrect" in attempt_unknown(seeded)


def attempt_unknown(seeded: Seeded) -> str:
    user = seeded.client()
    user.get("/connexion")
    return user.post(
        "/connexion", {"identifiant": "personne", "mot_de_passe": "x" * 12}
    ).get_data(as_text=True)


def test_login_redirects_only_within_the_desk(seeded: Seeded) -> None:
    user = seeded.client()
    user.get("/connexion?suivant=//evil.example/")
    response = user.post(
        "/connexion?suivant=//evil.example/",
        {"identifiant": "coord", "mot_de_passe": PASSWORD},
    )
    assert response.location == "/demande"


def test_errors_name_no_data_and_log_no_message(
    seeded: Seeded, caplog: pytest.LogCaptureFixture, tmp_path: Path
) -> None:
    user = seeded.client("coord")

    def broken(*_: object, **__: object) -> None:
        raise RuntimeError("Lœwenbrück Zoé 06 12 34 56 78")

    import cosen.web.views as views

    with pytest.MonkeyPatch.context() as patch:
        patch.setattr(views, "call_list", broken)
        response = user.get("/appeler")
    assert response.status_code == 500
    page = response.get_data(as_text=True)
    assert "Lœwenbrück" not in page and "Erreur interne" in page
    assert "RuntimeError" in caplog.text
    assert "Lœwenbrück" not in caplog.text
