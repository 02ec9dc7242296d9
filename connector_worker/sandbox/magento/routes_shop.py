"""Shop routes: admin token, customers, products and the cart (quote) route to an order.

ACL resources are Magento's: ``Magento_Customer::customer``/``::manage``, ``Magento_Catalog::products``,
``Magento_Cart::manage``; the token route and account creation are anonymous.
"""

from __future__ import annotations

from connector_worker.sandbox.magento.carts import add_item, cart_for_customer, get_cart, remove_item
from connector_worker.sandbox.magento.checkout import (
    estimate_shipping,
    place_order,
    render_cart,
    save_shipping_information,
)
from connector_worker.sandbox.magento.customers import (
    CUSTOMER_COLUMNS,
    create_customer,
    get_customer,
    search_records,
)
from connector_worker.sandbox.magento.errors import PRODUCT_NOT_FOUND, WebapiError
from connector_worker.sandbox.magento.products import PRODUCT_COLUMNS, product_record, render_product
from connector_worker.sandbox.magento.search import apply_criteria
from connector_worker.sandbox.magento.webapi import ANONYMOUS, Reply, Req, Route, json_reply


def admin_token(req: Req) -> Reply:
    return json_reply(req.sandbox.auth.issue_admin_token(req.body))


def search_customers(req: Req) -> Reply:
    criteria = req.criteria()
    state = req.sandbox.state
    with state.lock:
        page, total = apply_criteria(search_records(state), criteria, CUSTOMER_COLUMNS)
        items = [{k: v for k, v in record.items() if k != "entity_id"} for record in page]
        return json_reply({"items": items, "search_criteria": criteria.echo(), "total_count": total})


def read_customer(req: Req) -> Reply:
    state = req.sandbox.state
    with state.lock:
        return json_reply(get_customer(state, req.int_param("customerId")))


def post_customer(req: Req) -> Reply:
    return json_reply(create_customer(req.sandbox.state, req.body, req.store))


def read_product(req: Req) -> Reply:
    catalog = req.sandbox.state.catalog
    product = catalog.get(req.params["sku"])
    if product is None:
        raise WebapiError(404, PRODUCT_NOT_FOUND)
    return json_reply(render_product(product, catalog))


def list_products(req: Req) -> Reply:
    criteria = req.criteria()
    catalog = req.sandbox.state.catalog
    records = [product_record(product) for product in catalog.products]
    page, total = apply_criteria(records, criteria, PRODUCT_COLUMNS)
    items = [render_product(catalog.by_id(record["entity_id"]), catalog) for record in page]
    return json_reply({"items": items, "search_criteria": criteria.echo(), "total_count": total})


def create_cart(req: Req) -> Reply:
    return json_reply(cart_for_customer(req.sandbox.state, req.int_param("customerId"), req.store))


def read_cart(req: Req) -> Reply:
    state = req.sandbox.state
    with state.lock:
        return json_reply(render_cart(state, get_cart(state, req.int_param("cartId"))))


def read_cart_items(req: Req) -> Reply:
    state = req.sandbox.state
    with state.lock:
        return json_reply(render_cart(state, get_cart(state, req.int_param("cartId")))["items"])


def post_cart_item(req: Req) -> Reply:
    return json_reply(add_item(req.sandbox.state, req.int_param("quoteId"), req.body))


def delete_cart_item(req: Req) -> Reply:
    return json_reply(remove_item(req.sandbox.state, req.int_param("cartId"), req.int_param("itemId")))


def post_shipping_information(req: Req) -> Reply:
    return json_reply(save_shipping_information(req.sandbox.state, req.int_param("cartId"), req.body))


def post_estimate(req: Req) -> Reply:
    return json_reply(estimate_shipping(req.sandbox.state, req.int_param("cartId"), req.body))


def put_order(req: Req) -> Reply:
    return json_reply(place_order(req.sandbox.state, req.int_param("cartId"), req.body))


CART = "Magento_Cart::manage"
ROUTES = [
    Route("POST", "V1/integration/admin/token", ANONYMOUS, admin_token),
    Route("GET", "V1/customers/search", "Magento_Customer::customer", search_customers),
    Route("GET", "V1/customers/{customerId}", "Magento_Customer::customer", read_customer),
    Route("POST", "V1/customers", ANONYMOUS, post_customer),
    Route("GET", "V1/products/{sku}", "Magento_Catalog::products", read_product),
    Route("GET", "V1/products", "Magento_Catalog::products", list_products),
    Route("POST", "V1/customers/{customerId}/carts", CART, create_cart),
    Route("GET", "V1/carts/{cartId}", CART, read_cart),
    Route("GET", "V1/carts/{cartId}/items", CART, read_cart_items),
    Route("POST", "V1/carts/{quoteId}/items", CART, post_cart_item),
    Route("DELETE", "V1/carts/{cartId}/items/{itemId}", CART, delete_cart_item),
    Route("POST", "V1/carts/{cartId}/shipping-information", CART, post_shipping_information),
    Route("POST", "V1/carts/{cartId}/estimate-shipping-methods", CART, post_estimate),
    Route("PUT", "V1/carts/{cartId}/order", CART, put_order),
]
