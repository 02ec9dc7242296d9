"""Find in Odoo what a batch of Magento orders refers to — customers (``tasks.customers``), products,
taxes, pricelists — and build each order's ``OrderContext`` for the pure mapper.

Batched per page (one search per kind for all orders) and cached: ids that rarely change (instance,
company, taxes, pricelists, countries, the service products) per process; customers and products in Redis
under ``RedisKeys`` with ``ID_CACHE_TTL_SECONDS``, so every worker benefits from the first lookup.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from datetime import datetime
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
from mappers.order import OrderContext, plan_taxes, required_currency, required_products
from mappers.partner import normalize_email, required_countries
from mappers.reconcile import LinePlan, plan_lines
from tasks.customers import CUSTOMER_LOCK_WAIT_SECONDS, Customers, PartnerIds

log = get_logger(__name__)

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
class Resolved:
    """The outcome for each order of a batch: a context (and the order's line plan) to map with, or why
    it cannot be mapped (a transient reason, e.g. its new customer locked by another worker, included)."""

    contexts: dict[int, OrderContext]
    errors: dict[int, Exception]
    plans: dict[int, LinePlan] = field(default_factory=dict)  # for magento_order_to_odoo(order, ctx, plan)


@dataclass(frozen=True)
class Prefetched:
    """What :meth:`Resolver.prefetch` found: product ids, each order's customer and addresses, errors."""

    products: dict[ProductKey, int]
    partners: dict[int, PartnerIds]
    errors: dict[int, Exception]


class Resolver:
    """Resolves orders of one instance against Odoo; cheap to build, one per task run."""

    def __init__(
        self,
        runtime: Runtime,
        instance: InstanceConfig,
        *,
        lock_wait_seconds: float = CUSTOMER_LOCK_WAIT_SECONDS,
    ) -> None:
        self.runtime = runtime
        self.instance = instance
        self.customers = Customers(runtime, instance, lock_wait_seconds=lock_wait_seconds)
        self.lock_wait_seconds = lock_wait_seconds
        self.cache = runtime.ids
        self.gw: OdooGateway = runtime.odoo()

    # -- the whole batch --------------------------------------------------------------------------------

    def prefetch(self, orders: Sequence[Mapping[str, Any]]) -> Prefetched:
        """Find (or create) the customers and products of ``orders`` in batches, into the Redis caches.

        What the pull does for a page before it hands the orders over: their syncs then find customers and
        products in the caches. No line is planned here (each sync plans its order once).
        """
        errors: dict[int, Exception] = {}
        mappable: list[tuple[Mapping[str, Any], list[ProductKey], set[str]]] = []
        for order in orders:
            try:
                keys = required_products(order)
                normalize_email(str(order.get("customer_email") or ""))
                mappable.append((order, keys, required_countries(order)))
            except MappingError as exc:
                errors[int(order["entity_id"])] = exc
        products = self.products([key for _, keys, _ in mappable for key in keys])
        country_ids = self.countries({code for _, _, codes in mappable for code in codes})
        partners, partner_errors = self.customers.resolve([order for order, _, _ in mappable], country_ids)
        errors.update(partner_errors)
        for order, keys, _ in mappable:
            missing = [key for key in keys if key not in products]
            if missing:
                errors.setdefault(int(order["entity_id"]), UnknownSkuError(missing))
        return Prefetched(products, partners, errors)

    def resolve(self, orders: Sequence[Mapping[str, Any]], synced_at: datetime) -> Resolved:
        """Contexts and line plans for ``orders`` (keyed by entity_id); per-order failures are returned,
        not raised. Each order is planned once, for the company's rounding and Odoo's version: the plan
        names the taxes to find and is what the mapping then uses."""
        found = self.prefetch(orders)
        errors = dict(found.errors)
        company = self.gw.company_info()
        plans: dict[int, LinePlan] = {}
        for order in orders:
            entity_id = int(order["entity_id"])
            if entity_id in errors:
                continue
            try:
                plans[entity_id] = plan_lines(
                    order,
                    self.instance.options,
                    company.tax_calculation_rounding_method,
                    version=self.gw.version,
                )
            except MappingError as exc:
                errors[entity_id] = exc
        taxes = self.taxes({key for plan in plans.values() for key in plan_taxes(plan)})
        services = self.services()
        instance_id = self.instance_id()
        contexts: dict[int, OrderContext] = {}
        for order in orders:
            entity_id = int(order["entity_id"])
            if entity_id not in plans:
                continue
            try:
                currency = required_currency(order)
                ids = found.partners[entity_id]
                contexts[entity_id] = OrderContext(
                    instance_id=instance_id,
                    partner_id=ids[0],
                    partner_invoice_id=ids[1],
                    partner_shipping_id=ids[2],
                    products=found.products,
                    taxes=taxes,
                    shipping_product_id=services["shipping"],
                    discount_product_id=services["discount"],
                    adjustment_product_id=services["adjustment"],
                    pricelist_id=None if currency == company.currency else self.pricelist(currency),
                    company_currency=company.currency,
                    rounding_method=company.tax_calculation_rounding_method,
                    options=self.instance.options,
                    synced_at=synced_at,
                    instance_name=self.instance.name,
                    odoo_version=self.gw.version,
                )
            except (MappingError, UnmappableOrder) as exc:
                errors[entity_id] = exc
        return Resolved(contexts, errors, {e: plan for e, plan in plans.items() if e in contexts})

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
        """Sale taxes by (rate, price included), created when missing (never a product's default tax).

        Looked up once per process; a lookup holds the tax's lock, so syncs running side by side (threads,
        processes, workers) never create the same tax twice.
        """
        for key in keys:
            if key in self.cache.taxes:
                continue
            lock = self.runtime.keys.lock(f"tax:{key.rate}:{int(key.price_include)}")
            with hold_lock(
                self.runtime.redis, lock, wait_seconds=self.lock_wait_seconds, what=f"tax {key.label}"
            ):
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
            unknown = []
            for key in missing:
                product_id = by_sku.get(key.sku) or by_mid.get(str(key.magento_product_id))
                if product_id is not None:
                    found[key] = product_id
                elif self.instance.options.unknown_sku == "create":
                    unknown.append(key)
            found.update(self._create_products(unknown))
            with redis.pipeline(transaction=False) as pipe:
                for key in missing:
                    if key in found:
                        pipe.set(rkeys.product_by_sku(name, key.sku), found[key], ex=ID_CACHE_TTL_SECONDS)
                pipe.execute()
        return found

    def _create_products(self, keys: Sequence[ProductKey]) -> dict[ProductKey, int]:
        """Create the products of ``keys`` (one per SKU) in one call, untaxed."""
        wanted = list({key.sku: key for key in keys}.values())
        vals_list: list[dict[str, Any]] = []
        for key in wanted:
            vals: dict[str, Any] = {
                "name": key.sku,
                "default_code": key.sku,
                "type": "consu",
                "taxes_id": [[6, 0, []]],
            }
            if key.magento_product_id:
                vals["magento_product_id"] = str(key.magento_product_id)
            vals_list.append(vals)
        by_sku = dict(
            zip([key.sku for key in wanted], self.gw.create("product.product", vals_list), strict=True)
        )
        for sku, product_id in by_sku.items():
            log.info("product_created", sku=sku, product_id=product_id)
        return {key: by_sku[key.sku] for key in keys}

    def forget_product(self, sku: str) -> None:
        """Drop a cached product id that Odoo no longer knows (archived or deleted)."""
        self.runtime.redis.delete(self.runtime.keys.product_by_sku(self.instance.name, sku))
