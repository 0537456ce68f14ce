"""The desk under 50 users: requests per second and latency percentiles.

A ledger of 5,000 referrals (the demo's generator, one run) on SQLite and
on a throwaway PostgreSQL cluster (``tests/postgres.py``); the desk behind
waitress on loopback; 50 threads, each a coordinator signed in, browsing
(call list, follow-up, a centre's list), entering referrals and confirming
patients for 30 s. Only 127.0.0.1 is contacted; every loop stops at its
deadline.

    python benchmarks/web.py [--users 50] [--seconds 30] [--referrals 5000]
"""

from __future__ import annotations

import argparse
import http.cookiejar
import random
import re
import signal
import socket
import statistics
import subprocess
import sys
import tempfile
import threading
import time
import urllib.parse
import urllib.request
from collections import defaultdict
from collections.abc import Callable
from datetime import datetime
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

_TOKEN = re.compile(r'name="csrf_token" value="([^"]+)"')
_ANSWER = re.compile(r'action="(/demandes/[^/"]+/reponse)"')
PASSWORD = "mot-de-passe-du-banc"


def _wait_for(port: int) -> None:
    for _ in range(300):
        with socket.socket() as probe:
            if probe.connect_ex(("127.0.0.1", port)) == 0:
                return
        time.sleep(0.1)
    raise SystemExit("le guichet ne démarre pas")


def _free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return int(probe.getsockname()[1])


def _seed(
    target: str | Path, folder: Path, referrals: int, users: int
) -> None:
    from cosen.allocation import AllocationSettings
    from cosen.clock import PARIS
    from cosen.domain.samples import (
        SampleSpec,
        sample_referrals,
        sample_slots,
    )
    from cosen.io.templates import write_referral_sheet, write_slot_sheet
    from cosen.ledger import Database
    from cosen.ledger.accounts import Role
    from cosen.ledger.runs import run_batch
    from cosen.ledger.users import add_user

    now = datetime.now(PARIS).replace(second=0, microsecond=0)
    spec = SampleSpec(now=now, referrals=referrals, days=14)
    paths = folder / "demandes.csv.xlsx", folder / "creneaux.xlsx"
    write_referral_sheet(paths[0], sample_referrals(spec))
    write_slot_sheet(paths[1], sample_slots(spec))
    with Database(target) as ledger:
        for number in range(users):
            add_user(ledger, f"u{number}", Role.COORDINATOR, None,
                     PASSWORD, now)  # fmt: skip
        run_batch(ledger, *paths, AllocationSettings(now=now, time_limit=60))


class _Client:
    """One signed-in user: a cookie jar and the last page's CSRF token."""

    def __init__(self, base: str) -> None:
        self.base = base
        self.opener = urllib.request.build_opener(
            urllib.request.HTTPCookieProcessor(http.cookiejar.CookieJar())
        )
        self.token = ""

    def get(self, path: str) -> str:
        with self.opener.open(self.base + path, timeout=60) as response:
            page: str = response.read().decode()
        found = _TOKEN.search(page)
        if found:
            self.token = found.group(1)
        return page

    def post(self, path: str, fields: dict[str, str]) -> str:
        data = urllib.parse.urlencode(
            {"csrf_token": self.token, **fields}
        ).encode()
        with self.opener.open(self.base + path, data, timeout=60) as reply:
            page: str = reply.read().decode()
        found = _TOKEN.search(page)
        if found:
            self.token = found.group(1)
        return page


def _referral(number: int, now: datetime) -> dict[str, str]:
    return {
        "referral_id": f"B{number:06d}",
        "received_at": now.strftime("%d/%m/%Y %H:%M"),
        "birth_name": f"Banc{number}",
        "first_name": "Camille",
        "birth_date": "03/04/1970",
        "address": "1 rue du Banc",
        "postcode": "67000",
        "city": "Strasbourg",
        "phone": "06 12 34 56 78",
        "prescriber": "Dr Test",
        "prescription": "ORD",
        "exams": "RADIO",
        "desired_delay": "48h",
        "consent": "oui",
    }


def _load(base: str, users: int, seconds: float) -> dict[str, list[float]]:
    from cosen.clock import PARIS

    clients = [_Client(base) for _ in range(users)]
    for number, client in enumerate(clients):
        client.get("/connexion")
        client.post("/connexion", {"identifiant": f"u{number}",
                                   "mot_de_passe": PASSWORD})  # fmt: skip
    timings: dict[str, list[float]] = defaultdict(list)
    errors: list[str] = []
    lock = threading.Lock()
    counter = iter(range(10**9))
    deadline = time.monotonic() + seconds

    def timed(kind: str, call: Callable[[], str]) -> str:
        start = time.perf_counter()
        try:
            page = call()
        except OSError as error:
            with lock:
                errors.append(f"{kind}: {error}")
            return ""
        with lock:
            timings[kind].append(time.perf_counter() - start)
        return page

    def work(client: _Client, seed: int) -> None:
        rng = random.Random(seed)
        while time.monotonic() < deadline:
            choice = rng.random()
            if choice < 0.4:
                path = rng.choice(["/appeler", "/suivi", "/centres/MIM-1"])
                timed("parcourir", lambda p=path: client.get(p))  # type: ignore[misc]
            elif choice < 0.7:
                timed("saisie (GET)", lambda: client.get("/demande"))
                fields = _referral(next(counter), datetime.now(PARIS))
                timed("saisie (POST)",
                      lambda f=fields: client.post("/demande", f))  # type: ignore[misc]  # fmt: skip
            else:
                page = timed("à appeler", lambda: client.get("/appeler"))
                targets = _ANSWER.findall(page)
                if targets:
                    target = rng.choice(targets[:20])
                    timed("confirmer", lambda t=target: client.post(
                        t, {"reponse": "confirme"}))  # type: ignore[misc]  # fmt: skip

    threads = [
        threading.Thread(target=work, args=(client, n))
        for n, client in enumerate(clients)
    ]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=seconds + 120)
    if errors:
        timings["erreurs"] = [0.0] * len(errors)
    return timings


def _report(
    name: str, timings: dict[str, list[float]], seconds: float
) -> None:
    every = [t for kind, ts in timings.items() if kind != "erreurs"
             for t in ts]  # fmt: skip
    print(f"\n{name}: {len(every)} requêtes en {seconds:.0f} s — "
          f"{len(every) / seconds:.1f} req/s, p50 "
          f"{1000 * statistics.median(every):.0f} ms, p95 "
          f"{1000 * _p95(every):.0f} ms, erreurs "
          f"{len(timings.get('erreurs', []))}")  # fmt: skip
    for kind, values in sorted(timings.items()):
        if kind == "erreurs" or not values:
            continue
        print(f"  {kind:14} {len(values):6d}  p50 "
              f"{1000 * statistics.median(values):6.0f} ms  p95 "
              f"{1000 * _p95(values):6.0f} ms")  # fmt: skip


def _p95(values: list[float]) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, int(0.95 * len(ordered)))]


def _bench(target: str | Path, folder: Path, args: argparse.Namespace,
           name: str) -> None:  # fmt: skip
    started = time.perf_counter()
    _seed(target, folder, args.referrals, args.users)
    print(f"{name}: registre de {args.referrals} demandes prêt en "
          f"{time.perf_counter() - started:.0f} s")  # fmt: skip
    # The server in a process of its own, as cosen serve runs: the load
    # generator's threads do not share its interpreter lock.
    port = _free_port()
    server = subprocess.Popen(
        [
            *(sys.executable, "-m", "cosen", "serve", "--db", str(target)),
            *("--port", str(port), "--threads", str(args.threads)),
            *("--files", str(folder / "fichiers")),
        ],
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )
    try:
        _wait_for(port)
        timings = _load(f"http://127.0.0.1:{port}", args.users, args.seconds)
    finally:
        server.send_signal(signal.SIGINT)
        server.wait(timeout=30)
    _report(name, timings, args.seconds)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--users", type=int, default=50)
    parser.add_argument("--seconds", type=float, default=30.0)
    parser.add_argument("--referrals", type=int, default=5000)
    parser.add_argument("--threads", type=int, default=8)
    parser.add_argument("--only", choices=["sqlite", "postgresql"])
    args = parser.parse_args()
    import logging

    from tests import postgres

    # waitress warns of its queue depth, which is what is measured here.
    logging.getLogger("waitress.queue").setLevel(logging.ERROR)

    with tempfile.TemporaryDirectory(prefix="cosen-banc-") as scratch:
        folder = Path(scratch)
        if args.only != "postgresql":
            (folder / "sqlite").mkdir()
            _bench(folder / "sqlite" / "cosen.db", folder / "sqlite", args,
                   "SQLite")  # fmt: skip
        if args.only == "sqlite":
            return
        with postgres.start() as server:
            if isinstance(server, str):
                print(f"PostgreSQL : {server}")
                return
            (folder / "pg").mkdir()
            _bench(server.schema_url(), folder / "pg", args, "PostgreSQL")


if __name__ == "__main__":
    main()
