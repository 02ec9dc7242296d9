"""Customers and addresses: who the order belongs to, and where it is billed and shipped."""

from __future__ import annotations

import pytest

from mappers import MappingError, normalize_email, partner_values, required_countries
from tests.mappers import payloads

COUNTRIES = {"US": 233, "GB": 231}
STATES = {("US", "MI"): 1051, ("US", "NY"): 1064}


def test_a_registered_customer_with_billing_and_shipping_addresses() -> None:
    # given an order of registered customer 7 with a Michigan address
    order = payloads.us_configurable_order()
    # when its partner values are mapped
    values = partner_values(order, COUNTRIES, STATES)
    # then the customer is matched by normalized e-mail and carries its Magento id
    assert values.email == "roni_cost@example.com"
    assert values.magento_customer_id == "7"
    assert values.partner == {
        "name": "Veronica Costello",
        "email": "roni_cost@example.com",
        "city": "Calder",
        "zip": "49628-7978",
        "phone": "(555) 229-3326",
        "street": "6146 Honey Bluff Parkway",
        "country_id": 233,
        "state_id": 1051,
        "customer_rank": 1,
        "magento_customer_id": "7",
    }
    # and billing and shipping become invoice and delivery children (parent set by the caller)
    assert values.invoice["type"] == "invoice" and values.invoice["name"] == "Veronica Costello"
    assert values.delivery is not None and values.delivery["type"] == "delivery"
    assert "parent_id" not in values.invoice


def test_a_guest_has_no_customer_id_and_a_normalized_email() -> None:
    order = payloads.tutorial_guest_order()
    values = partner_values(order, COUNTRIES, STATES)
    assert values.magento_customer_id is None
    assert "magento_customer_id" not in values.partner
    assert values.email == "jane.doe@example.com"
    assert values.partner["email"] == "Jane.Doe@Example.COM"  # stored as given; Odoo normalizes it
    assert values.partner["name"] == "Jane Doe"


def test_a_guest_without_customer_names_takes_the_billing_name() -> None:
    order = payloads.tutorial_guest_order()
    del order["customer_firstname"], order["customer_lastname"]
    assert partner_values(order, COUNTRIES).partner["name"] == "Jane Doe"


def test_a_uk_address_without_region_and_with_two_street_lines() -> None:
    order = payloads.uk_vat_inclusive_order()
    values = partner_values(order, COUNTRIES, STATES)
    assert values.invoice["country_id"] == 231 and "state_id" not in values.invoice
    assert values.delivery is not None
    assert (values.delivery["street"], values.delivery["street2"]) == ("221B Baker Street", "Flat 2")
    assert required_countries(order) == {"GB"}


def test_null_telephone_and_company_vat_are_handled() -> None:
    order = payloads.coupon_order()
    order["billing_address"].update(telephone=None, company="Luma Ltd", vat_id="US123")
    values = partner_values(order, COUNTRIES)
    assert "phone" not in values.invoice
    assert values.partner["company_name"] == "Luma Ltd" and values.partner["vat"] == "US123"
    assert "state_id" not in values.partner  # no state table given


def test_a_virtual_order_has_no_delivery_address() -> None:
    assert partner_values(payloads.virtual_order(), COUNTRIES).delivery is None


def test_an_unknown_country_names_the_address() -> None:
    order = payloads.uk_vat_inclusive_order()
    with pytest.raises(MappingError) as error:
        partner_values(order, {"US": 233})
    assert error.value.field == "billing_address.country_id"


def test_an_order_without_email_or_billing_address_is_refused() -> None:
    order = payloads.coupon_order()
    del order["billing_address"]
    with pytest.raises(MappingError, match="billing_address"):
        partner_values(order, COUNTRIES)
    order = payloads.coupon_order()
    del order["customer_email"]
    with pytest.raises(MappingError, match="customer_email"):
        partner_values(order, COUNTRIES)


@pytest.mark.parametrize(
    ("raw", "normalized"),
    [
        ("roni_cost@example.com", "roni_cost@example.com"),
        ("  Roni.Cost@Example.COM ", "roni.cost@example.com"),
        ('"Veronica Costello" <Roni@Example.com>', "roni@example.com"),
        ("first@example.com, second@example.com", "first@example.com"),
        ("Jörg@Example.DE", "Jörg@example.de"),  # a non-ASCII local part keeps its case (SMTP-UTF8)
    ],
)
def test_normalize_email_as_odoo_email_normalized(raw: str, normalized: str) -> None:
    assert normalize_email(raw) == normalized


def test_normalize_email_refuses_what_is_not_an_address() -> None:
    with pytest.raises(MappingError):
        normalize_email("not an address")
