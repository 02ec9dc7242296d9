"""Injected faults look like the real failures: latency, serialization failures, lost answers, downtime."""

from __future__ import annotations

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
    odoo19.add_latency(400, model="res.partner", method="search_count")
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
    assert fast < 0.35 and slow_done.is_set()
    assert time.monotonic() - started >= 0.4
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
