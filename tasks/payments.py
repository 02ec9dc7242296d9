"""Register Magento's payment in Odoo: invoice the confirmed order, post the invoice, pay it — once.

Every step first reads what Odoo already has, so a re-run (redelivery, replay, a crash between steps)
continues where the previous run stopped and never creates a second invoice or payment.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Mapping, Sequence
from decimal import Decimal
from enum import StrEnum
from typing import Any

from connector_worker.log import get_logger
from connector_worker.odoo.gateway import OdooGateway
from connector_worker.odoo.invoicing import PAID_STATES, PaymentJournal

log = get_logger(__name__)


class PaymentOutcome(StrEnum):
    """What the payment step did."""

    REGISTERED = "registered"  # this run registered the payment
    ALREADY_PAID = "already_paid"  # an earlier run (or a person) did
    NOT_CONFIRMED = "not_confirmed"  # the order is still a quotation (auto_confirm off, or pending)
    NOTHING_DUE = "nothing_due"  # the invoice totals zero (a 100 % coupon): Odoo refuses a payment of nothing


def register_payment(
    gw: OdooGateway,
    order: Mapping[str, Any],
    *,
    journal: PaymentJournal,
    memo: str,
    payment_date: dt.date,
) -> PaymentOutcome:
    """Bring the Odoo ``order`` (``id``, ``state``, ``invoice_ids``, ``amount_total``) to *paid*.

    Steps, each skipped when Odoo shows it done: create the invoice (wizard), post it, register the
    payment of its residual amount in ``journal`` (none when nothing is due: Odoo refuses a payment then).
    """
    if order["state"] != "sale":
        return PaymentOutcome.NOT_CONFIRMED
    invoices = _customer_invoices(gw, order.get("invoice_ids") or [])
    if any(inv["state"] == "posted" and inv["payment_state"] in PAID_STATES for inv in invoices):
        return PaymentOutcome.ALREADY_PAID
    invoice = next((inv for inv in invoices if inv["state"] in {"draft", "posted"}), None)
    if invoice is None:
        invoice_id = gw.create_invoice(int(order["id"]))
        gw.post_invoice(invoice_id)
        amount = Decimal(str(order["amount_total"]))
    else:
        invoice_id = int(invoice["id"])
        if invoice["state"] == "draft":
            gw.post_invoice(invoice_id)
            amount = Decimal(str(invoice["amount_total"]))
        else:
            amount = Decimal(str(invoice["amount_residual"]))
    if amount <= 0:
        return PaymentOutcome.NOTHING_DUE
    gw.register_payment(invoice_id, amount=amount, journal=journal, payment_date=payment_date, memo=memo)
    log.info("payment_registered", invoice_id=invoice_id, amount=str(amount), journal=journal.code)
    return PaymentOutcome.REGISTERED


def _customer_invoices(gw: OdooGateway, invoice_ids: Sequence[int]) -> list[dict[str, Any]]:
    """The order's customer invoices that still count (not cancelled), oldest first."""
    if not invoice_ids:
        return []
    rows = gw.invoices(sorted(invoice_ids))
    return [row for row in rows if row["move_type"] == "out_invoice" and row["state"] != "cancel"]
