"""Find the order a webhook is about, whatever shape the sender used; the rest of the payload is ignored.

The payload is only a hint: the sync task re-reads the order from Magento's REST API, so all we keep is
``entity_id`` (the REST id) and, when present, ``updated_at``, ``state`` and ``status`` (to tell one version
of an order from the next: ``updated_at`` has one-second resolution, so an order invoiced within the second
it was placed differs from the first event by its state or status only).
Supported shapes (reference/magento.md §5.1):

* the connector's signed format: ``{"event": ..., "instance": ..., "data": {"order": {...}}}``
* Adobe Commerce Webhooks, plugin hooks: ``{"order": {...}}``
* Adobe Commerce Webhooks, observer hooks: ``{"eventName": ..., "data": {"order"|"data_object": {...}}}``
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from typing import Any

# Where an order object may sit, tried in order; each path is a tuple of object keys.
ORDER_PATHS: tuple[tuple[str, ...], ...] = (
    ("data", "order"),
    ("data", "data_object"),
    ("order",),
)
MAX_UPDATED_AT_CHARS = 64  # Magento writes "YYYY-MM-DD HH:MM:SS"; anything far longer is not a timestamp
MAX_CODE_CHARS = (
    64  # state and status are codes ("processing", a custom status code of 32 characters at most)
)
MAX_ENTITY_ID = 2**63 - 1  # Magento's entity ids are unsigned INT; refuse what no database could hold


class PayloadError(ValueError):
    """The body is not JSON or names no order; the message is safe to return to the sender."""


@dataclass(frozen=True, slots=True)
class OrderHint:
    """The order a delivery is about: its REST ``entity_id`` and, if the sender gave them, ``updated_at``,
    ``state`` and ``status``."""

    entity_id: int
    updated_at: str | None = None
    state: str | None = None
    status: str | None = None


def parse_order_hint(body: bytes) -> OrderHint:
    """The :class:`OrderHint` carried by a webhook body, or :class:`PayloadError` saying what is missing."""
    try:
        document = json.loads(body)
    except (UnicodeDecodeError, json.JSONDecodeError) as exc:
        raise PayloadError(f"body is not valid JSON ({_short(exc)})") from None
    except ValueError:  # an integer longer than Python converts (4,300 digits): not an order
        raise PayloadError("body holds a number too long to read") from None
    except RecursionError:
        raise PayloadError("body is not valid JSON (nested too deeply)") from None
    if not isinstance(document, dict):
        raise PayloadError("body must be a JSON object")
    order = _find_order(document)
    if order is None:
        raise PayloadError(
            "no order in the payload (expected data.order, data.data_object or order with an entity_id)"
        )
    return OrderHint(
        entity_id=_entity_id(order),
        updated_at=_updated_at(order),
        state=_code(order, "state"),
        status=_code(order, "status"),
    )


def _find_order(document: dict[str, Any]) -> dict[str, Any] | None:
    for path in ORDER_PATHS:
        node: Any = document
        for key in path:
            node = node.get(key) if isinstance(node, dict) else None
        if isinstance(node, dict) and "entity_id" in node:
            return node
    return None


def _entity_id(order: dict[str, Any]) -> int:
    """``entity_id`` as a positive int; Adobe I/O and Liquid templates send numbers as strings."""
    value = order["entity_id"]
    if isinstance(value, str) and value.isascii() and value.strip().isdigit():
        if len(value.strip()) > len(str(MAX_ENTITY_ID)):
            raise PayloadError("order entity_id must be a positive integer")
        value = int(value.strip())
    if isinstance(value, bool) or not isinstance(value, int) or not 0 < value <= MAX_ENTITY_ID:
        raise PayloadError("order entity_id must be a positive integer")
    return value


def _updated_at(order: dict[str, Any]) -> str | None:
    value = order.get("updated_at")
    if value is None or value == "":
        return None
    if not isinstance(value, str) or len(value) > MAX_UPDATED_AT_CHARS:
        raise PayloadError("order updated_at must be a date-time string")
    return value


def _code(order: dict[str, Any], name: str) -> str | None:
    """``state`` or ``status`` as sent, when it is there (null and "" count as absent)."""
    value = order.get(name)
    if value is None or value == "":
        return None
    if not isinstance(value, str) or len(value) > MAX_CODE_CHARS:
        raise PayloadError(f"order {name} must be a code of at most {MAX_CODE_CHARS} characters")
    return value


def _short(exc: Exception) -> str:
    """A decode error's position, never the offending text (it may be anything the sender put there)."""
    if isinstance(exc, json.JSONDecodeError):
        return f"{exc.msg} at line {exc.lineno} column {exc.colno}"
    return "not UTF-8"
