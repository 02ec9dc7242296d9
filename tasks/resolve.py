"""Find in Odoo what a batch of Magento orders refers to — customers, products, taxes, pricelists — and
build each order's ``OrderContext`` for the pure mapper.

Batched per page (one search per kind for all orders) and cached: ids that rarely change (instance,
company, taxes, pricelists, countries, the service products) per process; customers and products in Redis
under ``RedisKeys`` with ``ID_CACHE_TTL_SECONDS``, so every worker benefits from the first lookup.
"""

from __future__ import annotations

import hashlib
import json
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from datetime import datetime
from decimal import Decimal
from typing import Any

from config.settings import InstanceConfig
from connector_worker.errors import MappingError as UnmappableOrder
from connector_worker.locks import hold_lock
from connector_worker.log import get_logger
from connector_worker.odoo.gateway import OdooGateway
from connector_worker.redis_keys import ID_CACHE_TTL_SECONDS
from connector_worker.runtime import Runtime
from mappers.errors import MappingError
from mappers.items import ProductKey
from mappers.money import TaxKey
from mappers.order import OrderContext, required_currency, required_products, required_taxes
from mappers.partner import PartnerValues, normalize_email, partner_values, required_countries

log = get_logger(__name__)

# What the resolver reads of a customer contact: enough to tell a head contact and whether it has its id.
CUSTOMER_FIELDS = ("id", "email_normalized", "parent_id", "magento_customer_id")
# Service products every Magento order may need besides its catalogue items, by internal reference.
SERVICE_PRODUCTS = {
    "shipping": ("MAGENTO-SHIPPING", "Shipping (Magento)"),
    "discount": ("MAGENTO-DISCOUNT", "Discount (Magento)"),
    "adjustment": ("MAGENTO-ADJUSTMENT", "Rounding difference (Magento)"),
}


class UnknownSkuError(UnmappableOrder):
    """An order line's product is in neither Odoo's SKUs nor its Magento product ids."""

    def __init__(self, keys: Sequence[ProductKey]) -> None:
        self.keys = list(keys)
        names = ", ".join(
            f"{key.sku!r}"
            + (f" (Magento product id {key.magento_product_id})" if key.magento_product_id else "")
            for key in keys
        )
        super().__init__(f"unknown SKU in Odoo: {names}; create the product (or set its Magento Product ID)")


@dataclass(frozen=True)
class KnownCustomer:
    """A customer contact found or made in Odoo, and the Magento customer id it holds (None: a guest's)."""

    id: int
    magento_customer_id: str | None


@dataclass(frozen=True)
class Resolved:
    """The outcome for each order of a batch: a context to map with, or why it cannot be mapped."""

    contexts: dict[int, OrderContext]
    errors: dict[int, Exception]


class Resolver:
    """Resolves orders of one instance against Odoo; cheap to build, one per task run."""

    def __init__(self, runtime: Runtime, instance: InstanceConfig) -> None:
        self.runtime = runtime
        self.instance = instance
        self.cache = runtime.ids
        self.gw: OdooGateway = runtime.odoo()

    # -- the whole batch --------------------------------------------------------------------------------

    def resolve(self, orders: Sequence[Mapping[str, Any]], synced_at: datetime) -> Resolved:
        """Contexts for ``orders`` (keyed by entity_id); per-order failures are returned, not raised."""
        contexts: dict[int, OrderContext] = {}
        errors: dict[int, Exception] = {}
        mappable = []
        for order in orders:
            try:
                required_products(order)
                normalize_email(str(order.get("customer_email") or ""))
                mappable.append(order)
            except MappingError as exc:
                errors[int(order["entity_id"])] = exc
        instance_id = self.instance_id()
        company = self.gw.company_info()
        products = self.products([key for order in mappable for key in required_products(order)])
        taxes = self.taxes(
            {key for order in mappable for key in required_taxes(order, self.instance.options)}
        )
        countries = self.countries({code for order in mappable for code in required_countries(order)})
        services = self.services()
        partners, partner_errors = self.partners(mappable, countries)
        errors.update(partner_errors)
        for order in mappable:
            entity_id = int(order["entity_id"])
            if entity_id in partner_errors:
                continue
            try:
                missing = [key for key in required_products(order) if key not in products]
                if missing:
                    raise UnknownSkuError(missing)
                currency = required_currency(order)
                pricelist = None if currency == company.currency else self.pricelist(currency)
                ids = partners[entity_id]
                contexts[entity_id] = OrderContext(
                    instance_id=instance_id,
                    partner_id=ids[0],
                    partner_invoice_id=ids[1],
                    partner_shipping_id=ids[2],
                    products=products,
                    taxes=taxes,
                    shipping_product_id=services["shipping"],
                    discount_product_id=services["discount"],
                    adjustment_product_id=services["adjustment"],
                    pricelist_id=pricelist,
                    company_currency=company.currency,
                    rounding_method=company.tax_calculation_rounding_method,
                    options=self.instance.options,
                    synced_at=synced_at,
                    instance_name=self.instance.name,
                    odoo_version=self.gw.version,
                )
            except (MappingError, UnmappableOrder) as exc:
                errors[entity_id] = exc
        return Resolved(contexts, errors)

    # -- reference data (per process) -------------------------------------------------------------------

    def instance_id(self) -> int:
        """The ``magento.instance`` record of this instance, created when missing."""
        name = self.instance.name
        if name not in self.cache.instances:
            self.cache.instances[name] = self.gw.ensure_instance(
                name, self.instance.base_url, self.instance.store_code
            )
        return self.cache.instances[name]

    def taxes(self, keys: Iterable[TaxKey]) -> dict[TaxKey, int]:
        """Sale taxes by (rate, price included), created when missing (never a product's default tax)."""
        for key in keys:
            if key not in self.cache.taxes:
                self.cache.taxes[key] = self.gw.ensure_tax(key.rate, key.price_include)
        return dict(self.cache.taxes)

    def pricelist(self, currency: str) -> int:
        """A pricelist in ``currency`` (the order currency follows the pricelist in Odoo)."""
        if currency not in self.cache.pricelists:
            self.cache.pricelists[currency] = self.gw.ensure_pricelist(currency)
        return self.cache.pricelists[currency]

    def countries(self, codes: set[str]) -> dict[str, int]:
        """Country ids by ISO code, looked up once per process."""
        missing = codes - set(self.cache.countries)
        if missing:
            self.cache.countries.update(self.gw.country_ids(missing))
        return dict(self.cache.countries)

    def services(self) -> dict[str, int]:
        """The shipping, discount and adjustment service products, created untaxed when missing."""
        if len(self.cache.services) < len(SERVICE_PRODUCTS):
            codes = {code: role for role, (code, _name) in SERVICE_PRODUCTS.items()}
            found = self.gw.search_read(
                "product.product", [("default_code", "in", sorted(codes))], ["id", "default_code"], order="id"
            )
            for row in found:
                self.cache.services.setdefault(codes[row["default_code"]], int(row["id"]))
            for role, (code, name) in SERVICE_PRODUCTS.items():
                if role not in self.cache.services:
                    vals = {"name": name, "default_code": code, "type": "service", "taxes_id": [[6, 0, []]]}
                    self.cache.services[role] = self.gw.create("product.product", [vals])[0]
        return dict(self.cache.services)

    # -- products (Redis cache, batched lookups) ----------------------------------------------------------

    def products(self, keys: Iterable[ProductKey]) -> dict[ProductKey, int]:
        """Odoo product ids for ``keys``: by SKU first, then by Magento product id; unknown keys absent.

        With ``unknown_sku = "create"`` a missing product is created (untaxed; the order's lines carry
        explicit taxes) with its SKU and Magento product id.
        """
        wanted = list(dict.fromkeys(keys))
        redis, rkeys, name = self.runtime.redis, self.runtime.keys, self.instance.name
        found: dict[ProductKey, int] = {}
        cached = redis.mget([rkeys.product_by_sku(name, key.sku) for key in wanted]) if wanted else []
        for key, raw in zip(wanted, cached, strict=True):
            if raw is not None:
                found[key] = int(raw)
        missing = [key for key in wanted if key not in found]
        if missing:
            rows = self.gw.find_products(
                skus=[key.sku for key in missing],
                magento_product_ids=[key.magento_product_id for key in missing if key.magento_product_id],
            )
            by_sku = {
                str(row["default_code"]): int(row["id"]) for row in reversed(rows) if row["default_code"]
            }
            by_mid = {
                str(row["magento_product_id"]): int(row["id"])
                for row in reversed(rows)
                if row["magento_product_id"]
            }
            for key in missing:
                product_id = by_sku.get(key.sku) or by_mid.get(str(key.magento_product_id))
                if product_id is None and self.instance.options.unknown_sku == "create":
                    product_id = self._create_product(key)
                if product_id is not None:
                    found[key] = product_id
                    redis.set(rkeys.product_by_sku(name, key.sku), product_id, ex=ID_CACHE_TTL_SECONDS)
        return found

    def _create_product(self, key: ProductKey) -> int:
        vals: dict[str, Any] = {
            "name": key.sku,
            "default_code": key.sku,
            "type": "consu",
            "taxes_id": [[6, 0, []]],
        }
        if key.magento_product_id:
            vals["magento_product_id"] = str(key.magento_product_id)
        product_id = self.gw.create("product.product", [vals])[0]
        log.info("product_created", sku=key.sku, product_id=product_id)
        return product_id

    def forget_product(self, sku: str) -> None:
        """Drop a cached product id that Odoo no longer knows (archived or deleted)."""
        self.runtime.redis.delete(self.runtime.keys.product_by_sku(self.instance.name, sku))

    # -- customers ------------------------------------------------------------------------------------------

    def partners(
        self, orders: Sequence[Mapping[str, Any]], countries: Mapping[str, int]
    ) -> tuple[dict[int, tuple[int, int, int]], dict[int, Exception]]:
        """(partner, invoice address, delivery address) ids per order entity_id, and the orders whose
        customer cannot be mapped.

        A customer is matched by normalized email among companies and individuals without a parent (a guest
        reuses the contact of the same email); a new one is created with its two addresses in one call; a
        known one gets a new child address only when this order's address differs from those it has, and
        its Magento customer id once an order shows one (a guest who registered later).
        """
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
        result: dict[int, tuple[int, int, int]] = {}
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

    def _create_customer(self, value: PartnerValues) -> tuple[KnownCustomer, tuple[int, int, int]]:
        """Create a customer under a short lock on its email, so two workers never create it twice."""
        lock_key = self.runtime.keys.lock(f"partner:{self.instance.name}:{value.email}")
        with hold_lock(self.runtime.redis, lock_key):
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
