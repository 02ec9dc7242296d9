"""Injected faults look like the real failures: latency, serialization failures, lost answers, downtime."""

from __future__ import annotations

import http.client
import threading
import time
import xmlrpc.client

import httpx
import pytest
from odoolib.tools import JsonRPCException

from tests.support.odoo_sandbox import OdooSandboxHandle

SERIALIZATION = "psycopg2.errors.SerializationFailure: could not serialize access due to concurrent update"


def test_serialization_failure_on_every_protocol_and_nothing_written(odoo19: OdooSandboxHandle) -> None:
    odoo19.clear_faults()
    odoo19.fail_serialization(times=3, model="res.partner", method="create")
    with (
        xmlrpc.client.ServerProxy(f"{odoo19.url}/xmlrpc/2/object") as proxy,
        pytest.raises(xmlrpc.client.Fault) as fault,
    ):
        proxy.execute_kw(odoo19.db, 2, odoo19.password, "res.partner", "create", [{"name": "Never"}])
    assert fault.value.faultCode == 1
    assert fault.value.faultString.rstrip().splitlines()[-1] == SERIALIZATION
    with pytest.raises(JsonRPCException) as error:
        odoo19.connection("jsonrpc").get_model("res.partner").create({"name": "Never"})
    assert error.value.error["data"]["name"] == "psycopg2.errors.SerializationFailure"
    response = httpx.post(
        f"{odoo19.url}/json/2/res.partner/create",
        json={"vals_list": [{"name": "Never"}]},
        headers={"Authorization": f"Bearer {odoo19.api_key}"},
        timeout=10,
    )
    assert response.status_code == 500
    assert response.json()["name"] == "psycopg2.errors.SerializationFailure"
    assert odoo19.read("res.partner", [("name", "=", "Never")]) == []
    # The fault was used up: the next call goes through.
    assert odoo19.connection("xmlrpc").get_model("res.partner").create({"name": "Finally"})


def test_lost_response_commits_then_a_proxy_answers_504(odoo19: OdooSandboxHandle) -> None:
    odoo19.clear_faults()
    odoo19.lose_response(model="res.partner", method="create", protocol="json2")
    response = httpx.post(
        f"{odoo19.url}/json/2/res.partner/create",
        json={"vals_list": [{"name": "Ghost"}]},
        headers={"Authorization": f"Bearer {odoo19.api_key}"},
        timeout=10,
    )
    assert response.status_code == 504
    assert len(odoo19.read("res.partner", [("name", "=", "Ghost")])) == 1


def test_latency_delays_a_call_without_blocking_the_others(odoo19: OdooSandboxHandle) -> None:
    odoo19.clear_faults()
    odoo19.add_latency(1000, model="res.partner", method="search_count")
    slow_done = threading.Event()

    def slow() -> None:
        odoo19.connection("jsonrpc").get_model("res.partner").search_count([])
        slow_done.set()

    thread = threading.Thread(target=slow)
    started = time.monotonic()
    thread.start()
    time.sleep(0.05)
    odoo19.connection("jsonrpc").get_model("res.country").search_count([])
    fast = time.monotonic() - started
    thread.join()
    # the other call returned long before the held one (margin for a loaded machine)
    assert fast < 0.8 and slow_done.is_set()
    assert time.monotonic() - started >= 1.0
    odoo19.clear_faults()


def test_down_as_a_proxy_502_then_back(odoo18: OdooSandboxHandle) -> None:
    odoo18.down(30, mode="502")
    response = httpx.post(
        f"{odoo18.url}/jsonrpc",
        json={"params": {"service": "common", "method": "version", "args": []}},
        timeout=5,
    )
    assert response.status_code == 502 and "Bad Gateway" in response.text
    odoo18.up()
    response = httpx.post(
        f"{odoo18.url}/jsonrpc",
        json={"params": {"service": "common", "method": "version", "args": []}},
        timeout=5,
    )
    assert response.json()["result"]["server_serie"] == "18.0"


def test_down_refuses_connections_until_it_ends(odoo17: OdooSandboxHandle) -> None:
    odoo17.down(0.5, mode="refuse")
    with pytest.raises(httpx.ConnectError):
        httpx.get(f"{odoo17.url}/_sandbox/info", timeout=5)
    deadline = time.monotonic() + 5
    while True:
        try:
            assert httpx.get(f"{odoo17.url}/_sandbox/info", timeout=5).json()["version"] == 17
            break
        except httpx.ConnectError:
            assert time.monotonic() < deadline
            time.sleep(0.05)


def test_control_surface_over_http(odoo19: OdooSandboxHandle) -> None:
    with httpx.Client(base_url=odoo19.url, timeout=10) as client:
        assert (
            client.post(
                "/_sandbox/faults", json={"kind": "serialization", "model": "res.country", "times": 1}
            ).status_code
            == 200
        )
        assert client.post("/_sandbox/faults", json={"kind": "nonsense"}).status_code == 400
        client.delete("/_sandbox/calls")
        response = client.post(
            "/json/2/res.country/search_count",
            json={"domain": []},
            headers={"Authorization": f"Bearer {odoo19.api_key}"},
        )
        assert response.status_code == 500
        calls = client.get("/_sandbox/calls").json()
        assert calls["calls"] == [
            {"protocol": "json2", "model": "res.country", "method": "search_count", "count": 1}
        ]
        records = client.post(
            "/_sandbox/records",
            json={"model": "res.country", "domain": [["code", "=", "SA"]], "fields": ["name"]},
        )
        assert records.json()["records"][0]["name"] == "Saudi Arabia"
        assert client.delete("/_sandbox/faults").json()["faults"] == []


def _version_call(connection: http.client.HTTPConnection) -> http.client.HTTPResponse:
    connection.request(
        "POST", "/xmlrpc/2/common", xmlrpc.client.dumps((), "version"), {"Content-Type": "text/xml"}
    )
    response = connection.getresponse()
    response.read()
    return response


def test_xmlrpc_connections_stay_open_between_calls_as_odoo_keeps_them(odoo18: OdooSandboxHandle) -> None:
    odoo18.clear_faults()
    connection = http.client.HTTPConnection(odoo18.host, odoo18.port, timeout=10)
    try:
        # given one HTTP/1.1 connection, when three calls go over it
        first = _version_call(connection)
        socket = connection.sock
        answers = [_version_call(connection) for _ in range(2)]
        # then no answer asks to close and the same socket carried all three
        assert all(r.status == 200 and r.getheader("Connection") is None for r in [first, *answers])
        assert connection.sock is socket and socket is not None
    finally:
        connection.close()


def test_a_close_connection_fault_ends_the_connection_after_the_answer(odoo18: OdooSandboxHandle) -> None:
    odoo18.clear_faults()
    odoo18.close_connections(times=1, protocol="xmlrpc/2")
    connection = http.client.HTTPConnection(odoo18.host, odoo18.port, timeout=10)
    try:
        closing = _version_call(connection)
        assert closing.getheader("Connection") == "close"
        assert connection.sock is None  # http.client dropped the socket the server closes
        reopened = _version_call(connection)  # the fault was used up: a new connection stays open
        assert reopened.getheader("Connection") is None and connection.sock is not None
    finally:
        connection.close()


def test_a_call_is_counted_when_it_arrives_not_when_its_latency_ends(odoo18: OdooSandboxHandle) -> None:
    odoo18.clear_faults()
    odoo18.reset_calls()
    odoo18.add_latency(600, model="common", method="version")
    connection = http.client.HTTPConnection(odoo18.host, odoo18.port, timeout=0.2)
    try:
        with pytest.raises(TimeoutError):
            _version_call(connection)
        # the client gave up; the call it sent is already in the count, not 0.4 s later
        assert odoo18.calls(model="common", method="version") == 1
    finally:
        connection.close()
        odoo18.clear_faults()
        time.sleep(0.5)  # let the held call finish before the next test counts
