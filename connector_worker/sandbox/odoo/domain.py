"""Odoo search domains and ``order`` specs evaluated in memory, with Odoo's NULL semantics.

Supports ``&``, ``|``, ``!``, the comparison, ``in`` and ``like`` families, dotted paths through relational
fields (any-semantics), and the TRUE/FALSE leaves. An unknown field fails with Odoo's message.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Iterable
from dataclasses import dataclass
from functools import lru_cache
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from connector_worker.sandbox.odoo.orm import Env
    from connector_worker.sandbox.odoo.schema import FieldDef

OPERATORS = frozenset(
    {
        "=",
        "!=",
        "<>",
        "<",
        "<=",
        ">",
        ">=",
        "in",
        "not in",
        "like",
        "not like",
        "ilike",
        "not ilike",
        "=like",
        "=ilike",
    }
)
NEGATIVE = frozenset({"!=", "<>", "not in", "not like", "not ilike"})
TRUE_LEAF, FALSE_LEAF = (1, "=", 1), (0, "=", 1)


@dataclass(frozen=True)
class Leaf:
    path: tuple[str, ...]
    operator: str
    value: Any
    text: str  # the leaf as Odoo prints it in messages


@dataclass(frozen=True)
class Node:
    operator: str  # "&", "|", "!"
    children: tuple[Node | Leaf | bool, ...]


Tree = Node | Leaf | bool


def _normalize(domain: Iterable[Any]) -> list[Any]:
    """Odoo's ``normalize_domain``: make implicit ``&`` explicit."""
    result: list[Any] = []
    expected = 1
    for item in domain:
        if expected == 0:
            result[0:0] = ["&"]
            expected = 1
        if item in ("&", "|"):
            expected += 1
        elif item != "!":
            expected -= 1
        result.append(item)
    return result


def parse(domain: Any) -> Tree:
    """Parse a domain into a tree (``True`` for an empty domain)."""
    tokens = _normalize(domain or [])
    if not tokens:
        return True
    position = 0

    def take() -> Tree:
        nonlocal position
        if position >= len(tokens):
            raise ValueError(f"Invalid domain {domain!r}")
        item = tokens[position]
        position += 1
        if item in ("&", "|"):
            return Node(item, (take(), take()))
        if item == "!":
            return Node("!", (take(),))
        return _leaf(item)

    tree = take()
    if position != len(tokens):
        raise ValueError(f"Invalid domain {domain!r}")
    return tree


def _leaf(token: Any) -> Leaf | bool:
    if not isinstance(token, list | tuple) or len(token) != 3:
        raise ValueError(f"Invalid leaf {token!r}")
    as_tuple = tuple(token)
    if as_tuple == TRUE_LEAF:
        return True
    if as_tuple == FALSE_LEAF:
        return False
    path, operator, value = as_tuple
    if not isinstance(path, str) or operator not in OPERATORS:
        raise ValueError(f"Invalid leaf {as_tuple!r}")
    return Leaf(tuple(path.split(".")), "!=" if operator == "<>" else operator, value, repr(as_tuple))


@lru_cache(maxsize=512)
def _like_regex(pattern: str, insensitive: bool) -> re.Pattern[str]:
    out, escaped = [], False
    for char in pattern:
        if escaped:
            out.append(re.escape(char))
            escaped = False
        elif char == "\\":
            escaped = True
        elif char == "%":
            out.append(".*")
        elif char == "_":
            out.append(".")
        else:
            out.append(re.escape(char))
    return re.compile("".join(out), re.DOTALL | (re.IGNORECASE if insensitive else 0))


def _like(text: str, operator: str, value: Any) -> bool:
    pattern = str(value)
    if operator in ("like", "ilike", "not like", "not ilike"):
        pattern = f"%{pattern}%"
    return _like_regex(pattern, "ilike" in operator).fullmatch(text) is not None


def _scalar_match(fdef: FieldDef, raw: Any, operator: str, value: Any) -> bool:  # noqa: PLR0911  (a branch per operator)
    if fdef.type == "boolean":
        raw = bool(raw)
        if operator in ("=", "!="):
            return bool((raw == bool(value)) == (operator == "="))
        if operator in ("in", "not in"):
            return (raw in [bool(v) for v in value]) == (operator == "in")
    elif raw == "":
        raw = None
    if operator == "=":
        return (raw is None) if value is False or value is None else raw == value
    if operator == "!=":
        return (raw is not None) if value is False or value is None else raw != value
    if operator in ("in", "not in"):
        values = list(value) if isinstance(value, list | tuple) else [value]
        hit = raw in values or (raw is None and (False in values or None in values))
        return hit if operator == "in" else not hit
    if operator in ("like", "ilike", "=like", "=ilike"):
        if value is False or value is None or value == "":
            return operator in ("like", "ilike")
        return raw is not None and _like(str(raw), operator, value)
    if operator in ("not like", "not ilike"):
        return raw is None or not _like(str(raw), operator, value)
    if raw is None or value is False or value is None:
        return False
    return bool(_COMPARE[operator](raw, value))


_COMPARE: dict[str, Callable[[Any, Any], bool]] = {
    "<": lambda a, b: a < b,
    "<=": lambda a, b: a <= b,
    ">": lambda a, b: a > b,
    ">=": lambda a, b: a >= b,
}


class Evaluator:
    """Evaluates a parsed domain against records of one model through an ``Env``."""

    def __init__(self, env: Env, model: str) -> None:
        self.env = env
        self.model = model

    def match(self, record: dict[str, Any], tree: Tree, model: str | None = None) -> bool:
        model = model or self.model
        if isinstance(tree, bool):
            return tree
        if isinstance(tree, Node):
            if tree.operator == "!":
                return not self.match(record, tree.children[0], model)
            if tree.operator == "&":
                return all(self.match(record, child, model) for child in tree.children)
            return any(self.match(record, child, model) for child in tree.children)
        return self._leaf(record, tree, model, 0)

    def field(self, model: str, name: str, leaf: Leaf) -> FieldDef:
        fdef = self.env.schema[model].fields.get(name)
        if fdef is None:
            word = "condition" if self.env.version >= 19 else "leaf"
            raise ValueError(f"Invalid field {model}.{name} in {word} {leaf.text}")
        return fdef

    def _leaf(self, record: dict[str, Any], leaf: Leaf, model: str, depth: int) -> bool:
        fdef = self.field(model, leaf.path[depth], leaf)
        raw = self.env.value(model, record, fdef.name)
        if depth + 1 < len(leaf.path):
            if fdef.type not in ("many2one", "one2many", "many2many") or not fdef.relation:
                raise ValueError(f"Invalid field {model}.{fdef.name} in leaf {leaf.text}")
            related = [raw] if fdef.type == "many2one" and raw else list(raw or [])
            for rec_id in related:
                child = self.env.store.get(fdef.relation, rec_id)
                if child is not None and self._leaf(child, leaf, fdef.relation, depth + 1):
                    return True
            return False
        if fdef.type in ("many2one", "one2many", "many2many"):
            return self._relational(fdef, raw, leaf)
        return _scalar_match(fdef, raw, leaf.operator, leaf.value)

    def _relational(self, fdef: FieldDef, raw: Any, leaf: Leaf) -> bool:
        ids = ([raw] if raw else []) if fdef.type == "many2one" else list(raw or [])
        operator, value = leaf.operator, leaf.value
        if isinstance(value, str) or (operator not in ("=", "!=", "in", "not in")):
            assert fdef.relation is not None
            names = [self.env.display_name(fdef.relation, rec_id) for rec_id in ids]
            if operator in NEGATIVE:
                positive = {"!=": "=", "not in": "in", "not like": "like", "not ilike": "ilike"}[operator]
                return not any(_scalar_match(fdef, name, positive, value) for name in names)
            return any(_scalar_match(fdef, name, operator, value) for name in names)
        if operator in ("=", "!="):
            hit = not ids if value is False or value is None else value in ids
        else:
            values = list(value) if isinstance(value, list | tuple) else [value]
            hit = any(rec_id in values for rec_id in ids) or (not ids and False in values)
        return hit if operator in ("=", "in") else not hit


def parse_order(env: Env, model: str, order: str | None) -> list[tuple[str, bool]]:
    """``"name desc, id"`` -> ``[("name", True), ("id", False)]``; unknown fields fail as in Odoo."""
    spec = order or env.schema[model].order
    terms: list[tuple[str, bool]] = []
    for part in spec.split(","):
        words = part.strip().split()
        if not words:
            continue
        if len(words) > 2 or (len(words) == 2 and words[1].lower() not in ("asc", "desc")):
            raise ValueError(
                f'Invalid "order" specified ({spec}). A valid "order" specification is a comma-separated list '
                "of valid field names (optionally followed by asc/desc for the direction)"
            )
        name = words[0]
        if name not in env.schema[model].fields:
            if order is None:
                continue  # a default order naming a field the sandbox does not serve
            raise ValueError(env.invalid_field_message(model, name))
        terms.append((name, len(words) == 2 and words[1].lower() == "desc"))
    return terms or [("id", False)]


def sort_records(env: Env, model: str, records: list[dict[str, Any]], terms: list[tuple[str, bool]]) -> None:
    """Sort in place like PostgreSQL: NULLs last ascending, first descending; ``id`` breaks ties."""
    records.sort(key=lambda rec: rec["id"])
    for name, descending in reversed(terms):

        def key(rec: dict[str, Any], name: str = name) -> tuple[int, Any]:
            raw = env.value(model, rec, name)
            if isinstance(raw, list):
                raw = raw[0] if raw else None
            if raw is None or (raw is False and env.schema[model].fields[name].type != "boolean"):
                return (1, 0)
            return (0, raw.lower() if isinstance(raw, str) else raw)

        records.sort(key=key, reverse=descending)
