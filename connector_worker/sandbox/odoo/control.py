"""The control surface under ``/_sandbox`` (JSON): faults, down periods, call counters, reset, direct reads.

Not part of Odoo: it lets other processes (demo, benchmark) steer the sandbox the way the Python test
handle does. Calls here are never counted and never hit by faults.
"""

from __future__ import annotations

import json
from collections.abc import Awaitable, Callable
from typing import TYPE_CHECKING, Any

from starlette.requests import Request
from starlette.responses import JSONResponse, Response
from starlette.routing import Route

from connector_worker.sandbox.odoo.faults import FaultRule
from connector_worker.sandbox.odoo.orm import Env

if TYPE_CHECKING:
    from connector_worker.sandbox.odoo.app import OdooSandbox

FAULT_FIELDS = ("kind", "model", "method", "protocol", "times", "latency_ms")


async def _json(request: Request) -> dict[str, Any]:
    raw = await request.body()
    data = json.loads(raw) if raw.strip() else {}
    if not isinstance(data, dict):
        raise ValueError("expected a JSON object")
    return data


def read_records(
    sandbox: OdooSandbox, model: str, domain: Any, fields: list[str] | None
) -> list[dict[str, Any]]:
    """``search_read`` straight on the database, as the admin with archived records included."""
    env = Env(sandbox.db, 2, {"active_test": False})
    with sandbox.db.store.transaction():
        return env.read(model, env.search(model, domain or []), fields)


async def _info(request: Request, sandbox: OdooSandbox) -> Response:
    creds = sandbox.credentials
    return JSONResponse({"version": sandbox.version, "db": creds.db, "login": creds.login})


async def _calls(request: Request, sandbox: OdooSandbox) -> Response:
    if request.method == "DELETE":
        sandbox.counter.reset()
    return JSONResponse({"calls": sandbox.counter.snapshot(), "total": sandbox.counter.count()})


async def _faults(request: Request, sandbox: OdooSandbox) -> Response:
    if request.method == "DELETE":
        sandbox.faults.clear()
    elif request.method == "POST":
        try:
            data = await _json(request)
            sandbox.faults.add(FaultRule(**{k: v for k, v in data.items() if k in FAULT_FIELDS}))
        except (ValueError, TypeError) as exc:
            return JSONResponse({"error": str(exc)}, status_code=400)
    return JSONResponse({"faults": sandbox.faults.describe(), "down": sandbox.faults.down()})


async def _down(request: Request, sandbox: OdooSandbox) -> Response:
    data = await _json(request)
    seconds, mode = float(data.get("seconds", 5)), data.get("mode", "502")
    if mode not in ("502", "refuse"):
        return JSONResponse({"error": "mode must be '502' or 'refuse'"}, status_code=400)
    sandbox.faults.set_down(seconds, mode)
    if mode == "refuse" and sandbox.on_down is not None:
        sandbox.on_down(seconds)
    return JSONResponse({"down": mode, "seconds": seconds})


async def _reset(request: Request, sandbox: OdooSandbox) -> Response:
    sandbox.reset()
    return JSONResponse({"reset": True})


async def _records(request: Request, sandbox: OdooSandbox) -> Response:
    data = await _json(request)
    try:
        rows = read_records(sandbox, data["model"], data.get("domain"), data.get("fields"))
    except Exception as exc:
        return JSONResponse({"error": str(exc)}, status_code=400)
    return JSONResponse({"records": rows})


Handler = Callable[[Request, "OdooSandbox"], Awaitable[Response]]


def _bound(handler: Handler, sandbox: OdooSandbox) -> Callable[[Request], Awaitable[Response]]:
    async def endpoint(request: Request) -> Response:
        return await handler(request, sandbox)

    return endpoint


def routes(sandbox: OdooSandbox) -> list[Route]:
    """The ``/_sandbox`` routes bound to ``sandbox``."""
    table: list[tuple[str, Handler, list[str]]] = [
        ("/_sandbox/info", _info, ["GET"]),
        ("/_sandbox/calls", _calls, ["GET", "DELETE"]),
        ("/_sandbox/faults", _faults, ["GET", "POST", "DELETE"]),
        ("/_sandbox/down", _down, ["POST"]),
        ("/_sandbox/reset", _reset, ["POST"]),
        ("/_sandbox/records", _records, ["POST"]),
    ]
    return [Route(path, _bound(handler, sandbox), methods=methods) for path, handler, methods in table]
