"""Timeouts and connection reuse for odoo-client-lib: a keep-alive XML-RPC transport per thread and one
shared, pooled ``httpx.Client`` for JSON-RPC and JSON-2 (the library opens a new connection per call).
"""

from __future__ import annotations

import http.client
import itertools
import os
import select
import socket
import ssl
import threading
import xmlrpc.client
from dataclasses import dataclass
from typing import Any

import httpx
from odoolib.tools import JsonRPCException

from connector_worker.odoo.errors import HttpStatusError, RequestNotSentError

USER_AGENT = "magento-odoo-connector (odoo-client-lib)"
# Connecting should be quick even when calls are slow: a dead host must not hold a worker for the call timeout.
MAX_CONNECT_TIMEOUT_SECONDS = 5.0
_jsonrpc_ids = itertools.count(1)


@dataclass(frozen=True)
class Timeouts:
    """Seconds to wait for a connection and for each read of the answer."""

    connect: float
    read: float

    @classmethod
    def from_total(cls, seconds: float) -> Timeouts:
        """The settings' single ``timeout_seconds``: reads get all of it, connecting at most 5 s of it."""
        return cls(connect=min(seconds, MAX_CONNECT_TIMEOUT_SECONDS), read=seconds)


class CallCounter:
    """Counts requests sent and TCP connections opened (thread-safe): every round trip is visible."""

    def __init__(self) -> None:
        self._value = 0
        self._connections = 0
        self._lock = threading.Lock()

    def increment(self) -> None:
        """One more request is about to go out."""
        with self._lock:
            self._value += 1

    def connection_opened(self) -> None:
        """One more TCP connection was established."""
        with self._lock:
            self._connections += 1

    @property
    def value(self) -> int:
        """Requests sent so far."""
        return self._value

    @property
    def connections(self) -> int:
        """TCP connections opened so far."""
        return self._connections


class _TimedConnectionMixin:
    """Connects within the connect timeout, then gives the socket the (longer) read timeout."""

    sock: socket.socket | None
    read_timeout: float

    def connect(self) -> None:
        super().connect()  # type: ignore[misc]
        if self.sock is not None:
            self.sock.settimeout(self.read_timeout)


class _TimedHTTPConnection(_TimedConnectionMixin, http.client.HTTPConnection):
    pass


class _TimedHTTPSConnection(_TimedConnectionMixin, http.client.HTTPSConnection):
    pass


def _peer_closed(sock: socket.socket) -> bool:
    """An idle keep-alive socket that is readable was closed by the server (or holds garbage): drop it."""
    try:
        if hasattr(select, "poll"):  # no FD_SETSIZE limit, unlike select()
            poller = select.poll()
            poller.register(sock, select.POLLIN)
            return bool(poller.poll(0))
        readable, _, _ = select.select([sock], [], [], 0)
    except (OSError, ValueError):
        return True
    return bool(readable)


class KeepAliveTransport(xmlrpc.client.Transport):
    """One persistent HTTP/1.1 connection with timeouts; not thread-safe (see :class:`XmlRpcTransports`).

    Unlike the standard transport it never re-sends a request on its own: a stale idle connection is
    detected *before* sending, and anything that fails after sending is reported, because re-sending a
    create whose answer was lost could create the record twice.
    """

    def __init__(self, *, https: bool, timeouts: Timeouts, counter: CallCounter) -> None:
        super().__init__()
        self._https = https
        self._timeouts = timeouts
        self._counter = counter
        self._ssl_context = ssl.create_default_context() if https else None

    def make_connection(self, host: Any) -> http.client.HTTPConnection:
        cached_host, cached = self._connection
        if cached is not None and cached_host == host:
            if cached.sock is None or not _peer_closed(cached.sock):
                return cached
            cached.close()
        chost, self._extra_headers, _ = self.get_host_info(host)
        connection: http.client.HTTPConnection
        if self._https:
            connection = _TimedHTTPSConnection(
                chost, timeout=self._timeouts.connect, context=self._ssl_context
            )
        else:
            connection = _TimedHTTPConnection(chost, timeout=self._timeouts.connect)
        connection.read_timeout = self._timeouts.read
        self._connection = host, connection
        return connection

    def request(self, host: Any, handler: str, request_body: Any, verbose: bool = False) -> Any:
        return self.single_request(host, handler, request_body, verbose)

    def single_request(self, host: Any, handler: str, request_body: Any, verbose: bool = False) -> Any:
        connection = self.make_connection(host)
        try:
            if connection.sock is None:
                connection.connect()
                self._counter.connection_opened()
            self._counter.increment()
            self._send(connection, handler, request_body)
        except OSError as exc:
            self.close()
            raise RequestNotSentError(f"{type(exc).__name__}: {exc}") from exc
        try:
            response = connection.getresponse()
            if response.status == 200:
                self.verbose = verbose
                return self.parse_response(response)
        except xmlrpc.client.Fault:
            raise
        except Exception:
            self.close()
            raise
        self.close()  # a proxy's error page: nothing worth reading, and the connection state is unknown
        raise xmlrpc.client.ProtocolError(
            host + handler, response.status, response.reason, dict(response.getheaders())
        )

    def _send(self, connection: http.client.HTTPConnection, handler: str, body: bytes) -> None:
        connection.putrequest("POST", handler, skip_accept_encoding=True)
        headers = [
            *self._headers,
            *self._extra_headers,
            ("Content-Type", "text/xml"),
            ("User-Agent", USER_AGENT),
            ("Content-Length", str(len(body))),
        ]
        for key, value in headers:
            connection.putheader(key, value)
        connection.endheaders(body)


class XmlRpcTransports:
    """One :class:`KeepAliveTransport` per thread (Celery may run threads), all closed together.

    A forked child (Celery's prefork pool) starts afresh instead of sharing its parent's sockets.
    """

    def __init__(self, *, https: bool, timeouts: Timeouts, counter: CallCounter) -> None:
        self._https = https
        self._timeouts = timeouts
        self._counter = counter
        self._local = threading.local()
        self._all: list[KeepAliveTransport] = []
        self._lock = threading.Lock()
        self._pid = os.getpid()

    def current(self) -> KeepAliveTransport:
        """This thread's transport, created on first use."""
        if self._pid != os.getpid():
            with self._lock:
                self._local, self._all, self._pid = threading.local(), [], os.getpid()
        transport: KeepAliveTransport | None = getattr(self._local, "transport", None)
        if transport is None:
            transport = KeepAliveTransport(https=self._https, timeouts=self._timeouts, counter=self._counter)
            self._local.transport = transport
            with self._lock:
                self._all.append(transport)
        return transport

    def close(self) -> None:
        """Close every thread's connection."""
        with self._lock:
            for transport in self._all:
                transport.close()


class SharedHttpClient:
    """The pooled client the JSON paths share; made anew after :meth:`close` or in a forked child."""

    def __init__(self, timeouts: Timeouts, counter: CallCounter) -> None:
        self._timeouts = timeouts
        self._counter = counter
        self._lock = threading.Lock()
        self._client: httpx.Client | None = None
        self._pid = os.getpid()

    @property
    def client(self) -> httpx.Client:
        """The current client (thread-safe; httpx clients are)."""
        with self._lock:
            if self._client is None or self._pid != os.getpid():
                self._client, self._pid = make_http_client(self._timeouts, self._counter), os.getpid()
            return self._client

    def close(self) -> None:
        """Close the pooled connections; the next request opens a new one."""
        with self._lock:
            if self._client is not None and self._pid == os.getpid():
                self._client.close()
            self._client = None


def make_http_client(timeouts: Timeouts, counter: CallCounter) -> httpx.Client:
    """The one pooled, kept-alive client that JSON-RPC and JSON-2 calls share (thread-safe)."""

    def trace(event: str, _info: dict[str, Any]) -> None:
        if event == "connection.connect_tcp.complete":
            counter.connection_opened()

    def on_request(request: httpx.Request) -> None:
        counter.increment()
        request.extensions["trace"] = trace  # httpcore reports connection events through it

    return httpx.Client(
        timeout=httpx.Timeout(timeouts.read, connect=timeouts.connect),
        headers={"User-Agent": USER_AGENT},
        event_hooks={"request": [on_request]},
    )


def response_json(response: httpx.Response) -> Any:
    """The decoded body of a 200 answer; any other status becomes :class:`HttpStatusError`."""
    if response.status_code != 200:
        raise HttpStatusError(response.status_code, response.text, response.headers.get("Retry-After"))
    return response.json()


def jsonrpc_call(client: httpx.Client, url: str, params: dict[str, Any]) -> Any:
    """One JSON-RPC 2.0 ``call`` (Odoo answers errors with HTTP 200 and an ``error`` member)."""
    payload = {"jsonrpc": "2.0", "method": "call", "params": params, "id": next(_jsonrpc_ids)}
    body = response_json(client.post(url, json=payload))
    if not isinstance(body, dict):
        raise JsonRPCException({"message": "not a JSON-RPC answer", "data": {"name": "builtins.ValueError"}})
    if body.get("error"):
        raise JsonRPCException(body["error"])
    return body.get("result")
