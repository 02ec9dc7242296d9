"""The fields the sandbox serves: the genuine Odoo 19.0 ``fields_get`` dump, renamed for 17 and 18 where Odoo did.

``load_schema(version)`` is the one place that knows which field exists in which version; the ORM and
business code only ask the schema. Supplementary models (not in the dump) and the ``magento2_connector``
module's fields come from ``supplement.py``.
"""

from __future__ import annotations

import json
from dataclasses import dataclass, field
from functools import cache
from importlib import resources
from typing import Any

from connector_worker.sandbox.odoo import supplement
from connector_worker.sandbox.odoo.fielddef import FieldDef

SUPPORTED_VERSIONS = (17, 18, 19)
__all__ = ["FieldDef", "ModelDef", "load_schema", "version_info"]


@dataclass
class ModelDef:
    """A model: its fields, description, default order and the field that names a record."""

    name: str
    description: str
    fields: dict[str, FieldDef] = field(default_factory=dict)
    order: str = "id"
    rec_name: str | None = "name"
    # field on this model -> (parent model, many2one pointing at it): ``_inherits`` delegation.
    delegated: dict[str, tuple[str, str]] = field(default_factory=dict)


def _field_from_dump(model: str, name: str, raw: dict[str, Any]) -> FieldDef:
    selection = raw.get("selection")
    return FieldDef(
        name=name,
        type=raw["type"],
        string=raw["string"],
        required=bool(raw.get("required")),
        readonly=bool(raw.get("readonly")),
        store=bool(raw.get("store", True)),
        relation=raw.get("relation"),
        selection=tuple((str(k), str(v)) for k, v in selection) if selection is not None else None,
        inverse=supplement.ONE2MANY_INVERSES.get((model, name)),
    )


@cache
def _genuine_dump() -> dict[str, Any]:
    text = resources.files(__package__).joinpath("data/odoo-19.0-fields.json").read_text(encoding="utf-8")
    data: dict[str, Any] = json.loads(text)
    return data


def _rename(model: ModelDef, old: str, new: str) -> None:
    old_def = model.fields.pop(old)
    model.fields[new] = FieldDef(**{**old_def.__dict__, "name": new})


def _replace(model: ModelDef, name: str, **changes: Any) -> None:
    base = model.fields.get(name) or FieldDef(name=name, type=changes["type"], string=changes["string"])
    model.fields[name] = FieldDef(**{**base.__dict__, **changes})


def _apply_version(models: dict[str, ModelDef], version: int) -> None:
    """Undo, for 17 and 18, the field changes Odoo made later (reference odoo.md §3.5 and §4)."""
    if version >= 19:
        return
    line = models["sale.order.line"]
    _rename(line, "tax_ids", "tax_id")
    _rename(line, "product_uom_id", "product_uom")
    _replace(line, "display_type", selection=(("line_section", "Section"), ("line_note", "Note")))
    models["res.partner"].fields["mobile"] = FieldDef("mobile", "char", "Mobile")
    if version >= 18:
        return
    storable = (("consu", "Consumable"), ("service", "Service"), ("product", "Storable Product"))
    for name in ("product.template", "product.product"):
        models[name].fields.pop("is_storable", None)
        _replace(models[name], "type", selection=storable)
    tax = models["account.tax"]
    tax.fields.pop("price_include_override", None)
    _replace(tax, "price_include", type="boolean", string="Included in Price", readonly=False, store=True)
    payment = models["account.payment"]
    _rename(payment, "memo", "ref")
    _replace(payment, "ref", string="Reference")
    move_states = (("draft", "Draft"), ("posted", "Posted"), ("cancel", "Cancelled"))
    _replace(payment, "state", selection=move_states, readonly=True)


@cache
def _load(version: int) -> dict[str, ModelDef]:
    if version not in SUPPORTED_VERSIONS:
        raise ValueError(f"unsupported Odoo version {version}; choose one of {SUPPORTED_VERSIONS}")
    models: dict[str, ModelDef] = {}
    for name, raw_fields in _genuine_dump()["models"].items():
        meta = supplement.MODEL_META.get(name, supplement.ModelMeta(name))
        model = ModelDef(name, meta.description, order=meta.order, rec_name=meta.rec_name)
        model.fields = {fname: _field_from_dump(name, fname, raw) for fname, raw in raw_fields.items()}
        models[name] = model
    for name, meta in supplement.extra_models().items():
        model = ModelDef(name, meta.description, order=meta.order, rec_name=meta.rec_name)
        model.fields = {f.name: f for f in supplement.base_fields() + list(meta.fields)}
        models[name] = model
    for model_name, extra in supplement.module_fields().items():
        models[model_name].fields.update({f.name: f for f in extra})
    _apply_version(models, version)
    _link_delegation(models)
    return models


def _link_delegation(models: dict[str, ModelDef]) -> None:
    """product.product ``_inherits`` product.template: its non-stored template fields live on the template."""
    variant, template = models["product.product"], models["product.template"]
    for name, fdef in variant.fields.items():
        tdef = template.fields.get(name)
        if not fdef.store and tdef is not None and tdef.store and name not in {"id", "display_name"}:
            variant.delegated[name] = ("product.template", "product_tmpl_id")


def load_schema(version: int) -> dict[str, ModelDef]:
    """Every model the sandbox serves for ``version``; shared and cached, so callers must not mutate it."""
    return _load(version)


def version_info(version: int) -> dict[str, Any]:
    """What ``common.version()`` answers on a stock Odoo ``version``.0."""
    serie = f"{version}.0"
    return {
        "server_version": serie,
        "server_version_info": [version, 0, 0, "final", 0, ""],
        "server_serie": serie,
        "protocol_version": 1,
    }
