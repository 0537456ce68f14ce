"""The sending configuration: what a good file gives, and every mistake
as one French line naming the key and its line."""

from __future__ import annotations

from pathlib import Path

import pytest
from hypothesis import given
from hypothesis import strategies as st

from cosen.errors import CosenError, UnusableFileError
from cosen.notify.config import (
    NotifyConfig,
    NotifyConfigError,
    Security,
    load_config,
    parse_config,
)

ENVIRONMENT = {"SMTP_PASSWORD": "s3cr3t-smtp", "SMS_TOKEN": "t0k3n-sms"}
GOOD = """\
# Envoi des avis COSEN
[smtp]
host = "smtp.example.fr"
security = "starttls"
user = "cosen@example.fr"
password_env = "SMTP_PASSWORD"
from = "COSEN <telesecretariat@example.fr>"

[sms]
url = "https://sms.example.fr/v1/messages"
token_env = "SMS_TOKEN"
timeout = 10
"""


def parse(text: str, folder: Path = Path(".")) -> NotifyConfig:
    return parse_config(text, "envoi.toml", folder, ENVIRONMENT)


def test_a_complete_file() -> None:
    config = parse(GOOD)
    assert config.smtp is not None and config.sms is not None
    smtp, sms = config.smtp, config.sms
    assert (smtp.host, smtp.port, smtp.security) == (
        "smtp.example.fr",
        587,
        Security.STARTTLS,
    )
    assert (smtp.user, smtp.password) == ("cosen@example.fr", "s3cr3t-smtp")
    assert (smtp.address, smtp.domain) == (
        "telesecretariat@example.fr",
        "example.fr",
    )
    assert (sms.url, sms.token, sms.csv, sms.timeout) == (
        "https://sms.example.fr/v1/messages",
        "t0k3n-sms",
        None,
        10.0,
    )
    # Secrets never show in a representation (a traceback, a log).
    assert "s3cr3t" not in repr(config)
    assert "t0k3n" not in repr(config)


@pytest.mark.parametrize(
    ("security", "port"), [("ssl", 465), ("none", 25), ("STARTTLS", 587)]
)
def test_default_ports_follow_the_security(security: str, port: int) -> None:
    config = parse(
        f'[smtp]\nhost = "h"\nsecurity = "{security}"\nfrom = "a@example.fr"\n'
    )
    assert config.smtp is not None and config.smtp.port == port


def test_a_csv_file_is_relative_to_the_configuration(tmp_path: Path) -> None:
    config = parse('[sms]\ncsv = "sortie/sms.csv"\n', tmp_path)
    assert config.sms is not None
    assert config.sms.csv == tmp_path / "sortie" / "sms.csv"
    assert config.smtp is None


ERRORS = [
    ('[smtp]\nhost = "h"\n', "smtp.from", 1, "clé obligatoire manquante"),
    (
        '[smtp]\nhost = "h"\nfrom = "a@example.fr"\nport = "587"\n',
        "smtp.port",
        4,
        "nombre entier attendu",
    ),
    (
        '[smtp]\nhost = "h"\nfrom = "a@example.fr"\nport = 0\n',
        "smtp.port",
        4,
        "de 1 à 65\u202f535 attendu",
    ),
    (
        '[smtp]\nhost = "h"\nfrom = "a@example.fr"\nsecurity = "tls"\n',
        "smtp.security",
        4,
        "valeurs possibles : starttls, ssl, none",
    ),
    (
        '[smtp]\nhost = "h"\nfrom = "pas une adresse"\n',
        "smtp.from",
        3,
        "adresse d'expéditeur invalide",
    ),
    (
        '[smtp]\nhost = "h"\nfrom = "a@example.fr"\nuser = "u"\n',
        "smtp.password_env",
        1,
        "clé obligatoire avec « user »",
    ),
    (
        '[smtp]\nhost = "h"\nfrom = "a@example.fr"\nuser = "u"\n'
        'password_env = "ABSENTE"\n',
        "smtp.password_env",
        5,
        "la variable d'environnement ABSENTE est absente ou vide",
    ),
    (
        '[smtp]\nhost = "h"\nfrom = "a@example.fr"\nuser = "u"\n'
        'password_env = "mon secret!"\n',
        "smtp.password_env",
        5,
        "nom de variable d'environnement attendu",
    ),
    (
        '[smtp]\nhost = "h"\nfrom = "a@example.fr"\nsecurity = "none"\n'
        'user = "u"\npassword_env = "SMTP_PASSWORD"\n',
        "smtp.user",
        5,
        "identifiant refusé sans chiffrement",
    ),
    (
        '[smtp]\nhost = "h"\nfrom = "a@example.fr"\ntimeout = 600\n',
        "smtp.timeout",
        4,
        "de 1 à 60 attendu",
    ),
    (
        '[smtp]\nhots = "h"\n',
        "smtp.hots",
        2,
        "clé inconnue (vouliez-vous dire « host » ?)",
    ),
    (
        '[smtp]\nhost = "h"\nfrom = "a@example.fr"\nca_file = "ca.pem"\n',
        "smtp.ca_file",
        4,
        "fichier introuvable",
    ),
    ('[mail]\nhost = "h"\n', "mail", 1, "table inconnue"),
    ("smtp = 3\n", "smtp", 1, "table [smtp] attendue"),
    ("", "smtp", None, "ni [smtp] ni [sms]"),
    (
        '[sms]\nurl = "https://s.example.fr"\n',
        "sms.token_env",
        1,
        "clé obligatoire avec « url »",
    ),
    (
        '[sms]\nurl = "https://s.example.fr"\ncsv = "s.csv"\n'
        'token_env = "SMS_TOKEN"\n',
        "sms.url",
        2,
        "soit « url »",
    ),
    ("[sms]\n", "sms.url", 1, "soit « url »"),
    (
        '[sms]\nurl = "http://sms.example.fr/"\ntoken_env = "SMS_TOKEN"\n',
        "sms.url",
        2,
        "adresse https:// attendue",
    ),
    (
        '[sms]\nurl = "https://u:p@sms.example.fr/"\n'
        'token_env = "SMS_TOKEN"\n',
        "sms.url",
        2,
        "pas d'identifiant dans l'adresse",
    ),
    ('[sms]\nurl = "ftp://x"\ntoken_env = "SMS_TOKEN"\n', "sms.url", 2, ""),
    ('[sms]\ncsv = ""\n', "sms.csv", 2, "texte attendu"),
]


@pytest.mark.parametrize(("text", "key", "line", "problem"), ERRORS)
def test_every_mistake_names_its_key_and_line(
    text: str, key: str, line: int | None, problem: str
) -> None:
    with pytest.raises(NotifyConfigError) as caught:
        parse(text)
    error = caught.value
    message = str(error)
    assert error.key == key
    assert f"clé « {key} »" in message and problem in message
    where = "Configuration « envoi.toml »"
    if line is not None:
        where += f", ligne {line}"
    assert message.startswith(where + ", clé")
    assert "\n" not in message
    # A secret never appears in a message.
    assert "s3cr3t" not in message and "t0k3n" not in message


def test_plain_http_is_accepted_on_this_machine_only() -> None:
    for host in ("127.0.0.1", "localhost", "[::1]"):
        config = parse(
            f'[sms]\nurl = "http://{host}:8080/sms"\ntoken_env = "SMS_TOKEN"\n'
        )
        assert config.sms is not None


def test_a_toml_syntax_error_names_its_line() -> None:
    with pytest.raises(UnusableFileError) as caught:
        parse('[smtp]\nhost = "h\n')
    assert str(caught.value).startswith(
        "Fichier « envoi.toml » : syntaxe TOML invalide à la ligne 2"
    )


def test_files_that_cannot_be_read(tmp_path: Path) -> None:
    with pytest.raises(UnusableFileError, match="fichier introuvable"):
        load_config(tmp_path / "absent.toml")
    with pytest.raises(UnusableFileError, match="c'est un dossier"):
        load_config(tmp_path)
    binary = tmp_path / "envoi.toml"
    binary.write_bytes(b"\xff\xfe\x00")
    with pytest.raises(UnusableFileError, match="UTF-8"):
        load_config(binary)


@given(st.text(max_size=200))
def test_any_text_is_a_configuration_or_one_french_line(text: str) -> None:
    try:
        parse(text)
    except CosenError as error:
        assert "\n" not in str(error)


@given(
    st.dictionaries(
        st.sampled_from(
            ["host", "port", "security", "user", "from", "timeout"]
        ),
        st.one_of(
            st.text(max_size=20), st.integers(), st.floats(), st.booleans()
        ),
    )
)
def test_any_smtp_table_is_a_configuration_or_one_french_line(
    values: dict[str, object],
) -> None:
    lines = ["[smtp]"]
    for key, value in values.items():
        if isinstance(value, str):
            lines.append(f"{key} = {value!r}".replace("'", '"'))
        elif isinstance(value, bool):
            lines.append(f"{key} = {str(value).lower()}")
        elif isinstance(value, float) and value != value:
            lines.append(f"{key} = nan")
        else:
            lines.append(f"{key} = {value}")
    try:
        parse("\n".join(lines))
    except CosenError as error:
        assert "\n" not in str(error)


def test_the_readme_s_example_is_a_configuration() -> None:
    readme = Path(__file__).parents[2] / "README.md"
    text = readme.read_text(encoding="utf-8")
    example = text.split("```toml\n", 1)[1].split("```", 1)[0]
    config = parse_config(
        example,
        "envoi.toml",
        Path("."),
        {"COSEN_SMTP_PASSWORD": "x", "COSEN_SMS_TOKEN": "y"},
    )
    assert config.smtp is not None and config.sms is not None
    assert config.smtp.security is Security.STARTTLS
