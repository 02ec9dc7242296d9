"""Register Magento's payment in Odoo: invoice the confirmed order, post the invoice, pay it — once.

Every step first reads what Odoo already has, so a re-run (redelivery, replay, a crash between steps)
continues where the previous run stopped and never creates a second invoice or payment.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable, Mapping, Sequence
from decimal import Decimal
from enum import StrEnum
from typing import Any

from connector_worker.log import get_logger
from connector_worker.odoo.gateway import OdooGateway
from connector_worker.odoo.invoicing import PAID_STATES, PaymentJournal

log = get_logger(__name__)


class PaymentOutcome(StrEnum):
    """What the payment step did."""

    REGISTERED = "registered"  # this run registered a payment
    ALREADY_PAID = "already_paid"  # an earlier run (or a person) did
    NOT_CONFIRMED = "not_confirmed"  # the order is still a quotation (auto_confirm off, or pending)
    NOTHING_DUE = (
        "nothing_due"  # the invoice made has nothing to pay (a 100 % coupon): Odoo refuses a payment then
    )
    NOTHING_INVOICED = "nothing_invoiced"  # Odoo has nothing to invoice yet (products invoiced on delivery)
    AMOUNT_MISMATCH = "amount_mismatch"  # not registered: Odoo's total differs from Magento's (flagged order)
    REFUNDED = "refunded"  # not registered: Magento refunded the order in full before Odoo was paid


def register_payment(
    gw: OdooGateway,
    order: Mapping[str, Any],
    *,
    journal: PaymentJournal,
    memo: str,
    payment_date: dt.date,
    refresh: bool = True,
    before_writing: Callable[[], None] = lambda: None,
) -> PaymentOutcome:
    """Bring the confirmed Odoo ``order`` to *paid*: invoice what Odoo has to invoice, post, pay what is due.

    Steps, each skipped when Odoo shows it done: post a draft invoice, or, with none, invoice the order
    when Odoo says it has something to invoice (the wizard's ``delivered`` method follows each product's
    invoicing policy, so a product invoiced on delivery is invoiced once delivered, by a later sync);
    then pay every posted customer invoice that has something left to pay, by exactly that (the payment
    wizard's own amount, never the order's total, which a partial invoice does not reach). An invoice just
    posted is read back first: one with nothing to pay, or a credit note, is not paid.

    ``refresh``: read the order's invoice status and invoices again first, because the status actions
    just applied changed them (a confirmation, validated deliveries); without, ``order`` must hold them.
    ``before_writing`` runs right before each write (invoice, post, payment) and may raise to stop it (the
    sync checks its lock).
    """
    if order["state"] != "sale":
        return PaymentOutcome.NOT_CONFIRMED
    status = gw.order_status([int(order["id"])])[0] if refresh else order
    invoices = _customer_invoices(gw, status.get("invoice_ids") or [])
    drafts = [int(inv["id"]) for inv in invoices if inv["state"] == "draft"]
    if not drafts and status.get("invoice_status") == "to invoice":
        before_writing()
        drafts = [gw.create_invoice(int(order["id"]))]
    for invoice_id in drafts:
        before_writing()
        gw.post_invoice(invoice_id)
    # Read back what was just posted: the lines Odoo could invoice may sum to nothing (a free gift, a
    # discount as large as the shipping) or make a credit note, and neither is paid.
    posted_now = _customer_invoices(gw, drafts)
    earlier = [inv for inv in invoices if inv["state"] == "posted"]
    due = [
        int(inv["id"])
        for inv in [*earlier, *posted_now]
        if inv["state"] == "posted"
        and inv["payment_state"] not in PAID_STATES
        and Decimal(str(inv["amount_residual"])) > 0
    ]
    if not due:
        if posted_now:
            return PaymentOutcome.NOTHING_DUE
        if earlier:
            return PaymentOutcome.ALREADY_PAID
        return PaymentOutcome.NOTHING_INVOICED
    for invoice_id in due:
        before_writing()
        gw.register_payment(invoice_id, journal=journal, payment_date=payment_date, memo=memo)
        log.info("payment_registered", invoice_id=invoice_id, journal=journal.code)
    return PaymentOutcome.REGISTERED


def _customer_invoices(gw: OdooGateway, invoice_ids: Sequence[int]) -> list[dict[str, Any]]:
    """The order's customer invoices that still count (not cancelled), oldest first."""
    if not invoice_ids:
        return []
    rows = gw.invoices(sorted(invoice_ids))
    return [row for row in rows if row["move_type"] == "out_invoice" and row["state"] != "cancel"]
