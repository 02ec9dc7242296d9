"""Every field, button and filter a view of the module names exists on the model the view is for."""

import ast
import xml.etree.ElementTree as ET
from collections.abc import Iterator

import pytest

from tests.odoo_addon.addon_data import (
    all_records,
    arch,
    context_group_by,
    domain_fields,
    expression_names,
    views,
)
from tests.odoo_addon.addon_source import field_relation, model_field_names, read_models

SUBVIEW_TAGS = {"list", "form", "kanban"}
EXPRESSION_ATTRIBUTES = ("invisible", "readonly", "required", "column_invisible")
VIEW_IDS = [view.xml_id for view in views()]


def _walk(element: ET.Element, model: str) -> Iterator[tuple[str, ET.Element]]:
    """(model, element) for each element of an arch, switching model inside x2many subviews."""
    yield model, element
    for child in element:
        if element.tag == "field" and child.tag in SUBVIEW_TAGS:
            comodel = field_relation(model, element.get("name", ""))
            assert comodel, f"{model}.{element.get('name')} has a subview but no comodel"
            yield from _walk(child, comodel)
        else:
            yield from _walk(child, model)


def _view(xml_id: str) -> tuple[str, ET.Element, bool]:
    view = next(view for view in views() if view.xml_id == xml_id)
    return view.field_text("model") or "", arch(view), view.field("inherit_id") is not None


def _elements_in_scope(root: ET.Element) -> Iterator[ET.Element]:
    """The elements of one (sub)view, without those of the x2many subviews nested in it."""
    yield root
    for child in root:
        if not (root.tag == "field" and child.tag in SUBVIEW_TAGS):
            yield from _elements_in_scope(child)


@pytest.mark.parametrize("xml_id", VIEW_IDS)
def test_every_field_a_view_names_exists_on_its_model(xml_id: str) -> None:
    # Given a view and the model it is for
    model, root, _inherited = _view(xml_id)

    # When we collect the fields it names: <field>, <label for>, filter domains and group-bys
    missing = []
    for current_model, element in _walk(root, model):
        names = set()
        if element.tag == "field":
            names.add(element.get("name", ""))
        if element.tag == "label" and element.get("for"):
            names.add(element.get("for", ""))
        for attribute in ("domain", "filter_domain"):
            if element.get(attribute):
                names |= domain_fields(element.get(attribute, ""))
        if element.tag == "filter" and element.get("context"):
            names |= set(context_group_by(element.get("context", "")))
        missing += [f"{current_model}.{name}" for name in names - model_field_names(current_model)]

    # Then every one of them exists (module fields from its Python, standard ones from Odoo 19)
    assert missing == []


@pytest.mark.parametrize("xml_id", VIEW_IDS)
def test_fields_read_by_view_expressions_are_in_the_view(xml_id: str) -> None:
    # Odoo 17+ refuses a view whose invisible/readonly/decoration expressions read a field that the
    # view does not contain. For an inherited view we insist on our own fragment holding them.
    model, root, _inherited = _view(xml_id)
    scopes = [root] + [element for _model, element in _walk(root, model) if element.tag in SUBVIEW_TAGS]
    problems = []
    for scope in scopes:
        elements = list(_elements_in_scope(scope))
        present = {element.get("name", "") for element in elements if element.tag == "field"} | {"id"}
        for element in elements:
            for attribute, expression in element.attrib.items():
                if attribute in EXPRESSION_ATTRIBUTES or attribute.startswith("decoration-"):
                    if expression.strip() in {"1", "0", "True", "False"}:
                        continue
                    problems += [
                        f"{attribute}={expression!r}: {name}"
                        for name in expression_names(expression) - present
                    ]
    assert problems == []


@pytest.mark.parametrize("xml_id", VIEW_IDS)
def test_object_buttons_call_public_methods_of_the_module(xml_id: str) -> None:
    # Given the object buttons of a view
    model, root, _inherited = _view(xml_id)
    buttons = [
        (m, e.get("name", ""))
        for m, e in _walk(root, model)
        if e.tag == "button" and e.get("type") == "object"
    ]

    # Then each calls a method without a leading underscore that the module defines on that model
    # (a private method is refused over RPC and from the web client alike)
    for button_model, method in buttons:
        assert not method.startswith("_"), method
        assert method in read_models()[button_model].methods, f"{button_model}.{method}"


def test_search_defaults_of_actions_name_filters_that_exist() -> None:
    # Given the window actions of the module and the filters of its search views
    filters: dict[str, set[str]] = {}
    for view in views():
        root = arch(view)
        if root.tag == "search":
            names = {element.get("name", "") for element in root.iter("filter")}
            filters.setdefault(view.field_text("model") or "", set()).update(names)

    for action in (record for record in all_records() if record.model == "ir.actions.act_window"):
        model = action.field_text("res_model") or ""
        context = ast.literal_eval(action.field_text("context") or "{}")
        # Then each search_default_<name> names a filter of that model, and the domain its fields
        for key in context:
            if key.startswith("search_default_"):
                assert key.removeprefix("search_default_") in filters.get(model, set()), (action.xml_id, key)
        domain = action.field_text("domain")
        if domain:
            assert domain_fields(domain) <= model_field_names(model), action.xml_id


def test_magento_orders_list_shows_the_columns_the_issue_asks_for() -> None:
    # Given the list of Magento > Sales > Orders
    model, root, _inherited = _view("magento2_connector.view_order_list_magento")
    shown = [e for e in root if e.tag == "field" and e.get("column_invisible") not in {"True", "1"}]
    labels = []
    for element in shown:
        if element.get("optional") == "hide":
            continue
        name = element.get("name", "")
        field = read_models()[model].fields.get(name)
        labels.append(element.get("string") or (field.string if field else name))

    # Then the default columns read, in order:
    assert labels == [
        "Number",
        "Magento",
        "Magento ID",
        "Magento Status",
        "Magento Invoice",
        "Magento Amount",
        "Magento Paid",
        "delivery_status",
        "Magento Instance",
        "Order Date",
    ]


def test_order_form_shows_each_button_only_when_it_applies() -> None:
    # Given the buttons the module adds to the order form
    _model, root, _inherited = _view("magento2_connector.view_order_form_magento")
    buttons = {e.get("name"): e for e in root.iter("button")}

    # Then Create shows for an order without Magento ID, Pull and Update for one with it
    assert buttons["action_magento_create"].get("invisible") == "magento_order_id"
    assert buttons["action_magento_pull"].get("invisible") == "not magento_order_id"
    assert buttons["action_magento_update"].get("invisible") == "not magento_order_id"
    assert [b.get("string") for b in buttons.values()] == [
        "Create in Magento",
        "Pull from Magento",
        "Update in Magento",
    ]


def test_outbox_views_offer_retry_on_failed_rows_and_filters_on_state() -> None:
    # Given the outbox list, form and search views
    for xml_id in (
        "magento2_connector.view_magento_outbox_list",
        "magento2_connector.view_magento_outbox_form",
    ):
        _model, root, _inherited = _view(xml_id)
        retry = next(e for e in root.iter("button") if e.get("name") == "action_retry")
        # Then Retry shows only on failed rows
        assert retry.get("invisible") == "state != 'failed'"
    _model, search, _inherited = _view("magento2_connector.view_magento_outbox_search")
    state_filters = {
        e.get("name") for e in search.iter("filter") if domain_fields(e.get("domain", "[]")) == {"state"}
    }
    assert {"pending", "queued", "done", "failed"} <= state_filters
