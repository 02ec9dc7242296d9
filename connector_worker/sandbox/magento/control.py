"""The sandbox's control surface: a typed Python API and the same operations as JSON under ``/_sandbox``.

Order changes go through the same domain code as the REST routes, so ``updated_at`` moves and webhooks
fire exactly as if Magento had made the change. ``/_sandbox`` is not Magento: it has no auth and no
faults, and is meant for the demo, benchmarks and tests on loopback.

HTTP (JSON bodies and answers):

* ``GET  /_sandbox/health`` → ``{"status": "ok", "orders": n}``
* ``GET  /_sandbox/credentials`` → admin user/password, OAuth keys, bearer flag
* ``GET|PUT /_sandbox/faults`` (PUT: any :class:`FaultSettings` fields; ``DELETE`` clears them)
* ``POST /_sandbox/clock`` ``{"action": "freeze"|"advance"|"resume", "seconds": n, "at": "Y-m-d H:M:S"}``
* ``POST /_sandbox/orders`` ``{"count": n, "state": "complete", "store_code": "eu", "seed": 7}``
* ``POST /_sandbox/orders/{id}/{invoice|ship|cancel|hold|unhold|comment|touch|delete}`` (body as REST)
* ``GET  /_sandbox/requests`` (``?method=&route=``), ``POST /_sandbox/requests/reset``
* ``GET  /_sandbox/webhooks``, ``GET /_sandbox/catalog``, ``POST /_sandbox/admin-tokens/expire``
* ``POST /_sandbox/customers/{id}/cart-items`` ``{"sku": "...", "qty": 1}`` (storefront leftovers)
"""

from __future__ import annotations

import json
from collections.abc import Callable
from dataclasses import asdict
from datetime import datetime
from typing import TYPE_CHECKING, Any
from urllib.parse import parse_qsl

from connector_worker.sandbox.magento.carts import add_item, cart_for_customer
from connector_worker.sandbox.magento.catalog import MirrorProduct, mirror_catalog
from connector_worker.sandbox.magento.clock import format_magento_datetime, parse_magento_datetime
from connector_worker.sandbox.magento.documents import invoice_order, ship_order
from connector_worker.sandbox.magento.errors import WebapiError
from connector_worker.sandbox.magento.faults import FaultSettings
from connector_worker.sandbox.magento.orders import add_comment, cancel, hold, unhold
from connector_worker.sandbox.magento.render import clean, dumps
from connector_worker.sandbox.magento.seed import create_orders
from connector_worker.sandbox.magento.traffic import RequestRecord
from connector_worker.sandbox.magento.webapi import Reply
from connector_worker.sandbox.magento.webhooks import Delivery

if TYPE_CHECKING:
    from connector_worker.sandbox.magento.instance import MagentoSandbox


class SandboxControl:
    """Python control API of one running sandbox (thread-safe; call it from tests)."""

    def __init__(self, sandbox: MagentoSandbox) -> None:
        self._sandbox = sandbox
        self._state = sandbox.state

    # -- faults ----------------------------------------------------------------------------------------
    @property
    def faults(self) -> FaultSettings:
        return self._sandbox.faults.settings

    def set_faults(self, **settings: Any) -> FaultSettings:
        """Change fault settings (see :class:`FaultSettings`); the rest stay as they are."""
        return self._sandbox.faults.configure(**settings)

    def clear_faults(self) -> FaultSettings:
        return self._sandbox.faults.clear()

    # -- clock -----------------------------------------------------------------------------------------
    def now(self) -> datetime:
        return self._state.clock.now()

    def freeze_clock(self, at: datetime | None = None) -> datetime:
        return self._state.clock.freeze(at)

    def advance_clock(self, seconds: float) -> datetime:
        return self._state.clock.advance(seconds)

    def resume_clock(self) -> datetime:
        return self._state.clock.resume()

    # -- orders ----------------------------------------------------------------------------------------
    def create_orders(
        self,
        count: int = 1,
        *,
        state: str | None = None,
        store_code: str | None = None,
        seed: int | None = None,
    ) -> list[int]:
        """New orders from the seed generator, placed now (webhooks fire); returns their entity_ids."""
        return create_orders(self._state, count, target=state, store_code=store_code, seed=seed)

    def order_ids(self) -> list[int]:
        with self._state.lock:
            return sorted(self._state.orders)

    def order(self, entity_id: int) -> dict[str, Any]:
        """The order exactly as ``GET /V1/orders/{id}`` returns it (parsed JSON)."""
        with self._state.lock:
            parsed: dict[str, Any] = json.loads(self._state.order_json(self._state.get_order(entity_id)))
            return parsed

    def invoice(
        self, entity_id: int, items: list[dict[str, Any]] | None = None, capture: bool = False
    ) -> int:
        with self._state.lock:
            return invoice_order(
                self._state, self._state.get_order(entity_id), {"items": items or [], "capture": capture}
            )

    def ship(
        self,
        entity_id: int,
        items: list[dict[str, Any]] | None = None,
        tracks: list[dict[str, Any]] | None = None,
    ) -> int:
        with self._state.lock:
            return ship_order(
                self._state, self._state.get_order(entity_id), {"items": items or [], "tracks": tracks or []}
            )

    def cancel(self, entity_id: int) -> bool:
        with self._state.lock:
            return cancel(self._state, self._state.get_order(entity_id))

    def hold(self, entity_id: int) -> bool:
        with self._state.lock:
            return hold(self._state, self._state.get_order(entity_id))

    def unhold(self, entity_id: int) -> bool:
        with self._state.lock:
            return unhold(self._state, self._state.get_order(entity_id))

    def add_comment(self, entity_id: int, comment: str, status: str | None = None) -> bool:
        history = {"comment": comment, "is_customer_notified": 0, "is_visible_on_front": 0, "status": status}
        with self._state.lock:
            return add_comment(self._state, self._state.get_order(entity_id), history)

    def touch(self, entity_id: int) -> str:
        """Change the order row without changing its content (an admin save): ``updated_at`` moves."""
        with self._state.lock:
            order = self._state.get_order(entity_id)
            self._state.mark_changed(order)
            return str(order["updated_at"])

    def delete_order(self, entity_id: int) -> None:
        """Remove an order without any event, as a third-party delete module would."""
        self._state.delete_order(entity_id)

    def add_to_customer_cart(
        self, customer_id: int, sku: str, qty: float = 1, store_code: str | None = None
    ) -> int:
        """Put an item in the customer's active cart, as the storefront would; returns the cart id."""
        store = self._state.store_by_code(store_code) if store_code else self._state.default_store
        if store is None:
            raise ValueError(f"unknown store code {store_code!r}")
        cart_id = cart_for_customer(self._state, customer_id, store)
        add_item(self._state, cart_id, {"cartItem": {"sku": sku, "qty": qty, "quote_id": str(cart_id)}})
        return cart_id

    def customer_ids(self) -> list[int]:
        with self._state.lock:
            return sorted(self._state.customers)

    # -- auth, traffic, webhooks, catalog ---------------------------------------------------------------
    def expire_admin_tokens(self) -> None:
        self._sandbox.auth.expire_admin_tokens()

    def requests(self) -> list[RequestRecord]:
        return self._sandbox.traffic.records()

    def request_count(
        self, method: str | None = None, route: str | None = None, status: int | None = None
    ) -> int:
        """Requests served so far matching all given criteria (``route`` like ``V1/orders/{id}``)."""
        return self._sandbox.traffic.count(method, route, status)

    def reset_requests(self) -> None:
        self._sandbox.traffic.reset()

    def webhook_deliveries(self) -> list[Delivery]:
        dispatcher = self._sandbox.webhooks
        return dispatcher.deliveries() if dispatcher else []

    def wait_for_webhooks(self, timeout: float = 10.0) -> bool:
        dispatcher = self._sandbox.webhooks
        return dispatcher.wait_idle(timeout) if dispatcher else True

    def mirror_catalog(self) -> list[MirrorProduct]:
        """Products the demo should create in Odoo (all but the legacy one), with each store's tax."""
        return mirror_catalog(self._state.catalog, self._state.stores)


def _done(action: Callable[[], None]) -> dict[str, bool]:
    action()
    return {"ok": True}


class ControlHttp:
    """``/_sandbox`` JSON routes over :class:`SandboxControl`."""

    def __init__(self, sandbox: MagentoSandbox) -> None:
        self._sandbox = sandbox
        self.control = sandbox.control

    def handle(self, method: str, raw_path: str, query: str, body: bytes) -> Reply:
        parts = [p for p in raw_path.split("/") if p][1:]
        try:
            data = json.loads(body) if body.strip() else {}
            payload = self._route(
                method, parts, dict(parse_qsl(query)), data if isinstance(data, dict) else {}
            )
        except (ValueError, TypeError, KeyError) as exc:
            return Reply(400, dumps({"error": f"{type(exc).__name__}: {exc}"}))
        except WebapiError as exc:
            return Reply(exc.status, dumps(clean(exc.body())))
        if payload is None:
            return Reply(404, dumps({"error": "no such control route"}))
        return Reply(200, dumps(clean(payload)))

    def _route(self, method: str, parts: list[str], query: dict[str, str], data: dict[str, Any]) -> Any:
        fixed = self._fixed_routes(query, data)
        handler = fixed.get((method, *parts))
        if handler is not None:
            return handler()
        match (method, *parts):
            case ("POST", "orders", entity_id, action):
                return self._order_action(int(entity_id), action, data)
            case ("POST", "customers", customer_id, "cart-items"):
                cart_id = self.control.add_to_customer_cart(
                    int(customer_id), str(data["sku"]), float(data.get("qty", 1)), data.get("store_code")
                )
                return {"cart_id": cart_id}
        return None

    def _fixed_routes(self, query: dict[str, str], data: dict[str, Any]) -> dict[tuple[str, ...], Any]:
        control = self.control
        return {
            ("GET", "health"): lambda: {"status": "ok", "orders": len(control.order_ids())},
            ("GET", "credentials"): self._credentials,
            ("GET", "faults"): control.faults.to_dict,
            ("PUT", "faults"): lambda: control.set_faults(**data).to_dict(),
            ("DELETE", "faults"): lambda: control.clear_faults().to_dict(),
            ("POST", "clock"): lambda: {"now": format_magento_datetime(self._clock(data))},
            ("POST", "orders"): lambda: {"entity_ids": self._create_orders(data)},
            ("GET", "requests"): lambda: self._requests(query),
            ("POST", "requests", "reset"): lambda: _done(control.reset_requests),
            ("GET", "webhooks"): lambda: [d.to_dict() for d in control.webhook_deliveries()],
            ("GET", "catalog"): lambda: [asdict(p) for p in control.mirror_catalog()],
            ("POST", "admin-tokens", "expire"): lambda: _done(control.expire_admin_tokens),
        }

    def _create_orders(self, data: dict[str, Any]) -> list[int]:
        return self.control.create_orders(
            int(data.get("count", 1)),
            state=data.get("state"),
            store_code=data.get("store_code"),
            seed=data.get("seed"),
        )

    def _requests(self, query: dict[str, str]) -> list[dict[str, Any]]:
        records = [r.to_dict() for r in self.control.requests()]
        return [r for r in records if all(str(r.get(k)) == v for k, v in query.items())]

    def _clock(self, data: dict[str, Any]) -> datetime:
        control, action = self.control, data.get("action")
        if action == "freeze":
            return control.freeze_clock(parse_magento_datetime(data["at"]) if data.get("at") else None)
        if action == "advance":
            return control.advance_clock(float(data["seconds"]))
        if action == "resume":
            return control.resume_clock()
        raise ValueError("clock action must be freeze, advance or resume")

    def _order_action(self, entity_id: int, action: str, data: dict[str, Any]) -> Any:
        control = self.control
        actions: dict[str, Callable[[], Any]] = {
            "invoice": lambda: control.invoice(entity_id, data.get("items"), bool(data.get("capture"))),
            "ship": lambda: control.ship(entity_id, data.get("items"), data.get("tracks")),
            "cancel": lambda: control.cancel(entity_id),
            "hold": lambda: control.hold(entity_id),
            "unhold": lambda: control.unhold(entity_id),
            "comment": lambda: control.add_comment(
                entity_id, str(data.get("comment", "")), data.get("status")
            ),
            "touch": lambda: control.touch(entity_id),
            "delete": lambda: control.delete_order(entity_id),
        }
        if action not in actions:
            return None
        return {"result": actions[action]()}

    def _credentials(self) -> dict[str, Any]:
        config = self._sandbox.config
        return {
            "admin_username": config.admin_username,
            "admin_password": config.admin_password,
            "consumer_key": config.consumer_key,
            "consumer_secret": config.consumer_secret,
            "access_token": config.access_token,
            "access_token_secret": config.access_token_secret,
            "integration_as_bearer": config.integration_as_bearer,
            "webhook_secret": config.webhook_secret,
        }
