"""Our transports, against a tiny loopback HTTP server that stands in for the network (not for Odoo):
connections are kept alive (one per thread), every read has a timeout, and a request is never sent twice.
"""

from __future__ import annotations

import http.client
import json
import socket
import threading
import time
import xmlrpc.client
from collections.abc import Iterator
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any

import pytest
from odoolib.tools import JsonRPCException

from connector_worker.errors import ConfigurationError, OutcomeUnknownError, PermanentError, TransientError
from connector_worker.odoo import transport
from connector_worker.odoo.connectors import Json2Connection, JsonRpcConnector, XmlRpcConnector
from connector_worker.odoo.errors import HttpStatusError, RequestNotSentError, classify
from connector_worker.odoo.transport import CallCounter, HttpConnections, Timeouts
from tests.support.celery_worker import wait_until
from tests.support.ports import closed_port

FAST = Timeouts(connect=1.0, read=0.4)


@dataclass
class Wire:
    """What the loopback server saw, and how it should misbehave next."""

    mode: str = "ok"
    connections: int = 0
    disconnections: int = 0
    requests: list[tuple[str, dict[str, str], bytes]] = field(default_factory=list)
    lock: threading.Lock = field(default_factory=threading.Lock)


class _Handler(BaseHTTPRequestHandler):
    protocol_version = "HTTP/1.1"
    server: _Server
    wire: Wire

    def setup(self) -> None:
        super().setup()
        self.wire = self.server.wire  # the test's wire when the connection opened, not a later test's
        with self.wire.lock:
            self.wire.connections += 1

    def finish(self) -> None:
        super().finish()
        with self.wire.lock:
            self.wire.disconnections += 1

    def log_message(self, *args: Any) -> None:
        pass

    def do_POST(self) -> None:
        wire = self.server.wire
        if wire.mode == "too_large":  # a proxy's body limit: it answers at once and never reads the body
            self.send_response(413)
            self.send_header("Content-Length", "24")
            self.send_header("Connection", "close")
            self.end_headers()
            self.wfile.write(b"Request Entity Too Large")
            self.close_connection = True
            return
        body = self.rfile.read(int(self.headers.get("Content-Length", "0")))
        with wire.lock:
            wire.requests.append((self.path, dict(self.headers), body))
        if wire.mode == "hangup":  # the request arrived, the answer never leaves
            self.close_connection = True
            self.connection.shutdown(socket.SHUT_RDWR)
            return
        if wire.mode == "slow":
            time.sleep(1.2)
        status, payload, content_type = self._answer(body)
        self.send_response(status)
        self.send_header("Content-Type", content_type)
        self.send_header("Content-Length", str(len(payload)))
        if wire.mode == "announce_close":  # says so, as a server ending keep-alive does
            self.send_header("Connection", "close")
            self.close_connection = True
        self.end_headers()
        self.wfile.write(payload)
        if wire.mode == "close_after":  # closes the idle connection without saying so
            self.close_connection = True

    def _answer(self, body: bytes) -> tuple[int, bytes, str]:
        if self.path.startswith("/xmlrpc/"):
            params, method = xmlrpc.client.loads(body)
            return (
                200,
                xmlrpc.client.dumps(([method, *params],), methodresponse=True, allow_none=True).encode(),
                "text/xml",
            )
        if self.path == "/jsonrpc":
            request = json.loads(body)
            if request["params"]["method"] == "boom":
                error = {
                    "code": 200,
                    "message": "Odoo Server Error",
                    "data": {"name": "odoo.exceptions.UserError"},
                }
                return (
                    200,
                    json.dumps({"jsonrpc": "2.0", "id": request["id"], "error": error}).encode(),
                    "application/json",
                )
            result = {"jsonrpc": "2.0", "id": request["id"], "result": request["params"]["args"]}
            return 200, json.dumps(result).encode(), "application/json"
        if self.path.startswith("/json/2/") and self.path.endswith("/refuse"):
            return (
                422,
                json.dumps({"name": "odoo.exceptions.UserError", "message": "no"}).encode(),
                "application/json",
            )
        if self.path.startswith("/json/2/"):
            return 200, body or b"null", "application/json"
        return 502, b"<html>Bad Gateway</html>", "text/html"


class _Server(ThreadingHTTPServer):
    daemon_threads = True
    wire: Wire


@pytest.fixture(scope="module")
def server() -> Iterator[_Server]:
    httpd = _Server(("127.0.0.1", 0), _Handler)
    httpd.wire = Wire()
    thread = threading.Thread(target=httpd.serve_forever, daemon=True)
    thread.start()
    yield httpd
    httpd.shutdown()
    httpd.server_close()


@pytest.fixture
def wire(server: _Server) -> Wire:
    server.wire = Wire()
    return server.wire


@pytest.fixture
def base_url(server: _Server) -> str:
    return f"http://127.0.0.1:{server.server_address[1]}"


@pytest.fixture
def counter() -> CallCounter:
    return CallCounter()


@pytest.fixture
def client(counter: CallCounter) -> Iterator[HttpConnections]:
    connections = HttpConnections(FAST, counter)
    yield connections
    connections.close()


# --- XML-RPC ----------------------------------------------------------------------------------------------


def test_xmlrpc_calls_share_one_kept_alive_connection(
    wire: Wire, base_url: str, client: HttpConnections, counter: CallCounter
) -> None:
    connector = XmlRpcConnector(base_url, client)
    for n in range(5):
        assert connector.send("object", "execute_kw", "db", 2, "pw", "res.partner", "search", [[n]], {}) == [
            "execute_kw",
            "db",
            2,
            "pw",
            "res.partner",
            "search",
            [[n]],
            {},
        ]
    assert wire.connections == 1
    assert counter.connections == 1
    assert counter.value == 5
    assert [path for path, _, _ in wire.requests] == ["/xmlrpc/object"] * 5


def test_none_is_sent_as_nil_rather_than_refused(wire: Wire, base_url: str, client: HttpConnections) -> None:
    assert XmlRpcConnector(base_url, client).send("object", "write", {"phone": None}) == [
        "write",
        {"phone": None},
    ]


# --- the rules every protocol shares: XML-RPC, JSON-RPC and JSON-2 go through the same connections -------


@dataclass(frozen=True)
class Calls:
    """A write and a read on one protocol, to the Odoo at the URL given."""

    protocol: str
    client: HttpConnections

    def write(self, url: str) -> object:
        """A create, the call a lost answer must never repeat."""
        if self.protocol == "json2":
            model = Json2Connection(url, "shop", "key", self.client).get_model("sale.order")
            return model.create(vals_list=[{"name": "S1"}])
        return XmlRpcConnector(url, self.client).send("object", "execute_kw", "create")

    def read(self, url: str, n: int = 0) -> object:
        """A harmless call whose answer echoes ``n``."""
        if self.protocol == "json2":
            model = Json2Connection(url, "shop", "key", self.client).get_model("res.partner")
            return model.search(domain=[n])["domain"][0]
        return XmlRpcConnector(url, self.client).send("common", "version", n)[-1]


@pytest.fixture(params=["xmlrpc", "json2"])
def calls(request: pytest.FixtureRequest, client: HttpConnections) -> Calls:
    return Calls(request.param, client)


def test_an_idle_connection_the_server_closed_is_replaced_before_sending(
    wire: Wire, base_url: str, calls: Calls, counter: CallCounter
) -> None:
    wire.mode = "close_after"
    for n in range(3):
        assert calls.read(base_url, n) == n
        time.sleep(0.05)  # let the server's FIN arrive, as it would between two real calls
    assert len(wire.requests) == 3  # each sent once
    assert wire.connections == counter.connections == 3


def test_a_request_whose_answer_is_lost_is_never_resent(wire: Wire, base_url: str, calls: Calls) -> None:
    wire.mode = "hangup"
    with pytest.raises((http.client.RemoteDisconnected, ConnectionError)) as caught:
        calls.write(base_url)
    assert len(wire.requests) == 1  # the standard library's transport would have sent it a second time
    assert isinstance(classify(caught.value, label="sale.order.create", read_only=False), OutcomeUnknownError)
    wire.mode = "ok"
    assert calls.read(base_url, 1) == 1  # the broken connection was dropped, a new one serves


def test_a_slow_answer_times_out_after_the_read_timeout(wire: Wire, base_url: str, calls: Calls) -> None:
    wire.mode = "slow"
    started = time.monotonic()
    with pytest.raises(TimeoutError) as caught:
        calls.write(base_url)
    assert time.monotonic() - started < 1.0
    assert isinstance(classify(caught.value, label="sale.order.create", read_only=False), OutcomeUnknownError)
    assert type(classify(caught.value, label="sale.order.read", read_only=True)) is TransientError


def test_a_refused_connection_is_reported_as_not_sent(calls: Calls, counter: CallCounter) -> None:
    with pytest.raises(RequestNotSentError) as caught:
        calls.write(f"http://127.0.0.1:{closed_port()}")
    assert counter.value == 0
    assert type(classify(caught.value, label="sale.order.create", read_only=False)) is TransientError


def test_each_thread_keeps_its_own_connection_and_close_ends_them_all(
    wire: Wire, base_url: str, calls: Calls, client: HttpConnections, counter: CallCounter
) -> None:
    def work() -> None:
        for n in range(3):
            calls.read(base_url, n)

    threads = [threading.Thread(target=work) for _ in range(2)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert wire.connections == counter.connections == 2  # one per thread
    assert len(wire.requests) == 6
    client.close()
    wait_until(lambda: wire.disconnections >= 2, timeout=2)
    assert wire.disconnections == 2  # every thread's connection was closed, not just this thread's
    calls.read(base_url)
    assert wire.connections == 3  # closed connections are reopened on the next call


# --- JSON-RPC and JSON-2 on kept-alive http.client connections -------------------------------------------


def test_jsonrpc_calls_reuse_one_connection_and_are_counted(
    wire: Wire, base_url: str, client: HttpConnections, counter: CallCounter
) -> None:
    connector = JsonRpcConnector(base_url, client)
    for n in range(4):
        assert connector.send("object", "execute_kw", n) == [n]
    assert wire.connections == 1
    assert counter.connections == 1
    assert counter.value == 4
    body = json.loads(wire.requests[0][2])
    assert body["params"] == {"service": "object", "method": "execute_kw", "args": [0]}


def test_jsonrpc_error_members_and_proxy_pages_are_raised(
    wire: Wire, base_url: str, client: HttpConnections
) -> None:
    with pytest.raises(JsonRPCException) as caught:
        JsonRpcConnector(base_url, client).send("object", "boom")
    assert caught.value.error["data"]["name"] == "odoo.exceptions.UserError"
    with pytest.raises(HttpStatusError) as proxy:
        JsonRpcConnector(f"{base_url}/behind-a-proxy", client).send("object", "execute_kw")
    assert proxy.value.status == 502 and "Bad Gateway" in proxy.value.body


def test_json2_posts_named_arguments_with_the_bearer_key_and_database(
    wire: Wire, base_url: str, client: HttpConnections
) -> None:
    model = Json2Connection(base_url, "shop", "k3y-s3cret", client).get_model("res.partner")
    assert model.search_read(domain=[["id", "=", 1]], fields=["name"]) == {
        "domain": [["id", "=", 1]],
        "fields": ["name"],
    }
    path, headers, _ = wire.requests[-1]
    assert path == "/json/2/res.partner/search_read"
    assert headers["Authorization"] == "Bearer k3y-s3cret"
    assert headers["X-Odoo-Database"] == "shop"
    Json2Connection(base_url, None, "k3y-s3cret", client).get_model("res.partner").search(domain=[])
    assert "X-Odoo-Database" not in wire.requests[-1][1]


def test_json2_refuses_positional_arguments_before_sending(
    wire: Wire, base_url: str, client: HttpConnections
) -> None:
    model = Json2Connection(base_url, "shop", "key", client).get_model("sale.order")
    with pytest.raises(TypeError, match="named arguments only"):
        model.action_confirm([1])
    assert wire.requests == []


def test_json2_errors_carry_the_body_and_never_the_request(
    wire: Wire, base_url: str, client: HttpConnections
) -> None:
    model = Json2Connection(base_url, "shop", "key", client).get_model("res.partner")
    with pytest.raises(HttpStatusError) as caught:
        model.refuse(vals={"email": "jane.doe@example.com"})
    assert caught.value.status == 422
    assert "jane.doe" not in caught.value.body and "jane.doe" not in str(caught.value)


def test_json_bodies_are_compact_utf8_and_nan_is_refused_before_sending(
    wire: Wire, base_url: str, client: HttpConnections
) -> None:
    model = Json2Connection(base_url, "shop", "key", client).get_model("res.partner")
    model.write(ids=[1], vals={"name": "Zoë Ñúñez"})
    _, headers, body = wire.requests[-1]
    assert body == '{"ids":[1],"vals":{"name":"Zoë Ñúñez"}}'.encode()
    assert headers["Content-Type"].startswith("application/json")
    assert headers["User-Agent"].startswith("magento-odoo-connector")
    with pytest.raises(ValueError, match="not JSON compliant"):
        model.write(ids=[1], vals={"list_price": float("nan")})
    assert len(wire.requests) == 1


def test_a_forked_child_gets_its_own_connections(
    monkeypatch: pytest.MonkeyPatch,
    wire: Wire,
    base_url: str,
    client: HttpConnections,
) -> None:
    XmlRpcConnector(base_url, client).send("common", "version")
    JsonRpcConnector(base_url, client).send("common", "version")
    assert wire.connections == 1
    parent_connections = list(client._threads.each())
    monkeypatch.setattr("os.getpid", lambda: -1)  # as in a Celery prefork child
    XmlRpcConnector(base_url, client).send("common", "version")
    JsonRpcConnector(base_url, client).send("common", "version")
    assert wire.connections == 2  # the child opened its own; the parent's socket is the parent's to close
    for connections in parent_connections:
        for connection in connections.values():
            connection.close()


class _Interrupted(Exception):
    """Stands for what may interrupt a send that is not a socket error (Celery's soft time limit)."""


def test_a_send_interrupted_by_anything_closes_the_connection_so_the_next_call_works(
    monkeypatch: pytest.MonkeyPatch, wire: Wire, base_url: str, calls: Calls
) -> None:
    calls.read(base_url)
    real_send = http.client.HTTPConnection.send
    interrupted: list[bool] = []

    def send_once_interrupted(self: http.client.HTTPConnection, data: Any) -> None:
        if not interrupted:
            interrupted.append(True)
            raise _Interrupted
        real_send(self, data)

    monkeypatch.setattr(http.client.HTTPConnection, "send", send_once_interrupted)
    with pytest.raises(_Interrupted):
        calls.read(base_url)
    calls.read(
        base_url
    )  # before: CannotSendRequest on this connection for ever, reported as "outcome unknown"
    assert len(wire.requests) == 2 and wire.connections == 2


def test_a_connection_idle_too_long_is_replaced_rather_than_reused(
    monkeypatch: pytest.MonkeyPatch, wire: Wire, base_url: str, calls: Calls
) -> None:
    monkeypatch.setattr(transport, "KEEPALIVE_IDLE_SECONDS", 0.2)
    calls.read(base_url)
    calls.read(base_url)
    assert wire.connections == 1
    time.sleep(0.3)  # a NAT may have dropped the flow by now without telling either end
    calls.read(base_url)
    assert wire.connections == 2 and len(wire.requests) == 3


def test_connection_close_from_the_server_is_honoured(
    monkeypatch: pytest.MonkeyPatch, wire: Wire, base_url: str, client: HttpConnections, counter: CallCounter
) -> None:
    wire.mode = "announce_close"
    monkeypatch.setattr(transport, "_peer_closed", lambda _sock: False)  # only the header tells it
    connector = JsonRpcConnector(base_url, client)
    for n in range(3):
        assert connector.send("object", "execute_kw", n) == [n]
    assert len(wire.requests) == 3 and wire.connections == counter.connections == 3


def test_an_error_answer_leaves_the_connection_usable(
    wire: Wire, base_url: str, client: HttpConnections
) -> None:
    model = Json2Connection(base_url, "shop", "key", client).get_model("res.partner")
    for _ in range(2):
        with pytest.raises(HttpStatusError):
            model.refuse(vals={})
        assert model.search(domain=[]) == {"domain": []}
    assert wire.connections == 1


def test_credentials_in_the_url_are_refused_without_being_repeated(client: HttpConnections) -> None:
    with pytest.raises(http.client.InvalidURL) as caught:
        JsonRpcConnector("https://bob:hunter2@127.0.0.1:1", client).send("common", "version")
    assert "hunter2" not in str(caught.value)
    assert isinstance(classify(caught.value, label="version", read_only=True), ConfigurationError)


def test_a_body_the_server_refuses_before_reading_reports_its_answer_not_a_broken_pipe(
    wire: Wire, base_url: str, client: HttpConnections
) -> None:
    wire.mode = "too_large"
    model = Json2Connection(base_url, "shop", "key", client).get_model("ir.attachment")
    with pytest.raises(HttpStatusError) as caught:
        model.create(vals_list=[{"datas": "A" * (8 * 1024 * 1024)}])
    assert caught.value.status == 413 and "Too Large" in caught.value.body
    error = classify(caught.value, label="ir.attachment.create", read_only=False)
    assert type(error) is PermanentError and "client_max_body_size" in str(error)
    wire.mode = "ok"
    assert model.search(domain=[]) == {"domain": []}  # a new connection serves the next call
