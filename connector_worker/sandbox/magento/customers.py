"""Customers: search, read and ``POST /V1/customers`` (account creation) with Magento's checks.

E-mail addresses are unique per website (the sandbox has one website), compared case-insensitively as
MySQL does. Records are kept in the REST shape of ``customer-data-customer-interface``.
"""

from __future__ import annotations

import re
from typing import Any

from connector_worker.sandbox.magento.errors import (
    WebapiError,
    bad_request,
    missing_inputs,
    no_such_entity,
    required_field,
)
from connector_worker.sandbox.magento.state import SandboxState
from connector_worker.sandbox.magento.stores import StoreView

WEBSITE_ID = 1
GENERAL_GROUP = 1
DUPLICATE_EMAIL = "A customer with the same email address already exists in an associated website."
INVALID_VALUE = 'Invalid value of "%value" provided for the %fieldName field.'
CUSTOMER_COLUMNS = frozenset(
    {
        "entity_id",
        "email",
        "firstname",
        "lastname",
        "middlename",
        "website_id",
        "group_id",
        "store_id",
        "created_at",
        "updated_at",
        "dob",
        "gender",
        "taxvat",
        "created_in",
    }
)
_EMAIL = re.compile(r"^[^@\s]+@[^@\s]+\.[^@\s]+$")


def get_customer(state: SandboxState, customer_id: int) -> dict[str, Any]:
    customer = state.customers.get(customer_id)
    if customer is None:
        raise no_such_entity("customerId", customer_id)
    return customer


def find_by_email(state: SandboxState, email: str) -> dict[str, Any] | None:
    wanted = email.casefold()
    return next((c for c in state.customers.values() if c["email"].casefold() == wanted), None)


def search_records(state: SandboxState) -> list[dict[str, Any]]:
    """Customers as rows of the customer collection (``entity_id`` is the REST ``id``)."""
    return [{**customer, "entity_id": customer["id"]} for customer in state.customers.values()]


def create_customer(state: SandboxState, body: Any, store: StoreView) -> dict[str, Any]:
    """``AccountManagement::createAccount`` for the store in the URL."""
    if not isinstance(body, dict) or not isinstance(body.get("customer"), dict):
        raise required_field("customer")
    data: dict[str, Any] = body["customer"]
    missing = [name for name in ("email", "firstname", "lastname") if not data.get(name)]
    if missing:
        raise missing_inputs(missing)
    email = str(data["email"]).strip()
    if not _EMAIL.match(email):
        raise WebapiError(400, INVALID_VALUE, {"value": email, "fieldName": "email"})
    with state.lock:
        if find_by_email(state, email) is not None:
            raise bad_request(DUPLICATE_EMAIL)
        return add_customer(
            state,
            email=email,
            firstname=str(data["firstname"]),
            lastname=str(data["lastname"]),
            store=store,
            addresses=list(data.get("addresses") or []),
            group_id=int(data.get("group_id") or GENERAL_GROUP),
            extra={
                key: data[key]
                for key in ("dob", "gender", "taxvat", "middlename", "prefix", "suffix")
                if data.get(key)
            },
        )


def add_customer(
    state: SandboxState,
    *,
    email: str,
    firstname: str,
    lastname: str,
    store: StoreView,
    addresses: list[dict[str, Any]],
    group_id: int = GENERAL_GROUP,
    extra: dict[str, Any] | None = None,
) -> dict[str, Any]:
    """Store a customer (no validation; the seed and :func:`create_customer` use it)."""
    customer_id = state.next_id("customer")
    now = state.clock.now_text()
    customer: dict[str, Any] = {
        "id": customer_id,
        "group_id": group_id,
        "created_at": now,
        "updated_at": now,
        "created_in": store.name,
        "email": email,
        "firstname": firstname,
        "lastname": lastname,
        "store_id": store.store_id,
        "website_id": WEBSITE_ID,
        "addresses": [],
        "disable_auto_group_change": 0,
        "extension_attributes": {"is_subscribed": False},
        **(extra or {}),
    }
    for index, address in enumerate(addresses):
        stored = _address(
            state, customer_id, address, firstname=firstname, lastname=lastname, first=index == 0
        )
        customer["addresses"].append(stored)
        if stored.get("default_billing"):
            customer["default_billing"] = str(stored["id"])
        if stored.get("default_shipping"):
            customer["default_shipping"] = str(stored["id"])
    state.customers[customer_id] = customer
    return customer


def _address(
    state: SandboxState, customer_id: int, data: dict[str, Any], *, firstname: str, lastname: str, first: bool
) -> dict[str, Any]:
    region = data.get("region")
    if isinstance(region, str):
        region = {
            "region": region,
            "region_code": data.get("region_code") or region,
            "region_id": data.get("region_id") or 0,
        }
    address: dict[str, Any] = {
        "id": state.next_id("customer_address"),
        "customer_id": customer_id,
        "firstname": data.get("firstname") or firstname,
        "lastname": data.get("lastname") or lastname,
        "street": list(data.get("street") or []),
        "city": data.get("city"),
        "postcode": data.get("postcode"),
        "country_id": data.get("country_id"),
        "telephone": data.get("telephone"),
        "company": data.get("company"),
        "default_billing": bool(data.get("default_billing", first)),
        "default_shipping": bool(data.get("default_shipping", first)),
    }
    if isinstance(region, dict):
        address["region"] = {
            "region_code": region.get("region_code"),
            "region": region.get("region"),
            "region_id": int(region.get("region_id") or 0),
        }
        address["region_id"] = address["region"]["region_id"]
    return address


def address_for_order(customer: dict[str, Any], address: dict[str, Any]) -> dict[str, Any]:
    """A customer address in the shape :func:`order_builder.build_order` takes."""
    region = address.get("region") or {}
    return {
        "firstname": address["firstname"],
        "lastname": address["lastname"],
        "street": address["street"],
        "city": address["city"],
        "postcode": address["postcode"],
        "country_id": address["country_id"],
        "telephone": address["telephone"],
        "company": address.get("company"),
        "region": region.get("region"),
        "region_code": region.get("region_code"),
        "region_id": region.get("region_id"),
        "customer_address_id": address["id"],
        "email": customer["email"],
    }
