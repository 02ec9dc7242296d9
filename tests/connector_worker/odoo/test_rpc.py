"""The gateway's core against the Odoo sandbox: version and protocol choice, one RPC per primitive, field
names for 17/18, every error class, timeouts, and connection reuse.
"""

from __future__ import annotations

import re
import threading
import time
from typing import Any

import pytest
from pydantic import SecretStr

from connector_worker.errors import (
    AuthenticationError,
    ConfigurationError,
    OutcomeUnknownError,
    PermanentError,
    TransientError,
)
from connector_worker.odoo import (
    OdooAccessDeniedError,
    OdooConcurrencyError,
    OdooGateway,
    OdooMissingError,
    OdooRejectedError,
    OdooResultNotMarshalledError,
    OdooServerError,
)
from tests.connector_worker.odoo.conftest import (
    Catalog,
    Sandboxes,
    Target,
    order_vals,
    rpc_calls,
    settings_for,
    unique,
)
from tests.support.odoo_sandbox import OdooSandboxHandle

# --- connecting ---------------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    "case",
    [
        # 17 has no /web/version (404): common.version over XML-RPC, then login.
        (17, False, "xmlrpc", 3, 2),
        # 18: GET /web/version (not an RPC for the sandbox's counter), then login.
        (18, False, "xmlrpc", 2, 1),
        # 19 with an API key: JSON-2, whose "login" is res.users.context_get.
        (19, True, "json2", 2, 1),
        # 19 without one: XML-RPC still works there (deprecated), so that is the fallback.
        (19, False, "xmlrpc", 2, 1),
    ],
)
def test_auto_detects_the_version_and_picks_the_protocol(
    sandboxes: Sandboxes, case: tuple[int, bool, str, int, int]
) -> None:
    version, api_key, protocol, ours, theirs = case
    sandbox = sandboxes[version]
    sandbox.reset_calls()
    extra: dict[str, Any] = {"api_key": SecretStr(sandbox.api_key)} if api_key else {}
    with OdooGateway.connect(settings_for(sandbox, "auto", **extra)) as gw:
        assert (gw.version, gw.protocol) == (version, protocol)
        assert gw.uid == 2
        assert (gw.calls, sandbox.calls()) == (ours, theirs)


@pytest.mark.parametrize("protocol", ["xmlrpc", "jsonrpc"])
def test_a_forced_protocol_is_used_on_19(sandboxes: Sandboxes, protocol: str) -> None:
    sandbox = sandboxes[19]
    sandbox.reset_calls()
    extra = {"api_key": SecretStr(sandbox.api_key)}
    with OdooGateway.connect(settings_for(sandbox, protocol, **extra)) as gw:
        assert gw.protocol == protocol
        gw.search_read("res.partner", [("id", "=", 1)], ["name"])
    assert sandbox.calls(protocol=protocol) == 3  # version, login, search_read
    assert sandbox.calls(protocol="json2") == 0


def test_json2_is_refused_before_19_and_without_an_api_key(sandboxes: Sandboxes) -> None:
    with pytest.raises(ConfigurationError, match="JSON-2 needs Odoo 19"):
        OdooGateway.connect(settings_for(sandboxes[18], "json2"))
    with pytest.raises(ConfigurationError, match="API key"):
        OdooGateway.connect(settings_for(sandboxes[19], "json2", api_key=None))


def test_rpc_without_a_database_name_is_a_configuration_error(sandboxes: Sandboxes) -> None:
    with pytest.raises(ConfigurationError, match="needs db"):
        OdooGateway.connect(settings_for(sandboxes[18], "xmlrpc", db=None))


@pytest.mark.parametrize(("version", "protocol"), [(17, "xmlrpc"), (18, "jsonrpc"), (19, "json2")])
def test_wrong_credentials_are_an_authentication_error(
    sandboxes: Sandboxes, version: int, protocol: str
) -> None:
    secret = SecretStr("not-the-secret")
    settings = settings_for(sandboxes[version], protocol, password=secret, api_key=secret)
    with pytest.raises(AuthenticationError):
        OdooGateway.connect(settings)


def test_a_bad_api_key_keeps_odoos_words(sandboxes: Sandboxes) -> None:
    settings = settings_for(sandboxes[19], "json2", api_key=SecretStr("revoked-key"))
    with pytest.raises(OdooAccessDeniedError) as caught:
        OdooGateway.connect(settings)
    assert caught.value.fault.message == "Invalid apikey"
    assert caught.value.fault.http_status == 401


# --- primitives: one RPC each, Odoo 19 names everywhere -------------------------------------------------------


def test_search_read_is_the_servers_single_call(gateway: OdooGateway, sandbox: OdooSandboxHandle) -> None:
    email = f"{unique('solo')}@example.com"
    [partner_id] = gateway.create("res.partner", [{"name": "Solo", "email": email}])
    with rpc_calls(gateway, sandbox, 1):
        rows = gateway.search_read("res.partner", [("email", "=", email)], ["name", "email"], limit=5)
    assert rows == [{"id": partner_id, "name": "Solo", "email": email}]
    assert sandbox.calls(model="res.partner", method="search") == 0


def test_create_read_write_many_records_in_one_call_each(
    gateway: OdooGateway, sandbox: OdooSandboxHandle
) -> None:
    names = [unique("multi") for _ in range(3)]
    with rpc_calls(gateway, sandbox, 1):
        ids = gateway.create("res.partner", [{"name": name} for name in names])
    with rpc_calls(gateway, sandbox, 1):
        gateway.write("res.partner", ids, {"comment": "imported"})
    with rpc_calls(gateway, sandbox, 1):
        rows = gateway.read("res.partner", list(reversed(ids)), ["name", "comment"])
    assert [row["name"] for row in rows] == list(reversed(names))
    assert {row["comment"] for row in rows} == {"imported"}
    with rpc_calls(gateway, sandbox, 0):
        assert gateway.read("res.partner", [], ["name"]) == []
        assert gateway.create("res.partner", []) == []
        gateway.write("res.partner", [], {"comment": "x"})


def test_callers_write_19_names_and_17_18_servers_get_theirs(
    gateway: OdooGateway, sandbox: OdooSandboxHandle, catalog: Catalog
) -> None:
    created = gateway.create_order(order_vals(catalog, unique("names")))
    lines = gateway.search_read(
        "sale.order.line", [("order_id", "=", created["id"])], ["tax_ids", "product_uom_id"], order="id"
    )
    assert [line["tax_ids"] for line in lines] == [[catalog.tax_id], []]
    assert all(line["product_uom_id"] for line in lines)
    stored_name = "tax_ids" if gateway.version >= 19 else "tax_id"
    [stored] = sandbox.read("sale.order.line", [("id", "=", lines[0]["id"])], [stored_name])
    assert stored[stored_name] == [catalog.tax_id]


def test_every_write_carries_the_sync_context_so_nothing_echoes_back(
    gateway: OdooGateway, sandbox: OdooSandboxHandle, catalog: Catalog
) -> None:
    echo = gateway.create_order(order_vals(catalog, unique("echo")))
    quiet = gateway.create_order(order_vals(catalog, unique("quiet")))
    sandbox.call("sale.order", "action_confirm", [echo["id"]])  # a user confirming in Odoo
    gateway.confirm_order(quiet["id"])  # the worker confirming
    rows = sandbox.read(
        "magento.outbox", [("sale_order_id", "in", [echo["id"], quiet["id"]])], ["sale_order_id"]
    )
    assert [row["sale_order_id"][0] for row in rows] == [echo["id"]]


# --- errors, as Odoo says them --------------------------------------------------------------------------------


def test_a_private_method_is_refused_with_odoos_message(gateway: OdooGateway, target: Target) -> None:
    with pytest.raises(OdooRejectedError) as caught:
        gateway.call("sale.order", "_create_invoices", ids=[1])
    assert caught.value.fault.short_name == "AccessError"
    name = "_create_invoices" if target.version == 17 else "'sale.order._create_invoices'"
    assert caught.value.fault.message == f"Private methods (such as {name}) cannot be called remotely."


def test_an_unknown_field_is_a_permanent_server_error(gateway: OdooGateway) -> None:
    with pytest.raises(OdooServerError) as caught:
        gateway.create("res.partner", [{"name": "X", "no_such_field": 1}])
    assert caught.value.fault.short_name == "ValueError"
    # 19 says "in 'res.partner'", 17/18 "on model 'res.partner'".
    assert re.fullmatch(
        r"Invalid field 'no_such_field' (in|on model) 'res.partner'", caught.value.fault.message
    )


def test_unknown_models_and_methods_are_permanent(gateway: OdooGateway) -> None:
    with pytest.raises(PermanentError, match=re.escape("no.such.model")):
        gateway.search_read("no.such.model", [], ["id"])
    with pytest.raises(PermanentError, match="no_such_method"):
        gateway.call("sale.order", "no_such_method", ids=[1])


def test_a_user_error_keeps_odoos_message(gateway: OdooGateway, catalog: Catalog) -> None:
    order = gateway.create_order(order_vals(catalog, unique("twice")))
    gateway.confirm_order(order["id"])
    with pytest.raises(OdooRejectedError) as caught:
        gateway.confirm_order(order["id"])
    assert caught.value.fault.message == "Some orders are not in a state requiring confirmation."
    assert str(caught.value) == (
        "sale.order.action_confirm: UserError: Some orders are not in a state requiring confirmation."
    )


def test_writing_a_deleted_record_is_not_found(gateway: OdooGateway) -> None:
    [partner_id] = gateway.create("res.partner", [{"name": unique("gone")}])
    gateway.call("res.partner", "unlink", ids=[partner_id])
    with pytest.raises(OdooMissingError):
        gateway.write("res.partner", [partner_id], {"name": "back"})


def test_a_serialization_failure_is_transient_and_writes_nothing(
    gateway: OdooGateway, sandbox: OdooSandboxHandle, target: Target
) -> None:
    name = unique("busy")
    sandbox.fail_serialization(times=1, model="res.partner", method="create")
    with pytest.raises(OdooConcurrencyError) as caught:
        gateway.create("res.partner", [{"name": name}])
    assert not isinstance(caught.value, OutcomeUnknownError)
    assert sandbox.read("res.partner", [("name", "=", name)]) == []
    assert gateway.create("res.partner", [{"name": name}])  # the retry goes through


def test_a_lost_answer_to_a_write_is_outcome_unknown_and_the_write_happened(
    gateway: OdooGateway, sandbox: OdooSandboxHandle
) -> None:
    name = unique("lost")
    sandbox.lose_response(times=1, model="res.partner", method="create")
    with pytest.raises(OutcomeUnknownError):
        gateway.create("res.partner", [{"name": name}])
    assert len(gateway.search_read("res.partner", [("name", "=", name)], ["id"])) == 1


def test_a_lost_answer_to_a_read_is_only_transient(gateway: OdooGateway, sandbox: OdooSandboxHandle) -> None:
    sandbox.lose_response(times=1, model="res.partner", method="search_read")
    with pytest.raises(TransientError) as caught:
        gateway.search_read("res.partner", [], ["id"], limit=1)
    assert not isinstance(caught.value, OutcomeUnknownError)


def test_a_refused_connection_is_transient_even_for_a_write(
    gateway: OdooGateway, sandbox: OdooSandboxHandle
) -> None:
    gateway.close()  # no kept-alive connection to ride on: the next call must connect
    sandbox.down(30, mode="refuse")
    try:
        with pytest.raises(TransientError) as caught:
            gateway.create("res.partner", [{"name": unique("refused")}])
    finally:
        sandbox.up()
    assert not isinstance(caught.value, OutcomeUnknownError)


def test_a_proxy_502_is_outcome_unknown_for_writes_and_transient_for_reads(
    gateway: OdooGateway, sandbox: OdooSandboxHandle
) -> None:
    sandbox.down(30, mode="502")
    try:
        with pytest.raises(OutcomeUnknownError, match="HTTP 502"):
            gateway.create("res.partner", [{"name": unique("proxy")}])
        with pytest.raises(TransientError) as read:
            gateway.search_read("res.partner", [], ["id"], limit=1)
    finally:
        sandbox.up()
    assert not isinstance(read.value, OutcomeUnknownError)


def test_xmlrpc_none_results_are_committed_and_can_be_discarded(
    gateway: OdooGateway, sandbox: OdooSandboxHandle, catalog: Catalog
) -> None:
    order = gateway.create_order(order_vals(catalog, unique("none")))
    gateway.confirm_order(order["id"])
    if gateway.protocol == "xmlrpc":
        with pytest.raises(OdooResultNotMarshalledError):
            gateway.call("sale.order", "action_lock", ids=[order["id"]])
    else:
        assert gateway.call("sale.order", "action_lock", ids=[order["id"]]) is None
    assert gateway.order_status([order["id"]])[0]["locked"] is True
    assert gateway.call("sale.order", "action_unlock", ids=[order["id"]], discard_result=True) is None
    assert gateway.order_status([order["id"]])[0]["locked"] is False


# --- timeouts -------------------------------------------------------------------------------------------------


def test_a_slow_write_times_out_as_outcome_unknown_and_still_lands(target: Target) -> None:
    sandbox, name = target.sandbox, unique("slow")
    sandbox.add_latency(1500, model="res.partner", method="create")
    with OdooGateway.connect(settings_for(sandbox, target.protocol, timeout=0.5)) as gw:
        started = time.monotonic()
        with pytest.raises(OutcomeUnknownError):
            gw.create("res.partner", [{"name": name}])
        assert time.monotonic() - started < 1.4
    deadline = time.monotonic() + 5
    while not sandbox.read("res.partner", [("name", "=", name)]) and time.monotonic() < deadline:
        time.sleep(0.05)
    assert len(sandbox.read("res.partner", [("name", "=", name)])) == 1


def test_a_slow_read_times_out_as_transient(target: Target) -> None:
    target.sandbox.add_latency(1500, model="res.partner", method="search_read")
    settings = settings_for(target.sandbox, target.protocol, timeout=0.5)
    with OdooGateway.connect(settings) as gw, pytest.raises(TransientError) as caught:
        gw.search_read("res.partner", [], ["id"], limit=1)
    assert not isinstance(caught.value, OutcomeUnknownError)


# --- connection reuse and threads ----------------------------------------------------------------------------


def test_json_protocols_keep_one_connection(sandboxes: Sandboxes) -> None:
    for version, protocol in [(18, "jsonrpc"), (19, "json2")]:
        with OdooGateway.connect(settings_for(sandboxes[version], protocol)) as gw:
            for _ in range(8):
                gw.search_read("res.country", [("code", "=", "US")], ["id"])
            assert gw.connections_opened == 1, protocol
            gw.close()  # drops the connection, not the session
            assert gw.search_read("res.country", [("code", "=", "US")], ["code"]) == [{"id": 1, "code": "US"}]
            assert gw.connections_opened == 2, protocol


def test_xmlrpc_keeps_one_connection(sandboxes: Sandboxes) -> None:
    with OdooGateway.connect(settings_for(sandboxes[18], "xmlrpc")) as gw:
        for _ in range(8):
            gw.search_read("res.country", [("code", "=", "US")], ["id"])
        assert gw.connections_opened == 1


def test_xmlrpc_opens_at_most_one_connection_per_call_when_the_server_closes(sandboxes: Sandboxes) -> None:
    sandboxes[18].close_connections(protocol="xmlrpc")  # a proxy that closes after every answer
    try:
        with OdooGateway.connect(settings_for(sandboxes[18], "xmlrpc")) as gw:
            for _ in range(4):
                gw.search_read("res.country", [("code", "=", "US")], ["id"])
            assert gw.connections_opened == gw.calls
    finally:
        sandboxes[18].clear_faults()


def test_one_gateway_serves_many_threads(gateway: OdooGateway, sandbox: OdooSandboxHandle) -> None:
    results: dict[int, list[Any]] = {}
    errors: list[BaseException] = []
    sandbox_before, gw_before, opened_before = sandbox.calls(), gateway.calls, gateway.connections_opened

    def work(n: int) -> None:
        try:
            results[n] = [
                gateway.search_read("res.country", [("code", "=", code)], ["code"])[0]["code"]
                for code in ("US", "DE", "FR")
            ]
        except BaseException as exc:  # surfaced below
            errors.append(exc)

    threads = [threading.Thread(target=work, args=(n,)) for n in range(4)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert errors == []
    assert all(codes == ["US", "DE", "FR"] for codes in results.values()) and len(results) == 4
    assert (gateway.calls - gw_before, sandbox.calls() - sandbox_before) == (12, 12)
    assert gateway.connections_opened - opened_before == 4  # one kept-alive connection per thread
