"""The Magento order fields a sync reads, as a ``fields=`` selection (Magento's partial responses).

A whole order is about 14 KB of JSON, over half of it repeated data: each shipping assignment repeats the
order's items, each child item repeats its parent row, and every amount comes again in base currency.
The sync reads about a sixth of it. Asking Magento for just these fields makes it send less, and the
worker parse less, carry less through Redis and decode less again.

Keep this list next to the mappers. Two tests run orders that note every key read from them and fail on
a read outside it: ``tests/mappers/test_order_fields.py`` maps the seed corpus (and checks that a cut order
maps as the whole one), ``tests/tasks/test_fields_read.py`` runs the pull, its syncs, syncs by id and the
reconcile against the sandboxes.
"""

from __future__ import annotations

from collections.abc import Sequence

from mappers.lines import EXTENSION_TOTALS

# A field is a name, or a (name, subfields) pair: a list is filtered item by item.
Field = str | tuple[str, "Sequence[Field]"]

ADDRESS_FIELDS: tuple[Field, ...] = (
    "city",
    "company",
    "country_id",
    "email",
    "firstname",
    "lastname",
    "middlename",
    "postcode",
    "region_code",
    "street",
    "telephone",
    "vat_id",
)

ITEM_FIELDS: tuple[Field, ...] = (
    "item_id",
    "parent_item_id",
    ("parent_item", ("item_id",)),  # only when parent_item_id is absent; its other keys copy the parent row
    "product_id",
    "product_type",
    "sku",
    "name",
    "qty_ordered",
    "price",
    "original_price",
    "price_incl_tax",
    "row_total",
    "tax_amount",
    "tax_percent",
    "discount_amount",
    "discount_tax_compensation_amount",
)

EXTENSION_FIELDS: tuple[Field, ...] = (
    ("shipping_assignments", (("shipping", (("address", ADDRESS_FIELDS),)),)),
    ("item_applied_taxes", ("item_id", "type", ("applied_taxes", ("percent",)))),
    *(name for name, _, _ in EXTENSION_TOTALS),
)

# Beside updated_at, what makes a new version of an order imported before (connector_worker.synced): the
# status map (state, status), the Magento fields written on every sync (invoice status, paid, amount, order
# date) and what moves with a refund or cancel. The selection holds them by construction.
VERSION_FIELDS = (
    "state",
    "status",
    "grand_total",
    "total_paid",
    "total_due",
    "total_invoiced",
    "total_refunded",
    "total_canceled",
    "created_at",
)

ORDER_FIELDS: tuple[Field, ...] = (
    # identity, the sync's version of the order, the status map, totals, paid and invoiced
    "entity_id",
    "increment_id",
    "updated_at",
    *VERSION_FIELDS,
    "order_currency_code",
    "base_currency_code",
    # shipping, discount and tax lines
    "is_virtual",
    "shipping_description",
    "shipping_amount",
    "shipping_incl_tax",
    "shipping_tax_amount",
    "shipping_discount_amount",
    "shipping_discount_tax_compensation_amount",
    "discount_description",
    "discount_tax_compensation_amount",
    "coupon_code",
    # the customer
    "customer_email",
    "customer_id",
    "customer_firstname",
    "customer_middlename",
    "customer_lastname",
    "customer_taxvat",
    ("billing_address", ADDRESS_FIELDS),
    ("items", ITEM_FIELDS),
    ("extension_attributes", EXTENSION_FIELDS),
)


def selection(fields: Sequence[Field]) -> str:
    """``fields`` written as Magento reads them: ``a,b[c,d[e]]``."""
    return ",".join(
        field if isinstance(field, str) else f"{field[0]}[{selection(field[1])}]" for field in fields
    )


ORDER_SELECTION = selection(ORDER_FIELDS)  # for GET /V1/orders/{id}
ORDER_SEARCH_SELECTION = f"items[{ORDER_SELECTION}],total_count"  # for GET /V1/orders (total_count pages it)
