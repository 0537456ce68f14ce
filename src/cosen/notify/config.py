"""The sending configuration: where messages leave from (a TOML file).

``cosen notify send --config FILE`` reads::

    [smtp]                      # email, through the messaging's SMTP
    host = "smtp.example.fr"
    port = 587                  # 587 starttls, 465 ssl, 25 none by default
    security = "starttls"       # starttls, ssl or none
    user = "cosen@example.fr"   # optional: no login without it
    password_env = "COSEN_SMTP_PASSWORD"
    from = "COSEN <telesecretariat@example.fr>"
    timeout = 30                # seconds, every network call
    ca_file = "ca.pem"          # optional: a private authority

    [sms]                       # either an HTTP gateway...
    url = "https://sms.example.fr/v1/messages"
    token_env = "COSEN_SMS_TOKEN"
    # ... or a file for a provider's upload: csv = "sms.csv"

No secret is ever in the file: it names the environment variables that
hold them, read when the file is loaded. Every mistake is one French line
naming the file, the key and its line (:class:`NotifyConfigError`), the
way scenario files are checked; paths are relative to the file's folder.
"""

from __future__ import annotations

import difflib
import enum
import ipaddress
import os
import re
from collections.abc import Mapping
from dataclasses import dataclass, field
from email.utils import parseaddr
from pathlib import Path
from typing import Any, Final
from urllib.parse import urlsplit

from email_validator import EmailNotValidError, validate_email

from cosen.limits import NOTIFY_LIMITS
from cosen.parsing import range_text
from cosen.tomlfiles import SettingError, parse_toml, read_text

__all__ = [
    "NotifyConfig",
    "NotifyConfigError",
    "Security",
    "SmsConfig",
    "SmtpConfig",
    "load_config",
    "parse_config",
]

DEFAULT_TIMEOUT: Final = 30.0


class NotifyConfigError(SettingError):
    """A sending configuration that cannot be used, as one French line
    naming the file, the dotted key (``smtp.port``) and its line; never a
    secret's value."""

    document = "Configuration"


class Security(enum.StrEnum):
    """How the SMTP connection is protected."""

    STARTTLS = "starttls"
    SSL = "ssl"
    NONE = "none"


_DEFAULT_PORTS: Final = {
    Security.STARTTLS: 587,
    Security.SSL: 465,
    Security.NONE: 25,
}


@dataclass(frozen=True)
class SmtpConfig:
    """Where emails go: an SMTP server (a secure messaging operator's).

    Attributes
    ----------
    host, port, security
        The server and how the connection is protected.
    sender
        The ``From`` header (``COSEN <telesecretariat@example.fr>``).
    user, password
        Login, if any (the password read from the environment).
    timeout
        Seconds allowed to every network call.
    ca_file
        Authorities to trust instead of the system's, if any.
    """

    host: str
    sender: str
    port: int = 587
    security: Security = Security.STARTTLS
    user: str | None = None
    password: str | None = field(default=None, repr=False)
    timeout: float = DEFAULT_TIMEOUT
    ca_file: Path | None = None

    def __post_init__(self) -> None:
        _check_bounds("port", self.port, "smtp.port")
        _check_bounds("timeout", self.timeout, "smtp.timeout")
        _address(self.sender, "smtp.from")
        if self.user is not None and self.password is None:
            raise NotifyConfigError(
                "smtp.password_env",
                "clé obligatoire avec « user » (le nom de la variable "
                "d'environnement qui contient le mot de passe)",
            )
        if self.user is not None and self.security is Security.NONE:
            raise NotifyConfigError(
                "smtp.user",
                'identifiant refusé sans chiffrement (security = "none") :'
                " le mot de passe passerait en clair ; choisir starttls ou "
                "ssl",
            )

    @property
    def address(self) -> str:
        """The envelope sender: the address of ``From``."""
        return parseaddr(self.sender)[1]

    @property
    def domain(self) -> str:
        """The sender's domain, the right-hand side of Message-IDs."""
        return self.address.rpartition("@")[2].lower()


@dataclass(frozen=True)
class SmsConfig:
    """Where SMS go: an HTTP gateway (JSON POST, bearer token) or a CSV
    file to upload to a provider.

    Attributes
    ----------
    url, token
        The gateway and its token (read from the environment).
    csv
        The file to append to, instead of a gateway.
    timeout
        Seconds allowed to every network call.
    """

    url: str | None = None
    token: str | None = field(default=None, repr=False)
    csv: Path | None = None
    timeout: float = DEFAULT_TIMEOUT

    def __post_init__(self) -> None:
        _check_bounds("timeout", self.timeout, "sms.timeout")
        if (self.url is None) == (self.csv is None):
            raise NotifyConfigError(
                "sms.url",
                "indiquer soit « url » (passerelle HTTP), soit « csv » "
                "(fichier à déposer chez le prestataire), pas les deux",
            )
        if self.url is not None:
            _check_url(self.url)
            if self.token is None:
                raise NotifyConfigError(
                    "sms.token_env",
                    "clé obligatoire avec « url » (le nom de la variable "
                    "d'environnement qui contient le jeton)",
                )


@dataclass(frozen=True)
class NotifyConfig:
    """A sending configuration: email, SMS or both.

    Attributes
    ----------
    smtp, sms
        How each channel is sent; ``None``: its messages wait.
    source
        The file's name, for messages.
    """

    smtp: SmtpConfig | None = None
    sms: SmsConfig | None = None
    source: str = ""

    def __post_init__(self) -> None:
        if self.smtp is None and self.sms is None:
            raise NotifyConfigError(
                "smtp", "ni [smtp] ni [sms] : rien ne pourrait être envoyé"
            )


def load_config(path: Path) -> NotifyConfig:
    """Read and check the sending configuration at ``path``.

    Raises
    ------
    UnusableFileError
        When the file is missing, unreadable or not TOML.
    NotifyConfigError
        When a key is missing, unknown or wrong, or names an unset
        environment variable.
    """
    text = read_text(path)
    return parse_config(text, path.name, path.parent, os.environ)


def parse_config(
    text: str, name: str, folder: Path, environment: Mapping[str, str]
) -> NotifyConfig:
    """Check a configuration's ``text`` (``name`` for messages; relative
    paths from ``folder``; secrets from ``environment``)."""
    data = parse_toml(text, name)
    try:
        return _build(data, name, folder, environment)
    except NotifyConfigError as error:
        raise error.located(name, text) from None


# --------------------------------------------------------------------------
# Building


_SMTP_KEYS: Final = (
    "host", "port", "security", "user", "password_env", "from", "timeout",
    "ca_file",
)  # fmt: skip
_SMS_KEYS: Final = ("url", "token_env", "csv", "timeout")


def _build(
    data: Mapping[str, Any],
    name: str,
    folder: Path,
    environment: Mapping[str, str],
) -> NotifyConfig:
    for table in data:
        if table not in ("smtp", "sms"):
            raise NotifyConfigError(
                table, "table inconnue (tables possibles : smtp, sms)"
            )
    smtp = sms = None
    if "smtp" in data:
        values = _table(data, "smtp", _SMTP_KEYS)
        security = _choice(values, "smtp.security", Security)
        port = _integer(values, "smtp.port")
        timeout = _number(values, "smtp.timeout")
        smtp = SmtpConfig(
            host=_required(_text(values, "smtp.host"), "smtp.host"),
            sender=_required(_text(values, "smtp.from"), "smtp.from"),
            port=_DEFAULT_PORTS[security or Security.STARTTLS]
            if port is None
            else port,
            security=security or Security.STARTTLS,
            user=_text(values, "smtp.user"),
            password=_secret(values, "smtp.password_env", environment),
            timeout=DEFAULT_TIMEOUT if timeout is None else timeout,
            ca_file=_file(values, "smtp.ca_file", folder),
        )
    if "sms" in data:
        values = _table(data, "sms", _SMS_KEYS)
        csv = _text(values, "sms.csv")
        timeout = _number(values, "sms.timeout")
        sms = SmsConfig(
            url=_text(values, "sms.url"),
            token=_secret(values, "sms.token_env", environment),
            csv=folder / csv if csv else None,
            timeout=DEFAULT_TIMEOUT if timeout is None else timeout,
        )
    return NotifyConfig(smtp, sms, name)


def _table(
    data: Mapping[str, Any], name: str, keys: tuple[str, ...]
) -> dict[str, Any]:
    table = data[name]
    if not isinstance(table, dict):
        raise NotifyConfigError(name, f"table [{name}] attendue")
    for key in table:
        if key not in keys:
            close = difflib.get_close_matches(key, keys, n=1)
            hint = (
                f"vouliez-vous dire « {close[0]} » ?"
                if close
                else "clés possibles : " + ", ".join(keys)
            )
            raise NotifyConfigError(f"{name}.{key}", f"clé inconnue ({hint})")
    return {f"{name}.{key}": value for key, value in table.items()}


def _required(value: str | None, key: str) -> str:
    if value is None:
        raise NotifyConfigError(key, "clé obligatoire manquante")
    return value


def _text(values: Mapping[str, Any], key: str) -> str | None:
    if key not in values:
        return None
    value = values[key]
    if isinstance(value, str) and value.strip():
        return value.strip()
    raise NotifyConfigError(key, "texte attendu (entre guillemets)")


def _integer(values: Mapping[str, Any], key: str) -> int | None:
    if key not in values:
        return None
    value = values[key]
    if isinstance(value, int) and not isinstance(value, bool):
        return value
    raise NotifyConfigError(key, "nombre entier attendu")


def _number(values: Mapping[str, Any], key: str) -> float | None:
    if key not in values:
        return None
    value = values[key]
    if isinstance(value, int | float) and not isinstance(value, bool):
        return float(value)
    raise NotifyConfigError(key, "nombre attendu (secondes)")


def _choice(
    values: Mapping[str, Any], key: str, kind: type[Security]
) -> Security | None:
    text = _text(values, key)
    if text is None:
        return None
    for member in kind:
        if text.casefold() == member.value:
            return member
    raise NotifyConfigError(
        key, "valeurs possibles : " + ", ".join(m.value for m in kind)
    )


_VARIABLE: Final = re.compile(r"[A-Za-z_][A-Za-z0-9_]*")


def _secret(
    values: Mapping[str, Any], key: str, environment: Mapping[str, str]
) -> str | None:
    """The secret held by the environment variable ``key`` names."""
    variable = _text(values, key)
    if variable is None:
        return None
    if not _VARIABLE.fullmatch(variable):
        raise NotifyConfigError(
            key,
            "nom de variable d'environnement attendu (lettres, chiffres, "
            "_), pas le secret lui-même",
        )
    secret = environment.get(variable, "")
    if not secret:
        raise NotifyConfigError(
            key, f"la variable d'environnement {variable} est absente ou vide"
        )
    return secret


def _file(values: Mapping[str, Any], key: str, folder: Path) -> Path | None:
    text = _text(values, key)
    if text is None:
        return None
    path = folder / text
    if not path.is_file():
        raise NotifyConfigError(key, f"fichier introuvable : {path}")
    return path


def _check_bounds(setting: str, value: float, key: str) -> None:
    low, high = NOTIFY_LIMITS[setting]
    if not low <= value <= high:
        raise NotifyConfigError(key, f"{range_text(low, high)} attendu")


def _address(text: str, key: str) -> None:
    _, address = parseaddr(text)
    try:
        validate_email(address, check_deliverability=False)
    except EmailNotValidError:
        raise NotifyConfigError(
            key,
            "adresse d'expéditeur invalide (ex. \"COSEN "
            '<telesecretariat@example.fr>")',
        ) from None


_LOOPBACK_NAMES: Final = frozenset({"localhost"})


def _check_url(url: str) -> None:
    parts = urlsplit(url)
    if parts.scheme not in ("https", "http") or not parts.hostname:
        raise NotifyConfigError(
            "sms.url", "adresse https://… de la passerelle attendue"
        )
    if parts.username or parts.password:
        raise NotifyConfigError(
            "sms.url",
            "pas d'identifiant dans l'adresse : le jeton se donne par "
            "token_env",
        )
    if parts.scheme == "http" and not _is_loopback(parts.hostname):
        raise NotifyConfigError(
            "sms.url",
            "adresse https:// attendue : en http le jeton et les messages "
            "passeraient en clair (http seulement sur cette machine)",
        )


def _is_loopback(host: str) -> bool:
    if host.lower() in _LOOPBACK_NAMES:
        return True
    try:
        return ipaddress.ip_address(host).is_loopback
    except ValueError:
        return False
