"""Customers in Odoo: find them by normalized email (batched) and create one with its invoice and delivery
addresses in a single call.

Emails are normalized by :func:`mappers.partner.normalize_email`, the one copy of Odoo's
``email_normalize`` in the connector: the mapper's customer values, this lookup and the id cache must agree
with each other and with Odoo's stored ``email_normalized``, or a customer is not found and created again.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from typing import Any

from connector_worker.odoo.rpc import OdooRpc, in_batches
from mappers.errors import MappingError
from mappers.partner import normalize_email

PARTNER_FIELDS = ("id", "name", "email", "email_normalized", "parent_id", "type", "is_company", "country_id")
# Emails per search: keeps each request well under proxy body limits while a page of orders is one RPC.
EMAIL_BATCH_SIZE = 500
# web_save reads back the children it created, so the three ids cost one RPC (a create returns only one).
_CHILD_SPEC: dict[str, Any] = {"child_ids": {"fields": {"type": {}}}}


@dataclass(frozen=True)
class PartnerIds:
    """A customer and the addresses to put on an order (the customer itself when none was given)."""

    partner_id: int
    invoice_id: int
    delivery_id: int


def normalized_emails(emails: Iterable[str]) -> list[str]:
    """The distinct normalized forms of ``emails``, sorted; what holds no address is left out (Odoo stores
    no ``email_normalized`` for it, so no partner could match it)."""
    found: set[str] = set()
    for email in emails:
        try:
            found.add(normalize_email(email))
        except MappingError:
            continue
    return sorted(found)


class PartnerOps(OdooRpc):
    """Partner lookups and creation."""

    def find_partners_by_emails(
        self, emails: Iterable[str], fields: Sequence[str] = PARTNER_FIELDS
    ) -> dict[str, list[dict[str, Any]]]:
        """Active partners per normalized email, oldest first; every asked address is a key (maybe empty).

        Searches ``email_normalized`` with ``in``: exact, free of the LIKE wildcards (``_``, ``%``) that make
        ``=ilike`` match other addresses (reference odoo.md §4), and case-insensitive where Odoo is (the
        domain, and an ASCII local part; a non-ASCII local part keeps its case, as Odoo keeps it).
        """
        wanted = normalized_emails(emails)
        found: dict[str, list[dict[str, Any]]] = {email: [] for email in wanted}
        columns = list(dict.fromkeys([*fields, "email_normalized"]))
        for batch in in_batches(wanted, EMAIL_BATCH_SIZE):
            domain = [("email_normalized", "in", batch)]
            for record in self.search_read("res.partner", domain, columns, order="id"):
                found.setdefault(record["email_normalized"], []).append(record)
        return found

    def create_partner(
        self,
        partner_vals: Mapping[str, Any],
        invoice_vals: Mapping[str, Any] | None = None,
        delivery_vals: Mapping[str, Any] | None = None,
    ) -> PartnerIds:
        """Create a customer with optional invoice and delivery child addresses: one RPC, one transaction."""
        children: list[list[Any]] = []
        if invoice_vals is not None:
            children.append([0, 0, {**invoice_vals, "type": "invoice"}])
        if delivery_vals is not None:
            children.append([0, 0, {**delivery_vals, "type": "delivery"}])
        vals = dict(partner_vals)
        if children:
            vals["child_ids"] = children
        record = self.web_save("res.partner", vals, _CHILD_SPEC)
        partner_id = int(record["id"])
        by_type = {child["type"]: int(child["id"]) for child in record.get("child_ids") or []}
        return PartnerIds(
            partner_id=partner_id,
            invoice_id=by_type.get("invoice", partner_id) if invoice_vals is not None else partner_id,
            delivery_id=by_type.get("delivery", partner_id) if delivery_vals is not None else partner_id,
        )
