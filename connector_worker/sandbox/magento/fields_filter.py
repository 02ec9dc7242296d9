"""Partial responses: the ``fields`` query parameter, as Magento's ``Webapi\\Rest\\Response\\FieldsFilter`` reads it.

``fields=items[entity_id,billing_address[city]],total_count`` keeps those keys and drops the rest, at any
depth; a list is filtered item by item. Magento's quirks are kept, since a client must live with them:

* the parameter is applied only when PHP finds it truthy (absent, ``""`` and ``"0"`` leave the response whole);
* a selection with any character besides letters, digits, ``_``, ``[``, ``]`` and ``,``, or with a ``[``
  left open, turns a successful object or list answer into ``[]`` (scalar answers are left alone);
* a key selected bare keeps its whole value; a key the response lacks is simply absent;
* an *empty* list or object filtered by a nested selection comes back as ``null`` (``items: null`` on an
  empty page), and an object the filter left with no key as ``[]`` (PHP has one array type).
"""

from __future__ import annotations

import re
from typing import Any

FIELDS_PARAMETER = "fields"
FieldTree = dict[str, "FieldTree | None"]  # None: the key is kept whole

_ALLOWED = re.compile(r"[\w\[\],]+", re.ASCII)


def applies(selection: str | None) -> bool:
    """Whether Magento filters at all (``if ($request->getParam('fields'))``: PHP truthiness)."""
    return selection not in (None, "", "0")


def parse_fields(selection: str) -> FieldTree | None:
    """The selection as a tree of keys, or None when Magento would refuse it (and answer ``[]``)."""
    if not _ALLOWED.fullmatch(selection):
        return None
    stack: list[tuple[FieldTree, str | None]] = []
    current: FieldTree = {}
    name = ""
    last: str | None = None
    for char in selection:
        if char in "[],":
            if name:
                current[name] = None
                last = name
            name = ""
        if char == "[":
            stack.append((current, last))
            current = {}
        elif char == "]":
            if not stack:  # PHP pops an empty stack into null and goes on; the result has no such key
                current = {}
                continue
            parent, key = stack.pop()
            if key is not None:
                parent[key] = current
            current = parent
        elif char != ",":
            name += char
    if stack:
        return None
    if name:
        current[name] = None
    return current


def apply_fields(value: Any, tree: FieldTree) -> Any:
    """``value`` cut down to ``tree``: a dict keeps the selected keys, a list has each item cut down."""
    if isinstance(value, list | dict) and not value:
        return None  # PHP cannot tell an empty object from an empty list, and intersects neither
    if isinstance(value, list):
        return [_intersect(item, tree) if isinstance(item, dict) else item for item in value]
    if isinstance(value, dict):
        return _intersect(value, tree)
    return value


def _intersect(record: dict[str, Any], tree: FieldTree) -> dict[str, Any]:
    kept: dict[str, Any] = {}
    for key, item in record.items():
        if key not in tree:
            continue
        subtree = tree[key]
        kept[key] = (
            apply_fields(item, subtree) if subtree is not None and isinstance(item, dict | list) else item
        )
    return kept


def cut(value: Any, tree: FieldTree) -> Any:
    """``value`` cut down to ``tree``, rendered as PHP would: an object left with no key is ``[]``."""
    return _php_empties(apply_fields(value, tree))


def _php_empties(value: Any) -> Any:
    """PHP has one array type, so every object the filter emptied is written ``[]``, at any depth."""
    if isinstance(value, dict):
        return {key: _php_empties(item) for key, item in value.items()} if value else []
    if isinstance(value, list):
        return [_php_empties(item) for item in value]
    return value


def partial(payload: Any, selection: str) -> Any:
    """What Magento answers for ``payload`` with ``fields=selection``: only an object or a list is cut (the
    webapi checks ``is_array`` first), and an unreadable selection turns it into ``[]``."""
    if not isinstance(payload, dict | list):
        return payload
    tree = parse_fields(selection)
    return [] if tree is None else cut(payload, tree)
