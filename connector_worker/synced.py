"""Synced markers: which version of each Magento order was last synced, so a re-read unchanged order costs
nothing (the pull's overlap re-reads every recent order on every run).

A version is ``updated_at`` *and* a fingerprint of what the sync acts on (state, status, totals):
``updated_at`` has second precision, so an invoice made in the second of the last sync leaves it unchanged,
and a marker keyed on it alone would hide that change from every later pull (and from a webhook sender that
sends no state). A marker is only an optimisation: losing it (TTL, Redis wipe)
costs one idempotent re-sync, never an order.
"""

from __future__ import annotations

import datetime as dt
import hashlib
from collections.abc import Mapping, Sequence
from decimal import Decimal, InvalidOperation
from typing import Any

import redis

from connector_worker.redis_keys import ORDER_SYNCED_TTL_SECONDS, RedisKeys
from mappers.fields import VERSION_FIELDS

FINGERPRINT_CHARS = 16  # 64 bits of SHA-256: a collision between two versions of one order is not a concern


def stamp(updated_at: Any) -> str:
    """The text of an ``updated_at`` (an aware datetime from the client, or its text)."""
    return updated_at.isoformat() if isinstance(updated_at, dt.datetime) else str(updated_at)


def version(order: Mapping[str, Any]) -> str | None:
    """The marker value of this version of ``order`` (None when it has no ``updated_at``)."""
    if order.get("updated_at") is None:
        return None
    canonical = "\x1f".join(f"{name}={_canonical(order.get(name))}" for name in VERSION_FIELDS)
    digest = hashlib.sha256(canonical.encode("utf-8")).hexdigest()[:FINGERPRINT_CHARS]
    return f"{stamp(order['updated_at'])}|{digest}"


def _canonical(value: Any) -> str:
    """One text per value whatever the transport made of it (Decimal, float or int; datetime or text)."""
    if value is None:
        return ""
    if isinstance(value, bool):
        return str(value)
    if isinstance(value, int | float | Decimal):
        try:
            return format(Decimal(str(value)).normalize(), "f")
        except InvalidOperation:
            return str(value)
    return stamp(value)


def changed_orders(
    client: redis.Redis, keys: RedisKeys, instance: str, orders: Sequence[Mapping[str, Any]]
) -> list[Mapping[str, Any]]:
    """The orders whose version differs from the one last synced (one MGET for all)."""
    if not orders:
        return []
    marks = client.mget([keys.order_synced(instance, order["entity_id"]) for order in orders])
    return [order for order, mark in zip(orders, marks, strict=True) if not _same(mark, order)]


def is_synced(client: redis.Redis, keys: RedisKeys, instance: str, order: Mapping[str, Any]) -> bool:
    """True when this very version of the order was synced already."""
    return _same(client.get(keys.order_synced(instance, order["entity_id"])), order)


def mark_synced(client: redis.Redis, keys: RedisKeys, instance: str, order: Mapping[str, Any]) -> None:
    """Remember this version of the order as synced (nothing to remember without an ``updated_at``)."""
    value = version(order)
    if value is not None:
        client.set(keys.order_synced(instance, order["entity_id"]), value, ex=ORDER_SYNCED_TTL_SECONDS)


def forget_synced(
    client: redis.Redis, keys: RedisKeys, instance: str, entity_ids: Sequence[int | str]
) -> None:
    """Drop the orders' markers in one round trip, so their next syncs act even on a version synced before
    (the reconcile found Odoo out of line with them)."""
    if entity_ids:
        client.delete(*(keys.order_synced(instance, entity_id) for entity_id in entity_ids))


def synced_version(client: redis.Redis, keys: RedisKeys, instance: str, entity_id: int | str) -> str | None:
    """The marker of the version last synced, or None."""
    raw = client.get(keys.order_synced(instance, entity_id))
    if raw is None:
        return None
    return raw.decode() if isinstance(raw, bytes) else str(raw)


def is_superseded(mark: str | None, order: Mapping[str, Any]) -> bool:
    """True when ``mark`` (:func:`synced_version`) is another version of the order, updated in the same
    second or later: this payload (queued by a pull, kept in a retry or a dead letter, read before a wait)
    may be stale."""
    current = version(order)
    if mark is None or current is None or mark == current:
        return False
    synced_at, _, _ = mark.partition("|")
    try:
        return _moment(synced_at) >= _moment(stamp(order["updated_at"]))
    except ValueError:
        return True  # an unreadable marker: re-reading the order is the safe side


def _moment(text: str) -> dt.datetime:
    moment = dt.datetime.fromisoformat(text)
    return moment if moment.tzinfo is not None else moment.replace(tzinfo=dt.UTC)


def _same(mark: Any, order: Mapping[str, Any]) -> bool:
    expected = version(order)
    if mark is None or expected is None:
        return False
    text = mark.decode() if isinstance(mark, bytes) else str(mark)
    return text == expected
