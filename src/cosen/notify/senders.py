"""What a sender is, and what one attempt to send a message gave.

A sender turns one outbox message into a request to a server (SMTP, an
SMS gateway) or a line of a file, and says how it went as an
:class:`Attempt`: accepted, or why not in French, whether another try
could help, and whether the whole channel is out for this run (a server
that does not answer, a refused password: trying the next message would
only use its attempts up). Reasons never quote the server's words, which
may repeat an address or a number: codes and French explanations only.
"""

from __future__ import annotations

import socket
import ssl
from dataclasses import dataclass
from typing import ClassVar, Final, Protocol

from cosen.ledger.messages import Channel, OutboxMessage
from cosen.parsing import french_number

__all__ = ["ACCEPTED", "Attempt", "Sender", "network_reason"]


@dataclass(frozen=True)
class Attempt:
    """How one sending attempt went.

    Attributes
    ----------
    accepted
        The server (or the file) took the message.
    reason
        Why not, in French, without personal data.
    final
        No retry could help: the message has failed.
    channel_down
        Nothing more can go through this channel in this run.
    """

    accepted: bool
    reason: str = ""
    final: bool = False
    channel_down: bool = False

    def __post_init__(self) -> None:
        if self.accepted == bool(self.reason):
            raise ValueError("an attempt is accepted, or has a reason")

    @classmethod
    def retry(cls, reason: str, channel_down: bool = False) -> Attempt:
        """A failure that a later attempt may overcome."""
        return cls(False, reason, channel_down=channel_down)

    @classmethod
    def refused(cls, reason: str) -> Attempt:
        """A failure no retry can change."""
        return cls(False, reason, final=True)


ACCEPTED: Final = Attempt(True)


class Sender(Protocol):
    """Sends the messages of one channel."""

    channel: ClassVar[Channel]
    in_transaction: ClassVar[bool]
    """Whether :meth:`send` runs inside the ledger's write transaction
    that records its outcome (a local file: sending and recording then
    happen together, or neither)."""

    def send(self, message: OutboxMessage) -> Attempt:
        """Try to send ``message`` once."""

    def close(self) -> None:
        """Release connections (idempotent)."""


def network_reason(error: OSError, timeout: float) -> str:
    """A network failure, in French."""
    if isinstance(error, TimeoutError | socket.timeout):
        return f"pas de réponse du serveur en {french_number(timeout, None)} s"
    if isinstance(error, ConnectionRefusedError):
        return "connexion refusée (serveur arrêté ou port fermé)"
    if isinstance(error, ssl.SSLCertVerificationError):
        return "certificat du serveur non reconnu (TLS)"
    if isinstance(error, ssl.SSLError):
        return "échec de la négociation TLS avec le serveur"
    if isinstance(error, socket.gaierror):
        return "nom du serveur introuvable (DNS)"
    if isinstance(error, ConnectionError):
        return "connexion coupée par le serveur"
    return f"erreur réseau ({type(error).__name__})"
