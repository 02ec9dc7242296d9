"""Sales routes: orders (list, get, comments, cancel/hold/unhold), invoices and shipments.

ACL resources are those of Magento's ``Sales/etc/webapi.xml``; they name the resource in a 401.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from connector_worker.sandbox.magento.documents import invoice_order, ship_order
from connector_worker.sandbox.magento.errors import required_field
from connector_worker.sandbox.magento.fields_filter import FieldTree, cut, parse_fields
from connector_worker.sandbox.magento.orders import add_comment, cancel, hold, unhold
from connector_worker.sandbox.magento.render import dumps
from connector_worker.sandbox.magento.search import apply_criteria
from connector_worker.sandbox.magento.webapi import Reply, Req, Route, json_reply

if TYPE_CHECKING:
    from connector_worker.sandbox.magento.state import SandboxState

ORDER_COLUMNS = frozenset(
    [
        "adjustment_negative",
        "adjustment_positive",
        "applied_rule_ids",
        "base_adjustment_negative",
        "base_adjustment_positive",
        "base_currency_code",
        "base_discount_amount",
        "base_discount_canceled",
        "base_discount_invoiced",
        "base_discount_refunded",
        "base_grand_total",
        "base_discount_tax_compensation_amount",
        "base_discount_tax_compensation_invoiced",
        "base_discount_tax_compensation_refunded",
        "base_shipping_amount",
        "base_shipping_canceled",
        "base_shipping_discount_amount",
        "base_shipping_discount_tax_compensation_amnt",
        "base_shipping_incl_tax",
        "base_shipping_invoiced",
        "base_shipping_refunded",
        "base_shipping_tax_amount",
        "base_shipping_tax_refunded",
        "base_subtotal",
        "base_subtotal_canceled",
        "base_subtotal_incl_tax",
        "base_subtotal_invoiced",
        "base_subtotal_refunded",
        "base_tax_amount",
        "base_tax_canceled",
        "base_tax_invoiced",
        "base_tax_refunded",
        "base_total_canceled",
        "base_total_due",
        "base_total_invoiced",
        "base_total_invoiced_cost",
        "base_total_offline_refunded",
        "base_total_online_refunded",
        "base_total_paid",
        "base_total_qty_ordered",
        "base_total_refunded",
        "base_to_global_rate",
        "base_to_order_rate",
        "billing_address_id",
        "can_ship_partially",
        "can_ship_partially_item",
        "coupon_code",
        "created_at",
        "customer_dob",
        "customer_email",
        "customer_firstname",
        "customer_gender",
        "customer_group_id",
        "customer_id",
        "customer_is_guest",
        "customer_lastname",
        "customer_middlename",
        "customer_note",
        "customer_note_notify",
        "customer_prefix",
        "customer_suffix",
        "customer_taxvat",
        "discount_amount",
        "discount_canceled",
        "discount_description",
        "discount_invoiced",
        "discount_refunded",
        "edit_increment",
        "email_sent",
        "entity_id",
        "ext_customer_id",
        "ext_order_id",
        "forced_shipment_with_invoice",
        "global_currency_code",
        "grand_total",
        "discount_tax_compensation_amount",
        "discount_tax_compensation_invoiced",
        "discount_tax_compensation_refunded",
        "hold_before_state",
        "hold_before_status",
        "increment_id",
        "is_virtual",
        "order_currency_code",
        "original_increment_id",
        "payment_authorization_amount",
        "payment_auth_expiration",
        "protect_code",
        "quote_address_id",
        "quote_id",
        "relation_child_id",
        "relation_child_real_id",
        "relation_parent_id",
        "relation_parent_real_id",
        "remote_ip",
        "shipping_amount",
        "shipping_canceled",
        "shipping_description",
        "shipping_discount_amount",
        "shipping_discount_tax_compensation_amount",
        "shipping_incl_tax",
        "shipping_invoiced",
        "shipping_refunded",
        "shipping_tax_amount",
        "shipping_tax_refunded",
        "state",
        "status",
        "store_currency_code",
        "store_id",
        "store_name",
        "store_to_base_rate",
        "store_to_order_rate",
        "subtotal",
        "subtotal_canceled",
        "subtotal_incl_tax",
        "subtotal_invoiced",
        "subtotal_refunded",
        "tax_amount",
        "tax_canceled",
        "tax_invoiced",
        "tax_refunded",
        "total_canceled",
        "total_due",
        "total_invoiced",
        "total_item_count",
        "total_offline_refunded",
        "total_online_refunded",
        "total_paid",
        "total_qty_ordered",
        "total_refunded",
        "updated_at",
        "weight",
        "x_forwarded_for",
    ]
)
INVOICE_COLUMNS = frozenset(
    [
        "base_currency_code",
        "base_discount_amount",
        "base_grand_total",
        "base_discount_tax_compensation_amount",
        "base_shipping_amount",
        "base_shipping_incl_tax",
        "base_shipping_tax_amount",
        "base_subtotal",
        "base_subtotal_incl_tax",
        "base_tax_amount",
        "base_total_refunded",
        "base_to_global_rate",
        "base_to_order_rate",
        "billing_address_id",
        "can_void_flag",
        "created_at",
        "discount_amount",
        "discount_description",
        "email_sent",
        "entity_id",
        "global_currency_code",
        "grand_total",
        "discount_tax_compensation_amount",
        "increment_id",
        "is_used_for_refund",
        "order_currency_code",
        "order_id",
        "shipping_address_id",
        "shipping_amount",
        "shipping_incl_tax",
        "shipping_tax_amount",
        "state",
        "store_currency_code",
        "store_id",
        "store_to_base_rate",
        "store_to_order_rate",
        "subtotal",
        "subtotal_incl_tax",
        "tax_amount",
        "total_qty",
        "transaction_id",
        "updated_at",
    ]
)
SHIPMENT_COLUMNS = frozenset(
    [
        "billing_address_id",
        "created_at",
        "customer_id",
        "email_sent",
        "entity_id",
        "increment_id",
        "order_id",
        "shipment_status",
        "shipping_address_id",
        "shipping_label",
        "store_id",
        "total_qty",
        "total_weight",
        "updated_at",
    ]
)


def list_orders(req: Req) -> Reply:
    criteria = req.criteria()
    state = req.sandbox.state
    with state.lock:
        page, total = apply_criteria(
            state.orders.values(),
            criteria,
            ORDER_COLUMNS,
            clamp_page=req.sandbox.config.clamp_out_of_range_page,
        )
        # Magento cuts the answer after the search ran, so a refused search is refused whatever the fields
        selection = req.fields
        if selection is None:
            return Reply(200, _search_result(state, page, criteria.echo(), total))
        tree = parse_fields(selection)
        if tree is None:
            return Reply(200, b"[]", filtered=True)
        return Reply(200, _partial_search_result(state, page, tree, criteria.echo(), total), filtered=True)


def _search_result(state: SandboxState, page: list[dict[str, Any]], echo: Any, total: int) -> bytes:
    items = b",".join(state.order_json(order) for order in page)
    return b'{"items":[' + items + b'],"search_criteria":' + dumps(echo) + b',"total_count":%d}' % total


def _partial_search_result(
    state: SandboxState, page: list[dict[str, Any]], tree: FieldTree, echo: Any, total: int
) -> bytes:
    """The search result cut down to ``tree``, each order from its cached rendering of the selection."""
    parts = []
    if "items" in tree:
        subtree = tree["items"]
        if subtree is not None and not page:
            parts.append(b'"items":null')  # Magento's filter turns an empty list into null
        else:
            parts.append(b'"items":[' + b",".join(state.order_json(order, subtree) for order in page) + b"]")
    if "search_criteria" in tree:
        subtree = tree["search_criteria"]
        parts.append(b'"search_criteria":' + dumps(echo if subtree is None else cut(echo, subtree)))
    if "total_count" in tree:
        parts.append(b'"total_count":%d' % total)
    return b"{" + b",".join(parts) + b"}" if parts else b"[]"


def get_order(req: Req) -> Reply:
    state = req.sandbox.state
    with state.lock:
        order = state.get_order(req.int_param("id"))  # a missing order is a 404 whatever the fields
        selection = req.fields
        tree = parse_fields(selection) if selection is not None else None
        if selection is not None and tree is None:
            return Reply(200, b"[]", filtered=True)
        return Reply(200, state.order_json(order, tree), filtered=True)


def list_comments(req: Req) -> Reply:
    state = req.sandbox.state
    order_id = req.int_param("id")
    with state.lock:
        histories = list(state.orders[order_id]["status_histories"]) if order_id in state.orders else []
    criteria = {
        "filter_groups": [
            {"filters": [{"field": "parent_id", "value": str(order_id), "condition_type": "eq"}]}
        ]
    }
    return json_reply({"items": histories, "search_criteria": criteria, "total_count": len(histories)})


def post_comment(req: Req) -> Reply:
    body = req.body if isinstance(req.body, dict) else {}
    history = body.get("statusHistory")
    if not isinstance(history, dict):
        raise required_field("statusHistory")
    state = req.sandbox.state
    with state.lock:
        return json_reply(add_comment(state, state.get_order(req.int_param("id")), history))


def _order_action(action: Any) -> Any:
    def handler(req: Req) -> Reply:
        state = req.sandbox.state
        with state.lock:
            return json_reply(action(state, state.get_order(req.int_param("id"))))

    return handler


def post_invoice(req: Req) -> Reply:
    state = req.sandbox.state
    with state.lock:
        order = state.get_order(req.int_param("orderId"))
        return json_reply(invoice_order(state, order, req.body if isinstance(req.body, dict) else {}))


def post_ship(req: Req) -> Reply:
    state = req.sandbox.state
    with state.lock:
        order = state.get_order(req.int_param("orderId"))
        return json_reply(ship_order(state, order, req.body if isinstance(req.body, dict) else {}))


def _document_list(kind: str) -> Any:
    columns = INVOICE_COLUMNS if kind == "invoices" else SHIPMENT_COLUMNS

    def handler(req: Req) -> Reply:
        criteria = req.criteria()
        state = req.sandbox.state
        with state.lock:
            records = getattr(state, kind).values()
            page, total = apply_criteria(
                records, criteria, columns, clamp_page=req.sandbox.config.clamp_out_of_range_page
            )
            return json_reply({"items": page, "search_criteria": criteria.echo(), "total_count": total})

    return handler


ROUTES = [
    Route("GET", "V1/orders", "Magento_Sales::actions_view", list_orders),
    Route("GET", "V1/orders/{id}", "Magento_Sales::actions_view", get_order),
    Route("GET", "V1/orders/{id}/comments", "Magento_Sales::actions_view", list_comments),
    Route("POST", "V1/orders/{id}/comments", "Magento_Sales::comment", post_comment),
    Route("POST", "V1/orders/{id}/cancel", "Magento_Sales::cancel", _order_action(cancel)),
    Route("POST", "V1/orders/{id}/hold", "Magento_Sales::hold", _order_action(hold)),
    Route("POST", "V1/orders/{id}/unhold", "Magento_Sales::unhold", _order_action(unhold)),
    Route("POST", "V1/order/{orderId}/invoice", "Magento_Sales::invoice", post_invoice),
    Route("POST", "V1/order/{orderId}/ship", "Magento_Sales::ship", post_ship),
    Route("GET", "V1/invoices", "Magento_Sales::sales_invoice", _document_list("invoices")),
    Route("GET", "V1/shipments", "Magento_Sales::shipment", _document_list("shipments")),
]
