"""Real servers on loopback for the sending tests: an SMTP server
(aiosmtpd) that accepts, refuses, delays or drops the connection, and a
small HTTP server standing for an SMS gateway.

Both count what they received, so a test can tell a message sent once
from one sent twice (by Message-ID, by reference).
"""

from __future__ import annotations

import asyncio
import json
import socket
import ssl
import threading
import time
from collections import Counter
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from email import message_from_bytes, policy
from email.message import EmailMessage
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any

from aiosmtpd.controller import Controller
from aiosmtpd.smtp import SMTP, AuthResult, Envelope, LoginPassword, Session

__all__ = ["Gateway", "Mailbox", "free_port", "gateway", "smtp_server"]


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return int(probe.getsockname()[1])


@dataclass
class Mailbox:
    """What the SMTP server does and what it received.

    Attributes
    ----------
    rcpt_reply, data_reply
        A reply to give instead of accepting (``"550 5.1.1 ..."``);
        each list is consumed one reply per message, then accepts.
    delay
        Seconds to wait before answering the end of a message, which the
        server keeps already (a client that stops waiting does not know
        it was accepted).
    drop
        Messages for which the connection is cut instead of answering
        the end of data (the message is then not kept).
    """

    rcpt_replies: list[str] = field(default_factory=list)
    data_replies: list[str] = field(default_factory=list)
    delay: float = 0.0
    drop: int = 0
    received: list[EmailMessage] = field(default_factory=list)
    envelopes: list[tuple[str, list[str]]] = field(default_factory=list)
    logins: list[tuple[str, str]] = field(default_factory=list)
    password: str = "secret"

    def __post_init__(self) -> None:
        self.lock = threading.Lock()

    async def handle_RCPT(
        self,
        server: SMTP,
        session: Session,
        envelope: Envelope,
        address: str,
        rcpt_options: list[str],
    ) -> str:
        with self.lock:
            if self.rcpt_replies:
                return self.rcpt_replies.pop(0)
        envelope.rcpt_tos.append(address)
        return "250 OK"

    async def handle_DATA(
        self, server: SMTP, session: Session, envelope: Envelope
    ) -> str:
        with self.lock:
            if self.drop:
                self.drop -= 1
                transport = server.transport
                assert isinstance(transport, asyncio.Transport)
                transport.abort()
                return "421 dropped"
            if self.data_replies:
                return self.data_replies.pop(0)
            content = envelope.original_content or b""
            parsed = message_from_bytes(content, policy=policy.default)
            assert isinstance(parsed, EmailMessage)
            self.received.append(parsed)
            self.envelopes.append(
                (str(envelope.mail_from), list(envelope.rcpt_tos))
            )
        if self.delay:  # kept, but slow to say so
            await asyncio.sleep(self.delay)
        return "250 2.0.0 accepted"

    def authenticate(
        self,
        server: SMTP,
        session: Session,
        envelope: Envelope,
        mechanism: str,
        auth_data: Any,
    ) -> AuthResult:
        assert isinstance(auth_data, LoginPassword)
        login, password = auth_data.login.decode(), auth_data.password.decode()
        self.logins.append((login, password))
        ok = password == self.password
        return AuthResult(success=ok, handled=False, auth_data=auth_data)

    def message_ids(self) -> Counter[str]:
        """How many times each Message-ID was received."""
        with self.lock:
            return Counter(str(m["Message-ID"]) for m in self.received)


@contextmanager
def smtp_server(
    mailbox: Mailbox,
    tls: ssl.SSLContext | None = None,
    implicit_tls: bool = False,
    login: bool = False,
) -> Iterator[int]:
    """An SMTP server on 127.0.0.1 for ``mailbox``; yields its port.

    ``tls`` offers STARTTLS (or, with ``implicit_tls``, TLS from the
    first byte); ``login`` requires authentication (over TLS).
    """
    port = free_port()
    options: dict[str, Any] = {}
    if tls is not None and not implicit_tls:
        options["tls_context"] = tls
        options["require_starttls"] = False
    if login:
        options["authenticator"] = mailbox.authenticate
        options["auth_required"] = True
        # Over implicit TLS aiosmtpd does not know the session is secure.
        options["auth_require_tls"] = tls is not None and not implicit_tls
    controller = Controller(
        mailbox,
        hostname="127.0.0.1",
        port=port,
        ssl_context=tls if implicit_tls else None,
        ready_timeout=10,
        **options,
    )
    controller.start()
    try:
        yield port
    finally:
        controller.stop()


@dataclass
class Gateway:
    """What the SMS gateway answers and what it received.

    Attributes
    ----------
    statuses
        Statuses to answer, one per request, then 200.
    delay
        Seconds to wait before answering (the request is recorded first).
    """

    token: str = "jeton-de-test"
    statuses: list[int] = field(default_factory=list)
    delay: float = 0.0
    requests: list[dict[str, Any]] = field(default_factory=list)
    headers: list[dict[str, str]] = field(default_factory=list)
    url: str = ""

    def __post_init__(self) -> None:
        self.lock = threading.Lock()


@contextmanager
def gateway(state: Gateway) -> Iterator[Gateway]:
    """The gateway on 127.0.0.1; ``state.url`` is where to post."""

    class Handler(BaseHTTPRequestHandler):
        def do_POST(self) -> None:
            length = int(self.headers.get("Content-Length", "0"))
            body = json.loads(self.rfile.read(length).decode())
            if self.headers.get("Authorization") != f"Bearer {state.token}":
                status = 401
            else:
                with state.lock:
                    status = state.statuses.pop(0) if state.statuses else 200
            with state.lock:
                state.requests.append(body)
                headers = dict(self.headers.items())
                headers["status"] = str(status)
                state.headers.append(headers)
            if state.delay:
                time.sleep(state.delay)
            payload = json.dumps({"id": len(state.requests)}).encode()
            try:
                self.send_response(status)
                self.send_header("Content-Type", "application/json")
                self.send_header("Content-Length", str(len(payload)))
                self.end_headers()
                self.wfile.write(payload)
            except OSError:
                pass  # the client gave up waiting

        def log_message(self, *_: Any) -> None:
            pass

    server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
    server.daemon_threads = True
    thread = threading.Thread(
        target=server.serve_forever, args=(0.05,), daemon=True
    )
    thread.start()
    state.url = f"http://127.0.0.1:{server.server_address[1]}/v1/sms"
    try:
        yield state
    finally:
        server.shutdown()
        server.server_close()
