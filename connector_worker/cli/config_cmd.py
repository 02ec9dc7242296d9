"""``connector check-config``: validate the environment and the instances file, then say what was found."""

from __future__ import annotations

import click

from config.settings import load_settings


@click.command("check-config")
def check_config() -> None:
    """Validate settings and CONNECTOR_CONFIG; exit 2 with one line per problem."""
    settings = load_settings()
    click.echo(f"redis: {settings.redis_url.split('@')[-1]}")
    click.echo(f"odoo: {settings.odoo.url} db={settings.odoo.db or '-'} protocol={settings.odoo.protocol}")
    if not settings.instances:
        click.echo("instances: none (set CONNECTOR_CONFIG to an instances file)")
    for inst in settings.instances.values():
        click.echo(f"instance {inst.name}: {inst.base_url} store={inst.store_code} auth={inst.auth.type}")
