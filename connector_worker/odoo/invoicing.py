"""Invoices and payments through Odoo's own wizards (``_create_invoices``/``_post`` are private over RPC):
``sale.advance.payment.inv`` to invoice an order, ``account.payment.register`` to pay an invoice.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Sequence
from dataclasses import dataclass
from decimal import Decimal
from typing import Any

from connector_worker.errors import ConfigurationError, PermanentError
from connector_worker.odoo.rpc import OdooRpc

# An invoice whose payment_state is one of these is paid (18+: in_payment until the bank statement reconciles).
PAID_STATES = frozenset({"paid", "in_payment"})
INVOICE_FIELDS = (
    "id",
    "name",
    "move_type",
    "state",
    "payment_state",
    "amount_total",
    "amount_residual",
    "currency_id",
    "invoice_origin",
)


@dataclass(frozen=True)
class PaymentJournal:
    """A bank journal and the inbound payment method line a customer payment uses on it."""

    id: int
    code: str
    name: str
    inbound_method_line_id: int | None


class InvoicingOps(OdooRpc):
    """Invoice and payment operations."""

    def create_invoice(self, order_id: int) -> int:
        """Invoice everything on the order (``delivered`` method: ordered quantities by default); the draft
        invoice's id.

        Two RPCs, plus one over XML-RPC: there ``create_invoices`` commits and then fails to marshal the
        action it returns (it holds None), so the invoice is found by re-reading ``invoice_ids``.
        """
        context = {"active_model": "sale.order", "active_ids": [order_id], "active_id": order_id}
        vals = {"advance_payment_method": "delivered", "sale_order_ids": [[6, 0, [order_id]]]}
        [wizard_id] = self.create("sale.advance.payment.inv", [vals], context=context)
        action = self.call(
            "sale.advance.payment.inv",
            "create_invoices",
            ids=[wizard_id],
            context=context,
            discard_result=True,
        )
        if isinstance(action, dict) and isinstance(action.get("res_id"), int) and action["res_id"]:
            return int(action["res_id"])
        [order] = self.read("sale.order", [order_id], ["invoice_ids"]) or [{"invoice_ids": []}]
        if not order["invoice_ids"]:
            raise PermanentError(f"sale.order {order_id}: Odoo reported no invoice after create_invoices")
        return int(max(order["invoice_ids"]))

    def post_invoice(self, invoice_id: int) -> None:
        """Validate a draft invoice (it gets its number, e.g. INV/2026/00001)."""
        self.call("account.move", "action_post", ids=[invoice_id], discard_result=True)

    def register_payment(
        self,
        invoice_id: int,
        *,
        journal: PaymentJournal,
        payment_date: dt.date,
        memo: str,
        amount: Decimal | None = None,
    ) -> None:
        """Register a customer payment on a posted invoice and reconcile it: two RPCs.

        Without ``amount`` the wizard pays what the invoice has left to pay (its own default). The wizard's
        ``communication`` becomes the payment's ``memo`` (18+) or ``ref`` (17).
        """
        context = {
            "active_model": "account.move",
            "active_ids": [invoice_id],
            "active_id": invoice_id,
            "dont_redirect_to_payments": True,
        }
        vals: dict[str, Any] = {
            "journal_id": journal.id,
            "payment_date": payment_date,
            "communication": memo,
        }
        if amount is not None:
            vals["amount"] = amount
        if journal.inbound_method_line_id is not None:
            vals["payment_method_line_id"] = journal.inbound_method_line_id
        [wizard_id] = self.create("account.payment.register", [vals], context=context)
        self.call(
            "account.payment.register",
            "action_create_payments",
            ids=[wizard_id],
            context=context,
            discard_result=True,
        )

    def invoices(self, ids: Sequence[int], fields: Sequence[str] = INVOICE_FIELDS) -> list[dict[str, Any]]:
        """State, payment state, residual and total of each invoice."""
        return self.read("account.move", ids, fields)

    def bank_journal(self, code: str | None = None) -> PaymentJournal:
        """The bank journal with ``code``, else the first bank journal, with its inbound method line: one RPC."""
        domain: list[Any] = [("type", "=", "bank")]
        if code:
            domain.append(("code", "=", code))
        fields = ["id", "code", "name", "inbound_payment_method_line_ids"]
        found = self.search_read("account.journal", domain, fields, limit=1, order="sequence, id")
        if not found:
            wanted = f"with code {code!r}" if code else "at all"
            raise ConfigurationError(f"Odoo has no bank journal {wanted}; check payment_journal_code")
        journal = found[0]
        lines = journal.get("inbound_payment_method_line_ids") or []
        return PaymentJournal(
            id=int(journal["id"]),
            code=str(journal["code"]),
            name=str(journal["name"]),
            inbound_method_line_id=int(lines[0]) if lines else None,
        )
