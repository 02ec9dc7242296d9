"""Catalog REST: ``GET /V1/products/{sku}`` and ``GET /V1/products`` in ``catalog-data-product-interface`` shape.

A configurable product's own ``price`` is 0 over REST (issue #10644); its variants carry the prices.
"""

from __future__ import annotations

import re
from typing import Any

from connector_worker.sandbox.magento.catalog import CATALOG_CREATED_AT, SIZE_ATTRIBUTE_ID, Catalog, Product

PRODUCT_COLUMNS = frozenset(
    {
        "entity_id",
        "sku",
        "name",
        "price",
        "type_id",
        "status",
        "visibility",
        "created_at",
        "updated_at",
        "attribute_set_id",
        "weight",
        "tax_class_id",
    }
)
ENABLED = 1


def product_record(product: Product) -> dict[str, Any]:
    """The product as a row of the product collection (for searchCriteria)."""
    return {
        "entity_id": product.product_id,
        "sku": product.sku,
        "name": product.name,
        "price": product.price,
        "type_id": product.type_id,
        "status": ENABLED,
        "visibility": product.visibility,
        "created_at": CATALOG_CREATED_AT,
        "updated_at": CATALOG_CREATED_AT,
        "attribute_set_id": product.attribute_set_id,
        "weight": product.weight,
        "tax_class_id": product.tax_class_id,
    }


def _url_key(product: Product) -> str:
    return re.sub(r"[^a-z0-9]+", "-", product.name.lower()).strip("-") or str(product.product_id)


def render_product(product: Product, catalog: Catalog) -> dict[str, Any]:
    custom = [
        {"attribute_code": "tax_class_id", "value": str(product.tax_class_id)},
        {"attribute_code": "url_key", "value": _url_key(product)},
        {
            "attribute_code": "has_options",
            "value": "1" if product.type_id in ("configurable", "bundle") else "0",
        },
        {
            "attribute_code": "required_options",
            "value": "1" if product.type_id in ("configurable", "bundle") else "0",
        },
    ]
    extension: dict[str, Any] = {"website_ids": [1], "category_links": [{"position": 0, "category_id": "2"}]}
    if product.variants:
        children = [catalog.get(v.sku) for v in product.variants]
        extension["configurable_product_options"] = [
            {
                "id": product.product_id,
                "attribute_id": SIZE_ATTRIBUTE_ID,
                "label": "Size",
                "position": 0,
                "values": [{"value_index": v.option_value} for v in product.variants],
                "product_id": product.product_id,
            }
        ]
        extension["configurable_product_links"] = [c.product_id for c in children if c is not None]
    if product.bundle_options:
        custom.append(
            {"attribute_code": "price_type", "value": "0" if product.bundle_price_type == "dynamic" else "1"}
        )
        custom.append({"attribute_code": "sku_type", "value": "0" if product.dynamic_sku else "1"})
        custom.append({"attribute_code": "shipment_type", "value": "0"})
        extension["bundle_product_options"] = [
            _bundle_option(product, index, option) for index, option in enumerate(product.bundle_options)
        ]
    rendered: dict[str, Any] = {
        "id": product.product_id,
        "sku": product.sku,
        "name": product.name,
        "attribute_set_id": product.attribute_set_id,
        "price": product.price,
        "status": ENABLED,
        "visibility": product.visibility,
        "type_id": product.type_id,
        "created_at": CATALOG_CREATED_AT,
        "updated_at": CATALOG_CREATED_AT,
        "weight": product.weight,
        "extension_attributes": extension,
        "product_links": [],
        "options": [],
        "media_gallery_entries": [],
        "tier_prices": [],
        "custom_attributes": custom,
    }
    return rendered


def _bundle_option(product: Product, index: int, option: Any) -> dict[str, Any]:
    return {
        "option_id": option.option_id,
        "title": option.title,
        "required": True,
        "type": "select",
        "position": index + 1,
        "sku": product.sku,
        "product_links": [
            {
                "id": str(selection.selection_id),
                "sku": selection.sku,
                "option_id": option.option_id,
                "qty": selection.qty,
                "position": position,
                "is_default": position == 0,
                "price": 0,
                "price_type": 0,
                "can_change_quantity": 0,
            }
            for position, selection in enumerate(option.selections)
        ],
    }
