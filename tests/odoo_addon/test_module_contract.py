"""The module declares exactly the models, fields and constraints of the shared contract (ODOO_MODULE.md).

The worker's Odoo gateway and the Odoo sandbox follow the same list, so a drift here breaks them.
"""

from typing import Any

import pytest

from tests.odoo_addon.addon_source import Code, FieldDef, read_models

# field name -> (type, string, required, relation, selection, other options that must match)
Spec = tuple[str, str, bool, str | None, tuple[tuple[str, str], ...] | None, dict[str, Any]]

# fmt: off
INSTANCE: dict[str, Spec] = {
    "name": ("char", "Name", True, None, None, {}),
    "base_url": ("char", "Base URL", True, None, None, {}),
    "store_code": ("char", "Store Code", True, None, None, {"default": "default"}),
    "company_id": ("many2one", "Company", True, "res.company", None, {"default": Code("lambda self: self.env.company")}),
    "active": ("boolean", "Active", False, None, None, {"default": True}),
}
NO_COPY = {"copy": False}
SALE_ORDER: dict[str, Spec] = {
    "magento_instance_id": (
        "many2one", "Magento Instance", False, "magento.instance", None, {"index": True, "copy": False, "ondelete": "restrict"},
    ),
    "magento_order_id": ("char", "Magento ID", False, None, None, {"index": True, "copy": False}),
    "magento_increment_id": ("char", "Magento", False, None, None, NO_COPY),
    "magento_state": ("char", "Magento State", False, None, None, NO_COPY),
    "magento_status": ("char", "Magento Status", False, None, None, NO_COPY),
    "magento_invoice_status": (
        "selection", "Magento Invoice", False, None, (("invoiced", "Invoiced"), ("not_invoiced", "Not Invoiced")), NO_COPY,
    ),
    "magento_amount": ("monetary", "Magento Amount", False, None, None, {"currency_field": "currency_id", "copy": False}),
    "magento_paid": ("selection", "Magento Paid", False, None, (("paid", "Paid"), ("not_paid", "Not Paid")), NO_COPY),
    "magento_order_date": ("datetime", "Magento Order Date", False, None, None, NO_COPY),
    "magento_on_hold": ("boolean", "On Hold in Magento", False, None, None, NO_COPY),
    "magento_amount_mismatch": ("boolean", "Amount Mismatch", False, None, None, NO_COPY),
    "magento_sync_date": ("datetime", "Last Sync", False, None, None, NO_COPY),
    "magento_sync_error": ("text", "Last Sync Error", False, None, None, NO_COPY),
    "magento_outbox_ids": ("one2many", "Magento Outbox", False, "magento.outbox", None, {}),
}
PRODUCT: dict[str, Spec] = {
    "magento_product_id": ("char", "Magento Product ID", False, None, None, {"index": True, "copy": False}),
}
PARTNER: dict[str, Spec] = {
    "magento_customer_id": ("char", "Magento Customer ID", False, None, None, {"index": True, "copy": False}),
}
OUTBOX: dict[str, Spec] = {
    "instance_id": ("many2one", "Instance", True, "magento.instance", None, {"index": True, "ondelete": "cascade"}),
    "sale_order_id": ("many2one", "Sale Order", False, "sale.order", None, {"index": True, "ondelete": "cascade"}),
    "event": (
        "selection", "Event", True, None,
        (("create", "Create in Magento"), ("update", "Update in Magento"), ("pull", "Pull from Magento")), {},
    ),
    "trigger": (
        "selection", "Trigger", True, None,
        (
            ("button", "Button"), ("confirmed", "Order Confirmed"), ("cancelled", "Order Cancelled"),
            ("delivered", "Order Delivered"), ("invoiced", "Order Invoiced"),
        ),
        {"default": "button"},
    ),
    "state": (
        "selection", "State", True, None,
        (("pending", "Pending"), ("queued", "Queued"), ("done", "Done"), ("failed", "Failed")),
        {"default": "pending", "index": True},
    ),
    "attempts": ("integer", "Attempts", False, None, None, {"default": 0}),
    "last_error": ("text", "Last Error", False, None, None, {}),
    "payload": ("json", "Payload", False, None, None, {}),
    "date_queued": ("datetime", "Queued On", False, None, None, {}),
    "date_done": ("datetime", "Done On", False, None, None, {}),
}
# fmt: on
CONTRACT = {
    "magento.instance": INSTANCE,
    "sale.order": SALE_ORDER,
    "product.product": PRODUCT,
    "res.partner": PARTNER,
    "magento.outbox": OUTBOX,
}
FIELD_CASES = [(model, name) for model, fields in CONTRACT.items() for name in fields]


def test_the_module_defines_exactly_the_contract_models_and_fields() -> None:
    models = read_models()
    # stock.picking and account.move only gain behaviour (the delivered/invoiced triggers)
    assert set(models) == set(CONTRACT) | {"stock.picking", "account.move"}
    assert not models["stock.picking"].fields and not models["account.move"].fields
    for model, fields in CONTRACT.items():
        assert set(models[model].fields) == set(fields), model


@pytest.mark.parametrize(("model", "name"), FIELD_CASES, ids=[f"{m}.{n}" for m, n in FIELD_CASES])
def test_field_matches_the_contract(model: str, name: str) -> None:
    # Given the field as the module declares it
    field: FieldDef = read_models()[model].fields[name]
    kind, string, required, relation, selection, options = CONTRACT[model][name]

    # Then type, label, requiredness, comodel, selection and the listed options are the contract's
    assert (field.type, field.string, field.required, field.relation, field.selection) == (
        kind, string, required, relation, selection,
    )  # fmt: skip
    for option, value in options.items():
        assert field.options.get(option) == value, f"{model}.{name}: {option}"
    if field.type == "one2many":
        assert field.relation_field == "sale_order_id"


def test_new_models_carry_the_contract_description_and_order() -> None:
    models = read_models()
    assert models["magento.instance"].attributes == {
        "_name": "magento.instance", "_description": "Magento Instance", "_order": "name",
    }  # fmt: skip
    assert models["magento.outbox"].attributes == {
        "_name": "magento.outbox", "_description": "Magento Outbox", "_order": "id",
    }  # fmt: skip
    for inherited in ("sale.order", "product.product", "res.partner"):
        assert not models[inherited].is_new


@pytest.mark.parametrize(
    ("model", "name", "definition", "message"),
    [
        (
            "magento.instance",
            "name_uniq",
            "UNIQUE(name)",
            "A Magento instance with this name already exists.",
        ),
        (
            "sale.order",
            "magento_order_uniq",
            "UNIQUE(magento_instance_id, magento_order_id)",
            "A Magento order can be imported only once per instance.",
        ),
    ],
)
def test_unique_constraints_are_declared_for_odoo_18_and_19_alike(
    model: str, name: str, definition: str, message: str
) -> None:
    # Given the model's constraints in both declarations (19: models.Constraint, 18: _sql_constraints)
    declared = read_models()[model]

    # Then both declare the same constraint, which Odoo names "<table>_<name>" in the database
    assert declared.constraints_19 == {name: (definition, message)}
    assert declared.constraints_18 == {name: (definition, message)}


def test_the_contract_methods_exist_as_public_methods() -> None:
    models = read_models()
    for method in ("action_magento_create", "action_magento_pull", "action_magento_update"):
        assert method in models["sale.order"].methods
    for method in ("claim", "mark_done", "mark_failed", "action_retry"):
        assert method in models["magento.outbox"].methods
