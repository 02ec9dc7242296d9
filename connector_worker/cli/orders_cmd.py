"""``connector orders``: the *Magento › Sales › Orders* list of the Odoo module, in the terminal."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

import click

from config.settings import load_settings
from connector_worker.log import configure_logging
from connector_worker.odoo.gateway import OdooGateway

# (header, field, render): the ten columns of the module's list view, in its order.
COLUMNS: tuple[tuple[str, str], ...] = (
    ("Number", "name"),
    ("Magento", "magento_increment_id"),
    ("Magento ID", "magento_order_id"),
    ("Magento Status", "magento_status"),
    ("Magento Invoice", "magento_invoice_status"),
    ("Magento Amount", "magento_amount"),
    ("Magento Paid", "magento_paid"),
    ("Delivery Status", "delivery_status"),
    ("Magento Instance", "magento_instance_id"),
    ("Order Date", "magento_order_date"),
)
SELECTION_LABELS = {
    "magento_invoice_status": {"invoiced": "Invoiced", "not_invoiced": "Not Invoiced"},
    "magento_paid": {"paid": "Paid", "not_paid": "Not Paid"},
    "delivery_status": {
        "pending": "Not Delivered",
        "started": "Started",
        "partial": "Partially Delivered",
        "full": "Fully Delivered",
    },
}
READ_FIELDS = (*(field for _, field in COLUMNS), "currency_id")


def fetch_orders(
    gw: OdooGateway, instance: str | None = None, limit: int | None = None
) -> list[dict[str, Any]]:
    """Odoo orders linked to Magento (of one instance when given), newest Magento order first."""
    domain: list[Any] = [("magento_order_id", "!=", False)]
    if instance:
        domain.append(("magento_instance_id.name", "=", instance))
    return gw.search_read(
        "sale.order", domain, list(READ_FIELDS), limit=limit, order="magento_order_date desc, id desc"
    )


def render_table(rows: Sequence[dict[str, Any]]) -> str:
    """The rows as an aligned text table with the module's column headers."""
    cells = [[header for header, _ in COLUMNS]]
    cells.extend([_cell(row, field) for _, field in COLUMNS] for row in rows)
    widths = [max(len(line[i]) for line in cells) for i in range(len(COLUMNS))]
    numeric = {i for i, (_, field) in enumerate(COLUMNS) if field == "magento_amount"}
    lines = []
    for index, line in enumerate(cells):
        parts = [
            value.rjust(widths[i]) if i in numeric and index else value.ljust(widths[i])
            for i, value in enumerate(line)
        ]
        lines.append("  ".join(parts).rstrip())
        if index == 0:
            lines.append("  ".join("-" * width for width in widths))
    return "\n".join(lines)


def _cell(row: dict[str, Any], field: str) -> str:
    value = row.get(field)
    if value is None or value is False:  # Odoo's empty; a 0.0 amount is a value
        return ""
    if field in SELECTION_LABELS:
        return SELECTION_LABELS[field].get(str(value), str(value))
    if field == "magento_amount":
        currency = row.get("currency_id")
        code = currency[1] if isinstance(currency, list | tuple) and len(currency) > 1 else ""
        return f"{float(value):,.2f} {code}".strip()
    if isinstance(value, list | tuple) and len(value) > 1:  # many2one: [id, display name]
        return str(value[1])
    return str(value)


@click.command("orders")
@click.option("--instance", help="Only this instance's orders.")
@click.option("--limit", type=int, default=None, help="At most this many rows.")
def orders(instance: str | None, limit: int | None) -> None:
    """Print Odoo's Magento › Sales › Orders list."""
    settings = load_settings()
    configure_logging(settings.log_format, settings.log_level, settings.secret_values())
    if instance:
        settings.instance(instance)
    with OdooGateway.connect(settings.odoo) as gw:
        rows = fetch_orders(gw, instance, limit)
    click.echo(render_table(rows))
    click.echo(f"{len(rows)} orders")
