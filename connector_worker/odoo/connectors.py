"""odoo-client-lib connections wired to our transports, and the two backends the gateway calls through.

The library builds ``http://host:port`` URLs itself, opens a connection per call and has no timeout on
XML-RPC; these subclasses keep its connection/model objects but take the full base URL (https, path
prefix) and send through :mod:`connector_worker.odoo.transport`.
"""

from __future__ import annotations

import time
import xmlrpc.client
from typing import Any, Protocol

import odoolib.json2
import odoolib.rpc

from connector_worker.odoo.transport import HttpConnections, KeepAliveTransport, jsonrpc_call, response_json


class XmlRpcConnector(odoolib.rpc.XmlRPCConnector):  # type: ignore[misc]
    """The library's XML-RPC connector (legacy ``/xmlrpc/<service>`` endpoint) on a kept-alive transport."""

    def __init__(self, base_url: str, http: HttpConnections) -> None:
        self.url = f"{base_url}/xmlrpc"
        self._transport = KeepAliveTransport(http, https=base_url.startswith("https:"))

    def send(self, service_name: str, method: str, *args: Any) -> Any:
        proxy = xmlrpc.client.ServerProxy(
            f"{self.url}/{service_name}", transport=self._transport, allow_none=True
        )
        return getattr(proxy, method)(*args)


class JsonRpcConnector(odoolib.rpc.JsonRPCConnector):  # type: ignore[misc]
    """The library's JSON-RPC connector (``/jsonrpc``) on our kept-alive connections."""

    def __init__(self, base_url: str, http: HttpConnections) -> None:
        self.url = f"{base_url}/jsonrpc"
        self._http = http

    def send(self, service_name: str, method: str, *args: Any) -> Any:
        return jsonrpc_call(self._http, self.url, {"service": service_name, "method": method, "args": args})


class Json2Connector(odoolib.json2.Json2Connector):  # type: ignore[misc]
    """Where JSON-2 lives: ``<base_url>/json/2/``."""

    def __init__(self, base_url: str) -> None:
        self.url = f"{base_url}/json/2/"
        self.callback_fire = False


class Json2Connection(odoolib.json2.Json2Connection):  # type: ignore[misc]
    """The library's JSON-2 connection (bearer API key) whose models post through our connections."""

    def __init__(self, base_url: str, database: str | None, api_key: str, http: HttpConnections) -> None:
        super().__init__(Json2Connector(base_url), database, api_key)
        if database is None:  # the library would send the header "None"; without it Odoo's dbfilter decides
            del self.bearer_header["X-Odoo-Database"]
        self.http = http

    def get_model(self, model_name: str) -> Json2Model:
        return Json2Model(self, model_name)


class Json2Model(odoolib.json2.JsonModel):  # type: ignore[misc]
    """A JSON-2 model proxy that takes named arguments only.

    The library turns positional arguments into names by fetching ``/doc-bearer/<model>.json``, which
    Odoo 19 refuses to users outside ``api_doc.group_allow_doc`` (reference odoo.md §1.3); named arguments
    need no introspection. Errors come back as :class:`HttpStatusError` with the body only, never the
    request (the library's ``ValueError`` quotes the request data, which may hold personal data).
    """

    def __getattr__(self, method: str) -> Any:
        if method.startswith("__"):
            raise AttributeError(method)

        def proxy(*args: Any, **kwargs: Any) -> Any:
            if args:
                raise TypeError(f"JSON-2 takes named arguments only: {self.model_name}.{method}(ids=…, …)")
            start = time.time()
            reply = self.connection.http.post_json(self._url(method), kwargs, self.connection.bearer_header)
            odoolib.json2.json2_callback_fire(self._call_name(method), start, reply)
            return response_json(reply)

        return proxy


class Backend(Protocol):
    """Runs one server method; ``ids`` is None for model-level (``@api.model``) methods."""

    def execute(self, model: str, method: str, ids: list[int] | None, kwargs: dict[str, Any]) -> Any: ...


class RpcBackend:
    """XML-RPC or JSON-RPC through the library's ``Connection``: ``execute_kw(db, uid, pw, …, args, kw)``."""

    def __init__(self, connection: odoolib.rpc.Connection) -> None:
        self.connection = connection

    def execute(self, model: str, method: str, ids: list[int] | None, kwargs: dict[str, Any]) -> Any:
        args: list[Any] = []
        if ids is not None:
            args.append(ids)
        elif method == "create" and "vals_list" in kwargs:
            # Odoo's call_kw reads ``args[0]`` to decide between one id and a list: it must be positional.
            args.append(kwargs.pop("vals_list"))
        # ``__getattr__`` explicitly: the library's own ``search_read`` is a client-side search + read.
        return self.connection.get_model(model).__getattr__(method)(*args, **kwargs)


class Json2Backend:
    """JSON-2: ``POST /json/2/<model>/<method>`` with ``ids`` and every argument named in the body."""

    def __init__(self, connection: Json2Connection) -> None:
        self.connection = connection

    def execute(self, model: str, method: str, ids: list[int] | None, kwargs: dict[str, Any]) -> Any:
        body = dict(kwargs) if ids is None else {"ids": ids, **kwargs}
        return self.connection.get_model(model).__getattr__(method)(**body)
