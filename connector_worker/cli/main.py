"""Entry point of the ``connector`` command: a click group whose subcommands load on first use.

Lazy loading keeps ``connector --help`` fast and lets a subcommand's heavy imports (Celery, uvicorn)
stay out of the others.
"""

from __future__ import annotations

import importlib
import sys
from typing import Any

import click

from config.settings import ConfigError

# name -> "module:attribute" of a click command or group.
SUBCOMMANDS: dict[str, str] = {
    "check-config": "connector_worker.cli.config_cmd:check_config",
    "sandbox": "connector_worker.cli.sandbox_cmd:sandbox",
    "webhook": "connector_worker.cli.webhook_cmd:webhook",
    "worker": "connector_worker.cli.worker_cmd:worker",
    "beat": "connector_worker.cli.worker_cmd:beat",
    "dlq": "connector_worker.cli.dlq_cmd:dlq",
    "pull": "connector_worker.cli.sync_cmd:pull",
    "reconcile": "connector_worker.cli.sync_cmd:reconcile",
    "sync": "connector_worker.cli.sync_cmd:sync",
    "orders": "connector_worker.cli.orders_cmd:orders",
    "demo": "connector_worker.cli.demo_cmd:demo",
}


class LazyGroup(click.Group):
    """A click group that imports each subcommand only when it is invoked or listed."""

    def __init__(self, *args: Any, lazy: dict[str, str], **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.lazy = lazy

    def list_commands(self, ctx: click.Context) -> list[str]:
        return sorted({*super().list_commands(ctx), *self.lazy})

    def get_command(self, ctx: click.Context, cmd_name: str) -> click.Command | None:
        if cmd_name in self.lazy:
            module_name, attr = self.lazy[cmd_name].split(":")
            command = getattr(importlib.import_module(module_name), attr)
            assert isinstance(command, click.Command)
            return command
        return super().get_command(ctx, cmd_name)


@click.group(cls=LazyGroup, lazy=SUBCOMMANDS, context_settings={"help_option_names": ["-h", "--help"]})
@click.version_option(package_name="magento-odoo-connector")
def cli() -> None:
    """Keep orders in sync between Magento 2 and Odoo."""


def main() -> None:
    """Run the CLI; a configuration error prints one line per problem and exits 2, and a failure of Magento,
    Odoo or Redis in a foreground command (``pull``, ``orders``...) one line and exits 1, not a traceback."""
    try:
        cli.main(standalone_mode=True)
    except ConfigError as exc:
        click.echo("configuration error:", err=True)
        for line in exc.problems:
            click.echo(f"  {line}", err=True)
        sys.exit(2)
    except Exception as exc:
        # imported here, so `connector --help` stays free of redis-py and structlog
        import redis  # noqa: PLC0415

        from connector_worker.errors import ConnectorError  # noqa: PLC0415
        from connector_worker.log import scrub_text  # noqa: PLC0415

        if not isinstance(exc, ConnectorError | redis.RedisError):
            raise
        what = "Redis" if isinstance(exc, redis.RedisError) else type(exc).__name__
        click.echo(f"error: {what}: {scrub_text(str(exc))}", err=True)
        sys.exit(1)
