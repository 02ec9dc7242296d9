"""The dead-letter stream: what goes in comes out whole, replay removes only after a successful send and
never sends a stale order payload."""

from __future__ import annotations

import dataclasses

import pytest
import redis

from connector_worker.dlq import MAX_MESSAGE_CHARS, Attempt, DeadLetter, DeadLetterStore, replay
from connector_worker.log import REDACTED, register_secrets
from connector_worker.redis_keys import RedisKeys


def _letter(instance: str = "shop", entity_id: str = "42") -> DeadLetter:
    return DeadLetter(
        reason="permanent: MappingError",
        task="orders.sync",
        task_id="t-1",
        kwargs={"instance": instance, "entity_id": int(entity_id)},
        attempts=(Attempt(1, "2024-05-01T10:00:00.000+00:00", "MappingError", "unknown SKU 'X'"),),
        instance=instance,
        entity_id=entity_id,
        queue="orders.webhook",
    )


def test_a_dead_letter_reads_back_whole(redis_client: redis.Redis, key_prefix: str) -> None:
    store = DeadLetterStore(redis_client, RedisKeys(key_prefix))
    entry_id = store.add(_letter())
    stored = store.get(entry_id)
    assert stored is not None
    assert stored.id == entry_id
    assert stored.kwargs == {"instance": "shop", "entity_id": 42}
    assert stored.attempts == _letter().attempts
    assert (stored.task, stored.reason, stored.instance, stored.entity_id, stored.queue) == (
        "orders.sync",
        "permanent: MappingError",
        "shop",
        "42",
        "orders.webhook",
    )
    assert store.count() == 1


def test_list_filters_by_instance_and_pages(redis_client: redis.Redis, key_prefix: str) -> None:
    store = DeadLetterStore(redis_client, RedisKeys(key_prefix))
    ids = [store.add(_letter("a" if n % 2 else "b", str(n))) for n in range(7)]
    assert [letter.id for letter in store.list()] == ids
    assert [letter.entity_id for letter in store.list(instance="a")] == ["1", "3", "5"]
    first_page = store.list(count=3)
    second_page = store.list(count=3, after=first_page[-1].id or "")
    assert [letter.id for letter in first_page + second_page] == ids[:6]


def test_the_stream_is_capped(redis_client: redis.Redis, key_prefix: str) -> None:
    store = DeadLetterStore(redis_client, RedisKeys(key_prefix), max_len=10)
    for n in range(300):
        store.add(_letter(entity_id=str(n)))
    # MAXLEN ~ trims whole nodes: close to the cap, never unbounded
    assert store.count() < 300


def test_messages_are_scrubbed_and_truncated() -> None:
    register_secrets(["hunter2-secret"])
    attempt = Attempt.from_exception(1, RuntimeError("login hunter2-secret failed " + "x" * 5000))
    assert "hunter2-secret" not in attempt.message
    assert REDACTED in attempt.message
    assert len(attempt.message) <= MAX_MESSAGE_CHARS + 1


def test_replay_removes_the_entry_once_sent(redis_client: redis.Redis, key_prefix: str) -> None:
    store = DeadLetterStore(redis_client, RedisKeys(key_prefix))
    entry_id = store.add(_letter())
    sent: list[DeadLetter] = []
    assert replay(store, entry_id, sent.append) is True
    assert [letter.task_id for letter in sent] == ["t-1"]
    assert store.get(entry_id) is None


def test_replay_keeps_the_entry_when_the_send_fails(redis_client: redis.Redis, key_prefix: str) -> None:
    store = DeadLetterStore(redis_client, RedisKeys(key_prefix))
    entry_id = store.add(_letter())

    def broken_send(_: DeadLetter) -> None:
        raise ConnectionError("broker down")

    with pytest.raises(ConnectionError):
        replay(store, entry_id, broken_send)
    assert store.get(entry_id) is not None


def test_replay_of_an_unknown_id_sends_nothing(redis_client: redis.Redis, key_prefix: str) -> None:
    store = DeadLetterStore(redis_client, RedisKeys(key_prefix))
    sent: list[DeadLetter] = []
    assert replay(store, "1-0", sent.append) is False
    assert sent == []


def test_replay_of_a_sync_drops_the_order_payload_it_carried(
    redis_client: redis.Redis, key_prefix: str
) -> None:
    # given a sync dead-lettered by a pull, with the order as Magento returned it then, and a pull
    store = DeadLetterStore(redis_client, RedisKeys(key_prefix))
    payload = {"entity_id": 42, "state": "new", "updated_at": "2024-05-01 10:00:00"}
    kwargs = {"instance": "shop", "entity_id": 42, "source": "pull", "order": payload, "outbox_id": 7}
    sync = store.add(dataclasses.replace(_letter(), kwargs=kwargs))
    window = {"instance": "shop", "since": "2024-05-01T10:00:00+00:00", "until": "2024-05-01T11:00:00+00:00"}
    pull = store.add(dataclasses.replace(_letter(), task="orders.pull", task_id="t-2", kwargs=window))
    sent: list[DeadLetter] = []
    # when both are replayed
    assert replay(store, sync, sent.append) and replay(store, pull, sent.append)
    # then the sync goes without the payload (it re-reads Magento) and keeps the rest; the pull is whole
    assert [letter.kwargs for letter in sent] == [
        {"instance": "shop", "entity_id": 42, "source": "pull", "outbox_id": 7},
        window,
    ]
    assert store.count() == 0


def test_add_once_stores_one_letter_per_task_id_with_its_fields(
    redis_client: redis.Redis, key_prefix: str
) -> None:
    store = DeadLetterStore(redis_client, RedisKeys(key_prefix))
    letter = DeadLetter(
        reason="permanent error: unknown SKU 'X'",
        task="orders.sync",
        task_id="t-once",
        kwargs={"instance": "shop", "entity_id": 7},
        instance="shop",
        entity_id="7",
    )
    first = store.add_once(letter)
    assert first is not None
    assert store.add_once(letter) is None  # the second failure signal of the same task
    assert store.count() == 1
    stored = store.get(first)
    assert stored is not None
    assert (stored.task_id, stored.reason, stored.kwargs, stored.entity_id) == (
        "t-once",
        letter.reason,
        letter.kwargs,
        "7",
    )
    # another task of the same order is another letter
    assert store.add_once(dataclasses.replace(letter, task_id="t-other")) is not None
    assert store.count() == 2
