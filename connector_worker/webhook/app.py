"""The webhook receiver's ASGI app: ``POST /webhooks/magento/{instance}``, ``GET /healthz``, ``GET /readyz``.

Build it with :func:`create_app` and an injected ``send_task`` (the CLI passes the Celery app's), so tests
run it against any Celery app. One log line per delivery says who, which order and what happened; the
body and the signature never reach the log.
"""

from __future__ import annotations

import time
from collections.abc import Callable

import redis
from fastapi import FastAPI, Request
from fastapi.responses import JSONResponse
from redis.backoff import ExponentialBackoff
from redis.retry import Retry
from starlette.concurrency import run_in_threadpool
from starlette.requests import ClientDisconnect

from config.settings import Settings
from connector_worker.log import get_logger
from connector_worker.webhook.receiver import Accepted, Refused, SendTask, WebhookReceiver

WEBHOOK_PATH = "/webhooks/magento/{instance}"
SUCCESS_BODY = {"op": "success"}  # what Adobe Commerce Webhooks expects to let the flow continue (§5.1)

CLOSE = {"Connection": "close"}
# Adobe Commerce waits for our answer inside the shopper's request (hook timeouts of a few seconds), so a
# Redis outage must turn into a quick 503 the sender retries, not redis-py's default ~4 s of retries.
REDIS_SOCKET_TIMEOUT_SECONDS = 2.0
REDIS_CONNECT_TIMEOUT_SECONDS = 1.0
REDIS_RETRIES = 2  # with 20-200 ms backoff: rides out a blip, gives up within a second when Redis is gone

log = get_logger("connector_worker.webhook")


def redis_client(url: str) -> redis.Redis:
    """The receiver's Redis client: short timeouts and few retries, so failures answer fast."""
    return redis.Redis.from_url(
        url,
        socket_timeout=REDIS_SOCKET_TIMEOUT_SECONDS,
        socket_connect_timeout=REDIS_CONNECT_TIMEOUT_SECONDS,
        retry=Retry(ExponentialBackoff(cap=0.2, base=0.02), REDIS_RETRIES),
        health_check_interval=30,
    )


def create_app(
    settings: Settings,
    client: redis.Redis,
    send_task: SendTask,
    *,
    clock: Callable[[], float] = time.time,
) -> FastAPI:
    """The receiver for ``settings.instances``; ``client`` holds dedup keys, ``send_task`` queues tasks.

    Raises :class:`config.settings.ConfigError` when a configured public key cannot be parsed.
    """
    receiver = WebhookReceiver(settings, client, send_task, clock=clock)
    app = FastAPI(
        title="magento-odoo-connector webhook receiver", docs_url=None, redoc_url=None, openapi_url=None
    )

    @app.get("/healthz")
    async def healthz() -> JSONResponse:
        """The process is up and serving (liveness); says nothing about Redis."""
        return JSONResponse({"status": "ok"})

    @app.get("/readyz")
    async def readyz() -> JSONResponse:
        """Redis answers, so deliveries can be deduplicated and queued (readiness)."""
        try:
            await run_in_threadpool(client.ping)
        except (redis.RedisError, OSError):
            return JSONResponse({"status": "unavailable", "error": "redis is not reachable"}, status_code=503)
        return JSONResponse({"status": "ready"})

    @app.post(WEBHOOK_PATH)
    async def receive(instance: str, request: Request) -> JSONResponse:
        """Authenticate, deduplicate and queue one Magento delivery; 200 ``{"op":"success"}`` once queued."""
        return await _deliver(receiver, instance, request)

    return app


async def _deliver(receiver: WebhookReceiver, instance: str, request: Request) -> JSONResponse:
    started = time.perf_counter()
    try:
        accepted = await receiver.receive(instance, request.headers, request.stream())
    except ClientDisconnect:
        refused = Refused(400, "client disconnected before the body was complete")
    except Refused as exc:
        refused = exc
    else:
        _log_accepted(instance, accepted, started)
        return JSONResponse(SUCCESS_BODY)
    _log_refused(instance, refused, started)
    # Close the connection: a refusal may come before the body was read (401, 413), and the server would
    # otherwise keep draining whatever the sender still streams so the connection could be reused.
    return JSONResponse({"error": refused.message}, status_code=refused.status, headers=CLOSE)


def _log_accepted(instance: str, accepted: Accepted, started: float) -> None:
    log.info(
        "webhook delivery",
        instance=instance,
        entity_id=accepted.hint.entity_id,
        updated_at=accepted.hint.updated_at,
        order_state=accepted.hint.state,
        order_status=accepted.hint.status,
        outcome=accepted.outcome,
        status=200,
        scheme=accepted.scheme,
        request_id=accepted.request_id,
        duration_ms=_elapsed_ms(started),
    )


def _log_refused(instance: str, refused: Refused, started: float) -> None:
    cause = refused.__cause__
    (log.error if refused.status >= 500 else log.warning)(
        "webhook delivery",
        instance=instance[:64],
        entity_id=refused.entity_id,
        outcome="unavailable" if refused.status >= 500 else "refused",
        status=refused.status,
        reason=refused.message,
        error=f"{type(cause).__name__}: {cause}" if cause is not None else None,
        duration_ms=_elapsed_ms(started),
    )


def _elapsed_ms(started: float) -> float:
    return round((time.perf_counter() - started) * 1000, 2)
