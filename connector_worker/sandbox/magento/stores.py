"""The sandbox's store views, shipping carriers and payment methods (Magento configuration, in code).

Two store views cover the money cases a connector must survive: ``default`` (USD, prices exclude tax,
US sales tax, untaxed shipping) and a second view (EUR orders on a USD base, catalog prices include 20 %
VAT, taxed shipping, increment ids prefixed with its store id as Magento's sequence observer does).
"""

from __future__ import annotations

from dataclasses import dataclass
from decimal import Decimal

WEBSITE_NAME = "Main Website"
STORE_GROUP_NAME = "Main Website Store"


@dataclass(frozen=True)
class TaxRate:
    """A tax calculation rate as ``applied_taxes`` shows it."""

    code: str
    percent: Decimal


@dataclass(frozen=True)
class StoreView:
    """One store view and the configuration the sandbox needs from it."""

    store_id: int
    code: str
    name: str
    base_currency: str
    order_currency: str
    base_to_order_rate: Decimal
    prices_include_tax: bool
    product_tax: TaxRate
    shipping_taxable: bool
    country_id: str

    @property
    def increment_prefix(self) -> str:
        """Magento prefixes new stores' sequences with the store id; the default store has none."""
        return "" if self.store_id == 1 else str(self.store_id)

    @property
    def store_name(self) -> str:
        """``store_name`` on orders: website, store group and view on three lines."""
        return f"{WEBSITE_NAME}\n{STORE_GROUP_NAME}\n{self.name}"

    def format_increment(self, number: int) -> str:
        return f"{self.increment_prefix}{number:09d}"


def default_store_views(codes: tuple[str, ...] = ("default", "eu")) -> tuple[StoreView, ...]:
    """The store views, named by ``codes`` (first: the default USD view; second: the EUR VAT view)."""
    if not 1 <= len(codes) <= 2 or len(set(codes)) != len(codes):
        raise ValueError("store codes: give one or two distinct codes")
    views = [
        StoreView(
            store_id=1,
            code=codes[0],
            name="Default Store View",
            base_currency="USD",
            order_currency="USD",
            base_to_order_rate=Decimal("1"),
            prices_include_tax=False,
            product_tax=TaxRate("US-CA-*-Rate 1", Decimal("8.25")),
            shipping_taxable=False,
            country_id="US",
        )
    ]
    if len(codes) == 2:
        views.append(
            StoreView(
                store_id=2,
                code=codes[1],
                name="EU Store View",
                base_currency="USD",
                order_currency="EUR",
                base_to_order_rate=Decimal("0.92"),
                prices_include_tax=True,
                product_tax=TaxRate("EU-VAT-20", Decimal("20")),
                shipping_taxable=True,
                country_id="DE",
            )
        )
    return tuple(views)


@dataclass(frozen=True)
class ShippingMethod:
    """An offline carrier method; ``per_item`` is Magento's flat-rate "Per Item" type."""

    carrier_code: str
    method_code: str
    carrier_title: str
    method_title: str
    base_price: Decimal
    per_item: bool = False
    free_from_subtotal: Decimal | None = None

    @property
    def code(self) -> str:
        return f"{self.carrier_code}_{self.method_code}"

    @property
    def description(self) -> str:
        """``shipping_description`` on the order, e.g. ``Flat Rate - Fixed``."""
        return f"{self.carrier_title} - {self.method_title}"


SHIPPING_METHODS: tuple[ShippingMethod, ...] = (
    ShippingMethod("flatrate", "flatrate", "Flat Rate", "Fixed", Decimal("5"), per_item=True),
    ShippingMethod("tablerate", "bestway", "Best Way", "Table Rate", Decimal("15")),
    ShippingMethod(
        "freeshipping",
        "freeshipping",
        "Free Shipping",
        "Free",
        Decimal("0"),
        free_from_subtotal=Decimal("100"),
    ),
)


def find_shipping_method(carrier_code: str, method_code: str) -> ShippingMethod | None:
    for method in SHIPPING_METHODS:
        if method.carrier_code == carrier_code and method.method_code == method_code:
            return method
    return None


@dataclass(frozen=True)
class PaymentMethod:
    """An offline payment method; ``additional_information`` is what Magento stores at placement."""

    code: str
    title: str
    additional_information: tuple[str, ...]
    info_keys: tuple[tuple[str, str], ...]


PAYMENT_METHODS: tuple[PaymentMethod, ...] = (
    PaymentMethod(
        "checkmo", "Check / Money order", ("Check / Money order",), (("method_title", "Check / Money order"),)
    ),
    PaymentMethod(
        "banktransfer",
        "Bank Transfer Payment",
        ("Bank Transfer Payment", ""),
        (("method_title", "Bank Transfer Payment"), ("instructions", "")),
    ),
    PaymentMethod(
        "cashondelivery",
        "Cash On Delivery",
        ("Cash On Delivery", ""),
        (("method_title", "Cash On Delivery"), ("instructions", "")),
    ),
    PaymentMethod(
        "purchaseorder", "Purchase Order", ("Purchase Order",), (("method_title", "Purchase Order"),)
    ),
    PaymentMethod("free", "No Payment Information Required", ("No Payment Information Required",), ()),
)


def find_payment_method(code: str) -> PaymentMethod | None:
    for method in PAYMENT_METHODS:
        if method.code == code:
            return method
    return None
