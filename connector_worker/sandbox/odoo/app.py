"""The sandbox's HTTP application: Odoo's RPC routes plus a JSON control surface under ``/_sandbox``.

``OdooSandbox`` bundles one database with its call counter and faults; ``build_app`` exposes it over
HTTP. Latency is awaited before the transaction lock, so a slow call never holds up the others.
"""

from __future__ import annotations

import asyncio
import json
import xmlrpc.client
from collections.abc import Callable
from typing import Any

from starlette.applications import Starlette
from starlette.requests import Request
from starlette.responses import JSONResponse, Response
from starlette.routing import Route

from connector_worker.sandbox.odoo import control, wire
from connector_worker.sandbox.odoo.database import Credentials, Database
from connector_worker.sandbox.odoo.exceptions import AccessDenied
from connector_worker.sandbox.odoo.faults import CallCounter, Faults
from connector_worker.sandbox.odoo.rpc import CallInfo, Dispatcher
from connector_worker.sandbox.odoo.schema import version_info


class OdooSandbox:
    """One sandbox database with its counters and faults; shared by the HTTP app and the test handle."""

    def __init__(self, version: int, credentials: Credentials) -> None:
        self.version = version
        self.credentials = credentials
        self.db = Database(version, credentials)
        self.counter = CallCounter()
        self.faults = Faults()
        self.dispatcher = Dispatcher(self.db, self.faults)
        # Set by the server runner: close or reopen the listening socket for "refuse" down periods.
        self.on_down: Callable[[float], None] | None = None

    def reset(self) -> None:
        """A fresh database, zero counters, no faults."""
        self.db.reset()
        self.counter.reset()
        self.faults.clear()

    async def before_call(self, info: CallInfo) -> None:
        """Count the call as it arrives, then hold it for any injected latency.

        Counting on arrival keeps counters true to what a test sent: a call held by latency after its
        client gave up must not turn up in a later test's count.
        """
        self.counter.add(info.protocol, info.model, info.method)
        delay = self.faults.latency_seconds(info.protocol, info.model, info.method)
        if delay > 0:
            await asyncio.sleep(delay)


def _proxy_response(sandbox: OdooSandbox) -> Response | None:
    if sandbox.faults.down() == "502":
        return Response(wire.PROXY_502, status_code=502, media_type="text/html")
    return None


def _finish(sandbox: OdooSandbox, info: CallInfo, response: Response) -> Response:
    """The answer as it reaches the client: lost behind a proxy's 504, or closing its connection.

    Odoo keeps HTTP/1.1 connections alive, and so does the sandbox unless a ``close_connection`` fault says
    otherwise (a proxy that closes after every answer).
    """
    if sandbox.faults.take("lost_response", info.protocol, info.model, info.method):
        return Response(wire.PROXY_504, status_code=504, media_type="text/html")
    if sandbox.faults.take("close_connection", info.protocol, info.model, info.method):
        response.headers["Connection"] = "close"
    return response


async def _xmlrpc(request: Request, sandbox: OdooSandbox, legacy: bool) -> Response:
    if (down := _proxy_response(sandbox)) is not None:
        return down
    service = request.path_params["service"]
    protocol = "xmlrpc" if legacy else "xmlrpc/2"
    try:
        params, method = xmlrpc.client.loads(await request.body(), use_builtin_types=True)
    except Exception as exc:
        return Response(wire.xmlrpc_fault(exc, legacy), media_type="text/xml")
    info = sandbox.dispatcher.info(protocol, service, method or "", list(params))
    await sandbox.before_call(info)
    try:
        result = sandbox.dispatcher.dispatch(info, service, method or "", list(params))
        payload = xmlrpc.client.dumps((result,), methodresponse=True, allow_none=False).encode()
    except Exception as exc:
        payload = wire.xmlrpc_fault(exc, legacy)
    return _finish(sandbox, info, Response(payload, media_type="text/xml"))


async def _jsonrpc(request: Request, sandbox: OdooSandbox) -> Response:
    if (down := _proxy_response(sandbox)) is not None:
        return down
    try:
        body = json.loads(await request.body())
        request_id = body.get("id")
        params = body["params"]
        service, method, args = params["service"], params["method"], list(params.get("args") or [])
    except Exception as exc:
        return Response(wire.json_dumps({"jsonrpc": "2.0", "id": None, "error": wire.jsonrpc_error(exc)}))
    info = sandbox.dispatcher.info("jsonrpc", service, method, args)
    await sandbox.before_call(info)
    try:
        answer = {
            "jsonrpc": "2.0",
            "id": request_id,
            "result": sandbox.dispatcher.dispatch(info, service, method, args),
        }
    except Exception as exc:
        answer = {"jsonrpc": "2.0", "id": request_id, "error": wire.jsonrpc_error(exc)}
    return _finish(sandbox, info, Response(wire.json_dumps(answer), media_type="application/json"))


def _json2_error(exc: BaseException) -> Response:
    return Response(
        wire.json_dumps(wire.serialize_exception(exc)),
        status_code=wire.json2_status(exc),
        media_type="application/json",
    )


def _unauthorized() -> Response:
    body = {
        "name": "werkzeug.exceptions.Unauthorized",
        "message": "Invalid apikey",
        "arguments": ["Invalid apikey"],
        "context": {},
        "debug": "",
    }
    return Response(
        wire.json_dumps(body),
        status_code=401,
        media_type="application/json",
        headers={"WWW-Authenticate": "Bearer"},
    )


async def _json2(request: Request, sandbox: OdooSandbox) -> Response:
    if (down := _proxy_response(sandbox)) is not None:
        return down
    if sandbox.version < 19:
        return Response(wire.NOT_FOUND_HTML, status_code=404, media_type="text/html")
    scheme, _, key = request.headers.get("authorization", "").partition(" ")
    uid = sandbox.db.check_api_key(key.strip()) if scheme.lower() == "bearer" else None
    if uid is None:
        return _unauthorized()
    database = request.headers.get("x-odoo-database")
    if database is not None and database != sandbox.db.name:
        return Response(wire.NOT_FOUND_HTML, status_code=404, media_type="text/html")
    info = CallInfo("json2", request.path_params["model"], request.path_params["method"])
    try:
        raw = await request.body()
        params = json.loads(raw) if raw.strip() else {}
        if not isinstance(params, dict):
            raise ValueError("the request body must be a JSON object of named arguments")
    except ValueError as exc:
        return _json2_error(exc)
    await sandbox.before_call(info)
    try:
        result = sandbox.dispatcher.dispatch_json2(info, uid, params)
    except Exception as exc:
        return _finish(sandbox, info, _json2_error(exc))
    return _finish(sandbox, info, Response(wire.json_dumps(result), media_type="application/json"))


async def _web_version(request: Request, sandbox: OdooSandbox) -> Response:
    if sandbox.version < 18:
        return Response(wire.NOT_FOUND_HTML, status_code=404, media_type="text/html")
    info = version_info(sandbox.version)
    return JSONResponse({"version_info": info["server_version_info"], "version": info["server_version"]})


async def _doc_bearer(request: Request, sandbox: OdooSandbox) -> Response:
    """odoo-client-lib introspects here for positional json2 calls; a plain user may not (reference §1.3)."""
    if sandbox.version < 19:
        return Response(wire.NOT_FOUND_HTML, status_code=404, media_type="text/html")
    return _json2_error(AccessDenied("You are not allowed to access the API documentation."))


def build_app(sandbox: OdooSandbox) -> Starlette:
    """The ASGI app serving ``sandbox``."""

    def bind(handler: Callable[..., Any], **extra: Any) -> Callable[[Request], Any]:
        async def endpoint(request: Request) -> Response:
            response: Response = await handler(request, sandbox, **extra)
            return response

        return endpoint

    routes = [
        Route("/xmlrpc/2/{service}", bind(_xmlrpc, legacy=False), methods=["POST"]),
        Route("/xmlrpc/{service}", bind(_xmlrpc, legacy=True), methods=["POST"]),
        Route("/jsonrpc", bind(_jsonrpc), methods=["POST"]),
        Route("/json/2/{model}/{method}", bind(_json2), methods=["POST"]),
        Route("/web/version", bind(_web_version), methods=["GET", "POST"]),
        Route("/doc-bearer/{model}.json", bind(_doc_bearer), methods=["GET"]),
        *control.routes(sandbox),
    ]
    return Starlette(routes=routes)
