"""The desk in a real browser: Debian's Chromium driven by selenium.

A coordinator logs in, enters an eligible and an emergency referral,
imports the demo files, allocates, confirms one patient and refuses
another; a centre logs in, sees only its bookings and downloads its list
and its calendar; a planner runs the scenario template and reads its
results.
Screenshots of every step are kept in ``build/screenshots/`` (or
``$COSEN_SCREENSHOTS``), at 1366x768.
"""

from __future__ import annotations

import os
import shutil
import socket
import tempfile
import threading
import time
from collections.abc import Iterator
from datetime import datetime
from pathlib import Path
from typing import Any

import pytest

from cosen.clock import PARIS
from cosen.ledger import Database
from cosen.ledger.accounts import Role
from cosen.ledger.users import add_user
from cosen.web import create_app
from tests.web.conftest import PASSWORD, sample_files

pytestmark = [pytest.mark.slow, pytest.mark.browser]

SHOTS = Path(
    os.environ.get("COSEN_SCREENSHOTS")
    or Path(__file__).resolve().parents[2] / "build" / "screenshots"
)


def _free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return int(probe.getsockname()[1])


@pytest.fixture
def server(tmp_path: Path) -> Iterator[tuple[str, Path]]:
    """The desk behind waitress on loopback, on an empty SQLite ledger
    with a coordinator, a centre and a planner account."""
    import waitress
    from waitress.server import create_server

    target = tmp_path / "cosen.db"
    now = datetime.now(PARIS)
    with Database(target) as ledger:
        add_user(ledger, "marie", Role.COORDINATOR, None, PASSWORD, now)
        add_user(ledger, "mim1", Role.CENTRE, "MIM-1", PASSWORD, now)
        add_user(ledger, "paul", Role.PLANNER, None, PASSWORD, now)
    app = create_app(target, tmp_path / "fichiers")
    port = _free_port()
    served = create_server(app, host="127.0.0.1", port=port, threads=4)
    thread = threading.Thread(target=served.run, daemon=True)
    thread.start()
    assert waitress  # the production server, as cosen serve runs it
    yield f"http://127.0.0.1:{port}", target
    served.close()
    app.extensions["cosen"].close()


@pytest.fixture
def browser(tmp_path: Path) -> Iterator[Any]:
    chromium = shutil.which("chromium")
    driver_path = shutil.which("chromedriver")
    if chromium is None or driver_path is None:
        pytest.skip("Chromium et chromedriver absents (paquets Debian "
                    "chromium et chromium-driver)")  # fmt: skip
    from selenium import webdriver
    from selenium.common.exceptions import WebDriverException
    from selenium.webdriver.chrome.service import Service

    options = webdriver.ChromeOptions()
    options.binary_location = chromium
    profile = tempfile.mkdtemp(prefix="chromium-", dir=tmp_path)
    downloads = tmp_path / "telechargements"
    downloads.mkdir()
    for argument in (
        "--headless", "--no-sandbox", "--disable-gpu",
        "--disable-background-networking", "--disable-component-update",
        "--disable-sync", "--no-first-run", f"--user-data-dir={profile}",
        "--window-size=1366,768", "--lang=fr-FR",
    ):  # fmt: skip
        options.add_argument(argument)
    options.add_experimental_option(
        "prefs",
        {"download.default_directory": str(downloads),
         "download.prompt_for_download": False},
    )  # fmt: skip
    try:
        driver = webdriver.Chrome(
            service=Service(driver_path), options=options
        )
    except WebDriverException as error:
        pytest.skip(f"Chromium ne démarre pas : {error.msg}")
    driver.downloads = downloads  # type: ignore[attr-defined]
    SHOTS.mkdir(parents=True, exist_ok=True)
    yield driver
    driver.quit()


def _wait(driver: Any, css: str) -> Any:
    """The element once the page that holds it has loaded."""
    from selenium.webdriver.common.by import By
    from selenium.webdriver.support import expected_conditions as ready
    from selenium.webdriver.support.ui import WebDriverWait

    return WebDriverWait(driver, 60).until(
        ready.presence_of_element_located((By.CSS_SELECTOR, css))
    )


def _click(driver: Any, element: Any) -> None:
    """Click, and wait for the next page to replace this one."""
    from selenium.webdriver.common.by import By
    from selenium.webdriver.support import expected_conditions as ready
    from selenium.webdriver.support.ui import WebDriverWait

    page = driver.find_element(By.TAG_NAME, "html")
    element.click()
    WebDriverWait(driver, 60).until(ready.staleness_of(page))


def _shot(driver: Any, name: str) -> None:
    driver.save_screenshot(str(SHOTS / f"{name}.png"))


def _login(driver: Any, base: str, login: str) -> None:
    from selenium.webdriver.common.by import By
    from selenium.webdriver.common.keys import Keys

    driver.get(f"{base}/connexion")
    # Type the login, Tab to the password, Enter: the keyboard only.
    driver.find_element(By.ID, "identifiant").send_keys(login)
    driver.switch_to.active_element.send_keys(Keys.TAB)
    driver.switch_to.active_element.send_keys(PASSWORD, Keys.ENTER)
    assert _wait(driver, ".sortie span").text.startswith(login)


def _fill_referral(driver: Any, values: dict[str, str], exams: list[str],
                   flags: tuple[str, ...] = ()) -> None:  # fmt: skip
    from selenium.webdriver.common.by import By
    from selenium.webdriver.support.ui import Select

    for name, value in values.items():
        field = driver.find_element(By.NAME, name)
        if field.tag_name == "select":
            Select(field).select_by_value(value)
        else:
            field.clear()
            field.send_keys(value)
    for exam in exams:
        driver.find_element(
            By.CSS_SELECTOR, f'input[name="exams"][value="{exam}"]'
        ).click()
    for flag in flags:
        driver.find_element(By.NAME, flag).click()
    _click(driver, driver.find_element(By.CSS_SELECTOR, "button.principal"))


_PATIENT = {
    "birth_name": "Muller",
    "first_name": "Odile",
    "birth_date": "12/05/1961",
    "address": "3 rue des Tilleuls",
    "postcode": "67000",
    "city": "Strasbourg",
    "phone": "06 11 22 33 44",
    "prescriber": "Dr Weber",
    "prescription": "ORD-77",
    "desired_delay": "48h",
    "consent": "oui",
}


def test_a_coordinators_day_and_a_centres_list(
    server: tuple[str, Path], browser: Any, tmp_path: Path
) -> None:
    from selenium.webdriver.common.by import By

    base, _ = server
    driver = browser
    _login(driver, base, "marie")
    assert driver.current_url.endswith("/demande")
    _shot(driver, "01-nouvelle-demande")

    _fill_referral(driver, _PATIENT, ["RADIO"])
    verdict = _wait(driver, ".verdict")
    assert "éligible : enregistrée" in verdict.text
    _shot(driver, "02-demande-eligible")

    emergency = {**_PATIENT, "birth_name": "Keller", "first_name": "Paul"}
    _fill_referral(driver, emergency, ["SCANNER"], ("suspected_emergency",))
    verdict = _wait(driver, ".verdict.exclu")
    assert "Urgence suspectée" in verdict.text
    assert "15" in verdict.find_element(By.CSS_SELECTOR, ".orientation").text
    _shot(driver, "03-urgence-exclue")

    _click(driver, driver.find_element(By.LINK_TEXT,
                                       "Vider le formulaire pour une autre "
                                       "demande"))  # fmt: skip
    incomplete = {**_PATIENT, "phone": "", "birth_name": "Roth"}
    _fill_referral(driver, incomplete, ["ECHO_ABDO"])
    assert _wait(driver, ".champ.fautif")
    assert (
        "Téléphone du patient : à remplir"
        in driver.find_element(By.CSS_SELECTOR, ".verdict.incomplet").text
    )
    _shot(driver, "04-demande-incomplete")

    referrals, slots = sample_files(tmp_path, datetime.now(PARIS))
    driver.find_element(By.LINK_TEXT, "Importer").click()
    driver.find_element(By.ID, "demandes").send_keys(str(referrals))
    driver.find_element(By.ID, "creneaux").send_keys(str(slots))
    _click(driver, driver.find_element(By.CSS_SELECTOR, "button.principal"))
    _wait(driver, "#bilan")
    _shot(driver, "05-import")
    assert "Import enregistré" in driver.page_source

    driver.find_element(By.LINK_TEXT, "Attribuer").click()
    temps = driver.find_element(By.ID, "temps")
    temps.clear()
    temps.send_keys("10")
    _click(driver, driver.find_element(By.CSS_SELECTOR, "button.principal"))
    _wait(driver, "#resultat")
    assert "Passage n° 1" in driver.page_source
    assert "Premier arrivé, premier servi" in driver.page_source
    _shot(driver, "06-attribution")

    driver.find_element(By.LINK_TEXT, "À appeler").click()
    _shot(driver, "07-a-appeler")
    buttons = driver.find_elements(By.CSS_SELECTOR, "button.r-confirme")
    assert len(buttons) >= 2
    _click(driver, buttons[0])
    assert "« Confirme » enregistré" in _wait(driver, ".message.ok").text
    _click(driver, driver.find_elements(By.CSS_SELECTOR, "button.r-refuse")[1])
    assert "« Refuse » enregistré" in _wait(driver, ".message.ok").text
    _shot(driver, "08-reponses")
    _click(driver, driver.find_element(By.CSS_SELECTOR, ".sortie button"))
    _wait(driver, "form.connexion")
    assert driver.current_url.endswith("/connexion")

    _login(driver, base, "mim1")
    assert driver.current_url.endswith("/centres/MIM-1")
    rows = driver.find_elements(By.CSS_SELECTOR, "table.liste tbody tr")
    assert rows
    assert "SIMSE" not in driver.find_element(By.ID, "contenu").text
    _shot(driver, "09-centre")
    driver.find_element(By.LINK_TEXT, "Version à imprimer").click()
    _shot(driver, "10-centre-impression")
    driver.find_element(By.LINK_TEXT, "Télécharger la liste Excel").click()
    for _ in range(100):
        done = [
            p for p in driver.downloads.glob("MIM-1-*.xlsx")
            if p.stat().st_size > 0
        ]  # fmt: skip
        if done:
            break
        time.sleep(0.1)
    assert done, "la liste du centre n'a pas été téléchargée"
    driver.get(f"{base}/centres/SIMSE-1")
    assert "Page introuvable" in driver.page_source


def _downloaded(driver: Any, pattern: str) -> Path:
    """The file downloaded under ``pattern``, once it is whole."""
    for _ in range(100):
        done = [
            p for p in driver.downloads.glob(pattern) if p.stat().st_size > 0
        ]
        if done:
            found: Path = done[0]
            return found
        time.sleep(0.1)
    raise AssertionError(f"{pattern} n'a pas été téléchargé")


def test_a_centre_downloads_its_calendar(
    server: tuple[str, Path], browser: Any, tmp_path: Path
) -> None:
    import icalendar
    from selenium.webdriver.common.by import By

    from cosen.allocation import AllocationSettings
    from cosen.ledger.runs import run_batch

    base, target = server
    now = datetime.now(PARIS).replace(second=0, microsecond=0)
    referrals, slots = sample_files(tmp_path, now)
    # A batch run on the desk's ledger, as cron would run it.
    with Database(target) as ledger:
        run_batch(ledger, referrals, slots, AllocationSettings(now=now))
        with ledger.read() as db:
            held = [i for i, _, _ in db.held_starts("MIM-1")]
    assert held
    driver = browser
    _login(driver, base, "mim1")
    heading = _wait(driver, "h1").text
    assert "MIM-1" not in heading  # the centre's name, from the directory
    assert "code MIM-1" in driver.find_element(By.CSS_SELECTOR,
                                               ".adresse").text  # fmt: skip
    _shot(driver, "11-centre-nom-adresse")
    driver.find_element(
        By.LINK_TEXT, "Télécharger le calendrier (.ics)"
    ).click()
    calendar = icalendar.Calendar.from_ical(
        _downloaded(driver, "MIM-1*.ics").read_bytes()
    )
    summaries = [str(e["SUMMARY"]) for e in calendar.walk("VEVENT")]
    assert len(summaries) == len(held)
    assert all(any(i in s for s in summaries) for i in held)


def test_a_planner_runs_the_template(
    server: tuple[str, Path], browser: Any
) -> None:
    from selenium.webdriver.common.by import By

    from tests.web.test_planner import tiny

    base, _ = server
    driver = browser
    _login(driver, base, "paul")
    driver.find_element(By.LINK_TEXT, "Planification").click()
    area = _wait(driver, "#texte")
    assert "replications = 10" in area.get_property("value")
    _shot(driver, "12-planification")
    # A mistake first: shown beside the field, in French.
    area.clear()
    area.send_keys(
        tiny(replications=2).replace("per_day = 4", "per_day = -4", 1)
    )
    _click(driver, driver.find_element(By.CSS_SELECTOR, "button.principal"))
    problem = _wait(driver, ".erreur-champ").text
    assert "clé « demand.2.per_day »" in problem
    _shot(driver, "13-planification-erreur")
    area = driver.find_element(By.ID, "texte")
    area.clear()
    area.send_keys(tiny(replications=2))
    _click(driver, driver.find_element(By.CSS_SELECTOR, "button.principal"))
    if driver.find_elements(By.ID, "en-cours"):
        _shot(driver, "14-simulation-en-cours")
    # The page refreshes itself until the results are there.
    _wait(driver, "#resultats")
    assert "Rendez-vous dans le délai (%)" in driver.page_source
    images = driver.find_elements(By.CSS_SELECTOR, ".graphiques img")
    assert len(images) >= 3
    assert all(int(i.get_property("naturalWidth")) > 0 for i in images)
    _shot(driver, "15-simulation-resultats")
    driver.execute_script("arguments[0].scrollIntoView()", images[0])
    _shot(driver, "16-simulation-graphiques")
    driver.find_element(
        By.PARTIAL_LINK_TEXT, "Télécharger le classeur"
    ).click()
    assert _downloaded(driver, "indicateurs*.xlsx")
