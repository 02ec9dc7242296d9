"""Mirror a Magento catalogue into Odoo by SKU, as a shop does before its first sync.

Products are created untaxed: the connector puts explicit taxes on every order line, so a product's
default taxes never decide an order's total.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from typing import Any

from connector_worker.odoo.gateway import OdooGateway

CREATE_BATCH = 200  # products per create call


def mirror_products(gw: OdooGateway, products: Iterable[Mapping[str, Any]]) -> int:
    """Create the products (``sku``, ``name``, ``price``) Odoo does not have yet; the number created."""
    wanted = {str(product["sku"]): product for product in products}
    existing = {
        row["default_code"]
        for row in gw.find_products(skus=list(wanted), fields=("id", "default_code"))
        if row.get("default_code")
    }
    missing = [product for sku, product in wanted.items() if sku not in existing]
    for start in range(0, len(missing), CREATE_BATCH):
        batch = missing[start : start + CREATE_BATCH]
        gw.create("product.product", [_values(product) for product in batch])
    return len(missing)


def _values(product: Mapping[str, Any]) -> dict[str, Any]:
    values: dict[str, Any] = {
        "name": str(product.get("name") or product["sku"]),
        "default_code": str(product["sku"]),
        "list_price": float(product.get("price") or 0),
        "type": "consu",
        "taxes_id": [[6, 0, []]],
    }
    if product.get("type_id") == "virtual" or product.get("type_id") == "downloadable":
        values["type"] = "service"
    return values
