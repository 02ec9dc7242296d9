"""Fixtures for the webhook receiver: a real uvicorn server, a real Celery app on the test Redis, RSA keys."""

from __future__ import annotations

import base64
import json
import socket
import threading
import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from typing import Any

import pytest
import redis
import uvicorn
from celery import Celery
from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric import rsa
from fastapi import FastAPI
from kombu import Queue

from config.settings import InstanceConfig, Settings
from connector_worker.redis_keys import QUEUE_WEBHOOK, RedisKeys
from connector_worker.webhook.app import create_app, redis_client
from connector_worker.webhook.signatures import adobe_signature, hmac_signature

HMAC_SECRET = "whsec-4f1c9a7e2b8d4c3aa1e5f0b6d9c2e7f1"
SERVER_START_TIMEOUT_SECONDS = 10.0


@contextmanager
def serving(app: FastAPI) -> Iterator[str]:
    """Serve ``app`` with uvicorn on a free loopback port in a background thread; yield its base URL."""
    # IPPROTO_TCP explicitly: asyncio sets TCP_NODELAY on accepted sockets only then (else Nagle + delayed
    # ACK add ~40 ms to every response written in two parts, as uvicorn writes them).
    sock = socket.socket(socket.AF_INET, socket.SOCK_STREAM, socket.IPPROTO_TCP)
    sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
    sock.bind(("127.0.0.1", 0))
    port = sock.getsockname()[1]
    config = uvicorn.Config(app, log_config=None, access_log=False, lifespan="off", timeout_keep_alive=2)
    server = uvicorn.Server(config)
    thread = threading.Thread(target=server.run, kwargs={"sockets": [sock]}, daemon=True)
    thread.start()
    deadline = time.monotonic() + SERVER_START_TIMEOUT_SECONDS
    while not server.started:
        if time.monotonic() > deadline or not thread.is_alive():
            raise RuntimeError("uvicorn did not start")
        time.sleep(0.01)
    try:
        yield f"http://127.0.0.1:{port}"
    finally:
        server.should_exit = True
        thread.join(timeout=SERVER_START_TIMEOUT_SECONDS)
        sock.close()


@dataclass(frozen=True)
class RsaPair:
    private_key: rsa.RSAPrivateKey
    public_pem: str

    def sign(self, body: bytes) -> str:
        return adobe_signature(self.private_key, body)


@pytest.fixture(scope="session")
def rsa_pair() -> RsaPair:
    """An RSA-2048 key pair like the one Adobe Commerce generates ("Regenerate key pair")."""
    private_key = rsa.generate_private_key(public_exponent=65537, key_size=2048)
    pem = private_key.public_key().public_bytes(
        serialization.Encoding.PEM, serialization.PublicFormat.SubjectPublicKeyInfo
    )
    return RsaPair(private_key, pem.decode())


def make_settings(redis_url: str, prefix: str, public_pem: str, **webhook: Any) -> Settings:
    """Three instances: ``main`` (HMAC secret), ``adobe`` (public key) and ``bare`` (neither)."""
    auth = {"type": "bearer", "token": "magento-bearer-token-0123456789"}
    instances = {
        "main": InstanceConfig.model_validate(
            {"name": "main", "base_url": "http://127.0.0.1:1", "auth": auth, "webhook_secret": HMAC_SECRET}
        ),
        "adobe": InstanceConfig.model_validate(
            {
                "name": "adobe",
                "base_url": "http://127.0.0.1:1",
                "auth": auth,
                "webhook_public_key": public_pem,
            }
        ),
        "bare": InstanceConfig.model_validate(
            {"name": "bare", "base_url": "http://127.0.0.1:1", "auth": auth}
        ),
    }
    return Settings.model_validate(
        {"redis_url": redis_url, "key_prefix": prefix, "instances": instances, "webhook": webhook}
    )


def celery_app_for(redis_url: str, prefix: str) -> Celery:
    """A real Celery app on the test Redis, with queues under the prefix as in production (RedisKeys.celery)."""
    app = Celery("webhook-tests", broker=redis_url, set_as_current=False)
    app.conf.broker_transport_options = {"global_keyprefix": RedisKeys(prefix).celery}
    app.conf.broker_connection_timeout = 2
    return app


@dataclass(frozen=True)
class QueuedTask:
    task: str
    kwargs: dict[str, Any]
    routing_key: str


def drain_queue(app: Celery, queue: str = QUEUE_WEBHOOK) -> list[QueuedTask]:
    """Take every message off ``queue`` the way a worker would (kombu ``get``), decoded."""
    found = []
    with app.connection_for_read() as conn:
        bound = Queue(queue, channel=conn.default_channel)
        while (message := bound.get(no_ack=True)) is not None:
            _args, kwargs, _embed = message.decode()
            found.append(QueuedTask(message.headers["task"], kwargs, message.delivery_info["routing_key"]))
    return found


@dataclass
class Receiver:
    """A running receiver and the handles a test needs around it."""

    base_url: str
    settings: Settings
    celery: Celery
    client: redis.Redis
    clock: list[float]

    @property
    def keys(self) -> RedisKeys:
        return RedisKeys(self.settings.key_prefix)

    def url(self, instance: str = "main") -> str:
        return f"{self.base_url}/webhooks/magento/{instance}"

    def queued(self) -> list[QueuedTask]:
        return drain_queue(self.celery)


@pytest.fixture(scope="module")
def receiver(redis_url: str, rsa_pair: RsaPair) -> Iterator[Receiver]:
    """One receiver per test module, on a real uvicorn server, queueing into a real Celery app.

    The clock is a one-element list a test may set to move "now" for the replay window.
    """
    prefix = f"test:webhook:{time.time_ns()}:"
    settings = make_settings(redis_url, prefix, rsa_pair.public_pem, max_body_bytes=4096)
    app = celery_app_for(redis_url, prefix)
    client = redis_client(redis_url)
    clock = [0.0]
    web = create_app(settings, client, app.send_task, clock=lambda: clock[0] or time.time())
    with serving(web) as base_url:
        yield Receiver(base_url, settings, app, client, clock)
    client.close()


@pytest.fixture
def fresh(receiver: Receiver) -> Iterator[Receiver]:
    """The module's receiver with an empty queue and the real clock, before and after the test."""
    receiver.clock[0] = 0.0
    receiver.queued()
    yield receiver
    receiver.clock[0] = 0.0
    receiver.queued()


def order_event(
    entity_id: int | str = 42, updated_at: str | None = "2025-07-17 15:48:42", **order: Any
) -> bytes:
    """The connector's signed format, as the Magento sandbox sends it."""
    body = {
        "event": "sales_order_save_after",
        "instance": "main",
        "data": {
            "order": {
                "entity_id": entity_id,
                "increment_id": "000000042",
                "updated_at": updated_at,
                "state": "processing",
                "status": "processing",
                **order,
            }
        },
    }
    return json.dumps(body).encode()


def hmac_headers(body: bytes, *, secret: str = HMAC_SECRET, timestamp: int | None = None) -> dict[str, str]:
    stamp = str(int(time.time()) if timestamp is None else timestamp)
    return {
        "Content-Type": "application/json",
        "X-Connector-Timestamp": stamp,
        "X-Connector-Signature": hmac_signature(secret, stamp, body),
    }


def b64(data: bytes) -> str:
    return base64.b64encode(data).decode()


JsonLogs = Callable[[], list[dict[str, Any]]]
