"""The cart (quote) route to an order, as an admin or integration drives it over REST.

``POST /V1/customers/{id}/carts`` returns the customer's active cart when there is one (it may already
hold storefront items). Item prices always come from the catalog: a ``price`` sent on a cart item is
ignored, as in Magento (issues #22215, #38985). Only offline payment methods are available; ``free`` only
for a zero total, as Magento's ``ZeroTotal`` check decides. Placing the order deactivates the cart, so a
retried ``PUT /order`` gets 404 and the caller must look the order up by ``quote_id``.
"""

from __future__ import annotations

from decimal import Decimal, InvalidOperation
from typing import Any

from connector_worker.sandbox.magento.catalog import Product
from connector_worker.sandbox.magento.customers import get_customer
from connector_worker.sandbox.magento.errors import (
    PRODUCT_NOT_FOUND,
    WebapiError,
    bad_request,
    no_such_entity,
    required_field,
)
from connector_worker.sandbox.magento.money import ZERO
from connector_worker.sandbox.magento.pricing import LineSpec, PricedBasket, price_basket
from connector_worker.sandbox.magento.state import SandboxState
from connector_worker.sandbox.magento.stores import (
    ShippingMethod,
    StoreView,
)

CUSTOMER_TAX_CLASS_ID = 3
EMPTY_CART_SHIPPING = "The shipping method can't be set for an empty cart. Add an item to cart and try again."
SHIPPING_ADDRESS_MISSING = "The shipping address is missing. Set the address and try again."
SHIPPING_METHOD_MISSING = "The shipping method is missing. Select the shipping method and try again."
METHOD_NOT_FOUND = "Carrier with such method not found: %1, %2"
PAYMENT_NOT_AVAILABLE = "The requested Payment Method is not available."
PAYMENT_MISSING = "Enter a valid payment method and try again."
PO_NUMBER_REQUIRED = "Purchase order number is a required field."
CHOOSE_OPTIONS = "You need to choose options for your item."
BUNDLE_OPTIONS = "Please specify product option(s)."
NOT_IN_CART = "The %1 Cart doesn't contain the %2 item."
INVALID_VALUE = 'Invalid value of "%value" provided for the %fieldName field.'
ADDRESS_FIELDS = ("firstname", "lastname", "street", "city", "telephone", "postcode", "country_id")


def get_cart(state: SandboxState, cart_id: int) -> dict[str, Any]:
    cart = state.carts.get(cart_id)
    if cart is None:
        raise no_such_entity("cartId", cart_id)
    return cart


def active_cart(state: SandboxState, cart_id: int) -> dict[str, Any]:
    """``CartRepository::getActive``: an inactive (already ordered) cart is "no such entity"."""
    cart = get_cart(state, cart_id)
    if not cart["is_active"]:
        raise no_such_entity("cartId", cart_id)
    return cart


def cart_for_customer(state: SandboxState, customer_id: int, store: StoreView) -> int:
    """The customer's active cart (moved to ``store``), or a new empty one."""
    get_customer(state, customer_id)
    with state.lock:
        for cart in state.carts.values():
            if cart["customer_id"] == customer_id and cart["is_active"]:
                cart["store_id"] = store.store_id
                return int(cart["id"])
        cart_id = state.next_id("quote")
        now = state.clock.now_text()
        state.carts[cart_id] = {
            "id": cart_id,
            "customer_id": customer_id,
            "store_id": store.store_id,
            "is_active": True,
            "created_at": now,
            "updated_at": now,
            "items": [],
            "shipping_address": None,
            "billing_address": None,
            "shipping_method": None,
            "reserved_order_id": None,
        }
        return cart_id


def cart_lines(state: SandboxState, cart: dict[str, Any]) -> list[LineSpec]:
    lines = []
    for item in cart["items"]:
        product = state.catalog.get(item["_product"])
        assert product is not None
        variant = state.catalog.get(item["_variant"]) if item.get("_variant") else None
        selections = tuple(
            (option, selection)
            for option in product.bundle_options
            for selection in option.selections
            if selection.selection_id in item.get("_selections", ())
        )
        lines.append(LineSpec(product, item["qty"], variant, selections))
    return lines


def price_cart(state: SandboxState, cart: dict[str, Any], method: ShippingMethod | None) -> PricedBasket:
    store = state.store_by_id(cart["store_id"])
    return price_basket(cart_lines(state, cart), store, state.catalog, method)


def add_item(state: SandboxState, cart_id: int, body: Any) -> dict[str, Any]:
    """``POST /V1/carts/{quoteId}/items``; same product and options add up on one row."""
    if not isinstance(body, dict) or not isinstance(body.get("cartItem"), dict):
        raise required_field("cartItem")
    data: dict[str, Any] = body["cartItem"]
    with state.lock:
        cart = active_cart(state, cart_id)
        qty = _quantity(data.get("qty"))
        product = state.catalog.get(str(data.get("sku") or ""))
        if product is None:
            raise WebapiError(404, PRODUCT_NOT_FOUND)
        variant, selections = _options(state, product, data.get("product_option"))
        for item in cart["items"]:
            if (
                item["_product"] == product.sku
                and item.get("_variant") == (variant.sku if variant else None)
                and item.get("_selections", ()) == selections
            ):
                item["qty"] += qty
                break
        else:
            item = _new_item(state, cart_id, product=product, qty=qty, variant=variant, selections=selections)
            cart["items"].append(item)
        cart["updated_at"] = state.clock.now_text()
        return render_cart_item(state, cart, item)


def _quantity(value: Any) -> Decimal:
    try:
        qty = Decimal(str(value))
    except (InvalidOperation, ValueError):
        qty = ZERO
    if not qty.is_finite() or qty <= 0:
        raise WebapiError(400, INVALID_VALUE, {"value": value, "fieldName": "qty"})
    return qty


def _options(state: SandboxState, product: Product, option: Any) -> tuple[Product | None, tuple[int, ...]]:
    extension = (option or {}).get("extension_attributes") or {} if isinstance(option, dict) else {}
    if product.type_id == "configurable":
        chosen = extension.get("configurable_item_options") or []
        values = {int(o.get("option_value") or 0) for o in chosen if isinstance(o, dict)}
        variant = next(
            (
                state.catalog.variant_of(product, value)
                for value in values
                if state.catalog.variant_of(product, value)
            ),
            None,
        )
        if variant is None:
            raise bad_request(CHOOSE_OPTIONS)
        return variant, ()
    if product.type_id == "bundle":
        picked: list[int] = []
        for entry in extension.get("bundle_options") or []:
            picked.extend(int(s) for s in entry.get("option_selections") or [])
        valid = {s.selection_id for o in product.bundle_options for s in o.selections}
        if not picked or not set(picked) <= valid or len(picked) != len(product.bundle_options):
            raise bad_request(BUNDLE_OPTIONS)
        return None, tuple(sorted(picked))
    return None, ()


def _new_item(
    state: SandboxState,
    cart_id: int,
    *,
    product: Product,
    qty: Decimal,
    variant: Product | None,
    selections: tuple[int, ...],
) -> dict[str, Any]:
    item: dict[str, Any] = {
        "item_id": state.next_id("quote_item"),
        "sku": variant.sku if variant else product.sku,
        "qty": qty,
        "name": product.name,
        "product_type": product.type_id,
        "quote_id": str(cart_id),
        "_product": product.sku,
        "_variant": variant.sku if variant else None,
        "_selections": selections,
    }
    if variant is not None:
        value = next(v.option_value for v in product.variants if v.sku == variant.sku)
        item["product_option"] = {
            "extension_attributes": {
                "configurable_item_options": [{"option_id": "144", "option_value": value}]
            }
        }
    if selections:
        options = [
            {"option_id": o.option_id, "option_qty": int(s.qty), "option_selections": [s.selection_id]}
            for o in product.bundle_options
            for s in o.selections
            if s.selection_id in selections
        ]
        item["product_option"] = {"extension_attributes": {"bundle_options": options}}
    return item


def render_cart_item(state: SandboxState, cart: dict[str, Any], item: dict[str, Any]) -> dict[str, Any]:
    """``quote-data-cart-item-interface``: price is the catalog price (excl. tax) in the quote currency."""
    basket = price_cart(state, cart, None)
    index = cart["items"].index(item)
    top_rows = [row for row in basket.rows if row.parent_index is None]
    rendered = {k: v for k, v in item.items() if not k.startswith("_")}
    rendered["price"] = top_rows[index].order.price
    return rendered


def remove_item(state: SandboxState, cart_id: int, item_id: int) -> bool:
    with state.lock:
        cart = active_cart(state, cart_id)
        for item in cart["items"]:
            if item["item_id"] == item_id:
                cart["items"].remove(item)
                cart["updated_at"] = state.clock.now_text()
                return True
    raise WebapiError(404, NOT_IN_CART, [cart_id, item_id])
