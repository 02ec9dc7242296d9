"""Stories of refused deliveries: each bad input gets its status and a clear message, and nothing is queued."""

from __future__ import annotations

import json
import time
from collections.abc import Iterator

import httpx
import pytest

from tests.connector_worker.webhook.conftest import (
    HMAC_SECRET,
    Receiver,
    RsaPair,
    b64,
    hmac_headers,
    order_event,
)

BODY = order_event(entity_id=900, updated_at="2025-07-17 15:48:42")


def assert_nothing_kept(receiver: Receiver) -> None:
    """Nothing was queued and no dedup claim was left behind (a later good delivery must get through)."""
    assert receiver.queued() == []
    assert receiver.client.keys(f"{receiver.settings.key_prefix}dedup:*") == []


def refused(response: httpx.Response, status: int, fragment: str) -> None:
    assert response.status_code == status, response.text
    error = response.json()["error"]
    assert fragment in error
    assert HMAC_SECRET not in response.text


def test_an_unknown_instance_is_404(fresh: Receiver) -> None:
    response = httpx.post(fresh.url("nowhere"), content=BODY, headers=hmac_headers(BODY), timeout=10)
    refused(response, 404, "unknown instance 'nowhere'")
    assert_nothing_kept(fresh)


def test_an_instance_without_secret_or_key_refuses_every_webhook(fresh: Receiver, rsa_pair: RsaPair) -> None:
    for headers in (hmac_headers(BODY), {"x-adobe-commerce-webhook-signature": rsa_pair.sign(BODY)}, {}):
        response = httpx.post(fresh.url("bare"), content=BODY, headers=headers, timeout=10)
        refused(response, 401, "webhooks are not configured for this instance")
    assert_nothing_kept(fresh)


@pytest.mark.parametrize(
    ("headers", "fragment"),
    [
        ({}, "missing signature: send X-Connector-Signature"),
        ({"X-Connector-Timestamp": str(int(time.time()))}, "missing X-Connector-Signature header"),
        ({"X-Connector-Signature": "sha256=" + "0" * 64}, "missing X-Connector-Timestamp header"),
        (
            {"X-Connector-Timestamp": "yesterday", "X-Connector-Signature": "sha256=00"},
            "must be unix seconds",
        ),
        (hmac_headers(BODY, secret="not-the-secret"), "X-Connector-Signature does not match the body"),
        ({**hmac_headers(BODY), "X-Connector-Signature": "sha256=zz"}, "does not match the body"),
        (
            {**hmac_headers(BODY), "X-Connector-Signature": "sha256=\xe9".encode("latin-1")},
            "does not match the body",
        ),
        (hmac_headers(BODY, timestamp=int(time.time()) - 3600), "outside the 300 s tolerance window"),
        (hmac_headers(BODY, timestamp=int(time.time()) + 3600), "outside the 300 s tolerance window"),
        ({"x-adobe-commerce-webhook-signature": b64(b"x" * 256)}, "no public key is configured"),
    ],
    ids=[
        "no-headers",
        "no-signature",
        "no-timestamp",
        "bad-timestamp",
        "wrong-secret",
        "not-hex",
        "not-ascii",
        "stale",
        "future",
        "adobe-on-hmac-instance",
    ],
)
def test_a_missing_or_wrong_hmac_signature_is_401(
    fresh: Receiver, headers: dict[str, str | bytes], fragment: str
) -> None:
    raw = [
        (name.encode(), value if isinstance(value, bytes) else value.encode())
        for name, value in headers.items()
    ]
    response = httpx.post(fresh.url("main"), content=BODY, headers=raw, timeout=10)
    refused(response, 401, fragment)
    assert_nothing_kept(fresh)


def test_a_body_changed_after_signing_is_401(fresh: Receiver) -> None:
    headers = hmac_headers(BODY)
    tampered = BODY.replace(b'"entity_id": 900', b'"entity_id": 901')
    assert tampered != BODY
    refused(httpx.post(fresh.url(), content=tampered, headers=headers, timeout=10), 401, "does not match")
    assert_nothing_kept(fresh)


def test_a_timestamp_swapped_after_signing_is_401(fresh: Receiver) -> None:
    headers = hmac_headers(BODY, timestamp=int(time.time()) - 10)
    headers["X-Connector-Timestamp"] = str(int(time.time()))  # a replayer refreshing the stamp
    refused(httpx.post(fresh.url(), content=BODY, headers=headers, timeout=10), 401, "does not match")
    assert_nothing_kept(fresh)


@pytest.mark.parametrize(
    ("signature", "fragment"),
    [
        (None, "missing signature: send x-adobe-commerce-webhook-signature"),
        ("not base64!", "is not valid base64"),
        (b64(b"\x00" * 256), "does not match the body"),
    ],
    ids=["missing", "not-base64", "garbage"],
)
def test_a_missing_or_wrong_adobe_signature_is_401(
    fresh: Receiver, signature: str | None, fragment: str
) -> None:
    headers = {} if signature is None else {"x-adobe-commerce-webhook-signature": signature}
    refused(httpx.post(fresh.url("adobe"), content=BODY, headers=headers, timeout=10), 401, fragment)
    assert_nothing_kept(fresh)


def test_an_adobe_signature_from_another_key_or_over_other_bytes_is_401(
    fresh: Receiver, rsa_pair: RsaPair
) -> None:
    from cryptography.hazmat.primitives.asymmetric import rsa

    from connector_worker.webhook.signatures import adobe_signature

    other = rsa.generate_private_key(public_exponent=65537, key_size=2048)
    # Signed by a key pair regenerated since (the old public key no longer verifies)
    headers = {"x-adobe-commerce-webhook-signature": adobe_signature(other, BODY)}
    refused(httpx.post(fresh.url("adobe"), content=BODY, headers=headers, timeout=10), 401, "does not match")
    # Signed over the raw body instead of its base64 (the scheme signs base64(body))
    from cryptography.hazmat.primitives import hashes
    from cryptography.hazmat.primitives.asymmetric import padding

    raw_signed = b64(rsa_pair.private_key.sign(BODY, padding.PKCS1v15(), hashes.SHA256()))
    headers = {"x-adobe-commerce-webhook-signature": raw_signed}
    refused(httpx.post(fresh.url("adobe"), content=BODY, headers=headers, timeout=10), 401, "does not match")
    # An HMAC delivery to an instance that only has a public key
    refused(
        httpx.post(fresh.url("adobe"), content=BODY, headers=hmac_headers(BODY), timeout=10),
        401,
        "no webhook secret is configured",
    )
    assert_nothing_kept(fresh)


@pytest.mark.parametrize(
    ("body", "fragment"),
    [
        (b"{not json", "body is not valid JSON (Expecting property name"),
        (b"\xff\xfe\x00", "body is not valid JSON"),
        (b"[" * 4000, "nested too deeply"),
        (b"[1, 2]", "body must be a JSON object"),
        (json.dumps({"event": "sales_order_save_after", "data": {}}).encode(), "no order in the payload"),
        (json.dumps({"data": {"order": {"increment_id": "000000001"}}}).encode(), "no order in the payload"),
        (json.dumps({"order": {"entity_id": "abc"}}).encode(), "entity_id must be a positive integer"),
        (json.dumps({"order": {"entity_id": 0}}).encode(), "entity_id must be a positive integer"),
        (json.dumps({"order": {"entity_id": True}}).encode(), "entity_id must be a positive integer"),
        (json.dumps({"order": {"entity_id": 4.5}}).encode(), "entity_id must be a positive integer"),
        (
            json.dumps({"order": {"entity_id": 1, "updated_at": 12}}).encode(),
            "updated_at must be a date-time",
        ),
    ],
    ids=[
        "broken",
        "not-utf8",
        "too-deep",
        "array",
        "no-order",
        "no-entity-id",
        "text-id",
        "zero",
        "bool",
        "float",
        "bad-updated-at",
    ],
)
def test_a_signed_body_without_an_order_id_is_400(fresh: Receiver, body: bytes, fragment: str) -> None:
    # Given a correctly signed body whose content is wrong
    response = httpx.post(fresh.url(), content=body, headers=hmac_headers(body), timeout=10)
    refused(response, 400, fragment)
    assert_nothing_kept(fresh)


def test_a_declared_oversized_body_is_413_before_it_is_read(fresh: Receiver) -> None:
    limit = fresh.settings.webhook.max_body_bytes
    body = order_event(entity_id=901, padding="x" * limit)
    response = httpx.post(fresh.url(), content=body, headers=hmac_headers(body), timeout=10)
    refused(response, 413, f"body exceeds the {limit} byte limit")
    assert_nothing_kept(fresh)


def test_a_streamed_oversized_body_is_413(fresh: Receiver) -> None:
    # Given a chunked body with no Content-Length that would go on for 64 MiB
    sent = []

    def chunks() -> Iterator[bytes]:
        for _ in range(4096):
            sent.append(16384)
            yield b"x" * 16384

    headers = hmac_headers(b"")  # signed over something else: the size check must come first anyway
    response = httpx.post(fresh.url(), content=chunks(), headers=headers, timeout=30)
    refused(response, 413, "byte limit")
    assert_nothing_kept(fresh)
    # And the receiver cut the transfer long before the end (what was sent fits in loopback socket buffers)
    assert sum(sent) < 32 * 1024 * 1024


def test_an_adobe_request_id_that_is_not_one_is_400(fresh: Receiver, rsa_pair: RsaPair) -> None:
    body = json.dumps({"order": {"entity_id": 902}}).encode()
    headers = {
        "x-adobe-commerce-webhook-signature": rsa_pair.sign(body),
        "x-adobe-commerce-request-id": "r" * 500,
    }
    refused(
        httpx.post(fresh.url("adobe"), content=body, headers=headers, timeout=10), 400, "is not a request id"
    )
    assert_nothing_kept(fresh)
