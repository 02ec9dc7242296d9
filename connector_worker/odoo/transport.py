"""Timeouts and connection reuse for odoo-client-lib: kept-alive HTTP/1.1 connections, one per thread.

The library opens a new connection per call and has no timeout on XML-RPC. Here every protocol goes
through :class:`HttpConnections` (a :class:`KeepAliveConnection` per thread and host, on ``http.client``):
JSON-RPC and JSON-2 directly, XML-RPC by :class:`KeepAliveTransport`. One set of rules (timeouts, stale connections, never
re-sending) thus serves all three, and a JSON-2 call costs less than half the client CPU it cost on httpx
(bench/odoo_client.py).
"""

from __future__ import annotations

import http.client
import itertools
import json
import os
import select
import socket
import ssl
import threading
import time
import xmlrpc.client
from collections.abc import Callable, Iterator, Mapping
from dataclasses import dataclass
from typing import Any, Generic, TypeVar
from urllib.parse import urlsplit

from odoolib.tools import JsonRPCException

from connector_worker.odoo.errors import HttpStatusError, RequestNotSentError

USER_AGENT = "magento-odoo-connector (odoo-client-lib)"
# Connecting should be quick even when calls are slow: a dead host must not hold a worker for the call timeout.
MAX_CONNECT_TIMEOUT_SECONDS = 5.0
# A kept-alive connection idle for longer is replaced rather than reused: a NAT, firewall or load balancer
# may have dropped the flow without a word, and the server's own keep-alive timeout (nginx: 75 s) races a
# late reuse. A create sent into a dead flow would end as "outcome unknown". httpx used 5 s as well.
KEEPALIVE_IDLE_SECONDS = 5.0
_jsonrpc_ids = itertools.count(1)
T = TypeVar("T")


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


def _new_connection(
    host: str, https: bool, timeouts: Timeouts, ssl_context: ssl.SSLContext | None
) -> http.client.HTTPConnection:
    """A not yet connected HTTP/1.1 connection that connects within ``timeouts.connect``, then reads
    within ``timeouts.read``."""
    connection: http.client.HTTPConnection
    if https:
        connection = _TimedHTTPSConnection(host, timeout=timeouts.connect, context=ssl_context)
    else:
        connection = _TimedHTTPConnection(host, timeout=timeouts.connect)
    connection.read_timeout = timeouts.read
    return connection


def _reusable(connection: http.client.HTTPConnection, idle_since: float) -> bool:
    """Whether a kept connection may carry the next request: not yet connected, or recently used and not
    closed by the server."""
    if connection.sock is None:  # not connected yet, or http.client closed it after "Connection: close"
        return True
    return time.monotonic() - idle_since <= KEEPALIVE_IDLE_SECONDS and not _peer_closed(connection.sock)


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


class PerThread(Generic[T]):
    """One ``T`` per thread (Celery may run threads), made on first use; a forked child (Celery's prefork
    pool) starts afresh instead of sharing its parent's sockets."""

    def __init__(self, make: Callable[[], T]) -> None:
        self._make = make
        self._local = threading.local()
        self._all: list[T] = []
        self._lock = threading.Lock()
        self._pid = os.getpid()

    def current(self) -> T:
        """This thread's ``T``, made on first use."""
        if self._pid != os.getpid():
            with self._lock:
                if self._pid != os.getpid():  # another thread of this child may have reset it already
                    self._local, self._all, self._pid = threading.local(), [], os.getpid()
        value: T | None = getattr(self._local, "value", None)
        if value is None:
            value = self._make()
            self._local.value = value
            with self._lock:
                self._all.append(value)
        return value

    def each(self) -> Iterator[T]:
        """Every thread's ``T`` made in this process so far."""
        with self._lock:
            values = list(self._all) if self._pid == os.getpid() else []
        yield from values


@dataclass(frozen=True)
class HttpReply:
    """A whole answer, read before its connection serves the next call."""

    status: int
    headers: http.client.HTTPMessage
    body: bytes

    @property
    def text(self) -> str:
        """The body as text (undecodable bytes replaced: it is only ever shown in an error)."""
        return self.body.decode("utf-8", errors="replace")

    def json(self) -> Any:
        """The body decoded as JSON (``json.JSONDecodeError`` when it is not)."""
        return json.loads(self.body)


class KeepAliveConnection:
    """One persistent HTTP/1.1 connection to one host; not thread-safe (see :class:`HttpConnections`).

    Unlike the standard library's XML-RPC transport it never re-sends a request on its own, because
    re-sending a create whose answer was lost could create the record twice: a stale idle connection is
    replaced *before* sending, what fails before the request is out is :class:`RequestNotSentError`, and
    anything that fails after is reported as it is.
    """

    def __init__(self, host: str, *, https: bool, timeouts: Timeouts, counter: CallCounter) -> None:
        self._host = host
        self._https = https
        self._timeouts = timeouts
        self._counter = counter
        self._ssl_context = ssl.create_default_context() if https else None
        self._connection: http.client.HTTPConnection | None = None
        self._idle_since = time.monotonic()

    def request(self, method: str, target: str, body: bytes | None, headers: Mapping[str, str]) -> HttpReply:
        """Send one request and read its whole answer."""
        connection = self._ready()
        try:
            if connection.sock is None:
                connection.connect()
                self._counter.connection_opened()
            self._counter.increment()
            connection.request(method, target, body=body, headers=dict(headers))
        except OSError as exc:
            early = (
                _early_answer(connection) if isinstance(exc, BrokenPipeError | ConnectionResetError) else None
            )
            self.close()
            if early is not None:
                return early
            raise RequestNotSentError(f"{type(exc).__name__}: {exc}") from exc
        except BaseException:
            self.close()  # e.g. a soft time limit mid-send: never hand a half-written request on
            raise
        try:
            response = connection.getresponse()
            reply = HttpReply(response.status, response.headers, response.read())
        except BaseException:
            self.close()
            raise
        self._idle_since = time.monotonic()
        return reply

    def close(self) -> None:
        """Close the socket; the next request opens a new one."""
        if self._connection is not None:
            self._connection.close()
            self._connection = None

    def _ready(self) -> http.client.HTTPConnection:
        connection = self._connection
        if connection is not None and _reusable(connection, self._idle_since):
            return connection
        self.close()
        self._connection = _new_connection(self._host, self._https, self._timeouts, self._ssl_context)
        return self._connection


def _early_answer(connection: http.client.HTTPConnection) -> HttpReply | None:
    """What the server said before closing on a request it would not take whole (a proxy's 413 for a body
    over its limit), so the error names the cause rather than a broken pipe; None when it said nothing."""
    try:
        response = connection.getresponse()
        return HttpReply(response.status, response.headers, response.read())
    except (OSError, http.client.HTTPException):
        return None


class HttpConnections:
    """The kept-alive connections JSON-RPC and JSON-2 calls go through: per thread, one per host."""

    def __init__(self, timeouts: Timeouts, counter: CallCounter) -> None:
        self._timeouts = timeouts
        self._counter = counter
        self._threads: PerThread[dict[tuple[str, str], KeepAliveConnection]] = PerThread(dict)

    def request(
        self, method: str, url: str, body: bytes | None = None, headers: Mapping[str, str] | None = None
    ) -> HttpReply:
        """``method url`` with our User-Agent, on this thread's connection to the URL's host."""
        parts = urlsplit(url)
        if parts.scheme not in ("http", "https") or not parts.hostname:
            raise http.client.InvalidURL(f"not an http(s) URL: {parts.scheme}://{parts.hostname or ''}…")
        if "@" in parts.netloc:  # never echoed: it holds a password
            raise http.client.InvalidURL("user:password@ in the Odoo URL is not supported")
        connections = self._threads.current()
        key = (parts.scheme, parts.netloc)
        connection = connections.get(key)
        if connection is None:
            connection = KeepAliveConnection(
                parts.netloc, https=parts.scheme == "https", timeouts=self._timeouts, counter=self._counter
            )
            connections[key] = connection
        target = f"{parts.path or '/'}?{parts.query}" if parts.query else parts.path or "/"
        return connection.request(method, target, body, {"User-Agent": USER_AGENT, **(headers or {})})

    def post_json(self, url: str, payload: Any, headers: Mapping[str, str] | None = None) -> HttpReply:
        """POST ``payload`` as compact UTF-8 JSON (NaN refused: it is not JSON, and Odoo would refuse it)."""
        body = json.dumps(payload, ensure_ascii=False, separators=(",", ":"), allow_nan=False).encode()
        return self.request("POST", url, body, {"Content-Type": "application/json", **(headers or {})})

    def close(self) -> None:
        """Close every thread's connections; the next request opens new ones."""
        for connections in self._threads.each():
            for connection in list(connections.values()):
                connection.close()


class KeepAliveTransport(xmlrpc.client.Transport):
    """``xmlrpc.client``'s transport on :class:`HttpConnections` (each thread on its own connection).

    Unlike the standard transport it never re-sends a request on its own (re-sending a create whose answer
    was lost could create the record twice): the connections' rules apply, as on the JSON paths.
    """

    def __init__(self, connections: HttpConnections, *, https: bool) -> None:
        super().__init__()
        self._connections = connections
        self._scheme = "https" if https else "http"

    def request(self, host: Any, handler: str, request_body: Any, verbose: bool = False) -> Any:
        # ``host`` is as ServerProxy read it from the URL, user:password@ included (which is refused).
        url = f"{self._scheme}://{host}{handler}"
        reply = self._connections.request("POST", url, request_body, {"Content-Type": "text/xml"})
        if reply.status != 200:  # a proxy's error page
            reason = http.client.responses.get(reply.status, "")
            raise xmlrpc.client.ProtocolError(host + handler, reply.status, reason, dict(reply.headers))
        parser, unmarshaller = self.getparser()
        parser.feed(reply.body)
        parser.close()
        return unmarshaller.close()  # raises xmlrpc.client.Fault for Odoo's error answers


def response_json(reply: HttpReply) -> Any:
    """The decoded body of a 200 answer; any other status becomes :class:`HttpStatusError`."""
    if reply.status != 200:
        raise HttpStatusError(reply.status, reply.text, reply.headers.get("Retry-After"))
    return reply.json()


def jsonrpc_call(connections: HttpConnections, url: str, params: dict[str, Any]) -> Any:
    """One JSON-RPC 2.0 ``call`` (Odoo answers errors with HTTP 200 and an ``error`` member)."""
    payload = {"jsonrpc": "2.0", "method": "call", "params": params, "id": next(_jsonrpc_ids)}
    body = response_json(connections.post_json(url, payload))
    if not isinstance(body, dict):
        raise JsonRPCException({"message": "not a JSON-RPC answer", "data": {"name": "builtins.ValueError"}})
    if body.get("error"):
        raise JsonRPCException(body["error"])
    return body.get("result")
