"""The sandbox catalog: simple, virtual, configurable and bundle products with fixed SKUs and prices.

Prices are in the base currency as a merchant enters them, so the same number is tax-exclusive in the
default store and tax-inclusive in the VAT store. One product is flagged ``legacy``: the demo leaves it
out of Odoo so exactly one seeded order carries a SKU Odoo does not know.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from decimal import Decimal

from connector_worker.sandbox.magento.stores import StoreView

TAXABLE_GOODS = 2
NO_TAX_CLASS = 0
TAX_CLASS_NAMES = {TAXABLE_GOODS: "Taxable Goods", NO_TAX_CLASS: "None"}
LEGACY_SKU = "LEGACY-TEE-001"
SIZE_ATTRIBUTE_ID = "144"
CATALOG_CREATED_AT = "2024-01-15 09:00:00"
VISIBLE_EVERYWHERE = 4
NOT_VISIBLE_INDIVIDUALLY = 1


@dataclass(frozen=True)
class Variant:
    """A configurable product's child: the simple product and its ``size`` option value."""

    sku: str
    option_value: int
    label: str


@dataclass(frozen=True)
class BundleSelection:
    selection_id: int
    sku: str
    qty: Decimal


@dataclass(frozen=True)
class BundleOption:
    option_id: int
    title: str
    selections: tuple[BundleSelection, ...]


@dataclass(frozen=True)
class Product:
    """A catalog product; ``price`` is the base-currency price as entered (0 for configurables)."""

    product_id: int
    sku: str
    name: str
    type_id: str
    price: Decimal
    weight: Decimal | None
    tax_class_id: int = TAXABLE_GOODS
    visibility: int = VISIBLE_EVERYWHERE
    legacy: bool = False
    variants: tuple[Variant, ...] = ()
    bundle_price_type: str | None = None  # "dynamic" (children priced) or "fixed" (parent priced)
    bundle_options: tuple[BundleOption, ...] = ()
    attribute_set_id: int = 4

    @property
    def is_virtual(self) -> bool:
        return self.type_id == "virtual"

    @property
    def dynamic_sku(self) -> bool:
        """Dynamic-price bundles here use Magento's dynamic SKU: the order row's sku joins the children."""
        return self.bundle_price_type == "dynamic"


@dataclass(frozen=True)
class MirrorProduct:
    """A product the demo must create in Odoo, with the tax each store applies to it."""

    sku: str
    name: str
    type_id: str
    price: Decimal
    tax_class_id: int
    tax_class_name: str
    tax_percent_by_store: dict[str, Decimal] = field(default_factory=dict)
    prices_include_tax_by_store: dict[str, bool] = field(default_factory=dict)


def _simple(pid: int, sku: str, name: str, price: str, weight: str | None, **kw: object) -> Product:
    type_id = "virtual" if weight is None else "simple"
    return Product(pid, sku, name, type_id, Decimal(price), None if weight is None else Decimal(weight), **kw)  # type: ignore[arg-type]


def _products() -> list[Product]:
    hidden = NOT_VISIBLE_INDIVIDUALLY
    products = [
        _simple(1, "MB-DUFFLE-01", "Harbor Duffle Bag", "45.00", "1.2"),
        _simple(2, "YG-STRAP-6FT", "Flex Yoga Strap 6 ft", "14.00", "0.2"),
        _simple(3, "YG-STRAP-8FT", "Flex Yoga Strap 8 ft", "16.00", "0.25"),
        _simple(4, "BT-WATER-750", "Summit Water Bottle 750 ml", "7.00", "0.3"),
        _simple(5, "YG-BLOCK-FOAM", "Foam Yoga Block", "12.50", "0.4"),
        _simple(6, "YG-MAT-4MM", "Grip Yoga Mat 4 mm", "32.00", "1.5"),
        _simple(
            7, "HD-TRAIL-S-GRAY", "Trail Hoodie-S-Gray", "52.00", "0.8", visibility=hidden, attribute_set_id=9
        ),
        _simple(
            8, "HD-TRAIL-M-GRAY", "Trail Hoodie-M-Gray", "52.00", "0.8", visibility=hidden, attribute_set_id=9
        ),
        _simple(
            9,
            "HD-TRAIL-L-BLACK",
            "Trail Hoodie-L-Black",
            "54.00",
            "0.9",
            visibility=hidden,
            attribute_set_id=9,
        ),
        Product(
            10,
            "HD-TRAIL",
            "Trail Hoodie",
            "configurable",
            Decimal("0"),
            Decimal("0.8"),
            attribute_set_id=9,
            variants=(
                Variant("HD-TRAIL-S-GRAY", 167, "S"),
                Variant("HD-TRAIL-M-GRAY", 168, "M"),
                Variant("HD-TRAIL-L-BLACK", 169, "L"),
            ),
        ),
        _simple(
            11, "TS-BASIC-M-WHITE", "Basic Tee-M-White", "19.00", "0.2", visibility=hidden, attribute_set_id=9
        ),
        _simple(
            12, "TS-BASIC-L-WHITE", "Basic Tee-L-White", "19.00", "0.2", visibility=hidden, attribute_set_id=9
        ),
        Product(
            13,
            "TS-BASIC",
            "Basic Tee",
            "configurable",
            Decimal("0"),
            Decimal("0.2"),
            attribute_set_id=9,
            variants=(Variant("TS-BASIC-M-WHITE", 168, "M"), Variant("TS-BASIC-L-WHITE", 170, "L")),
        ),
        Product(
            14,
            "KIT-YOGA-START",
            "Yoga Starter Kit",
            "bundle",
            Decimal("0"),
            None,
            bundle_price_type="dynamic",
            bundle_options=(
                BundleOption(
                    1,
                    "Strap",
                    (
                        BundleSelection(1, "YG-STRAP-6FT", Decimal(1)),
                        BundleSelection(2, "YG-STRAP-8FT", Decimal(1)),
                    ),
                ),
                BundleOption(2, "Block", (BundleSelection(3, "YG-BLOCK-FOAM", Decimal(2)),)),
                BundleOption(3, "Bottle", (BundleSelection(4, "BT-WATER-750", Decimal(1)),)),
            ),
        ),
        Product(
            15,
            "KIT-GIFT-BOX",
            "Gift Box",
            "bundle",
            Decimal("49.00"),
            Decimal("1.0"),
            bundle_price_type="fixed",
            bundle_options=(
                BundleOption(4, "Bottle", (BundleSelection(5, "BT-WATER-750", Decimal(1)),)),
                BundleOption(5, "Block", (BundleSelection(6, "YG-BLOCK-FOAM", Decimal(1)),)),
            ),
        ),
        _simple(16, "SVC-WARRANTY-1Y", "1-Year Protection Plan", "19.00", None),
        _simple(17, "GIFT-DONATION-5", "Donation", "5.00", None, tax_class_id=NO_TAX_CLASS),
        _simple(18, "ACC/STRAP-01", "Carry Strap", "9.00", "0.1"),
        _simple(19, "MUG+LID 350", "Travel Mug + Lid 350 ml", "11.00", "0.35"),
        _simple(20, "TÉ-VERDE-250", "Té verde 250 g", "8.40", "0.25"),
        _simple(21, LEGACY_SKU, "Legacy Logo Tee", "15.00", "0.2", legacy=True),
    ]
    return products


class Catalog:
    """Products by SKU and by id; read-only after construction."""

    def __init__(self, products: list[Product] | None = None) -> None:
        self.products = products if products is not None else _products()
        self._by_sku = {product.sku: product for product in self.products}
        self._by_id = {product.product_id: product for product in self.products}

    def get(self, sku: str) -> Product | None:
        return self._by_sku.get(sku)

    def by_id(self, product_id: int) -> Product:
        return self._by_id[product_id]

    def variant_of(self, configurable: Product, option_value: int) -> Product | None:
        for variant in configurable.variants:
            if variant.option_value == option_value:
                return self._by_sku[variant.sku]
        return None

    def parent_of(self, child: Product) -> Product | None:
        """The configurable a simple product is a variant of, if any."""
        for product in self.products:
            if any(variant.sku == child.sku for variant in product.variants):
                return product
        return None

    def orderable(self) -> list[Product]:
        """Products a shopper can put in a cart on their own (no hidden variants)."""
        return [p for p in self.products if p.visibility == VISIBLE_EVERYWHERE and not p.legacy]


def mirror_catalog(catalog: Catalog, stores: tuple[StoreView, ...]) -> list[MirrorProduct]:
    """Every non-legacy product the demo should create in Odoo, with each store's tax on it."""
    mirrored = []
    for product in catalog.products:
        if product.legacy:
            continue
        taxed = product.tax_class_id == TAXABLE_GOODS
        mirrored.append(
            MirrorProduct(
                sku=product.sku,
                name=product.name,
                type_id=product.type_id,
                price=product.price,
                tax_class_id=product.tax_class_id,
                tax_class_name=TAX_CLASS_NAMES[product.tax_class_id],
                tax_percent_by_store={s.code: s.product_tax.percent if taxed else Decimal(0) for s in stores},
                prices_include_tax_by_store={s.code: s.prices_include_tax for s in stores},
            )
        )
    return mirrored
