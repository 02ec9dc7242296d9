"""Field-name translation between Odoo 19 (what callers write) and 17/18 (what those servers store).

Callers speak Odoo 19 names only; this module rewrites vals, x2many command tuples, field lists, web_read
specifications, domains and ``order`` strings for older servers, and renames result keys back.
Renames come from reference/odoo.md §3.5 and §4 (OpenUpgrade field diffs).
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Mapping, Sequence
from typing import Any

# Odoo 19 name -> name on older servers, per model, for the fields this connector touches.
_RENAMED_BEFORE_19: dict[str, dict[str, str]] = {
    "sale.order.line": {"tax_ids": "tax_id", "product_uom_id": "product_uom"},
}
_RENAMED_BEFORE_18: dict[str, dict[str, str]] = {
    "account.payment": {"memo": "ref"},  # 18 moved the payment's memo out of the move's ``ref``
}
# Relational fields whose values (command tuples, nested specs, nested records) belong to another model.
RELATIONS: dict[tuple[str, str], str] = {
    ("sale.order", "order_line"): "sale.order.line",
    ("sale.order", "invoice_ids"): "account.move",
    ("sale.order.line", "order_id"): "sale.order",
    ("res.partner", "child_ids"): "res.partner",
    ("res.partner", "parent_id"): "res.partner",
    ("account.move", "invoice_line_ids"): "account.move.line",
    ("account.move", "line_ids"): "account.move.line",
    ("account.move.line", "sale_line_ids"): "sale.order.line",
    ("account.payment.register", "line_ids"): "account.move.line",
}
_PRODUCT_MODELS = frozenset({"product.product", "product.template"})
_LOGICAL_OPERATORS = frozenset({"&", "|", "!"})
_SUBDOMAIN_OPERATORS = frozenset({"any", "not any"})
_ORDER_TERM = re.compile(r"^(?P<lead>\s*)(?P<field>[\w.]+)(?P<rest>.*)$", re.DOTALL)


class FieldNames:
    """Translates one server version's field names; a no-op on 19 and later."""

    def __init__(self, version: int) -> None:
        self.version = version
        renames: dict[str, dict[str, str]] = {}
        if version < 19:
            _merge(renames, _RENAMED_BEFORE_19)
        if version < 18:
            _merge(renames, _RENAMED_BEFORE_18)
        self._to_local = renames
        self._to_19 = {model: {v: k for k, v in names.items()} for model, names in renames.items()}

    def field(self, model: str, name: str) -> str:
        """The server's name for the Odoo 19 field ``name`` of ``model``."""
        return self._to_local.get(model, {}).get(name, name)

    def fields(self, model: str, names: Iterable[str]) -> list[str]:
        """A field list in the server's names."""
        return [self.field(model, name) for name in names]

    def path(self, model: str, dotted: str) -> str:
        """A dotted path (``order_line.tax_ids``) translated segment by segment along known relations."""
        out: list[str] = []
        current: str | None = model
        for segment in dotted.split("."):
            out.append(self.field(current, segment) if current else segment)
            current = RELATIONS.get((current, segment)) if current else None
        return ".".join(out)

    def vals(self, model: str, vals: Mapping[str, Any]) -> dict[str, Any]:
        """Create/write values in the server's names, including nested x2many commands."""
        out: dict[str, Any] = {}
        for name, value in vals.items():
            relation = RELATIONS.get((model, name))
            if relation is not None and isinstance(value, list | tuple):
                out[self.field(model, name)] = [self._command(relation, command) for command in value]
            else:
                out[self.field(model, name)] = value
        return self._version_values(model, out)

    def _command(self, relation: str, command: Any) -> Any:
        # (0, 0, vals) create and (1, id, vals) update carry values of the related model.
        is_list = isinstance(command, list | tuple)
        if is_list and len(command) == 3 and command[0] in (0, 1) and isinstance(command[2], Mapping):
            return [command[0], command[1], self.vals(relation, command[2])]
        return list(command) if isinstance(command, tuple) else command

    def _version_values(self, model: str, vals: dict[str, Any]) -> dict[str, Any]:
        """Values whose *meaning* changed, not just their name (reference odoo.md §4, §7.7, §7.13)."""
        if self.version >= 18:
            return vals
        if model == "account.tax" and "price_include_override" in vals:
            vals["price_include"] = vals.pop("price_include_override") == "tax_included"
        if model in _PRODUCT_MODELS and "is_storable" in vals:
            storable = vals.pop("is_storable")
            if storable and vals.get("type", "consu") == "consu":
                vals["type"] = "product"  # 17 tracks inventory with type 'product'
        return vals

    def domain(self, model: str, domain: Sequence[Any]) -> list[Any]:
        """A domain in the server's names (dotted paths and ``any`` sub-domains included)."""
        out: list[Any] = []
        for term in domain:
            if isinstance(term, str) and term in _LOGICAL_OPERATORS:
                out.append(term)
            elif isinstance(term, list | tuple) and len(term) == 3:
                field, operator, value = term
                if isinstance(field, str):
                    if operator in _SUBDOMAIN_OPERATORS and isinstance(value, list | tuple):
                        relation = self._relation_of(model, field)
                        value = self.domain(relation, value) if relation else list(value)
                    field = self.path(model, field)
                out.append([field, operator, value])
            else:
                out.append(term)
        return out

    def _relation_of(self, model: str, dotted: str) -> str | None:
        current: str | None = model
        for segment in dotted.split("."):
            current = RELATIONS.get((current, segment)) if current else None
        return current

    def order(self, model: str, order: str | None) -> str | None:
        """An ``order`` clause (``"product_uom_id desc, id"``) in the server's names."""
        if not order:
            return order
        terms = []
        for term in order.split(","):
            match = _ORDER_TERM.match(term)
            terms.append(
                f"{match['lead']}{self.path(model, match['field'])}{match['rest']}" if match else term
            )
        return ",".join(terms)

    def specification(self, model: str, spec: Mapping[str, Any]) -> dict[str, Any]:
        """A ``web_read``/``web_save`` specification (nested ``{"fields": {...}}``) in the server's names."""
        out: dict[str, Any] = {}
        for name, sub in spec.items():
            relation = RELATIONS.get((model, name))
            if relation and isinstance(sub, Mapping) and isinstance(sub.get("fields"), Mapping):
                out[self.field(model, name)] = {**sub, "fields": self.specification(relation, sub["fields"])}
            else:
                out[self.field(model, name)] = sub
        return out

    def record(self, model: str, record: Any) -> Any:
        """A record read from the server with its keys renamed back to Odoo 19 names (recursively)."""
        if not isinstance(record, dict):
            return record
        back = self._to_19.get(model, {})
        out: dict[str, Any] = {}
        for name, value in record.items():
            name19 = str(back.get(name, name))
            relation = RELATIONS.get((model, name19))
            out[name19] = value if relation is None else self.records(relation, value)
        return out

    def records(self, model: str, records: Any) -> Any:
        """Records (a list of dicts) renamed back to Odoo 19 names; other values pass through."""
        if not isinstance(records, list):
            return self.record(model, records)
        return [self.record(model, item) for item in records]


def _merge(into: dict[str, dict[str, str]], extra: Mapping[str, Mapping[str, str]]) -> None:
    for model, names in extra.items():
        into.setdefault(model, {}).update(names)
