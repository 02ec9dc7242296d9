"""Customers and products: search, read, create, special SKUs in paths, store-scoped routes."""

from __future__ import annotations

from urllib.parse import quote

import pytest

from tests.connector_worker.sandbox_magento.conftest import Api, search
from tests.support.magento_sandbox import MagentoSandboxHandle

PRODUCT_404 = {"message": "The product that was requested doesn't exist. Verify the product and try again."}


def test_customer_search_by_email_is_case_insensitive(api: Api, shop: MagentoSandboxHandle) -> None:
    customer = api.get(f"customers/{shop.control.customer_ids()[0]}").json()
    body = api.get(
        "customers/search", params=search(filters=[[("email", customer["email"].upper(), "eq")]])
    ).json()
    assert body["total_count"] == 1
    assert body["items"][0] == customer
    assert customer["addresses"][0]["region"]["region_code"]
    assert customer["default_billing"] == str(customer["addresses"][0]["id"])


def test_unknown_customer_is_no_such_entity(api: Api) -> None:
    response = api.get("customers/999999")
    assert response.status_code == 404
    assert response.json() == {
        "message": "No such entity with %fieldName = %fieldValue",
        "parameters": {"fieldName": "customerId", "fieldValue": 999999},
    }


def test_create_customer_then_duplicate_email_is_refused(api: Api) -> None:
    payload = {
        "customer": {
            "email": "new.buyer@example.org",
            "firstname": "Nova",
            "lastname": "Buyer",
            "addresses": [
                {
                    "firstname": "Nova",
                    "lastname": "Buyer",
                    "street": ["5 Elm St"],
                    "city": "Austin",
                    "postcode": "73301",
                    "country_id": "US",
                    "telephone": "555-0100",
                    "region": {"region": "Texas", "region_code": "TX", "region_id": 57},
                    "default_billing": True,
                    "default_shipping": True,
                }
            ],
        },
        "password": "Secret-12345",
    }
    created = api.post("customers", json=payload).json()
    assert isinstance(created["id"], int) and created["email"] == "new.buyer@example.org"
    assert api.get(f"customers/{created['id']}").json() == created
    duplicate = api.post(
        "customers", json={"customer": {**payload["customer"], "email": "NEW.BUYER@example.org"}}
    )
    assert duplicate.status_code == 400
    assert duplicate.json() == {
        "message": "A customer with the same email address already exists in an associated website."
    }


def test_create_customer_validates_required_fields_and_email(api: Api) -> None:
    missing = api.post("customers", json={"customer": {"email": "x@example.org"}}, check_request=False)
    assert missing.status_code == 400
    assert missing.json()["message"] == "One or more input exceptions have occurred."
    assert [e["parameters"]["fieldName"] for e in missing.json()["errors"]] == ["firstname", "lastname"]
    invalid = api.post(
        "customers", json={"customer": {"email": "not-an-email", "firstname": "A", "lastname": "B"}}
    )
    assert invalid.json() == {
        "message": 'Invalid value of "%value" provided for the %fieldName field.',
        "parameters": {"value": "not-an-email", "fieldName": "email"},
    }
    nothing = api.post("customers", json={}, check_request=False)
    assert nothing.json() == {
        "message": "%fieldName is a required field.",
        "parameters": {"fieldName": "customer"},
    }


@pytest.mark.parametrize(
    "sku", ["MB-DUFFLE-01", "ACC/STRAP-01", "MUG+LID 350", "TÉ-VERDE-250", "LEGACY-TEE-001"]
)
def test_product_by_sku_works_for_slashes_plus_spaces_and_unicode(api: Api, sku: str) -> None:
    product = api.get(f"products/{quote(sku, safe='')}").json()
    assert product["sku"] == sku
    assert product["status"] == 1 and product["extension_attributes"]["website_ids"] == [1]


def test_unknown_product_is_404_with_magentos_words(api: Api) -> None:
    response = api.get("products/NOPE-404")
    assert (response.status_code, response.json()) == (404, PRODUCT_404)
    unencoded = api.get("products/ACC/STRAP-01", route_exists=False)  # a raw slash is another route: none
    assert (unencoded.status_code, unencoded.json()) == (
        404,
        {"message": "Request does not match any route."},
    )


def test_configurable_product_has_price_zero_and_links_its_variants(api: Api) -> None:
    product = api.get("products/HD-TRAIL").json()
    assert product["type_id"] == "configurable" and product["price"] == 0
    options = product["extension_attributes"]["configurable_product_options"][0]
    assert options["attribute_id"] == "144" and [v["value_index"] for v in options["values"]] == [
        167,
        168,
        169,
    ]
    variants = [api.get(f"products/{sku}").json() for sku in ("HD-TRAIL-S-GRAY", "HD-TRAIL-L-BLACK")]
    assert [v["id"] for v in variants] == product["extension_attributes"]["configurable_product_links"][::2]
    assert [v["price"] for v in variants] == [52, 54]


def test_bundle_products_describe_their_options(api: Api) -> None:
    dynamic = api.get("products/KIT-YOGA-START").json()
    fixed = api.get("products/KIT-GIFT-BOX").json()
    attrs = {a["attribute_code"]: a["value"] for a in dynamic["custom_attributes"]}
    assert (
        attrs["price_type"] == "0"
        and {a["attribute_code"]: a["value"] for a in fixed["custom_attributes"]}["price_type"] == "1"
    )
    links = [
        link["sku"]
        for o in dynamic["extension_attributes"]["bundle_product_options"]
        for link in o["product_links"]
    ]
    assert links == ["YG-STRAP-6FT", "YG-STRAP-8FT", "YG-BLOCK-FOAM", "BT-WATER-750"]


def test_product_search_with_sku_in(api: Api) -> None:
    body = api.get(
        "products", params=search(filters=[[("sku", "MB-DUFFLE-01,TÉ-VERDE-250,NOPE", "in")]])
    ).json()
    assert sorted(p["sku"] for p in body["items"]) == ["MB-DUFFLE-01", "TÉ-VERDE-250"]
    assert body["total_count"] == 2


def test_store_code_prefixed_routes_and_unknown_store(api: Api, shop: MagentoSandboxHandle) -> None:
    order_id = shop.control.order_ids()[0]
    assert api.get(f"orders/{order_id}", store="eu").json()["entity_id"] == order_id
    assert api.get(f"orders/{order_id}", store="all").status_code == 200
    response = api.get(f"orders/{order_id}", store="nosuchstore", route_exists=False)
    assert (response.status_code, response.json()) == (404, {"message": "Request does not match any route."})


def test_mirror_catalog_leaves_out_the_legacy_product(shop: MagentoSandboxHandle) -> None:
    mirrored = {p.sku: p for p in shop.control.mirror_catalog()}
    assert "LEGACY-TEE-001" not in mirrored
    assert mirrored["MB-DUFFLE-01"].tax_percent_by_store == {"default": 8.25, "eu": 20}
    assert mirrored["GIFT-DONATION-5"].tax_class_name == "None"
    assert mirrored["MB-DUFFLE-01"].prices_include_tax_by_store == {"default": False, "eu": True}


def test_exactly_one_seeded_order_holds_the_legacy_sku(shop: MagentoSandboxHandle) -> None:
    orders = [shop.control.order(i) for i in shop.control.order_ids()]
    holding = [o for o in orders if any(i["sku"] == "LEGACY-TEE-001" for i in o["items"])]
    assert len(holding) == 1 and holding[0]["state"] == "new"
