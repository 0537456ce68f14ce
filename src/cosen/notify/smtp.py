"""Emails through SMTP (a secure health messaging operator's server).

One connection serves a whole run (STARTTLS, SSL or plain; login when the
configuration has a user), opened at the first email and opened again
after any failure. Each email is a French, UTF-8 plain-text message whose
``Message-ID`` is derived from the outbox id (:func:`message_id`): sent
twice, after a kill between the server's acceptance and the ledger's
record, it is the same message twice, which mail software recognises.

Reasons are the reply's code (``550``, and its enhanced code ``5.1.1``)
with a French explanation, never the server's words: they often repeat
the recipient's address.
"""

from __future__ import annotations

import re
import smtplib
import ssl
from collections.abc import Callable
from datetime import datetime
from email.message import EmailMessage
from email.policy import SMTP
from email.utils import format_datetime
from typing import ClassVar, Final

from email_validator import EmailNotValidError, validate_email

from cosen.ledger.messages import Channel, OutboxMessage
from cosen.notify.config import Security, SmtpConfig
from cosen.notify.senders import ACCEPTED, Attempt, network_reason

__all__ = ["SmtpSender", "compose", "message_id"]

DEFAULT_SUBJECT: Final = "Rendez-vous COSEN"
_PURGED: Final = "destinataire ou texte effacé (purge des données)"
_SAFE: Final = re.compile(r"[A-Za-z0-9_-]")
_ENHANCED: Final = re.compile(rb"\s*([245]\.\d{1,3}\.\d{1,3})\b")


def message_id(outbox_id: str, namespace: str, domain: str) -> str:
    """The ``Message-ID`` of an outbox message: the same for every
    attempt, proper to its ledger (``namespace``), valid whatever
    characters the id holds (others are written ``=XX``)."""
    left = "".join(
        char
        if _SAFE.fullmatch(char)
        else "".join(f"={byte:02X}" for byte in char.encode())
        for char in outbox_id
    )
    return f"<cosen.{namespace}.{left}@{domain}>"


def compose(
    message: OutboxMessage,
    config: SmtpConfig,
    namespace: str,
    at: datetime,
) -> EmailMessage:
    """The email for an outbox message (recipient and body present)."""
    assert message.recipient is not None and message.body is not None
    email = EmailMessage(policy=SMTP)
    email["From"] = config.sender
    email["To"] = message.recipient
    # A header holds one line: a subject typed with a line break must not
    # start another header.
    subject = " ".join((message.subject or DEFAULT_SUBJECT).split())
    email["Subject"] = subject
    email["Date"] = format_datetime(at)
    email["Message-ID"] = message_id(message.id, namespace, config.domain)
    # Automatic notices: no out-of-office replies to them (RFC 3834).
    email["Auto-Submitted"] = "auto-generated"
    email.set_content(message.body, charset="utf-8", cte="quoted-printable")
    # After set_content, which replaces every Content-* header.
    email["Content-Language"] = "fr"
    return email


class SmtpSender:
    """Sends the email channel through one SMTP server.

    Parameters
    ----------
    config
        The server, its security and login.
    namespace
        The ledger's stamp, part of every Message-ID.
    clock
        The current time (the ``Date`` header).
    """

    channel: ClassVar[Channel] = Channel.EMAIL
    in_transaction: ClassVar[bool] = False

    def __init__(
        self,
        config: SmtpConfig,
        namespace: str,
        clock: Callable[[], datetime],
    ) -> None:
        self.config = config
        self.namespace = namespace
        self.clock = clock
        self._connection: smtplib.SMTP | None = None

    def send(self, message: OutboxMessage) -> Attempt:
        if message.recipient is None or message.body is None:
            return Attempt.refused(_PURGED)
        try:
            validate_email(message.recipient, check_deliverability=False)
        except EmailNotValidError:
            return Attempt.refused("adresse du destinataire invalide")
        email = compose(message, self.config, self.namespace, self.clock())
        try:
            connection = self._connect()
        except smtplib.SMTPResponseException as error:
            self._drop()
            return Attempt.retry(
                _reply("ouverture de session refusée", error.smtp_code, error),
                channel_down=True,
            )
        except smtplib.SMTPServerDisconnected as error:
            self._drop()
            return Attempt.retry(self._disconnected(error), channel_down=True)
        except smtplib.SMTPException as error:
            self._drop()
            return Attempt.retry(_session_problem(error), channel_down=True)
        except OSError as error:
            self._drop()
            return Attempt.retry(
                network_reason(error, self.config.timeout), channel_down=True
            )
        try:
            connection.send_message(
                email,
                from_addr=self.config.address,
                to_addrs=[message.recipient],
            )
        except smtplib.SMTPRecipientsRefused as error:
            self._drop()
            code, text = next(iter(error.recipients.values()))
            return _refusal("destinataire refusé", code, text)
        except smtplib.SMTPSenderRefused as error:
            self._drop()
            # The sender is the same for every message.
            return Attempt.retry(
                _reply("expéditeur refusé", error.smtp_code, error),
                channel_down=True,
            )
        except smtplib.SMTPResponseException as error:
            self._drop()
            return _refusal(
                "message refusé", error.smtp_code, error.smtp_error
            )
        except smtplib.SMTPServerDisconnected as error:
            self._drop()
            return Attempt.retry(self._disconnected(error))
        except smtplib.SMTPException as error:
            self._drop()
            return Attempt.retry(_session_problem(error))
        except OSError as error:
            self._drop()
            return Attempt.retry(network_reason(error, self.config.timeout))
        return ACCEPTED

    def close(self) -> None:
        connection, self._connection = self._connection, None
        if connection is None:
            return
        try:
            connection.quit()
        except (smtplib.SMTPException, OSError):
            connection.close()

    def _drop(self) -> None:
        """Close after a failure, without a QUIT the server may not
        answer."""
        connection, self._connection = self._connection, None
        if connection is not None:
            connection.close()

    def _disconnected(self, error: smtplib.SMTPServerDisconnected) -> str:
        # smtplib reports a reply that did not come in time as a lost
        # connection: say which it was.
        cause = error.__context__
        if isinstance(cause, OSError) and not isinstance(
            cause, smtplib.SMTPException
        ):
            return network_reason(cause, self.config.timeout)
        return "connexion coupée par le serveur"

    def _connect(self) -> smtplib.SMTP:
        if self._connection is not None:
            return self._connection
        config = self.config
        context = ssl.create_default_context(
            cafile=str(config.ca_file) if config.ca_file else None
        )
        connection: smtplib.SMTP
        if config.security is Security.SSL:
            connection = smtplib.SMTP_SSL(
                config.host, config.port, timeout=config.timeout,
                context=context,
            )  # fmt: skip
        else:
            connection = smtplib.SMTP(
                config.host, config.port, timeout=config.timeout
            )
        try:
            connection.ehlo()
            if config.security is Security.STARTTLS:
                connection.starttls(context=context)
                connection.ehlo()
            if config.user is not None and config.password is not None:
                connection.login(config.user, config.password)
        except BaseException:
            connection.close()
            raise
        self._connection = connection
        return connection


# --------------------------------------------------------------------------
# Replies in French

_CODES: Final = {
    421: "service indisponible, le serveur ferme la connexion",
    450: "boîte aux lettres momentanément indisponible",
    451: "erreur passagère du serveur",
    452: "espace insuffisant sur le serveur",
    454: "authentification ou chiffrement momentanément impossible",
    500: "commande non reconnue par le serveur",
    501: "adresse ou paramètre refusé (syntaxe)",
    502: "commande non prise en charge par le serveur",
    503: "ordre des commandes refusé par le serveur",
    504: "paramètre non pris en charge par le serveur",
    530: "authentification exigée par le serveur : indiquer user et "
    "password_env",
    534: "mécanisme d'authentification refusé par le serveur",
    535: "identifiant ou mot de passe refusé",
    550: "boîte aux lettres inexistante ou refusée",
    551: "destinataire inconnu de ce serveur",
    552: "taille ou quota dépassé",
    553: "adresse refusée",
    554: "message refusé par le serveur (règle du serveur ou indésirable)",
}


def _reply(what: str, code: int, error: smtplib.SMTPResponseException) -> str:
    return _french(what, code, error.smtp_error)


def _french(what: str, code: int, text: bytes | str) -> str:
    raw = text.encode() if isinstance(text, str) else text
    enhanced = _ENHANCED.match(raw or b"")
    number = f"{code} {enhanced[1].decode()}" if enhanced else str(code)
    meaning = _CODES.get(code) or (
        "refus temporaire" if 400 <= code < 500 else "refus définitif"
    )
    return f"serveur SMTP : {what} (code {number}) — {meaning}"


def _refusal(what: str, code: int, text: bytes | str) -> Attempt:
    """A 4xx reply may pass later; a 5xx reply will not."""
    reason = _french(what, code, text)
    if 500 <= code < 600:
        return Attempt.refused(reason)
    return Attempt.retry(reason)


def _session_problem(error: smtplib.SMTPException) -> str:
    if isinstance(error, smtplib.SMTPNotSupportedError):
        return (
            "serveur SMTP : fonction non proposée par le serveur (STARTTLS "
            "ou authentification) : vérifier security"
        )
    return f"serveur SMTP : échec de la session ({type(error).__name__})"
