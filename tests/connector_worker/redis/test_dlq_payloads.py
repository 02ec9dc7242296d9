"""A dead letter of a pulled order keeps its payload: the kwargs a worker sees hold Decimal and datetime."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal

import redis
from kombu.utils.json import dumps, loads

from connector_worker.dlq import DeadLetter, DeadLetterStore
from connector_worker.redis_keys import RedisKeys


def test_a_pulled_orders_payload_is_stored_as_text(redis_client: redis.Redis, key_prefix: str) -> None:
    # given the kwargs of orders.sync as the worker decodes a pull's message (kombu restores the types)
    sent = {
        "instance": "shop",
        "entity_id": 3,
        "source": "pull",
        "order": {
            "grand_total": Decimal("13.71"),
            "updated_at": dt.datetime(2024, 5, 1, 10, 0, tzinfo=dt.UTC),
        },
    }
    kwargs = loads(dumps(sent))
    assert isinstance(kwargs["order"]["grand_total"], Decimal)
    store = DeadLetterStore(redis_client, RedisKeys(key_prefix))

    # when the task is dead-lettered
    entry_id = store.add(DeadLetter(reason="permanent", task="orders.sync", task_id="t-1", kwargs=kwargs))

    # then the letter is there with its payload, amounts and times as text
    stored = store.get(entry_id)
    assert stored is not None
    assert stored.kwargs["order"] == {"grand_total": "13.71", "updated_at": "2024-05-01T10:00:00+00:00"}
