"""Customers in Odoo for a batch of Magento orders: one contact per e-mail, its addresses as children.

A customer is matched by normalized e-mail among contacts without a parent, so a returning guest reuses
the contact of the same e-mail instead of getting one per order; a new one is created with its invoice and
delivery addresses in one call, under a short lock on the e-mail so two workers never create it twice. A
known one gets a new child address only when an order's address differs from those it has, and its Magento
customer id once an order shows one (a guest who registered later). Contacts and addresses are cached in
Redis (``ID_CACHE_TTL_SECONDS``) so every worker benefits from the first lookup.
"""

from __future__ import annotations

import hashlib
import json
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from decimal import Decimal
from typing import Any

from config.settings import InstanceConfig
from connector_worker.log import get_logger
from connector_worker.odoo.gateway import OdooGateway
from connector_worker.redis_keys import ID_CACHE_TTL_SECONDS
from connector_worker.runtime import Runtime
from mappers.errors import MappingError
from mappers.partner import PartnerValues, partner_values
from tasks.locking import lock_when_free

log = get_logger(__name__)

CUSTOMER_LOCK_WAIT_SECONDS = 2.0  # creating a contact is one call: another worker's is done well within
# What is read of a customer contact: enough to tell a head contact and whether it holds its Magento id.
CUSTOMER_FIELDS = ("id", "email_normalized", "parent_id", "magento_customer_id")
PartnerIds = tuple[int, int, int]  # (customer, invoice address, delivery address)


@dataclass(frozen=True)
class KnownCustomer:
    """A customer contact found or made in Odoo, and the Magento customer id it holds (None: a guest's)."""

    id: int
    magento_customer_id: str | None


class Customers:
    """Finds or creates the customers of one instance's orders; one per resolver."""

    def __init__(
        self,
        runtime: Runtime,
        instance: InstanceConfig,
        *,
        lock_wait_seconds: float = CUSTOMER_LOCK_WAIT_SECONDS,
    ) -> None:
        self.runtime = runtime
        self.instance = instance
        self.gw: OdooGateway = runtime.odoo()
        self.lock_wait_seconds = lock_wait_seconds  # for another worker creating the same customer

    def resolve(
        self, orders: Sequence[Mapping[str, Any]], countries: Mapping[str, int]
    ) -> tuple[dict[int, PartnerIds], dict[int, Exception]]:
        """(partner, invoice address, delivery address) ids per order entity_id, and the orders whose
        customer cannot be mapped (the mapper's reason)."""
        values: dict[int, PartnerValues] = {}
        errors: dict[int, Exception] = {}
        for order in orders:
            try:
                values[int(order["entity_id"])] = partner_values(order, countries)
            except MappingError as exc:
                errors[int(order["entity_id"])] = exc
        emails = sorted({value.email for value in values.values()})
        known = self._cached_partners(emails)
        unknown = [email for email in emails if email not in known]
        if unknown:
            for email, rows in self.gw.find_partners_by_emails(unknown, CUSTOMER_FIELDS).items():
                heads = [row for row in rows if not row.get("parent_id")]
                if heads:
                    known[email] = _known(heads[0])
                    self._cache_partner(email, known[email])
        result: dict[int, PartnerIds] = {}
        for entity_id, value in values.items():
            customer = known.get(value.email)
            if customer is None:
                customer, ids = self._create_customer(value)
                known[value.email] = customer
                result[entity_id] = ids
                continue
            invoice = self.address(customer.id, "invoice", value.invoice)
            delivery = self.address(customer.id, "delivery", value.delivery) if value.delivery else invoice
            result[entity_id] = (customer.id, invoice, delivery)
        self._record_customer_ids(values.values(), known)
        return result, errors

    def _create_customer(self, value: PartnerValues) -> tuple[KnownCustomer, PartnerIds]:
        """Create a customer under a short lock on its email, so two workers never create it twice."""
        lock_key = self.runtime.keys.lock(f"partner:{self.instance.name}:{value.email}")
        with lock_when_free(
            self.runtime.redis, lock_key, self.lock_wait_seconds, "the new customer of this order"
        ):
            existing = [
                row
                for row in self.gw.find_partners_by_emails([value.email], CUSTOMER_FIELDS).get(
                    value.email, []
                )
                if not row.get("parent_id")
            ]
            if existing:
                customer = _known(existing[0])
                self._cache_partner(value.email, customer)
                invoice = self.address(customer.id, "invoice", value.invoice)
                delivery = (
                    self.address(customer.id, "delivery", value.delivery) if value.delivery else invoice
                )
                return customer, (customer.id, invoice, delivery)
            ids = self.gw.create_partner(value.partner, value.invoice, value.delivery)
        customer = KnownCustomer(ids.partner_id, value.magento_customer_id)
        self._cache_partner(value.email, customer)
        self._cache_address(ids.partner_id, "invoice", value.invoice, ids.invoice_id)
        if value.delivery:
            self._cache_address(ids.partner_id, "delivery", value.delivery, ids.delivery_id)
        log.info("customer_created", partner_id=ids.partner_id)
        return customer, (ids.partner_id, ids.invoice_id, ids.delivery_id)

    def _record_customer_ids(self, values: Iterable[PartnerValues], known: dict[str, KnownCustomer]) -> None:
        """Give a contact made for a guest the Magento customer id its email now orders with (never replace one)."""
        newest: dict[str, str] = {}
        for value in values:
            if value.magento_customer_id:
                newest[value.email] = value.magento_customer_id
        for email, customer_id in newest.items():
            customer = known.get(email)
            if customer is None or customer.magento_customer_id:
                continue
            self.gw.write("res.partner", [customer.id], {"magento_customer_id": customer_id})
            known[email] = KnownCustomer(customer.id, customer_id)
            self._cache_partner(email, known[email])
            log.info("customer_id_recorded", partner_id=customer.id, magento_customer_id=customer_id)

    def address(self, partner_id: int, kind: str, vals: Mapping[str, Any]) -> int:
        """The child address of ``partner_id`` equal to ``vals``, created when the customer has none."""
        key = self.runtime.keys.address(self.instance.name, partner_id, kind, _digest(vals))
        cached = self.runtime.redis.get(key)
        if cached is not None:
            return int(cached)
        compared = sorted(k for k in vals if k not in {"type", "parent_id"})
        rows = self.gw.search_read(
            "res.partner",
            [("parent_id", "=", partner_id), ("type", "=", kind)],
            ["id", *compared],
            order="id",
        )
        for row in rows:
            if all(_same(row.get(k), vals[k]) for k in compared):
                self._cache_address(partner_id, kind, vals, int(row["id"]))
                return int(row["id"])
        address_id = self.gw.create("res.partner", [{**vals, "type": kind, "parent_id": partner_id}])[0]
        self._cache_address(partner_id, kind, vals, address_id)
        return address_id

    def _cached_partners(self, emails: Sequence[str]) -> dict[str, KnownCustomer]:
        if not emails:
            return {}
        rkeys, name = self.runtime.keys, self.instance.name
        raw = self.runtime.redis.mget([rkeys.partner_by_email(name, email) for email in emails])
        found = {}
        for email, value in zip(emails, raw, strict=True):
            if value is not None:
                partner_id, _, customer_id = _text(value).partition(":")
                found[email] = KnownCustomer(int(partner_id), customer_id or None)
        return found

    def _cache_partner(self, email: str, customer: KnownCustomer) -> None:
        """``<partner id>`` or ``<partner id>:<Magento customer id>`` (the id the contact holds)."""
        key = self.runtime.keys.partner_by_email(self.instance.name, email)
        value = (
            f"{customer.id}:{customer.magento_customer_id}" if customer.magento_customer_id else customer.id
        )
        self.runtime.redis.set(key, value, ex=ID_CACHE_TTL_SECONDS)

    def _cache_address(self, partner_id: int, kind: str, vals: Mapping[str, Any], address_id: int) -> None:
        key = self.runtime.keys.address(self.instance.name, partner_id, kind, _digest(vals))
        self.runtime.redis.set(key, address_id, ex=ID_CACHE_TTL_SECONDS)


def _known(row: Mapping[str, Any]) -> KnownCustomer:
    """A contact as searched: its id and the Magento customer id it holds (False in Odoo when none)."""
    return KnownCustomer(
        int(row["id"]), str(row["magento_customer_id"]) if row.get("magento_customer_id") else None
    )


def _text(value: bytes | str | int) -> str:
    return value.decode() if isinstance(value, bytes) else str(value)


def _digest(vals: Mapping[str, Any]) -> str:
    """A stable hash of address values (the cache key of an address)."""
    text = json.dumps(vals, sort_keys=True, default=str, ensure_ascii=False)
    return hashlib.sha256(text.encode("utf-8")).hexdigest()[:32]


def _same(odoo_value: Any, wanted: Any) -> bool:
    """Compare an Odoo read value (many2one as [id, name], False for empty) with a create value."""
    if isinstance(odoo_value, list | tuple) and odoo_value and isinstance(wanted, int):
        return bool(odoo_value[0] == wanted)
    if isinstance(wanted, Decimal):
        return Decimal(str(odoo_value)) == wanted
    return bool((odoo_value or False) == (wanted or False))
