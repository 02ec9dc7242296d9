"""Reads the Odoo module's manifest and models from source with `ast`, so tests need no Odoo server.

Field labels follow Odoo's rule when a field has no `string`: the name without `_id`/`_ids`, with
spaces for underscores, title-cased (odoo/fields.py), which is what `fields_get` then reports.
"""

from __future__ import annotations

import ast
import json
from dataclasses import dataclass, field
from functools import cache
from pathlib import Path
from typing import Any

REPO_ROOT = Path(__file__).resolve().parents[2]
ADDON_DIR = REPO_ROOT / "odoo_addon" / "magento2_connector"
STANDARD_FIELDS_FILE = REPO_ROOT / "connector_worker" / "sandbox" / "odoo" / "data" / "odoo-19.0-fields.json"

# Odoo field class -> the `type` that fields_get reports for it.
FIELD_TYPES = {
    "Boolean": "boolean",
    "Integer": "integer",
    "Float": "float",
    "Monetary": "monetary",
    "Char": "char",
    "Text": "text",
    "Html": "html",
    "Date": "date",
    "Datetime": "datetime",
    "Binary": "binary",
    "Selection": "selection",
    "Json": "json",
    "Many2one": "many2one",
    "One2many": "one2many",
    "Many2many": "many2many",
}
# Positional parameters of each field class, in Odoo's order (the rest take `string` first).
POSITIONAL = {
    "Selection": ("selection", "string"),
    "Many2one": ("comodel_name", "string"),
    "One2many": ("comodel_name", "inverse_name", "string"),
    "Many2many": ("comodel_name", "relation", "column1", "column2", "string"),
}
# Fields every model has without declaring them.
MAGIC_FIELDS = frozenset({"id", "display_name", "create_date", "create_uid", "write_date", "write_uid"})


class Code(str):
    """Source text of a keyword value that is not a literal (a lambda default, say)."""


@dataclass(frozen=True)
class FieldDef:
    """One field as declared in the module, in the terms `fields_get` uses."""

    name: str
    type: str
    string: str
    required: bool
    relation: str | None
    relation_field: str | None
    selection: tuple[tuple[str, str], ...] | None
    options: dict[str, Any]


@dataclass
class ModelDef:
    """What one model class (new or inherited) of the module declares."""

    name: str
    is_new: bool
    source: Path
    attributes: dict[str, Any] = field(default_factory=dict)
    fields: dict[str, FieldDef] = field(default_factory=dict)
    methods: dict[str, ast.FunctionDef] = field(default_factory=dict)
    constraints_19: dict[str, tuple[str, str]] = field(default_factory=dict)
    constraints_18: dict[str, tuple[str, str]] = field(default_factory=dict)


def default_label(name: str) -> str:
    """The label Odoo gives a field declared without `string`."""
    base = name.removesuffix("_ids") if name.endswith("_ids") else name.removesuffix("_id")
    return base.replace("_", " ").title()


def read_manifest(addon_dir: Path = ADDON_DIR) -> dict[str, Any]:
    manifest = ast.literal_eval((addon_dir / "__manifest__.py").read_text(encoding="utf-8"))
    assert isinstance(manifest, dict)
    return manifest


@cache
def read_models(addon_dir: Path = ADDON_DIR) -> dict[str, ModelDef]:
    """Every model the module defines or extends, keyed by model name."""
    models: dict[str, ModelDef] = {}
    for source in sorted((addon_dir / "models").glob("*.py")):
        module = ast.parse(source.read_text(encoding="utf-8"), filename=str(source))
        constants = _module_constants(module)
        for node in module.body:
            if isinstance(node, ast.ClassDef):
                model = _read_model_class(node, source, constants)
                if model is not None:
                    assert model.name not in models, f"{model.name} is declared twice"
                    models[model.name] = model
    return models


@cache
def standard_fields() -> dict[str, dict[str, Any]]:
    """fields_get of standard models from a genuine Odoo 19 (without this module)."""
    data = json.loads(STANDARD_FIELDS_FILE.read_text(encoding="utf-8"))
    models = data["models"]
    assert isinstance(models, dict)
    return models


def model_field_names(model: str) -> set[str]:
    """All field names a view may use on `model`: standard, magic and the module's own."""
    names = set(MAGIC_FIELDS) | set(standard_fields().get(model, {}))
    module_model = read_models().get(model)
    if module_model is not None:
        names |= set(module_model.fields)
    return names


def field_relation(model: str, name: str) -> str | None:
    """The comodel of a relational field, from the module or the standard field list."""
    module_model = read_models().get(model)
    if module_model is not None and name in module_model.fields:
        return module_model.fields[name].relation
    relation = standard_fields().get(model, {}).get(name, {}).get("relation")
    return relation if isinstance(relation, str) else None


def _module_constants(module: ast.Module) -> dict[str, Any]:
    constants: dict[str, Any] = {}
    for node in module.body:
        if isinstance(node, ast.Assign) and len(node.targets) == 1 and isinstance(node.targets[0], ast.Name):
            try:
                constants[node.targets[0].id] = ast.literal_eval(node.value)
            except ValueError:
                continue
    return constants


def _value(node: ast.expr, constants: dict[str, Any]) -> Any:
    if isinstance(node, ast.Name) and node.id in constants:
        return constants[node.id]
    if isinstance(node, ast.Tuple):
        return tuple(_value(element, constants) for element in node.elts)
    if isinstance(node, ast.List):
        return [_value(element, constants) for element in node.elts]
    try:
        return ast.literal_eval(node)
    except ValueError:
        return Code(ast.unparse(node))


def _read_model_class(node: ast.ClassDef, source: Path, constants: dict[str, Any]) -> ModelDef | None:
    attributes: dict[str, Any] = {}
    for statement in node.body:
        if isinstance(statement, ast.Assign) and isinstance(statement.targets[0], ast.Name):
            target = statement.targets[0].id
            if target in {"_name", "_inherit", "_description", "_order"}:
                attributes[target] = _value(statement.value, constants)
    name = attributes.get("_name") or attributes.get("_inherit")
    if not isinstance(name, str):
        return None
    model = ModelDef(name=name, is_new="_name" in attributes, source=source, attributes=attributes)
    _read_class_body(node.body, model, constants)
    return model


def _read_class_body(body: list[ast.stmt], model: ModelDef, constants: dict[str, Any]) -> None:
    for statement in body:
        if isinstance(statement, ast.If):
            # `if hasattr(models, "Constraint"):` holds the Odoo 19 declarations, `else:` Odoo 18's.
            _read_class_body(statement.body, model, constants)
            _read_class_body(statement.orelse, model, constants)
        elif isinstance(statement, ast.FunctionDef):
            model.methods[statement.name] = statement
        elif isinstance(statement, ast.Assign) and isinstance(statement.targets[0], ast.Name):
            _read_assignment(statement.targets[0].id, statement.value, model, constants)


def _read_assignment(target: str, value: ast.expr, model: ModelDef, constants: dict[str, Any]) -> None:
    if not isinstance(value, ast.Call) or not isinstance(value.func, ast.Attribute):
        if target == "_sql_constraints":
            for name, definition, message in _value(value, constants):
                model.constraints_18[name] = (definition, message)
        return
    owner = value.func.value
    if not isinstance(owner, ast.Name):
        return
    if owner.id == "models" and value.func.attr == "Constraint":
        definition, message = (_value(arg, constants) for arg in value.args)
        model.constraints_19[target.removeprefix("_")] = (definition, message)
    elif owner.id == "fields":
        model.fields[target] = _read_field(target, value, constants)


def _read_field(name: str, call: ast.Call, constants: dict[str, Any]) -> FieldDef:
    assert isinstance(call.func, ast.Attribute)
    kind = call.func.attr
    params = dict(zip(POSITIONAL.get(kind, ("string",)), call.args, strict=False))
    params.update({keyword.arg: keyword.value for keyword in call.keywords if keyword.arg})
    options = {key: _value(node, constants) for key, node in params.items()}
    selection = options.pop("selection", None)
    return FieldDef(
        name=name,
        type=FIELD_TYPES[kind],
        string=options.pop("string", None) or default_label(name),
        required=bool(options.pop("required", False)),
        relation=options.pop("comodel_name", None),
        relation_field=options.pop("inverse_name", None),
        selection=tuple((str(key), str(label)) for key, label in selection) if selection else None,
        options=options,
    )
