"""``cosen serve``: the desk, on the ledger, with a production server."""

from __future__ import annotations

from pathlib import Path

import click

from cosen.cli.batch import DB_OPTION, WAIT_OPTION
from cosen.cli.core import Number, command, option


@command("serve")
@DB_OPTION
@option(
    "--host",
    default="127.0.0.1",
    show_default=True,
    metavar="ADRESSE",
    help="Adresse d'écoute (127.0.0.1 : ce poste seulement).",
)
@option(
    "--port",
    type=Number(1, 65535, "PORT", integer=True),
    default=8000,
    show_default=True,
    help="Port d'écoute.",
)
@option(
    "--files",
    "files",
    metavar="DOSSIER",
    type=click.Path(path_type=Path, file_okay=False),
    default=Path("cosen-guichet"),
    show_default=True,
    help="Dossier des fichiers des attributions lancées du guichet.",
)
@option(
    "--threads",
    type=Number(1, 64, "N", integer=True),
    default=8,
    show_default=True,
    help="Requêtes traitées en même temps.",
)
@option(
    "--proxy",
    is_flag=True,
    help="Derrière un serveur mandataire local (HTTPS) : lire son "
    "en-tête X-Forwarded-Proto (cookies Secure).",
)
@WAIT_OPTION
def serve(
    db: str | None,
    host: str,
    port: int,
    files: Path,
    threads: int,
    proxy: bool,
    wait: float,
) -> None:
    """Sert le guichet web (coordinateurs, centres) sur le registre.

    Le même registre que « cosen batch », qui peut tourner en même temps.
    Créer d'abord les comptes avec « cosen users add ». Arrêt : Ctrl+C.
    """
    import waitress

    from cosen.io.excel import private_folder
    from cosen.ledger import ledger_target
    from cosen.web import create_app

    private_folder(files)
    app = create_app(ledger_target(db), files, wait)
    click.echo(f"Guichet COSEN sur http://{host}:{port}/ (arrêt : Ctrl+C).")
    extra = (
        {"trusted_proxy": "127.0.0.1", "trusted_proxy_headers":
         {"x-forwarded-proto"}} if proxy else {}
    )  # fmt: skip
    waitress.serve(
        app,
        host=host,
        port=port,
        threads=threads,
        ident="cosen",
        _quiet=True,
        **extra,
    )
