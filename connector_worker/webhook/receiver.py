"""The webhook pipeline, free of HTTP framework details: authenticate, read, parse, deduplicate, enqueue.

Every refusal is a :class:`Refused` carrying the HTTP status and a message safe to send back; nothing is
queued unless every check passed. Magento and Odoo are never called: the task re-reads the order.
"""

from __future__ import annotations

import time
from collections.abc import AsyncIterator, Callable, Mapping
from dataclasses import dataclass
from typing import Any, Literal, Protocol

import redis
from cryptography.hazmat.primitives.asymmetric import rsa
from starlette.concurrency import run_in_threadpool

from config.settings import ConfigError, InstanceConfig, Settings
from connector_worker import redis_keys, task_names
from connector_worker.webhook import claims
from connector_worker.webhook.payloads import OrderHint, PayloadError, parse_order_hint
from connector_worker.webhook.signatures import (
    ADOBE_REQUEST_ID_HEADER,
    ADOBE_SIGNATURE_HEADER,
    HMAC_SIGNATURE_HEADER,
    HMAC_TIMESTAMP_HEADER,
    SignatureError,
    check_timestamp,
    load_public_key,
    verify_adobe,
    verify_hmac,
)

# How long a duplicate waits for the copy being queued by another request to succeed or give up, and how
# often it looks: a send takes milliseconds, and Adobe Commerce's hook timeout is a few seconds.
DUPLICATE_WAIT_SECONDS = 2.0
DUPLICATE_POLL_SECONDS = 0.02
MAX_REQUEST_ID_CHARS = 128  # Adobe sends a UUID; a longer value is not one and would bloat the dedup key

Scheme = Literal["hmac", "adobe"]
Outcome = Literal["queued", "duplicate"]


class SendTask(Protocol):
    """What the receiver needs from Celery: ``Celery.send_task(name, kwargs=..., queue=...)``."""

    def __call__(self, name: str, *, kwargs: dict[str, Any], queue: str) -> object: ...


class Refused(Exception):
    """The delivery is refused with ``status``; ``message`` goes back to the sender as ``{"error": ...}``."""

    def __init__(self, status: int, message: str, *, entity_id: int | None = None) -> None:
        super().__init__(message)
        self.status = status
        self.message = message
        self.entity_id = entity_id


@dataclass(frozen=True, slots=True)
class Accepted:
    """A delivery that was authenticated and is now queued (or was queued before: a duplicate)."""

    outcome: Outcome
    scheme: Scheme
    hint: OrderHint
    request_id: str | None


class WebhookReceiver:
    """Holds what every delivery needs: settings, parsed public keys, Redis, and the task sender."""

    def __init__(
        self,
        settings: Settings,
        client: redis.Redis,
        send_task: SendTask,
        *,
        clock: Callable[[], float] = time.time,
    ) -> None:
        self.settings = settings
        self.client = client
        self.send_task = send_task
        self.clock = clock
        self.keys = redis_keys.RedisKeys.from_settings(settings)
        self.public_keys = _load_public_keys(settings)

    async def receive(
        self, instance: str, headers: Mapping[str, str], chunks: AsyncIterator[bytes]
    ) -> Accepted:
        """Run one delivery through every check; :class:`Refused` says which one failed."""
        config = self._instance(instance)
        scheme = self._check_headers(config, headers)
        body = await read_limited(chunks, headers.get("content-length"), self.settings.webhook.max_body_bytes)
        self._verify(config, scheme, headers, body)
        try:
            hint = parse_order_hint(body)
        except PayloadError as exc:
            raise Refused(400, str(exc)) from None
        request_id = _request_id(headers) if scheme == "adobe" else None
        outcome = await run_in_threadpool(self._dedupe_and_enqueue, instance, hint, request_id)
        return Accepted(outcome=outcome, scheme=scheme, hint=hint, request_id=request_id)

    def _instance(self, name: str) -> InstanceConfig:
        config = self.settings.instances.get(name)
        if config is None:
            raise Refused(404, f"unknown instance {name[:64]!r}")
        if config.webhook_secret is None and name not in self.public_keys:
            raise Refused(401, "webhooks are not configured for this instance")
        return config

    def _check_headers(self, config: InstanceConfig, headers: Mapping[str, str]) -> Scheme:
        """Pick the scheme from the headers and refuse early what cannot pass (before reading the body)."""
        if ADOBE_SIGNATURE_HEADER in headers:
            if config.name not in self.public_keys:
                raise Refused(401, "Adobe Commerce signature given but no public key is configured")
            return "adobe"
        if HMAC_SIGNATURE_HEADER in headers or HMAC_TIMESTAMP_HEADER in headers:
            if config.webhook_secret is None:
                raise Refused(401, f"{HMAC_SIGNATURE_HEADER} given but no webhook secret is configured")
            try:
                check_timestamp(
                    headers.get(HMAC_TIMESTAMP_HEADER),
                    self.clock(),
                    self.settings.webhook.timestamp_tolerance_seconds,
                )
            except SignatureError as exc:
                raise Refused(401, str(exc)) from None
            return "hmac"
        expected = HMAC_SIGNATURE_HEADER if config.webhook_secret is not None else ADOBE_SIGNATURE_HEADER
        raise Refused(401, f"missing signature: send {expected}")

    def _verify(
        self, config: InstanceConfig, scheme: Scheme, headers: Mapping[str, str], body: bytes
    ) -> None:
        try:
            if scheme == "adobe":
                verify_adobe(self.public_keys[config.name], headers.get(ADOBE_SIGNATURE_HEADER), body)
            else:
                assert config.webhook_secret is not None  # checked by _check_headers
                verify_hmac(
                    config.webhook_secret.get_secret_value(),
                    headers[HMAC_TIMESTAMP_HEADER],
                    headers.get(HMAC_SIGNATURE_HEADER),
                    body,
                )
        except SignatureError as exc:
            raise Refused(401, str(exc)) from None

    def _dedupe_and_enqueue(self, instance: str, hint: OrderHint, request_id: str | None) -> Outcome:
        """Claim the dedup keys, queue ``orders.sync``, then keep the claim for a day.

        The claim starts short-lived (a receiver dying before the send frees the event within a minute) and
        is given back at once when the send fails, so the sender's retry is queued instead of dropped.
        """
        keys = dedup_keys(self.keys, instance, hint, request_id)
        try:
            token = self._claim_or_wait(keys)
        except (redis.RedisError, OSError) as exc:
            raise Refused(503, "queue unavailable, retry later", entity_id=hint.entity_id) from exc
        if token is None:
            return "duplicate"
        try:
            self.send_task(
                task_names.SYNC,
                kwargs={"instance": instance, "entity_id": hint.entity_id, "source": "webhook"},
                queue=redis_keys.QUEUE_WEBHOOK,
            )
        except Exception as exc:  # any failure to publish: the sender must retry, so give the claim back
            claims.release_quietly(self.client, keys, token)
            raise Refused(503, "could not queue the order, retry later", entity_id=hint.entity_id) from exc
        claims.confirm_quietly(self.client, keys, token, redis_keys.WEBHOOK_DEDUP_TTL_SECONDS)
        return "queued"

    def _claim_or_wait(self, keys: list[str]) -> str | None:
        """Our claim's token, or ``None`` once a copy of this delivery is known to be queued.

        A copy still being queued by another request may yet fail and give its claim back; acknowledging
        ours before then could lose the event, so we wait (a send takes milliseconds) and claim if freed.
        """
        deadline = time.monotonic() + DUPLICATE_WAIT_SECONDS
        while True:
            token = claims.claim(self.client, keys, redis_keys.WEBHOOK_DEDUP_PENDING_TTL_SECONDS)
            if token is not None:
                return token
            if claims.state(self.client, keys) == "queued":
                return None
            if time.monotonic() > deadline:
                raise Refused(503, "a copy of this delivery is still being queued, retry later")
            time.sleep(DUPLICATE_POLL_SECONDS)


def dedup_keys(
    keys: redis_keys.RedisKeys, instance: str, hint: OrderHint, request_id: str | None
) -> list[str]:
    """The keys one delivery claims: the order version when known, and Adobe's request id when given.

    The version is ``updated_at`` plus the ``state`` and ``status`` the sender gave: two changes within
    one second share ``updated_at``, and dropping the second as a duplicate would leave Odoo behind until
    the next pull. Without ``updated_at`` there is no order-version key: two such deliveries may be two
    real changes, and an extra sync is harmless while a skipped one would leave Odoo stale.
    """
    found = []
    if hint.updated_at is not None:
        found.append(keys.webhook_dedup(instance, hint.entity_id, hint.updated_at, hint.state, hint.status))
    if request_id is not None:
        found.append(keys.webhook_request(instance, request_id))
    return found


async def read_limited(chunks: AsyncIterator[bytes], content_length: str | None, limit: int) -> bytes:
    """The body, refused with 413 as soon as it is known to exceed ``limit`` bytes (never buffered whole)."""
    if content_length is not None:
        if not content_length.isascii() or not content_length.isdigit():
            raise Refused(400, "Content-Length is not a number")
        if int(content_length) > limit:
            raise Refused(413, f"body exceeds the {limit} byte limit")
    body = bytearray()
    async for chunk in chunks:
        body += chunk
        if len(body) > limit:
            raise Refused(413, f"body exceeds the {limit} byte limit")
    return bytes(body)


def _request_id(headers: Mapping[str, str]) -> str | None:
    value = headers.get(ADOBE_REQUEST_ID_HEADER, "").strip()
    if not value:
        return None
    if len(value) > MAX_REQUEST_ID_CHARS or not value.isascii() or not value.isprintable():
        raise Refused(400, f"{ADOBE_REQUEST_ID_HEADER} is not a request id")
    return value


def _load_public_keys(settings: Settings) -> dict[str, rsa.RSAPublicKey]:
    """Parse every configured public key at start, so a bad PEM fails the process, not each delivery."""
    keys: dict[str, rsa.RSAPublicKey] = {}
    problems: list[str] = []
    for name, config in settings.instances.items():
        if config.webhook_public_key is None:
            continue
        try:
            keys[name] = load_public_key(config.webhook_public_key.get_secret_value())
        except ValueError as exc:
            problems.append(f"instance {name!r}: webhook_public_key {exc}")
    if problems:
        raise ConfigError(problems)
    return keys
