"""Customers in Odoo for a batch of Magento orders: one contact per e-mail, its addresses as children.

A customer is matched by normalized e-mail among contacts without a parent, so a returning guest reuses
the contact of the same e-mail instead of getting one per order; new ones are created with their invoice
and delivery addresses, under short locks on their e-mails so two workers never create one twice. A known
one gets a new child address only when an order's address differs from those it has (under a short lock on
the customer, so two workers never add the same address twice), and its Magento
customer id once an order shows one (a guest who registered later). Contacts and addresses are cached in
Redis (``ID_CACHE_TTL_SECONDS``) so every worker benefits from the first lookup.

Everything is batched per call, so a page of a hundred orders costs a handful of RPCs, not one or two per
order: one search for the e-mails the cache does not know (under their locks), one create for the new
customers with their addresses (plus one read of the addresses made), one search for the addresses the
cache does not know and one create for the new ones (under their customers' locks).
"""

from __future__ import annotations

import hashlib
import json
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from decimal import Decimal
from typing import Any

import redis
from redis.client import Pipeline

from config.settings import InstanceConfig
from connector_worker.errors import LockBusyError
from connector_worker.locks import hold_free_locks
from connector_worker.log import get_logger
from connector_worker.odoo.gateway import OdooGateway
from connector_worker.redis_keys import ID_CACHE_TTL_SECONDS
from connector_worker.runtime import Runtime
from mappers.errors import MappingError
from mappers.partner import PartnerValues, partner_values

log = get_logger(__name__)

CUSTOMER_LOCK_WAIT_SECONDS = 2.0  # creating contacts is one call: another worker's is done well within
# What is read of a customer contact: enough to tell a head contact and whether it holds its Magento id.
CUSTOMER_FIELDS = ("id", "email_normalized", "parent_id", "magento_customer_id")
PartnerIds = tuple[int, int, int]  # (customer, invoice address, delivery address)
AddressKey = tuple[int, str, str]  # (customer id, invoice | delivery, digest of the address values)


@dataclass(frozen=True)
class KnownCustomer:
    """A customer contact found or made in Odoo, and the Magento customer id it holds (None: a guest's)."""

    id: int
    magento_customer_id: str | None


@dataclass
class _Batch:
    """What one call resolves: each order's values, the customers known so far, the orders' results."""

    values: dict[int, PartnerValues]
    errors: dict[int, Exception]
    known: dict[str, KnownCustomer] = field(default_factory=dict)
    result: dict[int, PartnerIds] = field(default_factory=dict)


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
        customer cannot be mapped (the mapper's reason) or is being created by another worker right now
        (a ``LockBusyError``: try again later)."""
        batch = _Batch({}, {})
        for order in orders:
            try:
                batch.values[int(order["entity_id"])] = partner_values(order, countries)
            except MappingError as exc:
                batch.errors[int(order["entity_id"])] = exc
        emails = sorted({value.email for value in batch.values.values()})
        batch.known = self._cached_partners(emails)
        missing = [email for email in emails if email not in batch.known]
        if missing:
            self._find_or_create(missing, batch)
        self._resolve_addresses(batch)
        self._record_customer_ids(batch.values.values(), batch.known)
        return batch.result, batch.errors

    # -- customers ------------------------------------------------------------------------------------------

    def _find_or_create(self, emails: Sequence[str], batch: _Batch) -> None:
        """Under the e-mails' locks: find the customers Odoo has, create the others with their addresses.

        The search runs under the locks, so a customer another worker created meanwhile is found; the
        orders of an e-mail still locked after the wait get ``LockBusyError`` instead of a customer.
        """
        # Contacts are matched by e-mail whatever the instance, so the lock is per e-mail, not per instance.
        by_key = {self.runtime.keys.lock(f"partner:{email}"): email for email in emails}
        with (
            hold_free_locks(self.runtime.redis, list(by_key), self.lock_wait_seconds) as locks,
            self.runtime.redis.pipeline(transaction=False) as cache,
        ):
            held = [by_key[key] for key in locks.held]
            for email, rows in self.gw.find_partners_by_emails(held, CUSTOMER_FIELDS).items():
                heads = [row for row in rows if not row.get("parent_id")]
                if heads:
                    batch.known[email] = _known(heads[0])
                    self._cache_partner(cache, email, batch.known[email])
            self._create_customers([email for email in held if email not in batch.known], batch, cache)
            cache.execute()  # one round trip, before the locks go: a worker that waited finds them cached
        busy = {by_key[key]: locks.busy_error(key, "the new customer of this order") for key in locks.busy}
        for entity_id, value in list(batch.values.items()):
            if value.email in busy:
                batch.errors[entity_id] = busy[value.email]
                del batch.values[entity_id]

    def _create_customers(self, emails: Sequence[str], batch: _Batch, cache: Pipeline) -> None:
        """Create each e-mail's customer from its first order, addresses included; cache them (still under
        the locks, so a worker that waited finds them)."""
        firsts: dict[str, tuple[int, PartnerValues]] = {}
        for entity_id, value in batch.values.items():
            firsts.setdefault(value.email, (entity_id, value))
        wanted = [firsts[email] for email in emails]
        if not wanted:
            return
        for (entity_id, value), ids in zip(
            wanted, self._create_partners([v for _, v in wanted]), strict=True
        ):
            customer = KnownCustomer(ids[0], value.magento_customer_id)
            batch.known[value.email] = customer
            batch.result[entity_id] = ids
            self._cache_partner(cache, value.email, customer)
            self._cache_address(cache, ids[0], "invoice", value.invoice, ids[1])
            if value.delivery:
                self._cache_address(cache, ids[0], "delivery", value.delivery, ids[2])
            log.info("customer_created", partner_id=ids[0])

    def _create_partners(self, values: Sequence[PartnerValues]) -> list[PartnerIds]:
        """One customer: one ``web_save`` that reads its addresses back. Several: one ``create`` of them
        all with their addresses, then one read of the addresses made. An order without a shipping address
        (virtual) is delivered to its billing address, as when its customer is known already."""
        if len(values) == 1:
            one = self.gw.create_partner(values[0].partner, values[0].invoice, values[0].delivery)
            return [
                (one.partner_id, one.invoice_id, one.delivery_id if values[0].delivery else one.invoice_id)
            ]
        vals_list = [
            {
                **value.partner,
                "child_ids": [[0, 0, dict(child)] for child in (value.invoice, value.delivery) if child],
            }
            for value in values
        ]
        partner_ids = self.gw.create("res.partner", vals_list)
        children: dict[tuple[int, str], int] = {}
        rows = self.gw.search_read(
            "res.partner", [("parent_id", "in", partner_ids)], ["id", "parent_id", "type"], order="id"
        )
        for row in rows:
            children.setdefault((_id_of(row["parent_id"]), str(row["type"])), int(row["id"]))
        made: list[PartnerIds] = []
        for partner_id, value in zip(partner_ids, values, strict=True):
            invoice = children[(partner_id, "invoice")]
            delivery = children[(partner_id, "delivery")] if value.delivery else invoice
            made.append((partner_id, invoice, delivery))
        return made

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
            self._cache_partner(self.runtime.redis, email, known[email])
            log.info("customer_id_recorded", partner_id=customer.id, magento_customer_id=customer_id)

    # -- addresses --------------------------------------------------------------------------------------------

    def _resolve_addresses(self, batch: _Batch) -> None:
        """The invoice and delivery address of every order whose customer was not just created for it; the
        orders of a customer whose addresses another worker is creating right now get its ``LockBusyError``."""
        needs: dict[AddressKey, Mapping[str, Any]] = {}
        for entity_id, value in batch.values.items():
            if entity_id in batch.result:
                continue
            partner_id = batch.known[value.email].id
            for kind, vals in (("invoice", value.invoice), ("delivery", value.delivery)):
                if vals:
                    needs.setdefault((partner_id, kind, _digest(vals)), vals)
        found, busy = self.addresses(needs)
        for entity_id, value in list(batch.values.items()):
            if entity_id in batch.result:
                continue
            partner_id = batch.known[value.email].id
            if partner_id in busy:
                batch.errors[entity_id] = busy[partner_id]
                del batch.values[entity_id]
                continue
            invoice = found[(partner_id, "invoice", _digest(value.invoice))]
            delivery = found[(partner_id, "delivery", _digest(value.delivery))] if value.delivery else invoice
            batch.result[entity_id] = (partner_id, invoice, delivery)

    def addresses(
        self, needs: Mapping[AddressKey, Mapping[str, Any]]
    ) -> tuple[dict[AddressKey, int], dict[int, LockBusyError]]:
        """The child address of each (customer, kind) equal to the values, created when the customer has
        none; and the customers whose addresses stayed locked by another worker (their ``LockBusyError``).

        One cache read; what it did not know is searched and created under per-customer locks (the cache is
        read again under them), so two workers bringing the same new address never both create it. Then one
        search and one create for the lot.
        """
        if not needs:
            return {}, {}
        found = self._cached_addresses(list(needs))
        missing = [key for key in needs if key not in found]
        if not missing:
            return found, {}
        # Contacts are shared by every instance (matched by e-mail), so the lock is per contact only.
        by_lock = {self.runtime.keys.lock(f"address:{key[0]}"): key[0] for key in missing}
        with hold_free_locks(self.runtime.redis, list(by_lock), self.lock_wait_seconds) as locks:
            held = {by_lock[key] for key in locks.held}
            missing = [key for key in missing if key[0] in held]
            found.update(self._cached_addresses(missing))  # made by the worker that held the lock before
            self._find_or_create_addresses([key for key in missing if key not in found], needs, found)
        busy = {
            by_lock[key]: locks.busy_error(key, "a new address of this order's customer")
            for key in locks.busy
        }
        return found, busy

    def _find_or_create_addresses(
        self,
        missing: Sequence[AddressKey],
        needs: Mapping[AddressKey, Mapping[str, Any]],
        found: dict[AddressKey, int],
    ) -> None:
        """Search the customers' child addresses for ``missing``, create those Odoo lacks, cache them all."""
        if not missing:
            return
        compared = sorted({k for key in missing for k in needs[key] if k not in {"type", "parent_id"}})
        rows = self.gw.search_read(
            "res.partner",
            [
                ("parent_id", "in", sorted({key[0] for key in missing})),
                ("type", "in", sorted({key[1] for key in missing})),
            ],
            ["id", "parent_id", "type", *compared],
            order="id",
        )
        to_create: list[AddressKey] = []
        for key in missing:
            match = next((row for row in rows if _is_address(row, key, needs[key])), None)
            if match is None:
                to_create.append(key)
            else:
                found[key] = int(match["id"])
        created = self.gw.create(
            "res.partner", [{**needs[key], "type": key[1], "parent_id": key[0]} for key in to_create]
        )
        found.update(zip(to_create, created, strict=True))
        rkeys, name = self.runtime.keys, self.instance.name
        with self.runtime.redis.pipeline(transaction=False) as pipe:
            for key in missing:
                pipe.set(rkeys.address(name, *key), found[key], ex=ID_CACHE_TTL_SECONDS)
            pipe.execute()

    # -- the Redis cache ----------------------------------------------------------------------------------------

    def _cached_addresses(self, keys: Sequence[AddressKey]) -> dict[AddressKey, int]:
        if not keys:
            return {}
        rkeys, name = self.runtime.keys, self.instance.name
        cached = self.runtime.redis.mget([rkeys.address(name, *key) for key in keys])
        return {key: int(raw) for key, raw in zip(keys, cached, strict=True) if raw is not None}

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

    def _cache_partner(self, cache: redis.Redis | Pipeline, email: str, customer: KnownCustomer) -> None:
        """``<partner id>`` or ``<partner id>:<Magento customer id>`` (the id the contact holds)."""
        key = self.runtime.keys.partner_by_email(self.instance.name, email)
        value = (
            f"{customer.id}:{customer.magento_customer_id}" if customer.magento_customer_id else customer.id
        )
        cache.set(key, value, ex=ID_CACHE_TTL_SECONDS)

    def _cache_address(
        self, cache: Pipeline, partner_id: int, kind: str, vals: Mapping[str, Any], address_id: int
    ) -> None:
        key = self.runtime.keys.address(self.instance.name, partner_id, kind, _digest(vals))
        cache.set(key, address_id, ex=ID_CACHE_TTL_SECONDS)


def _known(row: Mapping[str, Any]) -> KnownCustomer:
    """A contact as searched: its id and the Magento customer id it holds (False in Odoo when none)."""
    return KnownCustomer(
        int(row["id"]), str(row["magento_customer_id"]) if row.get("magento_customer_id") else None
    )


def _is_address(row: Mapping[str, Any], key: AddressKey, vals: Mapping[str, Any]) -> bool:
    """Whether the child ``row`` is the address ``vals`` of kind ``key[1]`` under customer ``key[0]``."""
    if _id_of(row.get("parent_id")) != key[0] or row.get("type") != key[1]:
        return False
    return all(_same(row.get(k), vals[k]) for k in vals if k not in {"type", "parent_id"})


def _id_of(value: Any) -> int:
    """A many2one as read (``[id, name]`` or an id)."""
    return int(value[0]) if isinstance(value, list | tuple) else int(value or 0)


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
