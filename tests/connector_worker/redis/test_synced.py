"""Synced markers on a real Redis: an unchanged order is skipped, any change the sync acts on is not."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal
from typing import Any

import redis
from kombu.utils.json import dumps, loads

from connector_worker.redis_keys import RedisKeys
from connector_worker.synced import (
    changed_orders,
    is_superseded,
    is_synced,
    mark_synced,
    synced_version,
    version,
)

UPDATED = dt.datetime(2026, 5, 1, 10, 0, 0, tzinfo=dt.UTC)


def _order(**changes: Any) -> dict[str, Any]:
    order: dict[str, Any] = {
        "entity_id": 42,
        "updated_at": UPDATED,
        "created_at": UPDATED,
        "state": "new",
        "status": "pending",
        "grand_total": Decimal("117.5800"),
        "total_due": Decimal("117.5800"),
    }
    return {**order, **changes}


def test_the_version_synced_is_skipped_and_a_later_one_is_not(
    redis_client: redis.Redis, key_prefix: str
) -> None:
    keys = RedisKeys(key_prefix)
    mark_synced(redis_client, keys, "shop", _order())

    assert is_synced(redis_client, keys, "shop", _order())
    later = _order(updated_at=UPDATED + dt.timedelta(seconds=1))
    assert changed_orders(redis_client, keys, "shop", [_order(), later]) == [later]


def test_an_invoice_within_the_same_second_is_a_new_version(
    redis_client: redis.Redis, key_prefix: str
) -> None:
    # given the order synced while new
    keys = RedisKeys(key_prefix)
    mark_synced(redis_client, keys, "shop", _order())
    # when Magento invoices it in the same second (updated_at unchanged)
    invoiced = _order(
        state="processing",
        status="processing",
        total_paid=Decimal("117.58"),
        total_invoiced=Decimal("117.58"),
    )
    # then it is not taken for the version already synced
    assert not is_synced(redis_client, keys, "shop", invoiced)
    assert changed_orders(redis_client, keys, "shop", [invoiced]) == [invoiced]


def test_the_version_survives_the_trip_through_a_task_message_and_number_formats() -> None:
    order = _order(total_paid=Decimal("117.5800"))
    through_celery = loads(dumps(order))  # type: ignore[no-untyped-call]
    as_floats = {**order, "grand_total": 117.58, "total_due": 117.58, "total_paid": 117.58}
    as_text = {**order, "updated_at": UPDATED.isoformat(), "created_at": UPDATED.isoformat()}

    assert version(through_celery) == version(order) == version(as_floats) == version(as_text)
    assert version(_order(updated_at=None)) is None


def test_nothing_is_remembered_without_updated_at(redis_client: redis.Redis, key_prefix: str) -> None:
    keys = RedisKeys(key_prefix)
    mark_synced(redis_client, keys, "shop", _order(updated_at=None))

    assert synced_version(redis_client, keys, "shop", 42) is None
    assert not is_synced(redis_client, keys, "shop", _order(updated_at=None))


def test_a_payload_older_than_the_version_synced_is_superseded(
    redis_client: redis.Redis, key_prefix: str
) -> None:
    # given a later version of the order synced already (say by a webhook, while a pull's copy waited)
    keys = RedisKeys(key_prefix)
    newer = _order(updated_at=UPDATED + dt.timedelta(seconds=5), state="processing", status="processing")
    mark_synced(redis_client, keys, "shop", newer)
    mark = synced_version(redis_client, keys, "shop", 42)
    # then an older payload, or one of the same second with other content, is superseded
    assert is_superseded(mark, _order())
    assert is_superseded(mark, {**newer, "state": "holded"})
    # and neither the very version synced nor a later one is, nor an order never synced
    assert not is_superseded(mark, newer)
    later = _order(updated_at=UPDATED + dt.timedelta(seconds=9), state="complete")
    assert not is_superseded(mark, later)
    assert not is_superseded(synced_version(redis_client, keys, "shop", 43), _order(entity_id=43))
