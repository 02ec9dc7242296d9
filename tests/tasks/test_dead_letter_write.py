"""A dead letter Redis will not take: the log line is then the only record, so it must say how to replay."""

from __future__ import annotations

import socket
from typing import Any

import pytest
import redis
from redis.backoff import NoBackoff
from redis.retry import Retry
from structlog.testing import capture_logs

from connector_worker.errors import PermanentError
from connector_worker.redis_keys import RedisKeys
from tasks import base
from tasks.pull import pull_orders_task
from tasks.sync import sync_order_task


def _refusing_redis() -> redis.Redis:
    """A client of a port nobody listens on: every command raises ConnectionError at once."""
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        port = probe.getsockname()[1]
    return redis.Redis(host="127.0.0.1", port=port, socket_connect_timeout=0.5, retry=Retry(NoBackoff(), 0))


def _write_failed(sender: Any, kwargs: dict[str, Any]) -> dict[str, Any]:
    with capture_logs() as lines:
        base._write_dead_letter(
            sender=sender,
            task_id="t-1",
            exception=PermanentError("unknown SKU in Odoo: 'X-1'"),
            kwargs=kwargs,
        )
    [line] = [line for line in lines if line["event"] == "dead_letter_write_failed"]
    return line


@pytest.fixture(autouse=True)
def redis_refuses_writes(monkeypatch: pytest.MonkeyPatch) -> None:
    client = _refusing_redis()
    monkeypatch.setattr(base, "get_redis", lambda: client)
    monkeypatch.setattr(base, "get_keys", lambda: RedisKeys("test-dlq-write:"))


def test_an_unwritten_sync_letter_is_logged_with_its_order_reason_and_replay_command() -> None:
    line = _write_failed(sync_order_task, {"instance": "luma", "entity_id": 42, "order": {"x": 1}})
    assert line["instance"] == "luma" and line["order_id"] == "42"
    assert "unknown SKU in Odoo: 'X-1'" in line["reason"]
    assert line["replay"] == "connector sync --instance luma 42"
    assert "order" not in line and "kwargs" not in line  # the payload (a customer's address) stays out


def test_an_unwritten_letter_of_another_task_names_no_replay_command() -> None:
    line = _write_failed(pull_orders_task, {"instance": "luma"})
    assert line["instance"] == "luma" and line["replay"] is None
