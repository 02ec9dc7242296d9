"""``connector sandbox magento|odoo``: run a Magento or Odoo sandbox server in the foreground."""

from __future__ import annotations

import click

from connector_worker.cli.main import LazyGroup


@click.group(
    cls=LazyGroup,
    lazy={
        "magento": "connector_worker.sandbox.magento.cli:magento",
        "odoo": "connector_worker.sandbox.odoo.cli:odoo",
    },
)
def sandbox() -> None:
    """Run a sandbox that behaves like Magento 2.4.7 or Odoo 17-19 (tests and demo)."""
