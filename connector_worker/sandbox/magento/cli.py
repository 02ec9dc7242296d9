"""``connector sandbox magento``: serve a Magento 2.4.7 sandbox in the foreground and print how to reach it.

The first line on stdout is one JSON object (base URL, REST URL, control URL, credentials), printed once
the port accepts connections, so a demo or benchmark can start the process and read it.
"""

from __future__ import annotations

import json
import signal
import threading
from types import FrameType
from typing import Any

import click

from connector_worker.log import configure_logging
from connector_worker.sandbox.magento.config import SandboxConfig
from connector_worker.sandbox.magento.instance import MagentoSandbox
from connector_worker.sandbox.magento.server import SandboxServer


def describe(server: SandboxServer) -> dict[str, Any]:
    """What the CLI prints: where the sandbox listens and every credential it accepts."""
    config = server.sandbox.config
    return {
        "base_url": server.base_url,
        "rest_url": f"{server.base_url}/rest/V1/",
        "control_url": f"{server.base_url}/_sandbox/",
        "store_codes": list(config.store_codes),
        "admin": {"username": config.admin_username, "password": config.admin_password},
        "oauth": {
            "consumer_key": config.consumer_key,
            "consumer_secret": config.consumer_secret,
            "access_token": config.access_token,
            "access_token_secret": config.access_token_secret,
            "signature_method": "HMAC-SHA256",
        },
        "bearer_token": config.access_token if config.integration_as_bearer else None,
        "webhook": {"url": config.webhook_url, "secret": config.webhook_secret}
        if config.webhook_url
        else None,
        "seed": config.seed,
        "orders": len(server.sandbox.state.orders),
    }


@click.command("magento")
@click.option("--host", default="127.0.0.1", show_default=True, help="Interface to listen on.")
@click.option("--port", default=8081, show_default=True, type=int, help="Port (0 picks a free one).")
@click.option("--seed", default=1, show_default=True, type=int, help="Seed of the generated data.")
@click.option("--orders", default=50, show_default=True, type=int, help="How many orders to seed.")
@click.option(
    "--bearer-token", default=None, help="Integration access token usable as a bearer token (enables it)."
)
@click.option("--admin-user", default="admin", show_default=True, help="Admin username for admin tokens.")
@click.option("--admin-password", default=None, help="Admin password (generated when omitted).")
@click.option("--consumer-key", default=None, help="OAuth consumer key (32 chars; generated when omitted).")
@click.option("--consumer-secret", default=None, help="OAuth consumer secret (generated when omitted).")
@click.option("--access-token", default=None, help="OAuth access token (32 chars; generated when omitted).")
@click.option(
    "--access-token-secret", default=None, help="OAuth access token secret (generated when omitted)."
)
@click.option("--webhook-url", default=None, help="POST a signed event here on every order change.")
@click.option("--webhook-secret", default=None, help="HMAC secret of the webhooks (generated when omitted).")
@click.option("--instance", default="sandbox", show_default=True, help="Instance name sent in webhooks.")
@click.option(
    "--store-codes", default="default,eu", show_default=True, help="Store view codes, comma-separated."
)
@click.option(
    "--input-limits/--no-input-limits", default=False, show_default=True, help="Enable Web API input limits."
)
@click.option(
    "--legacy-order/--no-legacy-order",
    default=False,
    show_default=True,
    help="Seed one order with the legacy SKU.",
)
def magento(**options: Any) -> None:
    """Serve Magento 2.4.7 REST (/rest/V1, /rest/<store>/V1) plus a /_sandbox control surface."""
    config = _config(options)
    sandbox = MagentoSandbox(config)
    configure_logging(secrets=sandbox.config.secrets())
    server = SandboxServer(sandbox, host=options["host"], port=options["port"]).start()
    click.echo(json.dumps(describe(server)))
    _wait_for_signal()
    server.stop()


def _config(options: dict[str, Any]) -> SandboxConfig:
    bearer = options["bearer_token"]
    if bearer and options["access_token"] and bearer != options["access_token"]:
        raise click.UsageError("--bearer-token is the integration access token; give it once")
    return SandboxConfig(
        seed=options["seed"],
        orders=options["orders"],
        instance=options["instance"],
        store_codes=tuple(code.strip() for code in options["store_codes"].split(",") if code.strip()),
        admin_username=options["admin_user"],
        admin_password=options["admin_password"] or "",
        consumer_key=options["consumer_key"] or "",
        consumer_secret=options["consumer_secret"] or "",
        access_token=bearer or options["access_token"] or "",
        access_token_secret=options["access_token_secret"] or "",
        integration_as_bearer=bool(bearer),
        input_limits=options["input_limits"],
        legacy_order=options["legacy_order"],
        webhook_url=options["webhook_url"],
        webhook_secret=options["webhook_secret"],
    )


def _wait_for_signal() -> None:
    """Block until SIGINT or SIGTERM."""
    stop = threading.Event()

    def handle(signum: int, frame: FrameType | None) -> None:
        stop.set()

    signal.signal(signal.SIGTERM, handle)
    signal.signal(signal.SIGINT, handle)
    while not stop.wait(0.5):
        pass
