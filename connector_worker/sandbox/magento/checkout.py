"""Checkout steps of the cart route: shipping estimate, shipping information, totals, placing the order.

Validation follows ``ShippingInformationManagement`` and ``QuoteValidator::validateBeforeSubmit``: an
empty cart gets no shipping method, an unknown carrier method is "not found" (404), and placing checks
the payment method first, then the shipping address, method and billing address.
"""

from __future__ import annotations

import secrets
from decimal import Decimal
from typing import Any

from connector_worker.sandbox.magento.carts import (
    ADDRESS_FIELDS,
    CUSTOMER_TAX_CLASS_ID,
    EMPTY_CART_SHIPPING,
    METHOD_NOT_FOUND,
    PAYMENT_MISSING,
    PAYMENT_NOT_AVAILABLE,
    PO_NUMBER_REQUIRED,
    SHIPPING_ADDRESS_MISSING,
    SHIPPING_METHOD_MISSING,
    active_cart,
    price_cart,
    render_cart_item,
)
from connector_worker.sandbox.magento.customers import get_customer
from connector_worker.sandbox.magento.errors import WebapiError, bad_request, required_field
from connector_worker.sandbox.magento.money import ZERO
from connector_worker.sandbox.magento.order_builder import Buyer, Placement, build_order
from connector_worker.sandbox.magento.pricing import PricedBasket
from connector_worker.sandbox.magento.state import SandboxState
from connector_worker.sandbox.magento.stores import (
    PAYMENT_METHODS,
    SHIPPING_METHODS,
    ShippingMethod,
    find_payment_method,
    find_shipping_method,
)

_ADDRESS_LABELS = {"country_id": "countryId"}
_QUOTE_ADDRESS_KEYS = (
    "region",
    "region_id",
    "region_code",
    "country_id",
    "street",
    "telephone",
    "postcode",
    "city",
    "firstname",
    "lastname",
    "email",
    "company",
    "vat_id",
    "customer_address_id",
)


def _available_methods(basket: PricedBasket) -> list[ShippingMethod]:
    return [
        m
        for m in SHIPPING_METHODS
        if m.free_from_subtotal is None or basket.base.subtotal_incl_tax >= m.free_from_subtotal
    ]


def estimate_shipping(state: SandboxState, cart_id: int, body: Any) -> list[dict[str, Any]]:
    """``POST /V1/carts/{id}/estimate-shipping-methods``: the carriers available for the cart."""
    if not isinstance(body, dict) or not isinstance(body.get("address"), dict):
        raise required_field("address")
    with state.lock:
        cart = active_cart(state, cart_id)
        if not cart["items"]:
            return []
        basket = price_cart(state, cart, None)
        return [_method_row(state, cart, basket, method) for method in _available_methods(basket)]


def _method_row(
    state: SandboxState, cart: dict[str, Any], basket: PricedBasket, method: ShippingMethod
) -> dict[str, Any]:
    priced = price_cart(state, cart, method)
    return {
        "carrier_code": method.carrier_code,
        "method_code": method.method_code,
        "carrier_title": method.carrier_title,
        "method_title": method.method_title,
        "amount": priced.order.shipping_incl_tax
        if basket.store.prices_include_tax
        else priced.order.shipping_amount,
        "base_amount": priced.base.shipping_incl_tax
        if basket.store.prices_include_tax
        else priced.base.shipping_amount,
        "available": True,
        "error_message": "",
        "price_excl_tax": priced.order.shipping_amount,
        "price_incl_tax": priced.order.shipping_incl_tax,
    }


def save_shipping_information(state: SandboxState, cart_id: int, body: Any) -> dict[str, Any]:
    """``POST /V1/carts/{id}/shipping-information``: addresses and carrier, then payment methods + totals."""
    if not isinstance(body, dict) or not isinstance(body.get("addressInformation"), dict):
        raise required_field("addressInformation")
    info: dict[str, Any] = body["addressInformation"]
    with state.lock:
        cart = active_cart(state, cart_id)
        if not cart["items"]:
            raise bad_request(EMPTY_CART_SHIPPING)
        shipping = info.get("shipping_address")
        if not isinstance(shipping, dict) or not shipping.get("country_id"):
            raise bad_request(SHIPPING_ADDRESS_MISSING)
        carrier, code = info.get("shipping_carrier_code"), info.get("shipping_method_code")
        if not carrier or not code:
            raise bad_request(SHIPPING_METHOD_MISSING)
        method = find_shipping_method(str(carrier), str(code))
        basket = price_cart(state, cart, None)
        if method is None or method not in _available_methods(basket):
            raise WebapiError(404, METHOD_NOT_FOUND, [carrier, code])
        cart["shipping_address"] = _quote_address(shipping)
        billing = info.get("billing_address")
        if isinstance(billing, dict):
            cart["billing_address"] = _quote_address(billing)
        elif shipping.get("same_as_billing"):
            cart["billing_address"] = dict(cart["shipping_address"])
        cart["shipping_method"] = method
        cart["updated_at"] = state.clock.now_text()
        priced = price_cart(state, cart, method)
        return {"payment_methods": _payment_methods(priced), "totals": render_totals(state, cart, priced)}


def _quote_address(data: dict[str, Any]) -> dict[str, Any]:
    return {key: data.get(key) for key in _QUOTE_ADDRESS_KEYS if data.get(key) is not None}


def _payment_methods(basket: PricedBasket) -> list[dict[str, str]]:
    zero = basket.base.grand_total <= 0
    return [{"code": m.code, "title": m.title} for m in PAYMENT_METHODS if (m.code == "free") == zero]


def render_totals(state: SandboxState, cart: dict[str, Any], basket: PricedBasket) -> dict[str, Any]:
    """``quote-data-totals-interface`` for the cart as priced."""
    order, base = basket.order, basket.base
    method: ShippingMethod | None = cart.get("shipping_method")
    top = [row for row in basket.rows if row.parent_index is None]
    items = []
    for item, row in zip(cart["items"], top, strict=True):
        amounts, base_amounts = row.order, row.base
        items.append(
            {
                "item_id": item["item_id"],
                "name": item["name"],
                "qty": row.qty,
                "price": amounts.price,
                "base_price": base_amounts.price,
                "row_total": amounts.row_total,
                "base_row_total": base_amounts.row_total,
                "row_total_with_discount": amounts.row_total - amounts.discount_amount,
                "tax_amount": amounts.tax_amount,
                "base_tax_amount": base_amounts.tax_amount,
                "tax_percent": row.tax_percent,
                "discount_amount": amounts.discount_amount,
                "base_discount_amount": base_amounts.discount_amount,
                "discount_percent": row.discount_percent,
                "price_incl_tax": amounts.price_incl_tax,
                "base_price_incl_tax": base_amounts.price_incl_tax,
                "row_total_incl_tax": amounts.row_total_incl_tax,
                "base_row_total_incl_tax": base_amounts.row_total_incl_tax,
                "options": "[]",
                "weee_tax_applied_amount": ZERO,
                "weee_tax_applied": "[]",
            }
        )
    segments = [
        {"code": "subtotal", "title": "Subtotal", "value": order.subtotal},
        {
            "code": "shipping",
            "title": f"Shipping & Handling ({method.description})" if method else "Shipping & Handling",
            "value": order.shipping_amount,
        },
        {"code": "tax", "title": "Tax", "value": order.tax_amount, "area": "taxes"},
        {"code": "grand_total", "title": "Grand Total", "value": order.grand_total, "area": "footer"},
    ]
    return {
        "grand_total": order.grand_total,
        "base_grand_total": base.grand_total,
        "subtotal": order.subtotal,
        "base_subtotal": base.subtotal,
        "discount_amount": order.discount_amount,
        "base_discount_amount": base.discount_amount,
        "subtotal_with_discount": order.subtotal + order.discount_amount,
        "base_subtotal_with_discount": base.subtotal + base.discount_amount,
        "shipping_amount": order.shipping_amount,
        "base_shipping_amount": base.shipping_amount,
        "shipping_discount_amount": order.shipping_discount_amount,
        "base_shipping_discount_amount": base.shipping_discount_amount,
        "tax_amount": order.tax_amount,
        "base_tax_amount": base.tax_amount,
        "weee_tax_applied_amount": ZERO,
        "shipping_tax_amount": order.shipping_tax_amount,
        "base_shipping_tax_amount": base.shipping_tax_amount,
        "subtotal_incl_tax": order.subtotal_incl_tax,
        "base_subtotal_incl_tax": base.subtotal_incl_tax,
        "shipping_incl_tax": order.shipping_incl_tax,
        "base_shipping_incl_tax": base.shipping_incl_tax,
        "base_currency_code": basket.store.base_currency,
        "quote_currency_code": basket.store.order_currency,
        "items_qty": int(sum((row.qty for row in top), ZERO)),
        "items": items,
        "total_segments": segments,
    }


def render_cart(state: SandboxState, cart: dict[str, Any]) -> dict[str, Any]:
    """``quote-data-cart-interface``."""
    store = state.store_by_id(cart["store_id"])
    customer = get_customer(state, cart["customer_id"])
    items = [render_cart_item(state, cart, item) for item in cart["items"]]
    rendered: dict[str, Any] = {
        "id": cart["id"],
        "created_at": cart["created_at"],
        "updated_at": cart["updated_at"],
        "is_active": cart["is_active"],
        "is_virtual": bool(items) and all(state.catalog.get(i["_product"]).is_virtual for i in cart["items"]),  # type: ignore[union-attr]
        "items": items,
        "items_count": len(items),
        "items_qty": sum((item["qty"] for item in cart["items"]), ZERO),
        "customer": {k: v for k, v in customer.items() if v is not None},
        "orig_order_id": 0,
        "currency": {
            "global_currency_code": store.base_currency,
            "base_currency_code": store.base_currency,
            "store_currency_code": store.base_currency,
            "quote_currency_code": store.order_currency,
            "store_to_base_rate": ZERO,
            "store_to_quote_rate": ZERO,
            "base_to_global_rate": Decimal(1),
            "base_to_quote_rate": store.base_to_order_rate,
        },
        "customer_is_guest": False,
        "customer_note_notify": True,
        "customer_tax_class_id": CUSTOMER_TAX_CLASS_ID,
        "store_id": cart["store_id"],
    }
    if cart.get("billing_address"):
        rendered["billing_address"] = dict(cart["billing_address"], customer_id=cart["customer_id"])
    if cart.get("reserved_order_id"):
        rendered["reserved_order_id"] = cart["reserved_order_id"]
    return rendered


def _check_payment(body: Any, basket: PricedBasket) -> tuple[str, str | None]:
    payment = body.get("paymentMethod") if isinstance(body, dict) else None
    if not isinstance(payment, dict) or not payment.get("method"):
        raise bad_request(PAYMENT_MISSING)
    method = find_payment_method(str(payment["method"]))
    zero = basket.base.grand_total <= 0
    if method is None or (method.code == "free") != zero:
        raise bad_request(PAYMENT_NOT_AVAILABLE)
    po_number = payment.get("po_number")
    if method.code == "purchaseorder" and not po_number:
        raise bad_request(PO_NUMBER_REQUIRED)
    return method.code, str(po_number) if po_number else None


def _address_errors(address: dict[str, Any] | None) -> list[str]:
    data = address or {}
    return [
        f'"{_ADDRESS_LABELS.get(name, name)}" is required. Enter and try again.'
        for name in ADDRESS_FIELDS
        if not data.get(name)
    ]


def place_order(state: SandboxState, cart_id: int, body: Any) -> int:
    """``PUT /V1/carts/{id}/order``: the new order's entity_id."""
    with state.lock:
        cart = active_cart(state, cart_id)
        method: ShippingMethod | None = cart.get("shipping_method")
        basket = price_cart(state, cart, method)
        if not basket.is_virtual and not cart.get("shipping_address"):
            raise bad_request(SHIPPING_ADDRESS_MISSING)
        payment_code, po_number = _check_payment(body, basket)
        if not basket.is_virtual:
            errors = _address_errors(cart.get("shipping_address"))
            if errors:
                raise WebapiError(
                    400, "Please check the shipping address information. %1", [" ".join(errors)]
                )
            if method is None or not cart["items"]:
                raise bad_request(SHIPPING_METHOD_MISSING)
        errors = _address_errors(cart.get("billing_address"))
        if errors:
            raise WebapiError(400, "Please check the billing address information. %1", [" ".join(errors)])
        return _submit(state, cart, basket, payment_code, po_number)


def _submit(
    state: SandboxState, cart: dict[str, Any], basket: PricedBasket, payment_code: str, po_number: str | None
) -> int:
    customer = get_customer(state, cart["customer_id"])
    store = basket.store
    entity_id = state.next_id("order")
    increment_id = state.next_increment("order", store)
    payment = find_payment_method(payment_code)
    assert payment is not None
    placement = Placement(
        entity_id=entity_id,
        increment_id=increment_id,
        quote_id=cart["id"],
        created_at=state.clock.now_text(),
        buyer=Buyer(
            customer["email"],
            customer["firstname"],
            customer["lastname"],
            customer["id"],
            customer["group_id"],
        ),
        billing=cart["billing_address"],
        shipping_address=cart.get("shipping_address"),
        payment=payment,
        protect_code=secrets.token_hex(3),
        po_number=po_number,
    )
    order = build_order(basket, placement, state.next_id)
    cart["is_active"] = False
    cart["reserved_order_id"] = increment_id
    cart["updated_at"] = placement.created_at
    state.add_order(order)
    return entity_id
