"""The ORM surface over RPC: §7.16's exact answers, domains, web_save, commands, transactions, concurrency."""

from __future__ import annotations

import threading
import xmlrpc.client
from typing import Any

import httpx
import pytest

from tests.connector_worker.sandbox_odoo.helpers import make_partner, make_product
from tests.support.odoo_sandbox import OdooSandboxHandle


def _execute(odoo: OdooSandboxHandle, model: str, method: str, *args: Any, **kwargs: Any) -> Any:
    with xmlrpc.client.ServerProxy(f"{odoo.url}/xmlrpc/2/object", allow_none=True) as proxy:
        return proxy.execute_kw(odoo.db, 2, odoo.password, model, method, list(args), kwargs)


def _fault(odoo: OdooSandboxHandle, model: str, method: str, *args: Any, **kwargs: Any) -> tuple[int, str]:
    with pytest.raises(xmlrpc.client.Fault) as fault:
        _execute(odoo, model, method, *args, **kwargs)
    code, text = fault.value.faultCode, fault.value.faultString
    return code, (text.rstrip().splitlines()[-1] if code == 1 else text)


def test_exact_answers_to_common_mistakes_on_19(odoo19: OdooSandboxHandle) -> None:
    assert _fault(odoo19, "res.partner", "create", {"no_such_field": 1}) == (
        1,
        "ValueError: Invalid field 'no_such_field' in 'res.partner'",
    )
    assert _fault(odoo19, "product.product", "create", {"name": "x", "type": "product"}) == (
        1,
        "ValueError: Wrong value for product.template.type: 'product'",
    )
    assert _fault(odoo19, "sale.order", "create", {}) == (
        2,
        "The operation cannot be completed: Missing required value for the field 'Customer' (partner_id).",
    )
    assert _fault(odoo19, "res.partner", "search", [("nope", "=", 1)]) == (
        1,
        "ValueError: Invalid field res.partner.nope in condition ('nope', '=', 1)",
    )


def test_missing_required_field_on_17_and_18_uses_the_not_null_text(odoo17: OdooSandboxHandle) -> None:
    code, text = _fault(odoo17, "sale.order", "create", {})
    assert code == 2
    assert text.startswith(
        "The operation cannot be completed:\n- Create/update: a mandatory field is not set."
    )
    assert "Model: Sales Order (sale.order)\nField: Customer (partner_id)" in text
    assert _fault(odoo17, "res.partner", "create", {"no_such_field": 1}) == (
        1,
        "ValueError: Invalid field 'no_such_field' on model 'res.partner'",
    )


def test_version_specific_fields(odoo: OdooSandboxHandle) -> None:
    line = _execute(odoo, "sale.order.line", "fields_get", [], ["type", "relation"])
    product_type = _execute(odoo, "product.product", "fields_get", ["type"], ["selection"])["type"][
        "selection"
    ]
    partner = _execute(odoo, "res.partner", "fields_get", [], ["type"])
    if odoo.version >= 19:
        assert {"tax_ids", "product_uom_id"} <= line.keys() and "tax_id" not in line
        assert "mobile" not in partner
    else:
        assert line["tax_id"] == {"type": "many2many", "relation": "account.tax"} and "tax_ids" not in line
        assert "mobile" in partner
    if odoo.version == 17:
        assert ["product", "Storable Product"] in product_type
    else:
        assert [key for key, _ in product_type] == ["consu", "service", "combo"]


def test_read_of_a_missing_id_is_empty_and_search_finds_nothing(odoo: OdooSandboxHandle) -> None:
    assert _execute(odoo, "sale.order", "read", [999999], ["name"]) == []
    assert _execute(odoo, "sale.order", "search", [("id", "=", 999999)]) == []


def test_domains_operators_paths_order_limit(odoo19: OdooSandboxHandle) -> None:
    odoo19.reset()
    conn = odoo19.connection("xmlrpc")
    be = conn.get_model("res.country").search([("code", "=", "BE")])[0]
    ids = [
        make_partner(conn, "Alice_A", "alice@x.com"),
        make_partner(conn, "alice%b", "ALICE@Y.com"),
        make_partner(conn, "Bob", "bob@x.com"),
    ]
    conn.get_model("res.partner").write([ids[2]], {"country_id": be, "active": False})
    search = conn.get_model("res.partner").search
    assert search([("name", "=like", "Alice_%")]) == [ids[0]]
    assert sorted(search([("name", "=ilike", "alice_%")])) == ids[:2]  # "_" is a wildcard, as in SQL
    assert search([("email", "=", "alice@y.com")]) == []  # "=" is case-sensitive
    assert search([("email_normalized", "=", "alice@y.com")]) == [ids[1]]
    assert search([("name", "ilike", "ALICE"), ("id", "in", ids)], 0, 0, "id desc") == [ids[1], ids[0]]
    assert search(["|", ("name", "=", "Bob"), ("name", "=", "Alice_A")]) == [ids[0]]  # Bob is archived
    assert search([("name", "=", "Bob")], context={"active_test": False}) == [ids[2]]
    assert search([("country_id.code", "=", "BE"), ("active", "=", False)]) == [ids[2]]
    assert search(["!", ("name", "ilike", "alice"), ("id", "in", ids)]) == []
    assert search([("id", "in", ids)], 1, 1, "id asc") == [ids[1]]
    assert conn.get_model("res.partner").search_count([("id", "in", ids)]) == 2


def test_web_save_creates_and_reads_back_in_one_call(odoo: OdooSandboxHandle) -> None:
    conn = odoo.connection("jsonrpc")
    partner = make_partner(conn)
    product = make_product(conn, odoo.version, "Pen", 2.5)
    odoo.reset_calls()
    rows = conn.get_model("sale.order").web_save(
        [],
        {"partner_id": partner, "order_line": [[0, 0, {"product_id": product, "product_uom_qty": 4}]]},
        {
            "name": {},
            "amount_total": {},
            "state": {},
            "partner_id": {"fields": {"display_name": {}}},
            "order_line": {},
        },
    )
    assert odoo.calls(model="sale.order") == 1
    row = rows[0]
    assert row["name"].startswith("S") and row["state"] == "draft" and row["amount_total"] == 11.5
    assert row["partner_id"] == {"id": partner, "display_name": "Jane Doe"}
    assert len(row["order_line"]) == 1


def test_commands_replace_and_remove_lines(odoo19: OdooSandboxHandle) -> None:
    conn = odoo19.connection("xmlrpc")
    product = make_product(conn, 19, "Nail", 1.0)
    orders = conn.get_model("sale.order")
    order = orders.create(
        {"partner_id": make_partner(conn), "order_line": [(0, 0, {"product_id": product})] * 3}
    )
    first, second, third = orders.read(order, ["order_line"])["order_line"]
    orders.write(
        [order],
        {"order_line": [(1, first, {"product_uom_qty": 5}), (2, second, 0), [0, 0, {"product_id": product}]]},
    )
    lines = conn.get_model("sale.order.line").search_read([("order_id", "=", order)], ["product_uom_qty"])
    assert [line["product_uom_qty"] for line in lines] == [5.0, 1.0, 1.0] and second not in [
        line["id"] for line in lines
    ]
    orders.write([order], {"order_line": [(6, 0, [third])]})
    assert orders.read(order, ["order_line"])["order_line"] == [third]
    orders.write([order], {"order_line": [(5, 0, 0)]})
    assert orders.read(order, ["order_line"])["order_line"] == []


def test_a_failing_call_leaves_nothing_behind(odoo19: OdooSandboxHandle) -> None:
    before = odoo19.read("res.partner", [("name", "=", "Half written")])
    with pytest.raises(xmlrpc.client.Fault):
        _execute(
            odoo19, "res.partner", "create", [{"name": "Half written"}, {"name": "Half written", "nope": 1}]
        )
    assert odoo19.read("res.partner", [("name", "=", "Half written")]) == before == []


def test_create_answers_an_id_for_a_dict_and_ids_for_a_list(odoo: OdooSandboxHandle) -> None:
    assert isinstance(_execute(odoo, "res.partner", "create", {"name": "One"}), int)
    assert len(_execute(odoo, "res.partner", "create", [{"name": "A"}, {"name": "B"}])) == 2


def test_message_post_and_context_get(odoo: OdooSandboxHandle) -> None:
    partner = _execute(odoo, "res.partner", "create", {"name": "Chatty"})
    posted = _execute(odoo, "res.partner", "message_post", [partner], body="Synced from Magento")
    assert isinstance(posted, list) if odoo.version >= 19 else isinstance(posted, int)
    assert _execute(odoo, "res.users", "context_get")["uid"] == 2


def test_name_search(odoo: OdooSandboxHandle) -> None:
    rows = _execute(odoo, "res.country", "name_search", "Germ")
    assert [name for _id, name in rows] == ["Germany"]


def test_concurrent_calls_are_serialized_safely(odoo19: OdooSandboxHandle) -> None:
    results: list[int] = []

    def create(index: int) -> None:
        with httpx.Client(timeout=30) as client:
            response = client.post(
                f"{odoo19.url}/json/2/res.partner/create",
                json={"vals_list": [{"name": f"Parallel {index}"}]},
                headers={"Authorization": f"Bearer {odoo19.api_key}"},
            )
            results.extend(response.json())

    threads = [threading.Thread(target=create, args=(i,)) for i in range(20)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert len(set(results)) == 20
    assert len(odoo19.read("res.partner", [("name", "=like", "Parallel %")], ["id"])) == 20
