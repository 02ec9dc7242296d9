"""The Odoo sandbox serves exactly the fields the module declares, as Odoo would after installing it.

The worker is tested against the sandbox, so a field the sandbox has and the module lacks (or a
different label, type or selection) would let a test pass that fails on a real Odoo.
"""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any, Literal

import pytest

from tests.odoo_addon.addon_source import MAGIC_FIELDS, FieldDef, read_models
from tests.support.odoo_sandbox import OdooSandboxHandle, running_odoo_sandbox

ATTRIBUTES = ["type", "string", "required", "relation", "selection"]
MODULE_MODELS = sorted(name for name, model in read_models().items() if model.fields)
# The module targets 18.0 and 19.0; 19 is reached over JSON-2, 18 over XML-RPC, as the worker does.
PROTOCOLS: dict[int, Literal["xmlrpc", "json2"]] = {18: "xmlrpc", 19: "json2"}


@pytest.fixture(scope="module", params=sorted(PROTOCOLS), ids=lambda version: f"odoo{version}")
def odoo(request: pytest.FixtureRequest) -> Iterator[OdooSandboxHandle]:
    with running_odoo_sandbox(version=request.param) as handle:
        yield handle


def _fields_get(odoo: OdooSandboxHandle, model: str) -> dict[str, dict[str, Any]]:
    connection = odoo.connection(PROTOCOLS[odoo.version])
    served: dict[str, dict[str, Any]] = connection.get_model(model).fields_get(attributes=ATTRIBUTES)
    return served


def _expected(field: FieldDef) -> dict[str, Any]:
    """What fields_get reports for a field as the module declares it."""
    expected: dict[str, Any] = {"type": field.type, "string": field.string, "required": field.required}
    if field.relation:
        expected["relation"] = field.relation
    if field.selection is not None:
        expected["selection"] = [list(pair) for pair in field.selection]
    return expected


@pytest.mark.parametrize("model", MODULE_MODELS)
def test_sandbox_serves_each_module_field_as_declared(odoo: OdooSandboxHandle, model: str) -> None:
    # Given the fields the module declares on a model, read from its Python
    declared = read_models()[model].fields

    # When the sandbox is asked over RPC, as a client asks a real Odoo
    served = _fields_get(odoo, model)

    # Then each field is served with the module's type, label, requiredness, comodel and selection
    mismatches = {
        name: {"module": _expected(field), "sandbox": served.get(name)}
        for name, field in declared.items()
        if {key: value for key, value in (served.get(name) or {}).items() if key in ATTRIBUTES}
        != _expected(field)
    }
    assert mismatches == {}


@pytest.mark.parametrize("model", [name for name in MODULE_MODELS if read_models()[name].is_new])
def test_sandbox_serves_no_field_the_module_lacks_on_its_new_models(
    odoo: OdooSandboxHandle, model: str
) -> None:
    # Given a model the module creates: its fields are the declared ones plus Odoo's magic fields
    declared = set(read_models()[model].fields)

    # When the sandbox lists the model's fields
    served = set(_fields_get(odoo, model))

    # Then it has exactly those
    assert served - MAGIC_FIELDS == declared
    assert served >= MAGIC_FIELDS


def test_sandbox_serves_the_module_fields_on_the_models_the_module_extends(odoo: OdooSandboxHandle) -> None:
    for model in ("sale.order", "product.product", "res.partner"):
        module_fields = {name for name in _fields_get(odoo, model) if name.startswith("magento_")}
        assert module_fields == set(read_models()[model].fields), model
