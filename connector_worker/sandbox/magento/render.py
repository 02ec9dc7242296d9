"""REST rendering: records to the JSON Magento's serializer would produce.

Magento's ``DataObjectProcessor`` drops a key whose value is NULL unless its getter is non-nullable;
the only such NULLs the sandbox produces are ``payment.account_status`` and ``payment.cc_last4``. Money
columns (DECIMAL) become JSON numbers. Keys starting with ``_`` are sandbox bookkeeping.
"""

from __future__ import annotations

import json
from decimal import Decimal
from typing import Any

from connector_worker.sandbox.magento.money import json_number

PAYMENT_REQUIRED_NULLS = frozenset({"account_status", "cc_last4"})
_SHIPPING_TOTAL_COLUMNS = (
    "shipping_amount",
    "shipping_canceled",
    "shipping_discount_amount",
    "shipping_discount_tax_compensation_amount",
    "shipping_incl_tax",
    "shipping_invoiced",
    "shipping_refunded",
    "shipping_tax_amount",
    "shipping_tax_refunded",
)


def clean(value: Any, keep_null: frozenset[str] = frozenset()) -> Any:
    """``value`` ready for JSON: no NULL keys (except ``keep_null``), no ``_`` keys, numbers for money."""
    if isinstance(value, dict):
        return {
            key: clean(item)
            for key, item in value.items()
            if not key.startswith("_") and (item is not None or key in keep_null)
        }
    if isinstance(value, list):
        return [clean(item) for item in value]
    if isinstance(value, Decimal):
        return json_number(value)
    return value


def dumps(payload: Any) -> bytes:
    """JSON bytes as Magento sends them (compact; non-ASCII escaped like PHP's ``json_encode``)."""
    return json.dumps(payload, separators=(",", ":")).encode()


def render_items(items: list[dict[str, Any]]) -> list[dict[str, Any]]:
    """Order items; a child row carries ``parent_item``, a full copy of its parent row."""
    rendered = [clean(item) for item in items]
    by_id = {item["item_id"]: item for item in rendered}
    for item in rendered:
        parent_id = item.get("parent_item_id")
        if parent_id is not None:
            item["parent_item"] = dict(by_id[parent_id])
    return rendered


def render_order(order: dict[str, Any]) -> dict[str, Any]:
    """``sales-data-order-interface`` for one order record, extension attributes included."""
    rendered: dict[str, Any] = clean({k: v for k, v in order.items() if k not in ("items", "payment")})
    items = render_items(order["items"])
    rendered["items"] = items
    rendered["payment"] = clean(order["payment"], PAYMENT_REQUIRED_NULLS)
    rendered["extension_attributes"] = _extension_attributes(order, items)
    return rendered


def _extension_attributes(order: dict[str, Any], items: list[dict[str, Any]]) -> dict[str, Any]:
    shipping: dict[str, Any] = {}
    if order.get("_shipping_address") is not None:
        shipping["address"] = clean(order["_shipping_address"])
    if order.get("_shipping_method"):
        shipping["method"] = order["_shipping_method"]
    total: dict[str, Any] = {}
    for column in _SHIPPING_TOTAL_COLUMNS:
        for key in (column, f"base_{column}"):
            if order.get(key) is not None:
                total[key] = order[key]
    if order.get("base_shipping_discount_tax_compensation_amnt") is not None:  # Magento's truncated column
        total["base_shipping_discount_tax_compensation_amnt"] = order[
            "base_shipping_discount_tax_compensation_amnt"
        ]
    shipping["total"] = clean(total)
    taxes = order["_applied_taxes"]
    extension: dict[str, Any] = {
        "shipping_assignments": [{"shipping": shipping, "items": items}],
        "payment_additional_info": [dict(entry) for entry in order["payment"]["_info"]],
        "applied_taxes": clean(taxes["applied_taxes"]),
        "item_applied_taxes": clean(taxes["item_applied_taxes"]),
    }
    return extension
