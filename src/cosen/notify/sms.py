"""SMS through an HTTP gateway, or into a CSV file for a provider's upload.

The gateway takes one JSON POST per message, ``{"to": "+33612345678",
"text": "...", "reference": "<outbox id>"}``, with the bearer token, and
accepts it with any 2xx status. The reference (repeated as the
``Idempotency-Key`` header) lets a gateway recognise a message sent again
after a kill between its acceptance and the ledger's record. Redirects
are not followed (a POST would not survive them, nor should the token).

The CSV file (UTF-8 with BOM, ``;``: ``telephone``, ``message``,
``reference``) is appended to inside the ledger's write transaction that
records the message sent, so two senders never write it at once; a
message whose reference the file already holds (its sender was killed
between the file and the ledger) is not written again. The number is
written in international form without ``+`` (``33612345678``), which
upload formats take and spreadsheets cannot read as a formula.
"""

from __future__ import annotations

import csv
import io
import json
import re
import urllib.error
import urllib.request
from pathlib import Path
from typing import ClassVar, Final

from cosen.errors import CosenError
from cosen.io.excel import neutralize, write_csv
from cosen.ledger.messages import Channel, OutboxMessage
from cosen.notify.config import SmsConfig
from cosen.notify.senders import ACCEPTED, Attempt, network_reason

__all__ = ["CSV_HEADER", "CsvSender", "GatewaySender"]

CSV_HEADER: Final = ("telephone", "message", "reference")
_PURGED: Final = "numéro ou texte effacé (purge des données)"
_E164: Final = re.compile(r"\+[1-9]\d{6,14}")
_INVALID: Final = "numéro du destinataire invalide (format international)"


class _NoRedirect(urllib.request.HTTPRedirectHandler):
    def redirect_request(self, *_: object, **__: object) -> None:
        return None


class GatewaySender:
    """Sends SMS through an HTTP gateway (JSON POST, bearer token)."""

    channel: ClassVar[Channel] = Channel.SMS
    in_transaction: ClassVar[bool] = False

    def __init__(self, config: SmsConfig) -> None:
        assert config.url is not None and config.token is not None
        self.url = config.url
        self.token = config.token
        self.timeout = config.timeout
        self._opener = urllib.request.build_opener(_NoRedirect)

    def send(self, message: OutboxMessage) -> Attempt:
        if message.recipient is None or message.body is None:
            return Attempt.refused(_PURGED)
        if not _E164.fullmatch(message.recipient):
            return Attempt.refused(_INVALID)
        payload = {
            "to": message.recipient,
            "text": message.body,
            "reference": message.id,
        }
        request = urllib.request.Request(
            self.url,
            data=json.dumps(payload, ensure_ascii=False).encode(),
            method="POST",
            headers={
                "Authorization": f"Bearer {self.token}",
                "Content-Type": "application/json; charset=utf-8",
                "Accept": "application/json",
                "Idempotency-Key": message.id,
                "User-Agent": "cosen",
            },
        )
        try:
            with self._opener.open(request, timeout=self.timeout) as reply:
                status = int(reply.status)
        except urllib.error.HTTPError as error:
            status = error.code
            error.close()
        except urllib.error.URLError as error:
            reason = error.reason
            return Attempt.retry(
                network_reason(reason, self.timeout)
                if isinstance(reason, OSError)
                else "passerelle SMS injoignable",
                channel_down=True,
            )
        except OSError as error:
            # No answer in time (or the connection cut) once the request
            # was sent: the gateway may have the message; same reference
            # next time.
            return Attempt.retry(
                network_reason(error, self.timeout), channel_down=True
            )
        return _status(status)

    def close(self) -> None:
        self._opener.close()


_STATUSES: Final = {
    400: "requête refusée par la passerelle (données invalides)",
    401: "jeton refusé par la passerelle : vérifier token_env",
    403: "accès refusé par la passerelle : vérifier token_env",
    404: "adresse inconnue de la passerelle : vérifier url",
    408: "la passerelle a attendu la requête trop longtemps",
    413: "message trop long pour la passerelle",
    422: "message refusé par la passerelle (numéro ou texte)",
    429: "trop de requêtes : la passerelle demande d'attendre",
    500: "erreur interne de la passerelle",
    502: "passerelle indisponible (erreur en amont)",
    503: "passerelle momentanément indisponible",
    504: "passerelle sans réponse de son opérateur",
}
# Statuses that say the gateway takes nothing now, whatever the message.
_CHANNEL_DOWN: Final = frozenset({401, 403, 404, 429, 502, 503, 504})
_WORTH_RETRYING: Final = frozenset({408, 425, 429})


def _status(status: int) -> Attempt:
    if 200 <= status < 300:
        return ACCEPTED
    meaning = _STATUSES.get(status)
    if meaning is None:
        meaning = (
            "redirection refusée : vérifier url"
            if 300 <= status < 400
            else "erreur de la passerelle"
            if status >= 500
            else "requête refusée par la passerelle"
        )
    reason = f"passerelle SMS : HTTP {status} — {meaning}"
    if status in _CHANNEL_DOWN or 300 <= status < 400:
        return Attempt.retry(reason, channel_down=True)
    if status >= 500 or status in _WORTH_RETRYING:
        return Attempt.retry(reason)
    return Attempt.refused(reason)


class CsvSender:
    """Appends SMS to a CSV file that is uploaded to a provider."""

    channel: ClassVar[Channel] = Channel.SMS
    in_transaction: ClassVar[bool] = True

    def __init__(self, path: Path) -> None:
        self.path = path

    def send(self, message: OutboxMessage) -> Attempt:
        if message.recipient is None or message.body is None:
            return Attempt.refused(_PURGED)
        if not _E164.fullmatch(message.recipient):
            return Attempt.refused(_INVALID)
        try:
            rows = self._rows()
        except CosenError as error:
            return Attempt.retry(str(error), channel_down=True)
        reference = neutralize(message.id)
        if any(row[2] == reference for row in rows):
            return ACCEPTED  # written before a kill
        # The rows read back are inert already: neutralize leaves them be.
        rows.append((message.recipient[1:], message.body, message.id))
        try:
            write_csv(self.path, CSV_HEADER, rows)
        except CosenError as error:
            return Attempt.retry(str(error), channel_down=True)
        return ACCEPTED

    def close(self) -> None:
        pass  # nothing held between messages

    def _rows(self) -> list[tuple[str, ...]]:
        """The file's rows so far (none if it does not exist)."""
        try:
            text = self.path.read_bytes().decode("utf-8-sig")
        except FileNotFoundError:
            return []
        except (OSError, UnicodeDecodeError):
            raise CosenError(
                f"fichier SMS « {self.path.name} » illisible"
            ) from None
        lines = list(csv.reader(io.StringIO(text, newline=""), delimiter=";"))
        if not lines or tuple(lines[0]) != CSV_HEADER:
            raise CosenError(
                f"fichier SMS « {self.path.name} » : ce n'est pas un fichier "
                "de cosen (en-tête telephone;message;reference attendu) : "
                "le déplacer ou changer csv"
            )
        if any(len(line) != len(CSV_HEADER) for line in lines[1:]):
            raise CosenError(
                f"fichier SMS « {self.path.name} » modifié à la main "
                "(lignes de plus ou moins de trois colonnes)"
            )
        return [tuple(line) for line in lines[1:]]
