"""Default mapping from a Magento order *state* to what the Odoo sale order should become (DESIGN.md)."""

from __future__ import annotations

from enum import StrEnum


class OdooTarget(StrEnum):
    """What the connector does to the Odoo sale order for a Magento state."""

    QUOTATION = "quotation"  # draft, not confirmed
    # Draft while unpaid; confirmed once Magento shows it paid (an offline payment invoiced in Magento leaves
    # the order pending_payment: Magento's state resolver moves only new orders on to processing).
    QUOTATION_UNTIL_PAID = "quotation_until_paid"
    CONFIRMED = "confirmed"  # action_confirm
    DELIVERED = "delivered"  # confirmed; Magento shipped everything
    CLOSED = "closed"  # confirmed and locked (refunded in Magento)
    CANCELLED = "cancelled"  # action_cancel
    ON_HOLD = "on_hold"  # state unchanged, flagged On Hold


DEFAULT_STATUS_MAP: dict[str, OdooTarget] = {
    "new": OdooTarget.QUOTATION,
    "pending_payment": OdooTarget.QUOTATION_UNTIL_PAID,
    "payment_review": OdooTarget.QUOTATION_UNTIL_PAID,
    "processing": OdooTarget.CONFIRMED,
    "complete": OdooTarget.DELIVERED,
    "closed": OdooTarget.CLOSED,
    "canceled": OdooTarget.CANCELLED,
    "holded": OdooTarget.ON_HOLD,
}
