"""Reads the Odoo module's data files (XML records, access CSV) in manifest order, for static tests."""

from __future__ import annotations

import ast
import csv
import re
import xml.etree.ElementTree as ET
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

from tests.odoo_addon.addon_source import ADDON_DIR, read_manifest

MODULE = ADDON_DIR.name
ACCESS_CSV = ADDON_DIR / "security" / "ir.model.access.csv"
ACCESS_HEADER = [
    "id",
    "name",
    "model_id:id",
    "group_id:id",
    "perm_read",
    "perm_write",
    "perm_create",
    "perm_unlink",
]

# External ids of other modules that this module refers to. Each exists, under this id, in both
# Odoo 18.0 and 19.0; a reference outside this list is a typo or needs checking on both series.
KNOWN_EXTERNAL_IDS = frozenset(
    {
        "base.group_multi_company",
        "base.group_partner_manager",
        "base.view_partner_form",
        "product.product_normal_form_view",
        "sale.view_order_form",
        "sales_team.group_sale_manager",
        "sales_team.group_sale_salesman",
        "sales_team.group_sale_salesman_all_leads",
        "account.group_account_invoice",
        "stock.group_stock_user",
    }
)

_EVAL_REF = re.compile(r"""ref\(\s*['"]([\w.]+)['"]\s*\)""")
_ACTION_REF = re.compile(r"%\(([\w.]+)\)d")


@dataclass(frozen=True)
class Record:
    """One `<record>` or `<menuitem>` of a data file."""

    xml_id: str
    model: str
    element: ET.Element
    source: Path

    def field(self, name: str) -> ET.Element | None:
        return next(
            (child for child in self.element if child.tag == "field" and child.get("name") == name), None
        )

    def field_text(self, name: str) -> str | None:
        element = self.field(name)
        return None if element is None else (element.text or "").strip()


def qualify(xml_id: str) -> str:
    """`view_x` in this module's files means `magento2_connector.view_x`."""
    return xml_id if "." in xml_id else f"{MODULE}.{xml_id}"


def data_files() -> list[Path]:
    return [ADDON_DIR / name for name in read_manifest()["data"]]


def xml_files() -> list[Path]:
    return [path for path in data_files() if path.suffix == ".xml"]


def parse(path: Path) -> ET.Element:
    return ET.parse(path).getroot()


def records(path: Path) -> list[Record]:
    found = []
    for element in parse(path).iter():
        if element.tag == "record":
            found.append(Record(qualify(element.get("id", "")), element.get("model", ""), element, path))
        elif element.tag == "menuitem":
            found.append(Record(qualify(element.get("id", "")), "ir.ui.menu", element, path))
    return found


def all_records() -> list[Record]:
    return [record for path in xml_files() for record in records(path)]


def views(model: str | None = None) -> list[Record]:
    return [
        r
        for r in all_records()
        if r.model == "ir.ui.view" and (model is None or r.field_text("model") == model)
    ]


def arch(view: Record) -> ET.Element:
    field = view.field("arch")
    assert field is not None and field.get("type") == "xml", f"{view.xml_id} has no XML arch"
    children = list(field)
    assert children, f"{view.xml_id}: empty arch"
    if len(children) == 1:
        return children[0]
    # Odoo's loader wraps several inheritance specs in a <data> element (convert._fix_multiple_roots).
    wrapper = ET.Element("data")
    wrapper.extend(children)
    return wrapper


def references(element: ET.Element) -> Iterator[str]:
    """Every external id an element (and its children) points to, qualified."""
    for node in element.iter():
        if node.tag == "field" and node.get("ref"):
            yield qualify(node.get("ref", ""))
        for match in _EVAL_REF.finditer(node.get("eval", "")):
            yield qualify(match.group(1))
        for group in filter(None, node.get("groups", "").split(",")):
            yield qualify(group.strip().removeprefix("!"))
        if node.tag == "menuitem":
            for attribute in ("parent", "action"):
                if node.get(attribute):
                    yield qualify(node.get(attribute, ""))
        for match in _ACTION_REF.finditer(node.get("name", "")):
            yield qualify(match.group(1))


def access_rows() -> tuple[list[str], list[dict[str, str]]]:
    with ACCESS_CSV.open(encoding="utf-8", newline="") as handle:
        reader = csv.DictReader(handle)
        return list(reader.fieldnames or []), list(reader)


def expression_names(expression: str) -> set[str]:
    """Field names a view expression (`invisible="not magento_order_id"`) reads."""
    tree = ast.parse(expression.strip(), mode="eval")
    ignored = {"parent", "context", "uid", "True", "False", "None", "today", "now"}
    return {node.id for node in ast.walk(tree) if isinstance(node, ast.Name) and node.id not in ignored}


def domain_fields(domain: str) -> set[str]:
    """First segment of every field path in a domain string such as `[('state', '=', 'done')]`."""
    tree = ast.parse(domain.strip(), mode="eval")
    names = set()
    for node in ast.walk(tree):
        if (
            isinstance(node, ast.Tuple)
            and len(node.elts) == 3
            and isinstance(node.elts[0], ast.Constant)
            and isinstance(node.elts[0].value, str)
        ):
            names.add(node.elts[0].value.split(".")[0])
    return names


def context_group_by(context: str) -> list[str]:
    """The field a search filter groups by (`context="{'group_by': 'state'}"`), if any."""
    value = ast.literal_eval(context.strip())
    group_by = value.get("group_by") if isinstance(value, dict) else None
    if not group_by:
        return []
    return [group_by] if isinstance(group_by, str) else list(group_by)
