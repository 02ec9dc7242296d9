"""Turns a priced basket into a Magento order record, as ``QuoteManagement::placeOrder`` would save it.

The record is the REST shape (``sales-data-order-interface``) with ``Decimal`` money and ``None`` for
columns that are NULL; keys starting with ``_`` are the sandbox's own bookkeeping and are never rendered.
Both the cart route and the seed generator place orders through :func:`build_order`.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from decimal import Decimal
from typing import Any

from connector_worker.sandbox.magento.money import ZERO
from connector_worker.sandbox.magento.pricing import PricedBasket, PricedRow, RowAmounts, Totals
from connector_worker.sandbox.magento.stores import PaymentMethod

GUEST_GROUP_ID = 0
GENERAL_GROUP_ID = 1

_ROW_MONEY = (
    "price",
    "original_price",
    "price_incl_tax",
    "row_total",
    "row_total_incl_tax",
    "tax_amount",
    "discount_amount",
    "discount_tax_compensation_amount",
)
_TOTALS_MONEY = (
    ("subtotal", "subtotal"),
    ("subtotal_incl_tax", "subtotal_incl_tax"),
    ("tax_amount", "tax_amount"),
    ("discount_amount", "discount_amount"),
    ("discount_tax_compensation_amount", "discount_tax_compensation_amount"),
    ("shipping_amount", "shipping_amount"),
    ("shipping_incl_tax", "shipping_incl_tax"),
    ("shipping_tax_amount", "shipping_tax_amount"),
    ("shipping_discount_amount", "shipping_discount_amount"),
    ("shipping_discount_tax_compensation_amount", "shipping_discount_tax_compensation_amount"),
    ("grand_total", "grand_total"),
)


@dataclass(frozen=True)
class Buyer:
    """Who places the order: a registered customer (``customer_id``) or a guest (``None``)."""

    email: str
    firstname: str
    lastname: str
    customer_id: int | None = None
    group_id: int = GENERAL_GROUP_ID


@dataclass(frozen=True)
class Placement:
    """Everything about an order that is not its basket."""

    entity_id: int
    increment_id: str
    quote_id: int
    created_at: str
    buyer: Buyer
    billing: dict[str, Any]
    shipping_address: dict[str, Any] | None
    payment: PaymentMethod
    protect_code: str
    po_number: str | None = None
    remote_ip: str = "127.0.0.1"
    state: str = "new"
    status: str = "pending"


def build_order(basket: PricedBasket, placement: Placement, next_id: Callable[[str], int]) -> dict[str, Any]:
    """The order record for ``basket`` placed as described; ``next_id(kind)`` allocates row ids."""
    store = basket.store
    guest = placement.buyer.customer_id is None
    order: dict[str, Any] = {
        "entity_id": placement.entity_id,
        "increment_id": placement.increment_id,
        "state": placement.state,
        "status": placement.status,
        "protect_code": placement.protect_code,
        "store_id": store.store_id,
        "store_name": store.store_name,
        "is_virtual": int(basket.is_virtual),
        "quote_id": placement.quote_id,
        "customer_id": placement.buyer.customer_id,
        "customer_is_guest": int(guest),
        "customer_group_id": GUEST_GROUP_ID if guest else placement.buyer.group_id,
        "customer_email": placement.buyer.email,
        "customer_firstname": placement.buyer.firstname,
        "customer_lastname": placement.buyer.lastname,
        "customer_note_notify": 1,
        "email_sent": 1,
        "remote_ip": placement.remote_ip,
        "created_at": placement.created_at,
        "updated_at": placement.created_at,
        "base_currency_code": store.base_currency,
        "global_currency_code": store.base_currency,
        "store_currency_code": store.base_currency,
        "order_currency_code": store.order_currency,
        "base_to_global_rate": Decimal(1),
        "base_to_order_rate": store.base_to_order_rate,
        "store_to_base_rate": ZERO,
        "store_to_order_rate": ZERO,
        "total_qty_ordered": basket.total_qty_ordered,
        "total_item_count": sum(1 for row in basket.rows if row.parent_index is None),
        "weight": basket.weight,
        "shipping_description": basket.shipping.description
        if basket.shipping and not basket.is_virtual
        else None,
        "_shipping_method": basket.shipping.code if basket.shipping and not basket.is_virtual else None,
        "_tax_code": store.product_tax.code,
        "_tax_percent": store.product_tax.percent,
    }
    _add_totals(order, basket.base, basket.order)
    _add_discount(order, basket)
    order["items"] = _build_items(basket, placement, next_id)
    order["billing_address"] = _address(placement.billing, "billing", placement, next_id)
    order["billing_address_id"] = order["billing_address"]["entity_id"]
    order["_shipping_address"] = (
        _address(placement.shipping_address, "shipping", placement, next_id)
        if placement.shipping_address is not None and not basket.is_virtual
        else None
    )
    order["payment"] = _payment(placement, basket, next_id)
    order["status_histories"] = []
    order["_applied_taxes"] = _applied_taxes(order, basket)
    return order


def _add_totals(order: dict[str, Any], base: Totals, in_order_currency: Totals) -> None:
    for attribute, column in _TOTALS_MONEY:
        order[column] = getattr(in_order_currency, attribute)
        order[_base_column(column)] = getattr(base, attribute)
    order["total_due"] = in_order_currency.grand_total
    order["base_total_due"] = base.grand_total


def _base_column(column: str) -> str:
    """The base-currency column; Magento truncated one name to fit MySQL's 64-character limit."""
    if column == "shipping_discount_tax_compensation_amount":
        return "base_shipping_discount_tax_compensation_amnt"
    return f"base_{column}"


def _add_discount(order: dict[str, Any], basket: PricedBasket) -> None:
    rule = basket.rule
    if rule is None:
        return
    order["applied_rule_ids"] = str(rule.rule_id)
    order["coupon_code"] = rule.coupon_code
    order["discount_description"] = rule.coupon_code or rule.label


def _money(item: dict[str, Any], amounts: RowAmounts, prefix: str) -> None:
    for name in _ROW_MONEY:
        item[f"{prefix}{name}"] = getattr(amounts, name)


def _build_items(
    basket: PricedBasket, placement: Placement, next_id: Callable[[str], int]
) -> list[dict[str, Any]]:
    items: list[dict[str, Any]] = []
    for row in basket.rows:
        item = _item(row, basket, placement, next_id("order_item"), next_id("quote_item"))
        if row.parent_index is not None:
            item["parent_item_id"] = items[row.parent_index]["item_id"]
        items.append(item)
    return items


def _item(
    row: PricedRow, basket: PricedBasket, placement: Placement, item_id: int, quote_item_id: int
) -> dict[str, Any]:
    weight = row.weight
    item: dict[str, Any] = {
        "item_id": item_id,
        "order_id": placement.entity_id,
        "quote_item_id": quote_item_id,
        "store_id": basket.store.store_id,
        "created_at": placement.created_at,
        "updated_at": placement.created_at,
        "product_id": row.product.product_id,
        "product_type": row.product_type,
        "sku": row.sku,
        "name": row.name,
        "is_virtual": int(row.product.is_virtual),
        "is_qty_decimal": 0,
        "no_discount": 0,
        "free_shipping": 0,
        "weight": weight,
        "row_weight": (weight or ZERO) * row.qty,
        "qty_ordered": row.qty,
        "qty_invoiced": ZERO,
        "qty_shipped": ZERO,
        "qty_canceled": ZERO,
        "qty_refunded": ZERO,
        "tax_percent": row.tax_percent,
        "discount_percent": row.discount_percent,
        "product_option": row.product_option,
        "applied_rule_ids": str(basket.rule.rule_id) if basket.rule and row.calculated else None,
        "_calculated": row.calculated,
    }
    _money(item, row.order, "")
    _money(item, row.base, "base_")
    for column in (
        "tax_invoiced",
        "discount_invoiced",
        "row_invoiced",
        "amount_refunded",
        "discount_tax_compensation_invoiced",
    ):
        item[column] = ZERO
        item[f"base_{column}"] = ZERO
    return item


def _address(
    data: dict[str, Any], kind: str, placement: Placement, next_id: Callable[[str], int]
) -> dict[str, Any]:
    address = {
        "entity_id": next_id("order_address"),
        "parent_id": placement.entity_id,
        "address_type": kind,
        "email": placement.buyer.email,
        "customer_id": placement.buyer.customer_id,
        "firstname": data["firstname"],
        "lastname": data["lastname"],
        "company": data.get("company"),
        "street": list(data["street"]),
        "city": data["city"],
        "region": data.get("region"),
        "region_code": data.get("region_code"),
        "region_id": data.get("region_id"),
        "postcode": data["postcode"],
        "country_id": data["country_id"],
        "telephone": data["telephone"],
        "customer_address_id": data.get("customer_address_id"),
        "vat_id": data.get("vat_id"),
    }
    return address


def _payment(placement: Placement, basket: PricedBasket, next_id: Callable[[str], int]) -> dict[str, Any]:
    method = placement.payment
    return {
        "entity_id": next_id("order_payment"),
        "parent_id": placement.entity_id,
        "method": method.code,
        "account_status": None,
        "cc_last4": None,
        "cc_exp_year": "0",
        "cc_ss_start_month": "0",
        "cc_ss_start_year": "0",
        "additional_information": list(method.additional_information),
        "po_number": placement.po_number,
        "amount_ordered": basket.order.grand_total,
        "base_amount_ordered": basket.base.grand_total,
        "shipping_amount": basket.order.shipping_amount,
        "base_shipping_amount": basket.base.shipping_amount,
        "_info": [{"key": key, "value": value} for key, value in method.info_keys],
    }


def _applied_taxes(order: dict[str, Any], basket: PricedBasket) -> dict[str, Any]:
    """``applied_taxes`` and ``item_applied_taxes`` for the order's one tax rate."""
    code = basket.store.product_tax.code
    percent = basket.store.product_tax.percent

    def entry(amount: Decimal, base_amount: Decimal) -> dict[str, Any]:
        return {"code": code, "title": code, "percent": percent, "amount": amount, "base_amount": base_amount}

    per_item = [
        {
            "type": "product",
            "item_id": item["item_id"],
            "applied_taxes": [entry(item["tax_amount"], item["base_tax_amount"])],
        }
        for item in order["items"]
        if item["tax_percent"] > 0
    ]
    if basket.order.shipping_tax_amount > 0:
        per_item.append(
            {
                "type": "shipping",
                "applied_taxes": [entry(basket.order.shipping_tax_amount, basket.base.shipping_tax_amount)],
            }
        )
    summary = [entry(basket.order.tax_amount, basket.base.tax_amount)] if basket.order.tax_amount > 0 else []
    return {"applied_taxes": summary, "item_applied_taxes": per_item}
