"""Task outcomes on a real worker and beat: transient errors retried with backoff, everything else to the DLQ.

One worker (two processes) and one beat serve the whole module; each test sends its own task and reads
what happened from the Redis list the test task appends to, and from the dead-letter stream.
"""

from __future__ import annotations

import datetime as dt
import itertools
import json
import time
import uuid
from collections.abc import Iterator
from dataclasses import dataclass
from decimal import Decimal
from pathlib import Path
from typing import Any

import pytest
import redis
from celery import Celery

from config.settings import Settings
from connector_worker.app import make_app
from connector_worker.delayed import DelayedQueue
from connector_worker.dlq import DeadLetter, DeadLetterStore
from connector_worker.redis_keys import RedisKeys
from tests.support.celery_worker import (
    TEST_TUNING,
    CeleryProcess,
    celery_env,
    start_beat,
    start_worker,
    wait_until,
    write_instances_file,
)

SHOP_MAX_RETRIES = 3


@dataclass
class Stack:
    app: Celery
    client: redis.Redis
    keys: RedisKeys
    worker: CeleryProcess

    def send(self, **kwargs: Any) -> tuple[str, str]:
        """Send test.record with a fresh run key; returns (task id, run key)."""
        run_key = f"{self.keys.prefix}runs:{uuid.uuid4().hex[:8]}"
        result = self.app.send_task("test.record", kwargs={"run_key": run_key, **kwargs})
        return result.id, run_key

    def runs(self, run_key: str, event: str = "start") -> list[dict[str, Any]]:
        entries = [json.loads(raw) for raw in self.client.lrange(run_key, 0, -1)]
        return [entry for entry in entries if entry["event"] == event]

    def dead_letter(self, task_id: str, timeout: float = 15.0) -> DeadLetter:
        store = DeadLetterStore(self.client, self.keys)
        return wait_until(lambda: next((x for x in store.list() if x.task_id == task_id), None), timeout)

    def dead_letters_of(self, task_id: str) -> list[DeadLetter]:
        return [x for x in DeadLetterStore(self.client, self.keys).list() if x.task_id == task_id]


@pytest.fixture(scope="module")
def stack(redis_url: str, tmp_path_factory: pytest.TempPathFactory) -> Iterator[Stack]:
    prefix = f"test:{uuid.uuid4().hex[:8]}:"
    config = write_instances_file(
        tmp_path_factory.mktemp("cfg") / "instances.toml", ("shop", {"max_retries": SHOP_MAX_RETRIES})
    )
    env = celery_env(redis_url, prefix, config_path=config)
    worker, beat = start_worker(env, concurrency=2), start_beat(env)
    client = redis.Redis.from_url(redis_url)
    app = make_app(Settings(redis_url=redis_url, key_prefix=prefix), TEST_TUNING, set_as_current=False)
    try:
        worker.wait_ready()
        beat.wait_ready()
        yield Stack(app, client, RedisKeys(prefix), worker)
    finally:
        beat.stop()
        worker.stop()
        app.close()
        client.close()


def test_transient_failure_is_retried_with_growing_delays_and_runs_once_more_only(stack: Stack) -> None:
    # given an order sync that fails three times with a 503, for an instance allowing 3 retries
    task_id, run_key = stack.send(behaviour="transient", fail_times=3, instance="shop", entity_id=42)
    # when the worker and beat handle it
    wait_until(lambda: stack.runs(run_key, "done"), timeout=20)
    starts = stack.runs(run_key)
    # then it ran four times, as retries 0..3 of the same task id
    assert [run["retries"] for run in starts] == [0, 1, 2, 3]
    assert {run["task_id"] for run in starts} == {task_id}
    # and each wait was at least the backoff floor (base * 2**n / 2), the floor doubling each time
    gaps = [later["at"] - earlier["at"] for earlier, later in itertools.pairwise(starts)]
    base = TEST_TUNING.retry_backoff_base_seconds
    floors = [base * 2**n / 2 for n in range(3)]
    assert all(gap >= floor - 0.01 for gap, floor in zip(gaps, floors, strict=True)), gaps
    assert gaps[2] > gaps[0], gaps
    # and no copy turns up after the visibility timeout has passed (no countdown held by a worker)
    time.sleep(TEST_TUNING.visibility_timeout_seconds + 1.5)
    assert len(stack.runs(run_key)) == 4
    assert len(stack.runs(run_key, "done")) == 1
    assert stack.dead_letters_of(task_id) == []
    assert DelayedQueue(stack.client, stack.keys).pending() == 0


def test_a_transient_failure_of_a_task_carrying_an_order_payload_is_retried_with_the_payload_intact(
    stack: Stack,
) -> None:
    # given a task carrying an order as a pull hands it over (Decimal amounts, datetimes), failing once
    order = {"grand_total": Decimal("12.30"), "updated_at": dt.datetime(2026, 11, 27, 10, 0, tzinfo=dt.UTC)}
    task_id, run_key = stack.send(
        behaviour="transient", fail_times=1, instance="shop", entity_id=7, order=order
    )
    # when the worker and beat handle it
    wait_until(lambda: stack.runs(run_key, "done"), timeout=20)
    # then the retry ran with the same payload, its types intact, and nothing was dead-lettered
    runs = stack.runs(run_key)
    assert [run["retries"] for run in runs] == [0, 1]
    assert [run["order_types"] for run in runs] == [{"grand_total": "Decimal", "updated_at": "datetime"}] * 2
    assert stack.dead_letters_of(task_id) == []


def test_a_call_whose_answer_was_lost_is_retried_only_once_it_has_surely_finished(stack: Stack) -> None:
    # given a task whose call's answer is lost once (it may still be running in Odoo)
    task_id, run_key = stack.send(behaviour="unknown", fail_times=1, instance="shop", entity_id=8)
    # when the worker and beat handle it
    wait_until(lambda: stack.runs(run_key, "done"), timeout=20)
    # then the retry waited the settle time, not the first backoff step (a fraction of a second)
    first, second = stack.runs(run_key)
    assert second["at"] - first["at"] >= TEST_TUNING.outcome_settle_seconds
    assert TEST_TUNING.retry_backoff_base_seconds < TEST_TUNING.outcome_settle_seconds
    assert stack.dead_letters_of(task_id) == []


def test_exhausted_transient_failure_is_dead_lettered_with_every_attempt(stack: Stack) -> None:
    # given a task without an instance (default budget: 2 retries) that always gets a 503
    task_id, run_key = stack.send(behaviour="transient", fail_times=99)
    # when its retries are spent
    letter = stack.dead_letter(task_id)
    # then it ran three times and the dead letter shows each attempt
    assert len(stack.runs(run_key)) == TEST_TUNING.max_retries + 1
    assert letter.reason.startswith("gave up after 3 attempts: TransientError: Magento answered 503")
    assert [(a.number, a.error) for a in letter.attempts] == [(n, "TransientError") for n in (1, 2, 3)]
    assert [a.message for a in letter.attempts] == [f"Magento answered 503 (run {n})" for n in (1, 2, 3)]
    assert letter.kwargs == {"run_key": run_key, "behaviour": "transient", "fail_times": 99}


def test_permanent_error_goes_to_the_dlq_at_once(stack: Stack) -> None:
    # given an order with an unknown SKU
    task_id, run_key = stack.send(behaviour="permanent", instance="shop", entity_id=42)
    letter = stack.dead_letter(task_id)
    # then it ran once, and the dead letter names the instance, the order and why
    assert len(stack.runs(run_key)) == 1
    assert letter.reason == "permanent error: MappingError: unknown SKU 'NOPE-1' in order 42"
    assert (letter.task, letter.instance, letter.entity_id, letter.queue) == (
        "test.record",
        "shop",
        "42",
        "orders.pull",
    )
    assert [(a.number, a.error) for a in letter.attempts] == [(1, "MappingError")]
    assert letter.hostname is not None and letter.hostname.startswith("w1@")
    # and exactly one entry was written
    time.sleep(0.5)
    assert len(stack.dead_letters_of(task_id)) == 1
    # and the worker's log line about it carries the task's context
    lines = [json.loads(line) for line in stack.worker.log_text().splitlines() if line.startswith("{")]
    [logged] = [
        line for line in lines if line["event"] == "task_dead_lettered" and line.get("task_id") == task_id
    ]
    assert (logged["instance"], logged["order_id"], logged["level"]) == ("shop", 42, "error")


def test_unexpected_exception_is_dead_lettered_at_once(stack: Stack) -> None:
    task_id, run_key = stack.send(behaviour="bug")
    letter = stack.dead_letter(task_id)
    assert len(stack.runs(run_key)) == 1
    assert letter.reason.startswith("unexpected error, not retried: KeyError")


def test_retry_after_from_the_server_is_honoured(stack: Stack) -> None:
    # given Magento answers 429 with Retry-After: 1.5 s, far above the 0.4 s backoff
    _, run_key = stack.send(behaviour="transient", fail_times=1, retry_after=1.5)
    wait_until(lambda: stack.runs(run_key, "done"), timeout=10)
    first, second = stack.runs(run_key)
    assert second["at"] - first["at"] >= 1.5


def test_unknown_instance_is_a_configuration_error(stack: Stack) -> None:
    task_id, run_key = stack.send(behaviour="transient", fail_times=5, instance="ghost")
    letter = stack.dead_letter(task_id)
    assert len(stack.runs(run_key)) == 1
    assert letter.reason.startswith("configuration error: ConfigError: instance 'ghost': unknown")


def test_positional_arguments_are_refused(stack: Stack) -> None:
    result = stack.app.send_task("test.record", args=["x"])
    letter = stack.dead_letter(result.id)
    assert letter.reason == (
        "permanent error: PermanentError: test.record takes keyword arguments only (JSON kwargs carrying ids)"
    )


def test_replayed_dead_letter_runs_again_with_its_kwargs(stack: Stack, tmp_path: Path) -> None:
    from click.testing import CliRunner

    from connector_worker.cli.dlq_cmd import dlq

    # given a task dead-lettered after three 503s
    task_id, run_key = stack.send(behaviour="transient", fail_times=3)
    letter = stack.dead_letter(task_id)
    # when an operator replays it (the remote is fine by now: a fourth run succeeds)
    env = {"REDIS_URL": _url(stack), "CONNECTOR_KEY_PREFIX": stack.keys.prefix, "CONNECTOR_CONFIG": ""}
    result = CliRunner().invoke(dlq, ["replay", letter.id or ""], env=env)
    assert result.exit_code == 0, result.output
    # then it runs with the same kwargs under a new task id, and the entry is gone
    done = wait_until(lambda: stack.runs(run_key, "done"), timeout=10)
    assert done[0]["task_id"] != task_id
    assert stack.dead_letters_of(task_id) == []


def _url(stack: Stack) -> str:
    kwargs = stack.client.get_connection_kwargs()
    return f"redis://{kwargs['host']}:{kwargs['port']}/{kwargs.get('db', 0)}"
