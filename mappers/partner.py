"""The partner mapper: a Magento order's customer and addresses → ``res.partner`` values.

The customer is matched in Odoo by ``email_normalized`` (never by name, and never one contact per guest
order), so the values come with the normalized e-mail and, for registered customers, the Magento customer
id. Addresses become child contacts of type ``invoice`` (billing address) and ``delivery`` (the shipping
address, found in ``extension_attributes.shipping_assignments``: the order has no top-level shipping
address); the caller sets ``parent_id`` and reuses an identical existing child instead of adding one.
Values use Odoo 19 fields (no ``mobile``); a null ``telephone`` or ``postcode`` is simply left out.
"""

from __future__ import annotations

import functools
from collections.abc import Mapping
from dataclasses import dataclass
from email.utils import getaddresses
from typing import Any

from mappers.errors import MappingError
from mappers.payload import Payload, integer, text

# Magento address key → res.partner field, copied as they are.
ADDRESS_COPIES: tuple[tuple[str, str], ...] = (
    ("city", "city"),
    ("postcode", "zip"),
    ("telephone", "phone"),
    ("company", "company_name"),
)
_NO_STATES: Mapping[tuple[str, str], int] = {}


@dataclass(frozen=True)
class PartnerValues:
    """The customer and its two addresses, ready for ``res.partner`` create/write."""

    email: str  # normalized: search res.partner on email_normalized with it
    magento_customer_id: str | None  # None for guests and deleted customers
    partner: dict[str, Any]  # the customer itself
    invoice: dict[str, Any]  # child of type invoice (billing address)
    delivery: dict[str, Any] | None  # child of type delivery; None for virtual orders


@functools.lru_cache(maxsize=4096)
def normalize_email(email: str) -> str:
    """The address as Odoo's ``email_normalized`` holds it (``tools.email_normalize``, non-strict).

    The first address found wins (a ``Name <addr>`` form is unwrapped); the domain is lower-cased, and so
    is an ASCII local part (a non-ASCII, SMTP-UTF8 local part is kept as it is). Remembered for the last
    few thousand addresses: each order's e-mail is normalized several times (page, sync, lookups) and
    parsing an address is not cheap.
    """
    found = [address for _name, address in getaddresses([email.strip()]) if "@" in address]
    if not found:
        raise MappingError("customer_email", f"not an e-mail address: {email!r}")
    local, _, domain = found[0].rpartition("@")
    if local.isascii():
        local = local.lower()
    return f"{local}@{domain.lower()}"


def billing_address(order: Payload) -> Payload:
    """``billing_address``, which every Magento order has."""
    address = order.get("billing_address")
    if not isinstance(address, Mapping):
        raise MappingError("billing_address", "missing")
    return address


def shipping_address(order: Payload) -> Payload | None:
    """The first shipping assignment's address (None for virtual orders)."""
    extension = order.get("extension_attributes")
    assignments = extension.get("shipping_assignments") if isinstance(extension, Mapping) else None
    for assignment in assignments if isinstance(assignments, list) else []:
        shipping = assignment.get("shipping") if isinstance(assignment, Mapping) else None
        address = shipping.get("address") if isinstance(shipping, Mapping) else None
        if isinstance(address, Mapping):
            return address
    return None


def required_countries(order: Payload) -> set[str]:
    """ISO codes of the order's address countries, for the caller to resolve into ids."""
    addresses = [billing_address(order), shipping_address(order)]
    return {code.upper() for address in addresses if address and (code := text(address, "country_id"))}


def partner_values(
    order: Payload,
    country_ids: Mapping[str, int],
    state_ids: Mapping[tuple[str, str], int] = _NO_STATES,
) -> PartnerValues:
    """Values for the customer and its addresses; ``state_ids`` maps (country, region code) → id."""
    raw_email = text(order, "customer_email")
    if raw_email is None:
        raise MappingError("customer_email", "missing")
    billing = billing_address(order)
    customer_id = integer(order, "customer_id")
    partner = {
        "name": customer_name(order, billing),
        "email": raw_email,
        **_address_values(billing, "billing_address", country_ids, state_ids),
        "customer_rank": 1,
    }
    if vat := text(billing, "vat_id") or text(order, "customer_taxvat"):
        partner["vat"] = vat
    if customer_id is not None:
        partner["magento_customer_id"] = str(customer_id)
    shipping = shipping_address(order)
    return PartnerValues(
        email=normalize_email(raw_email),
        magento_customer_id=str(customer_id) if customer_id is not None else None,
        partner=partner,
        invoice=_child(
            "invoice",
            billing,
            "billing_address",
            country_ids=country_ids,
            state_ids=state_ids,
            fallback_email=raw_email,
        ),
        delivery=(
            _child(
                "delivery",
                shipping,
                "shipping_address",
                country_ids=country_ids,
                state_ids=state_ids,
                fallback_email=raw_email,
            )
            if shipping is not None
            else None
        ),
    )


def customer_name(order: Payload, billing: Payload) -> str:
    """The customer's full name; guests fall back on the billing name, then on the e-mail."""
    name = _full_name(order, "customer_") or _full_name(billing, "")
    return name or text(order, "customer_email") or "Magento customer"


def _full_name(data: Payload, prefix: str) -> str:
    parts = (text(data, f"{prefix}{key}") for key in ("firstname", "middlename", "lastname"))
    return " ".join(part for part in parts if part)


def _child(
    kind: str,
    address: Payload,
    where: str,
    *,
    country_ids: Mapping[str, int],
    state_ids: Mapping[tuple[str, str], int],
    fallback_email: str,
) -> dict[str, Any]:
    return {
        "type": kind,
        "name": _full_name(address, "") or text(address, "company") or fallback_email,
        "email": text(address, "email") or fallback_email,
        **_address_values(address, where, country_ids, state_ids),
    }


def _address_values(
    address: Payload, where: str, country_ids: Mapping[str, int], state_ids: Mapping[tuple[str, str], int]
) -> dict[str, Any]:
    values: dict[str, Any] = {field: value for key, field in ADDRESS_COPIES if (value := text(address, key))}
    values.update(_street(address))
    code = (text(address, "country_id") or "").upper()
    if not code:
        raise MappingError(f"{where}.country_id", "missing")
    if code not in country_ids:
        raise MappingError(f"{where}.country_id", f"no Odoo country for {code!r}")
    values["country_id"] = country_ids[code]
    region = text(address, "region_code")
    if region and (state_id := state_ids.get((code, region.upper()))) is not None:
        values["state_id"] = state_id
    return values


def _street(address: Payload) -> dict[str, str]:
    raw = address.get("street")
    lines = [str(line).strip() for line in (raw if isinstance(raw, list) else [raw]) if line]
    lines = [line for line in lines if line]
    values = {}
    if lines:
        values["street"] = lines[0]
    if len(lines) > 1:
        values["street2"] = ", ".join(lines[1:])
    return values
