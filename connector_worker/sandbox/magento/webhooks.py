"""Signed order webhooks, delivered in the background so they never slow the request that fired them.

Body: ``{"event": "sales_order_save_after", "instance": ..., "data": {"order": {entity_id, increment_id,
updated_at, state, status}}}``. Headers: ``X-Connector-Timestamp: <unix seconds>`` and
``X-Connector-Signature: sha256=<hex HMAC-SHA256(secret, "<timestamp>.<raw body>")>``. One delivery is
attempted per event, with a timeout; failures are logged (never the secret) and recorded.
"""

from __future__ import annotations

import hashlib
import hmac
import json
import queue
import threading
import time
from collections import deque
from dataclasses import asdict, dataclass
from typing import Any

import httpx

from connector_worker.log import get_logger

EVENT_NAME = "sales_order_save_after"
TIMESTAMP_HEADER = "X-Connector-Timestamp"
SIGNATURE_HEADER = "X-Connector-Signature"
_STOP = object()
log = get_logger(__name__)


def sign(secret: str, timestamp: str, body: bytes) -> str:
    """``sha256=<hex>`` over ``"<timestamp>.<raw body>"``."""
    digest = hmac.new(secret.encode(), timestamp.encode() + b"." + body, hashlib.sha256).hexdigest()
    return f"sha256={digest}"


def event_body(instance: str, order: dict[str, Any]) -> bytes:
    payload = {
        "event": EVENT_NAME,
        "instance": instance,
        "data": {
            "order": {
                "entity_id": order["entity_id"],
                "increment_id": order["increment_id"],
                "updated_at": order["updated_at"],
                "state": order["state"],
                "status": order["status"],
            }
        },
    }
    return json.dumps(payload, separators=(",", ":")).encode()


@dataclass(frozen=True)
class Delivery:
    """One attempt: what was sent and how it ended (``status`` None when no answer came)."""

    entity_id: int
    updated_at: str
    status: int | None
    error: str | None
    seconds: float

    def to_dict(self) -> dict[str, Any]:
        return asdict(self)


class WebhookDispatcher:
    """Queues order events and posts them from one daemon thread."""

    def __init__(self, url: str, secret: str, instance: str, timeout_seconds: float) -> None:
        self.url = url
        self._secret = secret
        self._instance = instance
        self._timeout = timeout_seconds
        self._queue: queue.Queue[object] = queue.Queue()
        self._deliveries: deque[Delivery] = deque(maxlen=10_000)
        self._idle = threading.Condition()
        self._pending = 0
        self._thread = threading.Thread(target=self._run, name="magento-sandbox-webhooks", daemon=True)
        self._thread.start()

    def enqueue(self, order: dict[str, Any], created: bool = False) -> None:
        """Called with the state lock held: only snapshot the order, never block."""
        body = event_body(self._instance, order)
        with self._idle:
            self._pending += 1
        self._queue.put((order["entity_id"], order["updated_at"], body))

    def deliveries(self) -> list[Delivery]:
        return list(self._deliveries)

    def wait_idle(self, timeout: float = 10.0) -> bool:
        """Block until every queued event was attempted; ``False`` on timeout."""
        with self._idle:
            return self._idle.wait_for(lambda: self._pending == 0, timeout=timeout)

    def close(self) -> None:
        self._queue.put(_STOP)
        self._thread.join(timeout=self._timeout + 2)

    def _run(self) -> None:
        with httpx.Client(timeout=self._timeout) as client:
            while True:
                item = self._queue.get()
                if item is _STOP:
                    return
                assert isinstance(item, tuple)
                entity_id, updated_at, body = item
                self._deliver(client, int(entity_id), str(updated_at), bytes(body))
                with self._idle:
                    self._pending -= 1
                    self._idle.notify_all()

    def _deliver(self, client: httpx.Client, entity_id: int, updated_at: str, body: bytes) -> None:
        timestamp = str(int(time.time()))
        headers = {
            "Content-Type": "application/json",
            TIMESTAMP_HEADER: timestamp,
            SIGNATURE_HEADER: sign(self._secret, timestamp, body),
        }
        started = time.monotonic()
        status: int | None = None
        error: str | None = None
        try:
            response = client.post(self.url, content=body, headers=headers)
            status = response.status_code
            if status >= 300:
                error = f"HTTP {status}"
        except httpx.HTTPError as exc:
            error = f"{type(exc).__name__}: {exc}"
        elapsed = time.monotonic() - started
        self._deliveries.append(Delivery(entity_id, updated_at, status, error, elapsed))
        if error:
            log.warning("webhook delivery failed", url=self.url, entity_id=entity_id, error=error)
