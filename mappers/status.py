"""Magento order state → the actions that bring the Odoo sale order in line, and the paid/invoiced flags.

The target for a Magento state (or a custom status) comes from ``InstanceOptions.target_for``: per-instance
overrides first, then ``config.status_map.DEFAULT_STATUS_MAP``; ``quotation_until_paid`` (the default of
``pending_payment`` and ``payment_review``: "not confirmed until paid") is read as confirmed once the order is
paid, as a quotation before (:func:`order_target`). The rules, in order:

1. **Unknown state** (no target) or **on hold**: no action. Hold only sets ``magento_on_hold``.
2. **Never regress.** A confirmed Odoo order seen again as a quotation-state Magento order
   (``new``, ``pending_payment``, ``payment_review``) stays confirmed; a locked order is never unlocked
   except to cancel it.
3. **Cancelled in Odoo** stays cancelled, unless the last sync recorded Magento's state as ``canceled``
   and Magento now shows another state: the Magento order was reopened (rare: edits, extensions), so the
   Odoo order goes back to quotation (``DRAFT``) and then follows the new target. A cancel made in Odoo
   alone is left for the push side to carry to Magento.
4. **Quotation** target: nothing to do (a draft stays a draft).
5. **Confirmed** target: ``CONFIRM`` a draft/sent order, only when ``auto_confirm`` is on.
6. **Delivered** (Magento ``complete``): as confirmed, then ``DELIVER`` (validate the remaining
   deliveries) unless Odoo already reports ``delivery_status == "full"``.
7. **Closed** (refunded): as confirmed, then ``LOCK`` when not locked; nothing when never confirmed.
8. **Cancelled** target: ``CANCEL`` a draft/sent/confirmed order, preceded by ``UNLOCK`` when locked.

Odoo 16's ``done`` state is read as a locked confirmed order.
"""

from __future__ import annotations

from dataclasses import dataclass
from enum import StrEnum

from config.settings import InstanceOptions
from config.status_map import OdooTarget
from mappers.payload import Payload, amount, optional_amount

QUOTATION_STATES = frozenset({"draft", "sent"})
CONFIRMED_STATES = frozenset({"sale", "done"})
MAGENTO_CANCELED = "canceled"
MAGENTO_HOLDED = "holded"


class SaleAction(StrEnum):
    """One step on the Odoo sale order, applied in the order given."""

    CONFIRM = "confirm"  # sale.order.action_confirm
    CANCEL = "cancel"  # sale.order.action_cancel (17/18: context disable_cancel_warning)
    DRAFT = "draft"  # sale.order.action_draft: cancelled → quotation
    LOCK = "lock"  # write locked=True (action_lock returns None, which XML-RPC cannot marshal)
    UNLOCK = "unlock"  # write locked=False
    DELIVER = "deliver"  # validate the order's open deliveries: Magento shipped everything


@dataclass(frozen=True)
class OdooOrderState:
    """What the connector knows of the Odoo order before acting (defaults: a fresh quotation)."""

    state: str = "draft"  # draft | sent | sale | cancel (16: done)
    locked: bool = False
    delivery_status: str | None = None  # pending | started | partial | full; None without pickings
    magento_state: str | None = None  # the Magento state written at the previous sync


def order_target(
    magento_state: str, magento_status: str | None, options: InstanceOptions, *, paid: bool
) -> OdooTarget | None:
    """What the Odoo order should be for this Magento state and status, ``paid`` or not (None: unmapped)."""
    target = options.target_for(magento_state, magento_status)
    if target is OdooTarget.QUOTATION_UNTIL_PAID:
        return OdooTarget.CONFIRMED if paid else OdooTarget.QUOTATION
    return target


def sale_order_actions(
    magento_state: str,
    magento_status: str | None,
    odoo: OdooOrderState,
    options: InstanceOptions,
    *,
    paid: bool = False,
) -> list[SaleAction]:
    """The ordered actions that bring ``odoo`` in line with the Magento state (module docstring rules);
    ``paid``: Magento shows the order paid (:func:`is_paid`)."""
    target = order_target(magento_state, magento_status, options, paid=paid)
    if target is None or target is OdooTarget.ON_HOLD:
        return []
    if odoo.state == "cancel":
        if odoo.magento_state != MAGENTO_CANCELED or target is OdooTarget.CANCELLED:
            return []
        reopened = OdooOrderState(state="draft", delivery_status=odoo.delivery_status)
        return [SaleAction.DRAFT, *_actions_for(target, reopened, options)]
    return _actions_for(target, odoo, options)


def _actions_for(target: OdooTarget, odoo: OdooOrderState, options: InstanceOptions) -> list[SaleAction]:
    locked = odoo.locked or odoo.state == "done"
    if target is OdooTarget.CANCELLED:
        return [SaleAction.UNLOCK, SaleAction.CANCEL] if locked else [SaleAction.CANCEL]
    if target is OdooTarget.QUOTATION:
        return []
    actions: list[SaleAction] = []
    confirmed = odoo.state in CONFIRMED_STATES
    if not confirmed and odoo.state in QUOTATION_STATES and options.auto_confirm:
        actions.append(SaleAction.CONFIRM)
        confirmed = True
    if not confirmed:
        return actions
    if target is OdooTarget.DELIVERED and odoo.delivery_status != "full":
        actions.append(SaleAction.DELIVER)
    if target is OdooTarget.CLOSED and not locked:
        actions.append(SaleAction.LOCK)
    return actions


def is_on_hold(order: Payload) -> bool:
    """Magento's ``holded`` state, shown in Odoo as *On Hold in Magento*."""
    return order.get("state") == MAGENTO_HOLDED


def is_paid(order: Payload) -> bool:
    """Paid when nothing is to be paid (a 0 total) or ``total_paid`` covers ``grand_total``.

    ``total_due`` is present from placement (equal to the total), so only a due of 0 *with* a payment
    recorded counts; ``total_paid`` appears once an invoice is captured or paid offline.
    """
    grand_total = amount(order, "grand_total")
    if grand_total <= 0:
        return True
    paid = optional_amount(order, "total_paid")
    if paid is None or paid <= 0:
        return False
    due = optional_amount(order, "total_due")
    return paid >= grand_total or (due is not None and due <= 0)


def is_refunded(order: Payload) -> bool:
    """Refunded in full: ``total_refunded`` (absent until a credit memo) covers what was paid."""
    refunded = optional_amount(order, "total_refunded")
    paid = optional_amount(order, "total_paid")
    return refunded is not None and refunded > 0 and (paid is None or refunded >= paid)


def invoice_status(order: Payload) -> str:
    """``invoiced`` once ``total_invoiced`` (absent until an invoice exists) covers ``grand_total``."""
    invoiced = optional_amount(order, "total_invoiced")
    if invoiced is None:
        return "not_invoiced"
    return "invoiced" if invoiced >= amount(order, "grand_total") else "not_invoiced"
