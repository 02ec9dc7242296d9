"""Synced markers: the Magento ``updated_at`` last synced per order, so a re-read unchanged order costs
nothing (the pull's overlap re-reads every recent order on every run).

A marker is only an optimisation: losing it (TTL, Redis wipe) costs one idempotent re-sync, never an order.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Mapping, Sequence
from typing import Any

import redis

from connector_worker.redis_keys import ORDER_SYNCED_TTL_SECONDS, RedisKeys


def stamp(updated_at: Any) -> str:
    """The marker value of an ``updated_at`` (an aware datetime from the client, or its text)."""
    return updated_at.isoformat() if isinstance(updated_at, dt.datetime) else str(updated_at)


def changed_orders(
    client: redis.Redis, keys: RedisKeys, instance: str, orders: Sequence[Mapping[str, Any]]
) -> list[Mapping[str, Any]]:
    """The orders whose ``updated_at`` differs from the one last synced (one MGET for all)."""
    if not orders:
        return []
    marks = client.mget([keys.order_synced(instance, order["entity_id"]) for order in orders])
    return [order for order, mark in zip(orders, marks, strict=True) if not _same(mark, order)]


def is_synced(client: redis.Redis, keys: RedisKeys, instance: str, order: Mapping[str, Any]) -> bool:
    """True when this very ``updated_at`` of the order was synced already."""
    return _same(client.get(keys.order_synced(instance, order["entity_id"])), order)


def mark_synced(client: redis.Redis, keys: RedisKeys, instance: str, order: Mapping[str, Any]) -> None:
    """Remember the order's ``updated_at`` as synced (nothing to remember without one)."""
    if order.get("updated_at") is not None:
        key = keys.order_synced(instance, order["entity_id"])
        client.set(key, stamp(order["updated_at"]), ex=ORDER_SYNCED_TTL_SECONDS)


def _same(mark: Any, order: Mapping[str, Any]) -> bool:
    if mark is None or order.get("updated_at") is None:
        return False
    text = mark.decode() if isinstance(mark, bytes) else str(mark)
    return text == stamp(order["updated_at"])
