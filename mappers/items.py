"""Magento order items → the rows that carry money, one per future Odoo product line.

``items[]`` holds parent and child rows (reference/magento.md §1.4, §6.1). The rules applied here:

* a row without a parent is a line (simple, virtual, downloadable, grouped members, gift cards, fixed
  bundles), except a **dynamic bundle**, recognised by children that carry a price: its children are the
  lines and the parent's own amounts (their sum) are ignored;
* a **configurable** parent carries the money; the identity (``ProductKey``) and the line's name come
  from its child row, whose ``product_id`` is the variant (the parent's is the configurable product);
* a **fixed bundle** is one line from the parent, identified by the bundle's sku and product id (the
  parent sku may be a composite of the selections, so the resolver tries the sku, then the id);
* a child whose parent is not in the payload is treated as a line of its own.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from decimal import Decimal
from typing import Any

from mappers.errors import MappingError
from mappers.payload import ZERO, Payload, amount, integer, optional_amount, required_amount, text

TAX_RATE_DECIMALS = 4  # account.tax.amount is stored with digits (16, 4)


@dataclass(frozen=True)
class ProductKey:
    """What the resolver must find in Odoo for one Odoo line."""

    sku: str
    magento_product_id: int | None


@dataclass(frozen=True)
class MoneyRow:
    """One Magento item row that becomes one Odoo product line, with the amounts the mapping needs."""

    product: ProductKey
    name: str
    item_id: int | None
    qty: Decimal
    price: Decimal  # unit price excluding tax, before discount
    price_incl_tax: Decimal | None
    original_price: Decimal | None
    tax_percent: Decimal | None
    tax_amount: Decimal
    discount_amount: Decimal  # positive, for the whole row
    hidden_tax: Decimal  # discount_tax_compensation_amount: tax part of a tax-inclusive discount

    @property
    def row(self) -> Decimal:
        """Undiscounted row amount excluding tax (``price × qty``)."""
        return self.price * self.qty

    @property
    def net_discount(self) -> Decimal:
        """The discount excluding its tax part: what lowers the taxable base."""
        return self.discount_amount - self.hidden_tax


def order_items(order: Payload) -> list[Payload]:
    """``items[]``, which the spec requires; a payload without it cannot be mapped."""
    items = order.get("items")
    if not isinstance(items, list) or not items:
        raise MappingError("items", "the order has no items")
    for index, item in enumerate(items):
        if not isinstance(item, Mapping):
            raise MappingError(f"items[{index}]", "not an object")
    return items


def money_rows(order: Payload) -> list[MoneyRow]:
    """The rows that become Odoo product lines, in the order Magento lists them."""
    items = order_items(order)
    by_id = {item_id: item for item in items if (item_id := integer(item, "item_id")) is not None}
    children: dict[int, list[Payload]] = {}
    for item in items:
        parent_id = _parent_id(item)
        if parent_id is not None and parent_id in by_id:
            children.setdefault(parent_id, []).append(item)
    rows: list[MoneyRow] = []
    for item in items:
        parent_id = _parent_id(item)
        if parent_id is not None and parent_id in by_id:
            continue
        rows.extend(_rows_for(item, children.get(integer(item, "item_id") or -1, [])))
    return rows


def _rows_for(item: Payload, kids: Sequence[Payload]) -> list[MoneyRow]:
    product_type = text(item, "product_type")
    if product_type == "bundle" and _children_carry_money(kids):
        parent_name = text(item, "name")
        return [_money_row(kid, _identity(kid), _child_name(kid, parent_name)) for kid in kids]
    if product_type == "configurable":
        if not kids:
            return [_money_row(item, ProductKey(sku=_sku(item), magento_product_id=None), text(item, "name"))]
        return [_money_row(item, _identity(kids[0]), text(kids[0], "name") or text(item, "name"))]
    return [_money_row(item, _identity(item), text(item, "name"))]


def _parent_id(item: Payload) -> int | None:
    parent_id = integer(item, "parent_item_id")
    if parent_id is None and isinstance(item.get("parent_item"), Mapping):
        parent_id = integer(item["parent_item"], "item_id")
    return parent_id


def _children_carry_money(kids: Sequence[Payload]) -> bool:
    return any(amount(kid, "price") or amount(kid, "row_total") for kid in kids)


def _sku(item: Payload) -> str:
    sku = text(item, "sku")
    if sku is None:
        raise MappingError(f"items[item_id={item.get('item_id')}].sku", "missing")
    return sku


def _identity(item: Payload) -> ProductKey:
    return ProductKey(sku=_sku(item), magento_product_id=integer(item, "product_id"))


def _child_name(kid: Payload, parent_name: str | None) -> str | None:
    name = text(kid, "name")
    return f"{parent_name}: {name}" if parent_name and name else name or parent_name


def _money_row(item: Payload, identity: ProductKey, name: str | None) -> MoneyRow:
    where = f"items[sku={identity.sku}]."
    qty = required_amount(item, "qty_ordered", where)
    if qty <= 0:
        raise MappingError(f"{where}qty_ordered", f"must be positive, got {qty}")
    price = optional_amount(item, "price", where)
    if price is None:
        row_total = optional_amount(item, "row_total", where)
        price = row_total / qty if row_total is not None else ZERO
    return MoneyRow(
        product=identity,
        name=name or identity.sku,
        item_id=integer(item, "item_id"),
        qty=qty,
        price=price,
        price_incl_tax=optional_amount(item, "price_incl_tax", where),
        original_price=optional_amount(item, "original_price", where),
        tax_percent=optional_amount(item, "tax_percent", where),
        tax_amount=amount(item, "tax_amount", where),
        discount_amount=abs(amount(item, "discount_amount", where)),
        hidden_tax=amount(item, "discount_tax_compensation_amount", where),
    )


def applied_tax_percents(order: Payload) -> dict[int | str, Decimal]:
    """Combined percent per item id (and under ``"shipping"``) from ``item_applied_taxes``."""
    extension = order.get("extension_attributes")
    entries = extension.get("item_applied_taxes") if isinstance(extension, Mapping) else None
    found: dict[int | str, Decimal] = {}
    for entry in entries if isinstance(entries, list) else []:
        if not isinstance(entry, Mapping):
            continue
        key: int | str | None = "shipping" if entry.get("type") == "shipping" else integer(entry, "item_id")
        if key is None:
            continue
        percents = [
            amount(tax, "percent", "item_applied_taxes.")
            for tax in entry.get("applied_taxes") or []
            if isinstance(tax, Mapping)
        ]
        if percents:
            found[key] = sum(percents, ZERO)
    return found


def row_tax_rate(row: MoneyRow, applied: Mapping[int | str, Decimal]) -> Decimal:
    """The row's tax percent, 0 when Magento charged no tax on it.

    ``tax_percent`` wins; without it the percent comes from ``item_applied_taxes`` or, failing that, from
    ``tax_amount`` over the taxable base. A row with a percent but no tax although its discounted base is
    positive was exempted (a tax-exempt customer group) and is mapped untaxed.
    """
    rate = row.tax_percent
    if not rate:
        rate = applied.get(row.item_id) if row.item_id is not None else None
    taxable = row.row - row.net_discount
    if not rate and row.tax_amount and taxable:
        rate = row.tax_amount / taxable * 100
    if not rate or rate < 0:
        return ZERO
    if not row.tax_amount and not row.hidden_tax and taxable > 0:
        return ZERO
    return normalize_rate(rate)


def normalize_rate(rate: Decimal) -> Decimal:
    """A percent as Odoo stores it (4 decimals), without trailing zeros: ``8.2500`` → ``8.25``."""
    return rate.quantize(Decimal(1).scaleb(-TAX_RATE_DECIMALS)).normalize()


def known_rates(rows: Sequence[MoneyRow], applied: Mapping[Any, Decimal]) -> list[Decimal]:
    """Distinct item rates, to recognise the shipping rate among them."""
    rates = [row.tax_percent for row in rows if row.tax_percent] + list(applied.values())
    return list(dict.fromkeys(normalize_rate(rate) for rate in rates if rate > 0))
