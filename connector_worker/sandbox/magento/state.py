"""The sandbox's data: orders, documents, customers, carts, id sequences, and change notifications.

One re-entrant lock guards everything: the HTTP handlers (on uvicorn's thread) and the Python control API
(on a test's thread) both take it, so every read sees a consistent order. A rendered order is cached as
JSON bytes until the order changes, which keeps paging thousands of orders cheap.
"""

from __future__ import annotations

import threading
from collections import defaultdict
from collections.abc import Callable
from typing import Any

from connector_worker.sandbox.magento.catalog import Catalog
from connector_worker.sandbox.magento.clock import SandboxClock
from connector_worker.sandbox.magento.config import SandboxConfig
from connector_worker.sandbox.magento.errors import entity_not_found
from connector_worker.sandbox.magento.fields_filter import FieldTree, cut
from connector_worker.sandbox.magento.render import dumps, render_order
from connector_worker.sandbox.magento.stores import StoreView, default_store_views

OrderListener = Callable[[dict[str, Any], bool], None]


class SandboxState:
    """Everything one sandbox instance knows; mutate only while holding :attr:`lock`."""

    def __init__(self, config: SandboxConfig, clock: SandboxClock | None = None) -> None:
        self.config = config
        self.clock = clock or SandboxClock()
        self.stores: tuple[StoreView, ...] = default_store_views(config.store_codes)
        self.catalog = Catalog()
        self.lock = threading.RLock()
        self.orders: dict[int, dict[str, Any]] = {}
        self.invoices: dict[int, dict[str, Any]] = {}
        self.shipments: dict[int, dict[str, Any]] = {}
        self.customers: dict[int, dict[str, Any]] = {}
        self.carts: dict[int, dict[str, Any]] = {}
        self._sequences: dict[str, int] = defaultdict(int)
        self._order_json: dict[int, dict[str, bytes]] = {}  # entity_id -> fields selection -> JSON
        self._listeners: list[OrderListener] = []

    # -- ids -----------------------------------------------------------------------------------------
    def next_id(self, kind: str) -> int:
        """The next primary key of table ``kind`` (``order``, ``order_item``, ``invoice``, ...)."""
        with self.lock:
            self._sequences[kind] += 1
            return self._sequences[kind]

    def next_increment(self, kind: str, store: StoreView) -> str:
        """The next human number of ``kind`` in ``store``: ``000000001``, ``2000000001``, ..."""
        return store.format_increment(self.next_id(f"{kind}:{store.store_id}"))

    # -- stores --------------------------------------------------------------------------------------
    def store_by_code(self, code: str) -> StoreView | None:
        return next((store for store in self.stores if store.code == code), None)

    def store_by_id(self, store_id: int) -> StoreView:
        return next(store for store in self.stores if store.store_id == store_id)

    @property
    def default_store(self) -> StoreView:
        return self.stores[0]

    # -- orders --------------------------------------------------------------------------------------
    def subscribe(self, listener: OrderListener) -> None:
        """Call ``listener(order, created)`` after every order creation or row change."""
        self._listeners.append(listener)

    def get_order(self, entity_id: int) -> dict[str, Any]:
        order = self.orders.get(entity_id)
        if order is None:
            raise entity_not_found()
        return order

    def add_order(self, order: dict[str, Any]) -> None:
        with self.lock:
            self.orders[order["entity_id"]] = order
            self._notify(order, created=True)

    def mark_changed(self, order: dict[str, Any]) -> None:
        """The ``sales_order`` row changed: bump ``updated_at`` (MySQL ON UPDATE) and tell listeners."""
        with self.lock:
            order["updated_at"] = self.clock.now_text()
            self._order_json.pop(order["entity_id"], None)
            self._notify(order, created=False)

    def forget_rendering(self, order: dict[str, Any]) -> None:
        """A child record changed without touching the order row; re-render on next read."""
        self._order_json.pop(order["entity_id"], None)

    def delete_order(self, entity_id: int) -> None:
        """Remove an order as a third-party "delete orders" module would: no event, just gone."""
        with self.lock:
            self.get_order(entity_id)
            del self.orders[entity_id]
            self._order_json.pop(entity_id, None)

    def order_json(self, order: dict[str, Any], fields: FieldTree | None = None) -> bytes:
        """The order's REST JSON (cut down to ``fields`` when given), rendered once per change."""
        key = "" if fields is None else repr(fields)
        with self.lock:
            renderings = self._order_json.setdefault(order["entity_id"], {})
            cached = renderings.get(key)
            if cached is None:
                rendered = render_order(order)
                cached = dumps(rendered if fields is None else cut(rendered, fields))
                renderings[key] = cached
            return cached

    def _notify(self, order: dict[str, Any], created: bool) -> None:
        for listener in self._listeners:
            listener(order, created)
