"""The Magento REST calls the connector makes: orders, documents, customers, products and the cart route.

Each method is one Magento operation with the connector's conventions applied: ids checked before they reach
a URL, ``Decimal`` money and UTC datetimes in what comes back, and "refused" answers (``cancel`` returning
``false``) raised as errors instead of passing for success. Transport, retries and auth live in
``transport.py``.
"""

from __future__ import annotations

import time
from collections.abc import Callable, Iterable, Iterator, Mapping, Sequence
from dataclasses import dataclass
from decimal import Decimal
from types import TracebackType
from typing import Any

import requests

from config.settings import InstanceConfig
from connector_worker.errors import NotFoundError
from connector_worker.magento.answers import (
    expect_dict,
    expect_int,
    expect_list_of_dicts,
    expect_true,
    malformed,
    positive_id,
)
from connector_worker.magento.errors import MagentoCall, MagentoNotFoundError, make_error
from connector_worker.magento.retry import RetryPolicy
from connector_worker.magento.search import Filter, SearchCriteria, SearchPage
from connector_worker.magento.transport import Exchange, MagentoTransport

Quantity = int | Decimal
# Magento's own text for ProductRepository::get on an unknown SKU, reused when the lookup goes via search.
PRODUCT_NOT_FOUND = "The product that was requested doesn't exist. Verify the product and try again."
_SKU_BATCH = 100  # SKUs per search request: keeps the query string far below common 8 KB URL limits
_SKU_BATCH_CHARS = 2000


@dataclass(frozen=True)
class Track:
    """A shipment tracking number; ``carrier_code`` is an installed carrier (``ups``, ``dhl``...) or ``custom``."""

    number: str
    carrier_code: str = "custom"
    title: str = ""

    def as_body(self) -> dict[str, str]:
        """``sales-data-shipment-track-creation-interface`` (all three keys are required by Magento)."""
        return {
            "track_number": self.number,
            "title": self.title or self.carrier_code,
            "carrier_code": self.carrier_code,
        }


class MagentoClient:
    """A Magento 2.4 REST client for one instance (store view); one pooled session, thread-safe counters.

    ``requests_made`` counts every HTTP request sent, retries and admin-token requests included.
    """

    def __init__(
        self,
        instance: InstanceConfig,
        *,
        session: requests.Session | None = None,
        retry: RetryPolicy | None = None,
        sleep: Callable[[float], None] = time.sleep,
        on_exchange: Callable[[Exchange], None] | None = None,
    ) -> None:
        self.instance = instance
        self.transport = MagentoTransport(
            instance, session=session, retry=retry, sleep=sleep, on_exchange=on_exchange
        )
        self._page_size = instance.options.page_size

    @property
    def requests_made(self) -> int:
        """HTTP requests sent by this client so far (retries included)."""
        return self.transport.requests_made

    def close(self) -> None:
        """Release the pooled connections."""
        self.transport.close()

    def __enter__(self) -> MagentoClient:
        return self

    def __exit__(
        self, exc_type: type[BaseException] | None, exc: BaseException | None, tb: TracebackType | None
    ) -> None:
        self.close()

    # -- searching ---------------------------------------------------------------------------------------

    def search(self, path: str, criteria: SearchCriteria, page: int = 1) -> SearchPage:
        """One page of any ``searchCriteria`` list endpoint (``/orders``, ``/invoices``, ``/products``...)."""
        size = criteria.effective_page_size(self._page_size)
        answer = self.transport.call("GET", path, params=criteria.query_params(page, self._page_size))
        if not isinstance(answer, dict) or not isinstance(answer.get("total_count"), int):
            raise malformed("GET", path, "a search result without total_count")
        items = answer.get("items") or []
        if not isinstance(items, list) or not all(isinstance(item, dict) for item in items):
            raise malformed("GET", path, "a search result whose items are not objects")
        return SearchPage(items=items, total_count=answer["total_count"], page=page, page_size=size)

    def iter_pages(self, path: str, criteria: SearchCriteria) -> Iterator[SearchPage]:
        """Every page of a search, stopping when ``page * page_size >= total_count`` (never on an empty page).

        ``total_count`` is re-read on each page, so rows deleted mid-scan end the scan early instead of
        asking for pages past the end (which Magento may answer with the last page again, issue #3787).
        """
        page = 1
        while True:
            result = self.search(path, criteria, page)
            yield result
            if result.is_last:
                return
            page += 1

    def search_orders(self, criteria: SearchCriteria, page: int = 1) -> SearchPage:
        """``GET /V1/orders``: one page of orders."""
        return self.search("/orders", criteria, page)

    def iter_order_pages(self, criteria: SearchCriteria) -> Iterator[SearchPage]:
        """All pages of an order search; for the incremental pull use ``SearchCriteria().updated_since(t)``."""
        return self.iter_pages("/orders", criteria)

    def search_invoices(self, criteria: SearchCriteria, page: int = 1) -> SearchPage:
        """``GET /V1/invoices`` (filter ``order_id`` for one order's invoices)."""
        return self.search("/invoices", criteria, page)

    def search_shipments(self, criteria: SearchCriteria, page: int = 1) -> SearchPage:
        """``GET /V1/shipments`` (filter ``order_id`` for one order's shipments)."""
        return self.search("/shipments", criteria, page)

    def _all_items(self, path: str, criteria: SearchCriteria) -> list[dict[str, Any]]:
        return [item for page in self.iter_pages(path, criteria) for item in page.items]

    # -- orders ------------------------------------------------------------------------------------------

    def get_order(self, entity_id: int, fields: str | None = None) -> dict[str, Any]:
        """``GET /V1/orders/{id}``, only ``fields`` when given; :class:`NotFoundError` when the order is gone."""
        path = f"/orders/{positive_id(entity_id)}"
        params = [("fields", fields)] if fields else []
        return expect_dict("GET", path, self.transport.call("GET", path, params=params))

    def order_comments(self, entity_id: int) -> list[dict[str, Any]]:
        """``GET /V1/orders/{id}/comments``: the status history, as Magento lists it."""
        path = f"/orders/{positive_id(entity_id)}/comments"
        answer = expect_dict("GET", path, self.transport.call("GET", path))
        return expect_list_of_dicts("GET", path, answer.get("items") or [])

    def add_order_comment(
        self, entity_id: int, comment: str, status: str, *, notify: bool = False, visible: bool = False
    ) -> None:
        """``POST /V1/orders/{id}/comments`` with an explicit status (omitting it nulls the status, #34180).

        On 2.4.7 the status may be ignored (#38723): read the order back when the status matters.
        """
        order_id = positive_id(entity_id)
        path = f"/orders/{order_id}/comments"
        body = {
            "statusHistory": {
                "comment": comment,
                "is_customer_notified": int(notify),
                "is_visible_on_front": int(visible),
                "parent_id": order_id,
                "status": status,
            }
        }
        expect_true("POST", path, self.transport.call("POST", path, body=body), "add the comment")

    def cancel_order(self, entity_id: int) -> None:
        """``POST /V1/orders/{id}/cancel``; Magento answers ``false`` when ``canCancel()`` says no."""
        self._order_action(entity_id, "cancel")

    def hold_order(self, entity_id: int) -> None:
        """``POST /V1/orders/{id}/hold``."""
        self._order_action(entity_id, "hold")

    def unhold_order(self, entity_id: int) -> None:
        """``POST /V1/orders/{id}/unhold``."""
        self._order_action(entity_id, "unhold")

    def _order_action(self, entity_id: int, action: str) -> None:
        path = f"/orders/{positive_id(entity_id)}/{action}"
        expect_true("POST", path, self.transport.call("POST", path), f"{action} order {entity_id}")

    def invoice_order(
        self,
        order_id: int,
        *,
        items: Mapping[int, Quantity] | None = None,
        capture: bool = False,
        notify: bool = False,
        comment: str | None = None,
    ) -> int:
        """``POST /V1/order/{id}/invoice`` → the invoice id. No ``items`` invoices everything left.

        ``capture=False`` registers the invoice as paid offline for offline methods (reference §3.3).
        """
        body: dict[str, Any] = {"capture": capture, "notify": notify}
        if items:
            body["items"] = [{"order_item_id": positive_id(item), "qty": qty} for item, qty in items.items()]
        if comment is not None:
            body["appendComment"] = notify
            body["comment"] = {"comment": comment, "is_visible_on_front": 0}
        path = f"/order/{positive_id(order_id)}/invoice"
        return expect_int("POST", path, self.transport.call("POST", path, body=body))

    def ship_order(
        self,
        order_id: int,
        *,
        items: Mapping[int, Quantity] | None = None,
        tracks: Sequence[Track] = (),
        notify: bool = False,
        comment: str | None = None,
        source_code: str | None = None,
    ) -> int:
        """``POST /V1/order/{id}/ship`` → the shipment id (send parent item ids for configurables).

        ``source_code`` is the MSI source to deduct from; Magento uses ``default`` on single-source stores.
        """
        body: dict[str, Any] = {"notify": notify}
        if items:
            body["items"] = [{"order_item_id": positive_id(item), "qty": qty} for item, qty in items.items()]
        if tracks:
            body["tracks"] = [track.as_body() for track in tracks]
        if comment is not None:
            body["appendComment"] = notify
            body["comment"] = {"comment": comment, "is_visible_on_front": 0}
        if source_code is not None:
            body["arguments"] = {"extension_attributes": {"source_code": source_code}}
        path = f"/order/{positive_id(order_id)}/ship"
        return expect_int("POST", path, self.transport.call("POST", path, body=body))

    def find_order_by_quote_id(self, quote_id: int) -> dict[str, Any] | None:
        """The order placed from cart ``quote_id``, if any: how a retry after a lost answer finds its order."""
        criteria = (
            SearchCriteria().where("quote_id", "eq", positive_id(quote_id)).order_by("entity_id").page_size(1)
        )
        page = self.search_orders(criteria)
        return page.items[0] if page.items else None

    # -- customers ---------------------------------------------------------------------------------------

    def find_customers_by_email(self, email: str, website_id: int | None = None) -> list[dict[str, Any]]:
        """Customers with this e-mail (one per website when accounts are shared per website)."""
        criteria = SearchCriteria().where("email", "eq", email).order_by("entity_id")
        if website_id is not None:
            criteria = criteria.where("website_id", "eq", website_id)
        return self._all_items("/customers/search", criteria)

    def get_customer(self, customer_id: int) -> dict[str, Any]:
        """``GET /V1/customers/{id}``."""
        path = f"/customers/{positive_id(customer_id)}"
        return expect_dict("GET", path, self.transport.call("GET", path))

    def create_customer(self, customer: Mapping[str, Any], password: str | None = None) -> dict[str, Any]:
        """``POST /V1/customers`` (``email``, ``firstname``, ``lastname`` required) → the stored customer."""
        body: dict[str, Any] = {"customer": dict(customer)}
        if password is not None:
            body["password"] = password
        return expect_dict("POST", "/customers", self.transport.call("POST", "/customers", body=body))

    # -- products ----------------------------------------------------------------------------------------

    def get_product(self, sku: str) -> dict[str, Any]:
        """The product with this SKU; :class:`NotFoundError` if there is none.

        ``GET /V1/products/{sku}`` with the SKU percent-encoded (``/`` as ``%2F``). With OAuth an encoded
        path breaks Magento's signature check, so such a SKU is looked up with ``sku eq`` instead.
        """
        if not sku:
            raise ValueError("a SKU cannot be empty")
        if self.transport.credentials.path_segment_ok(sku):
            path = f"/products/{self.transport.path_segment(sku)}"
            return expect_dict("GET", path, self.transport.call("GET", path))
        found = self.search_products_by_skus([sku])
        if not found:
            raise make_error(MagentoNotFoundError, PRODUCT_NOT_FOUND, MagentoCall("GET", "/products"))
        return found[0]

    def search_products_by_skus(self, skus: Iterable[str]) -> list[dict[str, Any]]:
        """The products among ``skus`` (unknown SKUs are simply absent), in batches of ``sku in (...)``.

        A SKU holding ``,`` cannot go in an ``in`` list (Magento splits on commas), so it gets its own
        ``eq`` filter in the same (ORed) group. Magento compares SKUs case-insensitively, as MySQL does.
        """
        wanted = list(dict.fromkeys(sku for sku in skus if sku))
        by_key: dict[str, dict[str, Any]] = {}
        for batch in _sku_batches(wanted):
            plain = [sku for sku in batch if "," not in sku]
            filters = [Filter.of("sku", "eq", sku) for sku in batch if "," in sku]
            if plain:
                filters.insert(0, Filter.of("sku", "in", plain))
            criteria = SearchCriteria().any_of(*filters).order_by("entity_id").page_size(len(batch))
            for item in self._all_items("/products", criteria):
                by_key.setdefault(str(item.get("sku", "")).casefold(), item)
        return [by_key[sku.casefold()] for sku in wanted if sku.casefold() in by_key]

    # -- the cart route (placing an order from Odoo) -----------------------------------------------------

    def customer_cart(self, customer_id: int) -> int:
        """``POST /V1/customers/{id}/carts`` → the customer's active cart id (new, or the existing one)."""
        path = f"/customers/{positive_id(customer_id)}/carts"
        return expect_int("POST", path, self.transport.call("POST", path, idempotent=True))

    def get_cart(self, cart_id: int) -> dict[str, Any]:
        """``GET /V1/carts/{id}``."""
        path = f"/carts/{positive_id(cart_id)}"
        return expect_dict("GET", path, self.transport.call("GET", path))

    def cart_items(self, cart_id: int) -> list[dict[str, Any]]:
        """``GET /V1/carts/{id}/items``."""
        path = f"/carts/{positive_id(cart_id)}/items"
        return expect_list_of_dicts("GET", path, self.transport.call("GET", path))

    def empty_cart(self, cart_id: int) -> None:
        """Delete every item of the cart (an active customer cart may hold storefront items, §3.6)."""
        for item in self.cart_items(cart_id):
            path = f"/carts/{positive_id(cart_id)}/items/{positive_id(item.get('item_id'))}"
            try:
                expect_true("DELETE", path, self.transport.call("DELETE", path), "remove the cart item")
            except NotFoundError:
                continue  # already gone: a resent DELETE whose first answer was lost

    def add_cart_item(self, cart_id: int, sku: str, qty: Quantity, **options: Any) -> dict[str, Any]:
        """``POST /V1/carts/{id}/items`` → the cart item; ``options`` go into ``cartItem`` as given
        (e.g. ``product_option={"extension_attributes": {"configurable_item_options": [...]}}``)."""
        quote_id = positive_id(cart_id)
        body = {"cartItem": {"sku": sku, "qty": qty, "quote_id": str(quote_id), **options}}
        path = f"/carts/{quote_id}/items"
        return expect_dict("POST", path, self.transport.call("POST", path, body=body))

    def set_shipping_information(
        self,
        cart_id: int,
        shipping_address: Mapping[str, Any],
        billing_address: Mapping[str, Any],
        carrier_code: str,
        method_code: str,
    ) -> dict[str, Any]:
        """``POST /V1/carts/{id}/shipping-information`` → payment methods and totals (idempotent: it sets)."""
        body = {
            "addressInformation": {
                "shipping_address": dict(shipping_address),
                "billing_address": dict(billing_address),
                "shipping_carrier_code": carrier_code,
                "shipping_method_code": method_code,
            }
        }
        path = f"/carts/{positive_id(cart_id)}/shipping-information"
        return expect_dict("POST", path, self.transport.call("POST", path, body=body, idempotent=True))

    def place_order(self, cart_id: int, payment_method: str, *, po_number: str | None = None) -> int:
        """``PUT /V1/carts/{id}/order`` → the order entity_id. A lost answer raises
        :class:`OutcomeUnknownError`: look the order up with :meth:`find_order_by_quote_id` before retrying."""
        payment: dict[str, Any] = {"method": payment_method}
        if po_number is not None:
            payment["po_number"] = po_number
        path = f"/carts/{positive_id(cart_id)}/order"
        return expect_int("PUT", path, self.transport.call("PUT", path, body={"paymentMethod": payment}))


def _sku_batches(skus: list[str]) -> Iterator[list[str]]:
    batch: list[str] = []
    length = 0
    for sku in skus:
        if batch and (len(batch) >= _SKU_BATCH or length + len(sku) > _SKU_BATCH_CHARS):
            yield batch
            batch, length = [], 0
        batch.append(sku)
        length += len(sku) + 1
    if batch:
        yield batch
