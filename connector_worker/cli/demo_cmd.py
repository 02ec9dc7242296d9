"""``connector demo``: the whole connector end to end on one machine, with nothing installed but Python.

Without ``--odoo-url`` everything is local (embedded Redis, both sandboxes); with it, the same run goes to a
real Odoo that has the ``magento2_connector`` module, preparing there only what is missing.
"""

from __future__ import annotations

import datetime as dt
import os
import secrets
import signal
import sys
from pathlib import Path
from types import FrameType

import click
from pydantic import SecretStr, ValidationError

from config.settings import INSTANCE_NAME_RE, OdooSettings
from connector_worker.demo.run import DemoFailed, DemoOptions, preflight_odoo, preflight_redis, run_demo
from connector_worker.demo.stack import StackOptions
from connector_worker.log import configure_logging

EXIT_INTERRUPTED = 130
DEFAULT_SEED = 3  # the reference run: every Magento state, both stores, a 100 % discount order


@click.command("demo")
@click.option(
    "--odoo-url", help="A real Odoo (with the magento2_connector module) instead of the Odoo sandbox."
)
@click.option("--odoo-db", help="Its database.")
@click.option("--odoo-login", help="The user to log in as.")
@click.option("--odoo-password", help="The user's password (or give --odoo-api-key).")
@click.option("--odoo-api-key", help="The user's API key (JSON-2 on Odoo 19).")
@click.option(
    "--instance",
    help="Magento instance name in Odoo (default: 'demo'; with --odoo-url a new 'demo-<time>' per run, "
    "since the sandbox shop's order ids start at 1 again every run).",
)
@click.option("--orders", default=24, show_default=True, type=click.IntRange(8, 1000), help="Orders to seed.")
@click.option("--seed", default=DEFAULT_SEED, show_default=True, type=int, help="Seed of the shop's data.")
@click.option("--timeout", default=120.0, show_default=True, type=float, help="Seconds to wait for the sync.")
@click.option("--keep-logs", is_flag=True, help="Keep the process logs even when everything went well.")
@click.option(
    "--summary-json",
    type=click.Path(dir_okay=False, path_type=Path),
    help="Also write the summary's figures to this file as JSON.",
)
def demo(  # noqa: PLR0917  (click passes every option)
    odoo_url: str | None,
    odoo_db: str | None,
    odoo_login: str | None,
    odoo_password: str | None,
    odoo_api_key: str | None,
    instance: str | None,
    orders: int,
    seed: int,
    timeout: float,
    keep_logs: bool,
    summary_json: Path | None,
) -> None:
    """Sync a seeded Magento shop into Odoo with real processes (Redis, sandboxes, webhook, worker, beat)."""
    configure_logging("console", "WARNING")
    odoo = _odoo_settings(odoo_url, odoo_db, odoo_login, odoo_password, odoo_api_key)
    name = instance or (_fresh_instance_name() if odoo else "demo")
    if not INSTANCE_NAME_RE.match(name):
        raise click.BadParameter("lower-case letters, digits, '-' or '_'", param_hint="--instance")
    stack = StackOptions(instance=name, orders=orders, seed=seed, odoo=odoo, redis_url=_redis_url())
    previous = signal.signal(signal.SIGTERM, _interrupt)
    try:
        if stack.redis_url is not None:
            preflight_redis(stack.redis_url, click.echo)
        if odoo is not None:
            preflight_odoo(odoo, click.echo)
            click.echo(f"Orders go to the Magento instance {name!r} in that Odoo")
        code = run_demo(
            DemoOptions(stack, timeout_seconds=timeout, keep_logs=keep_logs, summary_json=summary_json),
            click.echo,
        )
    except DemoFailed as exc:
        click.echo(f"demo failed: {exc}", err=True)
        code = 1
    except KeyboardInterrupt:
        click.echo("interrupted: every process was stopped", err=True)
        code = EXIT_INTERRUPTED
    finally:
        signal.signal(signal.SIGTERM, previous)
    sys.exit(code)


def _odoo_settings(
    url: str | None, db: str | None, login: str | None, password: str | None, api_key: str | None
) -> OdooSettings | None:
    if url is None:
        given = [
            flag
            for flag, value in (
                ("--odoo-db", db),
                ("--odoo-login", login),
                ("--odoo-password", password),
                ("--odoo-api-key", api_key),
            )
            if value
        ]
        if given:
            raise click.UsageError(f"{', '.join(given)}: only with --odoo-url")
        return None
    if bool(password) == bool(api_key):
        raise click.UsageError("give --odoo-password or --odoo-api-key (one of them)")
    if api_key is None and not (db and login):
        raise click.UsageError("--odoo-password needs --odoo-db and --odoo-login")
    try:
        return OdooSettings(
            url=url,
            db=db,
            login=login,
            password=SecretStr(password) if password else None,
            api_key=SecretStr(api_key) if api_key else None,
        )
    except ValidationError as exc:
        problems = "; ".join(str(error["msg"]).removeprefix("Value error, ") for error in exc.errors())
        raise click.UsageError(f"--odoo-url: {problems}") from None


def _fresh_instance_name() -> str:
    """``demo-<UTC time>-<4 hex>``: a real Odoo keeps every run's orders apart (ids restart at 1)."""
    return f"demo-{dt.datetime.now(dt.UTC):%Y%m%d-%H%M%S}-{secrets.token_hex(2)}"


def _redis_url() -> str | None:
    """``REDIS_URL`` when set (the demo then uses that Redis under a prefix of its own)."""
    return os.environ.get("REDIS_URL") or None


def _interrupt(signum: int, frame: FrameType | None) -> None:
    """SIGTERM ends the demo like Ctrl-C: every process it started is stopped first."""
    raise KeyboardInterrupt
