"""The wire: version(), login, fault shapes per endpoint, JSON-2 statuses, marshalling of None."""

from __future__ import annotations

import xmlrpc.client
from collections.abc import Callable, Iterator

import httpx
import odoolib
import pytest
from odoolib.tools import AuthenticationError, JsonRPCException

from tests.support.odoo_sandbox import OdooSandboxHandle

ProxyFactory = Callable[..., xmlrpc.client.ServerProxy]


@pytest.fixture
def proxy() -> Iterator[ProxyFactory]:
    """Plain ``ServerProxy`` objects, closed after the test (the sandbox keeps connections alive)."""
    opened: list[xmlrpc.client.ServerProxy] = []

    def make(odoo: OdooSandboxHandle, service: str, legacy: bool = False) -> xmlrpc.client.ServerProxy:
        path = "xmlrpc" if legacy else "xmlrpc/2"
        opened.append(xmlrpc.client.ServerProxy(f"{odoo.url}/{path}/{service}"))
        return opened[-1]

    yield make
    for server_proxy in opened:
        server_proxy("close")()


def test_version_reports_the_configured_release(odoo: OdooSandboxHandle, proxy: ProxyFactory) -> None:
    version = proxy(odoo, "common").version()
    assert version["server_version"] == f"{odoo.version}.0"
    assert version["server_version_info"][:2] == [odoo.version, 0]
    assert version["protocol_version"] == 1


def test_login_returns_the_uid_and_a_wrong_password_returns_false(
    odoo: OdooSandboxHandle, proxy: ProxyFactory
) -> None:
    common = proxy(odoo, "common")
    assert common.login(odoo.db, odoo.login, odoo.password) == 2
    assert common.authenticate(odoo.db, odoo.login, odoo.api_key, {}) == 2
    assert common.authenticate(odoo.db, odoo.login, "wrong", {}) is False


def test_wrong_password_in_execute_kw_is_access_denied(odoo: OdooSandboxHandle, proxy: ProxyFactory) -> None:
    with pytest.raises(xmlrpc.client.Fault) as fault:
        proxy(odoo, "object").execute_kw(odoo.db, 2, "wrong", "res.partner", "search", [[]])
    assert (fault.value.faultCode, fault.value.faultString) == (3, "Access Denied")
    with pytest.raises(xmlrpc.client.Fault) as legacy:
        proxy(odoo, "object", legacy=True).execute_kw(odoo.db, 2, "wrong", "res.partner", "search", [[]])
    assert legacy.value.faultCode == "AccessDenied"


@pytest.mark.parametrize("protocol", ["xmlrpc", "jsonrpc", "json2"])
def test_odoo_client_lib_round_trip(odoo19: OdooSandboxHandle, protocol: str) -> None:
    conn = odoo19.connection(protocol)  # type: ignore[arg-type]
    partners = conn.get_model("res.partner")
    if protocol == "json2":
        ids = partners.create(vals_list=[{"name": "Ada", "email": " Ada <ADA@Example.com> "}])
        row = partners.read(ids=ids, fields=["name", "email_normalized"])
    else:
        ids = partners.create({"name": "Ada", "email": " Ada <ADA@Example.com> "})
        row = partners.read(ids, ["name", "email_normalized"])
    assert row["name"] == "Ada"
    assert row["email_normalized"] == "ada@example.com"


def test_client_lib_login_failure_is_an_authentication_error(odoo: OdooSandboxHandle) -> None:
    conn = odoolib.get_connection(
        hostname=odoo.host,
        port=odoo.port,
        protocol="jsonrpc",
        database=odoo.db,
        login=odoo.login,
        password="nope",
    )
    with pytest.raises(AuthenticationError):
        conn.get_model("res.partner").search([])


def test_unknown_model_is_a_user_error(odoo: OdooSandboxHandle, proxy: ProxyFactory) -> None:
    with pytest.raises(xmlrpc.client.Fault) as fault:
        proxy(odoo, "object").execute_kw(odoo.db, 2, odoo.password, "no.such.model", "search", [[]])
    assert (fault.value.faultCode, fault.value.faultString) == (2, "Object no.such.model doesn't exist")


def test_private_method_is_refused_with_the_versions_text(
    odoo: OdooSandboxHandle, proxy: ProxyFactory
) -> None:
    with pytest.raises(xmlrpc.client.Fault) as fault:
        proxy(odoo, "object").execute_kw(odoo.db, 2, odoo.password, "sale.order", "_create_invoices", [[1]])
    assert fault.value.faultCode == 4
    if odoo.version == 17:
        assert (
            fault.value.faultString == "Private methods (such as _create_invoices) cannot be called remotely."
        )
    else:
        assert fault.value.faultString == (
            "Private methods (such as 'sale.order._create_invoices') cannot be called remotely."
        )
    with pytest.raises(xmlrpc.client.Fault) as legacy:
        proxy(odoo, "object", legacy=True).execute_kw(
            odoo.db, 2, odoo.password, "sale.order", "_create_invoices", [[1]]
        )
    assert str(legacy.value.faultCode).startswith("warning -- AccessError\n\nPrivate methods")


def test_unknown_method_is_an_application_error_with_a_traceback(
    odoo19: OdooSandboxHandle, proxy: ProxyFactory
) -> None:
    with pytest.raises(xmlrpc.client.Fault) as fault:
        proxy(odoo19, "object").execute_kw(
            odoo19.db, 2, odoo19.password, "sale.order", "no_such_method", [[]]
        )
    assert fault.value.faultCode == 1
    assert fault.value.faultString.startswith("Traceback (most recent call last):")
    assert fault.value.faultString.rstrip().splitlines()[-1] == (
        "AttributeError: The method 'sale.order.no_such_method' does not exist"
    )


def test_jsonrpc_errors_carry_odoos_error_dict(odoo19: OdooSandboxHandle) -> None:
    conn = odoo19.connection("jsonrpc")
    with pytest.raises(JsonRPCException) as error:
        conn.get_model("sale.order")._create_invoices([1])
    assert error.value.error["code"] == 200
    assert error.value.error["message"] == "Odoo Server Error"
    data = error.value.error["data"]
    assert data["name"] == "odoo.exceptions.AccessError"
    assert (
        data["message"]
        == "Private methods (such as 'sale.order._create_invoices') cannot be called remotely."
    )
    assert data["arguments"] == [data["message"]]
    assert data["context"] == {}


def test_json2_statuses(odoo19: OdooSandboxHandle) -> None:
    headers = {"Authorization": f"Bearer {odoo19.api_key}", "X-Odoo-Database": odoo19.db}
    with httpx.Client(base_url=odoo19.url, headers=headers, timeout=10) as client:
        bad_key = client.post(
            "/json/2/res.partner/search", json={"domain": []}, headers={"Authorization": "Bearer nope"}
        )
        password = client.post(
            "/json/2/res.partner/search",
            json={"domain": []},
            headers={"Authorization": f"Bearer {odoo19.password}"},
        )
        private = client.post("/json/2/sale.order/_create_invoices", json={"ids": [1]})
        unknown = client.post("/json/2/sale.order/no_such_method", json={"ids": [1]})
        with_ids = client.post("/json/2/res.partner/search", json={"ids": [1], "domain": []})
        bad_arg = client.post("/json/2/res.partner/search", json={"domian": []})
        bad_field = client.post("/json/2/res.partner/create", json={"vals_list": [{"no_such_field": 1}]})
    assert (bad_key.status_code, bad_key.json()["message"]) == (401, "Invalid apikey")
    assert password.status_code == 401
    assert (private.status_code, private.json()["name"]) == (403, "odoo.exceptions.AccessError")
    assert (unknown.status_code, unknown.json()["name"]) == (404, "werkzeug.exceptions.NotFound")
    assert (with_ids.status_code, with_ids.json()["message"]) == (
        422,
        "cannot call res.partner.search with ids",
    )
    assert bad_arg.status_code == 422
    assert (bad_field.status_code, bad_field.json()["name"]) == (500, "builtins.ValueError")
    assert bad_field.json()["message"] == "Invalid field 'no_such_field' in 'res.partner'"


@pytest.mark.parametrize("version", [17, 18])
def test_json2_does_not_exist_before_19(request: pytest.FixtureRequest, version: int) -> None:
    odoo: OdooSandboxHandle = request.getfixturevalue(f"odoo{version}")
    response = httpx.post(
        f"{odoo.url}/json/2/res.partner/search",
        json={"domain": []},
        headers={"Authorization": f"Bearer {odoo.api_key}"},
        timeout=10,
    )
    assert response.status_code == 404


def test_web_version_from_18(odoo: OdooSandboxHandle) -> None:
    response = httpx.get(f"{odoo.url}/web/version", timeout=10)
    if odoo.version == 17:
        assert response.status_code == 404
    else:
        assert response.json() == {
            "version_info": [odoo.version, 0, 0, "final", 0, ""],
            "version": f"{odoo.version}.0",
        }


def test_counters_count_every_rpc_per_protocol_model_and_method(odoo19: OdooSandboxHandle) -> None:
    odoo19.reset_calls()
    conn = odoo19.connection("xmlrpc")
    conn.get_model("res.partner").search_count([])
    conn.get_model("res.partner").search_count([])
    assert odoo19.calls(model="common", method="login") == 1
    assert odoo19.calls(model="res.partner", method="search_count", protocol="xmlrpc") == 2
    assert odoo19.calls(protocol="json2") == 0
