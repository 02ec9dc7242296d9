"""Stories of a failing surrounding: Redis or the broker down, and limits enforced while the body streams in."""

from __future__ import annotations

import asyncio
import threading
import time
from concurrent.futures import ThreadPoolExecutor
from typing import Any

import httpx
from celery import Celery

from connector_worker.webhook.app import create_app, redis_client
from connector_worker.webhook.receiver import DUPLICATE_WAIT_SECONDS
from tests.connector_worker.webhook.conftest import (
    Receiver,
    hmac_headers,
    order_event,
    serving,
)
from tests.support.ports import closed_port


def broken_broker() -> Celery:
    """A real Celery app whose broker is a closed port: every publish fails."""
    app = Celery("broken-broker", broker=f"redis://127.0.0.1:{closed_port()}/0", set_as_current=False)
    app.conf.task_publish_retry = False
    app.conf.broker_connection_timeout = 1
    return app


def test_when_the_broker_is_down_the_sender_is_told_to_retry_and_the_retry_is_queued(fresh: Receiver) -> None:
    # Given a receiver whose broker is unreachable, sharing dedup keys with a healthy one
    body = order_event(entity_id=600, updated_at="2025-07-19 10:00:00")
    web = create_app(fresh.settings, fresh.client, broken_broker().send_task)
    with serving(web) as broken_url:
        # When a delivery arrives
        response = httpx.post(
            f"{broken_url}/webhooks/magento/main", content=body, headers=hmac_headers(body), timeout=30
        )
    # Then the sender is told to retry (503) and the dedup claim is given back
    assert response.status_code == 503
    assert response.json() == {"error": "could not queue the order, retry later"}
    assert fresh.client.keys(f"{fresh.settings.key_prefix}dedup:*") == []
    # And when the sender retries once the broker is back, the order is queued
    retry = httpx.post(fresh.url(), content=body, headers=hmac_headers(body), timeout=10)
    assert retry.status_code == 200
    assert [task.kwargs["entity_id"] for task in fresh.queued()] == [600]


def test_when_redis_is_down_deliveries_get_503_and_readyz_says_not_ready(fresh: Receiver) -> None:
    # Given a receiver whose Redis is a closed port
    dead = redis_client(f"redis://127.0.0.1:{closed_port()}/0")
    web = create_app(fresh.settings, dead, fresh.celery.send_task)
    body = order_event(entity_id=601)
    with serving(web) as url:
        started = time.perf_counter()
        ready = httpx.get(f"{url}/readyz", timeout=10)
        ready_seconds = time.perf_counter() - started
        healthy = httpx.get(f"{url}/healthz", timeout=10)
        response = httpx.post(
            f"{url}/webhooks/magento/main", content=body, headers=hmac_headers(body), timeout=10
        )
    # Then it is alive but not ready, and a delivery is refused with 503 so that the sender retries
    assert (ready.status_code, ready.json()) == (
        503,
        {"status": "unavailable", "error": "redis is not reachable"},
    )
    assert ready_seconds < 1.5  # quick enough for a probe and for Adobe Commerce's hook timeout
    assert (healthy.status_code, healthy.json()) == (200, {"status": "ok"})
    assert (response.status_code, response.json()) == (503, {"error": "queue unavailable, retry later"})
    # And nothing was queued (the broker was fine: the dedup check must come first)
    assert fresh.queued() == []


def test_a_copy_arriving_while_the_first_is_being_queued_takes_over_when_the_first_fails(
    fresh: Receiver,
) -> None:
    # Given a receiver whose send stalls, then fails (a broker dying mid-publish)
    entered, proceed = threading.Event(), threading.Event()

    def stalled_then_broken(name: str, *, kwargs: dict[str, Any], queue: str) -> object:
        entered.set()
        proceed.wait(10)
        raise ConnectionError("broker went away")

    body = order_event(entity_id=602, updated_at="2025-07-19 11:00:00")
    with (
        serving(create_app(fresh.settings, fresh.client, stalled_then_broken)) as stalled_url,
        ThreadPoolExecutor(2) as pool,
    ):
        first = pool.submit(
            httpx.post,
            f"{stalled_url}/webhooks/magento/main",
            content=body,
            headers=hmac_headers(body),
            timeout=30,
        )
        assert entered.wait(10)
        # When a copy reaches the healthy receiver while the first is still being queued
        copy = pool.submit(httpx.post, fresh.url(), content=body, headers=hmac_headers(body), timeout=30)
        time.sleep(0.3)
        # Then the copy is not acknowledged yet: the first may still fail
        assert not copy.done()
        proceed.set()
        # And when the first fails, the copy is queued in its place
        assert first.result().status_code == 503
        assert (copy.result().status_code, copy.result().json()) == (200, {"op": "success"})
    assert [task.kwargs["entity_id"] for task in fresh.queued()] == [602]


def test_a_claim_left_pending_by_a_dead_receiver_gets_503_until_it_lapses(fresh: Receiver) -> None:
    # Given a receiver died between claiming an event and queueing it
    updated_at = "2025-07-19 12:00:00"
    fresh.client.set(
        fresh.keys.webhook_dedup("main", 603, updated_at, "processing", "processing"),
        "pending:dead-receiver",
        ex=60,
    )
    body = order_event(entity_id=603, updated_at=updated_at)
    # When the event is delivered again, it waits briefly, then asks the sender to retry later
    started = time.perf_counter()
    response = httpx.post(fresh.url(), content=body, headers=hmac_headers(body), timeout=30)
    assert time.perf_counter() - started >= DUPLICATE_WAIT_SECONDS
    assert (response.status_code, response.json()) == (
        503,
        {"error": "a copy of this delivery is still being queued, retry later"},
    )
    assert fresh.queued() == []
    # And once the dead claim lapses, a retry is queued
    fresh.client.delete(fresh.keys.webhook_dedup("main", 603, updated_at, "processing", "processing"))
    assert httpx.post(fresh.url(), content=body, headers=hmac_headers(body), timeout=30).status_code == 200
    assert [task.kwargs["entity_id"] for task in fresh.queued()] == [603]


def run_asgi(app: Any, headers: dict[str, str], chunk: bytes) -> tuple[int, int]:
    """Call the ASGI app with an endless body of ``chunk``s; the status and how many chunks it pulled."""
    pulled = 0
    statuses: list[int] = []

    async def receive() -> dict[str, Any]:
        nonlocal pulled
        pulled += 1
        return {"type": "http.request", "body": chunk, "more_body": True}

    async def send(message: dict[str, Any]) -> None:
        if message["type"] == "http.response.start":
            statuses.append(message["status"])

    scope = {
        "type": "http",
        "asgi": {"version": "3.0"},
        "http_version": "1.1",
        "method": "POST",
        "scheme": "http",
        "path": "/webhooks/magento/main",
        "raw_path": b"/webhooks/magento/main",
        "query_string": b"",
        "root_path": "",
        "headers": [(k.lower().encode(), v.encode()) for k, v in headers.items()],
        "client": ("127.0.0.1", 1),
        "server": ("127.0.0.1", 80),
    }
    asyncio.run(app(scope, receive, send))
    return statuses[0], pulled


def test_the_size_limit_is_enforced_while_the_body_is_read(fresh: Receiver) -> None:
    # Given a sender that streams a body without end, 1 KiB at a time, to a 4 KiB limit
    web = create_app(fresh.settings, fresh.client, fresh.celery.send_task)
    status, pulled = run_asgi(web, hmac_headers(b"{}"), b"x" * 1024)
    # Then it is refused with 413 after the fifth chunk, not after buffering everything
    assert fresh.settings.webhook.max_body_bytes == 4096
    assert (status, pulled) == (413, 5)


def test_an_unauthenticated_body_is_not_read_at_all(fresh: Receiver) -> None:
    web = create_app(fresh.settings, fresh.client, fresh.celery.send_task)
    assert run_asgi(web, {}, b"x" * 1024) == (401, 0)
    stale = hmac_headers(b"{}", timestamp=1)
    assert run_asgi(web, stale, b"x" * 1024) == (401, 0)


def test_a_content_length_that_is_not_a_number_is_400(fresh: Receiver) -> None:
    # (uvicorn's parser refuses this before the app; the receiver does not rely on it)
    web = create_app(fresh.settings, fresh.client, fresh.celery.send_task)
    headers = {**hmac_headers(b"{}"), "content-length": "12abc"}
    assert run_asgi(web, headers, b"x" * 1024) == (400, 0)
