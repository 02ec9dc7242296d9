"""A client of the Magento sandbox's ``/_sandbox`` control surface, which the demo drives from outside.

The sandbox is another process, so the demo plays the shop's side (customers placing orders, staff
invoicing and shipping) over the same JSON routes a benchmark would use. Order changes made this way go
through the sandbox's Magento rules and fire its webhooks, exactly like changes made in the admin.
"""

from __future__ import annotations

from typing import Any

import httpx

CONTROL_TIMEOUT_SECONDS = 10.0  # loopback: an answer takes milliseconds, a stall means the sandbox is stuck


class MagentoControlError(RuntimeError):
    """The control surface refused a request (the message quotes its answer)."""


class MagentoControl:
    """``/_sandbox`` of one running Magento sandbox."""

    def __init__(self, base_url: str, timeout: float = CONTROL_TIMEOUT_SECONDS) -> None:
        self._http = httpx.Client(base_url=f"{base_url.rstrip('/')}/_sandbox/", timeout=timeout)

    def close(self) -> None:
        self._http.close()

    def __enter__(self) -> MagentoControl:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()

    def _call(self, method: str, path: str, body: dict[str, Any] | None = None) -> Any:
        response = self._http.request(method, path, json=body)
        if response.status_code != 200:
            raise MagentoControlError(
                f"{method} /_sandbox/{path}: HTTP {response.status_code} {response.text}"
            )
        return response.json()

    def catalog(self) -> list[dict[str, Any]]:
        """The products a shop mirrors into Odoo (every product but the legacy one)."""
        rows = self._call("GET", "catalog")
        assert isinstance(rows, list)
        return rows

    def create_orders(
        self, count: int, *, state: str | None = None, store_code: str | None = None
    ) -> list[int]:
        """Orders placed now (their webhooks fire); returns the new entity ids."""
        body: dict[str, Any] = {"count": count}
        if state:
            body["state"] = state
        if store_code:
            body["store_code"] = store_code
        return [int(entity_id) for entity_id in self._call("POST", "orders", body)["entity_ids"]]

    def order_action(self, entity_id: int, action: str, body: dict[str, Any] | None = None) -> Any:
        """``invoice``, ``ship``, ``cancel``, ``hold``, ``unhold``, ``comment`` or ``touch`` one order."""
        return self._call("POST", f"orders/{entity_id}/{action}", body or {})["result"]

    def webhook_deliveries(self) -> list[dict[str, Any]]:
        """Every webhook the sandbox attempted, with the receiver's status or the error."""
        rows = self._call("GET", "webhooks")
        assert isinstance(rows, list)
        return rows
