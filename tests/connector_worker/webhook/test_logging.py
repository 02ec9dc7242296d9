"""One log line per delivery says which instance, which order and what happened; never a secret or a body."""

from __future__ import annotations

import io
import json
import logging
from collections.abc import Iterator
from typing import Any

import httpx
import pytest
import structlog

from connector_worker.log import clear_context, configure_logging
from tests.connector_worker.webhook.conftest import (
    HMAC_SECRET,
    Receiver,
    RsaPair,
    hmac_headers,
    order_event,
)

BODY_MARKER = "alice.private@example.com"


@pytest.fixture
def log_stream(fresh: Receiver) -> Iterator[io.StringIO]:
    """JSON logs of this process (the server thread included), configured as the CLI does."""
    stream = io.StringIO()
    configure_logging("json", "INFO", secrets=fresh.settings.secret_values(), stream=stream)
    yield stream
    clear_context()
    structlog.reset_defaults()
    root = logging.getLogger()
    for handler in [h for h in root.handlers if getattr(h, "_connector_handler", False)]:
        root.removeHandler(handler)


def delivery_lines(stream: io.StringIO) -> list[dict[str, Any]]:
    lines = [json.loads(line) for line in stream.getvalue().splitlines()]
    return [line for line in lines if line["event"] == "webhook delivery"]


def test_each_delivery_logs_one_line_without_secrets_signatures_or_bodies(
    fresh: Receiver, rsa_pair: RsaPair, log_stream: io.StringIO
) -> None:
    # Given deliveries carrying a personal e-mail in their body, signed with the secret and the RSA key
    good = order_event(entity_id=700, customer_email=BODY_MARKER)
    good_headers = hmac_headers(good)
    adobe_body = json.dumps({"order": {"entity_id": 701, "customer_email": BODY_MARKER}}).encode()
    adobe_headers = {
        "x-adobe-commerce-webhook-signature": rsa_pair.sign(adobe_body),
        "x-adobe-commerce-request-id": "rq-701",
    }
    forged = hmac_headers(good, secret=HMAC_SECRET + "-guess")
    # When one is accepted, repeated, forged, sent to an unknown instance, and one comes from Adobe Commerce
    statuses = [
        httpx.post(fresh.url(), content=good, headers=good_headers, timeout=10).status_code,
        httpx.post(fresh.url(), content=good, headers=good_headers, timeout=10).status_code,
        httpx.post(fresh.url(), content=good, headers=forged, timeout=10).status_code,
        httpx.post(fresh.url("elsewhere"), content=good, headers=good_headers, timeout=10).status_code,
        httpx.post(fresh.url("adobe"), content=adobe_body, headers=adobe_headers, timeout=10).status_code,
    ]
    assert statuses == [200, 200, 401, 404, 200]
    # Then there is exactly one line per delivery, with instance, order and outcome
    lines = delivery_lines(log_stream)
    summary = [(line["instance"], line["entity_id"], line["outcome"], line["status"]) for line in lines]
    assert summary == [
        ("main", 700, "queued", 200),
        ("main", 700, "duplicate", 200),
        ("main", None, "refused", 401),
        ("elsewhere", None, "refused", 404),
        ("adobe", 701, "queued", 200),
    ]
    assert lines[2]["reason"] == "X-Connector-Signature does not match the body"
    assert lines[4]["request_id"] == "rq-701"
    # with the order version the dedup went by (the order's own state and status, not the HTTP status)
    assert (lines[0]["updated_at"], lines[0]["order_state"], lines[0]["order_status"]) == (
        "2025-07-17 15:48:42",
        "processing",
        "processing",
    )
    # And no secret, signature or body content appears anywhere in the log
    text = log_stream.getvalue()
    for leaked in (
        HMAC_SECRET,
        good_headers["X-Connector-Signature"],
        good_headers["X-Connector-Signature"].removeprefix("sha256="),
        forged["X-Connector-Signature"].removeprefix("sha256="),
        adobe_headers["x-adobe-commerce-webhook-signature"],
        BODY_MARKER,
        "magento-bearer-token-0123456789",
    ):
        assert leaked not in text
    assert len(fresh.queued()) == 2
