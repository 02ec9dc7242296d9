"""Signed webhooks on order create/update, delivered in the background with a timeout."""

from __future__ import annotations

import hashlib
import hmac
import json
import threading
import time
from collections.abc import Iterator
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any

import pytest

from tests.connector_worker.sandbox_magento.conftest import Api
from tests.support.magento_sandbox import MagentoSandboxHandle, magento_sandbox

SECRET = "whsec-test-0123456789"


@dataclass
class Receiver:
    """A loopback HTTP endpoint that records deliveries and answers as told."""

    status: int = 200
    delay_seconds: float = 0.0
    received: list[tuple[dict[str, str], bytes]] = field(default_factory=list)
    url: str = ""


@pytest.fixture(scope="module")
def receiver() -> Iterator[Receiver]:
    state = Receiver()

    class Handler(BaseHTTPRequestHandler):
        def do_POST(self) -> None:
            body = self.rfile.read(int(self.headers["Content-Length"]))
            time.sleep(state.delay_seconds)
            state.received.append((dict(self.headers.items()), body))
            self.send_response(state.status)
            self.send_header("Content-Length", "16")
            self.end_headers()
            self.wfile.write(b'{"op":"success"}')

        def log_message(self, format: str, *args: Any) -> None:
            pass

    server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
    state.url = f"http://127.0.0.1:{server.server_address[1]}/webhooks/magento/shop"
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    yield state
    server.shutdown()
    server.server_close()


@pytest.fixture(scope="module")
def shop(receiver: Receiver) -> Iterator[MagentoSandboxHandle]:
    with magento_sandbox(
        seed=31,
        orders=3,
        instance="shop",
        webhook_url=receiver.url,
        webhook_secret=SECRET,
        webhook_timeout_seconds=1.0,
    ) as handle:
        yield handle


@pytest.fixture(autouse=True)
def reset(receiver: Receiver, shop: MagentoSandboxHandle) -> Iterator[None]:
    shop.control.wait_for_webhooks()
    receiver.received.clear()
    receiver.status, receiver.delay_seconds = 200, 0.0
    yield


def events(receiver: Receiver) -> list[dict[str, Any]]:
    return [json.loads(body) for _, body in receiver.received]


def test_seeded_history_sends_nothing(receiver: Receiver, shop: MagentoSandboxHandle) -> None:
    assert shop.control.wait_for_webhooks()
    assert receiver.received == []


def test_a_new_order_is_announced_signed(receiver: Receiver, shop: MagentoSandboxHandle) -> None:
    order_id = shop.control.create_orders(1, state="new", seed=1)[0]
    assert shop.control.wait_for_webhooks()
    headers, body = receiver.received[-1]
    order = shop.control.order(order_id)
    assert json.loads(body) == {
        "event": "sales_order_save_after",
        "instance": "shop",
        "data": {
            "order": {k: order[k] for k in ("entity_id", "increment_id", "updated_at", "state", "status")}
        },
    }
    timestamp = headers["X-Connector-Timestamp"]
    assert abs(int(timestamp) - time.time()) < 30
    expected = hmac.new(SECRET.encode(), f"{timestamp}.".encode() + body, hashlib.sha256).hexdigest()
    assert headers["X-Connector-Signature"] == f"sha256={expected}"
    assert headers["Content-Type"] == "application/json"


def test_rest_changes_fire_and_comments_do_not(receiver: Receiver, shop: MagentoSandboxHandle) -> None:
    api = Api(shop)
    order_id = shop.control.create_orders(1, state="new", seed=2)[0]
    history = {"comment": "note", "is_customer_notified": 0, "is_visible_on_front": 0, "parent_id": order_id}
    api.post(f"orders/{order_id}/comments", json={"statusHistory": history})
    api.post(f"orders/{order_id}/hold")
    assert shop.control.wait_for_webhooks()
    states = [
        e["data"]["order"]["state"] for e in events(receiver) if e["data"]["order"]["entity_id"] == order_id
    ]
    assert states == ["new", "holded"]


def test_a_slow_receiver_does_not_slow_the_request(receiver: Receiver, shop: MagentoSandboxHandle) -> None:
    api = Api(shop)
    order_id = shop.control.create_orders(1, state="new", seed=3)[0]
    shop.control.wait_for_webhooks()
    receiver.delay_seconds = 0.8
    started = time.monotonic()
    assert api.post(f"orders/{order_id}/hold").json() is True
    assert time.monotonic() - started < 0.5
    assert shop.control.wait_for_webhooks(timeout=5)
    assert events(receiver)[-1]["data"]["order"]["state"] == "holded"


def test_failures_and_timeouts_are_recorded_not_raised(
    receiver: Receiver, shop: MagentoSandboxHandle
) -> None:
    receiver.status = 500
    order_id = shop.control.create_orders(1, state="new", seed=4)[0]
    shop.control.wait_for_webhooks()
    last = shop.control.webhook_deliveries()[-1]
    assert (last.entity_id, last.status, last.error) == (order_id, 500, "HTTP 500")
    receiver.status, receiver.delay_seconds = 200, 1.5  # longer than the 1 s delivery timeout
    shop.control.hold(order_id)
    assert shop.control.wait_for_webhooks(timeout=5)
    last = shop.control.webhook_deliveries()[-1]
    assert last.status is None and last.error is not None and last.error.startswith("ReadTimeout")
    assert 0.9 < last.seconds < 1.5


def test_an_unreachable_receiver_is_recorded() -> None:
    with magento_sandbox(
        orders=1, webhook_url="http://127.0.0.1:9/unreachable", webhook_timeout_seconds=0.5
    ) as shop:
        assert shop.credentials.webhook_secret  # generated when not given
        shop.control.create_orders(1, seed=5)
        assert shop.control.wait_for_webhooks(timeout=5)
        deliveries = shop.control.webhook_deliveries()
        assert deliveries and all(d.status is None and d.error for d in deliveries)
