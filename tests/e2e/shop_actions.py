"""What a merchant or a customer does in the Magento sandbox during an end-to-end test, and what Odoo then
holds about one order (its invoices and payments).
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from connector_worker.sandbox.magento.seed import refund_all
from tests.e2e.stack import Stack
from tests.support.magento_sandbox import MagentoSandboxHandle

MAX_PLACEMENTS = 50  # the seed makes virtual, partly invoiced and free orders now and then; others come soon


def place(
    shop: MagentoSandboxHandle,
    state: str,
    *,
    physical: bool = False,
    priced: bool = False,
    paid_in_full: bool = False,
) -> int:
    """Place one order in Magento and walk it to ``state``; ``physical`` asks for something to ship,
    ``priced`` for something to pay (a 100 % coupon leaves nothing), ``paid_in_full`` for an order invoiced
    entirely with something to pay (the seed invoices some orders in part)."""
    for _ in range(MAX_PLACEMENTS):
        [entity_id] = shop.control.create_orders(1, state=state)
        order = shop.control.order(entity_id)
        if (
            order["state"] != state
            or (physical and order["is_virtual"])
            or (priced and not order["grand_total"])
        ):
            continue
        if not paid_in_full or 0 < order["grand_total"] == order.get("total_paid"):
            return entity_id
    raise AssertionError(f"no such {state} order in {MAX_PLACEMENTS} placements")


def later(shop: MagentoSandboxHandle, seconds: float = 1.0) -> None:
    """Let Magento's clock move on, as it does between a clerk's clicks.

    ``updated_at`` has second precision: two changes within one second look like one version of the order,
    which the webhook receiver (rightly) acknowledges once. Tests of one change after another therefore act
    in a later second; same-second changes have a test of their own.
    """
    shop.control.advance_clock(seconds)


def refund(shop: MagentoSandboxHandle, entity_id: int) -> None:
    """An offline credit memo for everything paid: the order closes (Magento has no REST route for it here)."""
    state = shop.sandbox.state
    with state.lock:
        refund_all(state, state.get_order(entity_id))


def edit_order(shop: MagentoSandboxHandle, entity_id: int, change: Callable[[dict[str, Any]], None]) -> None:
    """Change the stored order as a third-party module or an admin save would, and bump ``updated_at``."""
    state = shop.sandbox.state
    with state.lock:
        order = state.get_order(entity_id)
        change(order)
        state.mark_changed(order)


def payments_of(stack: Stack, record: dict[str, Any]) -> list[dict[str, Any]]:
    """The customer payments Odoo holds against the order's invoices."""
    invoice_ids = set(record.get("invoice_ids") or [])
    payments = stack.odoo.read("account.payment", [])
    return [
        p
        for p in payments
        if invoice_ids & set(p.get("reconciled_invoice_ids") or p.get("invoice_ids") or [])
    ]


def payments_due(record: dict[str, Any]) -> int:
    """How many payments the sync registers for an order first seen as Magento shows it now: one for a
    confirmed, paid order with something to pay, none for an order refunded in full already (closed)."""
    paid = record["state"] == "sale" and record["magento_paid"] == "paid" and record["amount_total"]
    return 1 if paid and record["magento_state"] != "closed" else 0


def invoices_of(stack: Stack, record: dict[str, Any]) -> list[dict[str, Any]]:
    """The order's customer invoices, as Odoo reads them."""
    ids = list(record.get("invoice_ids") or [])
    return stack.odoo.read("account.move", [("id", "in", ids)]) if ids else []
