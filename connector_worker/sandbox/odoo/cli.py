"""``connector sandbox odoo``: serve an Odoo 17/18/19 sandbox in the foreground and print how to reach it."""

from __future__ import annotations

import contextlib
import json
import secrets

import click

from connector_worker.sandbox.odoo.app import OdooSandbox
from connector_worker.sandbox.odoo.database import Credentials
from connector_worker.sandbox.odoo.server import SandboxServer, describe


@click.command("odoo")
@click.option("--host", default="127.0.0.1", show_default=True, help="Interface to listen on.")
@click.option("--port", default=8069, show_default=True, type=int, help="Port (0 picks a free one).")
@click.option("--version", "version", default="19", show_default=True, type=click.Choice(["17", "18", "19"]))
@click.option("--db", default="odoo", show_default=True, help="Database name.")
@click.option("--login", default="admin", show_default=True, help="The user's login.")
@click.option("--password", default=None, help="The user's password (generated when omitted).")
@click.option("--api-key", default=None, help="The user's API key (generated when omitted).")
def odoo(  # noqa: PLR0917  (click passes every option positionally)
    host: str, port: int, version: str, db: str, login: str, password: str | None, api_key: str | None
) -> None:
    """Serve XML-RPC, JSON-RPC and (19) JSON-2 like Odoo, plus a /_sandbox control surface."""
    credentials = Credentials(
        db, login, password or secrets.token_urlsafe(12), api_key or secrets.token_hex(20)
    )
    server = SandboxServer(OdooSandbox(int(version), credentials), host=host, port=port)
    click.echo(json.dumps(describe(server)), nl=True)
    with contextlib.suppress(KeyboardInterrupt):
        server.run()
