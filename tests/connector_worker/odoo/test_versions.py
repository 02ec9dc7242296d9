"""Callers speak Odoo 19 field names; 17 and 18 servers get their own (reference odoo.md §3.5, §4)."""

from __future__ import annotations

import pytest

from connector_worker.odoo.versions import FieldNames

ORDER_VALS = {
    "partner_id": 7,
    "order_line": [
        (0, 0, {"product_id": 3, "product_uom_qty": 2, "product_uom_id": 1, "tax_ids": [(6, 0, [5])]}),
        (0, 0, {"display_type": "line_note", "name": "Gift message"}),
        (4, 12, 0),
    ],
}


def test_on_19_everything_passes_through_unchanged() -> None:
    names = FieldNames(19)
    assert names.vals("sale.order", ORDER_VALS)["order_line"][0][2]["tax_ids"] == [(6, 0, [5])]
    assert names.fields("sale.order.line", ["tax_ids", "product_uom_id"]) == ["tax_ids", "product_uom_id"]
    assert names.domain("sale.order", [("order_line.tax_ids", "in", [5])]) == [
        ["order_line.tax_ids", "in", [5]]
    ]


@pytest.mark.parametrize("version", [17, 18])
def test_order_lines_inside_create_commands_get_the_old_names(version: int) -> None:
    vals = FieldNames(version).vals("sale.order", ORDER_VALS)
    line = vals["order_line"][0][2]
    assert line == {"product_id": 3, "product_uom_qty": 2, "product_uom": 1, "tax_id": [(6, 0, [5])]}
    assert vals["order_line"][1] == [0, 0, {"display_type": "line_note", "name": "Gift message"}]
    assert vals["order_line"][2] == [4, 12, 0]
    assert vals["partner_id"] == 7


@pytest.mark.parametrize("version", [17, 18])
def test_update_commands_and_direct_line_writes_are_translated(version: int) -> None:
    names = FieldNames(version)
    vals = names.vals("sale.order", {"order_line": [[1, 40, {"tax_ids": [[6, 0, []]]}]]})
    assert vals == {"order_line": [[1, 40, {"tax_id": [[6, 0, []]]}]]}
    assert names.vals("sale.order.line", {"product_uom_id": 2}) == {"product_uom": 2}


def test_field_lists_order_clauses_and_domains_follow_relations() -> None:
    names = FieldNames(18)
    assert names.fields("sale.order.line", ["id", "tax_ids", "product_uom_id"]) == [
        "id",
        "tax_id",
        "product_uom",
    ]
    assert names.order("sale.order.line", "product_uom_id desc, id") == "product_uom desc, id"
    domain = ["|", ("order_line.tax_ids", "in", [5]), ("order_line", "any", [("product_uom_id", "=", 1)])]
    assert names.domain("sale.order", domain) == [
        "|",
        ["order_line.tax_id", "in", [5]],
        ["order_line", "any", [["product_uom", "=", 1]]],
    ]
    # tax_ids is tax_ids everywhere on account.move.line: only the known model is renamed.
    assert names.domain("account.move", [("invoice_line_ids.tax_ids", "=", 5)]) == [
        ["invoice_line_ids.tax_ids", "=", 5]
    ]


def test_web_read_specifications_are_translated_at_every_level() -> None:
    spec = {"name": {}, "order_line": {"fields": {"tax_ids": {}, "product_uom_id": {"fields": {"name": {}}}}}}
    assert FieldNames(17).specification("sale.order", spec) == {
        "name": {},
        "order_line": {"fields": {"tax_id": {}, "product_uom": {"fields": {"name": {}}}}},
    }


def test_results_come_back_in_19_names_nested_records_included() -> None:
    names = FieldNames(18)
    record = {"id": 1, "order_line": [{"id": 9, "tax_id": [5], "product_uom": 1}]}
    assert names.record("sale.order", record) == {
        "id": 1,
        "order_line": [{"id": 9, "tax_ids": [5], "product_uom_id": 1}],
    }
    assert names.records("sale.order.line", [{"tax_id": []}]) == [{"tax_ids": []}]
    assert names.records("sale.order.line", False) is False


def test_17_writes_the_price_included_flag_and_storable_type_its_own_way() -> None:
    names17, names18 = FieldNames(17), FieldNames(18)
    tax = {"amount": 15.0, "price_include_override": "tax_included"}
    assert names17.vals("account.tax", tax) == {"amount": 15.0, "price_include": True}
    assert names17.vals("account.tax", {"price_include_override": "tax_excluded"}) == {"price_include": False}
    assert names18.vals("account.tax", tax) == tax
    product = {"name": "Tee", "type": "consu", "is_storable": True}
    assert names17.vals("product.product", product) == {"name": "Tee", "type": "product"}
    assert names17.vals("product.template", {"type": "service", "is_storable": False}) == {"type": "service"}
    assert names18.vals("product.product", product) == product


def test_the_payment_memo_was_ref_on_17_only() -> None:
    assert FieldNames(17).fields("account.payment", ["memo"]) == ["ref"]
    assert FieldNames(17).record("account.payment", {"ref": "INV/1"}) == {"memo": "INV/1"}
    assert FieldNames(18).fields("account.payment", ["memo"]) == ["memo"]
