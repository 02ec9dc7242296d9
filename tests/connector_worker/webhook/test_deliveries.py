"""Stories of accepted deliveries: both signature schemes queue ``orders.sync`` once, duplicates are absorbed."""

from __future__ import annotations

import json
import time
from concurrent.futures import ThreadPoolExecutor

import httpx

from connector_worker.redis_keys import (
    QUEUE_WEBHOOK,
    WEBHOOK_DEDUP_PENDING_TTL_SECONDS,
    WEBHOOK_DEDUP_TTL_SECONDS,
)
from tests.connector_worker.webhook.conftest import (
    QueuedTask,
    Receiver,
    RsaPair,
    hmac_headers,
    order_event,
)


def sync_of(instance: str, entity_id: int) -> QueuedTask:
    return QueuedTask(
        "orders.sync", {"instance": instance, "entity_id": entity_id, "source": "webhook"}, QUEUE_WEBHOOK
    )


def test_a_signed_order_event_is_queued_as_orders_sync_on_the_webhook_queue(fresh: Receiver) -> None:
    # Given a sales_order_save_after event signed with the instance's secret
    body = order_event(entity_id=42, updated_at="2025-07-17 15:48:42")
    # When Magento delivers it
    response = httpx.post(fresh.url("main"), content=body, headers=hmac_headers(body), timeout=10)
    # Then it is acknowledged the way Adobe Commerce expects, and one orders.sync sits in the webhook queue
    assert response.status_code == 200
    assert response.json() == {"op": "success"}
    assert fresh.queued() == [sync_of("main", 42)]
    # And the order version is remembered for a day, not only for the short pending window
    key = fresh.keys.webhook_dedup("main", 42, "2025-07-17 15:48:42", "processing", "processing")
    assert WEBHOOK_DEDUP_PENDING_TTL_SECONDS < fresh.client.ttl(key) <= WEBHOOK_DEDUP_TTL_SECONDS


def test_a_redelivered_event_is_acknowledged_but_queued_once(fresh: Receiver) -> None:
    body = order_event(entity_id=43)
    first = httpx.post(fresh.url(), content=body, headers=hmac_headers(body), timeout=10)
    # When the same order version arrives again, freshly signed (a sender retry or a second save event)
    again = order_event(entity_id=43, status="processing", extra="field order differs")
    second = httpx.post(fresh.url(), content=again, headers=hmac_headers(again), timeout=10)
    # Then both are acknowledged and only one sync is queued
    assert (first.status_code, second.status_code) == (200, 200)
    assert second.json() == {"op": "success"}
    assert fresh.queued() == [sync_of("main", 43)]


def test_a_newer_version_of_the_same_order_is_queued_again(fresh: Receiver) -> None:
    for updated_at in ("2025-07-17 15:48:42", "2025-07-17 15:50:00"):
        body = order_event(entity_id=44, updated_at=updated_at)
        assert (
            httpx.post(fresh.url(), content=body, headers=hmac_headers(body), timeout=10).status_code == 200
        )
    assert fresh.queued() == [sync_of("main", 44), sync_of("main", 44)]


def test_a_second_change_within_the_same_second_is_queued_too(fresh: Receiver) -> None:
    # Given an order placed, then invoiced by the payment gateway within the same second: Magento's
    # updated_at (one-second resolution) is the same in both events, its state and status are not
    placed = order_event(entity_id=46, updated_at="2025-07-17 15:48:42", state="new", status="pending")
    invoiced = order_event(entity_id=46, updated_at="2025-07-17 15:48:42")  # processing / processing
    # When both events arrive, and a copy of the second one after them
    for body in (placed, invoiced, invoiced):
        response = httpx.post(fresh.url(), content=body, headers=hmac_headers(body), timeout=10)
        assert response.status_code == 200
    # Then the second change is a new event, queued, and only its copy is absorbed as a duplicate
    assert fresh.queued() == [sync_of("main", 46), sync_of("main", 46)]
    # And a status change within the same state (a custom status) counts as well
    review = order_event(entity_id=46, updated_at="2025-07-17 15:48:42", status="fraud_review")
    assert (
        httpx.post(fresh.url(), content=review, headers=hmac_headers(review), timeout=10).status_code == 200
    )
    assert fresh.queued() == [sync_of("main", 46)]


def test_many_identical_deliveries_at_once_queue_a_single_sync(fresh: Receiver) -> None:
    # Given 40 copies of one event sent concurrently over separate connections
    body = order_event(entity_id=45, updated_at="2025-07-18 08:00:00")
    headers = hmac_headers(body)

    def deliver(_: int) -> httpx.Response:
        with httpx.Client(timeout=30) as client:
            return client.post(fresh.url(), content=body, headers=headers)

    with ThreadPoolExecutor(max_workers=40) as pool:
        responses = list(pool.map(deliver, range(40)))
    # Then every copy is acknowledged and exactly one message sits in the queue
    assert [r.status_code for r in responses] == [200] * 40
    assert fresh.queued() == [sync_of("main", 45)]


def test_adobe_plugin_hook_signed_with_rsa_is_queued(fresh: Receiver, rsa_pair: RsaPair) -> None:
    # Given an Adobe Commerce plugin hook payload (entity id as a string, no updated_at), RSA-signed
    body = json.dumps({"order": {"entity_id": "77", "increment_id": "000000077"}}).encode()
    headers = {
        "Content-Type": "application/json",
        "x-adobe-commerce-webhook-signature": rsa_pair.sign(body),
        "x-adobe-commerce-request-id": "5d1b2c7e-0f4a-4d6e-9b8a-3c2f1e0d9a87",
    }
    response = httpx.post(fresh.url("adobe"), content=body, headers=headers, timeout=10)
    assert response.status_code == 200
    assert response.json() == {"op": "success"}
    assert fresh.queued() == [sync_of("adobe", 77)]
    # When Adobe retries the same request (same request id), it is acknowledged and not queued again
    retry = httpx.post(fresh.url("adobe"), content=body, headers=headers, timeout=10)
    assert retry.status_code == 200
    assert fresh.queued() == []


def test_adobe_observer_hook_with_data_object_is_queued_and_deduped_by_version(
    fresh: Receiver, rsa_pair: RsaPair
) -> None:
    order = {"entity_id": 78, "increment_id": "000000078", "updated_at": "2025-07-17 16:00:00"}
    responses = []
    for request_id in ("req-1", "req-2"):  # two observer firings of one save: same version, new request ids
        body = json.dumps(
            {"eventName": "observer.sales_order_save_after", "data": {"data_object": order}}
        ).encode()
        headers = {
            "x-adobe-commerce-webhook-signature": rsa_pair.sign(body),
            "x-adobe-commerce-request-id": request_id,
        }
        responses.append(httpx.post(fresh.url("adobe"), content=body, headers=headers, timeout=10))
    assert [r.status_code for r in responses] == [200, 200]
    assert fresh.queued() == [sync_of("adobe", 78)]


def test_deliveries_without_updated_at_or_request_id_are_each_queued(
    fresh: Receiver, rsa_pair: RsaPair
) -> None:
    # Without a version or a request id two deliveries may be two real changes: an extra sync is harmless,
    # a skipped one would leave Odoo stale.
    body = json.dumps(
        {"eventName": "observer.sales_order_save_after", "data": {"order": {"entity_id": 79}}}
    ).encode()
    headers = {"x-adobe-commerce-webhook-signature": rsa_pair.sign(body)}
    for _ in range(2):
        assert httpx.post(fresh.url("adobe"), content=body, headers=headers, timeout=10).status_code == 200
    assert fresh.queued() == [sync_of("adobe", 79), sync_of("adobe", 79)]


def test_the_replay_window_accepts_an_edge_timestamp_and_refuses_one_beyond(fresh: Receiver) -> None:
    # Given "now" is fixed and the tolerance is the default 300 s
    now = 1_750_000_000
    fresh.clock[0] = float(now)
    tolerance = fresh.settings.webhook.timestamp_tolerance_seconds
    outcomes = {}
    for entity_id, stamp in (
        (50, now - tolerance),
        (51, now + tolerance),
        (52, now - tolerance - 1),
        (53, now + tolerance + 1),
    ):
        body = order_event(entity_id=entity_id)
        response = httpx.post(
            fresh.url(), content=body, headers=hmac_headers(body, timestamp=stamp), timeout=10
        )
        outcomes[entity_id] = (response.status_code, response.json())
    # Then timestamps on the window's edges pass and those one second beyond are refused as replays
    assert outcomes[50] == (200, {"op": "success"})
    assert outcomes[51] == (200, {"op": "success"})
    for refused in (52, 53):
        status, body_json = outcomes[refused]
        assert status == 401
        assert "tolerance window" in body_json["error"]
    assert fresh.queued() == [sync_of("main", 50), sync_of("main", 51)]


def test_health_and_readiness(fresh: Receiver) -> None:
    assert httpx.get(f"{fresh.base_url}/healthz", timeout=10).json() == {"status": "ok"}
    ready = httpx.get(f"{fresh.base_url}/readyz", timeout=10)
    assert (ready.status_code, ready.json()) == (200, {"status": "ready"})


def test_the_answer_comes_fast(fresh: Receiver) -> None:
    # Adobe Commerce waits for the answer inside the shopper's request: it must stay well under its timeout.
    durations = []
    for entity_id in range(60, 80):
        body = order_event(entity_id=entity_id)
        started = time.perf_counter()
        httpx.post(fresh.url(), content=body, headers=hmac_headers(body), timeout=10).raise_for_status()
        durations.append(time.perf_counter() - started)
    durations.sort()
    assert durations[len(durations) // 2] < 0.1
    assert len(fresh.queued()) == 20
