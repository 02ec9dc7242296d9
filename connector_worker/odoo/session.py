"""Opening a session with Odoo: detect the server version, choose the protocol, log in.

Every connection-level object (the per-thread connections every protocol shares, the counter)
is made here and owned by the :class:`Session`.
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

import odoolib.rpc

from config.settings import OdooSettings
from connector_worker.errors import ConfigurationError
from connector_worker.log import get_logger, register_secrets
from connector_worker.odoo.connectors import (
    Backend,
    Json2Backend,
    Json2Connection,
    JsonRpcConnector,
    RpcBackend,
    XmlRpcConnector,
)
from connector_worker.odoo.errors import classify, reraise
from connector_worker.odoo.transport import (
    CallCounter,
    HttpConnections,
    Timeouts,
    response_json,
)

log = get_logger(__name__)

MIN_VERSION = 17
JSON2_MIN_VERSION = 19


@dataclass(frozen=True)
class Session:
    """A logged-in connection: how to call (``backend``), who we are, and the connections to close."""

    backend: Backend
    version: int
    protocol: str
    uid: int | None
    counter: CallCounter
    http: HttpConnections

    def close(self) -> None:
        """Close every kept-alive connection (the next call opens a new one)."""
        self.http.close()


def open_session(settings: OdooSettings) -> Session:
    """Detect the server version, pick the protocol (``settings.protocol`` overrides) and log in."""
    base_url = settings.url  # an http(s) URL without a trailing slash: OdooSettings checked it
    register_secrets(s.get_secret_value() for s in (settings.password, settings.api_key) if s is not None)
    timeouts = Timeouts.from_total(settings.timeout_seconds)
    counter = CallCounter()
    http = HttpConnections(timeouts, counter)
    try:
        version = _detect_version(settings.protocol, base_url, http)
        protocol = _choose_protocol(settings, version)
        backend, uid = _login(settings, protocol, base_url, http)
    except BaseException:
        http.close()
        raise
    log.info("odoo.connected", version=version, protocol=protocol, url=base_url, uid=uid)
    return Session(backend, version, protocol, uid, counter, http)


def _detect_version(requested: str, base_url: str, http: HttpConnections) -> int:
    """``GET /web/version`` (18+, not deprecated); Odoo 17 has no such route, so a 404 falls back to
    ``common.version``, which is also used when a classic RPC protocol is forced.
    """

    def version_info() -> Any:
        if requested == "jsonrpc":
            return JsonRpcConnector(base_url, http).send("common", "version")
        if requested != "xmlrpc":
            reply = http.request("GET", f"{base_url}/web/version")
            if reply.status != 404:
                return response_json(reply)
        return XmlRpcConnector(base_url, http).send("common", "version")

    return _major_version(_logged_call(version_info, "version"))


def _major_version(info: Any) -> int:
    if isinstance(info, Mapping):
        # common.version: server_version_info/server_serie; /web/version: version_info/version.
        for key in ("server_version_info", "version_info", "server_serie", "server_version", "version"):
            value = info.get(key)
            first = value[0] if isinstance(value, list | tuple) and value else value
            match = re.search(r"(\d+)", str(first)) if first is not None else None
            if match:
                return int(match.group(1))
    raise ConfigurationError(f"odoo: cannot read the server version from {info!r}")


def _choose_protocol(settings: OdooSettings, version: int) -> str:
    if version < MIN_VERSION:
        raise ConfigurationError(f"odoo: server version {version} is not supported (17 or later)")
    if settings.protocol == "json2":
        if version < JSON2_MIN_VERSION:
            raise ConfigurationError(f"odoo: JSON-2 needs Odoo 19 or later, the server runs {version}")
        if settings.api_key is None:
            raise ConfigurationError("odoo: JSON-2 authenticates with an API key; set ODOO_API_KEY")
        return "json2"
    if settings.protocol != "auto":
        return settings.protocol
    if version >= JSON2_MIN_VERSION:
        if settings.api_key is not None:
            return "json2"
        log.warning("odoo.json2_needs_api_key", version=version, fallback="xmlrpc (deprecated on 19)")
    return "xmlrpc"


def _login(
    settings: OdooSettings, protocol: str, base_url: str, http: HttpConnections
) -> tuple[Backend, int | None]:
    if protocol == "json2":
        assert settings.api_key is not None
        connection = Json2Connection(base_url, settings.db, settings.api_key.get_secret_value(), http)
        backend = Json2Backend(connection)
        # res.users.context_get both proves the key (401 otherwise) and tells us who we are.
        user_context = _logged_call(lambda: backend.execute("res.users", "context_get", None, {}), "login")
        uid = user_context.get("uid") if isinstance(user_context, Mapping) else None
        return backend, int(uid) if uid else None
    secret = settings.password or settings.api_key
    missing = [n for n, v in (("db", settings.db), ("login", settings.login), ("password", secret)) if not v]
    if missing:
        raise ConfigurationError(
            f"odoo: {protocol} needs {', '.join(missing)} (ODOO_DB, ODOO_LOGIN, ODOO_PASSWORD)"
        )
    assert secret is not None
    connector: odoolib.rpc.Connector = (JsonRpcConnector if protocol == "jsonrpc" else XmlRpcConnector)(
        base_url, http
    )
    rpc = odoolib.rpc.Connection(connector, settings.db, settings.login, secret.get_secret_value())
    _logged_call(lambda: rpc.check_login(force=True), "common.login")
    return RpcBackend(rpc), int(rpc.user_id)


def _logged_call(func: Any, label: str) -> Any:
    try:
        return func()
    except Exception as exc:
        error = classify(exc, label=label, read_only=True)
        if error is None:
            raise
        reraise(error, exc)
