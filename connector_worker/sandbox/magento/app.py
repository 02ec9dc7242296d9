"""The sandbox's ASGI application: Magento REST under ``/rest``, the control surface under ``/_sandbox``.

A plain ASGI callable (no framework) so routing can use the raw path, faults can drop the connection or
trickle the body, and nothing reorders or re-encodes what Magento would send. Handlers are synchronous
and short (they hold the state lock briefly); injected latency is awaited, so requests overlap.
"""

from __future__ import annotations

import asyncio
import json
import secrets
from typing import TYPE_CHECKING, Any
from urllib.parse import parse_qsl

from connector_worker.log import get_logger
from connector_worker.sandbox.magento.errors import (
    ROUTE_NOT_FOUND,
    WebapiError,
    internal_error,
    not_authorized,
)
from connector_worker.sandbox.magento.faults import NO_FAULT, TOO_MANY_REQUESTS, FaultDecision
from connector_worker.sandbox.magento.render import dumps
from connector_worker.sandbox.magento.routes_sales import ROUTES as SALES_ROUTES
from connector_worker.sandbox.magento.routes_shop import ROUTES as SHOP_ROUTES
from connector_worker.sandbox.magento.search import UnknownColumnError
from connector_worker.sandbox.magento.traffic import RequestRecord, now
from connector_worker.sandbox.magento.webapi import ANONYMOUS, Reply, Req, Router, error_reply, partial_reply

if TYPE_CHECKING:
    from connector_worker.sandbox.magento.instance import MagentoSandbox

SLOW_BODY_CHUNKS = 10
_FAULT_MESSAGES = {502: "Bad Gateway", 503: "Service Unavailable", 504: "Gateway Timeout"}
log = get_logger(__name__)


def split_store(raw_path: str) -> tuple[str | None, str | None]:
    """``/rest/<store>/V1/x`` → (``store``, ``V1/x``); ``/rest/V1/x`` → (None, ``V1/x``)."""
    parts = raw_path.split("/")
    if len(parts) < 4 or parts[0] != "" or parts[1] != "rest":
        return None, None
    if parts[2] == "V1":
        return None, "/".join(parts[2:])
    return parts[2], "/".join(parts[3:])


def fault_reply(decision: FaultDecision) -> Reply:
    if decision.action == "rate_limit":
        return Reply(429, dumps(TOO_MANY_REQUESTS), [("retry-after", str(decision.retry_after_seconds))])
    status = decision.error_status
    message = _FAULT_MESSAGES.get(status) or internal_error(f"webapi-{secrets.token_hex(6)}").message
    return Reply(status, dumps({"message": message}))


class SandboxApp:
    """ASGI entry point of one :class:`MagentoSandbox`."""

    def __init__(self, sandbox: MagentoSandbox) -> None:
        self.sandbox = sandbox
        self.router = Router([*SALES_ROUTES, *SHOP_ROUTES])

    async def __call__(self, scope: dict[str, Any], receive: Any, send: Any) -> None:
        if scope["type"] == "lifespan":
            await _lifespan(receive, send)
            return
        if scope["type"] != "http":
            return
        method = scope["method"]
        raw_path = (scope.get("raw_path") or scope["path"].encode()).decode("utf-8", "replace")
        query = scope.get("query_string", b"").decode("latin-1")
        headers = {k.decode("latin-1").lower(): v.decode("latin-1") for k, v in scope.get("headers", [])}
        body = await _read_body(receive)
        if raw_path.startswith("/_sandbox"):
            await _send(send, self.sandbox.control_http.handle(method, raw_path, query, body))
            return
        decision = self.sandbox.faults.decide(raw_path) if raw_path.startswith("/rest/") else NO_FAULT
        if decision.latency_seconds:
            await asyncio.sleep(decision.latency_seconds)
        record = {"method": method, "path": raw_path, "query": query, "fault": decision.action}
        if decision.action == "drop_before":
            self._log(record, None, None, None, None)
            await _drop(send)
            return
        if decision.action in ("rate_limit", "error"):
            reply = fault_reply(decision)
            self._log(record, None, None, None, reply.status)
        else:
            reply = self.dispatch(
                method=method,
                raw_path=raw_path,
                query=query,
                headers=headers,
                body=body,
                scope=scope,
                record=record,
            )
        if decision.action == "drop_after":
            await _drop(send)
            return
        await _send(send, reply, decision.slow_body_seconds)

    def _log(
        self,
        record: dict[str, Any],
        route: str | None,
        store: str | None,
        caller: str | None,
        status: int | None,
    ) -> None:
        self.sandbox.traffic.add(
            RequestRecord(route=route, store_code=store, caller=caller, status=status, at=now(), **record)
        )

    def dispatch(
        self,
        *,
        method: str,
        raw_path: str,
        query: str,
        headers: dict[str, str],
        body: bytes,
        scope: dict[str, Any],
        record: dict[str, Any],
    ) -> Reply:
        """Route, authenticate and run a Magento request; every refusal is an ``error-response``."""
        route_name: str | None = None
        store_code, rest = split_store(raw_path)
        caller: str | None = None
        try:
            store = (
                self.sandbox.state.default_store
                if store_code in (None, "all")
                else self.sandbox.state.store_by_code(store_code or "")
            )
            resolved = self.router.resolve(method, rest) if rest is not None and store is not None else None
            if resolved is None or store is None:
                raise WebapiError(404, ROUTE_NOT_FOUND)
            route, params = resolved
            route_name = route.template
            if route.resource != ANONYMOUS:
                url = f"{scope.get('scheme', 'http')}://{headers.get('host', '')}{raw_path}"
                form = (
                    body.decode("utf-8", "replace")
                    if headers.get("content-type", "").startswith("application/x-www-form-urlencoded")
                    else None
                )
                caller = self.sandbox.auth.authenticate(
                    method, url, query, headers.get("authorization"), form
                )
                if caller is None:
                    raise not_authorized(route.resource)
            req = Req(
                self.sandbox,
                method,
                store,
                params,
                parse_qsl(query, keep_blank_values=True),
                _json(body),
                caller,
            )
            reply = partial_reply(route.handler(req), req.fields)
        except WebapiError as error:
            reply = error_reply(error)
        except UnknownColumnError as error:
            failure = internal_error(f"webapi-{secrets.token_hex(6)}")
            log.warning("sandbox request failed like a SQL error", column=str(error), report=failure.message)
            reply = error_reply(failure)
        except Exception:  # production-mode Magento masks any other failure the same way
            failure = internal_error(f"webapi-{secrets.token_hex(6)}")
            log.exception("sandbox request failed", path=raw_path, report=failure.message)
            reply = error_reply(failure)
        self._log(record, route_name, store_code, caller, reply.status)
        return reply


def _json(body: bytes) -> Any:
    if not body.strip():
        return None
    try:
        return json.loads(body)
    except ValueError:
        raise WebapiError(400, "Decoding error.") from None


async def _lifespan(receive: Any, send: Any) -> None:
    while True:
        message = await receive()
        if message["type"] == "lifespan.startup":
            await send({"type": "lifespan.startup.complete"})
        elif message["type"] == "lifespan.shutdown":
            await send({"type": "lifespan.shutdown.complete"})
            return


async def _read_body(receive: Any) -> bytes:
    chunks = []
    while True:
        message = await receive()
        if message["type"] != "http.request":
            break
        chunks.append(message.get("body", b""))
        if not message.get("more_body"):
            break
    return b"".join(chunks)


async def _send(send: Any, reply: Reply, slow_seconds: float = 0.0) -> None:
    headers = [
        (b"content-type", reply.content_type.encode()),
        (b"content-length", str(len(reply.body)).encode()),
        *((name.encode(), value.encode()) for name, value in reply.headers),
    ]
    await send({"type": "http.response.start", "status": reply.status, "headers": headers})
    if slow_seconds and reply.body:
        size = max(1, -(-len(reply.body) // SLOW_BODY_CHUNKS))
        for start in range(0, len(reply.body), size):
            await send(
                {"type": "http.response.body", "body": reply.body[start : start + size], "more_body": True}
            )
            await asyncio.sleep(slow_seconds / SLOW_BODY_CHUNKS)
        await send({"type": "http.response.body", "body": b"", "more_body": False})
        return
    await send({"type": "http.response.body", "body": reply.body, "more_body": False})


async def _drop(send: Any) -> None:
    """Close the connection without an answer (the client sees it drop mid-request)."""
    cycle = getattr(send, "__self__", None)
    transport = getattr(cycle, "transport", None)
    if cycle is not None and transport is not None:
        cycle.disconnected = True  # uvicorn: no 500 fallback, no error log
        transport.close()
        return
    # Not uvicorn's h11 cycle: start an answer and break it off, which also drops the connection.
    await send({"type": "http.response.start", "status": 200, "headers": [(b"content-length", b"100")]})
    raise ConnectionAbortedError("sandbox fault: connection dropped")
