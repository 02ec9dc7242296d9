"""Magento's order state machine: the guards of ``Sales/Model/Order.php`` and the actions they allow.

Quantities follow ``Order\\Item::isDummy``: a configurable's child and a fixed bundle's children are
invoiced through their parent, a dynamic bundle's parent through its children; for shipments every
parent ships together with its children. Dummy rows mirror their partner's quantities.

Comments (``POST /V1/orders/{id}/comments``): 2.4.7 no longer applies the status sent with a comment
(issue #38723), so by default the comment is stored with the status it names, the order's status stays
as it was and the ``sales_order`` row (and its ``updated_at``) is untouched. ``comment_applies_status``
restores 2.4.4-2.4.6: the status must belong to the order's state and becomes the order's status.
"""

from __future__ import annotations

from decimal import Decimal
from typing import Any

from connector_worker.sandbox.magento.errors import WebapiError, bad_request
from connector_worker.sandbox.magento.money import ZERO
from connector_worker.sandbox.magento.state import SandboxState

# Default status of each state, and the statuses assigned to each (InstallOrderStatusesAndInitialSalesConfig).
DEFAULT_STATUS = {
    "new": "pending",
    "pending_payment": "pending_payment",
    "processing": "processing",
    "complete": "complete",
    "closed": "closed",
    "canceled": "canceled",
    "holded": "holded",
    "payment_review": "payment_review",
}
STATE_STATUSES = {state: {status} for state, status in DEFAULT_STATUS.items()}
STATE_STATUSES["processing"].add("fraud")
STATE_STATUSES["payment_review"].add("fraud")
HOLD_NOT_AVAILABLE = "A hold action is not available."
CANNOT_UNHOLD = "You cannot remove the hold."
STATUS_NOT_IN_STATE = 'Unable to add comment: The status "%1" is not part of the order status history.'


class Lines:
    """An order's item rows with their parent/child relations and Magento's per-row quantities."""

    def __init__(self, order: dict[str, Any]) -> None:
        self.items: list[dict[str, Any]] = order["items"]
        self.by_id = {item["item_id"]: item for item in self.items}

    def parent(self, item: dict[str, Any]) -> dict[str, Any] | None:
        parent_id = item.get("parent_item_id")
        return None if parent_id is None else self.by_id[parent_id]

    def children(self, item: dict[str, Any]) -> list[dict[str, Any]]:
        return [child for child in self.items if child.get("parent_item_id") == item["item_id"]]

    def ratio(self, child: dict[str, Any]) -> Decimal:
        parent = self.parent(child)
        assert parent is not None
        return Decimal(child["qty_ordered"]) / Decimal(parent["qty_ordered"])

    def invoice_dummy(self, item: dict[str, Any]) -> bool:
        """Invoiced through another row: a dynamic bundle parent, or a child whose parent carries money."""
        if self.children(item):
            return not item["_calculated"]
        parent = self.parent(item)
        return parent is not None and bool(parent["_calculated"])

    def ship_dummy(self, item: dict[str, Any]) -> bool:
        """Shipped through its parent (every parent here ships together with its children)."""
        return item.get("parent_item_id") is not None

    def qty_to_invoice(self, item: dict[str, Any]) -> Decimal:
        if self.invoice_dummy(item):
            return ZERO
        return max(Decimal(item["qty_ordered"] - item["qty_invoiced"] - item["qty_canceled"]), ZERO)

    def qty_to_ship(self, item: dict[str, Any]) -> Decimal:
        if self.ship_dummy(item) or item["is_virtual"]:
            return ZERO
        remaining = item["qty_ordered"] - item["qty_shipped"] - item["qty_refunded"] - item["qty_canceled"]
        return max(Decimal(remaining), ZERO)

    def sync_dummies(self) -> None:
        """Give every dummy row the quantities its partner row now has."""
        for item in self.items:
            parent = self.parent(item)
            if parent is None:
                continue
            ratio = self.ratio(item)
            item["qty_shipped"] = parent["qty_shipped"] * ratio
            if self.invoice_dummy(item):
                item["qty_invoiced"] = parent["qty_invoiced"] * ratio
                item["qty_canceled"] = parent["qty_canceled"] * ratio
        for item in self.items:
            children = self.children(item)
            if children and self.invoice_dummy(item):
                item["qty_invoiced"] = min(c["qty_invoiced"] / self.ratio(c) for c in children)
                item["qty_canceled"] = min(c["qty_canceled"] / self.ratio(c) for c in children)


_QTY_COLUMNS = ("qty_invoiced", "qty_shipped", "qty_canceled", "qty_refunded")


def item_quantities(order: dict[str, Any]) -> dict[int, tuple[Decimal, ...]]:
    """Each row's progress quantities, to see afterwards which ``sales_order_item`` rows changed."""
    return {item["item_id"]: tuple(item[c] for c in _QTY_COLUMNS) for item in order["items"]}


def touch_items(order: dict[str, Any], before: dict[int, tuple[Decimal, ...]], now: str) -> None:
    """Rows whose quantities changed get a new ``updated_at`` (their own ON UPDATE timestamp)."""
    for item in order["items"]:
        if tuple(item[c] for c in _QTY_COLUMNS) != before[item["item_id"]]:
            item["updated_at"] = now


def is_on_hold(order: dict[str, Any]) -> bool:
    return bool(order["state"] == "holded")


def in_payment_review(order: dict[str, Any]) -> bool:
    return bool(order["state"] == "payment_review")


def can_invoice(order: dict[str, Any]) -> bool:
    if in_payment_review(order) or is_on_hold(order):
        return False
    if order["state"] in ("canceled", "complete", "closed"):
        return False
    lines = Lines(order)
    return any(lines.qty_to_invoice(item) > 0 for item in lines.items)


def can_ship(order: dict[str, Any]) -> bool:
    if is_on_hold(order) or in_payment_review(order):
        return False
    if order["is_virtual"] or order["state"] == "canceled":
        return False
    lines = Lines(order)
    return any(lines.qty_to_ship(item) > 0 for item in lines.items)


def can_cancel(order: dict[str, Any]) -> bool:
    """False on hold, in payment review, canceled/complete/closed, or when everything is invoiced."""
    if order["state"] in ("canceled", "holded", "payment_review", "complete", "closed"):
        return False
    lines = Lines(order)
    return any(lines.qty_to_invoice(item) > 0 for item in lines.items)


def can_hold(order: dict[str, Any]) -> bool:
    return order["state"] not in ("canceled", "payment_review", "complete", "closed", "holded")


def can_unhold(order: dict[str, Any]) -> bool:
    return is_on_hold(order)


def resolve_state(order: dict[str, Any], in_progress: bool) -> None:
    """``OrderStateResolver``: a new order in progress becomes processing, complete once all is done."""
    state = order["state"]
    if state == "new" and in_progress:
        state = "processing"
    if order["state"] not in ("canceled", "holded") and not can_invoice(order):
        if order.get("total_refunded"):
            state = "closed"
        elif order["is_virtual"] or not can_ship(order):
            state = "complete"
    if state != order["state"]:
        order["state"] = state
        order["status"] = DEFAULT_STATUS[state]


def hold(state: SandboxState, order: dict[str, Any]) -> bool:
    if not can_hold(order):
        raise bad_request(HOLD_NOT_AVAILABLE)
    order["hold_before_state"] = order["state"]
    order["hold_before_status"] = order["status"]
    order["state"] = "holded"
    order["status"] = DEFAULT_STATUS["holded"]
    state.mark_changed(order)
    return True


def unhold(state: SandboxState, order: dict[str, Any]) -> bool:
    if not can_unhold(order):
        raise bad_request(CANNOT_UNHOLD)
    order["state"] = order.pop("hold_before_state")
    order["status"] = order.pop("hold_before_status")
    state.mark_changed(order)
    return True


def cancel(state: SandboxState, order: dict[str, Any]) -> bool:
    """``OrderService::cancel``: ``False`` (HTTP 200) when the order cannot be canceled."""
    if not can_cancel(order):
        return False
    before = item_quantities(order)
    lines = Lines(order)
    for item in lines.items:
        if lines.invoice_dummy(item):
            continue
        done = max(item["qty_invoiced"], item["qty_shipped"])
        item["qty_canceled"] += max(item["qty_ordered"] - done - item["qty_canceled"], ZERO)
    lines.sync_dummies()
    touch_items(order, before, state.clock.now_text())
    for prefix in ("", "base_"):
        _cancel_totals(order, prefix)
    invoiced = any(item["qty_invoiced"] > 0 for item in lines.items)
    if invoiced:
        order["state"] = "processing" if can_ship(order) else "complete"
    else:
        order["state"] = "canceled"
    order["status"] = DEFAULT_STATUS[order["state"]]
    state.mark_changed(order)
    return True


def _cancel_totals(order: dict[str, Any], p: str) -> None:
    def invoiced(column: str) -> Decimal:
        return Decimal(order.get(f"{p}{column}") or ZERO)

    order[f"{p}subtotal_canceled"] = order[f"{p}subtotal"] - invoiced("subtotal_invoiced")
    order[f"{p}tax_canceled"] = order[f"{p}tax_amount"] - invoiced("tax_invoiced")
    order[f"{p}shipping_canceled"] = order[f"{p}shipping_amount"] - invoiced("shipping_invoiced")
    order[f"{p}discount_canceled"] = abs(order[f"{p}discount_amount"]) - abs(invoiced("discount_invoiced"))
    order[f"{p}total_canceled"] = order[f"{p}grand_total"] - invoiced("total_paid")


def add_comment(state: SandboxState, order: dict[str, Any], history: dict[str, Any]) -> bool:
    """Store a status-history comment; see the module docstring for what happens to ``status``."""
    status = history.get("status") or order["status"]
    if state.config.comment_applies_status and status not in STATE_STATUSES.get(order["state"], set()):
        raise WebapiError(400, STATUS_NOT_IN_STATE, [status])
    entry = {
        "entity_id": state.next_id("order_status_history"),
        "parent_id": order["entity_id"],
        "entity_name": "order",
        "comment": history.get("comment"),
        "is_customer_notified": _flag(history.get("is_customer_notified")) or 0,
        "is_visible_on_front": _flag(history.get("is_visible_on_front")) or 0,
        "status": status,
        "created_at": state.clock.now_text(),
    }
    order["status_histories"].insert(0, entry)
    if state.config.comment_applies_status and status != order["status"]:
        order["status"] = status
        state.mark_changed(order)
    else:
        state.forget_rendering(order)
    return True


def _flag(value: Any) -> int | None:
    if value is None:
        return None
    return 1 if value in (1, True, "1", "true") else 0
