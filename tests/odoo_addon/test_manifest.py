"""The module's manifest and file layout are what Odoo 18 and 19 need to install it."""

import ast
import re

from tests.odoo_addon.addon_data import data_files
from tests.odoo_addon.addon_source import ADDON_DIR, read_manifest


def test_manifest_is_a_literal_dict_with_the_keys_odoo_reads() -> None:
    # Given the manifest, parsed the way Odoo parses it (a Python literal)
    manifest = read_manifest()

    # Then it names, versions and licenses the module
    assert manifest["name"] == "Magento 2 Connector"
    # no series: Odoo prefixes its own, and refuses a version naming another series (one tree, 18 and 19)
    assert re.fullmatch(r"\d+\.\d+\.\d+", manifest["version"]), manifest["version"]
    assert manifest["license"] == "LGPL-3"
    assert manifest["author"]
    assert manifest["summary"] and "\n" not in manifest["summary"]
    assert manifest["application"] is True
    assert manifest.get("installable", True) is True
    assert "description" not in manifest, "the description is README.rst"


def test_manifest_depends_on_sales_delivery_and_invoicing() -> None:
    # sale_stock brings delivery_status; account brings invoices and their posting
    assert read_manifest()["depends"] == ["sale_management", "sale_stock", "account"]


def test_every_data_file_listed_exists_and_every_data_file_is_listed() -> None:
    # Given the data files the manifest lists
    listed = data_files()

    # Then each exists, none is listed twice, and no XML/CSV file is forgotten
    missing = [str(path) for path in listed if not path.is_file()]
    assert missing == []
    assert len(listed) == len(set(listed))
    on_disk = {
        path
        for folder in ("security", "views", "data")
        for path in (ADDON_DIR / folder).glob("*")
        if path.suffix in {".xml", ".csv"}
    }
    assert on_disk - set(listed) == set()


def test_data_files_load_groups_then_access_rights_then_views_then_menus() -> None:
    names = [path.relative_to(ADDON_DIR).as_posix() for path in data_files()]

    assert names[0] == "security/magento_security.xml"
    assert names[1] == "security/ir.model.access.csv"
    assert names[-1] == "views/magento_menus.xml"


def test_the_web_icon_and_readme_exist() -> None:
    icon = ADDON_DIR / "static" / "description" / "icon.png"
    assert icon.read_bytes().startswith(b"\x89PNG\r\n\x1a\n")
    readme = (ADDON_DIR / "README.rst").read_text(encoding="utf-8")
    for subject in ("group_magento_connector", "magento_connector_sync", "claim", "FOR UPDATE SKIP LOCKED"):
        assert subject in readme


def test_package_imports_every_model_file() -> None:
    # Given the python package of the module
    package = ast.parse((ADDON_DIR / "__init__.py").read_text(encoding="utf-8"))
    models_init = ast.parse((ADDON_DIR / "models" / "__init__.py").read_text(encoding="utf-8"))

    # Then the module imports its models package, and that package imports each model file
    def imported(tree: ast.Module) -> set[str]:
        return {
            alias.name for node in ast.walk(tree) if isinstance(node, ast.ImportFrom) for alias in node.names
        }

    assert imported(package) == {"models"}
    model_files = {path.stem for path in (ADDON_DIR / "models").glob("*.py") if path.stem != "__init__"}
    assert imported(models_init) == model_files
