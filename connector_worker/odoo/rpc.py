"""The gateway's core: connect (detect the version, choose the protocol, log in) and make one classified,
counted, version-translated RPC per call.
"""

from __future__ import annotations

import re
import time
from collections.abc import Iterable, Mapping, Sequence
from types import TracebackType
from typing import Any, NoReturn, Self

import httpx
import odoolib.rpc

from config.settings import OdooSettings
from connector_worker.errors import ConfigurationError, ConnectorError
from connector_worker.log import get_logger, register_secrets
from connector_worker.odoo.connectors import (
    Backend,
    Json2Backend,
    Json2Connection,
    JsonRpcConnector,
    RpcBackend,
    XmlRpcConnector,
)
from connector_worker.odoo.errors import (
    HttpStatusError,
    OdooResultNotMarshalledError,
    RequestNotSentError,
    classify,
)
from connector_worker.odoo.transport import (
    CallCounter,
    SharedHttpClient,
    Timeouts,
    XmlRpcTransports,
    response_json,
)
from connector_worker.odoo.versions import FieldNames
from connector_worker.odoo.wire import to_wire

log = get_logger(__name__)

MIN_VERSION = 17
JSON2_MIN_VERSION = 19
# The context flag the Odoo module reads so the worker's own writes do not echo back as outbox rows.
SYNC_CONTEXT: Mapping[str, Any] = {"magento_connector_sync": True}
# Methods that change nothing: a lost answer is merely transient, never "outcome unknown".
READ_METHODS = frozenset(
    {
        "search",
        "search_read",
        "search_count",
        "read",
        "web_read",
        "web_search_read",
        "read_group",
        "fields_get",
        "name_search",
        "default_get",
        "context_get",
        "check_access_rights",
        "has_group",
        "version",
        "login",
        "authenticate",
    }
)
_RECORD_RESULTS = frozenset({"read", "search_read", "web_read", "web_save"})
_TRANSLATED_ARGS = ("vals", "vals_list", "domain", "fields", "order", "specification")


class OdooRpc:
    """One logged-in session with one Odoo database; share it across threads, close it when done."""

    def __init__(
        self,
        backend: Backend,
        *,
        version: int,
        protocol: str,
        uid: int | None,
        counter: CallCounter,
        http: SharedHttpClient,
        transports: XmlRpcTransports,
    ) -> None:
        self.version = version
        self.protocol = protocol
        self.uid = uid
        self.names = FieldNames(version)
        self._backend = backend
        self._counter = counter
        self._http = http
        self._transports = transports

    @classmethod
    def connect(cls, settings: OdooSettings) -> Self:
        """Detect the server version, pick the protocol (``settings.protocol`` overrides) and log in."""
        base_url = _base_url(settings.url)
        secrets = [s.get_secret_value() for s in (settings.password, settings.api_key) if s is not None]
        register_secrets(secrets)
        timeouts = Timeouts.from_total(settings.timeout_seconds)
        counter = CallCounter()
        http = SharedHttpClient(timeouts, counter)
        transports = XmlRpcTransports(https=base_url.startswith("https:"), timeouts=timeouts, counter=counter)
        try:
            version = _detect_version(settings.protocol, base_url, http, transports)
            protocol = _choose_protocol(settings, version)
            backend, uid = _login(settings, protocol, base_url, http, transports)
        except BaseException:
            http.close()
            transports.close()
            raise
        log.info("odoo.connected", version=version, protocol=protocol, url=base_url, uid=uid)
        return cls(
            backend,
            version=version,
            protocol=protocol,
            uid=uid,
            counter=counter,
            http=http,
            transports=transports,
        )

    @property
    def calls(self) -> int:
        """RPC requests this session has sent, login and version detection included."""
        return self._counter.value

    @property
    def connections_opened(self) -> int:
        """TCP connections this session has opened (kept-alive ones are reused, not reopened)."""
        return self._counter.connections

    def close(self) -> None:
        """Close every kept-alive connection; the session stays usable and reconnects when called again."""
        self._http.close()
        self._transports.close()

    def __enter__(self) -> Self:
        return self

    def __exit__(self, *exc: type[BaseException] | BaseException | TracebackType | None) -> None:
        self.close()

    def call(
        self,
        model: str,
        method: str,
        *,
        ids: Iterable[int] | None = None,
        context: Mapping[str, Any] | None = None,
        discard_result: bool = False,
        **kwargs: Any,
    ) -> Any:
        """One RPC: ``model.method`` on ``ids`` (None for model methods) with named arguments in Odoo 19 names.

        Calls that may write carry :data:`SYNC_CONTEXT`. With ``discard_result`` the XML-RPC "cannot marshal
        None" fault (raised *after* Odoo committed) counts as success and the result is None.
        """
        read_only = method in READ_METHODS
        for name in _TRANSLATED_ARGS:
            if name in kwargs:
                kwargs[name] = self._translate(model, name, kwargs[name])
        merged = dict(context or {}) if read_only else {**SYNC_CONTEXT, **(context or {})}
        if merged:
            kwargs["context"] = merged
        label = f"{model}.{method}"
        started = time.monotonic()
        try:
            result = self._backend.execute(model, method, None if ids is None else list(ids), to_wire(kwargs))
        except Exception as exc:
            error = classify(exc, label=label, read_only=read_only)
            if error is None:
                raise
            if discard_result and isinstance(error, OdooResultNotMarshalledError):
                log.debug("odoo.call", call=label, ms=_ms(started), result="not marshalled, committed")
                return None
            log.info("odoo.call_failed", call=label, ms=_ms(started), error=type(error).__name__)
            _raise(error, exc)
        log.debug("odoo.call", call=label, ms=_ms(started))
        if method in _RECORD_RESULTS:
            return self.names.records(model, result)
        return result

    def _translate(self, model: str, name: str, value: Any) -> Any:
        names = self.names
        if name == "vals" and isinstance(value, Mapping):
            return names.vals(model, value)
        if name == "vals_list" and isinstance(value, list | tuple):
            return [names.vals(model, vals) for vals in value]
        if name == "domain" and isinstance(value, list | tuple):
            return names.domain(model, value)
        if name == "fields" and isinstance(value, list | tuple):
            return names.fields(model, value)
        if name == "order" and isinstance(value, str):
            return names.order(model, value)
        if name == "specification" and isinstance(value, Mapping):
            return names.specification(model, value)
        return value

    def search_read(
        self,
        model: str,
        domain: Sequence[Any],
        fields: Sequence[str],
        *,
        limit: int | None = None,
        offset: int = 0,
        order: str | None = None,
        context: Mapping[str, Any] | None = None,
    ) -> list[dict[str, Any]]:
        """The server's ``search_read``: one RPC, one transaction (not odoolib's search + read)."""
        kwargs: dict[str, Any] = {"domain": list(domain), "fields": list(fields)}
        if limit:
            kwargs["limit"] = limit
        if offset:
            kwargs["offset"] = offset
        if order:
            kwargs["order"] = order
        result: list[dict[str, Any]] = self.call(model, "search_read", context=context, **kwargs)
        return result

    def read(
        self,
        model: str,
        ids: Sequence[int],
        fields: Sequence[str],
        *,
        context: Mapping[str, Any] | None = None,
    ) -> list[dict[str, Any]]:
        """Records by id, in the order given (missing ids are left out, as Odoo does)."""
        if not ids:
            return []
        result: list[dict[str, Any]] = self.call(model, "read", ids=ids, fields=list(fields), context=context)
        return result

    def create(
        self, model: str, vals_list: Sequence[Mapping[str, Any]], *, context: Mapping[str, Any] | None = None
    ) -> list[int]:
        """Create several records in one RPC; their ids in the same order."""
        if not vals_list:
            return []
        result = self.call(model, "create", vals_list=[dict(vals) for vals in vals_list], context=context)
        return list(result) if isinstance(result, list) else [int(result)]

    def write(
        self,
        model: str,
        ids: Sequence[int],
        vals: Mapping[str, Any],
        *,
        context: Mapping[str, Any] | None = None,
    ) -> None:
        """Write the same values on several records in one RPC."""
        if ids:
            self.call(model, "write", ids=ids, vals=dict(vals), context=context)

    def web_save(
        self,
        model: str,
        vals: Mapping[str, Any],
        specification: Mapping[str, Any],
        *,
        ids: Sequence[int] = (),
        context: Mapping[str, Any] | None = None,
    ) -> dict[str, Any]:
        """Create (no ids) or write, then read back ``specification``, in one RPC and one transaction."""
        result = self.call(
            model, "web_save", ids=ids, vals=dict(vals), specification=dict(specification), context=context
        )
        record: dict[str, Any] = result[0]
        return record


def _raise(error: ConnectorError, exc: Exception) -> NoReturn:
    # Keep socket-level causes for debugging; drop server payloads (tracebacks, echoed request data).
    transport = (OSError, httpx.TransportError, RequestNotSentError)
    if isinstance(exc, transport) and not isinstance(exc, HttpStatusError):
        raise error from exc
    raise error from None


def _ms(started: float) -> int:
    return round((time.monotonic() - started) * 1000)


def _base_url(url: str) -> str:
    if not re.match(r"^https?://[^/\s]+", url):
        raise ConfigurationError(f"odoo.url: {url!r} is not an http(s) URL such as https://erp.example.com")
    return url.rstrip("/")


def _detect_version(
    requested: str, base_url: str, http: SharedHttpClient, transports: XmlRpcTransports
) -> int:
    """``GET /web/version`` (18+, not deprecated); Odoo 17 has no such route, so a 404 falls back to
    ``common.version``, which is also used when a classic RPC protocol is forced.
    """
    label = "common.version"
    try:
        if requested == "jsonrpc":
            info = JsonRpcConnector(base_url, http).send("common", "version")
        elif requested == "xmlrpc":
            info = XmlRpcConnector(base_url, transports).send("common", "version")
        else:
            label = "web.version"
            response = http.client.get(f"{base_url}/web/version")
            if response.status_code == 404:
                label = "common.version"
                info = XmlRpcConnector(base_url, transports).send("common", "version")
            else:
                info = response_json(response)
    except Exception as exc:
        error = classify(exc, label=label, read_only=True)
        if error is None:
            raise
        _raise(error, exc)
    return _major_version(info)


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
    settings: OdooSettings, protocol: str, base_url: str, http: SharedHttpClient, transports: XmlRpcTransports
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
    connector: odoolib.rpc.Connector
    if protocol == "jsonrpc":
        connector = JsonRpcConnector(base_url, http)
    else:
        connector = XmlRpcConnector(base_url, transports)
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
        _raise(error, exc)


def in_batches(values: Sequence[Any], size: int) -> Iterable[list[Any]]:
    """``values`` in consecutive lists of at most ``size`` (one RPC each)."""
    for start in range(0, len(values), size):
        yield list(values[start : start + size])
