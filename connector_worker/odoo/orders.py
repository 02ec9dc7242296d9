"""Sale orders in Odoo: find by (instance, Magento id), create with all lines in one call, write the Magento
fields, and move them through confirm / cancel / draft / lock.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping, Sequence
from typing import Any

from connector_worker.odoo.errors import OdooRejectedError
from connector_worker.odoo.rpc import OdooRpc, in_batches

MAGENTO_ORDER_FIELDS = (
    "magento_instance_id",
    "magento_order_id",
    "magento_increment_id",
    "magento_state",
    "magento_status",
    "magento_invoice_status",
    "magento_amount",
    "magento_paid",
    "magento_order_date",
    "magento_on_hold",
    "magento_amount_mismatch",
    "magento_sync_date",
    "magento_sync_error",
)
ORDER_FIELDS = (
    "id",
    "name",
    "state",
    "locked",
    "partner_id",
    "currency_id",
    "amount_untaxed",
    "amount_tax",
    "amount_total",
    "invoice_status",
    "delivery_status",
    "invoice_ids",
    *MAGENTO_ORDER_FIELDS,
)
STATUS_FIELDS = ("id", "state", "locked", "invoice_status", "delivery_status", "invoice_ids", "amount_total")
# What create_order reads back inside the same web_save call (one RPC, one transaction).
_CREATED_SPEC: dict[str, Any] = {
    "name": {},
    "state": {},
    "amount_untaxed": {},
    "amount_tax": {},
    "amount_total": {},
    "currency_id": {"fields": {"name": {}}},
}
# The module's unique (magento_instance_id, magento_order_id) constraint, as Odoo reports it.
DUPLICATE_ORDER_MESSAGE = "A Magento order can be imported only once per instance."
ORDER_BATCH_SIZE = 500
_CANCEL_CONTEXT = {"disable_cancel_warning": True}  # 17/18 return a wizard action instead of cancelling


class DuplicateOrderError(OdooRejectedError):
    """Odoo already holds this Magento order for this instance: find it and update it instead."""


class OrderOps(OdooRpc):
    """Sale order operations; every write carries the ``magento_connector_sync`` context."""

    def find_orders(
        self, instance_id: int, magento_order_ids: Iterable[str | int], fields: Sequence[str] = ORDER_FIELDS
    ) -> dict[str, dict[str, Any]]:
        """Orders of one instance keyed by Magento id (as a string); ids not in Odoo are absent."""
        wanted = sorted({str(mid) for mid in magento_order_ids})
        columns = list(dict.fromkeys([*fields, "magento_order_id"]))
        found: dict[str, dict[str, Any]] = {}
        for batch in in_batches(wanted, ORDER_BATCH_SIZE):
            domain = [("magento_instance_id", "=", instance_id), ("magento_order_id", "in", batch)]
            for record in self.search_read("sale.order", domain, columns, order="id"):
                found[str(record["magento_order_id"])] = record
        return found

    def create_order(self, vals: Mapping[str, Any]) -> dict[str, Any]:
        """Create an order with all its lines (``order_line`` commands) and read its totals back: one RPC.

        Returns ``id, name, state, amount_untaxed, amount_tax, amount_total, currency_id`` (an int) and
        ``currency`` (the ISO code). A second import of the same Magento order raises
        :class:`DuplicateOrderError`.
        """
        try:
            record = self.web_save("sale.order", vals, _CREATED_SPEC)
        except OdooRejectedError as exc:
            if DUPLICATE_ORDER_MESSAGE in exc.fault.message:
                raise DuplicateOrderError(str(exc), exc.fault) from None
            raise
        currency = record.get("currency_id") or {}
        return {
            **record,
            "currency_id": currency.get("id") if isinstance(currency, dict) else currency,
            "currency": currency.get("name") if isinstance(currency, dict) else None,
        }

    def write_order(self, order_id: int, vals: Mapping[str, Any]) -> None:
        """Write values (Magento fields, addresses, lines) on one order."""
        self.write("sale.order", [order_id], vals)

    def read_orders(self, ids: Sequence[int], fields: Sequence[str] = ORDER_FIELDS) -> list[dict[str, Any]]:
        """Orders by id, with the Magento fields by default."""
        return self.read("sale.order", ids, fields)

    def confirm_order(self, order_id: int) -> None:
        """Quotation to sales order (Odoo overwrites ``date_order`` with now: keep Magento's elsewhere)."""
        self.call("sale.order", "action_confirm", ids=[order_id])

    def cancel_order(self, order_id: int) -> None:
        """Cancel, also when confirmed (no wizard); Odoo refuses locked orders."""
        self.call("sale.order", "action_cancel", ids=[order_id], context=_CANCEL_CONTEXT)

    def draft_order(self, order_id: int) -> None:
        """A cancelled (or sent) order back to quotation."""
        self.call("sale.order", "action_draft", ids=[order_id])

    def set_locked(self, order_id: int, locked: bool) -> None:
        """Lock or unlock a confirmed order.

        Over XML-RPC ``action_lock`` returns None, which Odoo cannot marshal after committing (reference
        odoo.md §1.5), so the flag is written directly there; the JSON protocols use the actions.
        """
        if self.protocol == "xmlrpc":
            self.write("sale.order", [order_id], {"locked": locked})
        else:
            self.call("sale.order", "action_lock" if locked else "action_unlock", ids=[order_id])

    def order_status(self, ids: Sequence[int]) -> list[dict[str, Any]]:
        """State, lock, invoice and delivery status, invoices and total of each order."""
        return self.read("sale.order", ids, STATUS_FIELDS)
