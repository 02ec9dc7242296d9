"""Small builders the sandbox tests share: taxes, products, orders created over odoo-client-lib."""

from __future__ import annotations

from typing import Any

from tests.support.odoo_sandbox import OdooSandboxHandle


def line_taxes(version: int) -> str:
    return "tax_ids" if version >= 19 else "tax_id"


def tax_values(
    version: int, amount: float, included: bool = False, name: str | None = None
) -> dict[str, Any]:
    """A sale tax's create values with just the fields §7.13 names (price inclusion per version)."""
    vals: dict[str, Any] = {
        "name": name or f"Tax {amount}{' incl' if included else ''}",
        "amount": amount,
        "amount_type": "percent",
        "type_tax_use": "sale",
    }
    if included:
        vals.update({"price_include": True} if version == 17 else {"price_include_override": "tax_included"})
    return vals


def make_tax(conn: Any, version: int, amount: float, included: bool = False) -> int:
    """A sale tax created over RPC."""
    tax_id: int = conn.get_model("account.tax").create(tax_values(version, amount, included))
    return tax_id


def make_product(
    conn: Any,
    version: int,
    name: str,
    price: float,
    *,
    sku: str | None = None,
    storable: bool = True,
    **extra: Any,
) -> int:
    vals: dict[str, Any] = {"name": name, "list_price": price, "default_code": sku or name.upper()}
    if version == 17:
        vals["type"] = "product" if storable else "consu"
    else:
        vals.update(type="consu", is_storable=storable)
    vals.update(extra)
    product_id: int = conn.get_model("product.product").create(vals)
    return product_id


def make_partner(conn: Any, name: str = "Jane Doe", email: str = "jane@example.com") -> int:
    partner_id: int = conn.get_model("res.partner").create({"name": name, "email": email})
    return partner_id


def make_order(odoo: OdooSandboxHandle, conn: Any, lines: list[dict[str, Any]], **vals: Any) -> int:
    partner = vals.pop("partner_id", None) or make_partner(conn)
    order_id: int = conn.get_model("sale.order").create(
        {"partner_id": partner, "order_line": [(0, 0, line) for line in lines], **vals}
    )
    return order_id
