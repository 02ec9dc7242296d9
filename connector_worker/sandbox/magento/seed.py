"""Deterministic seed data: customers, storefront carts and orders in every state, from one number.

The same seed always gives the same customers, orders, amounts and histories: guests and registered
customers, simple/configurable/bundle/virtual lines, coupons and a 100 % discount, both stores (USD
tax-exclusive, EUR VAT-inclusive), and orders walked through Magento's own state machine (invoice,
ship, cancel, hold, refund) so their fields are what those operations leave behind.
"""

from __future__ import annotations

import random
from datetime import datetime, timedelta
from decimal import Decimal
from typing import Any

from connector_worker.sandbox.magento.carts import add_item, cart_for_customer
from connector_worker.sandbox.magento.catalog import LEGACY_SKU, Product
from connector_worker.sandbox.magento.customers import add_customer, address_for_order
from connector_worker.sandbox.magento.documents import invoice_order, ship_order
from connector_worker.sandbox.magento.errors import WebapiError
from connector_worker.sandbox.magento.money import ZERO
from connector_worker.sandbox.magento.order_builder import Buyer, Placement, build_order
from connector_worker.sandbox.magento.orders import (
    DEFAULT_STATUS,
    Lines,
    can_hold,
    cancel,
    hold,
    item_quantities,
    touch_items,
)
from connector_worker.sandbox.magento.pricing import DiscountRule, LineSpec, price_basket
from connector_worker.sandbox.magento.state import SandboxState
from connector_worker.sandbox.magento.stores import SHIPPING_METHODS, StoreView, find_payment_method

STATES = (
    "new",
    "processing",
    "complete",
    "canceled",
    "holded",
    "pending_payment",
    "payment_review",
    "closed",
)
_WEIGHTS = (35, 16, 22, 9, 5, 4, 3, 6)
RULES = (
    DiscountRule(1, "10% off with coupon", Decimal(10), coupon_code="SAVE10"),
    DiscountRule(2, "Spring Sale 15%", Decimal(15), apply_to_shipping=True),
    DiscountRule(3, "Staff 100%", Decimal(100), coupon_code="FREE100", apply_to_shipping=True),
)
FIRST_NAMES = (
    "Ava",
    "Noah",
    "José",
    "Zoë",
    "Liam",
    "Mia",
    "Øyvind",
    "Chloé",
    "Ethan",
    "Hana",
    "Lucas",
    "Amélie",
    "Oliver",
    "Yuki",
)
LAST_NAMES = (
    "Smith",
    "García",
    "Müller",
    "Nguyen",
    "O'Brien",
    "Kowalski",
    "Rossi",
    "Jensen",
    "Dubois",
    "Tanaka",
    "Novák",
    "Silva",
)
US_CITIES = (
    ("Los Angeles", "California", "CA", 12, "90012"),
    ("Austin", "Texas", "TX", 57, "73301"),
    ("Albany", "New York", "NY", 43, "12207"),
)
DE_CITIES = (
    ("Berlin", "Berlin", "BER", 82, "10115"),
    ("München", "Bayern", "BAY", 81, "80331"),
    ("Hamburg", "Hamburg", "HAM", 84, "20095"),
)
CARRIERS = (
    ("ups", "United Parcel Service"),
    ("usps", "United States Postal Service"),
    ("fedex", "Federal Express"),
)


def _ascii(text: str) -> str:
    table = str.maketrans({"é": "e", "ë": "e", "Ø": "O", "ø": "o", "ü": "u", "á": "a", "'": ""})
    return text.translate(table).encode("ascii", "ignore").decode().lower()


def make_address(rng: random.Random, store: StoreView, firstname: str, lastname: str) -> dict[str, Any]:
    cities = US_CITIES if store.country_id == "US" else DE_CITIES
    city, region, code, region_id, postcode = rng.choice(cities)
    street = [f"{rng.randint(1, 999)} {'Main Street' if store.country_id == 'US' else 'Hauptstraße'}"]
    if rng.random() < 0.2:
        street.append(f"Apt {rng.randint(1, 40)}")
    return {
        "firstname": firstname,
        "lastname": lastname,
        "street": street,
        "city": city,
        "region": region,
        "region_code": code,
        "region_id": region_id,
        "postcode": postcode,
        "country_id": store.country_id,
        "telephone": f"+1-555-{rng.randint(1000, 9999)}"
        if store.country_id == "US"
        else f"+49 30 {rng.randint(100000, 999999)}",
    }


class OrderFactory:
    """Makes orders for one state; ``rng`` decides everything, so a seed replays identically."""

    def __init__(self, state: SandboxState, rng: random.Random) -> None:
        self.state = state
        self.rng = rng

    def add_customers(self, count: int) -> None:
        for index in range(count):
            first, last = self.rng.choice(FIRST_NAMES), self.rng.choice(LAST_NAMES)
            store = (
                self.state.stores[index % len(self.state.stores)]
                if index % 4 == 3
                else self.state.default_store
            )
            add_customer(
                self.state,
                email=f"{_ascii(first)}.{_ascii(last)}.{index + 1}@example.com",
                firstname=first,
                lastname=last,
                store=store,
                addresses=[make_address(self.rng, store, first, last)],
            )

    def fill_cart(self, customer_id: int) -> None:
        """A storefront cart left with items, as a shopper leaves it."""
        cart_id = cart_for_customer(self.state, customer_id, self.state.default_store)
        product = self.rng.choice([p for p in self.state.catalog.orderable() if p.type_id == "simple"])
        add_item(
            self.state,
            cart_id,
            {"cartItem": {"sku": product.sku, "qty": self.rng.randint(1, 2), "quote_id": str(cart_id)}},
        )

    def _lines(self, legacy: bool) -> list[LineSpec]:
        catalog = self.state.catalog
        lines = []
        for product in self.rng.sample(catalog.orderable(), k=self.rng.choice((1, 1, 2, 2, 3, 4))):
            lines.append(self._line(product, Decimal(self.rng.choice((1, 1, 1, 2, 3)))))
        if legacy:
            legacy_product = catalog.get(LEGACY_SKU)
            assert legacy_product is not None
            lines.append(LineSpec(legacy_product, Decimal(1)))
        return lines

    def _line(self, product: Product, qty: Decimal) -> LineSpec:
        if product.type_id == "configurable":
            variant = self.state.catalog.get(self.rng.choice(product.variants).sku)
            return LineSpec(product, qty, variant=variant)
        if product.type_id == "bundle":
            picks = tuple((option, self.rng.choice(option.selections)) for option in product.bundle_options)
            return LineSpec(product, qty, selections=picks)
        return LineSpec(product, qty)

    def _rule(self) -> DiscountRule | None:
        roll = self.rng.random()
        if roll < 0.02:
            return RULES[2]
        if roll < 0.08:
            return RULES[1]
        return RULES[0] if roll < 0.28 else None

    def place(
        self, created_at: str, target: str, store: StoreView | None = None, legacy: bool = False
    ) -> dict[str, Any]:
        """A placed order (state new, pending_payment or payment_review) in ``store``."""
        state, rng = self.state, self.rng
        store = store or (
            state.stores[1] if len(state.stores) > 1 and rng.random() < 0.25 else state.default_store
        )
        lines = self._lines(legacy)
        methods = [m for m in SHIPPING_METHODS if m.free_from_subtotal is None]
        basket = price_basket(lines, store, state.catalog, rng.choice(methods), self._rule())
        if basket.is_virtual:
            basket = price_basket(lines, store, state.catalog, None, basket.rule)
        buyer, billing = self._buyer(store)
        payment_code = (
            "free"
            if basket.base.grand_total <= 0
            else rng.choice(("checkmo", "banktransfer", "cashondelivery", "purchaseorder"))
        )
        payment = find_payment_method(payment_code)
        assert payment is not None
        placement_state = target if target in ("pending_payment", "payment_review") else "new"
        placement = Placement(
            entity_id=state.next_id("order"),
            increment_id=state.next_increment("order", store),
            quote_id=state.next_id("quote"),
            created_at=created_at,
            buyer=buyer,
            billing=billing,
            shipping_address=billing
            if rng.random() < 0.8
            else make_address(rng, store, billing["firstname"], billing["lastname"]),
            payment=payment,
            protect_code=f"{rng.getrandbits(24):06x}",
            po_number=f"PO-{rng.randint(10000, 99999)}" if payment_code == "purchaseorder" else None,
            remote_ip=f"203.0.113.{rng.randint(1, 254)}",
            state=placement_state,
            status=DEFAULT_STATUS[placement_state],
        )
        order = build_order(basket, placement, state.next_id)
        state.add_order(order)
        return order

    def _buyer(self, store: StoreView) -> tuple[Buyer, dict[str, Any]]:
        customers = [c for c in self.state.customers.values() if c["addresses"]]
        if customers and self.rng.random() < 0.7:
            customer = self.rng.choice(customers)
            buyer = Buyer(
                customer["email"],
                customer["firstname"],
                customer["lastname"],
                customer["id"],
                customer["group_id"],
            )
            return buyer, address_for_order(customer, customer["addresses"][0])
        first, last = self.rng.choice(FIRST_NAMES), self.rng.choice(LAST_NAMES)
        email = f"{_ascii(first)}.{_ascii(last)}.guest{self.rng.randint(100, 99999)}@example.net"
        billing = make_address(self.rng, store, first, last)
        return Buyer(email, first, last), billing

    def walk(self, order: dict[str, Any], target: str, at: list[datetime]) -> None:
        """Drive ``order`` to ``target`` through the real operations, one step per instant in ``at``."""
        steps = {
            "processing": ("invoice",),
            "complete": ("invoice", "ship"),
            "canceled": ("cancel",),
            "holded": ("hold",) if self.rng.random() < 0.5 else ("invoice", "hold"),
            "closed": ("invoice", "ship", "refund"),
        }.get(target, ())
        clock = self.state.clock
        for step, moment in zip(steps, at, strict=False):
            clock.freeze(moment)
            self._step(order, step)

    def _step(self, order: dict[str, Any], step: str) -> None:
        state = self.state
        if step == "invoice":
            partial = len(order["items"]) > 1 and self.rng.random() < 0.25
            items = [{"order_item_id": order["items"][0]["item_id"], "qty": 1}] if partial else []
            try:
                invoice_order(state, order, {"capture": False, "items": items})
            except WebapiError:  # the first row is invoiced through its children: invoice everything
                invoice_order(state, order, {"capture": False})
        elif step == "ship" and not order["is_virtual"]:
            code, title = self.rng.choice(CARRIERS)
            track = {
                "track_number": f"1Z{self.rng.getrandbits(40):010X}",
                "title": title,
                "carrier_code": code,
            }
            ship_order(state, order, {"tracks": [track]})
        elif step == "cancel":
            cancel(state, order)
        elif step == "hold" and can_hold(order):  # an invoiced virtual order is already complete
            hold(state, order)
        elif step == "refund":
            refund_all(state, order)


def refund_all(state: SandboxState, order: dict[str, Any]) -> None:
    """An offline credit memo for everything paid: the order closes (no REST route; seed only)."""
    lines = Lines(order)
    before = item_quantities(order)
    for item in lines.items:
        item["qty_refunded"] = item["qty_invoiced"]
        for p in ("", "base_"):
            item[f"{p}amount_refunded"] = item[f"{p}row_invoiced"]
    for p in ("", "base_"):
        for column in ("subtotal", "tax", "shipping", "discount"):
            order[f"{p}{column}_refunded"] = Decimal(order.get(f"{p}{column}_invoiced") or ZERO)
        order[f"{p}total_refunded"] = order[f"{p}total_paid"]
        order[f"{p}total_offline_refunded"] = order[f"{p}total_paid"]
        order["payment"][f"{p}amount_refunded"] = order[f"{p}total_paid"]
    touch_items(order, before, state.clock.now_text())
    order["state"] = "closed"
    order["status"] = DEFAULT_STATUS["closed"]
    state.mark_changed(order)


def target_for(index: int, rng: random.Random) -> str:
    """Every state once among the first orders, then Magento-shop-like proportions."""
    if index < len(STATES):
        return STATES[index]
    return rng.choices(STATES, weights=_WEIGHTS)[0]


def seed_state(state: SandboxState) -> None:
    """Fill a fresh state with the configured number of historical orders (no webhooks are wired yet)."""
    config = state.config
    rng = random.Random(config.seed)  # noqa: S311  (reproducible test data, not secrets)
    factory = OrderFactory(state, rng)
    setting = state.clock.snapshot()
    now = state.clock.now()
    start = now - timedelta(minutes=30 * config.orders + 120)
    legacy_index = min(2, config.orders - 1) if config.legacy_order else -1
    try:
        state.clock.freeze(start - timedelta(days=30))  # accounts exist before their orders
        factory.add_customers(max(8, config.orders // 4))
        for customer_id in list(state.customers)[::5]:
            factory.fill_cart(customer_id)
        for index in range(config.orders):
            created = start + timedelta(minutes=30 * index, seconds=rng.randint(0, 1700))
            target = target_for(index, rng)
            state.clock.freeze(created)
            order = factory.place(state.clock.now_text(), target, legacy=index == legacy_index)
            later = sorted(
                min(created + timedelta(minutes=rng.randint(5, 600)), now - timedelta(minutes=1))
                for _ in range(3)
            )
            factory.walk(order, "new" if index == legacy_index else target, later)
    finally:
        state.clock.restore(setting)


def create_orders(
    state: SandboxState,
    count: int,
    *,
    target: str | None = None,
    store_code: str | None = None,
    seed: int | None = None,
) -> list[int]:
    """Orders made now (webhooks fire): deterministic for a given ``seed`` and state of the sandbox."""
    if target is not None and target not in STATES:
        raise ValueError(f"unknown order state {target!r}; use one of {', '.join(STATES)}")
    store = state.store_by_code(store_code) if store_code else None
    if store_code and store is None:
        raise ValueError(f"unknown store code {store_code!r}")
    with state.lock:
        batch = seed if seed is not None else state.next_id("seed_batch")
        rng = random.Random(f"{state.config.seed}:{batch}")  # noqa: S311  (reproducible test data)
        factory = OrderFactory(state, rng)
        ids = []
        for _ in range(count):
            goal = target or target_for(len(STATES) + 1, rng)
            order = factory.place(state.clock.now_text(), goal, store=store)
            setting = state.clock.snapshot()
            now = state.clock.now()
            try:
                factory.walk(order, goal, [now, now, now])
            finally:
                state.clock.restore(setting)
            ids.append(order["entity_id"])
        return ids
