"""``FieldDef``: one field as ``fields_get`` describes it (type, label, flags, relation, selection)."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any


@dataclass(frozen=True)
class FieldDef:
    """One field as ``fields_get`` describes it, plus the inverse of a one2many."""

    name: str
    type: str
    string: str
    required: bool = False
    readonly: bool = False
    store: bool = True
    relation: str | None = None
    selection: tuple[tuple[str, str], ...] | None = None
    inverse: str | None = None

    def describe(self, attributes: list[str] | None = None) -> dict[str, Any]:
        """The ``fields_get`` entry: only attributes that apply, filtered by ``attributes`` when given."""
        out: dict[str, Any] = {
            "type": self.type,
            "string": self.string,
            "required": self.required,
            "readonly": self.readonly,
            "store": self.store,
        }
        if self.relation:
            out["relation"] = self.relation
        if self.selection is not None:
            out["selection"] = [list(pair) for pair in self.selection]
        if attributes:
            out = {key: value for key, value in out.items() if key in attributes}
        return out

    @property
    def selection_keys(self) -> frozenset[str]:
        return frozenset(key for key, _label in self.selection or ())
