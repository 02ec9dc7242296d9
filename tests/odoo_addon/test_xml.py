"""The module's XML is well formed, written for Odoo 17+ views, and refers only to ids that exist."""

from collections import Counter
from pathlib import Path

import pytest

from tests.odoo_addon.addon_data import (
    KNOWN_EXTERNAL_IDS,
    MODULE,
    access_rows,
    all_records,
    arch,
    data_files,
    parse,
    records,
    references,
    views,
    xml_files,
)
from tests.odoo_addon.addon_source import ADDON_DIR

ALL_XML = sorted(ADDON_DIR.rglob("*.xml"))


@pytest.mark.parametrize("path", ALL_XML, ids=lambda path: path.name)
def test_xml_file_is_well_formed_odoo_data(path: Path) -> None:
    # Given a data file, parsed strictly
    root = parse(path)

    # Then it is an <odoo> document
    assert root.tag == "odoo"


@pytest.mark.parametrize("path", ALL_XML, ids=lambda path: path.name)
def test_xml_uses_no_pre_17_view_syntax(path: Path) -> None:
    # Odoo 17+ refuses attrs/states ("Since 17.0, the "attrs" and "states" attributes are no longer
    # used."), and 18 renamed <tree> to <list>.
    for element in parse(path).iter():
        assert element.tag != "tree", f"{path.name}: <tree> is <list> since Odoo 18"
        assert "attrs" not in element.attrib, f"{path.name}: attrs= on <{element.tag}>"
        assert "states" not in element.attrib, f"{path.name}: states= on <{element.tag}>"


def test_record_ids_are_unique() -> None:
    counts = Counter(record.xml_id for record in all_records())
    assert [xml_id for xml_id, count in counts.items() if count > 1] == []


def test_every_reference_is_defined_before_use_or_is_a_known_external_id() -> None:
    # Given the data files in the order Odoo loads them
    defined: set[str] = set()
    unknown: list[str] = []
    for path in data_files():
        if path.suffix == ".csv":
            _header, rows = access_rows()
            used = {f"{MODULE}.{row['model_id:id']}" for row in rows} | {
                row["group_id:id"] if "." in row["group_id:id"] else f"{MODULE}.{row['group_id:id']}"
                for row in rows
            }
            # model_<name> ids are created by Odoo for each model when the Python is loaded
            used = {xml_id for xml_id in used if not xml_id.startswith(f"{MODULE}.model_")}
            unknown += [f"{path.name}: {xml_id}" for xml_id in sorted(used - defined - KNOWN_EXTERNAL_IDS)]
            continue
        # When each record is loaded, what it refers to already exists
        for record in records(path):
            for xml_id in references(record.element):
                if xml_id not in defined and xml_id not in KNOWN_EXTERNAL_IDS:
                    unknown.append(f"{path.name}: {record.xml_id} -> {xml_id}")
            defined.add(record.xml_id)

    # Then nothing points at an id that does not exist at that moment
    assert unknown == []


def test_window_actions_use_list_not_tree() -> None:
    actions = [record for record in all_records() if record.model == "ir.actions.act_window"]
    assert actions
    for action in actions:
        modes = (action.field_text("view_mode") or "").split(",")
        assert modes[0] == "list" and "tree" not in modes, action.xml_id


def test_every_view_has_a_model_a_name_and_an_xml_arch() -> None:
    for view in views():
        assert view.field_text("model"), view.xml_id
        assert view.field_text("name"), view.xml_id
        arch(view)


def test_menus_form_the_magento_tree() -> None:
    # Given the menus, by id
    menus = {
        record.xml_id.split(".")[1]: record.element
        for record in records(ADDON_DIR / "views" / "magento_menus.xml")
    }

    # Then Magento > Sales > Orders, Magento > Outbox and Magento > Configuration > Instances exist
    def path_of(menu_id: str) -> list[str]:
        names: list[str] = []
        element = menus[menu_id]
        while True:
            names.insert(0, element.get("name", ""))
            parent = element.get("parent")
            if not parent:
                return names
            element = menus[parent]

    assert path_of("menu_magento_orders") == ["Magento", "Sales", "Orders"]
    assert path_of("menu_magento_outbox") == ["Magento", "Outbox"]
    assert path_of("menu_magento_instances") == ["Magento", "Configuration", "Instances"]
    assert menus["menu_magento_orders"].get("action") == "action_magento_orders"
    assert menus["menu_magento_instances"].get("action") == "action_magento_instances"
    assert menus["menu_magento_configuration"].get("groups") == "sales_team.group_sale_manager"
    # The web icon the root menu names ships with the module
    module, icon = menus["menu_magento_root"].get("web_icon", "").split(",")
    assert module == MODULE and (ADDON_DIR / icon).is_file()


def test_no_xml_file_outside_the_manifest_is_loaded_by_accident() -> None:
    assert set(ALL_XML) == set(xml_files())
