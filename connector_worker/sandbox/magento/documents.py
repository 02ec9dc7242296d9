"""Invoices and shipments: ``POST /V1/order/{id}/invoice`` and ``/ship`` with Magento's validators.

Validation follows ``InvoiceOrder``/``ShipOrder``: the order validator (``CanInvoice``/``CanShip``) and
the quantity validator each add lines to one "Document Validation Error(s)" message (HTTP 400). A partial
invoice prorates each row by quantity; the row's last invoice takes what remains, and shipping goes on
the first invoice, so the invoices of an order always add up to its totals. Offline payment methods
cannot capture online, so every invoice is paid (``state`` 2) whatever ``capture`` says.

A shipment changes only item rows unless it moves the order to another state, so (as with MySQL's
``ON UPDATE CURRENT_TIMESTAMP``) a partial shipment of a processing order leaves ``updated_at`` alone.
"""

from __future__ import annotations

from decimal import Decimal
from typing import Any

from connector_worker.sandbox.magento.errors import bad_request
from connector_worker.sandbox.magento.money import ZERO, round_money
from connector_worker.sandbox.magento.orders import (
    Lines,
    can_invoice,
    can_ship,
    item_quantities,
    resolve_state,
    touch_items,
)
from connector_worker.sandbox.magento.state import SandboxState

INVOICE_ERRORS = "Invoice Document Validation Error(s):\n"
SHIPMENT_ERRORS = "Shipment Document Validation Error(s):\n"
PAID = 2
_ROW_AMOUNTS = (
    "row_total",
    "row_total_incl_tax",
    "tax_amount",
    "discount_amount",
    "discount_tax_compensation_amount",
)
_INVOICED_COLUMN = {
    "row_total": "row_invoiced",
    "tax_amount": "tax_invoiced",
    "discount_amount": "discount_invoiced",
    "discount_tax_compensation_amount": "discount_tax_compensation_invoiced",
    "row_total_incl_tax": "_row_incl_invoiced",
}


def _requested(request: dict[str, Any]) -> dict[int, Decimal] | None:
    items = request.get("items") or []
    if not items:
        return None
    return {int(entry.get("order_item_id") or 0): Decimal(str(entry.get("qty") or 0)) for entry in items}


def _plan(
    lines: Lines, requested: dict[int, Decimal] | None, kind: str
) -> tuple[dict[int, Decimal], list[str], bool]:
    """Quantities per row, over-quantity messages, and whether an id was not part of the order."""
    to_do = lines.qty_to_invoice if kind == "invoice" else lines.qty_to_ship
    if requested is None:
        return {i["item_id"]: to_do(i) for i in lines.items if to_do(i) > 0}, [], False
    plan: dict[int, Decimal] = {}
    messages: list[str] = []
    unknown = False
    for item_id, qty in requested.items():
        item = lines.by_id.get(item_id)
        if item is None:
            unknown = True
            continue
        dummy = lines.invoice_dummy(item) if kind == "invoice" else lines.ship_dummy(item)
        if dummy or (kind == "ship" and item["is_virtual"]):
            continue
        if qty > to_do(item):
            verb = (
                "invoice must not be greater than the uninvoiced"
                if kind == "invoice"
                else "ship must not be greater than the unshipped"
            )
            messages.append(f'The quantity to {verb} quantity for product SKU "{item["sku"]}".')
        elif qty > 0:
            plan[item_id] = qty
    return plan, messages, unknown


def invoice_order(state: SandboxState, order: dict[str, Any], request: dict[str, Any]) -> int:
    """Create a paid invoice; returns its entity_id."""
    lines = Lines(order)
    messages = []
    if order["state"] in ("payment_review", "holded", "canceled", "complete", "closed"):
        messages.append(f"An invoice cannot be created when an order has a status of {order['status']}")
    elif not can_invoice(order):
        messages.append("The order does not allow an invoice to be created.")
    plan, qty_messages, unknown = _plan(lines, _requested(request), "invoice")
    messages += qty_messages
    if unknown:
        messages.append("The invoice contains one or more items that are not part of the original order.")
    elif not plan and not qty_messages:
        messages.append("You can't create an invoice without products.")
    if messages:
        raise bad_request(INVOICE_ERRORS + "\n".join(messages))
    store = state.store_by_id(order["store_id"])
    before = item_quantities(order)
    invoice_id = state.next_id("invoice")
    now = state.clock.now_text()
    rows = [
        _invoice_row(lines, lines.by_id[item_id], qty, invoice_id, state) for item_id, qty in plan.items()
    ]
    invoice = _invoice_header(order, invoice_id, state.next_increment("invoice", store), now)
    invoice["items"] = rows
    invoice["total_qty"] = sum((row["qty"] for row in rows), ZERO)
    for prefix in ("", "base_"):
        _invoice_totals(order, invoice, prefix)
    _apply_invoice(order, invoice)
    comment = request.get("comment")
    if isinstance(comment, dict) and comment.get("comment"):
        notified = int(bool(request.get("notify")) and bool(request.get("appendComment")))
        invoice["comments"].append(_comment(state, invoice_id, comment, notified, now))
    if request.get("notify"):
        invoice["email_sent"] = 1
    lines.sync_dummies()
    touch_items(order, before, now)
    resolve_state(order, in_progress=True)
    state.invoices[invoice_id] = invoice
    state.mark_changed(order)
    return invoice_id


def _share(item: dict[str, Any], column: str, qty: Decimal, last: bool) -> Decimal:
    total = Decimal(item[column])
    invoiced = Decimal(item.get(_invoiced_name(column)) or ZERO)
    if last:
        return total - invoiced
    return round_money(total * qty / Decimal(item["qty_ordered"]))


def _invoiced_name(column: str) -> str:
    """The item column that accumulates invoiced amounts of ``column`` (``_``: sandbox bookkeeping)."""
    target = _INVOICED_COLUMN[column.removeprefix("base_")]
    if not column.startswith("base_"):
        return target
    return f"_base{target}" if target.startswith("_") else f"base_{target}"


def _invoice_row(
    lines: Lines, item: dict[str, Any], qty: Decimal, invoice_id: int, state: SandboxState
) -> dict[str, Any]:
    last = qty == lines.qty_to_invoice(item)
    row: dict[str, Any] = {
        "entity_id": state.next_id("invoice_item"),
        "parent_id": invoice_id,
        "order_item_id": item["item_id"],
        "product_id": item["product_id"],
        "sku": item["sku"],
        "name": item["name"],
        "qty": qty,
    }
    for prefix in ("", "base_"):
        row[f"{prefix}price"] = item[f"{prefix}price"]
        row[f"{prefix}price_incl_tax"] = item[f"{prefix}price_incl_tax"]
        for column in _ROW_AMOUNTS:
            amount = _share(item, f"{prefix}{column}", qty, last)
            row[f"{prefix}{column}"] = amount
            invoiced = _invoiced_name(f"{prefix}{column}")
            item[invoiced] = Decimal(item.get(invoiced) or ZERO) + amount
    item["qty_invoiced"] += qty
    return row


def _invoice_header(order: dict[str, Any], invoice_id: int, increment_id: str, now: str) -> dict[str, Any]:
    keys = (
        "store_id",
        "order_currency_code",
        "base_currency_code",
        "global_currency_code",
        "store_currency_code",
        "base_to_global_rate",
        "base_to_order_rate",
        "store_to_base_rate",
        "store_to_order_rate",
        "billing_address_id",
        "discount_description",
    )
    header = {key: order.get(key) for key in keys}
    shipping_address = order.get("_shipping_address")
    header.update(
        entity_id=invoice_id,
        order_id=order["entity_id"],
        increment_id=increment_id,
        state=PAID,
        can_void_flag=0,
        shipping_address_id=shipping_address["entity_id"] if shipping_address else None,
        created_at=now,
        updated_at=now,
        comments=[],
    )
    return header


def _invoice_totals(order: dict[str, Any], invoice: dict[str, Any], p: str) -> None:
    rows = invoice["items"]

    def total(column: str) -> Decimal:
        return sum((Decimal(row[f"{p}{column}"]) for row in rows), ZERO)

    first = not order.get(f"{p}shipping_invoiced")
    shipping = order[f"{p}shipping_amount"] if first else ZERO
    ship_tax = order[f"{p}shipping_tax_amount"] if first else ZERO
    ship_discount = order[f"{p}shipping_discount_amount"] if first else ZERO
    comp_column = (
        "shipping_discount_tax_compensation_amnt" if p else "shipping_discount_tax_compensation_amount"
    )
    ship_comp = order[f"{p}{comp_column}"] if first else ZERO
    invoice[f"{p}subtotal"] = total("row_total")
    invoice[f"{p}subtotal_incl_tax"] = total("row_total_incl_tax")
    invoice[f"{p}tax_amount"] = total("tax_amount") + ship_tax
    invoice[f"{p}discount_amount"] = -(total("discount_amount") + ship_discount)
    invoice[f"{p}discount_tax_compensation_amount"] = total("discount_tax_compensation_amount")
    invoice[f"{p}shipping_amount"] = shipping
    invoice[f"{p}shipping_incl_tax"] = order[f"{p}shipping_incl_tax"] if first else ZERO
    invoice[f"{p}shipping_tax_amount"] = ship_tax
    invoice[f"{p}{comp_column}"] = ship_comp
    invoice[f"{p}grand_total"] = (
        invoice[f"{p}subtotal"]
        + shipping
        + invoice[f"{p}tax_amount"]
        + invoice[f"{p}discount_amount"]
        + invoice[f"{p}discount_tax_compensation_amount"]
        + ship_comp
    )


def _apply_invoice(order: dict[str, Any], invoice: dict[str, Any]) -> None:
    payment = order["payment"]
    for p in ("", "base_"):

        def add(column: str, amount: Decimal, target: dict[str, Any] = order) -> None:
            target[column] = Decimal(target.get(column) or ZERO) + amount

        add(f"{p}subtotal_invoiced", invoice[f"{p}subtotal"])
        add(f"{p}tax_invoiced", invoice[f"{p}tax_amount"])
        add(f"{p}discount_invoiced", invoice[f"{p}discount_amount"])
        add(f"{p}discount_tax_compensation_invoiced", invoice[f"{p}discount_tax_compensation_amount"])
        add(f"{p}shipping_invoiced", invoice[f"{p}shipping_amount"])
        add(f"{p}total_invoiced", invoice[f"{p}grand_total"])
        add(f"{p}total_paid", invoice[f"{p}grand_total"])
        order[f"{p}total_due"] = order[f"{p}grand_total"] - order[f"{p}total_paid"]
        add(f"{p}amount_paid", invoice[f"{p}grand_total"], payment)
        add(f"{p}shipping_captured", invoice[f"{p}shipping_amount"], payment)


def _comment(
    state: SandboxState, parent_id: int, comment: dict[str, Any], notified: int, now: str
) -> dict[str, Any]:
    return {
        "entity_id": state.next_id("document_comment"),
        "parent_id": parent_id,
        "comment": str(comment.get("comment")),
        "is_customer_notified": notified,
        "is_visible_on_front": 1 if comment.get("is_visible_on_front") in (1, True, "1") else 0,
        "created_at": now,
    }


def ship_order(state: SandboxState, order: dict[str, Any], request: dict[str, Any]) -> int:
    """Create a shipment (with tracks); returns its entity_id."""
    lines = Lines(order)
    messages = []
    if order["state"] in ("payment_review", "holded", "canceled") or order["is_virtual"]:
        messages.append(f"A shipment cannot be created when an order has a status of {order['status']}")
    elif not can_ship(order):
        messages.append("The order does not allow a shipment to be created.")
    plan, qty_messages, _ = _plan(lines, _requested(request), "ship")
    messages += qty_messages
    if not plan and not qty_messages:
        messages.append("You can't create a shipment without products.")
    if messages:
        raise bad_request(SHIPMENT_ERRORS + "\n".join(messages))
    store = state.store_by_id(order["store_id"])
    before = item_quantities(order)
    shipment_id = state.next_id("shipment")
    now = state.clock.now_text()
    rows = []
    for item_id, qty in plan.items():
        item = lines.by_id[item_id]
        item["qty_shipped"] += qty
        rows.append(_shipment_row(state, item, qty, shipment_id))
    total_qty = sum((row["qty"] for row in rows), ZERO)
    total_weight = sum(((row.get("weight") or ZERO) * row["qty"] for row in rows), ZERO)
    shipping_address = order.get("_shipping_address")
    shipment: dict[str, Any] = {
        "entity_id": shipment_id,
        "order_id": order["entity_id"],
        "increment_id": state.next_increment("shipment", store),
        "store_id": order["store_id"],
        "customer_id": order.get("customer_id"),
        "billing_address_id": order["billing_address_id"],
        "shipping_address_id": shipping_address["entity_id"] if shipping_address else None,
        "total_qty": total_qty,
        "total_weight": total_weight,
        "email_sent": 1 if request.get("notify") else None,
        "created_at": now,
        "updated_at": now,
        "items": rows,
        "tracks": [
            _track(
                state, order, shipment_id, track=t, total_qty=total_qty, total_weight=total_weight, now=now
            )
            for t in request.get("tracks") or []
        ],
        "comments": [],
        "packages": [],
    }
    comment = request.get("comment")
    if isinstance(comment, dict) and comment.get("comment"):
        notified = int(bool(request.get("notify")) and bool(request.get("appendComment")))
        shipment["comments"].append(_comment(state, shipment_id, comment, notified, now))
    lines.sync_dummies()
    touch_items(order, before, now)
    previous = (order["state"], order["status"])
    resolve_state(order, in_progress=True)
    state.shipments[shipment_id] = shipment
    if (order["state"], order["status"]) != previous:
        state.mark_changed(order)
    else:
        state.forget_rendering(order)
    return shipment_id


def _shipment_row(
    state: SandboxState, item: dict[str, Any], qty: Decimal, shipment_id: int
) -> dict[str, Any]:
    return {
        "entity_id": state.next_id("shipment_item"),
        "parent_id": shipment_id,
        "order_item_id": item["item_id"],
        "product_id": item["product_id"],
        "sku": item["sku"],
        "name": item["name"],
        "price": item["price"],
        "weight": item.get("weight"),
        "qty": qty,
    }


def _track(
    state: SandboxState,
    order: dict[str, Any],
    shipment_id: int,
    *,
    track: dict[str, Any],
    total_qty: Decimal,
    total_weight: Decimal,
    now: str,
) -> dict[str, Any]:
    """A track row; Magento leaves weight/qty/description NULL when not sent, the sandbox fills them."""
    return {
        "entity_id": state.next_id("shipment_track"),
        "parent_id": shipment_id,
        "order_id": order["entity_id"],
        "track_number": str(track.get("track_number") or ""),
        "title": str(track.get("title") or ""),
        "carrier_code": str(track.get("carrier_code") or "custom"),
        "weight": Decimal(str(track["weight"])) if track.get("weight") is not None else total_weight,
        "qty": Decimal(str(track["qty"])) if track.get("qty") is not None else total_qty,
        "description": str(track.get("description") or ""),
        "created_at": now,
        "updated_at": now,
    }
